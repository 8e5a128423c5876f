"""The 机会 page as HTML (TestClient): selectors reflect the query, the table and the embedded model are the
page's JSON twin (/opportunities.json), links to JSON and XLSX, words from the label table in each language,
no inline script, and errors render the error page."""

from __future__ import annotations

import html as html_lib
import json
import re

import pytest

CJK = re.compile(r"[\u3400-\u9fff]")


def _model(html: str) -> dict:
    m = re.search(r'<script id="chanye-model" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def _visible_text(html: str) -> str:
    """The page's text without scripts, styles and tags."""
    body = re.sub(r"<script\b.*?</script>|<style\b.*?</style>", " ", html, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", body))


def test_page_renders_the_default_view(client):
    r = client.get("/opportunities")
    assert r.status_code == 200
    html = r.text
    assert "发展机会 · 广州市" in html and re.search(r'<a href="/opportunities" class="active">', html)
    assert 'data-chart="oppScatter"' in html and 'data-chart="oppSpace"' in html
    assert "/static/opportunities.js" in html and "/vendor/echarts/echarts.min.js" in html
    assert "示例数据" in html and "Hidalgo" in html and "RCA" in html and "COG" in html
    model = _model(html)
    api = client.get("/api/v1/complexity/opportunities").json()
    assert [r["activity"] for r in model["rows"][:50]] == [r["activity"] for r in api["rows"]]
    assert model["candidates"]["value"] == len(model["rows"]) >= 50 == model["table_rows"]
    assert model["urls"]["xlsx"].startswith("/api/v1/complexity/opportunities?") and "format=xlsx" in model["urls"]["xlsx"]
    assert f'href="{model["urls"]["xlsx"].replace("&", "&amp;")}"' in html
    assert f'href="{model["urls"]["json"].replace("&", "&amp;")}"' in html  # the twin is linked
    assert len(model["place_options"]) == 12  # the city and its 11 districts (the pack's)
    assert model["place_options"][0] == {"code": "440100", "name": "广州市（全市）"}
    first = model["rows"][0]
    assert f'data-code="{first["activity"]}"' in html
    assert html.count('<tr title="') == 50
    assert model["marked"] == [r["activity"] for r in model["rows"][:20]]


def test_the_json_twin_is_the_embedded_model(client):
    html = client.get("/opportunities", params={"place": "黄埔", "strategy": "long-jump"}).text
    twin = client.get("/opportunities.json", params={"place": "黄埔", "strategy": "long-jump"})
    assert twin.status_code == 200 and twin.headers["content-type"] == "application/json"
    assert twin.json() == _model(html)
    assert twin.json()["place"] == "440112" and twin.json()["urls"]["json"].startswith("/opportunities.json?place=440112")


def test_selectors_follow_the_query(client):
    html = client.get("/opportunities", params={"place": "黄埔", "measure": "employees",
                                                "strategy": "long-jump", "by": "cog"}).text
    assert re.search(r'<option value="440112" selected>', html)
    assert re.search(r'<option value="employees" selected>从业人员（人）', html)
    assert re.search(r'<option value="long-jump" selected>跨越发展', html)
    assert re.search(r'<option value="cog" selected>', html)
    model = _model(html)
    assert model["place"] == "440112" and model["measure"] == "employees" and model["unit"] == "persons"
    assert model["unit_label"] == "人"
    assert "place=440112" in model["urls"]["space"] and "measure=employees" in model["urls"]["space"]


def test_chinese_page_has_no_english_beyond_acronyms_and_names(client):
    text = _visible_text(client.get("/opportunities").text)
    words = set(re.findall(r"[A-Za-z][A-Za-z-]*", text))
    allowed = {"RCA", "PCI", "COG", "ECI", "COI", "M", "JSON", "XLSX", "PNG", "API", "English", "chanye",
               "Stata", "ecomplexity", "Metroverse", "docs", "complexity", "md", "Opportunities", "v",
               # the references' authors and titles are proper names
               "Hidalgo", "Klinger", "Barab", "si", "Hausmann", "The", "Product", "Space", "Conditions", "the",
               "Development", "of", "Nations", "Science", "Atlas", "Economic", "Complexity", "Delgado", "Porter",
               "Stern", "https", "http"}
    assert words - allowed == set(), sorted(words - allowed)


def test_english_page(client):
    try:
        r = client.get("/opportunities", params={"lang": "en"})
        assert r.status_code == 200
        assert "Growth opportunities · Guangzhou" in r.text and "Low-hanging fruit" in r.text
        model = _model(r.text)
        assert model["place_name"] == "Guangzhou" and model["place_options"][1] == {"code": "440103", "name": "Liwan"}
        text = _visible_text(r.text)
        # Chinese only in names: GB/T 4754 class names (no English exists), the brand mark and the language link.
        for row in model["rows"][:50] + ((model.get("removed") or {}).get("rows") or []):  # and the filtered ones
            text = text.replace(row["name"], " ")
        text = text.replace("产", " ").replace("中文", " ")
        assert not CJK.search(text), CJK.findall(text)[:40]
        assert all(not CJK.search(n["text"]) for n in model["notes"])
        assert not CJK.search(json.dumps(model["text"], ensure_ascii=False))
    finally:
        client.cookies.delete("lang")  # ?lang= sets a cookie; the session's client is shared
    assert '<html lang="zh-CN">' in client.get("/opportunities").text


def test_no_inline_script(client):
    html = client.get("/opportunities").text
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    for attrs, _body in scripts:
        assert 'src="' in attrs or 'type="application/json"' in attrs, attrs
    assert re.findall(r"<[a-z][^>]*\son[a-z]+\s*=", html) == []  # no inline event handlers


@pytest.mark.parametrize("params", [{"place": "火星区"}, {"strategy": "moonshot"}])
def test_errors_render_the_error_page(client, params):
    r = client.get("/opportunities", params=params)
    assert r.status_code == (404 if "place" in params else 422) and "text/html" in r.headers["content-type"]
    twin = client.get("/opportunities.json", params=params, headers={"Accept": "application/json"})
    assert twin.status_code == r.status_code and twin.json()["error"]["status"] == r.status_code
