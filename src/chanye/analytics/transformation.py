"""数智化、绿色化 transformation indicators (issue 13 §6), per group (a district, a node) and year, from
firm-level records.

Input: one row per firm, year and group with `smart_level` (智能制造能力成熟度 1–5), `integration_level`
(两化融合管理体系评定 1–5), `iip_platform`, `digital_workshop`, `smart_factory`, `green_factory` (True, False or
missing), `energy_tce` (吨标准煤), `carbon_tco2` (吨 CO2) and `output` (工业总产值, 万元). Pure pandas.

Definitions (docs/io.md):
- a share (percent) counts the firms that answered that item: missing is not "no";
- 智能化认定 (digital workshop or smart factory): True if either is True, missing if both are;
- energy (carbon) intensity = 1000 · Σ energy / Σ output over the firms reporting both with output > 0
  (千克标准煤 per 万元; 千克 CO2 per 万元);
- its change (percent) against the previous calendar year is like for like: over the firms that report both
  in both years, (ΣE_t / ΣY_t) / (ΣE_{t−1} / ΣY_{t−1}) − 1, so firms entering or leaving do not move it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FLAGS = ("iip_platform", "digital_workshop", "smart_factory", "green_factory")
LEVELS = ("smart_level", "integration_level")
ITEMS = (*LEVELS, *FLAGS, "energy_tce", "carbon_tco2")
LEVEL_THRESHOLD = 3  # 智能制造能力成熟度三级（集成级）及以上


def _flag(series: pd.Series) -> pd.Series:
    """True/False/NaN as float 1/0/NaN."""
    return series.map(lambda v: np.nan if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA
                      else float(bool(v))).astype(float)


def _share(values: pd.Series) -> float:
    answered = values.dropna()
    return float(100.0 * answered.mean()) if len(answered) else float("nan")


def _intensity(energy: pd.Series, output: pd.Series) -> float:
    keep = energy.notna() & output.notna() & (output > 0)
    return float(1000.0 * energy[keep].sum() / output[keep].sum()) if keep.any() else float("nan")  # kg per 万元


def indicators(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per `group` and `year`: `firms` (with any item), the shares `smart_designated_share`,
    `green_factory_share`, `iip_share`, `smart_level3_share` (智能制造 level ≥ 3), `integration_level3_share`
    (percent), the sums `energy_tce` and `carbon_tco2` (over reporting firms), `energy_intensity`,
    `carbon_intensity` and `energy_intensity_change` (percent, like for like; NaN without a previous year)."""
    data = frame.copy()
    for key in FLAGS:
        data[key] = _flag(data[key])
    for key in LEVELS:
        data[key] = pd.to_numeric(data[key], errors="coerce")
    for key in ("energy_tce", "carbon_tco2", "output"):
        data[key] = pd.to_numeric(data[key], errors="coerce")
    data = data[data[list(ITEMS)].notna().any(axis=1)]
    designated = data[["digital_workshop", "smart_factory"]].max(axis=1, skipna=True)  # NaN only if both are
    data = data.assign(designated=designated,
                       level3=np.where(data["smart_level"].notna(), (data["smart_level"] >= LEVEL_THRESHOLD) * 1.0,
                                       np.nan),
                       integ3=np.where(data["integration_level"].notna(),
                                       (data["integration_level"] >= LEVEL_THRESHOLD) * 1.0, np.nan))
    rows = []
    for (group, year), part in data.groupby(["group", "year"], sort=True):
        rows.append({
            "group": group, "year": int(year), "firms": int(part["uscc"].nunique()),
            "smart_designated_share": _share(part["designated"]), "green_factory_share": _share(part["green_factory"]),
            "iip_share": _share(part["iip_platform"]), "smart_level3_share": _share(part["level3"]),
            "integration_level3_share": _share(part["integ3"]),
            "energy_tce": float(part["energy_tce"].sum(min_count=1)),
            "carbon_tco2": float(part["carbon_tco2"].sum(min_count=1)),
            "energy_intensity": _intensity(part["energy_tce"], part["output"]),
            "carbon_intensity": _intensity(part["carbon_tco2"], part["output"]),
            "energy_intensity_change": _like_for_like(data, group, int(year)),
        })
    columns = ["group", "year", "firms", "smart_designated_share", "green_factory_share", "iip_share",
               "smart_level3_share", "integration_level3_share", "energy_tce", "carbon_tco2", "energy_intensity",
               "carbon_intensity", "energy_intensity_change"]
    return pd.DataFrame(rows, columns=columns)


def _like_for_like(data: pd.DataFrame, group, year: int) -> float:
    """Percent change of Σenergy/Σoutput from year − 1 to year over the group's firms reporting both years."""
    mine = data[(data["group"] == group) & data["energy_tce"].notna() & (data["output"] > 0)]
    now, before = mine[mine["year"] == year], mine[mine["year"] == year - 1]
    both = set(now["uscc"]) & set(before["uscc"])
    if not both:
        return float("nan")
    now, before = now[now["uscc"].isin(both)], before[before["uscc"].isin(both)]
    then = before["energy_tce"].sum() / before["output"].sum()
    if then <= 0:
        return float("nan")
    return float(100.0 * ((now["energy_tce"].sum() / now["output"].sum()) / then - 1.0))
