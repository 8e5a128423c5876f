"""Security headers on every answer, and templates a no-inline-script policy can serve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chanye.web.app import SECURITY_HEADERS

TEMPLATES = Path(__file__).parents[2] / "src" / "chanye" / "web" / "templates"


@pytest.mark.parametrize("url", ["/", "/api/v1/framework", "/static/charts.js", "/docs", "/no-such-page"])
def test_every_answer_carries_the_security_headers(client, url):
    r = client.get(url)
    assert r.status_code == (404 if url == "/no-such-page" else 200)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "same-origin"
    policy = r.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert policy == SECURITY_HEADERS["Content-Security-Policy"]


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*.html")), ids=lambda p: p.name)
def test_templates_hold_no_inline_script(path):
    html = path.read_text(encoding="utf-8")
    handlers = re.findall(r"\son[a-z]+\s*=", html)
    assert handlers == [], f"{path.name}: inline event handlers {handlers}"
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, f"{path.name}: inline script {tag}"
