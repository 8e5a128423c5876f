"""A cheaper request path (issue 14 item 2, latency): pure ASGI middlewares (web/asgi.py) instead of Starlette's
BaseHTTPMiddleware, finished JSON answers of the enterprise endpoints kept per data generation, language, viewer's
rights and query (`asgi.Answers`), and `chanye serve` on uvloop and httptools.

Over the small demo (scale 0.03, seed 12218): 6,317 firms in the registry, 225 in 黄埔 (440112) (the totals
tests/web/test_auth.py asserts).
"""

from __future__ import annotations

import asyncio
import sys

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import PlainTextResponse

from chanye.registry import users, views
from chanye.services import enterprises as svc
from chanye.web import asgi
from chanye.web.api import enterprises as api
from chanye.web.app import SECURITY_HEADERS, create_app

from .conftest import app_with_accounts, in_thread, sign_in

HUANGPU, TIANHE = "440112", "440106"
ROLES = {"chen": ("city_analyst", None), "li": ("district_analyst", "黄埔"), "zhao": ("visitor", None)}
PASSWORDS = {"chen": "chen-password-1", "li": "li-password-1", "zhao": "zhao-password-1"}


# --- the cache of finished answers -------------------------------------------------------------------------------


def test_answers_are_kept_per_generation_and_least_recently_used_go_first() -> None:
    answers = asgi.Answers(max_entries=2, max_bytes=1000)
    assert answers.get(0, ("a",)) is None
    answers.put(0, ("a",), b"A")
    answers.put(0, ("b",), b"BB")
    assert answers.get(0, ("a",)) == b"A"  # ("a",) now the most recently used
    answers.put(0, ("c",), b"CCC")  # two entries at most: ("b",) goes
    assert (answers.get(0, ("b",)), answers.get(0, ("a",)), answers.get(0, ("c",))) == (None, b"A", b"CCC")
    assert (answers.hits, answers.misses) == (3, 2)
    assert answers.get(1, ("a",)) is None and len(answers) == 0  # a new data generation: nothing of the old
    answers.put(0, ("a",), b"old")  # a body computed from the older data is not kept
    assert answers.get(1, ("a",)) is None and len(answers) == 0


def test_answers_are_bounded_by_bytes() -> None:
    answers = asgi.Answers(max_entries=100, max_bytes=800)
    answers.put(0, ("huge",), b"x" * 101)  # over an eighth of the bound: never kept
    assert len(answers) == 0
    for i in range(9):
        answers.put(0, (i,), b"y" * 100)
    assert len(answers) == 8 and answers.get(0, (0,)) is None and answers.get(0, (8,)) == b"y" * 100
    answers.put(0, (8,), b"z" * 50)  # replacing an entry counts its new size only
    answers.put(0, ("small",), b"s" * 50)
    assert len(answers) == 9 and answers.get(0, (1,)) == b"y" * 100


# --- the enterprise endpoints through the cache ------------------------------------------------------------------


def test_a_repeated_search_is_answered_from_the_cache_until_the_data_changes(app, client, monkeypatch) -> None:
    ctx = app.state.ctx
    calls = []
    real = svc.search
    monkeypatch.setattr(svc, "search", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    url = "/api/v1/enterprises?q=锂离子电池&per_page=3&sort=name&order=asc"
    first = client.get(url)
    again = client.get(url)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and len(calls) == 1
    assert first.headers["content-type"] == "application/json"
    english = client.get(url + "&lang=en")  # another language: another answer
    assert len(calls) == 2 and english.json()["columns"][1]["label"] != first.json()["columns"][1]["label"]
    client.get(url.replace("per_page=3", "per_page=4"))  # another query
    assert len(calls) == 3
    ctx.data_changed()  # what an import does: a new data generation
    assert client.get(url).content == first.content and len(calls) == 4


def test_the_cached_body_is_what_fastapis_response_model_gave(app, client) -> None:
    """The same bytes as a route returning the payload with `response_model` (validated, then dumped by alias)."""
    ctx = app.state.ctx
    plain = FastAPI()
    uscc = client.get("/api/v1/enterprises?per_page=1").json()["rows"][0]["uscc"]

    @plain.get("/search", response_model=api.SearchPayload)
    def search() -> dict:
        return api.search_model(ctx, q="示例", per_page=7, page=2)

    @plain.get("/tags", response_model=api.TagCountsPayload)
    def tags() -> dict:
        return api.tag_counts_model(ctx, node="icv-nev", lang="en")

    @plain.get("/firm", response_model=api.EnterprisePayload)
    def firm() -> dict:
        return api.profile_model(ctx, uscc)

    reference = TestClient(plain)
    assert client.get("/api/v1/enterprises?q=示例&per_page=7&page=2").content == reference.get("/search").content
    assert client.get("/api/v1/enterprises/tags?node=icv-nev&lang=en").content == reference.get("/tags").content
    assert client.get(f"/api/v1/enterprises/{uscc}").content == reference.get("/firm").content


@pytest.fixture(scope="module")
def accounts_app(web_db, tmp_path_factory):
    app = app_with_accounts(web_db, tmp_path_factory.mktemp("asgi"), ROLES, PASSWORDS)
    yield app
    app.state.ctx.store.close()


def test_another_viewer_never_gets_an_answer_kept_for_someone_else(accounts_app) -> None:
    chen, li, zhao = (sign_in(accounts_app, name, PASSWORDS[name]) for name in ("chen", "li", "zhao"))
    store = accounts_app.state.ctx.cursor()
    try:
        frame = views.directory_firms(store)
    finally:
        store.close()
    tianhe = frame[frame["district_code"] == TIANHE].sort_values("uscc")["uscc"].iloc[0]
    everyone = chen.get("/api/v1/enterprises?per_page=5")  # kept first, for a city analyst
    assert everyone.json()["total"] == 6317
    mine = li.get("/api/v1/enterprises?per_page=5")  # the same query by a district analyst of 黄埔
    assert mine.json()["total"] == 225 and {r["district_code"] for r in mine.json()["rows"]} == {HUANGPU}
    refused = zhao.get("/api/v1/enterprises?per_page=5")  # a visitor: refused, not served the kept answer
    assert refused.status_code == 403 and "访客只能查看汇总数据" in refused.json()["error"]["message"]
    assert chen.get(f"/api/v1/enterprises/{tianhe}").json()["district_code"] == TIANHE
    outside = li.get(f"/api/v1/enterprises/{tianhe}")  # kept for chen; 黄埔's analyst is refused
    assert outside.status_code == 403 and "该企业不在您负责的区" in outside.text
    assert chen.get(f"/api/v1/enterprises/{tianhe}").status_code == 200  # from the cache: audited all the same
    store = accounts_app.state.ctx.cursor()
    try:
        views_of_chen, count = users.audit_page(store, user="chen", action="firm_view")
        refusals, _ = users.audit_page(store, user="li", action="denied")
    finally:
        store.close()
    assert count == 2 and list(views_of_chen["target"]) == [tianhe, tianhe]
    assert list(refusals["target"]) == [f"/api/v1/enterprises/{tianhe}"]
    assert chen.get("/api/v1/enterprises?per_page=5").content == everyone.content  # chen's is still kept
    assert li.get("/api/v1/enterprises?per_page=5").content == mine.content


# --- the middlewares ---------------------------------------------------------------------------------------------


def test_no_middleware_of_the_app_is_a_base_http_middleware(web_db) -> None:
    app = create_app(web_db, auth=True, allowed_hosts=["testserver"], warm_up=True)
    try:
        names = [m.cls.__name__ for m in app.user_middleware]
        assert names == ["TrustedHostMiddleware", "HeadersMiddleware", "Gate", "Accounts", "LeanRoute"]  # outermost first
        assert not any(issubclass(m.cls, BaseHTTPMiddleware) for m in app.user_middleware)
    finally:
        app.state.ctx.store.close()


def tiny_app(headers: list[tuple[bytes, bytes]]):
    """An ASGI app answering 200 "ok" with these headers."""

    async def app(scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


def call(app) -> list[dict]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": []}
    in_thread(asyncio.run, app(scope, receive, send))
    return sent


def test_the_headers_middleware_keeps_an_answers_own_header() -> None:
    app = asgi.HeadersMiddleware(tiny_app([(b"x-frame-options", b"SAMEORIGIN")]),
                                 {"X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"})
    start, body = call(app)
    assert start["headers"] == [(b"x-frame-options", b"SAMEORIGIN"), (b"referrer-policy", b"same-origin")]
    assert body == {"type": "http.response.body", "body": b"ok"}


def test_a_gate_answers_in_the_apps_place_and_sets_its_header_on_every_answer() -> None:
    closed = [True]
    gate = asgi.Gate(tiny_app([(b"x-state", b"app's own"), (b"content-type", b"text/plain")]),
                     check=lambda scope: PlainTextResponse("wait", status_code=503) if closed[0] else None,
                     headers=lambda: {"X-State": "closed" if closed[0] else "open"})
    start, body = call(gate)
    assert (start["status"], body["body"]) == (503, b"wait")
    assert (b"x-state", b"closed") in start["headers"]
    closed[0] = False
    start, body = call(gate)
    assert (start["status"], body["body"]) == (200, b"ok")
    assert start["headers"] == [(b"content-type", b"text/plain"), (b"x-state", b"open")]


def test_the_warm_up_answer_carries_the_security_headers(web_db) -> None:
    app = create_app(web_db, warm_up=True)  # its steps start with the app's lifespan, which this client never runs
    try:
        app.state.warmup.state = "warming"  # as while its steps run
        page = TestClient(app).get("/cluster")
        assert page.status_code == 503 and "数据准备中" in page.text
        assert page.headers["x-chanye-warm-up"] == "building"
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["content-security-policy"] == SECURITY_HEADERS["Content-Security-Policy"]
        app.state.warmup.state = "ready"
        assert TestClient(app).get("/static/chanye.css").headers["x-chanye-warm-up"] == "building"  # not ready yet
    finally:
        app.state.ctx.store.close()


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop is not pinned on Windows")
def test_chanye_serve_runs_on_uvloop_and_httptools() -> None:
    """`chanye serve` leaves uvicorn's loop and http at "auto": with the pinned packages installed those are uvloop
    and httptools (issue 14 item 2: h11 and the asyncio loop cost milliseconds a request)."""
    import uvloop
    from uvicorn.loops.auto import auto_loop_factory
    from uvicorn.protocols.http.auto import AutoHTTPProtocol
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    assert AutoHTTPProtocol is HttpToolsProtocol
    assert auto_loop_factory(use_subprocess=False) is uvloop.new_event_loop
