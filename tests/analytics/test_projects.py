"""analytics.projects on the hand-built pipeline of 12 projects (tests/projects_pipeline.py): funnel,
conversion, days per stage, the stalled list, the strategic share, any past state and the rules of a change."""

from __future__ import annotations

import pandas as pd
import pytest

from chanye.analytics import projects as ap
from chanye.errors import InputError
from projects_pipeline import AS_OF, day, projects_frame, stages_frame


@pytest.fixture
def state() -> pd.DataFrame:
    return ap.state_at(stages_frame(), AS_OF)


def test_state_now(state) -> None:
    s = state.set_index("project_id")
    assert s["reached"].to_dict() == {
        "P01": "full", "P02": "production", "P03": "started", "P04": "talks", "P05": "signed", "P06": "lead",
        "P07": "talks", "P08": "signed", "P09": "registered", "P10": "production", "P11": "lead", "P12": "lead"}
    assert s["stage"]["P04"] == "terminated" and s["reason"]["P04"] == "投资方战略调整"
    assert s.loc["P12", "terminated"] and not s.loc["P01", "terminated"]
    assert s["entry_year"].value_counts().to_dict() == {2024: 9, 2025: 3}
    assert s.at["P05", "since"] == day(160)


def test_any_past_state() -> None:
    # day 100 (2024-04-10): P07, P08, P11 had not entered yet; P12 was terminated that very day
    past = ap.state_at(stages_frame(), day(100)).set_index("project_id")
    assert sorted(past.index) == ["P01", "P02", "P03", "P04", "P05", "P06", "P09", "P10", "P12"]
    assert past["stage"].to_dict() == {"P01": "signed", "P02": "signed", "P03": "talks", "P04": "talks",
                                       "P05": "talks", "P06": "lead", "P09": "talks", "P10": "registered",
                                       "P12": "terminated"}


def test_funnel(state) -> None:
    f = ap.funnel(projects_frame(), state).set_index("stage")
    assert f["projects"].tolist() == [12, 9, 7, 5, 4, 4, 3, 1]
    # 亿元 of the projects that reached each stage: all 122; less P06, P11, P12 (2+3+7); less P04, P07 (8+4); ...
    assert f["investment"].tolist() == [122.0, 110.0, 98.0, 56.0, 50.0, 50.0, 45.0, 10.0]
    assert f["current"].tolist() == [2, 1, 2, 1, 0, 1, 2, 1]
    assert f["terminated"].tolist() == [1, 1, 0, 0, 0, 0, 0, 0]
    assert f["conversion"].iloc[:-1].tolist() == pytest.approx([9 / 12, 7 / 9, 5 / 7, 4 / 5, 1.0, 3 / 4, 1 / 3])
    assert pd.isna(f["conversion"].iloc[-1])


def test_funnel_by_district_and_year(state) -> None:
    f = ap.funnel(projects_frame(), state, by="district")
    a = f[f["group"] == "A"]
    # A: P01 (full), P02 (production; skipped 洽谈, 注册, 供地 but passed them), P07 (talks), P09 (registered)
    assert a["projects"].tolist() == [4, 4, 3, 3, 2, 2, 2, 1]
    assert a["investment"].tolist() == [40.0, 40.0, 36.0, 36.0, 30.0, 30.0, 30.0, 10.0]
    by_year = ap.funnel(projects_frame(), state, by="year")
    assert by_year[by_year["stage"] == "lead"].set_index("group")["projects"].to_dict() == {2024: 9, 2025: 3}
    by_node = ap.funnel(projects_frame(), state, by="node")
    # P05 sits on n1 and n2: it counts in both
    assert by_node[by_node["stage"] == "lead"].set_index("group")["projects"].to_dict() == {"n1": 5, "n2": 4, "n3": 4}


def test_days_per_stage() -> None:
    d = ap.stage_durations(stages_frame(), AS_OF).set_index("stage")
    # lead: P01 30, P02 60, P03 30, P04 30, P05 60, P07 50, P08 40, P09 30, P10 30 -> median 30
    assert d.loc["lead", ["reached", "moved_on", "median_days"]].tolist() == [12, 9, 30.0]
    assert d.at["lead", "mean_days"] == pytest.approx(360 / 9)
    # talks: P01 60, P03 60, P05 60, P08 80, P09 60, P10 30 -> median 60
    assert d.loc["talks", ["reached", "moved_on", "median_days"]].tolist() == [9, 6, 60.0]
    # signed: P01 30, P02 130, P03 40, P09 50, P10 30 -> median 40
    assert d.loc["signed", ["moved_on", "median_days"]].tolist() == [5, 40.0]
    assert d["median_days"].tolist()[3:7] == [60.0, 60.0, 180.0, 60.0]  # registered, land, started, production
    assert d.loc["full", "moved_on"] == 0 and pd.isna(d.loc["full", "median_days"])


def test_stalled_list(state) -> None:
    s = ap.stalled(state, AS_OF)
    # P06 at 线索 since day 50 (496 days > 90), P05 at 签约 since 160 (386 > 90), P09 at 注册 since 200 (346 > 180)
    assert s[["project_id", "stage", "days", "threshold", "over"]].values.tolist() == [
        ["P06", "lead", 496, 90, 406], ["P05", "signed", 386, 90, 296], ["P09", "registered", 346, 180, 166]]
    # a looser threshold for 线索 takes P06 off; a stricter one for 洽谈 puts P07 (96 days) on
    looser = ap.stalled(state, AS_OF, {"lead": 500, "talks": 90})
    assert looser["project_id"].tolist() == ["P05", "P09", "P07"]


def test_strategic_share(state) -> None:
    got = ap.strategic_share(projects_frame(), state, {"n1", "n2"}, year=2024)
    # 2024: 9 projects, P06 and P12 on n3: 7 strategic; 103 亿元 of which 94 strategic
    assert got == {"year": 2024, "projects": 9, "strategic": 7, "share": pytest.approx(700 / 9),
                   "investment": 103.0, "strategic_investment": 94.0, "investment_share": pytest.approx(9400 / 103)}


def test_investment_against_targets(state) -> None:
    targets = pd.DataFrame({"group": ["A", "B"], "target": [40.0, 10.0]})
    got = ap.investment_against(projects_frame(), state, "district", targets)
    # signed or later: A P01 10, P02 20, P09 6 = 36; B P03 5, P08 12 = 17; C P05 30, P10 15 = 45
    assert got.astype(object).where(got.notna(), None).values.tolist() == [
        ["C", 2, 45.0, None, None], ["A", 3, 36.0, 40.0, 90.0], ["B", 2, 17.0, 10.0, 170.0]]


def test_landed_firms() -> None:
    firms = pd.DataFrame({"uscc": ["U01", "U02", "U09", "U10"], "name": ["甲公司", "乙公司", "壬公司", "癸公司"],
                          "district_code": ["A", "A", "A", "C"]})
    figures = pd.DataFrame({"uscc": ["U01", "U01", "U02", "U10"], "year": [2024, 2025, 2025, 2023],
                            "revenue": [6.0, 13.0, 4.0, 1.0], "industrial_output": [5.0, 12.0, 3.0, 1.0]})
    got = ap.landed_firms(projects_frame(), stages_frame(), firms, figures, AS_OF).set_index("project_id")
    # landed (注册 or later): P01, P02 (开工 on day 200), P03, P09, P10
    assert got["status"].to_dict() == {"P01": "met_promise", "P02": "below_promise", "P03": "not_found",
                                       "P09": "no_figures", "P10": "no_figures"}
    assert got.at["P01", "output_ratio"] == 120.0 and got.at["P02", "output_ratio"] == 37.5
    assert got.at["P02", "firm_uscc"] == "U02"  # found by the investor's name
    assert got.at["P02", "landed_on"] == day(200)


def test_changes_follow_the_rules() -> None:
    history = stages_frame()
    p03 = history[history["project_id"] == "P03"]  # at 开工
    ap.check_change(p03, "production", day(540))  # fine
    p05 = history[history["project_id"] == "P05"]  # at 签约
    with pytest.raises(InputError, match=r"尚未开工 started，不能记为 投产 production.*cannot record production before started"):
        ap.check_change(p05, "production", day(540), project="P05")
    with pytest.raises(InputError, match=r"已到 签约 signed，不能记为 洽谈 talks.*stages only move forward"):
        ap.check_change(p05, "talks", day(540))
    with pytest.raises(InputError, match=r"早于上一次变更 2024-06-09.*cannot precede"):
        ap.check_change(p05, "registered", day(150))
    with pytest.raises(InputError, match=r"终止项目须写明原因.*needs a reason"):
        ap.check_change(p05, "terminated", day(540), reason="  ")
    ap.check_change(p05, "terminated", day(540), reason="外迁")
    p04 = history[history["project_id"] == "P04"]
    with pytest.raises(InputError, match=r"项目已终止.*no change after 终止"):
        ap.check_change(p04, "signed", day(540))
    with pytest.raises(InputError, match=r"未知阶段 'built'"):
        ap.check_change(p04, "built", day(540))
    ap.check_change(history.iloc[:0], "started", day(1))  # a project enters the register at any stage
