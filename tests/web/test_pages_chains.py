"""The 产业链 pages (HTML, in-process): the page embeds the model its JSON twins return (/chains.json,
/chains/{id}.json, built from /api/v1/chains), links the XLSX lists, speaks one language, and unknown chains or
districts get the 404 page."""

from __future__ import annotations

import json
import re

from chanye.framework import load_pack


def _model(html: str) -> dict:
    return json.loads(
        re.search(r'<script id="chanye-model" type="application/json">(.*?)</script>', html, re.S).group(1)
    )


def test_overview_page_links_every_chain(client) -> None:
    response = client.get("/chains")
    assert response.status_code == 200
    html = response.text
    assert 'data-chart="chainSummary"' in html and "/static/chains.js" in html
    for chain in load_pack(None).chains:
        assert f'href="/chains/{chain.id}"' in html
    model = _model(html)
    assert model["summary"] == client.get("/api/v1/chains").json()
    assert model == client.get("/chains.json").json()
    assert model["city"] == "440100" and model["codes"]["chain_status"]["weak"] == "弱链"
    assert 'class="nav' in html and 'href="/chains" class="active"' in html
    assert 'href="/chains.json"' in html


def test_chain_page_embeds_its_json_twin(client) -> None:
    html = client.get("/chains/icv-nev", params={"district": "黄埔区"}).text
    model = _model(html)
    assert model == client.get("/chains/icv-nev.json", params={"district": "黄埔区"}).json()
    twin = client.get("/api/v1/chains/icv-nev", params={"district": "440112"}).json()
    assert {k: model[k] for k in twin} == twin
    assert (
        model["recruitment"]["rows"]
        == client.get(
            "/api/v1/chains/icv-nev/recruitment", params={"district": "440112", "limit": 20}
        ).json()["rows"]
    )
    assert 'data-chart="chainMap"' in html and 'id="node-panel"' in html
    assert 'href="/api/v1/chains/icv-nev/recruitment?district=440112&amp;format=xlsx"' in html
    assert 'href="/api/v1/chains/icv-nev/expansion?district=440112&amp;format=xlsx"' in html
    assert '<option value="440112" selected>' in html
    assert html.count('<option value="') >= 21 + 11
    assert "示例数据" in html
    assert 'href="/chains/icv-nev.json?district=440112"' in html
    assert 'href="/chains?district=440112"' in html  # the crumb keeps the district


def test_provisional_cluster_is_marked(client) -> None:
    html = client.get("/chains/quantum").text
    assert "badge badge-provisional" in html and "所属集群为暂定节点" in html


def test_unknown_chain_or_district_is_the_404_page(client) -> None:
    for url in ("/chains/nosuch", "/chains/icv-nev?district=火星区", "/chains?district=火星区"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
    for url in ("/chains/nosuch.json", "/chains.json?district=火星区"):
        response = client.get(url, headers={"Accept": "application/json"})
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"]["status"] == 404
