"""A new user's empty database: every page and endpoint answers with a message, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from chanye.web.app import create_app

URLS = ["/", "/cluster", "/cluster/biomed", "/district", "/district/440106", "/enterprises?q=abc", "/data",
        "/opportunities", "/chains", "/chains/icv-nev", "/api/v1/scoreboard/nodes", "/api/v1/scoreboard.xlsx",
        "/api/v1/complexity/opportunities", "/api/v1/chains", "/api/v1/enterprises"]


@pytest.fixture(scope="module")
def empty_client(tmp_path_factory):
    app = create_app(tmp_path_factory.mktemp("empty") / "empty.duckdb")
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    app.state.ctx.store.close()


@pytest.mark.parametrize("url", URLS)
def test_no_500_on_an_empty_database(empty_client, url) -> None:
    response = empty_client.get(url)
    assert response.status_code in (200, 404), response.text[:300]
    if response.status_code == 404 and url.startswith("/api/v1/scoreboard"):
        assert response.json()["error"]["message"] == "数据库中还没有企业年度指标 (the registry holds no yearly figures yet)"
