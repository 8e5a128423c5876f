"""The 机会 (growth opportunities) page at /opportunities: the opportunity scatter, the ranked table and the
industry space for Guangzhou or one of its districts.

The page builds its model with the same functions as its JSON twins (web/api/complexity.py), embeds it for the
charts (the scatter draws with no fetch; the industry space, ~1,300 nodes at fixed positions, is fetched from
/api/v1/complexity/space after the first chart) and renders through `pages.render`. Every selector is a
query parameter, so a link reproduces the view.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from chanye import opportunities
from chanye.standards import regions
from chanye.web.api import complexity as api
from chanye.web.i18n import lang_of
from chanye.web.pages import render

router = APIRouter(include_in_schema=False)

TABLE_ROWS = 50  # rows in the ranked table (the scatter shows every candidate)
SPACE_MARKED = 20  # top opportunities ringed in the industry space

# Words of this page (zh, en); the shared ones (nav, 示例数据, ...) come from web/i18n.py.
WORDS: dict[str, tuple[str, str]] = {
    "title": ("发展机会", "Growth opportunities"),
    "lead": ("尚未形成专业化的产业中，哪些离现有能力最近、复杂度最高？（哈佛增长实验室 Metroverse 方法）",
             "Which industries the place does not yet specialise in are closest to its capabilities and most complex? (Harvard Growth Lab's Metroverse method)"),
    "place": ("地区", "Place"), "measure": ("度量", "Measure"), "strategy": ("策略", "Strategy"),
    "by": ("纵轴", "Y axis"), "scope": ("范围", "Scope"),
    "scope_traded": ("可贸易产业", "Traded industries"), "scope_all": ("全部产业（含本地服务业）", "All (incl. local services)"),
    "city": ("广州市（全市）", "Guangzhou (city)"),
    "eci": ("经济复杂度 ECI", "ECI"), "coi": ("复杂度前景 COI", "COI"), "diversity": ("专业化小类", "Specialisations"),
    "candidates": ("候选小类", "Candidates"), "space_size": ("产业空间", "Industry space"),
    "space_size_value": ("{l} 个城市 × {a} 个小类", "{l} cities x {a} classes"),
    "space_size_value_d": ("{l} 个区 × {a} 个小类", "{l} districts x {a} classes"),
    "threshold": ("专业化门槛", "Presence test"),
    "threshold_value": ("RCA>1 且 ≥{n} 家企业", "RCA>1 on >= {n} firms"),
    "scatter": ("机会散点图", "Opportunity scatter"),
    "scatter_sub": ("横轴关联密度 · 纵轴 {by} · 气泡大小为全国样本规模（{unit}）· 颜色为 12218 节点",
                    "x: relatedness density · y: {by} · size: national size ({unit}) · colour: 12218 node"),
    "table": ("机会排名", "Ranked opportunities"),
    "table_sub": ("前 {n} 位 · 得分 = {wd:.0%} 密度 + {wp:.0%} PCI + {wc:.0%} COG（各取候选内标准分）",
                  "top {n} · score = {wd:.0%} density + {wp:.0%} PCI + {wc:.0%} COG (z-scores across candidates)"),
    "space": ("产业空间", "Industry space"),
    "space_sub": ("节点为小类（固定坐标），连线为邻近度骨架；实心描边：本地已专业化（M=1）；红圈：前 {n} 个机会",
                  "nodes: classes (fixed positions); links: proximity backbone; solid with outline: specialised here (M=1); red ring: top {n} opportunities"),
    "space_loading": ("正在加载产业空间…", "Loading the industry space…"),
    "col_rank": ("#", "#"), "col_code": ("代码", "Code"), "col_name": ("小类", "Class"), "col_nodes": ("12218 节点", "12218 node"),
    "col_density": ("关联密度", "Density"), "col_pci": ("PCI", "PCI"), "col_cog": ("COG", "COG"), "col_rca": ("RCA", "RCA"),
    "col_firms": ("本地企业", "Local firms"), "col_national": ("全国样本", "National"), "col_score": ("得分", "Score"),
    "no_rows": ("没有候选小类。", "No candidate."),
    "other_node": ("其他（不属 12218）", "Other (not in 12218)"),
    "specialised": ("已专业化", "specialised"), "not_specialised": ("未专业化", "not specialised"),
    "method": ("方法说明", "Method"),
    "notes": ("数据说明", "Data notes"),
    "opportunity": ("机会", "opportunity"),
    "rank_word": ("排名", "rank"),
}
for _key, _pair in opportunities.STRATEGY_NAMES.items():
    WORDS[f"strategy_{_key}"] = _pair
for _key, (_zh, _en, _unit) in opportunities.MEASURES.items():
    WORDS[f"measure_{_key}"] = (f"{_zh}（{_unit}）", f"{_en} ({_unit})")


def words(lang: str) -> dict[str, str]:
    return {k: (v[1] if lang == "en" else v[0]) for k, v in WORDS.items()}


def place_options(opp: opportunities.Opportunities, lang: str) -> list[dict]:
    """Guangzhou (unless the space is its own districts) and each district with data, in code order."""
    out = [] if opp.space_kind == "districts" else [{"code": regions.GUANGZHOU, "name": words(lang)["city"]}]
    for d in regions.guangzhou_districts():
        if d.code in opp.values.index and opp.values.loc[d.code].sum() > 0:
            name = regions.GUANGZHOU_PINYIN.get(d.code, d.name) if lang == "en" else d.name
            out.append({"code": d.code, "name": name})
    return out


def scatter_model(opp: opportunities.Opportunities, table, by: str) -> dict:
    """Every candidate as a compact row for the scatter (the table shows the top rows only)."""
    cols = ["activity", "name", "node_ids", "density", "pci", "cog", "rca", "firms", "national_value", "score",
            "rank", "reason"]
    data = []
    for r in table[cols].itertuples(index=False):
        data.append([r.activity, r.name, r.node_ids, round(float(r.density), 4), round(float(r.pci), 4),
                     round(float(r.cog), 4), round(float(r.rca), 4), int(r.firms), float(r.national_value),
                     round(float(r.score), 4), int(r.rank), r.reason])
    return {"columns": cols, "rows": data, "by": by}


def page_model(ctx, lang: str, *, place: str, measure: str, strategy: str, by: str, scope: str,
               year: int | None) -> dict:
    ranked = api.ranked_model(ctx, place, measure, strategy, by, scope, TABLE_ROWS, year)
    code = ranked["place"]
    opp = api.result(ctx, measure, year)
    everything = opportunities.rank(opp, ctx.framework, code, strategy=strategy, complexity=by, scope=scope,
                                    limit=None)
    prof = opportunities.profile(opp, code)
    query = {"place": code, "measure": measure, "strategy": strategy, "by": by, "scope": scope}
    if year:
        query["year"] = year
    nodes = [{"id": n.id, "name": n.name.zh, "name_en": n.name.en, "kind": n.kind, "status": n.status}
             for n in ctx.framework.industry_nodes()]
    return {
        **ranked,
        "place_options": place_options(opp, lang),
        "measures": list(opportunities.MEASURES), "strategies": list(opportunities.STRATEGIES),
        "candidates": len(everything), "diversity": int(prof.loc[opp.activities, "M"].sum()),
        "scatter": scatter_model(opp, everything, by),
        "marked": [r["activity"] for r in ranked["rows"][:SPACE_MARKED]],
        "nodes": nodes,
        "space_url": "/api/v1/complexity/space?" + urlencode({k: query[k] for k in ("place", "measure")}
                                                             | ({"year": year} if year else {})),
        "xlsx_url": "/api/v1/complexity/opportunities?" + urlencode({**query, "limit": 1000, "format": "xlsx"}),
        "json_url": "/api/v1/complexity/opportunities?" + urlencode(query),
        "words": words(lang),
        "text": texts(words(lang), ranked, len(everything)),
    }


def texts(w: dict[str, str], ranked: dict, n_candidates: int) -> dict[str, str]:
    """The page's sentences with their numbers filled in."""
    method = ranked["method"]
    wt = method["weights"]
    size = w["space_size_value" if method["space"] == "cities" else "space_size_value_d"]
    return {
        "scatter_sub": w["scatter_sub"].format(by=ranked["by"].upper(), unit=ranked["unit"]),
        "table_sub": w["table_sub"].format(n=len(ranked["rows"]), wd=wt["density"], wp=wt["pci"], wc=wt["cog"]),
        "space_sub": w["space_sub"].format(n=min(SPACE_MARKED, len(ranked["rows"]))),
        "space_size": size.format(l=method["space_locations"], a=method["activities"]),
        "threshold": w["threshold_value"].format(n=method["min_presence_firms"]),
        "candidates": str(n_candidates),
    }


@router.get("/opportunities", response_class=HTMLResponse)
def opportunities_page(
    request: Request,
    place: str = Query("440100", max_length=20),
    measure: api.Measure = "enterprises",
    strategy: api.StrategyParam = "balanced",
    by: api.ByParam = "pci",
    scope: api.ScopeParam = "traded",
    year: int | None = Query(None, ge=1990, le=2100),
):
    lang = lang_of(request)
    model = page_model(request.app.state.ctx, lang, place=place, measure=measure, strategy=strategy, by=by,
                       scope=scope, year=year)
    w = model["words"]
    return render(request, "opportunities.html", section="opportunities", title=w["title"], model=model,
                  json_links=[("JSON", model["json_url"]), ("产业空间 JSON" if lang != "en" else "Space JSON",
                                                              model["space_url"]),
                              ("ECI", f"/api/v1/complexity/places?measure={measure}")],
                  w=w, strategy_weights=opportunities.STRATEGIES, measures=opportunities.MEASURES)

