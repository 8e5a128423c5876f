"""`chanye io tables` and `chanye io linkages` end to end (exit codes, words, JSON, CSV, XLSX), and the city
table regionalised from registry firm sizes by FLQ, worked by hand on a tiny registry."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from chanye.analytics import io as ioa
from chanye.cli import app
from chanye.errors import InputError, NotFound
from chanye.registry.store import Store
from chanye.services import io as io_service

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_tables_lists_the_five_shipped_tables() -> None:
    result = run("io", "tables")
    assert result.exit_code == 0, result.output
    for table_id in ("china-2017-149", "china-2018-153", "china-2020-153", "china-2018-42", "china-2020-42"):
        assert table_id in result.stdout
    assert "24,954,982,693.14" in result.stdout and "竞争型" in result.stdout and "国家统计局" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 120


def test_linkages_table_in_chinese_and_english() -> None:
    result = run("io", "linkages", "china-2018-153")
    assert result.exit_code == 0, result.output
    assert "影响力系数" in result.stdout and "感应度系数" in result.stdout
    line = next(row for row in result.stdout.splitlines() if "│ 090 " in row)
    assert "计算机" in line and "1.45" in line and "4.11" in line and "后向拉动型" in line
    assert max(len(line) for line in result.stdout.splitlines()) <= 120
    english = run("io", "linkages", "china-2018-153", "--lang", "en")
    assert "Backward linkage" in english.stdout and "影响力" not in english.stdout
    assert "│ key " in next(row for row in english.stdout.splitlines() if "│ 094 " in row)  # 电子元器件: 1.34, 4.69


def test_linkages_json_carries_units_and_provenance() -> None:
    result = run("io", "linkages", "china-2018-153", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["name"] == "io_linkages" and data["provenance"] == "nbs_io_2018" and data["sectors"] == 153
    row = next(r for r in data["rows"] if r["sector_code"] == "100")
    assert round(row["forward_linkage"]["value"], 6) == 4.997964
    assert row["forward_linkage"]["unit"] == "ratio" and row["forward_linkage"]["provenance"] == "nbs_io_2018"
    assert round(row["backward_linkage"]["value"], 6) == 0.995119  # just under 1 (reference file): forward-oriented
    assert row["key_sector"] == "forward" and row["sector"]["zh"] == "电力、热力生产和供应"
    assert row["output"]["unit"] == "wan_yuan"


def test_linkages_csv_and_xlsx(tmp_path: Path) -> None:
    out = tmp_path / "l.csv"
    result = run("io", "linkages", "china-2020-153", "-f", "csv", "-o", str(out), "--lang", "en")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, dtype=str)
    assert len(frame) == 153 and frame.columns[2] == "Backward linkage"
    top = frame.assign(b=frame["Backward linkage"].astype(float)).nlargest(5, "b")["Sector code"].tolist()
    assert top == ["090", "093", "092", "091", "094"]  # the io README: 2020's order
    xlsx = tmp_path / "l.xlsx"
    result = run("io", "linkages", "china-2018-42", "-f", "xlsx", "-o", str(xlsx))
    assert result.exit_code == 0, result.output
    sheet = load_workbook(xlsx).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any("影响力系数" in str(v) for row in values for v in row)
    assert sum(1 for row in values if row and str(row[0]).isdigit()) == 42


def test_bad_table_and_format_are_one_line_errors(tmp_path: Path) -> None:
    result = runner.invoke(app, ["io", "linkages", "china-1990"])
    assert result.exit_code == 1
    assert "没有投入产出表 'china-1990' (no such input-output table)" in result.output
    result = runner.invoke(app, ["io", "linkages", "china-2018-42", "-f", "pdf"])
    assert result.exit_code == 1 and "未知的输出格式 'pdf' (unknown format)" in result.output
    result = runner.invoke(app, ["io", "linkages", "china-2018-42", "-f", "xlsx"])
    assert result.exit_code == 1 and "--format xlsx 需要 --output 文件 (needs --output)" in result.output
    (tmp_path / "sectors.csv").write_text("code,name_zh\n01,甲\n")
    result = runner.invoke(app, ["io", "linkages", str(tmp_path)])
    assert result.exit_code == 1 and "missing files" in result.output


# --- the regionalised city table on a tiny registry, by hand ------------------------------------------------


@pytest.fixture()
def tiny_store() -> Store:
    """City C1 and one other city; employees by 小类 (2024): 3612 汽车整车 (079), 3670 汽车零部件 (080),
    6511 软件开发 (128)."""
    store = Store(":memory:")
    firms = [("A1", "C1", "3612", 20.0), ("A2", "C1", "3670", 10.0), ("B1", "C2", "3612", 80.0),
             ("B2", "C2", "3670", 190.0), ("B3", "C2", "6511", 700.0)]
    with store.transaction() as con:
        for uscc, city, code, employees in firms:
            con.execute("INSERT INTO enterprises (uscc, name, city_code, industry_code, synthetic) "
                        "VALUES (?, ?, ?, ?, TRUE)", [uscc, uscc, city, code])
            con.execute("INSERT INTO enterprise_years (uscc, year, employees, synthetic) VALUES (?, 2024, ?, TRUE)",
                        [uscc, employees])
    return store


def test_regional_table_flq_by_hand(tiny_store: Store) -> None:
    result = io_service.regional_table(tiny_store, city="C1", spec="china-2018-153", method="flq", delta=0.3)
    rows = {r["sector_code"]: r for r in result.rows}
    # registry totals: 079 = 100, 080 = 200, 128 = 700 (1,000); city: 20, 10, 0 (30)
    # SLQ 079 = (20/30)/(100/1000) = 20/3; 080 = (10/30)/(200/1000) = 5/3; 128 = 0; the other 150 sectors 1
    assert math.isclose(rows["079"]["slq"], 20 / 3, rel_tol=1e-15)
    assert math.isclose(rows["080"]["slq"], 5 / 3, rel_tol=1e-15)
    assert rows["128"]["slq"] == 0.0 and rows["001"]["slq"] == 1.0 and rows["001"]["covered"] is False
    assert (rows["079"]["city_size"], rows["079"]["all_size"], rows["079"]["size_unit"]) == (20.0, 100.0, "persons")
    # λ* = log2(1 + 30/1000)^0.3 = 0.0426443^0.3 = exp(0.3·(−3.154861)) = 0.388113
    assert round(result.meta["scale"], 6) == 0.388113
    assert result.meta["notes"] == [("regional_uncovered", {"sectors": 150})]
    assert result.provenance.key == "synthetic" and result.meta["national_provenance"] == "nbs_io_2018"
    # the city's multipliers are the column sums of (I − R)^-1 with R = A ∘ min(FLQ, 1)
    t = io_service.load_table("china-2018-153")
    A = ioa.technical_coefficients(t.Z, t.x)
    lam = math.log2(1.03) ** 0.3
    slq = np.ones(153)
    slq[t.codes.index("079")], slq[t.codes.index("080")], slq[t.codes.index("128")] = 20 / 3, 5 / 3, 0.0
    with np.errstate(divide="ignore"):
        cilq = slq[:, None] / np.where(slq == 0, np.inf, slq)[None, :]
    np.fill_diagonal(cilq, slq)
    R = A * np.minimum(cilq * lam, 1.0)
    mult = np.linalg.inv(np.eye(153) - R).sum(axis=0)
    assert np.allclose([r["output_multiplier"] for r in result.rows], mult, rtol=1e-12, atol=0)
    # regional multipliers never exceed national ones (coefficients only scale down)
    assert all(r["output_multiplier"] <= r["national_output_multiplier"] + 1e-12 for r in result.rows)


def test_regional_table_errors(tiny_store: Store) -> None:
    with pytest.raises(InputError, match="unknown measure"):
        io_service.regional_table(tiny_store, city="C1", measure="height")
    with pytest.raises(InputError, match="unknown location-quotient method"):
        io_service.regional_table(tiny_store, city="C1", method="xlq")  # type: ignore[arg-type]


def test_regional_command_on_the_demo(demo_db: Path) -> None:
    result = run("io", "regional", "--db", str(demo_db), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["name"] == "io_regional" and data["synthetic"] is True and data["provenance"] == "synthetic"
    assert data["national_provenance"] == "nbs_io_2018" and data["method"] == "flq" and data["delta"] == 0.3
    assert len(data["rows"]) == 153
    rows = {r["sector_code"]: r for r in data["rows"]}
    # SLQ from the sizes the table carries: (city_i / Σcity) / (all_i / Σall) over the observed sectors
    city = sum(r["city_size"]["value"] for r in data["rows"])
    total = sum(r["all_size"]["value"] for r in data["rows"])
    for r in data["rows"]:
        if r["covered"]:
            expected = (r["city_size"]["value"] / city) / (r["all_size"]["value"] / total)
            assert math.isclose(r["slq"]["value"], expected, rel_tol=1e-12)
        else:
            assert r["slq"]["value"] == 1.0
    assert math.isclose(data["scale"], math.log2(1 + city / total) ** 0.3, rel_tol=1e-12)
    assert rows["090"]["city_size"]["unit"] == "persons" and rows["090"]["slq"]["provenance"] == "synthetic"
    assert all(r["output_multiplier"]["value"] <= r["national_output_multiplier"]["value"] + 1e-12
               for r in data["rows"])
    text = run("io", "regional", "--db", str(demo_db))
    assert "示例数据" in text.stdout and "FLQ，δ=0.3" in text.stdout and "简单区位商 SLQ" in text.stdout


# --- 两业融合 -------------------------------------------------------------------------------------------------


def test_fusion_inputs_reproduce_the_readme_share() -> None:
    rows = {r["sector_code"]: r for r in io_service.fusion_inputs_table("china-2018-153").rows}
    total = rows["C"]
    # the io README: services' share of manufacturing's intermediate inputs 17.12% (0.171175); 批发 3.88%
    assert round(total["service_share"], 4) == 17.1175
    assert round(total["trade_share"], 2) == 3.88
    parts = [total[k] for k in ("rd_design_share", "logistics_share", "finance_share", "information_share",
                                "business_share", "trade_share", "other_services_share")]
    assert math.isclose(sum(parts), total["service_share"], rel_tol=1e-12)
    assert len(rows) == 89 and "099" in rows and "100" not in rows  # 88 manufacturing sectors 012–099 + total
    sales = {r["service_type"]: r["manufacturing_share"] for r in io_service.fusion_sales_table().rows}
    t = io_service.load_table("china-2018-153")
    i = t.codes.index("109")  # 批发 = GB/T 51 alone
    manuf = [t.codes.index(f"{k:03d}") for k in range(12, 100)]
    assert math.isclose(sales["trade"], 100 * t.Z[i, manuf].sum() / t.x[i], rel_tol=1e-12)


def test_fusion_nodes_cover_every_industry_node() -> None:
    from chanye.framework import load_pack

    framework = load_pack(None)
    result = io_service.fusion_nodes_table(framework)
    industries = [n for n in framework.industry_nodes() if n.kind != "service"]
    services = [n for n in framework.industry_nodes() if n.kind == "service"]
    assert len(result.rows) == len(industries) and len(services) == 8
    keys = [c.key for c in result.columns if c.key.startswith("svc_")]
    assert len(keys) == 8
    for row in result.rows:
        best = max(keys, key=lambda k: row[k])
        assert row["top_service_id"] == services[keys.index(best)].id
        assert 0 < sum(row[k] for k in keys) < 100


def test_coupling_by_hand_on_two_districts() -> None:
    from chanye.framework import load_pack

    city = load_pack(None).city
    d1, d2 = city.districts[0].code, city.districts[1].code
    store = Store(":memory:")
    # district 1: one factory (revenue 100, value added 30, 10 people) and one business-service firm (50, 20, 5);
    # district 2: two factories (200, 60, 20 together) and one business-service firm (50, 20, 5)
    firms = [("M1", d1, "3612", 100.0, 30.0, 10.0), ("S1", d1, "7240", 50.0, 20.0, 5.0),
             ("M2", d2, "3612", 120.0, 36.0, 12.0), ("M3", d2, "3670", 80.0, 24.0, 8.0),
             ("S2", d2, "7240", 50.0, 20.0, 5.0)]
    with store.transaction() as con:
        for uscc, district, code, revenue, va, emp in firms:
            con.execute("INSERT INTO enterprises (uscc, name, city_code, district_code, industry_code) "
                        "VALUES (?, ?, ?, ?, ?)", [uscc, uscc, city.code, district, code])
            con.execute("INSERT INTO enterprise_years (uscc, year, revenue, value_added, employees) "
                        "VALUES (?, 2024, ?, ?, ?)", [uscc, revenue, va, emp])
    result = io_service.coupling_table(store, city)
    rows = {r["area_code"]: r for r in result.rows}
    assert result.provenance.key == "registry" and list(rows) == [city.code, d1, d2]
    # the city alone in its panel (one year): every indicator normalises to 1, so U1 = U2 = C = T = D = 1
    assert [rows[city.code][k] for k in ("u_manufacturing", "u_services", "coupling_d")] == [1.0, 1.0, 1.0]
    # districts: manufacturing (1, 2), (100, 200), (30, 60), (10, 20) -> max-normalised (0.5, 1) in every column,
    # equal entropy weights -> U1 = (0.5, 1); services equal in both -> U2 = (1, 1).
    # d1: C = 2√0.5 / 1.5 = 0.942809, T = 0.75, D = √(C·T) = 0.840896 (良好协调); d2: C = T = D = 1
    assert math.isclose(rows[d1]["u_manufacturing"], 0.5, rel_tol=1e-15)
    assert math.isclose(rows[d1]["coupling_c"], 2 * math.sqrt(0.5) / 1.5, rel_tol=1e-15)
    assert math.isclose(rows[d1]["coupling_d"], math.sqrt(2 * math.sqrt(0.5) / 1.5 * 0.75), rel_tol=1e-15)
    assert round(rows[d1]["coupling_d"], 6) == 0.840896 and rows[d1]["coordination"] == "good_coordination"
    assert rows[d2]["coupling_d"] == 1.0 and rows[d2]["coordination"] == "high_quality_coordination"
    assert result.meta["weights"]["district"]["manufacturing"] == [0.25, 0.25, 0.25, 0.25]
    only = io_service.coupling_table(store, city, district=city.districts[1].name)
    assert [r["area_code"] for r in only.rows] == [d2]
    with pytest.raises(NotFound, match="no such district"):
        io_service.coupling_table(store, city, district="no-such-place")


def test_fusion_command_json_and_xlsx(demo_db: Path, tmp_path: Path) -> None:
    result = run("io", "fusion", "--db", str(demo_db), "--format", "json")
    assert result.exit_code == 0, result.output
    tables = json.loads(result.stdout)["tables"]
    assert set(tables) == {"io_fusion_inputs", "io_fusion_sales", "io_fusion_nodes", "io_coupling"}
    assert tables["io_fusion_inputs"]["provenance"] == "nbs_io_2018" and tables["io_coupling"]["synthetic"] is True
    cell = tables["io_coupling"]["rows"][0]["coupling_d"]
    assert cell["unit"] == "score" and cell["provenance"] == "synthetic" and 0 <= cell["value"] <= 1
    out = tmp_path / "fusion.xlsx"
    assert run("io", "fusion", "--db", str(demo_db), "-f", "xlsx", "-o", str(out), "--lang", "en").exit_code == 0
    assert len(load_workbook(out).sheetnames) == 4
    text = run("io", "fusion", "--db", str(demo_db), "--district", "黄埔", "--lang", "en")
    assert text.exit_code == 0 and "Coordination D" in text.stdout and "示例" not in text.stdout


def test_regional_table_needs_city_figures(tiny_store: Store) -> None:
    with pytest.raises(NotFound, match="the city's firms have no revenue figures in 2024"):
        io_service.regional_table(tiny_store, city="C1", measure="revenue")
    with pytest.raises(NotFound, match="the city's firms have no employees figures in 2024"):
        io_service.regional_table(tiny_store, city="C9")


# --- 制造业立市 and 数智化/绿色化 (issue 13 §5-6) ------------------------------------------------------------------


def test_manufacturing_command(demo_db: Path, tmp_path: Path) -> None:
    result = run("io", "manufacturing", "--db", str(demo_db), "--format", "json")
    assert result.exit_code == 0, result.output
    tables = json.loads(result.stdout)["tables"]
    assert set(tables) == {"mfg_registry", "mfg_national", "mfg_published"}
    assert tables["mfg_registry"]["synthetic"] is True and tables["mfg_national"]["provenance"] == "nbs_io"
    assert [round(r["va_share"]["value"], 2) for r in tables["mfg_national"]["rows"]] == [27.78, 26.59, 24.86]
    text = run("io", "manufacturing", "--db", str(demo_db), "--year", "2024", "--district", "黄埔")
    assert text.exit_code == 0, text.output
    assert "示例数据" in text.stdout and "黄埔区" in text.stdout and "制造业营业收入占比" in text.stdout
    assert "工业技改投资增速" in text.stdout and "据报道" in text.stdout and "2023 │" not in text.stdout.split("全国")[0]
    assert max(len(line) for line in text.stdout.splitlines()) <= 120
    out = tmp_path / "m.xlsx"
    assert run("io", "manufacturing", "--db", str(demo_db), "-f", "xlsx", "-o", str(out), "--lang", "en").exit_code == 0
    assert len(load_workbook(out).sheetnames) == 3


def test_transformation_template_import_and_show(tmp_path: Path) -> None:
    from chanye.framework import load_pack
    from chanye.registry.uscc import make_uscc

    city = load_pack(None).city
    firm, district = make_uscc("91440101MA5ABCDE1"), city.districts[0].code
    db = tmp_path / "t.duckdb"
    with Store(db) as store, store.transaction() as con:
        con.execute("INSERT INTO enterprises (uscc, name, city_code, district_code, industry_code) "
                    "VALUES (?, '甲', ?, ?, '3612')", [firm, city.code, district])
        con.execute("INSERT INTO enterprise_years (uscc, year, industrial_output) VALUES (?, 2024, 2000)", [firm])
    template = tmp_path / "t.xlsx"
    done = run("io", "transformation", "template", str(template))
    assert done.exit_code == 0 and "已写出转型指标模板" in done.stdout
    empty = run("io", "transformation", "show", "--db", str(db))
    assert empty.exit_code == 0 and "尚无企业的转型指标" in empty.stdout
    data = tmp_path / "d.csv"
    pd.DataFrame([[firm, 2024, 3, "是", 100], ["bad", 2024, 3, "否", 1]],
                 columns=["统一社会信用代码", "年份", "智能制造能力成熟度等级", "绿色工厂", "综合能源消费量（吨标准煤）"]
                 ).to_csv(data, index=False)
    imported = run("io", "transformation", "import", str(data), "--db", str(db))
    assert imported.exit_code == 0, imported.output
    assert "读入 2 行：导入 1 行（新增 1，更新 0，未变 0），隔离 1 行，跳过示例行 0" in imported.stdout
    assert "1 × uscc: 统一社会信用代码 … 不是有效的统一社会信用代码（长度或校验位错误）" in imported.stdout
    again = run("io", "transformation", "import", str(data), "--db", str(db), "--json")
    assert json.loads(again.stdout)["unchanged"] == 1
    shown = run("io", "transformation", "show", "--db", str(db), "--format", "json", "--lang", "en")
    tables = json.loads(shown.stdout)["tables"]
    row = tables["transformation_areas"]["rows"][0]
    assert row["area_code"] == city.code and row["year"] == 2024 and row["firms"]["value"] == 1
    assert row["smart_level3_share"] == {"value": 100.0, "unit": "percent", "provenance": "registry"}
    assert row["energy_intensity"]["value"] == 50.0  # 1000 · 100 t / 2,000 万元
    assert tables["transformation_nodes"]["rows"] == []  # the firm is not classified
    missing = runner.invoke(app, ["io", "transformation", "import", str(tmp_path / "none.csv"), "--db", str(db)])
    assert missing.exit_code == 1 and "no such file" in missing.output
