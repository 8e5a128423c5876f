"""Import (导入): file -> validate -> store, atomically; bad rows to quarantine with every reason.

`import_file` is the one library call behind `chanye import` and the web upload. Valid rows are upserted by
USCC (enterprises) and USCC + year (figures) in one transaction together with the quarantine, the warnings,
the batch record and the classification of every touched enterprise: a failure or a killed process leaves
the database as it was. Re-importing the same file changes nothing and says so. Given `limits` (the CLI,
the web and `Platform.import_file` pass them), the file is read and validated in a worker process under
resource limits (`registry.import_worker`) and only this process writes the store.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from chanye.framework import Framework, load_pack
from chanye.registry import import_worker
from chanye.registry.fields import FIELDS, MEASURES
from chanye.registry.import_worker import ImportLimits
from chanye.registry.store import Store
from chanye.registry.validate import Mapping, Validated

Progress = Callable[[str, float], None]  # (stage: reading | validating | writing | done, fraction)
OnWrite = Callable[[Store, pd.Series, Framework], tuple[int, int]]

ENTERPRISE_COLUMNS = (
    "uscc", "name", "city_code", "district_code", "address", "industry_code", "industry_code_raw",
    "code_vintage", "business_scope", "registered_capital", "founded",
)

_SQL_TYPES = {"registered_capital": "DOUBLE", "founded": "DATE"}


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
    `on_write(store, usccs, framework) -> (predicted, classified)` classifies the enterprises the file touched
    inside the same transaction (`services.imports.classify_and_link`; none: the rows are stored unclassified).
    `limits`: read and validate the file in a worker process under these limits (`registry.import_worker`;
    what the CLI and the web do); None reads it in this process (library use, tests)."""
    started = time.perf_counter()
    path = Path(path)
    framework = framework_of(pack)
    mapping = mapping or Mapping()
    if year is not None:
        mapping.year = year
    step = progress or (lambda _stage, _fraction: None)
    validated = import_worker.parse(path, mapping, sheet=sheet, city=framework.city, file_label=path.name,
                                    progress=step, limits=limits)
    report = ImportReport(file=str(path), batch_id=None, dry_run=dry_run)
    step("writing", 0.6)
    try:
        with store.transaction():
            batch = store.new_batch_id()
            report.batch_id = None if dry_run else batch
            _write(store, batch, validated, report, synthetic=synthetic, pack=framework, on_write=on_write)
            report.seconds = round(time.perf_counter() - started, 3)
            _record_batch(store, batch, path, report, synthetic)
            if dry_run:  # a plan: everything ran, now undo it
                raise _Rollback
    except _Rollback:
        pass
    step("done", 1.0)
    return report


def framework_of(pack: str | Framework | None) -> Framework:
    """A loaded pack: `pack` itself, or the pack of that name or folder (default the default pack)."""
    return pack if isinstance(pack, Framework) else load_pack(pack)


class _Rollback(Exception):
    """Raised inside the transaction of a dry run so that it rolls back."""


def plan_import(store: Store, path: str | Path, **kwargs) -> ImportReport:
    """What `import_file` would do, without changing the store: the import runs and is rolled back."""
    return import_file(store, path, dry_run=True, **kwargs)


def _write(store: Store, batch: int, validated: list[Validated], report: ImportReport, *, synthetic: bool,
           pack: Framework, on_write: OnWrite | None) -> None:
    reasons: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    valid_frames = []
    for v in validated:
        loaded, rejected = len(v.rows), len(v.rejected)
        report.sheets.append(SheetReport(
            sheet=v.sheet, rows=loaded + rejected, blank_rows=v.blank_rows, loaded=loaded, quarantined=rejected,
            columns={p.header: p.target for p in v.plans if p.target},
            ignored=[p.header for p in v.plans if not p.target],
        ))
        report.rows_total += loaded + rejected
        report.rows_blank += v.blank_rows
        report.rows_loaded += loaded
        report.rows_quarantined += rejected
        for items in v.rejected["reasons"]:
            reasons.update({reason_kind(i) for i in items})
        _insert_quarantine(store, batch, v)
        _insert_warnings(store, batch, v, warnings)
        if loaded:
            valid_frames.append(v.rows.assign(has_figures=v.has_figures))
    report.reasons = _by_count(reasons)
    report.warnings = _by_count(warnings)
    if not valid_frames:
        return
    rows = pd.concat(valid_frames, ignore_index=True)
    report.enterprises = upsert_enterprises(store, rows, batch, synthetic)
    figures = rows[rows["has_figures"] & rows["year"].notna()]
    if len(figures):
        report.figures = upsert_figures(store, figures, batch, synthetic)
    report.tags_added = _insert_tags(store, rows, batch)
    touched = rows["uscc"].drop_duplicates()
    report.predicted, report.classified = on_write(store, touched, pack) if on_write else (0, 0)


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
    rows = []
    for number, uscc_code, items in zip(v.rows["row_number"], v.rows["uscc"], v.rows["warnings"], strict=True):
        for item in items:
            rows.append((batch, v.sheet, int(number), uscc_code, item["field"], item["reason"]))
            counter[reason_kind(item)] += 1
    if rows:
        store.con.executemany("INSERT INTO import_warnings VALUES (?, ?, ?, ?, ?, ?)", rows)


def upsert_enterprises(store: Store, rows: pd.DataFrame, batch: int, synthetic: bool) -> Counts:
    """Insert new enterprises; for known ones, a value in the file replaces the stored one, a blank keeps it."""
    stage = rows.drop_duplicates("uscc", keep="last")[list(ENTERPRISE_COLUMNS)].copy()
    stage["founded"] = pd.to_datetime(stage["founded"]).dt.date
    stage["synthetic"] = synthetic
    stage["batch_id"] = batch
    con = store.con
    con.register("e_stage", stage)
    # Explicit casts: a column that is blank in the whole file arrives untyped.
    typed = {c: f"CAST(s.{c} AS {_SQL_TYPES.get(c, 'VARCHAR')})" for c in ENTERPRISE_COLUMNS}
    merged = ", ".join(f"coalesce({typed[c]}, e.{c}) AS {c}" for c in ENTERPRISE_COLUMNS if c != "uscc")
    changed = " OR ".join(f"({typed[c]} IS NOT NULL AND {typed[c]} IS DISTINCT FROM e.{c})" for c in ENTERPRISE_COLUMNS[1:])
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE e_merged AS
        SELECT s.uscc, {merged}, e.predicted_code, e.predicted_score,
               s.synthetic OR coalesce(e.synthetic, FALSE) AS synthetic, s.batch_id,
               CASE WHEN e.uscc IS NULL THEN 'inserted' WHEN {changed} THEN 'updated' ELSE 'unchanged' END AS change
        FROM e_stage s LEFT JOIN enterprises e USING (uscc)
    """)
    con.unregister("e_stage")
    counts = dict(con.execute("SELECT change, count(*) FROM e_merged GROUP BY change").fetchall())
    con.execute("DELETE FROM enterprises WHERE uscc IN (SELECT uscc FROM e_merged WHERE change = 'updated')")
    columns = ", ".join((*ENTERPRISE_COLUMNS, "predicted_code", "predicted_score", "synthetic", "batch_id"))
    con.execute(f"""
        INSERT INTO enterprises ({columns})
        SELECT {columns} FROM e_merged WHERE change IN ('inserted', 'updated')
    """)
    con.execute("DROP TABLE e_merged")
    return Counts(counts.get("inserted", 0), counts.get("updated", 0), counts.get("unchanged", 0))


def upsert_figures(store: Store, rows: pd.DataFrame, batch: int, synthetic: bool) -> Counts:
    """Upsert yearly figures by USCC + year; a blank cell keeps the stored value."""
    stage = rows[["uscc", "year", *MEASURES]].copy()
    stage["year"] = stage["year"].astype("int64")
    for m in MEASURES:
        stage[m] = pd.to_numeric(stage[m], errors="coerce").astype("float64")
    stage["synthetic"] = synthetic
    stage["batch_id"] = batch
    con = store.con
    con.register("f_stage", stage)
    merged = ", ".join(f"coalesce(s.{m}, f.{m}) AS {m}" for m in MEASURES)
    changed = " OR ".join(f"(s.{m} IS NOT NULL AND s.{m} IS DISTINCT FROM f.{m})" for m in MEASURES)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE f_merged AS
        SELECT s.uscc, s.year, {merged}, s.synthetic OR coalesce(f.synthetic, FALSE) AS synthetic, s.batch_id,
               CASE WHEN f.uscc IS NULL THEN 'inserted' WHEN {changed} THEN 'updated' ELSE 'unchanged' END AS change
        FROM f_stage s LEFT JOIN enterprise_years f USING (uscc, year)
    """)
    con.unregister("f_stage")
    counts = dict(con.execute("SELECT change, count(*) FROM f_merged GROUP BY change").fetchall())
    con.execute("""
        DELETE FROM enterprise_years WHERE (uscc, year) IN
            (SELECT (uscc, year) FROM f_merged WHERE change = 'updated')
    """)
    columns = ", ".join(("uscc", "year", *MEASURES, "synthetic", "batch_id"))
    con.execute(f"INSERT INTO enterprise_years ({columns}) SELECT {columns} FROM f_merged "
                "WHERE change IN ('inserted', 'updated')")
    con.execute("DROP TABLE f_merged")
    return Counts(counts.get("inserted", 0), counts.get("updated", 0), counts.get("unchanged", 0))


def _insert_tags(store: Store, rows: pd.DataFrame, batch: int) -> int:
    pairs = rows[["uscc", "tags"]].explode("tags").dropna().drop_duplicates()
    if pairs.empty:
        return 0
    pairs = pairs.rename(columns={"tags": "tag"}).assign(batch_id=batch)
    before = store.count("tags")
    store.con.register("t_stage", pairs)
    store.con.execute("""
        INSERT INTO tags SELECT s.uscc, s.tag, s.batch_id FROM t_stage s
        WHERE NOT EXISTS (SELECT 1 FROM tags t WHERE t.uscc = s.uscc AND t.tag = s.tag)
    """)
    store.con.unregister("t_stage")
    return store.count("tags") - before


def _record_batch(store: Store, batch: int, path: Path, report: ImportReport, synthetic: bool) -> None:
    store.con.execute(
        """INSERT INTO import_batches VALUES (?, ?, 'file', now() - to_microseconds(CAST(? * 1e6 AS BIGINT)), now(),
           'done', ?, ?, ?, ?, ?, ?, ?, ?)""",
        [batch, str(path), report.seconds, report.rows_total, report.rows_loaded, report.rows_quarantined,
         report.enterprises.inserted, report.enterprises.updated, report.enterprises.unchanged, synthetic,
         json.dumps(report.to_dict(), ensure_ascii=False)],
    )

