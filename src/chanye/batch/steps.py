"""The batch steps' tables and the single-machine engine (``--engine duckdb``): the platform's own pure
functions over whole Parquet tables. `chanye.batch.spark` runs the same steps on Spark and must give equal
tables; the per-partition functions here (`validate_part`, `classify_part`, `chains_part`) are what both
engines call on rows, so a row's result never depends on the engine.

Tables (Parquet, one file or a folder of part files, under the input and output folders):

=============  ======  =======================================================================================
rows           in      raw registry rows: ``row_number`` (int) and one text column per header of the file
enterprises    in      ``uscc, name, city_code, district_code, industry_code, business_scope[, synthetic]``
figures        in      ``uscc, year, revenue, industrial_output, value_added, employees[, synthetic]`` (万元, 人)
tags           in      ``uscc, tag`` (optional)
links          in/out  ``uscc, node, method, evidence, confidence, code`` (classify; read by indicators)
valid          out     `VALID_COLUMNS`: the import's canonical rows, tags and warnings as JSON text
rejected       out     ``row_number, uscc, raw, reasons`` (raw cells and every reason as JSON text)
chain_links    out     ``uscc, chain, chain_node, role, method, evidence, confidence``
scale          out     `analytics.indicators.scale`'s long frame
structure      out     `analytics.indicators.structure`'s frame (district_share, hhi, lq, lq_registry)
complexity     out     ``year, location, activity, value, rca, M, density, eci, pci, diversity, ubiquity, coi, cog``
                       (the district x 小类 revenue panel, `analytics.complexity` with Stata's conventions)
proximity      out     ``year, activity_1, activity_2, proximity``
=============  ======  =======================================================================================

Enterprises are keyed by USCC: a repeated USCC counts as its first row (as `indicators.scale` does). Which
row is first is the file's order within one Parquet file; across several part files Spark may read them in
another order than Arrow, so keep a USCC in one file (the store's export has each once).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from chanye.errors import InputError
from chanye.framework.model import Framework
from chanye.registry.fields import FIELDS, MEASURES
from chanye.registry.read import RawSheet
from chanye.registry.validate import Mapping, plan_columns, validate_sheet
from chanye.standards.regions import City

STEPS: tuple[str, ...] = ("validate", "classify", "chains", "indicators", "complexity")
INPUTS: tuple[str, ...] = ("rows", "enterprises", "figures", "tags", "links")
OUTPUTS: dict[str, tuple[str, ...]] = {
    "validate": ("valid", "rejected"),
    "classify": ("links",),
    "chains": ("chain_links",),
    "indicators": ("scale", "structure"),
    "complexity": ("complexity", "proximity"),
}

_TEXT = ("uscc", "name", "address", "business_scope", "industry_name", "city_code", "district_code",
         "industry_code_raw", "industry_code", "code_vintage")
VALID_COLUMNS: tuple[str, ...] = ("row_number", *_TEXT, "registered_capital", "founded", "year", *MEASURES,
                                  "tags", "warnings")
VALID_SCHEMA = pa.schema(
    [("row_number", pa.int64()), *((c, pa.string()) for c in _TEXT), ("registered_capital", pa.float64()),
     ("founded", pa.string()), ("year", pa.int64()), *((m, pa.float64()) for m in MEASURES),
     ("tags", pa.string()), ("warnings", pa.string())]
)
REJECTED_SCHEMA = pa.schema(
    [("row_number", pa.int64()), ("uscc", pa.string()), ("raw", pa.string()), ("reasons", pa.string())]
)
LINKS_SCHEMA = pa.schema(
    [("uscc", pa.string()), ("node", pa.string()), ("method", pa.string()), ("evidence", pa.string()),
     ("confidence", pa.float64()), ("code", pa.string())]
)
CHAIN_LINKS_SCHEMA = pa.schema(
    [("uscc", pa.string()), ("chain", pa.string()), ("chain_node", pa.string()), ("role", pa.string()),
     ("method", pa.string()), ("evidence", pa.string()), ("confidence", pa.float64())]
)
FIRM_COLUMNS: tuple[str, ...] = ("uscc", "name", "industry_code", "business_scope")

# The complexity panel: revenue (万元) of the city's firms by district x GB/T 4754 小类 x year.
PANEL_VALUE = "revenue"


# --- Parquet in and out ---------------------------------------------------------------------------------


def table_path(folder: str | Path, name: str) -> Path:
    """``folder/name.parquet`` (a file, or the folder of part files Spark writes)."""
    return Path(folder) / f"{name}.parquet"


def has_table(folder: str | Path, name: str) -> bool:
    return table_path(folder, name).exists()


def read_table(folder: str | Path, name: str, *, required: bool = True,
               columns: Sequence[str] | None = None) -> pd.DataFrame | None:
    """A whole table as a frame (`columns`: only those that the table has)."""
    files = table_files(folder, name, required=required)
    if files is None:
        return None
    try:
        if columns is not None:
            have = set(pq.read_schema(files[0]).names)
            columns = [c for c in columns if c in have]
        return pq.read_table(table_path(folder, name), columns=columns).to_pandas()
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"无法读取 {table_path(folder, name)}: {exc} (cannot read Parquet)") from None


def table_files(folder: str | Path, name: str, *, required: bool = True) -> list[Path] | None:
    """The Parquet files of a table in read order: the file, or a folder's part files by name (as Arrow
    reads a folder; names starting with ``_`` or ``.`` are not data)."""
    path = table_path(folder, name)
    if not path.exists():
        if required:
            raise InputError(f"输入目录缺少 {path.name} (missing input table {name})", hint=f"放在 {folder} 下")
        return None
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.is_file()
                   and not any(part.startswith(("_", ".")) for part in p.relative_to(path).parts))
    if not files:
        raise InputError(f"{path} 是空目录 (no Parquet files in the folder)")
    return files


def iter_batches(files: Sequence[Path], columns: Sequence[str] | None = None,
                 batch_rows: int = 100_000) -> Iterator[tuple[int, int, pa.RecordBatch]]:
    """(file index, first row's position in its file, batch) over `files` in order, `batch_rows` at a time."""
    for index, path in enumerate(files):
        try:
            handle = pq.ParquetFile(path)
            start = 0
            for batch in handle.iter_batches(batch_size=batch_rows, columns=columns):
                yield index, start, batch
                start += batch.num_rows
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"无法读取 {path}: {exc} (cannot read Parquet)") from None


def write_table(frame: pd.DataFrame, folder: str | Path, name: str, schema: pa.Schema | None = None) -> Path:
    path = table_path(folder, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    pq.write_table(table, path)
    return path


# --- validate ---------------------------------------------------------------------------------------------


def raw_headers(columns: Sequence[str]) -> list[str]:
    """The file's headers: every column of ``rows`` but ``row_number``."""
    return [c for c in columns if c != "row_number"]


def check_headers(headers: Sequence[str], mapping: Mapping) -> None:
    """The whole-file checks of `validate_sheet` (a USCC and a name column), before any row is read."""
    sheet = RawSheet("", list(headers), pd.DataFrame(columns=range(len(headers)), dtype=object), pd.Series([]))
    targets = {p.target for p in plan_columns(sheet, mapping)}
    for required in ("uscc", "name"):
        if required not in targets:
            raise InputError(f"rows.parquet: 找不到“{FIELDS[required].zh}”列 (no {FIELDS[required].en} column)",
                             hint="检查表头，或用 --mapping 映射文件指定列名")


def uscc_header(headers: Sequence[str], mapping: Mapping) -> str:
    sheet = RawSheet("", list(headers), pd.DataFrame(columns=range(len(headers)), dtype=object), pd.Series([]))
    return next(p.header for p in plan_columns(sheet, mapping) if p.target == "uscc")


def _text_cells(frame: pd.DataFrame, headers: Sequence[str]) -> pd.DataFrame:
    """The raw cells as `registry.read` gives them: text, blank and whitespace-only cells missing."""
    data = {}
    for j, header in enumerate(headers):
        series = frame[header].astype(object)
        text = series.where(series.isna(), series.astype(str))
        blank = text.isna() | text.astype(str).str.strip().eq("")
        data[j] = text.where(~blank, None)
    return pd.DataFrame(data, index=range(len(frame)), dtype=object) if data else pd.DataFrame(index=range(len(frame)))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def validate_part(frame: pd.DataFrame, headers: Sequence[str], mapping: Mapping,
                  city: City) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate raw rows (``row_number`` + headers) with the import's rules -> (valid, rejected) frames in
    `VALID_SCHEMA` / `REJECTED_SCHEMA`. Duplicates are found among these rows only: the caller passes every
    row of a USCC together, in row order."""
    frame = frame.reset_index(drop=True)
    sheet = RawSheet("", list(headers), _text_cells(frame, headers),
                     pd.Series(frame["row_number"].to_numpy(dtype="int64")))
    checked = validate_sheet(sheet, mapping, city=city, file_label="rows.parquet")
    rows = checked.rows
    valid = pd.DataFrame({"row_number": rows["row_number"].to_numpy(dtype="int64")})
    for column in _TEXT:
        valid[column] = rows[column].astype(object).where(rows[column].notna(), None).to_numpy()
    valid["registered_capital"] = pd.to_numeric(rows["registered_capital"], errors="coerce").astype("float64")
    founded = pd.to_datetime(rows["founded"], errors="coerce")
    valid["founded"] = founded.dt.strftime("%Y-%m-%d").astype(object).where(founded.notna(), None).to_numpy()
    valid["year"] = pd.array(pd.to_numeric(rows["year"], errors="coerce"), dtype="Int64")
    for m in MEASURES:
        valid[m] = pd.to_numeric(rows[m], errors="coerce").astype("float64").to_numpy()
    valid["tags"] = [_json(list(t)) for t in rows["tags"]]
    valid["warnings"] = [_json(w if isinstance(w, list) else []) for w in rows["warnings"]] if len(rows) else []
    rejected = pd.DataFrame({
        "row_number": checked.rejected["row_number"].to_numpy(dtype="int64"),
        "uscc": checked.rejected["uscc"].astype(object).where(checked.rejected["uscc"].notna(), None).to_numpy(),
        "raw": [_json(r) for r in checked.rejected["raw"]],
        "reasons": [_json(r) for r in checked.rejected["reasons"]],
    })
    return valid, rejected


def uscc_keys(frame: pd.DataFrame, header: str) -> pd.Series:
    """Each raw row's normalised USCC (the key duplicates are found by), None where it has none."""
    from chanye.registry import uscc

    cells = _text_cells(frame[[header]], [header])[0]
    keys = uscc.validate(cells).normalised
    return keys.astype(object).where(keys.notna(), None)


# --- classify and chains ------------------------------------------------------------------------------------


def firms_of(enterprises: pd.DataFrame) -> pd.DataFrame:
    """The enterprises linking reads, one row per USCC (its first), in input order."""
    missing = [c for c in ("uscc", "industry_code") if c not in enterprises.columns]
    if missing:
        raise InputError(f"enterprises.parquet 缺少列 {', '.join(missing)} (missing columns)")
    frame = enterprises[enterprises["uscc"].notna()].drop_duplicates("uscc", keep="first")
    out = pd.DataFrame({c: frame[c].astype(object).where(frame[c].notna(), None).to_numpy()
                        if c in frame.columns else None for c in FIRM_COLUMNS})
    return out


def classify_part(firms: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    from chanye.classify.codes import classify_by_rules

    links = classify_by_rules(firms.reset_index(drop=True), framework)
    return links[list(LINKS_SCHEMA.names)].astype({"confidence": "float64"})


def chains_part(firms: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    from chanye.classify.chains import link_enterprises

    chains = list(framework.chains)
    if not chains or firms.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "confidence" else object)
                             for c in CHAIN_LINKS_SCHEMA.names})
    links = link_enterprises(firms.reset_index(drop=True), chains)
    return links[list(CHAIN_LINKS_SCHEMA.names)].astype({"confidence": "float64"})


# --- indicators and complexity (whole tables) ----------------------------------------------------------------


def scale_inputs(enterprises: pd.DataFrame, figures: pd.DataFrame, tags: pd.DataFrame | None,
                 links: pd.DataFrame) -> tuple[pd.DataFrame, ...]:
    firms = enterprises[["uscc", "city_code", "district_code", *(["synthetic"] if "synthetic" in enterprises else [])]]
    tags = tags if tags is not None else pd.DataFrame({"uscc": pd.Series(dtype=object), "tag": pd.Series(dtype=object)})
    return firms, figures, tags, links[["uscc", "node"]]


def complexity_panel(enterprises: pd.DataFrame, figures: pd.DataFrame, city: str, digits: int = 4) -> pd.DataFrame:
    """location (district), activity (the code's first `digits` digits: 4 小类, 3 中类, 2 大类), year, value: the
    revenue of the city's firms with a district and a code, summed; firms counted by their first row."""
    firms = enterprises[enterprises["uscc"].notna()].drop_duplicates("uscc", keep="first")
    firms = firms[(firms["city_code"].astype(object) == city) & firms["district_code"].notna()
                  & firms["industry_code"].notna()]
    figs = figures[figures[PANEL_VALUE].notna()]
    joined = figs[["uscc", "year", PANEL_VALUE]].merge(
        firms[["uscc", "district_code", "industry_code"]], on="uscc", how="inner")
    joined["industry_code"] = joined["industry_code"].astype(str).str[:digits]
    panel = joined.groupby(["district_code", "industry_code", "year"], as_index=False)[PANEL_VALUE].sum()
    panel = panel.rename(columns={"district_code": "location", "industry_code": "activity", PANEL_VALUE: "value"})
    panel["year"] = panel["year"].astype("int64")
    return panel


COMPLEXITY_COLUMNS = ("year", "location", "activity", "value", "rca", "M", "density", "eci", "pci", "diversity",
                      "ubiquity", "coi", "cog")


def complexity_tables(panel: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    from chanye.analytics.complexity import complexity, proximity_frame

    options = {"location": "location", "activity": "activity", "value": "value", "year": "year"}
    table = complexity(panel, **options)
    out = table[list(COMPLEXITY_COLUMNS)].astype({"M": "int64", "year": "int64", "diversity": "int64",
                                                  "ubiquity": "int64"})
    prox = proximity_frame(panel, **options)[["year", "activity_1", "activity_2", "proximity"]]
    return out.reset_index(drop=True), prox.astype({"year": "int64"}).reset_index(drop=True)


# --- the single-machine engine ---------------------------------------------------------------------------------


@dataclass
class BatchRun:
    """What a run wrote: per step its seconds and per table its row count."""

    engine: str
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


def _order(steps: Sequence[str] | None) -> list[str]:
    chosen = list(steps or STEPS)
    unknown = [s for s in chosen if s not in STEPS]
    if unknown:
        raise InputError(f"未知步骤 {', '.join(unknown)} (unknown batch steps)", hint=f"可选: {', '.join(STEPS)}")
    return [s for s in STEPS if s in chosen]


BATCH_ROWS = 100_000  # rows of a table in Python at once in the row steps (bounded memory)
REPEATED_BUCKET_ROWS = 200_000  # rows validated together when their USCCs repeat (all rows of a USCC at once)
DUCKDB_MEMORY = "1GB"  # DuckDB's share of a run (it spills to the output's temporary folder beyond it)


class _Writer:
    """A Parquet table written a batch at a time (an empty table with the schema when no row came)."""

    def __init__(self, path: Path, schema: pa.Schema, metadata: dict[bytes, bytes] | None = None) -> None:
        self.path, self.schema, self.rows = path, schema, 0
        self.metadata = metadata  # pandas' (dtypes to restore), as `write_table` writes it
        self._writer: pq.ParquetWriter | None = None

    def write(self, frame: pd.DataFrame) -> None:
        if len(frame):
            self.write_arrow(pa.Table.from_pandas(frame, schema=self.schema, preserve_index=False))

    def write_arrow(self, table: pa.Table | pa.RecordBatch) -> None:
        if self.metadata is None:
            self.metadata = table.schema.metadata
        table = pa.Table.from_batches([table]) if isinstance(table, pa.RecordBatch) else table
        table = table.cast(self.schema).replace_schema_metadata(self.metadata)
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(self.path, table.schema)
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(self.schema.empty_table(), self.path)
        else:
            self._writer.close()


def _replace(path: Path) -> Path:
    """`path` made free for a new table (a previous run's file or Spark's folder of parts removed)."""
    import shutil

    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    return path


def _validate_stream(source: str | Path, out: Path, temp: Path, con: Any, mapping: Mapping, city: City,
                     batch_rows: int) -> None:
    """validate in batches of rows; the rows whose normalised USCC repeats (found by DuckDB over every row's
    result) are validated again together, all rows of a USCC in one sheet in row order, as the whole file
    would be: their duplicate reasons name the first row. Outputs in ``row_number`` order."""
    from chanye.registry import batch_export as X

    files = table_files(source, "rows")
    assert files is not None
    headers = raw_headers(pq.read_schema(files[0]).names)
    check_headers(headers, mapping)
    first = {"valid": _Writer(temp / "valid-1.parquet", VALID_SCHEMA),
             "rejected": _Writer(temp / "rejected-1.parquet", REJECTED_SCHEMA)}
    ascending, last = True, None
    for _, _, batch in iter_batches(files, batch_rows=batch_rows):
        frame = batch.to_pandas()
        numbers = frame["row_number"].to_numpy()
        if len(numbers):
            ascending = ascending and bool((np.diff(numbers) > 0).all()) and (last is None or numbers[0] > last)
            last = numbers[-1]
        valid, rejected = validate_part(frame, headers, mapping, city)
        first["valid"].write(valid)
        first["rejected"].write(rejected)
    for writer in first.values():
        writer.close()
    repeated = X.repeated_rows(con, [w.path for w in first.values()], bucket_rows=REPEATED_BUCKET_ROWS)
    if not repeated and ascending:  # the common case: every batch's result is the file's
        for name, writer in first.items():
            writer.path.replace(_replace(table_path(out, name)))
        return
    again: dict[str, Path] | None = None
    if repeated:
        raw = temp / "repeated-raw.parquet"
        buckets = X.write_repeated_raw(con, files, raw)
        writers = {"valid": _Writer(temp / "valid-2.parquet", VALID_SCHEMA),
                   "rejected": _Writer(temp / "rejected-2.parquet", REJECTED_SCHEMA)}
        for bucket in buckets:
            valid, rejected = validate_part(X.repeated_bucket(con, raw, bucket).to_pandas(), headers, mapping, city)
            writers["valid"].write(valid)
            writers["rejected"].write(rejected)
        for writer in writers.values():
            writer.close()
        again = {name: w.path for name, w in writers.items()}
    for name, writer in first.items():
        merged = _Writer(temp / f"{name}.parquet", writer.schema, writer.metadata)
        for batch in X.by_row(con, writer.path, again[name] if again else None, batch_rows):
            merged.write_arrow(batch)
        merged.close()
        merged.path.replace(_replace(table_path(out, name)))


def firm_batches(source: str | Path, con: Any, batch_rows: int = BATCH_ROWS) -> Iterator[pd.DataFrame]:
    """`firms_of` the enterprises table, a batch at a time: the rows whose USCC an earlier row has (found by
    DuckDB over the whole table) are skipped, so each firm is its first row as in the whole table."""
    from chanye.registry import batch_export as X

    files = table_files(source, "enterprises")
    assert files is not None
    have = pq.read_schema(files[0]).names
    missing = [c for c in ("uscc", "industry_code") if c not in have]
    if missing:
        raise InputError(f"enterprises.parquet 缺少列 {', '.join(missing)} (missing columns)")
    later = X.later_firm_rows(con, files).to_pandas()
    skip = {int(f): np.sort(g["_pos"].to_numpy(dtype="int64")) for f, g in later.groupby("_file")}
    for index, start, batch in iter_batches(files, [c for c in FIRM_COLUMNS if c in have], batch_rows):
        frame = batch.to_pandas()
        if index in skip:
            positions = np.arange(start, start + len(frame), dtype="int64")
            frame = frame[~np.isin(positions, skip[index])]
        yield firms_of(frame)


def _scale_local(source: str | Path, out: Path, temp: Path, framework: Framework,
                 batch_rows: int = BATCH_ROWS) -> pd.DataFrame:
    """`analytics.indicators.scale` of the inputs (links: this run's when classify wrote them), a batch at a
    time: DuckDB (`registry.batch_export.scale_frames`, a DuckDB of its own, closed before the sums) writes
    the columns it sums with integer USCCs to temporary Parquet files, and
    `analytics.indicators.scale_batches` reads them `batch_rows` rows at a time -- the same frame as `scale`
    of the whole tables, bit for bit, with memory bounded by a few integers per firm instead of whole frames
    (at 10 M rows 1.3 GB instead of 3.7 GB: docs/scale.md)."""
    from chanye.analytics.indicators import scale, scale_batches
    from chanye.registry import batch_export as X

    wanted = {"enterprises": ("uscc", "city_code", "district_code", "synthetic"),
              "figures": ("uscc", "year", *MEASURES, "synthetic"), "tags": ("uscc", "tag"), "links": ("uscc", "node")}
    tables: dict[str, tuple[list[Path], list[str]]] = {}
    for name, columns in wanted.items():
        files = table_files(out, name, required=False) if name == "links" else None
        files = files or table_files(source, name, required=name != "tags")
        if files is None:
            continue
        have = set(pq.read_schema(files[0]).names)
        missing = [c for c in columns[:2] if c not in have and name != "enterprises"]
        if missing or (name == "enterprises" and not {"uscc", "city_code", "district_code"} <= have):
            return scale(*scale_inputs(read_table(source, "enterprises"), read_table(source, "figures"),
                                       read_table(source, "tags", required=False), read_table(source, "links")),
                         framework, framework.city.code)  # the function's own message names what is missing
        tables[name] = (files, [c for c in columns if c in have])
    con = X.batch_connection(temp / "duckdb-scale", memory_limit=DUCKDB_MEMORY)
    numbered: dict[str, Path] = {}
    try:
        for name, reader in X.scale_frames(con, tables, batch_rows=batch_rows):
            writer = _Writer(temp / f"scale-{name}.parquet", reader.schema)
            for batch in reader:
                writer.write_arrow(batch)
            writer.close()
            numbered[name] = writer.path
    finally:
        con.close()

    def batches(name: str) -> Callable[[], Iterator[pd.DataFrame]]:
        if name not in numbered:  # no tags table: no tags
            return lambda: iter([pd.DataFrame({"uscc": pd.Series(dtype="int64"), "tag": pd.Series(dtype=object)})])
        return lambda: (b.to_pandas() for _, _, b in iter_batches([numbered[name]], batch_rows=batch_rows))

    try:
        return scale_batches(batches("enterprises"), batches("figures"), batches("tags"), batches("links"),
                             framework, framework.city.code)
    except InputError as exc:
        if "duplicate uscc+year" not in str(exc):
            raise
        con = X.batch_connection(temp / "duckdb-scale", memory_limit=DUCKDB_MEMORY)
        try:
            examples = X.repeated_figures(con, tables["figures"][0])
        finally:
            con.close()
        raise InputError(f"figures 中同一企业同一年份出现多行 (duplicate uscc+year), 例如 {examples}",
                         hint=exc.hint) from None


def run_local(source: str | Path, target: str | Path, framework: Framework, *,
              steps: Sequence[str] | None = None, mapping: Mapping | None = None, activity_digits: int = 4,
              on_step: Callable[[str, float], None] | None = None, batch_rows: int = BATCH_ROWS) -> BatchRun:
    """Run `steps` (all by default, in `STEPS` order) on one machine: read Parquet from `source`, write to
    `target`. Later steps read a table an earlier one wrote (links) before the input's own. `activity_digits`:
    the complexity panel's activity level (4 小类, 3 中类, 2 大类).

    Memory stays bounded whatever the rows: the row steps (validate, classify, chains) stream `batch_rows`
    rows at a time through the platform's functions and write as they go; what needs every row (repeated
    USCCs, each firm's first row, the complexity panel's sums) is a DuckDB query (`registry.batch_export`)
    that spills to a temporary folder under `target`. indicators reads only the columns it sums."""
    import shutil
    import tempfile

    from chanye.registry import batch_export as X

    mapping = mapping or Mapping()
    run = BatchRun("duckdb")
    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=".batch-", dir=out))
    con = X.batch_connection(temp / "duckdb", memory_limit=DUCKDB_MEMORY)

    def done(step: str, started: float, tables: dict[str, tuple[pd.DataFrame, pa.Schema | None]]) -> None:
        for name, (frame, schema) in tables.items():
            write_table(frame, out, name, schema)
        for name in OUTPUTS[step]:
            run.rows[name] = pq.read_metadata(table_path(out, name)).num_rows
        run.seconds[step] = round(time.perf_counter() - started, 3)
        if on_step:
            on_step(step, run.seconds[step])

    try:
        for step in _order(steps):
            started = time.perf_counter()
            if step == "validate":
                _validate_stream(source, out, temp, con, mapping, framework.city, batch_rows)
                done(step, started, {})
            elif step in ("classify", "chains"):
                name, schema, func = (("links", LINKS_SCHEMA, classify_part) if step == "classify"
                                      else ("chain_links", CHAIN_LINKS_SCHEMA, chains_part))
                writer = _Writer(temp / f"{name}.parquet", schema)
                for firms in firm_batches(source, con, batch_rows):
                    writer.write(func(firms, framework))
                writer.close()
                writer.path.replace(_replace(table_path(out, name)))
                done(step, started, {})
            elif step == "indicators":
                from chanye.analytics.indicators import structure

                frame = _scale_local(source, out, temp, framework, batch_rows)
                frame["year"] = frame["year"].astype("int64")
                struct = structure(frame, framework)
                struct["year"] = struct["year"].astype("int64")
                done(step, started, {"scale": (frame, None), "structure": (struct, None)})
            else:
                panel = X.complexity_panel(con, table_files(source, "enterprises"), table_files(source, "figures"),
                                           city=framework.city.code, digits=activity_digits,
                                           value=PANEL_VALUE).to_pandas()
                table, prox = complexity_tables(panel)
                done(step, started, {"complexity": (table, None), "proximity": (prox, None)})
    finally:
        con.close()
        shutil.rmtree(temp, ignore_errors=True)
    return run


def sort_for_compare(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """A table in key order with a fresh index (engines write rows in different orders)."""
    return frame.sort_values(list(keys), kind="stable").reset_index(drop=True)


KEYS: dict[str, tuple[str, ...]] = {
    "valid": ("row_number",),
    "rejected": ("row_number",),
    "links": ("uscc", "node"),
    "chain_links": ("uscc", "chain", "chain_node"),
    "scale": ("scope", "node", "area_type", "area", "year", "metric"),
    "structure": ("node", "area_type", "area", "year", "metric", "indicator"),
    "complexity": ("year", "location", "activity"),
    "proximity": ("year", "activity_1", "activity_2"),
}


def nan_equal(a: np.ndarray, b: np.ndarray, tol: float = 1e-9) -> bool:
    """Numbers equal to `tol` (relative above 1), NaN where the other is NaN."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    same_nan = np.isnan(a) == np.isnan(b)
    close = np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b))
    return bool(same_nan.all() and (close | np.isnan(a)).all())
