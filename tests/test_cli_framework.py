"""`chanye framework ...` end to end: exit codes, exact messages, then state read back via the library."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from chanye.cli import app
from chanye.framework import load_pack

TINY = Path(__file__).parent / "fixtures" / "packs" / "tiny"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_show_lists_the_12218_system_with_status() -> None:
    result = run("framework", "show", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    kinds = [n["kind"] for n in data["nodes"]]
    assert (kinds.count("cluster"), kinds.count("future"), kinds.count("service")) == (15, 6, 8)
    statuses = [n["status"] for n in data["nodes"] if n["is_industry"]]
    assert data["counts"] == {"cluster": 15, "future": 6, "service": 8, "confirmed": statuses.count("confirmed"),
                              "provisional": statuses.count("provisional")}
    assert data["counts"]["confirmed"] + data["counts"]["provisional"] == 29
    by_name = {n["name"]: n for n in data["nodes"]}
    assert by_name["具身智能"]["status"] == "provisional"  # no Guangzhou source names it (issue 11)
    assert by_name["量子科技"]["status"] == "provisional"
    assert by_name["现代金融"]["status"] == "confirmed"
    assert by_name["现代金融"]["name_en"] == "Modern finance"
    text = run("framework", "show").stdout
    assert "智能网联与新能源汽车" in text and "  暂定  " in text and "  已确认  " in text
    assert "provisional" not in text and "confirmed" not in text  # one language per output
    assert text.splitlines()[-1] == (f"战略性产业集群: 15  未来产业: 6  现代服务业: 8  已确认: {data['counts']['confirmed']}"
                                     f"  暂定: {data['counts']['provisional']}")
    english = run("framework", "show", "--lang", "en").stdout
    assert "Modern finance  confirmed" in english and "已确认" not in english


def test_show_one_node_and_unknown_node() -> None:
    result = run("framework", "show", "cars", "--pack", str(TINY))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "汽车  已确认  代码 2 整体 + 1 部分  cars"
    assert "医药" not in result.stdout
    english = run("framework", "show", "cars", "--pack", str(TINY), "--lang", "en").stdout
    assert english.splitlines()[0].endswith("confirmed  codes 2 whole + 1 partial  cars")
    bad = run("framework", "show", "nowhere", "--pack", str(TINY))
    assert bad.exit_code == 1
    assert "错误 Error: 框架 tiny 中没有节点 'nowhere' (unknown node)" in bad.stderr


def test_list_shows_the_shipped_packs() -> None:
    result = run("framework", "list", "--json")
    ids = [p["id"] for p in json.loads(result.stdout)]
    assert ids == ["guangzhou-12218", "guangzhou-14th-fyp", "shenzhen-20-8"]
    table = run("framework", "list").stdout
    assert "┃ 框架包" in table and "┃ 产业节点数（个） ┃" in table
    assert "│ guangzhou-12218    │" in table


def test_check_passes_shipped_packs_and_fails_a_broken_one(tmp_path: Path) -> None:
    for pack in ("guangzhou-12218", "guangzhou-14th-fyp", "shenzhen-20-8"):
        result = run("framework", "check", pack, "--json")
        assert result.exit_code == 0, result.stdout
        assert json.loads(result.stdout)["errors"] == 0
    broken = tmp_path / "tiny"
    shutil.copytree(TINY, broken)
    text = (broken / "framework.yaml").read_text(encoding="utf-8").replace('"3612"', '"3699"')
    (broken / "framework.yaml").write_text(text, encoding="utf-8")
    result = run("framework", "check", str(broken))
    assert result.exit_code == 1
    assert "错误 [unknown-code] tiny/framework.yaml:27 [cars]: 行业代码 3699 不在 GB/T 4754-2017 中" in result.stdout
    assert result.stdout.splitlines()[-1] == "未通过：1 个错误，1 个提示"
    english = run("framework", "check", str(broken), "--lang", "en")
    assert english.exit_code == 1
    assert english.stdout.splitlines()[-1] == "FAILED: 1 errors, 1 warnings"


def test_unknown_pack_is_one_line_not_a_traceback() -> None:
    result = run("framework", "show", "--pack", "no-such-pack")
    assert result.exit_code == 1
    assert result.stderr.startswith("错误 Error: 找不到框架包 no-such-pack (no such framework pack)")
    assert "Traceback" not in result.stderr


def test_coverage_table_and_xlsx(tmp_path: Path) -> None:
    result = run("framework", "coverage", "--pack", str(TINY), "--format", "json", "--show", "all")
    data = json.loads(result.stdout)
    rows = {r["code"]: r for r in data["rows"]}
    assert rows["3841"] == {"code": "3841", "name": "锂离子电池制造", "status": "several",
                            "owners": "cars:partial；batteries:whole"}
    assert data["counts"]["single"] == 11  # 3612, 3670 and the nine 小类 of 大类 27
    out = tmp_path / "coverage.xlsx"
    result = run("framework", "coverage", "--pack", str(TINY), "-f", "xlsx", "-o", str(out))
    assert result.exit_code == 0
    from openpyxl import load_workbook

    ws = load_workbook(out).active
    assert ws["A1"].value == "测试产业体系：门类 C 小类覆盖"
    assert [c.value for c in ws[2]] == ["行业代码", "行业名称", "归属状态", "归属节点"]
    assert ws.freeze_panes == "A3"
    assert ws.max_row - 2 == data["counts"]["none"] + data["counts"]["several"]
    several = next([c.value for c in ws[i]] for i in range(3, ws.max_row + 1) if ws.cell(row=i, column=1).value == "3841")
    assert several == ["3841", "锂离子电池制造", "多归属", "cars（部分）；batteries（整体）"]
    terminal = run("framework", "coverage", "--pack", str(TINY), "--lang", "en").stdout
    assert terminal.splitlines()[-1] == "609 classes: one owner 11, several 1, none 597"
    assert len(load_pack(TINY).industry_nodes()) == 3
