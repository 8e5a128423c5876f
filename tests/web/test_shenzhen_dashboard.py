"""A second city with no code change: the Shenzhen "20+8" pack's synthetic registry drives the dashboard,
the scoreboard, the chains and the opportunities, with Shenzhen's districts and map."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from .visible import visible

PACK = "shenzhen-20-8"
SHENZHEN_DISTRICTS = ["440303", "440304", "440305", "440306", "440307", "440308", "440309", "440310", "440311"]


@pytest.fixture(scope="module")
def sz(tmp_path_factory):
    from chanye.demo.seed import build_database
    from chanye.web.app import create_app

    path = tmp_path_factory.mktemp("sz-dashboard") / "demo.duckdb"
    build_database(path, scale=0.02, seed=12218, force=True, pack=PACK)
    app = create_app(path, PACK)
    with TestClient(app) as client:
        yield client
    app.state.ctx.store.close()


@pytest.mark.parametrize("page", ["/", "/cluster", "/cluster/semiconductor", "/district", "/district/440305",
                                  "/chains", "/chains/semiconductor", "/opportunities", "/enterprises", "/data"])
def test_every_page_renders_for_shenzhen(sz, page) -> None:
    r = sz.get(page)
    assert r.status_code == 200, page
    # 12218 as a word, not digits inside a number (a score such as -0.12218125 is no mention of the system)
    assert "示例数据" in r.text and not re.search(r"(?<![\d.])12218(?![\d])", r.text)


def test_the_scoreboard_is_shenzhens(sz) -> None:
    districts = sz.get("/api/v1/scoreboard/districts").json()
    assert [r["adcode"] for r in districts["rows"]] == SHENZHEN_DISTRICTS
    assert districts["rows"][2]["district"] == {"zh": "南山区", "en": "Nanshan"}
    nodes = sz.get("/api/v1/scoreboard/nodes", params={"district": "南山"}).json()
    assert nodes["area"] == "440305" and nodes["rows"][0]["node_id"] == "sz20-8"
    assert sz.get("/api/v1/scoreboard/nodes", params={"district": "天河"}).status_code == 404


def test_the_map_and_the_twins_follow_the_pack(sz) -> None:
    geo = sz.get("/vendor/maps/440300.json").json()
    assert len(geo["features"]) == 9
    assert sz.get("/vendor/maps/440100.json").status_code == 404
    model = sz.get("/district.json").json()
    assert [r["code"] for r in model["rows"]] == SHENZHEN_DISTRICTS
    assert sz.get("/index.json").json()["pack"]["id"] == PACK


def test_the_overview_speaks_of_shenzhens_system_only(sz) -> None:
    html = sz.get("/").text
    assert '<span class="sub">20+8</span>' in html and "21+8" not in html
    shown = visible(html)
    assert "城市主要指标" not in shown  # no published headline figures for this city: no empty card
    assert "规模指标：框架包为每个节点设定" in shown


def test_the_report_follows_shenzhens_template(sz) -> None:
    """The 生成报告 download for Shenzhen: its own template's title and section order (集群 and 目标进度 right after
    the summary), Shenzhen's names only, 示例数据 in the header (issue 16)."""
    import io

    from docx import Document as Word

    response = sz.get("/report.docx", params={"period": "2024"})
    assert response.status_code == 200
    word = Word(io.BytesIO(response.content))
    text = "\n".join(p.text for p in word.paragraphs)
    assert [p.text for p in word.paragraphs if p.style.name == "Heading 1"][:4] == [
        "一、摘要", "二、战略性新兴产业集群与未来产业", "三、目标进度", "四、总体情况"]
    assert "深圳市“20+8”产业集群发展监测报告" in text
    assert "广州" not in text and "12218" not in text
    assert all("示例数据" in "".join(p.text for p in s.header.paragraphs) for s in word.sections)
