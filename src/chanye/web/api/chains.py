"""/api/v1/chains: industrial chains (产业链图谱). The service (`services.chains`) returns typed tables with
machine keys; every number is a cell {value, unit, provenance} with a machine unit (firms, count, yi_yuan,
wan_yuan, percent, ratio, score) and provenance 'synthetic' (示例数据) or 'registry'. Each table comes with
a `columns` block (each key's label in Chinese and English, its unit) and the words of its codes
(`present.chains`: grounds, reasons, evidence) in the request's language (`?lang=en`).

    /chains                               every chain: strong/weak/missing counts (?district=, ?format=xlsx)
    /chains/{id}                          the template graph: nodes with segment, status, local revenue, grounds;
                                          edges; the diagnosis table (?format=xlsx: the four work-list sheets)
    /chains/{id}/nodes/{node}             the node's local enterprises (role, evidence) and its recruitment targets
    /chains/{id}/recruitment|expansion|leaders    the lists (?limit=, ?format=xlsx)

`{id}` is a chain id or its cluster's node id; `?district=` takes any spelling of a district of the pack's
city. The results are computed once per chain and district and kept until the data change.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, TypeAdapter
from starlette.concurrency import run_in_threadpool

from chanye.present import chains as words
from chanye.present import labels
from chanye.present import tables as present
from chanye.services import chains as service
from chanye.services.access import LOCAL, Viewer
from chanye.services.results import Table
from chanye.web import asgi
from chanye.web.auth import viewer
from chanye.web.i18n import lang_of
from chanye.web.schemas import Cell, TablePayload, responses
from chanye.web.tables import xlsx_response

router = APIRouter(tags=["chains 产业链"])

Format = Literal["json", "xlsx"]
District = Query(None, max_length=40, description="区: 名称、简称、英文名或代码，缺省为全市 (a district; default the city)")
Limit = Query(100, ge=1, le=20_000, description="最多返回的行数 (rows to return)")
ShowAll = Query(False, description="显示全部企业（关闭可行性筛选）(every firm: feasibility filters off; issue 11)")


def host(request: Request) -> service.Host:
    """What the service's cached accessors read: the app's Platform when it has one, else its context (both
    give `framework`, `cursor()` and `cached()`)."""
    return getattr(request.app.state, "platform", None) or request.app.state.ctx


# --- response models ------------------------------------------------------------------------------------


class ChainArea(BaseModel):
    code: str
    name: str


class ChainsResponse(TablePayload):
    area: ChainArea
    year: int | None


class ChainSource(BaseModel):
    id: str
    title: str
    publisher: str | None = None
    date: str | None = None
    url: str | None = None


class ChainInfo(BaseModel):
    id: str
    name: str
    name_en: str
    cluster: str
    cluster_name: str
    cluster_name_en: str
    cluster_status: str
    description: str
    description_en: str = ""
    sources: list[ChainSource]


class ChainMapNode(BaseModel):
    id: str
    name: str
    name_en: str
    segment: str
    segment_label: str
    parent: str | None
    products: list[str]
    status: str
    status_label: str
    reason: str
    revenue: Cell
    producers: Cell
    above_scale: Cell
    sellers: Cell
    users: Cell
    lq: Cell
    share: Cell


class ChainEdgeInfo(BaseModel):
    source: str
    target: str
    note: str
    note_en: str = ""


class ChainListTable(TablePayload):
    total: int


class ChainFilterItem(BaseModel):
    """One feasibility filter on one list (issue 11) and how many firms it took off."""

    list: str
    code: str
    removed: Cell
    text: str


class ChainFilters(BaseModel):
    """The feasibility filters of the lists: on by default (`?show_all=true` turns them off), the visible note,
    each filter per list, and the firms removed with their reasons."""

    feasible: bool
    note: str
    items: list[ChainFilterItem]
    removed: TablePayload | None = None


class ChainResponse(BaseModel):
    chain: ChainInfo
    area: ChainArea
    year: int | None
    synthetic: bool
    provenance: str
    link_status: str
    counts: dict[str, Cell]
    nodes: list[ChainMapNode]
    edges: list[ChainEdgeInfo]
    diagnosis: TablePayload
    totals: dict[str, int]
    filters: ChainFilters | None = None


class ChainNodeInfo(BaseModel):
    id: str
    name: str
    name_en: str
    segment: str
    segment_label: str
    products: list[str]
    suppliers: list[str]
    customers: list[str]


class ChainNodeResponse(BaseModel):
    chain: str
    area: ChainArea
    year: int | None
    synthetic: bool
    provenance: str
    node: ChainNodeInfo
    diagnosis: dict[str, Any]
    roles: dict[str, Cell]
    enterprises: ChainListTable
    targets: ChainListTable


class ChainListResponse(ChainListTable):
    chain: str
    list: str
    area: ChainArea
    year: int | None
    filters: ChainFilters | None = None


# --- models (the pages render the same ones) -------------------------------------------------------------


def _area(city, district: str | None, lang: str) -> dict:
    return {"code": district or city.code, "name": city.area_label(district, lang)}


def _cell(value: int, unit: str, provenance: str) -> dict:
    return {"value": value, "unit": unit, "provenance": provenance}


def _worded(b, t: Table, lang: str, node_id: str | None = None) -> Table:
    return words.worded(t, lang, chain=b.chain, city=b.city, district=b.district,
                        params=getattr(b, "params", None), node_id=node_id)


def _head(t: Table, n: int | None) -> Table:
    return t if n is None else Table(t.name, t.columns, t.rows[:n], t.provenance, t.meta)


def summary_model(h: service.Host, district: str | None = None, lang: str = "zh") -> dict:
    result = service.overview(h, district)
    return {"area": _area(result.city, result.district, lang), "year": result.year,
            **present.payload(result.summary, lang)}


def _source(framework, source_id: str) -> dict:
    s = framework.source(source_id)
    if s is None:
        return {"id": source_id, "title": source_id}
    return {"id": s.id, "title": s.title, "publisher": s.publisher, "date": s.date, "url": s.url}


def chain_model(h: service.Host, chain_id: str, district: str | None = None, lang: str = "zh", *,
                viewer: Viewer = LOCAL, show_all: bool = False) -> dict:
    """The chain map: template nodes (segment, parent, products) with their diagnosis (status, grounds, local
    revenue and producers as cells), the supply edges, the links per status, the full diagnosis table and the
    lists' feasibility filters (`show_all`: off)."""
    b = service.board(h, chain_id, district, viewer=viewer, feasible=not show_all)
    chain, framework = b.chain, h.framework
    cluster = framework.node(chain.cluster)
    diagnosis = present.payload(_worded(b, b.diagnosis, lang), lang)
    nodes = []
    for node, row in zip(chain.nodes, diagnosis["rows"], strict=True):
        nodes.append({
            "id": node.id, "name": node.name.zh, "name_en": node.name.en or node.name.zh, "segment": node.segment,
            "segment_label": labels.code("chain_segment", node.segment, lang), "parent": node.parent,
            "products": list(node.products), "status": row["status"],
            "status_label": labels.code("chain_status", row["status"], lang), "reason": row["reason"],
            "revenue": row["revenue"], "producers": row["producers"], "above_scale": row["above_scale"],
            "sellers": row["sellers"], "users": row["users"], "lq": row["lq"], "share": row["share_national"],
        })
    provenance = b.provenance.key
    return {
        "chain": {
            "id": chain.id, "name": chain.name.zh, "name_en": chain.name.en or chain.name.zh,
            "cluster": chain.cluster, "cluster_name": cluster.name.zh, "cluster_name_en": cluster.name.en,
            "cluster_status": cluster.status, "description": chain.description,
            "description_en": chain.description_en,
            "sources": [_source(framework, s) for s in chain.sources],
        },
        "area": _area(b.city, b.district, lang),
        "year": b.year,
        "synthetic": b.synthetic,
        "provenance": provenance,
        "link_status": b.link_status,
        "counts": {s: _cell(n, "count", provenance) for s, n in b.counts().items()},
        "nodes": nodes,
        "edges": [{"source": e.source, "target": e.target, "note": e.note, "note_en": e.note_en} for e in chain.edges],
        "diagnosis": diagnosis,
        "totals": {"recruitment": len(b.recruitment.rows), "expansion": len(b.expansion.rows),
                   "leaders": len(b.leaders.rows)},
        "filters": words.filters_model(b, lang),
    }


def node_model(h: service.Host, chain_id: str, node_id: str, district: str | None = None, limit: int = 100,
               lang: str = "zh", *, viewer: Viewer = LOCAL) -> dict:
    d = service.node(h, chain_id, node_id, district, limit=limit, viewer=viewer)
    node = d.chain.node(d.node_id)
    provenance = d.diagnosis.provenance.key
    b = service.board(h, d.chain.id, d.district)
    return {
        "chain": d.chain.id,
        "area": _area(d.city, d.district, lang),
        "year": d.year,
        "synthetic": d.synthetic,
        "provenance": provenance,
        "node": {
            "id": node.id, "name": node.name.zh, "name_en": node.name.en or node.name.zh, "segment": node.segment,
            "segment_label": labels.code("chain_segment", node.segment, lang), "products": list(node.products),
            "suppliers": d.chain.suppliers(node.id), "customers": d.chain.customers(node.id),
        },
        "diagnosis": present.payload(_worded(b, d.diagnosis, lang), lang)["rows"][0],
        "roles": {role: _cell(n, "firms", provenance) for role, n in d.roles.items()},
        "enterprises": {"total": d.total_firms, **present.payload(_worded(d, d.firms, lang, d.node_id), lang)},
        "targets": {"total": d.total_targets, **present.payload(_worded(d, d.targets, lang), lang)},
    }


LISTS = ("recruitment", "expansion", "leaders")


def list_model(h: service.Host, chain_id: str, which: str, district: str | None = None, limit: int | None = 100,
               lang: str = "zh", *, viewer: Viewer = LOCAL, show_all: bool = False) -> dict:
    b = service.board(h, chain_id, district, viewer=viewer, feasible=not show_all)
    full = getattr(b, which)
    return {"chain": b.chain.id, "list": which, "area": _area(b.city, b.district, lang), "year": b.year,
            "total": len(full.rows), **present.payload(_worded(b, _head(full, limit), lang), lang),
            "filters": words.filters_model(b, lang, which)}


def board_tables(b, lang: str, which: tuple[str, ...] = ("recruitment", "expansion", "diagnosis", "leaders"),
                 ) -> dict[str, Table]:
    """The worded tables of the work lists (the XLSX's sheets, in this order)."""
    return {k: _worded(b, getattr(b, k), lang) for k in which}


def _xlsx(b, tables: dict[str, Table], name: str, lang: str):
    sheets, formats = words.frames(tables, lang)
    area = b.city.area_label(b.district, lang)
    note = words.workbook_note(b.synthetic, lang, chain=b.chain, area=area, year=b.year)
    suffix = f"-{b.district}" if b.district else ""
    return xlsx_response(sheets, f"{b.chain.id}{suffix}-{name}.xlsx", notes=dict.fromkeys(sheets, note),
                         number_formats=formats)


# --- routes -----------------------------------------------------------------------------------------------


@router.get("/chains", summary="产业链概览: 各链强链/弱链/缺链环节数", response_model=ChainsResponse,
            responses=responses(xlsx=True, not_found=True))
def chains_list(request: Request, district: str | None = District, format: Format = "json"):
    h, lang = host(request), lang_of(request)
    if format == "xlsx":
        result = service.overview(h, district)
        sheets, formats = words.frames({"summary": result.summary}, lang)
        area = result.city.area_label(result.district, lang)
        note = words.workbook_note(result.synthetic, lang, area=area, year=result.year)
        suffix = f"-{result.district}" if result.district else ""
        return xlsx_response(sheets, f"chains{suffix}.xlsx", notes=dict.fromkeys(sheets, note), number_formats=formats)
    return summary_model(h, district, lang)


# The JSON answers are kept encoded per data generation, request and viewer rights (`asgi.cached_json`): the map's
# answer is 1.5 MB on the full demo, and validating and encoding it anew took most of a request's time (p95 1.5 s
# at 20 clients; docs/benchmarks.md "Request latency, fifth session").
CHAIN, NODE, LIST = TypeAdapter(ChainResponse), TypeAdapter(ChainNodeResponse), TypeAdapter(ChainListResponse)


@router.get("/chains/{chain_id}", summary="产业链图谱: 环节（上中下游、诊断、本地营收、依据）与供应关系",
            response_model=ChainResponse, responses=responses(xlsx=True, not_found=True))
async def chain_detail(request: Request, chain_id: str, district: str | None = District, format: Format = "json",
                       show_all: bool = ShowAll):
    h, lang, who = host(request), lang_of(request), viewer(request)
    if format == "xlsx":
        b = await run_in_threadpool(service.board, h, chain_id, district, viewer=who, feasible=not show_all)
        return await run_in_threadpool(lambda: _xlsx(b, board_tables(b, lang), "lists", lang))
    return await asgi.cached_json(
        request.app.state.ctx, ("chain", chain_id, district, lang, asgi.rights(who), show_all),
        lambda: asgi.encoded(CHAIN, chain_model(h, chain_id, district, lang, viewer=who, show_all=show_all)))


@router.get("/chains/{chain_id}/nodes/{node_id}", summary="环节: 本地企业（角色、证据）与招商目标",
            response_model=ChainNodeResponse, responses=responses(not_found=True))
async def chain_node(request: Request, chain_id: str, node_id: str, district: str | None = District,
                     limit: int = Limit):
    h, lang, who = host(request), lang_of(request), viewer(request)
    return await asgi.cached_json(
        request.app.state.ctx, ("chain-node", chain_id, node_id, district, limit, lang, asgi.rights(who)),
        lambda: asgi.encoded(NODE, node_model(h, chain_id, node_id, district, limit, lang, viewer=who)))


def _list_route(which: str):
    async def handler(request: Request, chain_id: str, district: str | None = District, limit: int = Limit,
                      format: Format = "json", show_all: bool = ShowAll):
        h, lang, who = host(request), lang_of(request), viewer(request)
        if format == "xlsx":
            b = await run_in_threadpool(service.board, h, chain_id, district, viewer=who, feasible=not show_all)
            return await run_in_threadpool(lambda: _xlsx(b, board_tables(b, lang, (which,)), which, lang))
        return await asgi.cached_json(
            request.app.state.ctx, ("chain-list", which, chain_id, district, limit, lang, asgi.rights(who), show_all),
            lambda: asgi.encoded(LIST, list_model(h, chain_id, which, district, limit, lang, viewer=who,
                                                  show_all=show_all)))

    handler.__name__ = f"chain_{which}"
    return handler


LIST_RESPONSES = responses(xlsx=True, not_found=True)


router.get("/chains/{chain_id}/recruitment", response_model=ChainListResponse, responses=LIST_RESPONSES,
           summary="招商清单: 外地缺链/弱链环节的生产企业，附推荐理由")(_list_route("recruitment"))
router.get("/chains/{chain_id}/expansion", response_model=ChainListResponse, responses=LIST_RESPONSES,
           summary="增资扩产清单: 本地产业链上的全部生产企业（含强链与链主），附推荐理由")(_list_route("expansion"))
router.get("/chains/{chain_id}/leaders", response_model=ChainListResponse, responses=LIST_RESPONSES,
           summary="链主企业: 规模与连接度领先的本地生产企业")(_list_route("leaders"))


def districts(framework) -> list[dict]:
    """The city's districts for the pages' filter."""
    city = framework.city
    return [{"code": d.code, "name": d.name, "name_en": city.district_label(d.code, "en")} for d in city.districts]
