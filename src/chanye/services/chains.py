"""The chain board (产业链图谱): the service behind `chanye chains`, /api/v1/chains and the 产业链 pages.

Enterprise-to-chain-node links are computed when the store is written (the demo build, every import for the
firms it touched, `chanye classify` after a template edit; `registry.chain_links`) and read back here. The
pure `analytics.chains` then diagnoses strong/weak/missing links (强链/弱链/缺链), names the chain leaders
(链主) and draws up the recruitment (招商) and expansion (增资扩产) lists for the pack's city or one of its
districts. The per-firm measures (revenue, growth, tags) are computed once per `Inputs` and shared by every
chain.

Results are typed (`ChainsOverview`, `ChainBoard`, `NodeDetail`): `Table`s with machine keys whose number
cells carry a machine unit and the data's provenance; statuses, problems, roles, methods and tags are codes,
and `chanye.present.chains` words them. A district is given by any spelling the pack's city knows
(`resolve_district`); None is the whole city.

`Host` is what the cached accessors (`overview`, `board`, `node`) need: the `Platform`, or the web app's
context, which offer the same `framework`, `cursor()` and `cached()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
import pandas as pd

from chanye.analytics import chains as ch
from chanye.analytics import feasibility
from chanye.classify.chain_links import link_status
from chanye.classify.chains import LINK_COLUMNS, PRODUCER, ROLES, link_enterprises
from chanye.framework.chains import ChainTemplate
from chanye.framework.model import Framework
from chanye.registry import views
from chanye.registry.chain_links import read_links
from chanye.registry.store import Store
from chanye.services.access import LOCAL, Viewer
from chanye.services.results import Column, Provenance, Table, table
from chanye.services.scoreboard import resolve_area
from chanye.standards import industrial_policy
from chanye.standards.regions import City

__all__ = [
    "ChainBoard",
    "ChainView",
    "ChainsOverview",
    "Host",
    "Inputs",
    "NodeDetail",
    "board",
    "board_of",
    "load_inputs",
    "node",
    "node_detail",
    "open_view",
    "overview",
    "read_chain_links",
    "resolve_district",
    "restrict_board",
    "restrict_node",
    "summary",
    "view",
    "view_of",
]

TAG_COLUMNS = ("above_scale", *ch.TAG_IDS)  # the tags a node's enterprises show


class Host(Protocol):
    framework: Framework

    def cursor(self) -> Store: ...

    def cached(self, key: tuple, compute): ...


# --- inputs ------------------------------------------------------------------------------------------------


@dataclass
class Inputs:
    """The registry frames every chain needs, read once, with the per-firm measures computed once."""

    firms: pd.DataFrame
    figures: pd.DataFrame
    tags: pd.DataFrame
    synthetic: bool
    year: int | None
    measures: pd.DataFrame
    status: dict[str, str] = field(default_factory=dict)  # chain id -> current | stale | missing
    info: pd.DataFrame | None = None  # one row per firm, indexed by USCC (object dtype): name, city, district

    @property
    def provenance(self) -> Provenance:
        return Provenance.of_data(self.synthetic)

    def screened(self) -> dict[str, tuple]:
        """USCC -> the feasibility reasons of its declared 小类 (only firms some filter removes; the pack-relevance
        filter is not applied: a chain link already places the firm in the pack). Computed once."""
        if "_screened" not in self.__dict__:
            frame = self.firms[["uscc", "industry_code"]].drop_duplicates("uscc")
            codes = frame["industry_code"].dropna().astype(str).unique()
            by_code = feasibility.screen(codes, restricted=industrial_policy.by_class(),
                                         enabled=LIST_FILTERS)
            self.__dict__["_screened"] = {
                u: by_code[c] for u, c in zip(frame["uscc"].astype(str), frame["industry_code"].astype(str),
                                              strict=True) if c in by_code}
        return self.__dict__["_screened"]


# The filters the chain lists apply (issue 11): pack relevance is the chain link itself.
LIST_FILTERS = ("resource_bound", "local_service", "restricted")


def load_inputs(store: Store, framework: Framework) -> Inputs:
    status = link_status(store, framework)
    # Issue 14 (a server that stays small): the business scopes (45 MB on the full demo) only serve to link a
    # chain whose links were never stored.
    firms = views.chain_firms(store, scopes="missing" in status.values())
    years = views.years(store)
    year = years[-1] if years else None
    tags = views.tags(store)
    if year is None:
        figures = views.figures_between(store, 0, -1, FIGURE_MEASURES)  # no figures: none to read
    else:  # what `firm_measures` reads: its year and the growth window before it, revenue and R&D
        figures = views.figures_between(store, year - ch.GROWTH_YEARS, year, FIGURE_MEASURES)
    measures = ch.firm_measures(firms, figures, tags, year)
    # The figures and tags are not kept (issue 14: 1 M figure rows were 150 MB of the server): with `measures`
    # and `year` given, the analytics read nothing of them; empty frames with their columns stand in.
    figures, tags = figures.iloc[:0].copy(), tags.iloc[:0].copy()
    ids = measures.index  # the firms' USCCs in firm order, object dtype: one str per firm shared by both frames
    if len(firms) == len(ids):  # uscc is the key: one row per firm, in the same order
        info = firms[["name", "city_code", "district_code"]].set_axis(ids, axis=0)
    else:
        unique = firms[["uscc", "name", "city_code", "district_code"]].drop_duplicates("uscc")
        info = unique.set_index(pd.Index(unique["uscc"].astype(str).to_numpy(dtype=object), dtype=object,
                                         name="uscc")).drop(columns="uscc")
    return Inputs(firms, figures, tags, views.is_synthetic(store), year, measures, status, info)


FIGURE_MEASURES = ("revenue", "rd_expense")  # of `views.figures_between`: what the chains' measures read


def read_chain_links(store: Store, framework: Framework, chain_id: str | None = None,
                     inputs: Inputs | None = None) -> pd.DataFrame:
    """The stored links of one chain (or all). A chain this store has never linked (a database older than
    chain links, or links of an older format) is linked in memory from `inputs`, without writing;
    `chanye classify` stores them."""
    chains = [framework.chain(chain_id)] if chain_id else list(framework.chains)
    status = inputs.status if inputs is not None else link_status(store, framework)
    missing = [c for c in chains if status.get(c.id) == "missing"]
    if len(missing) == len(chains):
        stored = pd.DataFrame(columns=LINK_COLUMNS)
    else:
        stored = read_links(store, framework.id, chains[0].id if chain_id else None)
    if not missing:
        return stored
    firms = inputs.firms if inputs is not None else views.chain_firms(store)
    fresh = link_enterprises(firms, missing)
    stored = stored[~stored["chain"].isin([c.id for c in missing])]
    return pd.concat([stored, fresh], ignore_index=True) if len(stored) else fresh


def resolve_district(framework: Framework, district: str | None) -> str | None:
    """A district of the pack's city by name, short name, English name or adcode; None for the whole city
    (None, '', or the city's own code or name). Unknown names: `scoreboard.resolve_area`'s NotFound."""
    code = resolve_area(framework, district)
    return None if code == framework.city.code else code


def _in_area(firms: pd.DataFrame, city: str, district: str | None) -> np.ndarray:
    """Whether each firm lies in the city (or in the district)."""
    column, code = ("district_code", district) if district else ("city_code", city)
    return (firms[column].astype(object).astype(str) == code).to_numpy()


# --- one chain in one area: the analytics' frames ----------------------------------------------------------


@dataclass
class ChainView:
    """One chain in the city or a district, as the analytics return it (frames with machine columns)."""

    chain: ChainTemplate
    links: pd.DataFrame
    diagnosis: pd.DataFrame
    leaders: pd.DataFrame
    recruitment: pd.DataFrame
    expansion: pd.DataFrame
    city: City
    district: str | None
    synthetic: bool
    year: int | None
    status: str = "current"  # of the stored links: current | stale | missing
    params: dict = field(default_factory=dict)  # the diagnosis' parameters
    feasible: bool = True  # the feasibility filters are on
    excluded: dict = field(default_factory=dict)  # list -> {uscc: reasons} the filters took off (or would)

    @property
    def provenance(self) -> Provenance:
        return Provenance.of_data(self.synthetic)


def view(inputs: Inputs, framework: Framework, chain_id: str, *, district: str | None = None,
         links: pd.DataFrame | None = None, feasible: bool = True) -> ChainView:
    """Everything about one chain in the city (or one district): diagnosis, 链主 and the full lists.
    `links`: the chain's links (`read_chain_links`); computed in memory when not given. With `feasible` (the
    default) firms the feasibility filters remove (`LIST_FILTERS`, by their declared 小类) are neither 链主 nor
    on the lists; `excluded` names them with their reasons either way."""
    chain = framework.chain(chain_id)
    district = resolve_district(framework, district)
    if links is None:
        if "business_scope" not in inputs.firms.columns:  # load_inputs keeps the scopes only where links are missing
            raise ValueError("链接企业需要经营范围：请传入已存储的关联 (linking needs the business scopes: pass the "
                             "stored links, read_chain_links)")
        links = link_enterprises(inputs.firms, chain)
    city, year, m = framework.city.code, inputs.year, inputs.measures
    args = (links, inputs.firms, inputs.figures, inputs.tags, chain)
    screened = inputs.screened()
    chain_firms = set(links["uscc"].astype(str))
    out = {u: r for u, r in screened.items() if u in chain_firms}
    # The filtered firms are found with the filters on; shown all, the lists keep them.
    exclude = tuple(out)
    diagnosis = ch.diagnose(*args, city, district, year=year, measures=m)
    leaders = ch.leaders(links, inputs.firms, inputs.figures, chain, city, district, year=year, measures=m,
                         exclude=exclude)
    recruitment = ch.recruitment_list(*args, diagnosis, city, year=year, measures=m, exclude=exclude)
    expansion = ch.expansion_list(*args, diagnosis, city, district, year=year, measures=m, exclude=exclude)
    excluded = {name: {u: out[u] for u in frame.attrs.get("excluded", [])}
                for name, frame in (("recruitment", recruitment), ("expansion", expansion), ("leaders", leaders))}
    if not feasible and exclude:  # shown all: the lists again, without the filters
        leaders = ch.leaders(links, inputs.firms, inputs.figures, chain, city, district, year=year, measures=m)
        recruitment = ch.recruitment_list(*args, diagnosis, city, year=year, measures=m)
        expansion = ch.expansion_list(*args, diagnosis, city, district, year=year, measures=m)
    return ChainView(chain, links, diagnosis, leaders, recruitment, expansion, framework.city, district,
                     inputs.synthetic, year, inputs.status.get(chain.id, "current"), dict(diagnosis.attrs["params"]),
                     feasible, excluded)


def open_view(store: Store, framework: Framework, chain_id: str, *, district: str | None = None) -> ChainView:
    """`view` straight from a store: inputs, the chain's stored links, the view."""
    chain = framework.chain(chain_id)
    district = resolve_district(framework, district)  # a bad district fails before any work
    inputs = load_inputs(store, framework)
    return view(inputs, framework, chain.id, district=district,
                links=read_chain_links(store, framework, chain.id, inputs))


# --- typed results -----------------------------------------------------------------------------------------


def _name(name) -> dict[str, str]:
    return {"zh": name.zh, "en": name.en or name.zh}


def _list(text: object) -> tuple[str, ...]:
    """A comma-joined list of ids as a tuple."""
    return tuple(t for t in str(text).split(",") if t) if isinstance(text, str) else ()


def _float(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _pct(value: object) -> float | None:
    """A ratio as a percentage."""
    v = _float(value)
    return None if v is None else v * 100.0


SUMMARY_COLUMNS = (
    Column("chain_id", "code", label="chain_col_chain_id"),
    Column("chain", "name", label="chain_col_chain"),
    Column("cluster_id", "code", label="chain_col_cluster_id"),
    Column("cluster", "name", label="chain_col_cluster"),
    Column("cluster_status", "code", label="chain_col_cluster_status", codes="status"),
    Column("nodes", "integer", "count", label="chain_col_nodes"),
    Column("strong", "integer", "count", label="chain_col_strong"),
    Column("weak", "integer", "count", label="chain_col_weak"),
    Column("missing", "integer", "count", label="chain_col_missing"),
    Column("local_producers", "integer", "firms", label="chain_col_local_producers"),
    Column("link_status", "code", label="chain_col_link_status", codes="chain_link_status"),
)

DIAGNOSIS_COLUMNS = (
    Column("node", "name", label="chain_col_node"),
    Column("chain_node", "code", label="chain_col_chain_node"),
    Column("segment", "code", label="chain_col_segment", codes="chain_segment"),
    Column("status", "code", label="chain_col_status", codes="chain_status"),
    Column("problems", "list", label="chain_col_problems", codes="chain_problem"),
    Column("producers", "integer", "firms", label="chain_col_local_producers"),
    Column("above_scale", "integer", "firms", label="chain_col_above_scale"),
    Column("srdi", "integer", "firms", label="chain_col_srdi"),
    Column("little_giant", "integer", "firms", label="chain_col_little_giant"),
    Column("high_tech", "integer", "firms", label="chain_col_high_tech"),
    Column("listed", "integer", "firms", label="chain_col_listed"),
    Column("sellers", "integer", "firms", label="chain_col_sellers"),
    Column("users", "integer", "firms", label="chain_col_users"),
    Column("revenue", "number", "yi_yuan", label="chain_col_revenue_local"),
    Column("national_producers", "integer", "firms", label="chain_col_national_producers"),
    Column("national_revenue", "number", "yi_yuan", label="chain_col_national_revenue"),
    Column("share_national", "number", "percent", label="chain_col_share_national"),
    Column("lq", "number", "ratio", label="chain_col_lq"),
    Column("lq_threshold", "number", "ratio", label="chain_col_lq_threshold"),
    Column("lq_percentile", "number", "percent", label="chain_col_lq_percentile"),
    Column("peer_cities", "integer", "count", label="chain_col_peer_cities"),
)

LEADER_COLUMNS = (
    Column("name", "text", label="chain_col_name"),
    Column("uscc", "code", label="chain_col_uscc"),
    Column("chain_nodes", "list", label="chain_col_chain_nodes"),
    Column("basis", "list", label="chain_col_basis", codes="chain_leader_basis"),
    Column("revenue", "number", "yi_yuan", label="chain_col_revenue"),
    Column("node_count", "integer", "count", label="chain_col_node_count"),
    Column("connectivity", "integer", "count", label="chain_col_connectivity"),
    Column("chain_size", "integer", "count", label="chain_col_nodes"),
    Column("size_rank", "code", label="chain_col_size_rank"),
    Column("connectivity_rank", "code", label="chain_col_connectivity_rank"),
)

RECRUITMENT_COLUMNS = (
    Column("rank", "code", label="chain_col_rank"),
    Column("name", "text", label="chain_col_name"),
    Column("uscc", "code", label="chain_col_uscc"),
    Column("city_code", "code", label="chain_col_city_code"),
    Column("chain_nodes", "list", label="chain_col_chain_nodes"),
    Column("node_statuses", "list", label="chain_col_node_statuses", codes="chain_status"),
    Column("score", "number", "score", label="chain_col_score"),
    Column("revenue", "number", "yi_yuan", label="chain_col_revenue"),
    Column("cagr", "number", "percent", label="chain_col_cagr"),
    Column("cagr_years", "integer", "year", label="chain_col_cagr_years"),
    Column("tags", "list", label="chain_col_tags", codes="chain_tag"),
    Column("size", "number", "score", label="chain_col_size_score"),
    Column("growth", "number", "score", label="chain_col_growth_score"),
    Column("tag_score", "number", "score", label="chain_col_tag_score"),
    Column("connectivity", "number", "score", label="chain_col_connectivity_score"),
    Column("linked_nodes", "list", label="chain_col_linked_nodes"),
    Column("local_nodes", "integer", "count", label="chain_col_local_nodes"),
)

EXPANSION_COLUMNS = (
    Column("rank", "code", label="chain_col_rank"),
    Column("name", "text", label="chain_col_name"),
    Column("uscc", "code", label="chain_col_uscc"),
    Column("district_code", "code", label="chain_col_district_code"),
    Column("chain_nodes", "list", label="chain_col_chain_nodes"),
    Column("node_statuses", "list", label="chain_col_node_statuses", codes="chain_status"),
    Column("score", "number", "score", label="chain_col_score"),
    Column("revenue", "number", "yi_yuan", label="chain_col_revenue"),
    Column("cagr", "number", "percent", label="chain_col_cagr"),
    Column("cagr_years", "integer", "year", label="chain_col_cagr_years"),
    Column("rd_intensity", "number", "percent", label="chain_col_rd_intensity"),
    Column("above_scale", "boolean", label="chain_col_is_above_scale"),
    Column("tags", "list", label="chain_col_tags", codes="chain_tag"),
    Column("size", "number", "score", label="chain_col_size_score"),
    Column("growth", "number", "score", label="chain_col_growth_score"),
    Column("rd", "number", "score", label="chain_col_rd_score"),
    Column("tag_score", "number", "score", label="chain_col_tag_score"),
    Column("scale", "number", "score", label="chain_col_scale_score"),
)

FIRM_COLUMNS = (
    Column("name", "text", label="chain_col_name"),
    Column("uscc", "code", label="chain_col_uscc"),
    Column("district_code", "code", label="chain_col_district_code"),
    Column("role", "code", label="chain_col_role", codes="chain_role"),
    Column("method", "code", label="chain_col_method", codes="chain_method"),
    Column("evidence", "code", label="chain_col_evidence_parts"),
    Column("confidence", "number", "score", label="chain_col_confidence"),
    Column("revenue", "number", "wan_yuan", label="chain_col_revenue"),
    Column("tags", "list", label="chain_col_tags", codes="chain_tag"),
)


@dataclass(frozen=True)
class ChainsOverview:
    """Every chain of the pack in the city or one district: its links counted by diagnosis."""

    city: City
    district: str | None
    year: int | None
    synthetic: bool
    summary: Table  # chain_summary: one row per chain

    @property
    def provenance(self) -> Provenance:
        return self.summary.provenance


@dataclass(frozen=True)
class ChainBoard:
    """One chain in the city or one district: the diagnosis of every link, the chain leaders and the two work
    lists (all rows; a page shows the first few)."""

    chain: ChainTemplate
    city: City
    district: str | None
    year: int | None
    synthetic: bool
    link_status: str
    params: Mapping[str, Any]  # the diagnosis' parameters (basis, thresholds, peer cities)
    diagnosis: Table  # chain_diagnosis: one row per link, in template order
    leaders: Table  # chain_leaders
    recruitment: Table  # chain_recruitment: producers elsewhere on weak or missing links, best first
    expansion: Table  # chain_expansion: every local producer on the chain, best first
    feasible: bool = True  # the feasibility filters are on (the default)
    filters: Table | None = None  # chain_filters: per list and filter, the firms it took off
    removed: Table | None = None  # chain_removed: the firms taken off, with their 小类 and reasons

    @property
    def provenance(self) -> Provenance:
        return self.diagnosis.provenance

    def counts(self) -> dict[str, int]:
        """Links per status (strong, weak, missing)."""
        found = [r["status"] for r in self.diagnosis.rows]
        return {s: found.count(s) for s in ch.STATUSES}


@dataclass(frozen=True)
class NodeDetail:
    """One link of a chain in the area: its diagnosis row, its local enterprises (producers first, then by
    revenue) and its recruitment targets; `total_*` count before the limit."""

    chain: ChainTemplate
    node_id: str
    city: City
    district: str | None
    year: int | None
    synthetic: bool
    diagnosis: Table  # one row of the board's diagnosis
    firms: Table  # chain_node_firms
    targets: Table  # chain_node_targets: the recruitment rows on this link
    roles: Mapping[str, int]  # local enterprises per role
    total_firms: int
    total_targets: int


def summary(inputs: Inputs, framework: Framework, links: pd.DataFrame, *,
            district: str | None = None) -> ChainsOverview:
    """One row per chain: its cluster, the cluster's status, and how many links are strong/weak/missing in the
    area. `links`: every chain's links (`read_chain_links(store, framework)`); one diagnosis call for all."""
    district = resolve_district(framework, district)
    city = framework.city
    chains = list(framework.chains)
    diagnosis = ch.diagnose(links, inputs.firms, inputs.figures, inputs.tags, chains, city.code, district,
                            year=inputs.year, measures=inputs.measures)
    local_ids = set(inputs.firms.loc[_in_area(inputs.firms, city.code, district), "uscc"].astype(str))
    made = links[links["role"] == PRODUCER]
    made = made[made["uscc"].astype(str).isin(local_ids)]
    firms_by_chain = made.groupby("chain")["uscc"].nunique()
    rows = []
    for chain in chains:
        counts = diagnosis.loc[diagnosis["chain"] == chain.id, "status"].value_counts()
        cluster = framework.node(chain.cluster)
        rows.append({
            "chain_id": chain.id, "chain": _name(chain.name), "cluster_id": chain.cluster,
            "cluster": _name(cluster.name), "cluster_status": cluster.status, "nodes": len(chain.nodes),
            **{s: int(counts.get(s, 0)) for s in ch.STATUSES},
            "local_producers": int(firms_by_chain.get(chain.id, 0)),
            "link_status": inputs.status.get(chain.id, "current"),
        })
    return ChainsOverview(city, district, inputs.year, inputs.synthetic,
                          table("chain_summary", SUMMARY_COLUMNS, rows, inputs.provenance))


def _diagnosis_table(v: ChainView) -> Table:
    names = {n.id: _name(n.name) for n in v.chain.nodes}
    rows = []
    for r in v.diagnosis.to_dict("records"):
        rows.append({
            "node": names[r["chain_node"]], "chain_node": r["chain_node"], "segment": r["segment"],
            "status": r["status"], "problems": tuple(r["problems"]),
            **{k: int(r[k]) for k in ("producers", *TAG_COLUMNS, "sellers", "users", "national_producers",
                                      "peer_cities")},
            "revenue": _float(r["revenue_yi"]), "national_revenue": _float(r["national_revenue_yi"]),
            "share_national": _pct(r["share_national"]), "lq": _float(r["lq"]),
            "lq_threshold": _float(r["lq_threshold"]), "lq_percentile": _float(r["lq_percentile"]),
        })
    return table("chain_diagnosis", DIAGNOSIS_COLUMNS, rows, v.provenance)


def _leaders_table(v: ChainView) -> Table:
    rows = [{
        "name": r["name"], "uscc": r["uscc"], "chain_nodes": _list(r["chain_nodes"]), "basis": tuple(r["basis"]),
        "revenue": _float(r["revenue_yi"]), "node_count": int(r["node_count"]),
        "connectivity": int(r["connectivity"]), "chain_size": int(r["chain_size"]),
        "size_rank": None if pd.isna(r["size_rank"]) else int(r["size_rank"]),
        "connectivity_rank": int(r["connectivity_rank"]),
    } for r in v.leaders.to_dict("records")]
    return table("chain_leaders", LEADER_COLUMNS, rows, v.provenance)


class Row(Mapping):
    """A read-only row of a long list: the list's one key -> position dict and a tuple of values. Issue 14 (a
    server that stays small): the 22 chains' recruitment and expansion lists hold 87,000 rows on the full demo,
    113 MB as 17-key dicts (a dict alone ~650 bytes); a Row is 48 bytes beside its tuple. Reads like the dict
    it replaces (same keys in the same order; equal to it), for the few rows a page words or serialises."""

    __slots__ = ("_at", "_values")

    def __init__(self, at: Mapping[str, int], values: tuple) -> None:
        self._at = at
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[self._at[key]]

    def get(self, key: str, default: Any = None) -> Any:
        at = self._at.get(key)
        return default if at is None else self._values[at]

    def __contains__(self, key: object) -> bool:
        return key in self._at

    def __iter__(self):
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)

    def __repr__(self) -> str:
        return repr(dict(self))


def _positions(*keys: str) -> dict[str, int]:
    return {k: i for i, k in enumerate(keys)}


# The keys of a list's rows in order (the order of the dicts they replace), the place code fourth.
_LIST_KEYS = ("chain_nodes", "node_statuses", "score", "revenue", "cagr", "cagr_years", "tags", "growth", "tag_score")
RECRUITMENT_KEYS = _positions("rank", "name", "uscc", "city_code", *_LIST_KEYS, "size", "connectivity", "linked_nodes",
                              "local_nodes")
EXPANSION_KEYS = _positions("rank", "name", "uscc", "district_code", *_LIST_KEYS, "rd_intensity", "above_scale", "rd",
                            "scale", "size")


def _list_rows(frame: pd.DataFrame, place: str) -> list[Row]:
    """Rows of the recruitment (place 'city_code') or expansion ('district_code') list. Equal id tuples and place
    codes share one object (a few hundred distinct ones among tens of thousands of rows)."""
    shared: dict = {}

    def ids(text: object) -> tuple[str, ...]:
        found = _list(text)
        return shared.setdefault(found, found)

    recruitment = place == "city_code"
    keys = RECRUITMENT_KEYS if recruitment else EXPANSION_KEYS
    rows = []
    for r in frame.to_dict("records"):
        code = r[place]
        values = (int(r["rank"]), r["name"], r["uscc"], shared.setdefault(code, code) if isinstance(code, str) else code,
                  ids(r["chain_nodes"]), ids(r["node_statuses"]), _float(r["score"]), _float(r["revenue_yi"]),
                  _pct(r["cagr"]), int(r["cagr_years"]) if r["cagr_years"] else None, ids(r["tag_ids"]),
                  _float(r["growth"]), _float(r["tags"]))
        if recruitment:
            values += (_float(r["size"]), _float(r["connectivity"]), ids(r["linked_nodes"]), int(r["local_nodes"]))
        else:
            values += (_pct(r["rd_intensity"]), bool(r["above_scale"]), _float(r["rd"]), _float(r["scale"]),
                       _float(r["size"]))
        rows.append(Row(keys, values))
    return rows


FILTER_COLUMNS = (
    Column("list", "code", label="feas_list", codes="chain_list"),
    Column("filter", "code", label="feas_filter", codes="feas_filter"),
    Column("removed", "integer", "firms", label="feas_removed"),
)
REMOVED_COLUMNS = (
    Column("list", "code", label="feas_list", codes="chain_list"),
    Column("name", "text", label="chain_col_name"),
    Column("uscc", "code", label="chain_col_uscc"),
    Column("industry_code", "code", label="activity"),
    Column("filters", "list", label="feas_filters", codes="feas_filter"),
    Column("reasons", "list", label="feas_reasons"),
)


def _filter_tables(v: ChainView, names: Mapping[str, str], codes: Mapping[str, str]) -> tuple[Table, Table]:
    rows, removed = [], []
    for which, found in v.excluded.items():
        for f, n in feasibility.counts(found, LIST_FILTERS).items():
            rows.append({"list": which, "filter": f, "removed": n})
        for u in sorted(found):
            removed.append({"list": which, "name": names.get(u, u), "uscc": u, "industry_code": codes.get(u),
                            "filters": tuple(f for f, _ in found[u]),
                            "reasons": tuple(_detail(f, p) for f, p in found[u])})
    meta = {"feasible": v.feasible}
    return (table("chain_filters", FILTER_COLUMNS, rows, v.provenance, **meta),
            table("chain_removed", REMOVED_COLUMNS, removed, v.provenance, **meta))


def _detail(code: str, params: Mapping[str, Any]) -> str:
    """'local_service:trade', 'restricted:conditional' (the label group feas_reason words it)."""
    detail = params.get("section") or params.get("kind") or params.get("coverage") or ""
    return f"{code}:{detail}" if detail else code


def board_of(v: ChainView, info: pd.DataFrame | None = None) -> ChainBoard:
    """The typed result of a chain view. `info`: the firms' names and codes (`Inputs.firms`), for the filtered
    firms' rows."""
    params = {k: v.params[k] for k in ("basis", "weak_percentile", "min_producers", "strong_lq",
                                       "require_above_scale", "min_peer_firms", "peer_active_only", "peers")
              if k in v.params}
    wanted = {u for found in v.excluded.values() for u in found}
    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    if info is not None and wanted:
        sub = info[info["uscc"].astype(str).isin(wanted)].drop_duplicates("uscc")
        names = dict(zip(sub["uscc"].astype(str), sub["name"], strict=True))
        codes = dict(zip(sub["uscc"].astype(str), sub["industry_code"].astype(str), strict=True))
    filters, removed = _filter_tables(v, names, codes)
    return ChainBoard(
        v.chain, v.city, v.district, v.year, v.synthetic, v.status, params, _diagnosis_table(v), _leaders_table(v),
        table("chain_recruitment", RECRUITMENT_COLUMNS, _list_rows(v.recruitment, "city_code"), v.provenance),
        table("chain_expansion", EXPANSION_COLUMNS, _list_rows(v.expansion, "district_code"), v.provenance),
        v.feasible, filters, removed,
    )


ROLE_SORT = {role: i for i, role in enumerate(ROLES)}


def node_detail(inputs: Inputs, v: ChainView, b: ChainBoard, node_id: str, *, limit: int | None = 100) -> NodeDetail:
    """One chain node in the area: its diagnosis row, its local enterprises (role, method, evidence,
    confidence, revenue, tags; producers first, then by revenue, then USCC) and its recruitment targets (the
    recruitment rows on this node)."""
    chain_node = v.chain.node(node_id)
    links = v.links[v.links["chain_node"] == chain_node.id]
    firms = inputs.info
    if firms is None:
        firms = inputs.firms.drop_duplicates("uscc")
        firms = firms.set_index(pd.Index(firms["uscc"].astype(str).to_numpy(dtype=object), dtype=object))
    ids = pd.Index(links["uscc"].astype(str).to_numpy(dtype=object), dtype=object)
    keep = _in_area(firms.reindex(ids).fillna({"city_code": "", "district_code": ""}), v.city.code, v.district)
    local, ids = links[keep], ids[keep]
    m = inputs.measures.reindex(ids)
    frame = pd.DataFrame({
        "uscc": ids.to_numpy(), "role": local["role"].to_numpy(dtype=object),
        "revenue": m["revenue"].fillna(0.0).to_numpy(dtype=float),
    })
    frame["_at"] = np.arange(len(frame))
    frame["_r"] = frame["role"].map(ROLE_SORT)
    order = frame.sort_values(["_r", "revenue", "uscc"], ascending=[True, False, True])["_at"].to_numpy()
    roles = frame["role"].value_counts()
    shown = order[:limit] if limit else order
    names = firms["name"].reindex(ids).to_numpy(dtype=object)
    districts = firms["district_code"].reindex(ids).to_numpy(dtype=object)
    flags = m[list(TAG_COLUMNS)].fillna(False).astype(bool).to_numpy()
    role, method = local["role"].to_numpy(dtype=object), local["method"].to_numpy(dtype=object)
    evidence = local["evidence"].to_numpy(dtype=object)
    confidence, revenue = local["confidence"].to_numpy(dtype=float), frame["revenue"].to_numpy()
    rows = [{
        "name": names[i], "uscc": ids[i], "district_code": districts[i] if isinstance(districts[i], str) else None,
        "role": role[i], "method": method[i], "evidence": evidence[i],
        "confidence": float(confidence[i]), "revenue": float(revenue[i]),
        "tags": tuple(t for t, f in zip(TAG_COLUMNS, flags[i], strict=True) if f),
    } for i in shown]
    on_node = [r for r in b.recruitment.rows if chain_node.id in r["chain_nodes"]]
    diagnosis = next(r for r in b.diagnosis.rows if r["chain_node"] == chain_node.id)
    return NodeDetail(
        v.chain, chain_node.id, v.city, v.district, v.year, v.synthetic,
        table("chain_diagnosis", DIAGNOSIS_COLUMNS, [diagnosis], v.provenance),
        table("chain_node_firms", FIRM_COLUMNS, rows, v.provenance),
        table("chain_node_targets", RECRUITMENT_COLUMNS, on_node[:limit] if limit else on_node, v.provenance),
        {r: int(roles.get(r, 0)) for r in ROLES}, len(frame), len(on_node),
    )


# --- cached, for a Platform or the web app's context -------------------------------------------------------


def inputs_of(host: Host) -> Inputs:
    return host.cached(("chains", "inputs"), lambda: load_inputs(host.cursor(), host.framework))


def links_of(host: Host, chain_id: str) -> pd.DataFrame:
    """One chain's links. Kept per data generation only when linked in memory (a chain never linked in the
    store); stored links are read when needed (issue 14: 45 MB kept for the ten chains of the full demo, read
    only to build each board once and for a node's or a firm's few links, now read by themselves)."""
    data = inputs_of(host)
    if data.status.get(chain_id) == "missing":
        return host.cached(("chains", "links", chain_id),
                           lambda: read_chain_links(host.cursor(), host.framework, chain_id, data))
    return read_chain_links(host.cursor(), host.framework, chain_id, data)


def node_links(host: Host, chain_id: str, node_id: str) -> pd.DataFrame:
    """The links of one node of a chain (`links_of`'s rows on that node, in its order)."""
    if inputs_of(host).status.get(chain_id) == "missing":
        links = links_of(host, chain_id)
        return links[links["chain_node"] == node_id].reset_index(drop=True)
    return views.stored_chain_links(host.cursor(), host.framework.id, chain=chain_id, chain_node=node_id)


def firm_links(host: Host, uscc: str) -> pd.DataFrame:
    """One firm's links to every chain (`links_of`'s rows of that firm, chain by chain)."""
    data = inputs_of(host)
    stored = views.stored_chain_links(host.cursor(), host.framework.id, uscc=uscc)
    chains = host.framework.chains
    if not chains:
        return stored
    if any(data.status.get(chain.id) == "missing" for chain in chains):  # a store older than chain links
        parts = []
        for chain in chains:
            if data.status.get(chain.id) == "missing":
                links = links_of(host, chain.id)
                parts.append(links[links["uscc"] == uscc])
            else:
                parts.append(stored[stored["chain"] == chain.id])
        return pd.concat(parts, ignore_index=True)
    # Issue 14: the firm's few rows put in the framework's chain order by one stable sort of their chain's
    # position (rows of a chain the pack no longer has dropped), not a mask per chain (22 on the full demo).
    order = {chain.id: i for i, chain in enumerate(chains)}
    at = np.fromiter((order.get(c, -1) for c in stored["chain"].tolist()), np.int64, len(stored))
    rows = np.flatnonzero(at >= 0)
    return stored.take(rows[np.argsort(at[rows], kind="stable")]).reset_index(drop=True)


def view_of(host: Host, chain_id: str, district: str | None = None, *, feasible: bool = True) -> ChainView:
    chain = host.framework.chain(chain_id)  # an unknown chain or district fails before any work
    area = resolve_district(host.framework, district)
    data = inputs_of(host)
    key = ("chains", "view", chain.id, area) + (() if feasible else ("all",))
    return host.cached(key, lambda: view(data, host.framework, chain.id, district=area,
                                         links=links_of(host, chain.id), feasible=feasible))


def overview(host: Host, district: str | None = None) -> ChainsOverview:
    """Every chain's strong/weak/missing counts in the city or a district (cached per data generation)."""
    area = resolve_district(host.framework, district)
    data = inputs_of(host)

    def compute() -> ChainsOverview:  # every chain's links, read for this and not kept (350k rows on the full demo)
        every = read_chain_links(host.cursor(), host.framework, None, data)
        return summary(data, host.framework, every, district=area)

    return host.cached(("chains", "summary", area), compute)


def board(host: Host, chain_id: str, district: str | None = None, *, viewer: Viewer = LOCAL,
          feasible: bool = True) -> ChainBoard:
    """One chain (or its cluster's node id) in the city or a district (cached per data generation), with the
    firm lists `viewer` may see (`restrict_board`); `feasible=False` keeps on the lists the firms the
    feasibility filters take off (issue 11)."""
    chain = host.framework.chain(chain_id)  # an unknown chain or district fails before any work
    area = resolve_district(host.framework, district)
    data = inputs_of(host)
    key = ("chains", "board", chain.id, area) + (() if feasible else ("all",))
    # Issue 14 (a server that stays small): the view is built for the board and not kept; its lists (as frames)
    # repeated the board's (as rows), 110 MB over the ten chains of the full demo.
    b = host.cached(key, lambda: board_of(view(data, host.framework, chain.id, district=area,
                                               links=links_of(host, chain.id), feasible=feasible), data.firms))
    return restrict_board(b, viewer, data)


def node(host: Host, chain_id: str, node_id: str, district: str | None = None, *,
         limit: int | None = 100, viewer: Viewer = LOCAL) -> NodeDetail:
    """One link of a chain in the city or a district: its enterprises and recruitment targets (those `viewer`
    may see; the counts per role stay whole: they are aggregates)."""
    chain = host.framework.chain(chain_id)
    area = resolve_district(host.framework, district)
    chain.node(node_id)  # an unknown node: before any work
    b = board(host, chain.id, area)
    # node_detail reads of the view only its links and what the board repeats (issue 14: views are not kept)
    empty = pd.DataFrame()
    v = ChainView(b.chain, node_links(host, chain.id, node_id), empty, empty, empty, empty, b.city, b.district,
                  b.synthetic,
                  b.year, b.link_status, dict(b.params), b.feasible)
    # A district analyst's firms are picked from all of the node's, then cut to `limit`.
    cut = None if viewer.firm_district is not None else limit
    detail = node_detail(inputs_of(host), v, b, node_id, limit=cut)
    return restrict_node(detail, viewer, limit)


# --- who sees which firms (issue 17; services.access) ------------------------------------------------------------


def _rows_where(t: Table, keep) -> Table:
    return replace(t, rows=tuple(r for r in t.rows if keep(r)))


def _nothing(t: Table | None) -> Table | None:
    """The table without its rows (its columns and meta stay, so a page still draws its header)."""
    return None if t is None else replace(t, rows=())


def restrict_board(b: ChainBoard, viewer: Viewer, inputs: Inputs | None = None) -> ChainBoard:
    """The board with the firm lists `viewer` may see. A visitor: no list at all (the diagnosis' counts stay).
    A district analyst: the chain leaders and the expansion list (local firms) of their own district only, and
    of the firms the feasibility filters took off (`removed`) those of their district or outside the city; the
    recruitment list names producers outside the city, no district's firms, and stays."""
    if viewer.sees_firms and viewer.firm_district is None:
        return b
    if not viewer.sees_firms:
        return replace(b, leaders=_nothing(b.leaders), recruitment=_nothing(b.recruitment),
                       expansion=_nothing(b.expansion), removed=_nothing(b.removed))
    info = inputs.info if inputs is not None and inputs.info is not None else None
    home = b.city.code

    def visible(r) -> bool:
        """A firm of the viewer's district, or one registered outside the city (not any district's)."""
        uscc = str(r.get("uscc"))
        if info is None or uscc not in info.index:
            return False
        city, district = info.at[uscc, "city_code"], info.at[uscc, "district_code"]
        if isinstance(city, str) and city and city != home:
            return True
        return viewer.sees_firms_of(district if isinstance(district, str) else None)

    return replace(b, leaders=_rows_where(b.leaders, visible),
                   expansion=_rows_where(b.expansion, lambda r: viewer.sees_firms_of(r.get("district_code"))),
                   removed=None if b.removed is None else _rows_where(b.removed, visible))


def restrict_node(d: NodeDetail, viewer: Viewer, limit: int | None = None) -> NodeDetail:
    """The node's enterprises `viewer` may see (a district analyst: their district's, the first `limit`; a
    visitor: none, and no recruitment targets either)."""
    if viewer.sees_firms and viewer.firm_district is None:
        return d
    firms = _rows_where(d.firms, lambda r: viewer.sees_firms_of(r.get("district_code")))
    if limit:
        firms = replace(firms, rows=firms.rows[:limit])
    targets = d.targets if viewer.sees_firms else _nothing(d.targets)
    return replace(d, firms=firms, targets=targets)
