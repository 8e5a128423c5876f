"""Every chart label readable at 1440 and 1024 px wide (issue 15), checked on what ECharts drew (the chart
instance and its zrender display list, tests/browser/chartlabels.py): every category shown (no "every other
bar"), no two visible texts overlapping, the legend clear of the axis names and of the PNG button, no label
cut with an ellipsis (a treemap cell too small for its whole name shows none), the 12218 tree's names whole
and without a repeated number, the bubble and opportunity scatters' labels placed apart. In Chinese, then
the overview and 黄埔 in English (long names), last: the language sticks to the browser context."""

from __future__ import annotations

import re

import pytest

from .chartlabels import AUDIT
from .wait import wait_until

pytestmark = pytest.mark.browser

WIDTHS = (1440, 1024)
HUANGPU = "440112"  # the district page the first-contact trial found labelling every other bar


def _firm(server) -> str:
    store = server["app"].state.ctx.cursor()
    row = store.query("""
        SELECT e.uscc FROM enterprises e JOIN enterprise_years y USING (uscc)
        WHERE e.district_code = '440112' AND y.year = 2024 ORDER BY y.revenue DESC LIMIT 1""")
    return row.iloc[0]["uscc"]


def _pages(server) -> list[str]:
    return ["/", "/cluster", "/cluster/icv-nev", "/district", f"/district/{HUANGPU}", "/enterprises",
            f"/enterprise/{_firm(server)}", "/data", "/chains", "/chains/icv-nev", "/opportunities", "/fusion",
            "/projects", "/?lang=en", f"/district/{HUANGPU}?lang=en"]


def _intersect(a: dict | None, b: dict | None) -> bool:
    return bool(a and b and min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"]) > 1
                and min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"]) > 1)


def _audit(page, url: str) -> list[dict]:
    page.goto(url, wait_until="load")
    n = page.eval_on_selector_all("[data-chart]", "els => els.length")
    if n:
        wait_until(page, f"window.__chanyeRendered && window.__chanyeRendered.length >= {n}", timeout=20_000)
    page.wait_for_timeout(150)  # the label layout runs after 'finished' on a resize of a grown chart
    return page.evaluate(AUDIT)


@pytest.fixture(scope="module")
def audits(server, browser) -> dict[tuple[int, str], list[dict]]:
    """Every page with charts at both widths: {(width, path): [chart audit, ...]}."""
    out = {}
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        page = context.new_page()
        for path in _pages(server):
            out[(width, path)] = _audit(page, server["url"] + path)
        context.close()
    return out


def test_every_page_has_its_charts(audits):
    counts = {path: len(charts) for (width, path), charts in audits.items() if width == 1440}
    assert counts["/"] == 3 and counts[f"/district/{HUANGPU}"] == 3 and counts["/opportunities"] == 2
    assert all(not c.get("missing") for charts in audits.values() for c in charts)


def test_every_category_is_labelled(audits, server):
    failures = []
    for (width, path), charts in audits.items():
        for chart in charts:
            for axis in chart["axes"]:
                if axis["shown"] != axis["categories"] or axis["interval"] != 0:
                    failures.append(f"{width}px {path} {chart['id']} {axis}")
    assert not failures, "\n".join(failures)
    by_id = {c["id"]: c for c in audits[(1024, "/")]}
    assert by_id["scaleBar"]["axes"][0]["shown"] == 29  # the pack's 29 industry nodes, every one named
    mix = [m for m in _twin(server, f"/district/{HUANGPU}.json")["mix"] if m["lq"] is not None and m["enterprises"]]
    lq = {c["id"]: c for c in audits[(1024, f"/district/{HUANGPU}")]}["lq"]
    assert lq["axes"][0]["shown"] == len(mix) > 20


def _twin(server, path: str) -> dict:
    import json
    import urllib.request

    with urllib.request.urlopen(server["url"] + path) as r:
        return json.load(r)


def test_no_text_overlaps_another(audits):
    failures = [f"{width}px {path} {c['id']}: {c['overlaps'][:3]}"
                for (width, path), charts in audits.items() for c in charts if c.get("overlaps")]
    assert not failures, "\n".join(failures)


def test_legend_clear_of_axis_names_and_png_button(audits):
    failures = []
    legends = 0
    for (width, path), charts in audits.items():
        for c in charts:
            if not c.get("legend"):
                continue
            legends += 1
            names = [t["text"] for t in c["texts"] if t["kind"] == "axisName" and _intersect(c["legend"], t)]
            if names or _intersect(c["legend"], c["toolbox"]):
                failures.append(f"{width}px {path} {c['id']}: legend over {names or 'the PNG button'}")
    assert not failures, "\n".join(failures)
    assert legends >= 2 * 6  # bubble, firm figures, data batches, opportunities ×2, fusion: at both widths


def test_no_label_cut_short(audits):
    failures = [f"{width}px {path} {c['id']}: {c['cut'][:3]}" for (width, path), charts in audits.items()
                for c in charts if c["cut"]]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("width", WIDTHS)
def test_tree_names_whole_without_a_repeated_number(audits, width):
    tree = {c["id"]: c for c in audits[(width, "/")]}["tree"]
    texts = {t["text"].replace("\n", "") for t in tree["texts"] if t["kind"] == "label"}
    assert {"1 产业第一、制造业立市", "2 两业融合、两化转型", "21 15个战略性产业集群和6个未来产业", "8个现代服务业",
            "第六代移动通信（暂定）", "智能网联与新能源汽车"} <= texts
    assert not [t for t in texts if re.match(r"^(\d+) \1个", t)]  # never "8 8个现代服务业"


@pytest.mark.parametrize("width", WIDTHS)
def test_scatter_labels_placed_apart(audits, width):
    bubble = {c["id"]: c for c in audits[(width, "/")]}["bubble"]
    names = [t for t in bubble["texts"] if t["kind"] == "label" and t["text"] not in ("千亿级", "示例数据")]
    assert len(names) >= 24  # of the 29 bubbles; the rest have no free place and keep their tooltip
    scatter = {c["id"]: c for c in audits[(width, "/opportunities")]}["oppScatter"]
    top = [t["text"] for t in scatter["texts"] if t["kind"] == "label" and re.match(r"^\d{4} ", t["text"])]
    assert len(top) == 8  # the 8 best opportunities, each named


@pytest.mark.parametrize("width", WIDTHS)
def test_projects_charts_readable(server, browser, width):
    """/projects alone (issue 12): the funnel's count and investment labels all shown, none covered, the map's
    district names and the district bars' categories whole (the full audit above includes the page too)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    charts = {c["id"]: c for c in _audit(context.new_page(), server["url"] + "/projects?lang=zh")}
    context.close()
    assert sorted(charts) == ["projectDistricts", "projectFunnel", "projectMap"]
    for c in charts.values():
        assert not c["overlaps"], (c["id"], c["overlaps"][:3])
        assert not c["cut"], (c["id"], c["cut"][:3])
        assert all(a["shown"] == a["categories"] for a in c["axes"]), (c["id"], c["axes"])
    funnel = charts["projectFunnel"]
    names = ["线索", "洽谈", "签约", "注册", "供地", "开工", "投产", "达产"]
    assert [t["text"] for t in funnel["texts"] if t["kind"] == "axisLabel" and t["text"] in names] == names
    values = [t for t in funnel["texts"] if t["kind"] == "label" and t["text"].isdigit()]  # not the 示例数据 subtitle
    assert len(values) == 16  # the 8 stages' counts and their investment, each at its bar's end
    assert sum(1 for t in charts["projectMap"]["texts"] if t["kind"] == "label") >= 6  # district names shown
