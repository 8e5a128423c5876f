"""数智化、绿色化 (issue 13 §6) as typed tables: by district and node on a tiny registry by hand, and the demo's
synthetic sample (its own generator, flagged 示例数据, existing demo figures untouched)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from chanye.demo import transformation as demo_tf
from chanye.framework import load_pack
from chanye.registry import transformation as reg
from chanye.registry.store import Store
from chanye.services import transformation as tf_service


@pytest.fixture()
def tiny():
    framework = load_pack(None)
    city = framework.city
    d1, d2 = city.districts[0].code, city.districts[1].code
    store = Store(":memory:")
    with store.transaction() as con:
        for uscc, district in (("A", d1), ("B", d1), ("C", d2)):
            con.execute("INSERT INTO enterprises (uscc, name, city_code, district_code, industry_code) "
                        "VALUES (?, ?, ?, ?, '3612')", [uscc, uscc, city.code, district])
        for uscc, year, output in (("A", 2023, 1000.0), ("A", 2024, 1000.0), ("B", 2024, 500.0), ("C", 2024, 500.0)):
            con.execute("INSERT INTO enterprise_years (uscc, year, industrial_output) VALUES (?, ?, ?)",
                        [uscc, year, output])
        con.execute("INSERT INTO classifications (uscc, pack, node, method) VALUES ('A', ?, 'icv-nev', 'code'), "
                    "('C', ?, 'icv-nev', 'code')", [framework.id, framework.id])
    data = pd.DataFrame([
        {"uscc": "A", "year": 2023, "smart_level": 2, "smart_factory": False, "energy_tce": 100.0},
        {"uscc": "A", "year": 2024, "smart_level": 3, "smart_factory": True, "energy_tce": 80.0},
        {"uscc": "B", "year": 2024, "smart_level": 1, "smart_factory": False, "energy_tce": 100.0},
        {"uscc": "C", "year": 2024, "smart_level": 4, "digital_workshop": True, "energy_tce": 25.0},
    ]).reindex(columns=["uscc", "year", *reg.COLUMNS])
    with store.transaction():
        assert reg.upsert(store, data, 1, synthetic=False) == (4, 0, 0)
    return store, framework, d1, d2


def test_indicators_by_district_and_node(tiny) -> None:
    store, framework, d1, d2 = tiny
    views = tf_service.indicator_tables(store, framework)
    areas = {(r["area_code"], r["year"]): r for r in views["transformation_areas"].rows}
    city = framework.city.code
    assert list(areas) == [(city, 2023), (city, 2024), (d1, 2023), (d1, 2024), (d2, 2024)]
    c24 = areas[(city, 2024)]
    # 2024: A (3, smart factory), B (1, no), C (4, digital workshop): designated 2/3, level ≥ 3 2/3;
    # energy 205 t over output 2,000 万元 = 102.5 kgce/万元; like for like (A): 100/1000 -> 80/1000, −20%
    assert c24["firms"] == 3 and math.isclose(c24["smart_designated_share"], 200 / 3, rel_tol=1e-15)
    assert math.isclose(c24["smart_level3_share"], 200 / 3, rel_tol=1e-15)
    assert c24["energy_intensity"] == 102.5 and math.isclose(c24["energy_intensity_change"], -20.0, rel_tol=1e-12)
    d1_24 = areas[(d1, 2024)]
    assert (d1_24["firms"], d1_24["smart_designated_share"], d1_24["energy_intensity"]) == (2, 50.0, 120.0)
    assert areas[(d2, 2024)]["smart_level3_share"] == 100.0 and math.isnan(areas[(d2, 2024)]["energy_intensity_change"])
    nodes = {(r["node_id"], r["year"]): r for r in views["transformation_nodes"].rows}
    assert list(nodes) == [("icv-nev", 2023), ("icv-nev", 2024)]  # A and C are icv-nev; B is in no node
    assert nodes[("icv-nev", 2024)]["firms"] == 2 and nodes[("icv-nev", 2024)]["smart_designated_share"] == 100.0
    assert nodes[("icv-nev", 2024)]["energy_intensity"] == 1000 * 105 / 1500
    cells = views["transformation_areas"].cells()
    assert cells[1]["energy_intensity"] == {"value": 102.5, "unit": "kgce_per_wan_yuan", "provenance": "registry"}
    one = tf_service.indicator_tables(store, framework, district=framework.city.districts[1].name)
    assert [r["area_code"] for r in one["transformation_areas"].rows] == [d2]


def test_no_indicators_gives_empty_tables_with_a_note() -> None:
    views = tf_service.indicator_tables(Store(":memory:"), load_pack(None))
    assert views["transformation_areas"].rows == () and views["transformation_nodes"].rows == ()
    assert views["transformation_areas"].meta["notes"] == [("transformation_no_data", {})]


def test_demo_sample_is_synthetic_seeded_and_reuses_the_demo_energy(demo_db: Path) -> None:
    framework = load_pack(None)
    with Store.reader(demo_db) as store:
        flags = store.query("SELECT count(*) AS n, bool_and(synthetic) AS all_synthetic, min(year) AS y0, "
                            "max(year) AS y1 FROM firm_transformation").iloc[0]
        firm_years = reg.manufacturing_firm_years(store, city=framework.city.code)
        views = tf_service.indicator_tables(store, framework)
        stored = store.query("SELECT * FROM firm_transformation ORDER BY uscc, year")
    assert flags["all_synthetic"] and (flags["y0"], flags["y1"]) == (2023, 2024)
    again = demo_tf.generate(firm_years, 12218)
    assert len(again) == flags["n"] and again["uscc"].tolist() == stored["uscc"].tolist()
    assert again["smart_level"].tolist() == stored["smart_level"].tolist()
    # energy is the firm's own demo figure (综合能源消费量), not a new draw
    joined = stored.merge(firm_years, on=["uscc", "year"])
    assert (joined["energy_tce"] == joined["energy_use"]).all()
    assert views["transformation_areas"].provenance.key == "synthetic"
    assert views["transformation_areas"].cells()[0]["smart_level3_share"]["provenance"] == "synthetic"
    # about 40% of the city's manufacturing firms report
    firms = firm_years["uscc"].nunique()
    assert 0.3 < stored["uscc"].nunique() / firms < 0.5
