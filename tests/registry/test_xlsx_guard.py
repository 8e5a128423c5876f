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
    assert check_workbook(path, XlsxLimits(max_cells=30)) == {"名录": (10, 3)}  # exactly at the limit
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
    assert check_workbook(path, XlsxLimits(max_ratio=int(ratio) + 1, ratio_min_bytes=0)) == {
        "名录": (2000, 1)
    }
    with pytest.raises(
        InputError, match=r"bomb.xlsx 工作表 名录: 压缩比 \d+ 倍，超过上限 10 倍，疑似压缩炸弹"
    ):
        check_workbook(path, XlsxLimits(max_ratio=10, ratio_min_bytes=0))
    with pytest.raises(InputError, match=r"解压后 [\d,]+ 字节，超过上限 1,000"):
        check_workbook(path, XlsxLimits(max_part_bytes=1000))


def test_ordinary_workbooks_and_other_files_pass(tmp_path: Path) -> None:
    path = workbook(tmp_path / "ok.xlsx", {"A1": "企业名称", "B1": "统一社会信用代码", "A2": "示例甲公司"})
    assert check_workbook(path) == {"名录": (2, 2)}
    not_a_zip = tmp_path / "broken.xlsx"
    not_a_zip.write_bytes(b"not a zip")
    assert check_workbook(not_a_zip) == {}  # left to the reader, which names it unreadable
    with pytest.raises(InputError, match=r"broken.xlsx: 无法读取 Excel 文件"):
        read_sheets(not_a_zip)


def crafted(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


FAR = b'<worksheet><sheetData><row r="9"><c r="J9"><v>1</v></c></row></sheetData></worksheet>'  # 9 x 10 = 90
RELS = (
    b'<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Target="/xl/worksheets/sheet2.xml"/><Relationship Id="rId3"/></Relationships>'
)
BOOK = (
    b'<workbook><sheets><sheet name="\xe5\x90\x8d\xe5\xbd\x95" r:id="rId1"/><sheet name="\xe7\x94\xb2" r:id="rId2"/>'
    b'<sheet name="no-id"/></sheets></workbook>'
)


@pytest.mark.parametrize(
    ("part", "sheet"), [("xl/worksheets/sheet1.xml", "名录"), ("xl/worksheets/sheet2.xml", "甲")]
)
def test_sheet_names_follow_relative_and_absolute_targets(tmp_path: Path, part: str, sheet: str) -> None:
    # rId1 is relative to xl/, rId2 absolute; a relationship without Target and a sheet without r:id are skipped
    other = "xl/worksheets/sheet2.xml" if part.endswith("1.xml") else "xl/worksheets/sheet1.xml"
    path = crafted(
        tmp_path / "book.xlsx",
        {"xl/workbook.xml": BOOK, "xl/_rels/workbook.xml.rels": RELS, part: FAR, other: b"<worksheet/>"},
    )
    with pytest.raises(
        InputError, match=rf"^book.xlsx 工作表 {sheet}: 已用区域 9 行 × 10 列 = 90 个单元格，超过上限 89 "
    ):
        check_workbook(path, XlsxLimits(max_cells=89))


def test_a_sheet_without_a_workbook_is_named_by_its_part(tmp_path: Path) -> None:
    path = crafted(tmp_path / "bare.xlsx", {"xl/worksheets/sheet1.xml": FAR})
    with pytest.raises(
        InputError, match=r"^bare.xlsx 工作表 xl/worksheets/sheet1.xml: 已用区域 9 行 × 10 列"
    ):
        check_workbook(path, XlsxLimits(max_cells=89))


def test_bad_utf8_in_the_workbook_parts_is_tolerated(tmp_path: Path) -> None:
    book = BOOK.replace(b"no-id", b"\xff\xfe")
    path = crafted(
        tmp_path / "odd.xlsx",
        {
            "xl/workbook.xml": book,
            "xl/_rels/workbook.xml.rels": RELS + b"\xff",
            "xl/worksheets/sheet1.xml": FAR,
        },
    )
    with pytest.raises(InputError, match=r"^odd.xlsx 工作表 名录: "):
        check_workbook(path, XlsxLimits(max_cells=89))


def test_only_worksheets_are_measured(tmp_path: Path) -> None:
    # a shared-strings part that mentions a far cell, and a styles part over the size limit, are not sheets
    path = crafted(
        tmp_path / "parts.xlsx",
        {
            "xl/sharedStrings.xml": b'<sst><si><t>&lt;c r="XFD1048576"&gt;</t></si><c r="XFD1048576"/></sst>',
            "xl/styles.xml": b" " * 5000,
            "xl/worksheets/_rels/sheet1.xml.rels": b'<c r="XFD1048576"/>',
            "xl/worksheets/sheet1.xml": FAR,
        },
    )
    # both limits met exactly; the parts that are not worksheets are not measured
    assert check_workbook(path, XlsxLimits(max_cells=90, max_part_bytes=len(FAR))) == {
        "xl/worksheets/sheet1.xml": (9, 10)
    }


def test_every_refusal_names_its_limit_and_the_fix(tmp_path: Path) -> None:
    body = b'<worksheet><sheetData><row r="1"><c r="A1"/></row></sheetData></worksheet>' + b" " * 100_000
    path = crafted(tmp_path / "big.xlsx", {"xl/worksheets/sheet1.xml": body})
    size = len(body)
    with zipfile.ZipFile(path) as z:
        ratio = size / z.getinfo("xl/worksheets/sheet1.xml").compress_size
    accepted = {"xl/worksheets/sheet1.xml": (1, 1)}
    assert (
        check_workbook(path, XlsxLimits(max_part_bytes=size, max_ratio=int(ratio) + 1, ratio_min_bytes=0))
        == accepted
    )
    # only parts larger than the minimum are held to the ratio
    assert check_workbook(path, XlsxLimits(max_ratio=1, ratio_min_bytes=size)) == accepted

    with pytest.raises(InputError, match="sheet too large when uncompressed") as info:
        check_workbook(path, XlsxLimits(max_part_bytes=size - 1))
    assert info.value.message == (
        f"big.xlsx 工作表 xl/worksheets/sheet1.xml: 解压后 {size:,} 字节，超过上限 {size - 1:,} "
        "(sheet too large when uncompressed)"
    )
    assert info.value.hint == "拆分文件或另存为 CSV；上限可用 CHANYE_XLSX_MAX_PART_BYTES 调整"

    with pytest.raises(InputError, match="compression ratio too high") as info:
        check_workbook(path, XlsxLimits(max_ratio=int(ratio), ratio_min_bytes=size - 1))
    assert info.value.message == (
        f"big.xlsx 工作表 xl/worksheets/sheet1.xml: 压缩比 {ratio:,.0f} 倍，超过上限 {int(ratio)} 倍，疑似压缩炸弹 "
        "(compression ratio too high: a zip bomb?)"
    )
    assert info.value.hint == "另存为普通 XLSX 或 CSV；上限可用 CHANYE_XLSX_MAX_RATIO 调整"

    with pytest.raises(InputError, match="used range too large") as info:
        check_workbook(
            crafted(tmp_path / "far.xlsx", {"xl/worksheets/sheet1.xml": FAR}), XlsxLimits(max_cells=1)
        )
    assert info.value.message == (
        "far.xlsx 工作表 xl/worksheets/sheet1.xml: 已用区域 9 行 × 10 列 = 90 个单元格，超过上限 1 "
        "(used range too large: a stray cell far away?)"
    )
    assert (
        info.value.hint
        == "删除远处的空白或孤立单元格后另存，或另存为 CSV；上限可用 CHANYE_XLSX_MAX_CELLS 调整"
    )


def test_every_limit_reads_its_environment_variable(monkeypatch) -> None:
    assert XlsxLimits.from_env() == XlsxLimits(50_000_000, 1 << 30, 250, 10 << 20)
    monkeypatch.setenv("CHANYE_XLSX_MAX_CELLS", "7")
    monkeypatch.setenv("CHANYE_XLSX_MAX_PART_BYTES", "8")
    monkeypatch.setenv("CHANYE_XLSX_MAX_RATIO", " 9 ")
    assert XlsxLimits.from_env() == XlsxLimits(7, 8, 9, 10 << 20)
    monkeypatch.setenv("CHANYE_XLSX_MAX_RATIO", "lots")  # not a number: the default
    assert XlsxLimits.from_env().max_ratio == 250


def test_a_ratio_exactly_at_the_limit_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(
        path, "w", zipfile.ZIP_STORED
    ) as z:  # stored, not compressed: the ratio is exactly 1
        z.writestr("xl/worksheets/sheet1.xml", FAR)
    assert check_workbook(path, XlsxLimits(max_ratio=1, ratio_min_bytes=0)) == {
        "xl/worksheets/sheet1.xml": (9, 10)
    }
    with pytest.raises(InputError, match=r"压缩比 1 倍，超过上限 0 倍"):
        check_workbook(path, XlsxLimits(max_ratio=0, ratio_min_bytes=0))
