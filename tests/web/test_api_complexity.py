"""/api/v1/complexity/* over the session's demo database: every number is a {value, unit, provenance} cell,
unknown places answer 404, bad options 422, and ?format=xlsx an attachment."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from chanye.web.tables import XLSX_TYPE

CELL_KEYS = {"value", "unit", "provenance"}
NUMBERS = ("density", "pci", "cog", "rca", "value", "firms", "national_value", "national_firms", "score")


def _is_cell(x) -> bool:
    return isinstance(x, dict) and set(x) == CELL_KEYS and x["provenance"] in ("synthetic", "registry")


def test_opportunities_rows_carry_cells_and_nodes(client):
    r = client.get("/api/v1/complexity/opportunities", params={"limit": 20})
    assert r.status_code == 200
    d = r.json()
    assert d["place"] == "440100" and d["synthetic"] is True and d["provenance"] == "synthetic"
    assert d["strategy"] == "balanced" and d["by"] == "pci" and d["scope"] == "traded"
    assert _is_cell(d["eci"]) and _is_cell(d["coi"])
    assert d["method"]["weights"] == {"density": 0.5, "pci": 0.15, "cog": 0.35}
    rows = d["rows"]
    assert len(rows) == 20 and [r["rank"] for r in rows] == list(range(1, 21))
    for row in rows:
        for key in NUMBERS:
            assert _is_cell(row[key]), (key, row[key])
            assert row[key]["provenance"] == "synthetic"
        assert row["density"]["unit"] == "0-1" and row["value"]["unit"] == "家"
        assert 0 <= row["density"]["value"] <= 1
        assert isinstance(row["node_ids"], list)
        assert row["reason"].startswith(f"发展 {row['activity']} {row['name']}")
    scores = [row["score"]["value"] for row in rows]
    assert scores == sorted(scores, reverse=True)
    assert any(row["node_ids"] for row in rows)


def test_a_district_by_name_and_other_measures(client):
    d = client.get("/api/v1/complexity/opportunities", params={"place": "天河", "measure": "revenue",
                                                                "strategy": "low-hanging", "by": "cog"}).json()
    assert d["place"] == "440106" and d["place_name"] == "天河区" and d["unit"] == "万元"
    assert d["rows"][0]["value"]["unit"] == "万元" and d["rows"][0]["firms"]["unit"] == "家"
    assert "COG" in d["rows"][0]["reason"]
    assert d["method"]["weights"]["density"] == 0.6
    every = client.get("/api/v1/complexity/opportunities", params={"place": "440106", "scope": "all",
                                                                    "limit": 1000}).json()
    traded = client.get("/api/v1/complexity/opportunities", params={"place": "440106", "limit": 1000}).json()
    assert len(every["rows"]) > len(traded["rows"])


@pytest.mark.parametrize("params", [{"place": "火星区"}, {"place": "440300"}])
def test_unknown_place_is_404(client, params):
    r = client.get("/api/v1/complexity/opportunities", params=params)
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["status"] == 404 and err["hint"]
    assert client.get("/api/v1/complexity/space", params=params).status_code == 404


@pytest.mark.parametrize("params", [{"strategy": "moonshot"}, {"measure": "profit"}, {"by": "eci"},
                                    {"scope": "local"}, {"limit": 0}, {"format": "pdf"}])
def test_bad_options_are_422(client, params):
    r = client.get("/api/v1/complexity/opportunities", params=params)
    assert r.status_code == 422
    assert r.json()["error"]["status"] == 422


@pytest.mark.parametrize("url", ["/api/v1/complexity/places", "/api/v1/complexity/opportunities",
                                 "/api/v1/complexity/space", "/opportunities"])
def test_a_year_without_data_is_422_naming_the_years(client, url):
    r = client.get(url, params={"year": 1990})
    assert r.status_code == 422
    if url.startswith("/api"):
        assert r.json()["error"] == {"status": 422, "title": "输入有误 Invalid input",
                                     "message": "没有 1990 年的数据 (no data for 1990)",
                                     "hint": "可选年份: 2020, 2021, 2022, 2023, 2024"}
    else:
        assert "没有 1990 年的数据 (no data for 1990)" in r.text and "可选年份: 2020, 2021" in r.text


def test_xlsx_download(client):
    r = client.get("/api/v1/complexity/opportunities", params={"place": "黄埔", "format": "xlsx", "limit": 30})
    assert r.status_code == 200
    assert r.headers["content-type"] == XLSX_TYPE
    assert "attachment" in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    values = list(ws.values)
    assert "示例数据" in str(values[0][0]) and "黄埔区" in str(values[0][0])
    header = values[1]
    assert "关联密度" in header and "理由" in header and "12218 节点" in header
    assert len([row for row in values[2:] if row[0] is not None]) == 30


def test_places_lists_cities_and_districts_with_eci(client):
    d = client.get("/api/v1/complexity/places").json()
    rows = {r["location"]: r for r in d["rows"]}
    assert "440100" in rows and "440106" in rows and "310100" in rows
    assert rows["440106"]["kind"] == "district" and rows["440106"]["guangzhou"]
    assert rows["440100"]["in_space"] and not rows["440106"]["in_space"]
    for r in d["rows"]:
        for key in ("eci", "coi", "diversity", "value", "firms"):
            assert _is_cell(r[key])


def test_space_has_fixed_positions_and_marks_specialisations(client):
    gz = client.get("/api/v1/complexity/space").json()
    tianhe = client.get("/api/v1/complexity/space", params={"place": "440106"}).json()
    assert gz["provenance"] == "synthetic" and gz["units"]["rca"] == "倍"
    assert len(gz["nodes"]) > 100 and len(gz["edges"]) >= len(gz["nodes"]) - 1 - 10
    ids = {n["id"] for n in gz["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids and 0 < e["proximity"] <= 1 for e in gz["edges"])
    assert [(n["x"], n["y"]) for n in gz["nodes"]] == [(n["x"], n["y"]) for n in tianhe["nodes"]]
    assert sum(n["specialised"] for n in gz["nodes"]) != sum(n["specialised"] for n in tianhe["nodes"])
    assert all((n["rca"] > 1) or not n["specialised"] for n in gz["nodes"])
    assert {n["node_name"] for n in gz["nodes"]} >= {"其他", "半导体与集成电路"}
