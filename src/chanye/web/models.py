"""Page models: each page's one dict, composed from the same service functions the JSON API calls (the
framework views, the scoreboard, the enterprise directory, the published figures), so that a page and its
JSON twins always show the same numbers. Every figure carries its unit, year and provenance.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left

import numpy as np
import pandas as pd

from chanye.analytics.indicators import ALL_FIRMS
from chanye.errors import NotFound
from chanye.present import labels
from chanye.registry.fields import TAGS
from chanye.services.results import PACK, Column, Provenance, Table, table
from chanye.services.scoreboard import machine_unit
from chanye.web.api.data import published_table
from chanye.web.api.enterprises import district_table, search_model, tag_counts_model
from chanye.web.tables import REGISTRY, SYNTHETIC, clean

KIND = {k: v for k, v in labels.CODES["kind"].items() if k in ("cluster", "future", "service")}
METRIC_LABEL = labels.CODES["metric"]
# Published city figures shown as headline cards, in this order (the latest year of each).
HEADLINE_METRICS = (
    ("gdp", "地区生产总值", "Gross regional product"),
    ("industrial_investment", "工业投资", "Industrial investment"),
    ("tech_upgrade_investment_growth", "工业技改投资增速", "Tech-upgrade investment growth"),
    ("high_tech_mfg_investment_growth", "高技术制造业投资增速", "High-tech manufacturing investment growth"),
    ("strategic_emerging_va", "战略性新兴产业增加值", "Strategic emerging industries' value added"),
    ("count_100bn_clusters", "千亿级产业集群", "Clusters above 100 bn yuan"),
    ("count_100bn_services", "千亿级服务业", "Service industries above 100 bn yuan"),
    ("industrial_projects", "工业建设项目", "Industrial construction projects"),
)


def _num(value):
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) or math.isinf(v) else v


# --------------------------------------------------------------------------------------------------------
# The scoreboard frames (long frames with unit and provenance columns), once per data generation
# --------------------------------------------------------------------------------------------------------


def memo(ctx, key: tuple, compute):
    """A page model kept until the data change, in the same bounded cache as every other view."""
    return ctx.cached(("page-model", *key), compute)


def board(ctx):
    """The scoreboard (`chanye.services.scoreboard.compute`: scale, dynamics, structure, milestones and target
    progress of every node, district and year), once per data generation; shared with /api/v1/scoreboard."""
    from chanye.services import scoreboard

    return ctx.cached(("scoreboard",), lambda: scoreboard.compute(ctx.cursor(), ctx.framework))


class Lookup:
    """Access to the scoreboard's long frames by (frame, node, area_type, area, year, metric[, indicator]) ->
    value, with the provenance of each cell. Built once per data generation.

    Issue 14 (a server that stays small): a dict of 120,000 tuple keys and (value, provenance) pairs held 70 MB
    on the full demo, four times the frames. Each key part is coded by a small dict of its distinct values, the
    codes are combined into one int64 (mixed radix), and the cells are three sorted arrays (keys, values,
    provenance codes): 2 MB, one binary search a cell (~3 us against ~0.4 us for the dict; pages read a few
    hundred cells). The last of duplicate keys wins, as in a dict."""

    FRAMES = ("scale", "dynamics", "structure")

    def __init__(self, b) -> None:
        self.synthetic = bool(b.synthetic)
        parts: list[list] = [[] for _ in range(7)]  # frame, node, area_type, area, year, metric, indicator
        values: list[float] = []
        provs: list = []
        for name in self.FRAMES:
            frame = getattr(b, name)
            n = len(frame)
            parts[0].extend([name] * n)
            for i, column in enumerate(("node", "area_type", "area"), start=1):
                parts[i].extend(frame[column].tolist())
            parts[4].extend(int(y) for y in frame["year"])
            parts[5].extend(frame["metric"].tolist())
            parts[6].extend(frame["indicator"].tolist() if "indicator" in frame.columns else [None] * n)
            values.extend(math.nan if (v := _num(x)) is None else v for x in frame["value"])
            provs.extend(frame["provenance"].tolist())
        # one dict per key part (value -> code): the same equality as the tuple keys of a dict
        self._codes: list[dict] = []
        keys = np.zeros(len(values), dtype=np.int64)
        for column in parts:
            codes: dict = {}
            coded = np.fromiter((codes.setdefault(v, len(codes)) for v in column), dtype=np.int64, count=len(column))
            self._codes.append(codes)
            keys = keys * max(len(codes), 1) + coded
        # one int64 holds the key while the product of the parts' counts does (~10**8 on the full demo)
        if math.prod(max(len(codes), 1) for codes in self._codes) >= 2**63:
            raise OverflowError("scoreboard cells have too many distinct keys for one int64 code")
        kinds: dict = {}
        prov_codes = np.fromiter((kinds.setdefault(p, len(kinds)) for p in provs), dtype=np.int32, count=len(provs))
        self._provs = tuple(kinds)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        last = np.append(keys[1:] != keys[:-1], True) if len(keys) else np.zeros(0, dtype=bool)  # last of a run
        # array.array, not numpy: bisect over it and indexing it make plain ints and floats, ~4x faster a cell
        self._keys = array("q", keys[last].tobytes())
        self._values = array("d", np.asarray(values, dtype=float)[order][last].tobytes())
        self._prov = array("i", prov_codes[order][last].tobytes())

    def _at(self, frame: str, node: str, area_type: str, area: str, year: int, metric: str,
            indicator: str | None) -> int:
        """The cell's position, -1 when the frames hold no such cell."""
        key = 0
        for codes, part in zip(self._codes, (frame, node, area_type, area, year, metric, indicator), strict=True):
            code = codes.get(part)
            if code is None:
                return -1
            key = key * max(len(codes), 1) + code
        at = bisect_left(self._keys, key)
        return at if at < len(self._keys) and self._keys[at] == key else -1

    def get(self, frame: str, node: str, area_type: str, area: str, year: int, metric: str,
            indicator: str | None = None):
        at = self._at(frame, node, area_type, area, year, metric, indicator)
        if at < 0:
            return None
        value = self._values[at]
        return None if math.isnan(value) else value

    def prov(self, frame: str, node: str, area_type: str, area: str, year: int, metric: str) -> str:
        at = self._at(frame, node, area_type, area, year, metric, None)
        return self._provs[self._prov[at]] if at >= 0 else (SYNTHETIC if self.synthetic else REGISTRY)


def lookup(ctx) -> Lookup:
    b = board(ctx)  # outside the cached() call: Context.cached's lock is not re-entrant
    return ctx.cached(("web-lookup",), lambda: Lookup(b))


def _page_provenance(b) -> dict:
    return {"kind": SYNTHETIC if b.synthetic else REGISTRY, "synthetic": bool(b.synthetic)}


def _check_year(b, year: int | None) -> int | None:
    """The year asked for (422 when the data hold no such year), else the latest."""
    return b.year(year) if b.years else None


# --------------------------------------------------------------------------------------------------------
# Overview
# --------------------------------------------------------------------------------------------------------


def tree(fw) -> dict:
    """The system as a nested tree for ECharts (status on every node)."""

    def visit(node) -> dict:
        children = [visit(c) for c in fw.children(node.id)]
        item = {"id": node.id, "name": node.name.zh, "name_en": node.name.en, "label": node.label,
                "kind": node.kind, "status": node.status, "is_industry": node.is_industry}
        if children:
            item["children"] = children
        return item

    roots = [n for n in fw.nodes if n.parent is None]
    return visit(roots[0]) if roots else {}


def node_counts(fw) -> list[dict]:
    """Industry nodes by kind and by status, bilingual (the 21+8 of the system)."""
    nodes = fw.industry_nodes()
    out = [{"label": KIND[k][0], "label_en": KIND[k][1], "n": sum(1 for n in nodes if n.kind == k)}
           for k in ("cluster", "future", "service")]
    out += [{"label": "已确认", "label_en": "confirmed", "n": sum(1 for n in nodes if n.status == "confirmed")},
            {"label": "暂定", "label_en": "provisional", "n": sum(1 for n in nodes if n.status == "provisional")}]
    return out


def published_model(ctx, *, scope: str | None = None, area: str | None = None,
                           node: str | None = None) -> dict:
    """The published figures as the dashboard pages read them: plain values with unit words, metric and source
    labels, the note as {zh, en} (from the typed `services.published.figures` table)."""
    words = labels

    def legacy(row: dict) -> dict:
        unit = row["unit"]
        return {"id": row["figure_id"], "scope": row["scope"], "area": row["area"], "node": row["node"],
                "metric": row["metric"], "year": row["year"], "value": row["value"],
                "unit": words.unit(unit, "zh") or unit, "unit_en": words.unit(unit, "en") or unit,
                "comparison": row["comparison"], "growth": row["growth"],
                "source": row["source"], "note": row["note"],
                "metric_label": words.code("published_metric", row["metric"], "zh"),
                "metric_label_en": words.code("published_metric", row["metric"], "en"),
                "source_title": row["source_title"], "source_url": row["source_url"],
                "source_publisher": row["source_publisher"], "source_date": row["source_date"]}

    rows = [legacy(r) for r in published_table(ctx, scope=scope, area=area, node=node).rows]
    return {"rows": rows, "total": len(rows), "provenance": {"kind": "published", "label": "公开报道"}}



def headline(ctx) -> list[dict]:
    rows = published_model(ctx, scope="city")["rows"]
    out = []
    for metric, zh, en in HEADLINE_METRICS:
        mine = [r for r in rows if r["metric"] == metric]
        if not mine:
            continue
        r = max(mine, key=lambda x: x["year"])
        out.append({**r, "label": zh, "label_en": en})
    return out


def cluster_rows(ctx, year: int | None = None) -> list[dict]:
    """Every industry node in the city: scale (its scale metric), growth, enterprises, 千亿级 status."""
    b = board(ctx)
    year = _check_year(b, year)
    lk = lookup(ctx)  # before ctx.cached below: its lock is not re-entrant
    return ctx.cached(("web-cluster-rows", year), lambda: _cluster_rows(ctx, b, lk, year))


def _cluster_rows(ctx, b, lk: Lookup, year: int | None) -> list[dict]:
    fw = ctx.framework
    city = fw.info.city
    ms = b.milestones.set_index("node") if len(b.milestones) else pd.DataFrame()
    rows = []
    for node in fw.industry_nodes():
        metric = fw.scale_metric(node.id)
        value = lk.get("scale", node.id, "city", city, year, metric)
        m = ms.loc[node.id] if node.id in ms.index else None
        parent = fw.node(node.parent) if node.parent else None
        rows.append({
            "id": node.id, "name": node.name.zh, "name_en": node.name.en, "kind": node.kind, "status": node.status,
            "kind_zh": KIND[node.kind][0], "kind_en": KIND[node.kind][1],
            "parent": node.parent, "parent_name": parent.name.zh if parent else None,
            "parent_name_en": parent.name.en if parent else None,
            "metric": metric, "metric_label": METRIC_LABEL[metric][0], "metric_label_en": METRIC_LABEL[metric][1],
            "year": year, "value": value, "unit": "亿元",
            "growth": lk.get("dynamics", node.id, "city", city, year, metric, "yoy"), "growth_unit": "%",
            "enterprises": lk.get("scale", node.id, "city", city, year, "enterprises"), "enterprises_unit": "家",
            "thousand_billion": bool(value is not None and value >= 1000),
            "crossed_1000": None if m is None or pd.isna(m["crossed_1000"]) else str(m["crossed_1000"]),
            "provenance": lk.prov("scale", node.id, "city", city, year, metric),
        })
    return rows


def overview_model(ctx, year: int | None = None) -> dict:
    fw = ctx.framework
    b = board(ctx)
    year = _check_year(b, year)
    clusters = cluster_rows(ctx, year)
    published_nodes = [r for r in published_model(ctx, scope="node")["rows"] if r["metric"] == "cluster_scale"]
    count_labels = {"count_100bn_clusters": ("千亿级产业集群", "clusters above 100 bn yuan"),
                    "count_100bn_services": ("千亿级服务业", "service industries above 100 bn yuan"),
                    "count_100bn_mfg_clusters": ("产值超千亿元的先进制造业集群", "manufacturing clusters above 100 bn yuan")}
    published_counts = [{**r, "label": count_labels[r["metric"]][0], "label_en": count_labels[r["metric"]][1]}
                        for r in published_model(ctx, scope="city")["rows"] if r["metric"] in count_labels]
    synthetic = bool(b.synthetic)
    return clean({
        "pack": {"id": fw.id, "name": fw.info.name.zh, "name_en": fw.info.name.en, "version": fw.info.version},
        "tree": tree(fw),
        "counts": node_counts(fw),
        "headline": headline(ctx),
        "clusters": clusters,
        "thousand_billion": {
            "year": year,
            "clusters": sum(1 for c in clusters if c["thousand_billion"] and c["kind"] in ("cluster", "future")),
            "services": sum(1 for c in clusters if c["thousand_billion"] and c["kind"] == "service"),
            "unit": "个", "provenance": SYNTHETIC if synthetic else REGISTRY,
            "published": published_counts, "published_clusters": published_nodes,
        },
        "year": year, "years": b.years,
        "provenance": {"kind": SYNTHETIC if synthetic else REGISTRY, "synthetic": synthetic},
    })


def overview_links() -> list[tuple[str, str]]:
    return [("json_framework", "/api/v1/framework"), ("json_scoreboard", "/api/v1/scoreboard/nodes"),
            ("json_milestones", "/api/v1/scoreboard/milestones"), ("json_published", "/api/v1/data/published")]


def clusters_model(ctx, year: int | None = None) -> dict:
    b = board(ctx)
    year = _check_year(b, year)
    rows = cluster_rows(ctx, year)
    return clean({"clusters": rows, "year": year, "years": b.years, "provenance": _page_provenance(b)})


def clusters_links() -> list[tuple[str, str]]:
    return [("json_scoreboard", "/api/v1/scoreboard/nodes"), ("json_milestones", "/api/v1/scoreboard/milestones")]


# --------------------------------------------------------------------------------------------------------
# One cluster
# --------------------------------------------------------------------------------------------------------


def cluster_model(ctx, node_id: str, year: int | None = None, *, node_info: dict | None = None) -> dict:
    """One node: trend, districts (map and table), tags, top enterprises, targets and its concordance
    (`node_info`: the /api/v1/framework/nodes/{id} model)."""
    fw = ctx.framework
    node = fw.node(node_id)  # UnknownNode -> 404
    b = board(ctx)
    year = _check_year(b, year)
    city = fw.info.city
    metric = fw.scale_metric(node.id) if node.is_industry else fw.info.scale_metric
    lk = lookup(ctx)
    years = b.years
    prov = lk.prov("scale", node.id, "city", city, year, metric)
    trend = {
        "years": years, "metric": metric, "metric_label": METRIC_LABEL[metric][0],
        "metric_label_en": METRIC_LABEL[metric][1], "unit": "亿元",
        "values": [lk.get("scale", node.id, "city", city, y, metric) for y in years],
        "yoy": [lk.get("dynamics", node.id, "city", city, y, metric, "yoy") for y in years], "yoy_unit": "%",
        "enterprises": [lk.get("scale", node.id, "city", city, y, "enterprises") for y in years],
        "enterprises_unit": "家", "provenance": prov,
    }
    districts = district_table(fw.city)
    district_rows = [{
        "code": code, "name": d["name"], "name_en": d["name_en"], "unit": "亿元",
        "value": lk.get("scale", node.id, "district", code, year, metric),
        "share": lk.get("structure", node.id, "district", code, year, metric, "district_share"),
        "lq": lk.get("structure", node.id, "district", code, year, metric, "lq"),
        "growth": lk.get("dynamics", node.id, "district", code, year, metric, "yoy"),
        "enterprises": lk.get("scale", node.id, "district", code, year, "enterprises"),
    } for code, d in districts.items()]
    targets = b.targets
    node_targets = targets[targets["node"] == node.id] if len(targets) else targets
    target_rows = []
    for r in (node_targets.to_dict("records") if len(node_targets) else []):
        code = "behind_by" if r["status"] == "behind" else r["status"]
        words = {lang: str(labels.code("target_status", code, lang)).format(n=r.get("years_behind"))
                 for lang in ("zh", "en")}
        # issue 15: each target names the metric it counts (a target in 营业收入 beside a scale in 工业总产值)
        named = METRIC_LABEL.get(r["metric"], (r["metric"], r["metric"]))
        target_rows.append({**r, "status_zh": words["zh"], "status_en": words["en"],
                            "metric_label": named[0], "metric_label_en": named[1],
                            "same_metric": r["metric"] == metric,
                            "sources": [s for s in str(r.get("sources") or "").split(",") if s]})
    return clean({
        "node": node_info or {"id": node.id, "name": node.name.zh, "name_en": node.name.en, "status": node.status,
                              "kind": node.kind, "codes": [], "sources": [], "ancestors": [], "children": []},
        "year": year, "years": years, "metric": metric,
        "metric_label": METRIC_LABEL[metric][0], "metric_label_en": METRIC_LABEL[metric][1],
        "trend": trend,
        "districts": {"rows": district_rows, "metric": metric, "unit": "亿元", "year": year, "provenance": prov},
        "tags": tag_counts_model(ctx, node=node.id, city=city) if node.is_industry else None,
        "top": search_model(ctx, node=node.id, city=city, per_page=10) if node.is_industry else None,
        "targets": target_rows,
        "published": published_model(ctx, node=node.id)["rows"],
        "tag_labels": {k: {"zh": v[0], "en": v[1]} for k, v in TAGS.items()},
        "provenance": _page_provenance(b),
    })


def cluster_links(node_id: str) -> list[tuple[str, str]]:
    return [("json_node", f"/api/v1/framework/nodes/{node_id}"),
            ("json_series", f"/api/v1/scoreboard/series?node={node_id}"),
            ("json_districts", f"/api/v1/scoreboard/districts?node={node_id}"),
            ("json_enterprises", f"/api/v1/enterprises?node={node_id}")]


# --------------------------------------------------------------------------------------------------------
# Districts
# --------------------------------------------------------------------------------------------------------


def _district_or_404(ctx, adcode: str) -> dict:
    districts = district_table(ctx.framework.city)
    if adcode not in districts:
        raise NotFound(f"没有行政区划代码为 {adcode[:20]} 的区 (unknown district)",
                       hint="可用: " + "，".join(f"{k} {v['name']}" for k, v in districts.items()))
    return districts[adcode]


def districts_model(ctx, year: int | None = None) -> dict:
    """Every district of the city: all firms' scale, growth and enterprise count; published GDP."""
    fw = ctx.framework
    b = board(ctx)
    year = _check_year(b, year)
    measure = fw.info.scale_metric
    lk = lookup(ctx)
    root = next(n for n in fw.nodes if n.parent is None).id
    gdp = {r["area"]: r for r in published_model(ctx, scope="district")["rows"] if r["metric"] == "district_gdp"}
    rows = []
    for code, d in district_table(fw.city).items():
        rows.append({
            "code": code, "name": d["name"], "name_en": d["name_en"], "unit": "亿元",
            "revenue": lk.get("scale", ALL_FIRMS, "district", code, year, "revenue"),
            "industrial_output": lk.get("scale", ALL_FIRMS, "district", code, year, measure),
            "system_revenue": lk.get("scale", root, "district", code, year, "revenue"),
            "enterprises": lk.get("scale", ALL_FIRMS, "district", code, year, "enterprises"),
            "growth": lk.get("dynamics", ALL_FIRMS, "district", code, year, "revenue", "yoy"),
            "gdp_published": gdp.get(code),
        })
    return clean({"rows": rows, "year": year, "years": b.years, "metric": "revenue",
                  "provenance": _page_provenance(b)})


def districts_links() -> list[tuple[str, str]]:
    return [("json_districts", "/api/v1/scoreboard/districts"), ("json_published", "/api/v1/data/published?scope=district")]


def district_model(ctx, adcode: str, year: int | None = None) -> dict:
    """One district: its cluster mix (revenue by node), location quotients, growth, top enterprises."""
    fw = ctx.framework
    district = _district_or_404(ctx, adcode)
    b = board(ctx)
    year = _check_year(b, year)
    lk = lookup(ctx)
    mix = []
    for node in fw.industry_nodes():
        metric = fw.scale_metric(node.id)
        parent = fw.node(node.parent) if node.parent else None
        mix.append({
            "id": node.id, "name": node.name.zh, "name_en": node.name.en, "kind": node.kind, "status": node.status,
            "parent": node.parent, "parent_name": parent.name.zh if parent else "",
            "parent_name_en": parent.name.en if parent else "",
            "revenue": lk.get("scale", node.id, "district", adcode, year, "revenue"),
            "metric": metric, "metric_label": METRIC_LABEL[metric][0], "metric_label_en": METRIC_LABEL[metric][1],
            "value": lk.get("scale", node.id, "district", adcode, year, metric), "unit": "亿元",
            "lq": lk.get("structure", node.id, "district", adcode, year, metric, "lq"),
            "share": lk.get("structure", node.id, "district", adcode, year, metric, "district_share"),
            "growth": lk.get("dynamics", node.id, "district", adcode, year, metric, "yoy"),
            "enterprises": lk.get("scale", node.id, "district", adcode, year, "enterprises"),
        })
    gdp = published_model(ctx, scope="district", area=adcode)["rows"]
    return clean({
        "district": district, "year": year, "years": b.years,
        "totals": {
            "revenue": lk.get("scale", ALL_FIRMS, "district", adcode, year, "revenue"),
            "industrial_output": lk.get("scale", ALL_FIRMS, "district", adcode, year, "industrial_output"),
            "enterprises": lk.get("scale", ALL_FIRMS, "district", adcode, year, "enterprises"),
            "growth": lk.get("dynamics", ALL_FIRMS, "district", adcode, year, "revenue", "yoy"),
            "unit": "亿元",
        },
        "mix": mix,
        "top": search_model(ctx, district=adcode, per_page=10),
        "tags": tag_counts_model(ctx, district=adcode),
        "published": gdp,
        "provenance": _page_provenance(b),
    })


def district_links(adcode: str) -> list[tuple[str, str]]:
    return [("json_scoreboard", f"/api/v1/scoreboard/nodes?district={adcode}"),
            ("json_enterprises", f"/api/v1/enterprises?district={adcode}")]


# --------------------------------------------------------------------------------------------------------
# Page tables as XLSX (`?format=xlsx&table=...` on the page's own URL)
# --------------------------------------------------------------------------------------------------------


def _provenance(model: dict) -> Provenance:
    return Provenance.of_data(bool(model.get("provenance", {}).get("synthetic")))


def _names(rows: list[dict], key: str = "name") -> list[dict]:
    return [{"zh": r.get(key), "en": r.get(f"{key}_en") or r.get(key)} for r in rows]


def cluster_table(model: dict) -> Table:
    """产业节点: each industry node's scale metric, scale, growth and enterprises in the city."""
    rows = model["clusters"]
    columns = [Column("node", "name"), Column("node_id", "code"), Column("kind", codes="kind"),
               Column("status", codes="status"), Column("scale_metric", codes="metric"), Column("year", "year"),
               Column("scale", "number", "yi_yuan"), Column("yoy", "number", "percent"),
               Column("enterprises", "integer", "firms"), Column("thousand_billion", "boolean"),
               Column("provenance", "provenance")]
    data = [{"node": name, "node_id": r["id"], "kind": r["kind"], "status": r["status"], "scale_metric": r["metric"],
             "year": r["year"], "scale": r["value"], "yoy": r["growth"], "enterprises": r["enterprises"],
             "thousand_billion": r["thousand_billion"], "provenance": r["provenance"]}
            for r, name in zip(rows, _names(rows), strict=True)]
    return table("cluster_table", columns, data, _provenance(model), year=model.get("year"))


def headline_table(model: dict) -> Table:
    """城市主要指标: the published headline figures, each with its source."""
    rows = model["headline"]
    columns = [Column("metric_name", "name", label="col_metric"), Column("year", "year"),
               Column("comparison", codes="comparison"), Column("value", "number", unit_from="unit_key",
                                                                  provenance="source"),
               Column("unit", codes="unit"), Column("growth", "number", "percent", provenance="source"),
               Column("source_title", label="title"), Column("source_url", label="url"), Column("source", "code")]
    data = [{"metric_name": {"zh": h["label"], "en": h["label_en"]}, "year": h["year"],
             "comparison": h.get("comparison"), "value": h["value"], "unit_key": machine_unit(h["unit"]) or "count",
             "unit": machine_unit(h["unit"]) or "count", "growth": h.get("growth"), "source_title": h.get("source_title"),
             "source_url": h.get("source_url"), "source": h.get("source")} for h in rows]
    return table("headline", columns, data, Provenance("published"))


def district_rows_table(model: dict, page: str) -> Table:
    """各区: a node in each district (cluster page), or all firms in each district (districts page)."""
    rows = model["districts"]["rows"] if page == "cluster" else model["rows"]
    if page == "cluster":
        columns = [Column("district", "name"), Column("adcode", "code"),
                   Column("scale", "number", "yi_yuan", label=model["metric"]),
                   Column("share_of_city", "number", "percent"), Column("lq", "number", "ratio"),
                   Column("yoy", "number", "percent"), Column("enterprises", "integer", "firms")]
        data = [{"district": n, "adcode": d["code"], "scale": d["value"], "share_of_city": d["share"], "lq": d["lq"],
                 "yoy": d["growth"], "enterprises": d["enterprises"]} for d, n in zip(rows, _names(rows), strict=True)]
    else:
        columns = [Column("district", "name"), Column("adcode", "code"), Column("revenue", "number", "yi_yuan"),
                   Column("yoy", "number", "percent"), Column("enterprises", "integer", "firms"),
                   Column("gdp_published", "number", "yi_yuan", provenance="gdp_source"),
                   Column("gdp_source", "code", label="source")]
        data = [{"district": n, "adcode": d["code"], "revenue": d["revenue"], "yoy": d["growth"],
                 "enterprises": d["enterprises"], "gdp_published": (d["gdp_published"] or {}).get("value"),
                 "gdp_source": (d["gdp_published"] or {}).get("source")}
                for d, n in zip(rows, _names(rows), strict=True)]
    return table("district_table", columns, data, _provenance(model), year=model.get("year"))


def mix_table(model: dict) -> Table:
    """产业构成: every industry node in one district."""
    rows = model["mix"]
    columns = [Column("node", "name"), Column("node_id", "code"), Column("status", codes="status"),
               Column("revenue", "number", "yi_yuan"), Column("scale_metric", codes="metric"),
               Column("scale", "number", "yi_yuan"), Column("lq", "number", "ratio"),
               Column("yoy", "number", "percent"), Column("enterprises", "integer", "firms")]
    data = [{"node": n, "node_id": m["id"], "status": m["status"], "revenue": m["revenue"], "scale_metric": m["metric"],
             "scale": m["value"], "lq": m["lq"], "yoy": m["growth"], "enterprises": m["enterprises"]}
            for m, n in zip(rows, _names(rows), strict=True)]
    return table("cluster_mix", columns, data, _provenance(model), year=model.get("year"))


def codes_table(model: dict) -> Table:
    """行业代码对照: the node's GB/T 4754 classes, whole or partial (by keywords), from the pack."""
    rows = model["node"]["codes"]
    columns = [Column("code", "code", label="col_code"), Column("code_name", label="col_code_name"),
               Column("scope", codes="code_scope", label="col_scope"), Column("keywords", "list"),
               Column("exclude", "list"), Column("note", "name")]  # note: {zh, en} (issue 10)
    data = [{"code": c["code"], "code_name": c["name"], "scope": c["scope"], "keywords": c["keywords"],
             "exclude": c["exclude"], "note": {"zh": c["note"], "en": c.get("note_en", "")}} for c in rows]
    return table("concordance", columns, data, PACK)


def page_tables(page: str, model: dict) -> dict[str, Table]:
    """name -> the typed table a page offers as XLSX (`?format=xlsx&table=name`)."""
    if page in ("overview", "clusters"):
        out = {"clusters": cluster_table(model)}
        if page == "overview":
            out["headline"] = headline_table(model)
        return out
    if page == "cluster":
        return {"districts": district_rows_table(model, "cluster"), "codes": codes_table(model)}
    if page == "districts":
        return {"districts": district_rows_table(model, "districts")}
    if page == "district":
        return {"mix": mix_table(model)}
    return {}
