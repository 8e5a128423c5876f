"""Frames read from the store for the pure analytics: the only place that turns tables into DataFrames."""

from __future__ import annotations

import pandas as pd

from chanye.errors import NotFound
from chanye.registry.fields import MEASURES
from chanye.registry.store import Store


def firms(store: Store, *, city: str | None = None) -> pd.DataFrame:
    where = "WHERE city_code = ?" if city else ""
    return store.query(
        f"""SELECT uscc, name, city_code, district_code, industry_code, predicted_code,
                   coalesce(industry_code, predicted_code) AS activity_code, synthetic
            FROM enterprises {where}""",
        [city] if city else None,
    )


def figures(store: Store) -> pd.DataFrame:
    return store.query(f"SELECT uscc, year, {', '.join(MEASURES)}, synthetic FROM enterprise_years")


def tags(store: Store, *, ordered: bool = False) -> pd.DataFrame:
    return store.query("SELECT uscc, tag FROM tags" + (" ORDER BY tag, uscc" if ordered else ""))


def links(store: Store, pack: str, *, ordered: bool = False) -> pd.DataFrame:
    return store.query(
        "SELECT uscc, node, method, code, evidence, confidence FROM classifications WHERE pack = ?"
        + (" ORDER BY node, uscc" if ordered else ""),
        [pack],
    )


# --- the scoreboard's inputs (issue 14: a scoreboard linear in the data) ---------------------------------------


def scoreboard_frames(store: Store, pack: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """`firms`, `figures`, `tags` and `links(pack)` for `analytics.indicators.scale` and the disclosure cells (the
    columns they read), with `uscc` replaced by the firm's number (int64, 0.. in uscc order over the four
    tables) and each frame ordered by it (figures by number and year). The scale is the same (it only matches
    firms); numbering in SQL spares it hashing millions of 18-character codes, and reading in order makes its
    lookups sequential, which keeps its cost linear at 10x the demo (benchmarks/scoreboard_bench.py)."""
    store.con.execute(
        """CREATE OR REPLACE TEMP TABLE _scoreboard_ids AS
           SELECT uscc, (row_number() OVER (ORDER BY uscc) - 1)::BIGINT AS k FROM (
               SELECT uscc FROM enterprises UNION SELECT uscc FROM enterprise_years UNION SELECT uscc FROM tags
               UNION SELECT uscc FROM classifications WHERE pack = ?)""",
        [pack],
    )
    try:
        firms = store.query(
            """SELECT i.k AS uscc, city_code, district_code, synthetic
               FROM enterprises JOIN _scoreboard_ids i USING (uscc) ORDER BY i.k"""
        )
        figures = store.query(
            f"""SELECT i.k AS uscc, year, {', '.join(MEASURES)}, synthetic
                FROM enterprise_years JOIN _scoreboard_ids i USING (uscc) ORDER BY i.k, year"""
        )
        tags = store.query("SELECT i.k AS uscc, tag FROM tags JOIN _scoreboard_ids i USING (uscc) ORDER BY i.k, tag")
        links = store.query(
            """SELECT i.k AS uscc, node FROM classifications
               JOIN _scoreboard_ids i USING (uscc) WHERE pack = ? ORDER BY i.k, node""",
            [pack],
        )
    finally:
        store.con.execute("DROP TABLE IF EXISTS _scoreboard_ids")
    return firms, figures, tags, links


def published(store: Store) -> pd.DataFrame:
    return store.query("SELECT * FROM published ORDER BY year, id")


def sources(store: Store) -> pd.DataFrame:
    return store.query("SELECT * FROM sources ORDER BY date DESC, id")


def is_synthetic(store: Store) -> bool:
    """True when any enterprise in the store is synthetic: every view then says 示例数据."""
    return bool(store.scalar("SELECT count(*) > 0 FROM enterprises WHERE synthetic"))



def data_mix(store: Store) -> str:
    """What the enterprises are (issue 15 pages: banners follow the data): 'synthetic' (demo firms only),
    'registry' (imported firms only, or none), 'mixed' (both)."""
    demo, imported = store.query("SELECT count(*) FILTER (WHERE synthetic) AS d, "
                                 "count(*) FILTER (WHERE NOT coalesce(synthetic, false)) AS i FROM enterprises").iloc[0]
    if demo and imported:
        return "mixed"
    return "synthetic" if demo else "registry"

def years(store: Store) -> list[int]:
    return [int(y) for y in store.query("SELECT DISTINCT year FROM enterprise_years ORDER BY year")["year"]]


def has_figures(store: Store) -> bool:
    """True when the store holds any yearly figure."""
    return bool(store.scalar("SELECT count(*) > 0 FROM enterprise_years"))


def chain_firms(store: Store, *, scopes: bool = True) -> pd.DataFrame:
    """What chain linking and the chain boards read: one row per firm with its (declared, else predicted) code.
    `scopes=False`: without the business scopes (only linking reads them; issue 14: a server that stays small)."""
    return store.query(
        """SELECT uscc, name, city_code, district_code, coalesce(industry_code, predicted_code) AS industry_code"""
        + (", business_scope" if scopes else "") + " FROM enterprises"
    )


def stored_chain_links(store: Store, pack: str, *, chain: str | None = None, chain_node: str | None = None,
                       uscc: str | None = None) -> pd.DataFrame:
    """Stored chain links of a pack (`registry.chain_links.COLUMNS`) of one chain, node and/or firm, ordered as
    `read_links` orders them (issue 14: a node's or a firm's links without holding every chain's)."""
    from chanye.registry.chain_links import COLUMNS

    where, params = ["pack = ?"], [pack]
    for column, value in (("chain", chain), ("chain_node", chain_node), ("uscc", uscc)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    return store.query(f"SELECT {', '.join(COLUMNS)} FROM chain_links WHERE {' AND '.join(where)} "
                       "ORDER BY chain, chain_node, role, uscc", params)


def figures_between(store: Store, first: int, last: int, measures: tuple[str, ...] = MEASURES) -> pd.DataFrame:
    """`uscc`, `year` and `measures` of the years `first`..`last` (issue 14: the chain boards' per-firm measures
    read the last few years of two measures, not every year of every measure)."""
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise ValueError(f"unknown measures {unknown}")
    return store.query(f"SELECT uscc, year, {', '.join(measures)} FROM enterprise_years WHERE year BETWEEN ? AND ?",
                       [first, last])


def activity_panel(store: Store, year: int, measure: str | None, home_city: str) -> pd.DataFrame:
    """One row per (city, district of `home_city` or None, activity) of one year: `value` (the sum of `measure`,
    or the number of firms when None) and `firms` (firms with a positive value; all firms when None)."""
    if measure is not None and measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    value = "count(*)" if measure is None else f"sum(coalesce(y.{measure}, 0))"
    firms_with = "count(*)" if measure is None else f"count(*) FILTER (WHERE y.{measure} > 0)"
    return store.query(
        f"""
        SELECT e.city_code AS city, CASE WHEN e.city_code = ? THEN e.district_code END AS district,
               coalesce(e.industry_code, e.predicted_code) AS activity, {value} AS value, {firms_with} AS firms
        FROM enterprises e JOIN enterprise_years y USING (uscc)
        WHERE y.year = ? AND coalesce(e.industry_code, e.predicted_code) IS NOT NULL AND e.city_code IS NOT NULL
        GROUP BY ALL
        """,
        [home_city, int(year)],
    )


def directory_firms(store: Store) -> pd.DataFrame:
    """Every enterprise with what the search directory shows, ordered by USCC."""
    return store.query("""
        SELECT uscc, name, district_code, city_code, coalesce(industry_code, predicted_code) AS industry_code,
               industry_code IS NULL AND predicted_code IS NOT NULL AS code_predicted,
               registered_capital, strftime(founded, '%Y-%m-%d') AS founded,
               coalesce(business_scope, '') AS business_scope, synthetic
        FROM enterprises ORDER BY uscc
    """)


def figures_of_year(store: Store, year: int, measures: tuple[str, ...] = MEASURES) -> pd.DataFrame:
    """`uscc` and the measures of one year."""
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise ValueError(f"unknown measures {unknown}")
    return store.query(f"SELECT uscc, {', '.join(measures)} FROM enterprise_years WHERE year = ?", [year])


def enterprise(store: Store, uscc: str, pack: str) -> dict:
    """One enterprise's profile: attributes, figures over time, tags and node links with evidence."""
    row = store.query("SELECT * FROM enterprises WHERE uscc = ?", [uscc])
    if row.empty:
        raise NotFound(f"没有统一社会信用代码为 {uscc} 的企业 (no such enterprise)", hint="用企业搜索查找")
    record = row.iloc[0].to_dict()
    record["figures"] = store.query(
        f"SELECT year, {', '.join(MEASURES)} FROM enterprise_years WHERE uscc = ? ORDER BY year", [uscc]
    ).to_dict("records")
    record["tags"] = store.query("SELECT tag FROM tags WHERE uscc = ? ORDER BY tag", [uscc])["tag"].tolist()
    record["links"] = store.query(
        "SELECT node, method, code, evidence, confidence FROM classifications WHERE uscc = ? AND pack = ? "
        "ORDER BY confidence DESC, node",
        [uscc, pack],
    ).to_dict("records")
    return record
