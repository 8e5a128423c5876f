"""Growth opportunities (发展机会), Metroverse-style: relatedness and complexity on the registry.

The panel puts Guangzhou's 11 districts beside every other city of the national sample as locations, with
GB/T 4754 小类 as activities (the value: enterprise count, revenue or employees). Guangzhou itself is the sum
of its districts. The economic-complexity engine (`analytics.complexity`) runs once per panel; a place's
opportunities are the activities it is not yet specialised in (RCA < 1), scored by relatedness density
and complexity (PCI, or COG), each mapped to its 12218 node(s).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from chanye.analytics import complexity as cx
from chanye.errors import InputError, NotFound
from chanye.framework.concordance import owners_by_code
from chanye.framework.model import Framework
from chanye.registry.store import Store
from chanye.standards import gbt4754, regions

Measure = Literal["enterprises", "revenue", "employees"]
Strategy = Literal["balanced", "low-hanging", "long-jump"]
MEASURES: dict[str, tuple[str, str, str]] = {  # measure -> (zh, en, unit)
    "enterprises": ("企业数", "Enterprises", "家"),
    "revenue": ("营业收入", "Revenue", "万元"),
    "employees": ("从业人员", "Employees", "人"),
}
# Weights of (density, complexity) in the opportunity score; both enter as z-scores across candidates.
STRATEGIES: dict[str, tuple[float, float]] = {"balanced": (0.5, 0.5), "low-hanging": (0.75, 0.25), "long-jump": (0.25, 0.75)}
MIN_FIRMS = 3  # an activity needs this many firms nationwide to enter the panel (noise otherwise)


def load_panel(store: Store, measure: Measure = "enterprises", year: int | None = None) -> tuple[pd.DataFrame, int]:
    """(location, activity, value) for one year: Guangzhou's districts and every other city as locations."""
    if measure not in MEASURES:
        raise InputError(f"未知的度量 {measure!r} (unknown measure)", hint="可用 enterprises, revenue, employees")
    year = year or store.scalar("SELECT max(year) FROM enterprise_years")
    if year is None:
        raise NotFound("数据库中没有年度指标 (no yearly figures)", hint="先导入数据或运行 chanye demo")
    value = "count(*)" if measure == "enterprises" else f"sum(y.{measure})"
    frame = store.query(
        f"""
        SELECT CASE WHEN e.city_code = ? THEN e.district_code ELSE e.city_code END AS location,
               coalesce(e.industry_code, e.predicted_code) AS activity, {value} AS value
        FROM enterprises e JOIN enterprise_years y USING (uscc)
        WHERE y.year = ? AND coalesce(e.industry_code, e.predicted_code) IS NOT NULL
          AND (e.city_code <> ? OR e.district_code IS NOT NULL)
        GROUP BY ALL
        """,
        [regions.GUANGZHOU, year, regions.GUANGZHOU],
    )
    frame["value"] = frame["value"].fillna(0.0).astype("float64")
    firms = frame.groupby("activity")["value"].transform("size") if measure != "enterprises" else None
    if measure == "enterprises":
        frame = frame[frame.groupby("activity")["value"].transform("sum") >= MIN_FIRMS]
    elif firms is not None:
        frame = frame[firms >= 1]
    return frame.reset_index(drop=True), int(year)


@dataclass
class Opportunities:
    """The complexity table of the panel plus the proximity matrix, for one measure and year."""

    table: pd.DataFrame  # location, activity, value, rca, M, density, eci, pci, diversity, ubiquity, coi, cog
    proximity: pd.DataFrame  # activity_1, activity_2, proximity
    measure: str
    year: int
    synthetic: bool

    def places(self) -> pd.DataFrame:
        """Every location with its ECI and diversity, Guangzhou's districts marked."""
        loc = self.table.groupby("location").agg(eci=("eci", "first"), diversity=("diversity", "first"),
                                                 value=("value", "sum")).reset_index()
        loc["name"] = [_place_name(code) for code in loc["location"]]
        loc["guangzhou"] = loc["location"].isin({d.code for d in regions.guangzhou_districts()})
        return loc.sort_values("eci", ascending=False).reset_index(drop=True)


def _place_name(code: str) -> str:
    for district in regions.guangzhou_districts():
        if district.code == code:
            return district.name
    city = regions.city(code)
    return city.name if city else code


def compute(store: Store, measure: Measure = "enterprises", year: int | None = None, progress=None) -> Opportunities:
    panel, year = load_panel(store, measure, year)
    if panel["location"].nunique() < 2:
        raise InputError("复杂度计算至少需要两个地区 (the panel needs at least two locations)")
    table = cx.complexity(panel, location="location", activity="activity", value="value", on_year=progress)
    prox = cx.proximity_frame(panel, location="location", activity="activity", value="value")
    synthetic = bool(store.scalar("SELECT count(*) > 0 FROM enterprises WHERE synthetic"))
    return Opportunities(table, prox, measure, year, synthetic)


def _place_rows(opp: Opportunities, place: str) -> pd.DataFrame:
    """The complexity rows of a district, or of Guangzhou (its districts' values summed, RCA recomputed)."""
    t = opp.table
    if place != regions.GUANGZHOU:
        rows = t[t["location"] == place]
        if rows.empty:
            raise NotFound(f"面板中没有地区 {place} (no such place in the panel)", hint="用 /api/v1/complexity/places 查看")
        return rows.drop(columns=["location"]).set_index("activity")
    districts = {d.code for d in regions.guangzhou_districts()}
    gz = t[t["location"].isin(districts)]
    value = gz.groupby("activity")["value"].sum()
    total_by_activity = t.groupby("activity")["value"].sum()
    share_city = value / value.sum()
    share_nation = total_by_activity / total_by_activity.sum()
    rca = (share_city / share_nation).reindex(total_by_activity.index).fillna(0.0)
    m = (rca > 1.0).astype(float)
    prox = opp.proximity.pivot(index="activity_1", columns="activity_2", values="proximity")
    prox = prox.reindex(index=rca.index, columns=rca.index).fillna(0.0).to_numpy()
    density = cx.density(m.to_numpy()[None, :], prox)[0]
    pci = t.groupby("activity")["pci"].first().reindex(rca.index).to_numpy()
    cog = cx.complexity_outlook_gain(m.to_numpy()[None, :], prox, pci)[0]
    return pd.DataFrame({"value": value.reindex(rca.index).fillna(0.0), "rca": rca, "M": m, "density": density,
                         "pci": pci, "cog": cog}, index=rca.index)


def _zscore(x: pd.Series) -> pd.Series:
    sd = x.std(ddof=0)
    return (x - x.mean()) / sd if sd and np.isfinite(sd) else x * 0.0


def rank(opp: Opportunities, framework: Framework, place: str = regions.GUANGZHOU, *,
         strategy: Strategy = "balanced", complexity: Literal["pci", "cog"] = "pci", limit: int | None = 50) -> pd.DataFrame:
    """Activities the place is not specialised in (RCA < 1), best first, each with its 12218 node(s) and a
    sentence saying why: 'grow 3562 电子专用材料制造 (半导体与集成电路): density 0.41, PCI 1.80'."""
    if strategy not in STRATEGIES:
        raise InputError(f"未知的策略 {strategy!r} (unknown strategy)", hint=f"可用 {', '.join(STRATEGIES)}")
    rows = _place_rows(opp, place)
    national = opp.table.groupby("activity")["value"].sum()
    # Only activities with a real national presence: rare classes have noisy PCI.
    sizeable = national[national >= national.quantile(0.25)].index
    candidates = rows[(rows["rca"] < 1.0) & rows.index.isin(sizeable)].copy()
    w_density, w_complexity = STRATEGIES[strategy]
    candidates["score"] = w_density * _zscore(candidates["density"]) + w_complexity * _zscore(candidates[complexity])
    candidates["national_value"] = national.reindex(candidates.index)
    candidates = candidates.sort_values("score", ascending=False)
    if limit:
        candidates = candidates.head(limit)
    std = gbt4754.load()
    owners = owners_by_code(framework)
    out = candidates.reset_index().rename(columns={"index": "activity"})
    out["name"] = [std.name(c) if c in std else "" for c in out["activity"]]
    node_ids = [[o.node for o in owners.get(c, [])] for c in out["activity"]]
    out["nodes"] = ["、".join(framework.node(n).name.zh for n in ids) for ids in node_ids]
    out["node_ids"] = [",".join(ids) for ids in node_ids]
    out["reason"] = [
        f"发展 {c} {n}{f'（{nodes}）' if nodes else ''}: 关联密度 {d:.2f}, {complexity.upper()} {k:.2f}, 当前 RCA {r:.2f}"
        for c, n, nodes, d, k, r in zip(out["activity"], out["name"], out["nodes"], out["density"], out[complexity],
                                        out["rca"], strict=True)
    ]
    out.insert(0, "rank", range(1, len(out) + 1))
    return out[["rank", "activity", "name", "nodes", "node_ids", "density", "pci", "cog", "rca", "value",
                "national_value", "score", "reason"]]


def industry_space(opp: Opportunities, framework: Framework, place: str = regions.GUANGZHOU, *,
                   edges_per_node: int = 2, min_proximity: float = 0.3) -> dict:
    """The industry space: activities linked by proximity (the maximum spanning tree plus each activity's
    strongest links above `min_proximity`), coloured by 12218 node, the place's specialisations marked."""
    from scipy.sparse.csgraph import minimum_spanning_tree

    matrix = opp.proximity.pivot(index="activity_1", columns="activity_2", values="proximity").fillna(0.0)
    codes = list(matrix.index)
    values = matrix.reindex(columns=codes).to_numpy()
    # The maximum spanning tree of proximity = the minimum spanning tree of (2 - proximity) on existing links.
    tree = minimum_spanning_tree(np.where(values > 0, 2.0 - values, 0.0)).tocoo()
    pairs = {(min(i, j), max(i, j)) for i, j in zip(tree.row, tree.col, strict=True)}
    strongest = np.argsort(-values, axis=1)[:, :edges_per_node]
    for i, row in enumerate(strongest):
        pairs.update((min(i, j), max(i, j)) for j in row if values[i, j] >= min_proximity and i != j)
    linked = sorted({k for pair in pairs for k in pair})
    rows = _place_rows(opp, place)
    owners = owners_by_code(framework)
    std = gbt4754.load()
    national = opp.table.groupby("activity")["value"].sum()
    nodes = []
    for code in (codes[k] for k in linked):
        own = owners.get(code, [])
        nodes.append({
            "id": code, "name": std.name(code) if code in std else code,
            "node": own[0].node if own else None,
            "node_name": framework.node(own[0].node).name.zh if own else "其他",
            "rca": float(rows["rca"].get(code, 0.0)), "specialised": bool(rows["rca"].get(code, 0.0) > 1.0),
            "national_value": float(national.get(code, 0.0)),
        })
    edges = [{"source": codes[i], "target": codes[j], "proximity": round(float(values[i, j]), 4)} for i, j in sorted(pairs)]
    return {"place": place, "nodes": nodes, "edges": edges}
