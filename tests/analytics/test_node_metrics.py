"""Scoreboard indicators come from metrics.yaml (`scoreboard: true`) and analytics.indicators.NODE_METRICS:
the recipe "a new indicator = one YAML entry + one function", followed once here."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from chanye.analytics import indicators as ind
from chanye.errors import InputError
from chanye.framework.model import Metric, Name


def scale_rows(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["scope", "node", "area_type", "area", "year", "metric", "value", "unit",
                                       "provenance"])


FRAME = scale_rows([
    ("node", "cars", "city", "440300", 2024, "revenue", 12.0, "亿元", "registry"),
    ("node", "cars", "city", "440300", 2024, "employees", 3000.0, "人", "registry"),
    ("node", "cars", "district", "440305", 2024, "revenue", 5.0, "亿元", "synthetic"),
    ("node", "cars", "district", "440305", 2024, "employees", 0.0, "人", "registry"),
    ("node", "chips", "city", "440300", 2024, "revenue", 7.0, "亿元", "registry"),
])


def test_revenue_per_employee_by_hand() -> None:
    out = ind.revenue_per_employee(FRAME).set_index(["node", "area"])
    # 12 亿元 = 120,000 万元 over 3,000 persons = 40 万元/人
    assert out.loc[("cars", "440300"), "value"] == 40.0
    # employees 0 and employees missing give no value; a synthetic input makes the result synthetic
    assert math.isnan(out.loc[("cars", "440305"), "value"]) and out.loc[("cars", "440305"), "provenance"] == "synthetic"
    assert math.isnan(out.loc[("chips", "440300"), "value"])
    assert set(out["metric"]) == {"revenue_per_employee"} and set(out["unit"]) == {"万元/人"}


def test_a_new_indicator_is_one_function_and_one_yaml_entry() -> None:
    @ind.node_metric("revenue_twice")
    def revenue_twice(frame: pd.DataFrame) -> pd.DataFrame:
        rows = frame[frame["metric"] == "revenue"].copy()
        return rows.assign(metric="revenue_twice", value=rows["value"] * 2)

    try:
        metric = Metric(id="revenue_twice", name=Name(zh="两倍营业收入", en="Twice the revenue"), unit="亿元",
                        node="root", method="computed", formula="营业收入 × 2", scoreboard=True)
        out = ind.with_node_metrics(FRAME, [metric.id])
        added = out[out["metric"] == "revenue_twice"]
        assert added["value"].tolist() == [24.0, 10.0, 14.0]
        assert len(out) == len(FRAME) + 3
    finally:
        del ind.NODE_METRICS["revenue_twice"]


def test_measures_are_already_in_the_frame_and_unknown_names_fail() -> None:
    assert ind.with_node_metrics(FRAME, ["revenue", "enterprises"]) is FRAME
    with pytest.raises(InputError, match=r"未知的看板指标 \['nope'\] \(unknown scoreboard indicators\)"):
        ind.with_node_metrics(FRAME, ["nope"])


def test_a_scoreboard_metric_is_computed_and_snake_case() -> None:
    with pytest.raises(ValueError, match="a scoreboard metric is computed and its id is the snake_case name"):
        Metric(id="revenue-twice", name=Name(zh="x", en="x"), unit="亿元", node="root", method="computed",
               formula="x", scoreboard=True)
