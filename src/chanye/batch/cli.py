"""`chanye batch`: the batch steps on one machine (DuckDB/Arrow) or on Spark, Parquet in and out. The same
function is the spark-submit entry point (`python -m chanye.batch`, `chanye/batch/__main__.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from chanye.errors import InputError
from chanye.present import labels

ENGINES = ("duckdb", "spark")


def batch(
    input: Annotated[str, typer.Option("--input", "-i", help="输入目录：rows/enterprises/figures/tags/links.parquet "
                                       "(input folder; hdfs:// or s3a:// with Spark)")],
    output: Annotated[str, typer.Option("--output", "-o", help="输出目录 (output folder)")],
    engine: Annotated[str, typer.Option("--engine", help="duckdb（单机）或 spark (engine)")] = "duckdb",
    master: Annotated[str | None, typer.Option("--master", help="Spark master，如 local[2]、yarn；spark-submit "
                                               "时不填 (Spark master; leave out under spark-submit)")] = None,
    steps: Annotated[str | None, typer.Option("--steps", help="逗号分隔：validate,classify,chains,indicators,"
                                              "complexity（默认全部）(comma-separated steps; default all)")] = None,
    pack: Annotated[str | None, typer.Option("--pack", "-p", help="框架包名称或路径 (pack name or folder)")] = None,
    year: Annotated[int | None, typer.Option("--year", help="rows 没有年份列时的年份 (year of the rows)")] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", help="列映射文件 (mapping YAML, as for import)")] = None,
    activity_digits: Annotated[int, typer.Option("--activity-digits", help="复杂度面板的行业层级：4 小类、3 中类、"
                                                 "2 大类 (complexity panel's code level)")] = 4,
    shuffle_partitions: Annotated[int, typer.Option("--partitions", help="Spark shuffle 分区数 "
                                                    "(spark.sql.shuffle.partitions)")] = 4,
    lang: Annotated[str, typer.Option("--lang", help="zh 或 en (output language)")] = "zh",
) -> None:
    """批处理：校验、分类、产业链关联、指标、经济复杂度，Parquet 进出 (batch steps over Parquet; DuckDB or Spark)."""
    from chanye.batch import steps as S
    from chanye.framework import load_pack
    from chanye.registry.validate import Mapping

    if engine not in ENGINES:
        raise InputError(f"未知引擎 {engine!r} (unknown engine)", hint="可用 duckdb, spark")
    if activity_digits not in (2, 3, 4):
        raise InputError(f"--activity-digits 只能是 2、3 或 4，而不是 {activity_digits} (must be 2, 3 or 4)")
    chosen = [s.strip() for s in steps.split(",") if s.strip()] if steps else None
    framework = load_pack(pack)
    mapped = Mapping.from_yaml(str(mapping)) if mapping else Mapping()
    if year is not None:
        mapped.year = year
    console = Console(width=120, soft_wrap=True)

    def shown(step: str, seconds: float) -> None:
        console.print(f"{step}: {seconds:.1f} s", highlight=False)

    options = {"steps": chosen, "mapping": mapped, "activity_digits": activity_digits, "on_step": shown}
    if engine == "duckdb":
        if "://" in input or "://" in output:
            raise InputError("duckdb 引擎只读写本地目录 (the duckdb engine reads and writes local folders)",
                             hint="HDFS/S3 用 --engine spark")
        run = S.run_local(input, output, framework, **options)  # type: ignore[arg-type]
    else:
        from chanye.batch import spark as sp

        ours = not sp.has_active_session()  # a caller's session (a notebook, the tests) stays up
        session = sp.session(master, shuffle_partitions=shuffle_partitions)
        try:
            run = sp.run_spark(session, input, output, framework, **options)  # type: ignore[arg-type]
        finally:
            if ours:
                session.stop()
    table = Table(title=labels.word("batch_done", lang).format(engine=run.engine, output=output))
    table.add_column(labels.word("batch_table", lang))
    table.add_column(labels.word("batch_rows", lang), justify="right")
    for name, count in run.rows.items():
        table.add_row(name, f"{count:,}")
    console.print(table)


def main() -> None:  # pragma: no cover - spark-submit entry point
    import sys

    from chanye.errors import ChanyeError

    app = typer.Typer(add_completion=False, rich_markup_mode=None)
    app.command()(batch)
    try:
        app(standalone_mode=False)
    except ChanyeError as exc:
        sys.stderr.write(f"错误 Error: {exc}\n")
        sys.exit(1)
