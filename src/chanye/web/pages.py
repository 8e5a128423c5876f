"""HTML pages: each page handler calls the model function its JSON twin calls, renders the model through a
Jinja2 template and embeds it as JSON for the charts (no fetch before the first chart).

Pages: / (总览), /cluster and /cluster/{node} (集群), /district and /district/{adcode} (区), /enterprises and
/enterprise/{uscc} (企业), /data (数据). 机会 (/opportunities) and 产业链 (/chains) are linked from the nav and
built elsewhere. `render_error` draws the error page for web/errors.py.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from pydantic import BaseModel

from chanye.errors import NotFound
from chanye.present import labels
from chanye.present import tables as present
from chanye.registry import views
from chanye.services.access import require_import
from chanye.services.results import Table
from chanye.web.api.enterprises import EnterprisePayload, SearchPayload
from chanye.web.auth import viewer
from chanye.web.disclosure import for_viewer
from chanye.web.i18n import lang_of, translator
from chanye.web.schemas import responses
from chanye.web.tables import clean, xlsx_response
from chanye.web.templating import fmt, templates

log = logging.getLogger("chanye.web")

router = APIRouter(tags=["pages 页面"])

# What the pages really answer (issue 17), declared in /openapi.json: the HTML page, or for a page with tables
# `?format=xlsx&table=NAME` the workbook (404 for a name the page lacks); the .json twin the page's model; and the
# errors (the error page for a browser, ErrorBody in JSON).
PAGE = responses(json=False, html=True, not_found=True)
PAGE_TABLES = responses(json=False, html=True, xlsx=True, not_found=True)
TABLE_PARAMS = {"parameters": [
    {"name": "format", "in": "query", "required": False, "schema": {"type": "string", "enum": ["xlsx"]},
     "description": "xlsx: 下载本页的一张表 (download one of the page's tables)"},
    {"name": "table", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 40},
     "description": "与 format=xlsx 同用: 表格名 (the table's name)"},
]}
TWIN = responses()
TWIN_OF = responses(not_found=True)  # the twin of a page about something that may not exist

NAV = (
    ("overview", "/"),
    ("cluster", "/cluster"),
    ("district", "/district"),
    ("enterprise", "/enterprises"),
    ("data", "/data"),
    ("opportunities", "/opportunities"),
    ("chains", "/chains"),
    ("fusion", "/fusion"),  # 两业融合 (issue 13)
    ("projects", "/projects"),  # 项目: 招商与重点项目 (issue 12)
)


# --------------------------------------------------------------------------------------------------------
# Template helpers
# --------------------------------------------------------------------------------------------------------


def _synthetic(request: Request) -> bool:
    ctx = request.app.state.ctx
    return ctx.cached(("is_synthetic",), lambda: views.is_synthetic(ctx.cursor()))


def data_mix(request: Request) -> str:
    """The registry's firms: 'synthetic', 'registry' or 'mixed' (issue 15 pages: banners follow the data)."""
    ctx = request.app.state.ctx
    return ctx.cached(("data_mix",), lambda: views.data_mix(ctx.cursor()))


def rows_mix(rows: list[dict], default: str) -> str:
    """The provenance of the firms a page lists (each row's `provenance`); `default` when it lists none."""
    kinds = {r.get("provenance") for r in rows} - {None}
    if not kinds:
        return default
    return "mixed" if len(kinds) > 1 else ("synthetic" if kinds == {"synthetic"} else "registry")


def glossary_words(lang: str) -> dict:
    """Template helpers for glossary links (issue 15): `term_title(id)` the short definition, `term_name(id)`."""
    return {"term_title": lambda key: labels.pick(labels.GLOSSARY[key][1], lang),
            "term_name": lambda key: labels.pick(labels.GLOSSARY[key][0], lang)}


def url_with(request: Request, **changes) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    params = dict(request.query_params)
    for k, v in changes.items():
        if v is None or v == "":
            params.pop(k, None)
        else:
            params[k] = str(v)
    query = urlencode(params)
    return f"{request.url.path}?{query}" if query else request.url.path


def twin_url(request: Request) -> str:
    """The page's `.json` twin: the same path with .json (/index.json for /) and the same query."""
    path = request.url.path.rstrip("/")
    url = f"{path or '/index'}.json"
    return f"{url}?{request.url.query}" if request.url.query else url


def render(request: Request, template: str, *, section: str, title: str, model: dict, json_links: list,
           status: int = 200, tables: dict | None = None, twin: bool = False, **extra):
    """Render a page. `model` is embedded as JSON for the charts; `json_links` are (label, url) of its twins.
    The page's `.json` URL answers with the model itself; `?format=xlsx&table=NAME` with that table of the
    page (`tables`: name -> a typed Table, or legacy (sheet, builder, note)) in the page's language."""
    lang = lang_of(request)
    if request.url.path.endswith(".json"):
        return JSONResponse(clean(model))
    if request.query_params.get("format") == "xlsx":
        name = request.query_params.get("table", "")
        if not tables or name not in tables:
            raise NotFound(f"本页没有表格 {name[:40]!r} (no such table on this page)",
                           hint="可用: " + ", ".join(tables or {}) if tables else "本页没有可下载的表格")
        found = tables[name]
        if isinstance(found, Table):
            sheet = labels.word(found.name, lang)
            return xlsx_response({sheet: present.frame(found, lang)}, f"{section}-{name}.xlsx",
                                 notes={sheet: present.provenance_note(found, lang)},
                                 number_formats=present.number_formats(found, lang))
        sheet, build, note = found
        return xlsx_response({sheet: build()}, f"{section}-{name}.xlsx", notes={sheet: note})
    t = translator(lang)
    ctx = request.app.state.ctx
    fw = ctx.framework
    if twin:
        json_links = [("json_page", twin_url(request)), *json_links]
    # the banner and badges follow what the page shows (issue 15): a page may pass `provenance` (its firms' own)
    mix = extra.pop("provenance", None) or data_mix(request)
    context = {
        "lang": lang, "t": t, "section": section, "title": title, "model": model, "json_links": json_links,
        "nav": NAV, "synthetic": mix in ("synthetic", "mixed"), "provenance_mix": mix, "pack": fw.info, "fmt": fmt,
        "city_name": fw.city.label(lang), **glossary_words(lang),
        "url_with": lambda **kw: url_with(request, **kw),
        "lang_url": url_with(request, lang="zh" if lang == "en" else "en"),
        "name_of": lambda obj: (obj.get("name_en") if lang == "en" and obj.get("name_en") else obj.get("name")),
        **extra,
    }
    response = templates.TemplateResponse(request, template, context, status_code=status)
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax")
    from chanye.web.api.enterprises import warm

    warm(ctx)  # the search index builds in the background after the first page
    return response


def render_error(request: Request, status: int, title: str, message: str, hint: str | None = None):
    """The friendly error page (404, 422, 413, ...) used by web/errors.py; never raises."""
    lang = lang_of(request)
    try:
        mix = data_mix(request)
    except Exception:  # pragma: no cover - the store itself may be what failed
        mix = "registry"
    ctx = getattr(request.app.state, "ctx", None)
    context = {
        "lang": lang, "t": translator(lang), "section": "", "title": title, "status": status, "message": message,
        "hint": hint, "nav": NAV, "synthetic": mix in ("synthetic", "mixed"), "provenance_mix": mix,
        "pack": ctx.framework.info if ctx else None,
        "model": {}, "json_links": [], "fmt": fmt, "url_with": lambda **kw: url_with(request, **kw),
        "lang_url": url_with(request, lang="zh" if lang == "en" else "en"),
    }
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


# --------------------------------------------------------------------------------------------------------
# Vendor asset: the city's district boundaries
# --------------------------------------------------------------------------------------------------------


@router.get("/vendor/maps/{adcode}.json", tags=["vendor 资源"], responses=responses(not_found=True),
             summary="本市的区界 GeoJSON (the district boundaries of the pack's city)")
def map_geojson(request: Request, adcode: str):
    """The district boundaries of the pack's city (`framework.map_file`, or CHANYE_MAP_FILE)."""
    ctx = request.app.state.ctx
    city = ctx.framework.city.code
    if adcode != city:
        raise NotFound(f"没有 {adcode[:12]} 的地图 (no map for that area)", hint=f"可用: /vendor/maps/{city}.json")
    path = ctx.map_path()
    if not path.exists():
        # the path goes to the server log only: no response body names a server path (issue 17)
        log.warning("地图文件不存在 map file missing: %s", path)
        raise NotFound(f"{ctx.framework.city.name}的地图文件不在服务器上 (map file missing on the server)",
                       hint="管理员: 运行 npm ci，或设置 CHANYE_MAP_FILE；路径见服务器日志 (see the server log)")
    return FileResponse(path, media_type="application/json", headers={"Cache-Control": "public, max-age=86400"})


# --------------------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse, responses=PAGE_TABLES, openapi_extra=TABLE_PARAMS)
@router.get("/index.json", responses=TWIN)
def overview_page(request: Request, year: int | None = Query(None, ge=1990, le=2100)):
    from chanye.web import models

    ctx = request.app.state.ctx
    model = models.memo(ctx, ("overview", year), lambda: models.overview_model(ctx, year=year))
    model = for_viewer(ctx, "overview", model, viewer(request))  # disclosure control (issue 17)
    return render(request, "overview.html", section="overview", title=translator(lang_of(request))("overview"),
                  model=model, json_links=models.overview_links(), tables=models.page_tables("overview", model), twin=True)


@router.get("/cluster", response_class=HTMLResponse, responses=PAGE_TABLES, openapi_extra=TABLE_PARAMS)
@router.get("/cluster.json", responses=TWIN)
def clusters_page(request: Request, year: int | None = Query(None, ge=1990, le=2100)):
    from chanye.web import models

    ctx = request.app.state.ctx
    model = models.memo(ctx, ("clusters", year), lambda: models.clusters_model(ctx, year=year))
    model = for_viewer(ctx, "clusters", model, viewer(request))  # disclosure control (issue 17)
    return render(request, "clusters.html", section="cluster", title=translator(lang_of(request))("cluster"),
                  model=model, json_links=models.clusters_links(), tables=models.page_tables("clusters", model), twin=True)


@router.get("/cluster/{node_id}", response_class=HTMLResponse, responses=PAGE_TABLES, openapi_extra=TABLE_PARAMS)
@router.get("/cluster/{node_id}.json", responses=TWIN_OF)
def cluster_page(
    request: Request,
    node_id: str,
    year: int | None = Query(None, ge=1990, le=2100),
):
    from chanye.web import models
    from chanye.web.api.framework import node_model

    ctx = request.app.state.ctx
    info = node_model(request, node_id)  # UnknownNode -> the 404 page
    model = models.memo(ctx, ("cluster", node_id, year),
                        lambda: models.cluster_model(ctx, node_id, year=year, node_info=info))
    model = _top_for_viewer(request, model, node=node_id, city=ctx.framework.city.code)
    model = for_viewer(ctx, "cluster", model, viewer(request), node=node_id)  # disclosure control (issue 17)
    lang = lang_of(request)
    name = model["node"]["name_en"] if lang == "en" else model["node"]["name"]
    return render(request, "cluster.html", section="cluster", title=name, model=model,
                  json_links=models.cluster_links(node_id), tables=models.page_tables("cluster", model), twin=True)


@router.get("/district", response_class=HTMLResponse, responses=PAGE_TABLES, openapi_extra=TABLE_PARAMS)
@router.get("/district.json", responses=TWIN)
def districts_page(request: Request, year: int | None = Query(None, ge=1990, le=2100)):
    from chanye.web import models

    ctx = request.app.state.ctx
    model = models.memo(ctx, ("districts", year), lambda: models.districts_model(ctx, year=year))
    model = for_viewer(ctx, "districts", model, viewer(request))  # disclosure control (issue 17)
    return render(request, "districts.html", section="district", title=translator(lang_of(request))("district"),
                  model=model, json_links=models.districts_links(), tables=models.page_tables("districts", model), twin=True)


@router.get("/district/{adcode}", response_class=HTMLResponse, responses=PAGE_TABLES, openapi_extra=TABLE_PARAMS)
@router.get("/district/{adcode}.json", responses=TWIN_OF)
def district_page(request: Request, adcode: str, year: int | None = Query(None, ge=1990, le=2100)):
    from chanye.web import models

    ctx = request.app.state.ctx
    model = models.memo(ctx, ("district", adcode, year), lambda: models.district_model(ctx, adcode, year=year))
    model = _top_for_viewer(request, model, district=adcode)
    model = for_viewer(ctx, "district", model, viewer(request), adcode=adcode)  # disclosure control (issue 17)
    lang = lang_of(request)
    name = model["district"]["name_en"] if lang == "en" else model["district"]["name"]
    return render(request, "district.html", section="district", title=name, model=model,
                  json_links=models.district_links(adcode), tables=models.page_tables("district", model), twin=True)


@router.get("/enterprises", response_class=HTMLResponse, responses=PAGE)
@router.get("/enterprises.json", response_model=SearchPayload, responses=TWIN_OF)
def enterprises_page(
    request: Request,
    q: str = Query("", max_length=100),
    node: str | None = Query(None, max_length=64),
    district: str | None = Query(None, pattern=r"^(\d{6})?$"),  # the form sends '' for "all"
    city: str | None = Query(None, pattern=r"^(\d{6}|all)?$",
                             description="城市代码；缺省为框架包的城市，all 为全国样本 (default: the pack's city; all: "
                                         "the national sample)"),
    tag: str | None = Query(None, pattern=r"^(above_scale|high_tech|srdi|little_giant|listed)?$"),
    sort: str | None = Query(None, pattern=r"^(relevance|revenue|industrial_output|value_added|employees|"
                                           r"registered_capital|founded|name)?$"),
    order: str = Query("desc", pattern=r"^(asc|desc)$"),
    page: int = Query(1, ge=1, le=100_000),
    per_page: int = Query(20, ge=1, le=200),
    year: int | None = Query(None, ge=1990, le=2100),
):
    """企业: search and top lists; the model is the /api/v1/enterprises payload plus the nodes to filter by."""
    from chanye.web.api.enterprises import search_model

    ctx = request.app.state.ctx
    lang = lang_of(request)
    # issue 15: the pack's city by default, not the whole national sample; a district is in the city already
    home = ctx.framework.city.code
    area = None if city == "all" or district else (city or home)
    model = search_model(ctx, lang=lang, viewer=viewer(request), q=q, node=node or None, district=district or None,
                         city=area, tag=tag or None, sort=sort or None, order=order, page=page, per_page=per_page,
                         year=year)
    model["nodes"] = [{"id": n.id, "name": {"zh": n.name.zh, "en": n.name.en}, "status": n.status}
                      for n in ctx.framework.industry_nodes()]
    model["scope"] = {"city": area, "home": home, "national_sample": area is None and not district}
    query = {k: v for k, v in request.query_params.items() if v != "" and k != "city"}
    if area:
        query["city"] = area
    api = "/api/v1/enterprises" + (("?" + urlencode(query)) if query else "")
    xlsx = "/api/v1/enterprises?" + urlencode({**{k: v for k, v in query.items() if k not in ("page", "per_page")},
                                              "format": "xlsx"})
    return render(request, "enterprises.html", section="enterprise", title=translator(lang)("enterprise"),
                  model=model, json_links=[("json_enterprises", api)], xlsx_url=xlsx, twin=True,
                  provenance=rows_mix(model["rows"], data_mix(request)), **code_words(lang))


@router.get("/enterprise/{uscc}", response_class=HTMLResponse, responses=PAGE)
@router.get("/enterprise/{uscc}.json", response_model=EnterprisePayload, responses=TWIN_OF)
def enterprise_page(request: Request, uscc: str):
    """One enterprise; the model is the /api/v1/enterprises/{uscc} payload."""
    from chanye.web.api.enterprises import profile_model

    lang = lang_of(request)
    model = profile_model(request.app.state.ctx, uscc, lang=lang, viewer=viewer(request))
    home = request.app.state.ctx.framework.city.district(model["district_code"]) is not None
    return render(request, "enterprise.html", section="enterprise", title=model["name"], model=model,
                  json_links=[("json_profile", f"/api/v1/enterprises/{model['uscc']}")], twin=True,
                  home_district=home, provenance=model["provenance"], **code_words(lang))


def _top_for_viewer(request: Request, model: dict, **query) -> dict:
    """A cluster or district page's model (cached for everyone) with its top-firm list as the viewer may see it
    (issue 17): a visitor none, a district analyst their own district's firms only."""
    from chanye.web.api.enterprises import search_model

    who = viewer(request)
    if model.get("top") is None or (who.sees_firms and who.firm_district is None):
        return model
    if not who.sees_firms:
        return {**model, "top": None}
    return {**model, "top": search_model(request.app.state.ctx, viewer=who, per_page=10, **query)}


def code_words(lang: str) -> dict:
    """Template helpers for typed payloads: `code(group, value)` words a coded value, `unit_word(unit)` a
    machine unit (present.labels)."""
    return {"code": lambda group, value: labels.code(group, value, lang), "unit_word": lambda u: labels.unit(u, lang)}


@router.get("/data", response_class=HTMLResponse, responses=PAGE)
@router.get("/data.json", responses=TWIN_OF)
def data_page(request: Request, batch: int | None = Query(None, ge=1)):
    """数据: upload, import history, one batch's quarantine, sources (each a /api/v1/data payload)."""
    from chanye.web.api import data
    from chanye.web.api.list_imports import LIST_UPLOAD_BYTES

    ctx = request.app.state.ctx
    lang = lang_of(request)
    require_import(viewer(request))  # the page lists rejected rows (firm-level data) and the upload form
    synthetic = _synthetic(request)
    model = {
        "batches": data.batches_model(ctx, lang=lang),
        "quarantine": data.quarantine_model(ctx, batch, limit=200, lang=lang, viewer=viewer(request)),
        "sources": data.sources_model(ctx, lang=lang),
        "template": data.template_model(ctx, lang=lang),  # issue 15 data in: accepted headers
        "max_upload_bytes": ctx.max_upload_bytes,
        "list_upload_bytes": min(ctx.max_upload_bytes, LIST_UPLOAD_BYTES),  # 项目清单 and 转型指标 uploads
        "provenance": "synthetic" if synthetic else "registry", "synthetic": synthetic,
    }
    return render(request, "data.html", section="data", title=translator(lang)("data"), model=model,
                  json_links=[("json_history", "/api/v1/data/batches"), ("json_quarantine", "/api/v1/data/quarantine"),
                              ("json_sources", "/api/v1/data/sources")], twin=True, **code_words(lang),
                  col=lambda key: labels.column(key, lang))


# --------------------------------------------------------------------------------------------------------
# 术语 Glossary (issue 15): every term the pages use, defined as chanye computes it; terms link here
# --------------------------------------------------------------------------------------------------------


class GlossaryTerm(BaseModel):
    """One term: its id (the page anchor, /glossary#id), name, short definition and definition, in both
    languages."""

    id: str
    term: dict[str, str]
    short: dict[str, str]
    definition: dict[str, str]


class GlossaryPayload(BaseModel):
    """The glossary: every term the pages link to."""

    terms: list[GlossaryTerm]


def glossary_model() -> dict:
    pair = lambda p: {"zh": p[0], "en": p[1]}  # noqa: E731
    return {"terms": [{"id": key, "term": pair(name), "short": pair(short), "definition": pair(text)}
                      for key, (name, short, text) in labels.GLOSSARY.items()]}


@router.get("/glossary", response_class=HTMLResponse, responses=PAGE)
@router.get("/glossary.json", response_model=GlossaryPayload, responses=TWIN)
def glossary_page(request: Request):
    """术语: 区位商, 强链/弱链/缺链, 生产/销售/依赖, ECI/PCI/COG/关联密度, 关联状态, 全国样本, 千亿级 ..."""
    lang = lang_of(request)
    return render(request, "glossary.html", section="glossary", title=translator(lang)("glossary"),
                  model=glossary_model(), json_links=[], twin=True)
