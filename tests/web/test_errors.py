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


@pytest.mark.parametrize(("url", "message", "hint"), [
    ("/cluster/nosuch.json", "框架 {pack} 中没有节点 'nosuch' (unknown node)", "用 chanye framework show 查看节点"),
    ("/chains/nosuch.json", "框架 {pack} 中没有产业链 'nosuch' (unknown chain)", "用 chanye chains 查看"),
    ("/enterprise/nosuch.json", "没有统一社会信用代码为 NOSUCH 的企业 (no such enterprise)", "用企业搜索查找"),
])
def test_a_json_twin_answers_its_errors_in_json_whatever_the_client_accepts(app, client, url, message, hint):
    # issue 17: /openapi.json declares ErrorBody for the .json twins, so a browser's Accept must not turn it
    # into the HTML error page
    r = client.get(url, headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/json"
    assert r.json()["error"] == {"status": 404, "title": "未找到 Not found",
                                 "message": message.format(pack=app.state.ctx.framework.id),
                                 "hint": hint}


def test_a_missing_map_file_is_a_404_without_the_server_path(app, client, monkeypatch, tmp_path, caplog):
    # issue 17: the body used to name the missing file's server path; now only the log does
    missing = tmp_path / "secret-dir" / "440100.json"
    monkeypatch.setenv("CHANYE_MAP_FILE", str(missing))
    city = app.state.ctx.framework.city
    with caplog.at_level(logging.WARNING, logger="chanye.web"):
        r = client.get(f"/vendor/maps/{city.code}.json")
    assert r.status_code == 404
    assert r.json()["error"] == {
        "status": 404, "title": "未找到 Not found",
        "message": f"{city.name}的地图文件不在服务器上 (map file missing on the server)",
        "hint": "管理员: 运行 npm ci，或设置 CHANYE_MAP_FILE；路径见服务器日志 (see the server log)"}
    assert "secret-dir" not in r.text
    assert [rec.getMessage() for rec in caplog.records if rec.name == "chanye.web"] == [
        f"地图文件不存在 map file missing: {missing}"]
