"""两业融合 (issue 13) at /fusion and its JSON twin /fusion.json: the linkages of the national table, manufacturing's
service inputs, the node × service heat map, the coupling coordination of manufacturing and producer services by
district and year, and the city table's limits. One model serves both; every number carries its unit and its
provenance (the NBS table vs the registry or 示例数据). Words come from present/labels.py.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict

from chanye.present import labels
from chanye.present import tables as present
from chanye.services import io as svc
from chanye.web.i18n import lang_of
from chanye.web.pages import PAGE_TABLES, TABLE_PARAMS, TWIN_OF, render
from chanye.web.schemas import TablePayload

router = APIRouter(tags=["pages 页面"])
TABLE_ID = "china-2018-153"
LINKAGE_ROWS = 15  # sectors shown in the linkage table (by backward linkage); the JSON has all


class FusionPage(BaseModel):
    """The page's model: four typed tables, the notes, the district filter."""

    model_config = ConfigDict(extra="allow")

    table_id: str
    district: str | None
    tables: dict[str, TablePayload]
    notes: dict[str, str]
    chart: dict[str, str]


def _tables(request: Request, district: str | None) -> dict[str, Any]:
    ctx = request.app.state.ctx

    def build() -> dict[str, Any]:
        return {"io_linkages": svc.linkages_table(TABLE_ID), "io_fusion_inputs": svc.fusion_inputs_table(TABLE_ID),
                "io_fusion_nodes": svc.fusion_nodes_table(ctx.framework, TABLE_ID),
                "io_coupling": svc.coupling_table(ctx.cursor(), ctx.city)}

    views = dict(ctx.cached(("io_fusion",), build))
    if district:
        views["io_coupling"] = svc.coupling_table(ctx.cursor(), ctx.city, district=district)
    return views


def _model(request: Request, district: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    lang = lang_of(request)
    views = _tables(request, district)
    year = views["io_fusion_inputs"].meta["year"]
    model = {"table_id": TABLE_ID, "district": district,
             "tables": {name: present.payload(t, lang) for name, t in views.items()},
             "notes": {"source": labels.word("io_source_note", lang),
                       "fusion": labels.word("io_fusion_note", lang).format(year=year)},
             "chart": {"save": labels.word("save_png", lang), "provenance_io": labels.word("file_note_io", lang),
                       "provenance_synthetic": labels.code("provenance", "synthetic", lang),
                       "provenance_registry": labels.code("provenance", "registry", lang)}}
    return model, views


@router.get("/fusion", response_class=HTMLResponse, responses=PAGE_TABLES, openapi_extra=TABLE_PARAMS)
def fusion_page(request: Request, district: str | None = Query(None, max_length=40)):
    """两业融合 page."""
    model, views = _model(request, district)
    lang = lang_of(request)
    linkages = sorted(model["tables"]["io_linkages"]["rows"], key=lambda r: -r["backward_linkage"]["value"])
    return render(request, "fusion.html", section="fusion", title=labels.word("fusion_title", lang), model=model,
                  json_links=[], twin=True, tables=views, top_linkages=linkages[:LINKAGE_ROWS],
                  svc_cols=[c for c in model["tables"]["io_fusion_nodes"]["columns"] if c["key"].startswith("svc_")],
                  districts=[{"code": d.code, "name": request.app.state.ctx.city.area_label(d.code, lang)}
                             for d in request.app.state.ctx.city.districts],
                  col=lambda key: labels.column(key, lang), unit=lambda key: labels.unit(key, lang),
                  code=lambda group, value: labels.code(group, value, lang))


@router.get("/fusion.json", response_model=FusionPage, responses=TWIN_OF,  # an unknown district: 404
            summary="两业融合页的数据（与 /fusion 所渲染的相同）: 产业关联、服务投入、节点×服务、耦合协调度")
def fusion_json(request: Request, district: str | None = Query(None, max_length=40)):
    return _model(request, district)[0]
