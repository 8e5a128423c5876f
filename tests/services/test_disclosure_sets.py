"""Issue 14: the disclosure cells from the scoreboard's frames (`analytics.disclosure_cells`: segment sums and
maxima, no window sorting every firm of every cell) give the same cells as the store's window query they replaced,
kept here as the reference, on the 3% demo; `margins=False` leaves out exactly the sums over nodes."""

from __future__ import annotations

import pandas as pd
import pytest

from chanye.analytics import disclosure_cells
from chanye.framework import load_pack
from chanye.registry import views
from chanye.registry.store import Store
from chanye.services import disclosure

# The query before issue 14 (row_number over every firm of every cell for the two largest contributions).
WINDOW = """
WITH m AS (SELECT unnest($groups::VARCHAR[]) AS node, unnest($linked::VARCHAR[]) AS linked),
member AS (SELECT DISTINCT m.node, c.uscc FROM classifications c JOIN m ON c.node = m.linked WHERE c.pack = $pack),
figures AS (
    SELECT e.uscc, e.district_code AS district, y.year, revenue, industrial_output, value_added
    FROM enterprises e JOIN enterprise_years y USING (uscc)
    WHERE e.city_code = $city AND e.district_code IS NOT NULL),
firm AS (FROM figures UNPIVOT INCLUDE NULLS (v FOR measure IN (revenue, industrial_output, value_added))),
cell AS (SELECT f.measure, f.year, m.node, f.district, f.uscc, f.v FROM member m JOIN firm f USING (uscc)),
per_firm AS (
    SELECT measure, year, node, district, uscc, sum(v) AS v, GROUPING(node) AS g_node, GROUPING(district) AS g_district
    FROM cell
    GROUP BY GROUPING SETS ((measure, year, node, district, uscc), (measure, year, node, uscc),
                            (measure, year, district, uscc), (measure, year, uscc))),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY measure, year, g_node, g_district, node, district
                                 ORDER BY v DESC NULLS LAST, uscc) AS rank
    FROM per_firm)
SELECT measure, year, node, district, coalesce(sum(v), 0) AS value, count(v) AS contributors, count(*) AS firms,
       max(v) FILTER (WHERE rank = 1) AS top1, max(v) FILTER (WHERE rank = 2) AS top2
FROM ranked GROUP BY measure, year, node, district, g_node, g_district
ORDER BY measure, year, g_node, g_district, node, district
"""


def same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Equal row for row: keys and counts exactly, sums to 1e-12 (DuckDB adds in parallel, in any order)."""
    assert len(got) == len(want) > 0
    keys = ["measure", "year", "node", "district", "contributors", "firms"]
    blank = {"node": "-", "district": "-"}  # None here, NULL as NaN there
    pd.testing.assert_frame_equal(got[keys].fillna(blank).reset_index(drop=True).astype(object),
                                  want[keys].fillna(blank).reset_index(drop=True).astype(object))
    for column in ("value", "top1", "top2"):
        pd.testing.assert_series_equal(got[column].reset_index(drop=True), want[column].reset_index(drop=True),
                                       check_exact=False, rtol=1e-12, atol=0)


def microdata(store: Store, fw) -> disclosure_cells.Microdata:
    firms, figures, _, links = views.scoreboard_frames(store, fw.id)
    return disclosure_cells.microdata(firms, figures, links, city=fw.city.code, measures=disclosure.MEASURES)


@pytest.mark.parametrize("nodes", ["industry", "groups"])
def test_the_cells_from_the_frames_equal_the_window_query(demo_db, nodes) -> None:
    fw = load_pack()
    ids = [n.id for n in fw.industry_nodes()] if nodes == "industry" else disclosure.group_nodes(fw)
    members = disclosure.members(fw, ids)
    params = {"groups": [g for g, linked in members.items() for _ in linked],
              "linked": [x for g in members for x in members[g]], "pack": fw.id, "city": fw.city.code}
    with Store(demo_db, read_only=True) as store:
        want = store.query(WINDOW, params)
        data = microdata(store, fw)
    got = disclosure_cells.contributions(data, members)
    bare = disclosure_cells.contributions(data, members, margins=False)
    same(got, want)
    same(bare, want[want["node"].notna()])
    assert want["node"].isna().sum() > 0 and want["top2"].notna().sum() > 0  # margins and second firms exist


def test_every_firm_equals_the_margins_of_a_node_holding_every_firm(demo_db) -> None:
    """`every_firm` against the window query over a single node all firms link to."""
    fw = load_pack()
    with Store(demo_db, read_only=True) as store:
        got = disclosure_cells.every_firm(microdata(store, fw))
        store.con.execute("CREATE TEMP TABLE every AS SELECT uscc FROM enterprises")
        want = store.query(WINDOW.replace(
            "member AS (SELECT DISTINCT m.node, c.uscc FROM classifications c JOIN m ON c.node = m.linked "
            "WHERE c.pack = $pack)", "member AS (SELECT 'all' AS node, uscc FROM every WHERE $pack IS NOT NULL "
            "AND EXISTS (FROM m))"), {"groups": ["all"], "linked": ["all"], "pack": fw.id, "city": fw.city.code})
    assert got["node"].isna().all()
    same(got.assign(node="all"), want[want["node"] == "all"])
