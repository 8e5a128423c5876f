"""The opportunities for a second city with no code change: the Shenzhen pack's demo registry. The focal city,
its districts, the default place and every name follow the pack; Guangzhou is one peer city among others."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from chanye.framework import load_pack

PACK = "shenzhen-20-8"
SHENZHEN = "440300"


@pytest.fixture(scope="module")
def sz_client(tmp_path_factory):
    from chanye.demo.seed import build_database
    from chanye.web.app import create_app

    path = tmp_path_factory.mktemp("shenzhen") / "demo.duckdb"
    build_database(path, scale=0.02, seed=12218, force=True, pack=PACK)
    app = create_app(path, PACK)
    with TestClient(app) as client:
        yield client
    app.state.ctx.store.close()


def test_the_default_place_is_the_packs_city(sz_client):
    d = sz_client.get("/api/v1/complexity/opportunities", params={"limit": 10}).json()
    assert d["place"] == SHENZHEN and d["place_name"] == "深圳市" and d["place_kind"] == "city"
    assert len(d["rows"]) == 10 and all(r["reason"].startswith(f"发展 {r['activity']} ") for r in d["rows"])
    pack_nodes = {n.id for n in load_pack(PACK).nodes}
    assert {n for r in d["rows"] for n in r["node_ids"]} <= pack_nodes
    share = next(n for n in d["notes"] if n["code"] == "city_share_large")
    assert share["params"]["city"] == SHENZHEN and share["text"].startswith("深圳市占全国样本的")
    nanshan = sz_client.get("/api/v1/complexity/opportunities", params={"place": "Nanshan", "lang": "en"}).json()
    assert nanshan["place"] == "440305" and nanshan["place_name"] == "Nanshan"
    assert sz_client.get("/api/v1/complexity/opportunities", params={"place": "天河"}).status_code == 404


def test_places_and_space_follow_the_pack(sz_client):
    places = {r["location"]: r for r in sz_client.get("/api/v1/complexity/places").json()["rows"]}
    assert places[SHENZHEN]["in_city"] and places[SHENZHEN]["kind"] == "city"
    assert places["440100"]["kind"] == "city" and not places["440100"]["in_city"]  # a peer city
    districts = [c for c, r in places.items() if r["kind"] == "district"]
    assert districts and all(c.startswith("4403") and places[c]["in_city"] for c in districts)
    space = sz_client.get("/api/v1/complexity/space", params={"place": "南山"}).json()
    assert space["place"] == "440305" and len(space["nodes"]["rows"]) > 50


def test_the_page_names_shenzhen_and_its_districts(sz_client):
    html = sz_client.get("/opportunities").text
    assert "发展机会 · 深圳市" in html and "广州" not in html
    model = json.loads(re.search(r'<script id="chanye-model" type="application/json">(.*?)</script>', html,
                                 re.S).group(1))
    options = model["place_options"]
    assert options[0] == {"code": SHENZHEN, "name": "深圳市（全市）"}
    assert all(o["code"].startswith("4403") for o in options[1:]) and len(options) > 1
    english = sz_client.get("/opportunities.json", params={"lang": "en"}).json()
    assert english["place_name"] == "Shenzhen" and english["place_options"][0]["name"] == "Shenzhen (city)"
    assert "Guangzhou" not in json.dumps(english["text"])
