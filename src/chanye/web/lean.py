"""A lean path in front of FastAPI for the busiest JSON route (issue 14 item 2: with every request asking another
page, so that no finished answer is kept for it, a third of an enterprise list's CPU was FastAPI's routing and
parameter validation).

`LeanRoute` is a pure ASGI middleware that answers GET of one path itself when it can read every query parameter
exactly as FastAPI would: the parameters are those of the route's own endpoint (`params_of` reads its signature:
names, defaults, max_length, pattern, ge/le, Literal choices), and a value is taken only in its plain form (a
decimal integer without sign, zeros or spaces; a choice spelt exactly; a pattern matched by ASCII text) and within
bounds. Anything else (a value out of bounds or in another spelling, an empty optional value, a repeated
parameter, another method) goes on to FastAPI, which answers it as before, errors included; so does a request
whose answer raises (FastAPI runs it again and its exception handlers answer). The OpenAPI description is the
route's, untouched.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from annotated_types import Ge, Le, MaxLen
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

_UNREAD = object()  # a value the lean path leaves to FastAPI
MAX_DIGITS = 9  # longer integers go to FastAPI (every bound here is far below 10**9)


@dataclass(frozen=True)
class Param:
    """One query parameter as the endpoint declares it: `kind` 'str', 'int' or 'choice'."""

    name: str
    kind: str
    default: Any
    max_length: int | None = None
    pattern: re.Pattern[str] | None = None
    ge: int | None = None
    le: int | None = None
    choices: tuple[str, ...] = ()

    def read(self, text: str) -> Any:
        """The value FastAPI would pass for `text`, or `_UNREAD` when the lean path leaves it to FastAPI."""
        if self.kind == "choice":
            return text if text in self.choices else _UNREAD
        if self.kind == "int":
            if not (text.isascii() and text.isdigit()) or len(text) > MAX_DIGITS or (text[0] == "0" and text != "0"):
                return _UNREAD
            value = int(text)
            if (self.ge is not None and value < self.ge) or (self.le is not None and value > self.le):
                return _UNREAD
            return value
        if text == "" and self.default is None:  # an empty optional value: FastAPI's own reading
            return _UNREAD
        if self.max_length is not None and len(text) > self.max_length:
            return _UNREAD
        if self.pattern is not None and not (text.isascii() and self.pattern.fullmatch(text)):
            return _UNREAD
        return text


def params_of(endpoint: Callable) -> dict[str, Param]:
    """The query parameters of a FastAPI endpoint (all but `request`), by name. TypeError for a parameter the lean
    path cannot read as FastAPI does (so a change to the route that it does not mirror fails at start-up)."""
    hints = typing.get_type_hints(endpoint)
    out = {}
    for name, declared in inspect.signature(endpoint).parameters.items():
        if hints.get(name) is Request:
            continue
        field = declared.default
        default = getattr(field, "default", field)
        alias = getattr(field, "alias", None) or name
        limits: dict[str, Any] = {}
        for rule in getattr(field, "metadata", ()):
            if isinstance(rule, MaxLen):
                limits["max_length"] = rule.max_length
            elif isinstance(rule, Ge):
                limits["ge"] = rule.ge
            elif isinstance(rule, Le):
                limits["le"] = rule.le
            elif getattr(rule, "pattern", None) is not None:
                limits["pattern"] = re.compile(rule.pattern)
            else:
                raise TypeError(f"{endpoint.__name__}({name}): a rule the lean path does not read: {rule!r}")
        kind, choices = _kind(hints[name], default is None)
        if kind is None:
            raise TypeError(f"{endpoint.__name__}({name}): a type the lean path does not read: {hints[name]!r}")
        out[alias] = Param(alias, kind, default, choices=choices, **limits)
    return out


def _kind(annotation: Any, optional: bool) -> tuple[str | None, tuple[str, ...]]:
    """('str' | 'int' | 'choice', the choices) of `annotation` (`X | None` when the default is None)."""
    args = typing.get_args(annotation)
    if optional and type(None) in args:
        rest = tuple(a for a in args if a is not type(None))
        annotation = rest[0] if len(rest) == 1 else None
    if annotation is str:
        return "str", ()
    if annotation is int:
        return "int", ()
    if typing.get_origin(annotation) is Literal and all(type(a) is str for a in typing.get_args(annotation)):
        return "choice", typing.get_args(annotation)
    return None, ()


def read_query(params: dict[str, Param], query_string: bytes) -> dict[str, Any] | None:
    """Every parameter's value (its default when absent), read from the query string as Starlette splits it for
    FastAPI; None when one of them is left to FastAPI (see `Param.read`) or given twice."""
    found: dict[str, Any] = {}
    for key, text in QueryParams(query_string).multi_items():
        param = params.get(key)
        if param is None:  # not the route's (e.g. lang): FastAPI ignores it too
            continue
        if key in found:
            return None
        value = param.read(text)
        if value is _UNREAD:
            return None
        found[key] = value
    return {name: found.get(name, param.default) for name, param in params.items()}


class LeanRoute:
    """Answers GET `path` with `answer(request, values)` when `read_query` reads the parameters of `endpoint`;
    `answer` may return None to leave the request to FastAPI (as does an answer that raises, see the module
    doc). Put it inside the middlewares that set the viewer (web/auth.py), so the request it answers is the one
    the route would see."""

    def __init__(self, app: ASGIApp, path: str, endpoint: Callable,
                 answer: Callable[[Request, dict[str, Any]], Awaitable[Response | None]]) -> None:
        self.app = app
        self.path = path
        self.params = params_of(endpoint)
        self.answer = answer
        self.answered = self.passed = 0  # counts, for tests and benchmarks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == self.path:
            values = read_query(self.params, scope["query_string"])
            if values is not None:
                try:
                    response = await self.answer(Request(scope, receive), values)
                except Exception:  # FastAPI runs the route again: its exception handlers answer (and log)
                    response = None
                if response is not None:
                    self.answered += 1
                    await response(scope, receive, send)
                    return
            self.passed += 1
        await self.app(scope, receive, send)
