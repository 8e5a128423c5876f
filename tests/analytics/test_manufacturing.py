"""制造业立市 (issue 13 §5): shares, their change and trend, and a group's share of a total, worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from chanye.analytics import manufacturing as mfg


def test_share_panel_by_hand() -> None:
    frame = pd.DataFrame([
        # area X over three years; Y one year (no change, no trend)
        {"area": "X", "year": 2023, "firms": 10, "mfg_firms": 5, "revenue": 300.0, "mfg_revenue": 90.0,
         "value_added": 80.0, "mfg_value_added": 20.0},
        {"area": "X", "year": 2022, "firms": 10, "mfg_firms": 4, "revenue": 200.0, "mfg_revenue": 50.0,
         "value_added": 60.0, "mfg_value_added": 30.0},
        {"area": "X", "year": 2024, "firms": 8, "mfg_firms": 2, "revenue": 400.0, "mfg_revenue": 140.0,
         "value_added": 0.0, "mfg_value_added": 0.0},
        {"area": "Y", "year": 2024, "firms": 4, "mfg_firms": 1, "revenue": 0.0, "mfg_revenue": 0.0,
         "value_added": 5.0, "mfg_value_added": 5.0},
    ])
    out = mfg.share_panel(frame)
    assert out.columns.tolist() == [*frame.columns, "firms_share", "revenue_share", "va_share",
                                    "revenue_share_change", "va_share_change", "revenue_share_trend"]
    assert out.index.tolist() == [0, 1, 2, 3]
    x = out[out["area"] == "X"]
    assert x["year"].tolist() == [2022, 2023, 2024]  # sorted by area, year
    assert x["firms_share"].tolist() == [40.0, 50.0, 25.0]
    assert x["revenue_share"].tolist() == [25.0, 30.0, 35.0]
    assert x["va_share"].iloc[:2].tolist() == [50.0, 25.0] and math.isnan(x["va_share"].iloc[2])  # no VA: no share
    assert math.isnan(x["revenue_share_change"].iloc[0]) and x["revenue_share_change"].iloc[1:].tolist() == [5.0, 5.0]
    assert x["va_share_change"].iloc[1] == -25.0 and math.isnan(x["va_share_change"].iloc[2])
    assert np.allclose(x["revenue_share_trend"], 5.0, rtol=0, atol=1e-12)  # 25, 30, 35: 5 pp a year
    y = out[out["area"] == "Y"].iloc[0]
    assert math.isnan(y["revenue_share"]) and y["va_share"] == 100.0 and y["firms_share"] == 25.0
    assert math.isnan(y["revenue_share_change"]) and math.isnan(y["revenue_share_trend"])


def test_slope_share_and_group_share() -> None:
    # y = x − 2019 on uneven years: slope exactly 1
    assert math.isclose(mfg.slope(np.array([2020, 2021, 2023]), np.array([1.0, 2.0, 4.0])), 1.0, rel_tol=1e-12)
    assert math.isnan(mfg.slope(np.array([2020, 2020]), np.array([1.0, 3.0])))  # one distinct year
    assert math.isclose(mfg.slope(np.array([2020, 2021, 2022]), np.array([1.0, np.nan, 3.0])), 1.0, rel_tol=1e-12)
    assert mfg.share(np.array([1.0, 2.0]), np.array([4.0, 0.0]))[0] == 25.0
    assert math.isnan(mfg.share(np.array([1.0, 2.0]), np.array([4.0, 0.0]))[1])
    # (10·1 + 30·0.5 + 60·0) / 100 = 25%
    assert mfg.group_share(np.array([10.0, 30.0, 60.0]), np.array([1.0, 0.5, 0.0])) == 25.0
    assert math.isnan(mfg.group_share(np.zeros(2), np.ones(2)))


def test_shares_of_totals_under_one() -> None:
    # Totals between 0 and 1 (shares of 亿元 sums) are totals like any other: 0.2 of 0.5 is 40%.
    assert mfg.share(np.array([0.2, 0.6]), np.array([0.5, 0.5])).tolist() == [40.0, 120.0]
    assert mfg.share(0.25, 0.5).item() == 50.0
    assert mfg.group_share(np.array([0.2, 0.3]), np.array([1.0, 0.0])) == 40.0
    # Integer inputs divide as floats.
    assert mfg.share(np.array([1]), np.array([3])).tolist() == [100.0 / 3.0]
    assert mfg.group_share(np.array([1, 2]), np.array([1, 0])) == 100.0 / 3.0
    # A negative total (net losses) has no share.
    assert math.isnan(mfg.group_share(np.array([-2.0, 1.0]), np.array([1.0, 0.0])))
