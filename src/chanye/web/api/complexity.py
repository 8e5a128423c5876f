"""/api/v1/complexity: growth opportunities, the industry space and the places' ECI (Metroverse-style).

Each route wraps one model function (also used by the 机会 page, web/pages_opportunities.py); the space is
estimated once per data generation, measure and year (`ctx.cached`). Every number in `rows` is a cell
{value, unit, provenance}; provenance is "synthetic" (示例数据) or "registry".
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request

from chanye import opportunities, scoreboard
from chanye.web.tables import REGISTRY, SYNTHETIC, clean, xlsx_response

router = APIRouter(tags=["complexity 机会"])
Measure = Literal["enterprises", "revenue", "employees"]
StrategyParam = Literal["balanced", "low-hanging", "long-jump"]
ByParam = Literal["pci", "cog"]
ScopeParam = Literal["traded", "all"]

RANK_UNITS = {"density": "0-1", "pci": "标准分", "cog": "标准分", "rca": "倍", "score": "标准分", "firms": "家",
              "national_firms": "家"}
COLUMN_LABELS = {  # the XLSX download's headers
    "rank": "排名", "activity": "行业代码", "name": "行业名称", "nodes": "12218 节点", "node_ids": "节点 ID",
    "density": "关联密度", "pci": "PCI", "cog": "COG", "rca": "RCA", "value": "本地数值", "firms": "本地企业数（家）",
    "national_value": "全国样本数值", "national_firms": "全国样本企业数（家）", "score": "综合得分", "reason": "理由",
}


def result(ctx, measure: str, year: int | None) -> opportunities.Opportunities:
    """The space of one measure and year, computed once per data generation."""
    return ctx.cached(("complexity", measure, year), lambda: opportunities.compute(ctx.cursor(), measure, year))


def provenance(opp: opportunities.Opportunities) -> str:
    return SYNTHETIC if opp.synthetic else REGISTRY


def cell(value, unit: str, prov: str) -> dict:
    return {"value": clean(value), "unit": unit, "provenance": prov}


def method(opp: opportunities.Opportunities, strategy: str) -> dict:
    """The choices behind the numbers, for the response and the page."""
    w = opportunities.STRATEGIES[strategy]
    return {
        "space": opp.space_kind, "space_locations": len(opp.space_locations), "benchmark_locations": len(opp.benchmark),
        "activities": len(opp.activities), "min_presence_firms": opp.min_presence_firms,
        "min_activity_firms": opportunities.MIN_ACTIVITY_FIRMS,
        "weights": {"density": w[0], "pci": w[1], "cog": w[2]}, "notes": list(opp.notes),
    }


def places_model(ctx, measure: str = "enterprises", year: int | None = None) -> dict:
    opp = result(ctx, measure, year)
    prov = provenance(opp)
    unit = opportunities.MEASURES[measure][2]
    return {
        "measure": measure, "year": opp.year, "synthetic": opp.synthetic, "provenance": prov,
        "notes": list(opp.notes),
        "rows": [
            {"location": r.location, "name": r.name, "kind": r.kind, "guangzhou": bool(r.guangzhou),
             "in_space": bool(r.in_space), "eci": cell(r.eci, "标准分", prov), "coi": cell(r.coi, "标准分", prov),
             "diversity": cell(int(r.diversity), "个小类", prov), "value": cell(r.value, unit, prov),
             "firms": cell(int(r.firms), "家", prov)}
            for r in opp.places().itertuples()
        ],
    }


def ranked_model(ctx, place: str = "440100", measure: str = "enterprises", strategy: str = "balanced",
                 by: str = "pci", scope: str = "traded", limit: int | None = 50, year: int | None = None) -> dict:
    code = scoreboard.resolve_area(place)
    opp = result(ctx, measure, year)
    table = opportunities.rank(opp, ctx.framework, code, strategy=strategy, complexity=by, scope=scope, limit=limit)
    prov = provenance(opp)
    unit = opportunities.MEASURES[measure][2]
    units = {**RANK_UNITS, "value": unit, "national_value": unit}
    rows = []
    for record in table.to_dict("records"):
        row = {k: clean(v) for k, v in record.items()}
        for key, u in units.items():
            row[key] = cell(record[key], u, prov)
        row["node_ids"] = [n for n in record["node_ids"].split(",") if n]
        rows.append(row)
    prof = opportunities.profile(opp, code)
    return {"place": code, "place_name": "广州市" if code == "440100" else opportunities.place_name(code),
            "measure": measure, "unit": unit, "strategy": strategy, "by": by, "scope": scope, "year": opp.year,
            "synthetic": opp.synthetic, "provenance": prov,
            "eci": cell(prof.attrs["eci"], "标准分", prov), "coi": cell(prof.attrs["coi"], "标准分", prov),
            "method": method(opp, strategy), "rows": rows}


def ranked_frame(ctx, place, measure, strategy, by, scope, limit, year):
    code = scoreboard.resolve_area(place)
    opp = result(ctx, measure, year)
    table = opportunities.rank(opp, ctx.framework, code, strategy=strategy, complexity=by, scope=scope, limit=limit)
    return opp, code, table


def xlsx_download(opp, code: str, table, measure: str, strategy: str):
    unit = opportunities.MEASURES[measure][2]
    w = opportunities.STRATEGIES[strategy]
    name = "广州市" if code == "440100" else opportunities.place_name(code)
    note = (("来源：示例数据（合成，非真实企业或官方统计）" if opp.synthetic else "来源：企业登记库（用户导入）")
            + f"。{name} {opp.year} 年，度量 {opportunities.MEASURES[measure][0]}（{unit}），策略 {strategy}"
            + f"（权重 密度 {w[0]:.2f} / PCI {w[1]:.2f} / COG {w[2]:.2f}）。方法见 docs/complexity.md。")
    labels = {**COLUMN_LABELS, "value": f"本地数值（{unit}）", "national_value": f"全国样本数值（{unit}）"}
    frame = table.rename(columns=labels)
    return xlsx_response({"发展机会": frame}, f"发展机会-{name}.xlsx", notes={"发展机会": note},
                         number_formats={labels[c]: "0.000" for c in ("density", "pci", "cog", "rca", "score")})


def space_model(ctx, place: str = "440100", measure: str = "enterprises", year: int | None = None) -> dict:
    code = scoreboard.resolve_area(place)
    opp = result(ctx, measure, year)
    data = ctx.cached(("space", measure, year, code), lambda: opportunities.industry_space(opp, ctx.framework, code))
    return {**data, "measure": measure, "year": opp.year, "synthetic": opp.synthetic, "provenance": provenance(opp),
            "units": {"rca": "倍", "proximity": "0-1", "pci": "标准分",
                      "national_value": opportunities.MEASURES[measure][2], "x": "0-1", "y": "0-1"}}


@router.get("/complexity/places", summary="各地区的经济复杂度指数 ECI、COI 与多样性（全国样本城市与广州各区）")
def places(request: Request, measure: Measure = "enterprises", year: int | None = Query(None, ge=1990, le=2100)):
    ctx = request.app.state.ctx
    return ctx.json(("places", measure, year), lambda: places_model(ctx, measure, year))


@router.get("/complexity/opportunities", summary="发展机会: 尚未专业化的小类按关联密度、PCI、COG 排序，对应 12218 节点")
def ranked(request: Request, place: str = "440100", measure: Measure = "enterprises",
           strategy: StrategyParam = "balanced", by: ByParam = "pci", scope: ScopeParam = "traded",
           limit: int = Query(50, ge=1, le=2000), year: int | None = Query(None, ge=1990, le=2100),
           format: Literal["json", "xlsx"] = "json"):
    ctx = request.app.state.ctx
    if format == "xlsx":
        opp, code, table = ranked_frame(ctx, place, measure, strategy, by, scope, limit, year)
        return xlsx_download(opp, code, table, measure, strategy)
    return ctx.json(("ranked", place, measure, strategy, by, scope, limit, year),
                    lambda: ranked_model(ctx, place, measure, strategy, by, scope, limit, year))


@router.get("/complexity/space", summary="产业空间: 邻近度网络（固定坐标），按 12218 节点着色，标出本地专业化小类")
def space(request: Request, place: str = "440100", measure: Measure = "enterprises",
          year: int | None = Query(None, ge=1990, le=2100)):
    ctx = request.app.state.ctx
    return ctx.json(("space", place, measure, year), lambda: space_model(ctx, place, measure, year))
