"""/api/v1/framework: the pack as data (its city, nodes with status, sources, concordance)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from chanye.present import tables as present
from chanye.services import framework as svc
from chanye.web.i18n import lang_of
from chanye.web.schemas import TablePayload, responses

router = APIRouter(tags=["framework 框架"])


class PackInfo(BaseModel):
    id: str
    name: str
    name_en: str
    version: str
    city: str
    city_name: str
    city_name_en: str
    districts: list[dict[str, str]]
    map_file: str


class FrameworkPayload(BaseModel):
    """The pack: its city and districts, industry nodes counted by kind and status, every node, every source."""

    pack: PackInfo
    counts: dict[str, int]
    nodes: TablePayload
    sources: list[dict[str, Any]]


class NodePayload(BaseModel):
    """One node with its status, sources, place in the tree and GB/T 4754 concordance."""

    id: str
    kind: str
    label: str | None
    name: str
    name_en: str
    status: str
    description: str | None
    keywords: list[str]
    sources: list[dict[str, Any]]
    ancestors: list[dict[str, Any]]
    children: list[dict[str, Any]]
    scale_metric: str | None
    codes: list[dict[str, Any]]


def framework_model(request: Request) -> dict:
    fw = request.app.state.ctx.framework
    city = fw.city
    return {
        "pack": {"id": fw.id, "name": fw.info.name.zh, "name_en": fw.info.name.en, "version": fw.info.version,
                 "city": city.code, "city_name": city.name, "city_name_en": city.label("en"),
                 "districts": [{"code": d.code, "name": d.name, "name_en": city.district_label(d.code, "en")}
                               for d in city.districts],
                 "map_file": fw.map_file},
        "counts": svc.counts(fw),
        "nodes": present.payload(svc.nodes_table(fw), lang_of(request)),
        "sources": [s.model_dump() for s in fw.sources],
    }


@router.get("/framework", summary="产业体系: 城市、节点、状态、来源 (the system as data)", response_model=FrameworkPayload,
            responses=responses(invalid=False))
def get_framework(request: Request):
    return framework_model(request)


def node_model(request: Request, node_id: str) -> dict:
    return svc.node_info(request.app.state.ctx.framework, node_id)


@router.get("/framework/nodes/{node_id}", summary="一个节点: 对照代码与关键词 (one node with its concordance)",
            response_model=NodePayload, responses=responses(not_found=True))
def get_node(request: Request, node_id: str):
    return node_model(request, node_id)
