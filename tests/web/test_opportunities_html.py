"""The 机会 page as HTML (TestClient): selectors reflect the query, the table and the embedded model come from
the same model as the JSON twin, links to JSON and XLSX, and errors render the error page."""

from __future__ import annotations

import json
import re


def _model(html: str) -> dict:
    m = re.search(r'<script id="chanye-model" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def test_page_renders_the_default_view(client):
    r = client.get("/opportunities")
    assert r.status_code == 200
    html = r.text
    assert "发展机会" in html and re.search(r'<a href="/opportunities" class="active">', html)
    assert 'data-chart="oppScatter"' in html and 'data-chart="oppSpace"' in html
    assert "/static/opportunities.js" in html and "/vendor/echarts/echarts.min.js" in html
    assert "示例数据" in html and "Hidalgo" in html and "RCA" in html and "COG" in html
    model = _model(html)
    api = client.get("/api/v1/complexity/opportunities").json()
    assert [r["activity"] for r in model["rows"]] == [r["activity"] for r in api["rows"]]
    assert model["candidates"] == len(model["scatter"]["rows"]) >= len(model["rows"])
    assert model["xlsx_url"].startswith("/api/v1/complexity/opportunities?") and "format=xlsx" in model["xlsx_url"]
    assert f'href="{model["xlsx_url"].replace("&", "&amp;")}"' in html
    assert len(model["place_options"]) == 12
    first = model["rows"][0]
    assert f'data-code="{first["activity"]}"' in html


def test_selectors_follow_the_query(client):
    html = client.get("/opportunities", params={"place": "黄埔", "measure": "employees",
                                                "strategy": "long-jump", "by": "cog"}).text
    assert re.search(r'<option value="440112" selected>', html)
    assert re.search(r'<option value="employees" selected>', html)
    assert re.search(r'<option value="long-jump" selected>', html)
    assert re.search(r'<option value="cog" selected>', html)
    model = _model(html)
    assert model["place"] == "440112" and model["measure"] == "employees" and model["unit"] == "人"
    assert "place=440112" in model["space_url"] and "measure=employees" in model["space_url"]


def test_english_page(client):
    try:
        r = client.get("/opportunities", params={"lang": "en"})
        assert r.status_code == 200
        assert "Growth opportunities" in r.text and "Low-hanging fruit" in r.text
    finally:
        client.cookies.delete("lang")  # ?lang= sets a cookie; the session's client is shared
    assert '<html lang="zh-CN">' in client.get("/opportunities").text


def test_errors_render_the_error_page(client):
    r = client.get("/opportunities", params={"place": "火星区"})
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert client.get("/opportunities", params={"strategy": "moonshot"}).status_code == 422
