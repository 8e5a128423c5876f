"""`chanye projects import|stage|list|show|from-target` (issue 12): exit codes, one line per refusal, exact counts,
the 督办 workbook, and a 招商清单 row turned into a 线索 from the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from chanye.cli import app
from chanye.framework import load_pack
from chanye.registry.store import Store

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "200", "USER": "tester"})


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "projects.duckdb"
    Store(path).close()
    return path


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    city = load_pack(None).city
    d = [x.name for x in city.districts]
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["重点产业项目清单"])
    ws.append(["序号", "项目名称", "投资主体", "总投资（亿元）", "所在区", "进度", "所属产业", "进度日期"])
    ws.append([1, "动力电池基地", "甲新能源有限公司", 30, d[5], "已签约", "智能网联与新能源汽车", "2025-01-10"])
    ws.append([2, "封测项目", "乙半导体有限公司", "5000万元", d[6], "在建", "半导体与集成电路", "2025-02-01"])
    ws.append([3, "无区项目", "丙公司", 3, None, "洽谈", None, None])
    path = tmp_path / "项目清单.xlsx"
    book.save(path)
    return path


def _id(db: Path, name: str) -> str:
    with Store(db, read_only=True) as store:
        return store.scalar("SELECT id FROM projects WHERE name = ?", [name])


def test_import_stage_list(db: Path, sheet: Path, tmp_path: Path) -> None:
    done = run("projects", "import", str(sheet), "--db", str(db), "--date", "2025-03-01")
    assert done.exit_code == 0, done.output
    lines = done.output.strip().splitlines()
    assert lines[0].startswith("已导入 项目清单.xlsx：入库 2 行（新增 2、更新 0、不变 0），隔离 1 行，新增阶段记录 2 条")
    assert lines[1] == "项目清单.xlsx 第 5 行 [district] 缺少所在区 (district missing)"
    again = run("projects", "import", str(sheet), "--db", str(db), "--json")
    assert '"unchanged": 2' in again.output and '"stages_added": 0' in again.output
    battery = _id(db, "动力电池基地")
    refused = run("projects", "stage", battery, "投产", "--date", "2025-04-01", "--db", str(db))
    assert refused.exit_code == 1
    assert "尚未开工 started，不能记为 投产 production" in refused.output and "Traceback" not in refused.output
    no_reason = run("projects", "stage", battery, "终止", "--date", "2025-04-01", "--db", str(db))
    assert no_reason.exit_code == 1 and "终止项目须写明原因" in no_reason.output
    ok = run("projects", "stage", battery, "开工", "--date", "2025-04-01", "--note", "桩基施工", "--db", str(db))
    assert ok.exit_code == 0, ok.output
    assert ok.output.strip() == f"已记录：{battery} → 开工（2025-04-01，tester）"
    shown = run("projects", "show", battery, "--db", str(db))
    assert "签约" in shown.output and "桩基施工" in shown.output and "2025-01-10" in shown.output
    listed = run("projects", "list", "--db", str(db), "--as-of", "2025-04-30")
    assert listed.exit_code == 0 and listed.output.startswith("2 个项目（截至 2025-04-30）")
    out = tmp_path / "督办.xlsx"
    written = run("projects", "list", "--db", str(db), "-f", "xlsx", "-o", str(out), "--as-of", "2025-04-30")
    assert written.output.strip() == f"已写出 2 个项目（督办格式）-> {out}"
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    header = next(r for r in rows if r and r[0] == "序号")
    assert header[:4] == ("序号", "项目名称", "投资主体", "总投资（亿元）")
    body = rows[rows.index(header) + 1:]
    assert [(r[1], r[3], r[6], r[10]) for r in body] == [("动力电池基地", 30, "开工", "桩基施工"),
                                                          ("封测项目", 0.5, "开工", None)]
    stalled = run("projects", "list", "--db", str(db), "--stalled", "--as-of", "2026-12-31", "-f", "json")
    assert stalled.exit_code == 0  # both longer than 540 days at 开工
    assert [r["name"] for r in json.loads(stalled.output)["rows"]] == ["动力电池基地", "封测项目"]
    bad = run("projects", "list", "--db", str(db), "--district", "Atlantis")
    assert bad.exit_code == 1 and "unknown district" in bad.output


def test_missing_database_and_unknown_project(tmp_path: Path, db: Path) -> None:
    missing = tmp_path / "none.duckdb"
    done = run("projects", "list", "--db", str(missing))
    assert done.exit_code == 1 and f"数据库 {missing} 不存在" in done.output and not missing.exists()
    unknown = run("projects", "stage", "P0000000000", "开工", "--db", str(db))
    assert unknown.exit_code == 1 and "没有项目 'P0000000000' (no such project)" in unknown.output


def test_from_target(demo_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    from chanye.services.platform import Platform

    with Platform(path) as p:
        row = p.chain("icv-nev").recruitment.rows[0]
    done = run("projects", "from-target", "icv-nev", row["uscc"], "--db", str(path), "--date", "2026-01-05")
    assert done.exit_code == 0, done.output
    pid = done.output.strip().split("：")[1]
    assert done.output.strip() == f"已转为线索：{pid}"
    again = run("projects", "from-target", "icv-nev", row["uscc"], "--db", str(path))
    assert again.output.strip() == f"已是线索: {pid}"
    with Store(path, read_only=True) as store:
        got = store.query("SELECT kind, source, investor_uscc, reason FROM projects WHERE id = ?", [pid]).iloc[0]
        stages = store.query("SELECT stage, happened_on, recorded_by FROM project_stages WHERE project_id = ?", [pid])
    assert (got["kind"], got["source"], got["investor_uscc"]) == ("attract", "recruitment_list", row["uscc"])
    assert '"list": "recruitment"' in got["reason"] and '"chain": "icv-nev"' in got["reason"]
    assert stages.values.tolist() == [["lead", pd_date("2026-01-05"), "tester"]]
    off = run("projects", "from-target", "icv-nev", "NOT-A-FIRM", "--db", str(path))
    assert off.exit_code == 1 and "不在" in off.output and "招商清单" in off.output


def pd_date(text: str):
    import datetime

    return datetime.date.fromisoformat(text)


def test_summary(db: Path, sheet: Path, tmp_path: Path) -> None:
    """The /projects page's tables at the terminal: funnel, investment by district, stalled (worked by hand)."""
    run("projects", "import", str(sheet), "--db", str(db), "--date", "2025-03-01")
    done = run("projects", "summary", "--db", str(db), "--as-of", "2025-04-30")
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0] == "2 个项目（截至 2025-04-30）" and lines[1] == "项目漏斗"
    # 签约: both projects reached it (30 亿 + 5000 万元 = 30.5 亿), one is still there, one of two went on (50%)
    assert any(line.split() == ["│", "签约", "│", "2", "│", "30.50", "│", "1", "│", "0", "│", "50.00", "│"]
               for line in lines)
    assert "停滞项目 1 个（chanye projects list --stalled 列出）" in done.output
    # the strategic share table: entry year 2025, then the all-years row (year None in the JSON) by name, not "—";
    # both projects sit on strategic nodes: 2 of 2 (100%), 30.5 of 30.5 亿 (100%)
    strategic = ["│", "2", "│", "2", "│", "100.00", "│", "30.50", "│", "30.50", "│", "100.00", "│"]
    assert [line.split()[1] for line in lines if line.split()[2:] == strategic] == ["2025", "全部年份"]
    english = run("projects", "summary", "--db", str(db), "--as-of", "2025-04-30", "--lang", "en").output
    assert "│ all years │        2 │" in english and "—" not in english.split("Strategic share")[1]
    data = json.loads(run("projects", "summary", "--db", str(db), "--as-of", "2025-04-30", "-f", "json").output)
    assert [r["year"] for r in data["project_strategic"]["rows"]] == [2025, None]
    assert [(r["district"]["zh"], r["investment"]["value"]) for r in data["project_investment_district"]["rows"]] \
        == [("黄埔区", 30.0), ("番禺区", 0.5)]
    # 2025-01-10 to 2025-04-30 is 110 days at 签约, 20 over its 90-day limit
    [late] = data["project_stalled"]["rows"]
    assert (late["name"], late["stage"], late["days"]["value"], late["over"]["value"]) == ("动力电池基地", "signed", 110, 20)
    out = tmp_path / "项目概况.xlsx"
    written = run("projects", "summary", "--db", str(db), "-f", "xlsx", "-o", str(out))
    assert written.output.strip() == f"已写出项目概况 11 张表 -> {out}"
    assert len(openpyxl.load_workbook(out).sheetnames) == 11
