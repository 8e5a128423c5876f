"""/api/v1/data/projects/imports, /api/v1/data/transformation/imports and /api/v1/data/review/imports: a 重点项目
清单, a file of firms' 数智化/绿色化 indicators or a file of review decisions (the review queue's sheet filled in)
uploaded from the browser, imported by the same service calls as `chanye projects import`, `chanye
transformation import` and `chanye review import` (the same checks, quarantine and one transaction).

Both files are a bureau's own lists (hundreds to a few thousand rows), read in the server process: the upload
has its own lower size limit (`LIST_UPLOAD_BYTES`, the server's own when that is lower), and every other guard
of the registry upload (import rights before a byte is read, the streamed size check, the file type, the XLSX
bomb check in the readers). The answer is the import's counts with the first rejected rows; the whole batch's
quarantine is at /data?batch=N#quarantine.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from chanye.analytics import projects as ap
from chanye.errors import InputError
from chanye.services import projects_import, review, transformation
from chanye.web.api.data import quarantine_model, receive_upload
from chanye.web.auth import audit, viewer
from chanye.web.i18n import lang_of
from chanye.web.schemas import responses
from chanye.web.tables import XLSX_TYPE, attachment

router = APIRouter(tags=["data 数据"])

LIST_UPLOAD_BYTES = 20 * 1024 * 1024
LIST_SUFFIXES = (".csv", ".xlsx", ".xlsm")  # what both readers take (the project reader also takes more)
REJECTED_SHOWN = 50  # rejected rows in the answer; the XLSX of the quarantine holds them all
Kind = Literal["projects", "transformation", "review"]


class ListImportPayload(BaseModel):
    """What the import did: rows read, landed and quarantined, the upserts, and the first rejected rows with every
    reason (`quarantine`, the payload of /api/v1/data/quarantine for the batch). `links`: where to see the data
    (`view`) and the batch's quarantine (`quarantine`)."""

    kind: Kind
    file: str
    batch_id: int | None
    rows_total: int
    loaded: int
    quarantined: int
    inserted: int
    updated: int
    unchanged: int
    quarantine: dict[str, Any] | None
    links: dict[str, str]


_PROJECT_BODY = {"requestBody": {"content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary"},
                   "date": {"type": "string", "format": "date",
                            "description": "进度日期（文件无进度日期列时；缺省今天）(the progress's date)"},
                   "kind": {"type": "string", "enum": list(ap.KINDS),
                            "description": "无项目类型的行的类型（缺省 construction 重点建设）"}}}}}}}
# the other lists: the file alone
_FILE_BODY = {"requestBody": {"content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}}}


@router.post("/data/projects/imports", response_model=ListImportPayload, responses=responses(too_large=True),
             summary="上传并导入重点项目清单 (upload and import a project list)", openapi_extra=_PROJECT_BODY)
async def post_projects_import(request: Request):
    got = await receive_upload(request, limit=LIST_UPLOAD_BYTES, suffixes=LIST_SUFFIXES)
    try:
        when = _date(got.fields.get("date", ""))
        kind = got.fields.get("kind") or "construction"
        who = viewer(request)
        result = await run_in_threadpool(
            projects_import.import_file, request.app.state.ctx, got.path, viewer=who, when=when,
            default_kind=kind, label=got.name)
    finally:
        shutil.rmtree(got.workdir, ignore_errors=True)
    counts = {"rows_total": result.rows_total, "loaded": result.loaded, "quarantined": result.quarantined,
              "inserted": result.inserted, "updated": result.updated, "unchanged": result.unchanged}
    return await _answer(request, "projects", got.name, result.batch, counts, "/projects")


@router.post("/data/transformation/imports", response_model=ListImportPayload, responses=responses(too_large=True),
             summary="上传并导入企业转型指标 (upload and import firms' transformation indicators)",
             openapi_extra=_FILE_BODY)
async def post_transformation_import(request: Request):
    got = await receive_upload(request, limit=LIST_UPLOAD_BYTES, suffixes=LIST_SUFFIXES)
    try:
        report = await run_in_threadpool(transformation.import_upload, request.app.state.ctx, got.path,
                                         viewer=viewer(request), label=got.name)
    finally:
        shutil.rmtree(got.workdir, ignore_errors=True)
    counts = {"rows_total": report.rows_total, "loaded": report.rows_loaded, "quarantined": report.rows_quarantined,
              "inserted": report.inserted, "updated": report.updated, "unchanged": report.unchanged}
    return await _answer(request, "transformation", got.name, report.batch_id, counts, "/fusion")


@router.post("/data/review/imports", response_model=ListImportPayload, responses=responses(too_large=True),
             summary="上传复核结果：统一社会信用代码、复核小类（复核页下载的表填好后）(upload review decisions)",
             openapi_extra=_FILE_BODY)
async def post_review_import(request: Request):
    got = await receive_upload(request, limit=LIST_UPLOAD_BYTES, suffixes=LIST_SUFFIXES)
    try:
        who = viewer(request)
        done = await run_in_threadpool(review.import_decisions, request.app.state.ctx, got.path, viewer=who,
                                       label=got.name)
    finally:
        shutil.rmtree(got.workdir, ignore_errors=True)
    counts = {"rows_total": done.rows_total, "loaded": done.loaded, "quarantined": done.quarantined,
              "inserted": done.inserted, "updated": done.updated, "unchanged": done.unchanged}
    return await _answer(request, "review", got.name, done.batch, counts, "/review")


@router.get("/data/transformation/template", responses=responses(xlsx=True),
            summary="转型指标导入模板 XLSX (the indicators' import template: headers with units, an example row)")
def get_transformation_template(request: Request):
    lang = lang_of(request)
    with tempfile.TemporaryDirectory(prefix="chanye-template-") as folder:
        path = transformation.write_template(Path(folder) / "template.xlsx", lang)
        return attachment(path.read_bytes(), "transformation-template.xlsx", XLSX_TYPE)


def _date(text: str) -> date | None:
    """The form's progress date (YYYY-MM-DD), or None for today."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"date: 应为 YYYY-MM-DD 日期 (got {text[:20]!r})", hint="留空则用今天") from None


async def _answer(request: Request, kind: str, name: str, batch: int | None, counts: dict, view: str) -> dict:
    ctx = request.app.state.ctx
    lang = lang_of(request)
    who = viewer(request)
    if request.app.state.auth.enabled:  # audit (web/auth.py): who imported which file
        await run_in_threadpool(audit, ctx, who.user, "import", name, f"{kind} batch {batch}")
    quarantine = None
    if batch is not None and counts["quarantined"]:
        quarantine = quarantine_model(ctx, batch, limit=REJECTED_SHOWN, lang=lang, viewer=who)
    links = {"view": f"{view}?lang={lang}"}
    if quarantine is not None:
        links["quarantine"] = f"/data?batch={batch}&lang={lang}#quarantine"
    return {"kind": kind, "file": name, "batch_id": batch, **counts, "quarantine": quarantine, "links": links}
