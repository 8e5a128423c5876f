"""The data page (/data): upload form, import history, one batch's quarantine and the sources; its `.json`
twin returns the model it embeds (each part an /api/v1/data payload)."""

from __future__ import annotations

import json
import re

from chanye.web.api import data


def embedded(html: str) -> dict:
    match = re.search(r'<script id="chanye-model" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the page embeds no model"
    return json.loads(match.group(1))


def visible_text(html: str) -> str:
    body = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"&[#\w]+;", " ", body)


def test_data_page_json_twin_is_its_model(app, client, store):
    html = client.get("/data", params={"lang": "zh"}).text
    model = embedded(html)
    assert client.get("/data.json", params={"lang": "zh"}).json() == model
    ctx = app.state.ctx
    assert model["batches"] == json.loads(json.dumps(data.batches_model(ctx)))
    assert model["sources"] == json.loads(json.dumps(data.sources_model(ctx)))
    assert (model["provenance"], model["synthetic"], model["max_upload_bytes"]) == ("synthetic", True, 50 * 1024 * 1024)
    assert model["quarantine"]["limit"] == 200 and model["quarantine"]["batch"] == store.scalar(
        "SELECT max(id) FROM import_batches")
    assert 'class="twin" href="/data.json?lang=zh"' in html
    assert 'class="twin" href="/api/v1/data/batches"' in html


def test_data_page_shows_the_demo_batch_and_the_sources(client, store):
    html = client.get("/data", params={"lang": "zh"}).text
    loaded = store.count("enterprises")
    # the demo batch: its kind in words (not the generator's file name), its rows with thousands separators
    assert re.search(r"<td>1</td><td>示例数据 <span class=\"badge badge-synthetic\">示例数据</span></td>", html)
    assert f'<td class="num">{loaded:,}</td>' in html
    assert "广州，好拼！" in html and 'href="https://www.163.com/dy/article/JNTV4RBH0519B9KP.html"' in html


def test_data_page_speaks_one_language(client):
    zh = visible_text(client.get("/data", params={"lang": "zh"}).text)
    assert set(re.findall(r"[A-Za-z]{2,}", zh)) <= {"chanye", "CSV", "XLSX", "Parquet", "MB", "JSON", "API",
                                                     "English", "import"}  # `chanye import`, a command name
    en = client.get("/data", params={"lang": "en"}).text
    model = embedded(en)
    titles = [s["title"] + (s["publisher"] or "") for s in model["sources"]["rows"]]
    leftover = [w for w in re.findall(r"[\u3400-\u9fff][^\s<>]*", visible_text(en))
                if not any(w in t for t in titles)]
    # the language switch and the re-import file's column (the brand mark 产 occurs in source titles)
    assert leftover == ["中文", "问题"]
