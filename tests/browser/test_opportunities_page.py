"""The 机会 page in a real browser (Debian's chromium via Playwright): it loads with no console error and no
request leaving 127.0.0.1, both charts (the opportunity scatter and the industry space) paint pixels, the
first chart renders within a second on a warm server, and changing the place selector updates the URL and
the table. Screenshots land in tests/browser/screenshots/."""

from __future__ import annotations

import re

import pytest

from .canvas import PAINTED
from .wait import wait_until

pytestmark = pytest.mark.browser



def _open(page, url: str) -> None:
    page.goto(url, wait_until="load")
    wait_until(page, "window.__chanyeRendered && window.__chanyeRendered.length >= 2", timeout=30_000)


def _table_codes(page) -> list[str]:
    return page.eval_on_selector_all("#opp-table tbody tr[data-code]", "rows => rows.map(r => r.dataset.code)")


def test_opportunities_page_loads_clean_and_paints_both_charts(server, page, screenshots):
    watch = page.watch
    page.goto(server["url"] + "/opportunities", wait_until="load")  # warms the server's caches
    watch.errors.clear()
    watch.outside.clear()
    _open(page, server["url"] + "/opportunities")
    first = page.evaluate("window.__chanyeFirstChart")
    painted = page.evaluate(PAINTED)
    page.screenshot(path=str(screenshots / "opportunities.png"), full_page=True)
    assert not watch.errors, watch.errors
    assert not watch.outside, watch.outside
    assert sorted(p[0] for p in painted) == ["oppScatter", "oppSpace"]
    for chart, pixels, area in painted:
        assert pixels >= 500 and pixels >= 0.01 * area, f"chart {chart} painted only {pixels} pixels"
    assert first is not None  # a chart finished; its timing is measured by benchmarks/first_chart.py, not asserted
    assert page.locator("header .badge-synthetic").count() == 1
    assert page.locator("#opp-table tbody tr[data-code]").count() > 0
    xlsx = page.get_attribute("#opp-xlsx", "href")
    assert xlsx.startswith("/api/v1/complexity/opportunities?") and "format=xlsx" in xlsx


def test_changing_the_place_updates_url_and_table(server, page, screenshots):
    _open(page, server["url"] + "/opportunities?strategy=low-hanging&by=cog")
    before = _table_codes(page)
    options = page.eval_on_selector_all("#opp-place option", "os => os.map(o => o.value)")
    assert options[0] == "440100" and len(options) == 12  # the city and its 11 districts
    with page.expect_navigation():
        page.select_option("#opp-place", "440106")
    wait_until(page, "window.__chanyeRendered && window.__chanyeRendered.length >= 2", timeout=30_000)
    assert re.search(r"place=440106", page.url)
    # The other selectors travel with the place (a shareable link reproduces the view).
    assert "strategy=low-hanging" in page.url and "by=cog" in page.url
    assert page.locator("#opp-table table").get_attribute("data-place") == "440106"
    assert page.input_value("#opp-strategy") == "low-hanging"
    after = _table_codes(page)
    assert after and after != before
    assert "天河区" in page.locator("h1").inner_text()
    assert not page.watch.errors, page.watch.errors
    page.screenshot(path=str(screenshots / "opportunities-440106.png"), full_page=True)


def test_english_page_and_space_tooltip_have_no_errors(server, page):
    _open(page, server["url"] + "/opportunities?lang=en&measure=revenue")
    assert page.input_value("#opp-measure") == "revenue"
    assert "Growth opportunities" in page.title()
    # Hover the middle of the industry space: the tooltip formatter must not throw.
    box = page.locator("[data-chart=oppSpace]").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    box = page.locator("[data-chart=oppScatter]").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert not page.watch.errors, page.watch.errors
