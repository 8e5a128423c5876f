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


def tags(store: Store) -> pd.DataFrame:
    return store.query("SELECT uscc, tag FROM tags")


def links(store: Store, pack: str) -> pd.DataFrame:
    return store.query(
        "SELECT uscc, node, method, code, evidence, confidence FROM classifications WHERE pack = ?", [pack]
    )


def published(store: Store) -> pd.DataFrame:
    return store.query("SELECT * FROM published ORDER BY year, id")


def sources(store: Store) -> pd.DataFrame:
    return store.query("SELECT * FROM sources ORDER BY date DESC, id")


def is_synthetic(store: Store) -> bool:
    """True when any enterprise in the store is synthetic: every view then says 示例数据."""
    return bool(store.scalar("SELECT count(*) > 0 FROM enterprises WHERE synthetic"))


def years(store: Store) -> list[int]:
    return [int(y) for y in store.query("SELECT DISTINCT year FROM enterprise_years ORDER BY year")["year"]]


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
