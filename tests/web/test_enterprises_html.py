"""The enterprise pages (/enterprises, /enterprise/{uscc}): each embeds the model its `.json` twin returns (the
/api/v1 payload: machine keys, number cells), links both twins, and speaks one language at a time."""

from __future__ import annotations

import json
import re

import pytest

from chanye.web.api.enterprises import profile_model, search_model

# Words an English page may show in Chinese: proper names (firms, places, addresses, business scopes, the
# classification evidence) come from the data, not from the label table.
CJK = re.compile(r"[\u3400-\u9fff]")
ASCII_WORD = re.compile(r"[A-Za-z]{2,}")


def embedded(html: str) -> dict:
    match = re.search(r'<script id="chanye-model" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the page embeds no model"
    return json.loads(match.group(1))


def visible_text(html: str) -> str:
    """The text a reader sees: no scripts, tags, attributes or entities."""
    body = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"&[#\w]+;", " ", body)


@pytest.fixture(scope="module")
def firm(store) -> dict:
    """The Tianhe firm with the largest registered capital (a district of the pack's city)."""
    return store.query("""SELECT uscc, name, district_code FROM enterprises WHERE district_code = '440106'
                          ORDER BY registered_capital DESC NULLS LAST, uscc LIMIT 1""").iloc[0].to_dict()


def test_search_page_json_twin_is_its_model(app, client):
    page = client.get("/enterprises", params={"q": "汽车", "lang": "zh"})
    model = embedded(page.text)
    twin = client.get("/enterprises.json", params={"q": "汽车", "lang": "zh"})
    assert twin.headers["content-type"] == "application/json"
    assert twin.json() == model
    # the page lists the pack's city by default (issue 15), and its API link says so
    assert model["rows"] == search_model(app.state.ctx, q="汽车", city="440100")["rows"]
    assert model["scope"] == {"city": "440100", "home": "440100", "national_sample": False}
    assert (model["name"], model["mode"], model["tokens"]) == ("firms", "text", ["汽车"])
    assert len(model["nodes"]) == 29 and model["nodes"][0].keys() == {"id", "name", "status"}
    assert 'class="twin" href="/enterprises.json?q=%E6%B1%BD%E8%BD%A6&amp;lang=zh"' in page.text
    assert 'class="twin" href="/api/v1/enterprises?q=%E6%B1%BD%E8%BD%A6&amp;lang=zh&amp;city=440100"' in page.text
    first = model["rows"][0]
    assert f'href="/enterprise/{first["uscc"]}"' in page.text
    assert f'<td class="num">{first["revenue"]["value"]:,.0f}</td>' in page.text


def test_search_page_in_english_names_districts_from_the_pack(client):
    html = client.get("/enterprises", params={"district": "440106", "lang": "en"}).text
    assert '<option value="440106" selected>Tianhe</option>' in html
    assert "<td>Tianhe</td>" in html
    text = visible_text(html)
    names = set()
    for r in embedded(html)["rows"]:
        names.update([r["name"], r["district"]["zh"]])
    leftover = [w for w in re.findall(r"[\u3400-\u9fff][^\s<>]*", text) if not any(w in n for n in names)]
    assert leftover == ["产", "中文"]  # the brand mark and the language switch


def test_enterprise_page_json_twin_is_its_model(app, client, firm):
    html = client.get(f"/enterprise/{firm['uscc']}", params={"lang": "zh"}).text
    model = embedded(html)
    assert model == json.loads(json.dumps(profile_model(app.state.ctx, firm["uscc"])))
    assert client.get(f"/enterprise/{firm['uscc']}.json", params={"lang": "zh"}).json() == model
    assert f'class="twin" href="/enterprise/{firm["uscc"]}.json?lang=zh"' in html
    assert f'class="twin" href="/api/v1/enterprises/{firm["uscc"]}"' in html
    assert firm["name"] in html
    assert '<a href="/district/440106">天河区</a>' in html  # a district of the pack's city links to its page
    capital = model["attributes"]["rows"][0]["registered_capital"]
    assert f"<dd>{capital['value']:,.0f} 万元</dd>" in html


def test_enterprise_page_in_english_has_english_words_only(client, firm):
    html = client.get(f"/enterprise/{firm['uscc']}", params={"lang": "en"}).text
    model = embedded(html)
    assert '<a href="/district/440106">Tianhe</a>' in html
    assert "10k yuan" in html and "万元" not in visible_text(html)
    attributes = model["attributes"]["rows"][0]
    data = [firm["name"], attributes["address"] or "", attributes["business_scope"] or "",
            *(link["evidence"] or "" for link in model["links"]["rows"])]
    leftover = [w for w in re.findall(r"[\u3400-\u9fff][^\s<>]*", visible_text(html))
                if not any(w in d for d in data)]
    assert leftover == ["产", "中文"]


def test_enterprise_page_in_chinese_has_no_english_words(client, firm):
    html = client.get(f"/enterprise/{firm['uscc']}", params={"lang": "zh"}).text
    words = set(ASCII_WORD.findall(visible_text(html)))
    # codes and names of formats only: the app name, JSON/XLSX/PNG, API, GB/T 4754
    assert words <= {"chanye", "JSON", "XLSX", "API", "English", "GB", "PNG", "km"}, words


def test_an_unknown_firm_has_no_twin_either(client):
    r = client.get("/enterprise/91440101MA00000000.json", headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "没有统一社会信用代码为 91440101MA00000000 的企业 (no such enterprise)"
