"""产业链 pages: /chains (every chain's 强/弱/缺 counts) and /chains/{id} (the chain map, node details, 链主 and
the 招商 and 增资扩产 lists). Each page renders the model its JSON twin under /api/v1/chains returns
(`web/api/chains.py`) through `pages.render`, embedded as JSON for static/chains.js (no fetch before the
first chart; a click on a node fetches /api/v1/chains/{id}/nodes/{node}).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from chanye import chainboard
from chanye.web.api import chains as api
from chanye.web.i18n import lang_of
from chanye.web.pages import render

router = APIRouter(include_in_schema=False)

LIST_ROWS = 20  # rows of each list shown on the page; the XLSX holds them all

# The words these pages add to web/i18n.py's (zh, en).
WORDS: dict[str, tuple[str, str]] = {
    "chains": ("产业链", "Industrial chains"),
    "chain": ("产业链", "Chain"),
    "all_city": ("全市", "Whole city"),
    "area": ("区域", "Area"),
    "show": ("查看", "Show"),
    "overview_title": ("各产业链强链、弱链、缺链环节数", "Strong, weak and missing links per chain"),
    "overview_sub": ("单位：个（环节）", "unit: links"),
    "axis_links": ("环节数（个）", "Links"),
    "links_unit": ("单位：个（环节）", "links"),
    "chain_table": ("产业链一览", "Chains"),
    "map": ("产业链图谱", "Chain map"),
    "map_sub": (
        "上游 → 中游 → 下游；颜色为诊断，大小为本地营业收入（亿元）；点击环节查看企业",
        "upstream → midstream → downstream; colour: diagnosis, size: local revenue (100m yuan); click a link",
    ),
    "strong": ("强链", "Strong"),
    "weak": ("弱链", "Weak"),
    "missing": ("缺链", "Missing"),
    "node_panel": ("环节详情", "Link details"),
    "node_hint": (
        "点击图中的环节，查看本地企业与招商目标。",
        "Click a link in the map for its local firms and targets.",
    ),
    "local_firms": ("本地企业", "Local enterprises"),
    "targets": ("招商目标", "Recruitment targets"),
    "no_targets": ("该环节不是缺链或弱链，没有招商目标。", "Not a weak or missing link: no targets."),
    "no_firms": ("本地没有该环节的企业。", "No local enterprise on this link."),
    "diagnosis": ("链条诊断", "Diagnosis"),
    "leaders": ("链主企业", "Chain leaders"),
    "recruitment": ("招商清单", "Recruitment list"),
    "expansion": ("增资扩产清单", "Expansion list"),
    "recruitment_sub": ("外地缺链、弱链环节的生产企业", "producers elsewhere on weak or missing links"),
    "expansion_sub": ("本地弱链环节的生产企业", "local producers on weak links"),
    "leaders_sub": ("规模与连接度领先的本地生产企业", "the largest and best-connected local producers"),
    "shown_of": ("显示前 {n} 家，共 {total} 家", "first {n} of {total}"),
    "stale": (
        "产业链模板在上次关联后已修改，图中企业关联为旧模板的结果：运行 chanye classify 重新关联。",
        "The template changed since the firms were linked: run chanye classify to relink.",
    ),
    "missing_links": (
        "本库尚未保存产业链关联，本页为临时计算：运行 chanye classify 保存。",
        "This database has no stored chain links; computed on the fly: run chanye classify.",
    ),
    "editor_note": (
        "环节与供应关系为编者依据下列公开资料整理（非官方产业链图）。",
        "Links and supply edges are the editor's synthesis of the sources below (not an official map).",
    ),
    "editor_note_index": (
        "各链的环节与供应关系为编者依据公开资料整理（非官方产业链图），来源见各链页面；* 为暂定集群。",
        "Each chain's links and edges are the editor's synthesis of public sources (listed on its page); * provisional.",
    ),
    "provisional_chain": (
        "所属集群为暂定节点：尚未由官方名单确认。",
        "The cluster is provisional: not confirmed by an official list.",
    ),
    "reason": ("依据", "Grounds"),
    "role": ("角色", "Role"),
    "evidence": ("证据", "Evidence"),
    "loading": ("加载中…", "Loading…"),
    "score_note": (
        "得分为 0–1 的综合指数，权重与公式见 docs/chains.md。",
        "Scores are 0–1 indices; weights in docs/chains.md.",
    ),
    "segment_upstream": ("上游", "Upstream"),
    "segment_midstream": ("中游", "Midstream"),
    "segment_downstream": ("下游", "Downstream"),
    "revenue_yi": ("本地营业收入", "Local revenue"),
    "producers": ("本地生产企业", "Local producers"),
    "lq": ("区位商", "LQ"),
}


def words(lang: str) -> dict[str, str]:
    return {k: (v[1] if lang == "en" else v[0]) for k, v in WORDS.items()}


def _query(**params) -> str:
    params = {k: v for k, v in params.items() if v}
    return ("?" + urlencode(params)) if params else ""


def _chains(ctx) -> list[dict]:
    out = []
    for c in ctx.framework.chains:
        cluster = ctx.framework.node(c.cluster)
        out.append(
            {"id": c.id, "name": cluster.name.zh, "name_en": cluster.name.en, "status": cluster.status}
        )
    return out


@router.get("/chains", response_class=HTMLResponse)
def chains_page(request: Request, district: str | None = Query(None, max_length=40)):
    ctx = request.app.state.ctx
    area = chainboard.resolve_district(district)
    model = {
        "view": "index",
        "summary": api.summary_model(ctx, area),
        "districts": api.districts(ctx),
        "chains": _chains(ctx),
        "district": area,
    }
    w = words(lang_of(request))
    return render(
        request,
        "chains_index.html",
        section="chains",
        title=w["chains"],
        model=model,
        json_links=[("JSON", f"/api/v1/chains{_query(district=area)}")],
        w=w,
        xlsx_url=f"/api/v1/chains{_query(district=area, format='xlsx')}",
    )


@router.get("/chains/{chain_id}", response_class=HTMLResponse)
def chain_page(request: Request, chain_id: str, district: str | None = Query(None, max_length=40)):
    ctx = request.app.state.ctx
    chain = ctx.framework.chain(chain_id)  # unknown: the 404 page
    area = chainboard.resolve_district(district)
    model = api.chain_model(ctx, chain.id, area)
    model["view"] = "chain"
    for which in ("recruitment", "expansion", "leaders"):
        model[which] = api.list_model(ctx, chain.id, which, area, LIST_ROWS)
    model["chains"] = _chains(ctx)
    model["districts"] = api.districts(ctx)
    lang = lang_of(request)
    w = words(lang)
    base = f"/api/v1/chains/{chain.id}"
    return render(
        request,
        "chains.html",
        section="chains",
        title=chain.name.en if lang == "en" else chain.name.zh,
        model=model,
        w=w,
        json_links=[
            ("JSON", base + _query(district=area)),
            ("招商 JSON", f"{base}/recruitment{_query(district=area)}"),
            ("增资扩产 JSON", f"{base}/expansion{_query(district=area)}"),
        ],
        xlsx={
            k: f"{base}/{k}{_query(district=area, format='xlsx')}"
            for k in ("recruitment", "expansion", "leaders")
        }
        | {"all": base + _query(district=area, format="xlsx")},
    )
