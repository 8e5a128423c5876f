"""A server that starts warm (issue 14 item 2): `chanye serve` builds the per-generation caches (scoreboard,
enterprise directory, chains, industry space) in a background thread at start-up. Meanwhile a page answers at
once with a 数据准备中 page (503, Retry-After, refreshing itself) instead of making its visitor wait for the
computation; API requests go through and, through `Platform.cached`'s per-key locks, wait for the same
computation rather than repeat it. Once ready, every page's first visit finds its caches built.

/projects shows the pipeline on today's date: a new day is a new page model (seconds to compute). So the warm-up
keeps watching the server's clock (`ctx.clock`) and builds the next day's page a few minutes before midnight,
and any day whose page it has not built yet as soon as it notices one (a clock moved, a server started at 23:59).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import html
import logging
import sys
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from chanye.present import labels
from chanye.registry.store import background
from chanye.web import asgi
from chanye.web.i18n import lang_of

log = logging.getLogger("chanye.web.warmup")

# Paths that never wait: static files, the API (it waits on the cache locks instead), the docs, accounts.
PASS = ("/static/", "/vendor/", "/api/", "/docs", "/openapi.json", "/login", "/logout", "/favicon")
RETRY_SECONDS = 2
HEADER = "X-Chanye-Warm-Up"  # building (pages answer 数据准备中), pages-open (later steps still running), done

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta http-equiv="refresh" content="{retry}">
<title>{title}</title><link rel="stylesheet" href="/static/chanye.css"></head>
<body><main class="warming"><h1>{title}</h1><p>{note}</p></main></body></html>
"""


def _scoreboard(ctx) -> None:
    ctx.scoreboard()


def _directory(ctx) -> None:
    from chanye.services import enterprises

    enterprises.directory(ctx)
    enterprises.engine.tokens_of("预热")  # jieba's dictionary, loaded once per process


def _chains(ctx) -> None:
    ctx.chains()


def _opportunities(ctx) -> None:
    ctx.complexity_places()


def _industry_space(ctx) -> None:
    ctx.industry_space()


def _chain_boards(ctx) -> None:
    for chain in ctx.framework.chains:  # 2-3 s each on the full demo: after the pages open, one by one
        ctx.chain(chain.id)


# The caches behind the slow first visits (issue 14 measured 15 s, 9.6 s and 6 s), in the order pages need them;
# pages answer 数据准备中 until these are built.
STEPS: tuple[tuple[str, Callable], ...] = (
    ("scoreboard", _scoreboard),
    ("directory", _directory),
    ("chains", _chains),
    ("opportunities", _opportunities),
)
# Then, with the pages open, the caches of single pages (a page visited meanwhile computes its own as before).
LATER: tuple[tuple[str, Callable], ...] = (
    ("industry_space", _industry_space),
    ("chain_boards", _chain_boards),
)
# Pages whose caches only their own handlers build: visited once, in-process, after the LATER steps, each group
# a step of its own (named in `Warmup.seconds`).
PAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("overview", ("/", "/?lang=en")),  # the overview's page models (2 s on a first visit after the steps)
    ("fusion", ("/fusion", "/fusion?lang=en")),  # the IO tables and indicators (io_fusion)
    ("projects", ("/projects", "/projects?lang=en")),  # the pipeline's page model (page-projects), seconds each
)
VISIT = tuple(path for _, paths in PAGES for path in paths)
# The page groups whose model holds the day shown (web/pages_projects.py): built again for each new day.
DAILY = ("projects",)
AHEAD = 300.0  # seconds before midnight the next day's pages are built
POLL = 30.0  # seconds between two looks at the clock


def rss_mb() -> float | None:
    """This process' resident memory (VmRSS) in MB; None where /proc is not there."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def release_memory() -> None:
    """Give back to the system what a warm-up step freed (issue 14: a server that stays small). The steps read
    large frames and drop them; CPython's and glibc's allocators keep the freed pages, Arrow's pool (mimalloc or
    jemalloc) its own. After a collection, ask each to return them: RSS then shows what the caches hold."""
    gc.collect()
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        with contextlib.suppress(Exception):  # a pool without release_unused (older pyarrow): nothing to do
            arrow.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # not glibc (musl, macOS): no malloc_trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)


M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8  # glibc's mallopt parameters (malloc.h)
MMAP_THRESHOLD = 256 * 1024
ARENA_MAX = 2


def compact_allocators() -> bool:
    """Allocator settings for a long-running server (issue 14: a server that stays small), set once at start-up.
    glibc raises its mmap threshold each time a large block is freed (up to 32 MB), after which the caches' numpy
    arrays and pandas' temporaries land in the heap, where a few live blocks pin freed pages; a fixed threshold
    keeps blocks above 256 KB in mappings of their own, returned when freed. Each request thread would get a
    malloc arena of its own (up to 8 per core), each keeping its free pages: two suffice for a server whose work
    holds the GIL. Arrow's mimalloc pool keeps freed pages too: Arrow allocates through malloc instead (its
    buffers are few and large). True when glibc took the settings."""
    import pyarrow

    with contextlib.suppress(Exception):  # a build without the system pool: keep the default
        pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(libc.mallopt(M_ARENA_MAX, ARENA_MAX))
    except (OSError, AttributeError):  # not glibc (musl, macOS): their defaults
        return False


def visit(app, paths: tuple[str, ...], state: dict | None = None) -> None:
    """GET each path through the app in this thread (a bare ASGI call: no network, no test client), so the
    page's handler builds and caches what it needs. With accounts on, the visit meets the sign-in redirect and
    warms nothing; the steps above do not depend on it. `state`: the requests' `request.state` to begin with
    (`{"day": date}`: the day /projects is built for; no client can set it)."""

    async def get(path: str) -> None:
        route, _, query = path.partition("?")
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": route, "raw_path": route.encode(), "query_string": query.encode(),
                 "root_path": "", "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 0),
                 "server": ("127.0.0.1", 80), "state": dict(state or {})}

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(_message: dict) -> None:
            return None

        await app(scope, receive, send)

    async def run() -> None:
        for path in paths:
            await get(path)

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop in this thread (the warm-up's own thread): run one here
        asyncio.run(run())
        return
    # called where a loop already runs (asyncio.run would refuse): a thread of its own
    worker = threading.Thread(target=asyncio.run, args=(run(),), name="chanye-warmup-visit")
    worker.start()
    worker.join()


class Warmup:
    """The warm-up of one app: `state` idle -> warming -> ready (then the `later` steps run, pages open);
    `seconds` each step took; `rss` the process' resident memory (MB) after each, once freed memory went back
    (`release_memory`); `failed` the steps that raised (logged; their pages compute on first visit as before).
    `daily`: (name, build(day)) of the pages whose model holds the day shown; once the steps are done, a thread
    watches `ctx.clock` and builds them for each new day (`due`, `build_day`; `days` the days built, the last two)."""

    def __init__(self, ctx, steps: tuple[tuple[str, Callable], ...] = STEPS,
                 later: tuple[tuple[str, Callable], ...] = LATER,
                 daily: tuple[tuple[str, Callable[[date], None]], ...] = (), *, ahead: float = AHEAD,
                 poll: float = POLL) -> None:
        self.ctx = ctx
        self.steps = steps
        self.later = later
        self.daily, self.ahead, self.poll = daily, ahead, poll
        self.days: list[date] = []
        self._stop = threading.Event()
        self.state = "idle"
        self.seconds: dict[str, float] = {}
        self.rss: dict[str, float | None] = {}
        self.failed: dict[str, str] = {}
        self.ready = threading.Event()  # the STEPS are done: pages open
        self.finished = threading.Event()  # the LATER steps too
        self._thread: threading.Thread | None = None

    @property
    def warming(self) -> bool:
        return self.state == "warming"

    @property
    def progress(self) -> str:
        if self.finished.is_set():
            return "done"
        return "pages-open" if self.ready.is_set() else "building"

    def start(self) -> None:
        if self._thread is not None:
            return
        self.state = "warming"
        self._thread = background(self._run, name="chanye-warmup")

    def _run(self) -> None:
        for name, step in self.steps:
            self._step(name, step)
        self.state = "ready"
        self.ready.set()
        for name, step in self.later:
            self._step(name, step)
        self.finished.set()
        if self.daily:  # a thread of its own: it only sleeps and looks at the clock (the builds run in background())
            threading.Thread(target=self._watch, name="chanye-warmup-days", daemon=True).start()

    def stop(self) -> None:
        """No more daily builds (the app shuts down)."""
        self._stop.set()

    def due(self) -> date | None:
        """The day whose pages should be built now: tomorrow from `ahead` seconds before midnight by the server's
        clock, else today; None when it was built already (or nothing is built daily)."""
        if not self.daily:
            return None
        day = (self.ctx.clock() + timedelta(seconds=self.ahead)).date()
        return None if day in self.days else day

    def build_day(self, day: date) -> None:
        """Visit the daily pages for `day` (a visit finding them cached costs a lookup), then give freed memory
        back. A failure is logged; that day's first visit computes the page as before."""
        self.days = [*self.days[-1:], day]
        for name, build in self.daily:
            try:
                build(day)
            except Exception as exc:
                log.warning("warm-up of %s for %s failed: %s", name, day, exc)
        release_memory()

    def _watch(self) -> None:
        while not self._stop.wait(self.poll):
            day = self.due()
            if day is not None:  # background(): a store query still running at exit is let finish
                background(lambda day=day: self.build_day(day), name="chanye-warmup-day").join()

    def _step(self, name: str, step: Callable) -> None:
        started = time.perf_counter()
        try:
            step(self.ctx)
        except Exception as exc:  # a failed step leaves its page to compute on first visit, as before
            self.failed[name] = f"{type(exc).__name__}: {exc}"
            log.warning("warm-up step %s failed: %s", name, exc)
        self.seconds[name] = time.perf_counter() - started
        release_memory()
        self.rss[name] = rss_mb()


def warming_response(request: Request) -> Response:
    """数据准备中: the page (or, for a page's .json twin, a JSON body) while the caches are being built."""
    lang = lang_of(request)
    headers = {"Retry-After": str(RETRY_SECONDS), "Cache-Control": "no-store"}
    if request.url.path.endswith(".json"):
        body = {"status": "warming", "title": labels.word("warming_title", lang),
                "detail": labels.word("warming_note", lang)}
        return JSONResponse(body, status_code=503, headers=headers)
    page = PAGE.format(lang="en" if lang == "en" else "zh-CN", retry=RETRY_SECONDS,
                       title=html.escape(labels.word("warming_title", lang)),
                       note=html.escape(labels.word("warming_note", lang)))
    return HTMLResponse(page, status_code=503, headers=headers)


def install(app: FastAPI, ctx, steps: tuple[tuple[str, Callable], ...] = STEPS,
            later: tuple[tuple[str, Callable], ...] = LATER,
            pages: tuple[tuple[str, tuple[str, ...]], ...] | None = None) -> Warmup:
    """Give `app` a warm-up (`app.state.warmup`; started by the app's lifespan, see web/app.py) and the
    middleware that answers pages with 数据准备中 while its `steps` run. `pages`: groups of paths visited after
    the `later` steps, each group a step (default `PAGES` with the default `later`, else none)."""
    if pages is None and later is LATER:  # the defaults: the pages above, then every chain's page (~1 s each)
        chains = tuple(f"/chains/{chain.id}{lang}" for chain in ctx.framework.chains for lang in ("", "?lang=en"))
        pages = (*PAGES, ("chain_pages", chains))
    pages = pages or ()
    compact_allocators()
    visits = tuple((name, lambda _ctx, paths=paths: visit(app, paths)) for name, paths in pages)
    daily = tuple((name, lambda day, paths=paths: visit(app, paths, {"day": day}))
                  for name, paths in pages if name in DAILY)
    warmup = Warmup(ctx, steps, later + visits, daily)
    app.state.warmup = warmup

    def gate(scope) -> Response | None:
        if warmup.warming and scope["method"] == "GET" and not scope["path"].startswith(PASS):
            return warming_response(Request(scope))
        return None

    # pure ASGI (web/asgi.py; issue 14 item 2): the header on every answer, for benchmarks/web_warmup.py and
    # monitoring
    app.add_middleware(asgi.Gate, check=gate, headers=lambda: {HEADER: warmup.progress})
    return warmup
