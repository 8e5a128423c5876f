"""/api/v1/enterprises: search (name, USCC, business-scope words), top lists, tag counts and one firm's profile.

A thin router: the search engine is `services.search`, the directory and the typed results are
`services.enterprises`, the payloads and workbooks `present.enterprises`. JSON uses machine keys with a
`columns` block; number cells carry {value, unit, provenance}; `?format=xlsx` gives the same table in the
request's language.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, TypeAdapter
from starlette.concurrency import run_in_threadpool

from chanye.present import enterprises as show
from chanye.present import tables as present
from chanye.services import enterprises as svc
from chanye.services.access import LOCAL, Viewer
from chanye.services.enterprises import SearchQuery, district_table, warm  # noqa: F401  (web/models.py, chains)
from chanye.services.search import BigramIndex, tokens_of  # noqa: F401  (importable where they always were)
from chanye.web import asgi
from chanye.web.auth import viewer
from chanye.web.i18n import lang_of
from chanye.web.schemas import TablePayload, responses
from chanye.web.tables import XLSX_MAX_ROWS, XLSX_TYPE, attachment

router = APIRouter(tags=["enterprises 企业"])

SortKey = Literal["relevance", "revenue", "industrial_output", "value_added", "employees", "registered_capital",
                  "founded", "name"]
TagId = Literal["above_scale", "high_tech", "srdi", "little_giant", "listed"]
Format = Literal["json", "xlsx"]
XLSX = responses(xlsx=True, not_found=True)  # JSON, or `?format=xlsx`: the table as a workbook


class SearchPayload(TablePayload):
    """One page of enterprises (`rows`, machine keys) with the search as run and the district facets."""

    query: dict[str, Any]
    mode: Literal["uscc", "text", "all"]
    tokens: list[str]
    year: int | None
    years: list[int]
    total: int
    pages: int
    facets: TablePayload


class TagCountsPayload(TablePayload):
    """Enterprises holding each tag (`rows`: tag, enterprises) among `total` firms."""

    node: str | None
    district: str | None
    city: str | None
    total: int


class EnterprisePayload(BaseModel):
    """One enterprise: attributes (one row), figures over time and node links with evidence."""

    uscc: str
    name: str
    district_code: str | None
    provenance: str
    synthetic: bool
    tags: list[str]
    attributes: TablePayload
    figures: TablePayload
    links: TablePayload
    chains: TablePayload | None = None  # issue 15: its chain links and roles (chain, node, segment, role)


# --------------------------------------------------------------------------------------------------------
# Models (also what the pages render)
# --------------------------------------------------------------------------------------------------------


def search_model(ctx, *, lang: str = "zh", viewer: Viewer = LOCAL, **query: Any) -> dict:
    """The /api/v1/enterprises payload of a search (keywords: SearchQuery's fields) as `viewer` may see it."""
    return show.search_payload(svc.search(ctx, SearchQuery(**query), viewer=viewer), lang)


def tag_counts_model(ctx, *, node: str | None = None, district: str | None = None, city: str | None = None,
                     lang: str = "zh") -> dict:
    """The /api/v1/enterprises/tags payload."""
    return present.payload(svc.tag_counts(ctx, node=node, district=district, city=city), lang)


def enterprise_detail(ctx, uscc: str, viewer: Viewer = LOCAL) -> svc.EnterpriseDetail:
    """One firm's typed profile, cached until the next import (AccessDenied when `viewer` may not see it)."""
    return svc.profile(ctx, uscc, viewer=viewer)


def profile_model(ctx, uscc: str, *, lang: str = "zh", viewer: Viewer = LOCAL) -> dict:
    """The /api/v1/enterprises/{uscc} payload."""
    return show.detail_payload(enterprise_detail(ctx, uscc, viewer), lang)


def xlsx(tables: list, filename: str, lang: str):
    return attachment(show.xlsx_bytes(tables, lang), filename, XLSX_TYPE)


# --------------------------------------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------------------------------------


# The JSON answers are built once per data generation, language, viewer's rights and query, and kept as bytes
# (`web.asgi.Answers`, issue 14 item 2): the response model stays declared for /openapi.json, and the payload
# passes the same validation and serialisation FastAPI would give it (`asgi.encoded`), once.
SEARCH = TypeAdapter(SearchPayload)
TAG_COUNTS = TypeAdapter(TagCountsPayload)
ENTERPRISE = TypeAdapter(EnterprisePayload)


@router.get("/enterprises", summary="企业搜索与排行 (search by name, USCC or business-scope words; top lists)",
            response_model=SearchPayload, responses=XLSX)
async def get_enterprises(
    request: Request,
    q: str = Query("", max_length=100, description="企业名称、统一社会信用代码或经营范围词语"),
    node: str | None = Query(None, max_length=64, description="框架包的节点 id（见 /api/v1/framework）"),
    district: str | None = Query(None, pattern=r"^\d{6}$", description="区的行政区划代码（见 /api/v1/framework 的 city）"),
    city: str | None = Query(None, pattern=r"^\d{6}$", description="城市的行政区划代码（框架包的城市见 /api/v1/framework）"),
    tag: TagId | None = Query(None, description="企业标签"),
    sort: SortKey | None = Query(None, description="排序字段（缺省：有查询词时按相关度，否则按规模）"),
    order: Literal["desc", "asc"] = "desc",
    page: int = Query(1, ge=1, le=100_000),
    per_page: int = Query(20, ge=1, le=200),
    year: int | None = Query(None, ge=1990, le=2100, description="指标年份（缺省：最新）"),
    format: Format = "json",
):
    query = SearchQuery(q=q, node=node, district=district, city=city, tag=tag, sort=sort, order=order, page=page,
                        per_page=per_page, year=year)
    if format == "xlsx":
        ctx = request.app.state.ctx
        lang = lang_of(request)
        who = viewer(request)

        def workbook():
            result = svc.search(ctx, replace(query, limit=XLSX_MAX_ROWS), viewer=who)
            return xlsx([(result.firms, show.firms_note(result, lang, limit=XLSX_MAX_ROWS))], "enterprises.xlsx",
                        lang)

        return await run_in_threadpool(workbook)
    return await search_json(request, query)


async def search_json(request: Request, query: SearchQuery) -> Response:
    """The JSON answer of a search, kept as bytes (`asgi.cached_json`): the route's, and the lean path's."""
    ctx = request.app.state.ctx
    lang = lang_of(request)
    who = viewer(request)
    return await asgi.cached_json(ctx, ("search", lang, asgi.rights(who), query), lambda: asgi.encoded(
        SEARCH, show.search_payload(svc.search(ctx, query, viewer=who), lang)), lambda: svc.quick(ctx, query, who))


async def lean_search(request: Request, values: dict[str, Any]) -> Response | None:
    """GET /api/v1/enterprises through `web.lean.LeanRoute` (issue 14 item 2): the JSON answer of the parameters
    as `get_enterprises` reads them; None (FastAPI's route answers) for a workbook."""
    if values["format"] != "json":
        return None
    return await search_json(request, SearchQuery(**{k: v for k, v in values.items() if k != "format"}))


@router.get("/enterprises/tags", summary="各标签企业数 (enterprise counts by tag)", response_model=TagCountsPayload,
            responses=XLSX)
async def get_tag_counts(
    request: Request,
    node: str | None = Query(None, max_length=64),
    district: str | None = Query(None, pattern=r"^\d{6}$"),
    city: str | None = Query(None, pattern=r"^\d{6}$"),
    format: Format = "json",
):
    ctx = request.app.state.ctx
    lang = lang_of(request)
    if format == "xlsx":
        def workbook():
            counts = svc.tag_counts(ctx, node=node, district=district, city=city)
            return xlsx([(counts, show.note(counts, lang))], "tags.xlsx", lang)

        return await run_in_threadpool(workbook)
    # counts only (no firm): the same for every viewer
    return await asgi.cached_json(ctx, ("tags", lang, node, district, city), lambda: asgi.encoded(
        TAG_COUNTS, present.payload(svc.tag_counts(ctx, node=node, district=district, city=city), lang)))


@router.get("/enterprises/{uscc}", summary="企业画像 (one enterprise: figures, tags, nodes with evidence)",
            response_model=EnterprisePayload, responses=XLSX)
async def get_enterprise(request: Request, uscc: str, format: Format = "json"):
    ctx = request.app.state.ctx
    lang = lang_of(request)
    who = viewer(request)
    if format == "xlsx":
        def workbook():
            detail = enterprise_detail(ctx, uscc, who)
            extra = f"{detail.name} {detail.uscc}"
            return xlsx([(detail.figures, show.note(detail.figures, lang, extra)),
                         (detail.links, show.note(detail.links, lang, extra))], f"{detail.uscc}.xlsx", lang)

        return await run_in_threadpool(workbook)
    # a refusal (AccessDenied) or an unknown firm (NotFound) raises in build: nothing is kept
    return await asgi.cached_json(ctx, ("profile", lang, asgi.rights(who), uscc), lambda: asgi.encoded(
        ENTERPRISE, show.detail_payload(enterprise_detail(ctx, uscc, who), lang)))
