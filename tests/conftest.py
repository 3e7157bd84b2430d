"""Hooks only (shared helpers live in tests/helpers.py)."""


def pytest_collection_finish(session):
    """Start the site build early when its browser tests are to run (tests/site_build.py)."""
    if any(item.nodeid.startswith("tests/test_site_browser.py") for item in session.items):
        import site_build

        site_build.start()
