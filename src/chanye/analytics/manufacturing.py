"""产业第一、制造业立市 (issue 13 §5): manufacturing's share of firms, revenue and value added, its change and
its trend; manufacturing's share of value added (GDP) in an input-output table.

Pure numpy/pandas on machine-keyed frames; the service (`services.manufacturing`) feeds it registry sums and
shipped IO tables. Shares are percent; changes are percentage points (pp); a trend is the least-squares slope
of a share on the year (pp per year), NaN with fewer than two years.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SHARES = (("firms", "mfg_firms", "firms_share"), ("revenue", "mfg_revenue", "revenue_share"),
          ("value_added", "mfg_value_added", "va_share"))


def share(part: np.ndarray | float, whole: np.ndarray | float) -> np.ndarray:
    """100 · part / whole, NaN where whole is 0 (no firms: no share, not 0%)."""
    part, whole = np.asarray(part, float), np.asarray(whole, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole > 0, 100.0 * part / np.where(whole > 0, whole, 1.0), np.nan)


def slope(years: np.ndarray, values: np.ndarray) -> float:
    """The ordinary least-squares slope of `values` on `years` (units of values per year), over the finite
    values; NaN with fewer than two distinct years."""
    x, y = np.asarray(years, float), np.asarray(values, float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(np.unique(x)) < 2:
        return float("nan")
    dx = x - x.mean()
    return float((dx * (y - y.mean())).sum() / (dx * dx).sum())


def share_panel(frame: pd.DataFrame) -> pd.DataFrame:
    """Given one row per `area` and `year` with totals (`firms`, `revenue`, `value_added`) and manufacturing's
    parts (`mfg_firms`, `mfg_revenue`, `mfg_value_added`), add `firms_share`, `revenue_share`, `va_share`
    (percent), `revenue_share_change` and `va_share_change` (pp against the area's previous year in the frame;
    NaN for its first) and `revenue_share_trend` (pp per year over all the area's years). Sorted by area, year."""
    out = frame.sort_values(["area", "year"]).reset_index(drop=True).copy()
    for whole, part, key in SHARES:
        out[key] = share(out[part].to_numpy(float), out[whole].to_numpy(float))
    by_area = out.groupby("area", sort=False)
    for key in ("revenue_share", "va_share"):
        out[f"{key}_change"] = out[key] - by_area[key].shift(1)
    trends = {area: slope(part["year"].to_numpy(), part["revenue_share"].to_numpy()) for area, part in by_area}
    out["revenue_share_trend"] = out["area"].map(trends).astype(float)
    return out


def group_share(values: np.ndarray, weights: np.ndarray) -> float:
    """100 · Σ w_j v_j / Σ v_j: the share of a total (value added, output) that falls in a group of sectors,
    `weights` the fraction of each sector in the group (0..1)."""
    values, weights = np.asarray(values, float), np.asarray(weights, float)
    total = values.sum()
    return float(100.0 * (weights * values).sum() / total) if total > 0 else float("nan")
