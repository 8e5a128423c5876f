"""/api/v1/complexity/* over the session's demo database: machine keys with a `columns` block, every number a
{value, unit, provenance} cell, unknown places answer 404, bad options 422, ?format=xlsx an attachment, and the
words in each language (no English in zh beyond acronyms and codes, no Chinese in en beyond names)."""

from __future__ import annotations

import io
import json
import re

import pytest
from openpyxl import load_workbook

from chanye.web.tables import XLSX_TYPE

CELL_KEYS = {"value", "unit", "provenance"}
NUMBERS = ("density", "pci", "cog", "rca", "value", "firms", "national_value", "national_firms", "score")
UNITS = {"yuan", "wan_yuan", "yi_yuan", "percent", "pp", "ratio", "score", "firms", "persons", "count", "year", "km"}
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
CJK = re.compile(r"[\u3400-\u9fff]")
URLS = ["/api/v1/complexity/places", "/api/v1/complexity/opportunities", "/api/v1/complexity/space",
        "/api/v1/complexity/opportunities?place=黄埔&measure=revenue&scope=all",
        "/api/v1/complexity/space?place=440106&measure=employees", "/opportunities.json",
        "/opportunities.json?place=天河&strategy=long-jump"]


def _is_cell(x) -> bool:
    return (isinstance(x, dict) and set(x) == CELL_KEYS and x["provenance"] in ("synthetic", "registry")
            and x["unit"] in UNITS)


def _tables(data: dict):
    """Every table payload in a response (the response itself, or its nested `nodes`/`edges`)."""
    if "columns" in data and "rows" in data:
        yield data
    for value in data.values():
        if isinstance(value, dict) and "columns" in value and "rows" in value:
            yield value


def _keys(obj, path=""):
    """Every dict key in a JSON value, except those of free parameters (a note's params are machine keys too)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k, path
            yield from _keys(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for v in obj:
            yield from _keys(v, path)


def test_opportunities_rows_carry_cells_and_nodes(client):
    r = client.get("/api/v1/complexity/opportunities", params={"limit": 20})
    assert r.status_code == 200
    d = r.json()
    assert d["place"] == "440100" and d["place_name"] == "广州市" and d["place_kind"] == "city"
    assert d["synthetic"] is True and d["provenance"] == "synthetic" and d["name"] == "growth_opportunities"
    assert d["strategy"] == "balanced" and d["by"] == "pci" and d["scope"] == "traded" and d["unit"] == "firms"
    assert _is_cell(d["eci"]) and _is_cell(d["coi"]) and d["eci"]["unit"] == "score"
    assert d["diversity"]["unit"] == "count" and d["candidates"]["value"] >= 20
    assert d["method"]["weights"] == {"density": 0.5, "pci": 0.15, "cog": 0.35}
    rows = d["rows"]
    assert len(rows) == 20 and [r["rank"] for r in rows] == list(range(1, 21))
    for row in rows:
        for key in NUMBERS:
            assert _is_cell(row[key]), (key, row[key])
            assert row[key]["provenance"] == "synthetic"
        assert row["density"]["unit"] == "ratio" and row["value"]["unit"] == "firms"
        assert 0 <= row["density"]["value"] <= 1
        assert isinstance(row["node_ids"], list) and set(row["nodes"]) == {"zh", "en"}
        assert row["reason"].startswith(f"发展 {row['activity']} {row['name']}")
    scores = [row["score"]["value"] for row in rows]
    assert scores == sorted(scores, reverse=True)
    assert any(row["node_ids"] for row in rows)
    columns = {c["key"]: c for c in d["columns"]}
    assert list(columns) == ["rank", "activity", "name", "node_ids", "nodes", *NUMBERS[:4], "value", "firms",
                             "national_value", "national_firms", "score", "reason"]
    assert columns["density"] == {"key": "density", "label": "关联密度", "label_zh": "关联密度",
                                  "label_en": "Density", "type": "number", "unit": "ratio",
                                  "unit_label": ""}
    assert columns["value"]["label_zh"] == "本地数值" and columns["value"]["unit_label"] == "家"


def test_a_district_by_name_and_other_measures(client):
    d = client.get("/api/v1/complexity/opportunities", params={"place": "天河", "measure": "revenue",
                                                                "strategy": "low-hanging", "by": "cog"}).json()
    assert d["place"] == "440106" and d["place_name"] == "天河区" and d["unit"] == "wan_yuan"
    assert d["place_kind"] == "district"
    assert d["rows"][0]["value"]["unit"] == "wan_yuan" and d["rows"][0]["firms"]["unit"] == "firms"
    assert "COG" in d["rows"][0]["reason"]
    assert d["method"]["weights"]["density"] == 0.6
    every = client.get("/api/v1/complexity/opportunities", params={"place": "440106", "scope": "all",
                                                                    "limit": 1000}).json()
    traded = client.get("/api/v1/complexity/opportunities", params={"place": "440106", "limit": 1000}).json()
    assert len(every["rows"]) > len(traded["rows"])
    english = client.get("/api/v1/complexity/opportunities", params={"place": "Tianhe", "lang": "en"}).json()
    assert english["place"] == "440106" and english["place_name"] == "Tianhe"


@pytest.mark.parametrize("params", [{"place": "火星区"}, {"place": "440300"}])
def test_unknown_place_is_404(client, params):
    r = client.get("/api/v1/complexity/opportunities", params=params)
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["status"] == 404 and err["hint"] == "例如 荔湾、越秀区 或 440103"
    assert err["message"] == f"没有这个区: {params['place']} (not a district of Guangzhou)"
    assert client.get("/api/v1/complexity/space", params=params).status_code == 404


@pytest.mark.parametrize("params", [{"strategy": "moonshot"}, {"measure": "profit"}, {"by": "eci"},
                                    {"scope": "local"}, {"limit": 0}, {"format": "pdf"}, {"lang": "fr"}])
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
    assert "filename*=UTF-8''%E5%8F%91%E5%B1%95%E6%9C%BA%E4%BC%9A-%E9%BB%84%E5%9F%94%E5%8C%BA.xlsx" in \
        r.headers["content-disposition"]  # 发展机会-黄埔区.xlsx
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["发展机会"]
    values = list(ws.values)
    assert "示例数据" in str(values[0][0]) and "黄埔区" in str(values[0][0])
    header = values[1]
    assert "关联密度" in header and "理由" in header and "产业节点" in header and "本地数值（家）" in header
    assert len([row for row in values[2:] if row[0] is not None]) == 30
    # No English in the Chinese sheet beyond the method's acronyms, codes and node ids.
    words = {w for row in values for cell in row if isinstance(cell, str) for w in re.findall(r"[A-Za-z]+", cell)}
    allowed = {"RCA", "PCI", "COG", "ECI", "COI", "GB", "T", "docs", "complexity", "md"}
    node_words = {w for row in values[2:] for w in re.findall(r"[A-Za-z]+", str(row[header.index("节点编号")]))}
    assert words - allowed - node_words == set()
    english = load_workbook(io.BytesIO(client.get(
        "/api/v1/complexity/opportunities", params={"place": "黄埔", "format": "xlsx", "lang": "en"}).content))
    ws = english["Growth opportunities"]
    rows = list(ws.values)
    assert rows[0][0].startswith("Source: synthetic demo data") and "Huangpu" in rows[0][0]
    assert not any(CJK.search(h) for h in rows[1])
    assert not any(CJK.search(str(v)) for row in rows[2:] for i, v in enumerate(row)
                   if rows[1][i] not in ("Class", "Reason"))


def test_places_lists_cities_and_districts_with_eci(client):
    d = client.get("/api/v1/complexity/places").json()
    rows = {r["location"]: r for r in d["rows"]}
    assert "440100" in rows and "440106" in rows and "310100" in rows
    assert rows["440106"]["kind"] == "district" and rows["440106"]["in_city"]
    assert rows["440106"]["name"] == {"zh": "天河区", "en": "Tianhe"}
    assert not rows["310100"]["in_city"] and rows["310100"]["name"]["zh"] == "上海市"
    assert rows["440100"]["in_space"] and not rows["440106"]["in_space"]
    for r in d["rows"]:
        for key in ("eci", "coi", "diversity", "value", "firms"):
            assert _is_cell(r[key])
    assert [n["code"] for n in d["notes"]] == ["presence_fallback", "city_share_large"]


def test_space_has_fixed_positions_and_marks_specialisations(client):
    gz = client.get("/api/v1/complexity/space").json()
    tianhe = client.get("/api/v1/complexity/space", params={"place": "440106"}).json()
    assert gz["provenance"] == "synthetic" and gz["place"] == "440100" and tianhe["place_name"] == "天河区"
    nodes, edges = gz["nodes"]["rows"], gz["edges"]["rows"]
    assert {c["key"]: c["unit"] for c in gz["nodes"]["columns"] if c["unit"]} == {
        "x": "ratio", "y": "ratio", "rca": "ratio", "pci": "score", "national_value": "firms"}
    assert len(nodes) > 100 and len(edges) >= len(nodes) - 1 - 10
    ids = {n["id"] for n in nodes}
    assert all(e["source"] in ids and e["target"] in ids and 0 < e["proximity"]["value"] <= 1 for e in edges)
    th = tianhe["nodes"]["rows"]
    assert [(n["x"]["value"], n["y"]["value"]) for n in nodes] == [(n["x"]["value"], n["y"]["value"]) for n in th]
    assert sum(n["specialised"] for n in nodes) != sum(n["specialised"] for n in th)
    assert all((n["rca"]["value"] > 1) or not n["specialised"] for n in nodes)
    assert any(n["node_name"] is None and n["node"] is None for n in nodes)
    assert {"zh": "半导体与集成电路", "en": "Semiconductors and integrated circuits"} in [n["node_name"] for n in nodes]


@pytest.mark.parametrize("url", URLS)
def test_every_number_is_a_cell_and_every_key_snake_case(client, url):
    d = client.get(url).json()
    found = 0
    for t in _tables(d):
        numbers = [c["key"] for c in t["columns"] if c["type"] in ("number", "integer")]
        assert all(c["unit"] in UNITS for c in t["columns"] if c["key"] in numbers)
        assert all(SNAKE.match(c["key"]) for c in t["columns"])
        for row in t["rows"]:
            assert set(row) == {c["key"] for c in t["columns"]}
            for key in numbers:
                assert _is_cell(row[key]), (key, row[key])
                found += 1
            # nothing else in a row is a bare number
            assert not [k for k, v in row.items() if k not in numbers and k != "rank"
                        and isinstance(v, (int, float)) and not isinstance(v, bool)]
    assert found > 0
    for key, path in _keys(d):
        assert SNAKE.match(key) or path.endswith(".weights") or key in ("zh", "en"), (key, path)


@pytest.mark.parametrize("url", URLS)
def test_english_answers_have_no_chinese_beyond_names(client, url):
    d = client.get(url, params={"lang": "en"}).json()
    # Names are proper names: GB/T 4754 class names (no English exists), peer cities, and {zh, en} pairs; the
    # `columns` block names each key in both languages by design (label_zh).
    outside = {k: v for k, v in d.items() if k not in ("rows", "nodes", "edges", "removed")}  # removed: a table
    text = json.dumps(outside, ensure_ascii=False)
    text = re.sub(r'"label_zh": "[^"]*"', "", text)
    assert not CJK.search(text.replace("深圳市", "")), CJK.findall(text)[:20]
    for t in _tables(d):
        assert not CJK.search(re.sub(r'"label_zh": "[^"]*"', "", json.dumps(t["columns"], ensure_ascii=False)))
        for row in t["rows"]:
            for k, v in row.items():
                if isinstance(v, str) and k not in ("name",):
                    assert not CJK.search(v.replace(row.get("name") or "", "")
                                          if isinstance(row.get("name"), str) else v), (k, v)


def test_openapi_declares_the_response_models(client):
    spec = client.get("/openapi.json").json()
    for path, model in [("/api/v1/complexity/opportunities", "OpportunitiesPayload"),
                        ("/api/v1/complexity/places", "PlacesPayload"), ("/api/v1/complexity/space", "SpacePayload"),
                        ("/opportunities.json", "OpportunitiesPage")]:
        schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{model}"}, path
    props = spec["components"]["schemas"]["OpportunitiesPayload"]["properties"]
    assert {"columns", "rows", "eci", "coi", "method", "notes", "place", "place_name"} <= set(props)
