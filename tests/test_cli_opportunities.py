"""`chanye opportunities` and `chanye complexity` end to end via typer's CliRunner: exit codes, messages, and
the results read back (JSON, CSV) against the library and the Growth Lab's Stata ground truth."""

from __future__ import annotations

import json
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


def test_opportunities_json_for_guangzhou_and_a_district(demo_db):
    result = run("opportunities", "--db", str(demo_db), "--format", "json", "--limit", "10")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["place"] == "440100" and data["synthetic"] is True and data["year"] == 2024
    rows = data["rows"]
    assert len(rows) == 10 and [r["rank"] for r in rows] == list(range(1, 11))
    assert all(r["rca"] < 1 or r["firms"] < data["min_presence_firms"] for r in rows)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert all(r["reason"].startswith(f"发展 {r['activity']} ") for r in rows)
    district = json.loads(run("opportunities", "--db", str(demo_db), "--place", "黄埔", "-f", "json").stdout)
    assert district["place"] == "440112" and district["strategy"] == "balanced" and district["scope"] == "traded"
    assert [r["activity"] for r in district["rows"][:10]] != [r["activity"] for r in rows]


def test_opportunities_table_and_xlsx(demo_db, tmp_path):
    result = run("opportunities", "--db", str(demo_db), "--strategy", "long-jump", "--by", "cog", "--limit", "5")
    assert result.exit_code == 0
    assert "广州市 发展机会（2024，enterprises，long-jump）" in result.stdout
    assert "示例数据" in result.stdout
    out = tmp_path / "机会.xlsx"
    result = run("opportunities", "--db", str(demo_db), "-f", "xlsx", "-o", str(out), "--limit", "7")
    assert result.exit_code == 0 and out.exists()
    sheet = pd.read_excel(out, sheet_name="发展机会", engine="openpyxl")
    assert len(sheet) == 7 and "reason" in sheet.columns


def test_opportunities_errors_are_one_line(demo_db):
    result = runner.invoke(app, ["opportunities", "--db", str(demo_db), "--place", "火星区"])
    assert result.exit_code == 1
    assert "没有这个区: 火星区" in result.output
    result = runner.invoke(app, ["opportunities", "--db", str(demo_db), "--strategy", "moonshot"])
    assert result.exit_code == 1 and "未知的策略 'moonshot'" in result.output
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


def test_complexity_names_a_non_numeric_value(tmp_path) -> None:
    panel = tmp_path / "p.csv"
    panel.write_text("loc,act,v\na,x,1\na,y,abc\nb,x,2\nb,y,3\n", encoding="utf-8")
    result = runner.invoke(app, ["complexity", str(panel), "--location", "loc", "--activity", "act",
                                 "--value", "v", "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 1
    assert "列 v 含 1 个非数值 column v has 1 non-numeric value(s) (first: 'abc' at row 1)" in result.stderr
