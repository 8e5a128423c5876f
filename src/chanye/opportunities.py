"""Growth opportunities (发展机会), Metroverse-style: relatedness and complexity on the registry.

The industry space is estimated on **cities**: every city of the national sample, Guangzhou as one city, x
GB/T 4754 小类 (the value: enterprise count, revenue or employees). The economic-complexity engine
(`analytics.complexity`, exact to the Growth Lab's Stata) gives proximity, PCI and the cities' ECI once per
panel. Guangzhou's 11 districts are then *projected* onto that space with the same formulas: RCA against the
national totals, presence, relatedness density, COG and ECI (the mean PCI of its specialisations). Districts
do not feed back into the space, so Guangzhou's internal division of labour does not shape the proximities
it is then scored on, and a district of 5,000 firms is not compared as a peer of Shanghai.

A place's opportunities are the activities it is not yet specialised in (M = 0: RCA <= 1, or RCA > 1 on
fewer than `MIN_PRESENCE_FIRMS` firms), in traded industries (`TRADED_DIVISIONS`), scored by the Growth
Lab's strategy presets over relatedness density, PCI and COG, each mapped to its 12218 node(s).
docs/complexity.md ("Opportunities") states every choice and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from chanye.analytics import complexity as cx
from chanye.analytics import space as spaces
from chanye.errors import InputError, NotFound
from chanye.framework.concordance import owners_by_code
from chanye.framework.model import Framework
from chanye.registry import views
from chanye.registry.store import Store
from chanye.standards import gbt4754, regions

Measure = Literal["enterprises", "revenue", "employees"]
Strategy = Literal["balanced", "low-hanging", "long-jump"]
Scope = Literal["traded", "all"]
MEASURES: dict[str, tuple[str, str, str]] = {  # measure -> (zh, en, unit)
    "enterprises": ("企业数", "Enterprises", "家"),
    "revenue": ("营业收入", "Revenue", "万元"),
    "employees": ("从业人员", "Employees", "人"),
}
# Weights of (density, PCI, COG) in the opportunity score; each enters as a z-score across the place's
# candidates. The presets of the Growth Lab's Atlas country pages ("Balanced portfolio" as in its Explore
# feasibility view, which also equals the preset for "Strategic Bets" countries).
STRATEGIES: dict[str, tuple[float, float, float]] = {
    "low-hanging": (0.60, 0.15, 0.25),
    "balanced": (0.50, 0.15, 0.35),
    "long-jump": (0.45, 0.20, 0.35),
}
STRATEGY_NAMES = {"balanced": ("均衡组合", "Balanced portfolio"), "low-hanging": ("近水楼台", "Low-hanging fruit"),
                  "long-jump": ("跨越发展", "Long jumps")}
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


def load_panel(store: Store, measure: Measure = "enterprises", year: int | None = None) -> tuple[pd.DataFrame, int]:
    """One row per (city, Guangzhou district or None, activity) of one year: value and firms.

    `firms` counts the firms with a positive value of the measure. Guangzhou firms without a district count
    for the city, not for any district. Activities with fewer than `MIN_ACTIVITY_FIRMS` firms in the whole
    sample are left out (their RCA and PCI would rest on a handful of firms).
    """
    if measure not in MEASURES:
        raise InputError(f"未知的度量 {measure!r} (unknown measure)", hint="可用 enterprises, revenue, employees")
    years = views.years(store)
    if not years:
        raise NotFound("数据库中没有年度指标 (no yearly figures)", hint="先导入数据或运行 chanye demo")
    year = year or years[-1]
    if year not in years:
        raise InputError(f"没有 {year} 年的数据 (no data for {year})", hint=f"可选年份: {', '.join(map(str, years))}")
    frame = views.activity_panel(store, year, None if measure == "enterprises" else measure, regions.GUANGZHOU)
    frame["value"] = frame["value"].fillna(0.0).astype("float64")
    frame["firms"] = frame["firms"].fillna(0).astype("int64")
    national_firms = frame.groupby("activity")["firms"].transform("sum")
    frame = frame[national_firms >= MIN_ACTIVITY_FIRMS]
    return frame.reset_index(drop=True), int(year)


@dataclass
class Opportunities:
    """The industry space of one measure and year, and every place on it.

    `values` / `firms` / `rca` / `M`: place x activity (the panel's activities) for every city and every
    Guangzhou district; `space_locations` are the rows the space was estimated on (cities, or Guangzhou's
    districts when the registry holds no other city). `activities` are the space's activities (those with a
    defined PCI), in the order of `proximity`, `pci`, `kp` and the columns of `density` and `cog`.
    """

    measure: str
    year: int
    synthetic: bool
    values: pd.DataFrame
    firms: pd.DataFrame
    benchmark: list[str]  # the locations whose totals are "national" (RCA's denominator)
    space_locations: list[str]  # those the space was estimated on (the benchmark less places without an M)
    space_kind: str  # "cities" | "districts"
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
    notes: list[str] = field(default_factory=list)
    cache: dict = field(default_factory=dict, repr=False)

    def places(self) -> pd.DataFrame:
        """Every place (the space's locations, Guangzhou and its districts) with ECI, COI, diversity, totals."""
        rows = []
        districts = set(self._districts())
        space_m = self.M[self.activities]
        for code in dict.fromkeys([*self.benchmark, regions.GUANGZHOU, *self._districts()]):
            if code not in self.values.index:
                continue
            rows.append({"location": code, "name": place_name(code),
                         "kind": "district" if code in districts else "city",
                         "guangzhou": code == regions.GUANGZHOU or code in districts,
                         "in_space": code in self.space_locations, "eci": float(self.eci[code]),
                         "coi": float(self.coi[code]), "diversity": int(space_m.loc[code].sum()),
                         "value": float(self.values.loc[code].sum()), "firms": int(self.firms.loc[code].sum())})
        frame = pd.DataFrame(rows)
        return frame.sort_values("eci", ascending=False, na_position="last").reset_index(drop=True)

    def _districts(self) -> list[str]:
        return [d.code for d in regions.guangzhou_districts() if d.code in self.values.index]


def place_name(code: str) -> str:
    for district in regions.guangzhou_districts():
        if district.code == code:
            return district.name
    city = regions.city(code)
    return city.name if city else code


_place_name = place_name  # the name the CLI imported before


def compute(store: Store, measure: Measure = "enterprises", year: int | None = None, progress=None, *,
            min_presence_firms: int | None = None) -> Opportunities:
    """Load the panel and estimate the industry space (proximity, PCI, ECI) on it, once per measure and year.

    `min_presence_firms`: firms needed behind an RCA > 1 for it to count as a specialisation; None (default)
    means `MIN_PRESENCE_FIRMS`, lowered to 1 (with a note) where the sample is too small for that to leave a
    connected space.
    """
    panel, year = load_panel(store, measure, year)
    synthetic = views.is_synthetic(store)
    return from_panel(panel, measure=measure, year=year, synthetic=synthetic, min_presence_firms=min_presence_firms,
                      progress=progress)


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
    notes: list[str]

    @property
    def usable(self) -> bool:
        return len(self.kept) >= 2 and int(self.act_keep.sum()) >= 2 and self.gap >= 1e-10


def _estimate(values: pd.DataFrame, firms: pd.DataFrame, locations: list[str], min_firms: int) -> _Space:
    X = values.loc[locations].to_numpy()
    counts = firms.loc[locations].to_numpy()
    M = ((_rca(X, X.sum(axis=0)) > 1.0) & (counts >= min_firms)).astype(np.int8)
    notes = []
    # As Stata's `ecomplexity` with a given M: drop locations with no specialisation, then activities no
    # location is specialised in (their PCI and proximity are undefined).
    loc_keep = M.sum(axis=1) > 0
    if (~loc_keep).any():
        dropped = [place_name(c) for c, k in zip(locations, loc_keep, strict=True) if not k]
        notes.append(f"{len(dropped)} 个地区没有任何专业化（RCA>1 且至少 {min_firms} 家企业）的小类，不参与估计产业空间："
                     f"{'、'.join(dropped[:8])}{'…' if len(dropped) > 8 else ''} "
                     f"({len(dropped)} location(s) without a specialisation left out of the space)")
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
        notes.append(f"{n_undefined} 个小类在任何地区都未形成专业化，PCI 无定义，不作为候选 "
                     f"({n_undefined} activities with zero ubiquity have no PCI)")
    isolated = int((prox.sum(axis=1) == 0).sum())
    if isolated:
        notes.append(f"{isolated} 个小类与其他小类没有共现（邻近度全为 0），关联密度无定义，不作为候选 "
                     f"({isolated} activities with no co-occurrence have no density)")
    if gap < 1e-10:
        notes.append("产业空间不连通，PCI 不唯一 (the presence network is disconnected: PCI is not unique)")
    if len(kept) < SPACE_MIN_LOCATIONS:
        notes.append(f"产业空间只有 {len(kept)} 个地区，邻近度与 PCI 的噪声较大 (only {len(kept)} locations in the space)")
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


def from_panel(panel: pd.DataFrame, *, measure: str = "enterprises", year: int = 0, synthetic: bool = False,
               min_presence_firms: int | None = None, progress=None) -> Opportunities:
    """The space from a panel shaped like `load_panel`'s (city, district, activity, value, firms)."""
    if min_presence_firms is not None and min_presence_firms < 1:
        raise InputError(f"min_presence_firms 须 >= 1 (got {min_presence_firms})")
    notes: list[str] = []
    cities = panel.pivot_table(index="city", columns="activity", values=["value", "firms"], aggfunc="sum",
                               fill_value=0)
    gz = panel[(panel["city"] == regions.GUANGZHOU) & panel["district"].notna()]
    districts = gz.pivot_table(index="district", columns="activity", values=["value", "firms"], aggfunc="sum",
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
        notes.append("登记库中只有广州的企业：产业空间按广州各区估计，RCA 相对于广州全市，无法评估全市层面的机会 "
                     "(only Guangzhou firms: the space is estimated on its districts)")
    else:
        raise InputError("复杂度计算至少需要两个地区 (the panel needs at least two locations)",
                         hint="导入其他城市的企业作为全国参照，或至少两个区的企业")

    min_firms = MIN_PRESENCE_FIRMS if min_presence_firms is None else min_presence_firms
    est = _estimate(values, firms, locations, min_firms)
    if not est.usable and min_presence_firms is None and min_firms > 1:
        fallback = _estimate(values, firms, locations, 1)
        if fallback.usable:
            notes.append(f"样本太小：要求至少 {min_firms} 家企业时产业空间不连通，专业化门槛降为 1 家企业（RCA>1 即可） "
                         f"(sample too small for a {min_firms}-firm presence test; using 1)")
            est, min_firms = fallback, 1
    notes.extend(est.notes)
    if not est.usable and (len(est.kept) < 2 or int(est.act_keep.sum()) < 2):
        raise InputError(f"产业空间太小 (space of {len(est.kept)} locations x {int(est.act_keep.sum())} activities)",
                         hint="需要更多城市或企业；小样本可用 min_presence_firms=1")
    if space_kind == "cities" and regions.GUANGZHOU in locations:
        share = float(values.loc[regions.GUANGZHOU].sum() / values.loc[locations].to_numpy().sum())
        if share > 0.2:
            notes.append(f"广州占全国样本的 {share:.0%}：全国基准偏向广州自身结构，其 RCA 被压向 1 "
                         f"(Guangzhou is {share:.0%} of the national sample, which pulls its RCA towards 1)")
    # Every place (the cities, Guangzhou's districts) on the space, in one pass of matrix products: for the
    # locations the space was estimated on these are exactly the engine's numbers.
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
        measure=measure, year=int(year), synthetic=synthetic, values=values, firms=firms,
        benchmark=locations, space_locations=est.kept, space_kind=space_kind, activities=activities,
        proximity=est.prox, pci=(est.kp - mean) / sd, kp=est.kp, scale=(mean, sd), coi_scale=est.coi_scale,
        national=national, national_firms=firms.loc[locations].sum(axis=0),
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
    if place not in opp.values.index or opp.values.loc[place].sum() <= 0:
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


def _lookup(opp: Opportunities, framework: Framework) -> tuple[dict, dict]:
    """(code -> 小类 name, code -> [node ids]) for the panel's activities, cached per pack."""
    key = ("lookup", framework.id)
    if key not in opp.cache:
        std = gbt4754.load()
        owners = owners_by_code(framework)
        codes = list(opp.values.columns)
        opp.cache[key] = ({c: std.name(c) if c in std else "" for c in codes},
                          {c: list(dict.fromkeys(o.node for o in owners.get(c, []))) for c in codes})
    return opp.cache[key]


def rank(opp: Opportunities, framework: Framework, place: str = regions.GUANGZHOU, *,
         strategy: Strategy = "balanced", complexity: Literal["pci", "cog"] = "pci", scope: Scope = "traded",
         limit: int | None = 50) -> pd.DataFrame:
    """Activities the place is not specialised in, best first, each with its 12218 node(s) and a sentence
    saying why: '发展 3562 半导体器件专用设备制造（半导体与集成电路）：关联密度 0.41，PCI 1.80 …'.

    Candidates: M = 0, a defined PCI (the activity is in the space) and, with scope="traded", a traded 大类.
    Score: the strategy's weights on the z-scores (across candidates) of density, PCI and COG. `complexity`
    picks the measure the sentence quotes (and the page plots); the score always uses both, as the Atlas does.
    """
    if strategy not in STRATEGIES:
        raise InputError(f"未知的策略 {strategy!r} (unknown strategy)", hint=f"可用 {', '.join(STRATEGIES)}")
    if complexity not in ("pci", "cog"):
        raise InputError(f"未知的复杂度指标 {complexity!r} (unknown complexity measure)", hint="可用 pci, cog")
    if scope not in ("traded", "all"):
        raise InputError(f"未知的范围 {scope!r} (unknown scope)", hint="可用 traded, all")
    if place == regions.GUANGZHOU and opp.space_kind == "districts":
        raise InputError("登记库中只有广州的企业，全市的 RCA 恒为 1，无法评估全市的发展机会 "
                         "(with Guangzhou firms only, the city's RCA is 1 everywhere)",
                         hint="导入其他城市的企业作为全国参照，或按区查看")
    rows = profile(opp, place)
    mask = (rows["M"] == 0) & rows["pci"].notna() & rows["density"].notna()
    if scope == "traded":
        mask &= np.fromiter((is_traded(c) for c in rows.index), bool, len(rows))
    cand = rows[mask].copy()
    w_density, w_pci, w_cog = STRATEGIES[strategy]
    cand["score"] = (w_density * _zscore(cand["density"]) + w_pci * _zscore(cand["pci"])
                     + w_cog * _zscore(cand["cog"]))
    # Best first; equal scores (to 1e-9: z-scores of tied inputs differ only by rounding) by density, then PCI,
    # then code, so the order never rests on floating-point noise.
    cand["_key"] = cand["score"].round(9)
    cand = cand.rename_axis("activity").reset_index().sort_values(
        ["_key", "density", "pci", "activity"], ascending=[False, False, False, True], kind="stable")
    cand = cand.drop(columns="_key").set_index("activity")
    if limit:
        cand = cand.head(limit)
    names, node_ids = _lookup(opp, framework)
    out = cand.reset_index()
    out["name"] = [names.get(c, "") for c in out["activity"]]
    ids = [node_ids.get(c, []) for c in out["activity"]]
    out["nodes"] = ["、".join(framework.node(n).name.zh for n in i) for i in ids]
    out["node_ids"] = [",".join(i) for i in ids]
    label = complexity.upper()
    out["reason"] = [
        f"发展 {c} {n}{f'（{nodes}）' if nodes else ''}：关联密度 {d:.2f}，{label} {k:.2f}，"
        f"当前 RCA {r:.2f}（本地 {int(fm)} 家）"
        for c, n, nodes, d, k, r, fm in zip(out["activity"], out["name"], out["nodes"], out["density"],
                                            out[complexity], out["rca"], out["firms"], strict=True)
    ]
    out.insert(0, "rank", range(1, len(out) + 1))
    return out[["rank", "activity", "name", "nodes", "node_ids", "density", "pci", "cog", "rca", "value", "firms",
                "national_value", "national_firms", "score", "reason"]]


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


def industry_space(opp: Opportunities, framework: Framework, place: str = regions.GUANGZHOU, *,
                   edges_per_node: int = 2, min_proximity: float = 0.3) -> dict:
    """The industry space: the space's activities at fixed positions, linked by the maximum spanning tree of
    proximity plus each activity's strongest links >= `min_proximity`, coloured by 12218 node, with the
    place's RCA and specialisations (M = 1)."""
    lay = space_layout(opp, edges_per_node=edges_per_node, min_proximity=min_proximity)
    rows = profile(opp, place).loc[opp.activities]
    names, node_ids = _lookup(opp, framework)
    codes = list(opp.activities)
    nodes = []
    for i, code in enumerate(codes):
        own = node_ids.get(code, [])
        r = rows.iloc[i]
        nodes.append({
            "id": code, "name": names.get(code) or code, "node": own[0] if own else None,
            "node_name": framework.node(own[0]).name.zh if own else "其他",
            "x": round(float(lay["xy"][i, 0]), 4), "y": round(float(lay["xy"][i, 1]), 4),
            "rca": round(float(r["rca"]), 4), "specialised": bool(r["M"]), "pci": round(float(r["pci"]), 4),
            "national_value": float(r["national_value"]),
        })
    edges = [{"source": codes[i], "target": codes[j], "proximity": round(float(w), 4)}
             for (i, j), w in zip(lay["edges"].tolist(), lay["weights"].tolist(), strict=True)]
    return {"place": place, "nodes": nodes, "edges": edges}
