"""The Jinja environment every page renders with (pages, the sign-in page): one place, below both, so the
accounts middleware can render its page without importing the page routes."""

from __future__ import annotations

import math
from pathlib import Path

from fastapi.templating import Jinja2Templates

from chanye.web.i18n import words_for

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}


def fmt(value, digits: int = 0, *, sign: bool = False) -> str:
    """A number for a table cell: thousands separators, fixed digits, '—' for missing."""
    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{number:+,.{digits}f}" if sign else f"{number:,.{digits}f}"
    return text


templates.env.filters["fmt"] = fmt
templates.env.globals["js_words"] = words_for
