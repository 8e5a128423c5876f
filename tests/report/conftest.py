"""One web app over the small demo database for the report tests: its Context is the Platform every test builds
reports from, so the scoreboard and chains are computed once for all of them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="session")
def report_app(demo_db):
    from chanye.web.app import create_app

    app = create_app(demo_db)
    yield app
    app.state.ctx.store.close()


@pytest.fixture(scope="session")
def platform(report_app):
    return report_app.state.ctx


@pytest.fixture(scope="session")
def report_client(report_app):
    with TestClient(report_app) as c:
        yield c
