"""Tables at the web edge: frames -> JSON-safe records, and the `?format=xlsx` download every table offers."""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd
from fastapi.responses import Response

from chanye.export import write_xlsx

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_ROWS = 20_000  # a download is for an analyst's sheet, not a dump of the registry

SYNTHETIC = "synthetic"
REGISTRY = "registry"


def clean(value):
    """A value JSON can carry: NaN/NA -> None, numpy scalars -> Python, dates -> ISO text (recursively)."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return [clean(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return clean(value.item())
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return None if pd.isna(value) else value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.DataFrame):
        return records(value)
    return str(value)


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows of a frame as JSON-safe dicts."""
    return [clean(r) for r in frame.to_dict("records")]


def xlsx_response(sheets: dict[str, pd.DataFrame], filename: str, *, notes: dict[str, str] | None = None,
                  number_formats: dict[str, str] | None = None) -> Response:
    """An XLSX attachment built by `chanye.export.write_xlsx` (header styled, widths fitted, a note line with
    units and provenance above each table)."""
    with tempfile.TemporaryDirectory(prefix="chanye-xlsx-") as tmp:
        path = write_xlsx({k: v.head(XLSX_MAX_ROWS) for k, v in sheets.items()}, Path(tmp) / "table.xlsx",
                          notes=notes, number_formats=number_formats)
        body = path.read_bytes()
    return attachment(body, filename, XLSX_TYPE)


def attachment(body: bytes, filename: str, media_type: str) -> Response:
    """A download named `filename` (UTF-8 for browsers that read it, ASCII for the others)."""
    ascii_name = filename.encode("ascii", "ignore").decode() or "table.xlsx"
    return Response(
        body, media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"},
    )


def provenance_note(synthetic: bool, extra: str = "") -> str:
    """The line written above a downloaded table."""
    base = ("来源：示例数据（合成，非真实企业或官方统计） Source: synthetic demo data" if synthetic
            else "来源：企业登记库（用户导入） Source: the registry (imported by users)")
    return f"{base}。{extra}" if extra else base
