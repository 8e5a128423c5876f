"""/api/v1/data: import from the browser (with progress), import history, quarantine, sources, published figures.

An upload is saved to a temporary folder under its own file name and imported by `services.imports`, the call
behind `chanye import`, in a background thread: the same validation, the same quarantine, one transaction.
The client polls /api/v1/data/imports/{job} for the stage (a machine code with its label) and fraction; a
finished import starts a new data generation, so every view shows the new data.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.formparsers import MultiPartException, MultiPartParser

from chanye.errors import ChanyeError, InputError, NotFound
from chanye.present import enterprises as show
from chanye.present import labels
from chanye.present import tables as present
from chanye.services import imports, published
from chanye.services.access import LOCAL, Viewer, require_import
from chanye.services.imports import ImportJob
from chanye.web.auth import audit, viewer
from chanye.web.i18n import lang_of
from chanye.web.schemas import TablePayload, responses
from chanye.web.tables import XLSX_TYPE, attachment, xlsx_response

router = APIRouter(tags=["data 数据"])

Format = Literal["json", "xlsx"]
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet")
XLSX = responses(xlsx=True, not_found=True)  # JSON, or `?format=xlsx`: the table as a workbook


class UploadTooLarge(ChanyeError):
    status = 413
    title = "文件过大 File too large"


class ImportJobPayload(BaseModel):
    """An import job: `stage` is a machine code (queued, reading, validating, writing, done, failed) and
    `stage_label` its words; `report` (once done) counts rows, firms and figures; `error` (once failed) says
    why."""

    job: str
    file: str
    status: Literal["queued", "running", "done", "failed"]
    stage: str
    stage_label: str
    fraction: float
    report: dict[str, Any] | None
    error: dict[str, Any] | None
    batch_id: int | None
    started_at: str
    finished_at: str | None
    url: str


class QuarantinePayload(TablePayload):
    """One page of a batch's rejected rows (`rows`) with every reason; `reasons` counts them by field."""

    batch: int | None
    total: int
    reasons: dict[str, int]
    limit: int
    offset: int


def job_payload(job: ImportJob, lang: str = "zh") -> dict:
    """The job as JSON: machine keys throughout (the report's reason kinds and column headers become lists)."""
    data = job.as_dict()
    report = data.get("report")
    if report:
        report = dict(report)
        for key in ("reasons", "warnings"):
            report[key] = [{"reason": k, "rows": n} for k, n in (report.get(key) or {}).items()]
        report["sheets"] = [{**s, "columns": [{"header": h, "field": f} for h, f in s["columns"].items()]}
                            for s in report.get("sheets") or []]
        data["report"] = report
    data["stage_label"] = labels.code("import_stage", job.stage, lang)
    return data


# --------------------------------------------------------------------------------------------------------
# Upload
# --------------------------------------------------------------------------------------------------------


def _jobs(request: Request) -> dict[str, ImportJob]:
    state = request.app.state
    if not hasattr(state, "import_jobs"):
        state.import_jobs = {}
    return state.import_jobs


def _limit_text(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


_FRAMING = 64 * 1024  # allowance for the multipart boundaries and part headers around the file


async def _bounded(stream: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    """The request body, refused (413) as soon as more than `limit` bytes have arrived."""
    total = 0
    async for chunk in stream:
        total += len(chunk)
        if total > limit:
            raise _too_large(total, limit - _FRAMING)
        yield chunk


def _too_large(size: int, limit: int) -> UploadTooLarge:
    return UploadTooLarge(
        f"上传文件 {_limit_text(size)} 超过上限 {_limit_text(limit)} (upload too large)",
        hint="把文件拆成几份分批导入，或在服务器上用命令行 chanye import 导入大文件 (split the file or use the CLI)",
    )


def upload_name(filename: str, *, max_chars: int = 120, max_bytes: int = 200) -> str:
    """The uploaded file's base name, shortened to `max_chars` characters and `max_bytes` UTF-8 bytes (Linux
    allows 255 bytes, and a CJK character takes 3) with its extension kept, so the type check still sees it."""
    name = Path(filename.replace("\\", "/")).name.replace("\x00", "") or "upload.csv"
    suffix = Path(name).suffix if len(Path(name).suffix) <= 10 else ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    while stem and (len(stem) + len(suffix) > max_chars or len((stem + suffix).encode("utf-8")) > max_bytes):
        stem = stem[:-1]
    return (stem or "upload") + suffix


@router.post("/data/imports", status_code=202, response_model=ImportJobPayload,
             responses=responses(ok=202, too_large=True),
             summary="上传并导入 CSV/XLSX/Parquet（后台运行，轮询进度）(upload and import; poll for progress)",
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file"],
                 "properties": {"file": {"type": "string", "format": "binary"},
                                "year": {"type": "integer", "description": "数据年份（文件无年份列时）"}}}}}}})
async def post_import(request: Request):
    ctx = request.app.state.ctx
    who = viewer(request)
    require_import(who)  # before a byte is read (issue 17: administrators and city analysts import)
    limit = ctx.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + _FRAMING:
        raise _too_large(int(declared), limit)
    if "multipart/form-data" not in request.headers.get("content-type", ""):  # a file comes only as multipart
        raise InputError("没有收到文件 (no file in the upload)", hint="用表单字段 file 上传 CSV、XLSX 或 Parquet 文件")
    # The body is counted while it streams in, with or without Content-Length: an over-size upload is refused
    # before it is spooled whole.
    parser = MultiPartParser(request.headers, _bounded(request.stream(), limit + _FRAMING), max_files=1,
                             max_fields=10)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise InputError(f"上传表单无法解析 (bad multipart form): {exc}", hint="用表单字段 file 上传文件") from None
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not getattr(upload, "filename", None):
        raise InputError("没有收到文件 (no file in the upload)", hint="用表单字段 file 上传 CSV、XLSX 或 Parquet 文件")
    name = upload_name(upload.filename)
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{name}: 不支持的文件类型 {suffix or '（无扩展名）'} (unsupported file type)",
                         hint="可上传 CSV、XLSX、Parquet 文件")
    year_text = form.get("year")
    year = None
    if isinstance(year_text, str) and year_text.strip():
        if not year_text.strip().isdigit() or not 1990 <= int(year_text) <= 2100:
            raise InputError(f"year: 应为 1990-2100 的年份 (got {year_text[:20]!r})", hint="留空则用文件中的年份列")
        year = int(year_text)
    workdir = tempfile.mkdtemp(prefix="chanye-upload-")
    path = Path(workdir) / name
    size = 0
    try:
        with path.open("wb") as out:
            while chunk := await upload.read(1024 * 1024):
                size += len(chunk)
                if size > limit:
                    raise _too_large(size, limit)
                out.write(chunk)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    finally:
        await upload.close()
    if size == 0:
        shutil.rmtree(workdir, ignore_errors=True)
        raise InputError(f"{name}: 文件是空的 (empty file)", hint="选择包含表头和数据行的文件")
    job = ImportJob(id=uuid.uuid4().hex[:12], file=name)
    jobs = _jobs(request)
    jobs[job.id] = job
    if len(jobs) > 200:  # keep the newest jobs only
        for old in sorted(jobs.values(), key=lambda j: j.started_at)[: len(jobs) - 200]:
            jobs.pop(old.id, None)
    imports.start_job(ctx, job, path, year, workdir, viewer=who)
    if request.app.state.auth.enabled:  # audit (web/auth.py): who imported which file
        await run_in_threadpool(audit, ctx, who.user, "import", name, f"job {job.id}")
    return JSONResponse(job_payload(job, lang_of(request)), status_code=202)


@router.get("/data/imports/{job_id}", summary="导入进度与结果 (an import's stage, fraction and report)",
            response_model=ImportJobPayload, responses=responses(not_found=True))
def get_import(request: Request, job_id: str):
    job = _jobs(request).get(job_id)
    if job is None:
        raise NotFound(f"没有导入任务 {job_id[:40]} (no such import job)",
                       hint="任务只保存在服务器内存中；重启后请查看导入历史 /api/v1/data/batches")
    return job_payload(job, lang_of(request))


# --------------------------------------------------------------------------------------------------------
# History, quarantine, sources, published figures
# --------------------------------------------------------------------------------------------------------


def batches_model(ctx, *, lang: str = "zh") -> dict:
    """The import history (newest first) as a table payload."""
    return present.payload(imports.batches(ctx), lang)


def quarantine_model(ctx, batch: int | None = None, *, limit: int = 500, offset: int = 0, lang: str = "zh",
                     viewer: Viewer = LOCAL) -> dict:
    """One page of a batch's rejected rows (default the latest batch) as a payload (importers only)."""
    return show.quarantine_payload(imports.quarantine_page(ctx, batch, limit=limit, offset=offset, viewer=viewer),
                                   lang)


def sources_model(ctx, *, lang: str = "zh") -> dict:
    return present.payload(ctx.cached(("sources",), lambda: published.sources_table(ctx)), lang)


def published_model(ctx, *, scope: str | None = None, area: str | None = None, node: str | None = None,
                    lang: str = "zh") -> dict:
    """Published (real, cited) figures with their sources as a payload; never mixed with the registry's."""
    return present.payload(published_table(ctx, scope=scope, area=area, node=node), lang)


def published_table(ctx, *, scope: str | None = None, area: str | None = None, node: str | None = None):
    return ctx.cached(("published", scope, area, node),
                      lambda: published.figures(ctx, scope=scope, area=area, node=node))


def _xlsx(table, filename: str, lang: str, extra: str = ""):
    return attachment(show.xlsx_bytes([(table, show.note(table, lang, extra))], lang), filename, XLSX_TYPE)


@router.get("/data/batches", summary="导入历史 (import history, newest first)", response_model=TablePayload,
            responses=XLSX)
def get_batches(request: Request, format: Format = "json"):
    ctx = request.app.state.ctx
    lang = lang_of(request)
    history = imports.batches(ctx)
    if format == "xlsx":
        return attachment(show.xlsx_bytes([(history, labels.word("batches_xlsx_note", lang))], lang),
                          "import-batches.xlsx", XLSX_TYPE)
    return present.payload(history, lang)


@router.get("/data/quarantine", response_model=QuarantinePayload, responses=XLSX,
            summary="隔离区: 坏行与全部原因 (rejected rows with every reason; XLSX for re-import)")
def get_quarantine(request: Request, batch: int | None = Query(None, ge=1, description="导入批次（缺省：最新）"),
                   format: Format = "json", limit: int = Query(500, ge=1, le=5000), offset: int = Query(0, ge=0)):
    ctx = request.app.state.ctx
    lang = lang_of(request)
    if format == "xlsx":
        chosen, sheets = imports.reimport_sheets(ctx, batch, viewer=viewer(request))
        note = labels.word("quarantine_xlsx_note", lang).format(batch=chosen)
        return xlsx_response(sheets, f"quarantine-{chosen}.xlsx", notes=dict.fromkeys(sheets, note))
    return quarantine_model(ctx, batch, limit=limit, offset=offset, lang=lang, viewer=viewer(request))


@router.get("/data/sources", summary="来源: 公开资料清单 (the public sources figures cite)",
            response_model=TablePayload, responses=XLSX)
def get_sources(request: Request, format: Format = "json"):
    ctx = request.app.state.ctx
    lang = lang_of(request)
    if format == "xlsx":
        return _xlsx(ctx.cached(("sources",), lambda: published.sources_table(ctx)), "sources.xlsx", lang)
    return sources_model(ctx, lang=lang)


@router.get("/data/published", summary="公开发布的数字及来源 (published figures with their sources)",
            response_model=TablePayload, responses=XLSX)
def get_published(request: Request, scope: Literal["city", "district", "node"] | None = None,
                  area: str | None = Query(None, pattern=r"^\d{6}$"), node: str | None = Query(None, max_length=64),
                  format: Format = "json"):
    ctx = request.app.state.ctx
    lang = lang_of(request)
    if format == "xlsx":
        return _xlsx(published_table(ctx, scope=scope, area=area, node=node), "published.xlsx", lang)
    return published_model(ctx, scope=scope, area=area, node=node, lang=lang)


# --- consistency of published figures (services/published.py; issue 11 item 5) ----------------------------------


@router.get("/data/published/consistency", response_model=TablePayload, responses=XLSX,
            summary="公开数字一致性检查: 相互之间及与全国总数对照（按报道保留，冲突并列两个来源）")
def get_published_consistency(request: Request, format: Format = "json"):
    ctx = request.app.state.ctx
    lang = lang_of(request)
    result = ctx.cached(("published_consistency",), lambda: published.consistency_table(ctx))
    if format == "xlsx":
        return _xlsx(result, "published-consistency.xlsx", lang)
    return present.payload(result, lang)
