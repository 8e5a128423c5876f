"""/api/v1/chains: industrial chains (产业链图谱). Every number is a cell {value, unit, provenance} built by
`scoreboard.cells()` from the chain board's tables: the unit comes from the column label (（亿元）, （家）, （%）,
（倍）, （0–1） for scores), the provenance is 'synthetic' (示例数据) or 'registry'.

    /chains                               every chain: 强/弱/缺 counts (?district=, ?format=xlsx)
    /chains/{id}                          the template graph: nodes with segment, status, local revenue, reason;
                                          edges; the diagnosis table (?format=xlsx: the four work-list sheets)
    /chains/{id}/nodes/{node}             the node's local enterprises (role, evidence) and its 招商 targets
    /chains/{id}/recruitment|expansion|leaders    the lists (?limit=, ?format=xlsx)

`{id}` is a chain id or its cluster's node id; `?district=` takes a name, short name or adcode everywhere.
The views are computed once per chain and district and kept until the data change (`Context.cached`).
"""

from __future__ import annotations

import re
from typing import Literal

import pandas as pd
from fastapi import APIRouter, Query, Request

from chanye import chainboard
from chanye.web.api.enterprises import district_table
from chanye.web.api.scoreboard import cells
from chanye.web.tables import clean, xlsx_response

router = APIRouter(tags=["chains 产业链"])

Format = Literal["json", "xlsx"]
District = Query(
    None, max_length=40, description="区: 名称、简称或代码，缺省为全市 (a district; default the city)"
)
Limit = Query(100, ge=1, le=20_000, description="最多返回的行数 (rows to return)")
STATUS_ORDER = ("强链", "弱链", "缺链")


# --- cached views -----------------------------------------------------------------------------------------


def inputs(ctx) -> chainboard.Inputs:
    return ctx.cached(("chains", "inputs"), lambda: chainboard.load_inputs(ctx.cursor(), ctx.framework))


def links(ctx, chain_id: str | None) -> pd.DataFrame:
    data = inputs(ctx)
    return ctx.cached(
        ("chains", "links", chain_id),
        lambda: chainboard.read_chain_links(ctx.cursor(), ctx.framework, chain_id, data),
    )


def chain_view(ctx, chain_id: str, district: str | None) -> chainboard.ChainView:
    chain = ctx.framework.chain(chain_id)  # unknown chain: 404 before any work
    area = chainboard.resolve_district(district)  # unknown district: 404
    data, chain_links = inputs(ctx), links(ctx, chain.id)
    return ctx.cached(
        ("chains", "view", chain.id, area),
        lambda: chainboard.view(data, ctx.framework, chain.id, district=area, links=chain_links),
    )


def summary_frame(ctx, district: str | None) -> pd.DataFrame:
    area = chainboard.resolve_district(district)
    data = inputs(ctx)

    def compute() -> pd.DataFrame:  # every chain's links, read for this and not kept (350k rows on the full demo)
        every = chainboard.read_chain_links(ctx.cursor(), ctx.framework, None, data)
        return chainboard.summary(data, ctx.framework, every, district=area)

    return ctx.cached(("chains", "summary", area), compute)


# --- models (the page renders the same ones) --------------------------------------------------------------


_UNIT = re.compile(r"（([^（）]+)）$")
_PLAIN = ("序号",)  # a row number, not a figure


def rows_of(frame: pd.DataFrame) -> list[dict]:
    """`scoreboard.cells()`, and a missing figure (NaN) is a cell too, with value null: every column whose
    label names a unit is a cell in every row."""
    rows = cells(frame)
    figures = {c: m.group(1) for c in frame.columns if (m := _UNIT.search(str(c)))}
    for row in rows:
        provenance = {"示例数据": "synthetic", "登记数据": "registry"}.get(row.get("来源"), "registry")
        for column, unit in figures.items():
            if row.get(column) is None:
                row[column] = {"value": None, "unit": unit, "provenance": provenance}
        for column in _PLAIN:
            if isinstance(row.get(column), dict):
                row[column] = row[column]["value"]
    return rows


def _table(frame: pd.DataFrame) -> dict:
    return {"columns": list(frame.columns), "rows": rows_of(frame)}


def _provenance(synthetic: bool) -> str:
    return "synthetic" if synthetic else "registry"


def _cell(value, unit: str, synthetic: bool) -> dict:
    return {"value": value, "unit": unit, "provenance": _provenance(synthetic)}


def _area(district: str | None) -> dict:
    return {"code": district or "440100", "name": chainboard.area_name(district)}


def summary_model(ctx, district: str | None = None) -> dict:
    frame = summary_frame(ctx, district)
    data = inputs(ctx)
    return {
        "area": _area(chainboard.resolve_district(district)),
        "year": data.year,
        "synthetic": data.synthetic,
        "provenance": _provenance(data.synthetic),
        **_table(frame),
    }


def _source(ctx, source_id: str) -> dict:
    s = ctx.framework.source(source_id)
    if s is None:
        return {"id": source_id, "title": source_id}
    return {"id": s.id, "title": s.title, "publisher": s.publisher, "date": s.date, "url": s.url}


def chain_model(ctx, chain_id: str, district: str | None = None) -> dict:
    """The chain map: template nodes (segment, parent, products) with their diagnosis (status 强链/弱链/缺链,
    reason, local revenue and producers as cells), the supply edges, counts per status and the full table."""
    v = chain_view(ctx, chain_id, district)
    chain = v.chain
    cluster = ctx.framework.node(chain.cluster)
    diag = chainboard.diagnosis_table(v)
    rows = rows_of(diag)
    nodes = []
    for node, row in zip(chain.nodes, rows, strict=True):
        nodes.append(
            {
                "id": node.id,
                "name": node.name.zh,
                "name_en": node.name.en,
                "segment": node.segment,
                "segment_zh": node.segment_zh,
                "parent": node.parent,
                "products": list(node.products),
                "status": row["诊断"],
                "reason": row["依据"],
                "revenue": row["本地营业收入（亿元）"],
                "producers": row["本地生产企业（家）"],
                "above_scale": row["规上生产企业（家）"],
                "sellers": row["本地销售企业（家）"],
                "users": row["本地依赖企业（家）"],
                "lq": row["区位商（倍）"],
                "share": row["占全国样本比重（%）"],
            }
        )
    counts = diag["诊断"].value_counts()
    return {
        "chain": {
            "id": chain.id,
            "name": chain.name.zh,
            "name_en": chain.name.en,
            "cluster": chain.cluster,
            "cluster_name": cluster.name.zh,
            "cluster_name_en": cluster.name.en,
            "cluster_status": cluster.status,
            "description": chain.description,
            "sources": [_source(ctx, s) for s in chain.sources],
        },
        "area": _area(v.district),
        "year": v.year,
        "synthetic": v.synthetic,
        "provenance": _provenance(v.synthetic),
        "link_status": v.status,
        "counts": {s: _cell(int(counts.get(s, 0)), "个", v.synthetic) for s in STATUS_ORDER},
        "nodes": nodes,
        "edges": [{"source": e.source, "target": e.target, "note": e.note} for e in chain.edges],
        "diagnosis": _table(diag),
        "totals": {
            "recruitment": len(v.recruitment),
            "expansion": len(v.expansion),
            "leaders": len(v.leaders),
        },
    }


def node_model(ctx, chain_id: str, node_id: str, district: str | None = None, limit: int = 100) -> dict:
    v = chain_view(ctx, chain_id, district)
    out = chainboard.node_view(inputs(ctx), v, node_id, limit=limit)
    node = out["node"]
    return {
        "chain": v.chain.id,
        "area": _area(v.district),
        "year": v.year,
        "synthetic": v.synthetic,
        "provenance": _provenance(v.synthetic),
        "node": {
            "id": node.id,
            "name": node.name.zh,
            "name_en": node.name.en,
            "segment": node.segment,
            "segment_zh": node.segment_zh,
            "products": list(node.products),
            "suppliers": v.chain.suppliers(node.id),
            "customers": v.chain.customers(node.id),
        },
        "diagnosis": rows_of(out["diagnosis"])[0],
        "roles": {role: _cell(n, "家", v.synthetic) for role, n in out["roles"].items()},
        "enterprises": {"total": out["total_firms"], **_table(out["firms"])},
        "targets": {"total": out["total_targets"], **_table(out["targets"])},
    }


LISTS = {
    "recruitment": ("招商清单", lambda v, n: chainboard.recruitment_table(v, n), "recruitment"),
    "expansion": ("增资扩产清单", lambda v, n: chainboard.expansion_table(v, n), "expansion"),
    "leaders": ("链主企业", lambda v, n: chainboard.leaders_table(v).head(n), "leaders"),
}


def list_model(ctx, chain_id: str, which: str, district: str | None = None, limit: int | None = 100) -> dict:
    v = chain_view(ctx, chain_id, district)
    title, build, attr = LISTS[which]
    frame = build(v, limit)
    return {
        "chain": v.chain.id,
        "list": which,
        "title": title,
        "area": _area(v.district),
        "year": v.year,
        "synthetic": v.synthetic,
        "provenance": _provenance(v.synthetic),
        "total": len(getattr(v, attr)),
        **_table(frame),
    }


def _xlsx(v: chainboard.ChainView, sheets: dict[str, pd.DataFrame], name: str):
    area = f"-{v.area_name}" if v.district else ""
    return xlsx_response(
        sheets,
        f"{v.chain.id}{area}-{name}.xlsx",
        notes=dict.fromkeys(sheets, chainboard.note(v)),
        number_formats=chainboard.NUMBER_FORMATS,
    )


# --- routes -----------------------------------------------------------------------------------------------


@router.get("/chains", summary="产业链概览: 各链强链/弱链/缺链环节数")
def chains_list(request: Request, district: str | None = District, format: Format = "json"):
    ctx = request.app.state.ctx
    if format == "xlsx":
        frame = summary_frame(ctx, district)
        data = inputs(ctx)
        note = (
            "示例数据：企业均为合成数据。" if data.synthetic else "数据来源：导入的企业登记库。"
        ) + f" {data.year} 年。"
        area = chainboard.area_name(chainboard.resolve_district(district))
        return xlsx_response(
            {"产业链概览": frame.drop(columns="来源")}, f"产业链概览-{area}.xlsx", notes={"产业链概览": note}
        )
    return summary_model(ctx, district)


@router.get("/chains/{chain_id}", summary="产业链图谱: 环节（上中下游、诊断、本地营收、依据）与供应关系")
def chain_detail(request: Request, chain_id: str, district: str | None = District, format: Format = "json"):
    ctx = request.app.state.ctx
    if format == "xlsx":
        v = chain_view(ctx, chain_id, district)
        return _xlsx(v, chainboard.work_lists(v), "产业链清单")
    return chain_model(ctx, chain_id, district)


@router.get("/chains/{chain_id}/nodes/{node_id}", summary="环节: 本地企业（角色、证据）与招商目标")
def chain_node(
    request: Request, chain_id: str, node_id: str, district: str | None = District, limit: int = Limit
):
    return node_model(request.app.state.ctx, chain_id, node_id, district, limit)


def _list_route(which: str):
    title = LISTS[which][0]

    def handler(
        request: Request,
        chain_id: str,
        district: str | None = District,
        limit: int = Limit,
        format: Format = "json",
    ):
        ctx = request.app.state.ctx
        if format == "xlsx":
            v = chain_view(ctx, chain_id, district)
            frame = LISTS[which][1](v, None).drop(columns="来源")
            return _xlsx(v, {title: frame}, title)
        return clean(list_model(ctx, chain_id, which, district, limit))

    handler.__name__ = f"chain_{which}"
    return handler


router.get("/chains/{chain_id}/recruitment", summary="招商清单: 外地缺链/弱链环节的生产企业，附推荐理由")(
    _list_route("recruitment")
)
router.get("/chains/{chain_id}/expansion", summary="增资扩产清单: 本地弱链环节的生产企业，附推荐理由")(
    _list_route("expansion")
)
router.get("/chains/{chain_id}/leaders", summary="链主企业: 规模与连接度领先的本地生产企业")(
    _list_route("leaders")
)


def districts(ctx) -> list[dict]:
    """The city's districts for the page's filter."""
    return list(district_table(ctx.framework.info.city).values())
