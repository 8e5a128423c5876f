"""Enterprises, imports and published figures as the user reads them: the /api/v1 payloads (machine keys,
`columns` blocks, number cells with unit and provenance), XLSX workbooks with units and provenance in Chinese
or English, and terminal tables. Words come from `chanye.present.labels`."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chanye.export import write_xlsx
from chanye.present import labels
from chanye.present import tables as present
from chanye.services.enterprises import EnterpriseDetail, SearchResult
from chanye.services.imports import QuarantinePage
from chanye.services.results import Table

# The columns a downloaded or printed table shows (JSON carries every column).
SHEET_KEYS: dict[str, tuple[str, ...]] = {
    "firms": ("uscc", "name", "district", "industry_code", "revenue", "industrial_output", "value_added",
              "employees", "registered_capital", "founded", "tags", "node_names", "provenance"),
    "firm_links": ("node_name", "node", "status", "method", "code", "evidence", "confidence"),
    "batches": ("batch_id", "file", "kind", "finished_at", "status", "rows_total", "rows_loaded", "rows_quarantined",
                "inserted", "updated", "unchanged", "synthetic"),
    "quarantine": ("sheet", "row_number", "uscc", "reason_text"),
    "published_figures": ("figure_id", "area_name", "node_name", "metric", "year", "comparison", "value", "unit",
                          "growth", "source_title", "source_url", "note"),
    "sources": ("source_id", "title", "publisher", "date", "url", "note"),
}
TERMINAL_KEYS: dict[str, tuple[str, ...]] = {
    "firms": ("uscc", "name", "district", "revenue", "employees", "tags"),
    "batches": ("batch_id", "file", "kind", "finished_at", "rows_total", "rows_loaded", "rows_quarantined",
                "inserted", "updated", "unchanged"),
    "quarantine": ("sheet", "row_number", "uscc", "reason_text"),
}


def select(table: Table, keys: Sequence[str] | None) -> Table:
    """The table with only the columns `keys` (in the table's order); all of them when None."""
    if keys is None:
        return table
    return Table(table.name, tuple(c for c in table.columns if c.key in keys), table.rows, table.provenance,
                 table.meta)


def sheet_of(table: Table) -> Table:
    return select(table, SHEET_KEYS.get(table.name))


# --------------------------------------------------------------------------------------------------------
# JSON payloads
# --------------------------------------------------------------------------------------------------------


def search_payload(result: SearchResult, lang: str = "zh") -> dict[str, Any]:
    """/api/v1/enterprises: one page of firms (machine keys, number cells), the query as run and the
    district facets (a table of its own)."""
    return present.payload(
        result.firms, lang, query=result.query.as_dict(), mode=result.mode, tokens=list(result.tokens),
        year=result.year, years=list(result.years), total=result.total, pages=result.pages,
        facets=present.payload(result.facets, lang))


def detail_payload(detail: EnterpriseDetail, lang: str = "zh") -> dict[str, Any]:
    """/api/v1/enterprises/{uscc}: the firm's attributes, figures over time and node links, each a table."""
    prov = detail.provenance
    return {"uscc": detail.uscc, "name": detail.name, "district_code": detail.district_code,
            "provenance": prov.key, "synthetic": prov.kind == "synthetic", "tags": list(detail.tags),
            "attributes": present.payload(detail.attributes, lang),
            "figures": present.payload(detail.figures, lang),
            "links": present.payload(detail.links, lang),
            # issue 15: the firm's chain links and roles
            "chains": present.payload(detail.chains, lang) if detail.chains is not None else None}


def quarantine_payload(page: QuarantinePage, lang: str = "zh") -> dict[str, Any]:
    """/api/v1/data/quarantine: one page of rejected rows with every reason, the batch's total and the
    reasons counted by field."""
    return present.payload(page.rows, lang, batch=page.batch, total=page.total, reasons=page.reasons,
                           limit=page.limit, offset=page.offset)


# --------------------------------------------------------------------------------------------------------
# Notes and XLSX
# --------------------------------------------------------------------------------------------------------


def note(table: Table, lang: str = "zh", extra: str = "") -> str:
    """The line above a downloaded table: its provenance, then `extra`."""
    if table.provenance.kind == "published":
        base = labels.word("published_xlsx_note" if table.name == "published_figures" else "sources_xlsx_note",
                           lang)
    else:
        base = present.provenance_note(table, lang)
    sep = "; " if lang == "en" else "；"
    return f"{base}{sep}{extra}" if extra else base


def firms_note(result: SearchResult, lang: str = "zh", *, limit: int | None = None) -> str:
    """'2024年指标；共 123 家' (and '只含前 N 家' when the download is cut)."""
    sep = "; " if lang == "en" else "；"
    text = labels.word("firms_xlsx_note", lang).format(year=result.year, total=result.total)
    if limit is not None and result.total > limit:
        text += sep + labels.word("firms_xlsx_first", lang).format(n=limit)
    return note(result.firms, lang, text)


def xlsx_bytes(tables: Sequence[tuple[Table, str]], lang: str = "zh") -> bytes:
    """A workbook: one sheet per (table, note), named by the table's label, with units in the headers,
    coded values in words and number formats by unit."""
    sheets, notes, formats = {}, {}, {}
    for table, line in tables:
        shown = sheet_of(table)
        name = labels.word(table.name, lang)[:31]
        sheets[name] = present.frame(shown, lang)
        notes[name] = line
        formats.update(present.number_formats(shown, lang))
    with tempfile.TemporaryDirectory(prefix="chanye-xlsx-") as tmp:
        path = write_xlsx(sheets, Path(tmp) / "table.xlsx", number_formats=formats, notes=notes)
        return path.read_bytes()


def terminal_table(table: Table, lang: str = "zh", *, title: str | None = None, limit: int | None = None):
    """A rich table of the columns a terminal shows (lists joined)."""
    from chanye.present.terminal import frame_table

    shown = select(table, TERMINAL_KEYS.get(table.name) or SHEET_KEYS.get(table.name))
    frame = present.frame(shown, lang)
    sep = "; " if lang == "en" else "；"
    frame = frame.map(lambda v: sep.join(map(str, v)) if isinstance(v, list) else v)
    return frame_table(frame, title or labels.word(table.name, lang), limit=limit, lang=lang)
