"""Import (导入): file -> validate -> store, atomically; bad rows to quarantine with every reason.

`import_file` is the one library call behind `chanye import` and the web upload. Valid rows are upserted by
USCC (enterprises) and USCC + year (figures) in one transaction together with the quarantine, the warnings,
the batch record and the classification of every touched enterprise: a failure or a killed process leaves
the database as it was. Re-importing the same file changes nothing and says so. Given `limits` (the CLI,
the web and `Platform.import_file` pass them), the file is read and validated in a worker process under
resource limits (`registry.import_worker`) and only this process writes the store.

Memory follows the chunk, not the file: a large regular CSV is read and validated in chunks
(`registry.read.iter_sheets`), the valid rows are staged, typed as the store's columns, in Parquet files in a
private temporary folder (by the worker itself when there is one) and the upserts run as DuckDB set
operations over them, inserting new rows in key order (issue 14).
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from chanye.framework import Framework, load_pack
from chanye.registry import import_worker
from chanye.registry.fields import ENTERPRISE_COLUMNS, FIELDS, MEASURES
from chanye.registry.import_worker import ImportLimits, Staged
from chanye.registry.read import Irregular
from chanye.registry.store import Store
from chanye.registry.validate import Mapping, Validated

Progress = Callable[[str, float], None]  # (stage: reading | validating | writing | done, fraction)
OnWrite = Callable[[Store, pa.Array, Framework, dict], tuple[int, int]]


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
    `on_write(store, usccs, framework, info) -> (predicted, classified)` (usccs: an Arrow string array of the
    USCCs the file touched, each once) classifies the enterprises the file
    touched inside the same transaction (`services.imports.classify_and_link`; none: the rows are stored
    unclassified) and fills `info` with queued, labelled_rows and learned_cv_accuracy for the report.
    `limits`: read and validate the file in a worker process under these limits (`registry.import_worker`;
    what the CLI and the web do); None reads it in this process (library use, tests)."""
    path = Path(path)
    import_worker.sweep_stale()  # the folders of imports killed outright (SIGKILL) before
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
                                    progress=step, limits=limits, stream=stream, staged=True) as chunks:
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


def _announced(chunks: Iterator[Validated | Staged], step: Progress) -> Iterator[Validated | Staged]:
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


def _write(store: Store, batch: int, chunks: Iterator[Validated | Staged], report: ImportReport, *,
           synthetic: bool, pack: Framework, on_write: OnWrite | None) -> None:
    """Write the validated chunks: quarantine and warnings as they come, the valid rows typed into Parquet
    stage files (the worker's own, or spooled here for chunks validated in this process), then the upserts as
    set operations over them."""
    reasons: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    con = store.con
    staged = 0
    row_files: list[Path] = []
    tag_files: list[Path] = []
    last_sheet: str | None = None
    # Memory follows the chunk, not the file: DuckDB reads the stage files as one relation (a temporary table
    # would hold every row in memory).
    spool = import_worker.private_folder("stage")
    try:
        for k, v in enumerate(chunks):
            if isinstance(v, Validated):  # validated in this process: stage it here
                v = import_worker.stage(v, spool, k, staged)
            loaded, rejected = v.loaded, len(v.rejected)
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
            _insert_quarantine(store, batch, v.sheet, v.rejected)
            _insert_warnings(store, batch, v.warnings, warnings)
            if v.rows_file is not None:
                row_files.append(v.rows_file)
                staged += loaded
            if v.tags_file is not None:
                tag_files.append(v.tags_file)
            del v
        report.reasons = _by_count(reasons)
        report.warnings = _by_count(warnings)
        if not staged:
            return
        stage = _parquet(row_files)
        report.enterprises = upsert_enterprises(store, stage, batch, synthetic)
        if con.execute(f"SELECT count(*) FROM {stage} WHERE has_figures AND year IS NOT NULL").fetchall()[0][0]:
            report.figures = upsert_figures(store, stage, batch, synthetic)
        report.tags_added = _insert_tags(store, _parquet(tag_files) if tag_files else None, batch)
        if on_write:  # the firms the file touched, each once (as Arrow strings: no Python string per firm)
            distinct = report.enterprises.inserted + report.enterprises.updated + report.enterprises.unchanged
            usccs = con.sql(f"SELECT {'DISTINCT ' if distinct < staged else ''}uscc FROM {stage}").to_arrow_table()
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    if on_write:
        usccs = usccs.column("uscc").combine_chunks()
        learned: dict = {}
        report.predicted, report.classified = on_write(store, usccs, pack, learned)
        report.queued = int(learned.get("queued") or 0)
        report.learned_rows = int(learned.get("labelled_rows") or 0)
        report.learned_cv_accuracy = learned.get("learned_cv_accuracy")


def _parquet(files: list[Path]) -> str:
    """The stage files as one relation DuckDB reads (in file order)."""
    names = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
    return f"read_parquet([{names}])"


def _by_count(counter: Counter) -> dict[str, int]:
    """Most frequent first; ties in text order (a set's order would change from run to run)."""
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _insert_quarantine(store: Store, batch: int, sheet: str, rejected: pd.DataFrame) -> None:
    if not len(rejected):
        return
    frame = pd.DataFrame({
        "batch_id": batch, "sheet": sheet, "row_number": rejected["row_number"].astype("int64"),
        "uscc": rejected["uscc"],
        "raw": [json.dumps(r, ensure_ascii=False, default=str) for r in rejected["raw"]],
        "reasons": [json.dumps(r, ensure_ascii=False) for r in rejected["reasons"]],
    })
    store.con.register("q_stage", frame)
    store.con.execute("INSERT INTO quarantine SELECT * FROM q_stage")
    store.con.unregister("q_stage")


def _insert_warnings(store: Store, batch: int, w: pa.Table, counter: Counter) -> None:
    """Store the warnings (`import_worker.Staged.warnings`) and count them by kind into `counter`."""
    if not w.num_rows:
        return
    kinds = w.group_by(["field", "message"], use_threads=False).aggregate([([], "count_all")])
    for field_name, reason, count in zip(kinds["field"].to_pylist(), kinds["message"].to_pylist(),
                                         kinds["count_all"].to_pylist(), strict=True):
        counter[reason_kind({"field": field_name, "reason": reason})] += count
    store.con.register("w_stage", w)
    store.con.execute(f"""INSERT INTO import_warnings
                          SELECT {int(batch)}, sheet, row_number, uscc, field, message FROM w_stage""")
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
            con.execute(f"INSERT INTO enterprises ({columns}) SELECT {columns} FROM e_merged ORDER BY uscc")
        con.execute("DROP TABLE e_merged")
    inserted = 0
    if known < distinct:
        new = ", ".join(f"s.{c}" for c in ENTERPRISE_COLUMNS)
        anti = "NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.uscc = s.uscc)" if known else "TRUE"
        for cond, params in _key_ranges(con, rows, distinct - known):
            inserted += con.execute(f"""
                INSERT INTO enterprises ({columns})
                SELECT {new}, NULL, NULL, {bool(synthetic)}, {int(batch)} FROM {rows} s
                WHERE {anti} AND {cond} ORDER BY s.uscc
            """, params).fetchall()[0][0]
    return Counts(inserted, counts.get("updated", 0), counts.get("unchanged", 0))


# New rows go in in key order: DuckDB then builds the primary-key index in order, and the commit writes it far
# faster (1 M firms + figures: the commit 3.8 s -> 1.0 s, the whole write a third less CPU). At most this many rows
# are sorted at once, so that the sort's memory stays what 1 M rows need (8 M rows: 8 ranges of keys).
SORT_ROWS = 1_000_000


def _key_ranges(con, rows: str, n: int) -> list[tuple[str, list[str]]]:
    """Conditions (with their parameters) that cut the `n` rows of `rows` into consecutive ranges of uscc of
    about SORT_ROWS rows each; one condition that takes every row when n <= SORT_ROWS."""
    parts = -(-n // SORT_ROWS)
    if parts <= 1:
        return [("TRUE", [])]
    cuts = con.execute(f"SELECT quantile_disc(uscc, {[i / parts for i in range(1, parts)]}) FROM {rows}")
    bounds = sorted(set(cuts.fetchall()[0][0]))
    ranges = [("s.uscc < ?", [bounds[0]])]
    ranges += [("s.uscc >= ? AND s.uscc < ?", [lo, hi]) for lo, hi in itertools.pairwise(bounds)]
    return [*ranges, ("s.uscc >= ?", [bounds[-1]])]


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
            con.execute(f"INSERT INTO enterprise_years ({columns}) SELECT {columns} FROM f_merged ORDER BY uscc, year")
        con.execute("DROP TABLE f_merged")
    inserted = 0
    if known < total:
        anti = ("NOT EXISTS (SELECT 1 FROM enterprise_years f WHERE f.uscc = s.uscc AND f.year = s.year)"
                if known else "TRUE")
        for cond, params in _key_ranges(con, rows, total - known):  # in key order (see SORT_ROWS)
            inserted += con.execute(f"""
                INSERT INTO enterprise_years ({columns})
                SELECT s.uscc, s.year, {", ".join(f"s.{m}" for m in MEASURES)}, {bool(synthetic)}, {int(batch)}
                FROM {rows} s WHERE {anti} AND {cond} ORDER BY s.uscc, s.year
            """, params).fetchall()[0][0]
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

