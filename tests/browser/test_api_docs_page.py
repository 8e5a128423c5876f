"""/docs renders offline in a real browser: Swagger UI from this server lists the API's operations."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_docs_renders_the_operations_offline(server, page, screenshots):
    page.goto(server["url"] + "/docs", wait_until="load")
    page.wait_for_selector(".opblock", timeout=20_000)
    paths = page.eval_on_selector_all(".opblock-summary-path", "els => els.map(e => e.dataset.path)")
    api = server["app"].openapi()
    assert sorted(set(paths)) == sorted(api["paths"])
    assert "/api/v1/scoreboard/nodes" in paths
    assert page.inner_text(".info .title").startswith("chanye 产业 API")
    page.screenshot(path=str(screenshots / "api-docs.png"))
    assert page.watch.outside == []
    assert page.watch.errors == []
