"""`chanye opportunities` and `chanye complexity` end to end via typer's CliRunner: exit codes, messages, and
the results read back (JSON, CSV) against the library and the Growth Lab's Stata ground truth."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from chanye.cli import app

FIX = Path(__file__).parent / "fixtures" / "peer" / "py-ecomplexity"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


CJK = re.compile(r"[\u3400-\u9fff]")


def test_opportunities_json_for_the_city_and_a_district(demo_db):
    result = run("opportunities", "--db", str(demo_db), "--format", "json", "--limit", "10")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["place"] == "440100" and data["place_name"] == "广州市" and data["synthetic"] is True
    assert data["year"] == 2024 and data["provenance"] == "synthetic" and data["name"] == "growth_opportunities"
    rows = data["rows"]
    min_firms = data["method"]["min_presence_firms"]
    assert len(rows) == 10 and [r["rank"] for r in rows] == list(range(1, 11))
    assert all(r["rca"]["value"] < 1 or r["firms"]["value"] < min_firms for r in rows)
    assert [r["score"]["value"] for r in rows] == sorted((r["score"]["value"] for r in rows), reverse=True)
    assert all(r["reason"].startswith(f"发展 {r['activity']} ") for r in rows)
    assert all(r["density"] == {"value": r["density"]["value"], "unit": "ratio", "provenance": "synthetic"}
               for r in rows)
    assert data["candidates"]["value"] >= 10 and data["eci"]["unit"] == "score"
    assert [n["code"] for n in data["notes"]] == ["presence_fallback", "city_share_large"]
    district = json.loads(run("opportunities", "--db", str(demo_db), "--place", "黄埔", "-f", "json").stdout)
    assert district["place"] == "440112" and district["strategy"] == "balanced" and district["scope"] == "traded"
    assert district["place_kind"] == "district" and district["place_name"] == "黄埔区"
    assert [r["activity"] for r in district["rows"][:10]] != [r["activity"] for r in rows]


def test_opportunities_table_and_xlsx(demo_db, tmp_path):
    result = run("opportunities", "--db", str(demo_db), "--strategy", "long-jump", "--by", "cog", "--limit", "5")
    assert result.exit_code == 0
    assert "广州市 发展机会（2024，企业数，跨越发展）" in result.stdout
    assert "示例数据：合成数据，非真实企业或官方统计" in result.stdout
    assert "关联密度" in result.stdout and "综合得分" in result.stdout
    assert all(len(line) <= 140 for line in result.stdout.splitlines())
    assert set(re.findall(r"[A-Za-z]+", result.output)) <= {"PCI", "COG", "RCA"}  # no English in zh output
    out = tmp_path / "机会.xlsx"
    result = run("opportunities", "--db", str(demo_db), "-f", "xlsx", "-o", str(out), "--limit", "7")
    assert result.exit_code == 0 and out.exists()
    sheet = pd.read_excel(out, sheet_name="发展机会", engine="openpyxl", header=1)
    assert len(sheet) == 7 and "理由" in sheet.columns and "关联密度" in sheet.columns
    assert "本地数值（家）" in sheet.columns and "产业节点" in sheet.columns
    note = pd.read_excel(out, sheet_name="发展机会", engine="openpyxl", header=None).iloc[0, 0]
    assert note.startswith("来源：示例数据（合成，非真实企业或官方统计）。广州市 2024 年，度量 企业数（家），策略 均衡组合")
    assert list(sheet["排名"]) == list(range(1, 8))
    csv = tmp_path / "机会.csv"
    assert run("opportunities", "--db", str(demo_db), "-f", "csv", "-o", str(csv), "--limit", "3").exit_code == 0
    frame = pd.read_csv(csv, encoding="utf-8-sig", dtype={"行业代码": str})
    assert list(frame["行业代码"]) == list(sheet["行业代码"].astype(str).str.zfill(4)[:3])


def test_opportunities_show_the_feasibility_filters_and_can_turn_them_off(demo_db):
    """Issue 11: on by default, a line names each filter and its count; --show-all keeps every candidate."""
    on = json.loads(run("opportunities", "--db", str(demo_db), "--place", "黄埔", "-f", "json", "--limit", "2000").stdout)
    off = json.loads(run("opportunities", "--db", str(demo_db), "--place", "黄埔", "-f", "json", "--limit", "2000",
                         "--show-all").stdout)
    removed = {r["activity"] for r in on["removed"]["rows"]}
    assert on["feasible"] is True and off["feasible"] is False and removed
    assert {r["activity"] for r in off["rows"]} == {r["activity"] for r in on["rows"]} | removed
    assert on["candidates"]["value"] + len(removed) == off["candidates"]["value"]
    table = run("opportunities", "--db", str(demo_db), "--place", "黄埔", "--limit", "3")
    total = sum(f["removed"]["value"] for f in on["filters"])
    assert f"可行性筛选已开启，共去掉 {total} 项 — 资源依赖" in " ".join(table.output.split())


def test_opportunities_in_english_have_no_chinese_beyond_names(demo_db):
    result = run("opportunities", "--db", str(demo_db), "--place", "Tianhe", "--lang", "en", "--limit", "5")
    assert result.exit_code == 0, result.output
    assert "Tianhe: growth opportunities (2024, Enterprises, Balanced portfolio)" in result.stdout
    data = json.loads(run("opportunities", "--db", str(demo_db), "--place", "Tianhe", "--lang", "en",
                          "-f", "json").stdout)
    assert data["title"] == "Growth opportunities" and data["place_name"] == "Tianhe"
    for row in data["rows"]:  # class names (GB/T 4754 has no English) are the only Chinese
        assert not CJK.search(row["reason"].replace(row["name"], "")), row["reason"]
    columns = [{k: v for k, v in c.items() if k != "label_zh"} for c in data["columns"]]  # both languages by design
    assert not CJK.search(json.dumps([columns, data["notes"], data["title"]], ensure_ascii=False))


def test_opportunities_errors_are_one_line(demo_db):
    result = runner.invoke(app, ["opportunities", "--db", str(demo_db), "--place", "火星区"])
    assert result.exit_code == 1
    assert "没有这个区: 火星区 (not a district of Guangzhou)" in result.output
    result = runner.invoke(app, ["opportunities", "--db", str(demo_db), "--strategy", "moonshot"])
    assert result.exit_code == 1 and "未知的策略 'moonshot'" in result.output
    result = runner.invoke(app, ["opportunities", "--db", str(demo_db), "--by", "eci"])
    assert result.exit_code == 1 and "未知的复杂度指标 'eci'" in result.output
    result = runner.invoke(app, ["opportunities", "--db", str(demo_db), "-f", "xlsx"])
    assert result.exit_code == 1 and "--format xlsx 需要 --output" in result.output


def test_complexity_on_the_trade_sample_matches_stata(tmp_path):
    out = tmp_path / "out.csv"
    result = run("complexity", str(FIX / "trade_data_sample.csv"), "--location", "origin", "--activity", "hs92",
                 "--value", "export_val", "--year", "year", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "已写出 600 行" in result.stdout
    ours = pd.read_csv(out, dtype={"hs92": str})
    truth = pd.read_csv(FIX / "stata_ground_truth.csv", dtype={"hs92": str})
    merged = truth.merge(ours, on=["year", "origin", "hs92"], suffixes=("_stata", ""), validate="1:1")
    assert len(merged) == 600
    assert (merged["M"] == merged["M_stata"]).all()
    assert (merged["diversity"] == merged["diversity_stata"]).all()
    # Stata stored export_val as float32; the CLI reads the CSV's doubles, hence a relative 1e-6.
    for col in ("rca", "density", "eci", "pci", "coi", "cog"):
        np.testing.assert_allclose(merged[col], merged[f"{col}_stata"], rtol=1e-6, atol=1e-6, err_msg=col)
    one = merged[(merged["year"] == 1995) & (merged["origin"] == "aut") & (merged["hs92"] == "1704")].iloc[0]
    assert one["rca"] == pytest.approx(0.5708342888507129, rel=1e-6)
    assert one["pci"] == pytest.approx(-1.470491886427003, rel=1e-6)


def test_complexity_reports_a_missing_column(tmp_path):
    result = runner.invoke(app, ["complexity", str(FIX / "trade_data_sample.csv"), "--location", "country",
                                 "--activity", "hs92", "--value", "export_val", "-o", str(tmp_path / "x.csv")])
    assert result.exit_code == 1
    assert "country" in result.output


def test_complexity_words_its_notes_in_the_chosen_language(tmp_path) -> None:
    # w sums to 0 in year 7: dropped, and the note (a code with parameters) is worded by present/complexity.
    panel = tmp_path / "p.csv"
    panel.write_text("yr,loc,act,v\n7,a,x,1\n7,a,y,2\n7,a,w,0\n7,b,x,3\n7,b,y,1\n7,b,w,0\n", encoding="utf-8")
    args = ["complexity", str(panel), "--location", "loc", "--activity", "act", "--value", "v", "--year", "yr"]
    zh = runner.invoke(app, [*args, "-o", str(tmp_path / "zh.csv")])
    assert zh.exit_code == 0, zh.output
    assert "7：去掉 1 个合计为 0 的活动：w" in zh.stderr and "Dropped" not in zh.stderr
    assert "已写出 4 行" in zh.stdout
    en = runner.invoke(app, [*args, "-o", str(tmp_path / "en.csv"), "--lang", "en"])
    assert en.exit_code == 0, en.output
    assert "7: Dropped 1 activity(ies) whose values sum to 0: w" in en.stderr and "去掉" not in en.stderr


def test_complexity_names_a_non_numeric_value(tmp_path) -> None:
    panel = tmp_path / "p.csv"
    panel.write_text("loc,act,v\na,x,1\na,y,abc\nb,x,2\nb,y,3\n", encoding="utf-8")
    result = runner.invoke(app, ["complexity", str(panel), "--location", "loc", "--activity", "act",
                                 "--value", "v", "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 1
    assert "列 v 含 1 个非数值 column v has 1 non-numeric value(s) (first: 'abc' at row 1)" in result.stderr


def _as_a_program(argv: list[str], *, whole: bool) -> tuple[int, str, list[str]]:
    """`chanye ARGV` in a process of its own (the console script calls `app()`), or through the whole typer app
    (`whole`: what every run built before issue 14): exit code, stdout + stderr, the commands typer built."""
    import os
    import subprocess
    import sys

    code = ("import atexit, sys, typer, typer.main as tm\n"
            "built, build = [], tm.get_command_from_info\n"
            "def counted(*args, **kw):\n"
            "    built.append((args[0] if args else kw['command_info']).name)\n"
            "    return build(*args, **kw)\n"
            "tm.get_command_from_info = counted\n"
            "atexit.register(lambda: print('built:', ','.join(built)))\n"
            "from chanye.cli import app\nsys.argv[0] = 'chanye'\n"
            + ("typer.Typer.__call__(app)\n" if whole else "app()\n"))
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "120"})
    *lines, built = done.stdout.splitlines()
    return done.returncode, "\n".join(lines) + done.stderr, built.removeprefix("built: ").split(",")


@pytest.mark.parametrize("argv", [["complexity", "--help"], ["complexity", "p.csv", "--location", "loc"],
                                  ["complexity", "--knn", "abc"]])
def test_a_run_builds_only_the_command_it_names_and_answers_as_the_whole_app(argv) -> None:
    # issue 14: typer reads the signature of every command before it runs one; `chanye complexity` builds its own.
    code, text, built = _as_a_program(argv, whole=False)
    assert built == ["complexity"]
    whole_code, whole_text, whole_built = _as_a_program(argv, whole=True)
    assert (code, text) == (whole_code, whole_text) and len(whole_built) > 30 and "complexity" in whole_built
    assert code == (0 if "--help" in argv else 2)
    assert ("Usage: chanye complexity [OPTIONS]" in text) and ("--rca-threshold" in text) == ("--help" in argv)


def test_the_app_itself_and_its_groups_still_build_everything() -> None:
    code, text, built = _as_a_program(["projects", "--help"], whole=False)
    assert code == 0 and "summary" in text and len(built) > 30
    code, text, built = _as_a_program(["--help"], whole=False)
    assert code == 0 and "complexity" in text and "opportunities" in text and len(built) > 30
