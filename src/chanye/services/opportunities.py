"""Growth opportunities (发展机会) as a service: the registry's panel in, typed results out.

`estimate` reads the (city x activity) panel of one measure and year through `registry.views` and estimates the
industry space on it (`chanye.analytics.opportunities`, the maths); `ranking`, `places` and `industry_space`
put one place of the pack's city on that space and return `Table`s with machine keys, whose number cells carry
a unit and the data's provenance. Notes are (code, parameters) pairs, worded by `chanye.present.opportunities`.
The focal city and its districts are the pack's (`framework.city`); the peer cities are every other city the
registry holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from chanye.analytics import feasibility
from chanye.analytics import opportunities as ao
from chanye.errors import InputError, NotFound
from chanye.framework.concordance import owners_by_code
from chanye.framework.model import Framework
from chanye.registry import views
from chanye.registry.store import Store
from chanye.services.results import Column, Provenance, Table, table
from chanye.standards import gbt4754, industrial_policy, regions

Note = ao.Note
MEASURES = ao.MEASURES
STRATEGIES = ao.STRATEGIES
SCOPES = ao.SCOPES
BY = ("pci", "cog")  # the complexity measure the page plots and the reason quotes
MEASURE_UNITS = {"enterprises": "firms", "revenue": "wan_yuan", "employees": "persons"}


@dataclass(frozen=True)
class Space:
    """The industry space of one measure and year (the maths' `Opportunities`), with its data's provenance."""

    model: ao.Opportunities
    provenance: Provenance

    @property
    def measure(self) -> str:
        return self.model.measure

    @property
    def year(self) -> int:
        return self.model.year

    @property
    def city(self) -> str:
        return self.model.city

    @property
    def notes(self) -> tuple[Note, ...]:
        return tuple(self.model.notes)

    @property
    def unit(self) -> str:
        return MEASURE_UNITS[self.measure]


@dataclass(frozen=True)
class Method:
    """The choices behind the numbers."""

    space: str  # "cities" | "districts": what the space was estimated on
    space_locations: int
    benchmark_locations: int
    activities: int
    min_presence_firms: int
    min_activity_firms: int
    weights: tuple[float, float, float]  # density, PCI, COG

    def as_dict(self) -> dict[str, Any]:
        return {"space": self.space, "space_locations": self.space_locations,
                "benchmark_locations": self.benchmark_locations, "activities": self.activities,
                "min_presence_firms": self.min_presence_firms, "min_activity_firms": self.min_activity_firms,
                "weights": dict(zip(("density", "pci", "cog"), self.weights, strict=True))}


@dataclass(frozen=True)
class Ranking:
    """One place's growth opportunities: `table` (the ranked candidates), `summary` (one row: the place's ECI,
    COI, diversity and number of candidates), the method and the space's notes."""

    place: str
    place_kind: str  # "city" | "district"
    measure: str
    strategy: str
    by: str
    scope: str
    year: int
    provenance: Provenance
    method: Method
    notes: tuple[Note, ...]
    summary: Table
    table: Table
    feasible: bool = True  # the feasibility filters are on (the default); False shows every candidate
    filters: Table | None = None  # opportunity_filters: each filter and how many candidates it took off
    removed: Table | None = None  # opportunity_removed: each candidate taken off, with its reasons

    @property
    def unit(self) -> str:
        return MEASURE_UNITS[self.measure]

    @property
    def synthetic(self) -> bool:
        return self.provenance.kind == "synthetic"


@dataclass(frozen=True)
class IndustrySpace:
    """The industry space as drawn for one place: `nodes` (activities at fixed positions) and `edges`."""

    place: str
    measure: str
    year: int
    provenance: Provenance
    nodes: Table
    edges: Table


def check_measure(measure: str) -> None:
    if measure not in MEASURES:
        raise InputError(f"未知的度量 {measure!r} (unknown measure)", hint="可用 enterprises, revenue, employees")


def check_by(by: str) -> None:
    if by not in BY:
        raise InputError(f"未知的复杂度指标 {by!r} (unknown complexity measure)", hint="可用 pci, cog")


def load_panel(store: Store, city: str, measure: str = "enterprises", year: int | None = None
               ) -> tuple[pd.DataFrame, int]:
    """One row per (city, district of `city` or None, activity) of one year: value and firms.

    `firms` counts the firms with a positive value of the measure. The city's firms without a district count
    for the city, not for any district. Activities with fewer than `MIN_ACTIVITY_FIRMS` firms in the whole
    sample are left out.
    """
    check_measure(measure)
    years = views.years(store)
    if not years:
        raise NotFound("数据库中没有年度指标 (no yearly figures)", hint="先在「数据」页或用命令行导入企业数据 (import firms on the Data page or with the CLI)")
    year = year or years[-1]
    if year not in years:
        raise InputError(f"没有 {year} 年的数据 (no data for {year})", hint=f"可选年份: {', '.join(map(str, years))}")
    frame = views.activity_panel(store, year, None if measure == "enterprises" else measure, city)
    return ao.prepare_panel(frame), int(year)


def estimate(store: Store, city: str, measure: str = "enterprises", year: int | None = None, *,
             min_presence_firms: int | None = None, progress=None) -> Space:
    """Load the panel and estimate the industry space (proximity, PCI, ECI) on it, once per measure and year."""
    panel, year = load_panel(store, city, measure, year)
    model = ao.from_panel(panel, city=city, measure=measure, year=year, min_presence_firms=min_presence_firms,
                          progress=progress)
    return Space(model, Provenance.of_data(views.is_synthetic(store)))


def resolve_place(city: regions.City, place: object = None) -> str:
    """The pack's city (None, '', 'city', its adcode or name) or one of its districts (name, short name, adcode,
    English or former name) -> its adcode."""
    text = "" if place is None else str(place).strip()
    short = regions.district_short_name(city.name)
    if text.lower() in ("", "city", city.code, city.name, short, city.name_en.lower()):
        return city.code
    found = city.resolve_district(text)
    if found is None:
        first, second = [*city.districts, None, None][:2]
        hint = (f"例如 {regions.district_short_name(first)}、{(second or first).name} 或 {first.code}" if first
                else f"本市 {city.code}")
        raise NotFound(f"没有这个区: {text} (not a district of {city.label('en')})", hint=hint)
    return found.code


def _place(space: Space, city: regions.City, place: object) -> str:
    code = resolve_place(city, place)
    if not space.model.has_place(code):
        raise NotFound(f"面板中没有地区 {code} (no such place in the panel)",
                       hint="用 /api/v1/complexity/places 查看可用地区")
    return code


def _lookup(space: Space, framework: Framework) -> tuple[dict, dict, dict]:
    """(code -> 小类 name, code -> [node ids], node id -> (zh, en) name) for the panel's activities, cached
    per pack."""
    opp = space.model
    key = ("lookup", framework.id)
    if key not in opp.cache:
        std = gbt4754.load()
        owners = owners_by_code(framework)
        codes = list(opp.values.columns)
        ids = {c: list(dict.fromkeys(o.node for o in owners.get(c, []))) for c in codes}
        names = {n: framework.node(n).name for n in {i for v in ids.values() for i in v}}
        opp.cache[key] = ({c: std.name(c) if c in std else "" for c in codes}, ids,
                          {n: (name.zh, name.en or name.zh) for n, name in names.items()})
    return opp.cache[key]


def _method(space: Space, strategy: str) -> Method:
    opp = space.model
    return Method(space=opp.space_kind, space_locations=len(opp.space_locations),
                  benchmark_locations=len(opp.benchmark), activities=len(opp.activities),
                  min_presence_firms=opp.min_presence_firms, min_activity_firms=ao.MIN_ACTIVITY_FIRMS,
                  weights=STRATEGIES[strategy])


def ranking_columns(unit: str) -> tuple[Column, ...]:
    return (
        Column("rank", "code", label="rank"),
        Column("activity", "code"),
        Column("name", "text", label="class_name"),
        Column("node_ids", "list"),
        Column("nodes", "name", label="pack_nodes"),
        Column("density", "number", "ratio"),
        Column("pci", "number", "score"),
        Column("cog", "number", "score"),
        Column("rca", "number", "ratio"),
        Column("value", "number", unit, label="local_value"),
        Column("firms", "integer", "firms", label="local_firms"),
        Column("national_value", "number", unit),
        Column("national_firms", "integer", "firms"),
        Column("score", "number", "score"),
    )


SUMMARY_COLUMNS = (
    Column("place", "code", label="location"),
    Column("eci", "number", "score"),
    Column("coi", "number", "score"),
    Column("diversity", "integer", "count"),
    Column("candidates", "integer", "count"),
)


FILTER_COLUMNS = (
    Column("filter", "code", label="feas_filter", codes="feas_filter"),
    Column("removed", "integer", "count", label="feas_removed"),
)
REMOVED_COLUMNS = (
    Column("activity", "code"),
    Column("name", "text", label="class_name"),
    Column("filters", "list", label="feas_filters", codes="feas_filter"),
    Column("reasons", "list", label="feas_reasons"),
)


def feasibility_screen(space: Space, framework: Framework, codes) -> dict[str, tuple]:
    """The candidates the feasibility filters take off (code -> reasons), with the pack's classes cached per
    space and pack."""
    key = ("pack_classes", framework.id)
    if key not in space.model.cache:
        space.model.cache[key] = feasibility.pack_classes(framework)
    return feasibility.screen(codes, restricted=industrial_policy.by_class(), relevant=space.model.cache[key])


def filter_tables(removed: dict[str, tuple], names: dict[str, str], provenance: Provenance,
                  **meta) -> tuple[Table, Table]:
    """(filters: one row per filter with the count it took off; removed: one row per item with its reasons).
    A reason is 'filter:detail' (e.g. 'restricted:conditional', 'local_service:trade')."""
    counts = feasibility.counts(removed)
    filters = table("opportunity_filters", FILTER_COLUMNS,
                    [{"filter": f, "removed": n} for f, n in counts.items()], provenance, **meta)
    rows = [{"activity": c, "name": names.get(c, ""), "filters": tuple(f for f, _ in found),
             "reasons": tuple(_detail(f, p) for f, p in found)} for c, found in sorted(removed.items())]
    return filters, table("opportunity_removed", REMOVED_COLUMNS, rows, provenance, **meta)


def _detail(code: str, params: dict) -> str:
    detail = params.get("section") or params.get("kind") or params.get("coverage") or ""
    return f"{code}:{detail}" if detail else code


def ranking(space: Space, framework: Framework, place: object = None, *, strategy: str = "balanced",
            by: str = "pci", scope: str = "traded", limit: int | None = 50, feasible: bool = True) -> Ranking:
    """The place's opportunities, best first (the top `limit`, or all with None), each with its pack node(s).

    With `feasible` (the default) the feasibility filters (`analytics.feasibility`: resource-bound, local
    services, 《产业结构调整指导目录》 限制类/淘汰类, not in the pack) take candidates off before scoring;
    `filters` counts what each took off and `removed` lists them with their reasons (also with
    ``feasible=False``, which keeps them in the ranking)."""
    check_by(by)
    ao.check_options(strategy=strategy, scope=scope)
    city = framework.city
    code = _place(space, city, place)
    opp = space.model
    every_candidate = ao.rank(opp, code, strategy=strategy, scope=scope, limit=None)
    removed = feasibility_screen(space, framework, every_candidate["activity"])
    everything = (ao.rank(opp, code, strategy=strategy, scope=scope, limit=None, exclude=set(removed))
                  if feasible and removed else every_candidate)
    ranked = everything.head(limit) if limit else everything
    names, node_ids, node_names = _lookup(space, framework)
    rows = []
    for r in ranked.to_dict("records"):
        ids = node_ids.get(r["activity"], [])
        rows.append({**r, "rank": int(r["rank"]), "firms": int(r["firms"]), "national_firms": int(r["national_firms"]),
                     "name": names.get(r["activity"], ""), "node_ids": ids,
                     "nodes": {"zh": "、".join(node_names[i][0] for i in ids),
                               "en": ", ".join(node_names[i][1] for i in ids)}})
    prof = ao.profile(opp, code)
    kind = "city" if code == city.code else "district"
    meta = {"place": code, "place_kind": kind, "measure": space.measure, "strategy": strategy, "by": by,
            "scope": scope, "year": space.year, "feasible": feasible}
    filters, removed_table = filter_tables(removed, names, space.provenance, **meta)
    summary = table("opportunity_summary", SUMMARY_COLUMNS,
                    [{"place": code, "eci": prof.attrs["eci"], "coi": prof.attrs["coi"],
                      "diversity": int(prof.loc[opp.activities, "M"].sum()), "candidates": len(everything)}],
                    space.provenance, **meta)
    return Ranking(place=code, place_kind=kind, measure=space.measure, strategy=strategy, by=by, scope=scope,
                   year=space.year, provenance=space.provenance, method=_method(space, strategy), notes=space.notes,
                   summary=summary,
                   table=table("growth_opportunities", ranking_columns(space.unit), rows, space.provenance, **meta),
                   feasible=feasible, filters=filters, removed=removed_table)


def place_name(city: regions.City, code: str, lang: str = "zh") -> str:
    """The pack's city or a district by its pack name; another city by its Chinese name (a proper name)."""
    if code == city.code or city.district(code) is not None:
        return city.area_label(code, lang)
    other = regions.city(code)
    return other.name if other else code


def places(space: Space, city: regions.City) -> Table:
    """Every place on the space (the peer cities, the pack's city and its districts) with ECI, COI, diversity
    and totals, highest ECI first."""
    unit = space.unit
    columns = (
        Column("location", "code"),
        Column("name", "name", label="place_name"),
        Column("kind", "code", label="place_kind", codes="place_kind"),
        Column("in_city", "boolean"),
        Column("in_space", "boolean"),
        Column("eci", "number", "score"),
        Column("coi", "number", "score"),
        Column("diversity", "integer", "count"),
        Column("value", "number", unit, label="measure_total"),
        Column("firms", "integer", "firms", label="enterprises"),
    )
    rows = [{**r, "name": {"zh": place_name(city, r["location"], "zh"), "en": place_name(city, r["location"], "en")}}
            for r in space.model.places().to_dict("records")]
    return table("complexity_places", columns, rows, space.provenance, measure=space.measure, year=space.year)


def industry_space(space: Space, framework: Framework, place: object = None) -> IndustrySpace:
    """The industry space: the space's activities at fixed positions, linked by the maximum spanning tree of
    proximity plus each activity's strongest links, with their pack node and the place's RCA and
    specialisations (M = 1)."""
    code = _place(space, framework.city, place)
    nodes, edges = ao.industry_space(space.model, code)
    names, node_ids, node_names = _lookup(space, framework)
    rows = []
    for r in nodes.to_dict("records"):
        own = node_ids.get(r["activity"], [])
        first = own[0] if own else None
        rows.append({"id": r["activity"], "name": names.get(r["activity"]) or r["activity"], "node": first,
                     "node_name": {"zh": node_names[first][0], "en": node_names[first][1]} if first else None,
                     **{k: r[k] for k in ("x", "y", "rca", "specialised", "pci", "national_value")}})
    node_columns = (
        Column("id", "code", label="activity"),
        Column("name", "text", label="class_name"),
        Column("node", "code", label="node_id"),
        Column("node_name", "name", label="node"),
        Column("x", "number", "ratio", label="layout_x"),
        Column("y", "number", "ratio", label="layout_y"),
        Column("rca", "number", "ratio"),
        Column("specialised", "boolean"),
        Column("pci", "number", "score"),
        Column("national_value", "number", space.unit),
    )
    edge_columns = (Column("source", "code", label="edge_source"), Column("target", "code", label="edge_target"),
                    Column("proximity", "number", "ratio"))
    meta = {"place": code, "measure": space.measure, "year": space.year}
    return IndustrySpace(place=code, measure=space.measure, year=space.year, provenance=space.provenance,
                         nodes=table("space_nodes", node_columns, rows, space.provenance, **meta),
                         edges=table("space_edges", edge_columns, edges.to_dict("records"), space.provenance))
