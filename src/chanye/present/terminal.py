"""Typed tables in a terminal (rich), in Chinese or English: the words of present.labels, numbers with
thousands separators, blanks as —."""

from __future__ import annotations

import numbers
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from rich.cells import cell_len
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
    if digits == -1 and _number(value):  # a year
        return f"{float(value):.0f}"  # type: ignore[arg-type]
    if _number(value) and digits is not None:
        return f"{float(value):,.{digits}f}"  # type: ignore[arg-type]
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return escape(str(value))


# --- fitting 120 columns (issue 15) --------------------------------------------------------------------------

TEXT_WIDTH = 30  # cells a long text column (依据, 推荐理由) gets unless --wide: one line, cut with …
LONG_TEXT = 40  # a text column with a cell wider than this holds sentences (reasons), not names
_UNIT = re.compile(r"^(.+?)\s*([（(][^（）()]*[)）])$")


def header_lines(text: str) -> tuple[str, int]:
    """A header that never wraps inside a word: 'name（unit）' on two lines (name, unit) when long, and the
    width of its widest line or word (the column's minimum width). `_fit` uses it when one line is too wide."""
    found = _UNIT.match(text)
    lines = [found.group(1), found.group(2)] if found and cell_len(text) > 8 else [text]
    widest = max(cell_len(word) for line in lines for word in line.split() or [""])
    return "\n".join(lines), widest


def _number(v: object) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) and v == v


def _digits(values: Sequence[object], head: str = "") -> int | None:
    """One number format per column: 0 decimals when every number in it is whole, else 2; None for a text
    column, and -1 for a year column (whole, no thousands separator)."""
    filled = [v for v in values if v is not None and v is not pd.NA and v is not pd.NaT and v == v and v != "—"]
    if not filled or not all(_number(v) for v in filled):
        return None
    if all(float(v).is_integer() for v in filled):  # type: ignore[arg-type]
        yearly = ("年" in head or "year" in head.lower()) and all(1800 <= float(v) <= 2200 for v in filled)  # type: ignore[arg-type]
        return -1 if yearly else 0
    return 2


def _add_column(out: RichTable, head: str, *, number: bool, long_text: bool, wide: bool) -> None:
    """A column headed on one line; its minimum width keeps the two-line form (name, unit) unbroken."""
    widest = header_lines(head)[1]
    if long_text and not wide:
        out.add_column(escape(head), min_width=widest, max_width=max(TEXT_WIDTH, widest), no_wrap=True,
                       overflow="ellipsis")
    else:
        out.add_column(escape(head), min_width=widest, overflow="fold", justify="right" if number else "left")


WIDTH = 120  # the terminal every table is fitted to (the CLI's console width)


def _fit(out: RichTable, cells: list[list[str]], width: int = WIDTH) -> RichTable:
    """Cap the widest text columns until the table fits `width` cells: rich measures a CJK text without spaces
    as one unbreakable word, so without a cap a table of Chinese names is cropped instead of wrapped."""
    def widths() -> list[int]:
        out_ = []
        for i, column in enumerate(out.columns):
            lines = [*str(column.header).split("\n"), *(line for row in cells for line in row[i].split("\n"))]
            out_.append(min(max(map(cell_len, lines)), column.max_width or 10**6))
        return out_

    natural = widths()
    if sum(natural) + 3 * len(natural) + 1 > width:  # too wide: headers on two lines (name, unit) first
        for column in out.columns:
            column.header = header_lines(str(column.header))[0]
        natural = widths()
    floor = [max(column.min_width or 1, 4) for column in out.columns]
    text = [column.justify != "right" for column in out.columns]  # reasons (ellipsis) shrink too
    while sum(natural) + 3 * len(natural) + 1 > width:
        candidates = [i for i in range(len(natural)) if text[i] and natural[i] > floor[i]]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: natural[i])
        natural[widest] -= 1
        out.columns[widest].max_width = natural[widest]
    return out


def _long(texts: Sequence[str]) -> bool:
    return any(cell_len(t) > LONG_TEXT for t in texts)


def frame_table(frame: pd.DataFrame, title: str, *, limit: int | None = None, lang: str = "zh",
                wide: bool = True) -> RichTable:
    """A display frame as a rich table: one number format per column; long texts wrapped (quarantine reasons
    are what to fix), or cut to one line with `wide=False`."""
    out = RichTable(title=title)
    rows = frame.head(limit) if limit else frame
    digits = [_digits(list(rows[col]), str(col)) for col in rows.columns]
    cells = [[cell(v, lang, digits=d) for v, d in zip(row, digits, strict=True)]
             for row in rows.itertuples(index=False)]
    for i, col in enumerate(frame.columns):
        _add_column(out, str(col), number=digits[i] is not None, long_text=digits[i] is None
                    and _long([r[i] for r in cells]), wide=wide)
    for row in cells:
        out.add_row(*row)
    return _fit(out, cells)


def rich_table(table: Table, lang: str = "zh", *, title: str | None = None, keys: Sequence[str] | None = None,
               limit: int | None = None, wide: bool = False) -> RichTable:
    """A typed table with the columns `keys` (default: SHOWN for its name, else all) in `lang`: headers
    broken between name and unit, never inside a word; long texts (reasons) cut to one line unless `wide`."""
    keys = keys or SHOWN.get(table.name) or table.keys
    shown = [c for c in table.columns if c.key in keys]
    out = RichTable(title=title or labels.word(table.name, lang))
    rows = [[cell(present.display(c, row.get(c.key), lang), lang,
                  digits={"integer": 0, "year": -1}.get(c.type, 2) if c.is_number else None) for c in shown]
            for row in (table.rows[:limit] if limit else table.rows)]
    for i, c in enumerate(shown):
        _add_column(out, present.header(c, lang), number=c.is_number,
                    long_text=not c.is_number and _long([r[i] for r in rows]), wide=wide)
    for row in rows:
        out.add_row(*row)
    return _fit(out, rows)
