"""Imports: one file into the registry (`registry.ingest.import_file`) with the platform's pack and a new data
generation afterwards; background import jobs with stage and progress (the web upload); the import history and
the quarantine as typed results.

Stages and statuses are machine codes (`chanye.present.labels` CODES import_stage / import_status words them).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from chanye.errors import ChanyeError
from chanye.registry import ingest, quarantine
from chanye.registry.fields import FIELDS
from chanye.registry.import_worker import ImportLimits, private_folder
from chanye.registry.validate import Mapping
from chanye.services.access import LOCAL, Viewer, require_import
from chanye.services.results import REGISTRY, SYNTHETIC, Column, Table, plain, table

log = logging.getLogger(__name__)

STAGES = ("queued", "reading", "validating", "writing", "done", "failed")
_IMPORT_LOCK = threading.Lock()  # one import writes at a time; the others wait (status "queued")

BATCH_COLUMNS = (
    Column("batch_id", "code", label="batch"),
    Column("file", label="file"),
    Column("kind", "code", codes="batch_kind", label="batch_kind"),
    Column("finished_at", label="finished"),
    Column("status", "code", codes="batch_status"),
    Column("rows_total", "integer", unit_from="row_unit", label="rows_total"),
    Column("rows_loaded", "integer", unit_from="row_unit", label="rows_loaded"),
    Column("rows_quarantined", "integer", unit_from="row_unit", label="rows_quarantined"),
    Column("inserted", "integer", "firms", label="firms_inserted"),
    Column("updated", "integer", "firms", label="firms_updated"),
    Column("unchanged", "integer", "firms", label="firms_unchanged"),
    Column("synthetic", "boolean", label="synthetic"),
)
QUARANTINE_COLUMNS = (
    Column("sheet", label="sheet"),
    Column("row_number", "code", label="row_number"),
    Column("uscc", "code", label="uscc"),
    Column("reasons", "list", label="reason_items"),
    Column("reason_text", "name", label="reasons"),
    Column("raw", "list", label="raw_values"),
)


@dataclass(frozen=True)
class QuarantinePage:
    """One page of the rejected rows of one batch with every reason: `total` rows in the batch, `reasons`
    counted by field over all of them (None batch: no import yet)."""

    batch: int | None
    total: int
    reasons: dict[str, int]
    limit: int | None
    offset: int
    rows: Table


# --------------------------------------------------------------------------------------------------------
# Classification (the registry stores and reads; the rules and the text model run here)
# --------------------------------------------------------------------------------------------------------


def classify_enterprises(store, usccs: pd.Series | None = None, *, pack=None) -> tuple[int, int]:
    """(Re)classify enterprises (all when `usccs` is None) into the pack's nodes on `store` (the caller holds
    the transaction). Returns (codes predicted from text, enterprises linked to at least one node)."""
    from chanye.classify.enterprises import classify_enterprises as classify

    return classify(store, usccs, ingest.framework_of(pack))


def classify_and_link(store, usccs, framework, report: dict | None = None) -> tuple[int, int]:
    """Classify enterprises (see `classify_enterprises`) and link them to the pack's chains; what an import
    runs on the enterprises it touched (`usccs`: a Series, list or Arrow array; None: all), inside its
    transaction. `report`, when given, receives queued,
    labelled_rows, learned_cv_accuracy and reader_check (`classify.enterprises.classify_enterprises`); an import's
    `report["early"]` (`EarlyLinks`, from `classify_and_link.early`) names the firms its chunks linked already,
    which are left out here and counted in the result (`usccs` then holds each firm once)."""
    from chanye.classify.chain_links import chain_words, link_chains
    from chanye.classify.codes import rule_words
    from chanye.classify.enterprises import classify_enterprises as classify
    from chanye.classify.enterprises import names_to_key
    from chanye.registry import classifications

    framework = ingest.framework_of(framework)
    early = report.pop("early", None) if report is not None else None
    if early is not None and early.staged and early.firms == len(usccs):
        # every firm was linked chunk by chunk: no firm without a code, none labelled, none held before
        report.update(queued=0, labelled_rows=0, learned_cv_accuracy=None, reader_check=None)
        return 0, classifications.count_classified_early(store)
    # issue 14: the firms are staged once, their names scanned once for both steps' words
    classifications.stage_touched(store, usccs, but_early=early is not None and early.staged)
    try:
        classifications.stage_firms(store, names_to_key(store, rule_words(framework) | chain_words(framework)))
        predicted, classified = classify(store, usccs, framework, report, staged=True)
        link_chains(store, framework, usccs, staged=True)
    finally:
        classifications.drop_staged(store)
    if early is not None and early.staged:
        classified += classifications.count_classified_early(store)
    return predicted, classified


class EarlyLinks:
    """The node and chain links of an import's new firms with a declared code (and no analyst's label), written
    chunk by chunk as each chunk goes in (while the worker validates the next one, issue 14): such a firm's links
    depend on its own row alone. What needs the whole file (the firms without a code, read by a model learned from
    the store's coded rows; firms labelled or held before) is left to `classify_and_link`, which the import calls
    at the end with this object as `report["early"]`; so is a firm whose row a later chunk replaced
    (`rewritten`). The import stages each row's `name_hit` (`name_test`) and each chunk's keys.

    The rules run on each chunk's keys in a thread, from when the import has the chunk (`ahead`) until `chunk`
    needs them: meanwhile the import writes the chunk's rows, and DuckDB lets go of the
    interpreter as it writes. With `processes` (an import beside a worker), a chunk's many new keys are linked
    in processes of their own, one per core up to two (`classify.chunk_links.Linkers`; issue 14)."""

    # what the import's worker loads before it starts (the name test; the linking processes load the rules when
    # first given keys: only registry-like files need them, and the rules took the worker 0.3 s longer to start)
    worker_modules = ("chanye.classify.prefilter",)

    def __init__(self, store, framework, batch: int, *, processes: bool = False) -> None:
        from chanye.classify.chunk_links import KeyMemo, Linkers
        from chanye.registry import classifications

        self.framework = ingest.framework_of(framework)
        self.batch = batch
        # a store without links or queued firms of the pack: a new firm has none to drop
        self.fresh = not classifications.holds_links(store, self.framework.id)
        self.labels = classifications.holds_labels(store)  # none: a new firm's staged row is all there is to read
        self.staged = False  # the table of the firms linked so far exists
        self.firms = 0  # how many firms it holds
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="chanye-links")
        self._memos = {"nodes": KeyMemo(), "chains": KeyMemo()}  # the keys linked so far (by the thread alone)
        self._linkers = Linkers(self.framework, min(2, os.cpu_count() or 1) if processes else 0)
        self._ahead: dict[str, Future] = {}
        self._folder = private_folder("stage")  # each chunk's staged firms (`classifications.stage_new_coded`)
        self._chunks = 0

    @staticmethod
    def name_test(framework):
        """What the import stages of each name (name_hit): whether it may hold a word that makes it part of a
        firm's key (`classify.enterprises.names_to_key`), as a function the worker can be given; None where a
        word holds the scope-name separator (every name is then a key: the firms are linked at the end)."""
        import functools

        from chanye.classify.chain_links import chain_words
        from chanye.classify.codes import rule_words
        from chanye.classify.enterprises import SEPARATOR
        from chanye.classify.prefilter import may_hold_any

        framework = ingest.framework_of(framework)
        words = frozenset(rule_words(framework) | chain_words(framework))
        return None if any(SEPARATOR in w for w in words) else functools.partial(may_hold_any, words=words)

    def ahead(self, keys_file: Path) -> None:
        """Start linking a chunk's keys (`keys_file`: `registry.import_worker.stage_keys`) in the thread: the keys,
        then their node links, then their chain links (`chunk` writes each as it is ready)."""
        from chanye.classify import chunk_links
        from chanye.registry import classifications

        keys = self._thread.submit(classifications.chunk_keys, keys_file)
        self._ahead = {kind: self._thread.submit(lambda k=kind: chunk_links.link(keys.result(), k, self._memos[k],
                                                                                  self._linkers))
                       for kind in ("nodes", "chains")}

    def chunk(self, store, relation: str, *, dedupe: bool, unique: bool = False, coded: Path | None = None) -> None:
        """Link the new coded firms of one chunk (`relation`: the chunk's stage with name_hit, after its firms went
        in and `ahead` was given its keys; `dedupe`: it may hold a USCC twice; `unique`: none of its USCCs is in
        another chunk or twice in it; `coded`: its coded firms as its worker staged them,
        `registry.import_worker.coded_firms`)."""
        from chanye.classify.chain_links import link_chains
        from chanye.classify.enterprises import classify_coded
        from chanye.registry import classifications

        if not self._ahead:
            raise RuntimeError("EarlyLinks.chunk before EarlyLinks.ahead")
        ahead, self._ahead = self._ahead, {}
        self._chunks += 1
        file = self._folder / f"firms-{self._chunks}.parquet"
        try:
            n = classifications.stage_new_coded(store, relation, self.batch, first=not self.staged, dedupe=dedupe,
                                                touched=not self.fresh, file=file, unique=unique,
                                                coded=None if self.labels else coded)
            if n:
                # the node links on one thread: the rows of a chunk then fill the row group the last chunk left
                # partly filled, where two threads left two such row groups a chunk for the store's checkpoint to
                # merge (0.3-0.5 s after 1 M firms); two threads halve little of so small an insert (issue 14)
                with store.threads(1):
                    linked = classify_coded(store, self.framework, fresh=self.fresh, ahead=ahead["nodes"].result())
                link_chains(store, self.framework, (), staged=True, fresh=self.fresh, ahead=ahead["chains"].result())
                classifications.add_early(store, linked)
                self.firms += n
        finally:
            self.staged = True
            classifications.drop_staged(store)
            file.unlink(missing_ok=True)

    def close(self) -> None:
        """Stop the thread and the linking processes (a chunk linked ahead and never written is dropped); remove the
        staged firms' folder."""
        self._thread.shutdown(wait=True, cancel_futures=True)
        self._linkers.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    def rewritten(self, store, relation: str) -> None:
        """Firms (`relation` with uscc) whose row the import wrote again after their chunk: linked at the end."""
        from chanye.registry import classifications

        if self.staged:
            self.firms -= classifications.unsettle(store, relation)


classify_and_link.early = EarlyLinks  # type: ignore[attr-defined]  # what `registry.ingest` links chunk by chunk with


def reclassify(store, pack=None) -> dict[str, int]:
    """Classify every enterprise again and relink every chain, in one transaction (`chanye classify`)."""
    from chanye.classify.chain_links import link_chains

    framework = ingest.framework_of(pack)
    with store.transaction():
        predicted, classified = classify_enterprises(store, pack=framework)
        chain_links = link_chains(store, framework)
    return {"predicted": predicted, "classified": classified, "chain_links": chain_links}


# --------------------------------------------------------------------------------------------------------
# One import
# --------------------------------------------------------------------------------------------------------


def import_file(p, path: str | Path, *, mapping: Mapping | None = None, year: int | None = None,
                sheet: str | None = None, synthetic: bool = False, dry_run: bool = False,
                progress=None, store=None, viewer: Viewer = LOCAL) -> ingest.ImportReport:
    """Import a CSV/XLSX/Parquet file through the platform's pack (its city, nodes and chains); a real import
    starts a new data generation, so every cached view sees the new data. `store` is the store to write
    through (default a cursor of the platform's). The file is parsed in a worker process under the limits
    of the environment (`registry.import_worker.ImportLimits.from_env`), so no file can take the caller down.
    `viewer`: only administrators and city analysts import (AccessDenied otherwise)."""
    require_import(viewer)
    report = ingest.import_file(store if store is not None else p.cursor(), path, mapping=mapping, year=year,
                                sheet=sheet, pack=p.framework, synthetic=synthetic, dry_run=dry_run,
                                progress=progress, on_write=classify_and_link, limits=ImportLimits.from_env())
    if not dry_run:
        p.data_changed()
    return report


@dataclass
class ImportJob:
    """An import running in the background: its stage (a STAGES code), fraction done and, once finished, the
    report or the error."""

    id: str
    file: str
    status: str = "queued"  # queued | running | done | failed
    stage: str = "queued"
    fraction: float = 0.0
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    report: dict | None = None
    error: dict | None = None

    def as_dict(self) -> dict:
        return plain({
            "job": self.id, "file": self.file, "status": self.status, "stage": self.stage,
            "fraction": round(self.fraction, 3), "report": self.report, "error": self.error,
            "batch_id": (self.report or {}).get("batch_id"),
            "started_at": dt.datetime.fromtimestamp(self.started_at).isoformat(timespec="seconds"),
            "finished_at": (dt.datetime.fromtimestamp(self.finished_at).isoformat(timespec="seconds")
                            if self.finished_at else None),
            "url": f"/api/v1/data/imports/{self.id}",
        })


def run_job(p, job: ImportJob, path: Path, year: int | None, workdir: str | None = None,
            mapping: Mapping | None = None) -> None:
    """The body of an import job (runs in its own thread with its own cursor); removes `workdir` after.
    `mapping`: the columns and units a confirmed preview chose (issue 15)."""

    def progress(stage: str, fraction: float) -> None:
        job.stage, job.fraction = stage, max(job.fraction, min(1.0, float(fraction)))

    try:
        with _IMPORT_LOCK:
            job.status, job.stage = "running", "reading"
            report = import_file(p, path, mapping=mapping, year=year, progress=progress)
            data = report.to_dict()
            data["file"] = job.file
            job.report = data
            job.status, job.stage, job.fraction = "done", "done", 1.0
    except ChanyeError as exc:
        job.status, job.stage = "failed", "failed"
        job.error = {"status": exc.status, "title": exc.title, "message": exc.message, "hint": exc.hint}
    except Exception as exc:  # a file that breaks a reader in an unforeseen way: report it, never crash
        # the exception's text may carry temp paths: it goes to the log under an id, the job names only the id
        error_id = uuid.uuid4().hex[:12]
        log.error("导入任务内部错误 import job internal error %s (%s)", error_id, job.file, exc_info=exc)
        job.status, job.stage = "failed", "failed"
        job.error = {"status": 500, "title": "导入失败 Import failed",
                     "message": f"{job.file}: 导入时发生内部错误，编号 {error_id} (internal error {error_id} while "
                                "importing)",
                     "hint": "检查文件格式；问题持续请把编号报告给维护者 (check the file; if it persists, report the "
                             "error id)"}
    finally:
        job.finished_at = time.time()
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def start_job(p, job: ImportJob, path: Path, year: int | None, workdir: str | None = None, *,
              viewer: Viewer = LOCAL, mapping: Mapping | None = None) -> threading.Thread:
    """Run `job` in a background thread (if `viewer` may import)."""
    require_import(viewer)
    thread = threading.Thread(target=run_job, args=(p, job, path, year, workdir, mapping), name=f"import-{job.id}",
                              daemon=True)
    thread.start()
    return thread


# --------------------------------------------------------------------------------------------------------
# History and quarantine
# --------------------------------------------------------------------------------------------------------


def batches(p, *, limit: int | None = None, offset: int = 0) -> Table:
    """The import history, newest first (counts in rows and firms); `limit`/`offset`: one page of it, read
    in the store, with `total` the whole history's length."""
    store = p.cursor()
    frame = quarantine.batches(store, limit=limit, offset=offset)
    rows = []
    for r in frame.to_dict("records"):
        r = {k: plain(v) for k, v in r.items()}
        name = r.get("file")
        rows.append({
            "batch_id": str(r["id"]), "file": Path(str(name)).name if name and "/" in str(name) else name,
            "kind": r.get("kind"), "finished_at": str(r["finished_at"])[:19] if r.get("finished_at") else None,
            "status": r.get("status"), **{k: r.get(k) for k in ("rows_total", "rows_loaded", "rows_quarantined",
                                                              "inserted", "updated", "unchanged")},
            "synthetic": bool(r.get("synthetic")), "row_unit": "rows",
            "provenance": (SYNTHETIC if r.get("synthetic") else REGISTRY).key,
        })
    total = len(rows) if limit is None and not offset else quarantine.batch_count(store)
    return table("batches", BATCH_COLUMNS, rows, REGISTRY, total=total)


def _reason_text(items: list[dict], lang: str) -> str:
    """'企业名称: 缺少企业名称 (missing name)；…' with the field named in `lang` (the reasons are bilingual)."""
    def field_name(key: str) -> str:
        f = FIELDS.get(key)
        return (f.en if lang == "en" else f.zh) if f else key

    return ("; " if lang == "en" else "；").join(f"{field_name(i['field'])}: {i['reason']}" for i in items)


def quarantine_page(p, batch: int | None = None, *, limit: int | None = 500, offset: int = 0,
                    viewer: Viewer = LOCAL) -> QuarantinePage:
    """One page of the rejected rows of one batch (default the latest) with every reason; the total and the
    reason counts come from the store, so a page never reads the whole batch. Rejected rows are firm-level
    data of any district: only those who may import see them."""
    require_import(viewer)
    store = p.cursor()
    chosen = quarantine.latest_batch(store) if batch is None else batch
    if chosen is None:
        return QuarantinePage(None, 0, {}, limit, offset, table("quarantine", QUARANTINE_COLUMNS, [], REGISTRY))
    frame = quarantine.rejected_rows(store, chosen, limit=limit, offset=offset)
    rows = [{"sheet": r.sheet, "row_number": str(int(r.row_number)), "uscc": r.uscc, "reasons": list(r.reasons),
             "reason_text": {"zh": _reason_text(r.reasons, "zh"), "en": _reason_text(r.reasons, "en")},
             "raw": plain(r.raw)} for r in frame.itertuples(index=False)]
    return QuarantinePage(int(chosen), quarantine.rejected_count(store, chosen),
                          quarantine.reason_counts(store, chosen), limit, offset,
                          table("quarantine", QUARANTINE_COLUMNS, rows, REGISTRY, batch=int(chosen)))


def reimport_sheets(p, batch: int | None = None, *, viewer: Viewer = LOCAL) -> tuple[int | None, dict]:
    """(batch, {sheet: frame}): the rejected rows under their original headers with 原行号 and 问题 columns,
    ready to fix and import again (the file's own headers, so no labels apply). Importers only."""
    require_import(viewer)
    store = p.cursor()
    return (batch or quarantine.latest_batch(store)), quarantine.for_reimport(store, batch)


# --------------------------------------------------------------------------------------------------------
# Preview before import, the template and pending uploads (issue 15 data in)
# --------------------------------------------------------------------------------------------------------

PREVIEW_ROWS = 10  # first rows shown as they will land
PREVIEW_REASONS = 500  # quarantine reasons listed in a preview (the counts cover all)
# Units a file may state, registry word (what `registry.parse` reads) -> machine key (present.labels words it).
FILE_UNITS: dict[str, str] = {"元": "yuan", "千元": "qian_yuan", "万元": "wan_yuan", "百万元": "million_yuan",
                              "亿元": "yi_yuan", "人": "persons", "万人": "wan_persons", "吨标准煤": "tce",
                              "万吨标准煤": "wan_tce"}
UNIT_WORDS: dict[str, str] = {key: word for word, key in FILE_UNITS.items()}
# Machine unit of a landed value (what the store keeps) by the field's stored unit.
_STORED = {"万元": "wan_yuan", "人": "persons", "吨标准煤": "tce"}
# Required columns: always (uscc, name), one of (district or address), with yearly figures (year).
REQUIRED = {"uscc": "required", "name": "required", "district": "district_or_address",
            "address": "district_or_address", "year": "with_figures"}

PREVIEW_COLUMN_COLUMNS = (
    Column("sheet", label="sheet"),
    Column("position", "code", label="column_position"),
    Column("header", label="source_header"),
    Column("field", "code", label="target_field"),
    Column("field_name", "name", label="target_field_name"),
    Column("status", "code", codes="mapping_status", label="mapping_status"),
    Column("unit", "code", codes="file_unit", label="unit_in_file"),
    Column("unit_source", "code", codes="unit_source", label="unit_source"),
    Column("stored_unit", "code", codes="file_unit", label="stored_unit"),
    Column("units", "list", label="unit_choices"),
)
PREVIEW_REASON_COLUMNS = (
    Column("sheet", label="sheet"),
    Column("row_number", "code", label="row_number"),
    Column("uscc", "code", label="uscc"),
    Column("field", "code", label="target_field"),
    Column("field_name", "name", label="target_field_name"),
    Column("reason", "name", label="reasons"),
)
TEMPLATE_COLUMNS = (
    Column("field", "code", label="target_field"),
    Column("header", label="template_header"),
    Column("field_name", "name", label="target_field_name"),
    Column("unit", "code", codes="file_unit", label="stored_unit"),
    Column("required", "code", codes="field_required", label="field_required"),
    Column("aliases", "list", label="accepted_headers"),
    Column("example", label="example_value"),
)


@dataclass(frozen=True)
class ImportPreview:
    """What importing `file` with `mapping` would do, without writing: `columns` (each source column -> field,
    status, the unit assumed and the units to choose from), `rows` (the first valid rows as they will land, in
    stored units), `quarantine` (every reason of every row that would be quarantined, up to PREVIEW_REASONS)
    and `counts`. `problem` ({message, hint}) is set when the file cannot be imported as mapped (no USCC or
    name column, figures without a year): the columns are still there to fix the mapping."""

    file: str
    columns: Table
    rows: Table
    quarantine: Table
    counts: dict[str, int]
    mapping: Mapping
    problem: dict[str, str | None] | None = None


def unit_choices(field_name: str | None) -> tuple[str, ...]:
    """Machine units a column of this field may be stated in (money: yuan .. yi_yuan); () for none."""
    f = FIELDS.get(field_name or "")
    if f is None or not f.unit:
        return ()
    from chanye.registry.parse import UNITS

    dim = UNITS[f.unit][0]
    return tuple(key for word, key in FILE_UNITS.items() if UNITS[word][0] == dim)


def _targets() -> set[str]:
    from chanye.registry.fields import TAG_ALIASES

    return {*FIELDS, *(f"tag:{t}" for t in set(TAG_ALIASES.values())), "ignore"}


def make_mapping(columns: dict[str, str] | None = None, units: dict[str, str] | None = None,
                 year: int | None = None, base: Mapping | None = None) -> Mapping:
    """A `Mapping` from a mapping editor's choices: `columns` header -> field ('ignore', 'tag:<id>'), `units`
    field -> machine unit (wan_yuan ...). Unknown fields or units are refused with a clear message."""
    from chanye.errors import InputError

    known = _targets()
    for header, target in (columns or {}).items():
        if target not in known:
            raise InputError(f"列 {header[:60]!r} 指向未知字段 {target[:40]!r} (unknown field)",
                             hint="可选: " + ", ".join(sorted(known)))
    words = {}
    for name, key in (units or {}).items():
        if key not in unit_choices(name):
            raise InputError(f"字段 {name[:40]!r} 不能用单位 {key[:20]!r} (unit does not fit the field)",
                             hint="可选: " + (", ".join(unit_choices(name)) or "（该字段无单位）"))
        words[name] = UNIT_WORDS[key]
    old = base or Mapping()
    return Mapping(columns={**old.columns, **(columns or {})}, units={**old.units, **words},
                   year=year if year is not None else old.year, city=old.city, vintage=old.vintage)


def _name(field_name: str | None) -> dict[str, str] | None:
    from chanye.standards.tags import TAGS

    if not field_name:
        return None
    if field_name.startswith("tag:"):
        zh, en = TAGS.get(field_name[4:], (field_name[4:], field_name[4:]))
        return {"zh": zh, "en": en}
    f = FIELDS.get(field_name)
    return {"zh": f.zh, "en": f.en} if f else {"zh": field_name, "en": field_name}


def _bilingual(reason: str) -> dict[str, str]:
    """'缺少企业名称 (missing name)' -> {zh: '缺少企业名称', en: 'missing name'} (the registry's reasons carry
    both languages; one without an English part reads the same in both)."""
    zh, sep, en = str(reason).partition(" (")
    return {"zh": zh, "en": en[:-1] if en.endswith(")") else en} if sep and en else {"zh": reason, "en": reason}


def _column_rows(sheet: str, plans: list, mapping: Mapping) -> list[dict]:
    from chanye.registry.read import recognise

    rows = []
    for plan in plans:
        auto, header_unit = recognise(plan.header)
        chosen = mapping.columns.get(plan.header)
        if plan.target:
            status = "mapped" if (chosen is None or chosen == "ignore") else "chosen"
        elif chosen == "ignore":
            status = "ignored"
        elif chosen or auto:
            status = "duplicate"  # a second column for a field already taken
        else:
            status = "unrecognised"
        stored = FIELDS[plan.target].unit if plan.target in FIELDS else ""
        unit, source = None, None
        if stored:
            if plan.target in mapping.units:
                source = "chosen"
            elif header_unit:
                source = "header"
            else:
                source = "assumed"  # no unit in the header: the stored unit (money in 万元) is assumed
            unit = FILE_UNITS.get(plan.unit or stored)
        rows.append({"sheet": sheet, "position": plan.index + 1, "header": plan.header, "field": plan.target,
                     "field_name": _name(plan.target), "status": status, "unit": unit, "unit_source": source,
                     "stored_unit": FILE_UNITS.get(stored), "units": list(unit_choices(plan.target))})
    return rows


_LABELS = {"industry_name": "import_industry_name", "city": "import_city"}  # keys the label table lacks


def _landing_columns(fields: list[str]) -> tuple[Column, ...]:
    cols = [Column("sheet", label="sheet"), Column("row_number", "code", label="row_number"),
            Column("uscc", "code", label="uscc"), Column("name", label="firm_name"),
            Column("district", "name", label="district")]
    for f in fields:
        field = FIELDS[f]
        if f in ("uscc", "name", "district", "city", "tags"):
            continue
        if f == "employees":  # headcounts are whole
            cols.append(Column(f, "integer", "persons", label=f))
        elif field.kind in ("money", "number"):
            cols.append(Column(f, "number", _STORED[field.unit], label=f))
        elif field.kind == "year":
            cols.append(Column(f, "year", label=f))
        elif field.kind == "code":
            cols.append(Column(f, "code", label=f))
        else:
            cols.append(Column(f, label=_LABELS.get(f, f)))
    if "tags" in fields:
        cols.append(Column("tags", "list", codes="tag", label="firm_tags"))
    return tuple(cols)


def _landing_rows(v, city, limit: int) -> list[dict]:
    out = []
    for rec in v.rows.head(limit).to_dict("records"):
        row = {k: plain(val) for k, val in rec.items() if k not in ("warnings",)}
        code = rec.get("district_code")
        row["district"] = ({"zh": city.district_label(code, "zh"), "en": city.district_label(code, "en")}
                           if code and city.district(code) else ({"zh": code, "en": code} if code else None))
        if isinstance(row.get("founded"), str):
            row["founded"] = row["founded"][:10]
        elif rec.get("founded") is not None and not pd.isna(rec.get("founded")):
            row["founded"] = str(pd.Timestamp(rec["founded"]).date())
        row["sheet"] = v.sheet
        row["tags"] = list(rec.get("tags") or [])
        out.append(row)
    return out


def preview_file(p, path: str | Path, *, mapping: Mapping | None = None, year: int | None = None,
                 sheet: str | None = None, file_label: str | None = None, limit: int = PREVIEW_ROWS,
                 reasons_limit: int = PREVIEW_REASONS, viewer: Viewer = LOCAL) -> ImportPreview:
    """What importing `path` would do (`ImportPreview`), read and validated exactly as the import reads it (the
    limited worker process, the workbook guard, the pack's city) and nothing written. Importers only."""
    from chanye.errors import InputError
    from chanye.registry import import_worker, read
    from chanye.registry.validate import plan_columns

    require_import(viewer)
    path = Path(path)
    label = file_label or path.name
    mapping = make_mapping(base=mapping, year=year)
    city = p.framework.city
    try:
        validated = import_worker.parse(path, mapping, sheet=sheet, city=city, file_label=label,
                                        progress=lambda _s, _f: None, limits=ImportLimits.from_env())
    except import_worker.ImportLimitExceeded:
        raise
    except InputError as exc:
        # The file read but cannot be imported as mapped (no USCC column, figures without a year): show its
        # columns so the mapping can be fixed. The worker read it within its limits, so this read is bounded
        # too; a reader's own error (no header row, a refused workbook) stands as it is.
        try:
            sheets = read.read_sheets(path, sheet=sheet, headers=set(mapping.columns))
        except InputError:
            raise exc from None
        columns = [r for s in sheets for r in _column_rows(s.name, plan_columns(s, mapping), mapping)]
        return ImportPreview(label, table("preview_columns", PREVIEW_COLUMN_COLUMNS, columns, REGISTRY),
                             table("preview_rows", _landing_columns([]), [], REGISTRY),
                             table("preview_quarantine", PREVIEW_REASON_COLUMNS, [], REGISTRY),
                             {"rows_total": sum(len(s.data) for s in sheets), "rows_loaded": 0,
                              "rows_quarantined": 0, "rows_blank": sum(s.blank_rows for s in sheets), "reasons": 0},
                             mapping, {"message": exc.message, "hint": exc.hint})
    columns, landing, reasons, fields = [], [], [], []
    counts = {"rows_total": 0, "rows_loaded": 0, "rows_quarantined": 0, "rows_blank": 0, "reasons": 0}
    for v in validated:
        columns += _column_rows(v.sheet, v.plans, mapping)
        fields += [pl.target for pl in v.plans if pl.target in FIELDS and pl.target not in fields]
        landing += _landing_rows(v, city, limit - len(landing)) if len(landing) < limit else []
        counts["rows_loaded"] += len(v.rows)
        counts["rows_quarantined"] += len(v.rejected)
        counts["rows_total"] += len(v.rows) + len(v.rejected)
        counts["rows_blank"] += v.blank_rows
        for number, code, items in zip(v.rejected["row_number"], v.rejected["uscc"], v.rejected["reasons"],
                                       strict=True):
            for item in items:
                counts["reasons"] += 1
                if len(reasons) < reasons_limit:
                    reasons.append({"sheet": v.sheet, "row_number": int(number), "uscc": plain(code),
                                    "field": item["field"], "field_name": _name(item["field"]),
                                    "reason": _bilingual(item["reason"])})
    reasons.sort(key=lambda r: (r["sheet"], r["row_number"]))  # stable: a row's reasons keep their order
    if any(v.has_figures for v in validated) and "year" not in fields:
        fields.append("year")  # the year the mapping gives (the file has none): the figures land under it
    ordered = [f for f in FIELDS if f in fields]
    return ImportPreview(label, table("preview_columns", PREVIEW_COLUMN_COLUMNS, columns, REGISTRY),
                         table("preview_rows", _landing_columns(ordered), landing, REGISTRY),
                         table("preview_quarantine", PREVIEW_REASON_COLUMNS, reasons, REGISTRY),
                         counts, mapping)


def template_table(p) -> Table:
    """The columns the importer accepts: field, the template's header (with the stored unit), required or
    not, every header it recognises, and an example value (the district from the pack's city)."""
    city = p.framework.city
    example = {"uscc": f"91{city.code}0000000000"[:18], "name": "示例科技有限公司", "district": city.districts[0].name,
               "city": city.name, "address": f"{city.name}{city.districts[0].name}示例路1号",
               "industry_code": "3841", "industry_name": "锂离子电池制造", "business_scope": "锂离子电池研发、生产、销售",
               "registered_capital": "5000", "founded": "2018-06-01", "tags": "高新技术企业；专精特新", "year": "2024",
               "revenue": "12000", "industrial_output": "11500", "value_added": "3200", "employees": "260",
               "rd_expense": "800", "tax": "450", "energy_use": "1200"}
    from chanye.registry.fields import label as header_of

    rows = [{"field": f.name, "header": header_of(f.name), "field_name": {"zh": f.zh, "en": f.en},
             "unit": FILE_UNITS.get(f.unit), "required": REQUIRED.get(f.name, "optional"),
             "aliases": list(dict.fromkeys(f.aliases)), "example": example.get(f.name)} for f in FIELDS.values()]
    return table("import_template", TEMPLATE_COLUMNS, rows, REGISTRY)


@dataclass
class PendingUpload:
    """An uploaded file waiting for its preview to be confirmed: kept under `token` in its own temporary
    folder (`workdir`) with the mapping chosen so far; `revision` counts the previews shown."""

    token: str
    file: str
    path: Path
    workdir: str
    owner: str | None
    created: float
    mapping: Mapping = field(default_factory=Mapping)
    revision: int = 0
    problem: dict | None = None  # the last preview's problem: such a file cannot be confirmed


class PendingUploads:
    """Uploads waiting for confirmation, each for `ttl` seconds at most and at most `max_pending` at once (the
    oldest go first); the files are removed when they expire, are cancelled or handed to an import job."""

    def __init__(self, ttl: float = 1800, max_pending: int = 20) -> None:
        self.ttl, self.max_pending = ttl, max_pending
        self._items: dict[str, PendingUpload] = {}
        self._expired: dict[str, float] = {}
        self._lock = threading.Lock()

    def sweep(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._lock:
            for token, item in list(self._items.items()):
                if now - item.created > self.ttl:
                    self._drop(token, expired=True)

    def _drop(self, token: str, *, expired: bool = False) -> PendingUpload | None:
        item = self._items.pop(token, None)
        if item is not None:
            shutil.rmtree(item.workdir, ignore_errors=True)
            if expired:
                self._expired[token] = time.time()
                while len(self._expired) > 500:
                    self._expired.pop(next(iter(self._expired)))
        return item

    def add(self, file: str, path: Path, workdir: str, owner: str | None, mapping: Mapping | None = None) -> PendingUpload:
        self.sweep()
        import secrets

        item = PendingUpload(secrets.token_hex(16), file, path, workdir, owner, time.time(), mapping or Mapping())
        with self._lock:
            while len(self._items) >= self.max_pending:
                self._drop(min(self._items.values(), key=lambda i: i.created).token, expired=True)
            self._items[item.token] = item
        return item

    def get(self, token: str, owner: str | None) -> PendingUpload:
        """The pending upload, or NotFound (unknown, expired, cancelled, already imported, or another user's)."""
        from chanye.errors import NotFound

        self.sweep()
        with self._lock:
            item = self._items.get(token)
            expired = token in self._expired
        if item is None or item.owner != owner:
            minutes = round(self.ttl / 60)
            if expired:
                raise NotFound(f"预览 {token[:40]} 已过期，上传的文件已删除 (the preview expired; its file was removed)",
                               hint=f"上传的文件保留 {minutes} 分钟；请重新上传 (files are kept {minutes} minutes; "
                                    "upload it again)")
            raise NotFound(f"没有预览 {token[:40]}（可能已导入或已取消）(no such preview: imported or cancelled)",
                           hint="请重新上传文件 (upload the file again)")
        return item

    def take(self, token: str, owner: str | None) -> PendingUpload:
        """Remove the pending upload from the list and hand it over (its files stay: the import job removes them)."""
        item = self.get(token, owner)
        with self._lock:
            self._items.pop(token, None)
        return item

    def cancel(self, token: str, owner: str | None) -> PendingUpload:
        item = self.get(token, owner)
        with self._lock:
            self._drop(token)
        return item

    def owned_by(self, owner: str | None) -> list[PendingUpload]:
        self.sweep()
        with self._lock:
            return sorted((i for i in self._items.values() if i.owner == owner), key=lambda i: i.created)

    def __len__(self) -> int:
        return len(self._items)
