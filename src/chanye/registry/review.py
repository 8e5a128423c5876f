"""The classification review queue and analysts' labels (issue 11): the SQL behind `classify.enterprises` and
`services.review`.

`review_queue` holds, per (firm, pack), the firms the classifier abstained on (probability below the threshold)
with their top suggestions (JSON: code, name, probability, evidence). `manual_labels` holds an analyst's
decision per firm: the 小类 confirmed or corrected, who decided and when. A label overrides the classifier and
is training data for the next run. Writers work on the caller's connection: call them inside
`store.transaction()`.
"""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa

from chanye.registry.store import Store

__all__ = ["LABEL_ACTIONS", "clear_queue", "clear_queue_staged", "firm_exists", "known_firms", "label_codes", "label_count",
           "labelled_rows", "link_count", "queue", "queue_count", "queue_staged", "queued_codes", "read_labels",
           "read_queue", "record_decisions", "save_label", "save_labels"]

LABEL_ACTIONS = ("confirm", "correct")


def _keys(store: Store, name: str, usccs) -> None:
    store.con.register(name, pd.DataFrame({"uscc": pd.Series(list(usccs), dtype=object).astype(str)}))


def clear_queue(store: Store, pack: str, usccs=None) -> None:
    """Drop the pack's queued firms (all, or those of `usccs`)."""
    if usccs is None:
        store.con.execute("DELETE FROM review_queue WHERE pack = ?", [pack])
        return
    _keys(store, "rq_keys", usccs)
    try:
        store.con.execute("DELETE FROM review_queue WHERE pack = ? AND uscc IN (SELECT uscc FROM rq_keys)", [pack])
    finally:
        store.con.unregister("rq_keys")


def queue(store: Store, pack: str, rows: pd.DataFrame) -> int:
    """Queue firms for review: rows of uscc, probability, suggestions (a list of dicts). Replaces their rows."""
    if not len(rows):
        return 0
    clear_queue(store, pack, rows["uscc"])
    stage = pd.DataFrame({
        "uscc": rows["uscc"].astype(str).to_numpy(),
        "pack": pack,
        "probability": rows["probability"].astype(float).to_numpy(),
        "suggestions": [json.dumps(s, ensure_ascii=False) for s in rows["suggestions"]],
    })
    store.con.register("rq_stage", stage)
    try:
        store.con.execute("INSERT INTO review_queue (uscc, pack, probability, suggestions) "
                          "SELECT uscc, pack, probability, suggestions::JSON FROM rq_stage")
    finally:
        store.con.unregister("rq_stage")
    return len(stage)


QUEUE_ORDERS = {"probability": "q.probability, q.uscc",
                "revenue": "y.revenue DESC NULLS LAST, q.probability, q.uscc"}


def read_queue(store: Store, pack: str, uscc: str | None = None, *, limit: int | None = None,
               offset: int = 0, order: str = "probability") -> pd.DataFrame:
    """The pack's queue (or one firm of it): uscc, name, business_scope, revenue and revenue_year (the firm's
    latest reported 营业收入, 万元), probability, suggestions (list of dicts), queued_at; lowest probability first,
    or (`order` 'revenue') the largest firms first; `limit`/`offset`: one page of it."""
    where, params = "WHERE q.pack = ?", [pack]
    if uscc is not None:
        where, params = where + " AND q.uscc = ?", [pack, uscc]
    page = ""
    if limit is not None:
        page, params = " LIMIT ? OFFSET ?", [*params, limit, offset]
    frame = store.con.execute(f"""
        SELECT q.uscc, e.name, e.business_scope, y.revenue, y.revenue_year, q.probability,
               q.suggestions::VARCHAR AS suggestions, q.queued_at
        FROM review_queue q LEFT JOIN enterprises e USING (uscc)
        LEFT JOIN (SELECT uscc, arg_max(revenue, year) AS revenue, max(year) AS revenue_year FROM enterprise_years
                   WHERE revenue IS NOT NULL AND uscc IN (SELECT uscc FROM review_queue WHERE pack = ?)
                   GROUP BY uscc) y USING (uscc)  -- the queued firms' years only, not the whole registry's
        {where} ORDER BY {QUEUE_ORDERS[order]}{page}""", [pack, *params]).df()
    frame["suggestions"] = [json.loads(s) if isinstance(s, str) else [] for s in frame["suggestions"]]
    return frame


def queue_count(store: Store, pack: str) -> int:
    """How many firms of the pack wait for review."""
    return int(store.scalar("SELECT count(*) FROM review_queue WHERE pack = ?", [pack]))


def save_label(store: Store, uscc: str, code: str, action: str, decided_by: str, note: str = "") -> None:
    """Record an analyst's decision (replacing an earlier one for the firm)."""
    store.con.execute("DELETE FROM manual_labels WHERE uscc = ?", [uscc])
    store.con.execute("INSERT INTO manual_labels (uscc, code, action, decided_by, note) VALUES (?, ?, ?, ?, ?)",
                      [uscc, code, action, decided_by, note])


def save_labels(store: Store, rows: pd.DataFrame) -> None:
    """Record many decisions at once (rows: uscc, code, action, decided_by, note), each replacing the firm's
    earlier one."""
    store.con.register("labels_in", rows[["uscc", "code", "action", "decided_by", "note"]])
    try:
        store.con.execute("DELETE FROM manual_labels WHERE uscc IN (SELECT uscc FROM labels_in)")
        store.con.execute("INSERT INTO manual_labels (uscc, code, action, decided_by, note) "
                          "SELECT uscc, code, action, decided_by, note FROM labels_in")
    finally:
        store.con.unregister("labels_in")


def known_firms(store: Store, usccs: list[str]) -> set[str]:
    """Those of `usccs` the registry holds."""
    return set(store.con.execute("SELECT uscc FROM enterprises WHERE list_contains(?, uscc)",
                                 [list(usccs)]).fetchnumpy()["uscc"].tolist())


def label_codes(store: Store, usccs: list[str]) -> dict[str, str]:
    """The labelled 小类 of those of `usccs` an analyst has decided."""
    return dict(store.con.execute("SELECT uscc, code FROM manual_labels WHERE list_contains(?, uscc)",
                                  [list(usccs)]).fetchall())


def queued_codes(store: Store, pack: str, usccs: list[str]) -> dict[str, set[str]]:
    """The suggested 小类 of those of `usccs` the pack's queue holds."""
    rows = store.con.execute("SELECT uscc, suggestions::VARCHAR FROM review_queue WHERE pack = ? AND list_contains(?, uscc)",
                             [pack, list(usccs)]).fetchall()
    return {uscc: {s["code"] for s in json.loads(text or "[]")} for uscc, text in rows}


def record_decisions(store: Store, batch: int, file: str, counts: dict, rejected: list[dict], report: dict) -> None:
    """A file of decisions as an import batch (kind 'review'): its counts, and its rejected rows in the quarantine
    (each {sheet, row, uscc, raw, reasons: [{field, reason}]})."""
    for r in rejected:
        store.con.execute("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?)",
                          [batch, r["sheet"], r["row"], r["uscc"], json.dumps(r["raw"], ensure_ascii=False),
                           json.dumps(r["reasons"], ensure_ascii=False)])
    store.con.execute(
        "INSERT INTO import_batches VALUES (?, ?, 'review', now(), now(), 'done', ?, ?, ?, ?, ?, ?, FALSE, ?)",
        [batch, file, counts["rows_total"], counts["loaded"], counts["quarantined"], counts["inserted"],
         counts["updated"], counts["unchanged"], json.dumps(report, ensure_ascii=False, default=str)])


def read_labels(store: Store, *, latest: int | None = None) -> pd.DataFrame:
    """Every label (uscc, code, action, decided_by, decided_at, note) by firm, or the `latest` ones, newest first."""
    order, params = ("decided_at DESC, uscc LIMIT ?", [latest]) if latest is not None else ("uscc", [])
    return store.con.execute(
        f"SELECT uscc, code, action, decided_by, decided_at, note FROM manual_labels ORDER BY {order}", params).df()


def label_count(store: Store) -> int:
    return int(store.scalar("SELECT count(*) FROM manual_labels"))


def labelled_rows(store: Store) -> pd.DataFrame:
    """Training rows the bureau already has: business_scope and code of firms with a declared code, and of
    firms an analyst labelled (the label wins)."""
    return store.con.execute("""
        SELECT e.business_scope, coalesce(l.code, e.industry_code) AS code
        FROM enterprises e LEFT JOIN manual_labels l USING (uscc)
        WHERE e.business_scope IS NOT NULL AND trim(e.business_scope) <> ''
          AND coalesce(l.code, e.industry_code) IS NOT NULL
        ORDER BY e.uscc  -- a fixed order: the model samples these rows, so its accuracy repeats run to run
    """).df()


def last_reader_check(store: Store) -> tuple[int, dict] | None:
    """(batch id, its report's reader_check) of the latest import that checked the scope reader on the registry's
    coded firms (`ImportReport.reader_check`); None when none did."""
    row = store.con.execute("""
        SELECT id, json_extract_string(report, '$.reader_check') FROM import_batches
        WHERE json_type(json_extract(report, '$.reader_check')) = 'OBJECT' ORDER BY id DESC LIMIT 1
    """).fetchone()
    return None if row is None else (int(row[0]), json.loads(row[1]))


def firm_exists(store: Store, uscc: str) -> bool:
    return bool(store.scalar("SELECT count(*) FROM enterprises WHERE uscc = ?", [uscc]))


def link_count(store: Store, usccs: list[str], pack: str) -> int:
    """How many node links the firms have in the pack."""
    return int(store.scalar("SELECT count(*) FROM classifications WHERE list_contains(?, uscc) AND pack = ?",
                            [list(usccs), pack]))


def queue_staged(store: Store, pack: str, readings: pa.Table) -> int:
    """Queue the staged firms (`registry.classifications.FIRMS`) without code or label whose scope the reader
    abstained on (`readings`: scope, probability, suggestions as JSON text), in table order."""
    from chanye.registry.classifications import FIRMS

    if not readings.num_rows:
        return 0
    store.con.register("rq_read", readings)
    try:
        return int(store.con.execute(f"""
            INSERT INTO review_queue (uscc, pack, probability, suggestions)
            SELECT f.uscc, ?, r.probability, r.suggestions::JSON FROM {FIRMS} f JOIN rq_read r ON r.scope = f.scope
            WHERE f.code IS NULL AND NOT f.labelled ORDER BY f.pos""", [pack]).fetchall()[0][0])
    finally:
        store.con.unregister("rq_read")


def clear_queue_staged(store: Store, pack: str) -> None:
    """Drop the pack's queued firms among the staged ones (`registry.classifications.TOUCHED`)."""
    from chanye.registry.classifications import TOUCHED

    store.con.execute(f"DELETE FROM review_queue WHERE pack = ? AND uscc IN (SELECT uscc FROM {TOUCHED})", [pack])
