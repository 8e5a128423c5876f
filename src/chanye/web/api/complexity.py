"""/api/v1/complexity: growth opportunities, the industry space and the places' ECI (Metroverse-style).

Each route wraps one `Platform` call (services/opportunities.py; the server's Platform is `app.state.ctx`) and renders it through
present/opportunities.py: machine keys, a `columns` block with zh/en labels and units, every number a cell
{value, unit, provenance} (provenance "synthetic" (示例数据) or "registry"). The space is estimated once per
data generation, measure and year; each JSON answer is encoded once per generation (`ctx.json`). `place`
defaults to the pack's city; a district is named by name, short name, adcode or English name.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from chanye.present import opportunities as present
from chanye.services.platform import Platform
from chanye.web.schemas import Cell, TablePayload, responses
from chanye.web.tables import xlsx_response

router = APIRouter(tags=["complexity 机会"])
Measure = Literal["enterprises", "revenue", "employees"]
StrategyParam = Literal["balanced", "low-hanging", "long-jump"]
ByParam = Literal["pci", "cog"]
ScopeParam = Literal["traded", "all"]
Lang = Literal["zh", "en"]
Year = Query(None, ge=1990, le=2100)
XLSX = responses(xlsx=True, not_found=True)  # JSON (default) or XLSX (format=xlsx) of a place that may not exist


class NoteOut(BaseModel):
    """A data note: its machine code, parameters and the sentence in the request's language."""

    code: str
    params: dict[str, Any]
    text: str


class MethodOut(BaseModel):
    space: Literal["cities", "districts"]
    space_locations: int
    benchmark_locations: int
    activities: int
    min_presence_firms: int
    min_activity_firms: int
    weights: dict[str, float]


class FilterOut(BaseModel):
    """A feasibility filter (issue 11): its machine code, how many candidates it took off, its sentence."""

    code: str
    removed: Cell
    text: str


class OpportunitiesPayload(TablePayload):
    """Ranked opportunities of one place (rows), with the place's ECI, COI, diversity and candidates."""

    place: str
    place_name: str
    place_kind: Literal["city", "district"]
    measure: Measure
    unit: str
    strategy: StrategyParam
    by: ByParam
    scope: ScopeParam
    year: int
    eci: Cell
    coi: Cell
    diversity: Cell
    candidates: Cell
    method: MethodOut
    notes: list[NoteOut]
    feasible: bool = True
    filters: list[FilterOut] = Field(default_factory=list)
    filters_note: str = ""
    removed: TablePayload | None = None


class PlacesPayload(TablePayload):
    measure: Measure
    year: int
    notes: list[NoteOut]


class SpacePayload(BaseModel):
    """The industry space of one place: nodes (activities at fixed positions) and edges (the backbone)."""

    place: str
    place_name: str
    measure: Measure
    year: int
    provenance: str
    synthetic: bool
    nodes: TablePayload
    edges: TablePayload


def platform(request: Request) -> Platform:
    """The server's Platform (web/app.py's Context is one)."""
    return request.app.state.ctx


ShowAll = Query(False, description="显示全部候选（关闭可行性筛选）(show every candidate: feasibility filters off)")


def ranking_payload(p: Platform, place: str | None, measure: str, strategy: str, by: str, scope: str,
                    limit: int | None, year: int | None, lang: str, show_all: bool = False) -> dict:
    result = p.opportunities(place, measure, strategy, by, scope, year, limit=limit, feasible=not show_all)
    return present.ranking_payload(result, p.city, lang)


@router.get("/complexity/places", response_model=PlacesPayload, responses=responses(),
            summary="各地区的经济复杂度指数 ECI、COI 与多样性（全国样本城市与本市各区）")
def places(request: Request, measure: Measure = "enterprises", year: int | None = Year, lang: Lang = "zh"):
    p = platform(request)
    return request.app.state.ctx.json(
        ("complexity-places", measure, year, lang),
        lambda: present.places_payload(p.complexity_places(measure, year), p.opportunity_space(measure, year).notes,
                                       p.city, lang))


@router.get("/complexity/opportunities", response_model=OpportunitiesPayload, responses=XLSX,
            summary="发展机会: 尚未专业化的小类按关联密度、PCI、COG 排序，对应框架包的产业节点")
def ranked(request: Request, place: str | None = Query(None, max_length=40, description="本市（默认）或某区"),
           measure: Measure = "enterprises", strategy: StrategyParam = "balanced", by: ByParam = "pci",
           scope: ScopeParam = "traded", limit: int = Query(50, ge=1, le=2000), year: int | None = Year,
           lang: Lang = "zh", format: Literal["json", "xlsx"] = "json", show_all: bool = ShowAll):
    p = platform(request)
    if format == "xlsx":
        result = p.opportunities(place, measure, strategy, by, scope, year, limit=limit, feasible=not show_all)
        name, frame, note, formats = present.sheet(result, p.city, lang)
        return xlsx_response({name: frame}, present.xlsx_filename(result, p.city, lang), notes={name: note},
                             number_formats=formats)
    return request.app.state.ctx.json(
        ("complexity-ranked", place, measure, strategy, by, scope, limit, year, lang, show_all),
        lambda: ranking_payload(p, place, measure, strategy, by, scope, limit, year, lang, show_all))


@router.get("/complexity/space", response_model=SpacePayload, responses=responses(not_found=True),
            summary="产业空间: 邻近度网络（固定坐标），按产业节点着色，标出本地专业化小类")
def space(request: Request, place: str | None = Query(None, max_length=40, description="本市（默认）或某区"),
          measure: Measure = "enterprises", year: int | None = Year, lang: Lang = "zh"):
    p = platform(request)
    return request.app.state.ctx.json(
        ("complexity-space", place, measure, year, lang),
        lambda: present.space_payload(p.industry_space(place, measure, year), p.city, lang))
