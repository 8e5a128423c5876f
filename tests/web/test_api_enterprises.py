"""/api/v1/enterprises: search by USCC, name and business-scope words; filters, sorting, paging, tag counts,
profiles, XLSX; errors. Expected values are read from the small demo database with SQL."""

from __future__ import annotations

import io

import numpy as np
import pytest
from openpyxl import load_workbook

from chanye.web.api.enterprises import BigramIndex, tokens_of


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
    assert data["rows"][0]["revenue"] == pytest.approx(firm["revenue"])


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
    outputs = [r["industrial_output"] for r in data["rows"] if r["industrial_output"] is not None]
    assert outputs == sorted(outputs, reverse=True)


def test_district_filter_and_facets(client, store):
    expected = store.scalar("SELECT count(*) FROM enterprises WHERE district_code = '440106'")
    data = client.get("/api/v1/enterprises", params={"district": "440106"}).json()
    assert data["total"] == expected
    facets = {f["code"]: f["count"] for f in data["facets"]["district"]}
    assert len(facets) == 11
    assert facets["440106"] == expected
    assert data["facets"]["unit"] == "家"


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
    assert data["year"] == 2021
    assert data["rows"][0]["revenue"] == pytest.approx(expected)


def test_every_row_carries_provenance(client):
    data = client.get("/api/v1/enterprises", params={"q": "示例"}).json()
    assert data["provenance"] == {"kind": "synthetic", "synthetic": True, "label": "示例数据",
                                  "note": "来源：示例数据（合成，非真实企业或官方统计） Source: synthetic demo data"}
    assert {r["provenance"] for r in data["rows"]} == {"synthetic"}
    units = {c["key"]: c["unit"] for c in data["columns"]}
    assert units["revenue"] == "万元"
    assert units["employees"] == "人"


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
    assert {r["tag"]: r["count"] for r in data["rows"]} == {t: counts.get(t, 0) for t in
                                                             ("above_scale", "high_tech", "srdi", "little_giant", "listed")}
    assert data["unit"] == "家"


def test_profile(client, store, firm):
    data = client.get(f"/api/v1/enterprises/{firm['uscc']}").json()
    assert data["name"] == firm["name"]
    assert data["district_code"] == firm["district_code"]
    assert len(data["figures"]) == store.scalar("SELECT count(*) FROM enterprise_years WHERE uscc = ?", [firm["uscc"]])
    links = store.query("SELECT node, confidence FROM classifications WHERE uscc = ? ORDER BY confidence DESC, node",
                        [firm["uscc"]])
    assert [x["node"] for x in data["links"]] == links["node"].tolist()
    assert "icv-nev" in [x["node"] for x in data["links"]]
    link = next(x for x in data["links"] if x["node"] == "icv-nev")
    assert link["name"] == "智能网联与新能源汽车"
    assert link["status"] == "confirmed"
    assert link["evidence"]
    assert {c["key"]: c["unit"] for c in data["figure_columns"]}["revenue"] == "万元"
    assert data["registered_capital_unit"] == "万元"
    assert data["provenance"]["synthetic"] is True
    assert len(data["founded"]) == 10  # YYYY-MM-DD


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
    assert [c.value for c in ws[2]][:3] == ["统一社会信用代码", "企业名称", "所属区"]
    assert "营业收入（万元）" in [c.value for c in ws[2]]
    expected = store.scalar("""SELECT count(DISTINCT c.uscc) FROM classifications c JOIN enterprises e USING (uscc)
                               WHERE c.node = 'biomed' AND e.city_code = '440100'""")
    assert ws.max_row == 2 + expected


def test_profile_downloads_as_xlsx(client, firm):
    r = client.get(f"/api/v1/enterprises/{firm['uscc']}", params={"format": "xlsx"})
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["年度指标", "产业节点"]


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
    from chanye.web.api import enterprises

    ctx = app.state.ctx
    direct = enterprises.search_model(ctx, q=q, sort=sort, order=order, limit=100_000)
    monkeypatch.setattr(enterprises, "BIG", 0)  # every query through the presorted order
    presorted = enterprises.search_model(ctx, q=q, sort=sort, order=order, limit=100_000)
    assert [r["uscc"] for r in presorted["rows"]] == [r["uscc"] for r in direct["rows"]]
