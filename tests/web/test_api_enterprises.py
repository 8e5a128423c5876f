"""/api/v1/enterprises: search by USCC, name and business-scope words; filters, sorting, paging, tag counts,
profiles, XLSX; errors. Expected values are read from the small demo database with SQL. Rows use machine keys;
every number is a cell {value, unit, provenance}."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from openpyxl import load_workbook

from chanye.services.search import BigramIndex, tokens_of


@pytest.fixture(scope="session")
def firm(store) -> dict:
    """The Guangzhou icv-nev firm with the largest 2024 revenue."""
    return store.query("""
        SELECT e.uscc, e.name, e.district_code, y.revenue FROM enterprises e
        JOIN enterprise_years y USING (uscc) JOIN classifications c USING (uscc)
        WHERE e.city_code = '440100' AND c.node = 'icv-nev' AND y.year = 2024
        ORDER BY y.revenue DESC LIMIT 1""").iloc[0].to_dict()


def test_search_by_uscc_returns_that_firm(client, firm):
    data = client.get("/api/v1/enterprises", params={"q": firm["uscc"]}).json()
    assert data["mode"] == "uscc"
    assert data["total"] == 1
    assert data["rows"][0]["uscc"] == firm["uscc"]
    assert data["rows"][0]["name"] == firm["name"]
    assert data["rows"][0]["revenue"] == {"value": pytest.approx(firm["revenue"]), "unit": "wan_yuan",
                                          "provenance": "synthetic"}


def test_search_by_lowercase_uscc_prefix(client, store, firm):
    prefix = firm["uscc"][:8]
    expected = store.scalar("SELECT count(*) FROM enterprises WHERE starts_with(uscc, ?)", [prefix])
    data = client.get("/api/v1/enterprises", params={"q": prefix.lower(), "per_page": 200}).json()
    assert data["total"] == expected
    assert all(r["uscc"].startswith(prefix) for r in data["rows"])


def test_search_by_name_ranks_the_firm_first(client, firm):
    data = client.get("/api/v1/enterprises", params={"q": firm["name"]}).json()
    assert data["mode"] == "text"
    assert data["rows"][0]["uscc"] == firm["uscc"]
    assert data["query"]["sort"] == "relevance"


def test_scope_words_must_all_occur_in_name_or_scope(client, store):
    data = client.get("/api/v1/enterprises", params={"q": "新能源汽车零部件", "per_page": 200}).json()
    assert data["tokens"] == ["新能源", "汽车", "零部件"]
    expected = store.scalar("""
        SELECT count(*) FROM enterprises
        WHERE contains(name || ' ' || coalesce(business_scope, ''), '新能源')
          AND contains(name || ' ' || coalesce(business_scope, ''), '汽车')
          AND contains(name || ' ' || coalesce(business_scope, ''), '零部件')""")
    assert expected > 0
    assert data["total"] == expected


def test_node_and_city_filter_counts_match_the_links(client, store):
    expected = store.scalar("""
        SELECT count(DISTINCT c.uscc) FROM classifications c JOIN enterprises e USING (uscc)
        WHERE c.node = 'icv-nev' AND e.city_code = '440100'""")
    data = client.get("/api/v1/enterprises", params={"node": "icv-nev", "city": "440100"}).json()
    assert data["total"] == expected
    assert data["query"]["sort"] == "industrial_output"  # the node's scale metric
    outputs = [r["industrial_output"]["value"] for r in data["rows"] if r["industrial_output"]["value"] is not None]
    assert outputs == sorted(outputs, reverse=True)


def test_district_filter_and_facets(client, store):
    expected = store.scalar("SELECT count(*) FROM enterprises WHERE district_code = '440106'")
    data = client.get("/api/v1/enterprises", params={"district": "440106"}).json()
    assert data["total"] == expected
    facets = {f["district_code"]: f["enterprises"] for f in data["facets"]["rows"]}
    assert len(facets) == 11
    assert facets["440106"] == {"value": expected, "unit": "firms", "provenance": "synthetic"}
    tianhe = next(f for f in data["facets"]["rows"] if f["district_code"] == "440106")
    assert tianhe["district"] == {"zh": "天河区", "en": "Tianhe"}  # the pack's English name
    assert [c["key"] for c in data["facets"]["columns"]] == ["district_code", "district", "enterprises"]
    assert {r["district"]["zh"] for r in data["rows"]} == {"天河区"}


def test_sort_paging_and_a_page_past_the_end(client, store):
    top = store.query("""SELECT uscc FROM enterprise_years WHERE year = 2024 AND employees IS NOT NULL
                         ORDER BY employees DESC, uscc LIMIT 10""")["uscc"].tolist()
    p1 = client.get("/api/v1/enterprises", params={"sort": "employees", "per_page": 5}).json()
    p2 = client.get("/api/v1/enterprises", params={"sort": "employees", "per_page": 5, "page": 2}).json()
    assert [r["uscc"] for r in p1["rows"] + p2["rows"]] == top
    far = client.get("/api/v1/enterprises", params={"page": 10_000}).json()
    assert far["rows"] == []
    assert far["total"] == store.count("enterprises")


def test_older_year_figures(client, store, firm):
    expected = store.scalar("SELECT revenue FROM enterprise_years WHERE uscc = ? AND year = 2021", [firm["uscc"]])
    data = client.get("/api/v1/enterprises", params={"q": firm["uscc"], "year": 2021}).json()
    assert data["year"] == 2021 and data["query"]["year"] == 2021
    assert data["rows"][0]["revenue"]["value"] == pytest.approx(expected)


def test_every_row_carries_provenance_and_every_number_a_unit(client):
    data = client.get("/api/v1/enterprises", params={"q": "示例"}).json()
    assert (data["provenance"], data["synthetic"], data["name"], data["title"]) == ("synthetic", True, "firms", "企业")
    assert {r["provenance"] for r in data["rows"]} == {"synthetic"}
    columns = {c["key"]: c for c in data["columns"]}
    assert [c["key"] for c in data["columns"]] == [
        "uscc", "name", "district", "district_code", "industry_code", "revenue", "industrial_output", "value_added",
        "employees", "registered_capital", "founded", "tags", "nodes", "node_names", "provenance"]
    assert {k: c["unit"] for k, c in columns.items() if c["unit"]} == {
        "revenue": "wan_yuan", "industrial_output": "wan_yuan", "value_added": "wan_yuan", "employees": "persons",
        "registered_capital": "wan_yuan"}
    assert (columns["revenue"]["label_zh"], columns["revenue"]["label_en"], columns["revenue"]["unit_label"]) == (
        "营业收入", "Revenue", "万元")
    assert columns["district"]["label"] == "所属区" and columns["district"]["type"] == "name"
    numbers = ("revenue", "industrial_output", "value_added", "employees", "registered_capital")
    for row in data["rows"]:
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", key) for key in row)
        assert {row[k]["unit"] for k in numbers} == {"wan_yuan", "persons"}
        assert {row[k]["provenance"] for k in numbers} == {"synthetic"}
    en = client.get("/api/v1/enterprises", params={"q": "示例", "lang": "en"}).json()
    assert en["rows"] == data["rows"]  # the rows are the same in every language; labels follow the request
    assert (en["title"], en["columns"][5]["label"], en["columns"][5]["unit_label"]) == (
        "Enterprises", "Revenue", "10k yuan")


def test_malformed_page_is_a_readable_422(client):
    r = client.get("/api/v1/enterprises", params={"page": "abc"})
    assert r.status_code == 422
    assert r.json() == {"error": {
        "status": 422, "title": "参数有误 Invalid parameter",
        "message": "page: 应为整数 (Input should be a valid integer, unable to parse string as an integer)",
        "hint": "检查网址中的参数 (check the query parameters)"}}


@pytest.mark.parametrize("params", [{"per_page": 1000}, {"sort": "salary"}, {"district": "abc"}, {"year": 1800},
                                    {"tag": "unicorn"}, {"format": "pdf"}])
def test_other_bad_parameters_are_422(client, params):
    r = client.get("/api/v1/enterprises", params=params)
    assert r.status_code == 422
    assert r.json()["error"]["message"].startswith(next(iter(params)) + ":")


def test_unknown_node_district_and_year_are_404(client):
    assert client.get("/api/v1/enterprises", params={"node": "nope"}).json()["error"]["message"] == \
        "框架 guangzhou-12218 中没有节点 'nope' (unknown node)"
    r = client.get("/api/v1/enterprises", params={"district": "999999"})
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "没有行政区划代码为 999999 的区 (unknown district)"
    assert client.get("/api/v1/enterprises", params={"year": 2001}).status_code == 404


def test_tag_counts_match_sql(client, store):
    data = client.get("/api/v1/enterprises/tags", params={"node": "icv-nev", "city": "440100"}).json()
    counts = dict(store.query("""
        SELECT t.tag, count(DISTINCT t.uscc) AS n FROM tags t JOIN classifications c USING (uscc)
        JOIN enterprises e USING (uscc) WHERE c.node = 'icv-nev' AND e.city_code = '440100' GROUP BY 1""")
                  .itertuples(index=False))
    assert {r["tag"]: r["enterprises"]["value"] for r in data["rows"]} == {
        t: counts.get(t, 0) for t in ("above_scale", "high_tech", "srdi", "little_giant", "listed")}
    assert {(r["enterprises"]["unit"], r["enterprises"]["provenance"]) for r in data["rows"]} == {("firms", "synthetic")}
    assert data["total"] == store.scalar("""
        SELECT count(DISTINCT c.uscc) FROM classifications c JOIN enterprises e USING (uscc)
        WHERE c.node = 'icv-nev' AND e.city_code = '440100'""")
    assert (data["node"], data["city"], data["district"]) == ("icv-nev", "440100", None)


def test_profile(client, store, firm):
    data = client.get(f"/api/v1/enterprises/{firm['uscc']}").json()
    assert data["name"] == firm["name"]
    assert data["district_code"] == firm["district_code"]
    assert (data["provenance"], data["synthetic"]) == ("synthetic", True)
    record = store.query("SELECT * FROM enterprises WHERE uscc = ?", [firm["uscc"]]).iloc[0]
    attributes = data["attributes"]["rows"][0]
    assert attributes["registered_capital"] == {"value": pytest.approx(record["registered_capital"]),
                                                "unit": "wan_yuan", "provenance": "synthetic"}
    assert attributes["founded"] == str(record["founded"])[:10] and len(attributes["founded"]) == 10  # YYYY-MM-DD
    assert attributes["batch_id"] == str(int(record["batch_id"]))
    figures = store.query("SELECT year, revenue FROM enterprise_years WHERE uscc = ? ORDER BY year", [firm["uscc"]])
    assert [f["year"] for f in data["figures"]["rows"]] == figures["year"].tolist()
    assert [f["revenue"]["value"] for f in data["figures"]["rows"]] == pytest.approx(figures["revenue"].tolist())
    units = {c["key"]: c["unit"] for c in data["figures"]["columns"]}
    assert (units["revenue"], units["employees"], units["tax"]) == ("wan_yuan", "persons", "wan_yuan")
    assert data["figures"]["rows"][0]["energy_use"]["unit"] == "tce"  # 吨标准煤, from the row
    links = store.query("SELECT node, confidence FROM classifications WHERE uscc = ? ORDER BY confidence DESC, node",
                        [firm["uscc"]])
    assert [x["node"] for x in data["links"]["rows"]] == links["node"].tolist()
    assert "icv-nev" in [x["node"] for x in data["links"]["rows"]]
    link = next(x for x in data["links"]["rows"] if x["node"] == "icv-nev")
    assert link["node_name"] == {"zh": "智能网联与新能源汽车", "en": "Intelligent connected and new-energy vehicles"}
    assert (link["status"], link["kind"]) == ("confirmed", "cluster")
    assert link["method"] in ("code", "keyword", "text", "predicted", "manual")
    assert link["evidence"]
    assert link["confidence"]["unit"] == "score" and 0 < link["confidence"]["value"] <= 1


def test_profile_of_an_unknown_uscc_is_404(client):
    r = client.get("/api/v1/enterprises/91440101MA00000000")
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "没有统一社会信用代码为 91440101MA00000000 的企业 (no such enterprise)"


def test_search_downloads_as_xlsx(client, store):
    r = client.get("/api/v1/enterprises", params={"node": "biomed", "city": "440100", "format": "xlsx"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.title == "企业"
    assert "示例数据" in ws["A1"].value
    assert ws["A1"].value.endswith("2024年指标；共 " + str(ws.max_row - 2) + " 家")
    header = [c.value for c in ws[2]]
    assert header == ["统一社会信用代码", "企业名称", "所属区", "行业代码", "营业收入（万元）", "工业总产值（万元）",
                      "增加值（万元）", "从业人员（人）", "注册资本（万元）", "成立日期", "企业标签", "产业节点", "来源"]
    assert ws.cell(row=3, column=5).number_format == "#,##0.00"
    assert {ws.cell(row=i, column=13).value for i in range(3, ws.max_row + 1)} == {"示例数据"}
    assert {ws.cell(row=i, column=3).value for i in range(3, ws.max_row + 1)} <= {
        "荔湾区", "越秀区", "海珠区", "天河区", "白云区", "黄埔区", "番禺区", "花都区", "南沙区", "从化区", "增城区", None}
    expected = store.scalar("""SELECT count(DISTINCT c.uscc) FROM classifications c JOIN enterprises e USING (uscc)
                               WHERE c.node = 'biomed' AND e.city_code = '440100'""")
    assert ws.max_row == 2 + expected


def test_profile_downloads_as_xlsx(client, firm):
    r = client.get(f"/api/v1/enterprises/{firm['uscc']}", params={"format": "xlsx"})
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["年度指标", "产业节点"]
    assert [c.value for c in wb["年度指标"][2]][:3] == ["年份", "营业收入（万元）", "工业总产值（万元）"]
    assert wb["年度指标"]["A1"].value.endswith(f"{firm['name']} {firm['uscc']}")
    assert [c.value for c in wb["产业节点"][2]] == ["节点编号", "节点", "状态", "方法", "行业代码", "证据", "置信度"]
    en = load_workbook(io.BytesIO(client.get(f"/api/v1/enterprises/{firm['uscc']}",
                                             params={"format": "xlsx", "lang": "en"}).content))
    assert en.sheetnames == ["Figures over time", "Industry nodes"]
    assert [c.value for c in en["Figures over time"][2]][:2] == ["Year", "Revenue (10k yuan)"]
    statuses = {en["Industry nodes"].cell(row=i, column=3).value for i in range(3, en["Industry nodes"].max_row + 1)}
    assert statuses <= {"confirmed", "provisional"}


def test_tokens_of():
    assert tokens_of("新能源汽车零部件") == ["新能源", "汽车", "零部件"]
    assert tokens_of("  锂离子电池，制造 ") == ["锂离子", "电池", "制造"]
    assert tokens_of("有限公司") == ["有限公司"]  # only stop words: keep them
    assert tokens_of("") == []


def test_bigram_index_agrees_with_substring_search():
    rng = np.random.default_rng(7)
    alphabet = list("汽车电池新能源零部件制造销售技术服务")
    texts = ["".join(rng.choice(alphabet, size=rng.integers(0, 30))) for _ in range(400)]
    index = BigramIndex(texts)
    for word in ["汽车", "电池制造", "新", "能源汽", "销售技术服务", "不在", "车车车"]:
        expected = [i for i, t in enumerate(texts) if word in t]
        assert index.rows_with(word).tolist() == expected, word
    assert BigramIndex([]).rows_with("汽车").tolist() == []


@pytest.mark.parametrize(("q", "sort", "order"), [("", "revenue", "desc"), ("", "employees", "asc"),
                                                   ("", "name", "asc"), ("", "founded", "desc"),
                                                   ("示例", None, "desc"), ("示例", "relevance", "asc")])
def test_presorted_orders_equal_a_direct_sort(app, monkeypatch, q, sort, order):
    from chanye.services import enterprises, search

    ctx = app.state.ctx
    direct = enterprises.search(ctx, q=q, sort=sort, order=order, limit=100_000)
    monkeypatch.setattr(search, "BIG", 0)  # every query through the presorted order
    presorted = enterprises.search(ctx, q=q, sort=sort, order=order, limit=100_000)
    assert presorted.total == direct.total > 0
    assert [r["uscc"] for r in presorted.firms.rows] == [r["uscc"] for r in direct.firms.rows]
