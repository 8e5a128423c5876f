"""`chanye chains` end to end on the small demo database: exit codes, exact messages, the XLSX work lists,
then the numbers read back through the library."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from chanye.cli import app
from chanye.framework import load_pack
from chanye.services.chains import ChainBoard
from chanye.services.platform import Platform

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def framework():
    return load_pack(None)


@pytest.fixture(scope="module")
def icv(demo_db, framework) -> ChainBoard:
    return Platform(demo_db, framework).chain("icv-nev")


def test_summary_lists_all_22_chains(demo_db, framework) -> None:
    result = run("chains", "--db", str(demo_db))
    assert result.exit_code == 0, result.output
    assert "示例数据" in result.stdout and "产业链概览（广州市） 2024 年 · 环节数（个）" in result.stdout
    for chain in framework.chains:
        assert framework.node(chain.cluster).name.zh in result.stdout
    assert "最新" in result.stdout and "current" not in result.stdout
    data = json.loads(run("chains", "--db", str(demo_db), "--format", "json").stdout)
    assert [r["chain_id"] for r in data["rows"]] == [c.id for c in framework.chains]
    assert len(data["rows"]) == 22  # 21 clusters and future industries; 低空经济与航空航天 has two chains
    for row, chain in zip(data["rows"], framework.chains, strict=True):
        counts = [row[k]["value"] for k in ("strong", "weak", "missing")]
        assert sum(counts) == row["nodes"]["value"] == len(chain.nodes)
        assert row["strong"] == {"value": counts[0], "unit": "count", "provenance": "synthetic"}
        assert row["cluster_status"] == framework.node(chain.cluster).status
        assert row["link_status"] == "current"
    assert data["area"] == {"code": "440100", "name": "广州市"} and data["synthetic"] is True
    assert data["provenance"] == "synthetic"
    en = run("chains", "--db", str(demo_db), "--lang", "en")
    assert "Chains in Guangzhou, 2024 · links" in en.stdout and "Synthetic demo data" in en.stdout


def test_one_chain_shows_diagnosis_leaders_and_lists(demo_db, icv) -> None:
    result = run("chains", "icv-nev", "--db", str(demo_db), "--top", "3")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for heading in (
        "链条诊断 智能网联与新能源汽车产业链（广州市，2024 年）",
        "链主企业",
        "招商清单（前 3 家，共",
        "增资扩产清单（前 3 家，共",
    ):
        assert heading in out
    assert f"招商清单（前 3 家，共 {len(icv.recruitment.rows)} 家）" in out
    for row in icv.leaders.rows:  # a long name may wrap in its 120-column table: its first 12 characters
        assert row["name"][:12] in out


def test_json_matches_the_library(demo_db, icv) -> None:
    data = json.loads(run("chains", "icv-nev", "--db", str(demo_db), "-f", "json").stdout)["tables"]
    assert [r["status"] for r in data["diagnosis"]["rows"]] == [r["status"] for r in icv.diagnosis.rows]
    assert len(data["recruitment"]["rows"]) == len(icv.recruitment.rows)
    assert [r["uscc"] for r in data["recruitment"]["rows"]] == [r["uscc"] for r in icv.recruitment.rows]
    assert all(r["reason"] for r in data["recruitment"]["rows"] + data["expansion"]["rows"])
    assert all(r["reason"].startswith(("强链：", "弱链：", "缺链：")) for r in data["diagnosis"]["rows"])


def test_a_cluster_node_id_and_a_district_name_work(demo_db) -> None:
    data = json.loads(
        run("chains", "icv-nev", "--district", "黄埔", "--db", str(demo_db), "-f", "json").stdout
    )
    assert data["area"] == {"code": "440112", "name": "黄埔区"} and data["cluster"] == "icv-nev"
    rows = data["tables"]["expansion"]["rows"]
    assert rows and all(r["district"] == "黄埔区" and r["district_code"] == "440112" for r in rows)
    summary = json.loads(run("chains", "--district", "Huangpu", "--db", str(demo_db), "-f", "json").stdout)
    assert summary["area"] == {"code": "440112", "name": "黄埔区"}


def test_xlsx_holds_the_four_work_list_sheets(demo_db, icv, tmp_path) -> None:
    path = tmp_path / "清单.xlsx"
    result = run("chains", "icv-nev", "--db", str(demo_db), "--format", "xlsx", "-o", str(path))
    assert result.exit_code == 0, result.output
    assert (f"已写出 招商清单 {len(icv.recruitment.rows)} 家、增资扩产清单 {len(icv.expansion.rows)} 家"
            in result.stdout)
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames == ["招商清单", "增资扩产清单", "链条诊断", "链主企业"]
    rows = list(wb["招商清单"].iter_rows(values_only=True))
    assert rows[0][0].startswith("示例数据：") and "智能网联与新能源汽车产业链，广州市，2024 年" in rows[0][0]
    assert list(rows[1][:5]) == ["序号", "企业名称", "所在城市", "链条环节", "推荐理由"]
    assert list(rows[1][5:8]) == ["综合得分", "营业收入（亿元）", "近年营业收入年均增长（%）"]
    body = rows[2:]
    assert len(body) == len(icv.recruitment.rows) > 0
    assert [r[0] for r in body] == list(range(1, len(body) + 1))
    assert all(r[4] and "综合得分" in r[4] for r in body)
    assert all(r[2] != "广州市" for r in body)
    expand = list(wb["增资扩产清单"].iter_rows(values_only=True))
    assert list(expand[1][:5]) == ["序号", "企业名称", "所在区", "链条环节", "推荐理由"]
    assert len(expand) - 2 == len(icv.expansion.rows)
    diag = list(wb["链条诊断"].iter_rows(values_only=True))
    assert [r[0] for r in diag[2:]] == [r["node"]["zh"] for r in icv.diagnosis.rows]
    assert {r[3] for r in diag[2:]} <= {"强链", "弱链", "缺链"}


def test_the_lists_show_the_feasibility_filters_and_can_turn_them_off(demo_db) -> None:
    """Issue 11: the board's closing line names each filter per list; --show-all keeps every firm."""
    on = run("chains", "icv-nev", "--db", str(demo_db))
    assert on.exit_code == 0, on.output
    text = " ".join(on.stdout.split())
    assert "可行性筛选已开启，共去掉" in text and "招商清单·本地服务（批发零售、汽车后市场、医疗卫生）：去掉" in text
    off = run("chains", "icv-nev", "--db", str(demo_db), "--show-all")
    assert "可行性筛选已关闭（显示全部）" in " ".join(off.stdout.split())


def test_summary_xlsx(demo_db, tmp_path) -> None:
    path = tmp_path / "概览.xlsx"
    assert run("chains", "--db", str(demo_db), "-f", "xlsx", "-o", str(path)).exit_code == 0
    rows = list(load_workbook(path, read_only=True)["产业链概览"].iter_rows(values_only=True))
    assert len(rows) == 2 + 22


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["nosuch"],
            "错误 Error: 框架 guangzhou-12218 中没有产业链 'nosuch' (unknown chain)（用 chanye chains 查看）",
        ),
        (
            ["icv-nev", "--district", "火星区"],
            "错误 Error: 没有这个区: 火星区 (not a district of Guangzhou)（例如 荔湾区 或 440103）",
        ),
        (["icv-nev", "--format", "xlsx"], "错误 Error: --format xlsx 需要 --output 文件 (needs --output)"),
        (
            ["icv-nev", "--format", "csv"],
            "错误 Error: 未知的输出格式 'csv' (unknown format)（可用 table, json, xlsx）",
        ),
    ],
)
def test_errors_are_one_line_and_exit_1(demo_db, args, message) -> None:
    result = run("chains", *args, "--db", str(demo_db))
    assert result.exit_code == 1
    assert result.stderr.strip() == message
    assert "Traceback" not in result.output
