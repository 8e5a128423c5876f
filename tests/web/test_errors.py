"""The one error handler: an unexpected exception answers 500 with an id, never its text or a path."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def failing_client(web_db):
    from chanye.web.app import create_app

    app = create_app(web_db)

    def boom():
        raise KeyError("/srv/chanye/data/secret.duckdb")

    app.add_api_route("/api/v1/boom", boom)
    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    app.state.ctx.store.close()


@pytest.mark.parametrize("url", ["/api/v1/boom", "/boom"])
def test_unexpected_errors_keep_their_details_in_the_log(failing_client, url, caplog):
    with caplog.at_level(logging.ERROR, logger="chanye.web"):
        r = failing_client.get(url)
    assert r.status_code == 500
    assert "secret.duckdb" not in r.text and "KeyError" not in r.text and "Traceback" not in r.text
    match = re.search(r"服务器内部错误，编号 ([0-9a-f]{12}) \(internal error \1\)", r.text)
    assert match
    [record] = [rec for rec in caplog.records if rec.name == "chanye.web"]
    assert record.getMessage() == f"内部错误 internal error {match.group(1)} on GET {url}"
    assert record.exc_info[0] is KeyError and "secret.duckdb" in str(record.exc_info[1])
    if url.startswith("/api/"):
        assert r.json()["error"]["hint"] == "请把编号报告给维护者，详情在服务器日志中 (report this id; the server log has the details)"


@pytest.mark.parametrize("method", ["TRACE", "DELETE"])
def test_a_method_not_allowed_names_the_allowed_ones(client, method):
    r = client.request(method, "/api/v1/framework")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET"
    assert r.json()["error"]["message"] == "Method Not Allowed"
