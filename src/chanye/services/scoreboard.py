"""监测看板 The scoreboard: the service behind `chanye scoreboard`, /api/v1/scoreboard and the dashboard pages.

`compute` loads the registry through `registry.views` and runs the pure `analytics.indicators` once; the
`*_table` functions cut it into typed tables (节点总览 nodes, 分区 districts, 千亿级 milestones, 目标进度
targets, 公开数据对照 reconcile, 来源 sources) with machine keys, each number with its unit and provenance.
The metric columns are the pack's metrics.yaml entries marked `scoreboard: true`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from chanye.analytics import indicators as ind
from chanye.errors import InputError, NotFound
from chanye.framework.model import Framework, Metric
from chanye.registry import views
from chanye.registry.store import Store
from chanye.services.published import bilingual_note
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
            raise NotFound("数据库中没有年度指标 (the registry holds no yearly figures)", hint="先导入数据或运行 chanye demo")
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
    scale = ind.scale(views.firms(store), views.figures(store), views.tags(store),
                      views.links(store, framework.id), framework)
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
        reconcile=ind.reconcile(views.published(store), scale, framework),
        sources=views.sources(store),
        years=years,
        synthetic=views.is_synthetic(store),
    )


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


def node_table(board: Scoreboard, *, year: int | None = None, node: str | None = None,
               area: str | None = None) -> Table:
    """节点总览: one row per node (its groups and the whole system too) for an area (default the city) and
    year: the pack's scoreboard metrics, growth of the node's scale metric, share of the area, contribution to
    its growth, 千亿级."""
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
        rows.append(row)
    columns = [Column("node", "name"), Column("node_id", "code"), Column("kind", codes="kind"),
               Column("status", codes="status"), *metric_columns, Column("scale_metric", codes="metric"),
               Column("yoy", "number", "percent"), Column("share_of_city", "number", "percent"),
               Column("contribution", "number", "pp"), Column("thousand_billion", "boolean"),
               Column("year", "year"), Column("provenance", "provenance")]
    return table("nodes", columns, rows, board.provenance, year=year, area=area, node=node)


def district_table(board: Scoreboard, *, year: int | None = None, node: str | None = None,
                   district: str | None = None) -> Table:
    """分区: a node (default the whole system) in each district: its scale metric, enterprises, share of the
    node, location quotient, growth; with `district`, that district only."""
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
    columns = [Column("district", "name"), Column("adcode", "code"), Column("node", "name"),
               Column("scale", "number", "yi_yuan", label=metric), Column("enterprises", "integer", "firms"),
               Column("share_of_node", "number", "percent"), Column("lq", "number", "ratio"),
               Column("yoy", "number", "percent"), Column("year", "year")]
    return table("districts", columns, rows, board.provenance, year=year, node=node_id, metric=metric)


def milestone_table(board: Scoreboard) -> Table:
    """千亿级: every industry node's scale, whether it is 千亿级/万亿级, and the year it first crossed 千亿."""
    m = board.milestones
    rows = [{
        "node": _name(board, r["node"]), "node_id": r["node"], "scale_metric": r["metric"],
        "latest_year": r["latest_year"], "scale": r["value"], "thousand_billion": bool(r["thousand_billion"]),
        "crossed_1000": r["first_year_1000"],
        "crossed_1000_or_earlier": bool(isinstance(r["crossed_1000"], str) and r["crossed_1000"].startswith("before")),
        "ten_thousand_billion": bool(r["ten_thousand_billion"]), "provenance": r["provenance"],
    } for r in m.to_dict("records")]
    columns = [Column("node", "name"), Column("node_id", "code"), Column("scale_metric", codes="metric"),
               Column("latest_year", "year"), Column("scale", "number", "yi_yuan"),
               Column("thousand_billion", "boolean"), Column("crossed_1000", "year"),
               Column("crossed_1000_or_earlier", "boolean"), Column("ten_thousand_billion", "boolean"),
               Column("provenance", "provenance")]
    return table("milestones", columns, rows, board.provenance, year=board.latest)


def target_table(board: Scoreboard) -> Table:
    """目标进度: each target's required and achieved growth and the year it is reached at this pace."""
    t = board.targets
    fw = board.framework
    city = {"zh": fw.city.label("zh"), "en": fw.city.label("en")}
    rows = [{
        "target_id": r["id"], "node": city if r["node"] == "city" else _name(board, r["node"]),
        "metric": r["metric"], "target_year": r["target_year"], "target": r["target"], "latest": r["latest"],
        "latest_year": r["latest_year"], "required_cagr": r["required_cagr"], "achieved_cagr": r["achieved_cagr"],
        "projected_year": r["projected_year"], "target_status": r["status"], "years_behind": r["years_behind"],
        "target_sources": [s for s in str(r["sources"] or "").split(",") if s], "provenance": r["provenance"],
    } for r in (t.to_dict("records") if len(t) else [])]
    columns = [Column("target_id", "code"), Column("node", "name"), Column("metric", codes="metric"),
               Column("target_year", "year"), Column("target", "number", "yi_yuan"),
               Column("latest", "number", "yi_yuan"), Column("latest_year", "year"),
               Column("required_cagr", "number", "percent"), Column("achieved_cagr", "number", "percent"),
               Column("projected_year", "year"), Column("target_status", codes="target_status"),
               Column("years_behind", "integer", "year"), Column("target_sources", "list"),
               Column("provenance", "provenance")]
    return table("targets", columns, rows, board.provenance, year=board.latest)


def reconcile_table(board: Scoreboard) -> Table:
    """公开数据对照: each published figure, the registry's number for the same thing, and the gap."""
    r = board.reconcile
    rows = [{
        "figure_id": x["id"], "metric": x["metric"], "year": x["year"], "published": x["published"],
        "comparison": x["comparison"], "unit": machine_unit(x["unit"]) or "count", "registry": x["registry"],
        "gap": x["gap"], "gap_pct": x["gap_pct"], "reconcile_status": x["status"], "reason": x["reason"],
        "source": x["provenance"],
        "registry_provenance": x["registry_provenance"] if isinstance(x["registry_provenance"], str) else None,
    } for x in (r.to_dict("records") if len(r) else [])]
    columns = [Column("figure_id", "code"), Column("metric", "code"), Column("year", "year"),
               Column("published", "number", unit_from="unit", provenance="source"),
               Column("comparison", codes="comparison"), Column("unit", codes="unit"),
               Column("registry", "number", unit_from="unit", provenance="registry_provenance"),
               Column("gap", "number", unit_from="unit", provenance="registry_provenance"),
               Column("gap_pct", "number", "percent", provenance="registry_provenance"),
               Column("reconcile_status", codes="reconcile_status"), Column("reason", codes="reconcile_reason"),
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
        raise NotFound(f"没有这个区: {text} (not a district of {city.label('en')})",
                       hint=f"例如 {example.name} 或 {example.code}" if example else None)
    return found.code


def tables(board: Scoreboard, *, year: int | None = None, node: str | None = None,
           district: str | None = None) -> dict[str, Table]:
    """Every view of the scoreboard, keyed by its machine name (the report's sheets)."""
    area = resolve_area(board.framework, district)
    return {
        "nodes": node_table(board, year=year, node=node, area=area),
        "districts": district_table(board, year=year, node=node),
        "milestones": milestone_table(board),
        "targets": target_table(board),
        "reconcile": reconcile_table(board),
        "sources": source_table(board),
    }
