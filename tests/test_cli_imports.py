"""`chanye import`, `quarantine`, `classify` and `targets` end to end: exit codes, the report in one language,
then the state read back through the library."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from chanye.cli import app
from chanye.registry.store import Store
from chanye.registry.uscc import make_uscc

GOOD = make_uscc("91440106MA0000001")  # 91440106MA00000011
BAD = "91440101XXXXXXXXX1"
CSV = ("统一社会信用代码,企业名称,所属区,行业代码,营业收入（万元）,年份\n"
       f"{GOOD},示例命令行甲公司,天河区,3670,1200,2024\n"
       f"{BAD},示例命令行坏行公司,火星区,3670,100,2024\n")
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "200"})


@pytest.fixture
def db(demo_db, tmp_path: Path) -> Path:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, copy)
    return copy


@pytest.fixture
def upload(tmp_path: Path) -> Path:
    path = tmp_path / "名录.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_import_reports_in_chinese_and_lands_the_good_row(db: Path, upload: Path) -> None:
    result = run("import", str(upload), "--db", str(db))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"导入完成，批次 2：{upload}" in out
    for line in ("│ 数据行                  │         2 │", "│ 入库                    │         1 │",
                 "│ 隔离                    │         1 │", "│ 企业 新增/更新/不变     │ 1 / 0 / 0 │"):
        assert line in out
    assert "所属区: 无法识别的区 …：不是广州市的区 (not a district of Guangzhou)" in out
    assert out.rstrip().splitlines()[-1] == "查看与导出隔离行：chanye quarantine 2 -o 隔离区.xlsx"
    with Store(db, read_only=True) as store:
        assert store.scalar("SELECT name FROM enterprises WHERE uscc = ?", [GOOD]) == "示例命令行甲公司"
        assert store.scalar("SELECT district_code FROM enterprises WHERE uscc = ?", [GOOD]) == "440106"
        assert store.scalar("SELECT count(*) FROM quarantine WHERE batch_id = 2") == 1
        assert store.scalar("SELECT count(*) FROM classifications WHERE uscc = ?", [GOOD]) >= 1  # classified


def test_import_in_english_and_as_json(db: Path, upload: Path) -> None:
    english = run("import", str(upload), "--db", str(db), "--dry-run", "--lang", "en")
    assert english.exit_code == 0
    assert f"Import plan (nothing written): {upload}" in english.stdout
    assert "│ Rows                         │         2 │" in english.stdout
    assert "导入" not in english.stdout and "数据行" not in english.stdout
    data = json.loads(run("import", str(upload), "--db", str(db), "--json").stdout)
    assert (data["batch_id"], data["rows_total"], data["rows_loaded"], data["rows_quarantined"]) == (2, 2, 1, 1)
    assert data["enterprises"] == {"inserted": 1, "updated": 0, "unchanged": 0}


def test_quarantine_lists_exports_and_shows_history(db: Path, upload: Path, tmp_path: Path) -> None:
    run("import", str(upload), "--db", str(db))
    listed = run("quarantine", "--db", str(db))
    assert listed.exit_code == 0
    assert "隔离区：批次 2" in listed.stdout and BAD in listed.stdout
    # the 原因 column, its lines joined (the table fits 120 columns, so a long reason wraps; issue 15)
    reason = " ".join(line.split("│")[4].strip() for line in listed.stdout.splitlines() if line.startswith("│"))
    assert "统一社会信用代码: 统一社会信用代码校验位错误，应为 L (check character wrong)" in reason
    assert listed.stdout.rstrip().splitlines()[-1] == "共 1 行"
    out = tmp_path / "隔离区.xlsx"
    exported = run("quarantine", "2", "-o", str(out), "--db", str(db))
    assert exported.stdout.strip() == f"已导出 1 行隔离数据 -> {out}（修正后用 chanye import 重新导入）"
    ws = load_workbook(out).active
    assert ws["A1"].value == "导入批次 2 的隔离行：修正后可直接重新导入（“问题”列导入时忽略）"
    assert [c.value for c in ws[2]] == ["原行号", "统一社会信用代码", "企业名称", "所属区", "行业代码",
                                        "营业收入（万元）", "年份", "问题"]
    history = run("quarantine", "--batches", "--db", str(db), "--lang", "en").stdout
    assert "Import history" in history and "demo data" in history and "名录.csv" in history
    assert [r["id"] for r in json.loads(run("quarantine", "--batches", "--json", "--db", str(db)).stdout)] == [2, 1]


def test_classify_reruns_the_registry(db: Path) -> None:
    result = run("classify", "--db", str(db))
    assert result.exit_code == 0
    with Store(db, read_only=True) as store:
        classified = store.scalar("SELECT count(DISTINCT uscc) FROM classifications WHERE pack = 'guangzhou-12218'")
        links = store.count("chain_links")
    assert result.stdout.startswith(f"已重新归类 {classified} 家企业；")
    assert result.stdout.rstrip().endswith(f"产业链关联 {links} 条")
    english = run("classify", "--db", str(db), "--lang", "en")
    assert english.stdout.startswith(f"Re-classified {classified} firms; ")


def test_targets_import_and_list_in_both_languages(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "目标.csv"
    path.write_text("节点,指标,目标值,单位,年份,状态\n广州,营业收入,40000,亿元,2030,暂定\n", encoding="utf-8")
    imported = run("targets", str(path), "--db", str(db))
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.strip() == f"已导入 1 个目标 <- {path}（看板的目标进度随之更新）"
    listed = run("targets", "--db", str(db)).stdout
    assert "│ city-revenue-2030 " in listed and "│ 营业收入 " in listed and "│ 40,000 " in listed
    english = run("targets", "--db", str(db), "--lang", "en").stdout
    assert "Revenue" in english and "100m yuan" in english and "营业收入" not in english
    goals = json.loads(run("targets", "--db", str(db), "--json").stdout)
    assert goals[-1] == {"id": "city-revenue-2030", "node": "city", "metric": "revenue", "value": 40000.0,
                         "unit": "亿元", "year": 2030, "status": "provisional", "sources": "", "note": ""}


# --- issue 15 data in: `chanye import FILE --preview` -----------------------------------------------------------


def test_import_preview_prints_mapping_units_rows_and_reasons_and_writes_nothing(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "预览.csv"
    path.write_text("统一社会信用代码,企业名称,所属区,营业收入,年份,备注\n"
                    f"{GOOD},示例命令行预览公司,天河区,1200,2024,x\n"
                    f"{BAD},示例命令行坏行公司,火星区,abc,2024,\n", encoding="utf-8")
    with Store(db, read_only=True) as store:
        before = (store.count("enterprises"), store.count("import_batches"), store.count("quarantine"))
    result = run("import", str(path), "--preview", "--db", str(db))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.splitlines()[0] == "导入预览（尚未写入） 预览.csv"
    assert out.splitlines()[1] == "共 2 行：将入库 1 行，隔离 1 行（3 条原因），空行 0 行"
    for line in ("│ 4  │ 营业收入         │ 营业收入         │ 已识别         │ 万元         │ 未注明，按默认 │ 万元     │",
                 "│ 6  │ 备注             │ —                │ 未识别（忽略） │ —            │ —              │ —        │"):
        assert line in out
    assert "│ 2      │ 91440106MA00000011 │ 示例命令行预览公司 │ 天河区 │ 2024 │         1,200.00 │" in out
    assert "│ 3      │ 91440101XXXXXXXXX1 │ 营业收入         │ 无法解析的数值 'abc'" in out
    with Store(db, read_only=True) as store:
        assert (store.count("enterprises"), store.count("import_batches"), store.count("quarantine")) == before
    as_json = json.loads(run("import", str(path), "--preview", "--db", str(db), "--json").stdout)
    assert as_json["counts"] == {"rows_total": 2, "rows_loaded": 1, "rows_quarantined": 1, "rows_blank": 0,
                                 "reasons": 3}
    assert [(r["row_number"], r["field"]) for r in as_json["preview_quarantine"]["rows"]] == [
        (3, "uscc"), (3, "district"), (3, "revenue")]


def test_import_reports_the_model_learned_for_rows_without_a_code(db: Path, tmp_path: Path) -> None:
    """Issue 11: a row without an industry code is read from its scope, with a model learned from the registry's
    coded firms; the import says from how many (at most 5,000, sampled) and its cross-validated accuracy."""
    path = tmp_path / "无代码.csv"
    path.write_text("统一社会信用代码,企业名称,所属区,经营范围\n"
                    f"{GOOD},示例无代码企业有限公司,天河区,一般项目：锂离子电池制造；电池销售。\n"
                    f"{make_uscc('91440106MA0000002')},示例烟叶收购有限公司,天河区,烟叶收购\n", encoding="utf-8")
    out = run("import", str(path), "--db", str(db)).stdout
    line = next(x for x in out.splitlines() if x.startswith("按本库已有行业代码的"))
    # the tobacco-leaf buyer's scope names no class: queued, and said apart
    assert re.fullmatch(r"按本库已有行业代码的 5000 家企业学习，交叉验证准确率 \d{1,2}\.\d%；待复核 1 家；"
                        r"其中 1 家的经营范围未读出任何小类，只有字面相近的建议或没有建议", line), line
    # the reader checked on the same coded firms, and its probabilities recalibrated on them
    lines = out.splitlines()
    at = next(i for i, x in enumerate(lines) if x.startswith("经营范围读取在本库"))
    assert re.fullmatch(r"经营范围读取在本库有代码企业中抽查 \d,\d{3} 家核对：最优小类即其代码 \d{1,2}\.\d%（大类 \d{1,2}\.\d%）",
                        lines[at]), lines[at]
    assert re.fullmatch(r"概率已按这些企业重新校准：原曲线接受 \d{1,3}\.\d%、其中正确 \d{1,3}\.\d%；"
                        r"本库曲线接受 \d{1,3}\.\d%、其中正确 \d{1,3}\.\d%", lines[at + 1]), lines[at + 1]
