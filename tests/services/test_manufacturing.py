"""制造业立市 (issue 13 §5) as typed tables: the registry's shares on a tiny registry by hand, the national
tables' manufacturing share of GDP against direct sums, and the pack's published figures with their status."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from chanye.errors import NotFound
from chanye.framework import load_pack
from chanye.registry.store import Store
from chanye.services import io as io_service
from chanye.services import manufacturing as mfg


@pytest.fixture()
def tiny():
    city = load_pack(None).city
    d1, d2 = city.districts[0].code, city.districts[1].code
    store = Store(":memory:")
    # (uscc, district, code, year, revenue, value added) in 万元: M1, M2 factories (门类 C), S1 a service firm
    rows = [("M1", d1, "3612", 2023, 100.0, 30.0), ("M1", d1, "3612", 2024, 120.0, 40.0),
            ("S1", d1, "7240", 2023, 300.0, 70.0), ("S1", d1, "7240", 2024, 280.0, 60.0),
            ("M2", d2, "1310", 2024, 50.0, 10.0)]
    with store.transaction() as con:
        for uscc, district, code in {(r[0], r[1], r[2]) for r in rows}:
            con.execute("INSERT INTO enterprises (uscc, name, city_code, district_code, industry_code) "
                        "VALUES (?, ?, ?, ?, ?)", [uscc, uscc, city.code, district, code])
        for uscc, _, _, year, revenue, va in rows:
            con.execute("INSERT INTO enterprise_years (uscc, year, revenue, value_added) VALUES (?, ?, ?, ?)",
                        [uscc, year, revenue, va])
    return store, city, d1, d2


def test_registry_shares_by_hand(tiny) -> None:
    store, city, d1, d2 = tiny
    result = mfg.registry_table(store, city)
    rows = {(r["area_code"], r["year"]): r for r in result.rows}
    assert list(rows) == [(city.code, 2023), (city.code, 2024), (d1, 2023), (d1, 2024), (d2, 2024)]
    assert result.provenance.key == "registry"
    c23, c24 = rows[(city.code, 2023)], rows[(city.code, 2024)]
    # 2023: 1 of 2 firms; revenue 100 of 400 万元 (0.04 亿元); value added 30 of 100
    assert (c23["firms"], c23["mfg_firms"], c23["firms_share"], c23["revenue"], c23["mfg_revenue"],
            c23["revenue_share"], c23["va_share"]) == (2, 1, 50.0, 0.04, 0.01, 25.0, 30.0)
    # 2024: 2 of 3; revenue 170 of 450; value added 50 of 110; change 170/4.5 − 25 pp, the trend the same
    assert math.isclose(c24["firms_share"], 200 / 3, rel_tol=1e-15)
    assert math.isclose(c24["revenue_share"], 100 * 170 / 450, rel_tol=1e-15)
    assert math.isclose(c24["va_share"], 100 * 50 / 110, rel_tol=1e-15)
    assert math.isclose(c24["revenue_share_change"], 100 * 170 / 450 - 25, rel_tol=1e-12)
    assert math.isclose(c24["revenue_share_trend"], 100 * 170 / 450 - 25, rel_tol=1e-12)
    assert math.isnan(c23["revenue_share_change"])
    assert rows[(d1, 2024)]["revenue_share"] == 30.0 and rows[(d1, 2024)]["revenue_share_change"] == 5.0
    assert rows[(d2, 2024)]["firms_share"] == 100.0 and rows[(d2, 2024)]["area_name"]["zh"] == city.districts[1].name
    cells = result.cells()
    assert cells[0]["revenue_share"] == {"value": 25.0, "unit": "percent", "provenance": "registry"}
    assert cells[1]["revenue_share_trend"]["unit"] == "pp_per_year" and cells[0]["mfg_revenue"]["unit"] == "yi_yuan"
    only = mfg.registry_table(store, city, district=city.districts[1].name)
    assert [(r["area_code"], r["year"]) for r in only.rows] == [(d2, 2024)]
    with pytest.raises(NotFound, match="no such district"):
        mfg.registry_table(store, city, district="nowhere")
    with pytest.raises(NotFound, match="no yearly figures for the city's firms"):
        mfg.registry_table(Store(":memory:"), city)


def test_national_shares_equal_direct_sums() -> None:
    result = mfg.national_table()
    assert [r["table_id"] for r in result.rows] == ["china-2017-149", "china-2018-153", "china-2020-153"]
    t = io_service.load_table("china-2018-153")
    manuf = [t.codes.index(f"{k:03d}") for k in range(12, 100)]  # 012–099 (test_cli_io)
    row = result.rows[1]
    assert math.isclose(row["va_share"], 100 * t.value_added[manuf].sum() / t.value_added.sum(), rel_tol=1e-12)
    assert math.isclose(row["output_share"], 100 * t.x[manuf].sum() / t.x.sum(), rel_tol=1e-12)
    assert math.isclose(row["gdp"], t.value_added.sum() / 1e4, rel_tol=1e-15)
    assert [round(r["va_share"], 2) for r in result.rows] == [27.78, 26.59, 24.86]
    assert result.rows[0]["va_share_change"] is None
    assert math.isclose(result.rows[2]["va_share_change"], result.rows[2]["va_share"] - row["va_share"], rel_tol=1e-12)
    assert [c["va_share"]["provenance"] for c in result.cells()] == ["nbs_io_2017", "nbs_io_2018", "nbs_io_2020"]
    assert result.meta["trend_unit"] == "pp_per_year" and result.meta["trend"] < 0


def test_published_figures_carry_source_and_status(demo_db: Path) -> None:
    framework = load_pack(None)
    with Store.reader(demo_db) as store:
        result = mfg.published_table(store, framework)
    rows = {r["figure_id"]: r for r in result.rows}
    inv = rows["gz-2024-industrial-investment"]  # 《广州,好拼!》: > 1,700 亿元, +13.6%
    assert (inv["value"], inv["unit"], inv["comparison"], inv["growth"], inv["confirmation"], inv["source"]) == \
        (1700.0, "yi_yuan", ">", 13.6, "as_reported", "netease-haopin-2025")
    assert rows["gz-2024-tech-upgrade-investment-growth"]["value"] == 22.1  # 技改投资 +22.1%
    assert inv["source_title"] == "广州，好拼！"
    assert all(r["metric"] in mfg.METRICS for r in result.rows)
    assert "haizhu-2024-gdp" not in rows  # district figures are not city figures
    cell = next(c for c in result.cells() if c["figure_id"] == "gz-2024-industrial-investment")
    assert cell["value"] == {"value": 1700.0, "unit": "yi_yuan", "provenance": "netease-haopin-2025"}
    assert mfg.confirmation({"zh": "未核实。来自转载网站"}) == "unverified"
    assert mfg.confirmation({"zh": "国家统计局公报"}) == "official" and mfg.confirmation(None) == "official"
