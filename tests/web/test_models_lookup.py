"""Issue 14 item 2 (a server that stays small): `web.models.Lookup` keeps the scoreboard's cells as sorted arrays
instead of a dict of tuple keys, with the dict's answers: a cell's value (None for a missing, NaN or infinite one),
its provenance (the board's when the cell is missing), the last of duplicate keys."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd

from chanye.web.models import Lookup


def _frame(rows: list[tuple], indicator: bool) -> pd.DataFrame:
    columns = ["node", "area_type", "area", "year", "metric", *(["indicator"] if indicator else []), "value",
               "provenance"]
    return pd.DataFrame(rows, columns=columns)


def _board(synthetic: bool = False) -> SimpleNamespace:
    scale = _frame([
        ("ev", "city", "100100", 2023, "revenue", 12.5, "registry"),
        ("ev", "city", "100100", 2024, "revenue", 15.0, "synthetic"),
        ("ev", "district", "100101", 2024, "revenue", math.nan, "registry"),
        ("ev", "district", "100102", 2024, "revenue", math.inf, "registry"),
        ("all", "district", "100101", 2024, "enterprises", 7.0, "registry"),
        ("ev", "city", "100100", 2024, "revenue", 16.0, "registry"),  # a duplicate key: the last wins
    ], indicator=False)
    dynamics = _frame([
        ("ev", "city", "100100", 2024, "revenue", "yoy", 20.0, "registry"),
        ("ev", "city", "100100", 2024, "revenue", "share", 0.25, "registry"),
    ], indicator=True)
    structure = _frame([("ev", "district", "100101", 2024, "revenue", "lq", 1.5, "synthetic")], indicator=True)
    return SimpleNamespace(scale=scale, dynamics=dynamics, structure=structure, synthetic=synthetic)


def test_lookup_answers_as_the_dict_did() -> None:
    lk = Lookup(_board())
    assert lk.get("scale", "ev", "city", "100100", 2023, "revenue") == 12.5
    assert lk.get("scale", "ev", "city", "100100", 2024, "revenue") == 16.0
    assert lk.prov("scale", "ev", "city", "100100", 2024, "revenue") == "registry"
    assert lk.prov("scale", "ev", "city", "100100", 2023, "revenue") == "registry"
    assert lk.get("scale", "ev", "district", "100101", 2024, "revenue") is None  # NaN
    assert lk.get("scale", "ev", "district", "100102", 2024, "revenue") is None  # infinite
    assert lk.prov("scale", "ev", "district", "100102", 2024, "revenue") == "registry"
    assert lk.get("scale", "all", "district", "100101", 2024, "enterprises") == 7.0
    assert lk.get("dynamics", "ev", "city", "100100", 2024, "revenue", "yoy") == 20.0
    assert lk.get("dynamics", "ev", "city", "100100", 2024, "revenue", "share") == 0.25
    assert lk.get("structure", "ev", "district", "100101", 2024, "revenue", "lq") == 1.5
    assert lk.prov("structure", "ev", "district", "100101", 2024, "revenue") == "registry"  # lq is not the None row
    assert type(lk.get("scale", "ev", "city", "100100", 2023, "revenue")) is float


def test_lookup_misses() -> None:
    lk = Lookup(_board())
    assert lk.get("dynamics", "ev", "city", "100100", 2024, "revenue") is None  # no indicator given
    assert lk.get("dynamics", "ev", "city", "100100", 2024, "revenue", "contribution") is None
    assert lk.get("scale", "ev", "city", "100100", 2022, "revenue") is None  # a year with no cell
    assert lk.get("scale", "ev", "district", "100101", 2023, "revenue") is None  # known parts, no such cell
    assert lk.get("scale", "bio", "city", "100100", 2024, "revenue") is None
    assert lk.get("other", "ev", "city", "100100", 2024, "revenue") is None
    assert lk.prov("scale", "bio", "city", "100100", 2024, "revenue") == "registry"
    assert Lookup(_board(synthetic=True)).prov("scale", "bio", "city", "100100", 2024, "revenue") == "synthetic"


def test_lookup_of_an_empty_board() -> None:
    empty = SimpleNamespace(scale=_frame([], False), dynamics=_frame([], True), structure=_frame([], True),
                            synthetic=False)
    lk = Lookup(empty)
    assert lk.get("scale", "ev", "city", "100100", 2024, "revenue") is None
    assert lk.prov("scale", "ev", "city", "100100", 2024, "revenue") == "registry"
