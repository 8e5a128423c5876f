"""监测看板 The scoreboard: the service behind `chanye scoreboard`, /api/v1/scoreboard and the dashboard pages.

`compute` loads the registry through `registry.views` and runs the pure `analytics.indicators` once; the
`*_table` functions cut it into typed tables (节点总览 nodes, 分区 districts, 千亿级 milestones, 目标进度
targets, 公开数据对照 reconcile, 来源 sources) with machine keys, each number with its unit and provenance.
The metric columns are the pack's metrics.yaml entries marked `scoreboard: true`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from chanye.analytics import indicators as ind
from chanye.errors import InputError, NotFound
from chanye.framework.model import Framework, Metric
from chanye.registry import views
from chanye.registry.store import Store
from chanye.services import disclosure
from chanye.services.access import LOCAL, Viewer
from chanye.services.published import bilingual_note, checks_on
from chanye.services.results import PACK, Column, Provenance, Table, plain, table

# A pack's unit words -> machine units.
UNIT_OF_TEXT = {"元": "yuan", "万元": "wan_yuan", "亿元": "yi_yuan", "%": "percent", "百分点": "pp", "家": "firms",
                "人": "persons", "个": "count", "年": "year", "万元/人": "wan_yuan_per_person"}
VIEWS = ("nodes", "districts", "milestones", "targets", "reconcile", "sources")


def machine_unit(text: str | None) -> str | None:
    return UNIT_OF_TEXT.get(str(text).strip()) if text is not None else None


@dataclass
class Scoreboard:
    """Every indicator of every node, area and year (long frames from `analytics.indicators`)."""

    framework: Framework
    scale: pd.DataFrame
    dynamics: pd.DataFrame
    structure: pd.DataFrame
    milestones: pd.DataFrame
    targets: pd.DataFrame
    reconcile: pd.DataFrame
    sources: pd.DataFrame
    years: list[int]
    synthetic: bool
    # disclosure control (issue 17): the cells `services.disclosure` reads, and its verdicts per year and viewer
    cells: pd.DataFrame = field(default_factory=pd.DataFrame)
    _protected: dict = field(default_factory=dict, repr=False, compare=False)

    def protection(self, year: int, viewer: Viewer) -> dict[tuple[str, str], str]:
        """(node, area) -> disclosure status for this viewer (empty when it needs no control), once per year
        and kind of viewer."""
        if not viewer.needs_disclosure_control:
            return {}
        key = (year, viewer.role, viewer.firm_district)
        if key not in self._protected:
            self._protected[key] = disclosure.statuses(self.cells, self.framework, year=year, viewer=viewer)
        return self._protected[key]

    def withheld(self, viewer: Viewer, node: str, area: str, year: int, *, growth: bool = False) -> str | None:
        """The disclosure status that hides `node` in `area` from this viewer (None: shown). With `growth`, a
        figure that also reads the year before (growth, contribution) is hidden when either year's is."""
        for y in (year, year - 1) if growth else (year,):
            if y in self.years and disclosure.hidden(self.protection(y, viewer), node, area):
                return self.protection(y, viewer)[(node, area)]
        return None

    @property
    def latest(self) -> int | None:
        return self.years[-1] if self.years else None

    @property
    def provenance(self) -> Provenance:
        return Provenance.of_data(self.synthetic)

    @property
    def metrics(self) -> list[Metric]:
        """The scoreboard's metric columns, from the pack's metrics.yaml."""
        return scoreboard_metrics(self.framework)

    def year(self, year: int | None) -> int:
        if not self.years:
            raise NotFound("数据库中没有年度指标 (the registry holds no yearly figures)", hint="先在「数据」页或用命令行导入企业数据 (import firms on the Data page or with the CLI)")
        if year is None:
            return self.latest
        if year not in self.years:
            raise InputError(f"没有 {year} 年的数据 (no data for {year})",
                             hint=f"可选年份: {', '.join(map(str, self.years))}")
        return year


def scoreboard_metrics(framework: Framework) -> list[Metric]:
    found = [m for m in framework.metrics if m.scoreboard]
    unknown = [m.id for m in found if m.id not in ind.NODE_METRICS]
    if unknown:
        raise InputError(f"框架 {framework.id} 的看板指标没有对应的计算: {', '.join(unknown)} "
                         "(scoreboard metrics with no indicator in analytics.indicators.NODE_METRICS)",
                         hint="在 metrics.yaml 中改正编号，或在 analytics/indicators.py 中登记计算函数")
    return found


def compute(store: Store, framework: Framework) -> Scoreboard:
    """Every indicator of every node, district and year, plus targets and the reconciliation."""
    if not views.has_figures(store):
        raise NotFound("数据库中还没有企业年度指标 (the registry holds no yearly figures yet)",
                       hint="在“数据”页上传企业名录与年度指标，或运行 chanye demo 生成示例数据")
    # Firms numbered and ordered in SQL: the scale's cost stays linear in the data (issue 14).
    firms, figures, tags, links = views.scoreboard_frames(store, framework.id)
    scale = ind.scale(firms, figures, tags, links, framework)
    scale = ind.with_node_metrics(scale, [m.id for m in scoreboard_metrics(framework)])
    years = sorted(int(y) for y in scale["year"].dropna().unique())
    latest = years[-1] if years else None
    from chanye.registry.targets import load_targets

    goals = load_targets(store, framework)
    targets = ind.target_progress(scale, goals, latest) if latest and goals else pd.DataFrame()
    return Scoreboard(
        framework=framework,
        scale=scale,
        dynamics=ind.dynamics(scale),
        structure=ind.structure(scale, framework),
        milestones=ind.milestones(scale, framework),
        targets=targets,
        reconcile=ind.reconcile(views.published(store), scale, framework, checks=_checks(store, framework)),
        sources=views.sources(store),
        years=years,
        synthetic=views.is_synthetic(store),
        cells=disclosure.load(firms, figures, links, framework),
    )


def _checks(store: Store, framework: Framework) -> pd.DataFrame:
    """The pack's consistency checks on the stored published figures (issue 11; services/published.py)."""
    return checks_on(framework, views.published(store))


# --- the typed views --------------------------------------------------------------------------------------------


def _name(board: Scoreboard, node_id: str) -> dict[str, str]:
    n = board.framework.node(node_id).name
    return {"zh": n.zh, "en": n.en}


def _metric_columns(board: Scoreboard) -> list[Column]:
    """The pack's scoreboard metrics; counts of firms and persons are whole numbers."""
    out = []
    for m in board.metrics:
        unit = machine_unit(m.unit) or "count"
        kind = "integer" if unit in ("firms", "persons", "count") else "number"
        out.append(Column(m.id, kind, unit, names=(m.name.zh, m.name.en)))
    return out


def _value(frame: pd.DataFrame, mask) -> float | None:
    hit = frame.loc[mask, "value"]
    return float(hit.iloc[0]) if len(hit) and pd.notna(hit.iloc[0]) else None


def _protect_row(board: Scoreboard, viewer: Viewer, row: dict, node_id: str, area: str, year: int,
                 figures: list[str], growth: list[str]) -> None:
    """Disclosure control of one row (issue 17): the magnitudes (and what is computed from them) of a figure
    this viewer may not see become None; `disclosure` says why. Firm counts stay: registration is public."""
    if not viewer.needs_disclosure_control:
        return
    status = board.withheld(viewer, node_id, area, year)
    moved = board.withheld(viewer, node_id, area, year, growth=True)
    for key in figures if status else ():
        row[key] = None
    for key in growth if moved else ():
        row[key] = None
    mine = board.protection(year, viewer).get((node_id, area))
    row["disclosure"] = status or moved or mine or disclosure.sdc.PUBLISHED


def node_table(board: Scoreboard, *, year: int | None = None, node: str | None = None,
               area: str | None = None, viewer: Viewer = LOCAL) -> Table:
    """节点总览: one row per node (its groups and the whole system too) for an area (default the city) and
    year: the pack's scoreboard metrics, growth of the node's scale metric, share of the area, contribution to
    its growth, 千亿级. `viewer`: figures under disclosure control are None for visitors and cross-district
    users (`services.disclosure`), with a `disclosure` status column."""
    year = board.year(year)
    fw = board.framework
    area = area or fw.info.city
    wanted = [n.id for n in fw.nodes if n.kind in ("system", "tier", "cluster", "future", "service")]
    if node:
        fw.node(node)
        wanted = [node, *(d.id for d in fw.descendants(node) if d.id in wanted)]
    sc = board.scale[(board.scale["area"] == area) & (board.scale["year"] == year) & board.scale["node"].isin(wanted)]
    wide = sc.pivot_table(index="node", columns="metric", values="value", aggfunc="first")
    synthetic = sc.groupby("node")["provenance"].agg(lambda p: bool((p == ind.SYNTHETIC).any()))
    dyn = board.dynamics[(board.dynamics["area"] == area) & (board.dynamics["year"] == year)]
    metric_columns = _metric_columns(board)
    rows = []
    for node_id in wanted:
        if node_id not in wide.index:
            continue
        n = fw.node(node_id)
        metric = fw.scale_metric(node_id) if n.is_industry else fw.info.scale_metric
        mine = dyn[(dyn["node"] == node_id) & (dyn["metric"] == metric)]
        value = wide.loc[node_id].get(metric)
        row = {"node": _name(board, node_id), "node_id": node_id, "kind": n.kind, "status": n.status}
        row.update({c.key: wide.loc[node_id].get(c.key) for c in metric_columns})
        row.update({
            "scale_metric": metric,
            "yoy": _value(mine, mine["indicator"] == "yoy"),
            "share_of_city": _value(mine, mine["indicator"] == "share"),
            "contribution": _value(mine, mine["indicator"] == "contribution"),
            "thousand_billion": bool(pd.notna(value) and value >= ind.THOUSAND_BILLION) if n.is_industry else None,
            "year": year,
            "provenance": "synthetic" if synthetic.get(node_id) else "registry",
        })
        _protect_row(board, viewer, row, node_id, area, year,
                     [*(c.key for c in metric_columns if c.unit != "firms"), "share_of_city", "thousand_billion"],
                     ["yoy", "contribution"])
        rows.append(row)
    columns = [Column("node", "name"), Column("node_id", "code"), Column("kind", codes="kind"),
               Column("status", codes="status"), *metric_columns, Column("scale_metric", codes="metric"),
               Column("yoy", "number", "percent"), Column("share_of_city", "number", "percent"),
               Column("contribution", "number", "pp"), Column("thousand_billion", "boolean"),
               Column("year", "year"), Column("provenance", "provenance"),
               *_disclosure_columns(viewer)]
    return table("nodes", columns, rows, board.provenance, year=year, area=area, node=node,
                 **_disclosure_meta(viewer, rows))


def _disclosure_columns(viewer: Viewer) -> list[Column]:
    return [Column("disclosure", codes="disclosure")] if viewer.needs_disclosure_control else []


def _disclosure_meta(viewer: Viewer, rows: list[dict]) -> dict:
    """`disclosure_control` and how many rows it withheld: presenters add the note when any is."""
    if not viewer.needs_disclosure_control:
        return {}
    return {"disclosure_control": True,
            "suppressed": sum(1 for r in rows if r.get("disclosure") in disclosure.sdc.SUPPRESSED)}


def district_table(board: Scoreboard, *, year: int | None = None, node: str | None = None,
                   district: str | None = None, viewer: Viewer = LOCAL) -> Table:
    """分区: a node (default the whole system) in each district: its scale metric, enterprises, share of the
    node, location quotient, growth; with `district`, that district only. `viewer`: as for `node_table` (a
    district analyst sees their own district's row as it is)."""
    year = board.year(year)
    fw = board.framework
    root = next(n for n in fw.nodes if n.parent is None).id
    node_id = node or root
    metric = fw.scale_metric(node_id) if fw.node(node_id).is_industry else fw.info.scale_metric
    districts = list(fw.city.districts)
    if district:
        code = resolve_area(fw, district)
        districts = [d for d in districts if d.code == code] or districts
    codes = [d.code for d in districts]
    pick = lambda f: f[(f["year"] == year) & f["area"].isin(codes) & (f["node"] == node_id)]  # noqa: E731
    s, t, d = pick(board.scale), pick(board.structure), pick(board.dynamics)
    rows = []
    for region in districts:
        at = lambda f, m, code=region.code: (f["area"] == code) & (f["metric"] == m)  # noqa: E731
        rows.append({
            "district": {"zh": region.name, "en": fw.city.district_label(region.code, "en")},
            "adcode": region.code,
            "node": _name(board, node_id),
            "scale": _value(s, at(s, metric)),
            "enterprises": _value(s, at(s, "enterprises")),
            "share_of_node": _value(t, at(t, metric) & (t["indicator"] == "district_share")),
            "lq": _value(t, at(t, metric) & (t["indicator"] == "lq")),
            "yoy": _value(d, at(d, metric) & (d["indicator"] == "yoy")),
            "year": year,
        })
        _protect_row(board, viewer, rows[-1], node_id, region.code, year, ["scale", "share_of_node", "lq"],
                     ["yoy"])
    columns = [Column("district", "name"), Column("adcode", "code"), Column("node", "name"),
               Column("scale", "number", "yi_yuan", label=metric), Column("enterprises", "integer", "firms"),
               Column("share_of_node", "number", "percent"), Column("lq", "number", "ratio"),
               Column("yoy", "number", "percent"), Column("year", "year"), *_disclosure_columns(viewer)]
    return table("districts", columns, rows, board.provenance, year=year, node=node_id, metric=metric,
                 **_disclosure_meta(viewer, rows))


def milestone_table(board: Scoreboard, *, viewer: Viewer = LOCAL) -> Table:
    """千亿级: every industry node's scale, whether it is 千亿级/万亿级, and the year it first crossed 千亿.
    `viewer`: a node whose city figure is under disclosure control shows None."""
    m = board.milestones
    rows = [{
        "node": _name(board, r["node"]), "node_id": r["node"], "scale_metric": r["metric"],
        "latest_year": r["latest_year"], "scale": r["value"], "thousand_billion": bool(r["thousand_billion"]),
        "crossed_1000": r["first_year_1000"],
        "crossed_1000_or_earlier": bool(isinstance(r["crossed_1000"], str) and r["crossed_1000"].startswith("before")),
        "ten_thousand_billion": bool(r["ten_thousand_billion"]), "provenance": r["provenance"],
    } for r in m.to_dict("records")]
    if viewer.needs_disclosure_control and board.latest is not None:
        for row in rows:
            _protect_row(board, viewer, row, row["node_id"], board.framework.info.city, board.latest,
                         ["scale", "thousand_billion", "ten_thousand_billion"], [])
    columns = [Column("node", "name"), Column("node_id", "code"), Column("scale_metric", codes="metric"),
               Column("latest_year", "year"), Column("scale", "number", "yi_yuan"),
               Column("thousand_billion", "boolean"), Column("crossed_1000", "year"),
               Column("crossed_1000_or_earlier", "boolean"), Column("ten_thousand_billion", "boolean"),
               Column("provenance", "provenance"), *_disclosure_columns(viewer)]
    return table("milestones", columns, rows, board.provenance, year=board.latest, **_disclosure_meta(viewer, rows))


def target_table(board: Scoreboard, *, viewer: Viewer = LOCAL) -> Table:
    """目标进度: each target's required and achieved growth and the year it is reached at this pace.
    `viewer`: a node's progress whose city figure is under disclosure control shows None."""
    t = board.targets
    fw = board.framework
    city = {"zh": fw.city.label("zh"), "en": fw.city.label("en")}
    rows = [{
        "target_id": r["id"], "node": city if r["node"] == "city" else _name(board, r["node"]),
        "metric": r["metric"], "target_year": r["target_year"], "target": r["target"], "latest": r["latest"],
        "latest_year": r["latest_year"], "required_cagr": r["required_cagr"], "achieved_cagr": r["achieved_cagr"],
        "projected_year": r["projected_year"], "target_status": r["status"], "years_behind": r["years_behind"],
        "target_sources": [s for s in str(r["sources"] or "").split(",") if s], "provenance": r["provenance"],
        "node_id": r["node"],
    } for r in (t.to_dict("records") if len(t) else [])]
    for row in rows:
        node_id = row.pop("node_id")
        if viewer.needs_disclosure_control and node_id != "city" and pd.notna(row["latest_year"]):
            _protect_row(board, viewer, row, node_id, fw.info.city, int(row["latest_year"]),
                         ["latest", "achieved_cagr", "projected_year", "target_status", "years_behind"], [])
    columns = [Column("target_id", "code"), Column("node", "name"), Column("metric", codes="metric"),
               Column("target_year", "year"), Column("target", "number", "yi_yuan"),
               Column("latest", "number", "yi_yuan"), Column("latest_year", "year"),
               Column("required_cagr", "number", "percent"), Column("achieved_cagr", "number", "percent"),
               Column("projected_year", "year"), Column("target_status", codes="target_status"),
               Column("years_behind", "integer", "year"), Column("target_sources", "list"),
               Column("provenance", "provenance"), *_disclosure_columns(viewer)]
    return table("targets", columns, rows, board.provenance, year=board.latest, **_disclosure_meta(viewer, rows))


def reconcile_table(board: Scoreboard) -> Table:
    """公开数据对照: each published figure, the registry's number for the same thing, and the gap."""
    r = board.reconcile
    rows = [{
        "figure_id": x["id"], "metric": x["metric"], "year": x["year"], "published": x["published"],
        "comparison": x["comparison"], "unit": machine_unit(x["unit"]) or "count", "registry": x["registry"],
        "gap": x["gap"], "gap_pct": x["gap_pct"], "reconcile_status": x["status"], "reason": x["reason"],
        # a check against another figure or a national total (issue 11): conflict, different_definitions, ...
        "consistency": x.get("consistency") if isinstance(x.get("consistency"), str) else None,
        "consistency_check": x.get("consistency_check") if isinstance(x.get("consistency_check"), str) else None,
        "source": x["provenance"],
        "registry_provenance": x["registry_provenance"] if isinstance(x["registry_provenance"], str) else None,
    } for x in (r.to_dict("records") if len(r) else [])]
    columns = [Column("figure_id", "code"), Column("metric", "code", codes="published_metric"), Column("year", "year"),
               Column("published", "number", unit_from="unit", provenance="source"),
               Column("comparison", codes="comparison"), Column("unit", codes="unit"),
               Column("registry", "number", unit_from="unit", provenance="registry_provenance"),
               Column("gap", "number", unit_from="unit", provenance="registry_provenance"),
               Column("gap_pct", "number", "percent", provenance="registry_provenance"),
               Column("reconcile_status", codes="reconcile_status"), Column("reason", codes="reconcile_reason"),
               Column("consistency", codes="consistency_status", label="consistency_status"),
               Column("consistency_check", "code", label="consistency_check"),
               Column("source", "code"), Column("registry_provenance", "provenance")]
    return table("reconcile", columns, rows, board.provenance)


def source_table(board: Scoreboard) -> Table:
    """来源: every source the registry's published figures cite."""
    records = ({k: plain(v) for k, v in r.items()} for r in board.sources.to_dict("records"))
    rows = [{"source_id": s["id"], "title": s["title"], "publisher": s["publisher"], "date": s["date"],
             "url": s["url"], "note": bilingual_note(s)} for s in records]
    columns = [Column("source_id", "code"), Column("title"), Column("publisher"), Column("date"),
               Column("url"), Column("note", "name")]
    return table("sources", columns, rows, PACK)


def resolve_area(framework: Framework, text: str | None) -> str:
    """The city (None, '', its adcode or names, 'city') or one of its districts by any spelling -> adcode."""
    city = framework.city
    if text is None or text in ("", city.code, city.name, city.name[:-1], city.name_en, "city"):
        return city.code
    found = city.resolve_district(text)
    if found is None:
        example = city.districts[0] if city.districts else None
        close = "、".join(d.name for d in city.close_districts(text))  # issue 15: close matches first
        raise NotFound(f"没有这个区: {text} (not a district of {city.label('en')})",
                       hint=f"相近的有 close matches: {close}" if close else
                       f"例如 {example.name} 或 {example.code}" if example else None)
    return found.code


def tables(board: Scoreboard, *, year: int | None = None, node: str | None = None,
           district: str | None = None, viewer: Viewer = LOCAL) -> dict[str, Table]:
    """Every view of the scoreboard, keyed by its machine name (the report's sheets); `viewer` as for
    `node_table` (the reconciliation compares city totals with published figures: unchanged)."""
    area = resolve_area(board.framework, district)
    node = board.framework.node(node).id if node else None  # an id, a Chinese name or a short name (issue 15)
    return {
        "nodes": node_table(board, year=year, node=node, area=area, viewer=viewer),
        "districts": district_table(board, year=year, node=node, viewer=viewer),
        "milestones": milestone_table(board, viewer=viewer),
        "targets": target_table(board, viewer=viewer),
        "reconcile": reconcile_table(board),
        "sources": source_table(board),
    }
