"""Disclosure control (issue 17 item 3): the rules at their boundaries, a hand-worked node x district table with
its exact suppression pattern, the LP audit catching under-protected patterns, and τ-ARGUS agreeing."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from chanye.analytics import disclosure as sdc
from chanye.analytics.disclosure import TOTAL, DisclosureRules
from chanye.errors import InputError

# The hand-worked table: nodes A, B, C x districts d1, d2, d3; each list is one firm's revenue per firm (a firm is
# in one node and one district, so margins add the same firms).
FIRMS = {
    ("A", "d1"): [40, 30, 30],       # 3 firms exactly, top 40%: published
    ("A", "d2"): [85, 5, 5, 5],      # top firm exactly 85%, top two exactly 90%: published (both rules are strict)
    ("A", "d3"): [50, 20],           # 2 firms: primary (threshold)
    ("B", "d1"): [60, 30, 30],
    ("B", "d2"): [20, 20, 20, 20],
    ("B", "d3"): [30, 25, 25],
    ("C", "d1"): [91, 3, 3, 3],      # top firm 91% > 85%: primary (dominance)
    ("C", "d2"): [30, 30, 20, 20],
    ("C", "d3"): [50, 30, 20],
}
#            d1   d2   d3 | total
#     A     100  100   70 |  270
#     B     120   80   80 |  280
#     C     100  100  100 |  300
#     total 320  280  250 |  850


def cell(row: str, col: str, firms: list[float]) -> dict:
    top = [*sorted(firms, reverse=True), None, None]
    return {"row": row, "col": col, "value": float(sum(firms)), "contributors": len(firms), "top1": top[0],
            "top2": top[1]}


def table(firms: dict = FIRMS) -> pd.DataFrame:
    rows = [cell(r, c, v) for (r, c), v in firms.items()]
    nodes = sorted({r for r, _ in firms})
    districts = sorted({c for _, c in firms})
    rows += [cell(r, TOTAL, [x for (rr, _), v in firms.items() if rr == r for x in v]) for r in nodes]
    rows += [cell(TOTAL, c, [x for (_, cc), v in firms.items() if cc == c for x in v]) for c in districts]
    rows.append(cell(TOTAL, TOTAL, [x for v in firms.values() for x in v]))
    return pd.DataFrame(rows)


def statuses(frame: pd.DataFrame) -> dict[tuple[str, str], str]:
    return {(r, c): s for r, c, s in zip(frame["row"], frame["col"], frame["status"], strict=True)
            if s != sdc.PUBLISHED}


def interval(audit: pd.DataFrame, key: tuple[str, str]) -> tuple[float, float, bool]:
    """(lower, upper, protected) of an audited cell, bounds rounded to 1e-6 (the LP works in floats)."""
    row = audit.loc[key]
    return round(float(row["lower"]), 6), round(float(row["upper"]), 6), bool(row["protected"])


def pattern(cells: pd.DataFrame, hidden: dict[tuple[str, str], str]) -> pd.Series:
    """A status per cell: the given ones, else published."""
    return pd.Series([hidden.get((r, c), sdc.PUBLISHED) for r, c in zip(cells["row"], cells["col"], strict=True)],
                     index=cells.index)


# --- primary suppression ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("firms", "status", "required"), [
    ([40, 30, 30], "published", 0.0),                  # exactly 3 firms
    ([50, 20], "primary_threshold", 7.0),              # 2 firms: 10% of 70
    ([70], "primary_threshold", 7.0),                  # 1 firm
    ([85, 5, 5, 5], "published", 0.0),                 # top firm exactly 85%, top two exactly 90%
    ([86, 5, 5, 4], "primary_dominance", 10.0),        # 86% > 85%: max(10% of 100, 86/0.85 - 100 = 1.18)
    ([50, 41, 5, 4], "primary_dominance", 10.0),       # top two 91% > 90%: max(10, 91/0.9 - 100 = 1.11)
    ([99, 1, 0, 0], "primary_dominance", 99 * 100 / 85 - 100),  # the dominance rule's own protection: 16.47
    ([], "published", 0.0),                            # an empty cell is not sensitive
])
def test_primary_rules_at_their_boundaries(firms, status, required) -> None:
    got = sdc.primary(pd.DataFrame([cell("A", "d1", firms)]))
    assert got["status"].tolist() == [status]
    assert got["required"].iloc[0] == pytest.approx(required)


def test_rules_are_configurable() -> None:
    strict = DisclosureRules(min_firms=5, dominance=((1, 50.0),), protection=0.2)
    got = sdc.primary(pd.DataFrame([cell("A", "d1", [40, 30, 30]), cell("A", "d2", [45, 20, 20, 10, 5])]), strict)
    assert got["status"].tolist() == ["primary_threshold", "published"]
    assert got["required"].tolist() == [20.0, 0.0]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"min_firms": 0}, "min_firms 须 ≥ 1"),
    ({"dominance": ((1, 120.0),)}, r"支配规则 \(1, 120.0\) 无效"),
    ({"protection": 1.5}, "保护区间 1.5 须在"),
])
def test_bad_rules_are_refused(kwargs, message) -> None:
    with pytest.raises(InputError, match=message):
        DisclosureRules(**kwargs)


# --- the hand-worked table ---------------------------------------------------------------------------------------


def test_hand_worked_table_exact_pattern() -> None:
    """Primary: A-d3 (2 firms) and C-d1 (one firm 91%). Secondary, by hand: C-d1 (value 100, needs 10) is done
    first; its cheapest rectangle is rows {C, A} x cols {d1, d3}, since A-d3 is already suppressed: new cells A-d1
    (100) + C-d3 (100) = 200, against 300 for any rectangle through row B or d2 and more through a margin. Shifting
    +t on C-d1 and A-d3, -t on A-d1 and C-d3 keeps every margin: C-d1 may rise by 100 and fall by 70. A-d3 then
    finds rows {A, C} x {d3, d1} all suppressed (cost 0). Margins stay published."""
    cells = table()
    out = sdc.protect(cells)
    assert statuses(out) == {("A", "d3"): "primary_threshold", ("C", "d1"): "primary_dominance",
                             ("A", "d1"): "secondary", ("C", "d3"): "secondary"}
    shown = {(r, c): v for r, c, v in zip(out["row"], out["col"], out["value"], strict=True)}
    assert shown[("A", "d3")] is None and shown[("A", "d1")] is None
    assert shown[("B", "d1")] == 120.0 and shown[("A", TOTAL)] == 270.0 and shown[(TOTAL, TOTAL)] == 850.0
    audit = sdc.audit(cells, out["status"]).set_index(["row", "col"])
    # one free parameter t in [-70, 100]: A-d3 = 70 + t in [0, 170], C-d1 = 100 + t in [30, 200]
    assert audit.loc[("A", "d3"), ["required", "lower", "upper"]].tolist() == pytest.approx([7.0, 0.0, 170.0])
    assert audit.loc[("C", "d1"), ["required", "lower", "upper"]].tolist() == pytest.approx([10.0, 30.0, 200.0])
    assert audit["protected"].all()


def test_audit_finds_a_lone_suppression_recoverable() -> None:
    """A-d3 hidden with A-d1 only: row A is covered but column d3 holds one hidden cell, so 250 - 80 - 100 = 70."""
    cells = table()
    audit = sdc.audit(cells, pattern(cells, {("A", "d3"): "primary_threshold", ("A", "d1"): "secondary",
                                             ("C", "d1"): "primary_dominance"})).set_index(["row", "col"])
    assert interval(audit, ("A", "d3")) == (70.0, 70.0, False)
    assert interval(audit, ("C", "d1")) == (100.0, 100.0, False)


BRIDGE = {("A", "d1"): "secondary", ("A", "d2"): "secondary", ("B", "d1"): "secondary", ("B", "d2"): "secondary",
          ("A", "d3"): "primary_threshold", ("C", "d3"): "secondary", ("C", TOTAL): "secondary",
          (TOTAL, "d3"): "secondary", (TOTAL, TOTAL): "secondary"}


def test_audit_finds_a_bridge_recoverable_though_every_line_holds_two() -> None:
    """Why the LP audit and not the line rule: every row and column below holds 0 or >= 2 hidden cells, yet A-d3
    joins two separate cycles (A,B x d1,d2 and C,total x d3,total) and is the sum of published cells: summing
    rows A and B, A-d3 = (270 + 280) - (B-d3 80 + col d1 320 + col d2 280) = 70."""
    firms = {**FIRMS, ("C", "d1"): [40, 30, 30]}  # C-d1 safe here, so A-d3 is the only primary cell
    cells = table(firms)
    assert statuses(sdc.primary(cells).assign(row=cells["row"], col=cells["col"])) == {("A", "d3"):
                                                                                        "primary_threshold"}
    lines = pattern(cells, BRIDGE)
    hidden = {(r, c) for (r, c), s in BRIDGE.items()}
    for key in ("A", "B", "C", TOTAL):
        assert sum(1 for r, _ in hidden if r == key) in (0, 2, 3)
    for key in ("d1", "d2", "d3", TOTAL):
        assert sum(1 for _, c in hidden if c == key) in (0, 2, 3)
    audit = sdc.audit(cells, lines).set_index(["row", "col"])
    assert interval(audit, ("A", "d3")) == (70.0, 70.0, False)
    # protect() itself takes the cheapest rectangle, rows {A, B} x cols {d3, d2}: A-d2 100 + B-d3 80 + B-d2 80 =
    # 260 (through d1 or row C: 300); A-d3 may then rise by min(100, 80) and fall by min(70, 80)
    ours = sdc.protect(cells)
    assert statuses(ours) == {("A", "d3"): "primary_threshold", ("A", "d2"): "secondary",
                              ("B", "d3"): "secondary", ("B", "d2"): "secondary"}
    assert sdc.audit(cells, ours["status"])["protected"].all()


def test_a_district_analysts_own_column_is_known_and_never_a_complement() -> None:
    """Known: column d3 (and its total). C-d1 can no longer use d3: the cheapest rectangles are rows {C, A} or
    {C, B} x cols {d1, d2}, both 300 for 3 new cells; the tie goes to the first row, A."""
    cells = table()
    known = cells["col"] == "d3"
    out = sdc.protect(cells, known=known)
    assert statuses(out) == {("A", "d3"): "known", ("B", "d3"): "known", ("C", "d3"): "known",
                             (TOTAL, "d3"): "known", ("C", "d1"): "primary_dominance",
                             ("A", "d1"): "secondary", ("A", "d2"): "secondary", ("C", "d2"): "secondary"}
    assert out.loc[known, "value"].tolist() == [70.0, 80.0, 100.0, 250.0]
    audit = sdc.audit(cells, out["status"], known=known).set_index(["row", "col"])
    assert audit.index.tolist() == [("C", "d1")]  # A-d3 is the analyst's own: not audited
    assert interval(audit, ("C", "d1")) == (0.0, 200.0, True)


def test_a_table_that_does_not_add_up_is_refused() -> None:
    cells = table()
    cells.loc[(cells["row"] == "A") & (cells["col"] == TOTAL), "value"] = 271.0
    with pytest.raises(InputError, match=r"row 'A' 的合计 271 不等于各格之和 270"):
        sdc.protect(cells)
    with pytest.raises(InputError, match="表格不完整，缺少 1 格"):
        sdc.protect(table().iloc[1:])


# --- one line with its total ---------------------------------------------------------------------------------------


def test_line_gets_the_smallest_complement_that_covers_the_protection() -> None:
    """d1: 2 firms, 50, needs 5. Candidates: d3 (30) and d2 (100); 30 >= 5, so d3. Then d1 + d3 = 80."""
    line = pd.DataFrame([cell("g", "d1", [30, 20]), cell("g", "d2", [40, 30, 20, 10]), cell("g", "d3", [10, 10, 10]),
                         cell("g", TOTAL, [30, 20, 40, 30, 20, 10, 10, 10, 10])])
    out = sdc.protect_line(line)
    assert out["status"].tolist() == ["primary_threshold", "published", "secondary", "published"]
    assert out["value"].tolist() == [None, 100.0, None, 180.0]
    audit = sdc.audit_line(line, out["status"], out["required"]).set_index("col")
    assert interval(audit, "d1") == (0.0, 80.0, True)
    # d2 forced (a member cell of this group is hidden in d2; needs 12): d1 (50) covers d2, d2 (100) covers d1
    forced = sdc.protect_line(line, forced=pd.Series([math.nan, 12.0, math.nan, math.nan]))
    assert forced["status"].tolist() == ["primary_threshold", "secondary", "published", "published"]
    assert forced["required"].tolist() == [5.0, 12.0, 0.0, 0.0]


# --- τ-ARGUS agreement -----------------------------------------------------------------------------------------------


def micro(firms: dict) -> pd.DataFrame:
    return pd.DataFrame([{"row": r, "col": c, "value": float(x)} for (r, c), v in firms.items() for x in v])


def test_tau_argus_finds_the_same_pattern_on_the_hand_worked_table(tmp_path) -> None:
    """τ-ARGUS (pytauargus 0.6.0: the τ-ARGUS engine with HiGHS) with FREQ(3,10)|NK(1,85)|NK(2,90) and optimal
    secondary suppression marks the same primary (U) and secondary (M) cells, and its audit finds none unsafe."""
    pytest.importorskip("pytauargus", reason="pytauargus (the dev extra) is not installed")
    from .tauargus_reference import tau_protect

    status, audit = tau_protect(micro(FIRMS), tmp_path)
    assert {k: s for k, s in status.items() if s in ("U", "M")} == {
        ("A", "d3"): "U", ("C", "d1"): "U", ("A", "d1"): "M", ("C", "d3"): "M"}
    assert [a["unsafe"] for a in audit] == [False, False, False, False]
    # τ-ARGUS's protection levels: FREQ's 10% of 70 rounded up (8), NK's 91/0.85 - 100 = 7.06 (7); ours are 7
    # and max(10% of 100, 7.06) = 10 (docs/disclosure.md)


def test_tau_argus_audit_agrees_on_recoverable_patterns(tmp_path) -> None:
    """τ-ARGUS's own audit of the two under-protected patterns above finds A-d3 pinned at 70, as our LP does."""
    pytest.importorskip("pytauargus", reason="pytauargus (the dev extra) is not installed")
    from .tauargus_reference import tau_audit

    _, lone = tau_audit(micro(FIRMS), [("A", "d1")], tmp_path / "lone")
    lone = {(a["row"], a["col"]): a for a in lone}
    assert (lone[("A", "d3")]["min"], lone[("A", "d3")]["max"], lone[("A", "d3")]["unsafe"]) == (70.0, 70.0, True)
    bridge_firms = {**FIRMS, ("C", "d1"): [40, 30, 30]}
    _, bridge = tau_audit(micro(bridge_firms), [k for k, s in BRIDGE.items() if s == "secondary"],
                          tmp_path / "bridge")
    bridge = {(a["row"], a["col"]): a for a in bridge}
    assert (bridge[("A", "d3")]["min"], bridge[("A", "d3")]["max"], bridge[("A", "d3")]["unsafe"]) == \
        (70.0, 70.0, True)
    # and our own pattern passes τ-ARGUS's audit
    _, ours = tau_audit(micro(FIRMS), [("A", "d1"), ("C", "d3")], tmp_path / "ours")
    assert [(a["row"], a["col"], a["unsafe"]) for a in ours] == [
        ("A", "d1", False), ("A", "d3", False), ("C", "d1", False), ("C", "d3", False)]
