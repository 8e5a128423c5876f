"""两业融合 (issue 13) at /fusion and its JSON twin /fusion.json: the linkages of the national table, the city's
table regionalised by location quotients (with the method's limits), manufacturing's service inputs, the node ×
service heat map, the coupling coordination of manufacturing and producer services by district and year,
制造业立市 (the registry's manufacturing shares, the national tables' GDP share, the pack's published figures) and
the 数智化/绿色化 transformation indicators by district and node. One model serves both; every number carries its unit and its
provenance (the NBS table vs the registry or 示例数据). Words come from present/labels.py.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict

from chanye.errors import NotFound
from chanye.present import labels
from chanye.present import tables as present
from chanye.services import io as svc
from chanye.services import manufacturing as mfg_svc
from chanye.services import transformation as tf_svc
from chanye.web.i18n import lang_of
from chanye.web.pages import PAGE_TABLES, TABLE_PARAMS, TWIN_OF, render
from chanye.web.schemas import TablePayload

router = APIRouter(tags=["pages 页面"])
TABLE_ID = "china-2018-153"
LINKAGE_ROWS = 15  # sectors shown in the linkage table (by backward linkage); the JSON has all
REGIONAL_ROWS = 15  # sectors shown for the city table (by the city's output multiplier); the JSON has all


class FusionPage(BaseModel):
    """The page's model: the typed tables (io_linkages, io_regional, io_fusion_inputs, io_fusion_nodes,
    io_coupling, mfg_registry, mfg_national, mfg_published, transformation_areas, transformation_nodes), the
    notes, the district filter."""

    model_config = ConfigDict(extra="allow")

    table_id: str
    district: str | None
    tables: dict[str, TablePayload]
    notes: dict[str, str]
    chart: dict[str, str]


def _tables(request: Request, district: str | None) -> dict[str, Any]:
    ctx = request.app.state.ctx

    def build() -> dict[str, Any]:
        store = ctx.cursor()
        views = {"io_linkages": svc.linkages_table(TABLE_ID), "io_fusion_inputs": svc.fusion_inputs_table(TABLE_ID),
                 "io_fusion_nodes": svc.fusion_nodes_table(ctx.framework, TABLE_ID),
                 "io_coupling": svc.coupling_table(store, ctx.city)}
        with suppress(NotFound):  # issue 13 §3: the city table, when the registry has the city's firm sizes
            views["io_regional"] = svc.regional_table(store, city=ctx.city.code, spec=TABLE_ID)
        views["mfg_registry"] = mfg_svc.registry_table(store, ctx.city)  # issue 13 §5
        views["mfg_national"] = mfg_svc.national_table()
        views["mfg_published"] = mfg_svc.published_table(store, ctx.framework)
        views.update(tf_svc.indicator_tables(store, ctx.framework))  # issue 13 §6
        return views

    views = dict(ctx.cached(("io_fusion",), build))
    if district:
        views["io_coupling"] = svc.coupling_table(ctx.cursor(), ctx.city, district=district)
        views["mfg_registry"] = mfg_svc.registry_table(ctx.cursor(), ctx.city, district=district)
        views.update(tf_svc.indicator_tables(ctx.cursor(), ctx.framework, district=district))
    return views


def _latest(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of the latest year in a payload's rows."""
    years = [r["year"] for r in rows]
    return [r for r in rows if r["year"] == max(years)] if years else []


def _model(request: Request, district: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    lang = lang_of(request)
    views = _tables(request, district)
    year = views["io_fusion_inputs"].meta["year"]
    model = {"table_id": TABLE_ID, "district": district,
             "tables": {name: present.payload(t, lang) for name, t in views.items()},
             "notes": {"source": labels.word("io_source_note", lang),
                       "fusion": labels.word("io_fusion_note", lang).format(year=year),
                       "regional_limits": labels.word("fusion_regional_limits", lang),
                       "manufacturing": labels.word("mfg_note", lang),
                       "mfg_no_city_share": labels.word("mfg_no_city_share", lang),
                       "transformation": labels.word("transformation_note", lang),
                       "transformation_no_data": labels.word("transformation_no_data", lang)},
             "chart": {"save": labels.word("save_png", lang), "provenance_io": labels.word("file_note_io", lang),
                       "provenance_synthetic": labels.code("provenance", "synthetic", lang),
                       "provenance_registry": labels.code("provenance", "registry", lang),
                       "national": labels.word("mfg_national", lang)}}
    if "io_regional" in views:
        meta = views["io_regional"].meta
        model["notes"]["regional"] = labels.word("io_regional_note", lang).format(
            method=meta["method"].upper(), delta=meta["delta"], scale=f"{meta['scale']:.4f}",
            measure=labels.column(meta["measure"], lang))
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
                  top_regional=sorted(model["tables"]["io_regional"]["rows"],
                                      key=lambda r: -r["output_multiplier"]["value"])[:REGIONAL_ROWS]
                  if "io_regional" in model["tables"] else [],
                  regional_top=labels.word("fusion_regional_top", lang).format(n=REGIONAL_ROWS),
                  mfg_latest=_latest(model["tables"]["mfg_registry"]["rows"]),
                  tf_areas=_latest(model["tables"]["transformation_areas"]["rows"]),
                  tf_nodes=_latest(model["tables"]["transformation_nodes"]["rows"]),
                  districts=[{"code": d.code, "name": request.app.state.ctx.city.area_label(d.code, lang)}
                             for d in request.app.state.ctx.city.districts],
                  col=lambda key: labels.column(key, lang), unit=lambda key: labels.unit(key, lang),
                  code=lambda group, value: labels.code(group, value, lang))


@router.get("/fusion.json", response_model=FusionPage, responses=TWIN_OF,  # an unknown district: 404
            summary="两业融合页的数据（与 /fusion 所渲染的相同）: 产业关联、本市区域化表、服务投入、节点×服务、"
                    "耦合协调度、制造业立市、数智化绿色化转型")
def fusion_json(request: Request, district: str | None = Query(None, max_length=40)):
    return _model(request, district)[0]
