"""Bulk writes of whole frames: the demo registry's rows, the published figures a pack cites, the demo's
import batch. SQL lives here so that `chanye.demo` (above the registry) never writes it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from chanye.registry.scans import query_with
from chanye.registry.store import Store

PUBLISHED_COLUMNS = ("id", "scope", "area", "node", "metric", "year", "value", "unit", "comparison", "growth", "source",
                     "note", "note_en")


def insert_frame(store: Store, table: str, frame: pd.DataFrame) -> None:
    """Append the frame's rows to `table` (its columns named as the table's)."""
    query_with(store.con, "bulk_stage", frame, f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT * FROM bulk_stage")


def replace_published(store: Store, figures: pd.DataFrame, sources: Iterable[Mapping[str, Any]]) -> int:
    """Replace the published figures with `figures` and upsert their `sources`; each note in Chinese (`note`)
    and English (`note_en`)."""
    con = store.con
    con.execute("DELETE FROM published")
    for s in sources:
        con.execute(
            "INSERT OR REPLACE INTO sources (id, title, publisher, date, url, note, note_en) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [s["id"], s["title"], s.get("publisher"), str(s.get("date", "")), s.get("url"), s.get("note", ""),
             s.get("note_en", "")],
        )
    frame = figures.reindex(columns=list(PUBLISHED_COLUMNS))
    insert_frame(store, "published", frame)
    return len(frame)


def record_demo_batch(store: Store, batch: int, rows: int, report: Mapping[str, Any]) -> None:
    """The import batch of a demo build: every row loaded, synthetic."""
    store.con.execute(
        "INSERT INTO import_batches VALUES (?, 'chanye demo', 'demo', now(), now(), 'done', ?, ?, 0, ?, 0, 0, TRUE, ?)",
        [batch, rows, rows, rows, json.dumps(dict(report), ensure_ascii=False)],
    )


# --- removing the demo (issue 15, starting from one's own data) ---------------------------------------------------

# The tables holding rows keyed by a firm's uscc, children first (enterprises last).
FIRM_TABLES = ("enterprise_years", "tags", "classifications", "chain_links", "review_queue", "manual_labels",
               "firm_transformation")  # firm_transformation: issue 13 §6


def remove_synthetic(store: Store) -> dict[str, int]:
    """Delete every synthetic (demo) firm and every row keyed by one, plus synthetic figures of any firm, in one
    transaction; the number of rows deleted per table (enterprises first). Imported firms and the published
    figures stay."""
    counts: dict[str, int] = {}
    with store.transaction() as con:
        demo = "SELECT uscc FROM enterprises WHERE synthetic"
        counts["enterprises"] = con.execute(f"SELECT count(*) FROM ({demo})").fetchone()[0]
        for table in FIRM_TABLES:
            extra = " OR synthetic" if table == "enterprise_years" else ""
            counts[table] = con.execute(f"SELECT count(*) FROM {table} WHERE uscc IN ({demo}){extra}").fetchone()[0]
            con.execute(f"DELETE FROM {table} WHERE uscc IN ({demo}){extra}")
        con.execute("DELETE FROM enterprises WHERE synthetic")
    return counts


def checkpoint(store: Store) -> None:
    """Fold the write-ahead log into the file (a finished database is one file)."""
    store.con.execute("CHECKPOINT")
