"""Typed tables in a terminal (rich), in Chinese or English: the words of present.labels, numbers with
thousands separators, blanks as —."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from rich.markup import escape
from rich.table import Table as RichTable

from chanye.present import labels
from chanye.present import tables as present
from chanye.services.results import Table

# The columns a terminal shows by default (files carry every column).
SHOWN: dict[str, tuple[str, ...]] = {
    "nodes": ("node", "industrial_output", "revenue", "enterprises", "enterprises_above_scale",
              "enterprises_high_tech", "enterprises_srdi", "yoy", "share_of_city", "thousand_billion"),
    "districts": ("district", "scale", "enterprises", "share_of_node", "lq", "yoy"),
    "milestones": ("node", "scale_metric", "latest_year", "scale", "thousand_billion", "crossed_1000",
                   "ten_thousand_billion"),
    "targets": ("target_id", "node", "target_year", "target", "latest", "required_cagr", "achieved_cagr",
                "projected_year", "target_status"),
    "reconcile": ("figure_id", "year", "published", "comparison", "unit", "registry", "gap_pct",
                  "reconcile_status"),
}


def cell(value: object, lang: str = "zh", *, digits: int | None = None) -> str:
    """A value as terminal text; `digits` fixes the decimals of a number column (whole numbers otherwise
    lose theirs)."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, bool):
        return str(labels.code("boolean", value, lang))
    if isinstance(value, (int, float)) and digits is not None:
        return f"{value:,.{digits}f}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return escape(str(value))


def frame_table(frame: pd.DataFrame, title: str, *, limit: int | None = None, lang: str = "zh") -> RichTable:
    """A display frame as a rich table."""
    out = RichTable(title=title)
    for col in frame.columns:
        out.add_column(escape(str(col)), overflow="fold")
    rows = frame.head(limit) if limit else frame
    for row in rows.itertuples(index=False):
        out.add_row(*(cell(v, lang) for v in row))
    return out


def rich_table(table: Table, lang: str = "zh", *, title: str | None = None, keys: Sequence[str] | None = None,
               limit: int | None = None) -> RichTable:
    """A typed table with the columns `keys` (default: SHOWN for its name, else all) in `lang`."""
    keys = keys or SHOWN.get(table.name) or table.keys
    shown = [c for c in table.columns if c.key in keys]
    out = RichTable(title=title or labels.word(table.name, lang))
    for c in shown:
        out.add_column(escape(present.header(c, lang)), overflow="fold", justify="right" if c.is_number else "left")
    for row in table.rows[:limit] if limit else table.rows:
        out.add_row(*(cell(present.display(c, row.get(c.key), lang), lang,
                           digits=(0 if c.type == "integer" else 2) if c.is_number else None) for c in shown))
    return out
