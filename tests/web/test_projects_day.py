"""Issue 14 item 2: a new calendar day costs /projects no slow first visit. The page model is keyed by the day it
shows (示例数据 shows its last recorded day whatever the calendar says), and the warm-up builds the next day's
page a few minutes before midnight by the server's clock (`ctx.clock`, injected here; never wall time)."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from types import SimpleNamespace

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from chanye.services import projects as svc
from chanye.web import pages_projects, warmup
from chanye.web.app import create_app


def _data(synthetic: bool, last: str | None) -> svc.Data:
    stages = pd.DataFrame({"project_id": ["p1", "p1"], "happened_on": pd.to_datetime(["2024-05-01", last])}) \
        if last else pd.DataFrame({"project_id": [], "happened_on": pd.to_datetime([])})
    return svc.Data(pd.DataFrame({"id": ["p1"]}), stages, synthetic)


@pytest.mark.parametrize(("synthetic", "last", "today", "day"), [
    (False, "2025-12-31", date(2026, 12, 4), "2026-12-04"),  # registry data: the calendar's day
    (False, None, datetime(2026, 12, 4, 23, 59, 30), "2026-12-04"),  # a moment: its day
    (True, "2025-12-31", date(2026, 12, 5), "2025-12-31"),  # 示例数据: its last change, min(today, last)
    (True, "2025-12-31", date(2025, 6, 30), "2025-06-30"),  # ... at most today
    (True, None, date(2026, 12, 5), "2026-12-05"),  # no stage recorded: today
])
def test_the_default_day_of_a_given_today(synthetic, last, today, day) -> None:
    assert svc.default_day(_data(synthetic, last), today) == pd.Timestamp(day)


def test_the_day_due_follows_the_clock() -> None:
    clock = {"now": datetime(2026, 12, 4, 12, 0)}
    built: list[date] = []
    ctx = SimpleNamespace(clock=lambda: clock["now"])
    warm = warmup.Warmup(ctx, (), (), (("projects", built.append),), ahead=300.0)
    assert warm.due() == date(2026, 12, 4)  # nothing built yet: today
    warm.build_day(date(2026, 12, 4))
    assert warm.due() is None and built == [date(2026, 12, 4)]
    clock["now"] = datetime(2026, 12, 4, 23, 54, 59)  # + 300 s = 23:59:59: still today
    assert warm.due() is None
    clock["now"] = datetime(2026, 12, 4, 23, 55, 0)  # + 300 s = midnight: tomorrow is due
    assert warm.due() == date(2026, 12, 5)
    warm.build_day(date(2026, 12, 5))
    clock["now"] = datetime(2026, 12, 5, 0, 0, 1)
    assert warm.due() is None
    warm.build_day(date(2026, 12, 6))
    assert warm.days == [date(2026, 12, 5), date(2026, 12, 6)]  # the last two only
    assert built == [date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 6)]
    assert warmup.Warmup(ctx, (), ()).due() is None  # nothing built daily


def test_a_failed_daily_build_is_logged_and_counted_as_tried(caplog) -> None:
    def fail(day: date) -> None:
        raise RuntimeError(f"no {day}")

    warm = warmup.Warmup(SimpleNamespace(clock=lambda: datetime(2026, 12, 4, 23, 58)), (), (), (("projects", fail),))
    assert warm.due() == date(2026, 12, 5)
    warm.build_day(date(2026, 12, 5))
    assert warm.due() is None
    assert [r.getMessage() for r in caplog.records] == ["warm-up of projects for 2026-12-05 failed: no 2026-12-05"]


def test_the_next_days_page_is_built_before_midnight(web_db, tmp_path, monkeypatch) -> None:
    """The 3% demo's projects are 示例数据 recorded from 2023-01-01 to 2025-12-31: a clock inside that span shows
    its own day, a clock after it shows 2025-12-31."""
    copy = tmp_path / "days.duckdb"
    shutil.copy(web_db, copy)
    calls: list[str] = []
    pipeline = pages_projects.svc.pipeline

    def counted(*args, **kwargs):
        calls.append(str(kwargs["as_of"]))
        return pipeline(*args, **kwargs)

    monkeypatch.setattr(pages_projects.svc, "pipeline", counted)
    app = create_app(copy)
    ctx = app.state.ctx
    clock = {"now": datetime(2024, 3, 1, 23, 58)}
    ctx.clock = lambda: clock["now"]
    warm = warmup.install(app, ctx, steps=(), later=(), pages=(("projects", ("/projects", "/projects?lang=en")),))
    warm.poll = 3600.0  # the test calls due() and build_day() itself
    with TestClient(app) as client:
        assert warm.finished.wait(300) and warm.failed == {}
        assert calls == ["2024-03-01", "2024-03-01"]  # the warm-up's visits, zh and en
        assert warm.due() == date(2024, 3, 2)  # two minutes to midnight
        warm.build_day(date(2024, 3, 2))
        assert calls == ["2024-03-01"] * 2 + ["2024-03-02"] * 2
        clock["now"] = datetime(2024, 3, 2, 0, 0, 5)
        for path in ("/projects.json", "/projects.json?lang=en", "/projects", "/projects?lang=en"):
            answer = client.get(path)
            assert answer.status_code == 200
        assert client.get("/projects.json").json()["as_of"] == "2024-03-02"
        assert len(calls) == 4  # the first visits after midnight found the page built
        assert client.get("/projects.json", params={"as_of": "2024-01-15"}).json()["as_of"] == "2024-01-15"
        assert calls[4:] == ["2024-01-15"]  # a date asked for: that day, whatever the clock
        clock["now"] = datetime(2026, 12, 5, 9, 0)  # after the demo's last change
        assert client.get("/projects.json").json()["as_of"] == "2025-12-31"
        clock["now"] = datetime(2026, 12, 6, 9, 0)  # a new calendar day, the same day shown: no new computation
        assert client.get("/projects.json").json()["as_of"] == "2025-12-31"
        assert calls[5:] == ["2025-12-31"]
    ctx.close()
