"""Browser fixtures: uvicorn on a free 127.0.0.1 port in a thread, over a private small demo database, and
Debian's /usr/bin/chromium driven by Playwright (never a downloaded browser).

Without chromium the browser tests skip locally and FAIL under CI=true.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHANYE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path(__file__).parent / "screenshots"
SCALE = 0.03
SEED = 12218


def _missing(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests need {reason} under CI=true: apt-get install chromium fonts-noto-cjk", pytrace=False)
    pytest.skip(f"{reason} (apt-get install chromium fonts-noto-cjk)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser_db(request, tmp_path_factory) -> Path:
    """A private copy of the shared small demo database (the upload test writes to it)."""
    path = tmp_path_factory.mktemp("browser-demo") / "demo.duckdb"
    try:
        shutil.copy(request.getfixturevalue("demo_db"), path)
    except pytest.FixtureLookupError:
        try:
            from chanye.demo.synthetic import build_database
        except ImportError:
            from chanye.demo.seed import build_database
        build_database(path, scale=SCALE, seed=SEED, force=True)
    return path


@contextmanager
def serving(app, name: str = "uvicorn") -> Iterator[str]:
    """Serve `app` (a chanye web app) with uvicorn in a thread; yields its base URL; closes its store after."""
    import uvicorn

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, name=name, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started:
        if time.time() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start", pytrace=False)
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        app.state.ctx.store.close()


@pytest.fixture(scope="session")
def server(browser_db):
    """The dashboard on http://127.0.0.1:PORT, served by uvicorn in a thread."""
    from chanye.web.app import create_app

    app = create_app(browser_db)
    with serving(app) as url:
        yield {"url": url, "app": app, "db": browser_db}


@pytest.fixture(scope="session")
def browser():
    executable = CHROMIUM if Path(CHROMIUM).exists() else None
    if executable is None:
        _missing(f"Debian's chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        yield b
        b.close()


class Watch:
    """Console errors, page errors and every request that leaves 127.0.0.1."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", lambda msg: self.errors.append(f"console.{msg.type}: {msg.text}")
                if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("request", self._request)

    def _request(self, request) -> None:
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            return
        from urllib.parse import urlparse

        if urlparse(url).hostname != "127.0.0.1":
            self.outside.append(url)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.watch = Watch(pg)
    yield pg
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
