"""`chanye chains` end to end on the small demo database: exit codes, exact messages, the XLSX work lists,
then the numbers read back through the library."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from chanye import chainboard
from chanye.cli import app
from chanye.framework import load_pack
from chanye.registry.store import Store

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def framework():
    return load_pack(None)


@pytest.fixture(scope="module")
def icv(demo_db, framework) -> chainboard.ChainView:
    with Store(demo_db) as store:
        return chainboard.open_view(store, framework, "icv-nev")


def test_summary_lists_all_21_chains(demo_db, framework) -> None:
    result = run("chains", "--db", str(demo_db))
    assert result.exit_code == 0, result.output
    assert "示例数据" in result.stdout and "产业链概览（广州市） 2024 年 · 环节数（个）" in result.stdout
    for chain in framework.chains:
        assert framework.node(chain.cluster).name.zh in result.stdout
    data = json.loads(run("chains", "--db", str(demo_db), "--format", "json").stdout)
    assert [r["产业链编号"] for r in data["chains"]] == [c.id for c in framework.chains]
    assert len(data["chains"]) == 21
    for row, chain in zip(data["chains"], framework.chains, strict=True):
        assert (
            row["强链（个）"] + row["弱链（个）"] + row["缺链（个）"] == row["环节（个）"] == len(chain.nodes)
        )
        assert row["集群状态"] == (
            "暂定" if framework.node(chain.cluster).status == "provisional" else "已确认"
        )
        assert row["关联状态"] == "最新" and row["来源"] == "示例数据"
    assert data["area"] == "440100" and data["synthetic"] is True


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
    assert f"招商清单（前 3 家，共 {len(icv.recruitment)} 家）" in out
    for name in icv.leaders["name"]:
        assert name in out


def test_json_matches_the_library(demo_db, icv) -> None:
    data = json.loads(run("chains", "icv-nev", "--db", str(demo_db), "-f", "json").stdout)
    assert [r["诊断"] for r in data["diagnosis"]] == icv.diagnosis["status"].tolist()
    assert len(data["recruitment"]) == len(icv.recruitment)
    assert [r["统一社会信用代码"] for r in data["recruitment"]] == icv.recruitment["uscc"].tolist()
    assert all(r["推荐理由"] for r in data["recruitment"] + data["expansion"])


def test_a_cluster_node_id_and_a_district_name_work(demo_db) -> None:
    data = json.loads(
        run("chains", "icv-nev", "--district", "黄埔", "--db", str(demo_db), "-f", "json").stdout
    )
    assert data["area"] == "440112" and data["cluster"] == "icv-nev"
    assert all(r["所在区"] == "黄埔区" for r in data["expansion"])
    summary = json.loads(run("chains", "--district", "Huangpu", "--db", str(demo_db), "-f", "json").stdout)
    assert summary["area"] == "440112"


def test_xlsx_holds_the_four_work_list_sheets(demo_db, icv, tmp_path) -> None:
    path = tmp_path / "清单.xlsx"
    result = run("chains", "icv-nev", "--db", str(demo_db), "--format", "xlsx", "-o", str(path))
    assert result.exit_code == 0, result.output
    assert f"已写出 招商清单 {len(icv.recruitment)} 家、增资扩产清单 {len(icv.expansion)} 家" in result.stdout
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames == ["招商清单", "增资扩产清单", "链条诊断", "链主企业"]
    rows = list(wb["招商清单"].iter_rows(values_only=True))
    assert rows[0][0].startswith("示例数据：") and "智能网联与新能源汽车产业链，广州市，2024 年" in rows[0][0]
    assert list(rows[1][:5]) == ["序号", "企业名称", "所在城市", "链条环节", "推荐理由"]
    body = rows[2:]
    assert len(body) == len(icv.recruitment) > 0
    assert [r[0] for r in body] == list(range(1, len(body) + 1))
    assert all(r[4] and "综合得分" in r[4] for r in body)
    assert all(r[2] != "广州市" for r in body)
    expand = list(wb["增资扩产清单"].iter_rows(values_only=True))
    assert list(expand[1][:5]) == ["序号", "企业名称", "所在区", "链条环节", "推荐理由"]
    assert len(expand) - 2 == len(icv.expansion)
    diag = list(wb["链条诊断"].iter_rows(values_only=True))
    assert [r[0] for r in diag[2:]] == icv.diagnosis["node_name"].tolist()


def test_summary_xlsx(demo_db, tmp_path) -> None:
    path = tmp_path / "概览.xlsx"
    assert run("chains", "--db", str(demo_db), "-f", "xlsx", "-o", str(path)).exit_code == 0
    rows = list(load_workbook(path, read_only=True)["产业链概览"].iter_rows(values_only=True))
    assert len(rows) == 2 + 21


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["nosuch"],
            "错误 Error: 框架 guangzhou-12218 中没有产业链 'nosuch' (unknown chain)（用 chanye chains 查看）",
        ),
        (
            ["icv-nev", "--district", "火星区"],
            "错误 Error: 没有这个区: 火星区 (not a Guangzhou district)（例如 天河、黄埔区 或 440106）",
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
