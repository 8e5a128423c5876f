"""A typed `Table` as the user reads it: a display frame (Chinese or English headers with units, coded values
as words, booleans as 是/否), the JSON payload of /api/v1 (machine keys plus a `columns` block of labels and
units), XLSX sheets with number formats, and terminal tables."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from chanye.present import labels
from chanye.services.results import Column, Table, plain

# Excel number formats by machine unit.
FORMATS = {"yi_yuan": "#,##0.00", "wan_yuan": "#,##0.00", "yuan": "#,##0", "percent": "0.00", "pp": "0.00",
           "ratio": "0.00", "score": "0.000", "firms": "#,##0", "persons": "#,##0", "count": "#,##0", "km": "0.0"}


def header(column: Column, lang: str = "zh") -> str:
    """'营业收入（亿元）' or 'Revenue (100m yuan)': the column's label and its unit."""
    name = title(column, lang)
    unit = labels.unit(column.unit, lang) if column.is_number else ""
    if not unit:
        return name
    return f"{name} ({unit})" if lang == "en" else f"{name}（{unit}）"


def title(column: Column, lang: str = "zh") -> str:
    """The column's words without the unit: the data's own name, else the label table's."""
    if column.names:
        return labels.pick(column.names, lang)
    return labels.column(column.label or column.key, lang)


def display(column: Column, value: Any, lang: str = "zh") -> Any:
    """A cell as the user reads it: coded values and booleans as words, lists joined, whole numbers whole."""
    value = plain(value)
    if column.type in ("integer", "year") and isinstance(value, float) and value.is_integer():
        return int(value)
    if column.type == "name" and isinstance(value, Mapping):
        return value.get(lang) or value.get("zh")
    if column.type == "boolean" or isinstance(value, bool):
        return labels.code("boolean", value, lang)
    if column.codes:
        if isinstance(value, (list, tuple)):
            return [labels.code(column.codes, v, lang) for v in value]
        return labels.code(column.codes, value, lang)
    if column.type == "provenance":
        return labels.code("provenance", value, lang)
    if column.type == "list" and isinstance(value, (list, tuple)):
        return "；".join(map(str, value)) if lang == "zh" else "; ".join(map(str, value))
    return value


# disclosure control (issue 17): rows whose `disclosure` status is one of these show "—" for their withheld numbers
WITHHELD = ("primary_threshold", "primary_dominance", "secondary")


def _withheld(table: Table, column: Column, row: Mapping[str, Any]) -> bool:
    return (bool(table.meta.get("disclosure_control")) and column.key != "enterprises"
            and column.type in ("number", "integer", "boolean") and row.get(column.key) is None
            and row.get("disclosure") in WITHHELD)


def frame(table: Table, lang: str = "zh") -> pd.DataFrame:
    """The display frame: one header per column in `lang`, values translated; a number withheld by disclosure
    control reads "—"."""
    heads = [header(c, lang) for c in table.columns]
    rows = [[labels.word("suppressed_cell", lang) if _withheld(table, c, row) else display(c, row.get(c.key), lang)
             for c in table.columns] for row in table.rows]
    return pd.DataFrame(rows, columns=heads)


def disclosure_note(table: Table, lang: str = "zh") -> str | None:
    """The note under a table where disclosure control withheld something (None elsewhere)."""
    return labels.word("disclosure_note", lang) if table.meta.get("suppressed") else None


def columns_block(table: Table, lang: str = "zh") -> list[dict[str, Any]]:
    """Each key's labels (zh and en), type and unit, as /api/v1 payloads carry them."""
    # The words depend on the columns and the language only (the label table does not change while running):
    # kept per columns tuple (services build theirs once, at import) and handed out as fresh dicts.
    key = (id(table.columns), lang)
    held = _BLOCKS.get(key)
    if held is None or held[0] is not table.columns:
        held = (table.columns, tuple(_column_info(c, lang) for c in table.columns))
        if len(_BLOCKS) >= _BLOCKS_MAX:
            _BLOCKS.clear()
        _BLOCKS[key] = held  # holding the tuple keeps its id from being reused by another
    return [dict(info) for info in held[1]]


_BLOCKS: dict[tuple[int, str], tuple[tuple[Column, ...], tuple[dict[str, Any], ...]]] = {}
_BLOCKS_MAX = 512  # tables built with columns of their own (a pack's metrics) must not grow it without bound


def _column_info(c: Column, lang: str) -> dict[str, Any]:
    return {"key": c.key, "label": title(c, lang), "label_zh": title(c, "zh"), "label_en": title(c, "en"),
            "type": c.type, "unit": c.unit, "unit_label": labels.unit(c.unit, lang) if c.is_number else None}


def payload(table: Table, lang: str = "zh", **extra: Any) -> dict[str, Any]:
    """The JSON of a table: machine keys, number cells {value, unit, provenance}, a `columns` block."""
    note = {"disclosure_note": disclosure_note(table, lang)} if table.meta.get("disclosure_control") else {}
    return {"name": table.name, "title": labels.word(table.name, lang), "provenance": table.provenance.key,
            "synthetic": table.provenance.kind == "synthetic", **{k: v for k, v in table.meta.items()}, **note,
            **extra, "columns": columns_block(table, lang), "rows": table.cells()}


def number_format(column: Column) -> str:
    """The XLSX display format of a number column: its unit's, else by type (issue 15: no raw float such as
    5802.300000000007 is shown, while the cell keeps full precision); years without a thousands separator."""
    if column.type == "year":
        return "0"
    if column.unit in FORMATS:
        return FORMATS[column.unit]
    return "#,##0" if column.type == "integer" else "#,##0.00"


def number_formats(table: Table, lang: str = "zh") -> dict[str, str]:
    return {header(c, lang): number_format(c) for c in table.columns if c.is_number}


def provenance_note(table: Table, lang: str = "zh") -> str:
    """The line written above a downloaded table (and the disclosure note where cells are withheld)."""
    note = labels.word(f"file_note_{table.provenance.kind}", lang)
    extra = disclosure_note(table, lang)
    return f"{note} {extra}" if extra else note


def write_xlsx(tables: Mapping[str, Table], path: str | Path, lang: str = "zh") -> Path:
    """One sheet per table (named by its label), units in headers, number formats, a provenance line."""
    from chanye.export import write_xlsx as write

    sheets = {labels.word(name, lang): frame(t, lang) for name, t in tables.items()}
    formats: dict[str, str] = {}
    for t in tables.values():
        formats.update(number_formats(t, lang))
    notes = {labels.word(name, lang): provenance_note(t, lang) for name, t in tables.items()}
    return write(sheets, path, number_formats=formats, notes=notes)
