"""招商/重点项目 (issue 12): the SQL behind `services.projects`.

`projects` holds one row per project (money in 万元 like the rest of the store, land in 亩); `nodes` and
`chain_nodes` are comma-joined ids (a chain node as `chain/node`, since node ids repeat across chains).
`project_stages` is the stage history: each change is a new row (date, who recorded it, a note, a reason for
终止), never updated or deleted, so any past state can be rebuilt (`analytics.projects.state_at`). Writers work
on the caller's connection: call them inside `store.transaction()`.
"""

from __future__ import annotations

import json

import pandas as pd

from chanye.registry.store import Store

__all__ = ["PROJECT_FIELDS", "add_stages", "delete_synthetic", "firm_figures", "has_synthetic", "investor_firms",
           "outside_producers", "quarantine_rows", "read_projects", "read_stages", "record_batch", "save_projects"]

# The columns a caller fills (id and pack first); created_at/updated_at are the store's.
PROJECT_FIELDS = (
    "id", "pack", "name", "kind", "investor_uscc", "investor_name", "investor_city", "nodes", "chain_nodes",
    "district_code", "park", "content", "total_investment", "fixed_investment", "land_mu", "annual_output",
    "annual_tax", "responsible_unit", "cluster", "source", "reason", "synthetic", "batch_id",
)
# What decides whether a re-imported row changed the project (batch and provenance do not).
_COMPARED = tuple(f for f in PROJECT_FIELDS if f not in ("id", "pack", "synthetic", "batch_id"))
STAGE_FIELDS = ("project_id", "stage", "happened_on", "recorded_by", "note", "reason", "batch_id")


def _register(store: Store, name: str, frame: pd.DataFrame):
    store.con.register(name, frame)
    return name


def _same(a: object, b: object) -> bool:
    if a is None or (isinstance(a, float) and pd.isna(a)):
        return b is None or (isinstance(b, float) and pd.isna(b))
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) < 1e-9  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
    return a == b


def save_projects(store: Store, rows: pd.DataFrame) -> tuple[int, int, int]:
    """Insert new projects and update changed ones (by id); (inserted, updated, unchanged)."""
    if not len(rows):
        return 0, 0, 0
    rows = rows.reindex(columns=list(PROJECT_FIELDS)).astype(object).where(rows.notna(), None)
    ids = [str(i) for i in rows["id"]]
    old = read_projects(store, None, ids=ids).set_index("id") if ids else pd.DataFrame()
    inserted = updated = unchanged = 0
    names = ", ".join(PROJECT_FIELDS)
    marks = ", ".join("?" for _ in PROJECT_FIELDS)
    sets = ", ".join(f"{f} = ?" for f in PROJECT_FIELDS[1:])
    for record in rows.to_dict("records"):
        values = [record[f] for f in PROJECT_FIELDS]
        if record["id"] not in old.index:
            store.con.execute(f"INSERT INTO projects ({names}) VALUES ({marks})", values)
            inserted += 1
            continue
        before = old.loc[record["id"]]
        if all(_same(record[f], before[f]) for f in _COMPARED):
            unchanged += 1
            continue
        store.con.execute(f"UPDATE projects SET {sets}, updated_at = current_timestamp WHERE id = ?",
                          [*values[1:], record["id"]])
        updated += 1
    return inserted, updated, unchanged


def add_stages(store: Store, rows: pd.DataFrame) -> int:
    """Append stage changes (project_id, stage, happened_on, recorded_by, note, reason, batch_id); never updates."""
    if not len(rows):
        return 0
    frame = rows.reindex(columns=list(STAGE_FIELDS)).astype(object)
    frame["happened_on"] = pd.to_datetime(frame["happened_on"]).dt.date
    frame = frame.where(frame.notna(), None)
    name = _register(store, "ps_stage", frame)
    try:
        store.con.execute(f"INSERT INTO project_stages ({', '.join(STAGE_FIELDS)}) "
                          f"SELECT {', '.join(STAGE_FIELDS)} FROM {name} ORDER BY happened_on")
    finally:
        store.con.unregister(name)
    return len(frame)


def read_projects(store: Store, pack: str | None, *, ids: list[str] | None = None) -> pd.DataFrame:
    """Projects of `pack` (every pack when None), or those of `ids`, by id."""
    where, params = [], []
    if pack is not None:
        where.append("pack = ?")
        params.append(pack)
    if ids is not None:
        where.append("list_contains(?, id)")
        params.append(list(ids))
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    return store.con.execute(
        f"SELECT {', '.join(PROJECT_FIELDS)}, created_at, updated_at FROM projects {clause} ORDER BY id",
        params).df()


def read_stages(store: Store, pack: str, project_id: str | None = None) -> pd.DataFrame:
    """The stage history of the pack's projects (or one), in the order it was recorded: id, project_id, stage,
    happened_on (a date), recorded_by, note, reason, recorded_at."""
    where, params = "WHERE p.pack = ?", [pack]
    if project_id is not None:
        where, params = where + " AND s.project_id = ?", [pack, project_id]
    frame = store.con.execute(
        "SELECT s.id, s.project_id, s.stage, s.happened_on, s.recorded_by, s.note, s.reason, s.recorded_at "
        f"FROM project_stages s JOIN projects p ON p.id = s.project_id {where} "
        "ORDER BY s.project_id, s.happened_on, s.id", params).df()
    frame["happened_on"] = pd.to_datetime(frame["happened_on"])
    return frame


def has_synthetic(store: Store, pack: str) -> bool:
    return bool(store.scalar("SELECT count(*) > 0 FROM projects WHERE pack = ? AND synthetic", [pack]))


def delete_synthetic(store: Store, pack: str | None = None) -> int:
    """Delete the demo projects (of one pack, or all) and their stage history; how many projects."""
    where, params = ("WHERE synthetic AND pack = ?", [pack]) if pack else ("WHERE synthetic", [])
    n = int(store.scalar(f"SELECT count(*) FROM projects {where}", params))
    store.con.execute(f"DELETE FROM project_stages WHERE project_id IN (SELECT id FROM projects {where})", params)
    store.con.execute(f"DELETE FROM projects {where}", params)
    return n


# --- import batches ---------------------------------------------------------------------------------------------


def record_batch(store: Store, batch: int, file: str, *, rows_total: int, loaded: int, quarantined: int,
                 inserted: int, updated: int, unchanged: int, synthetic: bool, report: dict) -> None:
    store.con.execute(
        "INSERT INTO import_batches VALUES (?, ?, 'projects', now(), now(), 'done', ?, ?, ?, ?, ?, ?, ?, ?)",
        [batch, file, rows_total, loaded, quarantined, inserted, updated, unchanged, synthetic,
         json.dumps(report, ensure_ascii=False, default=str)])


def quarantine_rows(store: Store, batch: int, sheet: str, rows: list[dict]) -> int:
    """Rejected rows: each {row_number, raw (dict), reasons (list of {field, reason})}."""
    for r in rows:
        store.con.execute("INSERT INTO quarantine VALUES (?, ?, ?, NULL, ?, ?)",
                          [batch, sheet, int(r["row_number"]), json.dumps(r["raw"], ensure_ascii=False, default=str),
                           json.dumps(r["reasons"], ensure_ascii=False)])
    return len(rows)


# --- firms behind projects --------------------------------------------------------------------------------------


def investor_firms(store: Store, usccs: list[str], names: list[str]) -> pd.DataFrame:
    """Registry firms whose USCC or exact name is one of those given: uscc, name, city_code, district_code, founded."""
    return store.con.execute(
        "SELECT uscc, name, city_code, district_code, founded FROM enterprises "
        "WHERE list_contains(?, uscc) OR list_contains(?, name) ORDER BY uscc",
        [list(usccs), list(names)]).df()


def firm_figures(store: Store, usccs: list[str]) -> pd.DataFrame:
    """Yearly figures of those firms: uscc, year, revenue, industrial_output, tax (万元)."""
    return store.con.execute(
        "SELECT uscc, year, revenue, industrial_output, tax FROM enterprise_years WHERE list_contains(?, uscc) "
        "ORDER BY uscc, year", [list(usccs)]).df()


def outside_producers(store: Store, pack: str, city: str) -> pd.DataFrame:
    """Firms registered outside `city` that produce on one of the pack's chains (the pool the 招商清单 draws
    from): uscc, name, city_code, chain, chain_node, node (the chain's cluster is the caller's business)."""
    return store.con.execute(
        "SELECT DISTINCT e.uscc, e.name, e.city_code, l.chain, l.chain_node FROM chain_links l "
        "JOIN enterprises e USING (uscc) WHERE l.pack = ? AND l.role = 'producer' AND e.city_code IS NOT NULL "
        "AND e.city_code <> ? ORDER BY e.uscc, l.chain, l.chain_node", [pack, city]).df()


def local_firms(store: Store, pack: str, city: str) -> pd.DataFrame:
    """Firms of `city` with a node in the pack: uscc, name, district_code, node (one row per firm and node)."""
    return store.con.execute(
        "SELECT e.uscc, e.name, e.district_code, c.node FROM enterprises e JOIN classifications c USING (uscc) "
        "WHERE c.pack = ? AND e.city_code = ? AND e.district_code IS NOT NULL ORDER BY e.uscc, c.node",
        [pack, city]).df()
