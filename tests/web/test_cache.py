"""The app's cache: one entry per data generation and key, least recently used entries evicted first; a new
generation begins when the data change, through the app or under it (another process imported)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from chanye.registry.store import Store
from chanye.web.app import Context


def context(max_entries: int) -> Context:
    return Context(":memory:", max_cache_entries=max_entries)


def test_the_least_recently_used_entry_goes_first() -> None:
    ctx = context(3)
    calls = []

    def make(name):
        return lambda: calls.append(name) or name.upper()

    assert [ctx.cached((k,), make(k)) for k in "abc"] == ["A", "B", "C"]
    assert ctx.cached(("a",), make("a")) == "A"  # a hit: a is now the most recent
    assert ctx.cached(("d",), make("d")) == "D"  # evicts b, the least recently used
    assert list(ctx.cache) == [(0, "c"), (0, "a"), (0, "d")]
    assert ctx.cached(("b",), make("b")) == "B"  # computed again
    assert calls == ["a", "b", "c", "d", "b"]
    assert ctx.key_locks == {}


def test_a_failed_computation_leaves_nothing_behind() -> None:
    ctx = context(3)

    def fail():
        raise ValueError("no data for 1990")

    with pytest.raises(ValueError, match="no data for 1990"):
        ctx.cached(("x",), fail)
    assert ctx.cache == {} and ctx.key_locks == {}


def test_a_new_generation_starts_empty() -> None:
    ctx = context(3)
    ctx.cached(("a",), lambda: 1)
    ctx.data_changed()
    assert ctx.generation == 1 and len(ctx.cache) == 0
    assert ctx.cached(("a",), lambda: 2) == 2


def test_junk_parameters_do_not_grow_the_cache(fresh_client) -> None:
    ctx = fresh_client.app.state.ctx
    fresh_client.get("/api/v1/scoreboard/milestones")
    before = len(ctx.cache)
    for i in range(40):
        r = fresh_client.get("/api/v1/scoreboard/milestones", params={f"junk{i}": "x" * 100})
        assert r.status_code == 200
    assert len(ctx.cache) == before


def test_a_result_of_older_data_never_enters_the_new_generation() -> None:
    ctx = context(3)

    def meanwhile_an_import():
        ctx.data_changed()
        return "old"

    assert ctx.cached(("a",), meanwhile_an_import) == "old"
    assert ctx.generation == 1 and ctx.cache == {} and ctx.key_locks == {}
    assert ctx.cached(("a",), lambda: "new") == "new"
    assert list(ctx.cache) == [(1, "a")]


@pytest.fixture
def copy_db(web_db, tmp_path):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(web_db, copy)
    return copy


def add_source(path, source_id: str) -> None:
    """Another process writes the file (as `chanye import` would)."""
    code = ("import sys\nfrom chanye.registry.store import Store\ns = Store.reader(sys.argv[1], wait=30)\n"
            "with s.transaction() as con:\n    con.execute('INSERT INTO sources (id, title) VALUES (?, ?)', "
            "[sys.argv[2], 'x'])\ns.close()\n")
    subprocess.run([sys.executable, "-c", code, str(path), source_id], check=True, timeout=60)


def count_sources(ctx: Context) -> int:
    return ctx.cached(("sources",), lambda: ctx.cursor().count("sources"))


def test_a_change_of_the_file_under_the_app_starts_a_new_generation(copy_db) -> None:
    ctx = Context(copy_db, linger=0.05, wait=30)
    ctx.refresh_every = 0  # look at the file on every call (the server looks every half second)
    before = count_sources(ctx)
    assert count_sources(ctx) == before and ctx.generation == 0  # cached: the file is unchanged
    add_source(copy_db, "imported-elsewhere")
    assert count_sources(ctx) == before + 1
    assert ctx.generation == 1
    assert count_sources(ctx) == before + 1 and ctx.generation == 1
    ctx.close()


def test_a_write_through_the_app_starts_one_new_generation(copy_db) -> None:
    ctx = Context(copy_db, linger=60, wait=30)
    before = count_sources(ctx)
    with ctx.writer() as store:
        store.con.execute("INSERT INTO sources (id, title) VALUES ('uploaded', 'x')")
    assert ctx.generation == 1 and ctx.cache == {}
    assert count_sources(ctx) == before + 1
    assert ctx.generation == 1  # the write's own change of the file is not counted twice
    ctx.close()


def test_a_transaction_on_a_request_store_writes_and_the_next_read_sees_it(copy_db) -> None:
    ctx = Context(copy_db, linger=60, wait=30)
    before = count_sources(ctx)
    store = ctx.cursor()
    with store.transaction() as con:
        con.execute("INSERT INTO sources (id, title) VALUES ('by-a-view', 'x')")
    assert store.read_only is True
    store.close()
    assert count_sources(ctx) == before + 1 and ctx.generation == 1
    ctx.close()
    with Store(copy_db, read_only=True) as check:
        assert check.scalar("SELECT title FROM sources WHERE id = 'by-a-view'") == "x"


def test_the_file_is_looked_at_every_half_second_at_most(copy_db, monkeypatch) -> None:
    ctx = Context(copy_db, linger=0.05, wait=30)
    assert ctx.refresh_every == 0.5
    looks = []
    monkeypatch.setattr(ctx.store, "signature", lambda: looks.append(1) or (len(looks), None))  # always changed
    for _ in range(100):
        ctx.cached(("x",), lambda: 1)
    assert len(looks) == 1 and ctx.generation == 0  # the first look only notes the file
    assert ctx.refresh(now=True) is True and len(looks) == 2
    assert ctx.generation == 1
    ctx.close()


def test_pages_answer_preparing_while_the_caches_warm_then_the_real_page(web_db, tmp_path) -> None:
    # Issue 14: `chanye serve` builds the caches in the background at start-up (create_app(warm_up=True));
    # meanwhile a page answers at once with 数据准备中 (503, Retry-After, refreshing itself), then the real page.
    import threading

    from fastapi.testclient import TestClient

    from chanye.web import warmup
    from chanye.web.app import create_app

    copy = tmp_path / "warm.duckdb"
    shutil.copy(web_db, copy)
    cold = create_app(copy)
    assert getattr(cold.state, "warmup", None) is None  # tests and create_app() stay cold
    cold.state.ctx.close()
    app = create_app(copy)
    ctx = app.state.ctx
    go, built = threading.Event(), []

    def scoreboard_when_told(c) -> None:
        go.wait(60)
        c.scoreboard()
        built.append("scoreboard")

    warm = warmup.install(app, ctx, steps=(("scoreboard", scoreboard_when_told),),
                          later=(("chain_boards", lambda c: c.chain("icv-nev")),))
    with TestClient(app) as client:  # the lifespan starts the warm-up
        assert warm.state == "warming"
        page = client.get("/")
        assert page.status_code == 503 and page.headers["retry-after"] == "2"
        assert page.headers["x-chanye-warm-up"] == "building"
        assert "<title>数据准备中</title>" in page.text and '<meta http-equiv="refresh" content="2">' in page.text
        assert "Preparing the data" in client.get("/cluster", params={"lang": "en"}).text
        twin = client.get("/review.json")
        assert twin.status_code == 503 and twin.json()["status"] == "warming" and twin.json()["title"] == "数据准备中"
        assert client.get("/static/chanye.css").status_code == 200  # static files and the API never wait here
        assert (ctx.generation, "scoreboard") not in ctx.cache
        go.set()
        assert warm.ready.wait(120)
        assert built == ["scoreboard"] and warm.state == "ready" and warm.failed == {}
        assert (ctx.generation, "scoreboard") in ctx.cache  # the first visit finds it built
        page = client.get("/")
        assert page.status_code == 200 and "<title>数据准备中</title>" not in page.text
        assert warm.finished.wait(120) and set(warm.seconds) == {"scoreboard", "chain_boards"}
        assert client.get("/static/chanye.css").headers["x-chanye-warm-up"] == "done"
        assert any(key[1:3] == ("chains", "board") for key in ctx.cache), list(ctx.cache)
    for thread in threading.enumerate():  # the page started the search directory's own warm thread: let it end
        if thread.name == "chanye-warm-directory":
            thread.join(120)
    ctx.close()


def test_a_failed_warm_up_step_is_noted_and_the_pages_open() -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from chanye.web import warmup
    from chanye.web.app import lifespan

    def broken(_ctx) -> None:
        raise RuntimeError("no figures yet")

    app = FastAPI(lifespan=lifespan)
    app.get("/")(lambda: {"page": "overview"})
    warm = warmup.install(app, ctx=None, steps=(("scoreboard", broken), ("directory", lambda _c: None)), later=())
    with TestClient(app) as client:
        assert warm.ready.wait(30)
        assert warm.failed == {"scoreboard": "RuntimeError: no figures yet"}
        assert set(warm.seconds) == {"scoreboard", "directory"}
        assert client.get("/").json() == {"page": "overview"}


def test_the_warm_up_visits_pages_through_the_app_in_process() -> None:
    from fastapi import FastAPI

    from chanye.web import warmup

    seen = []
    app = FastAPI()

    @app.get("/fusion")
    def fusion(lang: str = "zh") -> dict:
        seen.append(lang)
        return {"lang": lang}

    warmup.visit(app, ("/fusion", "/fusion?lang=en", "/missing"))
    assert seen == ["zh", "en"]
    assert warmup.VISIT == ("/", "/?lang=en", "/fusion", "/fusion?lang=en", "/projects", "/projects?lang=en")


def test_the_warm_up_visits_even_where_an_event_loop_runs() -> None:
    """Playwright's sync API (the browser tests) leaves a running loop in the main thread; asyncio.run refuses it."""
    import asyncio
    import threading

    from fastapi import FastAPI

    from chanye.web import warmup

    seen = []
    app = FastAPI()

    @app.get("/fusion")
    def fusion(lang: str = "zh") -> dict:
        seen.append(lang)
        return {"lang": lang}

    async def inside_a_loop() -> None:
        warmup.visit(app, ("/fusion?lang=en",))

    # a thread of the test's own, since this one may hold a running loop already (after the browser tests)
    caller = threading.Thread(target=asyncio.run, args=(inside_a_loop(),))
    caller.start()
    caller.join()
    assert seen == ["en"]
