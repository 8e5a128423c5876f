"""/api/v1/scoreboard: the scoreboard's views as typed tables. Every number is a cell {value, unit, provenance}:
provenance is 'synthetic' (示例数据), 'registry', or the id of the source that published the figure; the
`columns` block names each key in Chinese and English with its unit."""

from __future__ import annotations

import inspect
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chanye.present import labels
from chanye.present import tables as present
from chanye.services import scoreboard
from chanye.services.results import Table, plain
from chanye.web.auth import viewer
from chanye.web.schemas import SeriesPayload, TablePayload, responses
from chanye.web.tables import XLSX_TYPE, xlsx_response

router = APIRouter(tags=["scoreboard 监测看板"])

Format = Literal["json", "xlsx", "csv"]
Lang = Literal["zh", "en"]
_KEY_PARAMS = frozenset({"year", "node", "district", "lang"})
FILES = responses(xlsx=True, csv=True)  # JSON (default), XLSX (format=xlsx) or CSV (format=csv)
FILES_OF = responses(xlsx=True, csv=True, not_found=True)  # ... of a node or district that may not exist


def board(request: Request) -> scoreboard.Scoreboard:
    ctx = request.app.state.ctx
    return ctx.cached(("scoreboard",), lambda: scoreboard.compute(ctx.cursor(), ctx.framework))


def view(request: Request, name: str, **kwargs) -> Table:
    """A scoreboard view, cut once per data generation and arguments (the cut costs tens of ms)."""
    ctx = request.app.state.ctx
    b = board(request)
    make = getattr(scoreboard, f"{name}_table")
    who = viewer(request)  # issue 17: visitors and district analysts get the tables under disclosure control
    if "viewer" in inspect.signature(make).parameters:
        kwargs["viewer"] = who
    key = (who.role.value, who.firm_district) if who.needs_disclosure_control else ()
    return ctx.cached(("scoreboard-table", name, *key, *sorted((k, v) for k, v in kwargs.items() if k != "viewer")),
                      lambda: make(b, **kwargs))


def respond(request: Request, t: Table, fmt: str, lang: str, b: scoreboard.Scoreboard):
    """The table as JSON (machine keys), XLSX or CSV (headers and values in `lang`)."""
    if fmt == "xlsx":
        sheet = labels.word(t.name, lang)
        return xlsx_response({sheet: present.frame(t, lang)}, f"{sheet}.xlsx",
                             notes={sheet: present.provenance_note(t, lang)},
                             number_formats=present.number_formats(t, lang))
    if fmt == "csv":
        from chanye.export import csv_text

        return Response(csv_text(present.frame(t, lang)), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{t.name}.csv"})
    # keyed on the parameters that shape the answer, never the raw query string (junk must not grow the cache)
    key = ("scoreboard", t.name, *sorted((k, v) for k, v in request.query_params.items() if k in _KEY_PARAMS))
    who = viewer(request)  # issue 17: a visitor's (disclosure-controlled) answer is cached apart from an analyst's
    if who.needs_disclosure_control:
        key = (*key, "viewer", who.role.value, who.firm_district)
    return request.app.state.ctx.json(key, lambda: present.payload(t, lang, years=b.years))


@router.get("/scoreboard/nodes", response_model=TablePayload, responses=FILES_OF,
            summary="节点总览: 规模、标签企业数、增速、占比、贡献、千亿级")
def nodes(request: Request, year: int | None = Query(None, ge=1990, le=2100), node: str | None = None,
          district: str | None = None, lang: Lang = "zh", format: Format = "json"):
    b = board(request)
    area = scoreboard.resolve_area(b.framework, district)
    return respond(request, view(request, "node", year=year, node=node, area=area), format, lang, b)


@router.get("/scoreboard/districts", response_model=TablePayload, responses=FILES_OF,
            summary="分区: 一个节点在各区的规模、占比、区位商、增速")
def districts(request: Request, year: int | None = Query(None, ge=1990, le=2100), node: str | None = None,
              district: str | None = None, lang: Lang = "zh", format: Format = "json"):
    b = board(request)
    return respond(request, view(request, "district", year=year, node=node, district=district), format, lang, b)


@router.get("/scoreboard/milestones", response_model=TablePayload, responses=FILES,
            summary="千亿级: 各产业节点规模与首次过千亿年份")
def milestones(request: Request, lang: Lang = "zh", format: Format = "json"):
    return respond(request, view(request, "milestone"), format, lang, board(request))


@router.get("/scoreboard/targets", response_model=TablePayload, responses=FILES,
            summary="目标进度: 所需增速、近三年增速、按此速度的达成年份")
def targets(request: Request, lang: Lang = "zh", format: Format = "json"):
    return respond(request, view(request, "target"), format, lang, board(request))


@router.get("/scoreboard/reconcile", response_model=TablePayload, responses=FILES,
            summary="公开数据对照: 公开发布的数字、登记数据的对应值与差距")
def reconcile(request: Request, lang: Lang = "zh", format: Format = "json"):
    return respond(request, view(request, "reconcile"), format, lang, board(request))


@router.get("/scoreboard/series", response_model=SeriesPayload, responses=responses(not_found=True),
            summary="时间序列: 一个节点在一个区域（默认全市）的各年指标（长表）")
def series(request: Request, node: str | None = None, area: str | None = None, metric: str | None = None):
    b = board(request)
    node_id = node or next(n for n in b.framework.nodes if n.parent is None).id
    b.framework.node(node_id)
    area = scoreboard.resolve_area(b.framework, area)

    def build() -> dict:
        frame = b.scale[(b.scale["node"] == node_id) & (b.scale["area"] == area)]
        if metric:
            frame = frame[frame["metric"] == metric]
        frame = frame.sort_values(["metric", "year"])
        return {
            "node": node_id, "area": area, "synthetic": b.synthetic,
            "points": [
                {"year": int(r.year), "metric": r.metric,
                 "value": {"value": plain(r.value), "unit": scoreboard.machine_unit(r.unit), "provenance": r.provenance}}
                for r in frame.itertuples()
            ],
        }

    return request.app.state.ctx.json(("series", node_id, area, metric), build)


@router.get("/scoreboard.xlsx", response_class=Response, responses=responses(json=False, xlsx=True, not_found=True),
            summary="整份看板 XLSX: 节点总览、分区、千亿级、目标进度、公开数据对照、来源")
def report(request: Request, year: int | None = Query(None, ge=1990, le=2100), node: str | None = None,
           district: str | None = None, lang: Lang = "zh"):
    b = board(request)
    who = viewer(request)  # issue 17: disclosure control for visitors and district analysts
    key = (who.role.value, who.firm_district) if who.needs_disclosure_control else ()

    def build():
        import tempfile
        from pathlib import Path

        from chanye.web.tables import attachment

        with tempfile.TemporaryDirectory(prefix="chanye-xlsx-") as tmp:
            path = present.write_xlsx(scoreboard.tables(b, year=year, node=node, district=district, viewer=who),
                                      Path(tmp) / "scoreboard.xlsx", lang)
            body = path.read_bytes()
        return attachment(body, f"{labels.word('scoreboard_file', lang)}.xlsx", XLSX_TYPE)

    # The workbook is the same for every request of a data generation: build it once.
    return request.app.state.ctx.cached(("scoreboard.xlsx", year, node, district, lang, *key), build)

