"""The report as a document: numbered sections of paragraphs, tables and charts, in one language, built from
the Platform's results through the pack's template. Both renderers (Typst for PDF, python-docx for Word) draw
this same document, so the two files say the same thing.

Every table is a typed `Table` (the scoreboard's columns and units; headers and cells are worded by
`present.tables`), every chart is drawn from the rows of the table next to it (`charts`), and every table and
chart carries a source line; when the registry is synthetic each page of the output is marked 示例数据."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chanye.errors import ChanyeError, InputError
from chanye.framework.report import ReportSection, ReportTemplate, load_template
from chanye.present import labels
from chanye.present import report_words as rw
from chanye.present import tables as present
from chanye.report import charts
from chanye.report import period as periods
from chanye.report import summary as summ
from chanye.services.results import Column, Table, table

# Digits shown per machine unit (the XLSX keeps full precision; a printed report rounds).
DIGITS = {"yi_yuan": 1, "wan_yuan": 1, "yuan": 0, "percent": 1, "pp": 2, "ratio": 2, "score": 2, "firms": 0,
          "persons": 0, "count": 0, "year": 0, "wan_yuan_per_person": 1, "km": 1, "rank": 0, "rows": 0}
ZH_NUMERALS = "一二三四五六七八九十"


# --- the document -------------------------------------------------------------------------------------------


@dataclass
class Paragraph:
    text: str
    kind: str = "body"  # body | lead | note (introduces the table after it) | banner (the 示例数据 notice)


@dataclass
class Heading:
    level: int  # 2: （一）, 3: 1.
    text: str


@dataclass
class TableBlock:
    number: int
    caption: str
    data: Table  # the typed table shown (its columns are the printed columns)
    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    note: str  # 资料来源 line


@dataclass
class ChartBlock:
    number: int
    caption: str
    svg: str
    png: bytes
    note: str


Block = Paragraph | Heading | TableBlock | ChartBlock


@dataclass
class Section:
    id: str
    number: str  # '一、' or '1.'
    title: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.number}{self.title}" if self.number.endswith("、") else f"{self.number} {self.title}"


@dataclass
class Document:
    lang: str
    title: str
    subtitle: str
    issuer: str
    date: str
    synthetic: bool
    mark: str  # the 示例数据 mark every page carries, '' for real data
    period: periods.Period
    year: int
    node: str | None
    district: str | None
    sections: list[Section]
    template: str  # the template file used

    @property
    def tables(self) -> list[TableBlock]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, TableBlock)]


def zh_number(n: int) -> str:
    if n <= 10:
        return ZH_NUMERALS[n - 1]
    if n < 20:
        return "十" + ZH_NUMERALS[n - 11]
    return ZH_NUMERALS[n // 10 - 1] + "十" + (ZH_NUMERALS[n % 10 - 1] if n % 10 else "")


def section_number(n: int, lang: str) -> str:
    return f"{zh_number(n)}、" if lang == "zh" else f"{n}."


def sub_number(n: int, lang: str) -> str:
    return f"（{zh_number(n)}）" if lang == "zh" else f"({chr(96 + n)}) "


def cell(column: Column, value: Any, lang: str) -> str:
    """A printed cell: numbers rounded by unit with thousands separators, '—' when missing."""
    if column.is_number or column.type == "year":
        if value is None or (isinstance(value, float) and value != value):
            return "—"
        digits = 0 if column.type in ("integer", "year") else DIGITS.get(column.unit or "", 1)
        return f"{float(value):,.{digits}f}" if column.type != "year" else str(int(value))
    shown = present.display(column, value, lang)
    if shown is None:
        return "—"
    if isinstance(shown, (list, tuple)):
        return ("、" if lang == "zh" else ", ").join(map(str, shown))
    return str(shown)


# --- building ---------------------------------------------------------------------------------------------------


class _Builder:
    def __init__(self, platform: Any, template: ReportTemplate, lang: str) -> None:
        self.p = platform
        self.fw = platform.framework
        self.t = template
        self.lang = lang
        self.tables = 0
        self.charts = 0
        self.synthetic = False

    def w(self, key: str, **params: Any) -> str:
        return rw.word(key, self.lang, **params)

    def name(self, value: Any) -> str:
        if isinstance(value, Mapping):
            return str(value.get(self.lang) or value.get("zh") or "")
        return str(value or "")

    def source(self, *extra: str) -> str:
        own = self.w("registry_source_synthetic" if self.synthetic else "registry_source")
        sep = "；" if self.lang == "zh" else "; "
        return self.w("source_line", sources=sep.join([own, *[e for e in extra if e]]))

    def table_block(self, caption: str, data: Table, note: str) -> TableBlock:
        self.tables += 1
        label = f"{self.w('table')}{self.tables}"
        return TableBlock(self.tables, f"{label}  {caption}", data, [present.header(c, self.lang) for c in data.columns],
                          [[cell(c, r.get(c.key), self.lang) for c in data.columns] for r in data.rows],
                          [c.is_number for c in data.columns], note)

    def chart_block(self, caption: str, drawn: charts.Drawn | None, note: str) -> ChartBlock | None:
        if drawn is None:
            return None
        self.charts += 1
        return ChartBlock(self.charts, f"{self.w('figure')}{self.charts}  {caption}", drawn.svg, drawn.png, note)


def _pick(t: Table, keys: list[str], rows: list[Mapping[str, Any]] | None = None, name: str | None = None,
          extra: list[Column] | None = None) -> Table:
    """A table of some of `t`'s columns (in `keys` order), optionally other rows and computed columns."""
    cols = [*[c for k in keys for c in t.columns if c.key == k], *(extra or [])]
    order = {k: i for i, k in enumerate(keys)}
    cols.sort(key=lambda c: order.get(c.key, len(order)))
    return table(name or t.name, cols, rows if rows is not None else t.rows, t.provenance, **dict(t.meta))


def build(platform: Any, period: str | int | None = None, *, node: str | None = None, district: str | None = None,
          lang: str = "zh", template: ReportTemplate | None = None, today: dt.date | None = None) -> Document:
    """The report of `period` (default the latest year) for the city or one district, the whole system or one
    node, in `lang`."""
    if lang not in ("zh", "en"):
        raise InputError(f"未知的语言 {lang[:10]!r} (unknown language)", hint="--lang zh 或 en")
    from chanye.services.scoreboard import resolve_area

    fw = platform.framework
    template = template or load_template(fw)
    _check_wording(template)
    if node is not None:
        fw.node(node)  # a wrong node, district or period before any work
    area = resolve_area(fw, district)
    if period is not None and str(period).strip():
        periods.parse(period)
    board = platform.scoreboard()
    per = periods.parse(period, default_year=board.latest)
    year = board.year(per.year)
    in_district = area != fw.city.code
    b = _Builder(platform, template, lang)
    b.synthetic = board.synthetic
    views = platform.scoreboard_tables(year=year, node=node, district=district)
    area_name = {"zh": fw.city.area_label(area, "zh"), "en": fw.city.area_label(area, "en")}
    node_name = {"zh": fw.node(node).name.zh, "en": fw.node(node).name.en} if node else None
    wanted = [s.id for s in template.sections]
    chains = platform.chains(district) if ("chains" in wanted or "summary" in wanted) and fw.chains else None
    opp_rows = next((s.rows for s in template.sections if s.id == "opportunities"), None) or 10
    opportunities = _opportunities(platform, district, year, opp_rows) if "opportunities" in wanted else None
    subtree = {node, *(d.id for d in fw.descendants(node))} if node else None
    chain_summary = _chains_of(chains.summary, subtree) if chains is not None else None
    opp_table = _opps_of(opportunities.table, subtree) if opportunities is not None else None
    targets = _targets_of(views["targets"], views["nodes"]) if node else views["targets"]
    district_row = None
    if in_district:
        d = views["districts"]
        district_row = table(d.name, d.columns, [r for r in d.rows if r["adcode"] == area], d.provenance, **dict(d.meta))
    projects = _projects(platform)
    facts = summ.Facts(year=year, area=area_name, nodes=views["nodes"], milestones=views["milestones"],
                       targets=targets, chains=chain_summary, opportunities=opp_table, district=district_row,
                       projects=len(projects.rows) if projects is not None else None)
    ctx = {"year": year, "per": per, "area": area_name, "node_name": node_name, "views": views, "facts": facts,
           "chains": chain_summary, "chains_year": chains.year if chains is not None else year,
           "opportunities": opportunities, "opp_table": opp_table, "targets": targets, "board": board,
           "projects": projects, "area_code": area}
    sections = []
    for spec in template.sections:
        if spec.id == "projects" and projects is None:
            continue  # the projects capability is not there: no empty section
        sec = Section(spec.id, section_number(len(sections) + 1, lang),
                      spec.title.get(lang) if spec.title else rw.section_title(spec.id, lang))
        if spec.intro:
            sec.blocks.append(Paragraph(spec.intro.get(lang), "lead"))
        sec.blocks.extend(b for b in SECTION_BUILDERS[spec.id](b, spec, ctx) if b is not None)
        sections.append(sec)
    period_text = _period_text(per, lang)
    fill = {"city": fw.city.label(lang), "period": period_text, "area": area_name[lang],
            "node": node_name[lang] if node_name else ""}
    subtitle = template.subtitle.get(lang).format(**fill) if template.subtitle else period_text
    if node_name:
        subtitle += f"（{node_name[lang]}）" if lang == "zh" else f" ({node_name[lang]})"
    date = (today or dt.date.today()).isoformat()
    return Document(lang=lang, title=template.title.get(lang).format(**fill), subtitle=subtitle,
                    issuer=template.issuer.get(lang) if template.issuer else rw.word("issuer_default", lang),
                    date=date, synthetic=board.synthetic, mark=rw.word("synthetic_mark", lang) if board.synthetic else "",
                    period=per, year=year, node=node, district=area if in_district else None, sections=sections,
                    template=template.path)


def _check_wording(template: ReportTemplate) -> None:
    unknown = sorted(set(template.wording) - set(rw.SENTENCES))
    if unknown:
        raise ChanyeError(f"报告模板 {template.path} 的 wording 中有未知的句子: {', '.join(unknown)} "
                          "(unknown sentence keys in the template's wording)",
                          hint="可用: " + ", ".join(rw.SENTENCES))


def _period_text(per: periods.Period, lang: str) -> str:
    key = {"year": "period_year", "quarter": "period_quarter", "month": "period_month"}[per.kind]
    return rw.word(key, lang, year=per.year)


def _opportunities(platform: Any, district: str | None, year: int, rows: int):
    try:
        return platform.opportunities(place=district, year=year, limit=rows)
    except ChanyeError:
        try:  # the industry space may lack this year; the latest is better than no section
            return platform.opportunities(place=district, limit=rows)
        except ChanyeError:
            return None


def _projects(platform: Any) -> Table | None:
    """The projects capability's table when the Platform has one (issue: 项目 when it exists)."""
    method = getattr(platform, "projects", None)
    if method is None:
        return None
    try:
        found = method()
    except ChanyeError:
        return None
    return found if isinstance(found, Table) else getattr(found, "table", None)


def _chains_of(t: Table, subtree: set[str] | None) -> Table:
    if subtree is None:
        return t
    return table(t.name, t.columns, [r for r in t.rows if r["cluster_id"] in subtree], t.provenance, **dict(t.meta))


def _opps_of(t: Table, subtree: set[str] | None) -> Table:
    if subtree is None:
        return t
    return table(t.name, t.columns, [r for r in t.rows if subtree & set(r.get("node_ids") or ())], t.provenance,
                 **dict(t.meta))


def _targets_of(t: Table, nodes: Table) -> Table:
    names = [r["node"] for r in nodes.rows]
    return table(t.name, t.columns, [r for r in t.rows if r["node"] in names], t.provenance, **dict(t.meta))


# --- the sections -------------------------------------------------------------------------------------------------


def _summary(b: _Builder, spec: ReportSection, ctx: dict) -> list[Block]:
    wording = {k: (v.zh, v.en) for k, v in b.t.wording.items()}
    lines = summ.paragraph(ctx["facts"], b.lang, wording)
    out: list[Block] = [Paragraph(line) for line in lines] or [Paragraph(b.w("summary_none"))]
    if b.synthetic:
        out.append(Paragraph(b.w("synthetic_banner"), "banner"))
    return out


def _metric_keys(views: Mapping[str, Table]) -> list[str]:
    """The scoreboard's amount and count columns (yi_yuan, firms): the overall table's figures."""
    return [c.key for c in views["nodes"].columns if c.is_number and c.unit in ("yi_yuan", "firms")][:5]


def _overall(b: _Builder, spec: ReportSection, ctx: dict) -> list[Block]:
    views, year = ctx["views"], ctx["year"]
    nodes = views["nodes"]
    head = nodes.rows[:1]
    groups = [r for r in nodes.rows[1:] if r.get("kind") == "tier"] if not ctx["views"]["nodes"].meta.get("node") else []
    shown = _pick(nodes, ["node", *_metric_keys(views), "yoy", "share_of_city"], [*head, *groups], name="report_overall")
    out: list[Block] = [b.table_block(b.w("overall_table", year=year), shown, b.source())]
    if spec.chart and head:
        metric = head[0]["scale_metric"]
        scale = ctx["board"].scale
        mine = scale[(scale["area"] == ctx["area_code"]) & (scale["node"] == head[0]["node_id"])
                     & (scale["metric"] == metric)].sort_values("year")
        metric_word = labels.code("metric", metric, b.lang)
        drawn = charts.trend([int(y) for y in mine["year"]], [float(v) for v in mine["value"]],
                             labels.unit("yi_yuan", b.lang), highlight=year)
        out.append(b.chart_block(b.w("overall_chart", metric=metric_word) + _unit_suffix(b, "yi_yuan"), drawn,
                                 b.source()))
    return out


def _clusters(b: _Builder, spec: ReportSection, ctx: dict) -> list[Block]:
    views, year = ctx["views"], ctx["year"]
    nodes = views["nodes"]
    industry = [r for r in nodes.rows if r.get("kind") in summ.INDUSTRY_KINDS]
    rows = sorted(({**r, "scale": r.get(r["scale_metric"])} for r in industry),
                  key=lambda r: -(r["scale"] if r["scale"] is not None else -1))[: spec.rows or None]
    scale_col = Column("scale", "number", "yi_yuan", label="scale")
    shown = _pick(nodes, ["node", "kind", "scale_metric", "scale", "yoy", "share_of_city", "contribution", "enterprises",
                          "thousand_billion"], rows, name="report_clusters", extra=[scale_col])
    out: list[Block] = []
    if not rows:
        return [Paragraph(b.w("milestones_none"))]
    out.append(b.table_block(b.w("clusters_table", year=year), shown, b.source()))
    if spec.chart:
        drawn = charts.bars([b.name(r["node"]) for r in rows], [r["scale"] for r in rows],
                            labels.unit("yi_yuan", b.lang), line=1000.0, line_label=b.w("chart_thousand"))
        out.append(b.chart_block(b.w("clusters_chart", year=year) + _unit_suffix(b, "yi_yuan"), drawn, b.source()))
    out.append(Heading(2, sub_number(1, b.lang) + b.w("milestones_title")))
    above = [r for r in rows if r.get("thousand_billion")]
    if not above:
        out.append(Paragraph(b.w("milestones_none")))
        return out
    crossed = {r["node_id"]: r for r in views["milestones"].rows}
    mrows = [{**r, "crossed_1000": crossed.get(r["node_id"], {}).get("crossed_1000"),
              "crossed_1000_or_earlier": crossed.get(r["node_id"], {}).get("crossed_1000_or_earlier")} for r in above]
    ms = views["milestones"]
    shown = table("report_milestones", [nodes.column("node"), nodes.column("scale_metric"), scale_col,
                                        nodes.column("yoy"), ms.column("crossed_1000"),
                                        ms.column("crossed_1000_or_earlier")], mrows, nodes.provenance)
    out.append(b.table_block(b.w("milestones_table", year=year), shown, b.source()))
    return out


def _unit_suffix(b: _Builder, unit: str) -> str:
    word = labels.unit(unit, b.lang)
    return f"（{word}）" if b.lang == "zh" else f" ({word})"


def _districts(b: _Builder, spec: ReportSection, ctx: dict) -> list[Block]:
    d = ctx["views"]["districts"]
    year = ctx["year"]
    node_name = b.name(d.rows[0]["node"]) if d.rows else ""
    shown = _pick(d, ["district", "scale", "enterprises", "share_of_node", "lq", "yoy"], name="report_districts")
    out: list[Block] = [b.table_block(b.w("districts_table", node=node_name, year=year), shown, b.source())]
    if spec.chart and d.rows:
        rows = sorted(d.rows, key=lambda r: -(r["scale"] or 0))
        drawn = charts.bars([b.name(r["district"]) for r in rows], [r["scale"] for r in rows],
                            labels.unit("yi_yuan", b.lang), highlight=[b.name(r["district"]) for r in rows
                                                                       if r["adcode"] == ctx["area_code"]])
        out.append(b.chart_block(b.w("districts_chart", node=node_name, year=year) + _unit_suffix(b, "yi_yuan"),
                                 drawn, b.source()))
    return out


def _chains(b: _Builder, spec: ReportSection, ctx: dict) -> list[Block]:
    t: Table | None = ctx["chains"]
    if t is None or not t.rows:
        return [Paragraph(b.w("chains_none"))]
    rows = sorted(t.rows, key=lambda r: (-int(r["missing"]), -int(r["weak"])))[: spec.rows or None]
    shown = _pick(t, ["chain", "cluster", "nodes", "strong", "weak", "missing", "local_producers"], rows,
                  name="report_chains")
    out: list[Block] = [Paragraph(b.w("note_chains", year=ctx["chains_year"]), "note"),
                        b.table_block(b.w("chains_table"), shown, b.source(b.w("pack_source", pack=b.fw.info.name.get(b.lang))))]
    if spec.chart:
        words = [labels.code("chain_status", s, b.lang) for s in ("strong", "weak", "missing")]
        drawn = charts.stacked([b.name(r["chain"]) for r in rows],
                               {w: [int(r[s]) for r in rows] for w, s in zip(words, ("strong", "weak", "missing"), strict=True)},
                               labels.unit("count", b.lang) or "links")
        out.append(b.chart_block(b.w("chains_chart"), drawn, b.source()))
    return out


def _opportunities_section(b: _Builder, spec: ReportSection, ctx: dict) -> list[Block]:
    t: Table | None = ctx["opp_table"]
    if t is None or not t.rows:
        return [Paragraph(b.w("opportunities_none"))]
    rows = t.rows[: spec.rows or 10]
    shown = _pick(t, ["rank", "activity", "name", "nodes", "density", "pci", "score"], list(rows),
                  name="report_opportunities")
    return [Paragraph(b.w("opportunities_note"), "note"),
            b.table_block(b.w("opportunities_table", area=b.name(ctx["area"]), n=len(rows)), shown, b.source())]


def _projects_section(b: _Builder, spec: ReportSection, ctx: dict) -> list[Block]:
    t: Table | None = ctx["projects"]
    if t is None or not t.rows:
        return [Paragraph(b.w("projects_none"))]
    shown = table(t.name, t.columns, t.rows[: spec.rows or 20], t.provenance, **dict(t.meta))
    return [b.table_block(labels.word(t.name, b.lang), shown, b.source())]


def _targets_section(b: _Builder, spec: ReportSection, ctx: dict) -> list[Block]:
    t: Table = ctx["targets"]
    if not t.rows:
        return [Paragraph(b.w("targets_none"))]
    cited = sorted({s for r in t.rows for s in r.get("target_sources") or ()})
    titles = [b.fw.source(s).title if b.fw.source(s) else s for s in cited]
    sep = "；" if b.lang == "zh" else "; "
    shown = _pick(t, ["node", "metric", "target_year", "target", "latest", "required_cagr", "achieved_cagr",
                      "projected_year", "target_status"], name="report_targets")
    out: list[Block] = [Paragraph(b.w("note_targets"), "note"),
                        b.table_block(b.w("targets_table"), shown, b.source(sep.join(titles)))]
    if spec.chart:
        drawn = charts.pairs([b.name(r["node"]) for r in t.rows], [r["target"] for r in t.rows],
                             [r["latest"] for r in t.rows], (b.w("chart_target"), b.w("chart_latest")),
                             labels.unit("yi_yuan", b.lang))
        out.append(b.chart_block(b.w("targets_chart") + _unit_suffix(b, "yi_yuan"), drawn, b.source()))
    return out


def _notes(b: _Builder, spec: ReportSection, ctx: dict) -> list[Block]:
    per: periods.Period = ctx["per"]
    info = b.fw.info
    out = [Paragraph(b.w("note_synthetic" if b.synthetic else "note_registry")),
           Paragraph(b.w("note_period_year", year=ctx["year"]) if per.annual
                     else b.w("note_period_annual", period=per.text, year=ctx["year"])),
           Paragraph(b.w("note_scale")), Paragraph(b.w("note_multi")),
           Paragraph(b.w("note_pack", pack=info.name.get(b.lang), version=info.version))]
    return out


def _sources(b: _Builder, spec: ReportSection, ctx: dict) -> list[Block]:
    t = b.p.sources()
    if not t.rows:
        return [Paragraph(b.w("sources_none"))]
    shown = _pick(t, ["title", "publisher", "date", "url"], name="report_sources")
    return [b.table_block(b.w("sources_table"), shown, b.w("source_line", sources=b.w("pack_source",
                                                                                       pack=b.fw.info.name.get(b.lang))))]


SECTION_BUILDERS = {
    "summary": _summary, "overall": _overall, "clusters": _clusters, "districts": _districts, "chains": _chains,
    "opportunities": _opportunities_section, "projects": _projects_section, "targets": _targets_section,
    "notes": _notes, "sources": _sources,
}
