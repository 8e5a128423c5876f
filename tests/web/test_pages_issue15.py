"""Issue 15, pages: the enterprise list opens on the pack's city, tables show and change their sort, targets
name their metric, banners follow the data shown (demo, imported, mixed), a glossary defines the terms and
the pages link to it, the firm profile shows its chain links, district pages show every industry row and say
where no GDP is published, and no raw area code is shown to the analyst.

Numbers are those of the small demo database (scale 0.03, seed 12218): 6,317 firms in 40 cities, 1,817 of
them in Guangzhou (440100); each is checked against the registry by SQL as well."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chanye.present import labels
from chanye.registry.uscc import make_uscc


def embedded(html: str) -> dict:
    match = re.search(r'<script id="chanye-model" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the page embeds no model"
    return json.loads(match.group(1))


def text_of(html: str) -> str:
    body = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


# --------------------------------------------------------------------------------------------------------
# 企业: the pack's city by default, the national sample on request, explained
# --------------------------------------------------------------------------------------------------------


def test_the_enterprise_list_opens_on_the_packs_city(client, store) -> None:
    city, everyone = store.query("""SELECT count(*) FILTER (WHERE city_code = '440100'), count(*)
                                    FROM enterprises""").iloc[0].tolist()
    assert (city, everyone) == (1817, 6317)
    page = client.get("/enterprises", params={"lang": "zh"})
    model = embedded(page.text)
    assert (model["total"], model["scope"]) == (1817, {"city": "440100", "home": "440100", "national_sample": False})
    assert {r["district_code"][:4] for r in model["rows"]} == {"4401"}
    assert client.get("/enterprises.json").json()["total"] == 1817  # the twin answers the same
    assert ('<option value="440100" selected>广州市企业</option><option value="all" >全国样本（全部城市）</option>'
            in page.text)
    note = text_of(page.text)
    assert ("全国样本 : 登记库还收录了其他城市的企业，即“全国样本”，用作区位商、强链/弱链判断和机会分析的全国比较基准，"
            "不是全国普查；默认只列广州市的企业。") in note
    assert '<a class="term" href="/glossary#national_sample" title="登记库中其他城市的企业：全国比较的基准，不是普查">' in page.text


def test_the_national_sample_is_one_choice_away(client) -> None:
    page = client.get("/enterprises", params={"city": "all", "lang": "en"})
    model = embedded(page.text)
    assert (model["total"], model["scope"]["national_sample"]) == (6317, True)
    assert '<option value="all" selected>National sample (all cities)</option>' in page.text
    assert "Listing the national sample: firms of other cities included." in text_of(page.text)
    # a district is inside the city: the scope box stays on the city, the district filter narrows it
    tianhe = client.get("/enterprises.json", params={"district": "440106"}).json()
    assert (tianhe["total"], tianhe["scope"]["city"]) == (295, None)
    assert client.get("/enterprises", params={"city": "abc"}).status_code == 422


# --------------------------------------------------------------------------------------------------------
# Tables show their sort and sort by any column
# --------------------------------------------------------------------------------------------------------


def test_the_search_table_marks_its_sort_and_shows_the_sort_column(client) -> None:
    html = client.get("/enterprises", params={"sort": "value_added", "per_page": 5, "lang": "zh"}).text
    model = embedded(html)
    values = [round(r["value_added"]["value"]) for r in model["rows"]]
    # the city's five largest by value added in the latest year, read from the store
    store = client.app.state.ctx.cursor()
    largest = store.query("""
        SELECT y.value_added FROM enterprise_years y JOIN enterprises e USING (uscc)
        WHERE e.city_code = '440100' AND y.year = (SELECT max(year) FROM enterprise_years)
        ORDER BY y.value_added DESC NULLS LAST LIMIT 5""")["value_added"]
    store.close()
    assert values == [round(v) for v in largest] and values == sorted(values, reverse=True)
    head = re.search(r'<table class="data" id="results" data-server-sort>\s*<thead>(.*?)</thead>', html, re.S).group(1)
    assert re.findall(r'data-sort="(\w+)" aria-sort="(\w+)"', head) == [
        ("name", "none"), ("revenue", "none"), ("employees", "none"), ("value_added", "descending")]
    assert 'class="num sortable sorted-desc" data-sort="value_added"' in head
    # the current column's link reverses the order; another column's sorts by it, from the first page
    assert 'href="/enterprises?sort=value_added&amp;per_page=5&amp;lang=zh&amp;order=asc"' in head
    assert 'href="/enterprises?sort=revenue&amp;per_page=5&amp;lang=zh&amp;order=desc"' in head
    assert f'<td class="num">{values[0]:,}</td>' in html  # the largest, with thousands separators
    assert "排序: 增加值 · 从高到低 · 点击表头排序" in text_of(html)


def test_a_finance_top_list_is_sorted_by_a_column_it_shows(client) -> None:
    html = client.get("/cluster/finance", params={"lang": "zh"}).text
    model = embedded(html)
    assert (model["top"]["query"]["sort"], model["top"]["query"]["order"]) == ("value_added", "desc")
    box = html[html.index('<div class="ent-table" id="top"'):]
    head = box[:box.index("</thead>")]
    assert re.findall(r'data-sort="(\w+)" aria-sort="(\w+)"', head) == [
        ("name", "none"), ("revenue", "none"), ("industrial_output", "none"), ("value_added", "descending"),
        ("employees", "none")]
    first = model["top"]["rows"][0]
    assert f'<td class="num">{first["value_added"]["value"]:,.0f}</td>' in box


def test_every_page_loads_the_table_script(client) -> None:
    for path in ("/", "/cluster", "/cluster/biomed", "/district", "/district/440106", "/enterprises", "/glossary"):
        assert '<script src="/static/tables.js" defer></script>' in client.get(path).text, path
    script = client.get("/static/tables.js")
    assert script.status_code == 200 and "aria-sort" in script.text


# --------------------------------------------------------------------------------------------------------
# 目标进度: each target names its metric beside the page's
# --------------------------------------------------------------------------------------------------------


def test_a_target_names_the_metric_it_counts(client) -> None:
    html = client.get("/cluster/biomed", params={"lang": "zh"}).text
    model = embedded(html)
    target = model["targets"][0]
    assert (model["metric"], target["metric"], target["metric_label"], target["same_metric"]) == (
        "industrial_output", "revenue", "营业收入", False)
    table = text_of(html[html.index('id="targets"'):html.index("</table>", html.index('id="targets"'))])
    assert "目标指标 目标 最新值 所需年均增速 近年年均增速 状态 营业收入 3,000 亿元 · 2027 4,791 亿元 (2024) -14.4% 8.7% 已达成" in table
    assert ('<p class="note" id="target-metric-note">注意：目标按“营业收入”计，本页规模按“工业总产值”计，'
            "两者口径不同，不可直接比较。</p>") in html
    assert '规模指标</a>: 工业总产值（亿元）' in html
    english = client.get("/cluster/biomed", params={"lang": "en"}).text
    assert "<td>Revenue</td><td>3,000 100m yuan · 2027</td>" in english


# --------------------------------------------------------------------------------------------------------
# Provenance: banners follow the data shown
# --------------------------------------------------------------------------------------------------------

FIRM = make_uscc("91440106MA0000001")
CSV = ("统一社会信用代码,企业名称,所属区,行业代码,营业收入（万元）,从业人员,年份\n"
       f"{FIRM},广州导入测试汽车有限公司,天河区,3611,52000,300,2024\n")


@pytest.fixture(scope="module")
def imported(web_db, tmp_path_factory):
    """A copy of the demo database with one firm imported by a user."""
    from chanye.services import imports
    from chanye.web.app import create_app

    folder = tmp_path_factory.mktemp("issue15-import")
    path = folder / "copy.duckdb"
    shutil.copy(web_db, path)
    app = create_app(path)
    source = folder / "导入.csv"
    source.write_text(CSV, encoding="utf-8")
    report = imports.import_file(app.state.ctx, source)
    assert (report.rows_loaded, report.rows_quarantined) == (1, 0)
    with TestClient(app) as c:
        yield c
    app.state.ctx.store.close()


def strip(html: str) -> str | None:
    found = re.search(r'<div class="synthetic-strip" data-provenance="(\w+)">', html)
    return found.group(1) if found else None


def test_an_imported_firm_is_not_called_synthetic(imported) -> None:
    html = imported.get(f"/enterprise/{FIRM}", params={"lang": "zh"}).text
    assert embedded(html)["provenance"] == "registry"
    assert strip(html) is None
    assert labels.word("synthetic_note") not in text_of(html) and "badge-synthetic" not in html
    assert '<p class="prov" data-provenance="registry">来源: 企业登记库（用户导入）' in html


def test_demo_firms_and_totals_say_what_they_are(imported, client) -> None:
    demo = imported.get("/enterprises.json", params={"q": "广州峰舟示例汽车零部件有限公司"}).json()["rows"][0]["uscc"]
    html = imported.get(f"/enterprise/{demo}").text
    assert strip(html) == "synthetic" and "本页企业与指标为合成的示例数据，不代表真实企业或官方统计。" in html
    overview = imported.get("/", params={"lang": "zh"}).text  # totals over demo and imported firms
    assert strip(overview) == "mixed"
    assert "本页汇总同时包含合成的示例企业与用户导入的企业；标“示例数据”的企业为合成数据。" in overview
    assert '<p class="prov" data-provenance="mixed">来源: <span class="badge badge-synthetic badge-mixed">示例与导入数据</span>' in overview
    found = imported.get("/enterprises", params={"q": "导入测试"}).text  # a list of imported firms only
    assert strip(found) is None
    assert strip(client.get("/", params={"lang": "zh"}).text) == "synthetic"  # the untouched demo stays 示例数据


# --------------------------------------------------------------------------------------------------------
# 术语: the glossary, and links to it
# --------------------------------------------------------------------------------------------------------

TERMS = ["lq", "chain_status", "chain_role", "eci", "pci", "cog", "density", "rca", "link_status", "national_sample",
         "thousand_billion", "scale_metric", "provisional", "above_scale", "target_progress", "synthetic"]


def test_the_glossary_defines_every_term_in_both_languages(client) -> None:
    data = client.get("/glossary.json").json()
    assert [t["id"] for t in data["terms"]] == TERMS
    lq = data["terms"][0]
    assert lq["term"] == {"zh": "区位商", "en": "Location quotient (LQ)"}
    assert lq["short"]["zh"] == "某产业在本地的占比 ÷ 它在参照范围中的占比；大于 1 表示相对集聚"
    html = client.get("/glossary", params={"lang": "zh"}).text
    assert '<dt id="chain_status">强链 / 弱链 / 缺链</dt>' in html
    assert '<dt id="national_sample">全国样本</dt>' in html
    assert "缺链：本地没有该环节的生产企业。" in html
    english = client.get("/glossary", params={"lang": "en"}).text
    assert '<dt id="cog">Complexity Outlook Gain (COG)</dt>' in english
    assert re.findall(r"[\u3400-\u9fff]+", text_of(english.split('<dl id="glossary">')[1].split("</dl>")[0])) == \
        ["示例"]  # the demo firms' name marker, quoted in the definition of 示例数据


def test_terms_on_the_pages_link_to_the_glossary(client) -> None:
    cases = {
        "/cluster/biomed": ["lq", "scale_metric", "target_progress"],
        "/district/440106": ["lq"],
        "/": ["thousand_billion", "provisional", "scale_metric"],
        "/enterprises": ["national_sample"],
    }
    for path, keys in cases.items():
        html = client.get(path, params={"lang": "zh"}).text
        found = set(re.findall(r'<a class="term" href="/glossary#(\w+)" title="[^"]+">', html))
        assert set(keys) <= found, (path, found)
    assert '<a href="/glossary" id="glossary-link">术语</a>' in client.get("/", params={"lang": "zh"}).text


# --------------------------------------------------------------------------------------------------------
# The firm profile: its chain links and roles
# --------------------------------------------------------------------------------------------------------


def test_the_firm_profile_shows_its_chain_links(client, store) -> None:
    uscc = "914401047251878102"  # 广州曜航示例新能源汽车有限公司: an electrolyte maker
    stored = store.query(f"SELECT chain, chain_node, role FROM chain_links WHERE uscc = '{uscc}' ORDER BY 1, 2")
    assert len(stored) == 5
    html = client.get(f"/enterprise/{uscc}", params={"lang": "zh"}).text
    rows = embedded(html)["chains"]["rows"]
    assert sorted((r["chain"], r["chain_node"], r["role"]) for r in rows) == [tuple(r) for r in stored.to_numpy()]
    assert [(r["chain_node_name"]["zh"], r["role"], r["segment"]) for r in rows] == [
        ("锂矿与锂盐", "user", "upstream"), ("电解液", "producer", "upstream"), ("烯烃与芳烃", "user", "midstream"),
        ("基础无机化工", "user", "midstream"), ("精细化工", "producer", "downstream")]
    table = text_of(html[html.index('id="chain-roles"'):html.index("</table>", html.index('id="chain-roles"'))])
    assert "智能网联与新能源汽车产业链 电解液 上游 生产 行业代码与关键词 2669 · 六氟磷酸锂 0.80" in table
    assert "智能网联与新能源汽车产业链 锂矿与锂盐 上游 依赖 供应关系 电解液 0.40" in table  # the edge named, not its id
    assert '<a class="term" href="/glossary#chain_role"' in html
    # listed in the chains' own order, so the browser marks no column as sorted (confidence happened to ascend)
    assert '<table class="data" id="chain-roles" data-order="framework">' in html


# --------------------------------------------------------------------------------------------------------
# District pages; no raw codes
# --------------------------------------------------------------------------------------------------------


def test_a_district_shows_every_industry_and_says_where_no_gdp_is_published(client) -> None:
    html = client.get("/district/440103", params={"lang": "zh"}).text
    mix = html[html.index('<table class="data" id="mix">'):]
    mix = mix[:mix.index("</table>")]
    assert mix.count("<tr") == 30  # the header and the 29 industry nodes, none hidden in a scroll box
    assert 'max-height:420px' not in html
    assert "产业一览 共 29 个产业节点 · 2024年" in text_of(html)
    assert '<div class="kpi" id="gdp-missing">' in html and "暂无可引用的荔湾区地区生产总值公开数字。" in html
    assert '<div class="crumbs"><a href="/district">区</a> › 荔湾区</div>' in html
    tianhe = client.get("/district/440106", params={"lang": "zh"}).text
    assert 'id="gdp-missing"' not in tianhe and "地区生产总值（公开） · 2024" in text_of(tianhe)
    english = client.get("/district/440103", params={"lang": "en"}).text
    assert "No published GDP figure of Liwan to cite yet." in english


def test_no_raw_area_code_in_what_the_analyst_reads(client) -> None:
    for path in ("/cluster/biomed", "/district/440106", "/enterprises"):
        assert "440100" not in text_of(client.get(path, params={"lang": "zh"}).text).split('{"')[0], path
    assert "各类企业数 单位: 家 · 广州市" in text_of(client.get("/cluster/biomed", params={"lang": "zh"}).text)


def test_the_glossary_is_a_documented_page(client) -> None:
    spec = client.get("/openapi.json").json()
    assert "text/html" in spec["paths"]["/glossary"]["get"]["responses"]["200"]["content"]
    ref = spec["paths"]["/glossary.json"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ref == {"$ref": "#/components/schemas/GlossaryPayload"}
    assert Path(__file__).name == "test_pages_issue15.py"
