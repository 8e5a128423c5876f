"""/api/v1/framework: the pack as data (nodes with status, sources, concordance)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from chanye.framework.summary import node_rows, system_counts

router = APIRouter(tags=["framework 框架"])


def framework_model(request: Request) -> dict:
    fw = request.app.state.ctx.framework
    return {
        "pack": {"id": fw.id, "name": fw.info.name.zh, "name_en": fw.info.name.en, "city": fw.info.city,
                 "version": fw.info.version},
        "counts": system_counts(fw),
        "nodes": node_rows(fw),
        "sources": [s.model_dump() for s in fw.sources],
    }


@router.get("/framework", summary="产业体系: 节点、状态、来源 (the system as data)")
def get_framework(request: Request) -> dict:
    return framework_model(request)


def node_model(request: Request, node_id: str) -> dict:
    fw = request.app.state.ctx.framework
    node = fw.node(node_id)
    from chanye.standards import gbt4754

    std = gbt4754.load()
    return {
        "id": node.id, "kind": node.kind, "label": node.label, "name": node.name.zh, "name_en": node.name.en,
        "status": node.status, "description": node.description, "keywords": list(node.keywords),
        "sources": [fw.source(s).model_dump() for s in node.sources if fw.source(s)],
        "ancestors": [{"id": a.id, "name": a.name.zh} for a in fw.ancestors(node.id)],
        "children": [{"id": c.id, "name": c.name.zh, "status": c.status} for c in fw.children(node.id)],
        "scale_metric": fw.scale_metric(node.id) if node.is_industry else None,
        "codes": [
            {"code": r.code, "name": std.name(r.code) if r.code in std else "", "scope": r.scope,
             "keywords": list(r.keywords), "exclude": list(r.exclude), "note": r.note}
            for r in node.codes
        ],
    }


@router.get("/framework/nodes/{node_id}", summary="一个节点: 对照代码与关键词 (one node with its concordance)")
def get_node(request: Request, node_id: str) -> dict:
    return node_model(request, node_id)
