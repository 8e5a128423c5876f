"""Imports: one file into the registry (`registry.ingest.import_file`) with the platform's pack and a new data
generation afterwards; background import jobs with stage and progress (the web upload); the import history and
the quarantine as typed results.

Stages and statuses are machine codes (`chanye.present.labels` CODES import_stage / import_status words them).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from chanye.errors import ChanyeError
from chanye.registry import ingest, quarantine
from chanye.registry.fields import FIELDS
from chanye.registry.import_worker import ImportLimits
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


def classify_and_link(store, usccs: pd.Series | None, framework) -> tuple[int, int]:
    """Classify enterprises (see `classify_enterprises`) and link them to the pack's chains; what an import
    runs on the enterprises it touched, inside its transaction."""
    from chanye.classify.chain_links import link_chains

    result = classify_enterprises(store, usccs, pack=framework)
    link_chains(store, framework, usccs)
    return result


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


def run_job(p, job: ImportJob, path: Path, year: int | None, workdir: str | None = None) -> None:
    """The body of an import job (runs in its own thread with its own cursor); removes `workdir` after."""

    def progress(stage: str, fraction: float) -> None:
        job.stage, job.fraction = stage, max(job.fraction, min(1.0, float(fraction)))

    try:
        with _IMPORT_LOCK:
            job.status, job.stage = "running", "reading"
            report = import_file(p, path, year=year, progress=progress)
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
              viewer: Viewer = LOCAL) -> threading.Thread:
    """Run `job` in a background thread (if `viewer` may import)."""
    require_import(viewer)
    thread = threading.Thread(target=run_job, args=(p, job, path, year, workdir), name=f"import-{job.id}",
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
