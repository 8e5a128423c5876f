"""Check a workbook before it is parsed: a 2 KB XLSX can declare a sheet of 17 billion cells (one cell at
XFD1048576) or inflate to gigabytes of XML (a zip bomb), and the reader would try to allocate all of it.

`check_workbook` reads only the zip directory and streams each worksheet's XML once, looking at cell
references; it refuses the file with a reason that names the sheet, what was found and the limit. The limits
are settings (`XlsxLimits`, or the environment variables below), documented in docs/cli.md under `chanye import`.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from chanye.errors import InputError

_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Z]{1,3})([0-9]{1,7})"')
_CHUNK = 1 << 20
_OVERLAP = 256  # a cell tag cut by a chunk boundary is seen whole in the next window


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else default


@dataclass(frozen=True)
class XlsxLimits:
    """`max_cells`: rows x columns of a sheet's used range; `max_part_bytes`: one sheet's XML, uncompressed;
    `max_ratio`: uncompressed / compressed size of a part larger than `ratio_min_bytes`."""

    max_cells: int = 50_000_000  # e.g. 1,048,576 rows x 47 columns
    max_part_bytes: int = 1 << 30  # 1 GiB of XML
    max_ratio: int = 250  # real sheets compress 5-30x; a bomb several hundred or thousand times
    ratio_min_bytes: int = 10 << 20

    @classmethod
    def from_env(cls) -> XlsxLimits:
        """Limits from CHANYE_XLSX_MAX_CELLS, CHANYE_XLSX_MAX_PART_BYTES and CHANYE_XLSX_MAX_RATIO."""
        base = cls()
        return cls(
            max_cells=_env_int("CHANYE_XLSX_MAX_CELLS", base.max_cells),
            max_part_bytes=_env_int("CHANYE_XLSX_MAX_PART_BYTES", base.max_part_bytes),
            max_ratio=_env_int("CHANYE_XLSX_MAX_RATIO", base.max_ratio),
        )


def column_number(letters: bytes | str) -> int:
    """A1-style column letters -> 1-based number: A = 1, Z = 26, AA = 27, XFD = 16384."""
    text = letters.decode() if isinstance(letters, bytes) else letters
    number = 0
    for ch in text:
        number = number * 26 + (ord(ch) - 64)
    return number


def used_range(stream, chunk: int = _CHUNK) -> tuple[int, int]:
    """(last row, last column) referenced by any cell of a worksheet's XML stream; (0, 0) for none."""
    rows = cols = 0
    tail = b""
    while True:
        data = stream.read(chunk)
        if not data:
            break
        window = tail + data
        for letters, digits in _CELL_REF.findall(window):
            rows = max(rows, int(digits))
            cols = max(cols, column_number(letters))
        tail = window[-_OVERLAP:]
    return rows, cols


def _sheet_names(book: zipfile.ZipFile) -> dict[str, str]:
    """worksheet part -> sheet name, from workbook.xml and its relationships (part name when unknown)."""
    try:
        workbook = book.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = book.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {}
    for rel in re.findall(r"<Relationship\b[^>]*>", rels):
        rid, target = re.search(r'Id="([^"]+)"', rel), re.search(r'Target="([^"]+)"', rel)
        if rid and target:
            path = target.group(1).lstrip("/")
            targets[rid.group(1)] = path if path.startswith("xl/") else "xl/" + path
    names = {}
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        name, rid = re.search(r'name="([^"]*)"', tag), re.search(r'r:id="([^"]+)"', tag)
        if name and rid and rid.group(1) in targets:
            names[targets[rid.group(1)]] = name.group(1)
    return names


def check_workbook(path: str | Path, limits: XlsxLimits | None = None) -> dict[str, tuple[int, int]]:
    """Refuse (InputError) a workbook whose sheets exceed `limits`; else each sheet's used range (rows,
    columns). A file that is not a zip is left to the reader, which names it unreadable ({} here)."""
    limits = limits or XlsxLimits.from_env()
    path = Path(path)
    ranges: dict[str, tuple[int, int]] = {}
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return ranges
    with book:
        names = _sheet_names(book)
        for info in book.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            sheet = names.get(info.filename, info.filename)
            where = f"{path.name} 工作表 {sheet}"
            if info.file_size > limits.max_part_bytes:
                raise InputError(
                    f"{where}: 解压后 {info.file_size:,} 字节，超过上限 {limits.max_part_bytes:,} "
                    "(sheet too large when uncompressed)",
                    hint="拆分文件或另存为 CSV；上限可用 CHANYE_XLSX_MAX_PART_BYTES 调整",
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limits.ratio_min_bytes and ratio > limits.max_ratio:
                raise InputError(
                    f"{where}: 压缩比 {ratio:,.0f} 倍，超过上限 {limits.max_ratio} 倍，疑似压缩炸弹 "
                    "(compression ratio too high: a zip bomb?)",
                    hint="另存为普通 XLSX 或 CSV；上限可用 CHANYE_XLSX_MAX_RATIO 调整",
                )
            with book.open(info) as stream:
                rows, cols = used_range(stream)
            if rows * cols > limits.max_cells:
                raise InputError(
                    f"{where}: 已用区域 {rows:,} 行 × {cols:,} 列 = {rows * cols:,} 个单元格，超过上限 "
                    f"{limits.max_cells:,} (used range too large: a stray cell far away?)",
                    hint="删除远处的空白或孤立单元格后另存，或另存为 CSV；上限可用 CHANYE_XLSX_MAX_CELLS 调整",
                )
            ranges[sheet] = (rows, cols)
    return ranges
