"""The quarantine (隔离区): rejected rows with every reason, listed and exported for fixing by hand."""

from __future__ import annotations

import json

import pandas as pd

from chanye.errors import NotFound
from chanye.registry.fields import FIELDS
from chanye.registry.store import Store


def batches(store: Store, *, limit: int | None = None, offset: int = 0) -> pd.DataFrame:
    """The import history, newest first; `limit`/`offset` page in the store (issue 17: list reads in SQL)."""
    page = " LIMIT ? OFFSET ?" if limit is not None else ""
    return store.query(
        "SELECT id, file, kind, finished_at, status, rows_total, rows_loaded, rows_quarantined, "
        "inserted, updated, unchanged, synthetic FROM import_batches ORDER BY id DESC" + page,
        [int(limit), int(offset)] if limit is not None else None,
    )


def batch_count(store: Store) -> int:
    """How many imports the history holds."""
    return int(store.scalar("SELECT count(*) FROM import_batches"))


def latest_batch(store: Store) -> int | None:
    return store.scalar("SELECT max(id) FROM import_batches")


def _batch(store: Store, batch: int | None) -> int:
    batch = latest_batch(store) if batch is None else batch
    if batch is None or not store.scalar("SELECT count(*) FROM import_batches WHERE id = ?", [batch]):
        raise NotFound(f"没有导入批次 {batch} (no such import batch)", hint="用 chanye quarantine --batches 查看批次")
    return batch


def rejected_count(store: Store, batch: int | None = None) -> int:
    """How many rows of a batch (default the latest) are in quarantine."""
    return store.scalar("SELECT count(*) FROM quarantine WHERE batch_id = ?", [_batch(store, batch)])


def reason_counts(store: Store, batch: int | None = None) -> dict[str, int]:
    """field -> how many reasons name it, over every rejected row of the batch (counted in the store)."""
    frame = store.query(
        "SELECT field, count(*) AS n FROM (SELECT unnest(json_extract_string(reasons, '$[*].field')) AS field "
        "FROM quarantine WHERE batch_id = ?) GROUP BY field ORDER BY n DESC, field",
        [_batch(store, batch)],
    )
    return {str(f): int(n) for f, n in zip(frame["field"], frame["n"], strict=True)}


def rejected_rows(store: Store, batch: int | None = None, *, limit: int | None = None, offset: int = 0) -> pd.DataFrame:
    """One row per rejected input row: batch, sheet, row number, USCC, reasons (joined) and the raw values.
    `limit`/`offset` page in the store, so a batch of a million bad rows is never read whole for one page."""
    batch = _batch(store, batch)
    page = " LIMIT ? OFFSET ?" if limit is not None else ""
    frame = store.query(
        "SELECT batch_id, sheet, row_number, uscc, raw, reasons FROM quarantine WHERE batch_id = ? "
        "ORDER BY sheet, row_number" + page,
        [batch, int(limit), int(offset)] if limit is not None else [batch],
    )
    frame["reasons"] = [json.loads(r) for r in frame["reasons"]]
    frame["raw"] = [json.loads(r) for r in frame["raw"]]
    frame["reason_text"] = [
        "；".join(f"{FIELDS[i['field']].zh if i['field'] in FIELDS else i['field']}: {i['reason']}" for i in items)
        for items in frame["reasons"]
    ]
    return frame


def for_reimport(store: Store, batch: int | None = None) -> dict[str, pd.DataFrame]:
    """Rejected rows under their original headers, one frame per sheet, plus a 问题 column (ignored when the
    fixed file is imported again) and the original row number."""
    frame = rejected_rows(store, batch)
    sheets: dict[str, pd.DataFrame] = {}
    for sheet, part in frame.groupby("sheet", sort=False):
        raw = pd.DataFrame(list(part["raw"]))
        raw.insert(0, "原行号", part["row_number"].to_numpy())
        raw["问题"] = part["reason_text"].to_numpy()
        sheets[sheet or "隔离区"] = raw
    return sheets or {"隔离区": pd.DataFrame(columns=["原行号", "问题"])}
