"""Growth opportunities on a tiny hand-built registry: 3 other cities and 2 Guangzhou districts, 5 小类.

Firms per place and class (year 2024; each class has >= 5 firms nationally, so all enter the panel):

              1311 稻谷  3562 半导体设备  3985 电子材料  5212 超市  6513 软件   total
    深圳 440300     .         4              3            2          1        10
    上海 310100     1         2              2            2          3        10
    北京 110100     3         .              2            1          4        10
    天河 440106     .         1              .            1          2         4
    黄埔 440112     4         .              .            2          .         6
    national        8         7              7            8         10        40

RCA = (x / place total) / (national / 40). With the default presence test (RCA > 1 on >= 2 firms) the
cities' specialisations are 北京 {1311, 3985, 6513}, 上海 {3562, 3985, 6513}, 广州 {1311, 5212},
深圳 {3562, 3985}; ubiquities 2, 2, 3, 1, 2. Proximity = co-occurrence / max(ubiquity):
1311-3985 1/3, 1311-5212 1/2, 1311-6513 1/2, 3562-3985 2/3, 3562-6513 1/2, 3985-6513 2/3, others 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chanye import opportunities as opps
from chanye.analytics import complexity as cx
from chanye.errors import InputError, NotFound
from chanye.framework import load_pack
from chanye.registry.store import Store

COUNTS = {  # (city, district) -> {小类: firms}
    ("440300", None): {"3562": 4, "3985": 3, "6513": 1, "5212": 2},
    ("310100", None): {"3562": 2, "3985": 2, "6513": 3, "1311": 1, "5212": 2},
    ("110100", None): {"3985": 2, "6513": 4, "1311": 3, "5212": 1},
    ("440100", "440106"): {"3562": 1, "6513": 2, "5212": 1},
    ("440100", "440112"): {"1311": 4, "5212": 2},
}
CODES = ["1311", "3562", "3985", "5212", "6513"]


def build_store(counts=COUNTS, extra=()) -> Store:
    """An in-memory registry: one firm per count, revenue 100 * its number, 10 employees, year 2024."""
    store = Store(":memory:")
    rows = [(city, district, code) for (city, district), codes in counts.items() for code, n in codes.items()
            for _ in range(n)]
    for i, (city, district, code) in enumerate([*rows, *extra], start=1):
        uscc = f"TEST{i:014d}"
        store.con.execute(
            "INSERT INTO enterprises (uscc, name, city_code, district_code, industry_code, synthetic) "
            "VALUES (?, ?, ?, ?, ?, true)", [uscc, f"测试企业{i}", city, district, code])
        store.con.execute("INSERT INTO enterprise_years (uscc, year, revenue, employees) VALUES (?, 2024, ?, 10)",
                          [uscc, 100.0 * i])
    return store


@pytest.fixture(scope="module")
def framework():
    return load_pack(None)


@pytest.fixture(scope="module")
def store():
    s = build_store()
    yield s
    s.close()


@pytest.fixture(scope="module")
def opp(store):
    return opps.compute(store)


def test_the_panel_counts_firms_by_city_and_guangzhou_district(store):
    panel, year = opps.load_panel(store)
    assert year == 2024
    tianhe = panel[panel["district"] == "440106"].set_index("activity")
    assert tianhe["value"].to_dict() == {"3562": 1.0, "5212": 1.0, "6513": 2.0}
    assert set(panel.loc[panel["district"].isna(), "city"]) == {"440300", "310100", "110100"}
    assert panel["value"].sum() == 40 and (panel["value"] == panel["firms"]).all()


def test_rca_is_against_the_national_totals_for_cities_and_districts(opp):
    rca = opp.rca
    assert rca.loc["440300", "3985"] == pytest.approx((3 / 10) / (7 / 40))  # 12/7
    assert rca.loc["440100", "1311"] == pytest.approx((4 / 10) / (8 / 40))  # 2: Guangzhou = its districts
    assert rca.loc["440100", "5212"] == pytest.approx((3 / 10) / (8 / 40))
    assert rca.loc["440106", "3562"] == pytest.approx((1 / 4) / (7 / 40))  # 10/7
    assert rca.loc["440106", "6513"] == pytest.approx((2 / 4) / (10 / 40))  # 2
    assert rca.loc["440112", "5212"] == pytest.approx((2 / 6) / (8 / 40))  # 5/3
    assert opp.national.to_dict() == {"1311": 8, "3562": 7, "3985": 7, "5212": 8, "6513": 10}


def test_presence_needs_two_firms_behind_an_rca_above_one(store, opp):
    m = opp.M
    assert opp.min_presence_firms == 2
    assert m.loc["440100"].to_dict() == {"1311": 1, "3562": 0, "3985": 0, "5212": 1, "6513": 0}
    # 天河: RCA 10/7 in 3562 and 5/4 in 5212 rest on one firm each, so only 6513 counts.
    assert m.loc["440106"].to_dict() == {"1311": 0, "3562": 0, "3985": 0, "5212": 0, "6513": 1}
    loose = opps.compute(store, min_presence_firms=1)
    assert loose.M.loc["440106"].to_dict() == {"1311": 0, "3562": 1, "3985": 0, "5212": 1, "6513": 1}


def test_the_space_is_estimated_on_cities_only(opp):
    assert opp.space_kind == "cities"
    assert sorted(opp.space_locations) == ["110100", "310100", "440100", "440300"]
    assert list(opp.activities) == CODES
    third, half, two_thirds = 1 / 3, 1 / 2, 2 / 3
    expected = np.array([  # 1311, 3562, 3985, 5212, 6513
        [0, 0, third, half, half],
        [0, 0, two_thirds, 0, half],
        [third, two_thirds, 0, 0, two_thirds],
        [half, 0, 0, 0, 0],
        [half, half, two_thirds, 0, 0],
    ])
    np.testing.assert_allclose(opp.proximity, expected, atol=1e-15)


def test_density_by_hand(opp):
    gz = opps.profile(opp, "440100")["density"]
    # Guangzhou has 1311 and 5212; 6513's neighbours weigh 1/2 (1311) + 1/2 + 2/3 = 5/3.
    assert gz["6513"] == pytest.approx((1 / 2) / (5 / 3))
    assert gz["3985"] == pytest.approx((1 / 3) / (5 / 3))
    assert gz["3562"] == 0.0
    assert gz["1311"] == pytest.approx((1 / 2) / (4 / 3))
    tianhe = opps.profile(opp, "440106")["density"]  # 天河 has 6513 only
    assert tianhe["3562"] == pytest.approx((1 / 2) / (7 / 6))
    assert tianhe["3985"] == pytest.approx((2 / 3) / (5 / 3))
    assert tianhe["1311"] == pytest.approx((1 / 2) / (4 / 3))


def test_cities_equal_the_engine_and_districts_are_projected_with_its_formulas(store, opp):
    panel, _ = opps.load_panel(store)
    cities = panel.groupby(["city", "activity"], as_index=False)[["value", "firms"]].sum()
    x = cities.pivot(index="city", columns="activity", values="value").fillna(0)
    f = cities.pivot(index="city", columns="activity", values="firms").fillna(0)
    m = ((cx.rca(x.to_numpy()) > 1) & (f.to_numpy() >= 2)).astype(int)
    long = pd.DataFrame(m, index=x.index, columns=x.columns).stack().rename("presence").reset_index()
    long = long.merge(cities[["city", "activity", "value"]], on=["city", "activity"], how="left").fillna({"value": 0.0})
    engine = cx.complexity(long, location="city", activity="activity", value="value", mcp="presence")
    assert len(engine) == 4 * 5
    for r in engine.itertuples():
        p = opps.profile(opp, r.city)
        assert p.loc[r.activity, "density"] == pytest.approx(r.density, abs=1e-12)
        assert p.loc[r.activity, "pci"] == pytest.approx(r.pci, abs=1e-12)
        assert p.loc[r.activity, "cog"] == pytest.approx(r.cog, abs=1e-12)
        assert p.attrs["eci"] == pytest.approx(r.eci, abs=1e-12)
        assert p.attrs["coi"] == pytest.approx(r.coi, abs=1e-12)
    # A district's ECI is the mean PCI of its specialisations: 黄埔 has Guangzhou's, 天河 only 6513's.
    pci = dict(zip(opp.activities, opp.pci, strict=True))
    assert opp.eci["440112"] == pytest.approx(opp.eci["440100"])
    assert opp.eci["440106"] == pytest.approx(pci["6513"])
    assert opp.eci["440100"] == pytest.approx((pci["1311"] + pci["5212"]) / 2)


def test_ranking_order_and_node_mapping(opp, framework):
    gz = opps.rank(opp, framework, "440100", limit=None)
    # Candidates: M = 0 and traded (5212 超级市场零售 is local retail, 1311 and 5212 are Guangzhou's own).
    assert list(gz["activity"]) == ["6513", "3985", "3562"]
    assert list(gz["rank"]) == [1, 2, 3]
    row = gz.set_index("activity").loc["3985"]
    assert row["name"] == "电子专用材料制造"
    assert row["node_ids"] == "uhd-display,semiconductor"
    assert row["nodes"] == "超高清视频与新型显示、半导体与集成电路"
    assert row["reason"] == ("发展 3985 电子专用材料制造（超高清视频与新型显示、半导体与集成电路）：关联密度 0.20，"
                             f"PCI {row['pci']:.2f}，当前 RCA 0.00（本地 0 家）")
    tianhe = opps.rank(opp, framework, "440106", limit=None)
    assert list(tianhe["activity"]) == ["3562", "3985", "1311"]
    assert tianhe.set_index("activity").loc["1311", "nodes"] == ""  # 稻谷加工 belongs to no 12218 node
    assert list(opps.rank(opp, framework, "440106", scope="all", limit=None)["activity"]) == [
        "3562", "3985", "1311", "5212"]
    assert len(opps.rank(opp, framework, "440100", limit=2)) == 2


@pytest.mark.parametrize("strategy", list(opps.STRATEGIES))
def test_score_is_the_strategy_weighted_sum_of_z_scores(opp, framework, strategy):
    table = opps.rank(opp, framework, "440106", strategy=strategy, limit=None)
    wd, wp, wc = opps.STRATEGIES[strategy]

    def z(s):
        return (s - s.mean()) / s.std(ddof=0)

    expected = wd * z(table["density"]) + wp * z(table["pci"]) + wc * z(table["cog"])
    np.testing.assert_allclose(table["score"], expected, atol=1e-12)
    assert table["score"].is_monotonic_decreasing


def test_by_changes_the_quoted_measure_not_the_order(opp, framework):
    by_pci = opps.rank(opp, framework, "440100", complexity="pci", limit=None)
    by_cog = opps.rank(opp, framework, "440100", complexity="cog", limit=None)
    assert list(by_pci["activity"]) == list(by_cog["activity"])
    assert "COG" in by_cog["reason"].iloc[0] and "PCI" in by_pci["reason"].iloc[0]


def test_bad_arguments_and_unknown_places(opp, framework):
    with pytest.raises(InputError, match="未知的策略 'moonshot'"):
        opps.rank(opp, framework, "440100", strategy="moonshot")
    with pytest.raises(InputError, match="未知的复杂度指标 'eci'"):
        opps.rank(opp, framework, "440100", complexity="eci")
    with pytest.raises(InputError, match="未知的范围 'local'"):
        opps.rank(opp, framework, "440100", scope="local")
    with pytest.raises(NotFound, match="面板中没有地区 440105"):
        opps.rank(opp, framework, "440105")  # 海珠: no firms
    with pytest.raises(InputError, match="未知的度量 'profit'"):
        opps.load_panel(Store(":memory:"), "profit")


def test_industry_space_marks_specialisations_and_maps_nodes(opp, framework):
    space = opps.industry_space(opp, framework, "440100")
    nodes = {n["id"]: n for n in space["nodes"]}
    assert set(nodes) == set(CODES)
    assert nodes["1311"]["specialised"] and nodes["5212"]["specialised"] and not nodes["6513"]["specialised"]
    assert nodes["3985"]["node"] == "uhd-display" and nodes["1311"]["node"] is None
    assert nodes["1311"]["node_name"] == "其他"
    assert all(0 <= n["x"] <= 1 and 0 <= n["y"] <= 1 for n in space["nodes"])
    pairs = {(e["source"], e["target"]) for e in space["edges"]}
    # Every positive proximity here is either on the maximum spanning tree or among the 2 strongest links.
    assert ("3562", "3985") in pairs and ("3985", "6513") in pairs and ("1311", "5212") in pairs
    again = opps.industry_space(opp, framework, "440106")
    assert [(n["x"], n["y"]) for n in again["nodes"]] == [(n["x"], n["y"]) for n in space["nodes"]]  # fixed map


def test_places_list_cities_and_districts(opp):
    places = opp.places().set_index("location")
    assert places.loc["440106", "kind"] == "district" and not places.loc["440106", "in_space"]
    assert places.loc["440100", "in_space"] and places.loc["440100", "guangzhou"]
    assert places.loc["440112", "firms"] == 6 and places.loc["440100", "diversity"] == 2


def test_guangzhou_firms_without_a_district_count_for_the_city_only(framework):
    extra = [("440100", None, "6513")] * 3
    with build_store(extra=extra) as s:
        opp = opps.compute(s)
        assert opp.values.loc["440100", "6513"] == 2 + 3  # 天河 2 + 3 without a district
        assert opp.values.loc["440106", "6513"] == 2
        assert opp.national["6513"] == 13


def test_revenue_counts_only_firms_with_revenue(framework):
    with build_store() as s:
        s.con.execute("UPDATE enterprise_years SET revenue = NULL WHERE uscc = 'TEST00000000000001'")
        panel, _ = opps.load_panel(s, "revenue")
        first = panel[(panel["city"] == "440300") & (panel["activity"] == "3562")].iloc[0]
        assert first["firms"] == 3  # four firms, one without revenue
        assert first["value"] == 100.0 * (2 + 3 + 4)


def _panel(cells: dict) -> pd.DataFrame:
    return pd.DataFrame([{"city": c, "district": d, "activity": a, "value": float(v), "firms": int(f)}
                         for (c, d, a), (v, f) in cells.items()])


def test_small_samples_fall_back_to_one_firm_with_a_note():
    # Every cell is one firm: the two-firm test leaves no specialisation at all.
    cells = {}
    for i, city in enumerate(["440300", "310100", "110100", "320500"]):
        for j, code in enumerate(CODES):
            if (i + j) % 3:
                cells[(city, None, code)] = (1, 1)
    opp = opps.from_panel(_panel(cells))
    assert opp.min_presence_firms == 1
    assert any("专业化门槛降为 1" in n for n in opp.notes)
    with pytest.raises(InputError, match=r"产业空间太小 \(space of 0 locations x 0 activities\)"):
        opps.from_panel(_panel(cells), min_presence_firms=2)


def test_a_guangzhou_only_registry_uses_its_districts(framework):
    cells = {("440100", d, a): (n, n) for d, a, n in [
        ("440106", "3562", 4), ("440106", "6513", 5), ("440112", "1311", 6), ("440112", "5212", 3),
        ("440111", "3985", 4), ("440111", "6513", 2), ("440111", "1311", 2)]}
    opp = opps.from_panel(_panel(cells))
    assert opp.space_kind == "districts"
    assert any("只有广州" in n for n in opp.notes)
    with pytest.raises(InputError, match="全市的 RCA 恒为 1"):
        opps.rank(opp, framework, "440100")
    assert len(opps.rank(opp, framework, "440106", limit=None)) > 0
