"""产业链 pages: /chains (every chain's strong/weak/missing counts) and /chains/{id} (the chain map, node
details, chain leaders and the recruitment and expansion lists). Each page renders one model, built from the
models of /api/v1/chains (`web/api/chains.py`) and returned as it is by the page's JSON twin
(/chains.json, /chains/{id}.json). The model travels in <script type="application/json"> for
static/chains.js (no fetch before the first chart; a click on a node fetches /api/v1/chains/{id}/nodes/{node}).
Every word comes from `present.labels` (the `chains_*` keys, passed to the templates as `w`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from chanye.present import labels
from chanye.services import chains as service
from chanye.web.api import chains as api
from chanye.web.auth import viewer
from chanye.web.i18n import lang_of
from chanye.web.pages import PAGE, TWIN_OF, render

router = APIRouter(tags=["pages 页面"])

LIST_ROWS = 20  # rows of each list shown on the page; the XLSX holds them all
PREFIX = "chains_"
CODE_GROUPS = ("chain_status", "chain_segment", "chain_role", "chain_link_status", "chain_leader_basis", "status")


def words(lang: str) -> dict[str, str]:
    """The pages' words (`chains_*` in the label table), without the prefix."""
    return {k[len(PREFIX):]: labels.pick(v, lang) for k, v in labels.WORDS.items() if k.startswith(PREFIX)}


def codes(lang: str) -> dict[str, dict[str, str]]:
    """The coded values the pages show (statuses, segments, roles), in `lang`."""
    return {g: {k: labels.pick(v, lang) for k, v in labels.CODES[g].items()} for g in CODE_GROUPS}


def _words_of_data(framework, lang: str) -> dict:
    """What the pages' scripts need beside the tables: the city, the words of codes and units."""
    return {"city": framework.city.code, "codes": codes(lang),
            "units": {k: labels.pick(v, lang) for k, v in labels.UNITS.items()}}


def _query(**params) -> str:
    params = {k: v for k, v in params.items() if v}
    return ("?" + urlencode(params)) if params else ""


def _chains(framework) -> list[dict]:
    out = []
    for c in framework.chains:
        cluster = framework.node(c.cluster)
        out.append({"id": c.id, "name": cluster.name.zh, "name_en": cluster.name.en, "status": cluster.status})
    return out


def index_model(request: Request, district: str | None) -> dict:
    h, lang = api.host(request), lang_of(request)
    area = service.resolve_district(h.framework, district)
    return {"view": "index", "summary": api.summary_model(h, area, lang), "districts": api.districts(h.framework),
            "chains": _chains(h.framework), "district": area, **_words_of_data(h.framework, lang)}


def chain_page_model(request: Request, chain_id: str, district: str | None, show_all: bool = False) -> dict:
    """The chain page's model, built once per data generation, chain, area, language, viewer and `show_all`
    (issue 14: ~1 s a visit on the full demo, every visit; the warm-up visits each chain's page)."""
    h, lang = api.host(request), lang_of(request)
    chain = h.framework.chain(chain_id)  # unknown: the 404 page
    area = service.resolve_district(h.framework, district)
    who = viewer(request)
    key = ("page-chain", chain.id, area, lang, who.role, who.district, bool(show_all))
    return request.app.state.ctx.cached(key, lambda: _chain_page_model(request, chain.id, area, show_all))


def _chain_page_model(request: Request, chain_id: str, district: str | None, show_all: bool = False) -> dict:
    h, lang = api.host(request), lang_of(request)
    chain = h.framework.chain(chain_id)  # unknown: the 404 page
    area = service.resolve_district(h.framework, district)
    who = viewer(request)  # the firm lists this user may see (issue 17)
    model = api.chain_model(h, chain.id, area, lang, viewer=who, show_all=show_all)
    model["view"] = "chain"
    for which in api.LISTS:
        model[which] = api.list_model(h, chain.id, which, area, LIST_ROWS, lang, viewer=who, show_all=show_all)
    model["chains"] = _chains(h.framework)
    model["districts"] = api.districts(h.framework)
    model.update(_words_of_data(h.framework, lang))
    if who.sees_firms:  # 项目 on each chain node (issue 12 projects)
        from chanye.present import tables as present
        from chanye.services import projects as projects_service

        model["projects"] = present.payload(projects_service.by_chain_node(request.app.state.ctx, chain.id), lang)
        # each 招商清单 row: already a 线索 (its project) or a "转为线索" form for an editor
        model["leads"] = projects_service.chain_leads(request.app.state.ctx, chain.id, model["recruitment"]["rows"],
                                                      viewer=who, district=area)
    return model


@router.get("/chains.json", responses=TWIN_OF)
def chains_json(request: Request, district: str | None = Query(None, max_length=40)) -> dict:
    """The data /chains renders."""
    return index_model(request, district)


@router.get("/chains", response_class=HTMLResponse, responses=PAGE)
def chains_page(request: Request, district: str | None = Query(None, max_length=40)):
    model = index_model(request, district)
    area = model["district"]
    w = words(lang_of(request))
    return render(
        request, "chains_index.html", section="chains", title=w["title"], model=model, w=w,
        json_links=[("chains_json_page", f"/chains.json{_query(district=area)}"),
                    ("json", f"/api/v1/chains{_query(district=area)}")],
        xlsx_url=f"/api/v1/chains{_query(district=area, format='xlsx')}",
    )


@router.get("/chains/{chain_id}.json", responses=TWIN_OF)
def chain_json(request: Request, chain_id: str, district: str | None = Query(None, max_length=40),
               show_all: bool = api.ShowAll) -> dict:
    """The data /chains/{id} renders."""
    return chain_page_model(request, chain_id, district, show_all)


@router.get("/chains/{chain_id}", response_class=HTMLResponse, responses=PAGE)
def chain_page(request: Request, chain_id: str, district: str | None = Query(None, max_length=40),
               show_all: bool = api.ShowAll):
    model = chain_page_model(request, chain_id, district, show_all)
    lang = lang_of(request)
    chain = model["chain"]
    area = model["area"]["code"] if model["area"]["code"] != api.host(request).framework.city.code else None
    base = f"/api/v1/chains/{chain['id']}"
    return render(
        request, "chains.html", section="chains", title=chain["name_en"] if lang == "en" else chain["name"],
        model=model, w=words(lang),
        json_links=[
            ("chains_json_page", f"/chains/{chain['id']}.json{_query(district=area)}"),
            ("chains_json", base + _query(district=area)),
            ("chains_json_recruitment", f"{base}/recruitment{_query(district=area)}"),
            ("chains_json_expansion", f"{base}/expansion{_query(district=area)}"),
        ],
        xlsx={k: f"{base}/{k}{_query(district=area, format='xlsx')}" for k in api.LISTS}
        | {"all": base + _query(district=area, format="xlsx")},
        area_param=_query(district=area),
        csrf=request.state.session.csrf if getattr(request.state, "session", None) else "",  # 转为线索 (issue 12)
        toggle_url=f"/chains/{chain['id']}" + _query(district=area, show_all=None if show_all else "true",
                                                      lang="en" if lang == "en" else None),
    )
