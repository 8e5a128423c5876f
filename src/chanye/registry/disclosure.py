"""What disclosure control reads (issue 17): for each node x district cell of a year, the cell's total, how many
firms contribute to it and its two largest contributions, with the row, column and grand totals of the table
(SQL window functions over GROUPING SETS). Only this module's SQL touches the registry for it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from chanye.registry.fields import MEASURES
from chanye.registry.store import Store

COLUMNS = ["measure", "year", "node", "district", "value", "contributors", "firms", "top1", "top2"]


def _measures(measures: Sequence[str]) -> str:
    unknown = [m for m in measures if m not in MEASURES]
    if unknown or not measures:
        raise ValueError(f"unknown measures {unknown or measures!r}")
    return ", ".join(measures)


def contributions(store: Store, *, pack: str, city: str, measures: Sequence[str],
                  members: Mapping[str, Sequence[str]], years: Sequence[int] | None = None,
                  margins: bool = True) -> pd.DataFrame:
    """One row per (measure, year, node, district) with a firm in it, plus the margins: `node` None is the sum over the
    nodes of a district (a firm linked to two nodes contributes twice there, as its cells add up), `district`
    None the node in all the city's districts, both None the grand total.

    :param members: node id -> the node ids whose links put a firm in it (the node and its descendants); a
        firm counts once in a node however many of these links it has.
    :param margins: False leaves out the rows with `node` None (the sums over the nodes), which a caller that
        drops them need not pay for.
    :returns: `COLUMNS`: ``value`` the sum of the measure (万元, or 人) over the firms that reported it,
        ``contributors`` those firms, ``firms`` every firm with a figures row that year, ``top1``/``top2`` the
        largest contributions (a firm's contributions within the cell summed first). Firms of the city with a
        district only (the cells must add up to the city's column of the table).
    """
    columns = _measures(measures)
    groups = [g for g, linked in members.items() for _ in linked]
    linked = [x for g in members for x in members[g]]
    if not groups:
        return pd.DataFrame(columns=COLUMNS)
    year_filter = "AND y.year IN (SELECT unnest($years))" if years else ""
    params: dict = {"groups": groups, "linked": linked, "pack": pack, "city": city}
    if years:
        params["years"] = [int(y) for y in years]
    # issue 14: set operations without a window. A firm lies in one district and counts once in a node, so the
    # rows of `cell` already are its contributions to a node's cells: they aggregate straight into the node rows.
    # Only the sums over nodes (a firm linked to two nodes counts twice) need the firm's contributions summed
    # first. The two largest come from max(v, 2), a top-n aggregate (ties kept), where a window sorting every
    # firm of every cell took 13.6 s of the scoreboard's 15 s on the full demo.
    by_area = """
        UNION ALL
        SELECT measure, year, NULL::VARCHAR AS node, district, 1 AS g_node, GROUPING(district) AS g_district,
               coalesce(sum(v), 0) AS value, count(v) AS contributors, count(*) AS firms, max(v, 2) AS top
        FROM (SELECT measure, year, district, uscc, sum(v) AS v FROM cell GROUP BY measure, year, district, uscc)
        GROUP BY GROUPING SETS ((measure, year, district), (measure, year))""" if margins else ""
    return store.query(
        f"""
        WITH m AS (SELECT unnest($groups::VARCHAR[]) AS node, unnest($linked::VARCHAR[]) AS linked),
        member AS (
            SELECT DISTINCT m.node, c.uscc FROM classifications c JOIN m ON c.node = m.linked WHERE c.pack = $pack
        ),
        figures AS (
            SELECT e.uscc, e.district_code AS district, y.year, {columns}
            FROM enterprises e JOIN enterprise_years y USING (uscc)
            WHERE e.city_code = $city AND e.district_code IS NOT NULL {year_filter}
        ),
        firm AS (FROM figures UNPIVOT INCLUDE NULLS (v FOR measure IN ({columns}))),
        cell AS (SELECT f.measure, f.year, m.node, f.district, f.uscc, f.v FROM member m JOIN firm f USING (uscc)),
        cells AS (
            SELECT measure, year, node, district, 0 AS g_node, GROUPING(district) AS g_district,
                   coalesce(sum(v), 0) AS value, count(v) AS contributors, count(*) AS firms, max(v, 2) AS top
            FROM cell
            GROUP BY GROUPING SETS ((measure, year, node, district), (measure, year, node)){by_area}
        )
        SELECT measure, year, node, district, value, contributors, firms, top[1] AS top1, top[2] AS top2
        FROM cells
        ORDER BY measure, year, g_node, g_district, node, district
        """,
        params,
    )[COLUMNS]


def all_firms(store: Store, *, city: str, measures: Sequence[str], years: Sequence[int] | None = None) -> pd.DataFrame:
    """Every firm of the city with a district, by district and in all districts (`district` None): the rows
    of `contributions` with `node` None."""
    columns = _measures(measures)
    year_filter = "AND y.year IN (SELECT unnest($years))" if years else ""
    params: dict = {"city": city}
    if years:
        params["years"] = [int(y) for y in years]
    return store.query(
        f"""
        WITH figures AS (
            SELECT e.uscc, e.district_code AS district, y.year, {columns}
            FROM enterprises e JOIN enterprise_years y USING (uscc)
            WHERE e.city_code = $city AND e.district_code IS NOT NULL {year_filter}
        ),
        long AS (FROM figures UNPIVOT INCLUDE NULLS (v FOR measure IN ({columns}))),
        -- one row per firm, measure and year already: the district and the city total as grouping sets, the two
        -- largest by max(v, 2) (issue 14: no window sort)
        cells AS (
            SELECT measure, year, district, GROUPING(district) AS g, coalesce(sum(v), 0) AS value,
                   count(v) AS contributors, count(*) AS firms, max(v, 2) AS top
            FROM long GROUP BY GROUPING SETS ((measure, year, district), (measure, year))
        )
        SELECT measure, year, NULL::VARCHAR AS node, district, value, contributors, firms, top[1] AS top1,
               top[2] AS top2
        FROM cells ORDER BY measure, year, g, district
        """,
        params,
    )[COLUMNS]
