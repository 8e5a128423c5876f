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
    assert data["counts"]["战略性产业集群"] == 15
    by_name = {n["name"]: n for n in data["nodes"]}
    assert by_name["具身智能"]["status"] == "confirmed"
    assert by_name["量子科技"]["status"] == "provisional"
    assert by_name["现代金融"]["status"] == "confirmed"
    text = run("framework", "show").stdout
    assert "智能网联与新能源汽车" in text and "暂定 provisional" in text and "已确认 confirmed" in text


def test_show_one_node_and_unknown_node() -> None:
    result = run("framework", "show", "cars", "--pack", str(TINY))
    assert result.exit_code == 0
    assert "汽车" in result.stdout and "代码 2 整体 + 1 部分" in result.stdout
    assert "医药" not in result.stdout
    bad = run("framework", "show", "nowhere", "--pack", str(TINY))
    assert bad.exit_code == 1
    assert "错误 Error: 框架 tiny 中没有节点 'nowhere' (unknown node)" in bad.stderr


def test_list_shows_both_shipped_packs() -> None:
    result = run("framework", "list", "--json")
    ids = [p["id"] for p in json.loads(result.stdout)]
    assert ids == ["guangzhou-12218", "guangzhou-14th-fyp"]


def test_check_passes_shipped_packs_and_fails_a_broken_one(tmp_path: Path) -> None:
    for pack in ("guangzhou-12218", "guangzhou-14th-fyp"):
        result = run("framework", "check", pack, "--json")
        assert result.exit_code == 0, result.stdout
        assert json.loads(result.stdout)["errors"] == 0
    broken = tmp_path / "tiny"
    shutil.copytree(TINY, broken)
    text = (broken / "framework.yaml").read_text(encoding="utf-8").replace('"3612"', '"3699"')
    (broken / "framework.yaml").write_text(text, encoding="utf-8")
    result = run("framework", "check", str(broken))
    assert result.exit_code == 1
    assert "错误 error [unknown-code] tiny/framework.yaml:27 [cars]: 行业代码 3699 不在 GB/T 4754-2017 中" in result.stdout
    assert "未通过 FAILED: 1 个错误 errors, 1 个提示 warnings" in result.stdout


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
    assert [c.value for c in ws[1]] == ["code", "name", "status", "owners"]
    assert ws.freeze_panes == "A2"
    assert ws.max_row - 1 == data["counts"]["none"] + data["counts"]["several"]
    assert len(load_pack(TINY).industry_nodes()) == 3
