"""Import of firms' transformation indicators (issue 13 §6): a messy file lands its good rows and quarantines
the bad ones with file, row, field and reason; atomic; idempotent per USCC + year; the template round-trips."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from chanye.errors import InputError
from chanye.registry import transformation as reg
from chanye.registry.store import Store
from chanye.registry.uscc import make_uscc
from chanye.services import transformation as tf_service

F1, F2, F3 = make_uscc("91440101MA5ABCDE1"), make_uscc("91440101MA5ABCDE2"), make_uscc("91440101MA5ABCDE3")
OUTSIDER = make_uscc("91440101MA5ABCDE4")  # a valid code the registry does not hold
BAD_CHECK = F1[:17] + ("0" if F1[17] != "0" else "1")
HEADERS = ["统一社会信用代码", "年份", "智能制造能力成熟度等级", "两化融合评定等级", "工业互联网平台应用", "数字化车间",
           "智能工厂", "绿色工厂", "综合能源消费量（万吨标准煤）", "碳排放量（吨CO2）", "备注", "其他列"]
ROWS = [
    [F1, "2024", "3", "AA", "是", "否", "省级", "国家级", "0.12", "3000", "", "x"],  # 2: lands
    [F2, "2024年", "三级", "2", "否", "", "", "", "0.005", "", "", ""],  # 3: lands (50 吨)
    [F3, "2024", "2", "", "", "", "", "", "", "", "示例，导入前删除本行", ""],  # 4: example, skipped
    [BAD_CHECK, "2024", "3", "", "", "", "", "", "", "", "", ""],  # 5: check character
    [F3, "24", "6", "", "", "", "", "", "", "", "", ""],  # 6: year and level
    [OUTSIDER, "2024", "3", "", "", "", "", "", "", "", "", ""],  # 7: not in the registry
    [F3, "2024", "", "", "maybe", "", "", "", "-5", "", "", ""],  # 8: flag and negative energy
    [F1, "2024", "4", "", "", "", "", "", "", "", "", ""],  # 9: duplicates row 2
    [F3, "2024", "", "", "", "", "", "", "", "", "", "y"],  # 10: no indicator
    ["", "", "", "", "", "", "", "", "", "", "", ""],  # 11: blank, not counted
    [F3, "2023", "", "", "", "", "", "", "", "1,234.5", "", ""],  # 12: lands (thousands separator)
]


@pytest.fixture()
def store() -> Store:
    s = Store(":memory:")
    with s.transaction() as con:
        for code in (F1, F2, F3):
            con.execute("INSERT INTO enterprises (uscc, name, city_code) VALUES (?, ?, 'C1')", [code, code[-4:]])
    return s


def messy(tmp_path: Path, rows: list[list[str]] = ROWS, name: str = "messy.csv") -> Path:
    path = tmp_path / name
    pd.DataFrame(rows, columns=HEADERS).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def stored(store: Store) -> dict[tuple[str, int], dict]:
    frame = store.query("SELECT * FROM firm_transformation ORDER BY uscc, year")
    return {(r["uscc"], int(r["year"])): r for r in frame.to_dict("records")}


def test_messy_file_lands_good_rows_and_quarantines_bad_ones(store: Store, tmp_path: Path) -> None:
    path = messy(tmp_path)
    report = reg.import_file(store, path)
    assert (report.rows_total, report.rows_loaded, report.rows_quarantined, report.rows_skipped) == (9, 3, 6, 1)
    assert (report.inserted, report.updated, report.unchanged) == (3, 0, 0)
    q = store.query("SELECT row_number, uscc, reasons, raw FROM quarantine WHERE batch_id = ? ORDER BY row_number",
                    [report.batch_id])
    fields = {int(n): [r["field"] for r in json.loads(reasons)] for n, reasons in zip(q["row_number"], q["reasons"],
                                                                                       strict=True)}
    assert fields == {5: ["uscc"], 6: ["year", "smart_level"], 7: ["uscc"], 8: ["iip_platform", "energy_tce"],
                      9: ["year"], 10: ["smart_level"]}
    reasons = {int(n): [r["reason"] for r in json.loads(x)] for n, x in zip(q["row_number"], q["reasons"], strict=True)}
    assert reasons[6] == ["年份 '24' 不是 1990–2100 之间的年份 (Year '24' is not a year between 1990 and 2100)",
                          "智能制造能力成熟度等级 '6' 不是 1–5 级 (Smart manufacturing maturity level '6' is not a level 1-5)"]
    assert reasons[7] == [f"统一社会信用代码 {OUTSIDER} 不在登记库中，请先导入该企业 (USCC not in the registry: import "
                          "the firm first)"]
    assert reasons[8] == ["工业互联网平台应用 'maybe' 应为 是/否 (Uses an industrial internet platform 'maybe' should be "
                          "yes/no)", "综合能源消费量 '-5' 不能为负 (Energy use '-5' is negative)"]
    assert reasons[9] == ["年份与第 2 行重复（同一企业同一年） (Year duplicates row 2 for the same firm)"]
    assert reasons[10] == ["没有任何转型指标 (no indicator given)"]
    assert json.loads(q["raw"].iloc[0])["uscc"] == BAD_CHECK  # the row as written, for fixing by hand
    batch = store.query("SELECT file, kind, rows_total, rows_loaded, rows_quarantined FROM import_batches WHERE id = ?",
                        [report.batch_id]).iloc[0]
    assert (batch["file"], batch["kind"], batch["rows_total"], batch["rows_loaded"], batch["rows_quarantined"]) == \
        (str(path), "transformation", 9, 3, 6)
    assert report.reasons["uscc: 统一社会信用代码 … 不在登记库中，请先导入该企业"] == 1
    assert sum(report.reasons.values()) == 8  # eight reasons over six rows
    rows = stored(store)
    assert set(rows) == {(F1, 2024), (F2, 2024), (F3, 2023)}
    f1 = rows[(F1, 2024)]
    # AA = level 2; 省级 / 国家级 are designations (是); 0.12 万吨标准煤 = 1,200 吨
    assert (f1["smart_level"], f1["integration_level"], f1["iip_platform"], f1["digital_workshop"],
            f1["smart_factory"], f1["green_factory"], f1["energy_tce"], f1["carbon_tco2"]) == \
        (3, 2, True, False, True, True, 1200.0, 3000.0)
    f2 = rows[(F2, 2024)]
    assert (f2["smart_level"], f2["integration_level"], f2["iip_platform"], f2["energy_tce"]) == (3, 2, False, 50.0)
    assert pd.isna(f2["digital_workshop"]) and pd.isna(f2["carbon_tco2"]) and f2["synthetic"] is False
    assert rows[(F3, 2023)]["carbon_tco2"] == 1234.5


def test_import_is_idempotent_and_blanks_keep_values(store: Store, tmp_path: Path) -> None:
    path = messy(tmp_path)
    reg.import_file(store, path)
    again = reg.import_file(store, path)
    assert (again.inserted, again.updated, again.unchanged, again.rows_quarantined) == (0, 0, 3, 6)
    assert store.count("firm_transformation") == 3
    update = messy(tmp_path, [[F2, "2024", "", "", "", "", "", "", "0.006", "", "", ""]], "update.csv")
    done = reg.import_file(store, update)
    assert (done.inserted, done.updated, done.unchanged) == (0, 1, 0)
    f2 = stored(store)[(F2, 2024)]
    assert f2["energy_tce"] == 60.0 and f2["smart_level"] == 3  # 0.006 万吨 = 60 吨; the blank level kept


def test_import_is_atomic(store: Store, tmp_path: Path, monkeypatch) -> None:
    def broken(*_args, **_kw):
        raise RuntimeError("disk full")

    monkeypatch.setattr(reg, "upsert", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        reg.import_file(store, messy(tmp_path))
    assert store.count("firm_transformation") == 0
    assert store.count("quarantine") == 0 and store.count("import_batches") == 0


def test_file_level_errors_name_the_column(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "no_year.csv"
    pd.DataFrame([[F1, "3"]], columns=["统一社会信用代码", "智能制造能力成熟度等级"]).to_csv(path, index=False)
    with pytest.raises(InputError, match=r"no_year.csv: 缺少列 年份 \(missing columns\)"):
        reg.import_file(store, path)
    path = tmp_path / "unit.csv"
    pd.DataFrame([[F1, "2024", "3"]], columns=["统一社会信用代码", "年份", "综合能源消费量（桶）"]).to_csv(path, index=False)
    with pytest.raises(InputError, match=r"unknown unit in column '综合能源消费量（桶）'"):
        reg.import_file(store, path)
    (tmp_path / "x.txt").write_text("a")
    with pytest.raises(InputError, match=r"only CSV or XLSX"):
        reg.import_file(store, tmp_path / "x.txt")
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip at all")
    with pytest.raises(InputError, match=r"broken.xlsx: 无法读取 XLSX 文件 \(unreadable workbook\)"):
        reg.import_file(store, tmp_path / "broken.xlsx")
    with pytest.raises(InputError, match=r"no such file"):
        reg.import_file(store, tmp_path / "none.csv")
    assert store.count("import_batches") == 0


def test_template_round_trip(store: Store, tmp_path: Path) -> None:
    path = tf_service.write_template(tmp_path / "t.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["转型指标", "说明"]
    header = [c.value for c in book["转型指标"][1]]
    assert header == ["统一社会信用代码", "年份", "智能制造能力成熟度等级（1–5）", "两化融合管理体系评定等级（1–5 或 A–AAAAA）",
                      "工业互联网平台应用（是/否）", "数字化车间（是/否）", "智能工厂（是/否）", "绿色工厂（是/否）",
                      "综合能源消费量（吨标准煤）", "二氧化碳排放量（吨CO2）", "备注"]
    assert [c.value for c in book["转型指标"][2]][:2] == ["91440101MA59XXXXXX", 2024]
    # the example row is skipped; a filled-in row below it lands
    sheet = book["转型指标"]
    sheet.append([F1, 2024, 2, "A", "是", "否", "否", "否", 10, 25, None])
    book.save(path)
    report = reg.import_file(store, path)
    assert (report.rows_skipped, report.rows_total, report.rows_loaded) == (1, 1, 1)
    assert stored(store)[(F1, 2024)]["integration_level"] == 1
