"""Write tables for analysts: XLSX (frozen header, column widths, number formats), CSV (UTF-8 with BOM, so
Excel opens Chinese text correctly) and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from chanye.errors import InputError

FORMATS = ("table", "json", "csv", "xlsx")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _display_width(value: object) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)  # CJK glyphs are two columns wide


def _sheet_title(name: str) -> str:
    """A legal sheet title: Excel forbids []:*?/\\ and more than 31 characters ("GB/T 4754 concordance"; issue 10)."""
    return "".join("-" if ch in "[]:*?/\\" else ch for ch in name)[:31]


def write_xlsx(sheets: dict[str, pd.DataFrame], path: str | Path, *, number_formats: dict[str, str] | None = None,
               notes: dict[str, str] | None = None) -> Path:
    """One sheet per frame. `number_formats` maps column name -> Excel format (e.g. '#,##0.00');
    `notes` maps sheet name -> a line written above the header (units, provenance)."""
    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(title=_sheet_title(name))
        offset = 0
        if notes and notes.get(name):
            ws.append([notes[name]])
            ws.cell(row=1, column=1).font = Font(italic=True, color="7F7F7F")
            offset = 1
        ws.append([str(c) for c in frame.columns])
        for cell in ws[offset + 1]:
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(vertical="center", wrap_text=False)
        for row in frame.itertuples(index=False):
            values = [_cell(v) for v in row]
            ws.append(values)
            for j, value in enumerate(values, start=1):
                if isinstance(value, str) and value.startswith("="):
                    _as_text(ws.cell(row=ws.max_row, column=j))
        ws.freeze_panes = ws.cell(row=offset + 2, column=1)
        for j, column in enumerate(frame.columns, start=1):
            letter = get_column_letter(j)
            sample = [column, *frame[column].head(200).tolist()]
            ws.column_dimensions[letter].width = min(60, max(6, *(_display_width(v) for v in sample)) + 2)
            fmt = (number_formats or {}).get(str(column))
            if fmt:
                for (cell,) in ws.iter_rows(min_row=offset + 2, min_col=j, max_col=j):
                    cell.number_format = fmt
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _as_text(cell) -> None:
    """Keep imported text such as '=HYPERLINK(...)' or '=cmd|...' a string: openpyxl would write it as a
    formula that Excel runs on opening (formula injection). Quote-prefixed text shows as typed."""
    cell.data_type = "s"
    cell.quotePrefix = True


def _cell(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, (list, tuple, set)):
        return "；".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(frame: pd.DataFrame) -> str:
    """CSV text in which no text cell can start a formula when Excel opens the file: text beginning with
    = + - @ (or a tab or carriage return) gets a leading apostrophe, as OWASP advises. Numbers are untouched."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v
            )
    return safe.to_csv(index=False)


def write_frame(frame: pd.DataFrame, path: str | Path, fmt: str | None = None, *, sheet: str = "Sheet1") -> Path:
    """Write one table to CSV, XLSX, JSON or Parquet, by `fmt` or the file's suffix."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        path.write_text(csv_text(frame), encoding="utf-8-sig")
    elif fmt == "xlsx":
        write_xlsx({sheet: frame}, path)
    elif fmt == "json":
        path.write_text(frame.to_json(orient="records", force_ascii=False, indent=2), encoding="utf-8")
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        raise InputError(f"不支持的输出格式 {fmt!r} (unsupported output format)", hint="可用 csv, xlsx, json, parquet")
    return path
