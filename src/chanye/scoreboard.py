"""The 12218 scoreboard (监测看板): the service behind `chanye scoreboard`, /api/v1/scoreboard and the pages.

`compute` loads the registry through `registry.views` and runs the pure `analytics.indicators` once;
`tables` cuts the result into the views an official pastes into a report (节点总览, 分区, 千亿级, 目标进度,
公开数据对照, 来源), each number with its unit and provenance.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from chanye.analytics import indicators as ind
from chanye.errors import InputError, NotFound
from chanye.framework.model import Framework
from chanye.registry import views
from chanye.registry.store import Store
from chanye.standards import regions

SYNTHETIC = "synthetic"


@dataclass
class Scoreboard:
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

    def year(self, year: int | None) -> int:
        if not self.years:
            raise NotFound("数据库中没有年度指标 (the registry holds no yearly figures)", hint="先导入数据或运行 chanye demo")
        if year is None:
            return self.latest
        if year not in self.years:
            raise InputError(f"没有 {year} 年的数据 (no data for {year})",
                             hint=f"可选年份: {', '.join(map(str, self.years))}")
        return year


def compute(store: Store, framework: Framework) -> Scoreboard:
    """Every indicator of every node, district and year, plus targets and the reconciliation."""
    if not views.has_figures(store):
        raise NotFound("数据库中还没有企业年度指标 (the registry holds no yearly figures yet)",
                       hint="在“数据”页上传企业名录与年度指标，或运行 chanye demo 生成示例数据")
    scale = ind.scale(views.firms(store), views.figures(store), views.tags(store),
                      views.links(store, framework.id), framework)
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


# --- the report views ----------------------------------------------------------------------------------------

NODE_COLUMNS = {  # metric -> (zh, en); units come from the scale frame
    "industrial_output": ("工业总产值", "Industrial output"),
    "revenue": ("营业收入", "Revenue"),
    "value_added": ("增加值", "Value added"),
    "employees": ("从业人员", "Employees"),
    "enterprises": ("企业数", "Enterprises"),
    "enterprises_above_scale": ("规上企业", "Above-scale"),
    "enterprises_high_tech": ("高新技术企业", "High-tech"),
    "enterprises_srdi": ("专精特新", "SRDI"),
    "enterprises_little_giant": ("小巨人", "Little giants"),
    "enterprises_listed": ("上市企业", "Listed"),
}
UNIT_OF = {"industrial_output": "亿元", "revenue": "亿元", "value_added": "亿元", "employees": "人"}
SHEETS = {"nodes": ("节点总览", "Nodes"), "districts": ("分区", "Districts"), "milestones": ("千亿级", "Milestones"),
          "targets": ("目标进度", "Targets"), "reconcile": ("公开数据对照", "Published vs registry"),
          "sources": ("来源", "Sources")}


def _unit(metric: str) -> str:
    return UNIT_OF.get(metric, "家")


def _label(metric: str, lang: str) -> str:
    zh, en = NODE_COLUMNS[metric]
    return f"{en} ({_unit(metric)})" if lang == "en" else f"{zh}（{_unit(metric)}）"


def _node_name(board: Scoreboard, node_id: str, lang: str) -> str:
    return board.framework.node(node_id).name.get(lang)


def node_table(board: Scoreboard, *, year: int | None = None, node: str | None = None, area: str = regions.GUANGZHOU,
               lang: str = "zh") -> pd.DataFrame:
    """节点总览: one row per node (its tier groups and "all 12218" too) for an area and year: scale, tag counts,
    growth of the node's scale metric, share of the area and contribution to its growth, 千亿级 status."""
    year = board.year(year)
    fw = board.framework
    wanted = [n.id for n in fw.nodes if n.kind in ("system", "tier", "cluster", "future", "service")]
    if node:
        fw.node(node)
        wanted = [node, *(d.id for d in fw.descendants(node) if d.id in wanted)]
    sc = board.scale[(board.scale["area"] == area) & (board.scale["year"] == year) & board.scale["node"].isin(wanted)]
    wide = sc.pivot_table(index="node", columns="metric", values="value", aggfunc="first")
    prov = sc.groupby("node")["provenance"].agg(lambda p: SYNTHETIC if (p == SYNTHETIC).any() else "registry")
    dyn = board.dynamics[(board.dynamics["area"] == area) & (board.dynamics["year"] == year)]
    rows = []
    for node_id in wanted:
        if node_id not in wide.index:
            continue
        n = fw.node(node_id)
        metric = fw.scale_metric(node_id) if n.is_industry else fw.info.scale_metric

        def dyn_value(indicator: str, node_id: str = node_id, metric: str = metric) -> float | None:
            hit = dyn[(dyn["node"] == node_id) & (dyn["metric"] == metric) & (dyn["indicator"] == indicator)]
            return float(hit["value"].iloc[0]) if len(hit) and pd.notna(hit["value"].iloc[0]) else None

        value = wide.loc[node_id].get(metric)
        row = {
            ("节点" if lang != "en" else "Node"): n.name.get(lang),
            "id": node_id,
            ("层级" if lang != "en" else "Kind"): n.kind,
            ("状态" if lang != "en" else "Status"): n.status,
        }
        for m in NODE_COLUMNS:
            row[_label(m, lang)] = wide.loc[node_id].get(m)
        row["规模指标" if lang != "en" else "Scale metric"] = metric
        row["同比增长（%）" if lang != "en" else "YoY growth (%)"] = dyn_value("yoy")
        row["占全市比重（%）" if lang != "en" else "Share of city (%)"] = dyn_value("share")
        row["增长贡献（百分点）" if lang != "en" else "Contribution (pp)"] = dyn_value("contribution")
        row["千亿级" if lang != "en" else "≥1000亿"] = bool(value is not None and pd.notna(value) and value >= ind.THOUSAND_BILLION) \
            if n.is_industry else None
        row["年份" if lang != "en" else "Year"] = year
        row["来源" if lang != "en" else "Provenance"] = "示例数据" if prov.get(node_id) == SYNTHETIC else "登记数据"
        rows.append(row)
    return pd.DataFrame(rows)


def district_table(board: Scoreboard, *, year: int | None = None, node: str | None = None,
                   district: str | None = None, lang: str = "zh") -> pd.DataFrame:
    """分区: a node (default all 12218) in each district: scale metric, share of the node, location quotient,
    growth; or, with `district`, every node in that district."""
    year = board.year(year)
    fw = board.framework
    root = next(n for n in fw.nodes if n.parent is None).id
    node_id = node or root
    fw.node(node_id)
    metric = fw.scale_metric(node_id) if fw.node(node_id).is_industry else fw.info.scale_metric
    districts = {d.code: d for d in regions.guangzhou_districts()}
    if district:
        code = resolve_area(district)
        districts = {code: districts[code]} if code in districts else districts
    sc, st, dy = board.scale, board.structure, board.dynamics
    sel = lambda f: f[(f["year"] == year) & (f["area"].isin(districts)) & (f["node"] == node_id)]  # noqa: E731
    s, t, d = sel(sc), sel(st), sel(dy)
    rows = []
    for code, region in districts.items():
        def pick(frame: pd.DataFrame, m: str, indicator: str | None = None, code: str = code) -> float | None:
            hit = frame[(frame["area"] == code) & (frame["metric"] == m)]
            if indicator:
                hit = hit[hit["indicator"] == indicator]
            return float(hit["value"].iloc[0]) if len(hit) and pd.notna(hit["value"].iloc[0]) else None

        en = lang == "en"
        rows.append({
            ("区" if not en else "District"): region.name,
            "adcode": code,
            ("节点" if not en else "Node"): _node_name(board, node_id, lang),
            (f"{NODE_COLUMNS[metric][0]}（亿元）" if not en else f"{NODE_COLUMNS[metric][1]} (亿元)"): pick(s, metric),
            ("企业数（家）" if not en else "Enterprises"): pick(s, "enterprises"),
            ("占该节点比重（%）" if not en else "Share of node (%)"): pick(t, metric, "district_share"),
            ("区位熵" if not en else "Location quotient"): pick(t, metric, "lq"),
            ("同比增长（%）" if not en else "YoY growth (%)"): pick(d, metric, "yoy"),
            ("年份" if not en else "Year"): year,
            ("来源" if not en else "Provenance"): "示例数据" if board.synthetic else "登记数据",
        })
    return pd.DataFrame(rows)


def milestone_table(board: Scoreboard, *, lang: str = "zh") -> pd.DataFrame:
    m = board.milestones
    en = lang == "en"
    return pd.DataFrame({
        ("节点" if not en else "Node"): [_node_name(board, n, lang) for n in m["node"]],
        "id": m["node"],
        ("规模指标" if not en else "Scale metric"): m["metric"],
        ("最新年份" if not en else "Latest year"): m["latest_year"],
        ("规模（亿元）" if not en else "Scale (亿元)"): m["value"],
        ("千亿级" if not en else "≥1000亿"): m["thousand_billion"],
        ("首次过千亿" if not en else "First ≥1000亿"): m["crossed_1000"],
        ("万亿级" if not en else "≥1万亿"): m["ten_thousand_billion"],
        ("来源" if not en else "Provenance"): ["示例数据" if p == SYNTHETIC else "登记数据" for p in m["provenance"]],
    })


def target_table(board: Scoreboard, *, lang: str = "zh") -> pd.DataFrame:
    t = board.targets
    if t.empty:
        return pd.DataFrame(columns=["目标", "节点"])
    en = lang == "en"
    names = [("全市" if not en else "City") if n == "city" else _node_name(board, n, lang) for n in t["node"]]
    return pd.DataFrame({
        ("目标" if not en else "Target"): t["id"],
        ("节点" if not en else "Node"): names,
        ("指标" if not en else "Metric"): t["metric"],
        ("目标年份" if not en else "Target year"): t["target_year"],
        ("目标值（亿元）" if not en else "Target (亿元)"): t["target"],
        ("最新值（亿元）" if not en else "Latest (亿元)"): t["latest"],
        ("最新年份" if not en else "Latest year"): t["latest_year"],
        ("所需年均增速（%）" if not en else "Required CAGR (%)"): t["required_cagr"],
        ("近三年年均增速（%）" if not en else "Achieved CAGR (%)"): t["achieved_cagr"],
        ("按此速度达成年份" if not en else "Year reached at this pace"): t["projected_year"],
        ("进度" if not en else "Status"): t["status"] if en else t["status_zh"],
        ("目标来源" if not en else "Target source"): t["sources"],
        ("数据来源" if not en else "Provenance"): ["示例数据" if p == SYNTHETIC else "登记数据" for p in t["provenance"]],
    })


# The columns `chanye scoreboard` prints in a terminal (the files carry all of them).
TERMINAL_COLUMNS = {
    "节点", "Node", "区", "District", "工业总产值（亿元）", "Industrial output (亿元)", "营业收入（亿元）", "Revenue (亿元)",
    "企业数（家）", "Enterprises (家)", "规上企业（家）", "高新技术企业（家）", "专精特新（家）", "同比增长（%）",
    "YoY growth (%)", "占全市比重（%）", "Share of city (%)", "千亿级", "≥1000亿", "占该节点比重（%）", "Share of node (%)",
    "区位熵", "Location quotient", "Enterprises", "High-tech (家)", "SRDI (家)", "Above-scale (家)",
}
STATUS_ZH = {"match": "一致", "gap": "有差距", "not in registry": "登记数据无法计算", "no data": "无对应年份数据"}


def reconcile_table(board: Scoreboard, *, lang: str = "zh") -> pd.DataFrame:
    r = board.reconcile
    en = lang == "en"
    return pd.DataFrame({
        ("公开数据" if not en else "Published figure"): r["id"],
        ("指标" if not en else "Metric"): r["metric"],
        ("年份" if not en else "Year"): r["year"],
        ("公开值" if not en else "Published"): r["published"],
        ("比较" if not en else "Comparison"): r["comparison"],
        ("单位" if not en else "Unit"): r["unit"],
        ("登记数据值" if not en else "Registry"): r["registry"],
        ("差距" if not en else "Gap"): r["gap"],
        ("差距（%）" if not en else "Gap (%)"): r["gap_pct"],
        ("状态" if not en else "Status"): r["status"] if en else [STATUS_ZH.get(s, s) for s in r["status"]],
        ("说明" if not en else "Note"): r["note"],
        ("公开数据来源" if not en else "Source"): r["provenance"],
        ("登记数据来源" if not en else "Registry provenance"): [
            ("示例数据" if p == SYNTHETIC else ("登记数据" if p else "")) for p in r["registry_provenance"].fillna("")
        ],
    })


def source_table(board: Scoreboard) -> pd.DataFrame:
    return board.sources.rename(columns={"id": "来源编号", "title": "标题", "publisher": "发布者", "date": "日期",
                                         "url": "网址", "note": "备注"})


def resolve_area(text: str | None) -> str:
    """The city (default, or its adcode) or a Guangzhou district by name, short name or adcode."""
    if text is None or text in ("", regions.GUANGZHOU, "广州", "广州市", "city"):
        return regions.GUANGZHOU
    found = regions.resolve_district(text)
    if found is None:
        raise NotFound(f"没有这个区: {text} (not a Guangzhou district)", hint="例如 天河、黄埔区 或 440106")
    return found.code


def tables(board: Scoreboard, *, year: int | None = None, node: str | None = None, district: str | None = None,
           lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The report's sheets, keyed by their (language-specific) names."""
    i = 1 if lang == "en" else 0
    area = resolve_area(district)
    return {
        SHEETS["nodes"][i]: node_table(board, year=year, node=node, area=area, lang=lang),
        SHEETS["districts"][i]: district_table(board, year=year, node=node, lang=lang),
        SHEETS["milestones"][i]: milestone_table(board, lang=lang),
        SHEETS["targets"][i]: target_table(board, lang=lang),
        SHEETS["reconcile"][i]: reconcile_table(board, lang=lang),
        SHEETS["sources"][i]: source_table(board),
    }


NUMBER_FORMATS = {label: "#,##0.00" for m in NODE_COLUMNS for label in (_label(m, "zh"), _label(m, "en"))
                  if _unit(m) == "亿元"}
NUMBER_FORMATS.update({label: "#,##0" for m in NODE_COLUMNS for label in (_label(m, "zh"), _label(m, "en"))
                       if _unit(m) != "亿元"})
for _name in ("同比增长（%）", "占全市比重（%）", "增长贡献（百分点）", "占该节点比重（%）", "区位熵", "差距（%）",
              "所需年均增速（%）", "近三年年均增速（%）", "YoY growth (%)", "Share of city (%)", "Contribution (pp)",
              "Share of node (%)", "Location quotient", "Gap (%)", "Required CAGR (%)", "Achieved CAGR (%)"):
    NUMBER_FORMATS[_name] = "0.00"
for _name in ("规模（亿元）", "目标值（亿元）", "最新值（亿元）", "Scale (亿元)", "Target (亿元)", "Latest (亿元)"):
    NUMBER_FORMATS[_name] = "#,##0.00"


def write_report(board: Scoreboard, path, **kwargs) -> None:
    """The XLSX an official pastes from: one sheet per view, units in headers, frozen headers, a note line
    naming the provenance above each table."""
    from chanye.export import write_xlsx

    sheets = tables(board, **kwargs)
    note = ("示例数据：本表企业与指标均为合成数据，不代表真实企业或官方统计。" if board.synthetic
            else "数据来源：导入的企业登记与年度指标；公开数据见“来源”表。")
    write_xlsx(sheets, path, number_formats=NUMBER_FORMATS, notes={name: note for name in sheets})
