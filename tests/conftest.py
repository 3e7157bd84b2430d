"""Hooks only (shared helpers live in tests/helpers.py)."""


def pytest_report_header(config):
    """One line saying whether the browser checks of the slides and the site can run."""
    import web

    path = web.find_chromium()
    return f"browser checks: {path}" if path else f"browser checks: SKIPPED. {web.INSTALL_HINT}"


def pytest_collection_finish(session):
    """Start the site builds early when their tests are to run (tests/site_build.py)."""
    users = ("tests/test_site_browser.py", "tests/test_site_build.py")
    if any(item.nodeid.startswith(users) for item in session.items):
        import site_build

        site_build.start()


def pytest_sessionfinish(session):
    """The run is over (in the controller, or without xdist): remove the finished builds."""
    if not hasattr(session.config, "workerinput"):
        import site_build

        site_build.clean()
