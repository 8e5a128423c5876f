"""产业链分析 Industrial-chain analytics: diagnose 强链/弱链/缺链 (strong/weak/missing links), pick 链主 (chain
leaders), and draw up the 招商清单 (recruitment list) and 增资扩产清单 (expansion list).

Pure: DataFrames and a `ChainTemplate` in, DataFrames with machine columns and coded values out; no I/O, no
prose. Statuses, problems and bases are codes and every row keeps the numbers behind them, so
`chanye.present.chains` words them in Chinese or English. docs/chains.md states each rule, threshold and
formula; the named constants below are the defaults and every one of them is a parameter. Linking firms to
chain nodes is classification (`chanye.classify.chains`).

Input frames (column names as in the registry's store):

* firms: ``uscc, name, industry_code, business_scope`` and, for the area analyses, ``city_code,
  district_code``. The national sample: every firm the analysis may compare with, the area's included.
* figures: ``uscc, year, revenue`` (万元), optionally ``rd_expense`` (万元). One row per firm and year.
* tags: ``uscc, tag`` with tag ids from `chanye.standards.tags.TAGS` (above_scale, high_tech, srdi,
  little_giant, listed). May be None.
* links: what `chanye.classify.chains.link_enterprises` returns (one or several chains).

The area is `city` (an adcode, required: the pack's city) or one of its districts.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from chanye.classify.chains import PRODUCER, SELLER, USER, _require
from chanye.errors import InputError
from chanye.framework.chains import ChainTemplate

__all__ = [
    "DIAGNOSIS_COLUMNS",
    "EXPANSION_COLUMNS",
    "LEADER_COLUMNS",
    "PROBLEMS",
    "RECRUITMENT_COLUMNS",
    "STATUSES",
    "ExpansionWeights",
    "RecruitmentWeights",
    "diagnose",
    "expansion_list",
    "firm_measures",
    "leaders",
    "recruitment_list",
]

# --- firm-level measures ----------------------------------------------------------------------------------

TAG_IDS: tuple[str, ...] = ("srdi", "little_giant", "high_tech", "listed")  # the tags a score rewards
GROWTH_YEARS = 3  # CAGR over the last three years
GROWTH_CAP = 0.30  # a CAGR of 30% or more scores the full growth component
RD_CAP = 0.10  # an R&D intensity (研发费用/营业收入) of 10% or more scores the full R&D component


def _latest_year(figures: pd.DataFrame | None, year: int | None) -> int | None:
    if year is not None:
        return int(year)
    if figures is None or figures.empty:
        return None
    return int(pd.to_numeric(figures["year"]).max())


def _keys(values: pd.Series) -> pd.Series:
    """USCCs as an object-dtype Series (index kept). pandas' arrow-backed strings convert to numpy on every
    index lookup, which dominates the many lookups below; object keys hash once."""
    return pd.Series(values.astype(str).to_numpy(dtype=object), index=values.index, dtype=object)


def firm_measures(
    firms: pd.DataFrame,
    figures: pd.DataFrame | None,
    tags: pd.DataFrame | None,
    year: int | None = None,
    growth_years: int = GROWTH_YEARS,
) -> pd.DataFrame:
    """Per firm (indexed by uscc, object dtype): revenue and rd_expense (万元) in `year` (the latest year of
    `figures` by default), CAGR over the last `growth_years` (cagr, cagr_years), and one boolean column per
    tag (above_scale and `TAG_IDS`).

    `diagnose`, `leaders`, `recruitment_list` and `expansion_list` compute this themselves; a caller running
    several of them over the same frames may compute it once (same `year`, `growth_years`) and pass it as
    ``measures=``. Vectorised: hash joins, no per-row Python."""
    year = _latest_year(figures, year)
    ids = pd.Index(_keys(firms["uscc"]).unique(), name="uscc", dtype=object)
    out = pd.DataFrame(index=ids)
    out["revenue"] = 0.0
    out["rd_expense"] = np.nan
    out["cagr"] = np.nan
    out["cagr_years"] = 0
    if figures is not None and not figures.empty and year is not None:
        _require(figures, ["uscc", "year", "revenue"], "年度指标表 figures")
        years = pd.to_numeric(figures["year"]).astype(int)
        keep = ((years >= year - growth_years) & (years <= year)).to_numpy()
        fig = pd.DataFrame({
            "uscc": pd.Series(_keys(figures["uscc"]).to_numpy()[keep], dtype=object),
            "year": years.to_numpy()[keep],
            "revenue": pd.to_numeric(figures["revenue"], errors="coerce").to_numpy(dtype=float)[keep],
        })
        if "rd_expense" in figures.columns:
            fig["rd_expense"] = pd.to_numeric(figures["rd_expense"], errors="coerce").to_numpy(dtype=float)[keep]
        now = fig[fig["year"] == year].drop_duplicates("uscc", keep="last").set_index("uscc")
        out["revenue"] = now["revenue"].reindex(ids).fillna(0.0).astype(float)
        if "rd_expense" in now.columns:
            out["rd_expense"] = now["rd_expense"].reindex(ids)
        # CAGR from the earliest year in [year - growth_years, year) with positive revenue to `year`.
        window = fig[(fig["year"] < year) & (fig["revenue"] > 0)]
        first = window.sort_values(["uscc", "year"]).drop_duplicates("uscc", keep="first").set_index("uscc")
        base = first["revenue"].reindex(ids)
        span = (year - first["year"]).reindex(ids)
        last = out["revenue"].where(out["revenue"] > 0)
        ok = (base.notna() & last.notna() & span.notna()).to_numpy()
        cagr = (last[ok] / base[ok]) ** (1.0 / span[ok].astype(float)) - 1.0
        out.loc[ok, "cagr"] = cagr.to_numpy()
        out.loc[ok, "cagr_years"] = span[ok].astype(int).to_numpy()
    held = pd.DataFrame({"uscc": pd.Series(dtype=object), "tag": pd.Series(dtype=object)})
    if tags is not None and not tags.empty:
        _require(tags, ["uscc", "tag"], "企业标签表 tags")
        held = pd.DataFrame({"uscc": _keys(tags["uscc"]).to_numpy(), "tag": tags["tag"].astype(str).to_numpy()})
        held = held.astype({"uscc": object})
    for tag in ("above_scale", *TAG_IDS):
        out[tag] = ids.isin(held.loc[held["tag"] == tag, "uscc"])
    return out


def _measures(
    firms: pd.DataFrame,
    figures: pd.DataFrame | None,
    tags: pd.DataFrame | None,
    year: int | None,
    growth_years: int = GROWTH_YEARS,
    measures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """`firm_measures` for `firms`, or the rows of a precomputed `measures` for them."""
    if measures is None:
        return firm_measures(firms, figures, tags, year, growth_years)
    ids = pd.Index(_keys(firms["uscc"]).unique(), name="uscc", dtype=object)
    out = measures.reindex(ids)
    absent = ~ids.isin(measures.index)
    if absent.any():  # a firm the caller's measures lack: no figures, no tags
        out.loc[absent, ["revenue", "cagr_years"]] = 0
        out.loc[absent, ["above_scale", *TAG_IDS]] = False
        out = out.astype({"cagr_years": int, "above_scale": bool, **dict.fromkeys(TAG_IDS, bool)})
    return out


def _tag_ids(frame: pd.DataFrame, tags: Sequence[str] = TAG_IDS) -> list[str]:
    """The tags each row holds, as comma-joined ids in `tags` order (from the boolean tag columns)."""
    flags = zip(*(frame[t].to_numpy(dtype=bool) for t in tags), strict=True)
    return [",".join(t for t, f in zip(tags, row, strict=True) if f) for row in flags]


def _growth_component(cagr: pd.Series, cap: float) -> pd.Series:
    return (cagr / cap).clip(lower=0.0, upper=1.0).fillna(0.0)


# --- diagnosis --------------------------------------------------------------------------------------------

STRONG, WEAK, MISSING = "strong", "weak", "missing"  # 强链, 弱链, 缺链
STATUSES: tuple[str, ...] = (STRONG, WEAK, MISSING)
# Why a node is weak or missing (the `problems` of a diagnosis row), in the order they are checked.
PROBLEMS: tuple[str, ...] = ("no_producers", "few_producers", "no_above_scale", "no_lq", "lq_below_floor",
                             "lq_below_peers")
WEAK_PERCENTILE = 40.0  # 弱链 when the LQ is below this percentile of the peer cities' LQs for the node
MIN_PRODUCERS = 3  # 弱链 when fewer local producers
STRONG_LQ = 1.0  # 弱链 when the LQ is below this (no specialisation); 0 switches the rule off
MIN_PEER_FIRMS = 20  # peer cities: other cities with at least this many firms in the sample
LQ_BASES = ("revenue", "count")

DIAGNOSIS_COLUMNS = [
    "chain", "chain_node", "segment", "area",
    "producers", "above_scale", "srdi", "little_giant", "high_tech", "listed", "sellers", "users",
    "revenue_yi", "national_producers", "national_revenue_yi", "share_national",
    "lq", "lq_threshold", "lq_percentile", "peer_cities", "status", "problems",
]


def _area_mask(firms: pd.DataFrame, city: str, district: str | None) -> pd.Series:
    if district is not None:
        _require(firms, ["district_code"], "企业表 firms")
        return firms["district_code"].astype(object).astype(str) == str(district)
    _require(firms, ["city_code"], "企业表 firms")
    return firms["city_code"].astype(object).astype(str) == str(city)


def _chain_links(links: pd.DataFrame, chain: ChainTemplate) -> pd.DataFrame:
    _require(links, ["uscc", "chain", "chain_node", "role"], "关联表 links")
    out = links[links["chain"] == chain.id]
    return out.assign(uscc=_keys(out["uscc"]))


def diagnose(
    links: pd.DataFrame,
    firms: pd.DataFrame,
    figures: pd.DataFrame | None,
    tags: pd.DataFrame | None,
    chain: ChainTemplate | Sequence[ChainTemplate],
    city: str,
    district: str | None = None,
    peers: Sequence[str] | None = None,
    *,
    year: int | None = None,
    basis: str = "revenue",
    weak_percentile: float = WEAK_PERCENTILE,
    min_producers: int = MIN_PRODUCERS,
    strong_lq: float = STRONG_LQ,
    require_above_scale: bool = True,
    min_peer_firms: int = MIN_PEER_FIRMS,
    peer_active_only: bool = True,
    measures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """强链/弱链/缺链 for every node of `chain` in the city (or one of its districts), against the national sample.

    For each node: the area's producers (生产) and their tags, sellers and users; producers' revenue in `year`
    (the latest year of `figures` by default) in 亿元; the area's share of the sample's revenue on the node;
    the location quotient LQ = (node's revenue in the area / all revenue in the area) / (node's revenue in the
    sample / all revenue in the sample) — with ``basis="count"`` firm counts replace revenue. "All revenue" is
    that of every firm in `firms`, linked or not; a firm active on several nodes counts fully on each.

    Peer cities are `peers`, or else every other city with at least `min_peer_firms` firms in `firms`. For
    each node the comparison set is the peers with at least one producer on it (all peers, zeros included,
    with ``peer_active_only=False``); `peer_cities` counts them. lq_threshold is the `weak_percentile`-th
    percentile of their LQs (numpy's linear interpolation), lq_percentile the share (%) of them with a lower LQ.

    Status: missing (缺链) when the area has no producer; weak (弱链) when any of: fewer than `min_producers`
    producers, no 规上 (above_scale) producer (if `require_above_scale`), no LQ (no revenue figures), LQ
    below `strong_lq`, LQ below lq_threshold; strong (强链) otherwise. `problems` names which (`PROBLEMS`);
    the row's numbers and attrs["params"] hold what `chanye.present.chains` needs to word them. Columns:
    `DIAGNOSIS_COLUMNS`; attrs["units"] and attrs["params"] record units and parameters.

    `chain` may be a list of templates: one call then diagnoses them all (rows in template order), sharing
    the per-firm work, which costs more than the nodes. `measures`: see `firm_measures`.
    """
    if basis not in LQ_BASES:
        raise InputError(f"区位商口径 basis 只能是 {', '.join(LQ_BASES)} (unknown basis {basis!r})")
    _require(firms, ["uscc", "city_code"], "企业表 firms")
    year = _latest_year(figures, year)
    city = str(city)
    firms = firms.assign(uscc=_keys(firms["uscc"]), city_code=firms["city_code"].astype(object))
    measures = _measures(firms, figures, tags, year, measures=measures)
    size = measures["revenue"] if basis == "revenue" else pd.Series(1.0, index=measures.index)
    in_area = pd.Series(_area_mask(firms, city, district).to_numpy(), index=firms["uscc"])
    in_area = _any_by_key(in_area)
    firm_city = firms.drop_duplicates("uscc").set_index("uscc")["city_code"].astype(str)

    # peer cities
    counts = firm_city[firm_city != "nan"].value_counts()
    if peers is None:
        peer_codes = sorted(c for c, n in counts.items() if n >= min_peer_firms and c != city)
    else:
        peer_codes = [str(p) for p in peers if str(p) != city]
    national_total = float(size.sum())
    area_total = float(size[in_area.reindex(size.index, fill_value=False)].sum())
    city_totals = size.groupby(firm_city.reindex(size.index)).sum()

    rows = []
    chains = [chain] if isinstance(chain, ChainTemplate) else list(chain)
    for chain in chains:
        chain_links = _chain_links(links, chain)
        for node in chain.nodes:
            node_links = chain_links[chain_links["chain_node"] == node.id]
            made = pd.Index(node_links.loc[node_links["role"] == PRODUCER, "uscc"].unique(), dtype=object)
            made = made[measures.index.get_indexer(made) >= 0]  # hash lookups into the cached index
            local = made[in_area.reindex(made, fill_value=False).to_numpy()]
            local_m = measures.loc[local]
            local_size = float(size.reindex(local).sum())
            national_size = float(size.reindex(made).sum())
            sellers = node_links.loc[node_links["role"] == SELLER, "uscc"]
            users = node_links.loc[node_links["role"] == USER, "uscc"]

            lq = _lq(local_size, area_total, national_size, national_total)
            by_city = size.reindex(made).groupby(firm_city.reindex(made)).sum()
            compared = [c for c in peer_codes if float(by_city.get(c, 0.0)) > 0] if peer_active_only else peer_codes
            peer_lqs = np.array(
                [_lq(float(by_city.get(c, 0.0)), float(city_totals.get(c, 0.0)), national_size, national_total)
                 for c in compared],
                dtype=float,
            )
            peer_lqs = peer_lqs[~np.isnan(peer_lqs)]
            threshold = float(np.percentile(peer_lqs, weak_percentile)) if peer_lqs.size else math.nan
            percentile = 100.0 * float((peer_lqs < lq).mean()) if peer_lqs.size and not math.isnan(lq) else math.nan
            revenue_yi = float(measures["revenue"].reindex(local).sum()) / 1e4
            national_revenue_yi = float(measures["revenue"].reindex(made).sum()) / 1e4
            share = revenue_yi / national_revenue_yi if national_revenue_yi > 0 else math.nan
            row = {
                "chain": chain.id,
                "chain_node": node.id,
                "segment": node.segment,
                "area": district if district is not None else city,
                "producers": len(local),
                "above_scale": int(local_m["above_scale"].sum()),
                **{t: int(local_m[t].sum()) for t in TAG_IDS},
                "sellers": int(in_area.reindex(pd.Index(sellers.unique(), dtype=object), fill_value=False).sum()),
                "users": int(in_area.reindex(pd.Index(users.unique(), dtype=object), fill_value=False).sum()),
                "revenue_yi": revenue_yi,
                "national_producers": len(made),
                "national_revenue_yi": national_revenue_yi,
                "share_national": share,
                "lq": lq,
                "lq_threshold": threshold,
                "lq_percentile": percentile,
                "peer_cities": int(peer_lqs.size),
            }
            row["status"], row["problems"] = _label(row, min_producers, strong_lq, require_above_scale)
            rows.append(row)
    out = pd.DataFrame(rows, columns=DIAGNOSIS_COLUMNS)
    out.attrs["units"] = {"revenue_yi": "yi_yuan", "national_revenue_yi": "yi_yuan", "share_national": "ratio",
                          "lq_percentile": "percent"}
    out.attrs["params"] = {
        "city": city, "district": district, "year": year, "basis": basis, "peers": peer_codes,
        "weak_percentile": weak_percentile, "min_producers": min_producers, "strong_lq": strong_lq,
        "require_above_scale": require_above_scale, "min_peer_firms": min_peer_firms,
        "peer_active_only": peer_active_only,
    }
    return out


def _lq(node_area: float, area_total: float, node_national: float, national_total: float) -> float:
    """Location quotient: the node's share of the area's economy over its share of the national sample's."""
    if area_total <= 0 or node_national <= 0 or national_total <= 0:
        return math.nan
    return (node_area / area_total) / (node_national / national_total)


def _label(row: dict, min_producers: int, strong_lq: float, require_above_scale: bool) -> tuple[str, tuple]:
    """The node's status and the problems (`PROBLEMS`) that make it weak or missing."""
    n, lq, thr = row["producers"], row["lq"], row["lq_threshold"]
    if n == 0:
        return MISSING, ("no_producers",)
    problems = []
    if n < min_producers:
        problems.append("few_producers")
    if require_above_scale and row["above_scale"] == 0:
        problems.append("no_above_scale")
    if math.isnan(lq):
        problems.append("no_lq")
    else:
        if lq < strong_lq:
            problems.append("lq_below_floor")
        if not math.isnan(thr) and lq < thr:
            problems.append("lq_below_peers")
    return (WEAK if problems else STRONG), tuple(problems)


# --- 链主 (chain leaders) ----------------------------------------------------------------------------------

LEADER_TOP = 3
LEADER_COLUMNS = [
    "chain", "uscc", "name", "chain_nodes", "node_count", "connectivity", "chain_size", "revenue_yi",
    "size_rank", "connectivity_rank", "basis",
]


def _local_producers(links: pd.DataFrame, chain: ChainTemplate, firms: pd.DataFrame, city: str,
                     district: str | None) -> pd.DataFrame:
    chain_links = _chain_links(links, chain)
    made = chain_links[chain_links["role"] == PRODUCER]
    local = _any_by_key(pd.Series(_area_mask(firms, city, district).to_numpy(), index=_keys(firms["uscc"])))
    return made[local.reindex(made["uscc"], fill_value=False).to_numpy()]


def _any_by_key(mask: pd.Series) -> pd.Series:
    """True per key when any row with that key is True (a no-op on unique keys: no sort of 200k strings)."""
    return mask if mask.index.is_unique else mask.groupby(level=0).any()


def _nodes_by_firm(links: pd.DataFrame, order: dict[str, int]) -> dict[str, list[str]]:
    """Each firm's distinct chain nodes in `links`, in template order."""
    pairs = links[["uscc", "chain_node"]].drop_duplicates()
    by_node = np.argsort(pairs["chain_node"].map(order).to_numpy(), kind="stable")
    out: dict[str, list[str]] = {}
    for uscc, node in zip(pairs["uscc"].to_numpy(dtype=object)[by_node],
                          pairs["chain_node"].to_numpy(dtype=object)[by_node], strict=True):
        out.setdefault(uscc, []).append(node)
    return out


def _neighbourhood(chain: ChainTemplate) -> dict[str, set[str]]:
    """Each node with the nodes one supply edge away in either direction (its closed neighbourhood)."""
    graph = chain.graph().to_undirected()
    return {n: {n, *graph.neighbors(n)} for n in graph.nodes}


def leaders(
    links: pd.DataFrame,
    firms: pd.DataFrame,
    figures: pd.DataFrame | None,
    chain: ChainTemplate,
    city: str,
    district: str | None = None,
    *,
    year: int | None = None,
    top: int = LEADER_TOP,
    measures: pd.DataFrame | None = None,
    exclude: Collection[str] = (),
) -> pd.DataFrame:
    """链主: the area's `top` largest producers on the chain by revenue, and its `top` best-connected ones.

    `exclude`: USCCs that cannot lead the chain (the feasibility filters, `analytics.feasibility`: resource-bound
    firms, local services such as hospitals); those among the local producers are listed in
    attrs["excluded"].

    Connectivity of a firm = the number of chain nodes within one supply edge (either direction) of the nodes
    it produces on, those nodes included; ties go to more nodes produced on, then revenue, then USCC. A firm
    in both lists appears once (basis ("size", "connectivity")). Rows come in size order, then the
    connectivity-only leaders in connectivity order. `chain_size`: the chain's number of nodes. Columns:
    `LEADER_COLUMNS`.
    """
    year = _latest_year(figures, year)
    made, excluded = _drop(_local_producers(links, chain, firms, str(city), district), exclude)
    if made.empty:
        return _empty(LEADER_COLUMNS, excluded)
    measures = _measures(pd.DataFrame({"uscc": made["uscc"].unique()}), figures, None, year, measures=measures)
    order = {n.id: i for i, n in enumerate(chain.nodes)}
    near = _neighbourhood(chain)
    by_firm = _nodes_by_firm(made, order)
    firm_name = firms.assign(uscc=_keys(firms["uscc"])).drop_duplicates("uscc").set_index("uscc")["name"]
    firm_name = firm_name.reindex(pd.Index(list(by_firm), dtype=object)).to_dict()
    revenue = measures["revenue"].to_dict()
    rows = []
    for uscc in sorted(by_firm):
        nodes = by_firm[uscc]
        reach = set().union(*(near[n] for n in nodes))
        name = firm_name.get(uscc)
        rows.append({
            "chain": chain.id, "uscc": uscc, "name": uscc if name is None or name != name else name,
            "chain_nodes": ",".join(nodes), "node_count": len(nodes),
            "connectivity": len(reach), "chain_size": len(chain.nodes), "revenue_yi": float(revenue.get(uscc, 0.0)) / 1e4,
        })
    frame = pd.DataFrame(rows)
    by_size = frame[frame["revenue_yi"] > 0].sort_values(["revenue_yi", "uscc"], ascending=[False, True])
    by_conn = frame.sort_values(["connectivity", "node_count", "revenue_yi", "uscc"],
                                ascending=[False, False, False, True])
    frame["size_rank"] = pd.Series(range(1, len(by_size) + 1), index=by_size.index).reindex(frame.index)
    frame["connectivity_rank"] = pd.Series(range(1, len(by_conn) + 1), index=by_conn.index)
    picked = frame[(frame["size_rank"] <= top) | (frame["connectivity_rank"] <= top)].copy()
    picked["_size"] = picked["size_rank"].where(picked["size_rank"] <= top)
    picked = picked.sort_values(["_size", "connectivity_rank"], na_position="last")
    by_size, by_conn = picked["size_rank"] <= top, picked["connectivity_rank"] <= top
    picked["basis"] = [(("size",) if s else ()) + (("connectivity",) if c else ())
                       for s, c in zip(by_size, by_conn, strict=True)]
    picked["size_rank"] = picked["size_rank"].astype("Int64")
    picked["connectivity_rank"] = picked["connectivity_rank"].astype("Int64")
    out = picked[LEADER_COLUMNS].reset_index(drop=True)
    out.attrs["excluded"] = excluded
    return out


def _drop(made: pd.DataFrame, exclude: Collection[str]) -> tuple[pd.DataFrame, list[str]]:
    """(`made` without the excluded firms, the excluded firms among them, sorted)."""
    if not len(exclude) or made.empty:
        return made, []
    out = made["uscc"].isin(set(exclude))
    return made[~out], sorted(set(made.loc[out, "uscc"]))


def _empty(columns: list[str], excluded: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(columns=columns)
    frame.attrs["excluded"] = excluded
    return frame


# --- 招商清单 and 增资扩产清单 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecruitmentWeights:
    """Weights of the 招商 score's components (each component lies in [0, 1])."""

    size: float = 0.4
    growth: float = 0.2
    tags: float = 0.2
    connectivity: float = 0.2


@dataclass(frozen=True)
class ExpansionWeights:
    """Weights of the 增资扩产 score's components (each component lies in [0, 1]). Size counts: most
    expansion happens in the largest firms (the strong links' producers and the 链主)."""

    size: float = 0.25
    growth: float = 0.3
    rd: float = 0.2
    tags: float = 0.15
    scale: float = 0.1


RECRUITMENT_COLUMNS = [
    "rank", "uscc", "name", "city_code", "chain_nodes", "node_statuses", "score", "size", "growth", "tags",
    "connectivity", "revenue_yi", "cagr", "cagr_years", "tag_ids", "linked_nodes", "local_nodes",
]
EXPANSION_COLUMNS = [
    "rank", "uscc", "name", "district_code", "chain_nodes", "node_statuses", "score", "size", "growth", "rd", "tags",
    "scale", "revenue_yi", "cagr", "cagr_years", "rd_intensity", "above_scale", "tag_ids",
]


def _target_nodes(diagnosis: pd.DataFrame, chain: ChainTemplate, statuses: Sequence[str]) -> dict[str, str]:
    _require(diagnosis, ["chain", "chain_node", "status"], "诊断表 diagnosis")
    d = diagnosis[(diagnosis["chain"] == chain.id) & diagnosis["status"].isin(list(statuses))]
    return dict(zip(d["chain_node"], d["status"], strict=True))


def recruitment_list(
    links: pd.DataFrame,
    firms: pd.DataFrame,
    figures: pd.DataFrame | None,
    tags: pd.DataFrame | None,
    chain: ChainTemplate,
    diagnosis: pd.DataFrame,
    city: str,
    *,
    year: int | None = None,
    weights: RecruitmentWeights = RecruitmentWeights(),
    statuses: Sequence[str] = (MISSING, WEAK),
    growth_years: int = GROWTH_YEARS,
    growth_cap: float = GROWTH_CAP,
    top: int | None = None,
    measures: pd.DataFrame | None = None,
    exclude: Collection[str] = (),
) -> pd.DataFrame:
    """招商清单: producers outside `city` on the chain's 缺链/弱链 nodes (per `diagnosis`), best first.

    `exclude`: USCCs that are not 招商 targets (the feasibility filters: resource-bound firms, local services,
    restricted classes); those among the candidates are listed in attrs["excluded"] and do not enter the
    score's normalisation.

    score = w.size·size + w.growth·growth + w.tags·tags + w.connectivity·connectivity, each in [0, 1]:

    * size = ln(1 + revenue in 万元) / the largest such value among the candidates;
    * growth = revenue CAGR over the last `growth_years` / `growth_cap`, clipped to [0, 1] (0 without figures);
    * tags = share of the four tags 专精特新, 小巨人, 高新技术企业, 上市 the firm holds;
    * connectivity = share of the city's chain nodes (those with local producers) that lie one supply edge
      from a node the firm produces on.

    One row per firm: its target nodes (`chain_nodes`, comma-joined, with their statuses in `node_statuses`),
    the local nodes it could supply or buy from (`linked_nodes`) out of `local_nodes`; ties broken by revenue,
    then USCC. Columns: `RECRUITMENT_COLUMNS`.
    """
    city = str(city)
    targets = _target_nodes(diagnosis, chain, statuses)
    local_nodes = set(diagnosis.loc[(diagnosis["chain"] == chain.id) & (diagnosis["producers"] > 0),
                                    "chain_node"])
    year = _latest_year(figures, year)
    chain_links = _chain_links(links, chain)
    made = chain_links[chain_links["role"] == PRODUCER]
    firm_info = firms.assign(uscc=_keys(firms["uscc"])).drop_duplicates("uscc").set_index("uscc")
    firm_city = firm_info["city_code"].astype(object)
    outside = firm_city.notna() & (firm_city.astype(str) != city)
    made = made[outside.reindex(made["uscc"], fill_value=False).to_numpy()]
    candidates, excluded = _drop(made[made["chain_node"].isin(list(targets))], exclude)
    made = made[~made["uscc"].isin(excluded)]
    if candidates.empty:
        return _empty(RECRUITMENT_COLUMNS, excluded)
    ids = pd.Index(sorted(candidates["uscc"].unique()), name="uscc", dtype=object)
    measures = _measures(firm_info.loc[ids].reset_index(), figures, tags, year, growth_years, measures)
    order = {n.id: i for i, n in enumerate(chain.nodes)}
    near = _neighbourhood(chain)
    frame = measures.loc[ids].copy()
    frame.index.name = None
    all_nodes = {u: set(nodes) for u, nodes in _nodes_by_firm(made[made["uscc"].isin(ids)], order).items()}
    target_nodes = _nodes_by_firm(candidates, order)
    frame["chain_nodes"] = [",".join(target_nodes[u]) for u in ids]
    frame["node_statuses"] = [",".join(targets[n] for n in target_nodes[u]) for u in ids]
    linked = []
    for u in ids:
        own = all_nodes[u]
        reach = set().union(*(near[n] for n in own)) - own
        linked.append(sorted(reach & local_nodes, key=order.__getitem__))
    frame["linked_nodes"] = [",".join(x) for x in linked]
    frame["local_nodes"] = len(local_nodes)
    log_size = np.log1p(frame["revenue"].clip(lower=0))
    frame["size"] = log_size / log_size.max() if log_size.max() > 0 else 0.0
    frame["growth"] = _growth_component(frame["cagr"], growth_cap)
    frame["tags"] = frame[list(TAG_IDS)].sum(axis=1) / len(TAG_IDS)
    frame["connectivity"] = [len(x) / len(local_nodes) if local_nodes else 0.0 for x in linked]
    w = weights
    frame["score"] = (w.size * frame["size"] + w.growth * frame["growth"] + w.tags * frame["tags"]
                      + w.connectivity * frame["connectivity"])
    frame["revenue_yi"] = frame["revenue"] / 1e4
    frame["tag_ids"] = _tag_ids(frame)
    frame["uscc"] = frame.index
    frame["city_code"] = firm_city.reindex(ids).astype(str).to_numpy()
    frame["name"] = firm_info["name"].reindex(ids).to_numpy() if "name" in firm_info else frame["uscc"]
    frame = frame.sort_values(["score", "revenue", "uscc"], ascending=[False, False, True])
    if top is not None:
        frame = frame.head(top)
    frame["rank"] = range(1, len(frame) + 1)
    out = frame[RECRUITMENT_COLUMNS].reset_index(drop=True)
    out.attrs["excluded"] = excluded
    return out


def expansion_list(
    links: pd.DataFrame,
    firms: pd.DataFrame,
    figures: pd.DataFrame | None,
    tags: pd.DataFrame | None,
    chain: ChainTemplate,
    diagnosis: pd.DataFrame,
    city: str,
    district: str | None = None,
    *,
    year: int | None = None,
    weights: ExpansionWeights = ExpansionWeights(),
    statuses: Sequence[str] = (STRONG, WEAK),
    growth_years: int = GROWTH_YEARS,
    growth_cap: float = GROWTH_CAP,
    rd_cap: float = RD_CAP,
    top: int | None = None,
    measures: pd.DataFrame | None = None,
    exclude: Collection[str] = (),
) -> pd.DataFrame:
    """增资扩产清单: every local producer on the chain (nodes of `statuses` per `diagnosis`: strong and weak
    links by default, so the strong links' producers and the 链主 are scored too) with size, growth and
    capacity signals.

    score = w.size·size + w.growth·growth + w.rd·rd + w.tags·tags + w.scale·scale, each in [0, 1]:

    * size = ln(1 + revenue in 万元) / the largest such value among the candidates;
    * growth = revenue CAGR over the last `growth_years` / `growth_cap`, clipped to [0, 1];
    * rd = R&D intensity (研发费用 / 营业收入 in `year`) / `rd_cap`, clipped to [0, 1] (0 without figures);
    * tags = share of the four tags 专精特新, 小巨人, 高新技术企业, 上市 the firm holds;
    * scale = 1 for a 规上 (above_scale) firm, else 0.

    One row per firm (target nodes and their statuses as in `recruitment_list`, the firm's district code);
    ties broken by revenue, then USCC. `exclude`: as in `recruitment_list`. Columns: `EXPANSION_COLUMNS`.
    """
    targets = _target_nodes(diagnosis, chain, statuses)
    year = _latest_year(figures, year)
    made = _local_producers(links, chain, firms, str(city), district)
    candidates, excluded = _drop(made[made["chain_node"].isin(list(targets))], exclude)
    if candidates.empty:
        return _empty(EXPANSION_COLUMNS, excluded)
    ids = pd.Index(sorted(candidates["uscc"].unique()), name="uscc", dtype=object)
    firm_info = firms.assign(uscc=_keys(firms["uscc"])).drop_duplicates("uscc").set_index("uscc")
    measures = _measures(firm_info.loc[ids].reset_index(), figures, tags, year, growth_years, measures)
    order = {n.id: i for i, n in enumerate(chain.nodes)}
    frame = measures.loc[ids].copy()
    frame.index.name = None
    target_nodes = _nodes_by_firm(candidates, order)
    frame["chain_nodes"] = [",".join(target_nodes[u]) for u in ids]
    frame["node_statuses"] = [",".join(targets[n] for n in target_nodes[u]) for u in ids]
    frame["growth"] = _growth_component(frame["cagr"], growth_cap)
    revenue = frame["revenue"].where(frame["revenue"] > 0)
    frame["rd_intensity"] = frame["rd_expense"] / revenue
    frame["rd"] = (frame["rd_intensity"] / rd_cap).clip(lower=0.0, upper=1.0).fillna(0.0)
    frame["tags"] = frame[list(TAG_IDS)].sum(axis=1) / len(TAG_IDS)
    frame["scale"] = frame["above_scale"].astype(float)
    log_size = np.log1p(frame["revenue"].clip(lower=0))
    frame["size"] = log_size / log_size.max() if log_size.max() > 0 else 0.0
    w = weights
    frame["score"] = (w.size * frame["size"] + w.growth * frame["growth"] + w.rd * frame["rd"]
                      + w.tags * frame["tags"] + w.scale * frame["scale"])
    frame["revenue_yi"] = frame["revenue"] / 1e4
    frame["tag_ids"] = _tag_ids(frame)
    frame["uscc"] = frame.index
    district_code = (firm_info["district_code"].reindex(ids) if "district_code" in firm_info
                     else pd.Series(None, index=ids, dtype=object))
    frame["district_code"] = district_code.astype(object).where(district_code.notna(), None).to_numpy()
    frame["name"] = firm_info["name"].reindex(ids).to_numpy() if "name" in firm_info else frame["uscc"]
    frame = frame.sort_values(["score", "revenue", "uscc"], ascending=[False, False, True])
    if top is not None:
        frame = frame.head(top)
    frame["rank"] = range(1, len(frame) + 1)
    out = frame[EXPANSION_COLUMNS].reset_index(drop=True)
    out.attrs["excluded"] = excluded
    return out


def weights_dict(weights: RecruitmentWeights | ExpansionWeights) -> dict[str, float]:
    """The weights as a plain dict (for reports and the API)."""
    return asdict(weights)
