"""`Table.cells()` and `plain()` (services/results.py): the JSON rows of every /api/v1 table. Issue 14 item 2 gave
the common values (str, int, None, floats, numpy float64, lists of strings, {zh, en} names) a short way through
the loop; these tests hold every kind of value to the result worked out by hand, so the short way and `plain`
give the same cells."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from chanye.services.results import PACK, REGISTRY, SYNTHETIC, Column, Provenance, plain, table

COLUMNS = (
    Column("name", "name"),
    Column("code", "code"),
    Column("revenue", "number", "wan_yuan"),
    Column("firms", "integer", "firms"),
    Column("year", "year"),
    Column("tags", "list"),
    Column("flag", "boolean"),
    Column("value", "number", unit_from="unit", provenance="value_source"),
    Column("note", "text"),
)


def test_cells_of_every_kind_of_value() -> None:
    rows = [
        {"name": {"zh": "黄埔区", "en": "Huangpu"}, "code": "440112", "revenue": np.float64(2479348.8569178306),
         "firms": np.float64(7805.0), "year": 2024.0, "tags": ["above_scale", "listed"], "flag": True,
         "value": 1.5, "unit": "percent", "value_source": "nbs_2024", "note": None},
        {"name": {"zh": "天河区", "en": None}, "code": np.str_("440106"), "revenue": np.float64("nan"),
         "firms": 12, "year": np.int64(2023), "tags": ("srdi", np.str_("high_tech")), "flag": np.bool_(False),
         "value": math.inf, "unit": None, "value_source": None, "note": pd.NA, "provenance": "registry"},
        {"name": {1: "x"}, "code": None, "revenue": -math.inf, "firms": 7.5, "year": pd.NaT, "tags": [],
         "flag": None, "value": Decimal("2.50"), "unit": "yuan", "note": pd.Timestamp("2024-05-01"),
         "revenue_extra": 1},
    ]
    cells = table("t", COLUMNS, rows, SYNTHETIC).cells()
    assert cells == [
        {"name": {"zh": "黄埔区", "en": "Huangpu"}, "code": "440112",
         "revenue": {"value": 2479348.8569178306, "unit": "wan_yuan", "provenance": "synthetic"},
         "firms": {"value": 7805, "unit": "firms", "provenance": "synthetic"}, "year": 2024,
         "tags": ["above_scale", "listed"], "flag": True,
         "value": {"value": 1.5, "unit": "percent", "provenance": "nbs_2024"}, "note": None},
        {"name": {"zh": "天河区", "en": None}, "code": "440106",
         "revenue": {"value": None, "unit": "wan_yuan", "provenance": "registry"},
         "firms": {"value": 12, "unit": "firms", "provenance": "registry"}, "year": 2023,
         "tags": ["srdi", "high_tech"], "flag": False,
         "value": {"value": None, "unit": None, "provenance": "registry"}, "note": None},
        {"name": {"1": "x"}, "code": None,
         "revenue": {"value": None, "unit": "wan_yuan", "provenance": "synthetic"},
         "firms": {"value": 7.5, "unit": "firms", "provenance": "synthetic"}, "year": None, "tags": [],
         "flag": None, "value": {"value": "2.50", "unit": "yuan", "provenance": "synthetic"},
         "note": "2024-05-01 00:00:00"},
    ]
    # the types: whole floats of integer/year columns become ints, numpy scalars Python ones; numpy's float64 and
    # str_ are a float and a str already and stay what they are, as `plain` always left them (JSON writes the same)
    first, second, _ = cells
    assert [type(v) for v in (first["firms"]["value"], first["year"], second["code"], second["year"],
                              second["flag"], second["tags"][1], first["revenue"]["value"])] == [
        int, int, np.str_, int, bool, np.str_, np.float64]


def test_cells_are_copies_of_the_rows_lists_and_names() -> None:
    row = {"name": {"zh": "甲", "en": "A"}, "tags": ["x"]}
    cells = table("t", (Column("name", "name"), Column("tags", "list")), [row], PACK).cells()
    cells[0]["name"]["zh"] = "乙"
    cells[0]["tags"].append("y")
    assert row == {"name": {"zh": "甲", "en": "A"}, "tags": ["x"]}


@pytest.mark.parametrize(("value", "expected"), [
    (None, None), ("a", "a"), (True, True), (3, 3), (2.5, 2.5), (math.nan, None), (-math.inf, None),
    (np.float64(1.0), np.float64(1.0)), (np.int64(4), 4), (np.float32(0.5), 0.5), (pd.NA, None), (pd.NaT, None),
    (["a", "b"], ["a", "b"]), (("a", np.int64(1), math.nan), ["a", 1, None]), ({"b"}, ["b"]),
    ({"zh": "名", "en": "name"}, {"zh": "名", "en": "name"}), ({2: np.float64("nan")}, {"2": None}),
    (Decimal("1.10"), "1.10"),
])
def test_plain(value, expected) -> None:
    assert plain(value) == expected
    assert type(plain(value)) is type(expected)


def test_a_row_provenance_and_a_published_column_provenance() -> None:
    columns = (Column("a", "number", "count"), Column("b", "number", "count", provenance="b_source"))
    rows = [{"a": 1, "b": 2, "b_source": "gz_stats_2024"}, {"a": 3, "b": 4, "provenance": "synthetic"}]
    assert table("t", columns, rows, REGISTRY).cells() == [
        {"a": {"value": 1, "unit": "count", "provenance": "registry"},
         "b": {"value": 2, "unit": "count", "provenance": "gz_stats_2024"}},
        {"a": {"value": 3, "unit": "count", "provenance": "synthetic"},
         "b": {"value": 4, "unit": "count", "provenance": "synthetic"}},
    ]
    assert Provenance.parse("gz_stats_2024") == Provenance("published", "gz_stats_2024")
