"""The 机会 (growth opportunities) page at /opportunities and its JSON twin /opportunities.json: the
opportunity scatter, the ranked table and the industry space for the pack's city or one of its districts.

One model serves both: the ranked candidates as a table payload (machine keys, number cells with unit and
provenance; the table shows the first `TABLE_ROWS`, the scatter all), the place's ECI/COI, the method, the notes
and the page's sentences. The page embeds it for the charts (the scatter draws with no fetch; the industry
space, ~1,300 nodes at fixed positions, is fetched from /api/v1/complexity/space after the first chart). Every
selector is a query parameter, so a link reproduces the view. All words come from present/labels.py.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ConfigDict

from chanye.present import labels
from chanye.present import opportunities as present
from chanye.services import opportunities as svc
from chanye.services.platform import Platform
from chanye.web.api import complexity as api
from chanye.web.i18n import lang_of
from chanye.web.pages import PAGE, TWIN_OF, render

router = APIRouter(tags=["pages 页面"])

TABLE_ROWS = 50  # rows in the ranked table (the scatter shows every candidate)
SPACE_MARKED = 20  # top opportunities ringed in the industry space


class OpportunitiesPage(api.OpportunitiesPayload):
    """The page's model: the ranking of every candidate plus what the page needs to draw it."""

    model_config = ConfigDict(extra="allow")

    unit_label: str
    table_rows: int
    marked: list[str]
    place_options: list[dict[str, str]]
    options: dict[str, list[dict[str, str]]]
    nodes: list[dict[str, Any]]
    urls: dict[str, str]
    text: dict[str, Any]


def place_options(space: svc.Space, city, lang: str) -> list[dict[str, str]]:
    """The city (unless the space is its own districts) and each district with data, in code order."""
    opp = space.model
    out = [] if opp.space_kind == "districts" else [
        {"code": city.code, "name": labels.word("opp_city_option", lang).format(city=city.label(lang))}]
    for code in opp.districts:
        if opp.has_place(code):
            out.append({"code": code, "name": city.area_label(code, lang)})
    return out


def options(lang: str) -> dict[str, list[dict[str, str]]]:
    """The selectors' values and labels."""
    def unit_suffix(measure: str) -> str:
        unit = labels.unit(svc.MEASURE_UNITS[measure], lang)
        return (f" ({unit})" if lang == "en" else f"（{unit}）") if unit else ""

    return {
        "measure": [{"value": m, "label": labels.code("metric", m, lang) + unit_suffix(m)} for m in svc.MEASURES],
        "strategy": [{"value": s, "label": labels.code("strategy", s, lang)} for s in svc.STRATEGIES],
        "by": [{"value": b, "label": b.upper()} for b in svc.BY],
        "scope": [{"value": s, "label": labels.code("opp_scope", s, lang)} for s in svc.SCOPES],
    }


def texts(model: dict, city, lang: str) -> dict[str, Any]:
    """The page's sentences with their numbers filled in, and the method's (term, text) items."""
    w = lambda key: labels.word(key, lang)  # noqa: E731
    method = model["method"]
    wt = method["weights"]
    cities = method["space"] == "cities"
    shown = min(TABLE_ROWS, len(model["rows"]))
    measure = labels.code("metric", model["measure"], lang)
    return {
        "scatter_sub": w("opp_scatter_sub").format(by=model["by"].upper(), unit=labels.unit(model["unit"], lang)),
        "table_sub": w("opp_table_sub").format(n=shown, wd=wt["density"], wp=wt["pci"], wc=wt["cog"]),
        "space_sub": w("opp_space_sub").format(n=min(SPACE_MARKED, len(model["rows"]))),
        "space_size": w("opp_space_size_cities" if cities else "opp_space_size_districts").format(
            l=method["space_locations"], a=method["activities"]),
        "threshold": w("opp_threshold_value").format(n=method["min_presence_firms"]),
        "national_sample": w("opp_national_sample").format(
            n=method["benchmark_locations"], kind=labels.code("space_kind", method["space"], lang)),
        "measure": measure,
        "method": [
            (w("opp_m_rca_term"), w("opp_m_rca").format(measure=measure, n=method["min_presence_firms"])),
            (w("opp_m_space_term"), w("opp_m_space").format(
                space=w("opp_m_space_cities" if cities else "opp_m_space_districts").format(city=city.label(lang)),
                projected=w("opp_m_projected") if cities else "", k=method["min_activity_firms"])),
            (w("opp_m_density_term"), w("opp_m_density")),
            (w("opp_m_pci_term"), w("opp_m_pci")),
            (w("opp_m_cog_term"), w("opp_m_cog")),
            (w("opp_m_score_term"), w("opp_m_score").format(
                scope=w(f"opp_m_scope_{model['scope']}"),
                detail=w("opp_m_traded_detail") if model["scope"] == "traded" else "")),
            (w("opp_m_refs_term"), w("opp_m_refs")),
        ],
    }


def page_model(p: Platform, lang: str, *, place: str | None, measure: str, strategy: str, by: str, scope: str,
               year: int | None, show_all: bool = False) -> dict:
    """What /opportunities renders and /opportunities.json returns. `show_all`: the feasibility filters off."""
    result = p.opportunities(place, measure, strategy, by, scope, year, limit=None, feasible=not show_all)
    city = p.city
    model = present.ranking_payload(result, city, lang)
    query = {"place": result.place, "measure": measure, "strategy": strategy, "by": by, "scope": scope}
    if year:
        query["year"] = year
    toggle = dict(query) | ({} if show_all else {"show_all": "true"})
    if show_all:
        query["show_all"] = "true"
    lang_q = {"lang": lang} if lang == "en" else {}
    space_q = {"place": result.place, "measure": measure} | ({"year": year} if year else {})
    nodes = [{"id": n.id, "name": n.name.zh, "name_en": n.name.en, "kind": n.kind, "status": n.status}
             for n in p.framework.industry_nodes()]
    model.update(
        unit_label=labels.unit(result.unit, lang),
        table_rows=TABLE_ROWS,
        marked=[r["activity"] for r in model["rows"][:SPACE_MARKED]],
        place_options=place_options(p.opportunity_space(measure, year), city, lang),
        options=options(lang),
        nodes=nodes,
        urls={
            "toggle": "/opportunities?" + urlencode(toggle | lang_q),
            "json": "/opportunities.json?" + urlencode(query | lang_q),
            "api": "/api/v1/complexity/opportunities?" + urlencode(query | lang_q),
            "xlsx": "/api/v1/complexity/opportunities?" + urlencode({**query, "limit": 1000, "format": "xlsx"} | lang_q),
            "space": "/api/v1/complexity/space?" + urlencode(space_q | lang_q),
            "places": "/api/v1/complexity/places?" + urlencode({"measure": measure} | lang_q),
        },
    )
    model["text"] = texts(model, city, lang)
    return model


def cached_model(request: Request, lang: str, **params) -> dict:
    ctx = request.app.state.ctx
    p = api.platform(request)
    key = ("opportunities-page", lang, *sorted(params.items()))
    return ctx.cached(key, lambda: page_model(p, lang, **params))


def _params(place, measure, strategy, by, scope, year, show_all: bool = False) -> dict:
    return {"place": place, "measure": measure, "strategy": strategy, "by": by, "scope": scope, "year": year,
            "show_all": show_all}


@router.get("/opportunities", response_class=HTMLResponse, responses=PAGE)
def opportunities_page(request: Request, place: str | None = Query(None, max_length=40),
                       measure: api.Measure = "enterprises", strategy: api.StrategyParam = "balanced",
                       by: api.ByParam = "pci", scope: api.ScopeParam = "traded",
                       year: int | None = Query(None, ge=1990, le=2100), show_all: bool = api.ShowAll):
    lang = lang_of(request)
    model = cached_model(request, lang, **_params(place, measure, strategy, by, scope, year, show_all))
    urls = model["urls"]
    return render(request, "opportunities.html", section="opportunities", title=labels.word("opp_title", lang),
                  model=model,
                  json_links=[("opp_json_page", urls["json"]), ("opp_json", urls["api"]),
                              ("opp_json_space", urls["space"]), ("opp_json_places", urls["places"])],
                  code=lambda group, value: labels.code(group, value, lang))


@router.get("/opportunities.json", response_model=OpportunitiesPage, responses=TWIN_OF,
            summary="机会页的数据（与 /opportunities 所渲染的相同）: 全部候选的排名、ECI/COI、方法与说明")
def opportunities_json(request: Request, place: str | None = Query(None, max_length=40),
                       measure: api.Measure = "enterprises", strategy: api.StrategyParam = "balanced",
                       by: api.ByParam = "pci", scope: api.ScopeParam = "traded",
                       year: int | None = Query(None, ge=1990, le=2100), lang: api.Lang = "zh",
                       show_all: bool = api.ShowAll):
    params = _params(place, measure, strategy, by, scope, year, show_all)
    return request.app.state.ctx.json(("opportunities-page-json", lang, *sorted(params.items())),
                                      lambda: cached_model(request, lang, **params))
