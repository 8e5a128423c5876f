"""Edges of analytics/chains.py that the 20-firm registry of test_chains.py never reaches, found by mutation
testing (docs/testing.md): the CAGR window's ends, duplicate and missing figures, ties, zeros and empty inputs.

The links are written by hand (uscc, chain, chain_node, role) on the tiny chain of test_chains.py, so every
number below follows from the rows of each test. Edges of tiny-ev: materials->battery, chips->motor,
chips->adas, battery->vehicle, motor->vehicle, adas->vehicle.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from chanye.analytics import chains as ac
from chanye.errors import InputError
from chanye.framework.chains import ChainTemplate

FIXTURE = Path(__file__).parents[1] / "fixtures" / "chains" / "tiny-ev.yaml"
CHAIN_ID = "tiny-ev"


@pytest.fixture(scope="module")
def chain() -> ChainTemplate:
    return ChainTemplate.model_validate(yaml.safe_load(FIXTURE.read_text(encoding="utf-8")))


def frame_of_firms(rows: list[tuple]) -> pd.DataFrame:
    """(uscc, name, city_code, district_code) rows."""
    return pd.DataFrame(rows, columns=["uscc", "name", "city_code", "district_code"])


def frame_of_links(rows: list[tuple], chain_id: str = CHAIN_ID) -> pd.DataFrame:
    """(uscc, chain_node, role) rows of one chain."""
    return pd.DataFrame([(u, chain_id, n, r) for u, n, r in rows], columns=["uscc", "chain", "chain_node", "role"])


def frame_of_figures(rows: list[tuple]) -> pd.DataFrame:
    """(uscc, year, revenue, rd_expense) rows."""
    return pd.DataFrame(rows, columns=["uscc", "year", "revenue", "rd_expense"])


def frame_of_tags(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["uscc", "tag"])


# --- firm_measures ----------------------------------------------------------------------------------------

MEASURE_FIRMS = frame_of_firms([(u, f"企业{u}", "440100", "440106") for u in "ABCDEFGH"])
MEASURE_FIGURES = frame_of_figures([
    ("A", 2020, 100, None), ("A", 2021, 200, None), ("A", 2023, 800, None),
    ("B", 2019, 100, None), ("B", 2022, 200, None), ("B", 2023, 300, None),
    ("C", 2023, None, 5),
    ("D", 2023, 50, 5), ("D", 2023, 60, 6),
    ("F", 2020, -5, None), ("F", 2021, 50, None), ("F", 2023, 50, None),
    ("G", 2020, 100, None), ("G", 2023, 0, None),
    ("H", 2021, 0, None), ("H", 2022, 0.25, None), ("H", 2023, 0.5, None),
])  # fmt: skip


def test_cagr_window_runs_from_year_minus_growth_years_to_year() -> None:
    m = ac.firm_measures(MEASURE_FIRMS, MEASURE_FIGURES, None)
    assert m.index.name == "uscc" and list(m.index) == list("ABCDEFGH")
    assert list(m.columns) == ["revenue", "rd_expense", "cagr", "cagr_years", "above_scale", "srdi",
                               "little_giant", "high_tech", "listed"]
    # A: the window [2020, 2023) starts at 2020 itself (2023 - 3): (800 / 100) ** (1/3) - 1 = 1.0 over 3 years
    assert (m.loc["A", "cagr"], m.loc["A", "cagr_years"]) == (pytest.approx(1.0), 3)
    # B: 2019 lies before the window, so the base is 2022: 300 / 200 - 1 = 0.5 over 1 year
    assert (m.loc["B", "cagr"], m.loc["B", "cagr_years"]) == (pytest.approx(0.5), 1)
    # C: a missing revenue is 0 (and no CAGR); its R&D figure is still read
    assert (m.loc["C", "revenue"], m.loc["C", "rd_expense"], m.loc["C", "cagr_years"]) == (0.0, 5.0, 0)
    assert math.isnan(m.loc["C", "cagr"])
    # D: two rows for 2023: the last one wins (60, R&D 6); no earlier year, no CAGR
    assert (m.loc["D", "revenue"], m.loc["D", "rd_expense"], m.loc["D", "cagr_years"]) == (60.0, 6.0, 0)
    assert math.isnan(m.loc["D", "cagr"])  # the year itself is never its own base
    # E: no figures at all
    assert (m.loc["E", "revenue"], m.loc["E", "cagr_years"]) == (0.0, 0) and math.isnan(m.loc["E", "rd_expense"])
    # F: the negative 2020 is no base; 2021 is: (50 / 50) - 1 = 0 over 2 years (a zero CAGR, not a missing one)
    assert (m.loc["F", "cagr"], m.loc["F", "cagr_years"]) == (0.0, 2)
    # G: revenue 0 in 2023 gives no CAGR although 2020 had revenue
    assert math.isnan(m.loc["G", "cagr"]) and m.loc["G", "cagr_years"] == 0
    # H: small revenues count (0.5 万元), a zero base does not: 0.5 / 0.25 - 1 = 1.0 over 1 year
    assert (m.loc["H", "revenue"], m.loc["H", "cagr"], m.loc["H", "cagr_years"]) == (0.5, 1.0, 1)
    assert {c: str(t) for c, t in m.dtypes.items() if c in ("revenue", "rd_expense", "cagr", "cagr_years")} == {
        "revenue": "float64", "rd_expense": "float64", "cagr": "float64", "cagr_years": "int64"}


def test_cagr_window_follows_year_and_growth_years() -> None:
    m = ac.firm_measures(MEASURE_FIRMS, MEASURE_FIGURES, None, year=2022)
    # B in 2022: base 2019 (= 2022 - 3), (200 / 100) ** (1/3) - 1 = 0.259921 over 3 years; nobody else has 2022
    assert m.loc["B", "revenue"] == 200.0
    assert m.loc["B", "cagr"] == pytest.approx(2 ** (1 / 3) - 1) and m.loc["B", "cagr_years"] == 3
    assert list(m["revenue"]) == [0.0, 200.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25]
    one = ac.firm_measures(MEASURE_FIRMS, MEASURE_FIGURES, None, growth_years=1)
    # a one-year window [2022, 2023): only B and H have a base there (A's 2021 and F's 2021 fall out)
    assert list(one["cagr_years"]) == [0, 1, 0, 0, 0, 0, 0, 1]
    assert one.loc["B", "cagr"] == pytest.approx(0.5)


def test_measures_without_figures_or_rd_column() -> None:
    for none in (ac.firm_measures(MEASURE_FIRMS, None, None), ac.firm_measures(MEASURE_FIRMS, None, None, year=2023)):
        assert list(none["revenue"]) == [0.0] * 8 and list(none["cagr_years"]) == [0] * 8
        assert none["cagr"].isna().all() and none["rd_expense"].isna().all()
        assert str(none["cagr"].dtype) == "float64" and str(none["rd_expense"].dtype) == "float64"
    empty = ac.firm_measures(MEASURE_FIRMS, MEASURE_FIGURES.iloc[:0], None)
    assert list(empty["revenue"]) == [0.0] * 8
    no_rd = ac.firm_measures(MEASURE_FIRMS, MEASURE_FIGURES.drop(columns="rd_expense"), None)
    assert no_rd["rd_expense"].isna().all() and no_rd.loc["D", "revenue"] == 60.0
    assert str(no_rd["rd_expense"].dtype) == "float64"
    # figures as text or nullable integers (as some stores hand them over): unreadable cells are missing
    text = MEASURE_FIGURES.assign(revenue=MEASURE_FIGURES["revenue"].astype(object).where(
        MEASURE_FIGURES["uscc"] != "B", "—"), rd_expense=MEASURE_FIGURES["rd_expense"].astype(object).where(
        MEASURE_FIGURES["uscc"] != "D", "n/a"))
    t = ac.firm_measures(MEASURE_FIRMS, text, None)
    assert (t.loc["B", "revenue"], t.loc["A", "revenue"], t.loc["A", "cagr"]) == (0.0, 800.0, 1.0)
    assert math.isnan(t.loc["D", "rd_expense"]) and t.loc["C", "rd_expense"] == 5.0
    whole = MEASURE_FIGURES[MEASURE_FIGURES["uscc"] != "H"]
    nullable = whole.assign(revenue=pd.array(whole["revenue"], dtype="Int64"),
                            rd_expense=pd.array(whole["rd_expense"], dtype="Int64"))
    pd.testing.assert_frame_equal(ac.firm_measures(MEASURE_FIRMS, nullable, None),
                                  ac.firm_measures(MEASURE_FIRMS, whole, None))
    with pytest.raises(InputError, match=r"年度指标表 figures 缺少列 revenue \(missing columns\)"):
        ac.firm_measures(MEASURE_FIRMS, MEASURE_FIGURES.drop(columns="revenue"), None)


def test_tags_become_one_boolean_column_each() -> None:
    tags = frame_of_tags([("A", "srdi"), ("A", "listed"), ("Z", "srdi"), ("D", "above_scale"),
                          ("B", "unknown"), ("C", "little_giant"), ("C", "high_tech")])
    m = ac.firm_measures(MEASURE_FIRMS, None, tags)
    held = {u: [t for t in ("above_scale", *ac.TAG_IDS) if m.loc[u, t]] for u in m.index}
    assert held == {"A": ["srdi", "listed"], "B": [], "C": ["little_giant", "high_tech"], "D": ["above_scale"],
                    "E": [], "F": [], "G": [], "H": []}  # Z is no firm of the frame; "unknown" is no tag
    assert ac._tag_ids(m) == ["srdi,listed", "", "little_giant,high_tech", "", "", "", "", ""]
    assert {str(t) for t in m[["above_scale", *ac.TAG_IDS]].dtypes} == {"bool"}
    empty = ac.firm_measures(MEASURE_FIRMS, None, tags.iloc[:0])
    assert not empty[["above_scale", *ac.TAG_IDS]].to_numpy().any()
    with pytest.raises(InputError, match=r"企业标签表 tags 缺少列 tag \(missing columns\)"):
        ac.firm_measures(MEASURE_FIRMS, None, tags.drop(columns="tag"))


def test_growth_component_clips_to_zero_and_one() -> None:
    cagr = pd.Series([-0.2, 0.0, 0.15, 0.3, 0.6, np.nan])
    # / 0.3: -0.667 -> 0, 0, 0.5, 1, 2 -> 1, NaN -> 0
    assert list(ac._growth_component(cagr, 0.3)) == [0.0, 0.0, pytest.approx(0.5), 1.0, 1.0, 0.0]


def test_latest_year() -> None:
    assert ac._latest_year(None, None) is None
    assert ac._latest_year(MEASURE_FIGURES.iloc[:0], None) is None
    assert ac._latest_year(MEASURE_FIGURES, None) == 2023
    assert ac._latest_year(None, "2021") == 2021
    assert ac._latest_year(MEASURE_FIGURES.assign(year=MEASURE_FIGURES["year"].astype(str)), None) == 2023


# --- diagnose ---------------------------------------------------------------------------------------------
# 广州 440100: L1, L2 (天河 440106), L3, L4 (黄埔 440112); 深圳 440300: P1, P2; 上海 310100: Q1, Q2.
# Revenue 2023 (万元): L1 L2 L3 100 each, L4 300, P1 P2 300 each, Q1 Q2 100 each; total 1,400, 广州 600.
# battery producers L1 L2 L3 P1 Q1 (700 nationally, half of the sample, as in each city: every LQ is exactly 1);
# motor: Q1 only. Sellers of battery: L4, P2; users of vehicle: L1, L4, Q2.

DIAG_FIRMS = frame_of_firms([
    ("L1", "l1", "440100", "440106"), ("L2", "l2", "440100", "440106"), ("L3", "l3", "440100", "440112"),
    ("L4", "l4", "440100", "440112"), ("P1", "p1", "440300", "440305"), ("P2", "p2", "440300", "440305"),
    ("Q1", "q1", "310100", "310115"), ("Q2", "q2", "310100", "310115"),
])  # fmt: skip
DIAG_REVENUE = {"L1": 100, "L2": 100, "L3": 100, "L4": 300, "P1": 300, "P2": 300, "Q1": 100, "Q2": 100}
DIAG_FIGURES = frame_of_figures([(u, 2023, r, None) for u, r in DIAG_REVENUE.items()])
DIAG_TAGS = frame_of_tags([("L1", "above_scale"), ("L2", "srdi"), ("P1", "above_scale")])
DIAG_LINKS = frame_of_links([
    ("L1", "battery", "producer"), ("L2", "battery", "producer"), ("L3", "battery", "producer"),
    ("P1", "battery", "producer"), ("Q1", "battery", "producer"), ("L4", "battery", "seller"),
    ("P2", "battery", "seller"), ("L1", "vehicle", "user"), ("L4", "vehicle", "user"), ("Q2", "vehicle", "user"),
    ("P1", "materials", "user"), ("Q1", "motor", "producer"),
    ("GHOST", "battery", "seller"), ("GHOST", "vehicle", "user"), ("GHOST", "battery", "producer"),
])  # fmt: skip  GHOST is in no firm table: it counts nowhere
ROW = ["area", "producers", "above_scale", "srdi", "sellers", "users", "revenue_yi", "national_producers",
       "national_revenue_yi", "lq", "lq_threshold", "lq_percentile", "peer_cities", "status", "problems"]


def diag(chain: ChainTemplate, city: str = "440100", *, figures=DIAG_FIGURES, tags=DIAG_TAGS, **kw) -> pd.DataFrame:
    return ac.diagnose(DIAG_LINKS, DIAG_FIRMS, figures, tags, chain, city, **kw).set_index("chain_node")


def row(d: pd.DataFrame, node: str) -> dict:
    """The row's numbers, NaN as None so that rows compare with ==."""
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.loc[node, ROW].items()}


def test_diagnosis_at_the_boundaries_is_strong(chain: ChainTemplate) -> None:
    d = diag(chain, min_peer_firms=2)
    # battery: 3 producers (= min_producers), 1 above scale, LQ (300/600) / (700/1400) = 1.0 (= strong_lq), both
    # peers' LQs 1.0 too (40th percentile 1.0, and none of them lower: 0%). share 300/700 = 3/7.
    assert row(d, "battery") == {
        "area": "440100", "producers": 3, "above_scale": 1, "srdi": 1, "sellers": 1, "users": 0,
        "revenue_yi": pytest.approx(0.03), "national_producers": 5, "national_revenue_yi": pytest.approx(0.07),
        "lq": 1.0, "lq_threshold": 1.0, "lq_percentile": 0.0, "peer_cities": 2, "status": "strong", "problems": ()}
    assert d.loc["battery", "share_national"] == pytest.approx(3 / 7)
    assert d.loc["battery", "segment"] == "midstream" and d.loc["battery", "chain"] == CHAIN_ID
    # motor: no local producer; 上海's LQ (100/200) / (100/1400) = 7 is the only active peer
    assert row(d, "motor") == {
        "area": "440100", "producers": 0, "above_scale": 0, "srdi": 0, "sellers": 0, "users": 0, "revenue_yi": 0.0,
        "national_producers": 1, "national_revenue_yi": pytest.approx(0.01), "lq": 0.0, "lq_threshold": 7.0,
        "lq_percentile": 0.0, "peer_cities": 1, "status": "missing", "problems": ("no_producers",)}
    # vehicle: nobody makes it; users L1 and L4 are local (Q2 is in 上海). No producer: no LQ, no share.
    assert row(d, "vehicle") == {
        "area": "440100", "producers": 0, "above_scale": 0, "srdi": 0, "sellers": 0, "users": 2, "revenue_yi": 0.0,
        "national_producers": 0, "national_revenue_yi": 0.0, "lq": None, "lq_threshold": None,
        "lq_percentile": None, "peer_cities": 0, "status": "missing", "problems": ("no_producers",)}
    assert math.isnan(d.loc["vehicle", "share_national"])
    assert d.attrs["units"] == {"revenue_yi": "yi_yuan", "national_revenue_yi": "yi_yuan",
                                "share_national": "ratio", "lq_percentile": "percent"}
    assert d.attrs["params"] == {
        "city": "440100", "district": None, "year": 2023, "basis": "revenue", "peers": ["310100", "440300"],
        "weak_percentile": 40.0, "min_producers": 3, "strong_lq": 1.0, "require_above_scale": True,
        "min_peer_firms": 2, "peer_active_only": True}


@pytest.mark.parametrize(("kw", "status", "problems"), [
    ({"min_producers": 4}, "weak", ("few_producers",)),  # 3 < 4
    ({"strong_lq": 1.01}, "weak", ("lq_below_floor",)),  # 1.0 < 1.01
    ({"tags": DIAG_TAGS[DIAG_TAGS["uscc"] != "L1"]}, "weak", ("no_above_scale",)),
    ({"tags": DIAG_TAGS[DIAG_TAGS["uscc"] != "L1"], "require_above_scale": False}, "strong", ()),
    ({"figures": None}, "weak", ("no_lq",)),  # no revenue anywhere: no LQ, and no peer LQ either
    # P1 at 400: 深圳's LQ (400/700) / (800/1500) = 15/14 is the threshold (its 100th percentile), 广州's
    # (300/600) / (800/1500) = 15/16 lies below it; strong_lq 0.9 keeps the floor rule quiet
    ({"weak_percentile": 100.0, "peers": ["440300"], "strong_lq": 0.9, "figures": DIAG_FIGURES.assign(
        revenue=DIAG_FIGURES["revenue"].where(DIAG_FIGURES["uscc"] != "P1", 400))}, "weak", ("lq_below_peers",)),
])  # fmt: skip
def test_each_problem_alone(chain: ChainTemplate, kw: dict, status: str, problems: tuple) -> None:
    d = diag(chain, min_peer_firms=2, **kw)
    assert (d.loc["battery", "status"], d.loc["battery", "problems"]) == (status, problems)


def test_peers(chain: ChainTemplate) -> None:
    # all peers, zeros included: motor compares with 深圳 (LQ 0) and 上海 (7): 0 + 0.4 * (7 - 0) = 2.8
    d = diag(chain, min_peer_firms=2, peer_active_only=False)
    assert (d.loc["motor", "lq_threshold"], d.loc["motor", "peer_cities"]) == (pytest.approx(2.8), 2)
    # default peers need 3 firms; these cities have 2: no peer, no threshold
    d = diag(chain, min_peer_firms=3)
    assert d.attrs["params"]["peers"] == [] and (d["peer_cities"] == 0).all()
    assert d["lq_threshold"].isna().all() and d["lq_percentile"].isna().all()
    assert d.loc["battery", "status"] == "strong"
    # explicit peers, as ints too; the city itself is never its own peer
    d = diag(chain, peers=[440300, "440100"])
    assert d.attrs["params"]["peers"] == ["440300"] and d.loc["battery", "peer_cities"] == 1
    assert row(d, "motor")["peer_cities"] == 0 and row(d, "motor")["lq_percentile"] is None  # 深圳 makes no motor


def test_count_basis_and_the_strict_percentile(chain: ChainTemplate) -> None:
    d = diag(chain, min_peer_firms=2, basis="count")
    # battery: 3 of 广州's 4 firms against 5 of 8: (3/4) / (5/8) = 1.2; each peer 1 of 2: (1/2) / (5/8) = 0.8,
    # so the threshold is 0.8 and both peers lie below: 100%. motor in 上海: (1/2) / (1/8) = 4.
    assert d.loc["battery", "lq"] == pytest.approx(1.2)
    assert d.loc["battery", "lq_threshold"] == pytest.approx(0.8)
    assert d.loc["battery", "lq_percentile"] == 100.0
    assert d.loc["motor", "lq_threshold"] == pytest.approx(4.0)
    assert d.attrs["params"]["basis"] == "count"
    with pytest.raises(InputError, match=r"区位商口径 basis 只能是 revenue, count \(unknown basis 'value'\)"):
        diag(chain, basis="value")


def test_district_area(chain: ChainTemplate) -> None:
    d = diag(chain, district="440106", min_peer_firms=2)
    # 天河: L1, L2 (200 万元, all of it battery): (200/200) / (700/1400) = 2; 2 producers < 3; L4 sells in 黄埔
    assert row(d, "battery") == {
        "area": "440106", "producers": 2, "above_scale": 1, "srdi": 1, "sellers": 0, "users": 0,
        "revenue_yi": pytest.approx(0.02), "national_producers": 5, "national_revenue_yi": pytest.approx(0.07),
        "lq": 2.0, "lq_threshold": 1.0, "lq_percentile": 100.0, "peer_cities": 2, "status": "weak",
        "problems": ("few_producers",)}
    assert d.loc["vehicle", "users"] == 1  # L1 (L4 is in 黄埔)
    assert d.attrs["params"]["district"] == "440106"
    with pytest.raises(InputError, match=r"企业表 firms 缺少列 district_code"):
        ac.diagnose(DIAG_LINKS, DIAG_FIRMS.drop(columns="district_code"), DIAG_FIGURES, None, chain, "440100",
                    district="440106")


def test_lq_without_a_base_is_nan() -> None:
    assert math.isnan(ac._lq(1.0, 0.0, 1.0, 1.0))
    assert math.isnan(ac._lq(0.0, 1.0, 0.0, 1.0))
    assert math.isnan(ac._lq(0.0, 1.0, 1.0, 0.0))
    assert ac._lq(1.0, 4.0, 2.0, 16.0) == 2.0  # (1/4) / (2/16)
    assert ac._lq(0.25, 0.5, 0.5, 0.5) == 0.5  # (0.25/0.5) / (0.5/0.5): totals below 1 are no zeros


def test_diagnosis_edges(chain: ChainTemplate) -> None:
    # 天河 without revenue (L1, L2 at 0): no LQ there, and no percentile either, though the peers have LQs:
    # battery 100 + 300 + 100 = 500 of 1,200; 深圳 (300/600) / (500/1200) = 1.2, 上海 (100/200) / (500/1200) = 1.2
    zero = DIAG_FIGURES.assign(revenue=DIAG_FIGURES["revenue"].where(~DIAG_FIGURES["uscc"].isin(["L1", "L2"]), 0))
    d = diag(chain, district="440106", figures=zero, min_peer_firms=2)
    assert row(d, "battery") == {
        "area": "440106", "producers": 2, "above_scale": 1, "srdi": 1, "sellers": 0, "users": 0, "revenue_yi": 0.0,
        "national_producers": 5, "national_revenue_yi": pytest.approx(0.05), "lq": None,
        "lq_threshold": pytest.approx(1.2), "lq_percentile": None, "peer_cities": 2, "status": "weak",
        "problems": ("few_producers", "no_lq")}
    assert d.loc["battery", "share_national"] == 0.0
    # an explicit peer without firms has no LQ (its total is 0), so it is no comparison, even with zeros counted
    d = diag(chain, peers=["999999"], peer_active_only=False)
    assert list(d["peer_cities"]) == [0] * 6 and d.attrs["params"]["peers"] == ["999999"]
    # the figures of an earlier year: 2022 holds 深圳's P1 alone, so 广州 has producers but no revenue
    earlier = pd.concat([DIAG_FIGURES, frame_of_figures([("P1", 2022, 300, None)])], ignore_index=True)
    d = diag(chain, figures=earlier, year=2022, min_peer_firms=2)
    assert d.attrs["params"]["year"] == 2022
    assert row(d, "battery")["revenue_yi"] == 0.0 and row(d, "battery")["lq"] is None
    assert d.loc["battery", "national_revenue_yi"] == pytest.approx(0.03)


def test_firms_without_a_city_are_no_peer(chain: ChainTemplate) -> None:
    nowhere = pd.concat([DIAG_FIRMS, frame_of_firms([("N1", "n1", None, None), ("N2", "n2", None, None)])],
                        ignore_index=True)
    d = ac.diagnose(DIAG_LINKS, nowhere, DIAG_FIGURES, DIAG_TAGS, chain, "440100", min_peer_firms=2)
    assert d.attrs["params"]["peers"] == ["310100", "440300"]


def test_a_uscc_on_several_rows_is_one_firm(chain: ChainTemplate) -> None:
    """A firm listed twice (a first row without a district, under an older name) counts once, and in a district
    when any of its rows is there; its name and city come from its first row."""
    twice = pd.concat([frame_of_firms([("L1", "l1-old", "440100", None)]), DIAG_FIRMS], ignore_index=True)
    for district in (None, "440106"):
        d = ac.diagnose(DIAG_LINKS, twice, DIAG_FIGURES, DIAG_TAGS, chain, "440100", district, min_peer_firms=2)
        once = ac.diagnose(DIAG_LINKS, DIAG_FIRMS, DIAG_FIGURES, DIAG_TAGS, chain, "440100", district,
                           min_peer_firms=2)
        pd.testing.assert_frame_equal(d, once)
    assert d.set_index("chain_node").loc["battery", "producers"] == 2  # 天河: L1 (its second row) and L2
    found = ac.leaders(DIAG_LINKS, twice, DIAG_FIGURES, chain, "440100")
    assert list(found["uscc"]) == ["L1", "L2", "L3"] and list(found["name"]) == ["l1-old", "l2", "l3"]
    diagnosis = d.assign(status="weak")
    expansion = ac.expansion_list(DIAG_LINKS, twice, DIAG_FIGURES, DIAG_TAGS, chain, diagnosis, "440100")
    assert list(expansion["uscc"]) == ["L1", "L2", "L3"] and list(expansion["name"]) == ["l1-old", "l2", "l3"]
    assert list(expansion["district_code"].isna()) == [True, False, False]  # L1's first row has no district
    recruitment = ac.recruitment_list(DIAG_LINKS, twice, DIAG_FIGURES, DIAG_TAGS, chain, diagnosis, "440300")
    named = dict(zip(recruitment["uscc"], recruitment["name"], strict=True))
    assert named == {"L1": "l1-old", "L2": "l2", "L3": "l3", "Q1": "q1"}  # outside 深圳, each once


def test_missing_columns_are_named() -> None:
    chain_free = ChainTemplate.model_validate(yaml.safe_load(FIXTURE.read_text(encoding="utf-8")))
    with pytest.raises(InputError, match=r"^企业表 firms 缺少列 city_code \(missing columns\)"):
        ac.diagnose(DIAG_LINKS, DIAG_FIRMS.drop(columns="city_code"), None, None, chain_free, "440100")
    with pytest.raises(InputError, match=r"^关联表 links 缺少列 role \(missing columns\)"):
        ac.diagnose(DIAG_LINKS.drop(columns="role"), DIAG_FIRMS, None, None, chain_free, "440100")
    with pytest.raises(InputError, match=r"^企业表 firms 缺少列 city_code \(missing columns\)"):
        ac.leaders(DIAG_LINKS, DIAG_FIRMS.drop(columns="city_code"), None, chain_free, "440100")


# --- leaders ----------------------------------------------------------------------------------------------
# Local producers (广州): A battery (revenue 0, no name), B vehicle 500, C motor + adas 100 (its adas link twice),
# D materials 500, E chips 50; F (深圳) makes vehicles. Closed neighbourhoods: vehicle {vehicle, battery, motor,
# adas} 4; motor ∪ adas {motor, adas, chips, vehicle} 4; chips {chips, motor, adas} 3; battery {battery,
# materials, vehicle} 3; materials {materials, battery} 2.

LEAD_FIRMS = frame_of_firms([
    ("A", None, "440100", "440106"), ("B", "b", "440100", "440106"), ("C", "c", "440100", "440112"),
    ("D", "d", "440100", "440112"), ("E", "e", "440100", "440112"), ("F", "f", "440300", "440305"),
])  # fmt: skip
LEAD_FIGURES = frame_of_figures([(u, 2023, r, None) for u, r in
                                 {"A": 0, "B": 500, "C": 100, "D": 500, "E": 50, "F": 9999}.items()])
LEAD_LINKS = frame_of_links([
    ("A", "battery", "producer"), ("B", "vehicle", "producer"), ("C", "motor", "producer"),
    ("C", "adas", "producer"), ("C", "adas", "producer"), ("D", "materials", "producer"),
    ("E", "chips", "producer"), ("F", "vehicle", "producer"), ("A", "vehicle", "user"),
    ("GHOST", "vehicle", "producer"),  # in no firm table: never local
])  # fmt: skip


def lead(chain: ChainTemplate, city: str = "440100", **kw) -> pd.DataFrame:
    return ac.leaders(LEAD_LINKS, LEAD_FIRMS, LEAD_FIGURES, chain, city, **kw)


def test_leaders_rank_size_and_connectivity_with_ties(chain: ChainTemplate) -> None:
    found = lead(chain, top=5)
    # size (revenue > 0 only): B 500 and D 500 tie, USCC order; then C 100, E 50; A (0) has no size rank.
    # connectivity: C (4, two nodes) before B (4, one node); E and A (3, one node) by revenue: E 50 > A 0; D 2.
    assert list(found["uscc"]) == ["B", "D", "C", "E", "A"]
    assert list(found["size_rank"]) == [1, 2, 3, 4, pd.NA]
    assert list(found["connectivity_rank"]) == [2, 5, 1, 3, 4]
    assert list(found["connectivity"]) == [4, 2, 4, 3, 3]
    assert list(found["node_count"]) == [1, 1, 2, 1, 1]
    assert list(found["chain_nodes"]) == ["vehicle", "materials", "motor,adas", "chips", "battery"]
    assert list(found["revenue_yi"]) == [0.05, 0.05, 0.01, 0.005, 0.0]  # 万元 / 1e4
    assert list(found["name"]) == ["b", "d", "c", "e", "A"]  # no name: the USCC stands in
    assert list(found["basis"]) == [("size", "connectivity")] * 4 + [("connectivity",)]
    assert list(found["chain"]) == [CHAIN_ID] * 5 and list(found["chain_size"]) == [6] * 5
    assert str(found["size_rank"].dtype) == "Int64" and str(found["connectivity_rank"].dtype) == "Int64"
    assert found.attrs["excluded"] == []


def test_leaders_top_cut_on_both_lists(chain: ChainTemplate) -> None:
    # top 2: by size B, D; by connectivity C, B. Size leaders first, then C.
    found = lead(chain, top=2)
    assert list(found["uscc"]) == ["B", "D", "C"]
    assert list(found["basis"]) == [("size", "connectivity"), ("size",), ("connectivity",)]
    # default top 3: size B, D, C; connectivity C, B, E
    found = lead(chain)
    assert list(found["uscc"]) == ["B", "D", "C", "E"]
    assert list(found["basis"]) == [("size", "connectivity"), ("size",), ("size", "connectivity"),
                                    ("connectivity",)]


def test_leaders_exclude_district_and_empty(chain: ChainTemplate) -> None:
    found = lead(chain, exclude=["B", "Z"])  # Z is no producer: not listed as excluded
    assert list(found["uscc"]) == ["D", "C", "E", "A"] and found.attrs["excluded"] == ["B"]
    assert list(found["size_rank"]) == [1, 2, 3, pd.NA]
    huangpu = lead(chain, district="440112")
    assert list(huangpu["uscc"]) == ["D", "C", "E"] and list(huangpu["connectivity_rank"]) == [3, 1, 2]
    none = lead(chain, "440300", exclude=["F"])  # 深圳's only producer excluded
    assert none.empty and list(none.columns) == ac.LEADER_COLUMNS and none.attrs["excluded"] == ["F"]
    nobody = lead(chain, "110100")
    assert nobody.empty and nobody.attrs["excluded"] == []


def test_leaders_in_a_year_without_revenue(chain: ChainTemplate) -> None:
    found = lead(chain, year=2022)  # no figures for 2022: nobody has a size rank
    # connectivity alone: C (4, two nodes), B (4, one node), then A and E (3, one node, revenue 0 both): USCC order
    assert list(found["uscc"]) == ["C", "B", "A"] and list(found["connectivity_rank"]) == [1, 2, 3]
    assert list(found["size_rank"]) == [pd.NA] * 3 and list(found["revenue_yi"]) == [0.0] * 3
    assert list(found["basis"]) == [("connectivity",)] * 3


# --- recruitment and expansion lists ----------------------------------------------------------------------
# A hand-made diagnosis: materials, chips, motor missing; battery weak (1 local producer); adas, vehicle strong.
# Rows of another chain must not count (their vehicle "weak" and chips producers would change both lists).

LIST_DIAGNOSIS = pd.DataFrame(
    [(CHAIN_ID, n, s, p) for n, s, p in [("materials", "missing", 0), ("chips", "missing", 0),
                                         ("battery", "weak", 1), ("motor", "missing", 0),
                                         ("adas", "strong", 1), ("vehicle", "strong", 2)]]
    + [("other", "vehicle", "weak", 0), ("other", "chips", "strong", 3)],
    columns=["chain", "chain_node", "status", "producers"])
LIST_FIRMS = frame_of_firms([
    ("X1", "x1", "440300", "440305"), ("X2", "x2", "310100", "310115"), ("X3", "x3", "310100", "310115"),
    ("X4", "x4", None, None), ("X5", "x5", "440300", "440305"), ("L1", "l1", "440100", "440106"),
    ("L2", "l2", "440100", "440112"), ("L3", "l3", "440100", "440106"), ("L4", "l4", "440100", "440106"),
])  # fmt: skip
LIST_FIGURES = frame_of_figures([
    ("X1", 2023, 1000, None), ("X2", 2023, -50, None), ("X3", 2023, 1000, None), ("X4", 2023, 5000, None),
    ("X5", 2023, 1e6, None), ("L1", 2023, 1000, 50), ("L2", 2023, 0, 10), ("L3", 2023, 1000, 200),
    ("L4", 2023, 10, None), ("X3", 2022, 500, None), ("X3", 2021, 250, None), ("L1", 2021, 250, None),
])  # fmt: skip
LIST_TAGS = frame_of_tags([("X1", "srdi"), ("X1", "listed"), ("L1", "above_scale"), ("L3", "high_tech")])
LIST_LINKS = frame_of_links([
    ("X1", "battery", "producer"), ("X1", "vehicle", "producer"), ("X2", "motor", "producer"),
    ("X3", "materials", "producer"), ("X4", "battery", "producer"), ("X5", "battery", "producer"),
    ("L1", "battery", "producer"), ("L2", "vehicle", "producer"), ("L3", "adas", "producer"),
    ("L4", "motor", "producer"), ("X2", "battery", "user"), ("X1", "motor", "producer"),
    ("L1", "vehicle", "producer"), ("GHOST", "battery", "producer"),
])  # fmt: skip  GHOST is in no firm table: neither outside nor local


def recruit(chain: ChainTemplate, **kw) -> pd.DataFrame:
    args = kw.pop("args", (LIST_LINKS, LIST_FIRMS, LIST_FIGURES, LIST_TAGS))
    return ac.recruitment_list(*args, chain, kw.pop("diagnosis", LIST_DIAGNOSIS), kw.pop("city", "440100"), **kw)


def test_recruitment_scores_by_hand(chain: ChainTemplate) -> None:
    found = recruit(chain, exclude=["X5", "L1"])
    # Candidates: producers outside 广州 on missing/weak nodes: X1 (battery, motor), X2 (motor), X3 (materials);
    # X4 has no city, X5 is excluded (and so not the size maximum), L1 is local. Local nodes (producers > 0):
    # battery, adas, vehicle (3).
    # size = ln(1 + revenue) / ln(1001): X1 1, X3 1, X2 (revenue -50, taken as 0) 0. growth: X3 (1000 / 250)
    # ** (1/2) - 1 = 1 -> 1/0.3 -> 1. tags: X1 srdi + listed = 2/4. connectivity: X1 makes battery, motor and vehicle; one
    # edge away: materials, chips, adas; local: adas -> 1/3. X2 motor -> chips, vehicle; local: vehicle.
    # X3 materials -> battery.
    # score: X3 0.4 + 0.2 + 0 + 0.2/3 = 0.6667; X1 0.4 + 0 + 0.2·0.5 + 0.2/3 = 0.5667; X2 0.2/3 = 0.0667
    assert list(found["uscc"]) == ["X3", "X1", "X2"] and list(found["rank"]) == [1, 2, 3]
    np.testing.assert_allclose(found["score"], [0.6 + 0.2 / 3, 0.5 + 0.2 / 3, 0.2 / 3], rtol=1e-12)
    assert list(found["size"]) == [1.0, 1.0, 0.0] and list(found["growth"]) == [1.0, 0.0, 0.0]
    assert list(found["tags"]) == [0.0, 0.5, 0.0]
    np.testing.assert_allclose(found["connectivity"], [1 / 3] * 3, rtol=1e-12)
    assert list(found["linked_nodes"]) == ["battery", "adas", "vehicle"]
    assert list(found["local_nodes"]) == [3, 3, 3]
    assert list(found["chain_nodes"]) == ["materials", "battery,motor", "motor"]  # vehicle is strong: no target
    assert list(found["node_statuses"]) == ["missing", "weak,missing", "missing"]
    assert list(found["city_code"]) == ["310100", "440300", "310100"]
    assert list(found["name"]) == ["x3", "x1", "x2"]
    assert list(found["tag_ids"]) == ["", "srdi,listed", ""]
    assert list(found["revenue_yi"]) == [0.1, 0.1, -0.005]
    assert list(found["cagr_years"]) == [2, 0, 0] and found.loc[0, "cagr"] == 1.0
    assert list(found.columns) == ac.RECRUITMENT_COLUMNS
    assert found.attrs["excluded"] == ["X5"]  # L1 is no candidate
    assert list(recruit(chain, exclude=["X5"], top=1)["uscc"]) == ["X3"]
    # 2022: X3's 500 is the only revenue (size 1; 500 / 250 - 1 = 1: growth 1). X1 0.2·0.5 + 0.2/3; X2 and X5
    # 0.2/3 each, revenue 0 both: USCC order
    earlier = recruit(chain, year=2022)
    assert list(earlier["uscc"]) == ["X3", "X1", "X2", "X5"]
    np.testing.assert_allclose(earlier["score"], [0.6 + 0.2 / 3, 0.1 + 0.2 / 3, 0.2 / 3, 0.2 / 3], rtol=1e-12)
    # a one-year growth window [2022, 2023): X3's base is 2022, 1000 / 500 - 1 = 1 over 1 year
    assert recruit(chain, exclude=["X5"], growth_years=1).loc[0, "cagr_years"] == 1


def test_recruitment_ties_and_the_excluded_firm_in_the_size_scale(chain: ChainTemplate) -> None:
    # X5 (1e6) now sets the scale: ln(1001) / ln(1000001) = 0.500072 for X1 and X3
    found = recruit(chain)
    assert list(found["uscc"]) == ["X3", "X5", "X1", "X2"]
    assert found.set_index("uscc").loc["X1", "size"] == pytest.approx(math.log1p(1000) / math.log1p(1e6))
    assert found.attrs["excluded"] == []
    # connectivity alone: all four score 1/3; revenue breaks the tie (X5), then the USCC (X1 before X3)
    links_only = recruit(chain, weights=ac.RecruitmentWeights(size=0, growth=0, tags=0, connectivity=1))
    assert list(links_only["uscc"]) == ["X5", "X1", "X3", "X2"]


def test_recruitment_without_revenue_local_nodes_or_names(chain: ChainTemplate) -> None:
    nothing_local = LIST_DIAGNOSIS.assign(producers=0)
    zero = LIST_FIGURES.assign(revenue=0)
    found = recruit(chain, args=(LIST_LINKS, LIST_FIRMS, zero, LIST_TAGS), diagnosis=nothing_local)
    # every size is 0 (no largest to divide by), every connectivity 0 (no local node): tags decide (X1 0.2·0.5)
    assert list(found["size"]) == [0.0] * 4 and list(found["connectivity"]) == [0.0] * 4
    assert list(found["local_nodes"]) == [0] * 4 and list(found["linked_nodes"]) == [""] * 4
    assert list(found["uscc"]) == ["X1", "X2", "X3", "X5"] and list(found["score"]) == [0.1, 0.0, 0.0, 0.0]
    # all below 1.72 万元 (ln(1 + revenue) < 1): the largest still scales to 1. X1 and X3 at 0.5: size 1 each;
    # X3 fell from 250 to 0.5 (growth clipped to 0); X1 0.4 + 0.2·0.5 + 0.2/3, X3 0.4 + 0.2/3, X2 0.2/3
    small = LIST_FIGURES.assign(revenue=LIST_FIGURES["revenue"].where(
        ~(LIST_FIGURES["uscc"].isin(["X1", "X3"]) & (LIST_FIGURES["year"] == 2023)), 0.5))
    tiny = recruit(chain, args=(LIST_LINKS, LIST_FIRMS, small, LIST_TAGS), exclude=["X5"])
    assert list(tiny["uscc"]) == ["X1", "X3", "X2"] and list(tiny["size"]) == [1.0, 1.0, 0.0]
    np.testing.assert_allclose(tiny["score"], [0.5 + 0.2 / 3, 0.4 + 0.2 / 3, 0.2 / 3], rtol=1e-12)
    unnamed = recruit(chain, args=(LIST_LINKS, LIST_FIRMS.drop(columns="name"), LIST_FIGURES, LIST_TAGS),
                      city=440100, exclude=["X5"])
    assert list(unnamed["name"]) == ["X3", "X1", "X2"]
    none = recruit(chain, statuses=("strong",), exclude=["X1"])  # X1 is the only outside producer on a strong node
    assert none.empty and list(none.columns) == ac.RECRUITMENT_COLUMNS and none.attrs["excluded"] == ["X1"]
    with pytest.raises(InputError, match=r"诊断表 diagnosis 缺少列 status"):
        recruit(chain, diagnosis=LIST_DIAGNOSIS.drop(columns="status"))


def expand(chain: ChainTemplate, firms: pd.DataFrame = LIST_FIRMS, figures: pd.DataFrame = LIST_FIGURES,
           **kw) -> pd.DataFrame:
    return ac.expansion_list(LIST_LINKS, firms, figures, LIST_TAGS, chain, LIST_DIAGNOSIS, "440100", **kw)


def revised(uscc: str, **values) -> pd.DataFrame:
    """LIST_FIGURES with `uscc`'s 2023 row changed."""
    f = LIST_FIGURES.copy()
    at = (f["uscc"] == uscc) & (f["year"] == 2023)
    for column, value in values.items():
        f.loc[at, column] = value
    return f


def test_expansion_scores_by_hand(chain: ChainTemplate) -> None:
    found = expand(chain)
    # Local producers on strong/weak nodes: L1 battery, L3 adas, L2 vehicle (L4's motor is missing).
    # L1: size 1 (ln 1001 / ln 1001), growth (1000/250)^(1/2) - 1 = 1 -> 1, R&D 50/1000 = 5% -> 0.5, 规上 ->
    #     0.25 + 0.3 + 0.2·0.5 + 0 + 0.1 = 0.75
    # L3: size 1, R&D 200/1000 = 20% -> 1, high_tech 1/4 -> 0.25 + 0.2 + 0.15·0.25 = 0.4875
    # L2: revenue 0: size 0, R&D intensity undefined -> 0, score 0
    assert list(found["uscc"]) == ["L1", "L3", "L2"] and list(found["rank"]) == [1, 2, 3]
    np.testing.assert_allclose(found["score"], [0.75, 0.4875, 0.0], rtol=1e-12)
    assert list(found["size"]) == [1.0, 1.0, 0.0] and list(found["growth"]) == [1.0, 0.0, 0.0]
    assert list(found["rd"]) == [0.5, 1.0, 0.0] and list(found["scale"]) == [1.0, 0.0, 0.0]
    assert list(found["tags"]) == [0.0, 0.25, 0.0] and list(found["tag_ids"]) == ["", "high_tech", ""]
    assert found.loc[0, "rd_intensity"] == 0.05 and found.loc[1, "rd_intensity"] == 0.2
    assert math.isnan(found.loc[2, "rd_intensity"])
    assert list(found["above_scale"]) == [True, False, False]
    assert list(found["district_code"]) == ["440106", "440106", "440112"]
    assert list(found["chain_nodes"]) == ["battery,vehicle", "adas", "vehicle"]
    assert list(found["node_statuses"]) == ["weak,strong", "strong", "strong"]
    assert list(found["name"]) == ["l1", "l3", "l2"] and list(found["revenue_yi"]) == [0.1, 0.1, 0.0]
    assert list(found["cagr_years"]) == [2, 0, 0]
    assert list(found.columns) == ac.EXPANSION_COLUMNS and found.attrs["excluded"] == []


def test_expansion_ties_exclusions_and_missing_columns(chain: ChainTemplate) -> None:
    # size alone: L1 and L3 tie at 1 with equal revenue: USCC order
    by_size = expand(chain, weights=ac.ExpansionWeights(size=1, growth=0, rd=0, tags=0, scale=0))
    assert list(by_size["uscc"]) == ["L1", "L3", "L2"]
    rest = expand(chain, exclude=["L1"])
    assert list(rest["uscc"]) == ["L3", "L2"] and rest.attrs["excluded"] == ["L1"]
    assert list(expand(chain, district="440112")["uscc"]) == ["L2"]
    assert list(expand(chain, top=2)["uscc"]) == ["L1", "L3"]
    bare = expand(chain, LIST_FIRMS.drop(columns=["name", "district_code"]), top=2)
    assert list(bare["name"]) == ["L1", "L3"] and list(bare["district_code"]) == [None, None]
    none = expand(chain, statuses=("missing",), exclude=["L4"])
    assert none.empty and list(none.columns) == ac.EXPANSION_COLUMNS and none.attrs["excluded"] == ["L4"]
    # 规上 alone: L1 1, then L3 and L2 at 0, the larger revenue (L3 1000) first
    assert list(expand(chain, weights=ac.ExpansionWeights(size=0, growth=0, rd=0, tags=0, scale=1))["uscc"]) == [
        "L1", "L3", "L2"]


def test_expansion_size_and_rd_edges(chain: ChainTemplate) -> None:
    # 黄埔 holds L2 alone. Revenue 0: no size to scale (0, not 0/0), and R&D 10 / 0 is no intensity.
    alone = expand(chain, district="440112")
    assert (alone.loc[0, "size"], alone.loc[0, "rd"], alone.loc[0, "score"]) == (0.0, 0.0, 0.0)
    # revenue 0.5 万元 is revenue: size ln 1.5 / ln 1.5 = 1; R&D 0.01 / 0.5 = 2% -> 0.2; score 0.25 + 0.2·0.2
    small = expand(chain, figures=revised("L2", revenue=0.5, rd_expense=0.01), district="440112")
    assert (small.loc[0, "size"], small.loc[0, "rd"]) == (1.0, pytest.approx(0.2))
    assert small.loc[0, "score"] == pytest.approx(0.29)
    # a negative revenue counts as 0 for the size; a negative R&D figure as 0 R&D
    negative = expand(chain, figures=revised("L2", revenue=-10.0)).set_index("uscc")
    assert negative.loc["L2", "size"] == 0.0 and negative.loc["L2", "revenue_yi"] == -0.001
    refund = expand(chain, figures=revised("L1", rd_expense=-50.0)).set_index("uscc")
    assert refund.loc["L1", "rd"] == 0.0 and refund.loc["L1", "score"] == pytest.approx(0.65)  # 0.25 + 0.3 + 0.1
    # 2022: nobody local has figures: no size, growth or R&D; L1 规上 0.1, L3 high_tech 0.15·0.25
    earlier = expand(chain, year=2022)
    assert list(earlier["uscc"]) == ["L1", "L3", "L2"]
    np.testing.assert_allclose(earlier["score"], [0.1, 0.0375, 0.0], rtol=1e-12)
    # a one-year growth window [2022, 2023) holds no base for L1 (its base is 2021): growth 0, score 0.45,
    # now below L3's 0.4875
    short = expand(chain, growth_years=1)
    assert list(short["uscc"]) == ["L3", "L1", "L2"] and short.loc[1, "cagr_years"] == 0
    assert short.loc[1, "score"] == pytest.approx(0.45)


def test_partial_measures_fill_the_missing_firms_with_nothing() -> None:
    """Precomputed measures that lack a firm: that firm is as one without figures or tags."""
    tags = frame_of_tags([("A", "srdi"), ("B", "above_scale"), ("B", "high_tech")])
    partial = ac.firm_measures(MEASURE_FIRMS[MEASURE_FIRMS["uscc"] != "B"], MEASURE_FIGURES, tags)
    filled = ac._measures(MEASURE_FIRMS, MEASURE_FIGURES, tags, 2023, measures=partial)
    expected = ac.firm_measures(MEASURE_FIRMS, MEASURE_FIGURES[MEASURE_FIGURES["uscc"] != "B"],
                                tags[tags["uscc"] != "B"])
    pd.testing.assert_frame_equal(filled, expected)
    assert filled.index.name == "uscc" and not filled.loc["B", "above_scale"]
    # nothing missing: the caller's rows, in the firms' order
    whole = ac.firm_measures(MEASURE_FIRMS, MEASURE_FIGURES, tags)
    pd.testing.assert_frame_equal(ac._measures(MEASURE_FIRMS.iloc[::-1], None, None, None, measures=whole),
                                  whole.iloc[::-1])
    # computed here: `year` and `growth_years` are passed on
    own = ac._measures(MEASURE_FIRMS, MEASURE_FIGURES, None, 2022, growth_years=1)
    assert list(own["revenue"]) == [0.0, 200.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25]
    assert list(own["cagr_years"]) == [0, 0, 0, 0, 0, 0, 0, 0]  # [2021, 2022): H's 2021 is 0, B has none


def test_weights_dict() -> None:
    assert ac.weights_dict(ac.RecruitmentWeights()) == {"size": 0.4, "growth": 0.2, "tags": 0.2,
                                                        "connectivity": 0.2}
    assert ac.weights_dict(ac.ExpansionWeights()) == {"size": 0.25, "growth": 0.3, "rd": 0.2, "tags": 0.15,
                                                      "scale": 0.1}
