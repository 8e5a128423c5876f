"""招商/重点项目 (issue 12): the pipeline 研判 → 招商 → 落地 → 监测 as typed results with machine keys.

`pipeline(p, ...)` gives the funnel (by stage, and by node, district and entry year), conversion and median
days per stage, the stalled list, the strategic share, investment by node and district against targets,
the landed projects' firms and the project list; `detail(p, id)` one project with its whole stage history;
`record_stage` appends a change (the rules of `analytics.projects.check_change`); `from_target` turns a
招商清单 row into a 线索 keeping why it was recommended; `by_chain_node` counts a chain's projects per chain
node; `supervision` is the list in 督办 layout. Imports live in `services.projects_import`.

Who may do what (services.access roles): every signed-in analyst sees the projects; a visitor sees the
aggregates only (funnel, durations, shares) and no project list or page. Writing a stage needs an editor:
an administrator or city analyst, or a district analyst for a project in their own district.

Money: the store keeps 万元; these tables give 亿元 (`yi_yuan`), land in 亩 (`mu`), durations in days.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pandas as pd

from chanye.analytics import projects as ap
from chanye.errors import AccessDenied, InputError, NotFound
from chanye.registry import projects as stored
from chanye.services.access import LOCAL, Role, Viewer, require_firms
from chanye.services.results import REGISTRY, SYNTHETIC, Column, Provenance, Table, table

STRATEGIC_KINDS = ("cluster", "future")  # the pack's manufacturing clusters and future industries (战略性新兴/先进制造)
WAN_PER_YI = 1e4

# --- columns --------------------------------------------------------------------------------------------------

FUNNEL_COLUMNS = (
    Column("stage", "code", label="project_stage", codes="project_stage"),
    Column("projects", "integer", "count", label="project_count"),
    Column("investment", "number", "yi_yuan", label="project_investment"),
    Column("current", "integer", "count", label="project_current"),
    Column("terminated", "integer", "count", label="project_terminated_here"),
    Column("conversion", "number", "percent", label="project_conversion"),
)
GROUPED_FUNNEL_COLUMNS = {
    "district": (Column("district_code", "code", label="project_district_code"),
                 Column("district", "name", label="project_district")),
    "node": (Column("node_id", "code", label="node_id"), Column("node", "name", label="project_node")),
    "year": (Column("year", "year", "year", label="project_entry_year"),),
}
DURATION_COLUMNS = (
    Column("stage", "code", label="project_stage", codes="project_stage"),
    Column("reached", "integer", "count", label="project_reached"),
    Column("moved_on", "integer", "count", label="project_moved_on"),
    Column("median_days", "number", "days", label="project_median_days"),
    Column("mean_days", "number", "days", label="project_mean_days"),
    Column("stall_days", "integer", "days", label="project_stall_days"),
)
PROJECT_COLUMNS = (
    Column("id", "code", label="project_id"),
    Column("name", "text", label="project_name"),
    Column("kind", "code", label="project_kind", codes="project_kind"),
    Column("investor", "text", label="project_investor"),
    Column("investor_uscc", "code", label="project_investor_uscc"),
    Column("district_code", "code", label="project_district_code"),
    Column("district", "name", label="project_district"),
    Column("node", "name", label="project_node"),
    Column("nodes", "list", label="project_nodes"),
    Column("chain_nodes", "list", label="project_chain_nodes"),
    Column("park", "text", label="project_park"),
    Column("total_investment", "number", "yi_yuan", label="project_total_investment"),
    Column("fixed_investment", "number", "yi_yuan", label="project_fixed_investment"),
    Column("land_mu", "number", "mu", label="project_land"),
    Column("annual_output", "number", "yi_yuan", label="project_annual_output"),
    Column("annual_tax", "number", "yi_yuan", label="project_annual_tax"),
    Column("stage", "code", label="project_stage", codes="project_stage"),
    Column("reached", "code", label="project_reached_stage", codes="project_stage"),
    Column("since", "text", label="project_since"),
    Column("entry_year", "year", "year", label="project_entry_year"),
    Column("days_in_stage", "integer", "days", label="project_days_in_stage"),
    Column("stalled", "boolean", label="project_stalled"),
    Column("responsible_unit", "text", label="project_responsible_unit"),
    Column("cluster", "text", label="project_cluster"),
    Column("source", "code", label="project_source", codes="project_source"),
    Column("strategic", "boolean", label="project_strategic"),
)
STALLED_COLUMNS = (
    Column("id", "code", label="project_id"),
    Column("name", "text", label="project_name"),
    Column("district", "name", label="project_district"),
    Column("stage", "code", label="project_stage", codes="project_stage"),
    Column("since", "text", label="project_since"),
    Column("days", "integer", "days", label="project_days_in_stage"),
    Column("threshold", "integer", "days", label="project_stall_days"),
    Column("over", "integer", "days", label="project_over"),
    Column("responsible_unit", "text", label="project_responsible_unit"),
)
HISTORY_COLUMNS = (
    Column("stage", "code", label="project_stage", codes="project_stage"),
    Column("happened_on", "text", label="project_happened_on"),
    Column("recorded_by", "text", label="project_recorded_by"),
    Column("note", "text", label="project_note"),
    Column("reason", "text", label="project_reason"),
    Column("recorded_at", "text", label="project_recorded_at"),
    Column("after", "boolean", label="project_after"),
)
STRATEGIC_COLUMNS = (
    Column("year", "year", "year", label="project_entry_year"),
    Column("projects", "integer", "count", label="project_count"),
    Column("strategic", "integer", "count", label="project_strategic_count"),
    Column("share", "number", "percent", label="project_strategic_share"),
    Column("investment", "number", "yi_yuan", label="project_total_investment"),
    Column("strategic_investment", "number", "yi_yuan", label="project_strategic_investment"),
    Column("investment_share", "number", "percent", label="project_strategic_investment_share"),
)
INVESTMENT_COLUMNS = {
    "district": (Column("district_code", "code", label="project_district_code"),
                 Column("district", "name", label="project_district")),
    "node": (Column("node_id", "code", label="node_id"), Column("node", "name", label="project_node")),
}
INVESTMENT_TAIL = (
    Column("projects", "integer", "count", label="project_count"),
    Column("investment", "number", "yi_yuan", label="project_signed_investment"),
    Column("target", "number", "yi_yuan", label="project_target"),
    Column("progress", "number", "percent", label="project_target_progress"),
)
LANDED_COLUMNS = (
    Column("id", "code", label="project_id"),
    Column("name", "text", label="project_name"),
    Column("landed_on", "text", label="project_landed_on"),
    Column("firm_uscc", "code", label="project_firm_uscc"),
    Column("firm_district", "name", label="project_firm_district"),
    Column("promised_output", "number", "yi_yuan", label="project_annual_output"),
    Column("output_year", "year", "year", label="project_output_year"),
    Column("output", "number", "yi_yuan", label="project_output"),
    Column("output_ratio", "number", "percent", label="project_output_ratio"),
    Column("status", "code", label="project_landed_status", codes="project_landed_status"),
)
CHAIN_NODE_COLUMNS = (
    Column("chain_node", "code", label="chain_node_id"),
    Column("node", "name", label="project_chain_node"),
    Column("projects", "integer", "count", label="project_count"),
    Column("investment", "number", "yi_yuan", label="project_investment"),
    Column("landed", "integer", "count", label="project_landed"),
    Column("ids", "list", label="project_ids"),
)
# 督办 layout: what a 重点项目 supervision sheet shows, in its order.
SUPERVISION_COLUMNS = (
    Column("seq", "code", label="project_seq"),  # a row number, no unit
    Column("name", "text", label="project_name"),
    Column("investor", "text", label="project_investor"),
    Column("total_investment", "number", "yi_yuan", label="project_total_investment"),
    Column("district", "name", label="project_district"),
    Column("node", "name", label="project_node"),
    Column("stage", "code", label="project_stage", codes="project_stage"),
    Column("since", "text", label="project_since"),
    Column("days_in_stage", "integer", "days", label="project_days_in_stage"),
    Column("stalled", "boolean", label="project_stalled"),
    Column("latest_note", "text", label="project_latest_note"),
    Column("responsible_unit", "text", label="project_responsible_unit"),
    Column("cluster", "text", label="project_cluster"),
    Column("id", "code", label="project_id"),
)


# --- who may write ------------------------------------------------------------------------------------------------


def may_edit(viewer: Viewer, district: str | None) -> bool:
    if viewer.role in (Role.admin, Role.city_analyst):
        return True
    return viewer.role is Role.district_analyst and district is not None and district == viewer.district


def require_edit(viewer: Viewer, district: str | None) -> None:
    """Refuse a stage change to a viewer who may not edit the project (module doc)."""
    if not may_edit(viewer, district):
        raise AccessDenied("只有管理员、市级分析或本区的区级分析可以记录项目进度 (only administrators, city analysts or "
                           "the project's district analyst may record a stage)",
                           hint="请联系管理员 (ask an administrator)")


# --- reading ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Data:
    """The pack's projects (money in 亿元, nodes as tuples) and their stage history."""

    projects: pd.DataFrame
    stages: pd.DataFrame
    synthetic: bool

    @property
    def provenance(self) -> Provenance:
        return SYNTHETIC if self.synthetic else REGISTRY


def read(store, pack: str) -> Data:
    found = stored.read_projects(store, pack)
    for col in ("total_investment", "fixed_investment", "annual_output", "annual_tax"):
        found[col] = found[col].astype(float) / WAN_PER_YI
    found["nodes"] = [ap.split_ids(n) for n in found["nodes"]]
    found["chain_nodes"] = [ap.split_ids(n) for n in found["chain_nodes"]]
    stages = stored.read_stages(store, pack)
    return Data(found, stages, bool(found["synthetic"].fillna(False).any()) if len(found) else False)


def load(p) -> Data:
    """The projects of the platform's pack, cached per data generation."""
    return p.cached(("projects", "data"), lambda: read(p.cursor(), p.framework.id))


def default_day(data: Data, today: date | None = None) -> pd.Timestamp:
    """The day a view is taken on when none is given: `today` (default the calendar's); for 示例数据, the latest
    recorded change, at most today (the synthetic pipeline ends on its last day, so its stalled list does not grow
    with the calendar)."""
    today = pd.Timestamp(today or date.today()).normalize()
    if data.synthetic and len(data.stages):  # the latest change (a lead added today makes it today)
        return min(today, pd.Timestamp(data.stages["happened_on"].max()).normalize())
    return today


def strategic_nodes(framework) -> set[str]:
    return {n.id for n in framework.nodes if n.kind in STRATEGIC_KINDS}


def _name(obj) -> dict[str, str]:
    return {"zh": obj.name.zh, "en": obj.name.en}


def _district(city, code: Any) -> dict[str, str] | None:
    if not isinstance(code, str) or not code:
        return None
    return {"zh": city.district_label(code, "zh"), "en": city.district_label(code, "en")}


def _node(framework, node_id: str | None) -> dict[str, str] | None:
    if not node_id:
        return None
    found = next((n for n in framework.nodes if n.id == node_id), None)
    return _name(found) if found is not None else {"zh": node_id, "en": node_id}


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _date(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(pd.Timestamp(value).date())


@dataclass(frozen=True)
class Filters:
    district: str | None = None
    node: str | None = None
    year: int | None = None
    kind: str | None = None
    stage: str | None = None


def resolve_filters(framework, *, district: str | None = None, node: str | None = None, year: int | None = None,
                    kind: str | None = None, stage: str | None = None) -> Filters:
    """Filters as typed (a district by any spelling, a node by id or name), refused when unknown."""
    code = None
    if district:
        found = framework.city.resolve_district(district)
        if found is None:
            raise NotFound(f"{framework.city.name}没有区 {district[:40]!r} (unknown district)",
                           hint="可用: " + "、".join(d.name for d in framework.city.districts))
        code = found.code
    node_id = framework.resolve_node(node).id if node else None
    if kind and kind not in ap.KINDS:
        raise InputError(f"未知项目类型 {kind!r} (unknown project kind)", hint="可用: " + ", ".join(ap.KINDS))
    if stage and stage not in ap.ALL_STAGES:
        raise InputError(f"未知阶段 {stage!r} (unknown stage)", hint="可用: " + ", ".join(ap.ALL_STAGES))
    return Filters(code, node_id, year, kind or None, stage or None)


def _filtered(data: Data, state: pd.DataFrame, f: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    projects = data.projects
    keep = pd.Series(True, index=projects.index)
    if f.district:
        keep &= projects["district_code"] == f.district
    if f.node:
        keep &= projects["nodes"].map(lambda n: f.node in n)
    if f.kind:
        keep &= projects["kind"] == f.kind
    projects = projects[keep]
    state = state[state["project_id"].isin(set(projects["id"]))]
    if f.year is not None:
        state = state[state["entry_year"] == f.year]
    if f.stage:
        state = state[state["stage"] == f.stage]
    projects = projects[projects["id"].isin(set(state["project_id"]))]
    return projects, state


@dataclass(frozen=True)
class Pipeline:
    """The pipeline on `as_of` under `filters`: every table the 项目 page, its JSON and the CLI show."""

    as_of: str
    filters: Filters
    synthetic: bool
    funnel: Table  # project_funnel
    by_district: Table  # project_funnel_district
    by_node: Table  # project_funnel_node
    by_year: Table  # project_funnel_year
    durations: Table  # project_durations
    stalled: Table  # project_stalled
    strategic: Table  # project_strategic: one row per entry year, then all years (year None)
    investment_district: Table  # project_investment_district
    investment_node: Table  # project_investment_node
    landed: Table  # project_landed
    projects: Table  # project_list
    thresholds: dict[str, int]

    @property
    def provenance(self) -> Provenance:
        return self.funnel.provenance

    def tables(self) -> dict[str, Table]:
        return {t.name: t for t in (self.funnel, self.by_district, self.by_node, self.by_year, self.durations,
                                    self.stalled, self.strategic, self.investment_district, self.investment_node,
                                    self.landed, self.projects)}


def _funnel_rows(frame: pd.DataFrame) -> list[dict]:
    return [{"stage": r["stage"], "projects": int(r["projects"]), "investment": round(float(r["investment"]), 4),
             "current": int(r["current"]), "terminated": int(r["terminated"]),
             "conversion": None if r["conversion"] is None or pd.isna(r["conversion"]) else 100.0 * r["conversion"]}
            for r in frame.to_dict("records")]


def _project_rows(p, projects: pd.DataFrame, state: pd.DataFrame, day: pd.Timestamp, limits: dict[str, int],
                  strategic: set[str]) -> list[dict]:
    fw, city = p.framework, p.framework.city
    st = state.set_index("project_id")
    rows = []
    for r in projects.sort_values("id").to_dict("records"):
        s = st.loc[r["id"]] if r["id"] in st.index else None
        stage = s["stage"] if s is not None else None
        days = ap.days_between(s["since"], day) if s is not None and not s["terminated"] else None  # none after 终止
        rows.append({
            "id": r["id"], "name": r["name"], "kind": r["kind"], "investor": _text(r["investor_name"]),
            "investor_uscc": _text(r["investor_uscc"]), "district_code": _text(r["district_code"]),
            "district": _district(city, r["district_code"]), "node": _node(fw, r["nodes"][0] if r["nodes"] else None),
            "nodes": tuple(r["nodes"]), "chain_nodes": tuple(r["chain_nodes"]), "park": _text(r["park"]),
            "total_investment": _num(r["total_investment"]), "fixed_investment": _num(r["fixed_investment"]),
            "land_mu": _num(r["land_mu"]), "annual_output": _num(r["annual_output"]),
            "annual_tax": _num(r["annual_tax"]), "stage": stage,
            "reached": s["reached"] if s is not None and isinstance(s["reached"], str) else None, "since": _date(s["since"]) if s is not None else None,
            "entry_year": int(s["entry_year"]) if s is not None else None, "days_in_stage": days,
            "stalled": bool(s is not None and not s["terminated"] and stage in limits and days > limits[stage]),
            "responsible_unit": _text(r["responsible_unit"]), "cluster": _text(r["cluster"]),
            "source": _text(r["source"]), "strategic": bool(strategic & set(r["nodes"])),
        })
    return rows


def pipeline(p, *, viewer: Viewer = LOCAL, as_of: str | date | None = None, district: str | None = None,
             node: str | None = None, year: int | None = None, kind: str | None = None, stage: str | None = None,
             thresholds: dict[str, int] | None = None, targets: pd.DataFrame | None = None) -> Pipeline:
    """The pipeline (module doc). `as_of`: the day of the view (any past state; default `default_day`);
    `thresholds`: days per stage for the stalled list (default `analytics.projects.STALL_DAYS`); `targets`:
    investment targets (columns by = 'district' | 'node', group, target in 亿元). A visitor gets the
    aggregates only: the project list, stalled list and landed firms come back without rows."""
    data = load(p)
    fw, city = p.framework, p.framework.city
    f = resolve_filters(fw, district=district, node=node, year=year, kind=kind, stage=stage)
    if targets is None:  # the pack's own investment targets, where it carries any
        targets = pack_targets(fw, f.year)
    day = pd.Timestamp(as_of).normalize() if as_of else default_day(data)
    limits = {**ap.STALL_DAYS, **(thresholds or {})}
    state = ap.state_at(data.stages, day)
    projects, state = _filtered(data, state, f)
    prov = data.provenance
    meta = {"as_of": str(day.date()), "projects_total": len(projects)}

    def grouped(by: str) -> Table:
        frame = ap.funnel(projects, state, by=by)
        rows = []
        for r, base in zip(frame.to_dict("records"), _funnel_rows(frame), strict=True):
            key = r["group"]
            head: dict[str, Any]
            if by == "district":
                head = {"district_code": key, "district": _district(city, key)}
            elif by == "node":
                head = {"node_id": key, "node": _node(fw, key)}
            else:
                head = {"year": None if key is None else int(key)}
            rows.append({**head, **base})
        return table(f"project_funnel_{by}", GROUPED_FUNNEL_COLUMNS[by] + FUNNEL_COLUMNS, rows, prov, **meta)

    durations = ap.stage_durations(data.stages[data.stages["project_id"].isin(set(state["project_id"]))], day)
    duration_rows = [{"stage": r["stage"], "reached": int(r["reached"]), "moved_on": int(r["moved_on"]),
                      "median_days": _num(r["median_days"]), "mean_days": _num(r["mean_days"]),
                      "stall_days": limits.get(r["stage"])} for r in durations.to_dict("records")]
    strategic = strategic_nodes(fw)
    years = sorted(state["entry_year"].unique().tolist())
    shares = [ap.strategic_share(projects, state, strategic, year=y) for y in [*years, None]]
    for s in shares:
        s["year"] = None if s["year"] is None else int(s["year"])

    info = projects.set_index("id")
    stalled_frame = ap.stalled(state, day, limits)
    stalled_rows = [{"id": r["project_id"], "name": info.at[r["project_id"], "name"],
                     "district": _district(city, info.at[r["project_id"], "district_code"]), "stage": r["stage"],
                     "since": _date(r["since"]), "days": int(r["days"]), "threshold": int(r["threshold"]),
                     "over": int(r["over"]), "responsible_unit": _text(info.at[r["project_id"], "responsible_unit"])}
                    for r in stalled_frame.to_dict("records")]

    def investment(by: str) -> Table:
        goal = None
        if targets is not None and len(targets):
            goal = targets[targets["by"] == by][["group", "target"]]
        frame = ap.investment_against(projects, state, by, goal, year=f.year)
        rows = []
        for r in frame.to_dict("records"):
            head = ({"district_code": r["group"], "district": _district(city, r["group"])} if by == "district"
                    else {"node_id": r["group"], "node": _node(fw, r["group"])})
            rows.append({**head, "projects": int(r["projects"]), "investment": round(float(r["investment"]), 4),
                         "target": _num(r["target"]), "progress": _num(r["progress"])})
        return table(f"project_investment_{by}", INVESTMENT_COLUMNS[by] + INVESTMENT_TAIL, rows, prov, **meta)

    landed = _landed_table(p, projects, data, day, prov, meta)
    result = Pipeline(
        as_of=str(day.date()), filters=f, synthetic=data.synthetic,
        funnel=table("project_funnel", FUNNEL_COLUMNS, _funnel_rows(ap.funnel(projects, state)), prov, **meta),
        by_district=grouped("district"), by_node=grouped("node"), by_year=grouped("year"),
        durations=table("project_durations", DURATION_COLUMNS, duration_rows, prov, **meta),
        stalled=table("project_stalled", STALLED_COLUMNS, stalled_rows, prov, **meta),
        strategic=table("project_strategic", STRATEGIC_COLUMNS, shares, prov, **meta),
        investment_district=investment("district"), investment_node=investment("node"), landed=landed,
        projects=table("project_list", PROJECT_COLUMNS, _project_rows(p, projects, state, day, limits, strategic),
                       prov, **meta),
        thresholds=limits,
    )
    if not viewer.sees_firms:
        result = replace(result, projects=replace(result.projects, rows=()), stalled=replace(result.stalled, rows=()),
                         landed=replace(result.landed, rows=()))
    return result


def _landed_table(p, projects: pd.DataFrame, data: Data, day: pd.Timestamp, prov: Provenance, meta: dict) -> Table:
    usccs = [u for u in projects["investor_uscc"].dropna().astype(str)]
    names = [n for n in projects["investor_name"].dropna().astype(str)]
    store = p.cursor()
    try:
        firms = stored.investor_firms(store, usccs, names) if (usccs or names) else pd.DataFrame(
            columns=["uscc", "name", "city_code", "district_code", "founded"])
        figures = stored.firm_figures(store, firms["uscc"].astype(str).tolist()) if len(firms) else pd.DataFrame(
            columns=["uscc", "year", "revenue", "industrial_output", "tax"])
    finally:
        store.close()
    for col in ("revenue", "industrial_output", "tax"):
        figures[col] = figures[col].astype(float) / WAN_PER_YI
    frame = ap.landed_firms(projects, data.stages, firms, figures, day)
    info = projects.set_index("id")
    city = p.framework.city
    rows = [{"id": r["project_id"], "name": info.at[r["project_id"], "name"], "landed_on": _date(r["landed_on"]),
             "firm_uscc": r["firm_uscc"], "firm_district": _district(city, r["firm_district"]),
             "promised_output": _num(r["promised_output"]),
             "output_year": None if r["output_year"] is None or pd.isna(r["output_year"]) else int(r["output_year"]),
             "output": _num(r["output"]), "output_ratio": _num(r["output_ratio"]), "status": r["status"]}
            for r in frame.to_dict("records")]
    return table("project_landed", LANDED_COLUMNS, rows, prov, **meta)


# --- one project ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectDetail:
    """One project: its row (as the list shows it, on `as_of`), its whole history (every change, also those
    after `as_of`, each marked), the registry firm behind it and the chain nodes it serves."""

    project: Table  # project_list, one row
    history: Table  # project_history
    as_of: str
    firm: str | None  # the investor's USCC when the registry holds that firm
    chain_nodes: tuple[dict, ...]  # {chain, chain_node, chain_name, node}
    recommendation: dict | None  # why the 招商清单 recommended it (machine keys), when it came from there
    editable: bool
    next_stages: tuple[str, ...]  # the stages a change may record now


def detail(p, project_id: str, *, viewer: Viewer = LOCAL, as_of: str | date | None = None) -> ProjectDetail:
    """One project (module doc). NotFound for an unknown id; a visitor is refused (project-level data)."""
    require_firms(viewer)
    data = load(p)
    found = data.projects[data.projects["id"] == project_id]
    if not len(found):
        raise NotFound(f"没有项目 {project_id[:40]!r} (no such project)", hint="在项目页或 chanye projects list 查看项目编号")
    day = pd.Timestamp(as_of).normalize() if as_of else default_day(data)
    stages = data.stages[data.stages["project_id"] == project_id]
    state = ap.state_at(stages, day)
    row = _project_rows(p, found, state, day, ap.STALL_DAYS, strategic_nodes(p.framework))
    history = [{"stage": r["stage"], "happened_on": _date(r["happened_on"]), "recorded_by": _text(r["recorded_by"]),
                "note": _text(r["note"]), "reason": _text(r["reason"]), "recorded_at": _text(r["recorded_at"])[:19]
                if _text(r["recorded_at"]) else None, "after": bool(pd.Timestamp(r["happened_on"]) > day)}
               for r in stages.to_dict("records")]
    rec = found.iloc[0]
    store = p.cursor()
    try:
        firms = stored.investor_firms(store, [rec["investor_uscc"]] if isinstance(rec["investor_uscc"], str) else [],
                                      [rec["investor_name"]] if isinstance(rec["investor_name"], str) else [])
    finally:
        store.close()
    links = []
    for item in rec["chain_nodes"]:
        chain_id, _, node_id = item.partition("/")
        try:
            chain = p.framework.chain(chain_id)
            node = chain.node(node_id)
        except Exception:  # a chain node the pack no longer has: shown as its id
            links.append({"chain": chain_id, "chain_node": node_id, "chain_name": None, "node": None})
            continue
        links.append({"chain": chain.id, "chain_node": node.id, "chain_name": _name(chain),
                      "node": {"zh": node.name.zh, "en": node.name.en}})
    recommendation = None
    if isinstance(rec["reason"], str) and rec["reason"].startswith("{"):
        recommendation = json.loads(rec["reason"])
    full = stages  # the rules look at the whole history
    nexts = tuple(s for s in ap.ALL_STAGES if _allowed(full, s))
    prov = SYNTHETIC if bool(rec["synthetic"]) else REGISTRY  # this project's own: a lead added to the demo is not 示例数据
    return ProjectDetail(
        project=table("project_list", PROJECT_COLUMNS, row, prov, as_of=str(day.date())),
        history=table("project_history", HISTORY_COLUMNS, history, prov),
        as_of=str(day.date()), firm=str(firms["uscc"].iloc[0]) if len(firms) else None, chain_nodes=tuple(links),
        recommendation=recommendation, editable=may_edit(viewer, _text(rec["district_code"])), next_stages=nexts)


def _allowed(history: pd.DataFrame, stage: str) -> bool:
    try:
        ap.check_change(history, stage, pd.Timestamp.max.normalize() if len(history) else pd.Timestamp.today(),
                        reason="x")
    except InputError:
        return False
    return True


# --- writing ------------------------------------------------------------------------------------------------------


def record_stage(p, project_id: str, stage: str, when: str | date, *, note: str = "", reason: str = "",
                 viewer: Viewer = LOCAL, by: str | None = None) -> dict:
    """Append a stage change (refused by the rules of `analytics.projects.check_change`, bilingually)."""
    who = by or viewer.user or "local"
    try:
        day = pd.Timestamp(when).normalize()
    except (ValueError, TypeError):
        raise InputError(f"无法解析的日期 {str(when)[:40]!r} (not a date)", hint="例如 2025-03-01") from None
    with p.writer() as store, store.transaction():
        found = stored.read_projects(store, p.framework.id, ids=[project_id])
        if not len(found):
            raise NotFound(f"没有项目 {project_id[:40]!r} (no such project)", hint="chanye projects list 查看项目编号")
        require_edit(viewer, _text(found["district_code"].iloc[0]))
        history = stored.read_stages(store, p.framework.id, project_id)
        ap.check_change(history, stage, day, reason=reason, project=project_id)
        stored.add_stages(store, pd.DataFrame([{
            "project_id": project_id, "stage": stage, "happened_on": day, "recorded_by": who,
            "note": note or None, "reason": reason.strip() or None if stage == ap.TERMINATED else None}]))
    return {"id": project_id, "stage": stage, "happened_on": str(day.date()), "recorded_by": who}


def project_id(pack: str, name: str, investor: str | None) -> str:
    """The id of a project without one: stable for the same name and investor (so re-imports find it)."""
    key = "|".join([pack, _norm(name), _norm(investor or "")])
    return "P" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10].upper()


def _norm(text: str) -> str:
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", str(text)).split()).lower()


def from_target(p, chain_id: str, uscc: str, *, viewer: Viewer = LOCAL, by: str | None = None,
                when: str | date | None = None, district: str | None = None) -> dict:
    """A row of a chain's 招商清单 becomes a 线索: a project (kind 招商引资, source the list) on the chain's
    cluster node and the firm's target chain nodes, its investor the firm, keeping why it was recommended (the
    list, chain nodes and their statuses, score and rank, as machine keys). Idempotent: the same chain and
    firm give the same project. Returns {id, created}."""
    chain = p.framework.chain(chain_id)
    board = p.chain(chain.id)
    row = next((r for r in board.recruitment.rows if r["uscc"] == uscc), None)
    if row is None:
        raise NotFound(f"企业 {uscc[:40]} 不在 {chain.name.zh} 的招商清单上 (not on the chain's recruitment list)",
                       hint="在产业链页或 chanye chains 查看招商清单")
    area = None
    if district:
        found = p.framework.city.resolve_district(district)
        if found is None:
            raise NotFound(f"没有区 {district[:40]!r} (unknown district)")
        area = found.code
    require_edit(viewer, area)
    pid = project_id(p.framework.id, f"{row['name']}·{chain.id}", row["name"])
    day = pd.Timestamp(when).normalize() if when else pd.Timestamp(date.today())
    reason = {"list": "recruitment", "chain": chain.id, "chain_nodes": list(row["chain_nodes"]),
              "node_statuses": list(row["node_statuses"]), "score": row.get("score"), "rank": row.get("rank"),
              "revenue": row.get("revenue")}
    who = by or viewer.user or "local"
    with p.writer() as store, store.transaction():
        if len(stored.read_projects(store, p.framework.id, ids=[pid])):
            return {"id": pid, "created": False}
        stored.save_projects(store, pd.DataFrame([{
            "id": pid, "pack": p.framework.id, "name": f"{row['name']}（{chain.name.zh}）", "kind": "attract",
            "investor_uscc": uscc, "investor_name": row["name"], "investor_city": row.get("city_code"),
            "nodes": chain.cluster, "chain_nodes": ap.join_ids(f"{chain.id}/{n}" for n in row["chain_nodes"]),
            "district_code": area, "source": "recruitment_list", "reason": json.dumps(reason, ensure_ascii=False),
            "synthetic": False,
        }]))
        stored.add_stages(store, pd.DataFrame([{"project_id": pid, "stage": "lead", "happened_on": day,
                                                "recorded_by": who, "note": None}]))
    return {"id": pid, "created": True}


# --- the chain page and the 督办 list ---------------------------------------------------------------------------------


def by_chain_node(p, chain_id: str) -> Table:
    """A chain's projects per chain node (those naming the chain node), in the template's order; nodes without
    projects left out."""
    chain = p.framework.chain(chain_id)
    data = load(p)
    state = ap.state_at(data.stages).set_index("project_id")
    rows = []
    for n in chain.nodes:
        key = f"{chain.id}/{n.id}"
        mine = data.projects[data.projects["chain_nodes"].map(lambda c, k=key: k in c)]
        if not len(mine):
            continue
        landed = sum(1 for i in mine["id"] if i in state.index and state.at[i, "reached"] is not None
                     and ap.ORDER[state.at[i, "reached"]] >= ap.ORDER[ap.LANDED])
        rows.append({"chain_node": n.id, "node": {"zh": n.name.zh, "en": n.name.en}, "projects": len(mine),
                     "investment": round(float(mine["total_investment"].fillna(0).sum()), 4), "landed": landed,
                     "ids": tuple(sorted(mine["id"]))})
    return table("project_chain_nodes", CHAIN_NODE_COLUMNS, rows, data.provenance, chain=chain.id)


# --- investment targets and published context ------------------------------------------------------------------

TARGET_METRICS = ("project_investment",)  # a pack target in one of these is a goal for the projects' signed investment
CONTEXT_METRICS = ("industrial_investment",)  # published city figures shown beside the projects' investment, never as it
_TO_YI = {"元": 1e-8, "万元": 1e-4, "亿元": 1.0}
CONTEXT_COLUMNS = (
    Column("year", "year", "year", label="project_entry_year"),
    Column("projects", "integer", "count", label="project_count"),
    Column("investment", "number", "yi_yuan", label="project_total_investment"),
    Column("metric", "code", codes="published_metric", label="metric"),
    Column("comparison", "code", codes="comparison"),
    Column("published", "number", "yi_yuan", label="published_value", provenance="published_provenance"),
    Column("growth", "number", "percent", label="published_growth", provenance="published_provenance"),
    Column("source_title", label="title"),
    Column("source_url", label="url"),
)


def pack_targets(fw, year: int | None) -> pd.DataFrame:
    """The pack's targets for the projects' investment (targets.yaml entries whose metric is in `TARGET_METRICS`,
    declared as a published metric in metrics.yaml, on an industry node) of one entry year, as `pipeline`'s
    `targets` frame (by 'node', group, target in 亿元). None without a year filter: a yearly target is not
    compared with several years' projects."""
    rows = [{"by": "node", "group": t.node, "target": float(t.value) * _TO_YI[t.unit]} for t in fw.targets
            if year is not None and t.metric in TARGET_METRICS and int(t.year) == int(year) and t.node != "city"]
    return pd.DataFrame(rows, columns=["by", "group", "target"])


def investment_context(p) -> Table:
    """The pack's published city-wide investment figures (`CONTEXT_METRICS`, e.g. 工业投资) for the years the
    pipeline has projects, each beside the total investment of the projects that entered that year. Context
    only: a project's total investment (all it plans) is not the year's completed fixed-asset investment, so the
    two are separate columns, never one series. One row per figure; none where the pack publishes none."""
    data = load(p)
    state = ap.state_at(data.stages)
    entered = state.set_index("project_id")["entry_year"]
    money = data.projects.set_index("id")["total_investment"].fillna(0.0)
    figures = p.published(scope="city", area=p.framework.city.code)
    rows = []
    for f in figures.rows:
        if f["metric"] not in CONTEXT_METRICS or f["year"] is None or f["unit"] != "yi_yuan":
            continue
        ids = entered.index[entered == int(f["year"])]
        if not len(ids):
            continue
        rows.append({"year": int(f["year"]), "projects": len(ids), "investment": round(float(money.reindex(ids).sum()), 2),
                     "metric": f["metric"], "comparison": f["comparison"], "published": f["value"],
                     "growth": f["growth"], "source_title": f["source_title"], "source_url": f["source_url"],
                     "published_provenance": f["provenance"]})  # the published cells carry their source
    return table("project_investment_context", CONTEXT_COLUMNS, rows, data.provenance)


def chain_leads(p, chain_id: str, rows, *, viewer: Viewer = LOCAL, district: str | None = None) -> dict:
    """For the chain page's 招商清单 (`rows`: dicts with uscc and name): the project each row already is (its
    `from_target` id, else None) and whether this viewer may turn a row into a 线索 from there (the district
    shown, if any, is the new lead's). Returns {"editable", "district", "projects": {uscc: id or None}}."""
    chain = p.framework.chain(chain_id)
    known = set(load(p).projects["id"])
    out = {}
    for r in rows:
        pid = project_id(p.framework.id, f"{r['name']}·{chain.id}", r["name"])
        out[r["uscc"]] = pid if pid in known else None
    return {"editable": may_edit(viewer, district), "district": district, "projects": out}


def supervision(result: Pipeline, notes: dict[str, str] | None = None) -> Table:
    """The project list in 督办 layout (序号, 项目名称, 投资主体, 总投资, 所在区, 产业, 当前阶段, ...); `notes`:
    the latest note per project id."""
    notes = notes or {}
    rows = []
    for i, r in enumerate(sorted(result.projects.rows, key=lambda r: (r["district_code"] or "", -(r["total_investment"]
                                 or 0), r["id"])), start=1):
        rows.append({"seq": i, "name": r["name"], "investor": r["investor"], "total_investment": r["total_investment"],
                     "district": r["district"], "node": r["node"], "stage": r["stage"], "since": r["since"],
                     "days_in_stage": r["days_in_stage"], "stalled": r["stalled"], "latest_note": notes.get(r["id"]),
                     "responsible_unit": r["responsible_unit"], "cluster": r["cluster"], "id": r["id"]})
    return table("project_supervision", SUPERVISION_COLUMNS, rows, result.projects.provenance, **result.projects.meta)


def latest_notes(p) -> dict[str, str]:
    """The latest note recorded per project."""
    stages = load(p).stages
    noted = stages[stages["note"].notna() & (stages["note"].astype(str) != "")]
    return {pid: str(g["note"].iloc[-1]) for pid, g in noted.groupby("project_id")}
