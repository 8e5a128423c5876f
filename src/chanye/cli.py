"""The `chanye` command. Each command parses options, calls one library function and renders the result;
a ChanyeError becomes one clear line on stderr and exit code 1."""

from __future__ import annotations

import functools
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from chanye.cli_base import command, err_console, print_json
from chanye.errors import ChanyeError
from chanye.present import labels


class _Chanye(typer.Typer):
    """The `chanye` app (issue 14, complexity end to end): run as a program, it builds the click command of the one
    command its arguments name instead of every command and group's (typer reads each command's signature first:
    0.07 s of every start). `chanye`, `chanye --help`, a group or an unknown name get the whole app."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        named = [c for c in self.registered_commands if c.name is not None and c.name == (sys.argv[1:2] or [""])[0]]
        if args or kwargs or len(named) != 1:
            return super().__call__(*args, **kwargs)
        one = typer.Typer(name=self.info.name, help=self.info.help, add_completion=False, rich_markup_mode=None)
        one.registered_commands = named
        one.callback()(_no_options)  # a group, as the whole app is, not a lone command that takes its name as input
        return one()


def _no_options() -> None:
    """(the top level takes no options of its own)"""


app = _Chanye(
    name="chanye",
    help="chanye 产业: 城市现代化产业体系的数据、分类、监测与分析 (the default pack, or --pack).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
framework_app = typer.Typer(help="框架包: 查看、校验产业体系 (framework packs: show, check, coverage).", no_args_is_help=True)
app.add_typer(framework_app, name="framework")

console = Console(width=120, soft_wrap=True)  # tables fit 120 columns; a message line is never cut (issue 15)

# Options used by several commands, declared once.
PackOption = Annotated[str | None, typer.Option("--pack", "-p", help="框架包名称或路径 (pack name or folder)")]
JsonOption = Annotated[bool, typer.Option("--json", help="输出 JSON (machine-readable output)")]
LangOption = Annotated[str, typer.Option("--lang", help="zh 或 en (output language)")]
WideOption = Annotated[bool, typer.Option(
    "--wide", help="长文本（依据、推荐理由）完整显示，不截断 (long reasons in full; the XLSX always has them)")]
DbOption = Annotated[
    Path | None, typer.Option("--db", envvar="CHANYE_DB",
                              help="数据库文件 (DuckDB file; default: the checkout's data/chanye.duckdb, else "
                                   "~/.local/share/chanye/chanye.duckdb)")
]


def check_format(fmt: str, output: Path | None, allowed: tuple[str, ...]) -> None:
    """The --format / --output rule of every command: a format it knows, and a file for the ones written to one."""
    if fmt not in allowed:
        raise ChanyeError(f"未知的输出格式 {fmt!r} (unknown format)", hint="可用 " + ", ".join(allowed))
    if fmt in ("xlsx", "csv") and output is None:
        raise ChanyeError(f"--format {fmt} 需要 --output 文件 (needs --output)")


def existing_db(db: Path | None) -> Path:
    """The database a reading command opens (`--db`, else `default_path()`), refused when the file does not exist:
    a command run in the wrong folder must not create an empty database silently (issue 15)."""
    from chanye.registry.store import default_path

    path = Path(db) if db else default_path()
    if not path.exists():
        raise ChanyeError(f"数据库 {path} 不存在 (no database at {path})",
                          hint="chanye init 建空库，chanye demo 生成示例数据，或用 --db / CHANYE_DB 指定 "
                               "(create one with chanye init or chanye demo, or pass --db)")
    return path


def open_store(db: Path | None, *, create: bool = False):
    """The database for one command: read-only, so it works while `chanye serve` runs; a command that writes
    (import, classify, targets FILE) holds the write lock only inside its `store.transaction()`. A missing file
    is refused (`existing_db`) unless `create` (commands that write: import, users add)."""
    from chanye.registry.store import Store

    return Store.reader(db if create else existing_db(db))


@contextmanager
def progress_bar(description: str):
    """A rich progress bar driven by (stage, fraction) callbacks from the library."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task(description, total=1.0)

        def update(stage: str, fraction: float) -> None:
            bar.update(task, completed=fraction, description=f"{description} {stage}")

        yield update


# --- framework ---------------------------------------------------------------------------------------------


def _status_word(status: str, lang: str) -> str:
    style = "green" if status == "confirmed" else "yellow"
    return f"[{style}]{escape(str(labels.code('status', status, lang)))}[/]"


@command(framework_app, "list")
def framework_list(as_json: JsonOption = False, lang: LangOption = "zh") -> None:
    """列出内置框架包 (list the shipped packs)."""
    from chanye.framework.load import available_packs, load_pack
    from chanye.present.enterprises import terminal_table
    from chanye.services.results import PACK, Column, table

    rows = []
    for folder in available_packs():
        fw = load_pack(folder)
        rows.append({
            "id": fw.id, "name": fw.info.name.zh, "name_en": fw.info.name.en, "city": fw.info.city,
            "version": fw.info.version, "nodes": len(fw.nodes), "industry_nodes": len(fw.industry_nodes()),
            "path": str(folder),
        })
    if as_json:
        print_json(rows)
        return
    packs = table("packs", (Column("id", "code", label="pack_id"), Column("name", "name", label="pack_name"),
                            Column("city", "code", label="city_code"), Column("version", "code", label="version"),
                            Column("nodes", "integer", "count", label="node_count"),
                            Column("industry_nodes", "integer", "count", label="industry_node_count")),
                  [{**r, "name": {"zh": r["name"], "en": r["name_en"]}} for r in rows], PACK)
    console.print(terminal_table(packs, lang))


@command(framework_app, "show")
def framework_show(
    node: Annotated[str | None, typer.Argument(help="节点: id、中文名或简称，如 现代金融 (node id or name); 缺省显示整个体系")] = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "zh",
) -> None:
    """以树形显示产业体系及各节点状态、代码数 (show the system as a tree with status and code counts)."""
    from chanye.framework import load_pack
    from chanye.services import framework as svc

    fw = load_pack(pack)
    root_id = fw.node(node).id if node else None
    nodes = svc.nodes_table(fw, root_id)
    counts = svc.counts(fw)
    if as_json:
        print_json({"pack": fw.id, "counts": counts,
                    "nodes": [{**r, "name": r["name"]["zh"], "name_en": r["name"]["en"]} for r in nodes.rows]})
        return
    by_parent: dict[str | None, list[dict]] = {}
    for r in nodes.rows:
        by_parent.setdefault(r["parent"], []).append(r)

    def label(r: dict) -> str:
        tag = f"[bold]{escape(r['label'])}[/] " if r["label"] else ""
        codes = ("  " + labels.word("codes_summary", lang).format(whole=r["codes_whole"], partial=r["codes_partial"])
                 if r["is_industry"] else "")
        return f"{tag}{escape(r['name'][lang])}  {_status_word(r['status'], lang)}{escape(codes)}  [dim]{r['id']}[/]"

    top = nodes.rows[0]
    tree = Tree(label(top))

    def grow(branch: Tree, parent_id: str) -> None:
        for child in by_parent.get(parent_id, []):
            grow(branch.add(label(child)), child["id"])

    grow(tree, top["id"])
    console.print(tree)
    group = {k: ("status" if k in ("confirmed", "provisional") else "kind") for k in counts}
    console.print("  ".join(f"{labels.code(group[k], k, lang)}: {v}" for k, v in counts.items()), highlight=False)


@command(framework_app, "check")
def framework_check(
    path: Annotated[str | None, typer.Argument(help="框架包名称或目录 (pack name or folder)")] = None,
    as_json: JsonOption = False,
    lang: LangOption = "zh",
) -> None:
    """校验框架包: 未知代码、重复 id、缺少来源、整体代码重叠、暂定节点 (validate a pack; exit 1 on errors)."""
    from chanye.framework.check import check_pack

    findings = check_pack(path)
    errors = [f for f in findings if f.level == "error"]
    if as_json:
        print_json({"ok": not errors, "errors": len(errors), "warnings": len(findings) - len(errors),
                    "findings": [f.to_dict() for f in findings]})
    else:
        for f in findings:
            style = "bold red" if f.level == "error" else "yellow"
            word = labels.word("check_error" if f.level == "error" else "check_warning", lang)
            console.print(f"[{style}]{word}[/] " + escape(f"[{f.rule}] {f}"), highlight=False)
        verdict = labels.word("check_failed" if errors else "check_passed", lang)
        style = "bold red" if errors else "bold green"
        tally = labels.word("check_tally", lang).format(errors=len(errors), warnings=len(findings) - len(errors))
        console.print(f"[{style}]{verdict}[/]{tally}", highlight=False)
    if errors:
        raise typer.Exit(1)


@command(framework_app, "coverage")
def framework_coverage(
    pack: PackOption = None,
    section: Annotated[str, typer.Option(help="GB/T 4754 门类 (section letter)")] = "C",
    show: Annotated[str, typer.Option(help="gaps (无归属与多归属), all, none, several")] = "gaps",
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, csv, xlsx")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 (output file)")] = None,
    lang: LangOption = "zh",
) -> None:
    """制造业小类覆盖: 哪些小类不属于任何节点、哪些属于多个节点 (which 小类 no node or several nodes own)."""
    from chanye.export import write_frame
    from chanye.framework import load_pack
    from chanye.framework.summary import coverage_frame
    from chanye.present import enterprises as show_tables
    from chanye.present import tables as present
    from chanye.services.results import PACK, Column, table

    fw = load_pack(pack)
    frame = coverage_frame(fw, section)
    counts = frame["status"].value_counts().to_dict()
    wanted = {"gaps": ("none", "several"), "all": ("none", "single", "several")}.get(show, (show,))
    shown = frame[frame["status"].isin(wanted)]
    if fmt == "json":
        print_json({"pack": fw.id, "section": section, "counts": counts, "rows": shown.to_dict("records")})
        return

    def owners(text: str, language: str) -> str:
        parts = [p.rpartition(":") for p in text.split("；") if p]
        sep, (open_, close) = ("; ", (" (", ")")) if language == "en" else ("；", ("（", "）"))
        return sep.join(f"{node}{open_}{labels.code('owner_scope', scope, language)}{close}" for node, _, scope in parts)

    coverage = table("coverage", (Column("code", "code", label="industry_code"), Column("name", label="class_name"),
                                  Column("status", "code", codes="coverage_status", label="coverage_status"),
                                  Column("owners", "name", label="owners")),
                     [{"code": r.code, "name": r.name, "status": r.status,
                       "owners": {"zh": owners(r.owners, "zh"), "en": owners(r.owners, "en")}}
                      for r in shown.itertuples()], PACK)
    if output is not None or fmt in ("csv", "xlsx"):
        if output is None:
            raise ChanyeError(f"--format {fmt} 需要 --output 文件 (needs --output)")
        kind = fmt if fmt != "table" else output.suffix.lstrip(".").lower()
        name = fw.info.name.en if lang == "en" else fw.info.name.zh
        if kind == "xlsx":
            title = labels.word("coverage_title", lang).format(pack=name, section=section)
            Path(output).write_bytes(show_tables.xlsx_bytes([(coverage, title)], lang))
        else:
            write_frame(present.frame(coverage, lang), output, kind)
        console.print(labels.word("rows_written", lang).format(n=len(shown), path=output), highlight=False)
        return
    name = fw.info.name.en if lang == "en" else fw.info.name.zh
    console.print(show_tables.terminal_table(
        coverage, lang, title=labels.word("coverage_title", lang).format(pack=name, section=section)))
    console.print(labels.word("coverage_tally", lang).format(
        total=len(frame), single=counts.get("single", 0), several=counts.get("several", 0),
        none=counts.get("none", 0)), highlight=False)


# --- registry ----------------------------------------------------------------------------------------------


def _platform(db: Path | None, pack: str | None, store):
    from chanye.services.platform import Platform

    return Platform(db, pack, store=store)


@command(app, "import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV / XLSX / Parquet 文件")],
    year: Annotated[int | None, typer.Option(help="数据年份 (year of the figures, when the file has no year column)")] = None,
    mapping: Annotated[Path | None, typer.Option(help="列名映射 YAML (column mapping file)")] = None,
    sheet: Annotated[str | None, typer.Option(help="只导入这个工作表 (one sheet only)")] = None,
    vintage: Annotated[str, typer.Option(help="行业代码版本 2017 / 2011 / auto")] = "auto",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验并报告，不写入 (plan only)")] = False,
    preview: Annotated[bool, typer.Option("--preview", help="预览: 列映射、单位、前几行与隔离原因，不写入 (preview, nothing written)")] = False,
    db: DbOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "zh",
) -> None:
    """导入企业名录与年度指标；坏行进入隔离区 (import enterprises and yearly figures; bad rows to quarantine)."""
    from chanye.registry.validate import Mapping
    from chanye.services import imports

    plan = Mapping.from_yaml(str(mapping)) if mapping else Mapping()
    plan.vintage = vintage if not mapping else plan.vintage
    if preview:  # issue 15 data in: the web page's preview in the terminal
        with open_store(db) as store:
            result = imports.preview_file(_platform(db, pack, store), file, mapping=plan, year=year, sheet=sheet)
        render_preview(result, lang, as_json)
        return
    with open_store(db, create=True) as store, progress_bar(labels.word("import_bar", lang)) as update:
        report = imports.import_file(
            _platform(db, pack, store), file, mapping=plan, year=year, sheet=sheet, dry_run=dry_run, store=store,
            progress=lambda stage, fraction: update(str(labels.code("import_stage", stage, lang)), fraction))
    if as_json:
        print_json(report.to_dict())
        return
    render_import(report, lang)


def _unread(n: int, lang: str) -> str:
    """"；其中 N 家…未读出任何小类" after the review count, when some queued firms read no class."""
    return labels.word("review_unread", lang).format(n=n) if n else ""


def render_import(report, lang: str = "zh") -> None:
    from chanye.present.explain import reader_check_lines

    w = functools.partial(labels.word, lang=lang)
    title = (w("import_plan_title") if report.dry_run else w("import_batch_title")).format(
        batch=report.batch_id, file=report.file)
    console.print(f"[bold]{escape(title)}[/]", highlight=False, soft_wrap=True)
    table = Table()
    table.add_column(w("import_item"))
    table.add_column(w("import_count"), justify="right")
    e, f = report.enterprises, report.figures
    for key, value in (
        ("rows_total", report.rows_total), ("rows_blank", report.rows_blank), ("rows_loaded", report.rows_loaded),
        ("rows_quarantined", report.rows_quarantined),
        ("import_firms", f"{e.inserted} / {e.updated} / {e.unchanged}"),
        ("import_figures", f"{f.inserted} / {f.updated} / {f.unchanged}"),
        ("tags_added", report.tags_added), ("classified", report.classified), ("predicted_codes", report.predicted),
        ("seconds", report.seconds),
    ):
        table.add_row(w(key), str(value))
    console.print(table)
    if report.learned_rows or report.queued:  # firms without a code were read from their scopes (issue 11)
        accuracy = report.learned_cv_accuracy
        console.print(w("review_learned").format(rows=report.learned_rows, queued=report.queued,
                                                 accuracy="—" if accuracy is None else f"{accuracy:.1%}")
                      + _unread(report.queued_unread, lang), highlight=False)
    for line in reader_check_lines(report.reader_check, lang) if report.reader_check else ():
        console.print(escape(line), highlight=False)
    for heading, counts in (("reasons_title", report.reasons), ("warnings_title", report.warnings)):
        if counts:
            t = Table(title=w(heading))
            t.add_column(w("reasons"))
            t.add_column(w("rows_col"), justify="right")
            for reason, n in counts.items():
                t.add_row(escape(reason), str(n))
            console.print(t)
    for sheet in report.sheets:
        if sheet.ignored:
            console.print("[dim]" + escape(w("ignored_columns").format(sheet=sheet.sheet or w("sheet"),
                                                                        columns=", ".join(sheet.ignored))) + "[/]")
    if report.rows_quarantined and report.batch_id:
        console.print(w("quarantine_hint").format(batch=report.batch_id), highlight=False)


def render_preview(result, lang: str = "zh", as_json: bool = False) -> None:
    """`chanye import FILE --preview` (issue 15 data in): the mapping with the units assumed, the first rows as
    they will land and every reason of the rows that would be quarantined; nothing is written."""
    from chanye.present import tables as present
    from chanye.present.terminal import rich_table

    tables = (result.columns, result.rows, result.quarantine)
    if as_json:
        print_json({"file": result.file, "counts": result.counts, "problem": result.problem,
                    **{t.name: present.payload(t, lang) for t in tables}})
        return
    w = functools.partial(labels.word, lang=lang)
    console.print(f"[bold]{escape(w('preview_title'))}[/] {escape(result.file)}", highlight=False, soft_wrap=True)
    console.print(w("preview_summary").format(**result.counts), highlight=False, soft_wrap=True)
    if result.problem:
        console.print(f"[red]{escape(result.problem['message'])}[/]", highlight=False, soft_wrap=True)
    console.print(rich_table(result.columns, lang, keys=("position", "header", "field_name", "status", "unit",
                                                          "unit_source", "stored_unit")))
    if result.rows.rows:
        console.print(rich_table(result.rows, lang, title=w("preview_rows_title").format(n=len(result.rows.rows)),
                                 keys=[k for k in result.rows.keys if k != "sheet" or any(r.get("sheet") for r in result.rows.rows)]))
    if result.quarantine.rows:
        console.print(rich_table(result.quarantine, lang, title=w("preview_quarantine_title"),
                                 keys=("row_number", "uscc", "field_name", "reason"), wide=True))


@command(app, "quarantine")
def quarantine_command(
    batch: Annotated[int | None, typer.Argument(help="导入批次 (batch id; default the latest)")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="导出 XLSX，修正后可重新导入")] = None,
    list_batches: Annotated[bool, typer.Option("--batches", help="列出导入历史 (list import batches)")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "zh",
) -> None:
    """列出隔离区的坏行及原因，可导出 XLSX 修正后重新导入 (list rejected rows; export to XLSX)."""
    from chanye.export import write_xlsx
    from chanye.present.enterprises import terminal_table
    from chanye.registry import quarantine
    from chanye.services import imports

    with open_store(db) as store:
        p = _platform(db, None, store)
        if list_batches:
            if as_json:
                print_json(quarantine.batches(store).to_dict("records"))
                return
            console.print(terminal_table(imports.batches(p), lang))
            return
        if as_json:
            frame = quarantine.rejected_rows(store, batch)
            print_json(frame.drop(columns=["reason_text"]).to_dict("records"))
            return
        if output is not None:
            chosen, sheets = imports.reimport_sheets(p, batch)
            note = labels.word("quarantine_xlsx_note", lang).format(batch=chosen)
            write_xlsx(sheets, output, notes=dict.fromkeys(sheets, note))
            n = sum(len(s) for s in sheets.values())
            console.print(labels.word("quarantine_exported", lang).format(n=n, path=output), highlight=False)
            return
        page = imports.quarantine_page(p, batch, limit=None)
    console.print(terminal_table(page.rows, lang, title=labels.word("quarantine_title", lang).format(batch=page.batch)))
    console.print(labels.word("rows_count", lang).format(n=page.total), highlight=False)


@command(app, "classify")
def classify_command(
    text: Annotated[str | None, typer.Option("--text", help="一段经营范围 (a business scope to classify)")] = None,
    code: Annotated[str | None, typer.Option("--code", help="行业代码 (with --text)")] = None,
    db: DbOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "zh",
) -> None:
    """归类: --text 预测小类与节点并给出依据（给出 --db 时按该库有代码企业校准的概率）；不带参数时重新归类整个库
    (classify a text, with --db calibrated on that registry's coded firms; or re-run the registry)."""
    from chanye.classify.explain import explain_text

    if text is not None:
        curve = None
        if db is not None:  # the registry named: its own curve, as its next import would read the scope
            from chanye.services.review import reader_curve

            with open_store(db) as store:
                curve = reader_curve(store)
        result = explain_text(text, code=code, pack=pack, curve=curve)
        if as_json:
            print_json(result)
            return
        from chanye.present.explain import explain_lines

        for line in explain_lines(result, lang):
            console.print(escape(line), highlight=False)
        return
    from chanye.services.imports import reclassify

    with open_store(db) as store:
        done = reclassify(store, pack)
    if as_json:
        print_json(done)
    else:
        console.print(labels.word("classified_done", lang).format(classified=done["classified"],
                                                                  predicted=done["predicted"],
                                                                  links=done["chain_links"]), highlight=False)


@command(app, "demo")
def demo_command(
    db: DbOption = None,
    pack: PackOption = None,
    scale: Annotated[float, typer.Option(help="规模系数：1.0 为本市约6万家、外地约15万家 (1.0 = ~60k local + ~150k other firms)")] = 1.0,
    seed: Annotated[int, typer.Option(help="随机种子 (seed)")] = 12218,
    force: Annotated[bool, typer.Option("--force", help="覆盖已有数据库 (replace an existing database)")] = False,
    remove: Annotated[bool, typer.Option("--remove", help="删除库中全部示例企业及其指标、关联，保留导入的企业 (remove the demo firms; issue 15)")] = False,
    lang: LangOption = "zh",
) -> None:
    """生成内置示例数据库：框架包所在城市的合成企业（标注 示例数据）(build the synthetic demo database of the pack's city).
    --remove: 真实企业导入后删除示例企业 (take the demo firms out once real ones are in)."""
    from chanye.demo.seed import build_database, remove_demo
    from chanye.present.labels import word
    from chanye.registry.store import default_path

    path = Path(db) if db else default_path()
    if remove:  # issue 15: starting from one's own data
        counts = remove_demo(path)
        if not counts["enterprises"]:
            console.print(f"{word('demo_removed_none', lang)}: {escape(str(path))}", highlight=False)
            return
        sep = ", " if lang == "en" else "，"
        parts = sep.join(f"{word('removed_' + k, lang)} {v:,}" for k, v in counts.items() if v)
        console.print(escape(f"{word('demo_removed', lang)} ({path}): {parts}"), highlight=False)
        return
    with progress_bar("示例数据 demo") as update:
        summary = build_database(path, scale=scale, seed=seed, force=force, pack=pack, progress=update)
    parts = (", " if lang == "en" else "，").join(f"{word('demo_' + k, lang)} {v}" for k, v in summary.items())
    console.print(escape(f"{word('demo_built', lang)} -> {path}: {parts}"), highlight=False)


@command(app, "init")
def init_command(db: DbOption = None, lang: LangOption = "zh") -> None:
    """建一个空数据库（无示例数据），从自己的数据开始 (create an empty database, no demo; issue 15)."""
    from chanye.demo.seed import init_database
    from chanye.registry.store import default_path

    path = init_database(Path(db) if db else default_path())
    console.print(escape(f"{labels.word('init_done', lang)}: {path}"), highlight=False)
    console.print(escape(labels.word("init_next", lang).format(path=path)), highlight=False)


# --- scoreboard --------------------------------------------------------------------------------------------


def render_frame(frame, title: str, *, limit: int | None = None, lang: str = "zh") -> None:
    from chanye.present.terminal import frame_table

    console.print(frame_table(frame, title, limit=limit, lang=lang))


@command(app, "scoreboard")
def scoreboard_command(
    year: Annotated[int | None, typer.Option(help="年份 (default the latest)")] = None,
    node: Annotated[str | None, typer.Option(help="节点: id 或中文名 (a node by id or name, and what is under it)")] = None,
    district: Annotated[str | None, typer.Option(help="区: 名称、简称或代码 (a district)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, xlsx, csv")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 (output file)")] = None,
    lang: LangOption = "zh",
    db: DbOption = None,
    pack: PackOption = None,
) -> None:
    """监测看板: 规模、增速、分区、千亿级、目标进度、公开数据对照 (the scoreboard)."""
    from chanye.export import write_frame
    from chanye.present import labels
    from chanye.present import tables as present
    from chanye.present.terminal import rich_table
    from chanye.services.platform import Platform

    check_format(fmt, output, ("table", "json", "xlsx", "csv"))
    platform = Platform(existing_db(db), pack)
    board = platform.scoreboard()
    views = platform.scoreboard_tables(year=year, node=node, district=district)
    if fmt == "xlsx":
        present.write_xlsx(views, output, lang)
        names = [labels.word(name, lang) for name in views]
        console.print(f"{labels.word('written', lang)} {len(views)} -> {output}: {', '.join(names)}")
        return
    if fmt == "csv":
        write_frame(present.frame(views["nodes"], lang), output, "csv")
        console.print(f"{labels.word('written', lang)} {labels.word('nodes', lang)} -> {output}")
        return
    if fmt == "json":
        print_json({"year": board.year(year), "synthetic": board.synthetic,
                    "tables": {name: present.payload(t, lang) for name, t in views.items()}})
        return
    if board.synthetic:
        console.print(f"[bold yellow]{labels.word('synthetic', lang)}[/]: {labels.word('synthetic_note', lang)}")
    shown_year = board.year(year)
    for name in ("nodes", "districts", "milestones", "targets", "reconcile"):
        title = labels.word(name, lang) + (f" ({shown_year})" if name in ("nodes", "districts") else "")
        console.print(rich_table(views[name], lang, title=title))


# --- complexity and opportunities ---------------------------------------------------------------------------


@command(app, "complexity")
def complexity_command(
    panel: Annotated[Path, typer.Argument(help="长表 CSV / Parquet (a long panel)")],
    location: Annotated[str, typer.Option(help="地区列 (location column)")],
    activity: Annotated[str, typer.Option(help="产业/产品列 (activity column)")],
    value: Annotated[str, typer.Option(help="数值列 (value column)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="输出 CSV / Parquet / XLSX")],
    year: Annotated[str | None, typer.Option(help="年份列 (year column)")] = None,
    presence: Annotated[str, typer.Option(help="rca, rpop, both")] = "rca",
    rca_threshold: Annotated[float, typer.Option(help="RCA 阈值 (strict: RCA > t)")] = 1.0,
    proximity: Annotated[str, typer.Option(help="discrete, asymmetric, continuous")] = "discrete",
    knn: Annotated[int | None, typer.Option(help="k 近邻密度 (k-nearest-neighbour density)")] = None,
    population: Annotated[Path | None, typer.Option(help="人口表 (location[, year], population) for rpop")] = None,
    conventions: Annotated[str, typer.Option(help="stata（默认，与哈佛增长实验室一致）或 pypi")] = "stata",
    lang: LangOption = "zh",
) -> None:
    """经济复杂度: RCA、ECI/PCI、邻近度、密度、COI/COG，适用于任何长表 (economic complexity on any panel)."""
    from rich.progress import Progress

    from chanye import complexity_files as service
    from chanye.present import complexity as words

    # Read through Arrow with the keys coded there, no pandas on the way for a clean CSV (issue 14); a value
    # column that is not all numbers stays text, so the engine names the first non-numeric cell.
    source = service.open_panel(panel, location=location, activity=activity, value=value, year=year)
    pop = service.read_panel(population) if population else None
    n_years = source.distinct(year) if year else 1
    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task("复杂度 complexity（按年 per year）", total=n_years)
        result = service.run(source, output, location=location, activity=activity, value=value, year=year,
                             presence=presence, rca_threshold=rca_threshold, proximity=proximity, knn=knn,
                             population=pop, conventions=conventions, on_year=lambda _y: bar.advance(task))
    for note in result.notes:  # (code, parameters) pairs, worded in `lang`
        err_console.print(f"[dim]{escape(words.note_text(note, lang))}[/]")
    console.print(f"已写出 {result.rows:,} 行 -> {output}")


@command(app, "opportunities")
def opportunities_command(
    place: Annotated[str | None, typer.Option(help="本市（默认，框架包的城市）或某区: 名称、简称或代码")] = None,
    measure: Annotated[str, typer.Option(help="enterprises, revenue, employees")] = "enterprises",
    strategy: Annotated[str, typer.Option(help="balanced, low-hanging, long-jump")] = "balanced",
    by: Annotated[str, typer.Option(help="理由中引用的复杂度指标 pci 或 cog（得分总是同时使用两者）")] = "pci",
    scope: Annotated[str, typer.Option(help="traded（默认，只列可贸易的产业）或 all")] = "traded",
    min_firms: Annotated[int | None, typer.Option(
        "--min-firms", help="RCA>1 至少需要几家企业才算专业化（默认 2，样本太小时自动降为 1）")] = None,
    limit: Annotated[int, typer.Option(help="条数 (rows)")] = 30,
    year: Annotated[int | None, typer.Option(help="年份 (default the latest)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, csv, xlsx")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    show_all: Annotated[bool, typer.Option(
        "--show-all", help="关闭可行性筛选，显示全部候选 (feasibility filters off; issue 11)")] = False,
    lang: LangOption = "zh",
    db: DbOption = None,
    pack: PackOption = None,
) -> None:
    """发展机会: 尚未形成优势（RCA<1）的小类，按关联密度与复杂度排序，并对应框架包的产业节点 (growth opportunities)."""
    from chanye.export import write_frame
    from chanye.present import labels
    from chanye.present import opportunities as present
    from chanye.present.terminal import rich_table
    from chanye.services.platform import Platform

    check_format(fmt, output, ("table", "json", "xlsx", "csv"))
    with Platform(existing_db(db), pack) as platform:
        result = platform.opportunities(place, measure, strategy, by, scope, year, limit=limit,
                                        min_presence_firms=min_firms, feasible=not show_all)
    city = platform.city
    if fmt == "xlsx":
        present.write_xlsx(result, city, output, lang)
        console.print(f"已写出 {len(result.table.rows)} 行 -> {output}")
        return
    if fmt == "csv":
        write_frame(present.csv_frame(result, lang), output, "csv")
        console.print(f"已写出 {len(result.table.rows)} 行 -> {output}")
        return
    if fmt == "json":
        print_json(present.ranking_payload(result, city, lang))
        return
    if result.synthetic:
        colon = ": " if lang == "en" else "："
        console.print(f"[bold yellow]{labels.word('synthetic', lang)}[/]{colon}{labels.word('synthetic_short', lang)}")
    for note in present.notes(result.notes, city, lang):
        err_console.print(f"[dim]{escape(note['text'])}[/]")
    # the feasibility filters, shown (issue 11)
    err_console.print(f"[dim]{escape(present.filters_note(result.filters, result.feasible, lang))}[/]")
    console.print(rich_table(result.table, lang, title=present.title(result, city, lang),
                             keys=present.TERMINAL_COLUMNS))


# --- industrial chains -----------------------------------------------------------------------------------

@command(app, "chains")
def chains_command(
    cluster: Annotated[str | None, typer.Argument(help="产业链或集群: id、中文名或简称，如 icv-nev、智能网联与新能源汽车；缺省列出全部产业链")] = None,
    district: Annotated[str | None, typer.Option(help="区: 名称、简称或代码 (a district; default the whole city)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, xlsx")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 (output file, for xlsx)")] = None,
    top: Annotated[int | None, typer.Option(help="清单条数 (rows per list; default 10 in the table, all otherwise)")] = None,
    show_all: Annotated[bool, typer.Option(
        "--show-all", help="关闭可行性筛选，清单显示全部企业 (feasibility filters off; issue 11)")] = False,
    wide: WideOption = False,
    lang: LangOption = "zh",
    db: DbOption = None,
    pack: PackOption = None,
) -> None:
    """产业链: 强链/弱链/缺链诊断、链主、招商清单与增资扩产清单 (industrial chains: diagnosis, leaders, work lists)."""
    from chanye.export import write_xlsx
    from chanye.present import chains as words
    from chanye.present import labels
    from chanye.present import tables as present
    from chanye.present.terminal import rich_table
    from chanye.services.platform import Platform

    check_format(fmt, output, ("table", "json", "xlsx"))
    platform = Platform(existing_db(db), pack)
    w = lambda key, **kw: labels.word(key, lang).format(**kw) if kw else labels.word(key, lang)  # noqa: E731
    if cluster is None:
        result = platform.chains(district)
        area = result.city.area_label(result.district, lang)
        if fmt == "xlsx":
            sheets, formats = words.frames({"summary": result.summary}, lang)
            note = words.workbook_note(result.synthetic, lang, area=area, year=result.year)
            write_xlsx(sheets, output, number_formats=formats, notes=dict.fromkeys(sheets, note))
            console.print(w("chains_written_summary", n=len(result.summary.rows), path=output), highlight=False)
        elif fmt == "json":
            print_json({"area": {"code": result.district or result.city.code, "name": area}, "year": result.year,
                        **present.payload(result.summary, lang)})
        else:
            if result.synthetic:
                console.print(f"[bold yellow]{w('synthetic')}[/]: {w('chains_synthetic_cli')}", highlight=False)
            shown = words.sheet(result.summary, lang, ("chain_id", "cluster", "cluster_status", "nodes", "strong",
                                                       "weak", "missing", "local_producers", "link_status"))
            out = rich_table(shown, lang, title=w("chains_summary_heading", area=area, year=result.year))
            for column in out.columns:  # the title names the unit of the link counts
                column.header = str(column.header).replace(f"\n（{labels.unit('count', lang)}）", "").replace(
                    f"（{labels.unit('count', lang)}）", "")
            console.print(out)
            statuses = {r["link_status"] for r in result.summary.rows}
            for status, key in (("stale", "chains_stale_cli"), ("missing", "chains_missing_cli")):
                if status in statuses:
                    console.print(f"[yellow]{w('chains_hint')}[/] {w(key)}", highlight=False)
        return
    board = platform.chain(cluster, district, feasible=not show_all)
    area = board.city.area_label(board.district, lang)

    def worded(t):
        return words.worded(t, lang, chain=board.chain, city=board.city, district=board.district, params=board.params)

    def head(t, n):
        return t if n is None else type(t)(t.name, t.columns, t.rows[:n], t.provenance, t.meta)

    lists = {"recruitment": board.recruitment, "expansion": board.expansion}
    if fmt == "xlsx":
        tables = {k: worded(head(t, top)) for k, t in lists.items()}
        tables |= {"diagnosis": worded(board.diagnosis), "leaders": worded(board.leaders)}
        sheets, formats = words.frames(tables, lang)
        note = words.workbook_note(board.synthetic, lang, chain=board.chain, area=area, year=board.year)
        write_xlsx(sheets, output, number_formats=formats, notes=dict.fromkeys(sheets, note))
        console.print(w("chains_written_lists", recruitment=len(tables["recruitment"].rows),
                        expansion=len(tables["expansion"].rows), path=output), highlight=False)
        return
    if fmt == "json":
        tables = {"diagnosis": board.diagnosis, "leaders": board.leaders, **{k: head(t, top) for k, t in lists.items()}}
        print_json({"chain": board.chain.id, "cluster": board.chain.cluster,
                    "area": {"code": board.district or board.city.code, "name": area}, "year": board.year,
                    "synthetic": board.synthetic, "link_status": board.link_status,
                    "tables": {k: present.payload(worded(t), lang) for k, t in tables.items()}})
        return
    if board.synthetic:
        console.print(f"[bold yellow]{w('synthetic')}[/]: {w('chains_synthetic_cli')}", highlight=False)
    if board.link_status in ("stale", "missing"):
        key = "chains_stale_cli" if board.link_status == "stale" else "chains_missing_cli"
        console.print(f"[yellow]{w('chains_hint')}[/] {w(key)}", highlight=False)
    name = board.chain.name.en or board.chain.name.zh if lang == "en" else board.chain.name.zh
    title = w("chains_board_heading", chain=name, area=area, year=board.year)
    diagnosis = worded(board.diagnosis)
    stop = ". " if lang == "en" else "。"
    diagnosis = type(diagnosis)(diagnosis.name, diagnosis.columns,  # the grounds; the numbers are in the columns
                                tuple({**r, "reason": r["reason"].split(stop)[0]} for r in diagnosis.rows),
                                diagnosis.provenance)
    keys = ("node", "segment", "status", "producers", "above_scale", "revenue", "share_national", "lq", "reason")
    console.print(rich_table(words.terminal(diagnosis, lang, keys), lang, title=f"{w('chains_diagnosis')} {title}",
                             wide=wide))
    leaders = words.sheet(worded(board.leaders), lang, ("name", "nodes_text", "basis", "revenue", "reason"))
    console.print(rich_table(leaders, lang, title=w("chains_leaders"), wide=wide))
    shown = top or 10
    for key, place in (("recruitment", "city"), ("expansion", "district")):
        t = worded(head(lists[key], shown))
        heading = w("chains_list_heading", title=w(f"chains_{key}"), n=len(t.rows), total=len(lists[key].rows))
        keys = ("rank", "name", place, "nodes_text", "score", "reason")
        console.print(rich_table(words.sheet(t, lang, keys), lang, title=heading, wide=wide))
    # the feasibility filters of the lists, shown (issue 11)
    console.print(escape(words.filters_model(board, lang)["note"]), highlight=False)
    where = f" --district {board.district}" if board.district else ""
    console.print(f"{w('chains_more')}: chanye chains {board.chain.id}{where} -f xlsx -o lists.xlsx", highlight=False)


@command(app, "targets")
def targets_command(
    file: Annotated[Path | None, typer.Argument(help="目标文件 CSV / XLSX: 节点、指标、目标值、单位、年份[、编号、状态、来源、说明]")] = None,
    db: DbOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "zh",
) -> None:
    """发展目标: 导入目标文件，或列出框架包与已导入的全部目标 (import targets from a file, or list them)."""
    from chanye.framework import load_pack
    from chanye.present.enterprises import terminal_table
    from chanye.registry.targets import import_targets, load_targets
    from chanye.services.framework import targets_table

    framework = load_pack(pack)
    with open_store(db, create=file is not None) as store:
        if file is not None:
            result = import_targets(store, file, framework)
            console.print(labels.word("targets_imported", lang).format(n=len(result.imported), file=file),
                          highlight=False)
        goals = load_targets(store, framework)
    if as_json:
        print_json([{**t.model_dump(), "sources": "、".join(t.sources)} for t in goals])
        return
    if file is None:
        name = framework.info.name.en if lang == "en" else framework.info.name.zh
        console.print(terminal_table(targets_table(goals), lang,
                                     title=labels.word("targets_title", lang).format(pack=name)))


# --- users: local accounts and roles (services/accounts.py; issue 17) ------------------------------------------

users_app = typer.Typer(help="账号: 添加、删除、重设密码、列出 (local accounts of the dashboard).", no_args_is_help=True)
app.add_typer(users_app, name="users")


def _password(stdin: bool) -> str:
    """The password: one line from stdin (--password-stdin), else typed twice at a hidden prompt."""
    if stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("密码 Password", hide_input=True, confirmation_prompt=True)


PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="从标准输入读一行密码 (read the password from stdin)")]


@command(users_app, "add")
def users_add_command(
    name: Annotated[str, typer.Argument(help="用户名 (user name)")],
    role: Annotated[str, typer.Option("--role", help="admin 管理员 | city_analyst 市级分析 | district_analyst 区级分析 | visitor 访客")],
    district: Annotated[str | None, typer.Option("--district", help="区级分析的所在区，如 黄埔 (a district analyst's district)")] = None,
    password_stdin: PasswordStdin = False,
    db: DbOption = None,
    pack: PackOption = None,
    lang: LangOption = "zh",
) -> None:
    """新增账号 (add an account); 密码按提示输入或 --password-stdin."""
    from chanye.framework import load_pack
    from chanye.services import accounts

    city = load_pack(pack).city
    password = _password(password_stdin)
    with open_store(db, create=True) as store:
        account = accounts.add_user(store, city, name, role, password, district)
    console.print(labels.word("user_added", lang).format(name=account.name,
                                                         role=labels.code("role", account.role, lang)))


@command(users_app, "remove")
def users_remove_command(name: Annotated[str, typer.Argument(help="用户名 (user name)")], db: DbOption = None,
                         lang: LangOption = "zh") -> None:
    """删除账号并结束其会话 (remove an account; its sessions end, its audit entries stay)."""
    from chanye.services import accounts

    with open_store(db) as store:
        accounts.remove_user(store, name)
    console.print(labels.word("user_removed", lang).format(name=name))


@command(users_app, "reset")
def users_reset_command(name: Annotated[str, typer.Argument(help="用户名 (user name)")], password_stdin: PasswordStdin = False,
                        db: DbOption = None, lang: LangOption = "zh") -> None:
    """重设密码 (reset a password; the account's sessions end)."""
    from chanye.services import accounts

    password = _password(password_stdin)
    with open_store(db) as store:
        accounts.reset_password(store, name, password)
    console.print(labels.word("user_reset", lang).format(name=name))


@command(users_app, "list")
def users_list_command(db: DbOption = None, pack: PackOption = None, lang: LangOption = "zh",
                       as_json: JsonOption = False) -> None:
    """列出账号 (list the accounts: name, role, district; never a password hash)."""
    from chanye.framework import load_pack
    from chanye.present import tables as present
    from chanye.present.terminal import rich_table
    from chanye.services import accounts

    city = load_pack(pack).city
    with open_store(db) as store:
        found = accounts.users_table(store, city)
    if as_json:
        print_json(present.payload(found, lang))
        return
    console.print(rich_table(found, lang, title=labels.word("users", lang)))


# --- report: 产业发展监测报告 as PDF or Word (src/chanye/report/; issue 16) ----------------------------------------


@command(app, "report")
def report_command(
    period: Annotated[str | None, typer.Option(help="报告期: 2024、2024Q4 或 2024-12 (default the latest year)")] = None,
    node: Annotated[str | None, typer.Option(help="节点: id 或中文名 (a node by id or name, and what is under it)")] = None,
    district: Annotated[str | None, typer.Option(help="区: 名称、简称或代码 (a district)")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 .pdf 或 .docx (output file)")] = None,
    lang: LangOption = "zh",
    db: DbOption = None,
    pack: PackOption = None,
) -> None:
    """产业发展监测报告: 摘要、总体情况、集群、分区、产业链、机会、目标进度 -> PDF 或 Word (the monitoring report)."""
    import time

    from chanye.report import document, render
    from chanye.services.platform import Platform

    started = time.perf_counter()
    path = output or Path(f"chanye-report-{period or 'latest'}.pdf")
    render.format_of(path)  # a wrong suffix before any work
    with Platform(existing_db(db), pack) as platform:
        node = platform.framework.node(node).id if node else None  # id or name (issue 15)
        doc = document.build(platform, period, node=node, district=district, lang=lang)
    render.write(doc, path)
    console.print(labels.word("report_written", lang).format(path=path, sections=len(doc.sections),
                                                              tables=len(doc.tables),
                                                              seconds=f"{time.perf_counter() - started:.1f}"),
                  highlight=False)
    if doc.synthetic:
        console.print(f"[bold yellow]{labels.word('synthetic', lang)}[/]: {labels.word('synthetic_note', lang)}")


# --- web ---------------------------------------------------------------------------------------------------


@command(app, "serve")
def serve_command(
    host: Annotated[str, typer.Option(help="监听地址 (bind address)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 (port)")] = 8218,
    db: DbOption = None,
    pack: PackOption = None,
    demo: Annotated[bool, typer.Option("--demo/--no-demo", help="数据库不存在时先生成示例数据 (build the demo first)")] = True,
    no_auth: Annotated[bool, typer.Option("--no-auth", help="不用账号，仅限本机地址 (no accounts; 127.0.0.1/localhost/::1 only)")] = False,
    allowed_host: Annotated[list[str] | None, typer.Option("--allowed-host", help="允许的 Host（可重复；默认监听地址和 localhost）(trusted Host header)")] = None,
    warm_up: Annotated[bool, typer.Option("--warm/--no-warm", help="启动时在后台预先计算，期间页面显示“数据准备中” (build the caches at start-up; issue 14)")] = True,
) -> None:
    """启动仪表盘 (start the dashboard): http://127.0.0.1:8218/

    账号 (accounts): with any account in the store every request needs a sign-in; with none, the dashboard serves
    127.0.0.1 only, as the single local analyst. --no-auth forces that, and is refused on any other address."""
    import uvicorn

    from chanye.registry.store import default_path
    from chanye.web.app import create_app

    path = Path(db) if db else default_path()
    auth, hosts, note = serve_access(path, host, no_auth=no_auth, allowed_hosts=allowed_host)  # refusals first
    if demo and not path.exists():
        from chanye.demo.seed import build_database

        console.print(f"数据库 {path} 不存在，先生成示例数据（约 1 分钟）... (building the demo database)")
        with progress_bar("示例数据 demo") as update:
            build_database(path, progress=update)
    if note:
        console.print(note)
    application = create_app(path, pack, auth=auth, allowed_hosts=hosts, warm_up=warm_up)
    console.print(f"chanye 仪表盘: http://{host}:{port}/  (API: http://{host}:{port}/docs)  Ctrl+C 退出")
    uvicorn.run(application, host=host, port=port, log_config=serve_log_config(), log_level=None)


class PageRequests:
    """The access log's filter (issue 15): one line per page or API request; static files and vendored
    libraries (/static/, /vendor/, the favicon) stay out of it. uvicorn's access record args:
    (client, method, path, http version, status)."""

    SKIP = ("/static/", "/vendor/", "/favicon")

    def filter(self, record) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return not (len(args) >= 3 and str(args[2]).startswith(self.SKIP))


def serve_log_config() -> dict:
    """uvicorn's logging for `chanye serve`: warnings and errors on stderr, and a request line per page on
    stdout ('2026-12-03 13:10:00 127.0.0.1:5123 "GET /chains HTTP/1.1" 200')."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"pages": {"()": PageRequests}},
        "formatters": {
            "default": {"()": "uvicorn.logging.DefaultFormatter", "fmt": "%(levelprefix)s %(message)s"},
            "access": {"()": "uvicorn.logging.AccessFormatter", "use_colors": False, "datefmt": "%Y-%m-%d %H:%M:%S",
                       "fmt": '%(asctime)s %(client_addr)s "%(request_line)s" %(status_code)s'},
        },
        "handlers": {
            "default": {"formatter": "default", "class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
            "access": {"formatter": "access", "class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                       "filters": ["pages"]},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "WARNING", "propagate": False},
            "uvicorn.error": {"level": "WARNING"},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }


def serve_access(path: Path, host: str, *, no_auth: bool, allowed_hosts: list[str] | None) -> tuple[bool, list[str], str]:
    """(accounts on?, trusted hosts, a line to print) for `chanye serve` (issue 17): --no-auth only on a local
    address; otherwise accounts are on as soon as the store has one; none and a public address: refused."""
    from chanye.services import accounts

    local = host in accounts.LOCAL_HOSTS
    if no_auth and not local:
        raise ChanyeError(f"--no-auth 仅限本机地址 127.0.0.1、localhost、::1，不能用于 {host[:40]} "
                          "(--no-auth: local addresses only)")  # one line at 140 columns
    # Starlette compares the Host header's host part, where an IPv6 address keeps its brackets ("[::1]:8218")
    hosts = [f"[{h}]" if ":" in h and not h.startswith("[") else h
             for h in (allowed_hosts or dict.fromkeys([host, "localhost", "127.0.0.1", "::1"]))]
    if no_auth:
        return False, hosts, labels.word("accounts_off", "zh").format(host=host)
    count = 0
    if path.exists():  # a new demo database has no accounts
        with open_store(path) as store:
            count = accounts.active_count(store)
    if count:
        return True, hosts, labels.word("accounts_on", "zh").format(n=count)
    if not local:
        raise ChanyeError(f"没有账号，不能无登录监听 {host[:40]} (no accounts: sign-in needed off 127.0.0.1)",
                          hint="chanye users add NAME --role admin")
    return False, hosts, labels.word("accounts_off", "zh").format(host=host)


# --- review: the classification review queue (services/review.py; issue 11 classification) ---------------------

review_app = typer.Typer(help="复核: 归类存疑的企业——列出、确认、改正、重新归类 (the classification review queue).",
                         no_args_is_help=True)
app.add_typer(review_app, name="review")
ByOption = Annotated[str | None, typer.Option("--by", help="复核人 (who decides; default the OS user)")]


def _reviewer(by: str | None) -> str:
    return by or os.environ.get("USER") or "local"


@command(review_app, "list")
def review_list_command(
    limit: Annotated[int, typer.Option(min=1, help="条数 (firms shown)")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="跳过前几家 (firms skipped: the next page)")] = 0,
    order: Annotated[str, typer.Option(help="probability（概率从低到高）或 revenue（营业收入从大到小）")] = "probability",
    db: DbOption = None, pack: PackOption = None, as_json: JsonOption = False, lang: LangOption = "zh",
) -> None:
    """列出待复核企业（按概率从低到高，一次一页）：经营范围与前 3 个建议小类及依据 (queued firms with their top-3 suggestions)."""
    from chanye.services import review

    with open_store(db) as store:
        found = review.queue(_platform(db, pack, store), limit=limit, offset=offset, order=order)
    if as_json:
        print_json([dict(r) for r in found.rows])
        return
    total = found.meta["total"]
    console.print(labels.word("review_count", lang).format(n=total), highlight=False)
    for r in found.rows:
        size = "" if r["revenue"] is None else "  " + labels.word("review_revenue_short", lang).format(
            value=f"{r['revenue']:,.0f}", year=r["revenue_year"])
        console.print(escape(f"{r['uscc']}  {r['name']}  p={r['probability']:.2f}{size}"), highlight=False)
        console.print(escape(f"  {labels.word('review_scope', lang)}: {r['business_scope'][:110]}"), highlight=False)
        for i, sug in enumerate(r["suggestions"], start=1):
            figure = (f"{labels.word('review_similar', lang)} {sug['similarity']:.2f}" if "similarity" in sug
                      else f"p={sug['probability']:.2f}")
            console.print(escape(f"  {i}. {sug['code']} {sug['name']}  {figure}  {sug['evidence'][:80]}"),
                          highlight=False)
        if not r["suggestions"]:
            console.print(f"  {labels.word('review_no_suggestion_cli', lang)}", highlight=False)
    if found.rows and total > len(found.rows):
        console.print(labels.word("review_shown", lang).format(first=offset + 1,
                                                              last=offset + len(found.rows), total=total,
                                                              next=offset + limit), highlight=False)


@command(review_app, "confirm")
def review_confirm_command(
    uscc: Annotated[str, typer.Argument(help="统一社会信用代码 (the firm)")],
    code: Annotated[str | None, typer.Option("--code", help="确认哪个建议小类 (default the first)")] = None,
    by: ByOption = None, db: DbOption = None, pack: PackOption = None, lang: LangOption = "zh",
) -> None:
    """确认建议小类（默认第一个）并重新归类该企业 (confirm a suggestion; the firm is re-classified)."""
    from chanye.errors import InputError
    from chanye.services import review

    with open_store(db) as store:
        p = _platform(db, pack, store)
        found = review.item(p, uscc)
        if code is None:
            if found is None:
                raise InputError(f"企业 {uscc} 不在复核队列中，请用 --code 或 review correct (not in the review queue)",
                                 hint="chanye review list")
            if not found.suggestions:
                raise InputError(f"企业 {uscc} 没有建议小类可确认，请用 review correct 填写小类 (no suggestion to confirm)",
                                 hint=f"chanye review correct {uscc} 小类代码")
            code = found.suggestions[0]["code"]
        done = review.decide(p, uscc, code, action="confirm", by=_reviewer(by))
    console.print(labels.word("review_done", lang).format(**done), highlight=False)


@command(review_app, "correct")
def review_correct_command(
    uscc: Annotated[str, typer.Argument(help="统一社会信用代码 (the firm)")],
    code: Annotated[str, typer.Argument(help="正确的 GB/T 4754-2017 小类，如 3841 (the right 4-digit class)")],
    note: Annotated[str, typer.Option("--note", help="说明 (why)")] = "",
    by: ByOption = None, db: DbOption = None, pack: PackOption = None, lang: LangOption = "zh",
) -> None:
    """改正为另一个小类并重新归类该企业 (correct to another class; the firm is re-classified)."""
    from chanye.services import review

    with open_store(db) as store:
        done = review.decide(_platform(db, pack, store), uscc, code, action="correct", by=_reviewer(by), note=note)
    console.print(labels.word("review_done", lang).format(**done), highlight=False)


@command(review_app, "export")
def review_export_command(
    output: Annotated[Path, typer.Argument(metavar="FILE", help="输出的 XLSX（或 CSV）文件 (the sheet to fill in)")],
    order: Annotated[str, typer.Option(help="probability（概率从低到高）或 revenue（营业收入从大到小）")] = "probability",
    db: DbOption = None, pack: PackOption = None, lang: LangOption = "zh",
) -> None:
    """导出整个复核队列为 XLSX：填写“复核小类”列后用 review import 导回 (the whole queue as a sheet to fill in)."""
    from chanye.export import write_frame
    from chanye.present import tables as present
    from chanye.services import review

    with open_store(db) as store:
        sheet = review.queue_sheet(_platform(db, pack, store), order)
    write_frame(present.frame(sheet, lang), output, sheet=labels.word("review_title", lang))
    console.print(labels.word("review_exported", lang).format(n=len(sheet.rows), file=output), highlight=False)


@command(review_app, "import")
def review_import_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="CSV 或 XLSX：统一社会信用代码、复核小类（、备注）")],
    by: ByOption = None, db: DbOption = None, pack: PackOption = None, as_json: JsonOption = False,
    lang: LangOption = "zh",
) -> None:
    """导入复核结果（review export 的表填好后，或自备两列），逐行记为人工标注并重新归类 (import decisions from a file)."""
    from chanye.services import review

    with open_store(db) as store:
        done = review.import_decisions(_platform(db, pack, store), file, by=_reviewer(by))
    if as_json:
        print_json(done.to_dict())
        return
    console.print(labels.word("review_imported", lang).format(**done.to_dict()), highlight=False)
    for r in done.rejected:
        where = f"{r['file']} · {r['sheet']}" if r["sheet"] else r["file"]
        console.print(escape(labels.word("review_rejected_row", lang).format(where=where, **r)), highlight=False)


@command(review_app, "run")
def review_run_command(db: DbOption = None, pack: PackOption = None, as_json: JsonOption = False,
                       lang: LangOption = "zh") -> None:
    """重新归类全库：应用复核结果，并用已有行业代码的企业学习（报告交叉验证准确率）(re-classify; learn from labels)."""
    from chanye.services import review

    with open_store(db) as store:
        done = review.reclassify(_platform(db, pack, store))
    if as_json:
        print_json(done)
        return
    console.print(labels.word("classified_done", lang).format(classified=done["classified"], predicted=done["predicted"],
                                                              links=done["chain_links"]), highlight=False)
    accuracy = done.get("learned_cv_accuracy")
    console.print(labels.word("review_learned", lang).format(
        rows=done.get("labelled_rows", 0), accuracy="—" if accuracy is None else f"{accuracy:.1%}",
        queued=done.get("queued", 0)) + _unread(done.get("queued_unread", 0), lang), highlight=False)
    from chanye.present.explain import reader_check_lines

    for line in reader_check_lines(done["reader_check"], lang) if done.get("reader_check") else ():
        console.print(escape(line), highlight=False)


# --- input-output (services/io.py; issue 13) ------------------------------------------------------------------

io_app = typer.Typer(help="投入产出: 国家表、产业关联、乘数 (input-output tables, linkages, multipliers).", no_args_is_help=True)
app.add_typer(io_app, name="io")
io_console = Console(width=120, soft_wrap=False)  # human output at 120 columns


def _io_emit(result, fmt: str, output: Path | None, lang: str, note: str, keys: tuple[str, ...] | None = None) -> None:
    """One typed table as a terminal table, JSON, CSV or XLSX."""
    from chanye.export import write_frame
    from chanye.present import tables as present
    from chanye.present.terminal import rich_table

    check_format(fmt, output, ("table", "json", "xlsx", "csv"))
    if fmt in ("xlsx", "csv"):
        if fmt == "xlsx":
            present.write_xlsx({result.name: result}, output, lang)
        else:
            write_frame(present.frame(result, lang), output, "csv")
        io_console.print(f"{labels.word('written', lang)} {labels.word(result.name, lang)} -> {output}")
        return
    if fmt == "json":
        print_json(present.payload(result, lang))
        return
    io_console.print(rich_table(result, lang, keys=keys))
    io_console.print(note, highlight=False)


@command(io_app, "tables")
def io_tables_command(fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, xlsx, csv")] = "table",
                      output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 (output file)")] = None,
                      lang: LangOption = "zh") -> None:
    """随包提供的国家投入产出表 (the shipped national input-output tables)."""
    from chanye.services import io as io_service

    _io_emit(io_service.tables_table(), fmt, output, lang, labels.word("io_source_note", lang))


@command(io_app, "linkages")
def io_linkages_command(
    table_spec: Annotated[str, typer.Argument(metavar="TABLE", help="表 id（如 china-2018-153）或 CSV 文件夹 (Z, Y, V, totals, sectors)")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, xlsx, csv")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 (output file)")] = None,
    lang: LangOption = "zh",
) -> None:
    """各部门影响力系数、感应度系数、产出乘数 (each sector's backward and forward linkage and output multiplier)."""
    from chanye.services import io as io_service

    _io_emit(io_service.linkages_table(table_spec), fmt, output, lang, labels.word("io_source_note", lang),
             keys=("sector_code", "sector", "backward_linkage", "forward_linkage", "output_multiplier", "key_sector"))


@command(io_app, "fusion")
def io_fusion_command(
    table_spec: Annotated[str, typer.Argument(metavar="TABLE", help="全国表 id (national table id)")] = "china-2018-153",
    district: Annotated[str | None, typer.Option(help="区: 名称、简称或代码 (one district's coupling rows)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, xlsx")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 (output file, for xlsx)")] = None,
    lang: LangOption = "zh",
    db: DbOption = None,
    pack: PackOption = None,
) -> None:
    """两业融合: 服务投入、销往制造业比重、节点×服务、耦合协调度 (manufacturing-service fusion indicators)."""
    from chanye.framework import load_pack
    from chanye.present import tables as present
    from chanye.present.terminal import rich_table
    from chanye.services import io as io_service

    check_format(fmt, output, ("table", "json", "xlsx"))
    framework = load_pack(pack)
    views = {"io_fusion_inputs": io_service.fusion_inputs_table(table_spec),
             "io_fusion_sales": io_service.fusion_sales_table(table_spec),
             "io_fusion_nodes": io_service.fusion_nodes_table(framework, table_spec)}
    with open_store(db) as store:
        views["io_coupling"] = io_service.coupling_table(store, framework.city, district=district)
    note = labels.word("io_fusion_note", lang).format(year=views["io_fusion_inputs"].meta["year"])
    if fmt == "xlsx":
        present.write_xlsx(views, output, lang)
        io_console.print(f"{labels.word('written', lang)} {len(views)} -> {output}")
        return
    if fmt == "json":
        print_json({"tables": {name: present.payload(t, lang) for name, t in views.items()}})
        return
    shown = {"io_fusion_inputs": ("sector_code", "sector", "service_share", "rd_design_share", "logistics_share",
                                  "finance_share", "information_share", "business_share", "trade_share"),
             "io_fusion_sales": None, "io_fusion_nodes": ("node", "top_service"),
             "io_coupling": ("area_name", "year", "u_manufacturing", "u_services", "coupling_c", "coupling_d",
                             "coordination")}
    if views["io_coupling"].provenance.kind == "synthetic":
        io_console.print(f"[bold yellow]{labels.word('synthetic', lang)}[/]: {labels.word('synthetic_note', lang)}")
    for name, result in views.items():
        io_console.print(rich_table(result, lang, keys=shown[name], limit=12 if name == "io_fusion_inputs" else None))
    io_console.print(note, highlight=False)


@command(io_app, "regional")
def io_regional_command(
    table_spec: Annotated[str, typer.Argument(metavar="TABLE", help="全国表 id (national table id)")] = "china-2018-153",
    method: Annotated[str, typer.Option(help="slq, cilq, flq")] = "flq",
    delta: Annotated[float, typer.Option(help="FLQ 的 δ (0 ≤ δ < 1)")] = 0.3,
    measure: Annotated[str, typer.Option(help="employees, revenue, industrial_output, value_added")] = "employees",
    year: Annotated[int | None, typer.Option(help="年份 (default the latest)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, xlsx, csv")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 (output file)")] = None,
    lang: LangOption = "zh",
    db: DbOption = None,
    pack: PackOption = None,
) -> None:
    """本市区域化投入产出表：区位商法 (the pack's city table, regionalised by location quotients)."""
    from chanye.framework import load_pack
    from chanye.services import io as io_service

    city = load_pack(pack).city
    with open_store(db) as store:
        result = io_service.regional_table(store, city=city.code, spec=table_spec, method=method,  # type: ignore[arg-type]
                                           delta=delta, measure=measure, year=year)
    meta = result.meta
    note = labels.word("io_regional_note", lang).format(method=meta["method"].upper(), delta=meta["delta"],
                                                        scale=f"{meta['scale']:.4f}",
                                                        measure=labels.column(meta["measure"], lang))
    notes = [labels.word(key, lang).format(**params) for key, params in meta.get("notes", ())]
    if result.provenance.kind == "synthetic":
        notes.insert(0, f"{labels.word('synthetic', lang)}: {labels.word('synthetic_note', lang)}")
    _io_emit(result, fmt, output, lang, "\n".join([note, *notes]),
             keys=("sector_code", "sector", "slq", "backward_linkage", "forward_linkage", "output_multiplier",
                   "national_output_multiplier"))


# --- batch (issue 14 item 5): the batch steps on DuckDB or Spark; the command lives in chanye.batch.cli -----------
from chanye.batch.cli import batch as _batch  # noqa: E402

command(app, "batch")(_batch)


# --- projects: 招商与重点项目 (cli_projects.py; issue 12 projects) -----------------------------------------------------

from chanye.cli_projects import projects_app  # noqa: E402  (its own module; registered here)

app.add_typer(projects_app, name="projects")


# --- 制造业立市 and 数智化/绿色化 transformation (services/manufacturing.py, services/transformation.py; issue 13 §5-6)


def _io_views(views: dict, fmt: str, output: Path | None, lang: str, shown: dict, note: str) -> None:
    """Several typed tables as terminal tables (with `shown` columns), one JSON object, or one XLSX workbook."""
    from chanye.present import tables as present
    from chanye.present.terminal import rich_table

    if fmt == "xlsx":
        present.write_xlsx(views, output, lang)
        io_console.print(f"{labels.word('written', lang)} {len(views)} -> {output}")
        return
    if fmt == "json":
        print_json({"tables": {name: present.payload(t, lang) for name, t in views.items()}})
        return
    if any(t.provenance.kind == "synthetic" for t in views.values()):
        io_console.print(f"[bold yellow]{labels.word('synthetic', lang)}[/]: {labels.word('synthetic_note', lang)}")
    for name, result in views.items():
        io_console.print(rich_table(result, lang, keys=shown.get(name)))
    io_console.print(note, highlight=False)


@command(io_app, "manufacturing")
def io_manufacturing_command(
    district: Annotated[str | None, typer.Option(help="区: 名称、简称或代码 (one district's rows)")] = None,
    year: Annotated[int | None, typer.Option(help="登记库表只显示这一年 (registry rows of one year; default all)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, xlsx")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 (output file, for xlsx)")] = None,
    lang: LangOption = "zh",
    db: DbOption = None,
    pack: PackOption = None,
) -> None:
    """产业第一、制造业立市: 登记库制造业比重（企业数、营业收入、增加值）、全国制造业增加值占GDP比重、公开数字 (manufacturing first)."""
    from dataclasses import replace

    from chanye.framework import load_pack
    from chanye.services import manufacturing as mfg_service

    check_format(fmt, output, ("table", "json", "xlsx"))
    framework = load_pack(pack)
    with open_store(db) as store:
        registry = mfg_service.registry_table(store, framework.city, district=district)
        published = mfg_service.published_table(store, framework)
    if year is not None:
        registry = replace(registry, rows=tuple(r for r in registry.rows if r["year"] == year))
    views = {"mfg_registry": registry, "mfg_national": mfg_service.national_table(), "mfg_published": published}
    shown = {"mfg_registry": ("area_name", "year", "mfg_firms", "firms_share", "revenue_share", "va_share",
                              "revenue_share_change"),
             "mfg_national": ("table_id", "year", "va_share", "output_share", "va_share_change"),
             "mfg_published": ("metric", "year", "comparison", "value", "growth", "confirmation", "source_title")}
    _io_views(views, fmt, output, lang, shown, labels.word("mfg_note", lang))


transformation_app = typer.Typer(help="数智化、绿色化转型指标: 模板、导入、指标 (digital and green transformation indicators).",
                                 no_args_is_help=True)
io_app.add_typer(transformation_app, name="transformation")


@command(transformation_app, "template")
def transformation_template_command(
    output: Annotated[Path, typer.Argument(metavar="FILE", help="模板文件 (.xlsx)")],
    lang: LangOption = "zh",
) -> None:
    """写出转型指标导入模板：表头含单位、一行示例 (write the import template: headers with units, an example row)."""
    from chanye.services import transformation as tf_service

    path = tf_service.write_template(output)
    io_console.print(f"{labels.word('transformation_template_written', lang)} -> {path}", highlight=False)


@command(transformation_app, "import")
def transformation_import_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="CSV 或 XLSX（见模板）")],
    as_json: JsonOption = False,
    lang: LangOption = "zh",
    db: DbOption = None,
) -> None:
    """导入企业的转型指标：按 统一社会信用代码+年份 更新，坏行进隔离区 (import firms' indicators; bad rows to quarantine)."""
    from chanye.services import transformation as tf_service

    with open_store(db) as store:
        report = tf_service.import_file(store, file)
    if as_json:
        print_json(report.to_dict())
        return
    io_console.print(f"{labels.word('transformation_imported', lang)}: {file}", highlight=False)
    io_console.print(labels.word(
        "transformation_import_counts", lang).format(
        total=report.rows_total, loaded=report.rows_loaded, inserted=report.inserted, updated=report.updated,
        unchanged=report.unchanged, quarantined=report.rows_quarantined, skipped=report.rows_skipped), highlight=False)
    for reason, n in report.reasons.items():
        io_console.print(f"  {n} × {reason}", highlight=False)


@command(transformation_app, "show")
def transformation_show_command(
    district: Annotated[str | None, typer.Option(help="区: 名称、简称或代码 (one district's rows)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, xlsx")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 (output file, for xlsx)")] = None,
    lang: LangOption = "zh",
    db: DbOption = None,
    pack: PackOption = None,
) -> None:
    """转型指标：全市、各区与各产业节点 (transformation indicators by district and node)."""
    from chanye.framework import load_pack
    from chanye.services import transformation as tf_service

    check_format(fmt, output, ("table", "json", "xlsx"))
    framework = load_pack(pack)
    with open_store(db) as store:
        views = tf_service.indicator_tables(store, framework, district=district)
    keys = ("year", "firms", "smart_designated_share", "smart_level3_share", "energy_intensity",
            "energy_intensity_change")
    shown = {"transformation_areas": ("area_name", *keys), "transformation_nodes": ("node", *keys)}
    note = labels.word("transformation_note", lang)
    if not views["transformation_areas"].rows:
        note = labels.word("transformation_no_data", lang) + "\n" + note
    _io_views(views, fmt, output, lang, shown, note)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
