"""数智化、绿色化 transformation (issue 13 §6): the import of firms' indicators, its template, and the
indicators per district and per node (analytics.transformation) as typed tables.

Provenance: imported rows are registry data; the demo's sample is 示例数据 (flagged synthetic row by row).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from chanye.analytics import transformation as tf
from chanye.registry import transformation as reg
from chanye.registry.store import Store
from chanye.services.access import LOCAL, Viewer, require_import
from chanye.services.results import Column, Provenance, Table, table

INDICATOR_COLUMNS = (
    Column("year", "year"), Column("firms", "integer", "firms"),
    Column("smart_designated_share", "number", "percent"), Column("green_factory_share", "number", "percent"),
    Column("iip_share", "number", "percent"), Column("smart_level3_share", "number", "percent"),
    Column("integration_level3_share", "number", "percent"),
    Column("energy_tce", "number", "tce"), Column("carbon_tco2", "number", "t_co2"),
    Column("energy_intensity", "number", "kgce_per_wan_yuan"),
    Column("carbon_intensity", "number", "kg_co2_per_wan_yuan"),
    Column("energy_intensity_change", "number", "percent"),
)
AREA_COLUMNS = (Column("area_code", "code"), Column("area_name", "name"), *INDICATOR_COLUMNS)
NODE_COLUMNS = (Column("node_id", "code"), Column("node", "name"), *INDICATOR_COLUMNS)
VALUES = [c.key for c in INDICATOR_COLUMNS]


def _empty(name: str, columns: tuple[Column, ...]) -> Table:
    return table(name, columns, [], Provenance("registry"), notes=[("transformation_no_data", {})])


def indicator_tables(store: Store, framework: Any, *, district: str | None = None) -> dict[str, Table]:
    """{'transformation_areas': the city and each district by year, 'transformation_nodes': each industry node
    of the pack by year}; empty tables (with a note) when no firm has indicators."""
    city = framework.city
    if not reg.has_table(store):
        return {"transformation_areas": _empty("transformation_areas", AREA_COLUMNS),
                "transformation_nodes": _empty("transformation_nodes", NODE_COLUMNS)}
    firms, nodes = reg.panel(store, city=city.code, pack=framework.id)
    if firms.empty:
        return {"transformation_areas": _empty("transformation_areas", AREA_COLUMNS),
                "transformation_nodes": _empty("transformation_nodes", NODE_COLUMNS)}
    provenance = Provenance.of_data(bool(firms["synthetic"].fillna(False).any()))
    areas = pd.concat([firms.assign(group=city.code), firms.dropna(subset=["district"]).assign(
        group=firms["district"])], ignore_index=True)
    by_area = tf.indicators(areas)
    order = {city.code: 0, **{d.code: k + 1 for k, d in enumerate(city.districts)}}
    by_area = by_area.assign(_o=by_area["group"].map(order).fillna(len(order))).sort_values(["_o", "year"])
    if district is not None:
        from chanye.services.scoreboard import resolve_area  # the one district resolver (names, adcodes)

        code = resolve_area(framework, district)
        by_area = by_area[by_area["group"] == (code or city.code)]
    area_rows = []
    for r in by_area.to_dict("records"):
        code = None if r["group"] == city.code else r["group"]
        area_rows.append({"area_code": r["group"], "area_name": {"zh": city.area_label(code, "zh"),
                                                                 "en": city.area_label(code, "en")},
                          **{k: r[k] for k in VALUES}})
    industry = [n for n in framework.industry_nodes() if n.kind != "service"]
    by_node = tf.indicators(firms.merge(nodes, on="uscc").rename(columns={"node": "group"}))
    node_rows = []
    for node in industry:
        for r in by_node[by_node["group"] == node.id].to_dict("records"):
            node_rows.append({"node_id": node.id, "node": {"zh": node.name.zh, "en": node.name.en},
                              **{k: r[k] for k in VALUES}})
    meta = {"level_threshold": tf.LEVEL_THRESHOLD, "output": "industrial_output"}
    return {"transformation_areas": table("transformation_areas", AREA_COLUMNS, area_rows, provenance, **meta),
            "transformation_nodes": table("transformation_nodes", NODE_COLUMNS, node_rows, provenance, **meta)}


def import_file(store: Store, path: str | Path) -> reg.TransformationImport:
    """Import a file of firms' indicators (see registry.transformation)."""
    return reg.import_file(store, path)


def import_upload(p, path: str | Path, *, viewer: Viewer = LOCAL, label: str | None = None) -> reg.TransformationImport:
    """Import an uploaded file of firms' indicators into the platform's registry (importers only); a new data
    generation begins after it. `label`: the upload's own file name, for the import history."""
    require_import(viewer)
    with p.writer() as store:
        return reg.import_file(store, path, label=label)


def write_template(path: str | Path, lang: str = "zh") -> Path:
    """The import template: sheet 转型指标 (headers with units, one example row marked 示例 in 备注, skipped
    on import) and sheet 说明 (each column's meaning, unit and allowed values)."""
    path = Path(path)
    book = Workbook()
    sheet = book.active
    sheet.title = reg.SHEET
    sheet.append([reg.template_header(i, "zh") for i in reg.ITEMS])
    sheet.append([i.example for i in reg.ITEMS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for k, item in enumerate(reg.ITEMS):
        sheet.column_dimensions[chr(ord("A") + k)].width = max(12, 2 * len(reg.template_header(item)) + 2)
    notes = book.create_sheet("说明")
    notes.append(["列 column", "English", "单位或取值 unit / values", "键 key"])
    for item in reg.ITEMS:
        notes.append([item.zh, item.en, item.unit, item.key])
    notes.append([])
    notes.append(["每个企业每年一行；同一企业同一年再次导入时，非空单元格覆盖原值，空单元格保留原值。"
                  "企业须已在登记库中。备注以“示例”开头的行不导入。",
                  "One row per firm and year; importing again overwrites with non-blank cells and keeps blanks. "
                  "The firm must be in the registry. Rows whose note starts with 示例 are skipped."])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
