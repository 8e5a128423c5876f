"""Growth opportunities (发展机会), Metroverse-style: relatedness and complexity on a (place x activity) panel.

Pure: a panel frame in, frames and arrays with machine column names out; no I/O, no prose. Notes are machine
codes with parameters (`Note`), worded by `chanye.present.opportunities`.

The industry space is estimated on **cities**: every city of the national sample, the home city (the pack's)
as one city, x GB/T 4754 小类 (the value: enterprise count, revenue or employees). The economic-complexity
engine (`analytics.complexity`, exact to the Growth Lab's Stata) gives proximity, PCI and the cities' ECI once
per panel. The home city's districts are then *projected* onto that space with the same formulas: RCA against
the national totals, presence, relatedness density, COG and ECI (the mean PCI of its specialisations).
Districts do not feed back into the space, so the city's internal division of labour does not shape the
proximities it is then scored on, and a district of 5,000 firms is not compared as a peer of a whole city.

A place's opportunities are the activities it is not yet specialised in (M = 0: RCA <= 1, or RCA > 1 on
fewer than `MIN_PRESENCE_FIRMS` firms), in traded industries (`TRADED_DIVISIONS`), scored by the Growth
Lab's strategy presets over relatedness density, PCI and COG. docs/complexity.md ("Opportunities") states
every choice and why.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from chanye.analytics import complexity as cx
from chanye.analytics import space as spaces
from chanye.errors import InputError, NotFound

Measure = Literal["enterprises", "revenue", "employees"]
Strategy = Literal["balanced", "low-hanging", "long-jump"]
Scope = Literal["traded", "all"]
Note = tuple[str, dict[str, Any]]  # (code, parameters): present/labels.py words each code

MEASURES: tuple[str, ...] = ("enterprises", "revenue", "employees")
# Weights of (density, PCI, COG) in the opportunity score; each enters as a z-score across the place's
# candidates. The presets of the Growth Lab's Atlas country pages ("Balanced portfolio" as in its Explore
# feasibility view, which also equals the preset for "Strategic Bets" countries).
STRATEGIES: dict[str, tuple[float, float, float]] = {
    "low-hanging": (0.60, 0.15, 0.25),
    "balanced": (0.50, 0.15, 0.35),
    "long-jump": (0.45, 0.20, 0.35),
}
SCOPES: tuple[str, ...] = ("traded", "all")
MIN_ACTIVITY_FIRMS = 5  # an activity needs this many firms in the national sample to enter the panel
MIN_PRESENCE_FIRMS = 2  # RCA > 1 counts as a specialisation only with at least this many firms behind it
# Traded (basic) industries, by GB/T 4754-2017 大类: they sell beyond the local market, so relatedness and
# complexity say something about where a city can compete. Local-serving ones (retail, construction,
# utilities, catering, real estate, schools, hospitals, public services, personal services) follow local
# demand, and resource-bound ones (farming, mining) follow endowments; they stay in the panel (RCA, the
# space) but are not offered as opportunities unless scope="all". After Porter's traded/local split
# (Delgado, Porter & Stern 2016).
TRADED_DIVISIONS = frozenset(
    [f"{d:02d}" for d in range(13, 44)]  # C 制造业
    + ["51"]  # 批发业
    + ["55", "56", "58", "59"]  # 水上运输, 航空运输, 多式联运和运输代理, 装卸搬运和仓储
    + ["63", "64", "65"]  # 电信广电卫星, 互联网, 软件和信息技术服务
    + ["66", "67", "68", "69"]  # 金融业
    + ["72"]  # 商务服务业
    + ["73", "74", "75"]  # 研究和试验发展, 专业技术服务, 科技推广和应用服务
    + ["86", "87"]  # 新闻和出版, 广播电视电影和录音制作
)
# Classes inside traded divisions that firms cannot enter: regulators and exchanges (set up by the state).
NON_MARKET_CLASSES = frozenset({"6650", "6711", "6741", "6750", "6870"})
SPACE_MIN_LOCATIONS = 20  # below this many locations in the space, say that proximity and PCI are noisy
NOTE_LOCATIONS = 8  # locations a note lists by code before it says "and more"


def prepare_panel(frame: pd.DataFrame) -> pd.DataFrame:
    """A panel as read from the registry (city, district, activity, value, firms), with missing values as 0 and
    without the activities that have fewer than `MIN_ACTIVITY_FIRMS` firms in the whole sample (their RCA and
    PCI would rest on a handful of firms)."""
    frame = frame.copy()
    frame["value"] = frame["value"].fillna(0.0).astype("float64")
    frame["firms"] = frame["firms"].fillna(0).astype("int64")
    national_firms = frame.groupby("activity")["firms"].transform("sum")
    frame = frame[national_firms >= MIN_ACTIVITY_FIRMS]
    return frame.reset_index(drop=True)


@dataclass
class Opportunities:
    """The industry space of one measure and year, and every place on it.

    `values` / `firms` / `rca` / `M`: place x activity (the panel's activities) for every city and every
    district of the home `city`; `space_locations` are the rows the space was estimated on (cities, or the
    home city's districts when the registry holds no other city). `activities` are the space's activities
    (those with a defined PCI), in the order of `proximity`, `pci`, `kp` and the columns of `density` and
    `cog`. `notes` are (code, parameters) pairs.
    """

    city: str
    measure: str
    year: int
    values: pd.DataFrame
    firms: pd.DataFrame
    benchmark: list[str]  # the locations whose totals are "national" (RCA's denominator)
    space_locations: list[str]  # those the space was estimated on (the benchmark less places without an M)
    space_kind: str  # "cities" | "districts"
    districts: list[str]  # the home city's districts in the panel, in code order
    activities: pd.Index
    proximity: np.ndarray
    pci: np.ndarray
    kp: np.ndarray
    scale: tuple[float, float]  # ECI's (mean, sd) of raw kc: PCI = (kp - mean) / sd, COG = raw / sd
    coi_scale: tuple[float, float]
    national: pd.Series  # each activity's total over the benchmark locations (RCA's denominator)
    national_firms: pd.Series
    rca: pd.DataFrame
    M: pd.DataFrame
    density: pd.DataFrame
    cog: pd.DataFrame
    eci: pd.Series
    coi: pd.Series
    min_presence_firms: int = MIN_PRESENCE_FIRMS
    notes: list[Note] = field(default_factory=list)
    cache: dict = field(default_factory=dict, repr=False)

    def places(self) -> pd.DataFrame:
        """Every place (the space's locations, the home city and its districts): location, kind ('city' or
        'district'), in_city (the home city or one of its districts), in_space, eci, coi, diversity, value,
        firms; by ECI, highest first."""
        rows = []
        districts = set(self.districts)
        space_m = self.M[self.activities]
        for code in dict.fromkeys([*self.benchmark, self.city, *self.districts]):
            if code not in self.values.index:
                continue
            rows.append({"location": code, "kind": "district" if code in districts else "city",
                         "in_city": code == self.city or code in districts,
                         "in_space": code in self.space_locations, "eci": float(self.eci[code]),
                         "coi": float(self.coi[code]), "diversity": int(space_m.loc[code].sum()),
                         "value": float(self.values.loc[code].sum()), "firms": int(self.firms.loc[code].sum())})
        frame = pd.DataFrame(rows)
        return frame.sort_values("eci", ascending=False, na_position="last").reset_index(drop=True)

    def has_place(self, place: str) -> bool:
        return place in self.values.index and self.values.loc[place].sum() > 0


@dataclass
class _Space:
    """The space estimated on one set of locations with one presence threshold."""

    kept: list[str]
    act_keep: np.ndarray
    kp: np.ndarray
    prox: np.ndarray
    scale: tuple[float, float]
    coi_scale: tuple[float, float]
    gap: float
    notes: list[Note]

    @property
    def usable(self) -> bool:
        return len(self.kept) >= 2 and int(self.act_keep.sum()) >= 2 and self.gap >= 1e-10


def _estimate(values: pd.DataFrame, firms: pd.DataFrame, locations: list[str], min_firms: int) -> _Space:
    X = values.loc[locations].to_numpy()
    counts = firms.loc[locations].to_numpy()
    M = ((_rca(X, X.sum(axis=0)) > 1.0) & (counts >= min_firms)).astype(np.int8)
    notes: list[Note] = []
    # As Stata's `ecomplexity` with a given M: drop locations with no specialisation, then activities no
    # location is specialised in (their PCI and proximity are undefined).
    loc_keep = M.sum(axis=1) > 0
    if (~loc_keep).any():
        dropped = [c for c, k in zip(locations, loc_keep, strict=True) if not k]
        notes.append(("locations_without_specialisation",
                      {"count": len(dropped), "locations": dropped[:NOTE_LOCATIONS],
                       "more": len(dropped) > NOTE_LOCATIONS, "min_firms": min_firms}))
    act_keep = M[loc_keep].sum(axis=0) > 0
    kept = [c for c, k in zip(locations, loc_keep, strict=True) if k]
    Mk = M[loc_keep][:, act_keep].astype(float)
    if Mk.shape[0] < 2 or Mk.shape[1] < 2:
        return _Space(kept, act_keep, np.empty(0), np.empty((0, 0)), (np.nan, np.nan), (np.nan, np.nan), 0.0, notes)
    with cx._blas_threads(1):
        kc, kp, gap = cx.complexity_eigenvectors(Mk)
        prox = cx.proximity_discrete(Mk)
        scale = cx.standardise(kc, Mk.shape[1])
        coi_raw = _coi(cx.density(Mk, prox), Mk, kp)
        coi_scale = cx.standardise(coi_raw, Mk.shape[1])
    n_undefined = int((~act_keep).sum())
    if n_undefined:
        notes.append(("activities_without_pci", {"count": n_undefined}))
    isolated = int((prox.sum(axis=1) == 0).sum())
    if isolated:
        notes.append(("activities_isolated", {"count": isolated}))
    if gap < 1e-10:
        notes.append(("space_disconnected", {}))
    if len(kept) < SPACE_MIN_LOCATIONS:
        notes.append(("space_small", {"count": len(kept)}))
    return _Space(kept, act_keep, kp, prox, scale, coi_scale, gap, notes)


def _cog(M: np.ndarray, prox: np.ndarray, kp: np.ndarray) -> np.ndarray:
    """The engine's raw COG, where activities without any proximity (a zero row) contribute nothing instead
    of making every value NaN (Stata's missing propagation); equal to the engine's wherever that is defined."""
    live = prox.sum(axis=1) > 0
    out = np.zeros(M.shape)
    if live.any():
        out[:, live] = cx.complexity_outlook_gain(M[:, live], prox[np.ix_(live, live)], kp[live])
    return out


def _coi(density: np.ndarray, M: np.ndarray, kp: np.ndarray) -> np.ndarray:
    """The engine's raw COI with undefined densities (isolated activities) counted as 0."""
    return cx.complexity_outlook_index(np.nan_to_num(density, nan=0.0), M, kp)


def from_panel(panel: pd.DataFrame, *, city: str, measure: str = "enterprises", year: int = 0,
               min_presence_firms: int | None = None, progress=None) -> Opportunities:
    """The space from a panel shaped like `prepare_panel`'s (city, district, activity, value, firms); `city`
    is the home city, whose rows with a district are its districts.

    `min_presence_firms`: firms needed behind an RCA > 1 for it to count as a specialisation; None (default)
    means `MIN_PRESENCE_FIRMS`, lowered to 1 (with a note) where the sample is too small for that to leave a
    connected space.
    """
    if min_presence_firms is not None and min_presence_firms < 1:
        raise InputError(f"min_presence_firms 须 >= 1 (got {min_presence_firms})")
    notes: list[Note] = []
    cities = panel.pivot_table(index="city", columns="activity", values=["value", "firms"], aggfunc="sum",
                               fill_value=0)
    home = panel[(panel["city"] == city) & panel["district"].notna()]
    districts = home.pivot_table(index="district", columns="activity", values=["value", "firms"], aggfunc="sum",
                                 fill_value=0)
    values = pd.concat([cities["value"], districts["value"] if len(districts) else None]).fillna(0.0)
    firms = pd.concat([cities["firms"], districts["firms"] if len(districts) else None]).fillna(0).astype("int64")
    values = values.loc[:, values.sum(axis=0) > 0].astype("float64")
    firms = firms.reindex(columns=values.columns, fill_value=0)
    values.index, firms.index = values.index.astype(str), firms.index.astype(str)

    city_codes = [c for c in cities.index.astype(str) if values.loc[c].sum() > 0]
    district_codes = [d for d in (districts.index.astype(str) if len(districts) else []) if values.loc[d].sum() > 0]
    if len(city_codes) >= 2:
        locations, space_kind = city_codes, "cities"
    elif len(district_codes) >= 2:
        locations, space_kind = district_codes, "districts"
        notes.append(("space_on_districts", {"city": city}))
    else:
        raise InputError("复杂度计算至少需要两个地区 (the panel needs at least two locations)",
                         hint="导入其他城市的企业作为全国参照，或至少两个区的企业")

    min_firms = MIN_PRESENCE_FIRMS if min_presence_firms is None else min_presence_firms
    est = _estimate(values, firms, locations, min_firms)
    if not est.usable and min_presence_firms is None and min_firms > 1:
        fallback = _estimate(values, firms, locations, 1)
        if fallback.usable:
            notes.append(("presence_fallback", {"min_firms": min_firms}))
            est, min_firms = fallback, 1
    notes.extend(est.notes)
    if not est.usable and (len(est.kept) < 2 or int(est.act_keep.sum()) < 2):
        raise InputError(f"产业空间太小 (space of {len(est.kept)} locations x {int(est.act_keep.sum())} activities)",
                         hint="需要更多城市或企业；小样本可用 min_presence_firms=1")
    if space_kind == "cities" and city in locations:
        share = float(values.loc[city].sum() / values.loc[locations].to_numpy().sum())
        if share > 0.2:
            notes.append(("city_share_large", {"city": city, "share": share}))
    # Every place (the cities, the home city's districts) on the space, in one pass of matrix products: for
    # the locations the space was estimated on these are exactly the engine's numbers.
    national = values.loc[locations].sum(axis=0)
    all_rca = _rca(values.to_numpy(), national.to_numpy())
    all_m = ((all_rca > 1.0) & (firms.to_numpy() >= min_firms)).astype(np.int8)
    activities = values.columns[est.act_keep]
    Ms = all_m[:, est.act_keep].astype(float)
    mean, sd = est.scale
    with cx._blas_threads(1):
        dens_all = cx.density(Ms, est.prox)
        cog_all = _cog(Ms, est.prox, est.kp) / sd
        coi_all = _coi(dens_all, Ms, est.kp)
    diversity = Ms.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        eci_all = np.where(diversity > 0, (Ms @ est.kp) / diversity, np.nan)
        coi = (coi_all - est.coi_scale[0]) / est.coi_scale[1]
    places = values.index
    if progress is not None:
        progress(year)
    return Opportunities(
        city=city, measure=measure, year=int(year), values=values, firms=firms,
        benchmark=locations, space_locations=est.kept, space_kind=space_kind, districts=sorted(district_codes),
        activities=activities, proximity=est.prox, pci=(est.kp - mean) / sd, kp=est.kp, scale=(mean, sd),
        coi_scale=est.coi_scale, national=national, national_firms=firms.loc[locations].sum(axis=0),
        rca=pd.DataFrame(all_rca, index=places, columns=values.columns),
        M=pd.DataFrame(all_m, index=places, columns=values.columns),
        density=pd.DataFrame(dens_all, index=places, columns=activities),
        cog=pd.DataFrame(cog_all, index=places, columns=activities),
        eci=pd.Series((eci_all - mean) / sd, index=places),
        coi=pd.Series(np.where(np.isfinite(coi), coi, np.nan), index=places),
        min_presence_firms=min_firms, notes=notes,
    )


def profile(opp: Opportunities, place: str) -> pd.DataFrame:
    """One place on the space, by activity: value, firms, rca, M, national totals, density, pci, cog.

    RCA is against the benchmark's national totals; M = RCA > 1 on at least `min_presence_firms` firms;
    density, COG, ECI (the mean PCI of the place's specialisations) and COI use the space's proximity and
    PCI eigenvector exactly as the engine does for the locations it was estimated on (for those, the numbers
    equal the engine's). `attrs` carries the place's ECI and COI. Activities outside the space have NaN
    density, PCI and COG.
    """
    key = ("profile", place)
    if key in opp.cache:
        return opp.cache[key]
    if not opp.has_place(place):
        raise NotFound(f"面板中没有地区 {place} (no such place in the panel)",
                       hint="用 /api/v1/complexity/places 查看可用地区")
    pos = opp.values.columns.get_indexer(opp.activities)
    n = len(opp.values.columns)
    spread = {}
    for name, arr in (("density", opp.density.loc[place].to_numpy()), ("pci", opp.pci),
                      ("cog", opp.cog.loc[place].to_numpy())):
        full = np.full(n, np.nan)
        full[pos] = arr
        spread[name] = full
    out = pd.DataFrame({"value": opp.values.loc[place].to_numpy(dtype=float), "firms": opp.firms.loc[place].to_numpy(),
                        "rca": opp.rca.loc[place].to_numpy(), "M": opp.M.loc[place].to_numpy(),
                        "national_value": opp.national.to_numpy(dtype=float),
                        "national_firms": opp.national_firms.to_numpy(), **spread},
                       index=opp.values.columns)
    out.index.name = "activity"
    out.attrs.update(eci=float(opp.eci.loc[place]), coi=float(opp.coi.loc[place]), place=place)
    opp.cache[key] = out
    return out


def _rca(X: np.ndarray, national: np.ndarray) -> np.ndarray:
    """Balassa RCA of each row against national totals, in Stata's order of operations ((x / row) /
    (col / total), as `cx.rca`); 0 where undefined (an empty row)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (X / X.sum(axis=1, keepdims=True)) / (national / national.sum())
    return np.where(np.isfinite(out), out, 0.0)


def _zscore(x: pd.Series) -> pd.Series:
    sd = x.std(ddof=0)
    return (x - x.mean()) / sd if sd and np.isfinite(sd) else x * 0.0


def is_traded(code: str) -> bool:
    """A traded 小类: in a traded 大类 and not a regulator or exchange."""
    code = str(code)
    return code[:2] in TRADED_DIVISIONS and code not in NON_MARKET_CLASSES


def check_options(*, strategy: str = "balanced", scope: str = "traded") -> None:
    if strategy not in STRATEGIES:
        raise InputError(f"未知的策略 {strategy!r} (unknown strategy)", hint=f"可用 {', '.join(STRATEGIES)}")
    if scope not in SCOPES:
        raise InputError(f"未知的范围 {scope!r} (unknown scope)", hint="可用 traded, all")


RANK_COLUMNS = ["rank", "activity", "density", "pci", "cog", "rca", "value", "firms", "national_value",
                "national_firms", "score"]


def rank(opp: Opportunities, place: str, *, strategy: Strategy = "balanced", scope: Scope = "traded",
         limit: int | None = 50, exclude: Collection[str] = ()) -> pd.DataFrame:
    """Activities the place is not specialised in, best first: rank, activity, density, pci, cog, rca, value,
    firms, national_value, national_firms, score.

    Candidates: M = 0, a defined PCI (the activity is in the space), with scope="traded" a traded 大类, and not
    in `exclude` (the activities the feasibility filters take off, `analytics.feasibility`).
    Score: the strategy's weights on the z-scores (across candidates) of density, PCI and COG.
    """
    check_options(strategy=strategy, scope=scope)
    if place == opp.city and opp.space_kind == "districts":
        raise InputError("登记库中只有本市的企业，全市的 RCA 恒为 1，无法评估全市的发展机会 "
                         "(with the city's own firms only, its RCA is 1 everywhere)",
                         hint="导入其他城市的企业作为全国参照，或按区查看")
    rows = profile(opp, place)
    mask = (rows["M"] == 0) & rows["pci"].notna() & rows["density"].notna()
    if scope == "traded":
        mask &= np.fromiter((is_traded(c) for c in rows.index), bool, len(rows))
    if exclude:
        mask &= ~rows.index.isin(list(exclude))
    cand = rows[mask].copy()
    w_density, w_pci, w_cog = STRATEGIES[strategy]
    cand["score"] = (w_density * _zscore(cand["density"]) + w_pci * _zscore(cand["pci"])
                     + w_cog * _zscore(cand["cog"]))
    # Best first; equal scores (to 1e-9: z-scores of tied inputs differ only by rounding) by density, then PCI,
    # then code, so the order never rests on floating-point noise.
    cand["_key"] = cand["score"].round(9)
    cand = cand.rename_axis("activity").reset_index().sort_values(
        ["_key", "density", "pci", "activity"], ascending=[False, False, False, True], kind="stable")
    cand = cand.drop(columns="_key")
    if limit:
        cand = cand.head(limit)
    out = cand.reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out[RANK_COLUMNS]


def space_layout(opp: Opportunities, *, edges_per_node: int = 2, min_proximity: float = 0.3) -> dict:
    """The space's backbone and fixed positions (the same for every place), computed once per space."""
    key = ("layout", edges_per_node, min_proximity)
    if key not in opp.cache:
        with cx._blas_threads(1):
            edges = spaces.backbone(opp.proximity, k=edges_per_node, min_proximity=min_proximity)
            weights = opp.proximity[edges[:, 0], edges[:, 1]] if len(edges) else np.empty(0)
            xy = spaces.layout(len(opp.activities), edges, weights, init=spaces.embedding(opp.proximity))
        opp.cache[key] = {"edges": edges, "weights": weights, "xy": xy}
    return opp.cache[key]


def industry_space(opp: Opportunities, place: str, *, edges_per_node: int = 2,
                   min_proximity: float = 0.3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The industry space for drawing: (nodes, edges). Nodes are the space's activities at fixed positions
    (activity, x, y in 0-1, rca, specialised (M = 1), pci, national_value; rounded to 4 digits except the
    national value); edges are the maximum spanning tree of proximity plus each activity's strongest links >=
    `min_proximity` (source, target, proximity)."""
    lay = space_layout(opp, edges_per_node=edges_per_node, min_proximity=min_proximity)
    rows = profile(opp, place).loc[opp.activities]
    codes = list(opp.activities)
    nodes = pd.DataFrame({
        "activity": codes,
        "x": [round(float(v), 4) for v in lay["xy"][:, 0]] if len(codes) else [],
        "y": [round(float(v), 4) for v in lay["xy"][:, 1]] if len(codes) else [],
        "rca": [round(float(v), 4) for v in rows["rca"]],
        "specialised": [bool(v) for v in rows["M"]],
        "pci": [round(float(v), 4) for v in rows["pci"]],
        "national_value": [float(v) for v in rows["national_value"]],
    })
    edges = pd.DataFrame(
        [{"source": codes[i], "target": codes[j], "proximity": round(float(w), 4)}
         for (i, j), w in zip(lay["edges"].tolist(), lay["weights"].tolist(), strict=True)],
        columns=["source", "target", "proximity"])
    return nodes, edges
