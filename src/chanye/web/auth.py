"""Accounts on the web (issue 17): sign-in, sessions, CSRF protection and the audit of what users see.

- `install(app, settings)` adds one middleware (`Accounts`, pure ASGI) and the /login and /logout routes. With
  accounts on (`AuthSettings.enabled`), every page, JSON and file needs a live session: a browser asking for a
  page is sent to /login, anything else gets 401 with a bilingual message. With accounts off (one analyst on
  127.0.0.1, `chanye serve --no-auth` or no account in the store) every request is the local analyst
  (`access.LOCAL`).
- The session cookie is random, HttpOnly, SameSite=Strict and Secure when the request came over HTTPS; the
  store keeps only its SHA-256 (`registry.users`).
- CSRF, on every write (POST, PUT, PATCH, DELETE), accounts on or off: a browser's Origin (else Referer) must
  be this server's own scheme and host, and `Sec-Fetch-Site: cross-site` is refused. A client that sends
  neither header is no browser (a cross-site page cannot suppress both), so it passes that check; with
  accounts on it still needs the session's CSRF token, which only this site's pages hold: the header
  `X-CSRF-Token` (scripts read it from `<meta name="csrf-token">`) or the form field `csrf_token`.
- Audit (accounts on): sign-ins (ok and failed), sign-outs, imports, every XLSX/CSV download, firm-profile
  views and refusals, with who and what (`registry.users.record`; /admin/audit shows them).

Routes read the viewer with `viewer(request)` and pass it to the service layer, which enforces the roles.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from chanye.errors import AccessDenied, ChanyeError, NotSignedIn
from chanye.present import labels
from chanye.registry import users
from chanye.services.access import LOCAL, Viewer, viewer_of
from chanye.web import asgi, errors
from chanye.web.i18n import lang_of, translator
from chanye.web.templating import templates

log = logging.getLogger("chanye.web.auth")

SESSION_COOKIE = "chanye_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Reachable without a session: the sign-in page and what it loads.
PUBLIC_PREFIXES = ("/static/", "/vendor/echarts/", "/vendor/swagger-ui/")
PUBLIC_PATHS = frozenset({"/login", "/favicon.ico"})
# Routes whose 200 is one firm's profile (audited as firm_view).
FIRM_ROUTES = frozenset({"/enterprise/{uscc}", "/enterprise/{uscc}.json", "/api/v1/enterprises/{uscc}"})
# Answers audited as exports: tables (XLSX, CSV) and reports (PDF, Word).
EXPORT_TYPES = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv", "application/pdf",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
MAX_FORM_BYTES = 16 * 1024  # the sign-in and admin forms are small; a bigger body is refused before parsing

router = APIRouter(include_in_schema=False)


class Throttle:
    """Failed sign-ins per client address and per name in a sliding window: past `limit`, sign-in is refused
    (429) until the window has moved on, so a password cannot be guessed at the speed of the server."""

    def __init__(self, limit: int = 10, window: float = 900.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque:
        found = self._failures.setdefault(key, deque())
        while found and now - found[0] > self.window:
            found.popleft()
        return found

    def wait(self, *keys: str) -> float:
        """Seconds until these keys may try again (0: now)."""
        now = time.monotonic()
        with self._lock:
            waits = [self.window - (now - q[0]) for q in (self._recent(k, now) for k in keys) if len(q) >= self.limit]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) > 10_000:  # bounded: forget the oldest keys
                for key in list(self._failures)[:5_000]:
                    del self._failures[key]
            for key in keys:
                self._recent(key, now).append(now)


class TooManyAttempts(ChanyeError):
    status = 429
    title = "请稍后再试 Too many attempts"


@dataclass(frozen=True)
class AuthSettings:
    """`enabled`: accounts on. `session_hours`: how long a session lives (fixed, not sliding: a request stays a
    read, never a write)."""

    enabled: bool = False
    session_hours: float = 12.0


@dataclass(frozen=True)
class SessionInfo:
    """What a page knows of its signed-in user (templates show the name and the sign-out form)."""

    user: str
    role: str
    district: str | None
    csrf: str
    token: str

    @property
    def admin(self) -> bool:
        return self.role == "admin"


def settings_of(request: Request) -> AuthSettings:
    return getattr(request.app.state, "auth", None) or AuthSettings()


def viewer(request: Request) -> Viewer:
    """Who is asking: the session's user, or the local analyst when accounts are off."""
    found = getattr(request.state, "viewer", None)
    if found is not None:
        return found
    if settings_of(request).enabled:  # a public route asking for a viewer: nobody is signed in
        raise NotSignedIn("请先登录 (sign in first)", hint="打开 /login (open /login)")
    return LOCAL


def session_of(request: Request) -> SessionInfo | None:
    return getattr(request.state, "session", None)


# --- checks -----------------------------------------------------------------------------------------------------


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def cross_site(request: Request) -> str | None:
    """Why a write looks cross-site (a reason), or None when it comes from this site or from no browser."""
    if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        return "Sec-Fetch-Site: cross-site"
    own = own_origin(request)
    origin = request.headers.get("origin")
    if origin is not None:
        return None if origin == own else f"Origin {origin[:100]}"
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        return None if f"{parts.scheme}://{parts.netloc}" == own else f"Referer {referer[:100]}"
    return None


async def csrf_token_of(request: Request, receive: Receive) -> tuple[str, bytes | None]:
    """The token a write carries: the header, else the field of a small URL-encoded form (a multipart upload
    must use the header: its body streams to the upload's own size check). With it, the body when it was read
    here (the middleware replays it to the route), else None."""
    token = request.headers.get(CSRF_HEADER)
    if token:
        return token, None
    kind = request.headers.get("content-type", "")
    size = request.headers.get("content-length", "")
    if kind.startswith("application/x-www-form-urlencoded") and size.isdigit() and int(size) <= MAX_FORM_BYTES:
        body, _ = await asgi.read_body(receive)
        fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=50)
        return (fields.get(CSRF_FIELD) or [""])[0], body
    return "", None


def _wants_page(request: Request) -> bool:
    path = request.url.path
    return (request.method in ("GET", "HEAD") and not path.startswith("/api/") and not path.endswith(".json")
            and "text/html" in request.headers.get("accept", ""))


def _refuse(request: Request, status: int, title: str, message: str, hint: str | None = None):
    return errors.render(request, status, title, message, hint)


def _public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def audit(ctx, user: str | None, action: str, target: str | None = None, detail: str | None = None) -> None:
    """One audit entry through the app's Platform; a failure is logged, never shown to the user (an import
    holding the database must not make every page fail)."""
    try:
        with ctx.bookkeeping() as store:
            users.record(store, user, action, target, detail)
    except Exception:
        log.exception("审计日志写入失败 audit write failed: %s %s %s", user, action, target)


def _load_session(ctx, token: str):
    store = ctx.cursor()
    try:
        return users.session(store, token)
    finally:
        store.close()


# --- the middleware --------------------------------------------------------------------------------------------


def install(app: FastAPI, settings: AuthSettings) -> None:
    """Add the middleware and the /login, /logout routes (call before the middleware that must wrap it)."""
    app.state.auth = settings
    app.state.login_throttle = Throttle()
    app.include_router(router)
    app.add_middleware(Accounts, settings=settings)


class Accounts:
    """The accounts middleware, pure ASGI (issue 14 item 2: Starlette's BaseHTTPMiddleware cost ~0.5 ms a
    request): the cross-site check of writes, then with accounts on the session, the CSRF token of writes, the
    viewer in `request.state`, and the audit of the answer."""

    def __init__(self, app: ASGIApp, settings: AuthSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = scope["path"]
        write = scope["method"] in WRITES
        if write:
            reason = cross_site(request)
            if reason is not None:
                answer = _refuse(request, 403, AccessDenied.title,
                                 f"拒绝跨站请求：{reason} 与本站 {own_origin(request)} 不符 (cross-site request refused)",
                                 "请在本站页面上操作 (use this site's own pages)")
                await answer(scope, receive, send)
                return
        if not self.settings.enabled or _public(path):
            await self.app(scope, receive, send)
            return
        ctx = scope["app"].state.ctx
        token = request.cookies.get(SESSION_COOKIE, "")
        found = await run_in_threadpool(_load_session, ctx, token) if token else None
        if found is None:
            if _wants_page(request):
                target = path + (f"?{request.url.query}" if request.url.query else "")
                answer = RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
            else:
                answer = _refuse(request, 401, NotSignedIn.title,
                                 "请先登录：会话不存在或已过期 (sign in first: no live session)",
                                 "在 /login 登录后重试 (sign in at /login and retry)")
            await answer(scope, receive, send)
            return
        if write:
            sent, body = await csrf_token_of(request, receive)
            if body is not None:  # the form was read here: the route reads it again
                receive = asgi.replay(body, receive)
            if not sent or not hmac.compare_digest(sent, found.csrf):
                await run_in_threadpool(audit, ctx, found.user.name, "denied", path, "csrf")
                answer = _refuse(request, 403, AccessDenied.title,
                                 "缺少或错误的 CSRF 令牌 (missing or wrong CSRF token)",
                                 "刷新页面后重试 (reload the page and retry)")
                await answer(scope, receive, send)
                return
        account = found.user
        request.state.viewer = viewer_of(account)  # scope["state"]: the route's Request sees it
        request.state.session = SessionInfo(account.name, account.role, account.district, found.csrf, token)
        recorder = asgi.Recorder(send)
        await self.app(scope, receive, recorder)
        await _audit_response(request, recorder.status, recorder.content_type, account.name)


def route_template(request: Request) -> str:
    """The path template of the route that answered (after the app ran: the router sets it on the same scope).
    FastAPI 0.165 keeps the routes of an included router unprefixed (`route.path` '/enterprises/{uscc}' for
    /api/v1/enterprises/{uscc}), so a firm's route is recognised by its own path with the code put back as
    '{uscc}'."""
    uscc = request.path_params.get("uscc")
    if isinstance(uscc, str) and uscc:
        return request.url.path.replace(uscc, "{uscc}", 1)
    return getattr(request.scope.get("route"), "path", "")


async def _audit_response(request: Request, status: int, kind: str, user: str) -> None:
    ctx = request.app.state.ctx
    template = route_template(request)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if status == 200 and kind.startswith(EXPORT_TYPES):
        await run_in_threadpool(audit, ctx, user, "export", target)
    elif status == 200 and template in FIRM_ROUTES:
        await run_in_threadpool(audit, ctx, user, "firm_view", request.path_params.get("uscc"), target)
    elif status == 403:
        await run_in_threadpool(audit, ctx, user, "denied", target)


# --- sign-in and sign-out ---------------------------------------------------------------------------------------


def _safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this site only (no //host, no scheme)."""
    text = value or "/"
    if not text.startswith("/") or text.startswith("//") or "\\" in text or any(ord(c) < 32 for c in text):
        return "/"
    return text


def login_page(request: Request, *, status: int = 200, failed: bool = False, name: str = "",
               next_url: str = "/") -> HTMLResponse:
    lang = lang_of(request)
    ctx = request.app.state.ctx
    context = {"lang": lang, "t": translator(lang), "failed": failed, "name": name, "next": _safe_next(next_url),
               "pack": ctx.framework.info, "title": labels.word("login", lang),
               "lang_url": f"/login?lang={'zh' if lang == 'en' else 'en'}&next={quote(_safe_next(next_url), safe='')}"}
    response = templates.TemplateResponse(request, "login.html", context, status_code=status)
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/"):
    if not settings_of(request).enabled:
        return RedirectResponse("/", status_code=303)  # accounts off: nobody signs in
    return login_page(request, next_url=next)


@router.post("/login")
def login_submit(request: Request, name: str = Form("", max_length=200), password: str = Form("", max_length=2000),
                 next: str = Form("/", max_length=2000)):
    settings = settings_of(request)
    if not settings.enabled:
        return RedirectResponse("/", status_code=303)
    ctx = request.app.state.ctx
    client = request.client.host if request.client else None
    keys = (f"client:{client}", f"name:{name.strip()[:users.MAX_NAME]}")
    throttle: Throttle = request.app.state.login_throttle
    wait = throttle.wait(*keys)
    if wait > 0:
        minutes = max(1, round(wait / 60))
        raise TooManyAttempts(f"登录失败次数过多，请 {minutes} 分钟后再试 (too many failed sign-ins: retry in {minutes} "
                              "min)", hint="忘记密码请联系管理员 (ask an administrator to reset it)")
    store = ctx.cursor()
    try:
        account = users.authenticate(store, name.strip(), password)
    finally:
        store.close()
    if account is None:
        throttle.failed(*keys)
        audit(ctx, None, "login_failed", name.strip()[:users.MAX_NAME], client)
        return login_page(request, status=401, failed=True, name=name.strip()[:users.MAX_NAME], next_url=next)
    with ctx.bookkeeping() as writer:
        token, _ = users.open_session(writer, account.name, hours=settings.session_hours)
        users.record(writer, account.name, "login", account.name, client)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=int(settings.session_hours * 3600), path="/", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")
    return response


@router.post("/logout")
def logout(request: Request):
    """Sign out (the middleware checked the session and its CSRF token)."""
    found = session_of(request)
    ctx = request.app.state.ctx
    if found is not None:
        with ctx.bookkeeping() as writer:
            users.close_session(writer, found.token)
            users.record(writer, found.user, "logout", found.user)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")
    return response
