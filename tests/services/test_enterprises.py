"""Enterprises, imports and published figures through the Platform of a second city (Shenzhen's pack): the
import checks Shenzhen's districts, search facets and names follow the pack, results carry machine keys,
units and provenance."""

from __future__ import annotations

from pathlib import Path

import pytest

from chanye.errors import NotFound
from chanye.framework import load_pack
from chanye.registry.store import Store
from chanye.registry.uscc import make_uscc
from chanye.services import enterprises, imports
from chanye.services.platform import Platform

PACK = "shenzhen-20-8"
FIRMS = [make_uscc(f"91440300MA{i:07d}") for i in range(3)]
CSV = ("统一社会信用代码,企业名称,所属区,行业代码,营业收入（万元）,从业人员,年份,企业标签\n"
       f"{FIRMS[0]},示例南山电池有限公司,南山,3841,1200,80,2024,专精特新\n"
       f"{FIRMS[1]},示例福田软件有限公司,Futian,6513,300,40,2024,\n"
       f"{FIRMS[2]},示例坏区公司,天河区,3841,10,5,2024,\n")


@pytest.fixture
def platform(tmp_path: Path):
    store = Store(":memory:")
    p = Platform(":memory:", PACK, store=store)
    path = tmp_path / "深圳名录.csv"
    path.write_text(CSV, encoding="utf-8")
    stages = []
    report = imports.import_file(p, path, progress=lambda stage, fraction: stages.append(stage))
    p.report, p.stages = report, stages
    yield p
    store.close()


def test_the_import_checks_the_packs_districts(platform):
    report = platform.report
    assert (report.rows_total, report.rows_loaded, report.rows_quarantined) == (3, 2, 1)
    assert report.reasons == {"所属区: 无法识别的区 …：不是深圳市的区 (not a district of Shenzhen)": 1}
    assert platform.stages == ["reading", "validating", "writing", "done"]  # machine codes, worded by labels
    assert platform.generation == 1  # a new data generation: every cached view is dropped
    page = imports.quarantine_page(platform)
    assert (page.batch, page.total, page.reasons) == (1, 1, {"district": 1})
    assert page.rows.rows[0]["reason_text"] == {
        "zh": "所属区: 无法识别的区 '天河区'：不是深圳市的区 (not a district of Shenzhen)",
        "en": "District: 无法识别的区 '天河区'：不是深圳市的区 (not a district of Shenzhen)"}


def test_search_facets_and_names_follow_the_pack(platform):
    result = platform.search("", sort="revenue")
    assert result.total == 2 and result.mode == "all" and result.query.sort == "revenue"
    rows = result.firms.rows
    assert [r["uscc"] for r in rows] == [FIRMS[0], FIRMS[1]]
    assert rows[0]["district"] == {"zh": "南山区", "en": "Nanshan"}
    assert rows[1]["district"] == {"zh": "福田区", "en": "Futian"}
    assert rows[0]["tags"] == ["srdi"] and rows[0]["provenance"] == "registry"
    facets = {r["district_code"]: r["enterprises"] for r in result.facets.rows}
    assert list(facets) == [d.code for d in load_pack(PACK).city.districts]
    assert (facets["440305"], facets["440304"], sum(facets.values())) == (1, 1, 2)
    cells = result.firms.cells()
    assert cells[0]["revenue"] == {"value": 1200.0, "unit": "wan_yuan", "provenance": "registry"}
    assert cells[0]["employees"] == {"value": 80.0, "unit": "persons", "provenance": "registry"}
    assert result.firms.provenance.key == "registry"


def test_filters_and_errors_name_the_packs_city(platform):
    assert platform.search(district="440305").total == 1
    with pytest.raises(NotFound, match=r"^没有行政区划代码为 999999 的区 \(unknown district\)（可用: 440303, 440304, "
                                       r"440305, 440306, 440307, 440308, 440309, 440310, 440311）$"):
        platform.search(district="999999")
    with pytest.raises(NotFound, match=r"^没有行政区划代码为 999900 的城市 \(unknown city\)（如 440300 深圳市）$"):
        platform.search(city="999900")
    counts = platform.tag_counts(district="440305")
    assert {r["tag"]: r["enterprises"] for r in counts.rows} == {
        "above_scale": 0, "high_tech": 0, "srdi": 1, "little_giant": 0, "listed": 0}
    assert counts.meta["total"] == 1


def test_an_enterprises_profile(platform):
    detail = platform.enterprise(FIRMS[0].lower())
    assert (detail.uscc, detail.name, detail.district_code, detail.tags) == (
        FIRMS[0], "示例南山电池有限公司", "440305", ("srdi",))
    row = detail.attributes.rows[0]
    assert (row["district"], row["city_code"], row["batch_id"]) == ({"zh": "南山区", "en": "Nanshan"}, "440300", "1")
    assert [f["year"] for f in detail.figures.rows] == [2024]
    assert detail.figures.cells()[0]["revenue"] == {"value": 1200.0, "unit": "wan_yuan", "provenance": "registry"}
    assert detail.figures.cells()[0]["energy_use"]["unit"] == "tce"
    assert all(link["node_name"]["zh"] and link["method"] == "code" for link in detail.links.rows)
    with pytest.raises(NotFound, match=r"^没有统一社会信用代码为 X 的企业 \(no such enterprise\)（用企业搜索查找）$"):
        platform.enterprise("X")


def test_place_names_and_the_district_table():
    city = load_pack(PACK).city
    assert enterprises.place_name(city, "440305") == {"zh": "南山区", "en": "Nanshan"}
    assert enterprises.place_name(city, "440106") == {"zh": "广州市天河区", "en": "广州市天河区"}  # elsewhere
    assert enterprises.place_name(city, "999999") is None and enterprises.place_name(city, None) is None
    table = enterprises.district_table(city)
    assert table["440306"] == {"code": "440306", "name": "宝安区", "name_en": "Bao'an"}
    assert enterprises.district_table("440300")["440306"]["name_en"] == "宝安区"  # a bare code: no English names


def test_batches_are_a_typed_table(platform):
    history = platform.batches()
    assert history.name == "batches" and len(history.rows) == 1
    row = history.cells()[0]
    assert (row["batch_id"], row["file"], row["kind"], row["status"], row["synthetic"]) == (
        "1", "深圳名录.csv", "file", "done", False)
    assert row["rows_total"] == {"value": 3, "unit": "rows", "provenance": "registry"}
    assert row["inserted"] == {"value": 2, "unit": "firms", "provenance": "registry"}
