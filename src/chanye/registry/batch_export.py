"""The store's tables as the batch pipeline's Parquet inputs (`chanye.batch`, issue 14 item 5): DuckDB writes
them with COPY, so a registry of any size leaves the store without passing through Python."""

from __future__ import annotations

from pathlib import Path

from chanye.registry.store import Store

__all__ = ["TABLES", "export_inputs"]

# name -> the query whose result is the batch input of that name (columns: chanye.batch.steps)
TABLES: dict[str, str] = {
    "enterprises": """SELECT uscc, name, city_code, district_code, industry_code, business_scope, synthetic
                      FROM enterprises ORDER BY uscc""",
    "figures": """SELECT uscc, year, revenue, industrial_output, value_added, employees, synthetic
                  FROM enterprise_years ORDER BY uscc, year""",
    "tags": "SELECT uscc, tag FROM tags ORDER BY uscc, tag",
}


def export_inputs(store: Store, folder: str | Path, *, pack: str | None = None) -> dict[str, int]:
    """Write enterprises, figures, tags (and, with `pack`, that pack's stored ``links``) to
    ``folder/<name>.parquet``; returns the row count of each."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    queries = dict(TABLES)
    params: list[object] = []
    if pack is not None:
        queries["links"] = """SELECT uscc, node, method, evidence, confidence, code FROM classifications
                              WHERE pack = ? ORDER BY uscc, node"""
    counts = {}
    for name, sql in queries.items():
        path = out / f"{name}.parquet"
        params = [pack] if name == "links" else []
        relation = store.con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()
        store.con.execute(f"COPY ({sql}) TO '{str(path).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)", params)
        counts[name] = int(relation[0]) if relation else 0
    return counts
