"""Growth opportunities (analytics/opportunities.py, services/opportunities.py, present/opportunities.py) on a
tiny hand-built registry: 3 other cities and 2 Guangzhou districts, 5 小类.

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

import re

import numpy as np
import pandas as pd
import pytest

from chanye.analytics import complexity as cx
from chanye.analytics import opportunities as ao
from chanye.errors import InputError, NotFound
from chanye.framework import load_pack
from chanye.present import opportunities as present
from chanye.registry.store import Store
from chanye.services import opportunities as svc

CITY = "440100"  # the default pack's city
COUNTS = {  # (city, district) -> {小类: firms}
    ("440300", None): {"3562": 4, "3985": 3, "6513": 1, "5212": 2},
    ("310100", None): {"3562": 2, "3985": 2, "6513": 3, "1311": 1, "5212": 2},
    ("110100", None): {"3985": 2, "6513": 4, "1311": 3, "5212": 1},
    ("440100", "440106"): {"3562": 1, "6513": 2, "5212": 1},
    ("440100", "440112"): {"1311": 4, "5212": 2},
}
CODES = ["1311", "3562", "3985", "5212", "6513"]
# ASCII words a Chinese sentence may hold: the method's acronyms and the presence test's symbols.
ZH_ASCII = {"RCA", "PCI", "COG", "ECI", "COI", "M"}
CJK = re.compile(r"[\u3400-\u9fff]")


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


def ascii_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]+", text))


@pytest.fixture(scope="module")
def framework():
    return load_pack(None)


@pytest.fixture(scope="module")
def store():
    s = build_store()
    yield s
    s.close()


@pytest.fixture(scope="module")
def space(store):
    return svc.estimate(store, CITY)


@pytest.fixture(scope="module")
def opp(space):
    return space.model


def test_the_panel_counts_firms_by_city_and_home_district(store):
    panel, year = svc.load_panel(store, CITY)
    assert year == 2024
    tianhe = panel[panel["district"] == "440106"].set_index("activity")
    assert tianhe["value"].to_dict() == {"3562": 1.0, "5212": 1.0, "6513": 2.0}
    assert set(panel.loc[panel["district"].isna(), "city"]) == {"440300", "310100", "110100"}
    assert panel["value"].sum() == 40 and (panel["value"] == panel["firms"]).all()


def test_rca_is_against_the_national_totals_for_cities_and_districts(opp):
    rca = opp.rca
    assert rca.loc["440300", "3985"] == pytest.approx((3 / 10) / (7 / 40))  # 12/7
    assert rca.loc["440100", "1311"] == pytest.approx((4 / 10) / (8 / 40))  # 2: the city = its districts
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
    loose = svc.estimate(store, CITY, min_presence_firms=1).model
    assert loose.M.loc["440106"].to_dict() == {"1311": 0, "3562": 1, "3985": 0, "5212": 1, "6513": 1}


def test_the_space_is_estimated_on_cities_only(opp):
    assert opp.space_kind == "cities" and opp.city == CITY
    assert sorted(opp.space_locations) == ["110100", "310100", "440100", "440300"]
    assert opp.districts == ["440106", "440112"]
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
    gz = ao.profile(opp, "440100")["density"]
    # The city has 1311 and 5212; 6513's neighbours weigh 1/2 (1311) + 1/2 + 2/3 = 5/3.
    assert gz["6513"] == pytest.approx((1 / 2) / (5 / 3))
    assert gz["3985"] == pytest.approx((1 / 3) / (5 / 3))
    assert gz["3562"] == 0.0
    assert gz["1311"] == pytest.approx((1 / 2) / (4 / 3))
    tianhe = ao.profile(opp, "440106")["density"]  # 天河 has 6513 only
    assert tianhe["3562"] == pytest.approx((1 / 2) / (7 / 6))
    assert tianhe["3985"] == pytest.approx((2 / 3) / (5 / 3))
    assert tianhe["1311"] == pytest.approx((1 / 2) / (4 / 3))


def test_cities_equal_the_engine_and_districts_are_projected_with_its_formulas(store, opp):
    panel, _ = svc.load_panel(store, CITY)
    cities = panel.groupby(["city", "activity"], as_index=False)[["value", "firms"]].sum()
    x = cities.pivot(index="city", columns="activity", values="value").fillna(0)
    f = cities.pivot(index="city", columns="activity", values="firms").fillna(0)
    m = ((cx.rca(x.to_numpy()) > 1) & (f.to_numpy() >= 2)).astype(int)
    long = pd.DataFrame(m, index=x.index, columns=x.columns).stack().rename("presence").reset_index()
    long = long.merge(cities[["city", "activity", "value"]], on=["city", "activity"], how="left").fillna({"value": 0.0})
    engine = cx.complexity(long, location="city", activity="activity", value="value", mcp="presence")
    assert len(engine) == 4 * 5
    for r in engine.itertuples():
        p = ao.profile(opp, r.city)
        assert p.loc[r.activity, "density"] == pytest.approx(r.density, abs=1e-12)
        assert p.loc[r.activity, "pci"] == pytest.approx(r.pci, abs=1e-12)
        assert p.loc[r.activity, "cog"] == pytest.approx(r.cog, abs=1e-12)
        assert p.attrs["eci"] == pytest.approx(r.eci, abs=1e-12)
        assert p.attrs["coi"] == pytest.approx(r.coi, abs=1e-12)
    # A district's ECI is the mean PCI of its specialisations: 黄埔 has the city's, 天河 only 6513's.
    pci = dict(zip(opp.activities, opp.pci, strict=True))
    assert opp.eci["440112"] == pytest.approx(opp.eci["440100"])
    assert opp.eci["440106"] == pytest.approx(pci["6513"])
    assert opp.eci["440100"] == pytest.approx((pci["1311"] + pci["5212"]) / 2)


def test_ranking_order_and_node_mapping(space, framework):
    result = svc.ranking(space, framework, "440100", limit=None)
    gz = result.table.frame()
    # Candidates: M = 0 and traded (5212 超级市场零售 is local retail, 1311 and 5212 are the city's own).
    assert list(gz["activity"]) == ["6513", "3985", "3562"]
    assert list(gz["rank"]) == [1, 2, 3]
    row = gz.set_index("activity").loc["3985"]
    assert row["name"] == "电子专用材料制造"
    assert row["node_ids"] == ["uhd-display", "semiconductor"]
    assert row["nodes"] == {"zh": "超高清视频与新型显示、半导体与集成电路",
                            "en": "Ultra-high-definition video and new displays, Semiconductors and integrated circuits"}
    reason = present.reason(next(r for r in result.table.rows if r["activity"] == "3985"), "pci", "zh")
    assert reason == ("发展 3985 电子专用材料制造（超高清视频与新型显示、半导体与集成电路）：关联密度 0.20，"
                      f"PCI {row['pci']:.2f}，当前 RCA 0.00（本地 0 家）")
    # 1311 稻谷加工 is resource-bound and in no node: the feasibility filters (on by default) take it off
    filtered = svc.ranking(space, framework, "440106", limit=None)
    assert list(filtered.table.frame()["activity"]) == ["3562", "3985"]
    assert [(r["activity"], r["filters"], r["reasons"]) for r in filtered.removed.rows] == [
        ("1311", ("resource_bound", "not_in_pack"), ("resource_bound:C", "not_in_pack"))]
    assert {r["filter"]: r["removed"] for r in filtered.filters.rows} == {
        "resource_bound": 1, "local_service": 0, "restricted": 0, "not_in_pack": 0}
    tianhe = svc.ranking(space, framework, "440106", limit=None, feasible=False).table.frame()
    assert list(tianhe["activity"]) == ["3562", "3985", "1311"]
    assert tianhe.set_index("activity").loc["1311", "nodes"] == {"zh": "", "en": ""}  # 稻谷加工 belongs to no node
    assert tianhe.set_index("activity").loc["1311", "node_ids"] == []
    assert list(svc.ranking(space, framework, "440106", scope="all", limit=None, feasible=False
                            ).table.frame()["activity"]) == ["3562", "3985", "1311", "5212"]
    # with every class: 5212 超级市场零售 is a local service too
    everything = svc.ranking(space, framework, "440106", scope="all", limit=None)
    assert list(everything.table.frame()["activity"]) == ["3562", "3985"]
    assert [(r["activity"], r["reasons"]) for r in everything.removed.rows] == [
        ("1311", ("resource_bound:C", "not_in_pack")), ("5212", ("local_service:trade",))]
    assert len(svc.ranking(space, framework, "440100", limit=2).table.rows) == 2
    assert result.place == "440100" and result.place_kind == "city" and result.year == 2024


def test_the_summary_and_method(space, framework):
    result = svc.ranking(space, framework, "天河", strategy="long-jump", limit=1)
    assert result.place == "440106" and result.place_kind == "district"
    summary = result.summary.rows[0]
    assert summary["eci"] == pytest.approx(space.model.eci["440106"])
    assert summary["coi"] == pytest.approx(space.model.coi["440106"])
    # 6513; candidates 3562, 3985 (1311 稻谷加工 is filtered: resource-bound)
    assert summary["diversity"] == 1 and summary["candidates"] == 2
    assert result.method.as_dict() == {"space": "cities", "space_locations": 4, "benchmark_locations": 4,
                                       "activities": 5, "min_presence_firms": 2, "min_activity_firms": 5,
                                       "weights": {"density": 0.45, "pci": 0.2, "cog": 0.35}}
    assert result.notes == (("space_small", {"count": 4}), ("city_share_large", {"city": CITY, "share": 0.25}))


@pytest.mark.parametrize("strategy", list(ao.STRATEGIES))
def test_score_is_the_strategy_weighted_sum_of_z_scores(opp, strategy):
    table = ao.rank(opp, "440106", strategy=strategy, limit=None)
    wd, wp, wc = ao.STRATEGIES[strategy]

    def z(s):
        return (s - s.mean()) / s.std(ddof=0)

    expected = wd * z(table["density"]) + wp * z(table["pci"]) + wc * z(table["cog"])
    np.testing.assert_allclose(table["score"], expected, atol=1e-12)
    assert table["score"].is_monotonic_decreasing


def test_by_changes_the_quoted_measure_not_the_order(space, framework):
    by_pci = svc.ranking(space, framework, "440100", by="pci", limit=None)
    by_cog = svc.ranking(space, framework, "440100", by="cog", limit=None)
    assert [r["activity"] for r in by_pci.table.rows] == [r["activity"] for r in by_cog.table.rows]
    first_cog = present.ranking_table(by_cog).rows[0]
    first_pci = present.ranking_table(by_pci).rows[0]
    assert f"COG {first_cog['cog']:.2f}" in first_cog["reason"] and "PCI" not in first_cog["reason"]
    assert f"PCI {first_pci['pci']:.2f}" in first_pci["reason"] and "COG" not in first_pci["reason"]


def test_bad_arguments_and_unknown_places(space, framework):
    with pytest.raises(InputError, match="未知的策略 'moonshot'"):
        svc.ranking(space, framework, "440100", strategy="moonshot")
    with pytest.raises(InputError, match="未知的复杂度指标 'eci'"):
        svc.ranking(space, framework, "440100", by="eci")
    with pytest.raises(InputError, match="未知的范围 'local'"):
        svc.ranking(space, framework, "440100", scope="local")
    with pytest.raises(NotFound, match="面板中没有地区 440105"):
        svc.ranking(space, framework, "440105")  # 海珠: no firms
    with pytest.raises(NotFound, match=r"没有这个区: 火星区 \(not a district of Guangzhou\)"):
        svc.ranking(space, framework, "火星区")
    with pytest.raises(NotFound, match="没有这个区: 440300"):
        svc.ranking(space, framework, "440300")  # another city is a peer, not a place of this pack
    with pytest.raises(InputError, match="未知的度量 'profit'"):
        svc.load_panel(Store(":memory:"), CITY, "profit")
    with pytest.raises(NotFound, match=r"数据库中没有年度指标 \(no yearly figures\)"):
        svc.load_panel(Store(":memory:"), CITY)
    with pytest.raises(InputError, match=r"没有 2019 年的数据 \(no data for 2019\)"):
        svc.estimate(build_store(), CITY, year=2019)


@pytest.mark.parametrize("text", [None, "", "city", "440100", "广州市", "广州", "Guangzhou", "guangzhou"])
def test_the_city_by_any_name(framework, text):
    assert svc.resolve_place(framework.city, text) == "440100"


@pytest.mark.parametrize("text", ["天河", "天河区", "440106", 440106, "Tianhe", "广州市天河区"])
def test_a_district_by_any_name(framework, text):
    assert svc.resolve_place(framework.city, text) == "440106"


def test_industry_space_marks_specialisations_and_maps_nodes(space, framework):
    result = svc.industry_space(space, framework, "440100")
    nodes = {n["id"]: n for n in result.nodes.rows}
    assert set(nodes) == set(CODES)
    assert nodes["1311"]["specialised"] and nodes["5212"]["specialised"] and not nodes["6513"]["specialised"]
    assert nodes["3985"]["node"] == "uhd-display" and nodes["1311"]["node"] is None
    assert nodes["1311"]["node_name"] is None
    assert nodes["3985"]["node_name"] == {"zh": "超高清视频与新型显示", "en": "Ultra-high-definition video and new displays"}
    assert all(0 <= n["x"] <= 1 and 0 <= n["y"] <= 1 for n in result.nodes.rows)
    pairs = {(e["source"], e["target"]) for e in result.edges.rows}
    # Every positive proximity here is either on the maximum spanning tree or among the 2 strongest links.
    assert ("3562", "3985") in pairs and ("3985", "6513") in pairs and ("1311", "5212") in pairs
    assert all(e["proximity"] == round(space.model.proximity[CODES.index(e["source"]), CODES.index(e["target"])], 4)
               for e in result.edges.rows)
    again = svc.industry_space(space, framework, "440106")
    assert [(n["x"], n["y"]) for n in again.nodes.rows] == [(n["x"], n["y"]) for n in result.nodes.rows]  # fixed map


def test_places_list_cities_and_districts(space, framework):
    places = svc.places(space, framework.city).frame().set_index("location")
    assert places.loc["440106", "kind"] == "district" and not places.loc["440106", "in_space"]
    assert places.loc["440100", "in_space"] and places.loc["440100", "in_city"]
    assert not places.loc["440300", "in_city"] and places.loc["440300", "kind"] == "city"
    assert places.loc["440112", "firms"] == 6 and places.loc["440100", "diversity"] == 2
    assert places.loc["440106", "name"] == {"zh": "天河区", "en": "Tianhe"}
    assert places.loc["440300", "name"] == {"zh": "深圳市", "en": "深圳市"}  # a peer city keeps its proper name
    assert list(places["eci"].dropna()) == sorted(places["eci"].dropna(), reverse=True)


def test_city_firms_without_a_district_count_for_the_city_only():
    extra = [("440100", None, "6513")] * 3
    with build_store(extra=extra) as s:
        opp = svc.estimate(s, CITY).model
        assert opp.values.loc["440100", "6513"] == 2 + 3  # 天河 2 + 3 without a district
        assert opp.values.loc["440106", "6513"] == 2
        assert opp.national["6513"] == 13


def test_revenue_counts_only_firms_with_revenue():
    with build_store() as s:
        s.con.execute("UPDATE enterprise_years SET revenue = NULL WHERE uscc = 'TEST00000000000001'")
        panel, _ = svc.load_panel(s, CITY, "revenue")
        first = panel[(panel["city"] == "440300") & (panel["activity"] == "3562")].iloc[0]
        assert first["firms"] == 3  # four firms, one without revenue
        assert first["value"] == 100.0 * (2 + 3 + 4)
        assert svc.estimate(s, CITY, "revenue").unit == "wan_yuan"


def _panel(cells: dict) -> pd.DataFrame:
    return pd.DataFrame([{"city": c, "district": d, "activity": a, "value": float(v), "firms": int(f)}
                         for (c, d, a), (v, f) in cells.items()])


def test_small_samples_fall_back_to_one_firm_with_a_note(framework):
    # Every cell is one firm: the two-firm test leaves no specialisation at all.
    cells = {}
    for i, city in enumerate(["440300", "310100", "110100", "320500"]):
        for j, code in enumerate(CODES):
            if (i + j) % 3:
                cells[(city, None, code)] = (1, 1)
    opp = ao.from_panel(_panel(cells), city=CITY)
    assert opp.min_presence_firms == 1
    assert opp.notes[0] == ("presence_fallback", {"min_firms": 2})
    assert present.note_text(opp.notes[0], framework.city) == (
        "样本太小：要求至少 2 家企业时产业空间不连通，专业化门槛降为 1 家企业（RCA>1 即可）")
    with pytest.raises(InputError, match=r"产业空间太小 \(space of 0 locations x 0 activities\)"):
        ao.from_panel(_panel(cells), city=CITY, min_presence_firms=2)
    with pytest.raises(InputError, match=r"min_presence_firms 须 >= 1 \(got 0\)"):
        ao.from_panel(_panel(cells), city=CITY, min_presence_firms=0)


def test_a_city_only_registry_uses_its_districts(framework):
    cells = {("440100", d, a): (n, n) for d, a, n in [
        ("440106", "3562", 4), ("440106", "6513", 5), ("440112", "1311", 6), ("440112", "5212", 3),
        ("440111", "3985", 4), ("440111", "6513", 2), ("440111", "1311", 2)]}
    opp = ao.from_panel(_panel(cells), city=CITY)
    assert opp.space_kind == "districts"
    assert opp.notes[0] == ("space_on_districts", {"city": CITY})
    assert present.note_text(opp.notes[0], framework.city).startswith("登记库中只有广州市的企业：产业空间按广州市各区估计")
    assert present.note_text(opp.notes[0], framework.city, "en").startswith("Only Guangzhou firms in the registry")
    with pytest.raises(InputError, match="全市的 RCA 恒为 1"):
        ao.rank(opp, "440100")
    assert len(ao.rank(opp, "440106", limit=None)) > 0
    with pytest.raises(InputError, match=r"复杂度计算至少需要两个地区"):
        ao.from_panel(_panel({("440100", "440106", "3562"): (4, 4)}), city=CITY)


def test_every_note_code_is_worded_in_both_languages(framework):
    """Each code the maths can emit has a sentence in zh (no English beyond the method's acronyms) and in en
    (no Chinese beyond place names)."""
    notes = [
        ("space_on_districts", {"city": CITY}),
        ("presence_fallback", {"min_firms": 2}),
        ("locations_without_specialisation", {"count": 9, "locations": ["440300", "310100"], "more": True,
                                              "min_firms": 2}),
        ("activities_without_pci", {"count": 3}),
        ("activities_isolated", {"count": 2}),
        ("space_disconnected", {}),
        ("space_small", {"count": 4}),
        ("city_share_large", {"city": CITY, "share": 0.29}),
    ]
    city = framework.city
    zh = [present.note_text(n, city, "zh") for n in notes]
    en = [present.note_text(n, city, "en") for n in notes]
    assert zh[2] == "9 个地区没有任何专业化（RCA>1 且至少 2 家企业）的小类，不参与估计产业空间：深圳市、上海市等"
    assert en[2] == ("9 location(s) without a specialisation (RCA>1 on at least 2 firms) are left out of the space: "
                     "深圳市, 上海市 and more")
    assert zh[7] == "广州市占全国样本的 29%：全国基准偏向广州市自身结构，其 RCA 被压向 1"
    assert en[7] == "Guangzhou is 29% of the national sample, which pulls its RCA towards 1"
    for text in zh:
        assert ascii_words(text) <= ZH_ASCII, text
    for text in en:
        assert not CJK.search(text.replace("深圳市", "").replace("上海市", "")), text


def test_reasons_and_titles_in_both_languages(space, framework):
    result = svc.ranking(space, framework, "440106", strategy="low-hanging", limit=None)
    zh = present.ranking_table(result, "zh").rows
    en = present.ranking_table(result, "en").rows
    assert en[0]["reason"] == (f"Develop 3562 半导体器件专用设备制造 (Intelligent equipment and robotics, Semiconductors and "
                               f"integrated circuits): "
                               f"density {en[0]['density']:.2f}, PCI {en[0]['pci']:.2f}, RCA now "
                               f"{en[0]['rca']:.2f} (1 local firms)")
    assert zh[0]["reason"].startswith("发展 3562 半导体器件专用设备制造（智能装备与机器人、半导体与集成电路）：关联密度 ")
    for row in zh:
        assert ascii_words(row["reason"]) <= ZH_ASCII, row["reason"]
    for row in en:
        assert not CJK.search(row["reason"].replace(row["name"], "")), row["reason"]
    assert present.title(result, framework.city, "zh") == "天河区 发展机会（2024，企业数，近水楼台）"
    assert present.title(result, framework.city, "en") == "Tianhe: growth opportunities (2024, Enterprises, Low-hanging fruit)"


def test_every_number_cell_has_unit_and_provenance(space, framework):
    result = svc.ranking(space, framework, "440100", limit=None)
    payload = present.ranking_payload(result, framework.city, "en")
    cells = [payload[k] for k in ("eci", "coi", "diversity", "candidates")]
    cells += [v for row in payload["rows"] for v in row.values() if isinstance(v, dict) and "value" in v]
    numbers = {c["key"] for c in payload["columns"] if c["type"] in ("number", "integer")}
    assert numbers == {"density", "pci", "cog", "rca", "value", "firms", "national_value", "national_firms", "score"}
    assert len(cells) == 4 + len(numbers) * len(payload["rows"])
    for c in cells:
        assert set(c) == {"value", "unit", "provenance"} and c["unit"] and c["provenance"] == "synthetic", c
    assert {c["key"]: c["unit"] for c in payload["columns"] if c["key"] in numbers} == {
        "density": "ratio", "pci": "score", "cog": "score", "rca": "ratio", "value": "firms", "firms": "firms",
        "national_value": "firms", "national_firms": "firms", "score": "score"}
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", k) for row in payload["rows"] for k in row)


def test_another_pack_city_takes_the_place_of_the_default_one(store, framework):
    """The focal city follows the pack: with Shenzhen as the pack's city, 广州 is one peer city among others
    (its firms with districts count for the city), and Shenzhen is ranked on the same space."""
    info = framework.info.model_copy(update={"city": "440300", "city_en": "Shenzhen", "districts": {}})
    shenzhen = framework.model_copy(update={"info": info})
    assert shenzhen.city.code == "440300"
    space = svc.estimate(store, "440300")
    opp = space.model
    assert opp.city == "440300" and opp.districts == []
    assert sorted(opp.benchmark) == ["110100", "310100", "440100", "440300"]
    assert opp.values.loc["440100"].sum() == 10  # 天河 4 + 黄埔 6, now just the peer city 广州
    # The space is the same as with the default pack: only the focal city changes.
    np.testing.assert_array_equal(opp.proximity, svc.estimate(store, CITY).model.proximity)
    result = svc.ranking(space, shenzhen, None, limit=None)
    assert result.place == "440300" and result.place_kind == "city"
    # 3562 and 3985 are Shenzhen's specialisations; 5212 (retail) is not traded; 1311 is resource-bound.
    assert [r["activity"] for r in result.table.rows] == ["6513"]
    assert [r["activity"] for r in svc.ranking(space, shenzhen, None, limit=None, feasible=False).table.rows] == [
        "6513", "1311"]
    assert present.title(result, shenzhen.city, "en").startswith("Shenzhen: growth opportunities")
    with pytest.raises(NotFound, match="没有这个区: 天河"):
        svc.ranking(space, shenzhen, "天河")


def test_the_platform_caches_each_result_per_data_generation(demo_db):
    from chanye.services.platform import Platform

    p = Platform(demo_db)
    try:
        first = p.opportunities(limit=5)
        assert first.place == p.city.code == "440100" and len(first.table.rows) == 5
        assert p.opportunities(limit=5) is first
        assert p.opportunities("天河", limit=5) is p.opportunities("440106", limit=5)  # keyed by the resolved place
        space = p.opportunity_space()
        huangpu = p.opportunities("黄埔", limit=None)
        assert huangpu.summary.rows[0]["candidates"] == len(ao.rank(space.model, "440112", limit=None)) - len(
            huangpu.removed.rows)
        assert p.opportunities("黄埔", limit=None, feasible=False).summary.rows[0]["candidates"] == len(
            ao.rank(space.model, "440112", limit=None))
        places = p.complexity_places()
        assert places is p.complexity_places() and places.name == "complexity_places"
        drawn = p.industry_space("Huangpu")
        assert drawn.place == "440112" and drawn is p.industry_space("440112")
        p.data_changed()
        again = p.opportunities(limit=5)
        assert again is not first and again.table == first.table and p.opportunity_space() is not space
    finally:
        p.store.close()
