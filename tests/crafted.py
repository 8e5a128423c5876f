"""Crafted input files for the import-isolation tests (issue 17), built at test time, never committed."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"


def sparse_xlsx(path: Path, cells: dict[str, str], sheet: str = "名录") -> Path:
    """A minimal workbook holding only `cells` (A1-style reference -> text, as inline strings). A reader that
    makes the used range dense allocates rows x columns of the farthest cell: {'Z300000': 'x'} is 7.8
    million cells from a file of about 1.6 KB."""
    rows: dict[int, list[str]] = {}
    for ref, text in cells.items():
        cell = f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
        rows.setdefault(int(re.sub(r"[A-Z]", "", ref)), []).append(cell)
    body = "".join(f'<row r="{r}">{"".join(cs)}</row>' for r, cs in sorted(rows.items()))
    parts = {
        "[Content_Types].xml": f'{_HEAD}<Types xmlns="{_PKG}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'{_HEAD}<Relationships xmlns="{_PKG}/relationships"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'{_HEAD}<Relationships xmlns="{_PKG}/relationships"><Relationship '
        f'Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'{_HEAD}<worksheet xmlns="{_MAIN}"><sheetData>{body}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text)
    return path


def dense_bomb(path: Path, far: str = "Z300000") -> Path:
    """A header (USCC, name) and one cell at `far`: the guard's default limits let Z300000 (7.8 million
    cells) through, the reader then needs about 250 MB for the dense range."""
    return sparse_xlsx(path, {"A1": "统一社会信用代码", "B1": "企业名称", far: "x"})
