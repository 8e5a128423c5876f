"""The `chanye` command. Each command parses options, calls one library function and renders the result;
a ChanyeError becomes one clear line on stderr and exit code 1."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from chanye.errors import ChanyeError

app = typer.Typer(
    name="chanye",
    help="chanye 产业: 城市现代化产业体系的数据、分类、监测与分析 (Guangzhou 12218 by default).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
framework_app = typer.Typer(help="框架包: 查看、校验产业体系 (framework packs: show, check, coverage).", no_args_is_help=True)
app.add_typer(framework_app, name="framework")

console = Console(width=140, soft_wrap=False)
err_console = Console(stderr=True, width=140)

# Options used by several commands, declared once.
PackOption = Annotated[str | None, typer.Option("--pack", "-p", help="框架包名称或路径 (pack name or folder)")]
JsonOption = Annotated[bool, typer.Option("--json", help="输出 JSON (machine-readable output)")]
LangOption = Annotated[str, typer.Option("--lang", help="zh 或 en (output language)")]
DbOption = Annotated[
    Path | None, typer.Option("--db", envvar="CHANYE_DB", help="数据库文件 (DuckDB file; default data/chanye.duckdb)")
]


def open_store(db: Path | None):
    from chanye.registry.store import Store

    return Store(db)


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


def command(group: typer.Typer, name: str | None = None, **kwargs: Any) -> Callable:
    """Register a command whose ChanyeErrors print one line and exit 1 instead of a traceback."""

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kw: Any) -> Any:
            try:
                return func(*args, **kw)
            except ChanyeError as exc:
                err_console.print("[bold red]错误 Error:[/] " + escape(str(exc)), highlight=False)
                raise typer.Exit(1) from None
            except (typer.Exit, typer.Abort, KeyboardInterrupt):
                raise
            except Exception as exc:  # a bug: still one line for the analyst, the traceback on request
                if os.environ.get("CHANYE_DEBUG"):
                    raise
                err_console.print(
                    "[bold red]内部错误 Internal error:[/] " + escape(f"{type(exc).__name__}: {exc}")
                    + "（设置 CHANYE_DEBUG=1 查看详情并报告 set CHANYE_DEBUG=1 for details）",
                    highlight=False,
                )
                raise typer.Exit(2) from None

        return group.command(name, **kwargs)(wrapper)

    return decorate


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


# --- framework ---------------------------------------------------------------------------------------------

STATUS_LABEL = {"confirmed": "[green]已确认 confirmed[/]", "provisional": "[yellow]暂定 provisional[/]"}


@command(framework_app, "list")
def framework_list(as_json: JsonOption = False) -> None:
    """列出内置框架包 (list the shipped packs)."""
    from chanye.framework.load import available_packs, load_pack

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
    table = Table(title="框架包 Framework packs")
    for col in ("id", "名称 name", "城市 city", "版本 version", "节点 nodes", "产业节点 industries"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["id"], r["name"], r["city"], r["version"], str(r["nodes"]), str(r["industry_nodes"]))
    console.print(table)


@command(framework_app, "show")
def framework_show(
    node: Annotated[str | None, typer.Argument(help="节点 id (node id); 缺省显示整个体系")] = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "zh",
) -> None:
    """以树形显示产业体系及各节点状态、代码数 (show the system as a tree with status and code counts)."""
    from chanye.framework import load_pack
    from chanye.framework.summary import node_rows, system_counts

    fw = load_pack(pack)
    root_id = fw.node(node).id if node else None
    rows = node_rows(fw, root_id)
    if as_json:
        print_json({"pack": fw.id, "counts": system_counts(fw), "nodes": rows})
        return
    by_parent: dict[str | None, list[dict]] = {}
    for r in rows:
        by_parent.setdefault(r["parent"], []).append(r)

    def label(r: dict) -> str:
        name = r["name_en"] if lang == "en" else r["name"]
        tag = f"[bold]{r['label']}[/] " if r["label"] else ""
        codes = f"  代码 {r['codes_whole']} 整体 + {r['codes_partial']} 部分" if r["is_industry"] else ""
        return f"{tag}{escape(name)}  {STATUS_LABEL[r['status']]}{codes}  [dim]{r['id']}[/]"

    top = rows[0]
    tree = Tree(label(top))

    def grow(branch: Tree, parent_id: str) -> None:
        for child in by_parent.get(parent_id, []):
            grow(branch.add(label(child)), child["id"])

    grow(tree, top["id"])
    console.print(tree)
    counts = system_counts(fw)
    console.print(
        "  ".join(f"{k}: {v}" for k, v in counts.items()),
        highlight=False,
    )


@command(framework_app, "check")
def framework_check(
    path: Annotated[str | None, typer.Argument(help="框架包名称或目录 (pack name or folder)")] = None,
    as_json: JsonOption = False,
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
            word = "错误 error" if f.level == "error" else "提示 warning"
            console.print(f"[{style}]{word}[/] " + escape(f"[{f.rule}] {f}"), highlight=False)
        verdict = "[bold red]未通过 FAILED[/]" if errors else "[bold green]通过 OK[/]"
        console.print(f"{verdict}: {len(errors)} 个错误 errors, {len(findings) - len(errors)} 个提示 warnings")
    if errors:
        raise typer.Exit(1)


@command(framework_app, "coverage")
def framework_coverage(
    pack: PackOption = None,
    section: Annotated[str, typer.Option(help="GB/T 4754 门类 (section letter)")] = "C",
    show: Annotated[str, typer.Option(help="gaps (无归属与多归属), all, none, several")] = "gaps",
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, csv, xlsx")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 (output file)")] = None,
) -> None:
    """制造业小类覆盖: 哪些小类不属于任何节点、哪些属于多个节点 (which 小类 no node or several nodes own)."""
    from chanye.export import write_frame
    from chanye.framework import load_pack
    from chanye.framework.summary import coverage_frame

    fw = load_pack(pack)
    frame = coverage_frame(fw, section)
    counts = frame["status"].value_counts().to_dict()
    wanted = {"gaps": ("none", "several"), "all": ("none", "single", "several")}.get(show, (show,))
    shown = frame[frame["status"].isin(wanted)]
    if output is not None or fmt in ("csv", "xlsx"):
        if output is None:
            raise ChanyeError(f"--format {fmt} 需要 --output 文件 (needs --output)")
        write_frame(shown, output, fmt if fmt != "table" else None, sheet="覆盖 coverage")
        console.print(f"已写出 {len(shown)} 行 -> {output}")
        return
    if fmt == "json":
        print_json({"pack": fw.id, "section": section, "counts": counts, "rows": shown.to_dict("records")})
        return
    status_zh = {"none": "[red]无归属[/]", "single": "单一", "several": "[yellow]多归属[/]"}
    table = Table(title=f"{fw.info.name.zh}: 门类 {section} 小类覆盖 coverage")
    for col in ("小类 code", "名称 name", "状态 status", "归属节点 owners"):
        table.add_column(col)
    for r in shown.itertuples():
        table.add_row(r.code, r.name, status_zh[r.status], r.owners)
    console.print(table)
    console.print(
        f"共 {len(frame)} 个小类: 单一归属 {counts.get('single', 0)}, 多归属 {counts.get('several', 0)}, "
        f"无归属 {counts.get('none', 0)}",
        highlight=False,
    )


# --- registry ----------------------------------------------------------------------------------------------


@command(app, "import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV / XLSX / Parquet 文件")],
    year: Annotated[int | None, typer.Option(help="数据年份 (year of the figures, when the file has no year column)")] = None,
    mapping: Annotated[Path | None, typer.Option(help="列名映射 YAML (column mapping file)")] = None,
    sheet: Annotated[str | None, typer.Option(help="只导入这个工作表 (one sheet only)")] = None,
    vintage: Annotated[str, typer.Option(help="行业代码版本 2017 / 2011 / auto")] = "auto",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验并报告，不写入 (plan only)")] = False,
    db: DbOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """导入企业名录与年度指标；坏行进入隔离区 (import enterprises and yearly figures; bad rows to quarantine)."""
    from chanye.registry.ingest import import_file
    from chanye.registry.validate import Mapping

    plan = Mapping.from_yaml(str(mapping)) if mapping else Mapping()
    plan.vintage = vintage if not mapping else plan.vintage
    with open_store(db) as store, progress_bar("导入 import") as update:
        report = import_file(store, file, mapping=plan, year=year, sheet=sheet, pack=pack, dry_run=dry_run,
                             progress=update)
    if as_json:
        print_json(report.to_dict())
        return
    render_import(report)


def render_import(report) -> None:
    title = "导入预演 Import plan (nothing written)" if report.dry_run else f"导入完成 Import batch {report.batch_id}"
    table = Table(title=f"{title}: {report.file}")
    table.add_column("项目 item")
    table.add_column("数量 count", justify="right")
    e, f = report.enterprises, report.figures
    for name, value in (
        ("数据行 rows", report.rows_total), ("空行（跳过）blank rows skipped", report.rows_blank),
        ("入库 loaded", report.rows_loaded), ("隔离 quarantined", report.rows_quarantined),
        ("企业 新增/更新/不变 enterprises new/updated/same", f"{e.inserted} / {e.updated} / {e.unchanged}"),
        ("年度指标 新增/更新/不变 figures new/updated/same", f"{f.inserted} / {f.updated} / {f.unchanged}"),
        ("新增标签 tags added", report.tags_added), ("已归类企业 classified", report.classified),
        ("按经营范围预测小类 codes predicted from text", report.predicted), ("用时 seconds", report.seconds),
    ):
        table.add_row(name, str(value))
    console.print(table)
    for heading, counts in (("隔离原因 reasons", report.reasons), ("提示 warnings", report.warnings)):
        if counts:
            t = Table(title=heading)
            t.add_column("原因 reason")
            t.add_column("行数 rows", justify="right")
            for reason, n in counts.items():
                t.add_row(reason, str(n))
            console.print(t)
    for sheet in report.sheets:
        if sheet.ignored:
            console.print(f"[dim]{sheet.sheet or '表'}: 未识别的列已忽略 ignored columns: {', '.join(sheet.ignored)}[/]")
    if report.rows_quarantined and report.batch_id:
        console.print(f"查看与导出隔离行: chanye quarantine {report.batch_id} -o 隔离区.xlsx")


@command(app, "quarantine")
def quarantine_command(
    batch: Annotated[int | None, typer.Argument(help="导入批次 (batch id; default the latest)")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="导出 XLSX，修正后可重新导入")] = None,
    list_batches: Annotated[bool, typer.Option("--batches", help="列出导入历史 (list import batches)")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """列出隔离区的坏行及原因，可导出 XLSX 修正后重新导入 (list rejected rows; export to XLSX)."""
    from chanye.export import write_xlsx
    from chanye.registry import quarantine

    with open_store(db) as store:
        if list_batches:
            frame = quarantine.batches(store)
            if as_json:
                print_json(frame.to_dict("records"))
                return
            table = Table(title="导入历史 Import batches")
            for col in frame.columns:
                table.add_column(str(col))
            for row in frame.itertuples(index=False):
                table.add_row(*(str(v) for v in row))
            console.print(table)
            return
        frame = quarantine.rejected_rows(store, batch)
        if output is not None:
            write_xlsx(quarantine.for_reimport(store, batch), output)
            console.print(f"已导出 {len(frame)} 行隔离数据 -> {output}（修正后用 chanye import 重新导入）")
            return
    if as_json:
        print_json(frame.drop(columns=["reason_text"]).to_dict("records"))
        return
    table = Table(title=f"隔离区 Quarantine: 批次 batch {int(frame['batch_id'].iloc[0]) if len(frame) else batch}")
    for col in ("工作表 sheet", "行号 row", "统一社会信用代码", "原因 reasons"):
        table.add_column(col)
    for row in frame.itertuples(index=False):
        table.add_row(row.sheet, str(row.row_number), row.uscc or "", row.reason_text)
    console.print(table)
    console.print(f"共 {len(frame)} 行 rows")


@command(app, "classify")
def classify_command(
    text: Annotated[str | None, typer.Option("--text", help="一段经营范围 (a business scope to classify)")] = None,
    code: Annotated[str | None, typer.Option("--code", help="行业代码 (with --text)")] = None,
    db: DbOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """归类: --text 预测小类与节点并给出依据；不带参数时重新归类整个库 (classify a text, or re-run the registry)."""
    from chanye.classify.explain import explain_text

    if text is not None:
        result = explain_text(text, code=code, pack=pack)
        if as_json:
            print_json(result)
            return
        console.print(f"[bold]预测小类 predicted classes[/] (经营范围清洗后: {result['clean_scope']})", highlight=False)
        for c in result["classes"]:
            console.print(f"  {c['code']} {c['name']}  p={c['score']:.2f}", highlight=False)
        if not result["links"]:
            console.print("  不属于任何节点 (no node)")
        for link in result["links"]:
            console.print(escape(f"  -> {link['node']} {link['node_name']}  [{link['method']}] 置信度 "
                                 f"{link['confidence']:.2f}  {link['evidence']}"), highlight=False)
        return
    from chanye.registry.chain_links import link_chains
    from chanye.registry.ingest import classify_enterprises

    with open_store(db) as store, store.transaction():
        predicted, classified = classify_enterprises(store, pack=pack)
        chain_links = link_chains(store, pack)
    if as_json:
        print_json({"predicted": predicted, "classified": classified, "chain_links": chain_links})
    else:
        console.print(f"已重新归类 {classified} 家企业；按经营范围预测小类 {predicted} 家；产业链关联 {chain_links} 条 "
                      "(re-classified, chains relinked)")


@command(app, "demo")
def demo_command(
    db: DbOption = None,
    scale: Annotated[float, typer.Option(help="规模系数 (1.0 = ~60k Guangzhou + ~150k other firms)")] = 1.0,
    seed: Annotated[int, typer.Option(help="随机种子 (seed)")] = 12218,
    force: Annotated[bool, typer.Option("--force", help="覆盖已有数据库 (replace an existing database)")] = False,
) -> None:
    """生成内置示例数据库（合成数据，标注 示例数据）(build the synthetic demo database)."""
    from chanye.registry.seed import build_database
    from chanye.registry.store import default_path

    path = Path(db) if db else default_path()
    with progress_bar("示例数据 demo") as update:
        summary = build_database(path, scale=scale, seed=seed, force=force, progress=update)
    console.print(f"示例数据库已生成 -> {path}: " + ", ".join(f"{k} {v}" for k, v in summary.items()), highlight=False)


# --- scoreboard --------------------------------------------------------------------------------------------


def render_frame(frame, title: str, *, limit: int | None = None) -> None:
    table = Table(title=title)
    for col in frame.columns:
        table.add_column(escape(str(col)), overflow="fold")
    for row in frame.head(limit).itertuples(index=False) if limit else frame.itertuples(index=False):
        table.add_row(*(_fmt(v) for v in row))
    console.print(table)


def _fmt(value) -> str:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return escape(str(value))


@command(app, "scoreboard")
def scoreboard_command(
    year: Annotated[int | None, typer.Option(help="年份 (default the latest)")] = None,
    node: Annotated[str | None, typer.Option(help="节点 id (a node and what is under it)")] = None,
    district: Annotated[str | None, typer.Option(help="区: 名称、简称或代码 (a district)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, xlsx, csv")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 (output file)")] = None,
    lang: LangOption = "zh",
    db: DbOption = None,
    pack: PackOption = None,
) -> None:
    """12218 监测看板: 规模、增速、分区、千亿级、目标进度、公开数据对照 (the scoreboard)."""
    from chanye import scoreboard
    from chanye.export import write_frame
    from chanye.framework import load_pack

    if fmt not in ("table", "json", "xlsx", "csv"):
        raise ChanyeError(f"未知的输出格式 {fmt!r} (unknown format)", hint="可用 table, json, xlsx, csv")
    with open_store(db) as store:
        board = scoreboard.compute(store, load_pack(pack))
    sheets = scoreboard.tables(board, year=year, node=node, district=district, lang=lang)
    if fmt == "xlsx":
        if output is None:
            raise ChanyeError("--format xlsx 需要 --output 文件 (needs --output)")
        scoreboard.write_report(board, output, year=year, node=node, district=district, lang=lang)
        console.print(f"已写出 {len(sheets)} 个工作表 -> {output}: {', '.join(sheets)}")
        return
    main_sheet = next(iter(sheets))
    if fmt == "csv":
        if output is None:
            raise ChanyeError("--format csv 需要 --output 文件 (needs --output)")
        write_frame(sheets[main_sheet], output, "csv")
        console.print(f"已写出 {main_sheet} -> {output}")
        return
    if fmt == "json":
        data = {name: frame.to_dict("records") for name, frame in sheets.items()}
        print_json({"year": board.year(year), "synthetic": board.synthetic, "tables": data})
        return
    if board.synthetic:
        console.print("[bold yellow]示例数据[/]：以下企业与指标为合成数据，不代表真实企业或官方统计。")
    for i, (name, frame) in enumerate(list(sheets.items())[:5]):
        # The terminal shows the key columns; --format xlsx/json/csv carry every column.
        shown = frame[[c for c in frame.columns if c in scoreboard.TERMINAL_COLUMNS]] if i < 2 else frame
        render_frame(shown, f"{name}（{board.year(year)}）" if i < 2 else name)


# --- complexity and opportunities ---------------------------------------------------------------------------


def read_panel(path: Path):
    from chanye.errors import InputError

    if not path.is_file():
        raise InputError(f"文件不存在: {path} (no such file)")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".csv", ".txt"):
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    raise InputError(f"{path.name}: 面板只支持 CSV 或 Parquet (panel must be CSV or Parquet)")


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
) -> None:
    """经济复杂度: RCA、ECI/PCI、邻近度、密度、COI/COG，适用于任何长表 (economic complexity on any panel)."""
    from rich.progress import Progress

    from chanye.analytics.complexity import complexity
    from chanye.export import write_frame

    # Values stay as read: the engine names the first non-numeric cell instead of calling it missing.
    frame = read_panel(panel)
    pop = read_panel(population) if population else None
    n_years = frame[year].nunique() if year else 1
    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task("复杂度 complexity（按年 per year）", total=n_years)
        result = complexity(frame, location=location, activity=activity, value=value, year=year, presence=presence,
                            rca_threshold=rca_threshold, proximity=proximity, knn=knn, population=pop,
                            conventions=conventions, on_year=lambda _y: bar.advance(task))
    write_frame(result, output)
    for note in result.attrs.get("notes", []):
        err_console.print(f"[dim]{escape(str(note))}[/]")
    console.print(f"已写出 {len(result):,} 行 -> {output}")


@command(app, "opportunities")
def opportunities_command(
    place: Annotated[str, typer.Option(help="广州 (440100) 或某区: 名称、简称或代码")] = "440100",
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
    db: DbOption = None,
    pack: PackOption = None,
) -> None:
    """发展机会: 尚未形成优势（RCA<1）的小类，按关联密度与复杂度排序，并对应 12218 节点 (growth opportunities)."""
    from chanye import opportunities, scoreboard
    from chanye.export import write_frame
    from chanye.framework import load_pack

    framework = load_pack(pack)
    code = scoreboard.resolve_area(place)
    with open_store(db) as store:
        opp = opportunities.compute(store, measure, year, min_presence_firms=min_firms)
    table = opportunities.rank(opp, framework, code, strategy=strategy, complexity=by, scope=scope, limit=limit)
    if fmt in ("csv", "xlsx"):
        if output is None:
            raise ChanyeError(f"--format {fmt} 需要 --output 文件 (needs --output)")
        write_frame(table, output, fmt, sheet="发展机会")
        console.print(f"已写出 {len(table)} 行 -> {output}")
        return
    if fmt == "json":
        print_json({"place": code, "measure": measure, "strategy": strategy, "scope": scope, "year": opp.year,
                    "synthetic": opp.synthetic, "min_presence_firms": opp.min_presence_firms, "notes": opp.notes,
                    "rows": table.to_dict("records")})
        return
    if opp.synthetic:
        console.print("[bold yellow]示例数据[/]：基于合成的示例企业库。")
    for note in opp.notes:
        err_console.print(f"[dim]{escape(note)}[/]")
    shown = table[["rank", "activity", "name", "nodes", "density", "pci", "cog", "rca", "firms", "score"]]
    render_frame(shown, f"{opportunities_place_name(code)} 发展机会（{opp.year}，{measure}，{strategy}）")


def opportunities_place_name(code: str) -> str:
    from chanye.opportunities import place_name

    return "广州市" if code == "440100" else place_name(code)


# --- industrial chains -----------------------------------------------------------------------------------

CHAIN_NOTE = {"stale": "产业链模板在上次关联后已修改：运行 chanye classify 重新关联 (template changed since linking)",
              "missing": "本库尚未保存产业链关联，本次临时计算：运行 chanye classify 保存 (links computed on the fly)"}


@command(app, "chains")
def chains_command(
    cluster: Annotated[str | None, typer.Argument(help="产业链或集群 id，如 icv-nev；缺省列出全部产业链")] = None,
    district: Annotated[str | None, typer.Option(help="区: 名称、简称或代码 (a district; default all Guangzhou)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, xlsx")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 (output file, for xlsx)")] = None,
    top: Annotated[int | None, typer.Option(help="清单条数 (rows per list; default 10 in the table, all otherwise)")] = None,
    db: DbOption = None,
    pack: PackOption = None,
) -> None:
    """产业链: 强链/弱链/缺链诊断、链主、招商清单与增资扩产清单 (industrial chains: diagnosis, leaders, work lists)."""
    from chanye import chainboard
    from chanye.framework import load_pack

    if fmt not in ("table", "json", "xlsx"):
        raise ChanyeError(f"未知的输出格式 {fmt!r} (unknown format)", hint="可用 table, json, xlsx")
    if fmt == "xlsx" and output is None:
        raise ChanyeError("--format xlsx 需要 --output 文件 (needs --output)")
    framework = load_pack(pack)
    chain = framework.chain(cluster) if cluster else None  # unknown chain or district: one line, exit 1
    area = chainboard.resolve_district(district)
    with open_store(db) as store:
        inputs = chainboard.load_inputs(store, framework)
        links = chainboard.read_chain_links(store, framework, chain.id if chain else None, inputs)
    if chain is None:
        frame = chainboard.summary(inputs, framework, links, district=area)
        name = f"产业链概览（{chainboard.area_name(area)}）"
        if fmt == "xlsx":
            from chanye.export import write_xlsx

            write_xlsx({"产业链概览": frame.drop(columns="来源")}, output,
                       notes={"产业链概览": f"{inputs.provenance}。{name}，{inputs.year} 年。"})
            console.print(f"已写出 {len(frame)} 条产业链 -> {output}")
        elif fmt == "json":
            print_json({"area": area or "440100", "year": inputs.year, "synthetic": inputs.synthetic,
                        "chains": frame.to_dict("records")})
        else:
            if inputs.synthetic:
                console.print("[bold yellow]示例数据[/]：企业为合成数据。")
            shown = frame[["产业链编号", "集群", "集群状态", "环节（个）", "强链（个）", "弱链（个）", "缺链（个）",
                           "本地生产企业（家）", "关联状态"]]
            shown = shown.rename(columns=lambda c: c.replace("（个）", "").replace("产业链编号", "编号"))
            render_frame(shown, f"{name} {inputs.year} 年 · 环节数（个）")
            for status in ("stale", "missing"):
                if status in inputs.status.values():
                    console.print(f"[yellow]提示[/] {CHAIN_NOTE[status]}", highlight=False)
        return
    v = chainboard.view(inputs, framework, chain.id, district=area, links=links)
    if fmt == "xlsx":
        chainboard.write_lists(v, output, top=top)
        console.print(f"已写出 招商清单 {len(v.recruitment.head(top) if top else v.recruitment)} 家、增资扩产清单 "
                      f"{len(v.expansion.head(top) if top else v.expansion)} 家、链条诊断、链主企业 -> {output}")
        return
    if fmt == "json":
        sheets = {"diagnosis": chainboard.diagnosis_table(v), "leaders": chainboard.leaders_table(v),
                  "recruitment": chainboard.recruitment_table(v, top), "expansion": chainboard.expansion_table(v, top)}
        print_json({"chain": chain.id, "cluster": chain.cluster, "area": v.district or "440100", "year": v.year,
                    "synthetic": v.synthetic, "link_status": v.status,
                    **{k: f.to_dict("records") for k, f in sheets.items()}})
        return
    if v.synthetic:
        console.print("[bold yellow]示例数据[/]：企业为合成数据，名称非真实企业。")
    if v.status in CHAIN_NOTE:
        console.print(f"[yellow]提示[/] {CHAIN_NOTE[v.status]}", highlight=False)
    title = f"{chain.name.zh}（{v.area_name}，{v.year} 年）"
    diag = chainboard.diagnosis_table(v)
    diag = diag.assign(依据=diag["依据"].str.split("。").str[0])  # the grounds; the numbers are in the columns
    render_frame(diag[["链条环节", "环节位置", "诊断", "本地生产企业（家）", "规上生产企业（家）", "本地营业收入（亿元）",
                       "占全国样本比重（%）", "区位商（倍）", "依据"]].rename(columns={
                           "本地生产企业（家）": "生产企业（家）", "规上生产企业（家）": "规上（家）",
                           "本地营业收入（亿元）": "营收（亿元）", "占全国样本比重（%）": "全国占比（%）"}),
                 f"链条诊断 {title}")
    render_frame(chainboard.leaders_table(v)[["企业名称", "所在环节", "依据", "营业收入（亿元）", "说明"]], "链主企业")
    shown = top or 10
    for label, frame, place in (("招商清单", chainboard.recruitment_table(v, shown), "所在城市"),
                                ("增资扩产清单", chainboard.expansion_table(v, shown), "所在区")):
        total = len(v.recruitment if label == "招商清单" else v.expansion)
        render_frame(frame[["序号", "企业名称", place, "链条环节", "综合得分（0–1）", "推荐理由"]],
                     f"{label}（前 {len(frame)} 家，共 {total} 家）")
    console.print(f"完整清单: chanye chains {chain.id}{f' --district {v.district}' if v.district else ''} -f xlsx -o 清单.xlsx",
                  highlight=False)


@command(app, "targets")
def targets_command(
    file: Annotated[Path | None, typer.Argument(help="目标文件 CSV / XLSX: 节点、指标、目标值、单位、年份[、编号、状态、来源、说明]")] = None,
    db: DbOption = None,
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """发展目标: 导入目标文件，或列出框架包与已导入的全部目标 (import targets from a file, or list them)."""
    from chanye.framework import load_pack
    from chanye.registry.targets import import_targets, load_targets

    framework = load_pack(pack)
    with open_store(db) as store:
        if file is not None:
            result = import_targets(store, file, framework)
            console.print(f"已导入 {len(result.imported)} 个目标 <- {file}（看板的目标进度随之更新）")
        goals = load_targets(store, framework)
    rows = [{**t.model_dump(), "sources": "、".join(t.sources)} for t in goals]
    if as_json:
        print_json(rows)
        return
    if file is None:
        render_frame(pd.DataFrame(rows, columns=["id", "node", "metric", "value", "unit", "year", "status", "sources"]),
                     f"{framework.info.name.zh}: 发展目标 targets")


# --- web ---------------------------------------------------------------------------------------------------


@command(app, "serve")
def serve_command(
    host: Annotated[str, typer.Option(help="监听地址 (bind address)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 (port)")] = 8218,
    db: DbOption = None,
    pack: PackOption = None,
    demo: Annotated[bool, typer.Option("--demo/--no-demo", help="数据库不存在时先生成示例数据 (build the demo first)")] = True,
) -> None:
    """启动仪表盘 (start the dashboard): http://127.0.0.1:8218/"""
    import uvicorn

    from chanye.registry.store import default_path
    from chanye.web.app import create_app

    path = Path(db) if db else default_path()
    if demo and not path.exists():
        from chanye.registry.seed import build_database

        console.print(f"数据库 {path} 不存在，先生成示例数据（约 1 分钟）... (building the demo database)")
        with progress_bar("示例数据 demo") as update:
            build_database(path, progress=update)
    application = create_app(path, pack)
    console.print(f"chanye 仪表盘: http://{host}:{port}/  (API: http://{host}:{port}/docs)  Ctrl+C 退出")
    uvicorn.run(application, host=host, port=port, log_level="warning")


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
