"""管理 (issue 17): the accounts (/admin/users) and the audit log (/admin/audit), for administrators only, each
with its `.json` twin. The forms post back here with the session's CSRF token (web/auth.py checks it); the
service calls (`services.accounts`) refuse anyone but an administrator.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from chanye.present import labels
from chanye.present import tables as present
from chanye.services import accounts
from chanye.services.access import Role, require_admin
from chanye.web.auth import viewer
from chanye.web.i18n import lang_of, translator
from chanye.web.pages import code_words, render

router = APIRouter(include_in_schema=False)


def _admin(request: Request):
    who = viewer(request)
    require_admin(who)
    return who


@router.get("/admin/users", response_class=HTMLResponse)
@router.get("/admin/users.json")
def users_page(request: Request, done: str | None = Query(None, max_length=20)):
    """Every account: name, role, district; forms to add one, reset a password, remove one."""
    _admin(request)
    ctx = request.app.state.ctx
    lang = lang_of(request)
    store = ctx.cursor()
    try:
        found = accounts.users_table(store, ctx.city)
    finally:
        store.close()
    model = present.payload(found, lang)
    roles = [{"id": r.value, "name": labels.code("role", r.value, lang)} for r in Role]
    districts = [{"code": d.code, "name": ctx.city.district_label(d.code, lang)} for d in ctx.city.districts]
    return render(request, "admin_users.html", section="admin", title=translator(lang)("admin_users"), model=model,
                  json_links=[], twin=True, users=found.rows, roles=roles, districts=districts, done=bool(done),
                  col=lambda key: labels.column(key, lang), **code_words(lang))


@router.post("/admin/users")
def add_user(request: Request, name: str = Form(..., max_length=200), role: str = Form(..., max_length=40),
             password: str = Form(..., max_length=2000), district: str = Form("", max_length=40)):
    who = _admin(request)
    ctx = request.app.state.ctx
    with ctx.bookkeeping() as store:
        accounts.add_user(store, ctx.city, name, role, password, district or None, by=who.user)
    return RedirectResponse(f"/admin/users?done=1&lang={lang_of(request)}", status_code=303)


@router.post("/admin/users/{name}/remove")
def remove_user(request: Request, name: str):
    who = _admin(request)
    with request.app.state.ctx.bookkeeping() as store:
        accounts.remove_user(store, name, by=who.user)
    return RedirectResponse(f"/admin/users?done=1&lang={lang_of(request)}", status_code=303)


@router.post("/admin/users/{name}/reset")
def reset_user(request: Request, name: str, password: str = Form(..., max_length=2000)):
    who = _admin(request)
    with request.app.state.ctx.bookkeeping() as store:
        accounts.reset_password(store, name, password, by=who.user)
    return RedirectResponse(f"/admin/users?done=1&lang={lang_of(request)}", status_code=303)


@router.get("/admin/audit", response_class=HTMLResponse)
@router.get("/admin/audit.json")
def audit_page(request: Request, page: int = Query(1, ge=1, le=1_000_000), per_page: int = Query(50, ge=1, le=500),
               user: str | None = Query(None, max_length=64), action: str | None = Query(None, max_length=40)):
    """The audit log, newest first, one page at a time (LIMIT/OFFSET in SQL)."""
    who = viewer(request)
    ctx = request.app.state.ctx
    lang = lang_of(request)
    store = ctx.cursor()
    try:
        found = accounts.audit(store, who, limit=per_page, offset=(page - 1) * per_page, user=user or None,
                               action=action or None)
    finally:
        store.close()
    model = present.payload(found.entries, lang, total=found.total, page=found.page, pages=found.pages,
                            per_page=per_page)
    return render(request, "admin_audit.html", section="admin", title=translator(lang)("admin_audit"), model=model,
                  json_links=[], twin=True, entries=found.entries.rows, paging=found, user_filter=user or "",
                  action_filter=action or "", actions=accounts.ACTIONS, col=lambda key: labels.column(key, lang), **code_words(lang))
