"""The second city in a real browser: the Shenzhen "20+8" demo's pages load without console errors, paint
every chart (its district map included) and never reach outside 127.0.0.1."""

from __future__ import annotations

import pytest

from .canvas import PAINTED
from .conftest import serving
from .wait import wait_until

PACK = "shenzhen-20-8"
PAGES = [("sz-overview", "/"), ("sz-cluster-semiconductor", "/cluster/semiconductor"), ("sz-districts", "/district"),
         ("sz-district-nanshan", "/district/440305"), ("sz-chains", "/chains/semiconductor"),
         ("sz-opportunities", "/opportunities"), ("sz-overview-en", "/?lang=en")]


@pytest.fixture(scope="module")
def sz_server(tmp_path_factory):
    from chanye.demo.seed import build_database
    from chanye.web.app import create_app

    path = tmp_path_factory.mktemp("sz-browser") / "demo.duckdb"
    build_database(path, scale=0.02, seed=12218, force=True, pack=PACK)
    app = create_app(path, PACK)
    with serving(app, "uvicorn-sz") as url:
        yield url


def test_shenzhen_pages_load_clean_and_paint_their_charts(sz_server, page, screenshots):
    failures = []
    for name, path in PAGES:
        page.watch.errors.clear()
        page.watch.outside.clear()
        page.goto(sz_server + path, wait_until="load")
        n = page.eval_on_selector_all("[data-chart]", "els => els.length")
        if n:
            wait_until(page, f"window.__chanyeRendered && window.__chanyeRendered.length >= {n}", timeout=20_000)
        painted = page.evaluate(PAINTED)
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
        if page.watch.errors:
            failures.append(f"{path}: console errors {page.watch.errors}")
        if page.watch.outside:
            failures.append(f"{path}: requests leaving 127.0.0.1 {page.watch.outside}")
        failures += [f"{path}: chart {chart} painted only {pixels} pixels"
                     for chart, pixels, area in painted if pixels < 500 or pixels < 0.01 * area]
        assert len(painted) == n
        assert page.locator("header .badge-synthetic").count() == 1, path
    assert not failures, "\n".join(failures)
    page.goto(sz_server + "/district", wait_until="load")
    assert "南山区" in page.content() and "天河区" not in page.content()
