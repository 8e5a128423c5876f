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
from typing import Any, Literal, NamedTuple

from fastapi import APIRouter, Query, Request
from fastapi import Path as Path_
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.formparsers import MultiPartException, MultiPartParser

from chanye.errors import ChanyeError, InputError, NotFound
from chanye.present import enterprises as show
from chanye.present import labels
from chanye.present import tables as present
from chanye.registry.validate import Mapping
from chanye.services import imports, published
from chanye.services.access import LOCAL, Viewer, require_import
from chanye.services.imports import ImportJob, ImportPreview, PendingUpload, PendingUploads
from chanye.web.auth import audit, viewer
from chanye.web.i18n import lang_of
from chanye.web.schemas import TablePayload, responses
from chanye.web.tables import XLSX_TYPE, attachment, xlsx_response

router = APIRouter(tags=["data 数据"])

Format = Literal["json", "xlsx"]
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet")
_KIND_OF = {".csv": "CSV", ".tsv": "CSV", ".txt": "CSV", ".xlsx": "XLSX", ".xlsm": "XLSX", ".xls": "XLS",
            ".parquet": "Parquet"}  # the file types as a user names them, for the messages
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


class Received(NamedTuple):
    """An upload saved in its own temporary folder (`workdir`, which the caller removes)."""

    name: str
    path: Path
    workdir: str
    year: int | None
    fields: dict[str, str]  # the form's other text fields, by name (at most 200 characters each)


async def receive_upload(request: Request, *, limit: int | None = None, suffixes: tuple[str, ...] = SUFFIXES) -> Received:
    """The uploaded file, checked and saved in a new temporary folder. Every guard of the upload runs here
    (import rights before a byte is read, the size limit while the body streams, the file type, the year), for
    the direct import, the preview and the project and indicator uploads alike. `limit`: a lower size limit
    than the server's (default `max_upload_bytes`)."""
    ctx = request.app.state.ctx
    who = viewer(request)
    require_import(who)  # before a byte is read (issue 17: administrators and city analysts import)
    limit = min(limit or ctx.max_upload_bytes, ctx.max_upload_bytes)
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
    if suffix not in suffixes:
        raise InputError(f"{name}: 不支持的文件类型 {suffix or '（无扩展名）'} (unsupported file type)",
                         hint="可上传 " + "、".join(dict.fromkeys(_KIND_OF[s] for s in suffixes)) + " 文件")
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
    fields = {k: v[:200] for k, v in form.items() if isinstance(v, str) and k not in ("year", "file")}
    return Received(name, path, workdir, year, fields)


@router.post("/data/imports", status_code=202, response_model=ImportJobPayload,
             responses=responses(ok=202, too_large=True),
             summary="上传并导入 CSV/XLSX/Parquet（后台运行，轮询进度）(upload and import; poll for progress)",
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file"],
                 "properties": {"file": {"type": "string", "format": "binary"},
                                "year": {"type": "integer", "description": "数据年份（文件无年份列时）"}}}},
                 # or import an upload previewed at /data/previews, with the mapping and units chosen there
                 "application/json": {"schema": {"type": "object", "required": ["preview", "revision"], "properties": {
                     "preview": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                     "revision": {"type": "integer", "minimum": 0}}}}}}})
async def post_import(request: Request):
    who = viewer(request)
    if request.headers.get("content-type", "").startswith("application/json"):
        return await _confirm(request, who)  # {"preview": token, "revision": n}: import a previewed upload
    got = await receive_upload(request)
    return await _start(request, who, got.name, got.path, got.workdir, got.year)


async def _start(request: Request, who: Viewer, name: str, path: Path, workdir: str, year: int | None,
                 mapping: Mapping | None = None) -> JSONResponse:
    """Start the import job of a received file (202 with the job to poll)."""
    job = ImportJob(id=uuid.uuid4().hex[:12], file=name)
    jobs = _jobs(request)
    jobs[job.id] = job
    if len(jobs) > 200:  # keep the newest jobs only
        for old in sorted(jobs.values(), key=lambda j: j.started_at)[: len(jobs) - 200]:
            jobs.pop(old.id, None)
    ctx = request.app.state.ctx
    imports.start_job(ctx, job, path, year, workdir, viewer=who, mapping=mapping)
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


# --- preview before import, the template (issue 15 data in) ----------------------------------------------------
# An upload is kept under a token (its own temporary folder, the upload's size limit, PREVIEW_TTL seconds) and
# previewed without writing: the column mapping, the units assumed, the first rows as they will land and every
# reason of every row that would be quarantined. The mapping editor re-previews; confirm imports exactly that
# file with that mapping through the same job as /data/imports (one transaction, the quarantine); cancel
# removes the file.

PREVIEW_TTL = 1800
BODY_NOT_FOUND = responses(not_found=True)
BODY_NOT_FOUND[400] = {**BODY_NOT_FOUND[422], "description": "请求体不是有效的 JSON (the body is not valid JSON)"}


class PreviewPayload(BaseModel):
    """An upload's preview: `columns` (source header -> field, status, unit assumed and the units to choose),
    `rows` (first rows as they will land, stored units), `quarantine` (row, field, reason for every row that
    would be quarantined), `counts`; `problem` (message, hint) when it cannot be imported as mapped. `choices`
    lists the fields a column can map to and `codes` the words of the coded cells; `revision` goes with the
    confirm, so only the preview shown is imported."""

    token: str
    file: str
    revision: int
    expires_at: str
    year: int | None
    counts: dict[str, int]
    problem: dict[str, str | None] | None
    columns: TablePayload
    rows: TablePayload
    quarantine: TablePayload
    choices: list[dict[str, Any]]
    codes: dict[str, dict[str, str]]
    url: str


class PreviewChange(BaseModel):
    """The mapping editor's choices: `columns` header -> field ('ignore' to leave a column out, 'tag:<id>'),
    `units` field -> machine unit of the values in the file (yuan, wan_yuan, yi_yuan, ...), `year`."""

    columns: dict[str, str] = Field(default_factory=dict, max_length=500)
    units: dict[str, str] = Field(default_factory=dict, max_length=50)
    year: int | None = Field(None, ge=1990, le=2100)


class PreviewConfirm(BaseModel):
    revision: int = Field(ge=0, description="the revision of the preview shown (PreviewPayload.revision)")


class PreviewConfirmBody(PreviewConfirm):
    preview: str = Field(pattern=r"^[0-9a-f]{32}$", description="the preview's token")


class PreviewItem(BaseModel):
    token: str
    file: str
    revision: int
    expires_at: str
    url: str


class PreviewList(BaseModel):
    """The uploads waiting for confirmation that the current user made (kept PREVIEW_TTL seconds)."""

    rows: list[PreviewItem]


class PreviewCancelled(BaseModel):
    token: str
    cancelled: bool


def _pending(request: Request) -> PendingUploads:
    state = request.app.state
    if not hasattr(state, "pending_uploads"):
        state.pending_uploads = PendingUploads(ttl=PREVIEW_TTL)
    return state.pending_uploads


def _owner(request: Request) -> str | None:
    return viewer(request).user


def _choices(lang: str) -> list[dict[str, Any]]:
    """What a column may map to: 忽略, every field (with its stored unit), every yes/no tag column."""
    from chanye.registry.fields import FIELDS, TAG_ALIASES
    from chanye.registry.fields import label as field_label
    from chanye.standards.tags import TAGS

    out = [{"value": "ignore", "label": labels.word("map_ignore", lang)}]
    out += [{"value": f.name, "label": field_label(f.name) if lang != "en" else _english_header(
        {"unit": imports.FILE_UNITS.get(f.unit), "field_name": {"en": f.en}})} for f in FIELDS.values()]
    out += [{"value": f"tag:{t}", "label": labels.word("map_tag", lang).format(tag=TAGS[t][1 if lang == "en" else 0])}
            for t in dict.fromkeys(TAG_ALIASES.values())]
    return out


def preview_payload(preview: ImportPreview, item: PendingUpload, lang: str) -> dict:
    groups = ("mapping_status", "file_unit", "unit_source", "field_required")
    return {
        "token": item.token, "file": item.file, "revision": item.revision,
        "expires_at": _expires(item),
        "year": preview.mapping.year, "counts": preview.counts, "problem": preview.problem,
        "columns": present.payload(preview.columns, lang), "rows": present.payload(preview.rows, lang),
        "quarantine": present.payload(preview.quarantine, lang), "choices": _choices(lang),
        "codes": {g: {k: labels.pick(v, lang) for k, v in labels.CODES[g].items()} for g in groups},
        "url": f"/api/v1/data/previews/{item.token}",
    }


async def _preview(request: Request, item: PendingUpload) -> dict:
    ctx = request.app.state.ctx
    result = await run_in_threadpool(imports.preview_file, ctx, item.path, mapping=item.mapping,
                                     file_label=item.file, viewer=viewer(request))
    item.problem = result.problem
    return preview_payload(result, item, lang_of(request))


_TOKEN_PATTERN = r"^[0-9a-f]{32}$"


@router.post("/data/previews", status_code=201, response_model=PreviewPayload,
             responses=responses(ok=201, too_large=True),
             summary="上传文件并预览导入（不写入）(upload a file and preview its import; nothing is written)",
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file"],
                 "properties": {"file": {"type": "string", "format": "binary"},
                                "year": {"type": "integer", "description": "数据年份（文件无年份列时）"}}}}}}})
async def post_preview(request: Request):
    got = await receive_upload(request)  # every guard of the upload
    item = _pending(request).add(got.name, got.path, got.workdir, _owner(request), Mapping(year=got.year))
    try:
        body = await _preview(request, item)
    except BaseException:  # a file that cannot be read at all is not kept
        _pending(request).cancel(item.token, item.owner)
        raise
    return JSONResponse(body, status_code=201)


async def _confirm(request: Request, who: Viewer) -> JSONResponse:
    """Import exactly the previewed upload with the mapping and units of the preview shown (`revision`)."""
    from pydantic import ValidationError

    require_import(who)
    try:
        body = b""
        async for chunk in request.stream():  # a confirmation is a few bytes: never read a large body whole
            body += chunk
            if len(body) > 4096:
                raise InputError("导入确认过长 (confirmation body too large)", hint='只发送 {"preview": …, "revision": …}')
        confirm = PreviewConfirmBody.model_validate_json(body)
    except ValidationError as exc:
        raise InputError(f"导入确认无效 (invalid confirmation): {exc.errors()[0]['msg']}",
                         hint='发送 {"preview": 预览令牌, "revision": 预览版本} (send the preview token and revision)') from None
    pending = _pending(request)
    item = pending.get(confirm.preview, who.user)
    if confirm.revision != item.revision:
        raise InputError(f"预览已更新（第 {item.revision} 版，确认的是第 {confirm.revision} 版）(the preview changed)",
                         hint="查看最新的预览后再确认 (confirm the preview now shown)")
    if item.problem:
        raise InputError(f"{item.file}: 按当前映射无法导入 (cannot be imported as mapped): {item.problem['message']}",
                         hint="在列映射中为该列选择字段，或填写年份 (choose the column's field, or give the year)")
    item = pending.take(confirm.preview, who.user)  # the job owns the file from here and removes it when done
    return await _start(request, who, item.file, item.path, item.workdir, item.mapping.year, item.mapping)


def _expires(item: PendingUpload) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(item.created + PREVIEW_TTL).isoformat(timespec="seconds")


@router.get("/data/previews", response_model=PreviewList, responses=responses(),
            summary="我上传、待确认的文件 (my uploads waiting for confirmation)")
def get_previews(request: Request):
    require_import(viewer(request))
    items = _pending(request).owned_by(_owner(request))
    return {"rows": [{"token": i.token, "file": i.file, "revision": i.revision, "expires_at": _expires(i),
                      "url": f"/api/v1/data/previews/{i.token}"} for i in items]}


@router.get("/data/previews/{token}", response_model=PreviewPayload, responses=responses(not_found=True),
            summary="一个上传文件的导入预览 (the preview of an uploaded file)")
async def get_preview(request: Request, token: str = Path_(pattern=_TOKEN_PATTERN)):
    return await _preview(request, _pending(request).get(token, _owner(request)))


@router.post("/data/previews/{token}", response_model=PreviewPayload, responses=BODY_NOT_FOUND,
             summary="修改列映射、单位或年份后重新预览 (change the column mapping, units or year; preview again)")
async def post_preview_change(request: Request, change: PreviewChange,
                              token: str = Path_(pattern=_TOKEN_PATTERN)):
    require_import(viewer(request))
    item = _pending(request).get(token, _owner(request))
    year = change.year if "year" in change.model_fields_set else item.mapping.year
    mapping = imports.make_mapping(change.columns, change.units, base=Mapping(vintage=item.mapping.vintage))
    mapping.year = year
    item.mapping, item.revision = mapping, item.revision + 1
    return await _preview(request, item)


@router.delete("/data/previews/{token}", response_model=PreviewCancelled, responses=responses(not_found=True),
               summary="取消预览，删除上传的文件 (cancel: the uploaded file is removed, nothing imported)")
def delete_preview(request: Request, token: str = Path_(pattern=_TOKEN_PATTERN)):
    require_import(viewer(request))
    _pending(request).cancel(token, _owner(request))
    return {"token": token, "cancelled": True}


def template_model(ctx, *, lang: str = "zh") -> dict:
    """The headers the importer accepts (the template's columns) as a table payload."""
    return present.payload(ctx.cached(("import_template",), lambda: imports.template_table(ctx)), lang)


def template_bytes(ctx, fmt: str, lang: str = "zh") -> bytes:
    """The import template: the recognised headers (with units) and one example row whose USCC starts with
    示例, so an example left in the file is quarantined, never imported."""
    rows = imports.template_table(ctx).rows
    headers = [r["header"] if lang == "zh" else _english_header(r) for r in rows]
    example = ["示例" + str(r["example"]) if r["field"] == "uscc" else (r["example"] or "") for r in rows]
    if fmt == "csv":
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerows([headers, example])
        return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = labels.word("template_sheet", lang)
    sheet.append(headers)
    sheet.append(example)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="8A94A6")
        cell.fill = PatternFill("solid", fgColor="FFF7E0")
        cell.number_format = "@"  # codes and numbers as typed (3841 stays text, 91… keeps its digits)
    for j, h in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(1, j).column_letter].width = max(12, min(40, 2 * len(h) + 2))
    sheet.freeze_panes = "A2"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _english_header(row: dict) -> str:
    unit = labels.code("file_unit", row["unit"], "en") if row["unit"] else ""
    return f"{row['field_name']['en']} ({unit})" if unit else row["field_name"]["en"]


@router.get("/data/template", response_model=TablePayload, responses=responses(xlsx=True, csv=True),
            summary="导入模板: 可识别的表头、单位、必填与示例行（JSON，或 format=xlsx / csv 下载）"
                    "(the import template: accepted headers, units, required, an example row)")
def get_template(request: Request, format: Literal["json", "xlsx", "csv"] = "json"):
    ctx = request.app.state.ctx
    lang = lang_of(request)
    if format == "xlsx":
        return attachment(template_bytes(ctx, "xlsx", lang), "import-template.xlsx", XLSX_TYPE)
    if format == "csv":
        return attachment(template_bytes(ctx, "csv", lang), "import-template.csv", "text/csv; charset=utf-8")
    return present.payload(imports.template_table(ctx), lang)
