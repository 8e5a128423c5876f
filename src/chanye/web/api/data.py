"""/api/v1/data: import from the browser (with progress), import history, quarantine, sources, published figures.

An upload is saved to a temporary folder under its own file name and imported by `ingest.import_file`, the
call behind `chanye import`, in a background thread: the same validation, the same quarantine, one
transaction. The client polls /api/v1/data/imports/{job} for the stage and fraction; a finished import drops
the caches (`ctx.data_changed()`), so every view shows the new data.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.formparsers import MultiPartException, MultiPartParser

from chanye.errors import ChanyeError, InputError, NotFound
from chanye.registry import quarantine, views
from chanye.web.tables import clean, records, xlsx_response

router = APIRouter(tags=["data 数据"])

Format = Literal["json", "xlsx"]
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet")
_IMPORT_LOCK = threading.Lock()  # one import writes at a time; the others wait (status "queued")


class UploadTooLarge(ChanyeError):
    status = 413
    title = "文件过大 File too large"


@dataclass
class ImportJob:
    id: str
    file: str
    status: str = "queued"  # queued | running | done | failed
    stage: str = "排队 queued"
    fraction: float = 0.0
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    report: dict | None = None
    error: dict | None = None

    def as_dict(self) -> dict:
        return clean({
            "job": self.id, "file": self.file, "status": self.status, "stage": self.stage,
            "fraction": round(self.fraction, 3), "report": self.report, "error": self.error,
            "batch_id": (self.report or {}).get("batch_id"),
            "started_at": dt.datetime.fromtimestamp(self.started_at).isoformat(timespec="seconds"),
            "finished_at": (dt.datetime.fromtimestamp(self.finished_at).isoformat(timespec="seconds")
                            if self.finished_at else None),
            "url": f"/api/v1/data/imports/{self.id}",
        })


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


def run_import(ctx, job: ImportJob, path: Path, year: int | None, workdir: str) -> None:
    """The body of an import job (runs in its own thread with its own cursor)."""

    def progress(stage: str, fraction: float) -> None:
        job.stage, job.fraction = stage, max(job.fraction, min(1.0, float(fraction)))

    from chanye.registry.ingest import import_file

    try:
        with _IMPORT_LOCK:
            job.status, job.stage = "running", "读取 reading"
            store = ctx.cursor()
            report = import_file(store, path, year=year, pack=ctx.framework.path or ctx.pack_id,
                                 progress=progress)
            data = report.to_dict()
            data["file"] = job.file
            job.report = data
            job.status, job.stage, job.fraction = "done", "完成 done", 1.0
            ctx.data_changed()
    except ChanyeError as exc:
        job.status, job.stage = "failed", "失败 failed"
        job.error = {"status": exc.status, "title": exc.title, "message": exc.message, "hint": exc.hint}
    except Exception as exc:  # a file that breaks a reader in an unforeseen way: report it, never crash
        job.status, job.stage = "failed", "失败 failed"
        job.error = {"status": 500, "title": "导入失败 Import failed", "message": f"{type(exc).__name__}: {exc}",
                     "hint": "检查文件格式；问题持续请报告维护者 (check the file; report if it persists)"}
    finally:
        job.finished_at = time.time()
        shutil.rmtree(workdir, ignore_errors=True)


@router.post("/data/imports", status_code=202,
             summary="上传并导入 CSV/XLSX/Parquet（后台运行，轮询进度）(upload and import; poll for progress)",
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file"],
                 "properties": {"file": {"type": "string", "format": "binary"},
                                "year": {"type": "integer", "description": "数据年份（文件无年份列时）"}}}}}}})
async def post_import(request: Request):
    ctx = request.app.state.ctx
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
    threading.Thread(target=run_import, args=(ctx, job, path, year, workdir), name=f"import-{job.id}",
                     daemon=True).start()
    return JSONResponse(job.as_dict(), status_code=202)


@router.get("/data/imports/{job_id}", summary="导入进度与结果 (an import's stage, fraction and report)")
def get_import(request: Request, job_id: str) -> dict:
    job = _jobs(request).get(job_id)
    if job is None:
        raise NotFound(f"没有导入任务 {job_id[:40]} (no such import job)",
                       hint="任务只保存在服务器内存中；重启后请查看导入历史 /api/v1/data/batches")
    return job.as_dict()


# --------------------------------------------------------------------------------------------------------
# History, quarantine, sources, published figures
# --------------------------------------------------------------------------------------------------------

BATCH_HEADERS = {"id": "批次", "file": "文件", "kind": "类型", "finished_at": "完成时间", "status": "状态",
                 "rows_total": "数据行", "rows_loaded": "入库", "rows_quarantined": "隔离", "inserted": "新增企业",
                 "updated": "更新企业", "unchanged": "不变企业", "synthetic": "示例数据"}


def batches_model(ctx) -> dict:
    frame = quarantine.batches(ctx.cursor())
    frame["file"] = [Path(str(f)).name if f and "/" in str(f) else f for f in frame["file"]]
    return {"rows": records(frame), "columns": [{"key": k, "label": v} for k, v in BATCH_HEADERS.items()],
            "unit": "行", "total": len(frame)}


@router.get("/data/batches", summary="导入历史 (import history, newest first)")
def get_batches(request: Request, format: Format = "json"):
    model = batches_model(request.app.state.ctx)
    if format == "xlsx":
        frame = pd.DataFrame(model["rows"], columns=list(BATCH_HEADERS)).rename(columns=BATCH_HEADERS)
        return xlsx_response({"导入历史": frame}, "import-batches.xlsx", notes={"导入历史": "单位：行 (rows)"})
    return model


def quarantine_model(ctx, batch: int | None = None, *, limit: int = 500, offset: int = 0) -> dict:
    """One page of the rejected rows of one batch (default the latest) with every reason; the total and the
    reason counts come from the store, so a page never reads the whole batch."""
    store = ctx.cursor()
    chosen = quarantine.latest_batch(store) if batch is None else batch
    if chosen is None:
        return {"batch": None, "total": 0, "rows": [], "reasons": {}, "limit": limit, "offset": offset}
    frame = quarantine.rejected_rows(store, chosen, limit=limit, offset=offset)
    rows = [{"sheet": r.sheet, "row_number": int(r.row_number), "uscc": r.uscc, "reasons": r.reasons,
             "reason_text": r.reason_text, "raw": r.raw} for r in frame.itertuples(index=False)]
    return clean({"batch": int(chosen), "total": quarantine.rejected_count(store, chosen), "rows": rows,
                  "reasons": quarantine.reason_counts(store, chosen), "limit": limit, "offset": offset})


@router.get("/data/quarantine", summary="隔离区: 坏行与全部原因 (rejected rows with every reason; XLSX for re-import)")
def get_quarantine(request: Request, batch: int | None = Query(None, ge=1, description="导入批次（缺省：最新）"),
                   format: Format = "json", limit: int = Query(500, ge=1, le=5000), offset: int = Query(0, ge=0)):
    ctx = request.app.state.ctx
    if format == "xlsx":
        store = ctx.cursor()
        sheets = quarantine.for_reimport(store, batch)
        chosen = batch or quarantine.latest_batch(store)
        note = f"导入批次 {chosen} 的隔离行：修正后删去“问题”列外无需改动，可直接重新导入 (fix and re-import)"
        return xlsx_response(sheets, f"quarantine-{chosen}.xlsx", notes=dict.fromkeys(sheets, note))
    return quarantine_model(ctx, batch, limit=limit, offset=offset)


def sources_model(ctx) -> dict:
    frame = views.sources(ctx.cursor())
    return {"rows": records(frame), "total": len(frame)}


@router.get("/data/sources", summary="来源: 公开资料清单 (the public sources figures cite)")
def get_sources(request: Request, format: Format = "json"):
    ctx = request.app.state.ctx
    model = ctx.cached(("sources",), lambda: sources_model(ctx))
    if format == "xlsx":
        frame = pd.DataFrame(model["rows"], columns=["id", "title", "publisher", "date", "url", "note"]).rename(
            columns={"id": "编号", "title": "标题", "publisher": "发布者", "date": "日期", "url": "网址", "note": "说明"})
        return xlsx_response({"来源": frame}, "sources.xlsx")
    return model


# Display names of the shipped published metrics (registry/data/published.yaml); others show their id.
PUBLISHED_LABELS: dict[str, tuple[str, str]] = {
    "gdp": ("地区生产总值", "Gross regional product"),
    "district_gdp": ("地区生产总值", "Gross regional product"),
    "industrial_investment": ("工业投资", "Industrial investment"),
    "industrial_investment_growth": ("工业投资增速", "Industrial investment growth"),
    "tech_upgrade_investment_growth": ("工业技改投资增速", "Tech-upgrade investment growth"),
    "high_tech_mfg_investment_growth": ("高技术制造业投资增速", "High-tech manufacturing investment growth"),
    "auto_parts_investment_growth": ("汽车零配件制造业投资增速", "Auto-parts manufacturing investment growth"),
    "nev_output_units": ("新能源汽车产量", "New-energy vehicle output"),
    "nev_national_share": ("新能源汽车产量占全国比重", "Share of national NEV output"),
    "biomed_output": ("生物医药产业总产值", "Biomedicine output"),
    "industrial_projects": ("工业建设项目", "Industrial construction projects"),
    "count_100bn_clusters": ("千亿级产业集群数", "Clusters above 100 bn yuan"),
    "count_100bn_services": ("千亿级服务业数", "Service industries above 100 bn yuan"),
    "count_100bn_mfg_clusters": ("产值超千亿元的先进制造业集群数", "Manufacturing clusters above 100 bn yuan"),
    "strategic_emerging_va": ("战略性新兴产业增加值", "Strategic emerging industries' value added"),
    "strategic_emerging_va_share": ("战略性新兴产业增加值占GDP比重", "Strategic emerging industries' share of GDP"),
    "retail_sales": ("社会消费品零售总额", "Retail sales"),
    "trade_total": ("进出口总值", "Foreign trade"),
    "cluster_scale": ("集群规模（千亿级）", "Cluster scale (100 bn class)"),
}


def published_model(ctx, *, scope: str | None = None, area: str | None = None, node: str | None = None) -> dict:
    """Published (real, cited) figures with their sources; never mixed with the registry's numbers."""
    store = ctx.cursor()
    frame = views.published(store)
    if scope:
        frame = frame[frame["scope"] == scope]
    if area:
        frame = frame[frame["area"] == area]
    if node:
        frame = frame[frame["node"] == node]
    sources = {s["id"]: s for s in records(views.sources(store))}
    rows = []
    for r in records(frame):
        src = sources.get(r.get("source") or "")
        zh, en = PUBLISHED_LABELS.get(r["metric"], (r["metric"], r["metric"]))
        rows.append({**r, "metric_label": zh, "metric_label_en": en, "source_title": src["title"] if src else None, "source_url": src["url"] if src else None,
                     "source_publisher": src["publisher"] if src else None,
                     "source_date": src["date"] if src else None})
    return {"rows": rows, "total": len(rows), "provenance": {"kind": "published", "label": "公开报道"}}


PUBLISHED_HEADERS = {"id": "编号", "area": "地区", "node": "节点", "metric_label": "指标", "year": "年份",
                     "comparison": "比较", "value": "数值", "unit": "单位", "growth": "增长（%）", "note": "说明",
                     "source_title": "来源", "source_url": "网址"}


@router.get("/data/published", summary="公开发布的数字及来源 (published figures with their sources)")
def get_published(request: Request, scope: Literal["city", "district", "node"] | None = None,
                  area: str | None = Query(None, pattern=r"^\d{6}$"), node: str | None = Query(None, max_length=64),
                  format: Format = "json"):
    ctx = request.app.state.ctx
    model = ctx.cached(("published", scope, area, node), lambda: published_model(ctx, scope=scope, area=area, node=node))
    if format == "xlsx":
        frame = pd.DataFrame(model["rows"], columns=list(PUBLISHED_HEADERS)).rename(columns=PUBLISHED_HEADERS)
        return xlsx_response({"公开数字": frame}, "published.xlsx",
                             notes={"公开数字": "公开报道的真实数字，单位见“单位”列，来源见“来源”列"})
    return model
