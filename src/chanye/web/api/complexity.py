"""/api/v1/complexity: growth opportunities, the industry space and the places' ECI (Metroverse-style)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request

from chanye import opportunities, scoreboard
from chanye.web.tables import clean, xlsx_response

router = APIRouter(tags=["complexity 机会"])
Measure = Literal["enterprises", "revenue", "employees"]


def result(request: Request, measure: str, year: int | None) -> opportunities.Opportunities:
    ctx = request.app.state.ctx
    return ctx.cached(("complexity", measure, year), lambda: opportunities.compute(ctx.cursor(), measure, year))


def _provenance(opp: opportunities.Opportunities) -> str:
    return "synthetic" if opp.synthetic else "registry"


@router.get("/complexity/places", summary="各地区的经济复杂度指数 ECI 与多样性（广州各区与全国其他城市）")
def places(request: Request, measure: Measure = "enterprises", year: int | None = Query(None, ge=1990, le=2100)):
    opp = result(request, measure, year)
    prov = _provenance(opp)
    frame = opp.places()
    return {
        "measure": measure, "year": opp.year, "synthetic": opp.synthetic,
        "rows": [
            {"location": r.location, "name": r.name, "guangzhou": bool(r.guangzhou),
             "eci": {"value": clean(r.eci), "unit": "标准分", "provenance": prov},
             "diversity": {"value": int(r.diversity), "unit": "个小类", "provenance": prov},
             "value": {"value": clean(r.value), "unit": opportunities.MEASURES[measure][2], "provenance": prov}}
            for r in frame.itertuples()
        ],
    }


@router.get("/complexity/opportunities", summary="发展机会: RCA<1 的小类按关联密度与复杂度排序，对应 12218 节点")
def ranked(request: Request, place: str = "440100", measure: Measure = "enterprises",
           strategy: Literal["balanced", "low-hanging", "long-jump"] = "balanced",
           by: Literal["pci", "cog"] = "pci", limit: int = Query(50, ge=1, le=1000),
           year: int | None = Query(None, ge=1990, le=2100), format: Literal["json", "xlsx"] = "json"):
    ctx = request.app.state.ctx
    code = scoreboard.resolve_area(place)
    opp = result(request, measure, year)
    table = opportunities.rank(opp, ctx.framework, code, strategy=strategy, complexity=by, limit=limit)
    if format == "xlsx":
        note = ("示例数据：基于合成企业库。" if opp.synthetic else "基于导入的企业库。") + f" 度量 {measure}，{opp.year} 年。"
        return xlsx_response({"发展机会": table}, "发展机会.xlsx", notes={"发展机会": note},
                             number_formats={c: "0.000" for c in ("density", "pci", "cog", "rca", "score")})
    prov = _provenance(opp)
    unit = opportunities.MEASURES[measure][2]
    units = {"density": "0-1", "pci": "标准分", "cog": "标准分", "rca": "倍", "score": "标准分", "value": unit,
             "national_value": unit}
    rows = []
    for record in table.to_dict("records"):
        row = {k: clean(v) for k, v in record.items()}
        for key, u in units.items():
            row[key] = {"value": clean(record[key]), "unit": u, "provenance": prov}
        rows.append(row)
    return {"place": code, "measure": measure, "strategy": strategy, "by": by, "year": opp.year,
            "synthetic": opp.synthetic, "rows": rows}


@router.get("/complexity/space", summary="产业空间: 邻近度网络，按 12218 节点着色，标出本地优势产业")
def space(request: Request, place: str = "440100", measure: Measure = "enterprises",
          year: int | None = Query(None, ge=1990, le=2100)):
    ctx = request.app.state.ctx
    code = scoreboard.resolve_area(place)
    opp = result(request, measure, year)
    data = ctx.cached(("space", measure, year, code), lambda: opportunities.industry_space(opp, ctx.framework, code))
    return {**data, "measure": measure, "year": opp.year, "synthetic": opp.synthetic,
            "provenance": _provenance(opp), "units": {"rca": "倍", "proximity": "0-1",
                                                       "national_value": opportunities.MEASURES[measure][2]}}
