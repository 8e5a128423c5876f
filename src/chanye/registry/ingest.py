"""Import (导入): file -> validate -> store, atomically; bad rows to quarantine with every reason.

`import_file` is the one library call behind `chanye import` and the web upload. Valid rows are upserted by
USCC (enterprises) and USCC + year (figures) in one transaction together with the quarantine, the warnings,
the batch record and the classification of every touched enterprise: a failure or a killed process leaves
the database as it was. Re-importing the same file changes nothing and says so. Given `limits` (the CLI,
the web and `Platform.import_file` pass them), the file is read and validated in a worker process under
resource limits (`registry.import_worker`) and only this process writes the store.

Memory follows the chunk, not the file: a large regular CSV is read and validated in chunks
(`registry.read.iter_sheets`), the valid rows are spooled to Parquet files in a private temporary folder and
the upserts run as DuckDB set operations over them (issue 14).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from chanye.framework import Framework, load_pack
from chanye.registry import import_worker
from chanye.registry.fields import FIELDS, MEASURES
from chanye.registry.import_worker import ImportLimits
from chanye.registry.read import Irregular
from chanye.registry.store import Store
from chanye.registry.validate import Mapping, Validated

Progress = Callable[[str, float], None]  # (stage: reading | validating | writing | done, fraction)
OnWrite = Callable[[Store, pd.Series, Framework, dict], tuple[int, int]]

ENTERPRISE_COLUMNS = (
    "uscc", "name", "city_code", "district_code", "address", "industry_code", "industry_code_raw",
    "code_vintage", "business_scope", "registered_capital", "founded",
)


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class SheetReport:
    sheet: str
    rows: int
    blank_rows: int
    loaded: int
    quarantined: int
    columns: dict[str, str]  # header -> field
    ignored: list[str]


@dataclass
class ImportReport:
    """What an import did: counts, reasons and warnings by kind, and what changed in the store."""

    file: str
    batch_id: int | None
    dry_run: bool
    rows_total: int = 0
    rows_blank: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    enterprises: Counts = field(default_factory=Counts)
    figures: Counts = field(default_factory=Counts)
    tags_added: int = 0
    classified: int = 0
    predicted: int = 0
    # Firms without a code (issue 11): sent to the review queue, and the model learned from the registry's own
    # coded rows (how many, and its cross-validated accuracy; None when too few rows to learn from)
    queued: int = 0
    learned_rows: int = 0
    learned_cv_accuracy: float | None = None
    reasons: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    sheets: list[SheetReport] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


_VARYING = re.compile(r"'[^']*'|“[^”]*”|(?<![\w/.-])\d+(\.\d+)?(?![\w-])")


def reason_kind(item: dict) -> str:
    """A countable kind for a reason: the field and the message without its varying parts (values, row
    numbers, the expected character after "，"), e.g. '统一社会信用代码: 统一社会信用代码校验位错误 (check character wrong)'."""
    field_name = FIELDS[item["field"]].zh if item["field"] in FIELDS else item["field"]
    zh, _, en = item["reason"].partition(" (")
    zh = _VARYING.sub("…", zh.split("，")[0])
    en = re.sub(r"row \d+", "row N", en)
    return f"{field_name}: {zh} ({en}" if en else f"{field_name}: {zh}"


def import_file(
    store: Store,
    path: str | Path,
    *,
    mapping: Mapping | None = None,
    year: int | None = None,
    sheet: str | None = None,
    pack: str | Framework | None = None,
    synthetic: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    on_write: OnWrite | None = None,
    limits: ImportLimits | None = None,
) -> ImportReport:
    """Import a CSV/XLSX/Parquet file of enterprises (and yearly figures). See the module docstring. `pack`
    (a Framework, a pack name or folder; default the default pack) gives the city whose districts every row
    is checked against, the nodes firms are classified into and the chains they are linked to.
    `on_write(store, usccs, framework, info) -> (predicted, classified)` classifies the enterprises the file
    touched inside the same transaction (`services.imports.classify_and_link`; none: the rows are stored
    unclassified) and fills `info` with queued, labelled_rows and learned_cv_accuracy for the report.
    `limits`: read and validate the file in a worker process under these limits (`registry.import_worker`;
    what the CLI and the web do); None reads it in this process (library use, tests)."""
    path = Path(path)
    framework = framework_of(pack)
    mapping = mapping or Mapping()
    if year is not None:
        mapping.year = year
    step = progress or (lambda _stage, _fraction: None)
    try:
        report = _import(store, path, mapping, sheet, framework, synthetic, dry_run, step, on_write, limits, True)
    except Irregular:  # a CSV streamed in this process turned out irregular midway: rolled back, read it whole
        report = _import(store, path, mapping, sheet, framework, synthetic, dry_run, step, on_write, limits, False)
    step("done", 1.0)
    return report


def _import(store: Store, path: Path, mapping: Mapping, sheet: str | None, framework: Framework, synthetic: bool,
            dry_run: bool, step: Progress, on_write: OnWrite | None, limits: ImportLimits | None,
            stream: bool) -> ImportReport:
    started = time.perf_counter()
    report = ImportReport(file=str(path), batch_id=None, dry_run=dry_run)
    with import_worker.parse_chunks(path, mapping, sheet=sheet, city=framework.city, file_label=path.name,
                                    progress=step, limits=limits, stream=stream) as chunks:
        try:
            with store.transaction():
                batch = store.new_batch_id()
                report.batch_id = None if dry_run else batch
                _write(store, batch, _announced(chunks, step), report, synthetic=synthetic, pack=framework, on_write=on_write)
                report.seconds = round(time.perf_counter() - started, 3)
                _record_batch(store, batch, path, report, synthetic)
                if dry_run:  # a plan: everything ran, now undo it
                    raise _Rollback
        except _Rollback:
            pass
    return report


def _announced(chunks: Iterator[Validated], step: Progress) -> Iterator[Validated]:
    """The chunks, saying "writing" once the first is ready (after the worker, or the first chunk read)."""
    said = False
    for v in chunks:
        if not said:
            step("writing", 0.6)
            said = True
        yield v
    if not said:
        step("writing", 0.6)


def framework_of(pack: str | Framework | None) -> Framework:
    """A loaded pack: `pack` itself, or the pack of that name or folder (default the default pack)."""
    return pack if isinstance(pack, Framework) else load_pack(pack)


class _Rollback(Exception):
    """Raised inside the transaction of a dry run so that it rolls back."""


def plan_import(store: Store, path: str | Path, **kwargs) -> ImportReport:
    """What `import_file` would do, without changing the store: the import runs and is rolled back."""
    return import_file(store, path, dry_run=True, **kwargs)


def _write(store: Store, batch: int, chunks: Iterator[Validated], report: ImportReport, *, synthetic: bool,
           pack: Framework, on_write: OnWrite | None) -> None:
    """Write the validated chunks: quarantine and warnings as they come, the valid rows into a staging table
    (DuckDB's, so memory follows the chunk), then the upserts as set operations over it."""
    reasons: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    con = store.con
    staged = 0
    tagged = False
    last_sheet: str | None = None
    # The valid rows are spooled to Parquet files chunk by chunk and read back by DuckDB as one relation:
    # memory follows the chunk, not the file (a temporary table would hold every row in memory).
    spool = Path(tempfile.mkdtemp(prefix="chanye-stage-"))
    try:
        for k, v in enumerate(chunks):
            loaded, rejected = len(v.core), len(v.rejected)
            if report.sheets and v.sheet == last_sheet:  # a later chunk of the same sheet (names are unique)
                sr = report.sheets[-1]
                sr.rows += loaded + rejected
                sr.blank_rows += v.blank_rows
                sr.loaded += loaded
                sr.quarantined += rejected
            else:
                report.sheets.append(SheetReport(
                    sheet=v.sheet, rows=loaded + rejected, blank_rows=v.blank_rows, loaded=loaded,
                    quarantined=rejected, columns={p.header: p.target for p in v.plans if p.target},
                    ignored=[p.header for p in v.plans if not p.target],
                ))
            last_sheet = v.sheet
            report.rows_total += loaded + rejected
            report.rows_blank += v.blank_rows
            report.rows_loaded += loaded
            report.rows_quarantined += rejected
            for items in v.rejected["reasons"]:
                reasons.update({reason_kind(i) for i in items})
            _insert_quarantine(store, batch, v)
            _insert_warnings(store, batch, v, warnings)
            if loaded:
                pq.write_table(_stage(v, staged), spool / f"rows-{k:06d}.parquet", compression="none")
                staged += loaded
                if len(v.tags):
                    positions = v.tags["position"].to_numpy()
                    pq.write_table(pa.table({
                        "uscc": pa.array(v.core["uscc"].to_numpy(dtype=object)[positions], pa.string()),
                        "tag": pa.array(v.tags["tag"].to_numpy(dtype=object), pa.string())}),
                        spool / f"tags-{k:06d}.parquet", compression="none")
                    tagged = True
            del v
        report.reasons = _by_count(reasons)
        report.warnings = _by_count(warnings)
        if not staged:
            return
        folder = str(spool).replace("'", "''")
        stage = f"read_parquet('{folder}/rows-*.parquet')"
        report.enterprises = upsert_enterprises(store, stage, batch, synthetic)
        if con.execute(f"SELECT count(*) FROM {stage} WHERE has_figures AND year IS NOT NULL").fetchall()[0][0]:
            report.figures = upsert_figures(store, stage, batch, synthetic)
        report.tags_added = _insert_tags(store, f"read_parquet('{folder}/tags-*.parquet')" if tagged else None, batch)
        touched = con.sql(f"SELECT uscc FROM {stage} GROUP BY uscc ORDER BY min(position)").to_arrow_table()
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    if on_write:
        usccs = pd.Series(touched.column("uscc").to_numpy(zero_copy_only=False), name="uscc", dtype=object)
        del touched
        learned: dict = {}
        report.predicted, report.classified = on_write(store, usccs, pack, learned)
        report.queued = int(learned.get("queued") or 0)
        report.learned_rows = int(learned.get("labelled_rows") or 0)
        report.learned_cv_accuracy = learned.get("learned_cv_accuracy")


def _stage(v: Validated, offset: int) -> pa.Table:
    """The valid rows of a sheet as an Arrow table of the store's types; `position` numbers the rows of the
    whole file from `offset` (the last of two rows for one firm wins)."""
    core = v.core
    n = len(core)
    columns: dict[str, pa.Array] = {"position": pa.array(np.arange(offset, offset + n, dtype="int64"))}
    for c in ("uscc", *ENTERPRISE_COLUMNS[1:]):
        if c == "registered_capital":
            columns[c] = pa.array(pd.to_numeric(core[c], errors="coerce").to_numpy("float64", na_value=np.nan),
                                  pa.float64(), from_pandas=True)
        elif c == "founded":
            columns[c] = pa.array(pd.to_datetime(core[c]).to_numpy("datetime64[ns]"), pa.timestamp("ns"),
                                  from_pandas=True).cast(pa.date32())
        else:
            columns[c] = _text(core[c])
    years = pd.to_numeric(core["year"], errors="coerce").to_numpy("float64", na_value=np.nan)
    columns["year"] = pa.array(years, pa.float64(), from_pandas=True).cast(pa.int64())
    for m in MEASURES:
        columns[m] = pa.array(pd.to_numeric(core[m], errors="coerce").to_numpy("float64", na_value=np.nan),
                              pa.float64(), from_pandas=True)
    columns["has_figures"] = pa.array(np.full(n, bool(v.has_figures)))
    return pa.table(columns)


def _text(series: pd.Series) -> pa.Array:
    """A column of text (or missing) as an Arrow string array; whole floats as '3911', as str() of the
    value otherwise (what the store made of such cells before)."""
    if isinstance(series.dtype, (pd.StringDtype, pd.ArrowDtype)) and getattr(series.dtype, "storage", "pyarrow") == "pyarrow":
        arr = pa.array(series.array)  # already Arrow: no Python strings on the way
        return (arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr).cast(pa.string())
    try:
        return pa.array(series.to_numpy(dtype=object), pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        values = [None if v is None or (isinstance(v, float) and v != v) else str(v) for v in series]
        return pa.array(values, pa.string())


def _by_count(counter: Counter) -> dict[str, int]:
    """Most frequent first; ties in text order (a set's order would change from run to run)."""
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _insert_quarantine(store: Store, batch: int, v: Validated) -> None:
    if not len(v.rejected):
        return
    frame = pd.DataFrame({
        "batch_id": batch, "sheet": v.sheet, "row_number": v.rejected["row_number"].astype("int64"),
        "uscc": v.rejected["uscc"],
        "raw": [json.dumps(r, ensure_ascii=False, default=str) for r in v.rejected["raw"]],
        "reasons": [json.dumps(r, ensure_ascii=False) for r in v.rejected["reasons"]],
    })
    store.con.register("q_stage", frame)
    store.con.execute("INSERT INTO quarantine SELECT * FROM q_stage")
    store.con.unregister("q_stage")


def _insert_warnings(store: Store, batch: int, v: Validated, counter: Counter) -> None:
    w = v.warnings
    if not len(w):
        return
    positions = w["position"].to_numpy()
    for (field_name, reason), count in Counter(zip(w["field"].tolist(), w["reason"].tolist(), strict=True)).items():
        counter[reason_kind({"field": field_name, "reason": reason})] += count
    stage = pa.table({
        "batch_id": pa.array(np.full(len(w), batch, dtype="int32")),
        "sheet": pa.array([v.sheet] * len(w), pa.string()),
        "row_number": pa.array(v.core["row_number"].to_numpy("int64")[positions]),
        "uscc": pa.array(v.core["uscc"].to_numpy(dtype=object)[positions], pa.string()),
        "field": pa.array(w["field"].to_numpy(dtype=object), pa.string()),
        "message": pa.array(w["reason"].to_numpy(dtype=object), pa.string()),
    })
    store.con.register("w_stage", stage)
    store.con.execute("INSERT INTO import_warnings SELECT * FROM w_stage")
    store.con.unregister("w_stage")


def upsert_enterprises(store: Store, stage: str, batch: int, synthetic: bool) -> Counts:
    """Insert new enterprises; for known ones, a value in the file replaces the stored one, a blank keeps it.
    `stage`: a registered relation with the enterprise columns and `position` (order in the file); a USCC
    that occurs more than once (in two sheets, or two years of one sheet) takes its last row. Set operations:
    the known firms are merged in a temporary table, the new ones go straight in (the usual bulk case)."""
    con = store.con
    distinct, total = con.execute(f"SELECT count(DISTINCT uscc), count(*) FROM {stage}").fetchall()[0]
    rows = stage if distinct == total else \
        f"(SELECT * FROM {stage} QUALIFY row_number() OVER (PARTITION BY uscc ORDER BY position DESC) = 1)"
    merged = ", ".join(f"coalesce(s.{c}, e.{c}) AS {c}" for c in ENTERPRISE_COLUMNS if c != "uscc")
    changed = " OR ".join(f"(s.{c} IS NOT NULL AND s.{c} IS DISTINCT FROM e.{c})" for c in ENTERPRISE_COLUMNS[1:])
    known = con.execute(f"SELECT count(*) FROM {rows} s JOIN enterprises e USING (uscc)").fetchall()[0][0]
    counts = {}
    columns = ", ".join((*ENTERPRISE_COLUMNS, "predicted_code", "predicted_score", "synthetic", "batch_id"))
    if known:  # only the firms whose values change are held (a re-import of the same file holds none)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE e_merged AS
            SELECT s.uscc, {merged}, e.predicted_code, e.predicted_score,
                   {bool(synthetic)} OR e.synthetic AS synthetic, {int(batch)} AS batch_id
            FROM {rows} s JOIN enterprises e USING (uscc) WHERE {changed}
        """)
        counts["updated"] = con.execute("SELECT count(*) FROM e_merged").fetchall()[0][0]
        counts["unchanged"] = known - counts["updated"]
        if counts["updated"]:
            con.execute("DELETE FROM enterprises WHERE uscc IN (SELECT uscc FROM e_merged)")
            con.execute(f"INSERT INTO enterprises ({columns}) SELECT {columns} FROM e_merged")
        con.execute("DROP TABLE e_merged")
    inserted = 0
    if known < distinct:
        new = ", ".join(f"s.{c}" for c in ENTERPRISE_COLUMNS)
        anti = " WHERE NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.uscc = s.uscc)" if known else ""
        inserted = con.execute(f"""
            INSERT INTO enterprises ({columns})
            SELECT {new}, NULL, NULL, {bool(synthetic)}, {int(batch)} FROM {rows} s{anti}
        """).fetchall()[0][0]
    return Counts(inserted, counts.get("updated", 0), counts.get("unchanged", 0))


def upsert_figures(store: Store, stage: str, batch: int, synthetic: bool) -> Counts:
    """Upsert yearly figures by USCC + year; a blank cell keeps the stored value. `stage`: a registered
    relation holding uscc, year, the measures and has_figures (rows without figures are skipped)."""
    con = store.con
    rows = f"(SELECT * FROM {stage} WHERE has_figures AND year IS NOT NULL)"
    total = con.execute(f"SELECT count(*) FROM {rows}").fetchall()[0][0]
    merged = ", ".join(f"coalesce(s.{m}, f.{m}) AS {m}" for m in MEASURES)
    changed = " OR ".join(f"(s.{m} IS NOT NULL AND s.{m} IS DISTINCT FROM f.{m})" for m in MEASURES)
    known = con.execute(f"SELECT count(*) FROM {rows} s JOIN enterprise_years f USING (uscc, year)").fetchall()[0][0]
    counts = {}
    columns = ", ".join(("uscc", "year", *MEASURES, "synthetic", "batch_id"))
    if known:  # only the figures that change are held
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE f_merged AS
            SELECT s.uscc, s.year, {merged}, {bool(synthetic)} OR f.synthetic AS synthetic, {int(batch)} AS batch_id
            FROM {rows} s JOIN enterprise_years f USING (uscc, year) WHERE {changed}
        """)
        counts["updated"] = con.execute("SELECT count(*) FROM f_merged").fetchall()[0][0]
        counts["unchanged"] = known - counts["updated"]
        if counts["updated"]:
            con.execute("DELETE FROM enterprise_years WHERE (uscc, year) IN (SELECT (uscc, year) FROM f_merged)")
            con.execute(f"INSERT INTO enterprise_years ({columns}) SELECT {columns} FROM f_merged")
        con.execute("DROP TABLE f_merged")
    inserted = 0
    if known < total:
        anti = (" WHERE NOT EXISTS (SELECT 1 FROM enterprise_years f WHERE f.uscc = s.uscc AND f.year = s.year)"
                if known else "")
        inserted = con.execute(f"""
            INSERT INTO enterprise_years ({columns})
            SELECT s.uscc, s.year, {", ".join(f"s.{m}" for m in MEASURES)}, {bool(synthetic)}, {int(batch)}
            FROM {rows} s{anti}
        """).fetchall()[0][0]
    return Counts(inserted, counts.get("updated", 0), counts.get("unchanged", 0))


def _insert_tags(store: Store, pairs: str | None, batch: int) -> int:
    """Add the (uscc, tag) pairs of the staging table `pairs` that the store lacks; how many."""
    if pairs is None:
        return 0
    return store.con.execute(f"""
        INSERT INTO tags SELECT DISTINCT s.uscc, s.tag, {int(batch)} FROM {pairs} s
        WHERE NOT EXISTS (SELECT 1 FROM tags t WHERE t.uscc = s.uscc AND t.tag = s.tag)
    """).fetchall()[0][0]


def _record_batch(store: Store, batch: int, path: Path, report: ImportReport, synthetic: bool) -> None:
    store.con.execute(
        """INSERT INTO import_batches VALUES (?, ?, 'file', now() - to_microseconds(CAST(? * 1e6 AS BIGINT)), now(),
           'done', ?, ?, ?, ?, ?, ?, ?, ?)""",
        [batch, str(path), report.seconds, report.rows_total, report.rows_loaded, report.rows_quarantined,
         report.enterprises.inserted, report.enterprises.updated, report.enterprises.unchanged, synthetic,
         json.dumps(report.to_dict(), ensure_ascii=False)],
    )

