"""Headless Chromium for the browser tests (tests/test_site_browser.py): one browser, pages served from 127.0.0.1.

Debian's ``chromium`` (installed by .ci/run) is driven by the playwright package; playwright's
own browser download is never needed. Without a Chromium the tests are skipped with one line
saying how to install it, except in CI (``CI`` set), where that is a failure.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

INSTALL_HINT = ("Chromium not found, so the browser checks of the slides and the site are skipped. "
                "Install it (Debian/Ubuntu: sudo apt-get install chromium fonts-noto-cjk; "
                "macOS: brew install --cask chromium) or set CHROMIUM=/path/to/chromium.")

# As the machine notes advise: no background traffic (this network reaches no CDN or Google host).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]

MAC_APPS = ("/Applications/Chromium.app/Contents/MacOS/Chromium",
            "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome")


def find_chromium() -> str | None:
    candidates = [os.environ.get("CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
                  shutil.which("google-chrome"), *MAC_APPS]
    return next((c for c in candidates if c and Path(c).exists()), None)


def require_chromium() -> str:
    """The Chromium to use; skips (or fails in CI) with the install hint when there is none."""
    path = find_chromium()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser checks: " + INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    return path


class Server:
    """A static file server on 127.0.0.1 (random port) for one directory, in a thread."""

    def __init__(self, root: Path):
        class Handler(http.server.SimpleHTTPRequestHandler):
            protocol_version = "HTTP/1.1"          # keep-alive: one connection serves many files

            def end_headers(self):                 # the pages share their theme, MathJax and reveal.js
                self.send_header("Cache-Control", "max-age=3600")
                super().end_headers()

            def log_message(self, *args):
                pass

        class Quiet(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):   # a page closed mid-transfer
                pass

        handler = functools.partial(Handler, directory=str(root))
        self.httpd = Quiet(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Visit:
    """What one page load did: console errors, failed or external requests."""

    def __init__(self, page, origin: str):
        self.page, self.origin = page, origin
        self.problems: list[str] = []
        self.external: list[str] = []

    def __enter__(self):
        page = self.page
        self._handlers = [
            ("console", lambda m: m.type == "error" and self.problems.append(f"console error: {m.text}")),
            ("pageerror", lambda e: self.problems.append(f"page error: {e}")),
            ("requestfailed", lambda r: r.url.startswith(self.origin)
             and self.problems.append(f"failed request: {r.url} ({r.failure})")),
            ("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}")),
        ]
        for event, handler in self._handlers:
            page.on(event, handler)
        return self

    def __exit__(self, *exc):
        for event, handler in self._handlers:
            self.page.remove_listener(event, handler)
        return False


def block_outside(context, origin: str, record: list[str]) -> None:
    """Abort and record every request that leaves ``origin`` (a CDN would be one)."""
    def route(r):
        url = r.request.url
        if url.startswith((origin, "data:", "blob:", "about:")):
            r.continue_()
        else:
            record.append(url)
            r.abort()
    context.route("**/*", route)


def open_all(context, urls: list[str], origin: str, at_once: int = 4):
    """Yield ``(url, page, visit)`` for each URL once it has loaded; up to ``at_once`` pages load
    side by side in the one browser. The caller checks the page; it is closed afterwards."""
    pending = list(urls)
    loading: list = []
    while pending or loading:
        while pending and len(loading) < at_once:
            url = pending.pop(0)
            page = context.new_page()
            visit = Visit(page, origin).__enter__()
            page.goto(url, wait_until="commit")
            loading.append((url, page, visit))
        url, page, visit = loading.pop(0)
        page.wait_for_load_state("load")
        try:
            yield url, page, visit
        finally:
            visit.__exit__(None, None, None)
            page.close()


# JavaScript run in the pages -------------------------------------------------------------

WAIT_IMAGES = """async () => {
  const imgs = [...document.images];
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.complete ? null :
      new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
  return imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.currentSrc || i.src);
}"""

# The text a reader sees, without code, scripts or speaker notes.
VISIBLE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('pre, code, script, style, textarea, aside.notes, mjx-assistive-mml')
      .forEach(e => e.remove());
  return body.textContent;
}"""

MATH_STATE = """() => ({
  typeset: document.querySelectorAll('mjx-container').length,
  errors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent),
})"""
