"""Growth opportunities as the user reads them: notes and reasons worded from the label table, the /api/v1
payloads, the terminal table and the XLSX sheet. Every word comes from `chanye.present.labels`; the city and
its districts are named by the pack (`framework.city`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from chanye.present import complexity as cx_words
from chanye.present import labels, tables
from chanye.services import opportunities as svc
from chanye.services.results import Column, Table
from chanye.standards.regions import City

# The columns a terminal shows (XLSX, CSV and JSON carry every column).
TERMINAL_COLUMNS = ("rank", "activity", "name", "nodes", "density", "pci", "cog", "rca", "firms", "score")


def place_name(city: City, code: str, lang: str = "zh") -> str:
    return svc.place_name(city, code, lang)


def note_text(note: svc.Note, city: City, lang: str = "zh") -> str:
    """A note (code, parameters) as a sentence; codes of places become their names. The complexity engine's
    notes (`chanye.analytics.complexity`) are the same kind of code and are worded by `present.complexity`."""
    code, params = note
    if cx_words.is_code(code):
        return cx_words.note_text(note, lang)
    params = dict(params)
    if "city" in params:
        params["city"] = place_name(city, params["city"], lang)
    if "locations" in params:
        names = labels.word("opp_list_sep", lang).join(place_name(city, c, lang) for c in params["locations"])
        params["names"] = names + (labels.word("opp_more", lang) if params.get("more") else "")
    return labels.word(f"opp_note_{code}", lang).format(**params)


def notes(items: Iterable[svc.Note], city: City, lang: str = "zh") -> list[dict[str, Any]]:
    """Notes as JSON: the machine code, its parameters and the sentence in `lang`."""
    return [{"code": code, "params": dict(params), "text": note_text((code, params), city, lang)}
            for code, params in items]


def reason(row: Mapping[str, Any], by: str, lang: str = "zh") -> str:
    """'发展 3562 半导体器件专用设备制造（半导体与集成电路）：关联密度 0.41，PCI 1.80，当前 RCA 0.20（本地 1 家）'."""
    nodes = (row.get("nodes") or {}).get(lang) or (row.get("nodes") or {}).get("zh") or ""
    return labels.word("opp_reason_text", lang).format(
        code=row["activity"], name=row["name"],
        nodes=labels.word("opp_reason_nodes", lang).format(nodes=nodes) if nodes else "",
        density=row["density"], by=by.upper(), value=row[by], rca=row["rca"], firms=int(row["firms"]))


def ranking_table(result: svc.Ranking, lang: str = "zh") -> Table:
    """The ranked candidates with a `reason` sentence per row in `lang`."""
    rows = tuple({**r, "reason": reason(r, result.by, lang)} for r in result.table.rows)
    return replace(result.table, columns=(*result.table.columns, Column("reason", "text", label="opp_reason")),
                   rows=rows)


def filter_text(code: str, removed: int, lang: str = "zh") -> str:
    """'资源依赖（采矿、农业及初级加工）：去掉 3 个' — one feasibility filter and what it took off."""
    return labels.word("feas_filter_count", lang).format(filter=labels.code("feas_filter", code, lang), n=removed)


def filters_payload(filters: Table | None, lang: str = "zh") -> list[dict[str, Any]]:
    """Each filter: its code, what it removed (a cell: count of classes) and its sentence."""
    if filters is None:
        return []
    return [{"code": r["filter"],
             "removed": {"value": int(r["removed"]), "unit": "count", "provenance": filters.provenance.key},
             "text": filter_text(r["filter"], r["removed"], lang)} for r in filters.rows]


def filters_note(filters: Table | None, feasible: bool, lang: str = "zh") -> str:
    """The visible note: every filter with its count, and whether they are on."""
    items = filters_payload(filters, lang)
    total = sum(i["removed"]["value"] for i in items)
    key = "feas_note_on" if feasible else "feas_note_off"
    return labels.word(key, lang).format(n=total, filters=labels.word("opp_list_sep", lang).join(
        i["text"] for i in items))


def reason_text(reason: str, lang: str = "zh") -> str:
    """'restricted:conditional' -> '《产业结构调整指导目录（2024年本）》限制类（有条件）'."""
    return labels.code("feas_reason", reason, lang)


def removed_table(result: svc.Ranking, lang: str = "zh") -> Table | None:
    """The candidates the filters took off, with their reasons worded."""
    if result.removed is None:
        return None
    sep = labels.word("opp_list_sep", lang)
    rows = tuple({**r, "reason": sep.join(reason_text(x, lang) for x in r["reasons"])} for r in result.removed.rows)
    return replace(result.removed, columns=(*result.removed.columns, Column("reason", "text", label="feas_reason")),
                   rows=rows)


def ranking_payload(result: svc.Ranking, city: City, lang: str = "zh", **extra: Any) -> dict[str, Any]:
    """The JSON of /api/v1/complexity/opportunities: the ranked rows (machine keys, number cells, a `columns`
    block), the place's ECI, COI, diversity and number of candidates as cells, the method, the notes, and the
    feasibility filters (each with its count, the visible note, the candidates taken off with reasons)."""
    summary = result.summary.cells()[0]
    removed = removed_table(result, lang)
    return tables.payload(
        ranking_table(result, lang), lang, place_name=place_name(city, result.place, lang), unit=result.unit,
        eci=summary["eci"], coi=summary["coi"], diversity=summary["diversity"], candidates=summary["candidates"],
        method=result.method.as_dict(), notes=notes(result.notes, city, lang), feasible=result.feasible,
        filters=filters_payload(result.filters, lang), filters_note=filters_note(result.filters, result.feasible, lang),
        removed=tables.payload(removed, lang) if removed is not None else None, **extra)


def places_payload(table: Table, space_notes: Iterable[svc.Note], city: City, lang: str = "zh") -> dict[str, Any]:
    return tables.payload(table, lang, notes=notes(space_notes, city, lang))


def space_payload(space: svc.IndustrySpace, city: City, lang: str = "zh") -> dict[str, Any]:
    """The industry space as JSON: `nodes` and `edges`, each a table payload."""
    return {"place": space.place, "place_name": place_name(city, space.place, lang), "measure": space.measure,
            "year": space.year, "provenance": space.provenance.key, "synthetic": space.provenance.kind == "synthetic",
            "nodes": tables.payload(space.nodes, lang), "edges": tables.payload(space.edges, lang)}


def title(result: svc.Ranking, city: City, lang: str = "zh") -> str:
    """E.g. '<city> 发展机会（2024，企业数，均衡组合）'."""
    return labels.word("opp_cli_title", lang).format(
        place=place_name(city, result.place, lang), year=result.year,
        measure=labels.code("metric", result.measure, lang), strategy=labels.code("strategy", result.strategy, lang))


def xlsx_note(result: svc.Ranking, city: City, lang: str = "zh") -> str:
    wd, wp, wc = result.method.weights
    source = labels.word("opp_source_synthetic" if result.synthetic else "opp_source_registry", lang)
    return labels.word("opp_xlsx_note", lang).format(
        source=source, place=place_name(city, result.place, lang), year=result.year,
        measure=labels.code("metric", result.measure, lang), unit=labels.unit(result.unit, lang),
        strategy=labels.code("strategy", result.strategy, lang), wd=wd, wp=wp, wc=wc) + " " + filters_note(
        result.filters, result.feasible, lang)


def sheet(result: svc.Ranking, city: City, lang: str = "zh") -> tuple[str, pd.DataFrame, str, dict[str, str]]:
    """(sheet name, display frame, the note above it, number formats) of the XLSX download."""
    table = ranking_table(result, lang)
    return (labels.word(table.name, lang), tables.frame(table, lang), xlsx_note(result, city, lang),
            tables.number_formats(table, lang))


def xlsx_filename(result: svc.Ranking, city: City, lang: str = "zh") -> str:
    return labels.word("opp_xlsx_file", lang).format(place=place_name(city, result.place, lang)) + ".xlsx"


def write_xlsx(result: svc.Ranking, city: City, path: str | Path, lang: str = "zh") -> Path:
    from chanye.export import write_xlsx as write

    name, frame, note, formats = sheet(result, city, lang)
    return write({name: frame}, path, number_formats=formats, notes={name: note})


def csv_frame(result: svc.Ranking, lang: str = "zh") -> pd.DataFrame:
    return tables.frame(ranking_table(result, lang), lang)
