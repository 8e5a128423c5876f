"""Disclosure control at its edges (mutation testing of analytics/disclosure.py): the rules' bounds, every bilingual
refusal, missing and non-numeric input, the result's shape and index, the single-line complement choice one branch
at a time, the line audit's room and skips, and the 2-D secondary suppression's less common paths (a cell already
covered, cheap rectangles together, the last resort)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from chanye.analytics import disclosure as sdc
from chanye.analytics.disclosure import TOTAL, DisclosureRules
from chanye.errors import InputError

from .test_disclosure import FIRMS, cell, interval, pattern, statuses, table

LINE_COLUMNS = ["col", "value", "contributors", "status", "required"]
AUDIT_COLUMNS = ["row", "col", "value", "status", "required", "lower", "upper", "protected"]
LINE_AUDIT_COLUMNS = ["col", "value", "required", "lower", "upper", "protected"]


def line(*cells: tuple[str, list[float]]) -> pd.DataFrame:
    """One line (row "g") with its total appended: (col, firms) per cell."""
    rows = [cell("g", c, firms) for c, firms in cells]
    rows.append(cell("g", TOTAL, [x for _, firms in cells for x in firms]))
    return pd.DataFrame(rows)


def by_col(frame: pd.DataFrame) -> dict[str, str]:
    """The non-published statuses of a line, by column."""
    return {c: s for c, s in zip(frame["col"], frame["status"], strict=True) if s != sdc.PUBLISHED}


# --- the rules ------------------------------------------------------------------------------------------------------


def test_rules_accept_their_closed_bounds() -> None:
    """min_firms 1, k = 100 and protection 0 are the inclusive ends of the valid ranges."""
    rules = DisclosureRules(min_firms=1, dominance=((1, 100.0), (3, 0.5)), protection=0.0)
    assert (rules.min_firms, rules.dominance, rules.protection) == (1, ((1, 100.0), (3, 0.5)), 0.0)
    assert rules.top_columns == ["top1", "top2", "top3"]
    assert DisclosureRules(dominance=()).top_columns == []


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"min_firms": 0}, r"min_firms 须 ≥ 1，得到 0 \(min_firms must be at least 1\)"),
    ({"dominance": ((1, 100.5),)}, r"支配规则 \(1, 100.5\) 无效：n ≥ 1，0 < k ≤ 100 \(invalid dominance rule \(n, k\)\)"),
    ({"dominance": ((1, 0.0),)}, r"支配规则 \(1, 0.0\) 无效.*invalid dominance rule"),
    ({"dominance": ((0, 50.0),)}, r"支配规则 \(0, 50.0\) 无效.*invalid dominance rule"),
    ({"protection": 1.0}, r"保护区间 1.0 须在 \[0, 1\) 内 \(protection must be in \[0, 1\)\)"),
    ({"protection": -0.1}, r"保护区间 -0.1 须在 \[0, 1\) 内 \(protection must be in"),
])
def test_rules_refuse_just_outside_their_bounds(kwargs, message) -> None:
    with pytest.raises(InputError, match=message):
        DisclosureRules(**kwargs)


# --- primary suppression --------------------------------------------------------------------------------------------


def test_one_dominance_rule_alone_marks_the_cell() -> None:
    """[86, 4, 4, 3, 3]: the top firm 86% > 85% but the top two 90% are not > 90%: dominated by (1, 85) only,
    required max(10% of 100, 86/0.85 - 100 = 1.18) = 10."""
    got = sdc.primary(pd.DataFrame([cell("A", "d1", [86, 4, 4, 3, 3])]))
    assert got["status"].tolist() == ["primary_dominance"]
    assert got["required"].tolist() == [10.0]


def test_a_single_firm_with_min_firms_one_is_dominated_with_the_missing_second_firm_read_as_zero() -> None:
    """min_firms 1: one firm of 5 is not a threshold case; (1, 85): 500 > 425, needs 5/0.85 - 5 = 0.882353;
    (2, 90): top2 is missing (0), 500 > 450, needs 5/0.9 - 5 = 0.555556; 10% is 0.5. The largest: 0.882353."""
    got = sdc.primary(pd.DataFrame([cell("A", "d1", [5])]), DisclosureRules(min_firms=1))
    assert got["status"].tolist() == ["primary_dominance"]
    assert round(float(got["required"].iloc[0]), 6) == 0.882353


def test_a_cell_below_one_is_still_judged() -> None:
    """[0.45, 0.03, 0.02]: value 0.5, top firm 90% > 85%; required max(0.05, 0.45/0.85 - 0.5 = 0.0294) = 0.05."""
    got = sdc.primary(pd.DataFrame([cell("A", "d1", [0.45, 0.03, 0.02])]))
    assert got["status"].tolist() == ["primary_dominance"]
    assert got["required"].tolist() == pytest.approx([0.05])


def test_missing_and_non_numeric_input_reads_as_zero() -> None:
    """A value "—" is 0 (never dominated, whatever its tops say); contributors "n/a" are 0 firms (not a
    threshold case); a top "x" is no contribution."""
    cells = pd.DataFrame([
        {"row": "A", "col": "d1", "value": "—", "contributors": 4, "top1": 3.0, "top2": 1.0},
        {"row": "A", "col": "d2", "value": 50.0, "contributors": "n/a", "top1": "x", "top2": None},
    ])
    got = sdc.primary(cells)
    assert got["status"].tolist() == ["published", "published"]
    assert got["required"].tolist() == [0.0, 0.0]


def test_primary_refuses_missing_columns_and_negative_values() -> None:
    with pytest.raises(InputError, match=r"表格缺少列 \['contributors', 'top1', 'top2'\] \(cells lack columns\)"
                       r"（需要 value, contributors, top1, top2）$"):
        sdc.primary(pd.DataFrame([{"value": 1.0}]))
    with pytest.raises(InputError, match=r"^表格中有负值，支配规则只适用于非负量 \(negative cell values: the rules need "
                       r"magnitudes >= 0\)$"):
        sdc.primary(pd.DataFrame([cell("A", "d1", [-5])]))


# --- the 2-D table's input ------------------------------------------------------------------------------------------


def test_table_refusals_name_the_cells() -> None:
    cells = table()
    with pytest.raises(InputError, match=r"^表格缺少列 'row' \(cells lack the 'row' key\)$"):
        sdc.protect(cells.drop(columns="row"))
    with pytest.raises(InputError, match=r"^表格缺少列 'col' \(cells lack the 'col' key\)$"):
        sdc.protect(cells.drop(columns="col"))
    # the first four cells twice (with other values: the key is row and column): the message shows three
    twice = pd.concat([cells, cells.iloc[:4].assign(value=1.0)], ignore_index=True)
    with pytest.raises(InputError, match=r"^表格中同一格出现多次 \(duplicate cells\), 例如 \[\{'row': 'A', 'col': 'd1'\}, "
                       r"\{'row': 'A', 'col': 'd2'\}, \{'row': 'A', 'col': 'd3'\}\]$"):
        sdc.protect(twice)
    # without A-d1, A-d2, A-d3, B-d1 the rows come B, C, A, total and the columns d2, d3, d1, total: the absent
    # cells in that order are B-d1, A-d2, A-d3, A-d1 (four, three shown)
    with pytest.raises(InputError, match=r"^表格不完整，缺少 4 格 \(the table lacks cells, margins included\), 例如 "
                       r"\[\('B', 'd1'\), \('A', 'd2'\), \('A', 'd3'\)\]（每个行×列及行合计、列合计、总计都要有一格（可为 0））$"):
        sdc.protect(cells.iloc[4:])


def test_a_column_that_does_not_add_up_is_refused_by_name() -> None:
    """Column d2's total 281 (rows 100 + 80 + 100 = 280); the grand total 851 keeps the total row consistent."""
    cells = table()
    cells.loc[(cells["row"] == TOTAL) & (cells["col"] == "d2"), "value"] = 281.0
    cells.loc[(cells["row"] == TOTAL) & (cells["col"] == TOTAL), "value"] = 851.0
    with pytest.raises(InputError, match=r"^col 'd2' 的合计 281 不等于各格之和 280 \(the margin is not the sum of its "
                       r"cells\)（合计须为同一行/列各格之和）$"):
        sdc.protect(cells)


def one_by_one(value: float, margin: float) -> pd.DataFrame:
    """A 1 x 1 table: A-d1 = `value`, its row and column totals and the grand total = `margin`."""
    return pd.DataFrame([
        {"row": r, "col": c, "value": value if (r, c) == ("A", "d1") else margin, "contributors": 5,
         "top1": 0.0, "top2": 0.0}
        for r, c in (("A", "d1"), ("A", TOTAL), (TOTAL, "d1"), (TOTAL, TOTAL))
    ])


def test_additivity_tolerance_is_relative_with_a_floor_of_one() -> None:
    """Tolerance 1e-7 x max(1, |margin|): a margin of 1e6 allows 0.1 (0.01 off passes); a margin of 0.5 allows
    1e-7 (1.5e-7 off is refused)."""
    out = sdc.protect(one_by_one(1_000_000.01, 1_000_000.0))
    assert out["status"].tolist() == ["published"] * 4
    with pytest.raises(InputError, match=r"^row 'A' 的合计 0.5 不等于各格之和 0.5 \(the margin is not the sum"):
        sdc.protect(one_by_one(0.5 + 1.5e-7, 0.5))


# --- the 2-D result's shape -----------------------------------------------------------------------------------------


def test_result_keeps_the_callers_index_and_a_partial_known_series_means_unknown_elsewhere() -> None:
    """The same pattern as the district analyst's (test_disclosure): known = column d3, given only where True
    and on an index starting at 100; the other cells are read as unknown."""
    cells = table().set_axis(range(100, 116))
    d3 = cells.index[cells["col"] == "d3"]
    known = pd.Series(True, index=d3)
    out = sdc.protect(cells, known=known)
    assert out.columns.tolist() == ["row", "col", "value", "contributors", "status", "required"]
    assert out.index.tolist() == list(range(100, 116))
    assert statuses(out) == {("A", "d3"): "known", ("B", "d3"): "known", ("C", "d3"): "known",
                             (TOTAL, "d3"): "known", ("C", "d1"): "primary_dominance",
                             ("A", "d1"): "secondary", ("A", "d2"): "secondary", ("C", "d2"): "secondary"}
    # published values, known ones included, come back as floats on the caller's index
    assert out.loc[d3, "value"].tolist() == [70.0, 80.0, 100.0, 250.0]
    assert out.loc[100, "value"] is None and out.loc[103, "value"] == 120.0
    assert out["required"].tolist() == [0.0, 0.0, 7.0, 0.0, 0.0, 0.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                        0.0]
    audit = sdc.audit(cells, out["status"], known=known).set_index(["row", "col"])
    assert interval(audit, ("C", "d1")) == (0.0, 200.0, True)


def test_an_empty_cell_given_as_missing_is_published_as_none_with_zero_firms() -> None:
    """B-d2 has no firm: value and contributors "—" read as 0. The margins then lack 80: B 200, d2 200,
    grand 770. The pattern is the hand-worked one (C-d1 through A-d3: A-d1 100 + C-d3 100 = 200 beats any
    rectangle through row B, B-d1 120 + B-d3 80 + ...)."""
    firms = {**FIRMS, ("B", "d2"): []}
    cells = table(firms)
    empty = (cells["row"] == "B") & (cells["col"] == "d2")
    cells["value"] = cells["value"].astype(object)
    cells["contributors"] = cells["contributors"].astype(object)
    cells.loc[empty, "value"] = "—"
    cells.loc[empty, "contributors"] = "—"
    out = sdc.protect(cells)
    assert statuses(out) == {("A", "d3"): "primary_threshold", ("C", "d1"): "primary_dominance",
                             ("A", "d1"): "secondary", ("C", "d3"): "secondary"}
    assert out.loc[empty, "value"].tolist() == [None]
    assert out["contributors"].dtype.kind == "i"
    assert out.loc[empty, "contributors"].tolist() == [0]
    assert out["contributors"].tolist() == [3, 4, 2, 3, 0, 3, 4, 4, 3, 9, 6, 11, 10, 8, 8, 26]  # margins: rows 9, 6, 11; d1 10, d2 8, d3 8; all 26


# --- the 2-D audit ----------------------------------------------------------------------------------------------------


def test_audit_of_a_table_without_sensitive_cells_is_an_empty_frame_with_its_columns() -> None:
    cells = table({**FIRMS, ("A", "d3"): [40, 20, 10], ("C", "d1"): [40, 30, 30]})
    got = sdc.audit(cells, pattern(cells, {}))
    assert got.columns.tolist() == AUDIT_COLUMNS
    assert len(got) == 0


def test_audit_reports_a_published_sensitive_cell_pinned_at_its_value() -> None:
    """Nothing hidden: A-d3 (70, 2 firms) and C-d1 (100, dominated) are shown, so lower = upper = value."""
    cells = table()
    got = sdc.audit(cells, pattern(cells, {}))
    assert got.to_dict("records") == [
        {"row": "A", "col": "d3", "value": 70.0, "status": "primary_threshold", "required": 7.0, "lower": 70.0,
         "upper": 70.0, "protected": False},
        {"row": "C", "col": "d1", "value": 100.0, "status": "primary_dominance", "required": 10.0, "lower": 100.0,
         "upper": 100.0, "protected": False},
    ]


def test_audit_refuses_a_status_shorter_than_the_cells() -> None:
    cells = table()
    # the hand-worked table: 3 x 3 cells, 3 row and 3 column totals and the grand total = 16; one status short
    with pytest.raises(InputError, match=r"^status 有 15 个值，表格有 16 格，须逐格对应 \(status has 15 values for 16 "
                                         r"cells\)$"):
        sdc.audit(cells, pattern(cells, {}).iloc[:-1])


# --- one line: the complement choice, one branch at a time ----------------------------------------------------------


def test_line_refusals() -> None:
    with pytest.raises(InputError, match=r"^一行表格须有且只有一个合计格 \(a line needs exactly one total cell\)$"):
        sdc.protect_line(pd.DataFrame([cell("g", "d1", [40, 30, 30]), cell("g", "d2", [40, 30, 30])]))
    with pytest.raises(InputError, match=r"^一行表格须有且只有一个合计格 \(a line needs exactly one total cell\)$"):
        sdc.protect_line(pd.DataFrame([cell("g", "d1", [40, 30, 30]), cell("g", TOTAL, [40, 30, 30]),
                                       cell("g", TOTAL, [40, 30, 30])]))
    wrong = line(("d1", [30, 20]), ("d2", [40, 30, 20, 10]), ("d3", [10, 10, 10]))
    wrong.loc[3, "value"] = 181.0  # 50 + 100 + 30 = 180
    with pytest.raises(InputError, match=r"^合计 181 不等于各格之和 180 \(the total is not the sum of its cells\)$"):
        sdc.protect_line(wrong)


@pytest.mark.parametrize(("inner", "total", "ok"), [
    (1_000_000.01, 1_000_000.0, True),      # 0.01 off, tolerance 1e-7 x 1e6 = 0.1
    (0.5 + 1.5e-7, 0.5, False),             # tolerance 1e-7 x max(1, 0.5) = 1e-7 < 1.5e-7
    (9_999_999.00000001, 1e7, True),        # 0.99999999 off, within 1e-7 x the total 1e7 = 1 (not the cells' sum)
])
def test_line_additivity_tolerance(inner, total, ok) -> None:
    cells = pd.DataFrame([{"col": "d1", "value": inner, "contributors": 5, "top1": 0.0, "top2": 0.0},
                          {"col": TOTAL, "value": total, "contributors": 5, "top1": 0.0, "top2": 0.0}])
    if ok:
        assert sdc.protect_line(cells)["status"].tolist() == ["published", "published"]
    else:
        with pytest.raises(InputError, match=r"^合计 0.5 不等于各格之和 0.5 \(the total is not the sum"):
            sdc.protect_line(cells)


@pytest.mark.parametrize(("d2", "hidden"), [
    ([2, 2, 1], {"d2"}),    # d2 = 5 covers the shortfall 5 exactly: the smallest that covers (d4 = 3 does not)
    ([3, 2, 2], {"d2"}),    # d2 = 7: still the smallest covering (d3 = 30)
    ([1, 1, 1], {"d3"}),    # d2 = 3 < 5: d3 = 30 is the smallest covering
])
def test_line_takes_the_smallest_cell_that_covers_the_shortfall(d2, hidden) -> None:
    """d1 (2 firms, 50) needs 10% = 5; no other cell is hidden, so the shortfall is 5. d4 = 3 never covers."""
    cells = line(("d1", [30, 20]), ("d2", d2), ("d3", [10, 10, 10]), ("d4", [1, 1, 1]))
    out = sdc.protect_line(cells)
    assert by_col(out) == {"d1": "primary_threshold", **{c: "secondary" for c in hidden}}


def test_line_handles_the_largest_cell_first() -> None:
    """d2 (100, one firm 99) needs 99/0.85 - 100 = 16.470588; d1 (10) is forced to 200. Largest first: d2 has d1
    (10) beside it, short 6.47: the smallest covering is d3 (8). Then d1 has d2 + d3 = 108, short 92: d5 (300).
    (d1 first would take d5 alone and leave d3 published.)"""
    cells = line(("d1", [4, 3, 3]), ("d2", [99, 1, 0, 0]), ("d3", [3, 3, 2]), ("d4", [20, 20, 10]),
                 ("d5", [100, 100, 100]))
    out = sdc.protect_line(cells, forced=pd.Series([200.0, math.nan, math.nan, math.nan, math.nan, math.nan]))
    assert by_col(out) == {"d1": "secondary", "d2": "primary_dominance", "d3": "secondary", "d5": "secondary"}
    assert [round(x, 6) for x in out["required"]] == [200.0, 16.470588, 0.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize(("d2", "hidden"), [
    ([3, 2], {"d1", "d2"}),           # d2 = 5 (needs 0.5): d1's shortfall 5 - 5 = 0, nothing more
    ([3, 1.5], {"d1", "d2", "d3"}),   # d2 = 4.5: d1 is short 0.5, the smallest covering is d3 (30)
])
def test_line_stops_when_the_others_cover_exactly(d2, hidden) -> None:
    cells = line(("d1", [30, 20]), ("d2", d2), ("d3", [10, 10, 10]), ("d4", [40, 30, 20, 10]))
    out = sdc.protect_line(cells)
    assert set(by_col(out)) == hidden


def test_line_without_a_covering_cell_takes_the_largest_first_lowest_column_on_ties() -> None:
    """d1 (50) forced to 45: no cell covers 45, so the largest: d4 and d5 (30) tie, d4 comes first. Short 15:
    the smallest covering is d3 (20). d2 (10, first in the line) and d5 stay published."""
    cells = line(("d1", [30, 20]), ("d2", [4, 3, 3]), ("d3", [10, 5, 5]), ("d4", [10, 10, 10]), ("d5", [10, 10, 10]))
    out = sdc.protect_line(cells, forced=pd.Series([45.0, math.nan, math.nan, math.nan, math.nan, math.nan]))
    assert by_col(out) == {"d1": "primary_threshold", "d3": "secondary", "d4": "secondary"}
    assert out["required"].tolist() == [45.0, 0.0, 0.0, 0.0, 0.0, 0.0]


def test_line_falls_back_to_the_total_when_no_cell_can_help() -> None:
    """d1 (100, 3 firms) forced to 5; d2 is empty (value missing, no firm): never a complement. d1 is then alone
    in its line: the total is hidden."""
    cells = line(("d1", [40, 30, 30]), ("d2", []))
    cells["value"] = cells["value"].astype(object)
    cells.loc[1, ["value", "contributors"]] = ["—", None]
    out = sdc.protect_line(cells.set_axis([7, 8, 9]), forced=pd.Series([5.0], index=[7]))
    assert out.columns.tolist() == LINE_COLUMNS
    assert out.index.tolist() == [7, 8, 9]
    assert out["status"].tolist() == ["secondary", "published", "secondary"]
    assert out["value"].tolist() == [None, None, None]
    assert out["contributors"].tolist() == [3, 0, 3]
    assert out["required"].tolist() == [5.0, 0.0, 0.0]


def test_line_hidden_total_needs_no_complement() -> None:
    """The total forced (12): with the total hidden the line has no equation, so d1 needs nothing more."""
    cells = line(("d1", [30, 20]), ("d2", [40, 30, 20, 10]), ("d3", [10, 10, 10]))
    out = sdc.protect_line(cells, forced=pd.Series([math.nan, math.nan, math.nan, 12.0]))
    assert out["status"].tolist() == ["primary_threshold", "published", "published", "secondary"]
    assert out["required"].tolist() == [5.0, 0.0, 0.0, 12.0]


def test_line_forced_may_be_partial_and_of_object_dtype() -> None:
    """Forced only where set (index 1, d2 needs 12), as objects: the other cells are not forced."""
    cells = line(("d1", [30, 20]), ("d2", [40, 30, 20, 10]), ("d3", [10, 10, 10]))
    out = sdc.protect_line(cells, forced=pd.Series([12.0], index=[1], dtype=object))
    assert out["status"].tolist() == ["primary_threshold", "secondary", "published", "published"]
    assert out["required"].tolist() == [5.0, 12.0, 0.0, 0.0]


def test_line_known_cells_are_shown_and_never_complements() -> None:
    """d2 (10, known, given only where True) would be the smallest covering of d1's 5; it cannot be used, so
    d3 (30). With d3 and the total known too, nothing is left: d1 stays alone (the audit says so)."""
    cells = line(("d1", [30, 20]), ("d2", [4, 3, 3]), ("d3", [10, 10, 10]))
    out = sdc.protect_line(cells, known=pd.Series([True], index=[1]))
    assert out["status"].tolist() == ["primary_threshold", "known", "secondary", "published"]
    assert out["value"].tolist() == [None, 10.0, None, 90.0]
    alone = sdc.protect_line(cells, known=pd.Series([True, True, True], index=[1, 2, 3]))
    assert alone["status"].tolist() == ["primary_threshold", "known", "known", "known"]
    assert alone["value"].tolist() == [None, 10.0, 30.0, 90.0]


def test_line_contributors_and_rules_decide_what_is_usable() -> None:
    """min_firms 1, no dominance rule: nothing is sensitive; d3 (80) is forced to 30. d0 has unknown firms ("—":
    none, never a complement), d1 a single firm (usable under these rules): the smallest covering is d1 (40)."""
    rules = DisclosureRules(min_firms=1, dominance=())
    cells = pd.DataFrame([
        {"col": "d0", "value": 35.0, "contributors": "—"},
        {"col": "d1", "value": 40.0, "contributors": 1},
        {"col": "d2", "value": 60.0, "contributors": 5},
        {"col": "d3", "value": 80.0, "contributors": 5},
        {"col": TOTAL, "value": 215.0, "contributors": 11},
    ])
    out = sdc.protect_line(cells, rules, forced=pd.Series([math.nan, math.nan, math.nan, 30.0, math.nan]))
    assert out["status"].tolist() == ["published", "secondary", "published", "secondary", "published"]
    assert out["contributors"].dtype.kind == "i"
    assert out["contributors"].tolist() == [0, 1, 5, 5, 11]


# --- the line audit -----------------------------------------------------------------------------------------------


def test_line_audit_lists_hidden_and_required_cells_only() -> None:
    """Given first, the total goes last. d1 (50) hidden, asked to move 40; d4 published, nothing asked (left
    out); d2 published but asked 0.5 (listed, pinned at 100); d3 hidden, nothing asked (listed); d5 empty ("—"
    reads 0). Published: total 210, d4 30, d2 100, d5 0, so d1 + d3 = 80: d1 in [0, 80] rises only 30 < 40."""
    cells = pd.DataFrame([cell("g", TOTAL, [30, 20, 10, 10, 10, 40, 30, 20, 10, 10, 10, 10]),
                          cell("g", "d1", [30, 20]), cell("g", "d4", [10, 10, 10]),
                          cell("g", "d2", [40, 30, 20, 10]), cell("g", "d3", [10, 10, 10]),
                          {**cell("g", "d5", []), "value": "—"}])
    status = pd.Series(["published", "primary_threshold", "published", "published", "secondary", "published"])
    required = pd.Series([0.0, 40.0, 0.0, 0.5, 0.0, 0.0])
    got = sdc.audit_line(cells, status, required)
    assert got.to_dict("records") == [
        {"col": "d1", "value": 50.0, "required": 40.0, "lower": 0.0, "upper": 80.0, "protected": False},
        {"col": "d2", "value": 100.0, "required": 0.5, "lower": 100.0, "upper": 100.0, "protected": False},
        {"col": "d3", "value": 30.0, "required": 0.0, "lower": 0.0, "upper": 80.0, "protected": True},
    ]
    nothing = sdc.audit_line(cells, pd.Series(["published"] * 6), pd.Series([0.0] * 6))
    assert nothing.columns.tolist() == LINE_AUDIT_COLUMNS
    assert len(nothing) == 0
    # a pattern of another length is refused by name, not read out of line: 6 cells
    with pytest.raises(InputError, match=r"^required 有 5 个值，表格有 6 格，须逐格对应 \(required has 5 values for 6 cells\)$"):
        sdc.audit_line(cells, status, required.iloc[:5])
    with pytest.raises(InputError, match=r"^status 有 7 个值，表格有 6 格，须逐格对应 \(status has 7 values for 6 cells\)$"):
        sdc.audit_line(cells, pd.Series(["published"] * 7), required)


@pytest.mark.parametrize(("d4", "protected"), [
    # d1 (30) known, d2 = d3 = 20 and the total 70 hidden: the total >= 30 (d1) can fall 40 = its room 70 - 30,
    # enough for min(50 asked, room 40)
    (None, True),
    # d4 (10) published but not known: the total 80 >= 40 falls 40 < min(50, room 80 - 30 = 50)
    ([4, 3, 3], False),
])
def test_line_audit_total_can_fall_only_to_what_the_viewer_knows(d4, protected) -> None:
    parts = [("d1", [10, 10, 10]), ("d2", [10, 5, 5]), ("d3", [10, 5, 5])] + ([("d4", d4)] if d4 else [])
    cells = line(*parts)
    n = len(cells)
    status = pd.Series(["known", "secondary", "secondary"] + ["published"] * (n - 4) + ["secondary"])
    required = pd.Series([0.0] * (n - 1) + [50.0])
    got = sdc.audit_line(cells, status, required).set_index("col")
    total = 70.0 + (10.0 if d4 else 0.0)
    low = 30.0 + (10.0 if d4 else 0.0)
    assert got.loc[TOTAL].tolist() == [total, 50.0, low, math.inf, protected]
    assert got.loc["d2"].tolist() == [20.0, 0.0, 0.0, math.inf, True]


def test_a_missing_value_counts_as_zero_in_the_sums() -> None:
    """A line 30 + missing = 40 and a table whose A-d2 is missing (A: 100 + 0 + 70 = 170 < 270) are refused;
    a 2-firm cell with no value needs nothing (10% of 0)."""
    cells = pd.DataFrame([cell("g", "d1", [10, 10, 10]), {**cell("g", "d2", [5, 5]), "value": None},
                          {**cell("g", TOTAL, [10, 10, 10, 5, 5]), "value": 40.0}])
    with pytest.raises(InputError, match=r"^合计 40 不等于各格之和 30 \(the total is not the sum of its cells\)$"):
        sdc.protect_line(cells)
    assert sdc.primary(cells)["required"].tolist() == [0.0, 0.0, 0.0]
    two_d = table()
    two_d.loc[1, "value"] = None  # A-d2
    with pytest.raises(InputError, match=r"^row 'A' 的合计 270 不等于各格之和 170 \(the margin is not the sum"):
        sdc.protect(two_d)


def test_protect_reads_the_rules_it_is_given() -> None:
    """min_firms 2 and only (1, 85): A-d3 (2 firms, top one 50/70 = 71%) is no longer sensitive, only C-d1
    (one firm 91%) is. Its cheapest rectangle
    is rows {C, A} x cols {d1, d3}: A-d1 100 + C-d3 100 + A-d3 70 = 270, against 300 for every other."""
    out = sdc.protect(table(), DisclosureRules(min_firms=2, dominance=((1, 85.0),)))
    assert statuses(out) == {("C", "d1"): "primary_dominance", ("A", "d1"): "secondary", ("A", "d3"): "secondary",
                             ("C", "d3"): "secondary"}


SQUARE = {("A", "d1"): "primary_threshold", ("A", "d2"): "secondary", ("B", "d1"): "secondary",
          ("B", "d2"): "secondary"}


@pytest.mark.parametrize(("small", "large", "bounds"), [
    # A-d1 (50, needs 5) hidden in the square {A, B} x {d1, d2}: it rises while A-d2 and B-d1 fall, falls while
    # B-d2 falls. A-d2 = B-d1 = 4, B-d2 = 100: rises 4 < 5, up to 54
    ([2, 1, 1], [40, 30, 30], (0.0, 54.0, False)),
    ([2, 2, 1], [40, 30, 30], (0.0, 55.0, True)),       # A-d2 = B-d1 = 5: rises exactly 5
])
def test_audit_needs_the_full_rise(small, large, bounds) -> None:
    cells = table({("A", "d1"): [30, 20], ("A", "d2"): small, ("B", "d1"): small, ("B", "d2"): large})
    got = sdc.audit(cells, pattern(cells, SQUARE)).set_index(["row", "col"])
    assert interval(got, ("A", "d1")) == bounds


@pytest.mark.parametrize(("small", "bounds"), [
    ([1, 1, 1], (47.0, 150.0, False)),    # B-d2 = 3: A-d1 falls only 3 < 5 (to 47); A-d2 = B-d1 = 100
    ([2, 2, 1], (45.0, 150.0, True)),     # B-d2 = 5: falls exactly 5
])
def test_audit_needs_the_full_fall(small, bounds) -> None:
    cells = table({("A", "d1"): [30, 20], ("A", "d2"): [40, 30, 30], ("B", "d1"): [40, 30, 30], ("B", "d2"): small})
    got = sdc.audit(cells, pattern(cells, SQUARE)).set_index(["row", "col"])
    assert interval(got, ("A", "d1")) == bounds


# --- the 2-D secondary suppression's other paths ---------------------------------------------------------------------


def test_a_diagonal_table_protects_itself_through_its_margins() -> None:
    """A-d1 (60) and B-d2 (70) have 2 firms each and so do their row and column totals (A 60, d1 60, B 70, d2 70):
    six sensitive cells, the grand total (4 firms, 130) published. The LP sees x = A-d1 = A-total = total-d1 and
    y = B-d2 = B-total = total-d2 with x + y = 130: each lies in [0, 130], so no complement is needed (the cell
    has two hidden cells in its row and column, and the LP says it is covered)."""
    cells = table({("A", "d1"): [40, 20], ("A", "d2"): [], ("B", "d1"): [], ("B", "d2"): [50, 20]})
    out = sdc.protect(cells)
    assert statuses(out) == {key: "primary_threshold" for key in (("A", "d1"), ("B", "d2"), ("A", TOTAL),
                                                                  ("B", TOTAL), (TOTAL, "d1"), (TOTAL, "d2"))}
    got = sdc.audit(cells, out["status"])
    assert [(r, c, round(lo, 6), round(hi, 6), p) for r, c, lo, hi, p in
            zip(got["row"], got["col"], got["lower"], got["upper"], got["protected"], strict=True)] == [
        ("A", "d1", 0.0, 130.0, True), ("A", TOTAL, 0.0, 130.0, True), ("B", "d2", 0.0, 130.0, True),
        ("B", TOTAL, 0.0, 130.0, True), (TOTAL, "d1", 0.0, 130.0, True), (TOTAL, "d2", 0.0, 130.0, True)]


@pytest.mark.parametrize(("known_by", "keys", "hidden"), [
    # the viewer knows columns d2, d3 and the totals column; B-d1 has no firm: every rectangle through C-d1
    # needs a cell of row C outside d1, all known. The last resort hides the usable rest of its column, A-d1 and
    # total-d1 (7 firms, top two 131 of 200: published by the rules), not the empty B-d1; row C still gives
    # C-d1 = C-total - C-d2 - C-d3 = 300 - 100 - 100
    ("col", ["d2", "d3", TOTAL], {("A", "d1"): "secondary", (TOTAL, "d1"): "secondary"}),
    # the viewer knows rows A, B and the totals row: every rectangle needs a cell of column d1 outside row C, all
    # known. The last resort hides the rest of row C; column d1 gives C-d1 = 320 - 100 - 120 = 100
    ("row", ["A", "B", TOTAL], {("C", "d2"): "secondary", ("C", "d3"): "secondary", ("C", TOTAL): "secondary"}),
])
def test_last_resort_hides_the_usable_rest_of_the_line_and_the_audit_reports_the_rest(known_by, keys, hidden) -> None:
    """C-d1 (100, one firm 91%) is the only sensitive cell the viewer does not know, and no rectangle through it
    has a usable corner: it stays pinned at 100, which the audit reports."""
    cells = table({**FIRMS, ("B", "d1"): []} if known_by == "col" else FIRMS)
    known = cells[known_by].isin(keys)
    out = sdc.protect(cells, known=known)
    assert {k: s for k, s in statuses(out).items() if s != "known"} == {("C", "d1"): "primary_dominance", **hidden}
    got = sdc.audit(cells, out["status"], known=known).set_index(["row", "col"])
    assert got.index.tolist() == [("C", "d1")]
    assert interval(got, ("C", "d1")) == (100.0, 100.0, False)


def test_a_dominated_cell_beside_an_empty_one_takes_the_column_total() -> None:
    """      d1   d2 | total   B-d1 (900 of 910), B-total (900 of 920), total-d1 (900 of 910) and the grand total
       A     0   30 |   30   (900 of 950) are dominated, B-d2 (1 firm) below the threshold. A-d1 is empty, so
       B   910   10 |  920   no rectangle can use row A in column d1: the one complement is total-d2 (40).
       tot 910   40 |  950   Published row A (0, 30, 30): B-d1 = total-d1 and B-d2 = total-d2 - 30 are free
    above, the grand total = 30 + B-total >= 30."""
    cells = table({("A", "d1"): [], ("A", "d2"): [10, 10, 10], ("B", "d1"): [900, 5, 5], ("B", "d2"): [10]})
    out = sdc.protect(cells)
    assert statuses(out) == {("B", "d1"): "primary_dominance", ("B", "d2"): "primary_threshold",
                             ("B", TOTAL): "primary_dominance", (TOTAL, "d1"): "primary_dominance",
                             (TOTAL, "d2"): "secondary", (TOTAL, TOTAL): "primary_dominance"}
    inf = math.inf
    assert audited(cells, out) == [("B", "d1", 0.0, inf, True), ("B", "d2", 0.0, inf, True),
                                   ("B", TOTAL, 0.0, inf, True), (TOTAL, "d1", 0.0, inf, True),
                                   (TOTAL, TOTAL, 30.0, inf, True)]


def audited(cells: pd.DataFrame, out: pd.DataFrame) -> list[tuple]:
    """(row, col, lower, upper, protected) of every audited cell, bounds rounded to 1e-6."""
    got = sdc.audit(cells, out["status"])
    return [(r, c, round(lo, 6), round(hi, 6), p) for r, c, lo, hi, p in
            zip(got["row"], got["col"], got["lower"], got["upper"], got["protected"], strict=True)]


def test_cheap_rectangles_together_instead_of_one_through_the_grand_total() -> None:
    """      d1   d2 | total      sensitive: B-d1 (one firm 900 of 910, needs 900/0.85 - 910 = 148.82), B-d2
       A     0   90 |   90      (2 firms, needs 6), B-total (900 of 970, needs 97), total-d1 (900 of 1000,
       B   910   60 |  970      needs 100). First total-d1: {total, B} x {d1, d2} (new: total-d2 240) lets it
       C    90   90 |  180      rise only min(240, B-d2 60) = 60, {total, C} x {d1, d2} (new: C-d1 + C-d2 = 180)
       tot 1000  240 | 1240     only 90; A-d1 is empty. Together (420, below the 1240 of the rectangle through
    the grand total) the LP lets it move, so both are kept. Then B-total: the rectangles through C-total (180)
    each let it rise 90 < 97, together enough. B-d1 and B-d2 are then covered. Published: A 0, 90, 90 and the
    grand total, so B-d1 + B-d2 + C-d1 + C-d2 = 1240 - 90 = 1150 and every hidden cell lies in [0, 1150]."""
    cells = table({("A", "d1"): [], ("A", "d2"): [30, 30, 30], ("B", "d1"): [900, 5, 5], ("B", "d2"): [40, 20],
                   ("C", "d1"): [30, 30, 30], ("C", "d2"): [30, 30, 30]})
    out = sdc.protect(cells)
    assert statuses(out) == {("B", "d1"): "primary_dominance", ("B", "d2"): "primary_threshold",
                             ("B", TOTAL): "primary_dominance", (TOTAL, "d1"): "primary_dominance",
                             ("C", "d1"): "secondary", ("C", "d2"): "secondary", ("C", TOTAL): "secondary",
                             (TOTAL, "d2"): "secondary"}
    assert audited(cells, out) == [("B", "d1", 0.0, 1150.0, True), ("B", "d2", 0.0, 1150.0, True),
                                   ("B", TOTAL, 0.0, 1150.0, True), (TOTAL, "d1", 0.0, 1150.0, True)]


def test_a_dominated_row_and_its_column_share_their_complements() -> None:
    """      d1   d2   d3 | total   A's cells have 1-2 firms (threshold); B-d1 (90 of 100), B-d2 (900 of 910),
       A    40   30   10 |   80    B-total (top two 990 of 1070 > 90%) and total-d2 (900 of 940) are
       B   100  910   60 | 1070    dominated. Result: row A and row B hidden with B-total, total-d2 and the
       tot 140  940   70 | 1150    grand total. Published A-total 80, total-d1 140, total-d3 70, so A-d1 + A-d2 +
    A-d3 = 80, B-d1 = 140 - A-d1, B-d3 = 70 - A-d3, and B-d2 is free (the grand total is hidden): A-d1, A-d2 in
    [0, 80], A-d3 in [0, 70], B-d1 in [60, 140], B-total = 210 - A-d1 - A-d3 + B-d2 >= 130."""
    cells = table({("A", "d1"): [20, 20], ("A", "d2"): [20, 10], ("A", "d3"): [10], ("B", "d1"): [90, 5, 5],
                   ("B", "d2"): [900, 5, 5], ("B", "d3"): [20, 20, 20]})
    out = sdc.protect(cells)
    assert statuses(out) == {("A", "d1"): "primary_threshold", ("A", "d2"): "primary_threshold",
                             ("A", "d3"): "primary_threshold", ("B", "d1"): "primary_dominance",
                             ("B", "d2"): "primary_dominance", ("B", "d3"): "secondary",
                             ("B", TOTAL): "primary_dominance", (TOTAL, "d2"): "primary_dominance",
                             (TOTAL, TOTAL): "secondary"}
    inf = math.inf
    assert audited(cells, out) == [
        ("A", "d1", 0.0, 80.0, True), ("A", "d2", 0.0, 80.0, True), ("A", "d3", 0.0, 70.0, True),
        ("B", "d1", 60.0, 140.0, True), ("B", "d2", 0.0, inf, True), ("B", TOTAL, 130.0, inf, True),
        (TOTAL, "d2", 0.0, inf, True)]


def test_a_sparse_table_with_single_firm_cells() -> None:
    """      d1   d2   d3 | total   A-d1 (1 firm), its row total and total-d1 (2 firms), B-d1 and B-d3 (1
       A    20    0    0 |   20    firm each), C-d2 (2 firms) are below the threshold; C-d3 (900 of 910),
       B    10   90   30 |  130    C-total and total-d3 are dominated. Complements: B-d2 and the grand total.
       C     0   60  910 |  970    Published: B-total 130, total-d2 150 and the empty cells, so B-d1 + B-d2 +
       tot  30  150  940 | 1090    B-d3 = 130 and C-d2 = 150 - B-d2 = 20 + B-d1 + B-d3: B-d1, B-d3 in [0, 130],
    C-d2 in [20, 150]; A-d1 (= A-total) and C-d3 are free above (the grand total is hidden); C-total >= C-d2."""
    cells = table({("A", "d1"): [20], ("A", "d2"): [], ("A", "d3"): [], ("B", "d1"): [10], ("B", "d2"): [30, 30, 30],
                   ("B", "d3"): [30], ("C", "d1"): [], ("C", "d2"): [40, 20], ("C", "d3"): [900, 5, 5]})
    out = sdc.protect(cells)
    assert statuses(out) == {("A", "d1"): "primary_threshold", ("B", "d1"): "primary_threshold",
                             ("B", "d2"): "secondary", ("B", "d3"): "primary_threshold",
                             ("C", "d2"): "primary_threshold", ("C", "d3"): "primary_dominance",
                             ("A", TOTAL): "primary_threshold", ("C", TOTAL): "primary_dominance",
                             (TOTAL, "d1"): "primary_threshold", (TOTAL, "d3"): "primary_dominance",
                             (TOTAL, TOTAL): "secondary"}
    inf = math.inf
    assert audited(cells, out) == [
        ("A", "d1", 0.0, inf, True), ("A", TOTAL, 0.0, inf, True), ("B", "d1", 0.0, 130.0, True),
        ("B", "d3", 0.0, 130.0, True), ("C", "d2", 20.0, 150.0, True), ("C", "d3", 0.0, inf, True),
        ("C", TOTAL, 20.0, inf, True), (TOTAL, "d1", 0.0, inf, True), (TOTAL, "d3", 0.0, inf, True)]


def test_a_tie_in_cost_goes_to_the_rectangle_with_fewer_new_cells() -> None:
    """The hand-worked table with B-d1 = 60 and B-d2 = 40. For C-d1 (needs 10) two rectangles cost 200: rows
    {C, A} x cols {d1, d3} (new A-d1 100 + C-d3 100; A-d3 is already hidden: 2 new cells) and {C, B} x {d1, d2}
    (new C-d2 100 + B-d1 60 + B-d2 40: 3 new cells). The first wins; C-d1 then lies in [30, 200] as before."""
    cells = table({**FIRMS, ("B", "d1"): [20, 20, 20], ("B", "d2"): [20, 10, 10]})
    out = sdc.protect(cells)
    assert statuses(out) == {("A", "d3"): "primary_threshold", ("C", "d1"): "primary_dominance",
                             ("A", "d1"): "secondary", ("C", "d3"): "secondary"}
    assert audited(cells, out) == [("A", "d3", 0.0, 170.0, True), ("C", "d1", 30.0, 200.0, True)]


def test_line_audit_keeps_the_line_order_in_a_long_line_with_the_total_inside() -> None:
    """19 cells of 30 and the total (570) given sixth: c02 and c16 hidden, c02 + c16 = 60, each in [0, 60]. The
    rows come in the line's order (a stable sort puts the total last without reordering the cells)."""
    names = [f"c{i:02d}" for i in range(1, 20)]
    cells = [cell("g", c, [10, 10, 10]) for c in names]
    cells.insert(5, cell("g", TOTAL, [10] * 57))
    cells = pd.DataFrame(cells)
    status = pd.Series(["secondary" if c in ("c02", "c16") else "published" for c in cells["col"]])
    got = sdc.audit_line(cells, status, pd.Series([0.0] * 20))
    assert [(c, round(lo, 6), round(hi, 6), p) for c, lo, hi, p in
            zip(got["col"], got["lower"], got["upper"], got["protected"], strict=True)] == [
        ("c02", 0.0, 60.0, True), ("c16", 0.0, 60.0, True)]


@pytest.mark.parametrize(("d1", "d2", "required", "protected"), [
    # d1 + d2 = 1,000,010 published: d1 in [0, 1,000,010] rises 10; the tolerance is 1e-7 x the cell's room
    # (1e6) = 0.1, so 10.05 asked is met
    (1_000_000.0, 10.0, 10.05, True),
    # d1 = 10 rises 1,000,000; the tolerance is 1e-7 x that rise = 0.1, so 1,000,000.05 is met
    (10.0, 1_000_000.0, 1_000_000.05, True),
    # d1 = 0.5 in [0, 0.75] rises 0.25; below 1 the tolerance is its floor 1e-7 (not 1e-7 x 0.5): 0.25 + 0.7e-7
    # is met, 0.25 + 1.5e-7 is not
    (0.5, 0.25, 0.25 + 0.7e-7, True),
    (0.5, 0.25, 0.25 + 1.5e-7, False),
])
def test_line_audit_tolerance_scales_with_the_room_or_the_rise(d1, d2, required, protected) -> None:
    cells = pd.DataFrame([{"col": "d1", "value": d1, "contributors": 5}, {"col": "d2", "value": d2, "contributors": 5},
                          {"col": TOTAL, "value": d1 + d2, "contributors": 10}])
    got = sdc.audit_line(cells, pd.Series(["secondary", "secondary", "published"]), pd.Series([required, 0.0, 0.0]))
    assert got.to_dict("records")[0] == {"col": "d1", "value": d1, "required": required, "lower": 0.0,
                                         "upper": d1 + d2, "protected": protected}


def test_a_cheap_rectangle_of_hidden_cells_that_is_not_enough_does_not_stop_the_search() -> None:
    """      d1   d2 | total   All four inner cells have 2 firms; every margin is dominated by its top two
       A    50    2 |   52   (50 of 52 > 90%). The free rectangle of the four inner cells lets A-d1 rise only
       B     2   50 |   52   2 < 5, so it is not enough by itself; with the margins hidden too only the grand
       tot  52   52 |  104   total (104) is published: A-d1 + A-d2 + B-d1 + B-d2 = 104, each cell in [0, 104]."""
    cells = table({("A", "d1"): [30, 20], ("A", "d2"): [1, 1], ("B", "d1"): [1, 1], ("B", "d2"): [30, 20]})
    out = sdc.protect(cells)
    assert statuses(out) == {
        **{key: "primary_threshold" for key in (("A", "d1"), ("A", "d2"), ("B", "d1"), ("B", "d2"))},
        **{key: "primary_dominance" for key in (("A", TOTAL), ("B", TOTAL), (TOTAL, "d1"), (TOTAL, "d2"))}}
    assert [(r, c, lo, hi) for r, c, lo, hi, _ in audited(cells, out)] == [
        ("A", "d1", 0.0, 104.0), ("A", "d2", 0.0, 104.0), ("A", TOTAL, 0.0, 104.0), ("B", "d1", 0.0, 104.0),
        ("B", "d2", 0.0, 104.0), ("B", TOTAL, 0.0, 104.0), (TOTAL, "d1", 0.0, 104.0), (TOTAL, "d2", 0.0, 104.0)]
    assert sdc.audit(cells, out["status"])["protected"].all()


def test_a_three_way_tie_in_cost_goes_to_fewer_new_cells_then_the_first_column() -> None:
    """A-d1 (70, 2 firms) and C-d1 (100, one firm 91%) sensitive; A-d3 = 100, B-d1 = 60, B-d2 = 40. For C-d1
    (first: larger) three rectangles cost 200: {C, A} x {d1, d2} and {C, A} x {d1, d3} (A-d1 already hidden:
    2 new cells each) and {C, B} x {d1, d2} (C-d2 100 + B-d1 60 + B-d2 40: 3 new). Fewer new cells, then the
    first column: d2. A-d1 then has that rectangle for free. The shift t moves A-d1 and C-d2 by +t, A-d2 and C-d1
    by -t: t in [-70, 100], so A-d1 = 70 + t and C-d1 = 100 - t both lie in [0, 170]."""
    cells = table({**FIRMS, ("A", "d1"): [50, 20], ("A", "d3"): [40, 30, 30], ("B", "d1"): [20, 20, 20],
                   ("B", "d2"): [20, 10, 10]})
    out = sdc.protect(cells)
    assert statuses(out) == {("A", "d1"): "primary_threshold", ("C", "d1"): "primary_dominance",
                             ("A", "d2"): "secondary", ("C", "d2"): "secondary"}
    assert audited(cells, out) == [("A", "d1", 0.0, 170.0, True), ("C", "d1", 0.0, 170.0, True)]


def test_firms_unknown_in_a_cell_make_it_no_complement() -> None:
    """The hand-worked table with A-d1's firms unknown ("—": 0 firms, value 100 kept): C-d1's rectangle through
    A-d1 is gone. Next cheapest: {C, B} x {d1, d2} and {C, B} x {d1, d3}, both 300 for 3 new cells: the first
    column, d2 (C-d1 rises min(C-d2 100, B-d1 120), falls min(100, B-d2 80)). Then A-d3 (70): {A, B} x {d3, d2}
    costs A-d2 100 + B-d3 80 (B-d2 is hidden) = 180 < {A, C} x {d3, d2} 200. With A-d3 = 70 + s and C-d1 = 100 + u
    (A-d2 = 100 - s, B-d3 = 80 - s, C-d2 = 100 - u, B-d1 = 120 - u, B-d2 = 80 + s + u, all >= 0): s in [-70, 80],
    u in [-100, 100]."""
    cells = table()
    cells["contributors"] = cells["contributors"].astype(object)
    cells.loc[0, "contributors"] = "—"
    out = sdc.protect(cells)
    assert statuses(out) == {("A", "d3"): "primary_threshold", ("C", "d1"): "primary_dominance",
                             ("A", "d2"): "secondary", ("B", "d1"): "secondary", ("B", "d2"): "secondary",
                             ("B", "d3"): "secondary", ("C", "d2"): "secondary"}
    assert audited(cells, out) == [("A", "d3", 0.0, 150.0, True), ("C", "d1", 0.0, 200.0, True)]


def test_complements_worth_exactly_one_are_still_added() -> None:
    """Values in binary fractions (exact sums): A-d1 = 0.5 (2 firms) needs 0.05; its one cheap rectangle {A, B} x
    {d1, d2} costs A-d2 0.25 + B-d1 0.25 + B-d2 0.5 = 1 (any through a margin costs more). A-d1 rises
    min(0.25, 0.25) and falls min(0.5, 0.5): with A-d1 = 0.5 + t, t in [-0.5, 0.25], so A-d1 in [0, 0.75]."""
    cells = table({("A", "d1"): [0.375, 0.125], ("A", "d2"): [0.125, 0.0625, 0.0625],
                   ("B", "d1"): [0.125, 0.0625, 0.0625], ("B", "d2"): [0.25, 0.125, 0.125]})
    out = sdc.protect(cells)
    assert statuses(out) == {("A", "d1"): "primary_threshold", ("A", "d2"): "secondary", ("B", "d1"): "secondary",
                             ("B", "d2"): "secondary"}
    assert audited(cells, out) == [("A", "d1", 0.0, 0.75, True)]


def test_a_tie_counts_a_hidden_corner_in_the_targets_row_as_no_new_cell() -> None:
    """C-d1 (100, one firm 91%) and C-d3 (100, 2 firms) sensitive; A-d3 = 100, B-d1 = 60, B-d2 = 40, B-d3 = 140.
    C-d1 comes first (equal values: first column). Three rectangles cost 200: {C, A} x {d1, d3} (A-d1 100 +
    A-d3 100; C-d3 hidden: 2 new), {C, B} x {d1, d3} (B-d1 60 + B-d3 140: 2 new) and {C, B} x {d1, d2} (C-d2 100
    + B-d1 60 + B-d2 40: 3 new). Two new cells, then the first row: A. C-d3 then has it for free. The shift
    moves C-d1 and A-d3 by +t, C-d3 and A-d1 by -t, t in [-100, 100]: both cells in [0, 200]."""
    cells = table({**FIRMS, ("A", "d3"): [40, 30, 30], ("B", "d1"): [20, 20, 20], ("B", "d2"): [20, 10, 10],
                   ("B", "d3"): [50, 50, 40], ("C", "d3"): [60, 40]})
    out = sdc.protect(cells)
    assert statuses(out) == {("C", "d1"): "primary_dominance", ("C", "d3"): "primary_threshold",
                             ("A", "d1"): "secondary", ("A", "d3"): "secondary"}
    assert audited(cells, out) == [("C", "d1", 0.0, 200.0, True), ("C", "d3", 0.0, 200.0, True)]


def test_line_audit_of_an_all_zero_line() -> None:
    """Every cell 0 (firms with no revenue): the hidden cells are pinned at 0, which protects nothing."""
    cells = pd.DataFrame([cell("g", "d1", [0, 0, 0]), cell("g", "d2", [0, 0, 0]), cell("g", TOTAL, [0] * 6)])
    got = sdc.audit_line(cells, pd.Series(["secondary", "secondary", "published"]), pd.Series([0.0] * 3))
    assert got.to_dict("records") == [
        {"col": "d1", "value": 0.0, "required": 0.0, "lower": 0.0, "upper": 0.0, "protected": False},
        {"col": "d2", "value": 0.0, "required": 0.0, "lower": 0.0, "upper": 0.0, "protected": False}]


def test_two_half_rectangles_are_checked_together_once_they_add_up() -> None:
    """Protection 20%: A-d1 (90, 2 firms) needs 18. {A, B} x {d1, d2} and {A, B} x {d1, d3} (127 each: A-d2 or
    A-d3 9 + B-d1 18 + B-d2 or B-d3 100) each let it rise 9, half of 18; together (236, below the 344 of the one
    rectangle that is enough alone, {A, B} x {d1, total}: A-total 108 + B-d1 18 + B-total 218) the halves add up
    to 1, so the LP is asked: A-d1 rises to 108 when A-d2 = A-d3 = 0 and falls to 0 (A-d2 = A-d3 = 54)."""
    cells = table({("A", "d1"): [45, 45], ("A", "d2"): [4, 4, 1], ("A", "d3"): [4, 4, 1], ("B", "d1"): [6, 6, 6],
                   ("B", "d2"): [40, 30, 30], ("B", "d3"): [40, 30, 30]})
    rules = DisclosureRules(protection=0.2)
    out = sdc.protect(cells, rules)
    assert statuses(out) == {("A", "d1"): "primary_threshold", ("A", "d2"): "secondary", ("A", "d3"): "secondary",
                             ("B", "d1"): "secondary", ("B", "d2"): "secondary", ("B", "d3"): "secondary"}
    got = sdc.audit(cells, out["status"], rules).set_index(["row", "col"])
    assert interval(got, ("A", "d1")) == (0.0, 108.0, True)
