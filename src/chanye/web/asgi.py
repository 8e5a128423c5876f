"""Pure ASGI middlewares and a cache of finished answers (issue 14 item 2: a cheaper request path).

Starlette's `@app.middleware("http")` (BaseHTTPMiddleware) runs the rest of the app in a task of its own and
streams the response back through memory channels: on this machine each such layer cost about half a millisecond
of CPU per request, for work of a few microseconds (a header, a check of the path). The middlewares here wrap the
ASGI `send` instead: nothing but a function call per message.

`Answers` keeps the finished bytes of JSON answers (enterprise lists and searches, profiles), keyed by the data
generation and whatever the answer depends on (language, the viewer's rights, the normalised query): a repeated
search is answered from the event loop without a worker thread, a response-model validation or JSON encoding.

`MemoryStaticFiles` serves small static files from memory with StaticFiles' headers and 304s.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from chanye.services.access import Viewer


def raw_headers(headers: dict[str, str]) -> tuple[tuple[bytes, bytes], ...]:
    """ASGI header pairs (names lower-case, latin-1) of a {name: value} dict."""
    return tuple((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items())


def with_headers(message: Message, extra: Iterable[tuple[bytes, bytes]], *, replace: bool) -> Message:
    """A copy of an `http.response.start` message with `extra` headers: `replace` drops the response's own of
    the same names first; else a name the response already has keeps its value (setdefault)."""
    extra = tuple(extra)
    names = {name for name, _ in extra}
    own = list(message.get("headers", ()))
    if replace:
        own = [(n, v) for n, v in own if n.lower() not in names]
        headers = [*own, *extra]
    else:
        present = {n.lower() for n, _ in own}
        headers = [*own, *(pair for pair in extra if pair[0] not in present)]
    return {**message, "headers": headers}


class HeadersMiddleware:
    """Adds fixed headers to every HTTP answer (errors, redirects and static files included) unless the answer
    set them itself: the security headers of web/app.py."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = raw_headers(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = with_headers(message, self.headers, replace=False)
            await send(message)

        await self.app(scope, receive, send_with)


class Gate:
    """A pure ASGI middleware around one decision per request: `check(scope)` returns an answer to send instead
    of the app (a Response), or None to go on; `headers()` (optional) gives headers set on every answer that
    passes through, the gate's own included (they replace the answer's own of those names).
    The warm-up's 数据准备中 gate (web/warmup.py) is one."""

    def __init__(self, app: ASGIApp, check: Callable[[Scope], Response | None],
                 headers: Callable[[], dict[str, str]] | None = None) -> None:
        self.app = app
        self.check = check
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers

        async def send_with(message: Message) -> None:
            if extra is not None and message["type"] == "http.response.start":
                message = with_headers(message, raw_headers(extra()), replace=True)
            await send(message)

        answer = self.check(scope)
        if answer is not None:
            await answer(scope, receive, send_with)
        else:
            await self.app(scope, receive, send_with)


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the app a body a middleware already read, then hands over to the real one (for
    the client's disconnect)."""
    given = False

    async def receive_again() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again


async def read_body(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole request body, and the disconnect message if the client left before sending it all."""
    parts = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(parts), message
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts), None


class Recorder:
    """Wraps `send` and remembers the answer's status and content type (for the audit after the answer)."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 0
        self.content_type = ""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            for name, value in message.get("headers", ()):
                if name.lower() == b"content-type":
                    self.content_type = value.decode("latin-1")
        await self._send(message)


# --- finished answers --------------------------------------------------------------------------------------------


class Answers:
    """A least-recently-used cache of finished JSON bodies, per data generation. Bounded by count and by bytes
    (a search page of 20 firms is about 20 KB: some 800 pages). A key must hold everything the body depends on besides the data: language,
    the viewer's rights, the normalised query. A new data generation empties it (keys carry the generation,
    and a body computed from older data is not kept)."""

    def __init__(self, max_entries: int = 2048, max_bytes: int = 16 * 1024 * 1024) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._size = 0
        self._generation: int | None = None
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, generation: int, key: tuple) -> bytes | None:
        with self._lock:
            if generation != self._generation:
                self._clear(generation)
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
            return body

    def put(self, generation: int, key: tuple, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:  # one huge answer would push out hundreds of small ones
            return
        with self._lock:
            if generation != self._generation:
                if self._generation is not None and generation < self._generation:
                    return  # computed from older data: never kept
                self._clear(generation)
            old = self._items.pop(key, None)
            self._size += len(body) - (len(old) if old is not None else 0)
            self._items[key] = body
            while self._items and (len(self._items) > self.max_entries or self._size > self.max_bytes):
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)

    def _clear(self, generation: int) -> None:
        self._items.clear()
        self._size = 0
        self._generation = generation


def encoded(adapter: TypeAdapter, payload: dict) -> bytes:
    """What FastAPI's `response_model` does with a returned payload: validate (`adapter`: of the route's model),
    then dump JSON (by alias). For the `build` of `cached_json`."""
    return adapter.dump_json(adapter.validate_python(payload), by_alias=True)


def rights(who: Viewer) -> tuple:
    """What of the viewer an answer about firms depends on, for `cached_json`'s key: the
    role (a visitor is refused or sees no firm list) and the one district whose firms a district analyst sees."""
    return who.role, who.firm_district


async def cached_json(ctx: Any, key: tuple, build: Callable[[], bytes],
                      quick: Callable[[], bool] | None = None) -> Response:
    """The JSON answer for `key` from `ctx.answers` (a hit costs no worker thread), else `build()` run in a
    worker thread (it may compute for seconds) and kept. `quick()` True: `build()` is known to take a fraction
    of a millisecond (e.g. another page of a kept search) and runs in the event loop, sparing the thread hop
    and its GIL hand-overs, the larger part of such an answer's time under load. `ctx` is the app's Platform:
    its `refresh()` notices another process' import (a new data generation) at most every half second, as
    `cached()` does."""
    answers: Answers = ctx.answers
    ctx.refresh()
    generation = ctx.generation
    body = answers.get(generation, key)
    if body is None:
        body = build() if quick is not None and quick() else await run_in_threadpool(build)
        answers.put(generation, key, body)
    return Response(body, media_type="application/json")


# --- static files from memory ------------------------------------------------------------------------------------


class MemoryStaticFiles(StaticFiles):
    """Starlette's StaticFiles, with the small files kept in memory once read (issue 14 item 2).

    StaticFiles looks a file up, opens, reads and closes it in worker threads on every request: four or five
    thread hops for a 10 KB stylesheet, which made /static/chanye.css slower under load than an uncached search
    page. Here a file of at most `max_file` bytes (`max_bytes` in all) is read once; later GET and HEAD requests
    are answered from the event loop with the headers FileResponse gives it (content-type, content-length,
    last-modified, etag, accept-ranges) and Starlette's own 304 rule (`is_not_modified`). A kept file is
    stat-ed again at most every `recheck` seconds (a changed or removed file is dropped and served as before).
    Requests with a Range header, other methods, directories, 404s and larger files go to StaticFiles itself."""

    def __init__(self, *args: Any, max_file: int = 2 * 1024 * 1024, max_bytes: int = 16 * 1024 * 1024,
                 recheck: float = 1.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_file, self.max_bytes, self.recheck = max_file, max_bytes, recheck
        self._files: dict[str, _KeptFile] = {}
        self._size = 0
        self._lock = threading.RLock()  # files are kept from worker threads and dropped from the loop

    async def get_response(self, path: str, scope: Scope) -> Response:
        if scope["method"] not in ("GET", "HEAD"):
            return await super().get_response(path, scope)
        request_headers = Headers(scope=scope)
        if "range" in request_headers:
            return await super().get_response(path, scope)
        kept = self._files.get(path)
        if kept is not None and time.monotonic() - kept.checked > self.recheck and not self._still(path, kept):
            kept = None
        if kept is None:
            kept = await run_in_threadpool(self._read, path)
            if kept is None:
                return await super().get_response(path, scope)
        if self.is_not_modified(kept.headers, request_headers):
            return NotModifiedResponse(kept.headers)
        return _MemoryFile(kept)

    def _still(self, path: str, kept: _KeptFile) -> bool:
        """Whether the kept copy is still the file on disk (a stat of a few microseconds, in the loop)."""
        try:
            now = os.stat(kept.full_path)
        except OSError:
            now = None
        if now is not None and _same(now, kept.stat):
            kept.checked = time.monotonic()
            return True
        self._drop(path)
        return False

    def _read(self, path: str) -> _KeptFile | None:
        """In a worker thread: look the file up as StaticFiles does and keep it if it is a small regular file."""
        try:
            full_path, stat_result = self.lookup_path(path)
        except (OSError, ValueError):
            return None  # StaticFiles answers these itself (401, 404)
        if (stat_result is None or not stat.S_ISREG(stat_result.st_mode) or stat_result.st_size > self.max_file
                or self._size + stat_result.st_size > self.max_bytes):
            return None
        try:
            with open(full_path, "rb") as file:
                body = file.read()
            after = os.stat(full_path)
        except OSError:
            return None
        if not _same(after, stat_result) or len(body) != after.st_size:
            return None  # changed while being read: StaticFiles serves it this time
        headers = FileResponse(full_path, stat_result=after).headers  # exactly the headers StaticFiles sends
        kept = _KeptFile(full_path, after, headers, body, time.monotonic())
        with self._lock:
            self._drop(path)
            if self._size + len(body) <= self.max_bytes:
                self._files[path] = kept
                self._size += len(body)
        return kept

    def _drop(self, path: str) -> None:
        with self._lock:
            old = self._files.pop(path, None)
            if old is not None:
                self._size -= len(old.body)


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_mtime_ns, a.st_size, a.st_ino, a.st_mode) == (b.st_mtime_ns, b.st_size, b.st_ino, b.st_mode)


@dataclass
class _KeptFile:
    full_path: str
    stat: os.stat_result
    headers: Headers  # FileResponse's: content-type, accept-ranges, content-length, last-modified, etag
    body: bytes
    checked: float  # time.monotonic() of the last stat


class _MemoryFile(Response):
    """A kept file's answer: FileResponse's status and headers, the body from memory (none for HEAD)."""

    def __init__(self, kept: _KeptFile) -> None:
        self.status_code = 200
        self.background = None
        self.body = kept.body
        self.raw_headers = list(kept.headers.raw)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        body = b"" if scope["method"] == "HEAD" else self.body
        await send({"type": "http.response.body", "body": body, "more_body": False})
