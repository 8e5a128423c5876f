"""Published figures (公开数字) and the sources they cite, as typed results: real, cited numbers, never mixed
with the registry's. Each figure's provenance is the id of its source; its unit is the figure's own (亿元, %, 个,
万辆), so the value column takes its unit from each row."""

from __future__ import annotations

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
