"""The 两业融合 page in a real browser (issue 13): four cards (linkages, service inputs, node × service heat map,
coupling coordination), every number with its unit and provenance (NBS table vs 示例数据), the district selector
narrowing the coupling table, and English without Chinese outside proper names."""

from __future__ import annotations

import re

import pytest

from .canvas import PAINTED
from .wait import wait_until

pytestmark = pytest.mark.browser

CARDS = ("#fusion-linkages", "#fusion-inputs", "#fusion-heatmap", "#fusion-coupling")
NEW_CARDS = ("#fusion-regional", "#fusion-manufacturing", "#fusion-transformation")  # issue 13 §3, §5, §6


def test_fusion_page_numbers_units_provenance(server, page, screenshots):
    watch = page.watch
    page.goto(server["url"] + "/fusion", wait_until="load")
    wait_until(page, "window.__chanyeRendered && window.__chanyeRendered.length >= 5", timeout=30_000)
    assert sorted(page.evaluate("window.__chanyeRendered")) == ["fusionCoupling", "fusionLinkages", "fusionManufacturing",
                                                                "fusionRegional", "fusionTransformation"]
    for chart, pixels, area in page.evaluate(PAINTED):
        assert pixels >= 500 and pixels >= 0.01 * area, f"chart {chart} painted only {pixels} pixels"
    for card in (*CARDS, *NEW_CARDS):
        assert page.locator(card).count() == 1, card
    page.screenshot(path=str(screenshots / "fusion.png"), full_page=True)
    assert not watch.errors, watch.errors
    # the top of the linkage table is 090 计算机 (the io README's first backward linkage, 1.454792)
    first = page.locator("#fusion-linkages tbody tr").first
    assert first.get_attribute("data-sector") == "090" and "1.4548" in first.inner_text()
    # manufacturing's service inputs: 17.12% (the README's figure)
    assert "17.12" in page.locator("#fusion-inputs tr[data-sector='C']").inner_text()
    cells = page.locator("#fusion-heatmap td.heat")
    nodes = page.locator("#fusion-heatmap tbody tr").count()
    assert nodes == 21 and cells.count() == 21 * 8
    units = page.eval_on_selector_all(", ".join(f"{card} td[data-unit]" for card in CARDS),
                                      "ts => ts.map(t => [t.dataset.unit, t.dataset.provenance])")
    assert units and all(u in ("ratio", "percent", "score") and p for u, p in units)
    assert {p for _, p in units} == {"nbs_io_2018", "synthetic"}
    assert page.locator("#fusion-coupling .prov").inner_text() == "示例数据"
    areas = page.eval_on_selector_all("#fusion-coupling tbody tr", "rs => rs.map(r => r.dataset.area)")
    assert len(areas) == 5 * 12  # the city and its 11 districts, 5 years each
    with page.expect_navigation():
        page.select_option("#fusion-district", "440112")
    assert re.search(r"district=440112", page.url)
    areas = page.eval_on_selector_all("#fusion-coupling tbody tr", "rs => rs.map(r => r.dataset.area)")
    assert areas == ["440112"] * 5


def test_fusion_page_in_english(server, page):
    page.goto(server["url"] + "/fusion?lang=en", wait_until="load")
    assert page.locator("h1").inner_text() == "Manufacturing-service fusion"
    text = page.locator("main").inner_text()
    assert "Backward linkage" in text and "Coordination D" in text
    # Chinese only in proper names: none of the table words
    assert "影响力系数" not in text and "耦合协调度" not in text and "示例数据" not in text
    page.goto(server["url"] + "/fusion?lang=zh", wait_until="load")  # leave the cookie in Chinese


def test_fusion_page_city_table_manufacturing_and_transformation(server, page) -> None:
    """issue 13 §3, §5, §6: the city table with its limits, 制造业立市 and the transformation indicators, every
    number with unit and provenance, the district selector narrowing the new tables too."""
    page.goto(server["url"] + "/fusion", wait_until="load")
    wait_until(page, "window.__chanyeRendered && window.__chanyeRendered.length >= 5", timeout=30_000)
    assert not page.watch.errors, page.watch.errors
    regional = page.locator("#fusion-regional")
    assert regional.locator("tbody tr").count() == 15
    assert "方法局限" in page.locator("#fusion-regional-limits").inner_text()
    assert regional.locator(".prov").inner_text() == "示例数据"
    cells = page.eval_on_selector_all("#fusion-regional td[data-unit], #fusion-manufacturing td[data-unit], "
                                      "#fusion-transformation td[data-unit]",
                                      "ts => ts.map(t => [t.dataset.unit, t.dataset.provenance])")
    assert cells and all(u and p for u, p in cells)
    assert {p for _, p in cells} >= {"synthetic", "nbs_io_2018", "netease-haopin-2025"}
    assert {u for u, _ in cells} >= {"ratio", "percent", "firms", "pp", "yi_yuan", "kgce_per_wan_yuan"}
    assert page.locator("#mfg-registry tbody tr").count() == 12  # the city and its 11 districts, latest year
    investment = page.locator("#mfg-published tr[data-figure='gz-2024-industrial-investment']").inner_text()
    assert "1,700.00" in investment and "13.6" in investment and "据报道" in investment
    assert page.locator("#transformation-areas tbody tr").count() == 12
    assert page.locator("#fusion-transformation .prov").inner_text() == "示例数据"
    with page.expect_navigation():
        page.select_option("#fusion-district", "440112")
    areas = page.eval_on_selector_all("#mfg-registry tbody tr, #transformation-areas tbody tr",
                                      "rs => rs.map(r => r.dataset.area)")
    assert areas == ["440112", "440112"]
