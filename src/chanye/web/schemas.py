"""Response models of /api/v1: what /openapi.json documents. Tables travel as `TablePayload` (machine keys,
a `columns` block with zh/en labels and units, number cells {value, unit, provenance})."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chanye.web.tables import XLSX_TYPE


class Cell(BaseModel):
    """A number with its machine unit and provenance ('synthetic', 'registry', 'pack' or a source id)."""

    value: float | int | None
    unit: str | None
    provenance: str | None


class ColumnInfo(BaseModel):
    key: str = Field(description="machine key (snake_case) of the rows' field")
    label: str
    label_zh: str
    label_en: str
    type: str = Field(description="text, name, number, integer, year, boolean, code, list or provenance")
    unit: str | None = Field(None, description="machine unit of a number column (yi_yuan, percent, firms, ...)")
    unit_label: str | None = None


class TablePayload(BaseModel):
    """A typed table: number cells are `Cell`s; name cells {zh, en}."""

    model_config = ConfigDict(extra="allow")

    name: str
    title: str
    provenance: str
    synthetic: bool
    columns: list[ColumnInfo]
    rows: list[dict[str, Any]]


class Point(BaseModel):
    year: int
    metric: str
    value: Cell


class SeriesPayload(BaseModel):
    node: str
    area: str
    synthetic: bool
    points: list[Point]


# --- error bodies and declared responses (issue 17: the OpenAPI schema says what each endpoint really gives) ---

CSV_TYPE = "text/csv"
HTML_TYPE = "text/html"


class ErrorDetail(BaseModel):
    """What went wrong, in Chinese and English: `title` names the kind, `message` the cause, `hint` the fix."""

    status: int
    title: str
    message: str
    hint: str | None


class ErrorBody(BaseModel):
    """The body of every 4xx/5xx JSON answer (web/errors.py's one error handler)."""

    error: ErrorDetail


_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
_TEXT = {"schema": {"type": "string"}}
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_ERRORS = {
    404: "未找到: 没有这个对象（节点、区、企业、批次、任务或表格）(not found)",
    413: "上传文件过大 (upload too large)",
    422: "参数有误: 消息指出哪个参数、为什么 (invalid parameter)",
}


def responses(*, json: bool = True, html: bool = False, xlsx: bool = False, csv: bool = False,
              not_found: bool = False, invalid: bool = True, too_large: bool = False, ok: int = 200,
              error_page: bool | None = None) -> dict[int, dict[str, Any]]:
    """The `responses=` of a route: the media types its 200 carries (JSON from the response model, an HTML page,
    an XLSX workbook or CSV text) and the errors it answers with `ErrorBody` (an HTML route's errors are the
    error page for a browser, the JSON body for a client that accepts JSON). `invalid` declares the 422 of
    validated parameters in the app's own shape (FastAPI's default `HTTPValidationError` is not what it sends).
    `error_page` (default: `html`): the route lies outside /api/ and is not a .json twin, so a browser gets its
    errors as the HTML error page (a download such as /report.pdf)."""
    if error_page is None:
        error_page = html
    content_ok: dict[str, Any] = {}
    if json:
        content_ok["application/json"] = {}  # the schema comes from the route's response model
    if html:
        content_ok[HTML_TYPE] = dict(_TEXT)
    if xlsx:
        content_ok[XLSX_TYPE] = dict(_BINARY)
    if csv:
        content_ok[CSV_TYPE] = dict(_TEXT)
    kinds = [k for on, k in ((json, "JSON"), (html, "HTML"), (xlsx, "XLSX (format=xlsx)"), (csv, "CSV (format=csv)"))
             if on]
    out: dict[int, dict[str, Any]] = {ok: {"description": " / ".join(kinds), "content": content_ok}}
    for status, wanted in ((404, not_found), (413, too_large), (422, invalid)):
        if not wanted:
            continue
        content: dict[str, Any] = {"application/json": {"schema": dict(_ERROR_REF)}}
        entry: dict[str, Any] = {"description": _ERRORS[status], "content": content}
        if error_page:
            content[HTML_TYPE] = dict(_TEXT)  # the error page
        if not html:  # (on an HTML route FastAPI would file a `model` under text/html)
            entry["model"] = ErrorBody  # registers the ErrorBody component
        out[status] = entry
    return out
