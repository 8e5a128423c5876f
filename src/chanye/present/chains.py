"""The chain board as the user reads it: the grounds of a diagnosis, the reasons of the work lists and the
evidence of a link worded in Chinese or English from the label table, node, city and district names in the
reader's language, and the sheets of the XLSX work lists and the terminal.

`worded(table, lang, ...)` adds text columns to a `services.chains` table (`reason`, `nodes_text`, `city`,
`district`, `evidence_text`): the JSON carries both the codes and the words. `sheet(table, lang)` keeps the
columns a reader wants, in the order of the government work-list layout, lists joined into text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from chanye.classify.chains import parse_evidence
from chanye.framework.chains import ChainTemplate
from chanye.present import labels
from chanye.present import tables as present_tables
from chanye.services.results import Column, Table
from chanye.standards import regions
from chanye.standards.regions import City

__all__ = ["frames", "names_of", "sheet", "terminal", "worded", "workbook_note"]


def _w(key: str, lang: str, **params: Any) -> str:
    text = labels.word(key, lang)
    return text.format(**params) if params else text


def _code(group: str, value: object, lang: str) -> str:
    return str(labels.code(group, value, lang))


def _join(items: Sequence[str], lang: str) -> str:
    return (", " if lang == "en" else "、").join(items)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt(value: object, digits: int = 2) -> str:
    return "—" if _missing(value) else f"{float(value):.{digits}f}"


def pct(value: object) -> str:
    """A percentage (already ×100) as '57.1%'."""
    return "—" if _missing(value) else f"{float(value):.1f}%"


def _g(value: object) -> str:
    return "—" if _missing(value) else f"{float(value):g}"


def names_of(chain: ChainTemplate, lang: str = "zh") -> dict[str, str]:
    """Each chain node's name in `lang`."""
    return {n.id: (n.name.en or n.name.zh) if lang == "en" else n.name.zh for n in chain.nodes}


def city_name(code: object, city: City, lang: str = "zh") -> str:
    """The pack's city in `lang`; another city by its name (a proper name)."""
    if code is None:
        return ""
    if str(code) == city.code:
        return city.label(lang)
    found = regions.city(code)
    return found.name if found else str(code)


def district_name(code: object, city: City, lang: str = "zh") -> str:
    if not isinstance(code, str) or not code:
        return ""
    return city.district_label(code, lang) if city.district(code) else (
        found.name if (found := regions.region("county", code)) else code)


# --- sentences --------------------------------------------------------------------------------------------


def diagnosis_reason(row: Mapping[str, Any], params: Mapping[str, Any], area: str, lang: str = "zh") -> str:
    """The grounds of a link's diagnosis, with the numbers behind it."""
    if row["status"] == "missing":
        return _w("chain_reason_missing", lang, area=area, national=row["national_producers"])
    lq, threshold = row["lq"], row["lq_threshold"]
    pctl, floor = _g(params.get("weak_percentile")), _g(params.get("strong_lq"))
    facts = _w("chain_reason_facts", lang, producers=row["producers"], above_scale=row["above_scale"],
               revenue=fmt(row["revenue"]), share=pct(row["share_national"]), lq=fmt(lq),
               basis=_w(f"chain_basis_{params.get('basis', 'revenue')}", lang))
    if row["status"] == "weak":
        said = {
            "few_producers": lambda: _w("chain_problem_few_producers", lang, producers=row["producers"],
                                        min=params.get("min_producers")),
            "no_above_scale": lambda: _w("chain_problem_no_above_scale", lang),
            "no_lq": lambda: _w("chain_problem_no_lq", lang),
            "lq_below_floor": lambda: _w("chain_problem_lq_below_floor", lang, lq=fmt(lq), floor=floor),
            "lq_below_peers": lambda: _w("chain_problem_lq_below_peers", lang, lq=fmt(lq), peers=row["peer_cities"],
                                         pct=pctl, threshold=fmt(threshold)),
        }
        problems = ("；" if lang == "zh" else "; ").join(said[p]() for p in row["problems"])
        return _w("chain_reason_weak", lang, problems=problems, facts=facts)
    peers = "" if _missing(threshold) else _w("chain_reason_strong_peers", lang, peers=row["peer_cities"],
                                              pct=pctl, threshold=fmt(threshold))
    return _w("chain_reason_strong", lang, facts=facts, floor=floor, peers=peers)


def nodes_text(nodes: Sequence[str], statuses: Sequence[str], names: Mapping[str, str], lang: str = "zh", *,
               local: bool = False) -> str:
    """'动力电池（弱链）、…' (or '（本地弱链）' with `local`)."""
    key = "chain_node_local_status" if local else "chain_node_status"
    return _join([_w(key, lang, node=names.get(n, n), status=_code("chain_status", s, lang))
                  for n, s in zip(nodes, statuses, strict=True)], lang)


def tags_text(tags: Sequence[str], lang: str = "zh") -> str:
    return _join([_code("chain_tag", t, lang) for t in tags], lang)


def _growth(row: Mapping[str, Any], lang: str) -> str:
    if _missing(row.get("cagr")):
        return _w("chain_no_growth", lang)
    return _w("chain_growth", lang, years=row["cagr_years"], cagr=pct(row["cagr"]))


def _sentence(parts: Sequence[str], score: object, lang: str) -> str:
    sep, end = ("；", "。") if lang == "zh" else ("; ", ". ")
    return sep.join(parts) + end + _w("chain_score", lang, score=fmt(score, 3))


def leader_reason(row: Mapping[str, Any], names: Mapping[str, str], lang: str = "zh") -> str:
    parts = []
    if "size" in row["basis"]:
        parts.append(_w("chain_leader_size", lang, revenue=fmt(row["revenue"]), rank=row["size_rank"]))
    if "connectivity" in row["basis"]:
        parts.append(_w("chain_leader_connectivity", lang, count=row["node_count"],
                        nodes=_join([names.get(n, n) for n in row["chain_nodes"]], lang),
                        reach=row["connectivity"], total=row["chain_size"], rank=row["connectivity_rank"]))
    return ("；" if lang == "zh" else "; ").join(parts)


def recruit_reason(row: Mapping[str, Any], names: Mapping[str, str], city: str, lang: str = "zh") -> str:
    nodes = nodes_text(row["chain_nodes"], row["node_statuses"], names, lang, local=True)
    parts = [_w("chain_recruit_where", lang, city=city, nodes=nodes),
             _w("chain_revenue", lang, revenue=fmt(row["revenue"])), _growth(row, lang)]
    if row["tags"]:
        parts.append(_w("chain_tags", lang, tags=tags_text(row["tags"], lang)))
    linked = row["linked_nodes"]
    if linked:
        parts.append(_w("chain_linked", lang, count=len(linked), total=row["local_nodes"],
                        nodes=_join([names.get(n, n) for n in linked], lang)))
    else:
        parts.append(_w("chain_not_linked", lang))
    return _sentence(parts, row["score"], lang)


def expand_reason(row: Mapping[str, Any], names: Mapping[str, str], district: str, lang: str = "zh") -> str:
    nodes = nodes_text(row["chain_nodes"], row["node_statuses"], names, lang)
    parts = [_w("chain_expand_where", lang, district=district or _w("chain_local", lang), nodes=nodes),
             _w("chain_revenue", lang, revenue=fmt(row["revenue"])), _growth(row, lang),
             _w("chain_no_rd", lang) if _missing(row.get("rd_intensity"))
             else _w("chain_rd", lang, rd=pct(row["rd_intensity"]))]
    signals = ([_w("chain_above_scale_firm", lang)] if row["above_scale"] else []) + (
        [tags_text(row["tags"], lang)] if row["tags"] else [])
    if signals:
        parts.append(_join(signals, lang))
    return _sentence(parts, row["score"], lang)


def evidence_text(method: str, evidence: str | None, node_id: str, names: Mapping[str, str],
                  lang: str = "zh") -> str:
    """A link's evidence as a sentence; evidence in another format (stored by an older version) as it is."""
    parts = parse_evidence(method, evidence)
    if parts is None:
        return evidence or ""
    sep = "，" if lang == "zh" else ", "
    if "rule" in parts:
        scope = _w("chain_evidence_whole" if method == "code" else "chain_evidence_partial", lang)
        code = (_w("chain_evidence_code", lang, code=parts["code"], scope=scope) if parts["code"] == parts["rule"]
                else _w("chain_evidence_code_under", lang, code=parts["code"], rule=parts["rule"], scope=scope))
        return code + (sep + _w("chain_evidence_word", lang, word=parts["word"]) if "word" in parts else "")
    if method == "keyword":
        return _w("chain_evidence_word", lang, word=parts["word"])
    if method == "trade+keyword":
        return _w("chain_evidence_trade", lang, code=parts["code"], clause=parts["clause"])
    via = names.get(parts["via"], parts["via"])
    makes = _w("chain_evidence_makes", lang, node=via)
    edge = _w("chain_evidence_edge", lang, source=names.get(node_id, node_id), target=via)
    upstream = _w("chain_evidence_upstream_word", lang, word=parts.get("word", ""))
    if method == "edge":
        return makes + sep + edge
    if method == "edge+keyword":
        return makes + sep + edge + ("；" if lang == "zh" else "; ") + upstream
    return makes + sep + upstream


# --- tables -----------------------------------------------------------------------------------------------

TEXT = {  # the text columns `worded` adds, by table
    "chain_diagnosis": (Column("reason", "text", label="chain_col_reason"),),
    "chain_leaders": (Column("nodes_text", "text", label="chain_col_nodes_of"),
                      Column("reason", "text", label="chain_col_explanation")),
    "chain_recruitment": (Column("city", "text", label="chain_col_city"),
                          Column("nodes_text", "text", label="chain_col_target_nodes"),
                          Column("reason", "text", label="chain_col_recruit_reason")),
    "chain_expansion": (Column("district", "text", label="chain_col_district"),
                        Column("nodes_text", "text", label="chain_col_target_nodes"),
                        Column("reason", "text", label="chain_col_recruit_reason")),
    "chain_node_firms": (Column("district", "text", label="chain_col_district"),
                         Column("evidence_text", "text", label="chain_col_evidence")),
}
TEXT["chain_node_targets"] = TEXT["chain_recruitment"]


def worded(t: Table, lang: str = "zh", *, chain: ChainTemplate, city: City, district: str | None = None,
           params: Mapping[str, Any] | None = None, node_id: str | None = None) -> Table:
    """`t` with its text columns (`TEXT`) in `lang`. `district`: the area (None: the city); `params`: the
    diagnosis' parameters (`ChainBoard.params`); `node_id`: the link whose enterprises `t` lists."""
    extra = TEXT.get(t.name)
    if not extra:
        return t
    names = names_of(chain, lang)
    area = city.area_label(district, lang)
    rows = []
    for row in t.rows:
        add: dict[str, Any] = {}
        if t.name == "chain_diagnosis":
            add["reason"] = diagnosis_reason(row, params or {}, area, lang)
        elif t.name == "chain_leaders":
            add["nodes_text"] = _join([names.get(n, n) for n in row["chain_nodes"]], lang)
            add["reason"] = leader_reason(row, names, lang)
        elif t.name in ("chain_recruitment", "chain_node_targets"):
            add["city"] = city_name(row["city_code"], city, lang)
            add["nodes_text"] = nodes_text(row["chain_nodes"], row["node_statuses"], names, lang)
            add["reason"] = recruit_reason(row, names, add["city"], lang)
        elif t.name == "chain_expansion":
            add["district"] = district_name(row["district_code"], city, lang)
            add["nodes_text"] = nodes_text(row["chain_nodes"], row["node_statuses"], names, lang)
            add["reason"] = expand_reason(row, names, add["district"], lang)
        elif t.name == "chain_node_firms":
            add["district"] = district_name(row["district_code"], city, lang)
            add["evidence_text"] = evidence_text(row["method"], row["evidence"], node_id or "", names, lang)
        rows.append({**row, **add})
    return Table(t.name, t.columns + extra, tuple(rows), t.provenance, t.meta)


SHEET = {  # the columns a reader's sheet shows, in order
    "chain_summary": ("chain_id", "chain", "cluster_id", "cluster", "cluster_status", "nodes", "strong", "weak",
                      "missing", "local_producers", "link_status"),
    "chain_diagnosis": ("node", "chain_node", "segment", "status", "producers", "above_scale", "srdi",
                        "little_giant", "high_tech", "listed", "sellers", "users", "revenue", "national_producers",
                        "national_revenue", "share_national", "lq", "lq_threshold", "lq_percentile", "peer_cities",
                        "reason"),
    "chain_leaders": ("name", "nodes_text", "basis", "reason", "revenue", "node_count", "connectivity", "size_rank",
                      "connectivity_rank", "uscc", "chain_nodes"),
    "chain_recruitment": ("rank", "name", "city", "nodes_text", "reason", "score", "revenue", "cagr", "tags", "size",
                          "growth", "tag_score", "connectivity", "uscc", "chain_nodes"),
    "chain_expansion": ("rank", "name", "district", "nodes_text", "reason", "score", "revenue", "cagr",
                        "rd_intensity", "tags", "growth", "rd", "tag_score", "scale", "uscc", "chain_nodes"),
    "chain_node_firms": ("name", "uscc", "district", "role", "method", "evidence_text", "confidence", "revenue",
                         "tags"),
}
SHEET["chain_node_targets"] = SHEET["chain_recruitment"]


def sheet(t: Table, lang: str = "zh", keys: Sequence[str] | None = None) -> Table:
    """The reader's columns of a worded table (`SHEET`, or `keys`), lists joined into text (coded lists as
    words), ready for `present.tables.frame`."""
    keys = keys or SHEET.get(t.name) or t.keys
    columns, converted = [], {}
    for key in keys:
        c = t.column(key)
        if c.type == "list":
            columns.append(Column(c.key, "text", label=c.label))
            converted[key] = (lambda v, c=c: _join([_code(c.codes, x, lang) for x in v], lang)) if c.codes \
                else (lambda v: ",".join(map(str, v)))
        else:
            columns.append(c)
    rows = tuple({k: (converted[k](row.get(k) or ()) if k in converted else row.get(k)) for k in keys}
                 for row in t.rows)
    return Table(t.name, tuple(columns), rows, t.provenance, t.meta)


SHORT = {"producers": "chain_short_producers", "above_scale": "chain_short_above_scale",
         "revenue": "chain_short_revenue", "share_national": "chain_short_share"}


def terminal(t: Table, lang: str = "zh", keys: Sequence[str] | None = None) -> Table:
    """`sheet` with the shorter headers of `SHORT` (a terminal's columns are narrow)."""
    shown = sheet(t, lang, keys)
    columns = tuple(Column(c.key, c.type, c.unit, SHORT[c.key], c.provenance, c.codes) if c.key in SHORT else c
                    for c in shown.columns)
    return Table(shown.name, columns, shown.rows, shown.provenance, shown.meta)


def frames(tables: Mapping[str, Table], lang: str = "zh") -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Sheets (by their titles in `lang`) and the number formats of their headers, for `export.write_xlsx`."""
    sheets, formats = {}, {}
    for t in tables.values():
        shown = sheet(t, lang)
        sheets[labels.word(t.name, lang)] = present_tables.frame(shown, lang)
        formats.update(present_tables.number_formats(shown, lang))
    return sheets, formats


def workbook_note(synthetic: bool, lang: str = "zh", *, chain: ChainTemplate | None = None, area: str = "",
                  year: int | None = None) -> str:
    """The line above each downloaded sheet: provenance, then the chain, area and year."""
    source = _w("chains_note_synthetic" if synthetic else "chains_note_registry", lang)
    if chain is None:
        return source + " " + _w("chains_note_summary", lang, area=area, year=year)
    name = chain.name.en or chain.name.zh if lang == "en" else chain.name.zh
    return source + " " + _w("chains_note_chain", lang, chain=name, area=area, year=year)


# --- feasibility filters of the lists (analytics/feasibility.py; issue 11 item 4) ---------------------------


def filters_model(b, lang: str = "zh", which: str | None = None) -> dict[str, Any]:
    """The visible note of a board's feasibility filters: whether they are on, a sentence listing each filter
    with the firms it took off (per list; `which`: one list only), the items, and the firms removed with their
    reasons worded."""
    filters = b.filters.rows if b.filters is not None else ()
    removed = b.removed if b.removed is not None else Table("chain_removed", (), ())
    provenance = (b.filters.provenance if b.filters is not None else b.diagnosis.provenance).key
    items = [{"list": r["list"], "code": r["filter"],
              "removed": {"value": int(r["removed"]), "unit": "firms", "provenance": provenance},
              "text": _w("chain_filter_count", lang, list=_code("chain_list", r["list"], lang),
                         filter=_code("feas_filter", r["filter"], lang), n=int(r["removed"]))}
             for r in filters if which in (None, r["list"])]
    shown = [i for i in items if i["removed"]["value"]]
    total = sum(i["removed"]["value"] for i in items)
    sep = "；" if lang == "zh" else "; "
    note = _w("feas_note_on" if b.feasible else "feas_note_off", lang, n=total,
              filters=sep.join(i["text"] for i in shown) or "—")
    rows = tuple({**r, "list_label": _code("chain_list", r["list"], lang),
                  "reason": _join([_code("feas_reason", x, lang) for x in r["reasons"]], lang)}
                 for r in removed.rows if which in (None, r["list"]))
    columns = (*removed.columns, Column("list_label", "text", label="feas_list"),
               Column("reason", "text", label="feas_reason")) if removed.columns else ()
    table = Table("chain_removed", columns, rows, removed.provenance, removed.meta)
    return {"feasible": bool(b.feasible), "note": note, "items": items,
            "removed": present_tables.payload(table, lang) if columns else None}
