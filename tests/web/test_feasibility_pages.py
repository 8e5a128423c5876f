"""The feasibility filters on the pages (issue 11, item 4): on by default, shown as a note that names each filter
and what it removed, with a switch to show all, on /opportunities and /chains/{id}, their JSON twins and the
API."""

from __future__ import annotations

import html as html_lib
import re


def _text(html: str) -> str:
    body = re.sub(r"<script\b.*?</script>|<style\b.*?</style>", " ", html, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_opportunities_page_shows_the_filters_and_a_switch(client) -> None:
    model = client.get("/opportunities.json", params={"place": "黄埔"}).json()
    assert model["feasible"] is True
    assert [f["code"] for f in model["filters"]] == ["resource_bound", "local_service", "restricted", "not_in_pack"]
    total = sum(f["removed"]["value"] for f in model["filters"])
    assert model["filters_note"].startswith(f"可行性筛选已开启，共去掉 {total} 项")
    removed = {r["activity"] for r in model["removed"]["rows"]}
    assert removed and not removed & {r["activity"] for r in model["rows"]}
    page = client.get("/opportunities", params={"place": "黄埔"}).text
    assert 'id="opp-feasibility" data-feasible="true"' in page
    text = _text(page)
    assert model["filters_note"] in text and "显示全部（关闭筛选）" in text
    assert "show_all=true" in re.search(r'id="opp-feasibility-toggle" href="([^"]+)"', page).group(1)
    everything = client.get("/opportunities.json", params={"place": "黄埔", "show_all": "true"}).json()
    assert everything["feasible"] is False
    assert {r["activity"] for r in everything["rows"]} == {r["activity"] for r in model["rows"]} | removed
    off = client.get("/opportunities", params={"place": "黄埔", "show_all": "true"}).text
    assert 'data-feasible="false"' in off and "开启可行性筛选" in _text(off)
    api = client.get("/api/v1/complexity/opportunities", params={"place": "黄埔", "limit": 2000}).json()
    assert {r["activity"] for r in api["rows"]} == {r["activity"] for r in model["rows"]}


def test_chain_page_shows_the_filters_and_a_switch(client) -> None:
    model = client.get("/chains/icv-nev.json").json()
    filters = model["filters"]
    assert filters["feasible"] is True and filters["note"].startswith("可行性筛选已开启")
    removed = {(r["list"], r["uscc"]) for r in filters["removed"]["rows"]}
    assert removed
    on_lists = {(w, r["uscc"]["value"] if isinstance(r["uscc"], dict) else r["uscc"])
                for w in ("recruitment", "expansion", "leaders") for r in model[w]["rows"]}
    assert not removed & on_lists
    page = client.get("/chains/icv-nev").text
    assert 'id="chain-feasibility" data-feasible="true"' in page
    assert filters["note"] in _text(page)
    assert re.search(r'id="chain-feasibility-toggle" href="/chains/icv-nev\?show_all=true"', page)
    off = client.get("/chains/icv-nev.json", params={"show_all": "true"}).json()
    assert off["filters"]["feasible"] is False and off["filters"]["note"].startswith("可行性筛选已关闭")
    listed = client.get("/api/v1/chains/icv-nev/recruitment", params={"limit": 20000}).json()
    assert listed["filters"]["items"] and all(i["list"] == "recruitment" for i in listed["filters"]["items"])
    every = client.get("/api/v1/chains/icv-nev/recruitment", params={"limit": 20000, "show_all": "true"}).json()
    assert every["total"] == listed["total"] + sum(i["removed"]["value"] for i in listed["filters"]["items"])


def test_the_consistency_of_published_figures_is_served(client) -> None:
    body = client.get("/api/v1/data/published/consistency").json()
    rows = {r["check"]: r for r in body["rows"]}
    assert rows["nev-share-2024"]["status"] == "conflict"
    assert rows["nev-share-2024"]["reported"]["value"] == 15.0
    assert round(rows["nev-share-2024"]["computed"]["value"], 4) == 3.8796
    assert rows["count-100bn-definitions"]["status"] == "different_definitions"
