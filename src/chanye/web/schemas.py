"""Response models of /api/v1: what /openapi.json documents. Tables travel as `TablePayload` (machine keys,
a `columns` block with zh/en labels and units, number cells {value, unit, provenance})."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Cell(BaseModel):
    """A number with its machine unit and provenance ('synthetic', 'registry', 'pack' or a source id)."""

    value: float | int | None
    unit: str | None
    provenance: str | None


class ColumnInfo(BaseModel):
    key: str = Field(description="machine key (snake_case) of the rows' field")
    label: str
    label_zh: str
    label_en: str
    type: str = Field(description="text, name, number, integer, year, boolean, code, list or provenance")
    unit: str | None = Field(None, description="machine unit of a number column (yi_yuan, percent, firms, ...)")
    unit_label: str | None = None


class TablePayload(BaseModel):
    """A typed table: number cells are `Cell`s; name cells {zh, en}."""

    model_config = ConfigDict(extra="allow")

    name: str
    title: str
    provenance: str
    synthetic: bool
    columns: list[ColumnInfo]
    rows: list[dict[str, Any]]


class Point(BaseModel):
    year: int
    metric: str
    value: Cell


class SeriesPayload(BaseModel):
    node: str
    area: str
    synthetic: bool
    points: list[Point]
