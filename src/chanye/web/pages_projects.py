"""项目 (issue 12): the 招商/重点项目 pipeline at /projects (+ /projects.json) and one project at /projects/{id}
(+ .json). The page shows the funnel (chart and table), projects by district (map and bars), conversion and
days per stage, the stalled list, the strategic share, signed investment against targets, the landed
projects' firms, the project list with each project's stage timeline, and a chain's 招商清单 whose rows
become 线索 in one click. The project page shows the project on any date (`as_of`), its whole history and
links to its firm and chain links, and lets an editor record a stage change.

Forms post with the session's CSRF token (web/auth.py checks it, as for 复核); no inline script (the CSP).
Every table is offered as XLSX (`?format=xlsx&table=NAME`; `project_supervision` is the 督办 sheet).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict

from chanye.analytics import projects as ap
from chanye.errors import InputError
from chanye.present import labels
from chanye.present import tables as present
from chanye.services import projects as svc
from chanye.web.auth import viewer
from chanye.web.i18n import lang_of
from chanye.web.pages import PAGE_TABLES, TABLE_PARAMS, TWIN_OF, render
from chanye.web.schemas import TablePayload

router = APIRouter(tags=["pages 页面"])
posts = APIRouter(include_in_schema=False)  # the forms (POST); what they answer is a redirect

LIST_ROWS = 100  # rows of the project list on the page (the XLSX holds them all)
TARGET_ROWS = 30  # rows of a chain's 招商清单 offered as leads
SHOWN = {"project_list": LIST_ROWS, "project_stalled": 50, "project_landed": 30}  # rows on the page, by table
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_PARAM = Query(None, max_length=10, description="截至日期 YYYY-MM-DD：任一过去的状态 (any past date)")


class ProjectsPage(BaseModel):
    """The 项目 page's model: its typed tables, the filters and what its charts need."""

    model_config = ConfigDict(extra="allow")

    as_of: str
    synthetic: bool
    provenance: str
    filters: dict[str, Any]
    tables: dict[str, TablePayload]
    list_rows: int
    total: int
    context: TablePayload  # published city investment figures beside the projects' own total (context only)


class ProjectPage(BaseModel):
    """One project's model: its row, its history, links, and what may be recorded next."""

    model_config = ConfigDict(extra="allow")

    id: str
    as_of: str
    synthetic: bool
    project: TablePayload
    history: TablePayload
    firm: str | None
    chain_nodes: list[dict[str, Any]]
    recommendation: dict[str, Any] | None
    editable: bool
    next_stages: list[str]


def _day(text: str | None) -> str | None:
    """A YYYY-MM-DD date that exists, else a 422 naming the parameter."""
    if not text:
        return None
    import pandas as pd

    if not _DATE.match(text):
        raise InputError(f"as_of={text[:12]!r} 不是日期 YYYY-MM-DD (not a date)", hint="例如 2025-06-30")
    try:
        pd.Timestamp(text)
    except ValueError:
        raise InputError(f"as_of={text[:12]!r} 不是有效日期 (no such date)", hint="例如 2025-06-30") from None
    return text


def _options(fw, lang: str, years: list[int]) -> dict[str, list[dict[str, str]]]:
    city = fw.city
    return {
        "district": [{"value": d.code, "label": city.district_label(d.code, lang)} for d in city.districts],
        "node": [{"value": n.id, "label": labels.pick((n.name.zh, n.name.en), lang)} for n in fw.industry_nodes()],
        "kind": [{"value": k, "label": str(labels.code("project_kind", k, lang))} for k in ap.KINDS],
        "stage": [{"value": s, "label": str(labels.code("project_stage", s, lang))} for s in ap.ALL_STAGES],
        "year": [{"value": str(y), "label": str(y)} for y in years],
        "chain": [{"value": c.id, "label": labels.pick((c.name.zh, c.name.en), lang)} for c in fw.chains],
    }


def _targets(request: Request, chain: str | None, lang: str) -> dict[str, Any] | None:
    """A chain's 招商清单 rows offered as leads (which already are one), for an editor; None otherwise."""
    if not chain:
        return None
    ctx = request.app.state.ctx
    who = viewer(request)
    c = ctx.framework.chain(chain)  # unknown: 404
    board = ctx.chain(c.id, viewer=who)
    data = svc.load(ctx)
    leads = set(data.projects["id"])
    rows = []
    for r in board.recruitment.rows[:TARGET_ROWS]:
        pid = svc.project_id(ctx.framework.id, f"{r['name']}·{c.id}", r["name"])
        rows.append({"uscc": r["uscc"], "name": r["name"], "city_code": r.get("city_code"),
                     "chain_nodes": list(r["chain_nodes"]), "node_statuses": list(r["node_statuses"]),
                     "score": r.get("score"), "rank": r.get("rank"), "project": pid if pid in leads else None})
    node_names = {n.id: labels.pick((n.name.zh, n.name.en), lang) for n in c.nodes}
    return {"chain": c.id, "name": labels.pick((c.name.zh, c.name.en), lang), "rows": rows, "node_names": node_names,
            "editable": svc.may_edit(who, who.district)}


def view_day(request: Request, as_of: str | None) -> date:
    """The day the page shows: `as_of` when given, else `svc.default_day` of today by the server's clock
    (`ctx.clock`), or of the day a warm-up visit asks for (`request.state.day`: web/warmup.py builds the next
    day's page before midnight)."""
    given = _day(as_of)
    if given:
        return date.fromisoformat(given)
    ctx = request.app.state.ctx
    today = getattr(request.state, "day", None) or ctx.clock().date()
    return svc.default_day(svc.load(ctx), today).date()


def page_model(request: Request, *, district, node, year, kind, stage, as_of, chain) -> tuple[dict, svc.Pipeline]:
    """The page's model and pipeline, computed once per data generation, day shown, language, viewer and filters
    (issue 14: the pipeline takes seconds on the full demo; the warm-up visits /projects so its first visit finds
    it, and builds the next day's before midnight). The key holds the day shown, not the calendar's: 示例数据 shows
    its last recorded day, so a new calendar day costs it nothing. A stage change or new lead writes the store,
    which starts a new generation."""
    who = viewer(request)
    day = view_day(request, as_of)
    key = ("page-projects", lang_of(request), who.role, who.district, day.isoformat(),
           district, node, year, kind, stage, as_of, chain)
    return request.app.state.ctx.cached(key, lambda: _page_model(request, district=district, node=node, year=year,
                                                                 kind=kind, stage=stage, as_of=as_of, chain=chain,
                                                                 day=day))


def _page_model(request: Request, *, district, node, year, kind, stage, as_of, chain, day: date
                ) -> tuple[dict, svc.Pipeline]:
    ctx = request.app.state.ctx
    lang = lang_of(request)
    result = svc.pipeline(ctx, viewer=viewer(request), as_of=day, district=district or None,
                          node=node or None, year=year, kind=kind or None, stage=stage or None)
    tables = result.tables()
    model_tables = {name: present.payload(t, lang) for name, t in tables.items()}
    total = len(result.projects.rows)
    # the page shows the first rows of the long tables; the XLSX of each holds them all
    counts = {name: len(model_tables[name]["rows"]) for name in SHOWN}
    for name, limit in SHOWN.items():
        model_tables[name]["rows"] = model_tables[name]["rows"][:limit]
    years = sorted({int(r["year"]) for r in result.strategic.rows if r["year"] is not None})
    f = result.filters
    filters = {"district": f.district, "node": f.node, "year": f.year, "kind": f.kind, "stage": f.stage,
               "as_of": as_of or None, "chain": chain or None}
    model = {
        "as_of": result.as_of, "synthetic": result.synthetic, "provenance": result.provenance.key,
        "filters": filters, "tables": model_tables, "list_rows": LIST_ROWS, "total": total, "counts": counts,
        "sees_projects": viewer(request).sees_firms, "thresholds": result.thresholds,
        "stages": list(ap.STAGES), "options": _options(ctx.framework, lang, years),
        "targets": _targets(request, chain, lang) if viewer(request).sees_firms else None,
        "city": ctx.framework.city.code,
        # published city investment figures beside the projects' own total (context, never the same measure)
        "context": present.payload(svc.investment_context(ctx), lang),
        "chart": {"save": labels.word("save_png", lang),
                  "provenance": str(labels.code("provenance", result.provenance.key, lang)),
                  "projects": labels.column("project_count", lang), "investment": labels.column("project_investment", lang),
                  "unit_yi": labels.unit("yi_yuan", lang), "unit_count": labels.unit("count", lang),
                  "stages": {s: str(labels.code("project_stage", s, lang)) for s in ap.ALL_STAGES}},
    }
    return model, result


def _xlsx_tables(request: Request, result: svc.Pipeline) -> dict:
    out = dict(result.tables())
    out["project_supervision"] = svc.supervision(result, svc.latest_notes(request.app.state.ctx))
    return out


@router.get("/projects", response_class=HTMLResponse, responses=PAGE_TABLES, openapi_extra=TABLE_PARAMS)
@router.get("/projects.json", response_model=ProjectsPage, responses=TWIN_OF,
            summary="项目页的数据（与 /projects 所渲染的相同）: 漏斗、分区、转化与停留天数、停滞项目、项目清单")
def projects_page(request: Request, district: str | None = Query(None, max_length=40),
                  node: str | None = Query(None, max_length=64), year: int | None = Query(None, ge=1990, le=2100),
                  kind: str | None = Query(None, pattern=r"^(attract|expand|construction|upgrade)?$"),
                  stage: str | None = Query(None, pattern=r"^(lead|talks|signed|registered|land|started|production|"
                                                          r"full|terminated)?$"),
                  as_of: str | None = DATE_PARAM, chain: str | None = Query(None, max_length=64),
                  done: str | None = Query(None, max_length=40)):
    """项目: the pipeline under the filters, on `as_of`."""
    lang = lang_of(request)
    model, result = page_model(request, district=district, node=node, year=year, kind=kind, stage=stage,
                               as_of=as_of, chain=chain)
    tables = _xlsx_tables(request, result) if request.query_params.get("format") == "xlsx" else None
    csrf = request.state.session.csrf if getattr(request.state, "session", None) else ""
    return render(request, "projects.html", section="projects", title=labels.word("projects_title", lang),
                  model=model, json_links=[], twin=True, tables=tables or result.tables(), csrf=csrf,
                  done=done, col=lambda key: labels.column(key, lang), code=lambda g, v: labels.code(g, v, lang),
                  unit=lambda key: labels.unit(key, lang), xlsx=lambda name: _xlsx_url(request, name))


def _xlsx_url(request: Request, name: str) -> str:
    params = {k: v for k, v in request.query_params.items() if k not in ("format", "table", "done") and v}
    return "/projects?" + urlencode({**params, "format": "xlsx", "table": name})


@router.get("/projects/{project_id}", response_class=HTMLResponse, responses=PAGE_TABLES, openapi_extra=TABLE_PARAMS)
@router.get("/projects/{project_id}.json", response_model=ProjectPage, responses=TWIN_OF,
            summary="一个项目（与 /projects/{id} 所渲染的相同）: 项目信息与全部阶段记录")
def project_page(request: Request, project_id: str, as_of: str | None = DATE_PARAM,
                 done: str | None = Query(None, max_length=40)):
    """One project on `as_of`, its history, its firm and chain links, and the stage form for an editor."""
    ctx = request.app.state.ctx
    lang = lang_of(request)
    one = svc.detail(ctx, project_id[:40], viewer=viewer(request), as_of=_day(as_of))
    model = {"id": one.project.rows[0]["id"], "as_of": one.as_of, "synthetic": one.project.provenance.kind == "synthetic",
             "project": present.payload(one.project, lang), "history": present.payload(one.history, lang),
             "firm": one.firm, "chain_nodes": list(one.chain_nodes), "recommendation": one.recommendation,
             "editable": one.editable, "next_stages": list(one.next_stages), "stages": list(ap.STAGES),
             "as_of_given": as_of or None, "recommended": _recommended(ctx.framework, one.recommendation, lang)}
    csrf = request.state.session.csrf if getattr(request.state, "session", None) else ""
    row = one.project.rows[0]
    return render(request, "project.html", section="projects", title=row["name"], model=model, json_links=[],
                  twin=True, tables={"project_history": one.history, "project_list": one.project}, csrf=csrf,
                  done=done, row=row, history=one.history.rows, col=lambda key: labels.column(key, lang),
                  code=lambda g, v: labels.code(g, v, lang), unit=lambda key: labels.unit(key, lang))


def _recommended(fw, rec: dict | None, lang: str) -> dict | None:
    """The recommendation's chain and chain links by name (ids where the pack no longer has them)."""
    if not rec or not rec.get("chain"):
        return None
    try:
        chain = fw.chain(rec["chain"])
    except Exception:  # a chain the pack no longer has: its id
        return {"chain": rec["chain"], "nodes": list(rec.get("chain_nodes") or [])}
    names = {n.id: labels.pick((n.name.zh, n.name.en), lang) for n in chain.nodes}
    return {"chain": labels.pick((chain.name.zh, chain.name.en), lang),
            "nodes": [names.get(n, n) for n in rec.get("chain_nodes") or []]}


@posts.post("/projects/{project_id}/stage")
def project_stage(request: Request, project_id: str, stage: str = Form(..., max_length=20),
                  date: str = Form(..., max_length=10), note: str = Form("", max_length=500),
                  reason: str = Form("", max_length=500)):
    """Record a stage change (the service refuses one that breaks the rules); back to the project."""
    svc.record_stage(request.app.state.ctx, project_id[:40], stage, _day(date) or "", note=note.strip(),
                     reason=reason, viewer=viewer(request))
    return RedirectResponse(f"/projects/{project_id[:40]}?done=stage&lang={lang_of(request)}", status_code=303)


@posts.post("/projects/from-target")
def project_from_target(request: Request, chain: str = Form(..., max_length=64), uscc: str = Form(..., max_length=40),
                        district: str = Form("", max_length=40)):
    """A 招商清单 row becomes a 线索 (one click); to the new project's page."""
    done = svc.from_target(request.app.state.ctx, chain, uscc, viewer=viewer(request), district=district or None)
    return RedirectResponse(f"/projects/{done['id']}?done={'created' if done['created'] else 'exists'}"
                            f"&lang={lang_of(request)}", status_code=303)
