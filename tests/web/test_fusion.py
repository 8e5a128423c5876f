"""The 两业融合 page's new sections (issue 13 §3, §5, §6) through the web: the JSON twin carries the city table,
制造业立市 and the transformation indicators with units and provenance; the HTML shows them with the method's
limits; the district filter narrows them; each table downloads as XLSX."""

from __future__ import annotations

import io
import math
import re

from openpyxl import load_workbook

NEW = ("io_regional", "mfg_registry", "mfg_national", "mfg_published", "transformation_areas", "transformation_nodes")


def test_json_twin_carries_the_new_tables(client) -> None:
    data = client.get("/fusion.json").json()
    assert set(NEW) <= set(data["tables"])
    t = data["tables"]
    rg = t["io_regional"]
    assert rg["synthetic"] is True and rg["national_provenance"] == "nbs_io_2018" and rg["method"] == "flq"
    assert len(rg["rows"]) == 153 and rg["rows"][0]["output_multiplier"]["provenance"] == "synthetic"
    assert "方法局限" in data["notes"]["regional_limits"] and "FLQ，δ=0.3" in data["notes"]["regional"]
    mr = t["mfg_registry"]
    assert mr["provenance"] == "synthetic" and mr["rows"][0]["area_code"] == "440100"
    assert {r["area_code"] for r in mr["rows"]} == {"440100", *(f"4401{c}" for c in
                                                    ("03", "04", "05", "06", "11", "12", "13", "14", "15", "17", "18"))}
    first = mr["rows"][0]
    assert first["revenue_share"]["unit"] == "percent" and first["mfg_revenue"]["unit"] == "yi_yuan"
    assert math.isclose(first["firms_share"]["value"], 100 * first["mfg_firms"]["value"] / first["firms"]["value"],
                        rel_tol=1e-12)
    mn = t["mfg_national"]
    assert [r["va_share"]["provenance"] for r in mn["rows"]] == ["nbs_io_2017", "nbs_io_2018", "nbs_io_2020"]
    inv = next(r for r in t["mfg_published"]["rows"] if r["figure_id"] == "gz-2024-industrial-investment")
    assert inv["value"] == {"value": 1700.0, "unit": "yi_yuan", "provenance": "netease-haopin-2025"}
    assert inv["growth"]["value"] == 13.6 and inv["confirmation"] == "as_reported"
    ta = t["transformation_areas"]
    assert ta["synthetic"] is True and ta["rows"][0]["area_code"] == "440100"
    assert {r["year"] for r in ta["rows"]} == {2023, 2024}
    cell = ta["rows"][1]["energy_intensity"]
    assert cell["unit"] == "kgce_per_wan_yuan" and cell["provenance"] == "synthetic" and cell["value"] > 0
    assert ta["rows"][1]["smart_level3_share"]["unit"] == "percent"
    tn = t["transformation_nodes"]
    assert tn["rows"] and all(r["node"]["zh"] and r["node"]["en"] for r in tn["rows"])
    columns = {c["key"]: c for c in ta["columns"]}
    assert columns["energy_intensity"]["label_zh"] == "单位产值能耗" and columns["energy_intensity"]["unit"] == \
        "kgce_per_wan_yuan"


def test_html_shows_the_sections_with_units_provenance_and_limits(client) -> None:
    html = client.get("/fusion").text
    for card in ("fusion-regional", "fusion-manufacturing", "fusion-transformation"):
        assert f'id="{card}"' in html, card
    for chart in ("fusionRegional", "fusionManufacturing", "fusionTransformation"):
        assert f'data-chart="{chart}"' in html, chart
    assert "方法局限：区位商法只会调低全国系数" in html and "登记库口径" in html and "同口径" in html
    assert 'id="mfg-no-city-share"' in html  # the pack publishes no manufacturing share of the city's GDP
    section = html[html.index('id="fusion-transformation"'):]
    cells = re.findall(r'<td data-unit="([^"]*)" data-provenance="([^"]*)"', section)
    assert cells and {p for _, p in cells} == {"synthetic"}
    assert {u for u, _ in cells} == {"firms", "percent", "kgce_per_wan_yuan"}
    manufacturing = html[html.index('id="fusion-manufacturing"'):html.index('id="fusion-transformation"')]
    provenances = set(re.findall(r'data-provenance="([^"]*)"', manufacturing))
    assert {"synthetic", "nbs_io_2017", "nbs_io_2020", "netease-haopin-2025"} <= provenances
    assert "据报道" in manufacturing and "广州，好拼！" in manufacturing


def test_district_narrows_the_new_tables(client) -> None:
    t = client.get("/fusion.json", params={"district": "黄埔"}).json()["tables"]
    assert {r["area_code"] for r in t["mfg_registry"]["rows"]} == {"440112"}
    assert {r["area_code"] for r in t["transformation_areas"]["rows"]} == {"440112"}
    assert len(t["io_regional"]["rows"]) == 153  # the city table is the city's
    assert client.get("/fusion.json", params={"district": "nowhere"}).status_code == 404


def test_new_tables_download_as_xlsx(client) -> None:
    for name, header in (("mfg_registry", "制造业营业收入占比（%）"), ("transformation_nodes", "单位产值能耗（千克标准煤/万元）"),
                         ("io_regional", "简单区位商 SLQ"), ("mfg_published", "核实状态")):
        response = client.get("/fusion", params={"format": "xlsx", "table": name})
        assert response.status_code == 200, name
        sheet = load_workbook(io.BytesIO(response.content)).active
        values = [str(c.value) for row in sheet.iter_rows(max_row=4) for c in row if c.value is not None]
        assert header in values, (name, values[:20])


def test_english_titles(client) -> None:
    t = client.get("/fusion.json", params={"lang": "en"}).json()["tables"]
    assert t["mfg_registry"]["title"] == "Manufacturing's share in the registry"
    assert t["transformation_areas"]["title"] == "Digital and green transformation: city and districts"
    html = client.get("/fusion", params={"lang": "en"}).text
    assert "Method limits: location quotients only scale national coefficients down" in html
    main = html[html.index("<main"):html.index("</main>")]
    main = re.sub(r"<script.*?</script>", "", main, flags=re.S)
    text = re.sub(r"<[^>]+>", "\n", main)
    chinese = {line.strip() for line in text.split("\n") if re.search(r"[\u4e00-\u9fff]", line)}
    assert chinese <= {"广州，好拼！", "2026年广州市政府工作报告（报道）"}  # source titles are proper names
