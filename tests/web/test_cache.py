"""The app's cache: one entry per data generation and key, least recently used entries evicted first."""

from __future__ import annotations

import pytest

from chanye.web.app import Context


def context(max_entries: int) -> Context:
    return Context("db", "pack", store=None, framework=None, max_cache_entries=max_entries)


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
