"""HTML pages: each page handler calls the model function its JSON twin calls, renders the model through a
Jinja2 template and embeds it as JSON for the charts (no fetch before the first chart).

Pages: / (总览), /cluster and /cluster/{node} (集群), /district and /district/{adcode} (区), /enterprises and
/enterprise/{uscc} (企业), /data (数据). 机会 (/opportunities) and 产业链 (/chains) are linked from the nav and
built elsewhere. `render_error` draws the error page for web/errors.py.
"""

from __future__ import annotations

import math
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from chanye.errors import NotFound
from chanye.registry import views
from chanye.web.i18n import lang_of, translator, words_for
from chanye.web.tables import xlsx_response

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}

router = APIRouter(include_in_schema=False)

NAV = (
    ("overview", "/"),
    ("cluster", "/cluster"),
    ("district", "/district"),
    ("enterprise", "/enterprises"),
    ("data", "/data"),
    ("opportunities", "/opportunities"),
    ("chains", "/chains"),
)


# --------------------------------------------------------------------------------------------------------
# Template helpers
# --------------------------------------------------------------------------------------------------------


def fmt(value, digits: int = 0, *, sign: bool = False) -> str:
    """A number for a table cell: thousands separators, fixed digits, '—' for missing."""
    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{number:+,.{digits}f}" if sign else f"{number:,.{digits}f}"
    return text


templates.env.filters["fmt"] = fmt
templates.env.globals["js_words"] = words_for


def _synthetic(request: Request) -> bool:
    ctx = request.app.state.ctx
    return ctx.cached(("is_synthetic",), lambda: views.is_synthetic(ctx.cursor()))


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


def render(request: Request, template: str, *, section: str, title: str, model: dict, json_links: list,
           status: int = 200, tables: dict | None = None, **extra):
    """Render a page. `model` is embedded as JSON for the charts; `json_links` are (label, url) of its twins.
    `?format=xlsx&table=NAME` answers with that table of the page (`tables`: name -> (sheet, builder, note))."""
    if request.query_params.get("format") == "xlsx":
        name = request.query_params.get("table", "")
        if not tables or name not in tables:
            raise NotFound(f"本页没有表格 {name[:40]!r} (no such table on this page)",
                           hint="可用: " + ", ".join(tables or {}) if tables else "本页没有可下载的表格")
        sheet, build, note = tables[name]
        return xlsx_response({sheet: build()}, f"{section}-{name}.xlsx", notes={sheet: note})
    lang = lang_of(request)
    t = translator(lang)
    ctx = request.app.state.ctx
    fw = ctx.framework
    context = {
        "lang": lang, "t": t, "section": section, "title": title, "model": model, "json_links": json_links,
        "nav": NAV, "synthetic": _synthetic(request), "pack": fw.info, "fmt": fmt,
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
        synthetic = _synthetic(request)
    except Exception:  # pragma: no cover - the store itself may be what failed
        synthetic = False
    ctx = getattr(request.app.state, "ctx", None)
    context = {
        "lang": lang, "t": translator(lang), "section": "", "title": title, "status": status, "message": message,
        "hint": hint, "nav": NAV, "synthetic": synthetic, "pack": ctx.framework.info if ctx else None,
        "model": {}, "json_links": [], "fmt": fmt, "url_with": lambda **kw: url_with(request, **kw),
        "lang_url": url_with(request, lang="zh" if lang == "en" else "en"),
    }
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


# --------------------------------------------------------------------------------------------------------
# Vendor asset: the city's district boundaries
# --------------------------------------------------------------------------------------------------------


@router.get("/vendor/maps/{adcode}.json")
def map_geojson(request: Request, adcode: str):
    from chanye.web.app import map_file

    city = request.app.state.ctx.framework.info.city
    if adcode != city:
        raise NotFound(f"没有 {adcode[:12]} 的地图 (no map for that area)", hint=f"可用: /vendor/maps/{city}.json")
    path = map_file()
    if not path.exists():
        raise NotFound(f"地图文件不存在: {path} (map file missing)", hint="运行 npm ci，或设置 CHANYE_MAP_FILE")
    return FileResponse(path, media_type="application/json", headers={"Cache-Control": "public, max-age=86400"})


# --------------------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def overview_page(request: Request, year: int | None = Query(None, ge=1990, le=2100)):
    from chanye.web import models

    ctx = request.app.state.ctx
    model = models.memo(ctx, ("overview", year), lambda: models.overview_model(ctx, year=year))
    return render(request, "overview.html", section="overview", title=translator(lang_of(request))("overview"),
                  model=model, json_links=models.overview_links(), tables=models.page_tables("overview", model))


@router.get("/cluster", response_class=HTMLResponse)
def clusters_page(request: Request, year: int | None = Query(None, ge=1990, le=2100)):
    from chanye.web import models

    ctx = request.app.state.ctx
    model = models.memo(ctx, ("clusters", year), lambda: models.clusters_model(ctx, year=year))
    return render(request, "clusters.html", section="cluster", title=translator(lang_of(request))("cluster"),
                  model=model, json_links=models.clusters_links(), tables=models.page_tables("clusters", model))


@router.get("/cluster/{node_id}", response_class=HTMLResponse)
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
    lang = lang_of(request)
    name = model["node"]["name_en"] if lang == "en" else model["node"]["name"]
    return render(request, "cluster.html", section="cluster", title=name, model=model,
                  json_links=models.cluster_links(node_id), tables=models.page_tables("cluster", model))


@router.get("/district", response_class=HTMLResponse)
def districts_page(request: Request, year: int | None = Query(None, ge=1990, le=2100)):
    from chanye.web import models

    ctx = request.app.state.ctx
    model = models.memo(ctx, ("districts", year), lambda: models.districts_model(ctx, year=year))
    return render(request, "districts.html", section="district", title=translator(lang_of(request))("district"),
                  model=model, json_links=models.districts_links(), tables=models.page_tables("districts", model))


@router.get("/district/{adcode}", response_class=HTMLResponse)
def district_page(request: Request, adcode: str, year: int | None = Query(None, ge=1990, le=2100)):
    from chanye.web import models

    ctx = request.app.state.ctx
    model = models.memo(ctx, ("district", adcode, year), lambda: models.district_model(ctx, adcode, year=year))
    lang = lang_of(request)
    name = model["district"]["name_en"] if lang == "en" else model["district"]["name"]
    return render(request, "district.html", section="district", title=name, model=model,
                  json_links=models.district_links(adcode), tables=models.page_tables("district", model))


@router.get("/enterprises", response_class=HTMLResponse)
def enterprises_page(
    request: Request,
    q: str = Query("", max_length=100),
    node: str | None = Query(None, max_length=64),
    district: str | None = Query(None, pattern=r"^(\d{6})?$"),  # the form sends '' for "all"
    tag: str | None = Query(None, pattern=r"^(above_scale|high_tech|srdi|little_giant|listed)?$"),
    sort: str | None = Query(None, pattern=r"^(relevance|revenue|industrial_output|value_added|employees|"
                                           r"registered_capital|founded|name)?$"),
    order: str = Query("desc", pattern=r"^(asc|desc)$"),
    page: int = Query(1, ge=1, le=100_000),
    per_page: int = Query(20, ge=1, le=200),
    year: int | None = Query(None, ge=1990, le=2100),
):
    from chanye.web.api.enterprises import search_model

    ctx = request.app.state.ctx
    model = search_model(ctx, q=q, node=node or None, district=district or None, tag=tag or None, sort=sort or None,
                         order=order, page=page, per_page=per_page, year=year)
    model["nodes"] = [{"id": n.id, "name": n.name.zh, "name_en": n.name.en, "status": n.status}
                      for n in ctx.framework.industry_nodes()]
    api = "/api/v1/enterprises" + (("?" + request.url.query) if request.url.query else "")
    xlsx = "/api/v1/enterprises?" + urlencode({**{k: v for k, v in request.query_params.items()
                                                  if k not in ("page", "per_page", "lang")}, "format": "xlsx"})
    return render(request, "enterprises.html", section="enterprise", title=translator(lang_of(request))("enterprise"),
                  model=model, json_links=[("JSON", api)], xlsx_url=xlsx)


@router.get("/enterprise/{uscc}", response_class=HTMLResponse)
def enterprise_page(request: Request, uscc: str):
    from chanye.web.api.enterprises import profile_model

    model = profile_model(request.app.state.ctx, uscc)
    return render(request, "enterprise.html", section="enterprise", title=model["name"], model=model,
                  json_links=[("JSON", f"/api/v1/enterprises/{model['uscc']}")])


@router.get("/data", response_class=HTMLResponse)
def data_page(request: Request, batch: int | None = Query(None, ge=1)):
    from chanye.web.api import data

    ctx = request.app.state.ctx
    model = {
        "batches": data.batches_model(ctx),
        "quarantine": data.quarantine_model(ctx, batch, limit=200),
        "sources": data.sources_model(ctx),
        "max_upload_bytes": ctx.max_upload_bytes,
        "provenance": {"synthetic": _synthetic(request)},
    }
    return render(request, "data.html", section="data", title=translator(lang_of(request))("data"), model=model,
                  json_links=[("json_history", "/api/v1/data/batches"), ("json_quarantine", "/api/v1/data/quarantine"),
                              ("json_sources", "/api/v1/data/sources")])
