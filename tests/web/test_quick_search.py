"""Issue 14 item 2: another page of a search whose ranking is kept is answered in the event loop (no worker
thread); a search that may compute (no directory yet, a new ranking, another year's figures, a workbook's limit,
a new data generation) still runs in a worker thread."""

from __future__ import annotations

import asyncio
import shutil
import threading

from chanye.services import enterprises as svc
from chanye.services.access import Role, Viewer
from chanye.services.platform import Platform
from chanye.web import asgi
from chanye.web.app import Context

from .conftest import in_thread


def test_quick_only_when_the_ranking_is_kept(web_db, tmp_path) -> None:
    copy = tmp_path / "quick.duckdb"
    shutil.copy(web_db, copy)
    with Platform(copy) as p:
        page3 = svc.SearchQuery(q="汽车", page=3)
        assert not svc.quick(p, page3)  # no directory built yet
        svc.search(p, svc.SearchQuery(q="汽车"))
        d = svc.directory(p)
        assert svc.quick(p, page3) and svc.quick(p, svc.SearchQuery(q=" 汽车 ", page=7, per_page=50))
        assert svc.quick(p, svc.SearchQuery(q="汽车", year=d.year))  # the latest year, named
        assert not svc.quick(p, svc.SearchQuery(q="汽车", year=d.years[0]))  # another year's figures: read
        assert not svc.quick(p, svc.SearchQuery(q="汽车", order="asc"))  # another ranking
        assert not svc.quick(p, svc.SearchQuery(q="汽车", limit=10))  # a workbook's rows
        home = Viewer("li", Role.district_analyst, p.framework.city.districts[0].code)
        assert not svc.quick(p, page3, viewer=home)  # their own district's ranking: not the one kept
        p.data_changed()
        assert not svc.quick(p, page3)  # a new generation: the directory is built again


def test_a_quick_build_runs_in_the_event_loop_and_others_in_a_worker(web_db) -> None:
    ctx = Context(web_db).open()
    threads: list[int] = []

    def build() -> bytes:
        threads.append(threading.get_ident())
        return b"{}"

    async def answers() -> tuple[int, list[bytes]]:
        bodies = []
        for n, quick in enumerate((None, lambda: False, lambda: True)):
            bodies.append((await asgi.cached_json(ctx, ("test", n), build, quick)).body)
        await asgi.cached_json(ctx, ("test", 2), build, lambda: True)  # kept: no build at all
        return threading.get_ident(), bodies

    loop, bodies = in_thread(asyncio.run, answers())
    assert bodies == [b"{}", b"{}", b"{}"]
    assert ["loop" if t == loop else "worker" for t in threads] == ["worker", "worker", "loop"]
    ctx.close()


def test_a_rows_node_names_in_both_languages() -> None:
    names = {"icv-nev": ("智能网联与新能源汽车", "ICV & NEV"), "biomed": ("生物医药", "Biomedicine")}
    assert svc._joined_names(names, ["icv-nev", "gone", "biomed"]) == {
        "zh": "智能网联与新能源汽车；gone；生物医药", "en": "ICV & NEV; gone; Biomedicine"}  # a node no longer there: its id
    assert svc._joined_names(names, []) == {"zh": "", "en": ""}
