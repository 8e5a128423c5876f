"""产业第一、制造业立市 (issue 13 §5): typed tables behind the 两业融合 page's manufacturing section and
`chanye io manufacturing`.

- `registry_table`: the registry's share of manufacturing (门类 C) in firms, revenue and value added for the
  city and each district by year, its change (pp) and trend (pp per year) — registry data or 示例数据;
- `national_table`: manufacturing's share of value added (GDP) and of output in each shipped 149/153-sector
  NBS input-output table (2017, 2018, 2020) — official tables, each row its own provenance;
- `published_table`: the pack's published figures on 制造业立市 (industrial investment, 技改投资, GDP ...), each
  with its source and its confirmation status (据报道 as reported / 未核实 unverified, the pack's convention).
The registry is not a census: its shares are of the firms it holds (with an industry code and figures that
year), never of the city's GDP; no registry sum is divided by a published figure.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from chanye.analytics import manufacturing as mfg
from chanye.errors import NotFound
from chanye.registry import io_views
from chanye.registry.store import Store
from chanye.services import io as io_service
from chanye.services import published as published_service
from chanye.services.results import Column, Provenance, Table, table

NATIONAL_TABLES = ("china-2017-149", "china-2018-153", "china-2020-153")
# Published metrics that speak to 制造业立市 (a pack may carry any of them; city scope).
METRICS = ("manufacturing_va_share", "manufacturing_va", "industrial_va", "industrial_output", "gdp",
           "industrial_investment", "industrial_investment_growth", "tech_upgrade_investment_growth",
           "high_tech_mfg_investment_growth", "industrial_projects", "count_100bn_mfg_clusters")

REGISTRY_COLUMNS = (
    Column("area_code", "code"), Column("area_name", "name"), Column("year", "year"),
    Column("firms", "integer", "firms"), Column("mfg_firms", "integer", "firms"),
    Column("firms_share", "number", "percent"),
    Column("revenue", "number", "yi_yuan"), Column("mfg_revenue", "number", "yi_yuan"),
    Column("revenue_share", "number", "percent"), Column("va_share", "number", "percent"),
    Column("revenue_share_change", "number", "pp"), Column("va_share_change", "number", "pp"),
    Column("revenue_share_trend", "number", "pp_per_year"),
)


def registry_table(store: Store, city: Any, *, district: str | None = None) -> Table:
    """The registry's manufacturing shares for the city (first) and each district, by year."""
    panel = io_views.division_panel(store, city=city.code)
    if panel.empty:
        raise NotFound("登记库没有本市企业的年度数据 (no yearly figures for the city's firms)",
                       hint="先在「数据」页或用命令行导入企业数据 (import firms on the Data page or with the CLI)")
    panel["is_mfg"] = panel["division"].isin(io_service.MANUFACTURING)
    sums = ["firms", "revenue", "value_added"]
    for key in sums:
        panel[f"mfg_{key}"] = np.where(panel["is_mfg"], panel[key].astype(float), 0.0)
    cols = [*sums, *(f"mfg_{k}" for k in sums)]
    by_city = panel.groupby("year", as_index=False)[cols].sum().assign(area=city.code)
    by_district = (panel.dropna(subset=["district"]).groupby(["district", "year"], as_index=False)[cols].sum()
                   .rename(columns={"district": "area"}))
    frame = mfg.share_panel(pd.concat([by_city, by_district], ignore_index=True))
    order = {city.code: 0, **{d.code: k + 1 for k, d in enumerate(city.districts)}}
    frame = frame.assign(_o=frame["area"].map(order).fillna(len(order))).sort_values(["_o", "year"], kind="stable")
    if district is not None:
        region = city.resolve_district(district)
        if region is None:
            raise NotFound(f"没有这个区: {district!r} (no such district)")
        frame = frame[frame["area"] == region.code]
    rows = []
    for r in frame.to_dict("records"):
        code = None if r["area"] == city.code else r["area"]
        rows.append({"area_code": r["area"], "area_name": {"zh": city.area_label(code, "zh"),
                                                           "en": city.area_label(code, "en")},
                     "year": int(r["year"]), "firms": int(r["firms"]), "mfg_firms": int(r["mfg_firms"]),
                     "firms_share": r["firms_share"], "revenue": r["revenue"] / 1e4,
                     "mfg_revenue": r["mfg_revenue"] / 1e4, "revenue_share": r["revenue_share"],
                     "va_share": r["va_share"], "revenue_share_change": r["revenue_share_change"],
                     "va_share_change": r["va_share_change"], "revenue_share_trend": r["revenue_share_trend"]})
    synthetic = bool(panel["synthetic"].fillna(False).any())
    return table("mfg_registry", REGISTRY_COLUMNS, rows, Provenance.of_data(synthetic), city=city.code,
                 divisions="13-43")


NATIONAL_COLUMNS = (
    Column("table_id", "code"), Column("year", "year"),
    Column("mfg_value_added", "number", "yi_yuan"), Column("gdp", "number", "yi_yuan"),
    Column("va_share", "number", "percent"), Column("output_share", "number", "percent"),
    Column("va_share_change", "number", "pp"),
)


def national_table(ids: tuple[str, ...] = NATIONAL_TABLES) -> Table:
    """Manufacturing's share of value added (= GDP at producers' prices, Σ VA) and of total output in each
    national table: sectors weighted by the fraction of their 小类 in 门类 C (whole sectors in these tables)."""
    rows = []
    previous = None
    for table_id in ids:
        data = io_service.load_table(table_id)
        weights = io_service._group_weights(data, {"manufacturing": io_service.MANUFACTURING})[0]
        share = mfg.group_share(data.value_added, weights)
        rows.append({"table_id": table_id, "year": data.year,
                     "mfg_value_added": float((weights * data.value_added).sum()) / 1e4,
                     "gdp": float(data.value_added.sum()) / 1e4, "va_share": share,
                     "output_share": mfg.group_share(data.x, weights),
                     "va_share_change": None if previous is None else share - previous,
                     "provenance": data.provenance.key})
        previous = share
    trend = mfg.slope(np.array([r["year"] for r in rows]), np.array([r["va_share"] for r in rows]))
    return table("mfg_national", NATIONAL_COLUMNS, rows, Provenance("published", "nbs_io"), trend=trend,
                 trend_unit="pp_per_year")


def confirmation(note: dict | None) -> str:
    """The pack's convention for a figure's status (published.yaml header): 未核实 -> unverified, 据报道 ->
    as_reported, else official (the figure as the source publishes it)."""
    zh = (note or {}).get("zh") or ""
    return "unverified" if "未核实" in zh else ("as_reported" if "据报道" in zh else "official")


PUBLISHED_COLUMNS = (
    Column("figure_id", "code"), Column("metric", "code", codes="published_metric", label="metric"),
    Column("year", "year"), Column("comparison", "code", codes="comparison"),
    Column("value", "number", unit_from="unit", label="published_value"),
    Column("growth", "number", "percent", label="published_growth"),
    Column("confirmation", "code", codes="confirmation"),
    Column("source", "code", label="source_id"), Column("source_title", label="title"),
    Column("note", "name", label="source_note"),
)


def published_table(store: Store, framework: Any) -> Table:
    """The pack's city-level published figures on 制造业立市, oldest first, with source and status."""
    figures = published_service.figures(SimpleNamespace(cursor=lambda: store, framework=framework), scope="city")
    rows = [{**{k: r.get(k) for k in ("figure_id", "metric", "year", "comparison", "value", "unit", "growth",
                                      "source", "source_title", "note", "provenance")},
             "confirmation": confirmation(r.get("note"))}
            for r in figures.rows if r["metric"] in METRICS]
    return table("mfg_published", PUBLISHED_COLUMNS, rows, Provenance("published"), metrics=list(METRICS))
