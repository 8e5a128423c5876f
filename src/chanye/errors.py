"""Typed errors. The library raises these; `cli.py` prints one line and exits 1, `web/` renders one JSON shape."""

from __future__ import annotations


class ChanyeError(Exception):
    """Base of every error chanye raises on purpose. `status` is the HTTP status the web layer answers with."""

    status = 400
    title = "错误 Error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}（{self.hint}）" if self.hint else self.message


class NotFound(ChanyeError):
    status = 404
    title = "未找到 Not found"


class UnknownNode(NotFound):
    """A framework node id that the pack does not hold."""


class UnknownPack(NotFound):
    """A framework pack name or path that does not exist."""


class UnknownCode(NotFound):
    """A GB/T 4754 code that the standard does not hold."""


class PackInvalid(ChanyeError):
    """A framework pack that fails validation; `findings` lists every problem with file and line."""

    status = 422
    title = "框架包无效 Invalid framework pack"

    def __init__(self, message: str, findings: list | None = None, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.findings = findings or []


class InputError(ChanyeError):
    """User input (a file, an option, a query parameter) that cannot be used as given."""

    status = 422
    title = "输入有误 Invalid input"


class AccessDenied(ChanyeError):
    """The viewer's role does not allow this (issue 17: accounts and roles); the web answers 403."""

    status = 403
    title = "无权访问 Forbidden"


class NotSignedIn(ChanyeError):
    """No live session where accounts are on; the web answers 401 (a page redirects to /login)."""

    status = 401
    title = "请先登录 Sign-in required"
