"""The summary (摘要): sentences generated from the figures — the overall scale, the fastest-growing and the
shrinking industries, those that passed 千亿 (100 bn yuan), targets behind schedule, missing and weak chain
links, the best opportunities, and a district's share when the report is about one district.

`sentences(facts)` decides what to say (machine keys and raw values); `text(sentence, lang)` words one through
`present.report_words` (or the pack template's `wording`). Facts are the services' typed tables, so a test can
hand-build them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chanye.present import labels
from chanye.present import report_words as rw
from chanye.services.results import Table

INDUSTRY_KINDS = ("cluster", "future", "service")
FASTEST = 3  # industries named as the fastest-growing
DECLINING = 3
GAPS = 2  # chains named for their missing links
OPPORTUNITIES = 3


@dataclass(frozen=True)
class Facts:
    """What the summary reads. `nodes`: the scoreboard's node table of the area and year (its first row is the
    system or the report's node); `milestones`, `targets`: the scoreboard's; `chains`: chain_summary;
    `opportunities`: growth_opportunities; `district`: the district table's row of the report's district."""

    year: int
    area: Mapping[str, str]  # {"zh": ..., "en": ...}
    nodes: Table
    milestones: Table | None = None
    targets: Table | None = None
    chains: Table | None = None
    opportunities: Table | None = None
    district: Table | None = None
    projects: int | None = None


@dataclass(frozen=True)
class Sentence:
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


def _name(value: Any, lang: str) -> str:
    if isinstance(value, Mapping):
        return str(value.get(lang) or value.get("zh") or "")
    return str(value or "")


def sentences(f: Facts) -> list[Sentence]:
    out: list[Sentence] = []
    rows = list(f.nodes.rows)
    if rows:
        head = rows[0]
        metric = head.get("scale_metric")
        params = {"year": f.year, "area": f.area, "district": f.district is not None, "system": head["node"],
                  "metric": metric,
                  "value": head.get(metric) if metric else None, "yoy": head.get("yoy"),
                  "firms": head.get("enterprises")}
        out.append(Sentence("overall" if head.get("yoy") is not None else "overall_no_growth", params))
    if f.district is not None and f.district.rows:
        d = f.district.rows[0]
        out.append(Sentence("district_share", {"district": d["district"], "node": d["node"],
                                               "metric": f.district.meta.get("metric"), "value": d.get("scale"),
                                               "share": d.get("share_of_node"), "lq": d.get("lq")}))
    industries = [r for r in rows[1:] if r.get("kind") in INDUSTRY_KINDS]
    grown = sorted((r for r in industries if r.get("yoy") is not None), key=lambda r: -r["yoy"])
    rising = [r for r in grown if r["yoy"] > 0]
    if len(grown) >= 2 and rising:  # "fastest" needs a field to lead, and a rise to name
        out.append(Sentence("fastest", {"items": [(r["node"], r["yoy"]) for r in rising[:FASTEST]]}))
    shrunk = sorted((r for r in grown if r["yoy"] < 0), key=lambda r: r["yoy"])
    if shrunk:
        out.append(Sentence("declining", {"items": [r["node"] for r in shrunk[:DECLINING]]}))
    if industries:
        out.extend(_thousand(f, industries))
    if f.targets is not None and f.targets.rows:
        out.append(_targets(f))
    if f.chains is not None and f.chains.rows:
        out.append(_chains(f.chains))
    if f.opportunities is not None and f.opportunities.rows:
        top = [r.get("name") or r.get("activity") for r in f.opportunities.rows[:OPPORTUNITIES]]
        out.append(Sentence("opportunities", {"area": f.area, "items": top}))
    if f.projects:
        out.append(Sentence("projects", {"n": f.projects}))
    return out


def _thousand(f: Facts, industries: list[Mapping[str, Any]]) -> list[Sentence]:
    above = [r for r in industries if r.get("thousand_billion")]
    if not above:
        return [Sentence("thousand_none")]
    ids = {r["node_id"] for r in above}
    new = [r["node"] for r in (f.milestones.rows if f.milestones is not None else ())
           if r["node_id"] in ids and r.get("crossed_1000") == f.year and not r.get("crossed_1000_or_earlier")]
    if new:
        return [Sentence("thousand_new", {"items": new, "year": f.year, "n": len(above)})]
    return [Sentence("thousand_count", {"n": len(above), "items": [r["node"] for r in above]})]


def _targets(f: Facts) -> Sentence:
    rows = list(f.targets.rows)  # type: ignore[union-attr]
    late = [r for r in rows if r.get("target_status") in ("behind", "declining")]
    if not late:
        return Sentence("targets_ok", {"n": len(rows)})
    return Sentence("targets_behind", {"n": len(late), "items": [
        {"node": r["node"], "metric": r["metric"], "year": r["target_year"], "target": r["target"],
         "projected": r.get("projected_year") if r.get("target_status") == "behind" else None} for r in late]})


def _chains(t: Table) -> Sentence:
    rows = list(t.rows)
    missing = sum(int(r.get("missing") or 0) for r in rows)
    weak = sum(int(r.get("weak") or 0) for r in rows)
    if not missing:
        return Sentence("chains_weak_only", {"chains": len(rows), "weak": weak})
    worst = sorted((r for r in rows if r.get("missing")), key=lambda r: -int(r["missing"]))[:GAPS]
    return Sentence("chains_gaps", {"chains": len(rows), "missing": missing, "weak": weak,
                                    "items": [(r["chain"], int(r["missing"])) for r in worst]})


# --- wording ----------------------------------------------------------------------------------------------------


def _metric(metric: str | None, lang: str) -> str:
    """A metric's name inside a sentence ('industrial output', not 'Industrial output')."""
    word = str(labels.code("metric", metric, lang) or "")
    return word[:1].lower() + word[1:] if lang == "en" else word


def _pct(value: float) -> str:
    return rw.number(abs(value), 1)


def text(s: Sentence, lang: str = "zh", wording: Mapping[str, tuple[str, str]] | None = None) -> str:
    """One sentence in `lang`; `wording` (from the template) replaces our template for its keys."""
    p = dict(s.params)
    out: dict[str, Any] = {}
    if s.key in ("overall", "overall_no_growth"):
        yoy = p.get("yoy")
        change = ("" if yoy is None else rw.piece("flat", lang) if round(yoy, 1) == 0
                  else rw.piece("up" if yoy > 0 else "down", lang, pct=_pct(yoy)))
        # the city is already in the system's own name (a pack names it so); a district is named
        area = rw.piece("in_area", lang, area=_name(p["area"], lang)) if p.get("district") else ""
        out = {"year": p["year"], "area": area, "system": _name(p["system"], lang),
               "metric": _metric(p["metric"], lang), "value": rw.number(p["value"]),
               "change": change, "firms": rw.number(p["firms"], 0)}
    elif s.key == "district_share":
        out = {"district": _name(p["district"], lang), "node": _name(p["node"], lang),
               "metric": _metric(p["metric"], lang), "value": rw.number(p["value"]),
               "share": rw.number(p["share"]), "lq": rw.number(p["lq"], 2)}
    elif s.key == "fastest":
        out = {"items": rw.join([rw.piece("growth_item", lang, name=_name(n, lang), sign="+" if y >= 0 else "-",
                                          pct=_pct(y)) for n, y in p["items"]], lang)}
    elif s.key == "declining":
        out = {"items": rw.join([_name(n, lang) for n in p["items"]], lang)}
    elif s.key in ("thousand_new", "thousand_count"):
        out = {**p, "items": rw.join([_name(n, lang) for n in p["items"]], lang)}
    elif s.key == "targets_behind":
        items = []
        for t in p["items"]:
            args = {"node": _name(t["node"], lang), "metric": _metric(t["metric"], lang),
                    "year": t["year"], "target": rw.number(t["target"], 0), "projected": t["projected"]}
            items.append(rw.piece("target_item_year" if t["projected"] else "target_item_never", lang, **args))
        out = {"n": p["n"], "items": ("；" if lang == "zh" else "; ").join(items)}
    elif s.key == "chains_gaps":
        out = {**p, "items": rw.join([rw.piece("chain_item", lang, name=_name(n, lang), n=k) for n, k in p["items"]],
                                     lang)}
    elif s.key == "opportunities":
        out = {"area": _name(p["area"], lang), "items": rw.join([_name(n, lang) for n in p["items"]], lang)}
    else:
        out = p
    return rw.sentence(s.key, out, lang, wording)


def paragraph(facts: Facts, lang: str = "zh", wording: Mapping[str, tuple[str, str]] | None = None) -> list[str]:
    """The summary, one sentence a line."""
    return [text(s, lang, wording) for s in sentences(facts)]
