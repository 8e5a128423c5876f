"""The 项目 page and a project page in a real browser (issue 12): the funnel, district map and bars draw, the
tables carry units and 示例数据, a 招商清单 row becomes a 线索 in one click and shows up in the pipeline, and a
stage change recorded through the project page's form joins its history."""

from __future__ import annotations

import datetime

import pytest

from .canvas import PAINTED
from .wait import wait_until

pytestmark = pytest.mark.browser

STAGES = ["lead", "talks", "signed", "registered", "land", "started", "production", "full"]


def test_projects_page(server, page, screenshots):
    watch = page.watch
    page.goto(server["url"] + "/projects", wait_until="load")
    wait_until(page, "window.__chanyeRendered && window.__chanyeRendered.length >= 3", timeout=30_000)
    assert sorted(page.evaluate("window.__chanyeRendered")) == ["projectDistricts", "projectFunnel", "projectMap"]
    for chart, pixels, area in page.evaluate(PAINTED):
        assert pixels >= 500 and pixels >= 0.01 * area, f"chart {chart} painted only {pixels} pixels"
    assert not watch.errors, watch.errors
    page.screenshot(path=str(screenshots / "projects.png"), full_page=True)
    assert "示例数据" in page.locator("h1").inner_text()
    stages = page.eval_on_selector_all("#funnel-table tbody tr", "rs => rs.map(r => r.dataset.stage)")
    assert stages == STAGES
    units = page.eval_on_selector_all("#funnel-table td[data-unit]", "ts => ts.map(t => t.dataset.provenance)")
    assert units and set(units) == {"synthetic"}
    assert page.locator("#projects-table tbody tr").count() == 100
    assert page.locator("#projects-table tbody tr").first.locator(".p-dot").count() == 8
    assert page.locator("#kpi-strategic").get_attribute("data-year") == "2025"
    with page.expect_navigation():
        page.select_option("#projects-year", "2024")
    assert "year=2024" in page.url
    assert "365" in page.locator("#funnel-table tr[data-stage='lead']").inner_text()


def test_a_recruitment_row_becomes_a_lead(server, page, screenshots):
    page.goto(server["url"] + "/projects?chain=icv-nev", wait_until="load")
    row = page.locator("#targets-table tbody tr").filter(has=page.locator("form.to-lead")).first
    uscc = row.get_attribute("data-uscc")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert "done=created" in page.url
    assert page.locator("#project-done").count() == 1
    assert page.locator("#project-stage").get_attribute("data-stage") == "lead"
    assert page.locator("#project-recommendation").get_attribute("data-list") == "recruitment"
    pid = page.url.split("/projects/")[1].split("?")[0]
    # in the pipeline: the list row of the chain now links to the project
    page.goto(server["url"] + "/projects?chain=icv-nev", wait_until="load")
    assert page.locator(f"#targets-table tr[data-uscc='{uscc}'] a.is-lead").get_attribute("href") == f"/projects/{pid}"
    # and a stage change through the project's form
    page.goto(server["url"] + f"/projects/{pid}", wait_until="load")
    page.select_option("#stage-choice", "talks")
    page.fill("#stage-date", datetime.date.today().isoformat())  # the lead's day: a change may share it
    page.fill("#stage-note", "首次洽谈")
    with page.expect_navigation():
        page.click("#stage-submit")
    assert page.locator("#project-stage").get_attribute("data-stage") == "talks"
    history = page.eval_on_selector_all("#history-table tbody tr", "rs => rs.map(r => r.dataset.stage)")
    assert history == ["lead", "talks"] and "首次洽谈" in page.locator("#history-table").inner_text()
    page.screenshot(path=str(screenshots / "project.png"), full_page=True)


def test_a_recruitment_row_becomes_a_lead_from_the_chain_page(server, page, screenshots):
    page.goto(server["url"] + "/chains/icv-nev", wait_until="load")
    row = page.locator("#recruitment tbody tr").filter(has=page.locator("form.to-lead")).first
    uscc = row.get_attribute("data-uscc")
    assert row.locator("button[type=submit]").inner_text() == "转为线索"
    page.locator("#recruitment").screenshot(path=str(screenshots / "chain-recruitment-leads.png"))
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert "done=created" in page.url
    assert page.locator("#project-stage").get_attribute("data-stage") == "lead"
    assert page.locator("#project-recommendation").get_attribute("data-list") == "recruitment"
    pid = page.url.split("/projects/")[1].split("?")[0]
    # in the pipeline list: the leads entered this year (the demo's pipeline ends with 2025)
    page.goto(server["url"] + f"/projects?year={datetime.date.today().year}&stage=lead", wait_until="load")
    assert page.locator(f"#projects-table tbody tr[data-id='{pid}']").count() == 1
    # and back on the chain page the row links to its project
    page.goto(server["url"] + "/chains/icv-nev", wait_until="load")
    assert page.locator(f"#recruitment tr[data-uscc='{uscc}'] a.is-lead").get_attribute("href") == f"/projects/{pid}"


@pytest.mark.parametrize("width", (1440, 1024))
def test_controls_speak_the_page_language(server, browser, screenshots, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")  # an English browser
    page = context.new_page()
    page.goto(server["url"] + "/projects?lang=zh", wait_until="load")
    field = page.locator("#projects-as-of")
    assert field.get_attribute("type") == "text" and field.get_attribute("placeholder") == "年-月-日，如 2025-06-30"
    buttons = page.eval_on_selector_all("form button", "bs => bs.map(b => b.innerText.trim())")
    assert "OK" not in buttons and "查看" in buttons
    assert page.locator("input[type=date]").count() == 0
    wait_until(page, "window.__chanyeRendered && window.__chanyeRendered.length >= 3", timeout=30_000)
    page.locator("#projects-form").screenshot(path=str(screenshots / f"projects-filters-{width}.png"))
    page.locator("#projects-districts").screenshot(path=str(screenshots / f"projects-map-{width}.png"))
    page.locator("#projects-funnel").screenshot(path=str(screenshots / f"projects-funnel-{width}.png"))
    # the map's district names: dark text with a white outline, readable on the darkest fill
    label = page.evaluate("""() => {
      const s = echarts.getInstanceByDom(document.querySelector('[data-chart="projectMap"]')).getOption().series[0].label;
      return [s.color, s.textBorderColor, s.textBorderWidth]; }""")
    assert label == ["#1d2433", "#fff", 2]
    context.close()
