"""GB/T 4754-2017 国民经济行业分类 (Industrial classification for national economic activities).

The standard has four levels: 20 门类 (sections, letters A..T), 97 大类 (divisions, 2 digits),
473 中类 (groups, 3 digits) and 1,381 小类 (classes, 4 digits). The curated table ships in
`data/gbt4754_2017.csv` (columns code,name,level,parent,section,note; note is the standard's 说明 where a
source has one) and is rebuilt by `tools/build_data.py`; SOURCES.md says where it comes from and what the
build reconciled.

The 2011 -> 2017 小类 crosswalk (对照表, the standard's appendix) ships in `data/gbt4754_2011_2017.csv`, one
row per (2011 小类, 2017 小类) pair, 1,401 rows:

- code_2011, name_2011: the GB/T 4754-2011 小类 and its name as printed in the appendix. The appendix cuts
  long names at its column width; the 9 left cut are listed in SOURCES.md. Empty for the 7 codes whose
  name the appendix never prints on their own row (1363, 3589, 5173, 5292, 5293, 7272, 7279).
- code_2017, name_2017: the GB/T 4754-2017 小类 and its (full, reconciled) name.
- remark: the appendix's 备注 as printed (e.g. "新增，将原 0169 分解"), also cut at its column width.
- pdf_page: the page of the standard's PDF the row was read from.

A 2011 code that maps to several 2017 codes was split (e.g. 0169 -> 0164 茶叶种植, 0169 其他饮料作物种植);
several 2011 codes that map to one 2017 code were merged.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
import unicodedata
from dataclasses import dataclass, fields
from importlib import resources
from typing import TYPE_CHECKING, Any

from chanye.errors import UnknownCode

if TYPE_CHECKING:
    import pandas

LEVELS = ("section", "division", "group", "class")  # 门类 大类 中类 小类
LEVEL_ZH = {"section": "门类", "division": "大类", "group": "中类", "class": "小类"}

STANDARD_CSV = "gbt4754_2017.csv"
CROSSWALK_CSV = "gbt4754_2011_2017.csv"
CROSSWALK_COLUMNS = ("code_2011", "name_2011", "code_2017", "name_2017", "remark", "pdf_page")
MANUFACTURING = "C"


@dataclass(frozen=True)
class IndustryClass:
    """One code of the standard at any level (门类, 大类, 中类 or 小类)."""

    code: str
    name: str
    level: str
    parent: str | None
    section: str
    note: str

    @property
    def level_zh(self) -> str:
        return LEVEL_ZH[self.level]


class Gbt4754:
    """The whole standard, indexed by code. Lookups accept anything `normalise_code` accepts."""

    def __init__(self, classes: list[IndustryClass]) -> None:
        self._classes = list(classes)
        self._by_code = {c.code: c for c in self._classes}
        self._children: dict[str, list[IndustryClass]] = {}
        for c in self._classes:
            if c.parent is not None:
                self._children.setdefault(c.parent, []).append(c)

    def __contains__(self, code: object) -> bool:
        return self._find(code) is not None

    def __len__(self) -> int:
        return len(self._classes)

    def __repr__(self) -> str:
        return f"<Gbt4754 {len(self)} codes>"

    def _find(self, code: object) -> IndustryClass | None:
        try:
            key = normalise_code(code)
        except (TypeError, ValueError):
            return None
        return self._by_code.get(key) if key is not None else None

    def get(self, code: object) -> IndustryClass:
        """The class for `code`; raises UnknownCode when the standard has no such code."""
        found = self._find(code)
        if found is None:
            raise UnknownCode(
                f"国民经济行业分类（GB/T 4754-2017）中没有代码 {code!r} / "
                f"GB/T 4754-2017 has no code {code!r}",
                hint="门类为字母 A-T，大类 2 位，中类 3 位，小类 4 位 / sections A-T, then 2, 3 or 4 digits",
            )
        return found

    def name(self, code: object) -> str:
        return self.get(code).name

    def classes(self, level: str | None = None) -> list[IndustryClass]:
        """Every code (or those of one level), in code order: each 门类 followed by its codes, depth first."""
        if level is None:
            return list(self._classes)
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
        return [c for c in self._classes if c.level == level]

    def children(self, code: object) -> list[IndustryClass]:
        """The codes one level below `code` (a 小类 has none)."""
        return list(self._children.get(self.get(code).code, []))

    def small_classes_under(self, code: object) -> list[str]:
        """Every 小类 code under a 门类, 大类 or 中类, in code order; `[code]` for a 小类 itself."""
        top = self.get(code)
        if top.level == "class":
            return [top.code]
        out: list[str] = []
        stack = [top]
        while stack:
            node = stack.pop()
            kids = self._children.get(node.code, [])
            if node.level == "class":
                out.append(node.code)
            stack.extend(reversed(kids))
        return out

    def is_manufacturing(self, code: object) -> bool:
        """True when `code` lies in 门类 C 制造业 (manufacturing); raises UnknownCode for unknown codes."""
        return self.get(code).section == MANUFACTURING

    def frame(self) -> pandas.DataFrame:
        """The standard as a new DataFrame: code,name,level,parent,section,note (门类: parent None)."""
        import pandas as pd

        return pd.DataFrame(
            [[getattr(c, f.name) for f in fields(IndustryClass)] for c in self._classes],
            columns=[f.name for f in fields(IndustryClass)],
        )


def _read_rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("chanye.standards").joinpath("data", filename).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@functools.cache
def load() -> Gbt4754:
    """The shipped GB/T 4754-2017 table (read once per process)."""
    return Gbt4754(
        [
            IndustryClass(
                code=r["code"],
                name=r["name"],
                level=r["level"],
                parent=r["parent"] or None,
                section=r["section"],
                note=r["note"],
            )
            for r in _read_rows(STANDARD_CSV)
        ]
    )


@functools.cache
def _crosswalk_rows() -> tuple[dict[str, str], ...]:
    return tuple(_read_rows(CROSSWALK_CSV))


@functools.cache
def _crosswalk_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for r in _crosswalk_rows():
        index.setdefault(r["code_2011"], []).append(r["code_2017"])
    return {k: tuple(sorted(v)) for k, v in index.items()}


def crosswalk_2011() -> pandas.DataFrame:
    """The GB/T 4754-2011 -> 2017 小类 crosswalk as a new DataFrame (columns in the module docstring)."""
    import pandas as pd

    return pd.DataFrame(list(_crosswalk_rows()), columns=list(CROSSWALK_COLUMNS))


def map_2011_code(code: object) -> list[str]:
    """The 2017 小类 codes a 2011 小类 code became, in code order; [] when the 2011 code is unknown.
    A 2011 小类 has 4 digits, so a number Excel stripped of its leading zero (169) is read as 0169."""
    key = normalise_code(code, digits=4)
    if key is None:
        return []
    return list(_crosswalk_index().get(key, ()))


_SECTION_PREFIX = re.compile(r"^([A-T])[-_.]?(\d+)$")
_EXCEL_FLOAT = re.compile(r"^(\d+)\.0*$")


def normalise_code(raw: Any, digits: int | None = None) -> str | None:
    """A GB/T 4754 code in canonical form, or None for a blank.

    Strips spaces (full-width too) and turns full-width digits ASCII; accepts 'C3670' (门类 letter + code),
    '3670.0' and 3670.0 (Excel), int 3670, 'c' -> 'C'. It does not check that the code exists: anything else
    comes back cleaned but otherwise as given. Excel drops leading zeros ('0111' -> 111), which cannot be
    undone without knowing the level: pass `digits=4` (or 2, 3) to left-pad a numeric code to that width.
    """
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, float):
        if math.isnan(raw):
            return None
        text = str(int(raw)) if raw.is_integer() else repr(raw)
    else:
        try:
            if raw != raw:  # pandas.NA / numpy NaN without importing them
                return None
        except (TypeError, ValueError):
            return None
        text = str(raw)
    text = "".join(unicodedata.normalize("NFKC", text).split())
    if not text:
        return None
    text = text.upper()
    m = _SECTION_PREFIX.match(text)
    if m:
        text = m.group(2)
    m = _EXCEL_FLOAT.match(text)
    if m:
        text = m.group(1)
    if digits is not None and text.isdigit():
        text = text.zfill(digits)
    return text
