"""/api/v1/scoreboard: the 12218 scoreboard views. Every number is a cell {value, unit, provenance}:
provenance is 'synthetic' (示例数据), 'registry', or the id of the source that published the figure."""

from __future__ import annotations

import re
from typing import Literal

import pandas as pd
from fastapi import APIRouter, Query, Request

from chanye import scoreboard
from chanye.web.tables import clean, xlsx_response

router = APIRouter(tags=["scoreboard 监测看板"])

View = Literal["nodes", "districts", "milestones", "targets", "reconcile"]
Format = Literal["json", "xlsx", "csv"]
_UNIT = re.compile(r"[（(]([^（）()]+)[）)]\s*$")
_PLAIN = {"id", "adcode", "年份", "Year", "目标年份", "Target year", "最新年份", "Latest year", "按此速度达成年份",
          "Year reached at this pace", "首次过千亿", "First ≥1000亿"}
_DIMENSIONLESS = {"区位熵": "倍", "Location quotient": "ratio", "公开值": None, "Published": None,
                  "登记数据值": None, "Registry": None, "差距": None, "Gap": None}
_PROVENANCE = {"示例数据": "synthetic", "登记数据": "registry"}
_KEY_PARAMS = frozenset({"year", "node", "district", "lang"})


def board(request: Request) -> scoreboard.Scoreboard:
    ctx = request.app.state.ctx
    return ctx.cached(("scoreboard",), lambda: scoreboard.compute(ctx.cursor(), ctx.framework))


def table(request: Request, name: str, **kwargs) -> pd.DataFrame:
    """A scoreboard view, cut once per data generation and arguments (the cut costs tens of ms)."""
    ctx = request.app.state.ctx
    b = board(request)
    make = getattr(scoreboard, f"{name}_table")
    return ctx.cached(("scoreboard-table", name, *sorted(kwargs.items())), lambda: make(b, **kwargs))


def cells(frame: pd.DataFrame) -> list[dict]:
    """Rows whose numbers carry their unit (from the column label, or the row's 单位) and provenance."""
    prov_col = next((c for c in ("来源", "Provenance", "数据来源") if c in frame.columns), None)
    out = []
    for record in frame.to_dict("records"):
        row_prov = _PROVENANCE.get(record.get(prov_col), record.get(prov_col)) if prov_col else None
        row = {}
        for key, value in record.items():
            value = clean(value)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and key not in _PLAIN:
                unit = _DIMENSIONLESS.get(key, "")
                if unit is None:  # reconciliation: the row states its unit and each side its source
                    unit = record.get("单位") or record.get("Unit")
                match = _UNIT.search(key)
                if match and not unit:
                    unit = match.group(1)
                provenance = row_prov
                if key in ("公开值", "Published"):
                    provenance = record.get("公开数据来源") or record.get("Source")
                elif key in ("登记数据值", "Registry", "差距", "Gap", "差距（%）", "Gap (%)"):
                    provenance = _PROVENANCE.get(record.get("登记数据来源") or record.get("Registry provenance"), "registry")
                row[key] = {"value": value, "unit": unit or "", "provenance": provenance}
            else:
                row[key] = value
        out.append(row)
    return out


def _respond(request: Request, view: str, frame: pd.DataFrame, b: scoreboard.Scoreboard, fmt: str, lang: str,
             year: int | None):
    names = scoreboard.SHEETS[view]
    sheet = names[1] if lang == "en" else names[0]
    if fmt == "xlsx":
        note = "示例数据：合成数据，非真实企业或官方统计。" if b.synthetic else "登记数据（用户导入）。"
        return xlsx_response({sheet: frame}, f"{sheet}.xlsx", notes={sheet: note},
                             number_formats=scoreboard.NUMBER_FORMATS)
    if fmt == "csv":
        from fastapi.responses import Response

        from chanye.export import csv_text

        return Response(csv_text(frame), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{view}.csv"})
    # keyed on the parameters that shape the answer, never the raw query string (junk must not grow the cache)
    key = ("scoreboard", view, *sorted((k, v) for k, v in request.query_params.items() if k in _KEY_PARAMS))
    return request.app.state.ctx.json(key, lambda: {
        "view": view, "title": sheet, "year": year, "years": b.years, "synthetic": b.synthetic,
        "provenance": "synthetic" if b.synthetic else "registry",
        "columns": list(frame.columns), "rows": cells(frame),
    })


@router.get("/scoreboard/nodes", summary="节点总览: 规模、标签企业数、增速、占比、贡献、千亿级")
def nodes(request: Request, year: int | None = Query(None, ge=1990, le=2100), node: str | None = None,
          district: str | None = None, lang: Literal["zh", "en"] = "zh", format: Format = "json"):
    b = board(request)
    area = scoreboard.resolve_area(district)
    frame = table(request, "node", year=year, node=node, area=area, lang=lang)
    return _respond(request, "nodes", frame, b, format, lang, b.year(year))


@router.get("/scoreboard/districts", summary="分区: 一个节点在各区的规模、占比、区位熵、增速")
def districts(request: Request, year: int | None = Query(None, ge=1990, le=2100), node: str | None = None,
              district: str | None = None, lang: Literal["zh", "en"] = "zh", format: Format = "json"):
    b = board(request)
    frame = table(request, "district", year=year, node=node, district=district, lang=lang)
    return _respond(request, "districts", frame, b, format, lang, b.year(year))


@router.get("/scoreboard/milestones", summary="千亿级: 各产业节点规模与首次过千亿年份")
def milestones(request: Request, lang: Literal["zh", "en"] = "zh", format: Format = "json"):
    b = board(request)
    return _respond(request, "milestones", table(request, "milestone", lang=lang), b, format, lang, b.latest)


@router.get("/scoreboard/targets", summary="目标进度: 所需增速、近三年增速、按此速度的达成年份")
def targets(request: Request, lang: Literal["zh", "en"] = "zh", format: Format = "json"):
    b = board(request)
    return _respond(request, "targets", table(request, "target", lang=lang), b, format, lang, b.latest)


@router.get("/scoreboard/reconcile", summary="公开数据对照: 公开发布的数字、登记数据的对应值与差距")
def reconcile(request: Request, lang: Literal["zh", "en"] = "zh", format: Format = "json"):
    b = board(request)
    return _respond(request, "reconcile", table(request, "reconcile", lang=lang), b, format, lang, b.latest)


@router.get("/scoreboard/series", summary="时间序列: 一个节点在一个区域的各年指标（长表）")
def series(request: Request, node: str | None = None, area: str = "440100",
           metric: str | None = None):
    b = board(request)
    node_id = node or next(n for n in b.framework.nodes if n.parent is None).id
    b.framework.node(node_id)
    area = scoreboard.resolve_area(area)

    def build() -> dict:
        frame = b.scale[(b.scale["node"] == node_id) & (b.scale["area"] == area)]
        if metric:
            frame = frame[frame["metric"] == metric]
        frame = frame.sort_values(["metric", "year"])
        return {
            "node": node_id, "area": area, "synthetic": b.synthetic,
            "points": [
                {"year": int(r.year), "metric": r.metric,
                 "value": {"value": clean(r.value), "unit": r.unit, "provenance": r.provenance}}
                for r in frame.itertuples()
            ],
        }

    return request.app.state.ctx.json(("series", node_id, area, metric), build)


@router.get("/scoreboard.xlsx", summary="整份看板 XLSX: 节点总览、分区、千亿级、目标进度、公开数据对照、来源")
def report(request: Request, year: int | None = Query(None, ge=1990, le=2100), node: str | None = None,
           district: str | None = None, lang: Literal["zh", "en"] = "zh"):
    b = board(request)

    def build():
        sheets = scoreboard.tables(b, year=year, node=node, district=district, lang=lang)
        note = "示例数据：合成数据，非真实企业或官方统计。" if b.synthetic else "登记数据（用户导入）；公开数据见“来源”表。"
        return xlsx_response(sheets, "12218监测看板.xlsx", notes={k: note for k in sheets},
                             number_formats=scoreboard.NUMBER_FORMATS)

    # The workbook is the same for every request of a data generation: build it once.
    return request.app.state.ctx.cached(("scoreboard.xlsx", year, node, district, lang), build)
