"""The dashboard in a real browser (Debian's chromium via Playwright): every page loads with no console error
and no request leaving 127.0.0.1, every chart paints pixels, the language switch sticks, search finds a firm,
and an upload with bad rows shows the quarantine. Screenshots land in tests/browser/screenshots/."""

from __future__ import annotations

import pytest

from .canvas import PAINTED
from .wait import wait_until

pytestmark = pytest.mark.browser



def _known_firm(server) -> dict:
    store = server["app"].state.ctx.cursor()
    row = store.query("""
        SELECT e.uscc, e.name, e.district_code FROM enterprises e JOIN enterprise_years y USING (uscc)
        JOIN classifications c USING (uscc)
        WHERE e.city_code = '440100' AND c.node = 'icv-nev' AND y.year = 2024
        ORDER BY y.revenue DESC LIMIT 1""")
    return row.iloc[0].to_dict()


def _pages(server) -> list[tuple[str, str]]:
    firm = _known_firm(server)
    return [
        ("overview", "/"),
        ("clusters", "/cluster"),
        ("cluster-icv-nev", "/cluster/icv-nev"),
        ("cluster-quantum-provisional", "/cluster/quantum"),
        ("districts", "/district"),
        ("district-440112", "/district/440112"),
        ("enterprises-search", "/enterprises?q=新能源汽车"),
        ("enterprise-profile", f"/enterprise/{firm['uscc']}"),
        ("data", "/data"),
        ("overview-en", "/?lang=en"),
    ]


def _load(page, url: str) -> int:
    """Open a page and wait until every chart on it has rendered; returns the number of charts."""
    page.goto(url, wait_until="load")
    n = page.eval_on_selector_all("[data-chart]", "els => els.length")
    if n:
        wait_until(page, f"window.__chanyeRendered && window.__chanyeRendered.length >= {n}", timeout=20_000)
    return n


def test_every_page_loads_clean_and_paints_its_charts(server, page, screenshots):
    failures = []
    for name, path in _pages(server):
        watch = page.watch
        watch.errors.clear()
        watch.outside.clear()
        n = _load(page, server["url"] + path)
        painted = page.evaluate(PAINTED)
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
        if watch.errors:
            failures.append(f"{path}: console errors {watch.errors}")
        if watch.outside:
            failures.append(f"{path}: requests leaving 127.0.0.1 {watch.outside}")
        for chart, pixels, area in painted:
            if pixels < 500 or pixels < 0.01 * area:
                failures.append(f"{path}: chart {chart} painted only {pixels} pixels")
        assert len(painted) == n
        assert page.locator("header .badge-synthetic").count() == 1, f"{path}: no 示例数据 badge in the header"
    assert not failures, "\n".join(failures)


def test_every_chart_has_a_png_button(server, page):
    _load(page, server["url"] + "/cluster/icv-nev")
    has_save = page.evaluate("""() => window.chanye.charts.every(c => {
        const tb = c.getOption().toolbox; return tb && tb[0].feature.saveAsImage; })""")
    assert has_save


def test_language_switch_is_remembered(server, page):
    _load(page, server["url"] + "/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("nav.nav a").first.inner_text() == "总览"
    page.click("#lang-switch")
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("nav.nav a").first.inner_text() == "Overview"
    _load(page, server["url"] + "/cluster/icv-nev")  # no ?lang: the cookie remembers
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Intelligent connected" in page.locator("h1").inner_text()
    page.click("#lang-switch")
    page.wait_for_load_state("load")
    assert page.locator("nav.nav a").first.inner_text() == "总览"


def test_search_finds_a_known_enterprise(server, page, screenshots):
    firm = _known_firm(server)
    _load(page, server["url"] + "/enterprises")
    page.fill("input[name=q]", firm["name"])
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state("load")
    first = page.locator("#results tbody tr").first
    assert firm["name"] in first.inner_text()
    # by USCC, then open the profile
    page.fill("input[name=q]", firm["uscc"])
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state("load")
    assert page.locator("#results tbody tr").count() == 1
    page.click(f"#results a[href='/enterprise/{firm['uscc']}']")
    wait_until(page, "window.__chanyeRendered && window.__chanyeRendered.length >= 1")
    assert firm["name"] in page.locator("h1").inner_text()
    assert page.locator("#links tbody tr").count() >= 1


def test_table_on_cluster_page_sorts_and_searches(server, page):
    _load(page, server["url"] + "/cluster/icv-nev")
    box = page.locator("#top")
    before = box.locator("tbody tr").first.inner_text()
    box.locator("th[data-sort=employees]").click()
    wait_until(page, "document.querySelector('#top th[data-sort=employees]').classList.contains('sorted-desc')")
    box.locator("input[data-role=q]").fill("示例")
    wait_until(page, "!document.querySelector('#top').hasAttribute('aria-busy')")
    assert box.locator("tbody tr").count() >= 1
    assert before  # the server-rendered first page was there before any fetch


def test_upload_with_bad_rows_shows_the_quarantine(server, page, tmp_path, screenshots):
    from chanye.registry.uscc import make_uscc

    good = [make_uscc(f"91440106MA{i:07d}") for i in range(3)]
    csv = tmp_path / "上传测试.csv"
    csv.write_text(
        "统一社会信用代码,企业名称,所属区,国民经济行业代码,营业收入（万元）,年份\n"
        f"{good[0]},示例上传甲公司,天河区,3670,1200,2024\n"
        f"{good[1]},示例上传乙公司,黄埔区,3841,800,2024\n"
        f"{good[2]},示例上传丙公司,番禺区,2710,560,2024\n"
        "91440101XXXXXXXXX1,示例坏行一公司,天河区,3670,100,2024\n"
        f"{make_uscc('91440106MA9999999')},,天河区,3670,abc,2024\n",
        encoding="utf-8",
    )
    page.watch.errors.clear()
    _load(page, server["url"] + "/data")
    page.set_input_files("#upload-file", str(csv))
    page.click("#upload-submit")
    page.wait_for_selector("#preview-confirm:not([disabled])", state="visible", timeout=60_000)  # the preview (issue 15)
    page.click("#preview-confirm")
    page.wait_for_selector("#upload-line.done", timeout=60_000)
    wait_until(page, "document.querySelectorAll('#quarantine-table tbody tr td.reason').length >= 2",
                           timeout=20_000)
    rows = page.locator("#quarantine-table tbody tr")
    assert rows.count() == 2
    text = page.locator("#quarantine-table").inner_text()
    assert "统一社会信用代码" in text or "uscc" in text
    assert "5" in page.locator("#upload-report").inner_text()  # 5 data rows
    page.screenshot(path=str(screenshots / "data-after-upload.png"), full_page=True)
    assert not page.watch.errors
    assert not page.watch.outside


def test_unknown_node_gives_the_friendly_404_page(server, page):
    response = page.goto(server["url"] + "/cluster/no-such-node")
    assert response.status == 404
    assert "未找到" in page.locator("h1").inner_text()
    assert "no-such-node" in page.locator(".message").inner_text()


def test_a_year_select_submits_its_form_without_inline_script(server, page):
    page.goto(server["url"] + "/district", wait_until="load")
    years = page.eval_on_selector_all("select[name=year] option", "els => els.map(e => e.value)")
    assert len(years) >= 2
    with page.expect_navigation():
        page.select_option("select[name=year]", years[-1])
    assert page.url.endswith(f"/district?year={years[-1]}")
    assert page.watch.errors == []
