"""Web fixtures: one small demo database per session (scale 0.03, seed 12218) and a TestClient over it.

Tests that write (uploads) get their own copy of the database and their own app (`fresh_client`).
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

SCALE = 0.03
SEED = 12218


def build_demo(path: Path) -> Path:
    """The demo builder (`chanye.demo.synthetic.build_database`, or `seed.build_database` where it lives)."""
    try:
        from chanye.demo.synthetic import build_database
    except ImportError:
        from chanye.demo.seed import build_database
    build_database(path, scale=SCALE, seed=SEED, force=True)
    return path


@pytest.fixture(scope="session")
def web_db(request, tmp_path_factory) -> Path:
    """A small demo database: the shared `demo_db` fixture when tests/conftest.py offers one, else built here."""
    try:
        return Path(request.getfixturevalue("demo_db"))
    except pytest.FixtureLookupError:
        return build_demo(tmp_path_factory.mktemp("web-demo") / "demo.duckdb")


@pytest.fixture(scope="session")
def app(web_db):
    from chanye.web.app import create_app

    application = create_app(web_db)
    yield application
    application.state.ctx.store.close()


@pytest.fixture(scope="session")
def client(app) -> TestClient:
    with TestClient(app) as c:
        yield c


@pytest.fixture(autouse=True)
def _chinese_again(request):
    """`?lang=en` sets a cookie and the session's client is shared: each test starts in Chinese again."""
    client = request.getfixturevalue("client") if "client" in request.fixturenames else None  # torn down after us
    yield
    if client is not None:
        client.cookies.delete("lang")


@pytest.fixture(scope="session")
def store(app):
    return app.state.ctx.cursor()


@pytest.fixture
def fresh_client(web_db, tmp_path):
    """A client over a private copy of the demo database (for tests that import data)."""
    from chanye.web.app import create_app

    copy = tmp_path / "copy.duckdb"
    shutil.copy(web_db, copy)
    application = create_app(copy)
    with TestClient(application) as c:
        yield c
    application.state.ctx.store.close()


def app_with_accounts(web_db: Path, folder: Path, roles: dict, passwords: dict):
    """A copy of the demo database with these accounts ({name: (role, district)}), served with accounts on."""
    from chanye.framework import load_pack
    from chanye.registry.store import Store
    from chanye.services import accounts
    from chanye.web.app import create_app

    path = folder / "accounts.duckdb"
    shutil.copy(web_db, path)
    city = load_pack(None).city
    with Store.reader(path) as store:
        for name, (role, district) in roles.items():
            accounts.add_user(store, city, name, role, passwords[name], district)
    return create_app(path, auth=True)


def sign_in(app, name: str, password: str, next_url: str = "/") -> TestClient:
    """A client signed in to an `app_with_accounts` app (the sign-in answered 303)."""
    client = TestClient(app)
    response = client.post("/login", data={"name": name, "password": password, "next": next_url},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def in_thread(fn, *args):
    """`fn(*args)` in a thread of its own: asyncio.run refuses a thread where an event loop runs (Playwright's sync
    API leaves one in the main thread when the browser tests ran first)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()
