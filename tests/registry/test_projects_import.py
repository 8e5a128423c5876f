"""Importing a messy 重点项目清单 (issue 12): title rows above the header, 亿元 and 万元 mixed, a project with
no district, a bad district, a bad number, a duplicate, a 终止 without a reason; exact landed and quarantined
counts, every reason with file, row and field, idempotent on a second import, and updates that follow the
stage rules."""

from __future__ import annotations

import json

import openpyxl
import pytest

from chanye.errors import AccessDenied, InputError
from chanye.services import projects as svc
from chanye.services.access import Role, Viewer
from chanye.services.platform import Platform
from chanye.services.projects_import import import_file, stage_of

HEADER = ["序号", "项目名称", "投资主体", "总投资（亿元）", "建设内容", "所在区", "进度", "所属产业", "责任单位", "备注"]


@pytest.fixture
def platform():
    p = Platform(":memory:")
    yield p
    p.close()


def messy(path, city, rows=None):
    """The bureau's sheet: a merged title, a note row, then the header and the rows (one blank)."""
    d = [x.name for x in city.districts]
    short = city.districts[1].name.removesuffix("区")
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "重点项目"
    ws.append([f"{city.name}2025年重点产业项目清单"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append(["填报单位：市工信局", None, None, None, None, None, None, None, None, "更新日期：2025-03-31"])
    ws.append(HEADER)
    for r in rows or [
        [1, "新能源电池基地", "甲新能源有限公司", 50, "年产 10GWh 动力电池", d[0], "在建", "智能网联与新能源汽车", "区工信局", None],  # row 4
        [2, "芯片封测项目", "乙半导体有限公司", "8000万元", "封测线", short, "已签约", "半导体与集成电路", None, None],  # 5
        [3, "生物药产业化", "丙生物有限公司", 12.5, "生产基地", None, "洽谈", "生物医药与健康", None, None],  # 6
        [4, "智能装备园", "丁装备有限公司", "约十亿", "园区", d[0], "开工", None, None, None],  # 7
        [5, "显示面板", "戊显示有限公司", "abc", "面板线", "火星区", "投产", None, None, None],  # 8
        [6, "新能源电池基地", "甲新能源有限公司", 50, "年产 10GWh 动力电池", d[0], "在建", None, None, None],  # 9
        [7, "商务中心", "己公司", "3,500万元", "总部", city.districts[2].code, "线索", "现代金融", None, None],  # 10
        [None] * len(HEADER),  # 11: blank
        [8, "终止项目", "庚公司", 2, None, d[0], "已终止", None, None, None],  # 12
        [9, "退出项目", "辛公司", 1.5, None, d[3], "终止", None, None, "企业外迁"],  # 13
    ]:
        ws.append(r)
    book.save(path)
    return path


def test_messy_list(platform, tmp_path) -> None:
    path = messy(tmp_path / "项目清单.xlsx", platform.city)
    got = import_file(platform, path, when="2025-03-31", by="tester")
    assert (got.rows_total, got.loaded, got.quarantined) == (9, 4, 5)
    assert (got.inserted, got.updated, got.unchanged, got.stages_added) == (4, 0, 0, 4)
    reasons = [(r["row"], r["field"], r["reason"]) for r in got.rejected]
    assert reasons == [
        (6, "district", "缺少所在区 (district missing)"),
        (7, "total_investment", "无法解析的数值 '约十亿' (not a number)"),
        (8, "total_investment", "无法解析的数值 'abc' (not a number)"),
        (8, "district", f"'火星区' 不是{platform.city.name}的区 (not a district of {platform.city.label('en')})"),
        (9, "name", "与第 4 行重复（同一项目编号或同名同投资主体）(duplicate of row 4)"),
        (12, "reason", "终止项目须写明原因（终止原因或备注）(terminating a project needs a reason)"),
    ]
    assert {r["file"] for r in got.rejected} == {"项目清单.xlsx"}
    r = svc.pipeline(platform, as_of="2025-03-31")
    listed = {row["name"]: row for row in r.projects.rows}
    assert sorted(listed) == ["商务中心", "新能源电池基地", "芯片封测项目", "退出项目"]
    battery = listed["新能源电池基地"]
    assert (battery["total_investment"], battery["stage"], battery["kind"], battery["nodes"]) == (
        50.0, "started", "construction", ("icv-nev",))
    assert battery["district_code"] == platform.city.districts[0].code
    assert listed["芯片封测项目"]["total_investment"] == 0.8  # 8000 万元 in a 亿元 column
    assert listed["芯片封测项目"]["district_code"] == platform.city.districts[1].code  # the short name
    assert listed["商务中心"]["total_investment"] == 0.35 and listed["商务中心"]["stage"] == "lead"
    assert listed["退出项目"]["stage"] == "terminated"
    history = svc.detail(platform, battery["id"]).history.rows
    assert [(h["stage"], h["happened_on"], h["recorded_by"]) for h in history] == [("started", "2025-03-31", "tester")]
    # the quarantine keeps each rejected row with its raw cells and all its reasons
    store = platform.cursor()
    rows = store.query("SELECT row_number, raw, reasons FROM quarantine WHERE batch_id = ? ORDER BY row_number",
                       [got.batch])
    assert rows["row_number"].tolist() == [6, 7, 8, 9, 12]
    assert [x["field"] for x in json.loads(rows["reasons"].iloc[2])] == ["total_investment", "district"]
    assert json.loads(rows["raw"].iloc[2])["所在区"] == "火星区"
    kind = store.scalar("SELECT kind FROM import_batches WHERE id = ?", [got.batch])
    assert kind == "projects"


def test_second_import_changes_nothing(platform, tmp_path) -> None:
    path = messy(tmp_path / "项目清单.xlsx", platform.city)
    import_file(platform, path, when="2025-03-31")
    again = import_file(platform, path, when="2025-04-30")
    assert (again.loaded, again.quarantined, again.inserted, again.updated, again.unchanged, again.stages_added) == (
        4, 5, 0, 0, 4, 0)
    assert len(svc.pipeline(platform).projects.rows) == 4


def test_an_update_follows_the_stage_rules(platform, tmp_path) -> None:
    city = platform.city
    d = [x.name for x in city.districts]
    import_file(platform, messy(tmp_path / "a.xlsx", city), when="2025-03-31")
    update = messy(tmp_path / "b.xlsx", city, rows=[
        [1, "新能源电池基地", "甲新能源有限公司", 55, None, d[0], "部分投产", None, None, "一期投产"],
        [2, "芯片封测项目", "乙半导体有限公司", "8000万元", None, d[1], "投产", None, None, None],
        [3, "商务中心", "己公司", "3,500万元", None, city.districts[2].code, "洽谈", None, None, None],
    ])
    got = import_file(platform, update, when="2025-06-30")
    assert (got.loaded, got.quarantined, got.updated, got.unchanged, got.stages_added) == (2, 1, 1, 1, 2)
    assert [(r["row"], r["field"]) for r in got.rejected] == [(5, "stage")]
    assert "尚未开工 started，不能记为 投产 production" in got.rejected[0]["reason"]
    listed = {row["name"]: row for row in svc.pipeline(platform, as_of="2025-06-30").projects.rows}
    assert (listed["新能源电池基地"]["stage"], listed["新能源电池基地"]["total_investment"]) == ("production", 55.0)
    assert listed["商务中心"]["stage"] == "talks" and listed["芯片封测项目"]["stage"] == "signed"
    battery = svc.detail(platform, listed["新能源电池基地"]["id"]).history.rows
    assert [(h["stage"], h["happened_on"], h["note"]) for h in battery] == [
        ("started", "2025-03-31", None), ("production", "2025-06-30", "一期投产")]


def test_csv_and_refusals(platform, tmp_path) -> None:
    city = platform.city
    csv = tmp_path / "list.csv"
    csv.write_text("项目名称,投资主体,总投资（万元）,所在区,进度\n"
                   f"研发中心,某科技公司,120000,{city.districts[0].name},签约\n", encoding="gb18030")
    got = import_file(platform, csv, when="2025-01-15")
    assert (got.loaded, got.quarantined) == (1, 0)
    assert svc.pipeline(platform).projects.rows[0]["total_investment"] == 12.0  # 120000 万元
    bad = tmp_path / "nohead.csv"
    bad.write_text("甲,乙\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"找不到可识别的表头|找不到“项目名称”列"):
        import_file(platform, bad)
    with pytest.raises(AccessDenied, match=r"只有管理员和市级分析可以导入数据"):
        import_file(platform, csv, viewer=Viewer("v", Role.visitor))


def test_progress_words() -> None:
    assert [stage_of(t) for t in ("在建", "已签约", "竣工投产", "达产", "前期工作", "洽谈中", "已终止", "摘牌供地",
                                  "注册成立", "储备", "投产", "开工", "某种状态")] == [
        "started", "signed", "production", "full", "signed", "talks", "terminated", "land", "registered", "lead",
        "production", "started", None]


def test_idempotent_on_the_project_id(platform, tmp_path) -> None:
    district = platform.city.districts[0].name
    first = tmp_path / "a.csv"
    first.write_text(f"项目编号,项目名称,投资主体,总投资（亿元）,所在区,进度\nGZ-001,研发中心,甲公司,2,{district},签约\n",
                     encoding="utf-8")
    got = import_file(platform, first, when="2025-01-15")
    assert (got.inserted, got.stages_added) == (1, 1)
    renamed = tmp_path / "b.csv"  # the bureau renamed the project and its investor: the id still finds it
    renamed.write_text(f"项目编号,项目名称,投资主体,总投资（亿元）,所在区,进度\nGZ-001,研发总部,甲集团,2,{district},签约\n",
                       encoding="utf-8")
    again = import_file(platform, renamed, when="2025-02-15")
    assert (again.inserted, again.updated, again.unchanged, again.stages_added) == (0, 1, 0, 0)
    rows = svc.pipeline(platform).projects.rows
    assert [(r["id"], r["name"], r["investor"]) for r in rows] == [("GZ-001", "研发总部", "甲集团")]
