"""Crafted workbooks are refused before the reader sees them (files generated here, never committed)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from chanye.errors import InputError
from chanye.registry.read import read_sheets
from chanye.registry.xlsx_guard import XlsxLimits, check_workbook, column_number, used_range


def workbook(path: Path, cells: dict[str, object], title: str = "名录") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for ref, value in cells.items():
        ws[ref] = value
    wb.save(path)
    return path


def test_column_numbers() -> None:
    assert [column_number(c) for c in ("A", "Z", "AA", "AZ", "BA", "XFD")] == [1, 26, 27, 52, 53, 16384]
    assert column_number(b"XFD") == 16384


def test_used_range_reads_cell_references_across_chunks() -> None:
    xml = b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1"/></row>' + b" " * 1000
    xml += b'<row r="40"><c r="B40"><v>1</v></c></row></sheetData>'
    # tiny chunks: the reference of B40 is cut in two and still seen
    assert used_range(io.BytesIO(xml), chunk=7) == (40, 3)
    assert used_range(io.BytesIO(b"<sheetData/>")) == (0, 0)


def test_one_cell_at_xfd1048576_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "far.xlsx", {"A1": "统一社会信用代码", "B1": "企业名称", "XFD1048576": "x"})
    assert path.stat().st_size < 10_000
    # 1,048,576 rows x 16,384 columns = 17,179,869,184 cells
    message = r"far.xlsx 工作表 名录: 已用区域 1,048,576 行 × 16,384 列 = 17,179,869,184 个单元格，超过上限 50,000,000"
    with pytest.raises(InputError, match=message):
        check_workbook(path, XlsxLimits())
    with pytest.raises(InputError, match="CHANYE_XLSX_MAX_CELLS"):
        read_sheets(path)  # the import path checks before parsing


def test_limits_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    path = workbook(tmp_path / "small.xlsx", {"A1": "企业名称", "C10": "x"})  # 10 rows x 3 columns
    check_workbook(path, XlsxLimits(max_cells=30))  # exactly at the limit: accepted
    monkeypatch.setenv("CHANYE_XLSX_MAX_CELLS", "29")
    assert XlsxLimits.from_env().max_cells == 29
    with pytest.raises(InputError, match=r"10 行 × 3 列 = 30 个单元格，超过上限 29"):
        check_workbook(path)


def test_a_high_compression_ratio_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "bomb.xlsx", {f"A{i}": "示例" for i in range(1, 2001)})
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    ratio = info.file_size / info.compress_size
    assert ratio > 10  # 2,000 identical rows compress well
    check_workbook(path, XlsxLimits(max_ratio=int(ratio) + 1, ratio_min_bytes=0))
    with pytest.raises(InputError, match=r"bomb.xlsx 工作表 名录: 压缩比 \d+ 倍，超过上限 10 倍，疑似压缩炸弹"):
        check_workbook(path, XlsxLimits(max_ratio=10, ratio_min_bytes=0))
    with pytest.raises(InputError, match=r"解压后 [\d,]+ 字节，超过上限 1,000"):
        check_workbook(path, XlsxLimits(max_part_bytes=1000))


def test_ordinary_workbooks_and_other_files_pass(tmp_path: Path) -> None:
    path = workbook(tmp_path / "ok.xlsx", {"A1": "企业名称", "B1": "统一社会信用代码", "A2": "示例甲公司"})
    check_workbook(path)
    not_a_zip = tmp_path / "broken.xlsx"
    not_a_zip.write_bytes(b"not a zip")
    check_workbook(not_a_zip)  # left to the reader, which names it unreadable
    with pytest.raises(InputError, match=r"broken.xlsx: 无法读取 Excel 文件"):
        read_sheets(not_a_zip)
