"""analytics.projects at its edges: every refusal's full message, same-day changes, a project entered as 终止,
past views, empty views, a project with no district or node, missing money, ties in the sorted tables, the
threshold day of the stalled list, and how a landed project finds its firm and its output."""

from __future__ import annotations

import re
import warnings
from datetime import date

import pandas as pd
import pytest

from chanye.analytics import projects as ap
from chanye.errors import InputError
from projects_pipeline import AS_OF, day, projects_frame, stages_frame


def _exactly(message: str) -> str:
    """A `match=` pattern for the whole str(error): message and hint, nothing more."""
    return "^" + re.escape(message) + "$"


def _stages(rows: list[tuple]) -> pd.DataFrame:
    """(project_id, day offset, stage[, reason]) -> a stage history without an id column."""
    return pd.DataFrame([{"project_id": r[0], "happened_on": day(r[1]), "stage": r[2],
                          "reason": r[3] if len(r) > 3 else None} for r in rows])


def _plain(frame: pd.DataFrame) -> list[list]:
    return frame.astype(object).where(frame.notna(), None).values.tolist()


# --- the small helpers ------------------------------------------------------------------------------------------

def test_split_join_and_days_between() -> None:
    assert ap.split_ids(" a, b,,c ") == ("a", "b", "c")  # split on commas only, blanks dropped
    assert ap.split_ids("n1 n2") == ("n1 n2",)
    assert ap.split_ids(None) == () and ap.split_ids("  ") == () and ap.split_ids(3) == ()
    assert ap.join_ids(["a", "b", "a", "", None]) == "a,b"  # first occurrence kept, blanks dropped
    assert ap.join_ids([]) is None and ap.join_ids([""]) is None
    # the time of day is dropped: 2024-01-01 18:00 -> 2024-01-03 is 2 days
    assert ap.days_between(pd.Timestamp("2024-01-01 18:00"), date(2024, 1, 3)) == 2
    assert ap.days_between(day(40), day(10)) == -30


# --- check_change: the full message and hint of every refusal -------------------------------------------------

ALL_NAMES = ("线索 lead、洽谈 talks、签约 signed、注册 registered、供地 land、开工 started、投产 production、"
             "达产 full production、终止 terminated")


def test_every_refusal_reads_in_full() -> None:
    history = stages_frame()
    p04 = history[history["project_id"] == "P04"]  # terminated on day 200
    p05 = history[history["project_id"] == "P05"]  # at 签约 since day 160 (2024-06-09)
    with pytest.raises(InputError, match=_exactly(f"未知阶段 'built' (unknown stage)（可用: {ALL_NAMES}）")):
        ap.check_change(p05, "built", day(540))
    with pytest.raises(InputError, match=_exactly(f"项目 P05：未知阶段 'built' (unknown stage)（可用: {ALL_NAMES}）")):
        ap.check_change(p05, "built", day(540), project="P05")
    with pytest.raises(InputError, match=_exactly(
            "终止项目须写明原因 (terminating a project needs a reason)（例如 --reason 投资方战略调整）")):
        ap.check_change(p05, "terminated", day(540))  # no reason at all (None)
    with pytest.raises(InputError, match=_exactly(
            "项目 P04：项目已终止，不能再记录阶段 (the project was terminated; no change after 终止)"
            "（如项目重启，请新建项目 (a restarted project is a new project)）")):
        ap.check_change(p04, "signed", day(540), project="P04")
    with pytest.raises(InputError, match=_exactly(
            "日期 2024-05-30 早于上一次变更 2024-06-09（签约 signed）(a change cannot precede the last one)"
            "（检查日期 (check the date)）")):
        ap.check_change(p05, "registered", day(150))  # day 150 = 2024-05-30
    # the stage already reached is refused too (not only earlier ones)
    with pytest.raises(InputError, match=_exactly(
            "已到 签约 signed，不能记为 签约 signed：阶段只能前进 (stages only move forward)"
            "（过去的记录保留不改 (the history is never overwritten)）")):
        ap.check_change(p05, "signed", day(540))
    with pytest.raises(InputError, match=_exactly(
            "尚未开工 started，不能记为 投产 production（投产须在开工之后）(cannot record production before started)"
            "（先记录 开工 started (record started first)）")):
        ap.check_change(p05, "production", day(540))


def test_a_change_on_the_day_of_the_last_one_is_accepted() -> None:
    history = stages_frame()
    p05 = history[history["project_id"] == "P05"]  # last change 签约 on day 160
    assert ap.check_change(p05, "registered", day(160)) is None
    assert ap.check_change(p05, "terminated", day(160), reason="外迁") is None


def test_a_termination_on_the_day_of_the_last_stage_still_ends_the_project() -> None:
    # 签约 and 终止 on the same day (day 160), in the order they were recorded: the project is over
    history = _stages([("P05", 40, "lead"), ("P05", 160, "signed"), ("P05", 160, "terminated", "外迁")])
    with pytest.raises(InputError, match=r"^项目已终止，不能再记录阶段"):
        ap.check_change(history, "registered", day(170))


# --- state_at: ordering of same-day changes, projects entered as 终止, empty views -------------------------------

def test_same_day_changes_follow_their_ids() -> None:
    # Q1 records 线索 (id 1) and 签约 (id 2) on the same day, listed in the other order: the later id wins
    stages = pd.DataFrame({"id": [2, 1], "project_id": ["Q1", "Q1"], "happened_on": [day(10), day(10)],
                           "stage": ["signed", "lead"], "reason": ["备注", None]})
    s = ap.state_at(stages)
    # a reason on a non-terminal change is not the project's reason (only 终止 has one)
    assert _plain(s) == [["Q1", "signed", day(10), day(10), 2024, "signed", False, None]]


def test_history_without_ids_is_ordered_by_date() -> None:
    stages = _stages([("Q2", 90, "signed"), ("Q1", 40, "talks"), ("Q2", 30, "lead")])
    s = ap.state_at(stages)
    assert list(s.columns) == ap.STATE_COLUMNS
    assert _plain(s) == [["Q1", "talks", day(40), day(40), 2024, "talks", False, None],
                         ["Q2", "signed", day(90), day(30), 2024, "signed", False, None]]


def test_a_view_before_any_change_is_empty() -> None:
    s = ap.state_at(stages_frame(), day(-1))
    assert list(s.columns) == ap.STATE_COLUMNS and len(s) == 0
    f = ap.funnel(projects_frame(), s, by="district")
    assert list(f.columns) == ap.FUNNEL_COLUMNS and len(f) == 0
    got = ap.investment_against(projects_frame(), s, "district")
    assert list(got.columns) == ["group", "projects", "investment", "target", "progress"] and len(got) == 0


def _with_p00() -> tuple[pd.DataFrame, pd.DataFrame]:
    """P00 (district A, n1, 50 亿元) entered the register as 终止 on day 5, before any other stage."""
    projects = pd.concat([pd.DataFrame([{"id": "P00", "name": "项目P00", "district_code": "A", "nodes": ("n1",),
                                         "total_investment": 50.0, "annual_output": None,
                                         "investor_name": "零公司", "investor_uscc": None}]), projects_frame()],
                         ignore_index=True)
    stages = pd.concat([_stages([("P00", 5, "terminated", "退出")]), stages_frame().drop(columns=["id"])],
                       ignore_index=True)
    return projects, stages


def test_a_project_entered_as_terminated() -> None:
    projects, stages = _with_p00()
    state = ap.state_at(stages, AS_OF)
    assert _plain(state.iloc[:1]) == [["P00", "terminated", day(5), day(5), 2024, None, True, "退出"]]
    # it reached no stage: the durations are those of the 12 others (lead 12 reached, 9 moved on, median 30)
    d = ap.stage_durations(stages, AS_OF).set_index("stage")
    assert d.loc["lead", ["reached", "moved_on", "median_days"]].tolist() == [12, 9, 30.0]
    # ... and it counts for no stage, not even 线索: A = P01 10 + P02 20 + P07 4 + P09 6 = 40 (4 projects);
    # B = P03 5 + P04 8 + P08 12 + P11 3 = 28; C = P05 30 + P06 2 + P10 15 + P12 7 = 54
    got = ap.investment_against(projects, state, "district", stage="lead")
    assert _plain(got) == [["C", 4, 54.0, None, None], ["A", 4, 40.0, None, None], ["B", 4, 28.0, None, None]]


# --- past views ------------------------------------------------------------------------------------------------

def test_durations_of_a_past_view() -> None:
    # on day 100: P01 0 lead, 30 talks, 90 signed; P02 10 lead, 70 signed; P03 20 lead, 50 talks; P04 30 lead,
    # 60 talks; P05 40 lead, 100 talks; P06 50 lead; P09 60 lead, 90 talks; P10 5 lead, 35 talks, 65 signed,
    # 95 registered; P12 70 lead, 100 terminated (P07, P08, P11 not yet entered)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "mean of empty slice" for the stages nobody left
        d = ap.stage_durations(stages_frame(), day(100))
    assert list(d.columns) == ap.DURATION_COLUMNS
    # reached: lead 9; talks 7 (P02 passed it on its way to 签约); signed P01, P02, P10; registered P10
    assert d["reached"].tolist() == [9, 7, 3, 1, 0, 0, 0, 0]
    # lead spells: 30 (P01), 60 (P02), 30, 30, 60 (P05), 30 (P09), 30 (P10): median 30, mean 270 / 7
    # talks: P01 60, P10 30; signed: P10 30
    assert d["moved_on"].tolist() == [7, 2, 1, 0, 0, 0, 0, 0]
    conv = d["conversion"].tolist()
    assert conv[:4] == pytest.approx([7 / 9, 2 / 7, 1 / 3, 0.0]) and all(pd.isna(c) for c in conv[4:])
    assert d["median_days"].tolist()[:3] == [30.0, 45.0, 30.0]
    assert d["mean_days"].tolist()[:3] == pytest.approx([270 / 7, 45.0, 30.0])
    assert d["median_days"].iloc[3:].isna().all() and d["mean_days"].iloc[3:].isna().all()


def test_funnel_of_a_past_view() -> None:
    # on day 100: P01 A signed, P02 A signed, P03 B talks, P04 B terminated (talks), P05 C talks, P06 C lead,
    # P09 A talks, P10 C registered, P12 C terminated (lead)
    past = ap.state_at(stages_frame(), day(100))
    f = ap.funnel(projects_frame(), past).set_index("stage")
    assert f["projects"].tolist() == [9, 7, 3, 1, 0, 0, 0, 0]
    # lead: 10 + 20 + 5 + 8 + 30 + 2 + 6 + 15 + 7 = 103; talks: less P06, P12 = 94; signed: P01, P02, P10 = 45
    assert f["investment"].tolist() == [103.0, 94.0, 45.0, 15.0, 0.0, 0.0, 0.0, 0.0]
    by_district = ap.funnel(projects_frame(), past, by="district")
    lead = by_district[by_district["stage"] == "lead"]
    assert lead[["group", "projects", "investment"]].values.tolist() == [["A", 3, 36.0], ["B", 2, 13.0],
                                                                         ["C", 4, 54.0]]
    by_node = ap.funnel(projects_frame(), past, by="node")
    lead = by_node[by_node["stage"] == "lead"]
    # n1: P01, P02, P05, P10; n2: P03, P04, P05, P09; n3: P06, P12
    assert lead[["group", "projects"]].values.tolist() == [["n1", 4], ["n2", 4], ["n3", 2]]


# --- a project with no district, no node and no money ----------------------------------------------------------

def _with_p13() -> tuple[pd.DataFrame, pd.DataFrame]:
    """P13: no district, no node, investment unknown; 线索 on day 10, 签约 on day 20."""
    extra = pd.DataFrame([{"id": "P13", "name": "项目P13", "district_code": None, "nodes": None,
                           "total_investment": float("nan"), "annual_output": None,
                           "investor_name": "寅公司", "investor_uscc": None}])
    projects = pd.concat([projects_frame(), extra], ignore_index=True)
    stages = pd.concat([stages_frame().drop(columns=["id"]), _stages([("P13", 10, "lead"), ("P13", 20, "signed")])],
                       ignore_index=True)
    return projects, ap.state_at(stages, AS_OF)


def test_funnel_keeps_a_group_for_projects_without_one() -> None:
    projects, state = _with_p13()
    whole = ap.funnel(projects, state).set_index("stage")
    # unknown investment counts as 0: lead 122 + 0, signed 98 + 0
    assert whole["investment"].tolist()[:3] == [122.0, 110.0, 98.0]
    assert whole["projects"].tolist()[:3] == [13, 10, 8]
    for by in ("district", "node"):
        f = ap.funnel(projects, state, by=by)
        last = f[f["group"].isna()]  # the group of unknowns comes last
        assert f.index[-8:].tolist() == last.index.tolist()
        assert last["projects"].tolist() == [1, 1, 1, 0, 0, 0, 0, 0]
        assert last["investment"].tolist() == [0.0] * 8
        assert last["current"].tolist() == [0, 0, 1, 0, 0, 0, 0, 0]


def test_funnel_refuses_an_unknown_grouping() -> None:
    with pytest.raises(ValueError, match=r"^unknown grouping 'sector'$"):
        ap.funnel(projects_frame(), ap.state_at(stages_frame(), AS_OF), by="sector")


def test_strategic_share_all_years_and_unknowns() -> None:
    state = ap.state_at(stages_frame(), AS_OF)
    got = ap.strategic_share(projects_frame(), state, {"n1", "n2"})
    # all 12: P01, P02, P03, P04, P05, P08, P09, P10 on n1/n2 = 8; 106 亿元 of 122 (10+20+5+8+30+12+6+15)
    assert got == {"year": None, "projects": 12, "strategic": 8, "share": pytest.approx(800 / 12),
                   "investment": 122.0, "strategic_investment": 106.0,
                   "investment_share": pytest.approx(10600 / 122)}
    assert ap.strategic_share(projects_frame(), state, {"n1"}, year=2030) == {
        "year": 2030, "projects": 0, "strategic": 0, "share": None, "investment": 0.0,
        "strategic_investment": 0.0, "investment_share": None}
    projects, state13 = _with_p13()
    # 2024 with P13 (no node, unknown money): 10 projects, 7 strategic; 103 + 0 亿元, 94 strategic
    assert ap.strategic_share(projects, state13, {"n1", "n2"}, year=2024) == {
        "year": 2024, "projects": 10, "strategic": 7, "share": 70.0, "investment": 103.0,
        "strategic_investment": 94.0, "investment_share": pytest.approx(9400 / 103)}


# --- investment_against: year, no targets, target-only groups, ties ---------------------------------------------

def test_investment_against_a_year_without_targets() -> None:
    projects, state = _with_p13()
    # entered in 2024 and signed or later: A P01 10, P02 20, P09 6 = 36; B P03 5; C P05 30, P10 15 = 45;
    # P13 (signed, no district) is in no group; P08 entered in 2025
    got = ap.investment_against(projects, state, "district", year=2024)
    assert _plain(got) == [["C", 2, 45.0, None, None], ["A", 3, 36.0, None, None], ["B", 1, 5.0, None, None]]
    got = ap.investment_against(projects, state, "district", pd.DataFrame({"group": [], "target": []}))
    assert got["group"].tolist() == ["C", "A", "B"]  # all years: C 45, A 36, B 17
    assert ap.investment_against(projects, state, "district", year=2030).empty


def test_targets_of_groups_without_projects_sort_by_name() -> None:
    state = ap.state_at(stages_frame(), AS_OF)
    targets = pd.DataFrame({"group": ["E", "D", "A"], "target": [5.0, 8.0, 72.0]})
    got = ap.investment_against(projects_frame(), state, "district", targets, stage="full")
    # 达产: only P01 (A, 10 亿元) -> 10 / 72 = 13.9%; D and E have no project: 0 of their target, D before E
    assert _plain(got) == [["A", 1, 10.0, 72.0, pytest.approx(1000 / 72)], ["D", 0, 0.0, 8.0, 0.0],
                           ["E", 0, 0.0, 5.0, 0.0]]


# --- stalled: the threshold day, ties, an empty list ------------------------------------------------------------

def test_stalled_on_the_threshold_day_and_ties() -> None:
    state = ap.state_at(stages_frame(), AS_OF)
    # P06 has been at 线索 for exactly 496 days: not yet over a 496-day threshold
    assert ap.stalled(state, AS_OF, {"lead": 496})["project_id"].tolist() == ["P05", "P09"]
    # P05 386 days at 签约, P09 346 at 注册: both 100 over -> by id
    s = ap.stalled(state, AS_OF, {"signed": 286, "registered": 246})
    assert list(s.columns) == ap.STALLED_COLUMNS
    assert s.values.tolist() == [["P06", "lead", day(50), 496, 90, 406], ["P05", "signed", day(160), 386, 286, 100],
                                 ["P09", "registered", day(200), 346, 246, 100]]
    none = ap.stalled(state, AS_OF, dict.fromkeys(ap.STALL_DAYS, 10_000))
    assert list(none.columns) == ap.STALLED_COLUMNS and len(none) == 0


# --- landed_firms -----------------------------------------------------------------------------------------------

def _landing() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    projects = pd.DataFrame([  # id, investor name, investor USCC, promised output (亿元)
        {"id": i, "investor_name": n, "investor_uscc": u, "annual_output": o}
        for i, n, u, o in [("L1", "不在册", "U1", 10.0), ("L2", "乙", None, 4.0), ("L3", "无名", "U99", 5.0),
                           ("L4", "丙", "U3", None), ("L5", "丁", "U4", 2.0), ("L6", "戊", "U5", 2.0),
                           ("L7", "己", "U1", 1.0), ("L8", "庚", "U1", 1.0)]])
    stages = _stages([("L1", 0, "registered"), ("L1", 100, "production"),
                      ("L2", 10, "full"),  # entered the register at 达产
                      ("L3", 20, "registered"),
                      ("L4", 5, "lead"), ("L4", 30, "registered"), ("L4", 60, "started"), ("L4", 90, "production"),
                      ("L5", 40, "registered"), ("L6", 50, "registered"), ("L7", 0, "lead"),
                      ("L8", 600, "registered")])  # after the view
    # U1 renamed (two rows: the first counts); two firms named 乙 (the first counts)
    firms = pd.DataFrame({"uscc": ["U1", "U1", "U2", "U3", "U4", "U5"], "name": ["甲", "甲新", "乙", "乙", "丁", "戊"],
                          "district_code": ["A", "B", "B", "C", "A", "C"]})
    nan = float("nan")
    figures = pd.DataFrame([  # uscc, year, industrial output, revenue
        {"uscc": u, "year": y, "industrial_output": o, "revenue": r}
        for u, y, o, r in [("U1", 2023, 50.0, 60.0), ("U1", 2024, nan, 10.0), ("U2", 2024, 3.0, 5.0),
                           ("U3", 2025, 7.0, 8.0), ("U4", 2025, nan, nan), ("U5", 2025, 1.0, 9.0)]])
    return projects, stages, firms, figures


def test_landed_firms_find_firm_output_and_status() -> None:
    projects, stages, firms, figures = _landing()
    got = ap.landed_firms(projects, stages, firms, figures, AS_OF)
    assert list(got.columns) == ap.LANDED_COLUMNS
    assert _plain(got) == [
        # by USCC (its name is not in the registry); 2023 is before landing; 2024 has revenue only: 10 of 10
        ["L1", day(0), "U1", "A", 10.0, 2024, 10.0, 100.0, "met_promise"],
        # by name (the first 乙); at 达产 counts as producing: 3 of 4 = 75%
        ["L2", day(10), "U2", "B", 4.0, 2024, 3.0, 75.0, "below_promise"],
        # U99 and 无名 are not in the registry
        ["L3", day(20), None, None, 5.0, None, None, None, "not_found"],
        # landed on 注册 (day 30), producing, but nothing was promised
        ["L4", day(30), "U3", "C", None, 2025, 7.0, None, "not_due"],
        # a 2025 row with neither output nor revenue
        ["L5", day(40), "U4", "A", 2.0, 2025, None, None, "no_figures"],
        # output (1) before revenue (9); only registered, so not yet due
        ["L6", day(50), "U5", "C", 2.0, 2025, 1.0, None, "not_due"]]


def test_landed_firms_without_registry_rows() -> None:
    projects, stages, firms, figures = _landing()
    got = ap.landed_firms(projects, stages, pd.DataFrame(), figures, AS_OF)
    assert got["status"].tolist() == ["not_found"] * 6
    # nothing found: the firm and figure fields are None (not NaN) in every row
    cols = ["firm_uscc", "firm_district", "output_year", "output", "output_ratio"]
    assert got[cols].values.tolist() == [[None] * 5] * 6
    assert got["promised_output"].tolist()[:3] == [10.0, 4.0, 5.0]
    found = ap.landed_firms(projects, stages, firms, pd.DataFrame(), AS_OF)  # no figures at all
    assert found["status"].tolist() == ["no_figures", "no_figures", "not_found", "no_figures", "no_figures",
                                        "no_figures"]
    nothing = ap.landed_firms(projects, stages[stages["project_id"] == "L7"], firms, figures, AS_OF)
    assert list(nothing.columns) == ap.LANDED_COLUMNS and len(nothing) == 0


def test_landed_firms_output_in_the_landing_year_and_an_equal_promise() -> None:
    projects, stages, firms, _ = _landing()
    # L1 landed in 2024 and produces; 2024's output equals the promise exactly
    figures = pd.DataFrame({"uscc": ["U1"], "year": [2024], "industrial_output": [10.0], "revenue": [99.0]})
    got = ap.landed_firms(projects, stages, firms, figures, AS_OF).set_index("project_id")
    assert got.loc["L1", ["output_year", "output", "output_ratio", "status"]].tolist() == [2024, 10.0, 100.0,
                                                                                           "met_promise"]
    # both missing in the latest year: no figures (but the year is said)
    figures = pd.DataFrame({"uscc": ["U1"], "year": [2025], "industrial_output": [None], "revenue": [None]},
                           dtype=object)
    got = ap.landed_firms(projects, stages, firms, figures, AS_OF).set_index("project_id")
    assert got.at["L1", "status"] == "no_figures" and got.at["L1", "output_year"] == 2025
    assert pd.isna(got.at["L1", "output"])
