"""Edges of analytics/opportunities.py found by mutation testing (docs/testing.md), on panels built in each test
(tests/test_opportunities.py estimates its space once, in a module-scoped fixture, so mutmut charges
`from_panel` to one test only).

The base panel is test_opportunities.py's registry (firms per place and 小类; value = firms):

              1311  3562  3985  5212  6513   total
    深圳 440300    .     4     3     2     1      10
    上海 310100    1     2     2     2     3      10
    北京 110100    3     .     2     1     4      10
    天河 440106    .     1     .     1     2       4
    黄埔 440112    4     .     .     2     .       6

with, where a test says so, a twin 3563 that repeats 3562 in every place (so the two tie on every measure).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from chanye.analytics import complexity as cx
from chanye.analytics import opportunities as ao
from chanye.analytics import space as spaces
from chanye.errors import InputError, NotFound

CITY = "440100"
COUNTS = {  # 深圳's rows carry a district code of its own: only the home city's districts are places
    ("440300", "440305"): {"3562": 4, "3985": 3, "6513": 1, "5212": 2},
    ("310100", None): {"3562": 2, "3985": 2, "6513": 3, "1311": 1, "5212": 2},
    ("110100", None): {"3985": 2, "6513": 4, "1311": 3, "5212": 1},
    ("440100", "440106"): {"3562": 1, "6513": 2, "5212": 1},
    ("440100", "440112"): {"1311": 4, "5212": 2},
}


def panel(counts: dict = COUNTS, *, twin: bool = False) -> pd.DataFrame:
    """A panel as `prepare_panel` returns it: one row per (city, district, activity), value = firms."""
    rows = []
    for (city, district), codes in counts.items():
        for code, n in codes.items():
            for activity in [code, "3563"] if twin and code == "3562" else [code]:
                rows.append({"city": city, "district": district, "activity": activity, "value": float(n),
                             "firms": n})
    return pd.DataFrame(rows)


# --- prepare_panel and from_panel -------------------------------------------------------------------------


def test_prepare_panel_fills_gaps_and_drops_thin_activities() -> None:
    frame = pd.DataFrame(
        [("A", None, "1311", np.nan, 2), ("B", None, "1311", 3.0, 3), ("A", None, "3562", 1.0, 4),
         ("B", None, "3985", 2.0, np.nan), ("A", "x", "3985", 1.0, 5)],
        columns=["city", "district", "activity", "value", "firms"])
    out = ao.prepare_panel(frame)
    # 1311: 2 + 3 = 5 firms (= MIN_ACTIVITY_FIRMS, kept); 3562: 4 (dropped); 3985: 0 (missing) + 5 = 5 (kept)
    assert out.drop(columns="district").to_dict("list") == {
        "city": ["A", "B", "B", "A"], "activity": ["1311", "1311", "3985", "3985"], "value": [0.0, 3.0, 2.0, 1.0],
        "firms": [2, 3, 0, 5]}
    assert list(out["district"].isna()) == [True, True, True, False]
    assert list(out.index) == [0, 1, 2, 3]
    assert out["value"].dtype == np.float64 and out["firms"].dtype == np.int64


def test_from_panel_on_the_tiny_registry() -> None:
    seen: list[int] = []
    frame = panel()
    split = (frame["district"] == "440106") & (frame["activity"] == "6513")  # 2 firms on two rows of 1: summed
    frame = pd.concat([frame[~split], frame[split].assign(value=1.0, firms=1), frame[split].assign(value=1.0, firms=1)],
                      ignore_index=True)
    opp = ao.from_panel(frame, city=CITY, measure="revenue", year=2024, progress=seen.append)
    assert seen == [2024] and opp.year == 2024 and opp.measure == "revenue" and opp.city == CITY
    assert opp.benchmark == ["110100", "310100", "440100", "440300"] == opp.space_locations
    assert opp.space_kind == "cities" and opp.districts == ["440106", "440112"]
    # 4 locations < 20: a small space; 广州 is 10 of 40 firms = 25% > 20%
    assert opp.notes == [("space_small", {"count": 4}), ("city_share_large", {"city": CITY, "share": 0.25})]
    assert opp.min_presence_firms == 2
    assert opp.national.to_dict() == {"1311": 8.0, "3562": 7.0, "3985": 7.0, "5212": 8.0, "6513": 10.0}
    assert opp.national_firms.to_dict() == {"1311": 8, "3562": 7, "3985": 7, "5212": 8, "6513": 10}
    assert list(opp.values.index) == ["110100", "310100", "440100", "440300", "440106", "440112"]
    assert opp.values.loc["440100"].to_dict() == {"1311": 4.0, "3562": 1.0, "3985": 0.0, "5212": 3.0, "6513": 2.0}
    assert opp.firms.loc["440106"].to_dict() == {"1311": 0, "3562": 1, "3985": 0, "5212": 1, "6513": 2}
    # presence: RCA > 1 on >= 2 firms. 天河's 3562 (RCA (1/4) / (7/40) = 10/7) rests on one firm.
    assert opp.M.loc["440106"].to_dict() == {"1311": 0, "3562": 0, "3985": 0, "5212": 0, "6513": 1}
    assert opp.M.loc["440112"].to_dict() == {"1311": 1, "3562": 0, "3985": 0, "5212": 1, "6513": 0}
    assert opp.rca.loc["440106", "3562"] == pytest.approx(10 / 7)
    assert {str(t) for t in opp.M.dtypes} == {"int8"} and {str(t) for t in opp.firms.dtypes} == {"int64"}
    third, half, two_thirds = 1 / 3, 1 / 2, 2 / 3  # co-occurrence / max(ubiquity), as test_opportunities.py
    np.testing.assert_allclose(opp.proximity, [[0, 0, third, half, half], [0, 0, two_thirds, 0, half],
                                               [third, two_thirds, 0, 0, two_thirds], [half, 0, 0, 0, 0],
                                               [half, half, two_thirds, 0, 0]], atol=1e-15)
    assert list(opp.density.columns) == list(opp.activities) == list(opp.cog.columns)
    # The cities' numbers are the engine's (the Growth Lab's formulas); the districts are projected onto them.
    cities = panel().groupby(["city", "activity"], as_index=False)[["value", "firms"]].sum()
    cities["presence"] = [int(m) for m in (
        opp.M.loc[list(cities["city"])].to_numpy()[np.arange(len(cities)),
                                                    opp.M.columns.get_indexer(cities["activity"])])]
    engine = cx.complexity(cities, location="city", activity="activity", value="value", mcp="presence")
    eci = engine.drop_duplicates("city").set_index("city")
    for code in opp.benchmark:
        assert opp.eci[code] == pytest.approx(eci.loc[code, "eci"], abs=1e-12)
        assert opp.coi[code] == pytest.approx(eci.loc[code, "coi"], abs=1e-12)
    for r in engine.itertuples():
        assert opp.density.loc[r.city, r.activity] == pytest.approx(r.density, abs=1e-12)
        assert opp.cog.loc[r.city, r.activity] == pytest.approx(r.cog, abs=1e-12)
    pci = engine.drop_duplicates("activity").set_index("activity")["pci"]
    np.testing.assert_allclose(opp.pci, pci.loc[list(opp.activities)].to_numpy(), atol=1e-12)
    # scale: the raw eigenvector's (mean, sd), PCI = (kp - mean) / sd
    np.testing.assert_allclose((opp.kp - opp.scale[0]) / opp.scale[1], pci.loc[list(opp.activities)], atol=1e-12)
    assert len(opp.coi_scale) == 2 and opp.coi_scale[1] > 0
    # 黄埔 holds the city's specialisations (1311, 5212): the same ECI; 天河's only one is 6513
    assert opp.eci["440112"] == pytest.approx(opp.eci[CITY], abs=1e-12)
    assert opp.eci["440106"] == pytest.approx(pci["6513"], abs=1e-12)


def test_places_by_eci_with_the_unspecialised_last() -> None:
    counts = {**COUNTS, ("440100", "440111"): {"3985": 1}}  # one firm: no specialisation, no ECI
    opp = ao.from_panel(panel(counts), city=CITY)
    places = opp.places()
    assert list(places.columns) == ["location", "kind", "in_city", "in_space", "eci", "coi", "diversity", "value",
                                    "firms"]
    assert list(places["location"])[-1] == "440111" and math.isnan(places["eci"].iloc[-1])
    assert list(places["eci"].iloc[:-1]) == sorted(places["eci"].iloc[:-1], reverse=True)
    by = places.set_index("location")
    assert by.loc["440111"].drop(["eci", "coi"]).to_dict() == {"kind": "district", "in_city": True,
                                                               "in_space": False, "diversity": 0, "value": 1.0,
                                                               "firms": 1}
    assert by.loc[CITY, ["kind", "in_city", "in_space", "diversity", "value", "firms"]].to_dict() == {
        "kind": "city", "in_city": True, "in_space": True, "diversity": 2, "value": 11.0, "firms": 11}
    # 41 firms now (3985: 8): 深圳's 5212 (2/10) / (8/41) = 1.025 on 2 firms joins 3562 and 3985
    assert by.loc["440300", ["kind", "in_city", "in_space", "diversity"]].to_dict() == {
        "kind": "city", "in_city": False, "in_space": True, "diversity": 3}
    assert by.loc["440106", "coi"] == pytest.approx(opp.coi["440106"])
    assert opp.districts == ["440106", "440111", "440112"]


def test_a_home_city_without_firms_is_no_place() -> None:
    others = {k: v for k, v in COUNTS.items() if k[0] != CITY}
    opp = ao.from_panel(panel(others), city=CITY)
    assert list(opp.places()["location"].sort_values()) == ["110100", "310100", "440300"]
    assert not opp.has_place(CITY) and opp.has_place("440300")
    assert opp.notes == [("space_small", {"count": 3})]  # the city is no location: no share note
    with pytest.raises(NotFound, match=r"^面板中没有地区 440100 \(no such place in the panel\)"
                                       r"（用 /api/v1/complexity/places 查看可用地区）$"):
        ao.profile(opp, CITY)
    # a place in the panel with nothing in it
    empty = panel().assign(value=lambda f: f["value"].where(f["city"] != "440300", 0.0))
    without = ao.from_panel(empty, city=CITY)
    assert not without.has_place("440300") and "440300" not in without.benchmark
    # a district with nothing in it is no district of the space either
    quiet = pd.concat([panel(), pd.DataFrame([{"city": CITY, "district": "440111", "activity": "6513", "value": 0.0,
                                               "firms": 1}])], ignore_index=True)
    assert ao.from_panel(quiet, city=CITY).districts == ["440106", "440112"]


def test_city_share_note_above_one_fifth_only() -> None:
    fifth = {**{k: v for k, v in COUNTS.items() if k[0] != CITY},
             ("320500", None): {"1311": 5, "5212": 5}, (CITY, "440106"): {"1311": 4, "5212": 2, "6513": 4}}
    opp = ao.from_panel(panel(fifth), city=CITY)
    # 广州 10 of 50 firms: exactly 20%, not above it
    assert [code for code, _ in opp.notes] == ["space_small"]
    assert ao.from_panel(panel(), city=CITY).notes[1] == ("city_share_large", {"city": CITY, "share": 0.25})


@pytest.mark.parametrize("extra", [8, 9])
def test_locations_without_specialisation_are_listed_up_to_eight(extra: int) -> None:
    # `extra` cities with one firm in 6513 each: RCA > 1 on one firm is no specialisation
    counts = {**COUNTS, **{(f"5{i:05d}", None): {"6513": 1} for i in range(extra)}}
    opp = ao.from_panel(panel(counts), city=CITY)
    note = next(n for n in opp.notes if n[0] == "locations_without_specialisation")
    assert note[1] == {"count": extra, "locations": [f"5{i:05d}" for i in range(8)], "more": extra > 8,
                       "min_firms": 2}
    assert opp.notes[0] == note and len(opp.space_locations) == 4 and len(opp.benchmark) == 4 + extra
    assert opp.has_place("500000")  # one firm, value 1: a place


def test_activities_without_value_leave_the_panel() -> None:
    extra = pd.DataFrame([{"city": "440300", "district": None, "activity": "9001", "value": 0.0, "firms": 3},
                          {"city": "310100", "district": None, "activity": "9002", "value": 1.0, "firms": 1}])
    opp = ao.from_panel(pd.concat([panel(), extra], ignore_index=True), city=CITY)
    assert list(opp.values.columns) == ["1311", "3562", "3985", "5212", "6513", "9002"] == list(opp.firms.columns)
    assert "9002" not in opp.activities  # nobody specialised (one firm): no PCI
    assert opp.notes[0] == ("activities_without_pci", {"count": 1})


def test_a_rca_of_exactly_one_is_no_specialisation() -> None:
    # A {1311: 2, 3562: 2}, B {1: 3}, C {3: 1}: national 6 and 6, so A's RCAs are (2/4) / (6/12) = 1 exactly.
    # B and C hold one specialisation each and share none: two kept locations, two isolated activities.
    abc = pd.DataFrame([{"city": c, "district": None, "activity": a, "value": float(n), "firms": n}
                        for c, a, n in [("A", "1311", 2), ("A", "3562", 2), ("B", "1311", 1), ("B", "3562", 3),
                                        ("C", "1311", 3), ("C", "3562", 1)]])
    opp = ao.from_panel(abc, city="A")
    assert opp.rca.loc["A"].to_dict() == {"1311": 1.0, "3562": 1.0}
    assert opp.M.to_dict() == {"1311": {"A": 0, "B": 0, "C": 1}, "3562": {"A": 0, "B": 1, "C": 0}}
    assert opp.space_locations == ["B", "C"] and opp.benchmark == ["A", "B", "C"]
    assert opp.notes == [
        ("locations_without_specialisation", {"count": 1, "locations": ["A"], "more": False, "min_firms": 2}),
        ("activities_isolated", {"count": 2}), ("space_disconnected", {}), ("space_small", {"count": 2}),
        ("city_share_large", {"city": "A", "share": pytest.approx(1 / 3)})]
    nodes, edges = ao.industry_space(opp, "B")
    assert list(nodes["specialised"]) == [False, True] and list(nodes["rca"]) == [0.5, 1.5]
    assert edges.empty and list(edges.columns) == ["source", "target", "proximity"]
    assert len(ao.space_layout(opp)["weights"]) == 0


@pytest.mark.parametrize("n", [19, 20])
def test_a_space_of_twenty_locations_is_not_small(n: int) -> None:
    codes = ["1311", "3562", "3985", "6513"]
    rows = [{"city": f"C{i:02d}", "district": None, "activity": codes[(i + j) % 4], "value": float(f), "firms": f}
            for i in range(n) for j, f in ((0, 3), (1, 1))]
    opp = ao.from_panel(pd.DataFrame(rows), city="C00")
    assert len(opp.space_locations) == n
    assert ("space_small", {"count": n}) in opp.notes if n < 20 else all(c != "space_small" for c, _ in opp.notes)


def test_presence_threshold_is_checked() -> None:
    with pytest.raises(InputError, match=r"min_presence_firms 须 >= 1 \(got 0\)"):
        ao.from_panel(panel(), city=CITY, min_presence_firms=0)
    loose = ao.from_panel(panel(), city=CITY, min_presence_firms=1)
    assert loose.min_presence_firms == 1
    assert (loose.measure, loose.year) == ("enterprises", 0)  # the defaults
    # 天河's one-firm RCAs > 1 now count: 3562 (10/7), 5212 ((1/4) / (8/40) = 5/4), 6513 (2)
    assert loose.M.loc["440106"].to_dict() == {"1311": 0, "3562": 1, "3985": 0, "5212": 1, "6513": 1}
    with pytest.raises(InputError, match=r"^复杂度计算至少需要两个地区 \(the panel needs at least two locations\)"
                                         r"（导入其他城市的企业作为全国参照，或至少两个区的企业）$"):
        ao.from_panel(panel({("440300", None): {"3562": 4}}), city=CITY)
    # one location specialised (in two activities), the other only on one firm, and lowering the bar to one
    # firm gives no connected space either: too small
    with pytest.raises(InputError, match=r"^产业空间太小 \(space of 1 locations x 2 activities\)"
                                         r"（需要更多城市或企业；小样本可用 min_presence_firms=1）$"):
        ao.from_panel(panel({("440300", None): {"3562": 3, "3985": 3}, ("310100", None): {"6513": 1}}), city=CITY)


def test_two_districts_make_a_space() -> None:
    opp = ao.from_panel(panel({(CITY, "440106"): {"3562": 3, "6513": 1}, (CITY, "440112"): {"3562": 1, "6513": 3}}),
                        city=CITY)
    assert opp.space_kind == "districts" and opp.benchmark == ["440106", "440112"]
    assert opp.notes[0] == ("space_on_districts", {"city": CITY})
    with pytest.raises(InputError, match=r"^登记库中只有本市的企业，全市的 RCA 恒为 1，无法评估全市的发展机会 "
                                         r"\(with the city's own firms only, its RCA is 1 everywhere\)"
                                         r"（导入其他城市的企业作为全国参照，或按区查看）$"):
        ao.rank(opp, CITY)


# --- profile and rank -------------------------------------------------------------------------------------


def test_profile_of_a_district() -> None:
    opp = ao.from_panel(panel(twin=True), city=CITY)
    p = ao.profile(opp, "440106")
    assert p is ao.profile(opp, "440106")  # cached
    assert p.index.name == "activity" and list(p.index) == ["1311", "3562", "3563", "3985", "5212", "6513"]
    assert list(p.columns) == ["value", "firms", "rca", "M", "national_value", "national_firms", "density", "pci",
                               "cog"]
    assert list(p["value"]) == [0.0, 1.0, 1.0, 0.0, 1.0, 2.0] and list(p["firms"]) == [0, 1, 1, 0, 1, 2]
    assert list(p["national_value"]) == [8.0, 7.0, 7.0, 7.0, 8.0, 10.0]
    assert p.attrs == {"eci": pytest.approx(float(opp.eci["440106"])),
                       "coi": pytest.approx(float(opp.coi["440106"])), "place": "440106"}
    assert p.loc["3562", "density"] == p.loc["3563", "density"] and p.loc["3562", "pci"] == p.loc["3563", "pci"]


def test_profile_of_an_activity_outside_the_space() -> None:
    extra = pd.DataFrame([{"city": c, "district": None, "activity": "7512", "value": 1.0, "firms": 1}
                          for c in ("440300", "310100", "110100")])
    opp = ao.from_panel(pd.concat([panel(), extra], ignore_index=True), city=CITY)
    p = ao.profile(opp, "440300")
    assert list(p.index) == ["1311", "3562", "3985", "5212", "6513", "7512"] and list(opp.activities) == list(
        p.index[:5])
    assert p.loc["7512", ["density", "pci", "cog"]].isna().all() and p.loc["7512", "national_value"] == 3.0
    assert p.loc[["1311", "3562", "3985", "5212", "6513"], "pci"].notna().all()


def test_rank_ties_limits_and_exclusions() -> None:
    opp = ao.from_panel(panel(twin=True), city=CITY)
    table = ao.rank(opp, "440106", limit=None)
    assert list(table.columns) == ao.RANK_COLUMNS
    # 天河 is specialised in 6513 only; 5212 is not traded. The twins tie on every measure: code order.
    assert list(table["activity"]) == ["3985", "1311", "3562", "3563"]
    assert list(table["rank"]) == [1, 2, 3, 4]
    assert table.loc[2, "score"] == table.loc[3, "score"]
    assert len(ao.rank(opp, "440106", limit=0)) == 4  # 0 (like None) means no limit
    assert list(ao.rank(opp, "440106", limit=1)["activity"]) == ["3985"]
    everything = ao.rank(opp, "440106", scope="all", limit=None)
    assert sorted(everything["activity"]) == ["1311", "3562", "3563", "3985", "5212"]  # 5212 retail joins
    # two candidates left: each z-score is +1 / -1, so the sums tie (to rounding) and density decides:
    # 1311 (3/8) before 3985 (2/7)
    pair = ao.rank(opp, "440106", exclude=["3562", "3563"], limit=None)
    assert list(pair["activity"]) == ["1311", "3985"]
    assert pair.loc[0, "density"] == pytest.approx(3 / 8) and pair.loc[1, "density"] == pytest.approx(2 / 7)
    np.testing.assert_allclose(pair["score"], [0.0, 0.0], atol=1e-12)
    # one candidate: no spread, every z-score 0
    one = ao.rank(opp, "440106", exclude={"3562", "3563", "1311"}, limit=None)
    assert list(one["activity"]) == ["3985"] and list(one["score"]) == [0.0]
    with pytest.raises(InputError, match=r"未知的策略 'x'"):
        ao.rank(opp, "440106", strategy="x")
    with pytest.raises(InputError, match=r"未知的范围 'x'"):
        ao.rank(opp, "440106", scope="x")


def test_rank_lists_fifty_by_default() -> None:
    codes = [f"{13 + i // 10:02d}{i % 10:02d}" for i in range(120)]  # 120 manufacturing classes 1300-2409
    rng = np.random.default_rng(3)
    rows = [{"city": c, "district": None, "activity": a, "value": float(n), "firms": n}
            for c in ("110100", "310100", "440300", "330100", CITY) for a in codes for n in [int(rng.integers(1, 6))]]
    opp = ao.from_panel(pd.DataFrame(rows), city=CITY)
    assert len(ao.rank(opp, CITY, limit=None)) == 61
    top = ao.rank(opp, CITY)
    assert len(top) == 50 and list(top["rank"]) == list(range(1, 51))


def test_zscore_and_options() -> None:
    assert list(ao._zscore(pd.Series([1.0, 3.0]))) == [-1.0, 1.0]  # mean 2, population sd 1
    assert list(ao._zscore(pd.Series([2.0, 2.0]))) == [0.0, 0.0]
    assert list(ao._zscore(pd.Series([5.0]))) == [0.0]
    assert ao.is_traded("3562") and ao.is_traded(1311)  # a 大类 of 制造业 13-43
    assert not ao.is_traded("5212") and not ao.is_traded("6750")  # retail; a regulator in 67
    assert ao.is_traded("6740") and ao.is_traded("4390") and not ao.is_traded("4411")
    ao.check_options(strategy="long-jump", scope="all")
    ao.check_options(strategy="low-hanging")  # scope defaults to traded
    ao.check_options(scope="all")  # strategy defaults to balanced
    with pytest.raises(InputError, match=r"^未知的策略 'x' \(unknown strategy\)（可用 low-hanging, balanced, long-jump）$"):
        ao.check_options(strategy="x")
    with pytest.raises(InputError, match=r"^未知的范围 'x' \(unknown scope\)（可用 traded, all）$"):
        ao.check_options(scope="x")


def test_cog_and_coi_count_isolated_activities_as_nothing() -> None:
    """Activity 3 has no proximity to any other. Hand values: COG_cp = (1 - M_cp) Σ_p' prox_pp' / Σ_p'' prox_p''p'
    (1 - M_cp') PCI_p' over the live activities (column sums 1 here), COI_c = Σ_p density_cp (1 - M_cp) PCI_p."""
    m = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 1.0]])
    h = 0.5
    prox = np.array([[0, h, h, 0], [h, 0, h, 0], [h, h, 0, 0], [0, 0, 0, 0]])
    kp = np.array([1.0, 2.0, 4.0, 3.0])
    # location 0 (makes 0): on 1, 0.5·4 (via 2) = 2; on 2, 0.5·2 (via 1) = 1. Location 1 (makes 1, 3): on 0,
    # 0.5·4 = 2; on 2, 0.5·1 = 0.5. The isolated 3 gets 0 instead of making every value NaN.
    np.testing.assert_allclose(ao._cog(m, prox, kp), [[0, 2, 1, 0], [2, 0, 0.5, 0]])
    density = cx.density(m, prox)  # activity 3: 0 / 0, undefined
    assert np.isnan(density[:, 3]).all()
    # location 0: 0.5·2 + 0.5·4 + (undefined -> 0)·3 = 3; location 1: 0.5·1 + 0.5·4 = 2.5
    np.testing.assert_allclose(ao._coi(density, m, kp), [3.0, 2.5])


def test_rca_of_an_empty_row_is_zero() -> None:
    x = np.array([[2.0, 2.0], [0.0, 0.0], [1.0, 3.0]])
    # national (3, 5) of 8: row 0 (1/2) / (3/8) = 4/3, (1/2) / (5/8) = 4/5; row 2 (1/4) / (3/8) = 2/3, (3/4) / (5/8)
    np.testing.assert_allclose(ao._rca(x, np.array([3.0, 5.0])), [[4 / 3, 4 / 5], [0.0, 0.0], [2 / 3, 6 / 5]])


def test_industry_space_nodes_and_edges() -> None:
    opp = ao.from_panel(panel(twin=True), city=CITY)
    nodes, edges = ao.industry_space(opp, "440106")
    assert list(nodes.columns) == ["activity", "x", "y", "rca", "specialised", "pci", "national_value"]
    assert list(nodes["activity"]) == ["1311", "3562", "3563", "3985", "5212", "6513"]
    # 47 firms with the twin, 天河 5: RCA rounded to 4 digits: 3562 (1/5) / (7/47) = 47/35 = 1.342857...,
    # 5212 (1/5) / (8/47) = 1.175, 6513 (2/5) / (10/47) = 1.88
    assert list(nodes["rca"]) == [0.0, 1.3429, 1.3429, 0.0, 1.175, 1.88]
    assert list(nodes["specialised"]) == [False, False, False, False, False, True]
    assert list(nodes["pci"]) == [round(float(v), 4) for v in opp.pci]
    assert list(nodes["national_value"]) == [8.0, 7.0, 7.0, 7.0, 8.0, 10.0]
    assert nodes["x"].between(0, 1).all() and nodes["y"].between(0, 1).all()
    assert list(edges.columns) == ["source", "target", "proximity"]
    # the twins always co-occur: proximity 1, the strongest link of both
    assert ("3562", "3563", 1.0) in set(edges.itertuples(index=False, name=None))
    layout = ao.space_layout(opp)
    assert layout is ao.space_layout(opp) and layout is not ao.space_layout(opp, edges_per_node=1)
    # the backbone and layout of analytics.space, on this proximity, with the defaults 2 and 0.3
    reference = spaces.backbone(opp.proximity, k=2, min_proximity=0.3)
    np.testing.assert_array_equal(layout["edges"], reference)
    codes = list(opp.activities)
    assert [(s, t) for s, t, _ in edges.itertuples(index=False, name=None)] == [
        (codes[i], codes[j]) for i, j in reference.tolist()]
    weights = opp.proximity[reference[:, 0], reference[:, 1]]
    np.testing.assert_allclose(layout["xy"], spaces.layout(6, reference, weights,
                                                           init=spaces.embedding(opp.proximity)))
    sparse_nodes, sparse = ao.industry_space(opp, "440106", edges_per_node=1, min_proximity=0.6)
    one = spaces.backbone(opp.proximity, k=1, min_proximity=0.6)
    assert len(sparse) == len(one) and [(s, t) for s, t, _ in sparse.itertuples(index=False, name=None)] == [
        (codes[i], codes[j]) for i, j in one.tolist()]
    assert sparse_nodes["x"].tolist() == [round(float(v), 4) for v in ao.space_layout(opp, edges_per_node=1,
                                                                                       min_proximity=0.6)["xy"][:, 0]]
    # only links of 0.9 or more beside the maximum spanning tree: 3563-3985 (2/3) drops out, the tree's 5 remain
    _, strong = ao.industry_space(opp, "440106", min_proximity=0.9)
    assert [(s, t) for s, t, _ in strong.itertuples(index=False, name=None)] == [
        ("1311", "5212"), ("1311", "6513"), ("3562", "3563"), ("3562", "3985"), ("3985", "6513")]
    assert [(n.x, n.y) for n in nodes.itertuples()] == [(round(float(a), 4), round(float(b), 4))
                                                        for a, b in layout["xy"]]
