"""Published figures (公开数字) and the sources they cite, as typed results: real, cited numbers, never mixed
with the registry's. Each figure's provenance is the id of its source; its unit is the figure's own (亿元, %, 个,
万辆), so the value column takes its unit from each row."""

from __future__ import annotations

import pandas as pd

from chanye.analytics import indicators as ind
from chanye.framework.published import published_doc
from chanye.registry import views
from chanye.services.results import Column, Provenance, Table, plain, table

# The unit words of published figures -> machine units (chanye.present.labels names each).
UNIT_OF_TEXT = {"元": "yuan", "万元": "wan_yuan", "亿元": "yi_yuan", "%": "percent", "百分点": "pp", "家": "firms",
                "人": "persons", "个": "count", "万辆": "wan_vehicles", "年": "year"}
SCOPES = ("city", "district", "node")

FIGURE_COLUMNS = (
    Column("figure_id", "code"),
    Column("scope", "code", codes="published_scope", label="published_scope"),
    Column("area", "code", label="adcode"),
    Column("area_name", "name", label="area"),
    Column("node", "code", label="node_id"),
    Column("node_name", "name", label="node"),
    Column("metric", "code", codes="published_metric", label="metric"),
    Column("year", "year"),
    Column("comparison", "code", codes="comparison"),
    Column("value", "number", unit_from="unit", label="published_value"),
    Column("unit", "code", codes="unit"),
    Column("growth", "number", "percent", label="published_growth"),
    Column("source", "code", label="source_id"),
    Column("source_title", label="title"),
    Column("source_publisher", label="publisher"),
    Column("source_date", label="date"),
    Column("source_url", label="url"),
    Column("note", "name", label="source_note"),
)
SOURCE_COLUMNS = (Column("source_id", "code"), Column("title"), Column("publisher"), Column("date"), Column("url"),
                  Column("note", "name", label="source_note"))


def machine_unit(text: str | None) -> str | None:
    """'亿元' -> 'yi_yuan'; a unit word no table knows stays as written."""
    if text is None:
        return None
    return UNIT_OF_TEXT.get(str(text).strip(), str(text).strip())


def bilingual_note(record: dict) -> dict | None:
    """A stored note as {zh, en}: `note` is the Chinese one, `note_en` the English one; a note stored once (an
    imported figure, or a database from before note_en) is both."""
    zh, en = record.get("note") or "", record.get("note_en") or ""
    if not zh and not en:
        return None
    return {"zh": zh or en, "en": en or zh}


def figures(p, *, scope: str | None = None, area: str | None = None, node: str | None = None) -> Table:
    """Published figures (optionally of one scope, area or node), oldest first, each with its source."""
    store = p.cursor()
    frame = views.published(store)
    if scope:
        frame = frame[frame["scope"] == scope]
    if area:
        frame = frame[frame["area"] == area]
    if node:
        frame = frame[frame["node"] == node]
    sources = {s["source_id"]: s for s in sources_table(p).rows}
    fw = p.framework
    city = fw.city
    names = {n.id: {"zh": n.name.zh, "en": n.name.en} for n in fw.nodes}
    rows = []
    for r in frame.to_dict("records"):
        r = {k: plain(v) for k, v in r.items()}
        src = sources.get(r.get("source") or "") or {}
        area_code = r.get("area")
        rows.append({
            "figure_id": r["id"], "scope": r["scope"], "area": area_code,
            "area_name": ({"zh": city.area_label(area_code, "zh"), "en": city.area_label(area_code, "en")}
                          if area_code else None),
            "node": r.get("node"), "node_name": names.get(r.get("node")) if r.get("node") else None,
            "metric": r["metric"], "year": r["year"], "comparison": r.get("comparison"), "value": r.get("value"),
            "unit": machine_unit(r.get("unit")), "growth": r.get("growth"), "source": r.get("source"),
            "source_title": src.get("title"), "source_publisher": src.get("publisher"),
            "source_date": src.get("date"), "source_url": src.get("url"), "note": bilingual_note(r),
            "provenance": Provenance("published", r.get("source")).key if r.get("source") else "published",
        })
    return table("published_figures", FIGURE_COLUMNS, rows, Provenance("published"), total=len(rows))


def sources_table(p) -> Table:
    """The public sources the published figures cite, newest first."""
    records = ({k: plain(v) for k, v in r.items()} for r in views.sources(p.cursor()).to_dict("records"))
    rows = [{"source_id": s["id"], "title": s["title"], "publisher": s["publisher"], "date": s["date"],
             "url": s["url"], "note": bilingual_note(s)} for s in records]
    return table("sources", SOURCE_COLUMNS, rows, Provenance("published"), total=len(rows))


# --- consistency checks (issue 11): published figures against each other and against national totals --------

CONSISTENCY_COLUMNS = (
    Column("check", "code", label="consistency_check"),
    Column("kind", "code", codes="consistency_kind", label="consistency_kind"),
    Column("figures", "list", label="consistency_figures"),
    Column("reported", "number", unit_from="unit", label="consistency_reported"),
    Column("computed", "number", unit_from="unit", label="consistency_computed"),
    Column("unit", "code", codes="unit"),
    Column("gap", "number", unit_from="gap_unit", label="consistency_gap"),
    Column("gap_unit", "code", codes="unit", label="consistency_gap_unit"),
    Column("status", "code", codes="consistency_status", label="consistency_status"),
    Column("reason", "code", codes="consistency_reason", label="consistency_reason"),
    Column("sources", "list", label="consistency_sources"),
    Column("source_titles", "list", label="consistency_source_titles"),
)


def pack_checks(framework) -> tuple[pd.DataFrame, list[dict], dict[str, dict]]:
    """(national totals: id, metric, year, value, unit, source; the checks; every source by id — the figures'
    and the national totals') from the pack's published.yaml (a pack that inherits another's reads that one's;
    a pack without the file has none)."""
    doc = published_doc(framework)
    national = pd.DataFrame(doc.get("national") or [], columns=["id", "metric", "year", "value", "unit", "source"])
    sources = {str(s["id"]): s for s in [*(doc.get("sources") or []), *(doc.get("sources_national") or [])]}
    return national, list(doc.get("checks") or []), sources


def checks_on(framework, figures: pd.DataFrame) -> pd.DataFrame:
    """The pack's checks on `figures` (the store's published table; `analytics.indicators.consistency`). A check
    whose figures the store does not hold at all (a pack that inherits another's figures keeps only its own
    nodes') is left out rather than reported as missing."""
    national, checks, _ = pack_checks(framework)
    held = set(figures["id"].astype(str))

    def local_ids(check: dict) -> tuple:
        return (check.get("part"), check.get("share")) if check.get("kind") == "share" else tuple(
            check.get("figures") or ())

    return ind.consistency(figures, national, [c for c in checks if any(str(i) in held for i in local_ids(c))])


def consistency_frame(p) -> pd.DataFrame:
    """The pack's checks on the stored published figures."""
    return checks_on(p.framework, views.published(p.cursor()))


def consistency_table(p) -> Table:
    """Each check: the figures it relates, the reported and the computed value, the gap, the status
    (consistent, conflict, different_definitions) and every source it rests on, with their titles. The
    figures stay as reported."""
    _, _, sources = pack_checks(p.framework)
    rows = []
    for r in consistency_frame(p).to_dict("records"):
        r = {k: plain(v) for k, v in r.items()}
        rows.append({**r, "unit": machine_unit(r["unit"]),
                     "gap_unit": "pp" if r["kind"] == "share" else machine_unit(r["unit"]),
                     "figures": tuple(r["figures"]), "sources": tuple(r["sources"]),
                     "source_titles": tuple(str(sources.get(s, {}).get("title") or s) for s in r["sources"]),
                     "provenance": Provenance("published").key})
    return table("published_consistency", CONSISTENCY_COLUMNS, rows, Provenance("published"), total=len(rows))
