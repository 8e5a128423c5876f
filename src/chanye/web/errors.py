"""One error handler, one JSON shape: {"error": {"status", "title", "message", "hint"}}; pages get a page
(drawn by the renderer `install` is given, so this module imports no view)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from chanye.errors import ChanyeError

log = logging.getLogger("chanye.web")

_PARAM_ZH = {"missing": "缺少参数", "int_parsing": "应为整数", "float_parsing": "应为数字",
             "enum": "取值不在允许范围", "literal_error": "取值不在允许范围", "greater_than_equal": "数值过小",
             "less_than_equal": "数值过大", "string_too_long": "文本过长", "int_from_float": "应为整数"}


def error_body(status: int, title: str, message: str, hint: str | None = None) -> dict:
    return {"error": {"status": status, "title": title, "message": message, "hint": hint}}


def _wants_json(request: Request) -> bool:
    # a page's .json twin answers its errors in JSON too, whatever the client accepts (issue 17: the schema
    # declares ErrorBody there)
    path = request.url.path
    return path.startswith("/api/") or path.endswith(".json") or "application/json" in request.headers.get("accept", "")


def render(request: Request, status: int, title: str, message: str, hint: str | None = None):
    page = getattr(request.app.state, "render_error_page", None)
    if page is None or _wants_json(request):
        return JSONResponse(error_body(status, title, message, hint), status_code=status)
    return page(request, status, title, message, hint)


def install(app: FastAPI, render_page: Callable | None = None) -> None:
    """Install the handlers; `render_page(request, status, title, message, hint)` draws the error page for a
    browser (None: JSON for everyone)."""
    app.state.render_error_page = render_page

    @app.exception_handler(ChanyeError)
    async def chanye_error(request: Request, exc: ChanyeError):
        return render(request, exc.status, exc.title, exc.message, exc.hint)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"] if p not in ("query", "path", "body"))
            gist = _PARAM_ZH.get(err["type"], "取值无效")
            parts.append(f"{where}: {gist} ({err['msg']})")
        return render(request, 422, "参数有误 Invalid parameter", "；".join(parts),
                      "检查网址中的参数 (check the query parameters)")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            return render(request, 404, "未找到 Not found", f"没有这个页面: {request.url.path} (no such page)",
                          "返回总览 / 或查看 /docs")
        response = render(request, exc.status_code, "错误 Error", str(exc.detail))
        response.headers.update(exc.headers or {})  # e.g. the Allow header of a 405
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        # The body never carries the exception text or a path; the log has both under the same id.
        error_id = uuid.uuid4().hex[:12]
        log.error("内部错误 internal error %s on %s %s", error_id, request.method, request.url.path, exc_info=exc)
        return render(request, 500, "内部错误 Internal error",
                      f"服务器内部错误，编号 {error_id} (internal error {error_id})",
                      "请把编号报告给维护者，详情在服务器日志中 (report this id; the server log has the details)")
