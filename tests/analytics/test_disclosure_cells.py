"""`analytics.disclosure_cells` on a registry small enough to add up by hand: a firm counts once in a node however
many of its links lead there, twice in the sums over nodes when it is in two nodes; unreported figures count as
firms but not as contributors; ties stay among the two largest; firms of another city or without a district are
left out; the city total is its districts added up."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from chanye.analytics import disclosure_cells as dc

CITY, D1, D2 = "440100", "440103", "440104"
NAN = math.nan
FIRMS = pd.DataFrame({  # firm 10 has neither figures nor links
    "uscc": [0, 1, 2, 3, 4, 5, 10],
    "city_code": [CITY, CITY, CITY, "440300", CITY, CITY, CITY],
    "district_code": [D1, D1, D2, "440303", None, D1, D2],
})
FIGURES = pd.DataFrame({  # firm 4 has no district, firm 3 is in another city: neither counts
    "uscc": [0, 1, 2, 3, 4, 5, 0],
    "year": [2024, 2024, 2024, 2024, 2024, 2024, 2023],
    "revenue": [10.0, NAN, 5.0, 100.0, 7.0, 10.0, 4.0],
    "tax": [1.0, 2.0, NAN, 9.0, 9.0, NAN, NAN],
})
LINKS = pd.DataFrame({
    "uscc": [0, 0, 1, 2, 2, 3, 4, 5],
    "node": ["a", "a1", "a", "b", "a", "a", "a", "a"],  # firm 0 reaches a twice (a1 is under a)
})
MEMBERS = {"a": ["a", "a1"], "b": ["b"]}


def data(measures=("revenue", "tax")) -> dc.Microdata:
    return dc.microdata(FIRMS, FIGURES, LINKS, city=CITY, measures=measures)


def rows(frame: pd.DataFrame, measure: str, year: int) -> list[tuple]:
    """node, district, value, contributors, firms, top1, top2 of one measure and year, blanks as None."""
    part = frame[(frame["measure"] == measure) & (frame["year"] == year)]
    blank = lambda x: x is None or (isinstance(x, float) and math.isnan(x))  # noqa: E731
    return [tuple(None if blank(x) else x for x in r)
            for r in part[["node", "district", "value", "contributors", "firms", "top1", "top2"]].itertuples(index=False)]


def test_node_cells_margins_and_order_worked_by_hand() -> None:
    got = dc.contributions(data(), MEMBERS)
    assert list(got.columns) == dc.COLUMNS
    # 2024 revenue: a holds firms 0 (10), 1 (unreported), 5 (10) in D1 and 2 (5) in D2; b holds 2 in D2.
    # The sums over nodes: firm 2 is in a and b, so it adds 5 twice (10) there.
    assert rows(got, "revenue", 2024) == [
        ("a", D1, 20.0, 2, 3, 10.0, 10.0),  # the tie stays: two firms of 10
        ("a", D2, 5.0, 1, 1, 5.0, None),
        ("b", D2, 5.0, 1, 1, 5.0, None),
        ("a", None, 25.0, 3, 4, 10.0, 10.0),
        ("b", None, 5.0, 1, 1, 5.0, None),
        (None, D1, 20.0, 2, 3, 10.0, 10.0),
        (None, D2, 10.0, 1, 1, 10.0, None),
        (None, None, 30.0, 3, 4, 10.0, 10.0),
    ]
    # tax: only firms 0 and 1 reported (1 and 2); value 0 where nobody reported
    assert rows(got, "tax", 2024) == [
        ("a", D1, 3.0, 2, 3, 2.0, 1.0),
        ("a", D2, 0.0, 0, 1, None, None),
        ("b", D2, 0.0, 0, 1, None, None),
        ("a", None, 3.0, 2, 4, 2.0, 1.0),
        ("b", None, 0.0, 0, 1, None, None),
        (None, D1, 3.0, 2, 3, 2.0, 1.0),
        (None, D2, 0.0, 0, 1, None, None),
        (None, None, 3.0, 2, 4, 2.0, 1.0),
    ]
    assert rows(got, "revenue", 2023) == [
        ("a", D1, 4.0, 1, 1, 4.0, None), ("a", None, 4.0, 1, 1, 4.0, None),
        (None, D1, 4.0, 1, 1, 4.0, None), (None, None, 4.0, 1, 1, 4.0, None),
    ]
    assert got["measure"].tolist()[:1] == ["revenue"] and got["year"].tolist()[:1] == [2023]


def test_without_margins_only_the_node_rows() -> None:
    got = dc.contributions(data(("revenue",)), MEMBERS, margins=False)
    assert got["node"].notna().all()
    assert rows(got, "revenue", 2024) == rows(dc.contributions(data(("revenue",)), MEMBERS), "revenue", 2024)[:5]


def test_every_firm_counts_each_firm_of_the_city_once() -> None:
    got = dc.every_firm(data(("revenue",)))
    assert rows(got, "revenue", 2024) == [
        (None, D1, 20.0, 2, 3, 10.0, 10.0),
        (None, D2, 5.0, 1, 1, 5.0, None),
        (None, None, 25.0, 3, 4, 10.0, 10.0),
    ]


def test_counts_are_whole_numbers_and_blanks_are_nan() -> None:
    got = dc.contributions(data(), MEMBERS)
    assert got["contributors"].dtype == "int64" and got["firms"].dtype == "int64"
    assert got["year"].dtype == "int64" and got["value"].dtype == got["top2"].dtype == "float64"
    assert got["node"].tolist()[:2] == ["a", "a"] and type(got["node"].iloc[0]) is str
    assert dc.every_firm(data())["firms"].dtype == "int64"


@pytest.mark.parametrize(("figure_firm", "link_firm"), [(11, 12), (12, 11)])  # past firm 10, the last firm row
def test_figures_and_links_of_firms_without_a_firm_row_are_left_out(figure_firm, link_firm) -> None:
    """Firm numbers past the firms frame (figures of one, a link of another) count nowhere, whichever is larger."""
    figures = pd.concat([FIGURES, pd.DataFrame({"uscc": [figure_firm], "year": [2024], "revenue": [50.0],
                                                "tax": [1.0]})])
    links = pd.concat([LINKS, pd.DataFrame({"uscc": [link_firm], "node": ["a"]})])
    more = dc.microdata(FIRMS, figures, links, city=CITY, measures=("revenue", "tax"))
    assert rows(dc.contributions(more, MEMBERS), "revenue", 2024) == rows(dc.contributions(data(), MEMBERS),
                                                                          "revenue", 2024)
    assert rows(dc.every_firm(more), "revenue", 2024) == rows(dc.every_firm(data()), "revenue", 2024)


def test_a_node_without_firms_adds_no_row() -> None:
    """A node no firm links to (the last of the key space) leaves the others' cells as they were."""
    alone, more = dc.contributions(data(), MEMBERS), dc.contributions(data(), {**MEMBERS, "z": ["z"]})
    pd.testing.assert_frame_equal(more, alone)
    # a1 (firm 0 only, in D1) last: its last cell is not the last district
    got = dc.contributions(data(("revenue",)), {"b": ["b"], "a1": ["a1"]}, margins=False)
    assert rows(got, "revenue", 2024) == [("a1", D1, 10.0, 1, 1, 10.0, None), ("b", D2, 5.0, 1, 1, 5.0, None),
                                          ("a1", None, 10.0, 1, 1, 10.0, None), ("b", None, 5.0, 1, 1, 5.0, None)]


@pytest.mark.parametrize("members", [{}, {"a": []}, {"z": ["z"]}])
def test_no_member_no_cell(members) -> None:
    got = dc.contributions(data(), members)
    assert got.empty and list(got.columns) == dc.COLUMNS


def test_nullable_figures_read_as_blanks() -> None:
    """Figures in pandas' nullable floats (pd.NA for a blank) give the same cells as NaN does."""
    nullable = FIGURES.astype({"revenue": "Float64", "tax": "Float64"})
    assert nullable["revenue"].isna().sum() == 1
    got = dc.microdata(FIRMS, nullable, LINKS, city=CITY, measures=("revenue", "tax"))
    assert rows(dc.contributions(got, MEMBERS), "tax", 2024) == rows(dc.contributions(data(), MEMBERS), "tax", 2024)


def test_empty_frames_give_no_cell() -> None:
    nothing = dc.microdata(FIRMS.iloc[:0], FIGURES.iloc[:0], LINKS.iloc[:0], city=CITY, measures=("revenue",))
    assert dc.contributions(nothing, MEMBERS).empty and dc.every_firm(nothing).empty


def test_no_firm_of_the_city() -> None:
    empty = dc.microdata(FIRMS, FIGURES, LINKS, city="110100", measures=("revenue",))
    for got in (dc.contributions(empty, MEMBERS), dc.every_firm(empty)):
        assert got.empty and list(got.columns) == dc.COLUMNS


def test_a_key_space_past_16_bits_is_sorted_on_its_whole_keys() -> None:
    """Keys of 2**16 and above (many nodes x years x districts) must not be cut to 16 bits for the radix sort."""
    key = np.array([70_000, 4_464, 70_000, 10])  # 70,000 is 4,464 in 16 bits
    cells = dc._aggregate(key, np.array([[3.0], [1.0], [2.0], [7.0]]), 75_000)
    assert cells.firms[[10, 4_464, 70_000]].tolist() == [1, 1, 2]
    assert cells.value[70_000, 0] == 5.0 and cells.top1[70_000, 0] == 3.0 and cells.top2[70_000, 0] == 2.0
    assert cells.value[4_464, 0] == 1.0 and cells.value[10, 0] == 7.0
