"""The report's period: a year (2024), a quarter (2024Q4) or a month (2024-12).

The registry holds yearly figures only. A period that ends with its year (Q4, December: the cumulative
1—12月 figures Chinese statistics report) is reported from that year's figures, with a note saying so; any
other quarter or month has no data and gets a clear message instead of a year's figures passed off as it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from chanye.errors import InputError

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})\s*[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})(?:-|/|\.|M|m)?(\d{1,2})$")
HINT = "例如 --period 2024、2024Q4 或 2024-12 (e.g. 2024, 2024Q4 or 2024-12)"


@dataclass(frozen=True)
class Period:
    text: str  # as given, normalised: '2024', '2024Q4', '2024-12'
    year: int
    kind: Literal["year", "quarter", "month"]

    @property
    def annual(self) -> bool:
        """True when the period is a year; a Q4 or December period is reported from its year's figures."""
        return self.kind == "year"


def parse(text: str | int | None, *, default_year: int | None = None) -> Period:
    """`None` means the latest year (`default_year`)."""
    if text is None or str(text).strip() == "":
        if default_year is None:
            raise InputError("没有可报告的年份 (no year to report)", hint=HINT)
        return Period(str(default_year), default_year, "year")
    raw = str(text).strip()
    if m := _YEAR.match(raw):
        return Period(raw, int(m[1]), "year")
    if m := _QUARTER.match(raw):
        year, quarter = int(m[1]), int(m[2])
        if quarter != 4:
            raise InputError(f"报告期 {raw} 无法编制：登记库只有年度数据，只能按年、第四季度或12月报告 "
                             f"(the registry holds yearly data only: a report covers a year, Q4 or December)",
                             hint=f"改用 --period {year} 或 {year}Q4")
        return Period(f"{year}Q4", year, "quarter")
    if (m := _MONTH.match(raw)) and 1 <= int(m[2]) <= 12:
        year, month = int(m[1]), int(m[2])
        if month != 12:
            raise InputError(f"报告期 {raw} 无法编制：登记库只有年度数据，只能按年、第四季度或12月报告 "
                             f"(the registry holds yearly data only: a report covers a year, Q4 or December)",
                             hint=f"改用 --period {year} 或 {year}-12")
        return Period(f"{year}-12", year, "month")
    raise InputError(f"看不懂的报告期 {raw[:20]!r} (unreadable period)", hint=HINT)
