"""services.projects over the hand-built pipeline (tests/projects_pipeline.py) in an in-memory store: the typed
tables, the rules of a stage change, who may write, a project's history at any date, and the 督办 layout."""

from __future__ import annotations

import pytest

from chanye.errors import AccessDenied, InputError, NotFound
from chanye.services import projects as svc
from chanye.services.access import Role, Viewer
from chanye.services.platform import Platform
from projects_pipeline import AS_OF, load_into


@pytest.fixture
def platform():
    p = Platform(":memory:")
    codes = load_into(p)
    p.codes = codes
    yield p
    p.close()


def test_pipeline_tables(platform) -> None:
    r = svc.pipeline(platform, as_of=AS_OF)
    assert r.as_of == "2025-06-30" and not r.synthetic and r.provenance.kind == "registry"
    f = r.funnel.frame()
    assert f["stage"].tolist() == ["lead", "talks", "signed", "registered", "land", "started", "production", "full"]
    assert f["projects"].tolist() == [12, 9, 7, 5, 4, 4, 3, 1]
    assert f["investment"].tolist() == [122.0, 110.0, 98.0, 56.0, 50.0, 50.0, 45.0, 10.0]
    assert f["conversion"].round(2).tolist()[:4] == [75.0, 77.78, 71.43, 80.0]  # percent
    assert r.funnel.column("investment").unit == "yi_yuan"
    d = r.durations.frame().set_index("stage")
    assert d["median_days"].tolist()[:7] == [30.0, 60.0, 40.0, 60.0, 60.0, 180.0, 60.0]
    assert d.at["lead", "stall_days"] == 90 and r.durations.column("median_days").unit == "days"
    stalled = r.stalled.frame()
    assert stalled[["id", "stage", "days", "over"]].values.tolist() == [
        ["P06", "lead", 496, 406], ["P05", "signed", 386, 296], ["P09", "registered", 346, 166]]
    a = platform.codes["A"]
    assert stalled["district"].tolist()[2] == {"zh": platform.city.district_label(a, "zh"),
                                               "en": platform.city.district_label(a, "en")}
    share = {row["year"]: row for row in r.strategic.rows}
    assert share[2024]["projects"] == 9 and share[2024]["strategic"] == 7
    assert share[2024]["share"] == pytest.approx(700 / 9) and share[None]["projects"] == 12
    by_district = r.by_district.frame()
    assert by_district[by_district["district_code"] == a]["projects"].tolist() == [4, 4, 3, 3, 2, 2, 2, 1]
    listed = {row["id"]: row for row in r.projects.rows}
    assert listed["P05"]["stalled"] and not listed["P07"]["stalled"] and listed["P05"]["days_in_stage"] == 386
    assert listed["P01"]["strategic"] and not listed["P06"]["strategic"]
    assert listed["P01"]["node"] == {"zh": "智能网联与新能源汽车", "en": platform.framework.node("icv-nev").name.en}
    assert listed["P01"]["total_investment"] == 10.0 and listed["P01"]["chain_nodes"] == ("icv-nev/lithium",)
    landed = {row["id"]: row["status"] for row in r.landed.rows}
    assert landed == {"P01": "not_found", "P02": "not_found", "P03": "not_found", "P09": "not_found",
                      "P10": "not_found"}  # no such firms in an empty registry


def test_filters(platform) -> None:
    b = platform.codes["B"]
    r = svc.pipeline(platform, as_of=AS_OF, district=b)
    assert sorted(row["id"] for row in r.projects.rows) == ["P03", "P04", "P08", "P11"]
    assert r.funnel.frame()["projects"].tolist() == [4, 3, 2, 1, 1, 1, 0, 0]
    r = svc.pipeline(platform, as_of=AS_OF, year=2025)
    assert sorted(row["id"] for row in r.projects.rows) == ["P07", "P08", "P11"]
    r = svc.pipeline(platform, as_of=AS_OF, node="semiconductor")
    assert sorted(row["id"] for row in r.projects.rows) == ["P03", "P04", "P05", "P09"]
    with pytest.raises(NotFound, match=r"没有区 'Atlantis' \(unknown district\)"):
        svc.pipeline(platform, district="Atlantis")
    with pytest.raises(InputError, match=r"未知阶段 'built'"):
        svc.pipeline(platform, stage="built")


def test_any_past_state(platform) -> None:
    r = svc.pipeline(platform, as_of="2024-04-10")
    assert r.funnel.frame()["projects"].tolist() == [9, 7, 3, 1, 0, 0, 0, 0]
    one = svc.detail(platform, "P01", as_of="2024-04-10")
    assert one.project.rows[0]["stage"] == "signed"
    hist = one.history.rows
    assert [h["stage"] for h in hist] == ["lead", "talks", "signed", "registered", "land", "started", "production",
                                          "full"]
    assert [h["after"] for h in hist] == [False, False, False, True, True, True, True, True]
    assert one.chain_nodes[0]["chain"] == "icv-nev" and one.chain_nodes[0]["chain_node"] == "lithium"
    assert one.next_stages == ("terminated",)  # at 达产 only 终止 is left
    with pytest.raises(NotFound, match=r"没有项目 'P99' \(no such project\)"):
        svc.detail(platform, "P99")


def test_record_stage_rules(platform) -> None:
    with pytest.raises(InputError, match=r"项目 P05：尚未开工 started，不能记为 投产 production"):
        svc.record_stage(platform, "P05", "production", "2025-07-01")
    with pytest.raises(InputError, match=r"终止项目须写明原因 \(terminating a project needs a reason\)"):
        svc.record_stage(platform, "P05", "terminated", "2025-07-01")
    done = svc.record_stage(platform, "P05", "started", "2025-07-01", note="桩基施工", by="张三")
    assert done == {"id": "P05", "stage": "started", "happened_on": "2025-07-01", "recorded_by": "张三"}
    svc.record_stage(platform, "P05", "terminated", "2025-08-01", reason="资金未到位")
    hist = svc.detail(platform, "P05").history.rows
    assert [(h["stage"], h["happened_on"], h["note"], h["reason"]) for h in hist][-2:] == [
        ("started", "2025-07-01", "桩基施工", None), ("terminated", "2025-08-01", None, "资金未到位")]
    # the earlier state is still there: on 2025-06-30 P05 was at 签约
    assert svc.detail(platform, "P05", as_of=AS_OF).project.rows[0]["stage"] == "signed"
    with pytest.raises(InputError, match=r"项目已终止"):
        svc.record_stage(platform, "P05", "production", "2025-09-01")
    with pytest.raises(InputError, match=r"无法解析的日期 'soon'"):
        svc.record_stage(platform, "P06", "talks", "soon")


def test_who_may_write(platform) -> None:
    a, b = platform.codes["A"], platform.codes["B"]
    visitor = Viewer("v", Role.visitor)
    with pytest.raises(AccessDenied, match=r"只有管理员、市级分析或本区的区级分析可以记录项目进度"):
        svc.record_stage(platform, "P07", "signed", "2025-07-01", viewer=visitor)
    other = Viewer("d", Role.district_analyst, district=b)
    with pytest.raises(AccessDenied, match=r"only administrators, city analysts or the project's district analyst"):
        svc.record_stage(platform, "P07", "signed", "2025-07-01", viewer=other)  # P07 lies in A
    own = Viewer("d", Role.district_analyst, district=a)
    assert svc.record_stage(platform, "P07", "signed", "2025-07-01", viewer=own)["recorded_by"] == "d"
    # a visitor sees the aggregates, no project rows
    r = svc.pipeline(platform, as_of=AS_OF, viewer=visitor)
    assert r.funnel.frame()["projects"].tolist()[0] == 12
    assert r.projects.rows == () and r.stalled.rows == () and r.landed.rows == ()
    with pytest.raises(AccessDenied, match=r"访客只能查看汇总数据"):
        svc.detail(platform, "P01", viewer=visitor)


def test_supervision_layout(platform) -> None:
    r = svc.pipeline(platform, as_of=AS_OF)
    svc.record_stage(platform, "P06", "talks", "2025-07-01", note="已约见企业高层")
    sheet = svc.supervision(r, svc.latest_notes(platform))
    assert [c.key for c in sheet.columns][:7] == ["seq", "name", "investor", "total_investment", "district", "node",
                                                 "stage"]
    rows = sheet.rows
    assert [row["seq"] for row in rows] == list(range(1, 13))
    # by district code, then the largest investment first: A holds P02 (20), P01 (10), P09 (6), P07 (4)
    assert [row["id"] for row in rows[:4]] == ["P02", "P01", "P09", "P07"]
    assert next(row for row in rows if row["id"] == "P06")["latest_note"] == "已约见企业高层"


def test_project_id_is_stable() -> None:
    first = svc.project_id("gz", "华为研发中心", "华为技术有限公司")
    assert first == svc.project_id("gz", " 华为研发中心 ", "华为技术有限公司")  # spaces and width do not matter
    assert first != svc.project_id("gz", "华为研发中心", "别的公司") and first.startswith("P") and len(first) == 11


def test_pack_investment_targets() -> None:
    from types import SimpleNamespace as NS

    fw = NS(targets=(NS(node="icv-nev", metric="project_investment", value=500000, unit="万元", year=2024),
                     NS(node="biomed", metric="project_investment", value=80, unit="亿元", year=2025),
                     NS(node="city", metric="project_investment", value=900, unit="亿元", year=2024),  # no node row
                     NS(node="biomed", metric="revenue", value=3000, unit="亿元", year=2024)))  # not an investment goal
    assert svc.pack_targets(fw, 2024).to_dict("records") == [{"by": "node", "group": "icv-nev", "target": 50.0}]
    assert svc.pack_targets(fw, 2025).to_dict("records") == [{"by": "node", "group": "biomed", "target": 80.0}]
    assert svc.pack_targets(fw, None).empty  # a yearly target is not compared with several years' projects


def test_pipeline_compares_signed_investment_with_the_pack_targets(platform) -> None:
    from types import SimpleNamespace as NS

    plain = svc.pipeline(platform, as_of=AS_OF, year=2024).investment_node.frame().set_index("node_id")
    money = plain.at["icv-nev", "investment"]
    assert money > 0 and plain["target"].isna().all()  # this pack carries no project_investment target
    goal = NS(targets=(NS(node="icv-nev", metric="project_investment", value=2 * money, unit="亿元", year=2024),))
    r = svc.pipeline(platform, as_of=AS_OF, year=2024, targets=svc.pack_targets(goal, 2024))
    node = r.investment_node.frame().set_index("node_id")
    assert node.at["icv-nev", "target"] == 2 * money and node.at["icv-nev", "progress"] == 50.0

    # a pack that carries the target: pipeline reads it itself (for the chosen entry year only)
    from chanye.framework.model import Target

    goal = Target(id="icv-nev-projects-2024", node="icv-nev", metric="project_investment", value=4 * money,
                  unit="亿元", year=2024, status="provisional")
    platform.framework = platform.framework.model_copy(update={"targets": (goal,)})
    node = svc.pipeline(platform, as_of=AS_OF, year=2024).investment_node.frame().set_index("node_id")
    assert node.at["icv-nev", "target"] == 4 * money and node.at["icv-nev", "progress"] == 25.0
    assert svc.pipeline(platform, as_of=AS_OF).investment_node.frame()["target"].isna().all()
