"""Typed results: what every service returns and every presenter reads.

A `Table` has columns with stable machine keys (snake_case) and rows keyed by them. A number cell carries its
value, a machine unit (`yi_yuan`, `percent`, ...) and a `Provenance`; labels in Chinese or English are the
presentation layer's business (`chanye.present`), never the service's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

ProvenanceKind = Literal["synthetic", "registry", "published", "pack"]
ColumnType = Literal["text", "name", "number", "integer", "year", "boolean", "code", "list", "provenance"]

# Machine units; `chanye.present.labels` names each in Chinese and English.
UNITS = frozenset({"yuan", "wan_yuan", "yi_yuan", "percent", "pp", "ratio", "score", "firms", "persons", "count",
                   "year", "km", "wan_yuan_per_person", "rows", "tce", "wan_vehicles", "rank",
                   "days", "mu",  # days, mu (亩): issue 12 projects
                   "pp_per_year", "t_co2", "kgce_per_wan_yuan", "kg_co2_per_wan_yuan"})  # issue 13 items 5-6
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_INFINITIES = (math.inf, -math.inf)
_FLOAT64 = np.float64


@dataclass(frozen=True)
class Provenance:
    """Where a number comes from: synthetic demo data (示例数据), the registry (data users imported), a
    published figure (`source` is the id of its source in the pack), or the framework pack itself."""

    kind: ProvenanceKind
    source: str | None = None

    @property
    def key(self) -> str:
        """The value JSON carries: 'synthetic', 'registry', 'pack', or the published source's id."""
        return self.source if self.kind == "published" and self.source else self.kind

    @classmethod
    def of_data(cls, synthetic: bool) -> Provenance:
        return SYNTHETIC if synthetic else REGISTRY

    @classmethod
    def parse(cls, key: str | None) -> Provenance | None:
        """The inverse of `key`: a kind, or the id of a published source."""
        if not key:
            return None
        return cls(key) if key in ("synthetic", "registry", "pack") else cls("published", key)


SYNTHETIC = Provenance("synthetic")
REGISTRY = Provenance("registry")
PACK = Provenance("pack")


@dataclass(frozen=True)
class Column:
    """One column: its machine key, type and unit. `label` names a label-table entry when it differs from the
    key; `unit_from` names the row field holding the unit when rows differ (published figures); `provenance`
    names the row field that holds this column's provenance when it is not the row's (a published value next
    to a registry value); `codes` names the label group of coded values (statuses, kinds) so presenters
    translate them; `names` gives the header from data (a pack's metric name). A `name` column's cells hold
    {"zh": ..., "en": ...}."""

    key: str
    type: ColumnType = "text"
    unit: str | None = None
    label: str | None = None
    provenance: str | None = None
    codes: str | None = None
    unit_from: str | None = None
    names: tuple[str, str] | None = None  # (zh, en) from the data (a pack's metric), ahead of the label table

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise ValueError(f"column key {self.key!r} is not snake_case")
        if self.type in ("number", "integer") and self.unit not in UNITS and not self.unit_from:
            raise ValueError(f"number column {self.key!r} needs a unit from UNITS, not {self.unit!r}")

    @property
    def is_number(self) -> bool:
        return self.type in ("number", "integer")


@dataclass(frozen=True)
class Table:
    """A table with machine keys. Each row is a mapping of column key -> value; a row may carry its own
    provenance under `provenance` (its key), else the table's applies."""

    name: str
    columns: tuple[Column, ...]
    rows: tuple[Mapping[str, Any], ...]
    provenance: Provenance
    meta: Mapping[str, Any] = field(default_factory=dict)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def row_provenance(self, row: Mapping[str, Any]) -> str:
        return row.get("provenance") or self.provenance.key

    def frame(self) -> pd.DataFrame:
        """The rows as a frame with the machine keys as columns (for analysis and tests)."""
        return pd.DataFrame([{k: r.get(k) for k in self.keys} for r in self.rows], columns=self.keys)

    def cells(self) -> list[dict[str, Any]]:
        """JSON rows: every number as {value, unit, provenance}; other values JSON-safe."""
        # The columns' decisions are taken once, not once per cell, and the common values (str, int, None,
        # finite floats) skip `plain` (issue 14 item 2: this loop was a third of an uncached search page's CPU).
        # Same values as `plain` cell by cell: only exact builtin types take the short way.
        plan = [(c.key, c.is_number, c.type in ("integer", "year"), c.provenance, c.unit_from, c.unit)
                for c in self.columns]
        table_provenance = self.provenance.key
        out = []
        for row in self.rows:
            get = row.get
            row_provenance = get("provenance") or table_provenance
            record = {}
            for key, number, whole, prov_from, unit_from, unit in plan:
                value = get(key)
                kind = type(value)
                if kind is float or kind is _FLOAT64:  # numpy's float64 stays one, as `plain` leaves it
                    if value != value or value in _INFINITIES:
                        value = None
                    elif whole and value.is_integer():
                        value = int(value)
                elif not (value is None or kind is str or kind is int or kind is bool):
                    value = plain(value)
                    if whole and isinstance(value, float) and value.is_integer():
                        value = int(value)
                if number:
                    prov = get(prov_from) if prov_from else None
                    record[key] = {"value": value, "unit": get(unit_from) if unit_from else unit,
                                   "provenance": prov or row_provenance}
                else:
                    record[key] = value
            out.append(record)
        return out


def table(name: str, columns: Iterable[Column], rows: Iterable[Mapping[str, Any]], provenance: Provenance,
          **meta: Any) -> Table:
    return Table(name, tuple(columns), tuple(rows), provenance, meta)


def plain(value: Any) -> Any:
    """A value JSON can carry: NaN/NA -> None, numpy scalars -> Python, containers element-wise."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, int):
        return value
    if isinstance(value, (list, tuple, set)):
        # a list of plain strings (tags, node names) is copied as it is
        if all(type(v) is str for v in value):
            return list(value)
        return [plain(v) for v in value]
    if isinstance(value, dict):
        # names ({"zh": ..., "en": ...}) are copied as they are
        if all(type(k) is str and type(v) is str for k, v in value.items()):
            return dict(value)
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, "item"):  # numpy scalar
        return plain(value.item())
    if value is pd.NA or value is pd.NaT:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)
