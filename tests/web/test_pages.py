"""HTML pages: each renders the model its JSON twin returns (embedded for the charts), links the twin, shows
units, years and provenance, and turns bad input into a friendly 404/422 page."""

from __future__ import annotations

import io
import json
import re

import pytest
from openpyxl import load_workbook

from chanye.web import models
from chanye.web.api.enterprises import profile_model, search_model

PAGES = ["/", "/cluster", "/cluster/icv-nev", "/cluster/quantum", "/cluster/gz-21", "/district", "/district/440106",
         "/enterprises", "/enterprises?q=汽车", "/data"]


def embedded(html: str) -> dict:
    match = re.search(r'<script id="chanye-model" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the page embeds no model"
    return json.loads(match.group(1))


@pytest.fixture(scope="session")
def firm(store) -> dict:
    return store.query("""SELECT uscc, name FROM enterprises WHERE city_code = '440100'
                          ORDER BY registered_capital DESC NULLS LAST, uscc LIMIT 1""").iloc[0].to_dict()


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_with_badge_twin_and_local_assets_only(client, path):
    r = client.get(path)
    assert r.status_code == 200, r.text[:500]
    html = r.text
    assert '<span class="badge badge-synthetic"' in html and "示例数据" in html
    assert re.search(r'class="twin" href="/api/v1/[^"]+"', html), "no link to the JSON twin"
    for src in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html):
        assert src.startswith(("/", "data:")), f"asset from outside: {src}"
    assert "/vendor/echarts/echarts.min.js" in html or 'data-chart' not in html
    assert '<html lang="zh-CN">' in html
    for section in ("总览", "集群", "区", "企业", "数据", "机会", "产业链"):
        assert f">{section}</a>" in html


def test_cluster_page_embeds_the_model_it_renders(app, client):
    ctx = app.state.ctx
    html = client.get("/cluster/icv-nev").text
    model = embedded(html)
    from chanye.web.api.framework import node_model

    class Req:  # node_model reads request.app.state.ctx only
        pass

    req = Req()
    req.app = app
    assert model == json.loads(json.dumps(models.cluster_model(ctx, "icv-nev", node_info=node_model(req, "icv-nev"))))
    assert model["node"]["codes"][0]["code"] == "3611"
    assert model["trend"]["unit"] == "亿元"
    assert len(model["districts"]["rows"]) == 11
    # the page shows the numbers of its model
    first = model["top"]["rows"][0]
    assert first["name"] in html
    assert "工业总产值" in html and "亿元" in html


def test_cluster_numbers_come_from_the_scoreboard(app, client):
    b = models.board(app.state.ctx)
    s = b.scale
    hit = s[(s["node"] == "icv-nev") & (s["area"] == "440100") & (s["year"] == b.latest)
            & (s["metric"] == "industrial_output")]
    model = embedded(client.get("/cluster/icv-nev").text)
    assert model["trend"]["values"][-1] == pytest.approx(float(hit["value"].iloc[0]))
    overview = embedded(client.get("/").text)
    row = next(c for c in overview["clusters"] if c["id"] == "icv-nev")
    assert row["value"] == pytest.approx(float(hit["value"].iloc[0]))
    assert row["unit"] == "亿元" and row["year"] == b.latest and row["provenance"] == "synthetic"


def test_cluster_page_shows_published_notes_in_its_language(client):
    try:
        zh = client.get("/cluster/biomed", params={"lang": "zh"}).text
        en = client.get("/cluster/biomed", params={"lang": "en"}).text
        districts_en = client.get("/district", params={"lang": "en"}).text
    finally:
        client.get("/?lang=zh")  # the cookie is the session's
    districts_zh = client.get("/district").text
    assert 'title="广州各区2024年地区生产总值（二手网站汇总） 未核实：仅见于转载网站"' in districts_zh
    assert 'title="广州各区2024年地区生产总值（二手网站汇总） unverified: secondary sites"' in districts_en
    model = embedded(zh)
    shown_zh, shown_en = (re.sub(r'<script id="chanye-model".*?</script>', "", html, flags=re.S) for html in (zh, en))
    note_zh = "据报道：生物医药产业总产值超2000亿元，增长20%；对应节点“生物医药与健康”"
    note_en = "as reported: biomedicine output over 200 billion yuan, up 20%; mapped to the node Biomedicine and health"
    cluster_zh = "千亿级集群“生物医药与高端医疗器械”，对应节点“生物医药与健康”"
    cluster_en = ("the cluster of over 100 billion yuan &#39;biomedicine and high-end medical devices&#39;, mapped to "
                  "the node Biomedicine and health")
    assert f'<td class="wrap">{note_zh}</td>' in shown_zh and f'<td class="wrap">{cluster_zh}</td>' in shown_zh
    assert "as reported" not in shown_zh and "mapped to" not in shown_zh
    assert f'<td class="wrap">{note_en}</td>' in shown_en and f'<td class="wrap">{cluster_en}</td>' in shown_en
    assert "据报道" not in shown_en and "千亿级集群" not in shown_en
    assert "<td>亿元</td>" in shown_zh and "<td>100m yuan</td>" in shown_en and "<td>亿元</td>" not in shown_en
    assert {r["id"]: r["note"] for r in model["published"]} == {
        "gz-2023-cluster-biomed": {"zh": cluster_zh, "en": cluster_en.replace("&#39;", "'")},
        "gz-2024-biomed-output": {"zh": note_zh, "en": note_en}}


def test_overview_shows_the_tree_and_published_figures_with_sources(client):
    html = client.get("/").text
    model = embedded(html)
    tree = model["tree"]
    assert tree["label"] == "12218"
    assert [c["label"] for c in tree["children"]] == ["1", "2", "21", "8"]
    statuses = {n["id"]: n["status"] for n in tree["children"][3]["children"]}
    assert statuses["finance"] == "confirmed" and statuses["commerce"] == "provisional"
    gdp = next(h for h in model["headline"] if h["metric"] == "gdp")
    assert (gdp["year"], gdp["value"], gdp["unit"], gdp["comparison"]) == (2024, 31000.0, "亿元", ">")
    assert "超过</small>31,000<small>亿元</small>" in html
    assert 'href="https://www.163.com/dy/article/JNTV4RBH0519B9KP.html"' in html
    assert 'data-chart="tree"' in html and 'data-chart="bubble"' in html


def test_enterprise_page_and_search_page_embed_their_models(app, client, firm):
    ctx = app.state.ctx
    html = client.get(f"/enterprise/{firm['uscc']}").text
    assert embedded(html) == json.loads(json.dumps(profile_model(ctx, firm["uscc"])))
    assert firm["name"] in html
    page = client.get("/enterprises", params={"q": firm["uscc"]}).text
    model = embedded(page)
    assert model["rows"] == search_model(ctx, q=firm["uscc"])["rows"]
    assert f'href="/enterprise/{firm["uscc"]}"' in page


def test_search_form_with_empty_selects_works(client):
    r = client.get("/enterprises?q=%E6%B1%BD%E8%BD%A6&node=&district=&tag=&sort=&order=desc")
    assert r.status_code == 200


@pytest.mark.parametrize(("path", "message"), [
    ("/cluster/nope", "框架 guangzhou-12218 中没有节点 &#39;nope&#39; (unknown node)"),
    ("/district/999999", "没有行政区划代码为 999999 的区 (unknown district)"),
    ("/district/abc", "没有行政区划代码为 abc 的区 (unknown district)"),
    ("/enterprise/91440101MA00000000", "没有统一社会信用代码为 91440101MA00000000 的企业 (no such enterprise)"),
    ("/no/such/page", "没有这个页面: /no/such/page (no such page)"),
])
def test_unknown_things_give_a_friendly_404_page(client, path, message):
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert '<div class="code">404</div>' in r.text
    assert f'<p class="message">{message}</p>' in r.text
    assert "返回总览" in r.text


@pytest.mark.parametrize(("path", "start"), [
    ("/enterprises?page=abc", "page: 应为整数"),
    ("/cluster/icv-nev?year=abc", "year: 应为整数"),
    ("/enterprises?per_page=5000", "per_page: 数值过大"),
])
def test_malformed_parameters_give_a_422_page(client, path, start):
    r = client.get(path)
    assert r.status_code == 422
    assert f'<p class="message">{start}' in r.text


def test_a_year_without_data_is_422(client):
    r = client.get("/cluster/icv-nev?year=2001")
    assert r.status_code == 422
    assert "没有 2001 年的数据 (no data for 2001)" in r.text


def test_language_switch_sets_a_cookie(client):
    r = client.get("/?lang=en")
    assert '<html lang="en">' in r.text
    assert ">Overview</a>" in r.text
    assert "lang=en" in r.headers["set-cookie"]
    assert '<html lang="en">' in client.get("/cluster/icv-nev").text  # remembered
    client.get("/?lang=zh")
    assert '<html lang="zh-CN">' in client.get("/cluster/icv-nev").text


def test_page_tables_download_as_xlsx(client):
    r = client.get("/", params={"format": "xlsx", "table": "clusters"})
    ws = load_workbook(io.BytesIO(r.content)).active
    assert "示例数据" in ws["A1"].value
    assert [c.value for c in ws[2]] == ["节点", "节点编号", "层级", "状态", "规模指标", "年份", "规模（亿元）",
                                        "同比增长（%）", "企业数（家）", "千亿级", "来源"]
    assert ws.max_row == 2 + 29
    row = {h.value: c.value for h, c in zip(ws[2], ws[3], strict=True)}
    assert (row["节点编号"], row["层级"], row["状态"], row["规模指标"], row["千亿级"], row["来源"]) == (
        "icv-nev", "战略性产业集群", "已确认", "工业总产值", "是", "示例数据")
    en = load_workbook(io.BytesIO(client.get("/", params={"format": "xlsx", "table": "clusters", "lang": "en"}).content))
    assert [c.value for c in en.active[2]][:4] == ["Node", "Node id", "Kind", "Status"]
    r = client.get("/cluster/icv-nev", params={"format": "xlsx", "table": "codes"})
    assert load_workbook(io.BytesIO(r.content)).active["A3"].value == "3611"
    assert client.get("/", params={"format": "xlsx", "table": "nope"}).status_code == 404


def test_map_geojson_is_served_locally(client):
    geo = client.get("/vendor/maps/440100.json").json()
    names = sorted(f["properties"]["name"] for f in geo["features"])
    assert len(names) == 11 and "天河区" in names
    assert client.get("/vendor/maps/110000.json").status_code == 404


def test_district_names_match_the_map(client):
    geo = client.get("/vendor/maps/440100.json").json()
    model = embedded(client.get("/cluster/icv-nev").text)
    assert {d["name"] for d in model["districts"]["rows"]} == {f["properties"]["name"] for f in geo["features"]}


def test_provisional_nodes_are_marked(client):
    html = client.get("/cluster/quantum").text
    assert '<span class="badge badge-provisional">暂定</span>' in html
    assert "本节点为暂定节点" in html
