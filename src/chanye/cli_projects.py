"""`chanye projects`: the 招商/重点项目 pipeline from the command line (issue 12).

    chanye projects import 项目清单.xlsx [--date 2025-03-31]     import a 重点项目清单 (idempotent)
    chanye projects stage ID 开工 --date 2025-03-01 --note ...     record a stage change (never overwrites)
    chanye projects list [--district 黄埔 --stalled -f xlsx -o 督办.xlsx]   the list, or the 督办 sheet
    chanye projects show ID                                         one project and its history
    chanye projects summary [--district 黄埔 -f xlsx -o 项目.xlsx]   funnel, investment against targets, stalled
    chanye projects from-target CHAIN USCC                          a 招商清单 row becomes a 线索

Registered in cli.py (`app.add_typer(projects_app, name="projects")`); it does not import cli.py (no cycle):
both take their one-line error handling from `cli_base`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from chanye.cli_base import command as base_command
from chanye.cli_base import print_json
from chanye.errors import ChanyeError
from chanye.present import labels

if TYPE_CHECKING:
    from rich.table import Table as RichTable

    from chanye.services.results import Table

projects_app = typer.Typer(help="项目: 招商与重点项目——导入清单、记录阶段、督办列表、招商清单转线索 (the project pipeline).",
                           no_args_is_help=True)
console = Console(width=120, soft_wrap=True)

PackOption = Annotated[str | None, typer.Option("--pack", "-p", help="框架包名称或路径 (pack name or folder)")]
LangOption = Annotated[str, typer.Option("--lang", help="zh 或 en (output language)")]
DbOption = Annotated[Path | None, typer.Option("--db", envvar="CHANYE_DB", help="数据库文件 (DuckDB file)")]
ByOption = Annotated[str | None, typer.Option("--by", help="记录人 (who records; default the OS user)")]
DateOption = Annotated[str | None, typer.Option("--date", help="日期，如 2025-03-01 (default today)")]


def command(name: str) -> Callable:
    """Register a `chanye projects` command (one-line errors, as every command: `cli_base.command`)."""
    return base_command(projects_app, name)


def _platform(db: Path | None, pack: str | None, *, create: bool = False):
    """A Platform over the database (refused when it does not exist, unless `create`)."""
    from chanye.registry.store import Store, default_path
    from chanye.services.platform import Platform

    path = Path(db) if db else default_path()
    if not create and not path.exists():
        raise ChanyeError(f"数据库 {path} 不存在 (no database at {path})",
                          hint="chanye init 建空库，chanye demo 生成示例数据，或用 --db 指定")
    return Platform(path, pack, store=Store.reader(path))


def _who(by: str | None) -> str:
    return by or os.environ.get("USER") or "local"


def _stage(text: str) -> str:
    from chanye.services.projects_import import STAGE_NAMES

    return STAGE_NAMES.get(text.strip(), text.strip())


@command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="项目清单 XLSX / CSV")],
    date: DateOption = None,
    kind: Annotated[str, typer.Option("--kind", help="无“项目类型”列时的类型: attract, expand, construction, upgrade")]
    = "construction",
    sheet: Annotated[str | None, typer.Option("--sheet", help="只导入该工作表 (one sheet only)")] = None,
    by: ByOption = None, db: DbOption = None, pack: PackOption = None, as_json: Annotated[bool, typer.Option(
        "--json", help="输出 JSON")] = False, lang: LangOption = "zh",
) -> None:
    """导入重点项目清单：识别表头，坏行隔离并注明原因，按项目编号或名称+投资主体去重 (import a project list)."""
    from chanye.services.projects_import import import_file

    with _platform(db, pack, create=True) as p:
        got = import_file(p, file, when=date, default_kind=kind, sheet=sheet, by=_who(by))
    if as_json:
        print_json(got.to_dict())
        return
    console.print(labels.word("projects_import_done", lang).format(
        file=got.file, loaded=got.loaded, inserted=got.inserted, updated=got.updated, unchanged=got.unchanged,
        quarantined=got.quarantined, stages=got.stages_added, batch=got.batch), highlight=False)
    for r in got.rejected:
        console.print(escape(labels.word("projects_rejected_line", lang).format(**r)), highlight=False)


@command("stage")
def stage_command(
    project: Annotated[str, typer.Argument(help="项目编号 (project id)")],
    stage: Annotated[str, typer.Argument(help="线索 洽谈 签约 注册 供地 开工 投产 达产 终止 (or lead ... terminated)")],
    date: DateOption = None,
    note: Annotated[str, typer.Option("--note", help="备注 (a note)")] = "",
    reason: Annotated[str, typer.Option("--reason", help="终止原因 (required for 终止)")] = "",
    by: ByOption = None, db: DbOption = None, pack: PackOption = None, lang: LangOption = "zh",
) -> None:
    """记录阶段变更（按日期追加，不覆盖；阶段只能前进，投产须在开工之后，终止须写原因）(record a stage change)."""
    from datetime import date as today

    from chanye.services import projects as svc

    code = _stage(stage)
    with _platform(db, pack) as p:
        done = svc.record_stage(p, project, code, date or today.today(), note=note, reason=reason, by=_who(by))
    console.print(labels.word("projects_record_done", lang).format(
        id=done["id"], stage=labels.code("project_stage", done["stage"], lang), date=done["happened_on"],
        by=done["recorded_by"]), highlight=False)


@command("list")
def list_command(
    district: Annotated[str | None, typer.Option("--district", help="区 (name, short name or adcode)")] = None,
    node: Annotated[str | None, typer.Option("--node", help="产业节点 (id or name)")] = None,
    year: Annotated[int | None, typer.Option("--year", help="入库年份 (entry year)")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="attract, expand, construction, upgrade")] = None,
    stage: Annotated[str | None, typer.Option("--stage", help="当前阶段 (current stage)")] = None,
    stalled: Annotated[bool, typer.Option("--stalled", help="只列停滞项目 (stalled projects only)")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="截至日期：任一过去的状态 (any past date)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, xlsx（督办格式）")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 (for xlsx)")] = None,
    db: DbOption = None, pack: PackOption = None, lang: LangOption = "zh",
) -> None:
    """项目清单（可筛选）；-f xlsx 写出督办表 (the project list; xlsx in the 督办 layout)."""
    from chanye.present import tables as present
    from chanye.present.terminal import rich_table
    from chanye.services import projects as svc

    if fmt not in ("table", "json", "xlsx"):
        raise ChanyeError(f"未知的输出格式 {fmt!r} (unknown format)", hint="可用 table, json, xlsx")
    if fmt == "xlsx" and output is None:
        raise ChanyeError("--format xlsx 需要 --output 文件 (needs --output)")
    with _platform(db, pack) as p:
        result = svc.pipeline(p, as_of=as_of, district=district, node=node, year=year, kind=kind,
                              stage=_stage(stage) if stage else None)
        sheet = svc.supervision(result, svc.latest_notes(p))
    if stalled:
        late = {r["id"] for r in result.stalled.rows}
        sheet = type(sheet)(sheet.name, sheet.columns, tuple(r for r in sheet.rows if r["id"] in late),
                            sheet.provenance, sheet.meta)
    if fmt == "json":
        print_json(present.payload(sheet, lang))
        return
    if fmt == "xlsx":
        present.write_xlsx({"project_supervision": sheet}, output, lang)  # type: ignore[arg-type]
        console.print(labels.word("projects_written", lang).format(n=len(sheet.rows), path=output), highlight=False)
        return
    if result.synthetic:
        console.print(f"{labels.word('synthetic', lang)}: {labels.word('synthetic_note', lang)}", highlight=False)
    console.print(labels.word("projects_count_line", lang).format(n=len(sheet.rows), date=result.as_of),
                  highlight=False)
    console.print(rich_table(sheet, lang, keys=("seq", "id", "name", "total_investment", "district", "stage",
                                               "since", "days_in_stage", "stalled")))


@command("summary")
def summary_command(
    district: Annotated[str | None, typer.Option("--district", help="区 (name, short name or adcode)")] = None,
    node: Annotated[str | None, typer.Option("--node", help="产业节点 (id or name)")] = None,
    year: Annotated[int | None, typer.Option("--year", help="入库年份 (entry year)")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="截至日期：任一过去的状态 (any past date)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, xlsx（每表一个工作表）")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 (for xlsx)")] = None,
    db: DbOption = None, pack: PackOption = None, lang: LangOption = "zh",
) -> None:
    """项目概况：漏斗、分区/分产业签约投资与目标、战略性新兴占比、停滞项目——/projects 页的各表
    (the pipeline at a glance: funnel, investment against targets, strategic share, stalled; the /projects tables)."""
    from chanye.present import tables as present
    from chanye.services import projects as svc

    if fmt not in ("table", "json", "xlsx"):
        raise ChanyeError(f"未知的输出格式 {fmt!r} (unknown format)", hint="可用 table, json, xlsx")
    if fmt == "xlsx" and output is None:
        raise ChanyeError("--format xlsx 需要 --output 文件 (needs --output)")
    with _platform(db, pack) as p:
        result = svc.pipeline(p, as_of=as_of, district=district, node=node, year=year)
    shown = (result.funnel, result.investment_district, result.investment_node, result.strategic, result.stalled)
    if fmt == "json":
        print_json({t.name: present.payload(t, lang) for t in shown})
        return
    if fmt == "xlsx":
        present.write_xlsx(result.tables(), output, lang)  # type: ignore[arg-type]
        console.print(labels.word("projects_summary_written", lang).format(n=len(result.tables()), path=output),
                      highlight=False)
        return
    if result.synthetic:
        console.print(f"{labels.word('synthetic', lang)}: {labels.word('synthetic_note', lang)}", highlight=False)
    console.print(labels.word("projects_count_line", lang).format(n=len(result.projects.rows), date=result.as_of),
                  highlight=False)
    for t in shown[:-1]:
        console.print(_all_years_named(t, lang))
    console.print(labels.word("projects_stalled_count", lang).format(n=len(result.stalled.rows)), highlight=False)


def _all_years_named(table: Table, lang: str) -> RichTable:
    """A summary table for the terminal; the strategic share table's all-years row (year None, the machine value
    the JSON keeps) is named 全部年份 / all years instead of the empty-cell dash, on one line."""
    import dataclasses

    from rich.cells import cell_len

    from chanye.present.terminal import rich_table

    if table.name != "project_strategic":
        return rich_table(table, lang)
    word = labels.word("projects_all_years", lang)
    rows = tuple({**r, "year": word} if r.get("year") is None else r for r in table.rows)
    out = rich_table(dataclasses.replace(table, rows=rows), lang)
    year = out.columns[0]  # fitting 120 columns narrows it to its header's longest word: keep the name whole
    year.width = max(year.min_width or 0, cell_len(word))
    return out


@command("show")
def show_command(
    project: Annotated[str, typer.Argument(help="项目编号 (project id)")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="截至日期 (state on that date)")] = None,
    db: DbOption = None, pack: PackOption = None, lang: LangOption = "zh",
) -> None:
    """一个项目及其全部阶段记录 (one project and its history)."""
    from chanye.present.terminal import rich_table
    from chanye.services import projects as svc

    with _platform(db, pack) as p:
        one = svc.detail(p, project, as_of=as_of)
    row = one.project.rows[0]
    console.print(escape(f"{row['id']}  {row['name']}  {row['investor'] or ''}"), highlight=False)
    console.print(escape(f"{labels.column('project_stage', lang)}: "
                         f"{labels.code('project_stage', row['stage'], lang)} ({row['since']})"), highlight=False)
    console.print(rich_table(one.history, lang, wide=True))


@command("from-target")
def from_target_command(
    chain: Annotated[str, typer.Argument(help="产业链 (chain id or name)")],
    uscc: Annotated[str, typer.Argument(help="招商清单上企业的统一社会信用代码")],
    district: Annotated[str | None, typer.Option("--district", help="拟落地的区 (the district to land in)")] = None,
    date: DateOption = None, by: ByOption = None, db: DbOption = None, pack: PackOption = None,
    lang: LangOption = "zh",
) -> None:
    """把招商清单中的一家企业转为线索，保留推荐理由 (a recruitment-list row becomes a lead)."""
    from chanye.services import projects as svc

    with _platform(db, pack) as p:
        done = svc.from_target(p, chain, uscc, when=date, district=district, by=_who(by))
    key = "projects_lead_created" if done["created"] else "projects_is_lead"
    console.print(labels.word(key, lang).format(id=done["id"]) + ("" if done["created"] else f": {done['id']}"),
                  highlight=False)
