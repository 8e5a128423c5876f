"""The 产业链 pages in a real browser (Debian's chromium via Playwright): every one of the 21 chain maps paints
its canvas with no console error and no request leaving 127.0.0.1; a click on a node shows its enterprises;
the selectors navigate. Screenshots land in tests/browser/screenshots/ (chains-*.png)."""

from __future__ import annotations

import pytest

from chanye.framework import load_pack

from .canvas import PAINTED
from .wait import wait_until

pytestmark = pytest.mark.browser


CHAINS = [c.id for c in load_pack(None).chains]


def _open(page, url: str) -> list:
    page.goto(url, wait_until="load")
    wait_until(page, "window.__chanyeRendered && window.__chanyeRendered.length >= 1", timeout=30_000)
    return page.evaluate(PAINTED)


def _clean(page, path: str) -> list[str]:
    watch = page.watch
    problems = [f"{path}: {e}" for e in watch.errors] + [f"{path}: left 127.0.0.1 {u}" for u in watch.outside]
    watch.errors.clear()
    watch.outside.clear()
    return problems


def test_all_22_chain_pages_paint_their_map_without_errors(server, page, screenshots) -> None:
    assert len(CHAINS) == 22  # 21 clusters and future industries; 低空经济与航空航天 has two chains (issue 11)
    failures = []
    for chain in CHAINS:
        path = f"/chains/{chain}"
        painted = _open(page, server["url"] + path)
        assert [p[0] for p in painted] == ["chainMap"], path
        _, pixels, area = painted[0]
        if pixels < 2000 or pixels < 0.01 * area:
            failures.append(f"{path}: the chain map painted only {pixels} pixels")
        nodes = page.evaluate("window.chanye.charts[0].getOption().series[0].data.length")
        if nodes != len(load_pack(None).chain(chain).nodes):
            failures.append(f"{path}: {nodes} nodes drawn")
        if page.locator("header .badge-synthetic").count() != 1:
            failures.append(f"{path}: no 示例数据 badge")
        failures += _clean(page, path)
        if chain in ("icv-nev", "quantum", "software-internet"):
            page.screenshot(path=str(screenshots / f"chains-{chain}.png"))
    assert not failures, "\n".join(failures)


def test_overview_paints_and_links_to_a_chain(server, page, screenshots) -> None:
    painted = _open(page, server["url"] + "/chains")
    assert painted[0][0] == "chainSummary" and painted[0][1] > 5000
    page.screenshot(path=str(screenshots / "chains-overview.png"))
    page.select_option("select[data-role=chain]", "biomed")
    page.wait_for_url("**/chains/biomed")
    wait_until(page, "window.__chanyeRendered && window.__chanyeRendered.length >= 1", timeout=30_000)
    assert page.locator("h1").inner_text().startswith("生物医药与健康产业链")
    assert _clean(page, "/chains -> /chains/biomed") == []


def test_clicking_a_node_shows_its_enterprises(server, page, screenshots) -> None:
    _open(page, server["url"] + "/chains/icv-nev")
    # click the vehicle node where ECharts drew it
    x, y = page.evaluate("""() => {
      const chart = window.chanye.charts[0];
      const data = chart.getOption().series[0].data;
      const item = data.find(d => d.id === 'vehicle');
      const [px, py] = chart.convertToPixel({ seriesIndex: 0 }, item.value);
      const box = chart.getDom().getBoundingClientRect();
      return [box.left + px, box.top + py];
    }""")
    page.mouse.click(x, y)
    wait_until(page, "window.__chainsNode === 'vehicle'", timeout=20_000)
    panel = page.locator("#node-body")
    assert "本地企业" in panel.inner_text() and "招商目标" in panel.inner_text()
    firms = panel.locator("table").first.locator("tbody tr")
    assert firms.count() > 0
    assert "整车制造" in page.locator("#node-title").inner_text()
    first = firms.first.inner_text()
    assert "示例" in first  # a synthetic firm's name
    assert any(word in first for word in ("行业代码", "生产「", "经营范围"))  # with its evidence
    page.screenshot(path=str(screenshots / "chains-icv-nev-node.png"), full_page=False)
    assert _clean(page, "/chains/icv-nev click") == []


def test_district_filter_reloads_with_the_district(server, page) -> None:
    _open(page, server["url"] + "/chains/icv-nev")
    page.select_option("select[data-role=district]", "440112")
    page.wait_for_url("**/chains/icv-nev?district=440112")
    wait_until(page, "window.__chanyeRendered && window.__chanyeRendered.length >= 1", timeout=30_000)
    assert "黄埔区" in page.locator("h1").inner_text()
    assert page.locator("#recruitment-xlsx").get_attribute("href") == (
        "/api/v1/chains/icv-nev/recruitment?district=440112&format=xlsx"
    )
    assert _clean(page, "/chains/icv-nev?district=440112") == []


def test_the_english_page_and_node_panel_speak_english(server, page, screenshots) -> None:
    painted = _open(page, server["url"] + "/chains/icv-nev?lang=en")
    assert painted[0][0] == "chainMap"
    assert page.locator("h1").inner_text().startswith("Intelligent connected")
    legend = page.evaluate("window.chanye.charts[0].getOption().legend[0].data")
    assert legend == ["Strong", "Weak", "Missing"]
    page.evaluate("window.chanye.showNode('vehicle')")
    wait_until(page, "window.__chainsNode === 'vehicle'", timeout=20_000)
    panel = page.locator("#node-body").inner_text()
    assert "Local enterprises" in panel and "Recruitment targets" in panel
    assert "本地企业" not in panel and "招商目标" not in panel
    assert any(word in panel for word in ("industry code", "makes 「", "scope or name contains"))
    assert page.locator("#node-title").inner_text().startswith("Vehicle")
    page.screenshot(path=str(screenshots / "chains-icv-nev-en.png"), full_page=False)
    assert _clean(page, "/chains/icv-nev?lang=en") == []
