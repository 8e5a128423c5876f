"""The batch steps on Apache Spark (``--engine spark``): the same tables as `chanye.batch.steps.run_local`.

How each step is distributed, and why its result equals the single-machine one:

* row steps (validate, classify, chains) run the platform's own pure functions on Arrow batches of rows
  (``mapInArrow``): a row's result depends only on the row. The one cross-row rule, validation's duplicate
  check, sees every row of a USCC together: rows are hashed by their normalised USCC first and sorted by row
  number within a partition. Linking keeps each USCC's first row (a window over the input order).
* aggregate steps (indicators, complexity) are Spark DataFrame joins and group-bys written to the definitions
  of `analytics.indicators.scale` / `structure` and `analytics.complexity` (RCA, strict presence M, discrete
  proximity with a zero diagonal, density); sums may add in another order, so values agree to rounding
  (the tests hold them to 1e-9). ECI, PCI, COI and COG need the eigenvectors of a districts x classes
  matrix: each year's M, density and proximity (small whatever the registry's size) are collected to the
  driver and given to `analytics.complexity`'s own functions (`eigen_columns`).

Undefined values (a ratio over zero, a measure nobody reported) are nulls in the Parquet files, as the
single-machine engine's NaN become when written.
"""

from __future__ import annotations

import functools
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from chanye.batch import steps as S
from chanye.errors import InputError
from chanye.framework.model import Framework
from chanye.registry.validate import Mapping

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

_PANDAS_3 = "PySpark does not yet fully support pandas"


def _quiet(func: Callable) -> Callable:
    """PySpark warns about pandas 3 on every Arrow call; the steps hand Spark Arrow batches, never pandas frames."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_PANDAS_3, category=FutureWarning)
            return func(*args, **kwargs)

    return wrapper

ROWS_PER_BATCH = 20_000  # rows per Arrow batch handed to a Python worker (bounded memory per task)


@_quiet
def session(master: str | None = "local[2]", *, app: str = "chanye-batch", shuffle_partitions: int = 4,
            driver_memory: str = "1g", conf: dict[str, str] | None = None) -> SparkSession:
    """A SparkSession for the batch: `master` None keeps what spark-submit set. The UI is off (batch and
    tests have no one to look at it); workers run this interpreter, which has chanye installed."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError("未安装 PySpark (pyspark is not installed)", hint="pip install 'chanye[spark]'") from None
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app)
    if master:
        builder = builder.master(master)
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.default.parallelism": str(shuffle_partitions),
        "spark.driver.memory": driver_memory,
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.maxRecordsPerBatch": str(ROWS_PER_BATCH),
        **(conf or {}),
    }
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def has_active_session() -> bool:
    """Whether this process already runs a SparkSession (False without PySpark)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return False
    return SparkSession.getActiveSession() is not None


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def _batches(frame: pd.DataFrame, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    yield from pa.Table.from_pandas(frame, schema=schema, preserve_index=False).to_batches()


def _read(spark: SparkSession, folder: str, name: str, *, required: bool = True) -> DataFrame | None:
    path = S.table_path(folder, name)
    if not _exists(spark, str(path)):
        if required:
            raise InputError(f"输入目录缺少 {path.name} (missing input table {name})", hint=f"放在 {folder} 下")
        return None
    return spark.read.parquet(str(path))


def _exists(spark: SparkSession, path: str) -> bool:
    """A path on any file system Spark reads (local, HDFS, S3 through Hadoop)."""
    if "://" not in path:
        return Path(path).exists()
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    return bool(hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).exists(hpath))


def _count(spark: SparkSession, path: str) -> int:
    """Rows written: from the Parquet footers when local (no Spark job), else a Spark count."""
    if "://" in path:
        return spark.read.parquet(path).count()
    import pyarrow.parquet as pq

    return sum(pq.read_metadata(p).num_rows for p in Path(path).glob("*.parquet"))


def _text(df: DataFrame, name: str) -> Column:
    from pyspark.sql import functions as F

    return F.col(name).cast("string") if name in df.columns else F.lit(None).cast("string")


def _first_rows(df: DataFrame) -> DataFrame:
    """One row per USCC, its first in the input (order of the files as read), USCC present."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    ordered = df.withColumn("_row", F.monotonically_increasing_id()).where(F.col("uscc").isNotNull())
    first = Window.partitionBy("uscc").orderBy("_row")
    return ordered.withColumn("_n", F.row_number().over(first)).where("_n = 1").drop("_n")


# --- row steps ----------------------------------------------------------------------------------------------


def validate(spark: SparkSession, rows: DataFrame, framework: Framework, mapping: Mapping) -> tuple[DataFrame, DataFrame]:
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    headers = S.raw_headers(rows.columns)
    S.check_headers(headers, mapping)
    key_header = S.uscc_header(headers, mapping)
    city = framework.city

    def add_key(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            keys = S.uscc_keys(batch.select([key_header]).to_pandas(), key_header)
            yield pa.RecordBatch.from_arrays([*batch.columns, pa.array(keys.tolist(), pa.string())],
                                             names=[*batch.schema.names, "_key"])

    keyed_schema = StructType([*rows.schema.fields, StructField("_key", StringType())])
    keyed = rows.mapInArrow(add_key, keyed_schema)
    n = int(spark.conf.get("spark.sql.shuffle.partitions"))
    grouped = keyed.repartition(n, "_key").sortWithinPartitions("row_number").drop("_key")
    both = pa.schema([("_kind", pa.string()), *S.VALID_SCHEMA, ("raw", pa.string()), ("reasons", pa.string())])

    def check(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        # every row of a USCC is in this partition: validate the whole partition at once
        frames = [b.to_pandas() for b in batches]
        if not frames:
            return
        valid, rejected = S.validate_part(pd.concat(frames, ignore_index=True), headers, mapping, city)
        out = pd.concat([valid.assign(_kind="valid"), rejected.assign(_kind="rejected")], ignore_index=True)
        out = out.reindex(columns=both.names)
        out["year"] = pd.array(out["year"], dtype="Int64")
        yield from _batches(out, both)

    checked = grouped.mapInArrow(check, _spark_schema(both)).persist()
    valid = checked.where(F.col("_kind") == "valid").select(*S.VALID_SCHEMA.names)
    rejected = checked.where(F.col("_kind") == "rejected").select(*S.REJECTED_SCHEMA.names)
    return valid, rejected


def _firms(enterprises: DataFrame) -> DataFrame:
    missing = [c for c in ("uscc", "industry_code") if c not in enterprises.columns]
    if missing:
        raise InputError(f"enterprises.parquet 缺少列 {', '.join(missing)} (missing columns)")
    first = _first_rows(enterprises)
    return first.select(*(_text(first, c).alias(c) for c in S.FIRM_COLUMNS))


def _map_firms(firms: DataFrame, func: Callable[[pd.DataFrame, Framework], pd.DataFrame], framework: Framework,
               schema: pa.Schema) -> DataFrame:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            frame = func(batch.to_pandas(), framework)
            if len(frame):
                yield from _batches(frame, schema)

    return firms.mapInArrow(run, _spark_schema(schema))


def classify(enterprises: DataFrame, framework: Framework) -> DataFrame:
    return _map_firms(_firms(enterprises), S.classify_part, framework, S.LINKS_SCHEMA)


def chains(enterprises: DataFrame, framework: Framework) -> DataFrame:
    return _map_firms(_firms(enterprises), S.chains_part, framework, S.CHAIN_LINKS_SCHEMA)


# --- indicators ---------------------------------------------------------------------------------------------

_IN_CITY_UNKNOWN = "\x00city"  # area of a city firm without a district (counts in the city only)
_OUTSIDE = "\x00outside"  # area of a firm outside the city or without a firm row (registry only)


def _groups(framework: Framework, linked: set[str]) -> tuple[list[Any], list[tuple[str, str]]]:
    """The scale frame's group nodes (as `indicators.scale` keeps them) and (node, group) closure pairs."""
    from chanye.analytics.indicators import scale_groups

    parent = {n.id: n.parent for n in framework.nodes}
    groups = scale_groups(framework, linked)
    closure = []
    for g in groups:
        current: str | None = g.id
        while current is not None:
            closure.append((g.id, current))
            current = parent.get(current)
    return groups, closure


def scale(spark: SparkSession, enterprises: DataFrame, figures: DataFrame, tags: DataFrame | None,
          links: DataFrame, framework: Framework) -> DataFrame:
    """`analytics.indicators.scale` as joins and group-bys: one row per group x area x year x metric."""
    from pyspark.sql import functions as F

    from chanye.analytics import indicators as ind
    from chanye.standards.tags import TAGS

    city = framework.city.code
    firms = _first_rows(enterprises)
    syn = F.coalesce(F.col("synthetic").cast("boolean"), F.lit(False)) if "synthetic" in firms.columns else F.lit(False)
    firms = firms.select(
        "uscc",
        (F.trim(F.col("city_code").cast("string")) == city).alias("in_city"),
        F.trim(F.col("district_code").cast("string")).alias("district"),
        syn.alias("firm_syn"),
    )
    firms = firms.select(
        "uscc", "firm_syn",
        F.when(F.col("in_city") & F.col("district").isNotNull() & (F.col("district") != ""), F.col("district"))
        .when(F.coalesce(F.col("in_city"), F.lit(False)), F.lit(_IN_CITY_UNKNOWN))
        .otherwise(F.lit(_OUTSIDE)).alias("area"),
    ).persist()
    districts = sorted(r[0] for r in firms.select("area").distinct().collect()
                       if r[0] not in (_IN_CITY_UNKNOWN, _OUTSIDE))

    fig_syn = F.coalesce(F.col("synthetic").cast("boolean"), F.lit(False)) if "synthetic" in figures.columns else F.lit(False)
    measures = {m.column for m in ind.SCALE_METRICS if m.column}
    figs = figures.where(F.col("uscc").isNotNull()).select(
        F.col("uscc").cast("string").alias("uscc"), F.col("year").cast("long").alias("year"), fig_syn.alias("fig_syn"),
        *((F.col(c).cast("double") if c in figures.columns else F.lit(None).cast("double")).alias(c) for c in measures),
    )
    tag_ids = list(TAGS)
    if tags is not None:
        flags = tags.groupBy(F.col("uscc").cast("string").alias("uscc")).agg(
            *(F.max((F.col("tag") == t).cast("int")).alias(f"_t_{t}") for t in tag_ids))
        figs = figs.join(flags, "uscc", "left")
    else:
        figs = figs.select("*", *(F.lit(0).alias(f"_t_{t}") for t in tag_ids))
    rows = figs.join(firms, "uscc", "left").select(
        "uscc", "year", *measures, *(F.coalesce(F.col(f"_t_{t}"), F.lit(0)).alias(f"_t_{t}") for t in tag_ids),
        (F.coalesce(F.col("firm_syn"), F.lit(False)) | F.col("fig_syn")).alias("syn"),
        F.coalesce(F.col("area"), F.lit(_OUTSIDE)).alias("area"),
    )

    linked = {r[0] for r in links.select(F.col("node").cast("string")).distinct().collect()}
    groups, closure = _groups(framework, linked)
    closure_df = spark.createDataFrame(closure, "node string, grp string")
    member = (links.select(F.col("uscc").cast("string").alias("uscc"), F.col("node").cast("string").alias("node"))
              .join(F.broadcast(closure_df), "node").select("uscc", "grp").distinct())
    in_groups = rows.join(member, "uscc").union(rows.withColumn("grp", F.lit(ind.ALL_FIRMS)).select(*rows.columns, "grp"))

    aggs = [F.count(F.lit(1)).cast("double").alias("enterprises"), F.max(F.col("syn").cast("int")).alias("syn")]
    aggs += [F.sum(f"_t_{t}").cast("double").alias(f"enterprises_{t}") for t in tag_ids]
    for m in ind.SCALE_METRICS:
        if not m.column:
            continue
        reported = F.col(m.column).isNotNull() & ((F.col(f"_t_{m.tag}") == 1) if m.tag else F.lit(True))
        aggs += [F.sum(F.when(reported, F.col(m.column))).alias(f"_s_{m.name}"),
                 F.sum(reported.cast("int")).alias(f"_r_{m.name}")]
    sums = [c for c in ("enterprises", "syn", *(f"enterprises_{t}" for t in tag_ids)
                        , *(f"_s_{m.name}" for m in ind.SCALE_METRICS if m.column)
                        , *(f"_r_{m.name}" for m in ind.SCALE_METRICS if m.column))]
    by_area = in_groups.groupBy("grp", "area", "year").agg(*aggs).persist()

    def roll(frame: DataFrame, area_type: str, area: Column) -> DataFrame:
        return frame.groupBy("grp", "year").agg(
            *(F.max(c).alias(c) if c == "syn" else F.sum(c).alias(c) for c in sums)
        ).select("grp", F.lit(area_type).alias("area_type"), area.alias("area"), "year", *sums)

    rolled = (
        by_area.where(F.col("area").isin(districts) if districts else F.lit(False))
        .select("grp", F.lit("district").alias("area_type"), "area", "year", *sums)
        .unionByName(roll(by_area.where(F.col("area") != _OUTSIDE), "city", F.lit(city)))
        .unionByName(roll(by_area, "registry", F.lit(ind.REGISTRY_AREA)))
    )
    # The dense grid the single-machine frame has: every group x area x year.
    years = sorted(r[0] for r in figs.select("year").distinct().collect())
    all_ids = [*((g.id, ind._scope(g)) for g in groups), (ind.ALL_FIRMS, "total")]
    areas = [*(("district", d) for d in districts), ("city", city), ("registry", ind.REGISTRY_AREA)]
    grid = spark.createDataFrame(
        [(g, scope, at, a, int(y)) for g, scope in all_ids for at, a in areas for y in years],
        "grp string, scope string, area_type string, area string, year long",
    )
    full = grid.join(rolled, ["grp", "area_type", "area", "year"], "left").fillna(0, subset=sums)

    metrics = []
    for m in ind.SCALE_METRICS:
        if m.column:
            holders = F.col(f"enterprises_{m.tag}" if m.tag else "enterprises")
            value = F.when((holders > 0) & (F.col(f"_r_{m.name}") == 0), F.lit(None).cast("double")).otherwise(
                F.col(f"_s_{m.name}") * F.lit(m.factor))
        else:
            value = F.col(m.name) * F.lit(m.factor)
        metrics.append(F.struct(F.lit(m.name).alias("metric"), value.cast("double").alias("value"),
                                F.lit(m.unit).alias("unit")))
    long = full.select("scope", F.col("grp").alias("node"), "area_type", "area", "year",
                       F.when(F.col("syn") > 0, F.lit(ind.SYNTHETIC)).otherwise(F.lit(ind.REGISTRY)).alias("provenance"),
                       F.explode(F.array(*metrics)).alias("m"))
    return long.select("scope", "node", "area_type", "area", "year", "m.metric", "m.value", "m.unit", "provenance")


def _ratio(num: Column, den: Column, scale_by: float = 1.0) -> Column:
    from pyspark.sql import functions as F

    out = F.when(den > 0, num / den)
    return out * F.lit(scale_by) if scale_by != 1.0 else out


def _prov(*columns: Column) -> Column:
    from pyspark.sql import functions as F

    from chanye.analytics import indicators as ind

    synthetic = F.lit(False)
    for col in columns:
        synthetic = synthetic | F.coalesce(col == ind.SYNTHETIC, F.lit(False))
    return F.when(synthetic, F.lit(ind.SYNTHETIC)).otherwise(F.lit(ind.REGISTRY))


def structure(spark: SparkSession, scale_frame: DataFrame, framework: Framework) -> DataFrame:
    """`analytics.indicators.structure`: district shares, HHI, location quotients (district, registry)."""
    from pyspark.sql import functions as F

    from chanye.analytics import indicators as ind

    held = {n.id for n in framework.nodes}
    nodes = [r[0] for r in scale_frame.where(F.col("node") != ind.ALL_FIRMS).select("node").distinct().collect()]
    chosen = spark.createDataFrame(
        [(n, framework.scale_metric(n) if n in held else framework.info.scale_metric) for n in nodes],
        "node string, metric string",
    )
    x = scale_frame.join(F.broadcast(chosen), ["node", "metric"])
    totals = scale_frame.where(F.col("node") == ind.ALL_FIRMS).select(
        "area_type", "area", "metric", "year", F.col("value").alias("total"), F.col("provenance").alias("total_provenance"))
    x = x.join(totals, ["area_type", "area", "metric", "year"], "left")
    by = ["scope", "node", "metric", "year"]
    city = x.where(F.col("area_type") == "city").select(
        *by, F.col("area").alias("city"), F.col("value").alias("city_value"), F.col("total").alias("city_total"),
        F.col("provenance").alias("city_provenance"), F.col("total_provenance").alias("city_total_provenance"))
    registry = x.where(F.col("area_type") == "registry").select(
        *by, F.col("value").alias("reg_value"), F.col("total").alias("reg_total"),
        F.col("provenance").alias("reg_provenance"), F.col("total_provenance").alias("reg_total_provenance"))
    d = x.where(F.col("area_type") == "district").join(city, by, "left")
    c = city.join(registry, by, "left")

    def emit(frame: DataFrame, area_type: str, area: Column, indicator: str, value: Column, unit: str,
             prov: Column) -> DataFrame:
        return frame.select("scope", "node", F.lit(area_type).alias("area_type"), area.alias("area"), "year",
                            "metric", F.lit(indicator).alias("indicator"), value.cast("double").alias("value"),
                            F.lit(unit).alias("unit"), prov.alias("provenance"))

    share = _ratio(F.col("value"), F.col("city_value"), 100.0)
    shares = emit(d, "district", F.col("area"), "district_share", share, "%",
                  _prov(F.col("provenance"), F.col("city_provenance")))
    squares = d.select(*by, (share * share).alias("share_sq"),
                       (_prov(F.col("provenance"), F.col("city_provenance")) == ind.SYNTHETIC).alias("syn"))
    hhi = squares.groupBy(*by).agg(F.sum("share_sq").alias("hhi"), F.max(F.col("syn").cast("int")).alias("syn"))
    hhi = c.select(*by, "city").join(hhi, by, "left")
    hhis = emit(hhi, "city", F.col("city"), "hhi", F.col("hhi"), "0-10000",
                F.when(F.col("syn") == 1, F.lit(ind.SYNTHETIC)).otherwise(F.lit(ind.REGISTRY)))
    lq = _ratio(_ratio(F.col("value"), F.col("total")), _ratio(F.col("city_value"), F.col("city_total")))
    lqs = emit(d, "district", F.col("area"), "lq", lq, "ratio",
               _prov(F.col("provenance"), F.col("total_provenance"), F.col("city_provenance"),
                     F.col("city_total_provenance")))
    lq_reg = _ratio(_ratio(F.col("city_value"), F.col("city_total")), _ratio(F.col("reg_value"), F.col("reg_total")))
    lq_regs = emit(c, "city", F.col("city"), "lq_registry", lq_reg, "ratio",
                   _prov(F.col("city_provenance"), F.col("city_total_provenance"), F.col("reg_provenance"),
                         F.col("reg_total_provenance")))
    return shares.unionByName(hhis).unionByName(lqs).unionByName(lq_regs)


# --- complexity -------------------------------------------------------------------------------------------


def complexity(enterprises: DataFrame, figures: DataFrame, framework: Framework,
               digits: int = 4) -> tuple[DataFrame, DataFrame]:
    """The district x 小类 revenue panel's RCA, M (RCA > 1), discrete proximity (zero diagonal) and density,
    each year on its own, after Stata's drops of zero-sum locations, then activities (`analytics.complexity`)."""
    from pyspark.sql import functions as F

    city = framework.city.code
    firms = _first_rows(enterprises).where(
        (F.col("city_code").cast("string") == city) & F.col("district_code").isNotNull() & F.col("industry_code").isNotNull()
    ).select("uscc", F.col("district_code").cast("string").alias("location"),
             F.substring(F.col("industry_code").cast("string"), 1, digits).alias("activity"))
    figs = figures.where(F.col(S.PANEL_VALUE).isNotNull()).select(
        F.col("uscc").cast("string").alias("uscc"), F.col("year").cast("long").alias("year"),
        F.col(S.PANEL_VALUE).cast("double").alias("v"))
    panel = figs.join(firms, "uscc").groupBy("location", "activity", "year").agg(F.sum("v").alias("value")).persist()

    locs = panel.groupBy("year", "location").agg(F.max("value").alias("_mx")).where("_mx > 0").select("year", "location")
    in_locs = panel.join(locs, ["year", "location"])
    acts = in_locs.groupBy("year", "activity").agg(F.max("value").alias("_mx")).where("_mx > 0").select("year", "activity")
    grid = locs.join(acts, "year").join(panel, ["year", "location", "activity"], "left").fillna(0.0, subset=["value"])
    row = grid.groupBy("year", "location").agg(F.sum("value").alias("row"))
    col = grid.groupBy("year", "activity").agg(F.sum("value").alias("col"))
    total = grid.groupBy("year").agg(F.sum("value").alias("total"))
    # Same order of operations as analytics.complexity.rca: (x / row) / (col / total).
    cells = (grid.join(row, ["year", "location"]).join(col, ["year", "activity"]).join(total, "year")
             .withColumn("rca", (F.col("value") / F.col("row")) / (F.col("col") / F.col("total")))
             .withColumn("M", (F.col("rca") > 1.0).cast("long"))
             .select("year", "location", "activity", "value", "rca", "M").persist())

    present = cells.where("M = 1").select("year", "location", "activity")
    ubiquity = cells.groupBy("year", "activity").agg(F.sum("M").alias("u"))
    pairs = (present.alias("a").join(present.alias("b"), ["year", "location"])
             .groupBy("year", F.col("a.activity").alias("activity_1"), F.col("b.activity").alias("activity_2"))
             .agg(F.count(F.lit(1)).cast("double").alias("C")))
    u1 = ubiquity.select("year", F.col("activity").alias("activity_1"), F.col("u").alias("u1"))
    u2 = ubiquity.select("year", F.col("activity").alias("activity_2"), F.col("u").alias("u2"))
    square = (acts.select("year", F.col("activity").alias("activity_1"))
              .join(acts.select("year", F.col("activity").alias("activity_2")), "year")
              .join(pairs, ["year", "activity_1", "activity_2"], "left").fillna(0.0, subset=["C"])
              .join(u1, ["year", "activity_1"]).join(u2, ["year", "activity_2"]))
    # phi = min(C / u_p, C / u_q) (numpy's P = C / u then minimum(P, P.T)); a zero ubiquity is undefined
    # (0 / 0); the diagonal is 0.
    proximity = square.select(
        "year", "activity_1", "activity_2",
        F.when(F.col("activity_1") == F.col("activity_2"), F.lit(0.0))
        .when((F.col("u1") == 0) | (F.col("u2") == 0), F.lit(None).cast("double"))
        .otherwise(F.least(F.col("C") / F.col("u1"), F.col("C") / F.col("u2"))).alias("proximity"),
    ).persist()

    weights = proximity.groupBy("year", F.col("activity_1").alias("activity")).agg(
        F.sum(F.coalesce(F.col("proximity"), F.lit(0.0))).alias("colsum"),
        F.max(F.col("proximity").isNull().cast("int")).alias("bad"))
    near = (present.join(proximity.withColumnRenamed("activity_2", "activity"), ["year", "activity"])
            .groupBy("year", "location", F.col("activity_1").alias("activity"))
            .agg(F.sum(F.coalesce(F.col("proximity"), F.lit(0.0))).alias("num")))
    table = (cells.join(near, ["year", "location", "activity"], "left").join(weights, ["year", "activity"])
             .withColumn("density", F.when((F.col("bad") == 1) | (F.col("colsum") == 0), F.lit(None).cast("double"))
                         .otherwise(F.coalesce(F.col("num"), F.lit(0.0)) / F.col("colsum")))
             .select("year", "location", "activity", "value", "rca", "M", "density").persist())
    return _with_eigenvectors(table, proximity), proximity


_EIGEN_SCHEMA = pa.schema([("year", pa.int64()), ("location", pa.string()), ("activity", pa.string()),
                           ("eci", pa.float64()), ("pci", pa.float64()), ("diversity", pa.int64()),
                           ("ubiquity", pa.int64()), ("coi", pa.float64()), ("cog", pa.float64())])


def eigen_columns(cells: pd.DataFrame, proximity: pd.DataFrame) -> pd.DataFrame:
    """ECI, PCI, diversity, ubiquity, COI and COG of one year from its M and density (``cells``: location,
    activity, M, density) and proximity (activity_1, activity_2, proximity): `analytics.complexity`'s own
    functions and Stata conventions (its `compute_year` after the proximity), on the districts x classes
    matrices collected to the driver (small whatever the registry's size)."""
    from chanye.analytics import complexity as cx

    locs = np.array(sorted(cells["location"].unique()), dtype=object)
    acts = np.array(sorted(cells["activity"].unique()), dtype=object)
    li = pd.Index(locs).get_indexer(cells["location"])
    ai = pd.Index(acts).get_indexer(cells["activity"])
    Mi = np.zeros((len(locs), len(acts)), dtype=np.int8)
    Mi[li, ai] = cells["M"].to_numpy(dtype=np.int8)
    dens = np.full(Mi.shape, np.nan)
    dens[li, ai] = cells["density"].to_numpy(dtype=float, na_value=np.nan)
    prox = np.full((len(acts), len(acts)), np.nan)
    prox[pd.Index(acts).get_indexer(proximity["activity_1"]), pd.Index(acts).get_indexer(proximity["activity_2"])] = (
        proximity["proximity"].to_numpy(dtype=float, na_value=np.nan))
    Mf = Mi.astype(float)
    n_act = Mf.shape[1]
    kc, kp, _ = cx.complexity_eigenvectors(Mf)
    mean, sd = cx.standardise(kc, n_act)
    coi_raw = cx.complexity_outlook_index(dens, Mf, kp)
    cog_raw = cx.complexity_outlook_gain(Mf, prox, kp)
    coi_mean, coi_sd = cx.standardise(coi_raw, n_act)
    with np.errstate(divide="ignore", invalid="ignore"):
        eci, pci, cog = (kc - mean) / sd, (kp - mean) / sd, cog_raw / sd
        coi = (coi_raw - coi_mean) / coi_sd
    for arr in (eci, pci, cog, coi):
        arr[~np.isfinite(arr)] = np.nan
    return pd.DataFrame({"location": cells["location"].to_numpy(), "activity": cells["activity"].to_numpy(),
                         "eci": eci[li], "pci": pci[ai], "diversity": cx.diversity(Mi)[li].astype("int64"),
                         "ubiquity": cx.ubiquity(Mi)[ai].astype("int64"), "coi": coi[li], "cog": cog[li, ai]})


def _with_eigenvectors(table: DataFrame, proximity: DataFrame) -> DataFrame:
    """`table` with `eigen_columns` of each year (the year's cells in one task; a year is districts x classes)."""
    from pyspark.sql import functions as F

    prox = proximity.groupBy("year").agg(F.collect_list(F.struct("activity_1", "activity_2", "proximity")).alias("p"))
    years = table.groupBy("year").agg(F.collect_list(F.struct("location", "activity", "M", "density")).alias("c"))
    rows = years.join(prox, "year", "left").collect()
    parts = []
    for row in rows:
        cells = pd.DataFrame([r.asDict() for r in row["c"]], columns=["location", "activity", "M", "density"])
        pairs = pd.DataFrame([r.asDict() for r in (row["p"] or [])], columns=["activity_1", "activity_2", "proximity"])
        parts.append(eigen_columns(cells, pairs).assign(year=int(row["year"])))
    frame = (pd.concat(parts, ignore_index=True) if parts else
             pd.DataFrame({c: pd.Series(dtype=object) for c in _EIGEN_SCHEMA.names}))
    spark = table.sparkSession
    eigen = spark.createDataFrame(pa.Table.from_pandas(frame[_EIGEN_SCHEMA.names], schema=_EIGEN_SCHEMA,
                                                       preserve_index=False))
    return table.join(eigen, ["year", "location", "activity"], "left").select(*S.COMPLEXITY_COLUMNS)


# --- the run ------------------------------------------------------------------------------------------------


@_quiet
def run_spark(spark: SparkSession, source: str, target: str, framework: Framework, *,
              steps: Sequence[str] | None = None, mapping: Mapping | None = None, activity_digits: int = 4,
              on_step: Callable[[str, float], None] | None = None) -> S.BatchRun:
    """`steps.run_local` on Spark: Parquet from `source` to `target` (local paths, hdfs://, s3a://)."""
    mapping = mapping or Mapping()
    run = S.BatchRun("spark")
    source, target = str(source), str(target)

    def write(name: str, frame: DataFrame) -> None:
        path = str(S.table_path(target, name))
        frame.write.mode("overwrite").parquet(path)
        run.rows[name] = _count(spark, path)

    def done(step: str, started: float) -> None:
        run.seconds[step] = round(time.perf_counter() - started, 3)
        if on_step:
            on_step(step, run.seconds[step])

    for step in S._order(steps):
        started = time.perf_counter()
        if step == "validate":
            valid, rejected = validate(spark, _read(spark, source, "rows"), framework, mapping)
            write("valid", valid)
            write("rejected", rejected)
        elif step == "classify":
            write("links", classify(_read(spark, source, "enterprises"), framework))
        elif step == "chains":
            write("chain_links", chains(_read(spark, source, "enterprises"), framework))
        elif step == "indicators":
            links = _read(spark, target, "links", required=False)
            if links is None:
                links = _read(spark, source, "links")
            frame = scale(spark, _read(spark, source, "enterprises"), _read(spark, source, "figures"),
                          _read(spark, source, "tags", required=False), links, framework)
            write("scale", frame)
            write("structure", structure(spark, spark.read.parquet(str(S.table_path(target, "scale"))), framework))
        else:
            table, prox = complexity(_read(spark, source, "enterprises"), _read(spark, source, "figures"), framework,
                                     activity_digits)
            write("complexity", table)
            write("proximity", prox)
        done(step, started)
        spark.catalog.clearCache()
    return run
