"""What every `chanye` command shares: one-line errors instead of tracebacks, and JSON on stdout. `cli.py` and its
sub-apps (`cli_projects.py`) register their commands through `command`."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from chanye.errors import ChanyeError

err_console = Console(stderr=True, width=140)


def command(group: typer.Typer, name: str | None = None, **kwargs: Any) -> Callable:
    """Register a command whose ChanyeErrors print one line and exit 1 instead of a traceback."""

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kw: Any) -> Any:
            try:
                return func(*args, **kw)
            except ChanyeError as exc:
                err_console.print("[bold red]错误 Error:[/] " + escape(str(exc)), highlight=False)
                raise typer.Exit(1) from None
            except (typer.Exit, typer.Abort, KeyboardInterrupt):
                raise
            except Exception as exc:  # a bug: still one line for the analyst, the traceback on request
                if os.environ.get("CHANYE_DEBUG"):
                    raise
                err_console.print(
                    "[bold red]内部错误 Internal error:[/] " + escape(f"{type(exc).__name__}: {exc}")
                    + "（设置 CHANYE_DEBUG=1 查看详情并报告 set CHANYE_DEBUG=1 for details）",
                    highlight=False,
                )
                raise typer.Exit(2) from None

        return group.command(name, **kwargs)(wrapper)

    return decorate


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
