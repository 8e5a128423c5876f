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
operations over them (issue 14). New firms and figures go in chunk by chunk, each chunk in key order, while
the worker validates the next chunk; the firms and figures the store held before, and new firms that occur
in more than one chunk (the last row wins), are settled over the whole stage once every chunk is in. An
`on_write` that carries `early` (`services.imports.classify_and_link`) classifies and links each chunk's new
firms with a declared code as the chunk goes in (the worker stages whether each name may hold a word that
links, and the chunk's keys; the rules run on those while its rows are written); at the end it
is left only what needs the whole file.
"""

from __future__ import annotations

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

from chanye.errors import ChanyeError, InputError
from chanye.framework import Framework, load_pack
from chanye.registry import import_worker
from chanye.registry.fields import ENTERPRISE_COLUMNS, FIELDS, MEASURES
from chanye.registry.import_worker import ImportLimits, Staged
from chanye.registry.read import Irregular
from chanye.registry.scans import query_with
from chanye.registry.store import Store
from chanye.registry.validate import Mapping, Validated

Progress = Callable[[str, float], None]  # (stage: reading | validating | writing | done, fraction)
# (store, usccs, framework, info) -> (predicted, classified); one carrying `early` (`services.imports.EarlyLinks`)
# also links the new coded firms chunk by chunk
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
    queued_unread: int = 0  # of them, firms whose scope reads no class at all (only look-alike suggestions)
    learned_rows: int = 0
    learned_cv_accuracy: float | None = None
    # the scope reader checked on those rows, which then calibrate its probabilities (`OwnCurve.check`; None:
    # too few)
    reader_check: dict | None = None
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
    # the new firms with a declared code are classified and linked chunk by chunk, while the worker validates the
    # next chunk (`services.imports.EarlyLinks`); the worker stages whether each name holds a word that links
    early = getattr(on_write, "early", None) if on_write is not None else None
    worker = limits is not None and import_worker.resource is not None
    if worker:  # the workers' server loads its modules while this process prepares
        import_worker.start_server(getattr(early, "worker_modules", ()))
    names = early.name_test(framework) if early is not None else None
    with import_worker.parse_chunks(path, mapping, sheet=sheet, city=framework.city, file_label=path.name,
                                    progress=step, limits=limits, stream=stream, staged=True,
                                    name_test=names) as chunks:
        try:
            # a large import's memory stays bounded: DuckDB otherwise keeps up to 80% of RAM in buffers (issue 14)
            with store.transaction(memory=limits.store_memory if limits else None):
                batch = store.new_batch_id()
                report.batch_id = None if dry_run else batch
                _write(store, batch, _announced(chunks, step), report, synthetic=synthetic, pack=framework,
                       on_write=on_write, name_test=names, processes=worker)
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
           synthetic: bool, pack: Framework, on_write: OnWrite | None,
           name_test: import_worker.NameTest | None = None, processes: bool = False) -> None:
    """Write the validated chunks: quarantine and warnings as they come, the valid rows typed into Parquet
    stage files (the worker's own, or spooled here for chunks validated in this process), then the upserts as
    set operations over them. Given `name_test` (the stage's name_hit), an `on_write` with `early` links the new
    coded firms chunk by chunk."""
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
    new_firms = new_figures = 0  # inserted chunk by chunk (new to the store)
    # an empty table holds no firm or figure to merge: the whole-stage joins that look for them are skipped
    held = {t: bool(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]) for t in ("enterprises", "enterprise_years")}
    # what needs the whole file waits for on_write; beside a worker, the rules may run in processes of their own
    early = on_write.early(store, pack, batch, processes=processes) if name_test is not None else None
    try:
        for k, v in enumerate(chunks):
            if isinstance(v, Validated):  # validated in this process: stage it here
                v = import_worker.stage(v, spool, k, staged, name_test)
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
                if early is not None:  # its rules run in a thread while the rows go in
                    early.ahead(v.keys_file)
                row_files.append(v.rows_file)
                staged += loaded
                chunk = _parquet([v.rows_file])
                # Into a table empty before the import, a file's first sheet cannot meet a key it holds: validation
                # quarantined every repeat of a USCC + year in the sheet (of a USCC, without a year column), so
                # the anti-join that scans the growing table is skipped (at 8 M rows it scanned 32 x 4 M on average).
                # Were it wrong, `check_keys` would refuse the import and it would roll back.
                first = len(report.sheets) == 1
                by_year = any(p.target == "year" for p in v.plans)
                unique = first and not by_year and not held["enterprises"]
                new_firms += insert_new_enterprises(store, chunk, batch, synthetic, unique=unique)
                if v.has_figures:
                    new_figures += insert_new_figures(store, chunk, batch, synthetic,
                                                      unique=first and not held["enterprise_years"])
                if early is not None:
                    early.chunk(store, chunk, dedupe=by_year, unique=unique, coded=v.firms_file)
            if v.tags_file is not None:
                tag_files.append(v.tags_file)
            del v
        report.reasons = _by_count(reasons)
        report.warnings = _by_count(warnings)
        if not staged:
            return
        stage = _parquet(row_files)
        report.enterprises = upsert_enterprises(store, stage, batch, synthetic, inserted=new_firms,
                                                held=held["enterprises"],
                                                rewritten=None if early is None else early.rewritten)
        if con.execute(f"SELECT count(*) FROM {stage} WHERE has_figures AND year IS NOT NULL").fetchall()[0][0]:
            report.figures = upsert_figures(store, stage, batch, synthetic, inserted=new_figures,
                                            sheets=len(report.sheets), held=held["enterprise_years"])
        check_keys(store, batch)
        report.tags_added = _insert_tags(store, _parquet(tag_files) if tag_files else None, batch)
        if on_write:  # the firms the file touched, each once (as Arrow strings: no Python string per firm)
            distinct = report.enterprises.inserted + report.enterprises.updated + report.enterprises.unchanged
            usccs = con.sql(f"SELECT {'DISTINCT ' if distinct < staged else ''}uscc FROM {stage}").to_arrow_table()
    finally:
        if early is not None:
            early.close()
        shutil.rmtree(spool, ignore_errors=True)
    if on_write:
        usccs = usccs.column("uscc").combine_chunks()
        learned: dict = {} if early is None else {"early": early}
        report.predicted, report.classified = on_write(store, usccs, pack, learned)
        report.queued = int(learned.get("queued") or 0)
        report.queued_unread = int(learned.get("queued_unread") or 0)
        report.learned_rows = int(learned.get("labelled_rows") or 0)
        report.learned_cv_accuracy = learned.get("learned_cv_accuracy")
        report.reader_check = learned.get("reader_check")


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
    query_with(store.con, "q_stage", frame, "INSERT INTO quarantine SELECT * FROM q_stage")


def _insert_warnings(store: Store, batch: int, w: pa.Table, counter: Counter) -> None:
    """Store the warnings (`import_worker.Staged.warnings`) and count them by kind into `counter`."""
    if not w.num_rows:
        return
    kinds = w.group_by(["field", "message"], use_threads=False).aggregate([([], "count_all")])
    for field_name, reason, count in zip(kinds["field"].to_pylist(), kinds["message"].to_pylist(),
                                         kinds["count_all"].to_pylist(), strict=True):
        counter[reason_kind({"field": field_name, "reason": reason})] += count
    query_with(store.con, "w_stage", w, f"""INSERT INTO import_warnings
                                             SELECT {int(batch)}, sheet, row_number, uscc, field, message FROM w_stage""")


def _columns() -> str:
    return ", ".join((*ENTERPRISE_COLUMNS, "predicted_code", "predicted_score", "synthetic", "batch_id"))


def insert_new_enterprises(store: Store, chunk: str, batch: int, synthetic: bool, unique: bool = False) -> int:
    """Insert the firms of one staged chunk that the store lacks, in the file's order; how many. A firm twice in
    the chunk goes in with its last row; a firm the store holds (from before, or from an earlier chunk) is left to
    `upsert_enterprises`. `unique`: the caller knows that no USCC of the chunk is in the store or twice in the
    chunk (nothing to look for)."""
    con = store.con
    rows, anti = chunk, "TRUE"
    if not unique:
        distinct, total = con.execute(f"SELECT count(DISTINCT uscc), count(*) FROM {chunk}").fetchall()[0]
        if distinct < total:
            rows = f"(SELECT * FROM {chunk} QUALIFY row_number() OVER (PARTITION BY uscc ORDER BY position DESC) = 1)"
        anti = "NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.uscc = s.uscc)"
    values = ", ".join(f"s.{c}" for c in ENTERPRISE_COLUMNS)
    return con.execute(f"""
        INSERT INTO enterprises ({_columns()})
        SELECT {values}, NULL, NULL, {bool(synthetic)}, {int(batch)} FROM {rows} s WHERE {anti}
    """).fetchall()[0][0]


def upsert_enterprises(store: Store, stage: str, batch: int, synthetic: bool, inserted: int | None = None,
                       held: bool = True, rewritten: Callable[[Store, str], None] | None = None) -> Counts:
    """Insert new enterprises; for known ones, a value in the file replaces the stored one, a blank keeps it.
    `stage`: a registered relation with the enterprise columns and `position` (order in the file); a USCC
    that occurs more than once (in two sheets, or two years of one sheet) takes its last row. Set operations:
    the known firms are merged in a temporary table, the new ones go straight in (the usual bulk case).
    `inserted`: the new firms went in chunk by chunk already (`insert_new_enterprises`, batch `batch`, this
    many); here the firms the store held before are merged (`held`: whether it held any), and a new firm staged
    in more than one chunk takes the stage's last row (`rewritten(store, relation)` hears which: uscc)."""
    con = store.con
    if inserted is not None and not held:  # every staged firm was new and went in once
        distinct, total = inserted, con.execute(f"SELECT count(*) FROM {stage}").fetchall()[0][0]
    else:
        distinct, total = con.execute(f"SELECT count(DISTINCT uscc), count(*) FROM {stage}").fetchall()[0]
    rows = stage if distinct == total else \
        f"(SELECT * FROM {stage} QUALIFY row_number() OVER (PARTITION BY uscc ORDER BY position DESC) = 1)"
    columns = _columns()
    if inserted is not None and distinct < total:  # a new firm in two chunks went in with the first one's row
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE e_last AS
            SELECT s.* FROM {rows} s JOIN enterprises e USING (uscc)
            WHERE e.batch_id = {int(batch)}
              AND s.uscc IN (SELECT uscc FROM {_with_file(stage)} GROUP BY uscc HAVING count(DISTINCT filename) > 1)
        """)
        con.execute("DELETE FROM enterprises WHERE uscc IN (SELECT uscc FROM e_last)")
        if rewritten is not None:
            rewritten(store, "e_last")
        values = ", ".join(f"s.{c}" for c in ENTERPRISE_COLUMNS)
        con.execute(f"""INSERT INTO enterprises ({columns})
                        SELECT {values}, NULL, NULL, {bool(synthetic)}, {int(batch)} FROM e_last s""")
        con.execute("DROP TABLE e_last")
    # the firms the store held before this import (those inserted chunk by chunk carry its batch)
    before = "TRUE" if inserted is None else f"e.batch_id IS DISTINCT FROM {int(batch)}"
    merged = ", ".join(f"coalesce(s.{c}, e.{c}) AS {c}" for c in ENTERPRISE_COLUMNS if c != "uscc")
    changed = " OR ".join(f"(s.{c} IS NOT NULL AND s.{c} IS DISTINCT FROM e.{c})" for c in ENTERPRISE_COLUMNS[1:])
    known = con.execute(f"SELECT count(*) FROM {rows} s JOIN enterprises e USING (uscc) WHERE {before}"
                        ).fetchall()[0][0] if held else 0
    counts = {}
    if known:  # only the firms whose values change are held (a re-import of the same file holds none)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE e_merged AS
            SELECT s.uscc, {merged}, e.predicted_code, e.predicted_score,
                   {bool(synthetic)} OR e.synthetic AS synthetic, {int(batch)} AS batch_id
            FROM {rows} s JOIN enterprises e USING (uscc) WHERE {before} AND ({changed})
        """)
        counts["updated"] = con.execute("SELECT count(*) FROM e_merged").fetchall()[0][0]
        counts["unchanged"] = known - counts["updated"]
        if counts["updated"]:
            con.execute("DELETE FROM enterprises WHERE uscc IN (SELECT uscc FROM e_merged)")
            con.execute(f"INSERT INTO enterprises ({columns}) SELECT {columns} FROM e_merged")
        con.execute("DROP TABLE e_merged")
    if inserted is None:
        inserted = 0
        if known < distinct:
            new = ", ".join(f"s.{c}" for c in ENTERPRISE_COLUMNS)
            anti = "NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.uscc = s.uscc)" if known else "TRUE"
            inserted = con.execute(f"""
                INSERT INTO enterprises ({columns})
                SELECT {new}, NULL, NULL, {bool(synthetic)}, {int(batch)} FROM {rows} s WHERE {anti}
            """).fetchall()[0][0]
    return Counts(inserted, counts.get("updated", 0), counts.get("unchanged", 0))


def check_keys(store: Store, batch: int) -> None:
    """Refuse the import (it rolls back) if a firm or a firm's year it wrote (batch `batch`) is now in the store
    twice: the guarantee the primary keys gave before migration 10, checked once per import. The set operations
    above keep the keys unique, so this never fires unless they are wrong."""
    for table, key in (("enterprises", "uscc"), ("enterprise_years", "uscc, year")):
        twice = store.con.execute(f"""
            SELECT {key} FROM {table} GROUP BY {key} HAVING count(*) > 1 AND bool_or(batch_id = ?)
            ORDER BY {key} LIMIT 1""", [int(batch)]).fetchall()
        if twice:
            what = " ".join(str(v) for v in twice[0])
            raise ChanyeError(f"导入后 {table} 中 {what} 出现两次，导入已取消，未写入任何数据 "
                              f"(key {what} would be stored twice in {table}; nothing was imported)",
                              hint="这是 chanye 的缺陷，请附上导入的文件报告问题 (a defect in chanye: please report it with the file)")


def _with_file(stage: str) -> str:
    """The stage relation (`_parquet`) with each row's file name (its chunk) as `filename`."""
    return stage[:-1] + ", filename = true)"


def _figure_columns() -> str:
    return ", ".join(("uscc", "year", *MEASURES, "synthetic", "batch_id"))


def insert_new_figures(store: Store, chunk: str, batch: int, synthetic: bool, unique: bool = False) -> int:
    """Insert the figures (USCC + year) of one staged chunk that the store lacks; how many (a chunk holds each key
    once: validation quarantines repeats within a sheet). `unique`: the caller knows that the store holds none of
    the chunk's keys (nothing to look for)."""
    anti = "TRUE" if unique else \
        "NOT EXISTS (SELECT 1 FROM enterprise_years f WHERE f.uscc = s.uscc AND f.year = s.year)"
    return store.con.execute(f"""
        INSERT INTO enterprise_years ({_figure_columns()})
        SELECT s.uscc, s.year, {", ".join(f"s.{m}" for m in MEASURES)}, {bool(synthetic)}, {int(batch)}
        FROM {chunk} s WHERE s.has_figures AND s.year IS NOT NULL AND {anti}
    """).fetchall()[0][0]


def upsert_figures(store: Store, stage: str, batch: int, synthetic: bool, inserted: int | None = None,
                   sheets: int = 1, held: bool = True) -> Counts:
    """Upsert yearly figures by USCC + year; a blank cell keeps the stored value. `stage`: a registered
    relation holding uscc, year, the measures and has_figures (rows without figures are skipped). `inserted`:
    the new figures went in chunk by chunk already (`insert_new_figures`, batch `batch`, this many); here the
    figures the store held before are merged (`held`: whether it held any). `sheets`: how many sheets the stage came from (one key in two
    sheets is refused: the store keeps one row per firm and year)."""
    con = store.con
    rows = f"(SELECT * FROM {stage} WHERE has_figures AND year IS NOT NULL)"
    total = con.execute(f"SELECT count(*) FROM {rows}").fetchall()[0][0]
    if sheets > 1:
        _refuse_repeated_figures(con, rows)
    before = "TRUE" if inserted is None else f"f.batch_id IS DISTINCT FROM {int(batch)}"
    merged = ", ".join(f"coalesce(s.{m}, f.{m}) AS {m}" for m in MEASURES)
    changed = " OR ".join(f"(s.{m} IS NOT NULL AND s.{m} IS DISTINCT FROM f.{m})" for m in MEASURES)
    known = con.execute(f"SELECT count(*) FROM {rows} s JOIN enterprise_years f USING (uscc, year) "
                        f"WHERE {before}").fetchall()[0][0] if held else 0
    counts = {}
    columns = _figure_columns()
    if known:  # only the figures that change are held
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE f_merged AS
            SELECT s.uscc, s.year, {merged}, {bool(synthetic)} OR f.synthetic AS synthetic, {int(batch)} AS batch_id
            FROM {rows} s JOIN enterprise_years f USING (uscc, year) WHERE {before} AND ({changed})
        """)
        counts["updated"] = con.execute("SELECT count(*) FROM f_merged").fetchall()[0][0]
        counts["unchanged"] = known - counts["updated"]
        if counts["updated"]:
            con.execute("DELETE FROM enterprise_years WHERE (uscc, year) IN (SELECT (uscc, year) FROM f_merged)")
            con.execute(f"INSERT INTO enterprise_years ({columns}) SELECT {columns} FROM f_merged")
        con.execute("DROP TABLE f_merged")
    if inserted is None:
        inserted = 0
        if known < total:
            anti = ("NOT EXISTS (SELECT 1 FROM enterprise_years f WHERE f.uscc = s.uscc AND f.year = s.year)"
                    if known else "TRUE")
            inserted = con.execute(f"""
                INSERT INTO enterprise_years ({columns})
                SELECT s.uscc, s.year, {", ".join(f"s.{m}" for m in MEASURES)}, {bool(synthetic)}, {int(batch)}
                FROM {rows} s WHERE {anti}
            """).fetchall()[0][0]
    return Counts(inserted, counts.get("updated", 0), counts.get("unchanged", 0))


def _refuse_repeated_figures(con, rows: str) -> None:
    """One firm's figures for one year in two sheets: refused with both places named (which would win is
    not the import's to guess)."""
    dup = con.execute(f"""SELECT uscc, year FROM {rows} GROUP BY uscc, year HAVING count(*) > 1
                          ORDER BY uscc, year LIMIT 1""").fetchall()
    if dup:
        code, year = dup[0]
        raise InputError(f"统一社会信用代码 {code} 的 {year} 年数据在多个工作表中重复，导入已取消，未写入任何数据 "
                         f"(the figures of {code} for {year} occur in more than one sheet; nothing was imported)",
                         hint="每家企业每年的数据只保留一行后再导入 (keep one row per firm and year, then import)")


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

