"""Issue 14 item 2, a server that starts warm and stays small: the warm-up's page visits build the caches of
/, /fusion and /projects (asserted through its steps and the cache, never wall time); each step's resident
memory is noted; the compact search index finds exactly what it found before."""

from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pytest
from fastapi.testclient import TestClient

from chanye.services.platform import Platform
from chanye.services.search import BigramIndex
from chanye.web import pages_projects, warmup
from chanye.web.app import create_app

# Hand-checked on the 3% demo (seed 12218): the totals are the firms whose name or business scope contains
# every word (recounted with DuckDB's contains() below); the first five by relevance, then revenue. The same
# as the directory of the commit before the compact index (checked when the index changed). Re-ranked when the
# demo's peer firms shrank (specialisation size x sqrt(mult)): relevance, then 2024 revenue, recounted in DuckDB.
SEARCHES = {
    "锂离子电池": (16, "text", ("锂离子", "电池"), ["91500101MAG7HXTBXY", "91440304MA9CRJ871D", "91440309MA40JWCE67",
                                               "914403095072136460", "91440112800018428E"]),
    "汽车零部件制造": (99, "text", ("汽车", "零部件", "制造"), ["914401159621196863", "91310114MAEPR9381E",
                                                       "91310112786923578B", "91440105505889255P",
                                                       "91230108MAA288J54U"]),
    "车": (548, "text", ("车",), ["914401159621196863", "91440306164649914M", "91310114MAEPR9381E",
                                 "91310112786923578B", "9137028568121285XM"]),
    "914401150": (10, "uscc", ("914401150",), ["914401150749297443", "914401150611599716", "91440115029117659P",
                                              "914401150180320785", "914401150279346045"]),
}


@pytest.mark.parametrize("q", list(SEARCHES))
def test_search_finds_the_same_firms_as_before(web_db, q) -> None:
    total, mode, tokens, first = SEARCHES[q]
    with Platform(web_db) as p:
        found = p.search(q, per_page=5)
    assert (found.total, found.mode, found.tokens) == (total, mode, tokens)
    assert [row["uscc"] for row in found.firms.rows] == first
    if mode == "text":  # every word in the name or the scope: DuckDB's substring search agrees
        with duckdb.connect(str(web_db), read_only=True) as con:
            text = "coalesce(name, '') || chr(1) || coalesce(business_scope, '')"
            where = " AND ".join(f"contains({text}, ?)" for _ in tokens)
            assert con.execute(f"SELECT count(*) FROM enterprises WHERE {where}", list(tokens)).fetchall() == [(total,)]
            # and ranks them alike: 3 = the query in the name, 2 = every word in the name, 1 = else; then 2024 revenue
            in_name = " AND ".join("contains(name, ?)" for _ in tokens)
            ranked = con.execute(f"""
                SELECT e.uscc FROM enterprises e LEFT JOIN enterprise_years y ON y.uscc = e.uscc AND y.year = 2024
                WHERE {where}
                ORDER BY CASE WHEN contains(name, ?) THEN 3 WHEN {in_name} THEN 2 ELSE 1 END DESC,
                         y.revenue DESC NULLS LAST, e.rowid LIMIT 5""", [*tokens, q, *tokens]).fetchall()
            assert [r[0] for r in ranked] == first


def test_the_compact_index_keeps_one_string_and_uint32_postings() -> None:
    index = BigramIndex(["汽车零部件", "电池\x01汽车", "", "汽"])
    assert index.rows.dtype == np.uint32 and index.text == "汽车零部件\x00电池\x01汽车\x00\x00汽"
    assert index.bounds.tolist() == [0, 6, 12, 13, 15] and index.texts == ["汽车零部件", "电池\x01汽车", "", "汽"]
    # 汽车 in rows 0 and 1; 车零 in 0 only; 池汽 spans the \x01 between name and scope: no bigram, no hit
    assert index.rows_with("汽车").tolist() == [0, 1] and index.rows_with("车零").tolist() == [0]
    assert index.rows_with("池汽").tolist() == [] and index.rows_with("电池汽车").tolist() == []
    assert index.rows_with("汽").tolist() == [0, 1, 3]  # one character: checked in each text, never across texts
    assert index.rows_with("零部件", within=np.array([1, 3])).tolist() == []
    assert len(index.keys) == len(index.starts) - 1 == 5  # 汽车 车零 零部 部件 电池: each bigram once
    assert index.starts[-1] == len(index.rows) == 6  # (bigram, row) pairs: 汽车 in two rows


def test_the_warm_up_visits_build_the_overview_fusion_and_projects_caches(web_db, tmp_path, monkeypatch) -> None:
    """The page groups of `warmup.PAGES` are steps of their own; after them /projects (zh and en) and /fusion
    are cached, so a visitor's first visit computes nothing (the pipeline is not called again)."""
    copy = tmp_path / "warm.duckdb"
    shutil.copy(web_db, copy)
    calls = []
    pipeline = pages_projects.svc.pipeline

    def counted(*args, **kwargs):
        calls.append(kwargs.get("district"))
        return pipeline(*args, **kwargs)

    monkeypatch.setattr(pages_projects.svc, "pipeline", counted)
    app = create_app(copy)
    ctx = app.state.ctx
    warm = warmup.install(app, ctx, steps=(), later=(), pages=warmup.PAGES)
    with TestClient(app) as client:
        assert warm.finished.wait(300)
        assert warm.failed == {}
        assert list(warm.seconds) == ["overview", "fusion", "projects"] == [name for name, _ in warmup.PAGES]
        assert set(warm.rss) == set(warm.seconds)
        assert all(isinstance(mb, float) and mb > 0 for mb in warm.rss.values())  # Linux: /proc/self/status
        keys = [key[1:] for key in ctx.cache]
        assert ("io_fusion",) in keys
        projects = sorted(k[1] for k in keys if k[0] == "page-projects")
        assert projects == ["en", "zh"] and len(calls) == 2
        for path in ("/projects", "/projects?lang=en", "/fusion", "/"):
            assert client.get(path).status_code == 200
        assert len(calls) == 2  # the first visits found the pipeline's page built
        assert client.get("/projects", params={"stage": "signed"}).status_code == 200
        assert len(calls) == 3  # other filters: computed (and cached) on their first visit
    ctx.close()


def test_the_default_warm_up_ends_with_the_page_visits() -> None:
    """`chanye serve`'s warm-up (the default steps): the page groups run after the LATER steps."""
    app = create_app(":memory:")
    warm = warmup.install(app, app.state.ctx)
    names = [name for name, _ in (*warm.steps, *warm.later)]
    assert names == ["scoreboard", "directory", "chains", "opportunities", "industry_space", "chain_boards",
                     "overview", "fusion", "projects", "chain_pages"]
    app.state.ctx.close()


def test_the_server_takes_compact_allocator_settings() -> None:
    """glibc takes a fixed mmap threshold and two malloc arenas; Arrow allocates through malloc (issue 14)."""
    import pyarrow

    assert warmup.compact_allocators() is True  # the test machines run glibc (Debian)
    assert pyarrow.default_memory_pool().backend_name == "system"
    assert (warmup.M_MMAP_THRESHOLD, warmup.M_ARENA_MAX, warmup.MMAP_THRESHOLD, warmup.ARENA_MAX) == (-3, -8, 262144, 2)
