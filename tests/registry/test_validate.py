"""Import validation (validate.py): mapping files, column plans, and every column's checks, row by row.

Rows are built here as a `RawSheet` (what read.py hands over: text cells, 1-based row numbers), so each test
states exactly which row lands, which is quarantined and with which reasons, in which order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chanye.errors import InputError
from chanye.framework import load_pack
from chanye.registry import uscc, validate
from chanye.registry.read import RawSheet
from chanye.registry.validate import ColumnPlan, Mapping, plan_columns, validate_sheet

# The pack's city: the default place of every row and the city whose districts are checked.
CITY = load_pack("guangzhou-12218").city

# Public filings (shared/data/README.md); all pass GB 11714 on positions 9-17 as well.
HUAWEI = "914403001922038216"
TENCENT = "9144030071526726XG"
BYD = "91440300192317458F"
XIAOMI = "91110108551385082Q"
PANYU = "91440101MA5D3RX40T"
BROKEN = "914403001922038217"  # check character should be 6
BAD_ORG = (
    "914403001922038229"  # uscc.make_uscc("91440300" "19220382" "2"): GB 11714 check of 19220382 is 1, not 2
)

MISSING_DISTRICT = "缺少所属区，且无法从注册地址判断 (district missing and not found in the address)"
MISSING_NAME = "缺少企业名称 (missing name)"
WARN_ORG = "组织机构代码校验位不符 (GB 11714 check on positions 9-17 fails)"


def sheet(headers: list[str], rows: list[list[object]], name: str = "名录", blank_rows: int = 0) -> RawSheet:
    """A sheet as read.py makes it: text cells in columns 0..n-1, data starting on row 3 of the file."""
    data = pd.DataFrame([list(r) for r in rows], columns=range(len(headers)), dtype=object)
    return RawSheet(name, headers, data, pd.Series(range(3, 3 + len(rows))), blank_rows)


def plain(series: pd.Series) -> dict:
    """index -> value, with pandas' missing markers (None, NaN) as None."""
    return {k: (None if pd.isna(v) else v) for k, v in series.items()}


def uscc_code(i: int) -> str:
    """Distinct valid codes (so the duplicate check stays out of the way): '91440101', i as 8 digits, its
    GB 11714 check character (no warning), then the check character."""
    body = f"{i:08d}"
    check = 11 - sum(int(c) * w for c, w in zip(body, uscc.ORG_WEIGHTS, strict=True)) % 11
    return uscc.make_uscc("91440101" + body + "0123456789X0"[check])


def reasons(validated) -> dict[int, list[tuple[str, str]]]:
    """Row number -> [(field, reason), ...] of the quarantined rows."""
    return {
        int(r["row_number"]): [(x["field"], x["reason"]) for x in r["reasons"]]
        for r in validated.rejected.to_dict("records")
    }


# --- mapping files ------------------------------------------------------------------------------------------


def _yaml(tmp_path: Path, text: str) -> str:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_mapping_from_yaml_reads_every_key(tmp_path):
    path = _yaml(
        tmp_path,
        "columns: {代码X: uscc, 备注: ignore, 高企: 'tag:high_tech', 1: name}\n"
        "units: {revenue: 亿元}\nyear: 2023\ncity: 440300\nvintage: 2011\n",
    )
    mapping = Mapping.from_yaml(path)
    assert mapping == Mapping(
        columns={"代码X": "uscc", "备注": "ignore", "高企": "tag:high_tech", "1": "name"},
        units={"revenue": "亿元"},
        year=2023,
        city="440300",  # an int in the file, text here
        vintage="2011",
    )


@pytest.mark.parametrize("text", ["", "city: ''\ncolumns:\nunits:\n"])
def test_mapping_from_yaml_defaults(tmp_path, text):
    mapping = Mapping.from_yaml(_yaml(tmp_path, text))
    assert (mapping.columns, mapping.units, mapping.year, mapping.city, mapping.vintage) == (
        {},
        {},
        None,
        None,
        "auto",
    )


FIELD_LIST = (
    "uscc, name, district, city, address, industry_code, industry_name, business_scope, registered_capital, "
    "founded, tags, year, revenue, industrial_output, value_added, employees, rd_expense, tax, energy_use"
)


MONEY_UNITS = "可用单位: 元, 千元, 万元, 百万元, 亿元"  # the units of the field's kind, not every unit


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        (
            "colour: red\nsize: 2\nyear: 2024\n",
            "含未知键 colour, size (unknown keys)",
            "可用: city, columns, units, vintage, year",
        ),
        (
            "columns: {钱: money}\n",
            ": 列 '钱' 指向未知字段 'money' (unknown field)",
            "可用字段: " + FIELD_LIST,
        ),
        (
            "columns: {a: 'tag:nope'}\n",
            ": 列 'a' 指向未知字段 'tag:nope' (unknown field)",
            "可用字段: " + FIELD_LIST,
        ),
        ("columns: {a: 'tag:'}\n", ": 列 'a' 指向未知字段 'tag:' (unknown field)", "可用字段: " + FIELD_LIST),
        # a unit for a field that has none, an unknown unit, a foreign currency: refused here with the field named
        # (the parsers raised ValueError, which the import worker reported as a crash)
        (
            "units: {name: 万元}\n",
            ": units 中的 'name' 不是带单位的字段 (not a field with a unit)",
            "可用字段: registered_capital, revenue, industrial_output, value_added, employees, rd_expense, tax, "
            "energy_use",
        ),
        ("units: {revenue: 万件}\n", ": 字段 'revenue' 的单位 '万件'：无法识别的单位 (unknown unit)", MONEY_UNITS),
        (
            "units: {revenue: 万美元}\n",
            ": 字段 'revenue' 的单位 '万美元'：外币需先折算为人民币 (foreign currency: convert to yuan first)",
            MONEY_UNITS,
        ),
        # a known unit of another kind (people for money, money for people): every row would be quarantined for it
        (
            "units: {revenue: 万人}\n",
            ": 字段 'revenue' 的单位 '万人'：与字段的单位 万元 不是同一类 (not the kind of unit the field takes)",
            MONEY_UNITS,
        ),
        (
            "units: {employees: 万元}\n",
            ": 字段 'employees' 的单位 '万元'：与字段的单位 人 不是同一类 (not the kind of unit the field takes)",
            "可用单位: 人, 万人",
        ),
    ],
)
def test_mapping_from_yaml_refuses_unknown_names(tmp_path, text, message, hint):
    path = _yaml(tmp_path, text)
    with pytest.raises(InputError, match=r"^映射文件 ") as info:
        Mapping.from_yaml(path)
    assert info.value.message == f"映射文件 {path}{'' if message.startswith(':') else ' '}{message}"
    assert info.value.hint == hint


def test_mapping_from_yaml_unreadable(tmp_path):
    with pytest.raises(
        InputError, match=r"^无法读取映射文件 .*none\.yaml: \[Errno 2\] .* \(cannot read mapping file\)$"
    ):
        Mapping.from_yaml(str(tmp_path / "none.yaml"))
    with pytest.raises(
        InputError, match=r"(?s)^无法读取映射文件 .*m\.yaml: while parsing .* \(cannot read mapping file\)$"
    ):
        Mapping.from_yaml(_yaml(tmp_path, "columns: [\n"))


# --- column plans -------------------------------------------------------------------------------------------


def test_plan_columns_recognises_overrides_and_skips_second_columns():
    headers = ["统一社会信用代码", "企业名称", "营业收入(亿元)", "名称", "备注", "代码X", "员工", "营业收入"]
    mapping = Mapping(
        columns={"代码X": "industry_code", "备注": "ignore", "员工": "employees"}, units={"revenue": "万元"}
    )
    assert plan_columns(sheet(headers, []), mapping) == [
        ColumnPlan(0, "统一社会信用代码", "uscc", None),
        ColumnPlan(1, "企业名称", "name", None),
        ColumnPlan(2, "营业收入(亿元)", "revenue", "万元"),  # the mapping's unit wins over the header's
        ColumnPlan(3, "名称", None, None),  # a second name column is ignored
        ColumnPlan(4, "备注", None, None),
        ColumnPlan(5, "代码X", "industry_code", None),
        ColumnPlan(6, "员工", "employees", None),
        ColumnPlan(7, "营业收入", None, None),  # a second revenue column keeps no unit from the mapping
    ]


def test_plan_columns_ignore_frees_the_field_for_a_later_column():
    mapping = Mapping(columns={"企业名称": "ignore"})
    plans = plan_columns(sheet(["企业名称", "营业收入(亿元)", "名称"], []), mapping)
    assert plans == [
        ColumnPlan(0, "企业名称", None, None),
        ColumnPlan(1, "营业收入(亿元)", "revenue", "亿元"),  # no mapping unit: the header's
        ColumnPlan(2, "名称", "name", None),
    ]


# --- required columns and years -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "name", "label", "column"),
    [
        (["企业名称", "所属区"], "名录", "f.csv（名录）", "“统一社会信用代码”列 (no USCC column)"),
        (["统一社会信用代码", "所属区"], "", "f.csv", "“企业名称”列 (no Enterprise name column)"),
    ],
)
def test_required_columns(headers, name, label, column):
    with pytest.raises(InputError, match="^" + label + ": 找不到") as info:
        validate_sheet(sheet(headers, [["x", "y"]], name=name), Mapping(), file_label="f.csv", city=CITY)
    assert info.value.message == f"{label}: 找不到{column}"
    assert info.value.hint == "检查表头，或用 --mapping 映射文件指定列名"


def test_without_a_file_label_the_sheet_name_alone():
    with pytest.raises(InputError, match=r"^（名录）: 找不到“企业名称”列 \(no Enterprise name column\)"):
        validate_sheet(sheet(["统一社会信用代码"], [[HUAWEI]]), Mapping(), city=CITY)


def test_figures_need_a_year():
    data = sheet(["统一社会信用代码", "企业名称", "所属区", "营业收入"], [[HUAWEI, "甲", "天河", "5"]])
    with pytest.raises(
        InputError, match=r"^f\.csv（名录）: 有年度指标列但没有年份列 \(figures without a year\)"
    ) as info:
        validate_sheet(data, Mapping(), file_label="f.csv", city=CITY)
    assert info.value.hint == "用 --year 指定年份，例如 --year 2024"
    landed = validate_sheet(data, Mapping(year=2023), file_label="f.csv", city=CITY)
    assert landed.rows["year"].tolist() == [2023] and landed.rows["revenue"].tolist() == [5.0]
    assert landed.has_figures is True


def test_year_column_filled_from_the_mapping_and_checked_only_with_figures():
    headers = ["统一社会信用代码", "企业名称", "所属区", "年份"]
    rows = [[HUAWEI, "甲", "天河", "2022年"], [TENCENT, "乙", "天河", None], [BYD, "丙", "天河", "1800"]]
    bare = validate_sheet(sheet(headers, rows), Mapping(), city=CITY)
    # no figures: a missing year is no reason; an invalid one is
    assert list(plain(bare.rows["year"]).values()) == [2022, None]
    assert bare.rows["row_number"].tolist() == [3, 4] and bare.has_figures is False
    assert reasons(bare) == {5: [("year", "年份无效 '1800' (invalid year)")]}
    filled = validate_sheet(sheet(headers, rows), Mapping(year=2024), city=CITY)
    assert filled.rows["year"].tolist() == [2022, 2024]
    with_figures = validate_sheet(sheet([*headers, "税收"], [[*r, "1"] for r in rows]), Mapping(), city=CITY)
    assert reasons(with_figures) == {
        4: [("year", "缺少年份 (missing year)")],
        5: [("year", "年份无效 '1800' (invalid year)"), ("year", "缺少年份 (missing year)")],
    }


# --- a full row ---------------------------------------------------------------------------------------------

FULL = [
    "统一社会信用代码",
    "企业名称",
    "所属区",
    "注册地址",
    "行业代码",
    "经营范围",
    "行业名称",
    "注册资本(千元)",
    "成立日期",
    "年份",
    "营业收入(亿元)",
    "工业总产值",
    "增加值",
    "从业人员",
    "研发费用",
    "税收",
    "综合能源消费量",
    "企业标签",
    "是否高新技术企业",
    "是否上市",
]


def test_a_full_row_lands_with_canonical_values():
    row = [
        " 9144 0300 1922 0382 16",
        " 示例 甲公司 ",
        "天河区",
        "广州市天河区体育西路1号",
        "C3612",
        "汽车整车制造",
        "汽车整车制造",
        "100",
        "2019年3月1日",
        "2024年",
        "1.5",
        "2,000",
        "-30",  # value added may be negative
        "120人",
        "0",
        "-5",  # so may tax (a refund)
        "0",
        "专精特新；高新技术企业",
        "是",
        "否",
    ]
    result = validate_sheet(sheet(FULL, [row]), Mapping(), file_label="f.csv", city=CITY)
    assert result.rejected.empty and result.has_figures is True and result.sheet == "名录"
    got = result.rows.iloc[0].to_dict()
    assert got["row_number"] == 3 and got["uscc"] == HUAWEI
    assert (got["city_code"], got["district_code"]) == ("440100", "440106")
    assert (got["industry_code_raw"], got["industry_code"], got["code_vintage"]) == ("3612", "3612", "2017")
    assert got["revenue"] == 15_000.0  # 1.5 亿元 = 15000 万元
    assert (got["industrial_output"], got["value_added"], got["tax"]) == (2_000.0, -30.0, -5.0)
    assert (got["employees"], got["rd_expense"], got["energy_use"], got["year"]) == (120, 0.0, 0.0, 2024)
    assert got["founded"] == pd.Timestamp("2019-03-01")
    assert got["tags"] == ["srdi", "high_tech"]  # column order, then flags not already there
    assert got["warnings"] == []
    assert got["name"] == "示例 甲公司"
    assert got["address"] == "广州市天河区体育西路1号"
    assert got["business_scope"] == got["industry_name"] == "汽车整车制造"
    assert got["registered_capital"] == 10.0  # 100 千元 = 100 000 元 = 10 万元


@pytest.mark.parametrize(
    ("column", "field"),
    [
        ("营业收入", "revenue"),
        ("工业总产值", "industrial_output"),
        ("研发费用", "rd_expense"),
        ("综合能源消费量", "energy_use"),
        ("注册资本", "registered_capital"),
        ("从业人员", "employees"),
    ],
)
def test_negative_values_are_refused(column, field):
    headers = ["统一社会信用代码", "企业名称", "所属区", column]
    rows = [[HUAWEI, "甲", "天河", "-1"], [TENCENT, "乙", "天河", "0"], [BYD, "丙", "天河", "-0.5"]]
    result = validate_sheet(sheet(headers, rows), Mapping(year=2024), city=CITY)
    if field == "employees":  # a count: the parser refuses it already (and keeps no value to check again)
        expected = {3: [(field, "人数不能为负 '-1' (headcount cannot be negative)")]}
        expected[5] = [(field, "人数不能为负 '-0.5' (headcount cannot be negative)")]
    else:
        message = f"{column}不能为负 (must not be negative)"
        expected = {3: [(field, message)], 5: [(field, message)]}
    assert reasons(result) == expected
    assert result.rows["row_number"].tolist() == [4] and result.rows[field].tolist() == [0]


def test_units_in_headers_convert_counts_and_energy():
    headers = [
        "统一社会信用代码",
        "企业名称",
        "所属区",
        "从业人员(万人)",
        "综合能源消费量(万吨标准煤)",
        "税收(亿元)",
    ]
    rows = [[HUAWEI, "甲", "天河", "1.2", "1.5", "0.25"]]
    landed = validate_sheet(sheet(headers, rows), Mapping(year=2024), city=CITY).rows
    # 1.2 万人 = 12000 人; 1.5 万吨标准煤 = 15000 吨标准煤; 0.25 亿元 = 2500 万元
    assert landed[["employees", "energy_use", "tax"]].values.tolist() == [[12_000, 15_000.0, 2_500.0]]


# --- quarantined rows: every reason, in field order ---------------------------------------------------------


def test_rejected_rows_list_every_reason_in_field_order():
    headers = [
        "统一社会信用代码",
        "企业名称",
        "所属区",
        "行业代码",
        "营业收入",
        "年份",
        "成立日期",
        "注册资本",
        "是否上市",
    ]
    rows = [
        [HUAWEI, "甲", "天河", "3612", "1", "2024", "2019-03-01", "1", "是"],
        [BROKEN, None, "火星区", "9999", "x", "1800", "明天", "abc", "也许"],
        [None, "丙", "天河", None, None, "2024", None, None, None],
        [BAD_ORG, "丁", "黄埔", None, None, "2024", None, None, None],
    ]
    result = validate_sheet(sheet(headers, rows, blank_rows=2), Mapping(), file_label="f.csv", city=CITY)
    assert reasons(result) == {
        4: [
            ("uscc", "统一社会信用代码校验位错误，应为 6 (check character wrong)"),
            ("name", MISSING_NAME),
            ("district", "无法识别的区 '火星区'：不是广州市的区 (not a district of Guangzhou)"),
            ("industry_code", "行业代码 9999 不在 GB/T 4754-2017 中 (unknown GB/T 4754 code)"),
            ("registered_capital", "无法解析的数值 'abc' (not a number)"),
            ("founded", "无法解析的日期 '明天' (not a date)"),
            ("year", "年份无效 '1800' (invalid year)"),
            ("year", "缺少年份 (missing year)"),
            ("revenue", "无法解析的数值 'x' (not a number)"),
            ("是否上市", "无法识别的是/否值 '也许' (not a yes/no value)"),
        ],
        5: [("uscc", "缺少统一社会信用代码 (missing USCC)")],
    }
    assert list(plain(result.rejected["uscc"]).values()) == [BROKEN, None]  # normalised, None when missing
    assert result.rejected["raw"].tolist()[1] == dict(zip(headers, rows[2], strict=True))
    assert result.rows["row_number"].tolist() == [3, 6]
    assert result.rows["warnings"].tolist() == [[], [{"field": "uscc", "reason": WARN_ORG}]]
    assert result.rows["tags"].tolist() == [["listed"], []]
    assert result.blank_rows == 2 and result.sheet == "名录"
    assert [p.target for p in result.plans] == [
        "uscc",
        "name",
        "district",
        "industry_code",
        "revenue",
        "year",
        "founded",
        "registered_capital",
        "tag:listed",
    ]


def test_no_rejected_rows_gives_empty_frames():
    result = validate_sheet(
        sheet(["统一社会信用代码", "企业名称", "所属区"], [[HUAWEI, "甲", "天河"]]), Mapping(), city=CITY
    )
    assert result.rejected.empty and list(result.rejected.columns) == ["row_number", "uscc", "raw", "reasons"]
    assert list(result.rows.columns) == [
        "row_number",
        "uscc",
        "name",
        "address",
        "business_scope",
        "industry_name",
        "city_code",
        "district_code",
        "industry_code_raw",
        "industry_code",
        "code_vintage",
        "registered_capital",
        "founded",
        "year",
        "revenue",
        "industrial_output",
        "value_added",
        "employees",
        "rd_expense",
        "tax",
        "energy_use",
        "tags",
        "warnings",
    ]
    assert result.rows["warnings"].tolist() == [[]] and result.has_figures is False
    assert np.isnan(result.rows["revenue"].iloc[0]) and pd.isna(result.rows["founded"].iloc[0])
    # absent columns keep their types: numbers as float NaN, dates as NaT
    absent = ["registered_capital", "revenue", "industrial_output", "value_added", "employees", "rd_expense"]
    absent += ["tax", "energy_use"]
    assert {c: str(result.rows[c].dtype) for c in absent} == dict.fromkeys(absent, "float64")
    assert result.rows["founded"].dtype.kind == "M"
    assert result.rows["year"].iloc[0] is None and result.rows["tags"].tolist() == [[]]


def test_raw_record_keeps_only_named_columns():
    data = sheet(["统一社会信用代码", "企业名称", "所属区"], [[BROKEN, "甲", "天河"]])
    data.data[3] = ["extra"]  # a cell beyond the last header
    result = validate_sheet(data, Mapping(), city=CITY)
    assert result.rejected["raw"].tolist() == [
        {"统一社会信用代码": BROKEN, "企业名称": "甲", "所属区": "天河"}
    ]


# --- place: city and district -------------------------------------------------------------------------------


def test_city_and_district():
    headers = ["统一社会信用代码", "企业名称", "所在城市", "所属区", "注册地址"]
    rows = [
        [uscc_code(0), "甲", "深圳", "南山区", None],  # another city: its county by name
        [uscc_code(1), "乙", "深圳市", "罗湖", None],  # ... or short name
        [uscc_code(2), "丙", "火星市", None, None],
        [uscc_code(3), "丁", None, None, "广州市天河区体育西路1号"],  # district from the address
        [uscc_code(4), "戊", "广州", "440112", ""],  # by adcode
        [uscc_code(9), "己", "440300", "440112", None],  # a Guangzhou code in Shenzhen: not found, no error
        [uscc_code(5), "庚", None, None, "北京市海淀区"],
        [uscc_code(6), "辛", None, "Tianhe", None],
        [uscc_code(7), "壬", None, "火星区", None],
        [uscc_code(8), "癸", "深圳", "440305", None],
    ]
    result = validate_sheet(sheet(headers, rows), Mapping(), city=CITY)
    assert reasons(result) == {
        5: [("city", "无法识别的城市 '火星市' (unknown city)"), ("district", MISSING_DISTRICT)],
        9: [("district", MISSING_DISTRICT)],
        11: [("district", "无法识别的区 '火星区'：不是广州市的区 (not a district of Guangzhou)")],
    }
    landed = result.rows.set_index("row_number")
    assert plain(landed["city_code"]) == {
        3: "440300",
        4: "440300",
        6: "440100",
        7: "440100",
        8: "440300",
        10: "440100",
        12: "440300",
    }
    assert plain(landed["district_code"]) == {
        3: "440305",
        4: "440303",
        6: "440106",
        7: "440112",
        8: None,
        10: "440106",
        12: "440305",
    }


def test_the_home_city_is_the_callers():
    """Another pack's city: its districts are required and resolved, Guangzhou's are not its own."""
    shenzhen = load_pack("shenzhen-20-8").city
    headers = ["统一社会信用代码", "企业名称", "所属区", "注册地址"]
    rows = [
        [uscc_code(1), "甲", "南山", None],
        [uscc_code(2), "乙", "天河区", None],
        [uscc_code(3), "丙", None, "深圳市福田区深南大道1号"],
        [uscc_code(4), "丁", None, "广州市天河区体育西路1号"],
    ]
    result = validate_sheet(sheet(headers, rows), Mapping(), city=shenzhen)
    assert reasons(result) == {
        4: [("district", "无法识别的区 '天河区'：不是深圳市的区 (not a district of Shenzhen)")],
        6: [("district", MISSING_DISTRICT)],
    }
    assert result.rows["city_code"].tolist() == ["440300", "440300"]
    assert result.rows["district_code"].tolist() == ["440305", "440304"]


def test_mapping_city_is_the_default_city():
    headers = ["统一社会信用代码", "企业名称", "所属区"]
    rows = [[uscc_code(1), "甲", "南山"], [uscc_code(2), "乙", None], [uscc_code(3), "丙", "天河"]]
    result = validate_sheet(sheet(headers, rows), Mapping(city="深圳"), city=CITY)
    assert result.rejected.empty
    assert result.rows["city_code"].tolist() == ["440300"] * 3
    assert list(plain(result.rows["district_code"]).values()) == [
        "440305",
        None,
        None,
    ]  # no error outside Guangzhou
    with pytest.raises(InputError, match=r"^无法识别的城市 '火星' \(unknown city in mapping\)$"):
        validate_sheet(sheet(headers, rows), Mapping(city="火星"), city=CITY)


def test_without_a_district_column_the_address_decides():
    headers = ["统一社会信用代码", "企业名称", "注册地址"]
    rows = [
        [uscc_code(1), "甲", "广州市番禺区石楼镇1号"],
        [uscc_code(2), "乙", None],
        [uscc_code(3), "丙", "广州市天河区体育西路1号"],
    ]
    result = validate_sheet(sheet(headers, rows), Mapping(), city=CITY)
    assert reasons(result) == {4: [("district", MISSING_DISTRICT)]}
    assert result.rows["district_code"].tolist() == ["440113", "440106"]
    elsewhere = validate_sheet(
        sheet(headers, rows), Mapping(city="440300"), city=CITY
    )  # outside Guangzhou: no district needed
    assert elsewhere.rejected.empty
    assert list(plain(elsewhere.rows["district_code"]).values()) == [None, None, None]


def test_county_code():
    assert validate._county_code(("440300", "南山区")) == "440305"
    assert validate._county_code(("440300", "南山")) == "440305"
    assert validate._county_code(("440300", "440305")) == "440305"
    assert validate._county_code(("440300", "天河")) is None
    assert validate._county_code(("999900", "南山")) is None


# --- industry codes ------------------------------------------------------------------------------------------

CODE_HEADERS = ["统一社会信用代码", "企业名称", "所属区", "行业代码", "经营范围"]
CODE_ROWS = [
    ["3612", None],  # a 2017 class
    ["3262", None],  # 2011's 铝压延加工, 2017's 3252
    ["3032", None],  # a 2017 class (建筑用石加工) and a 2011 one (建筑陶瓷 -> 2017 3071)
    ["362", "汽车"],  # a 2017 中类
    ["9999", "软件"],  # unknown, with a scope
    ["9998", None],  # unknown, nothing to predict from
    [None, None],
]


def _codes(vintage: str):
    rows = [[uscc_code(i), "甲", "天河", *r] for i, r in enumerate(CODE_ROWS)]
    result = validate_sheet(sheet(CODE_HEADERS, rows), Mapping(vintage=vintage), city=CITY)
    landed = result.rows.set_index("row_number")
    warnings = {k: [(w["field"], w["reason"]) for w in v] for k, v in landed["warnings"].items() if v}
    return landed, warnings, reasons(result)


def _unknown(code: str) -> str:
    return f"行业代码 {code} 不在 GB/T 4754-2017 中 (unknown GB/T 4754 code)"


def _predicted(code: str) -> str:
    return f"行业代码 {code} 不在 GB/T 4754-2017 中，将按经营范围预测 (unknown code; predicted from the business scope)"


def _converted(old: str, new: str) -> str:
    return f"2011版代码 {old} 已转换为2017版 {new} (converted from GB/T 4754-2011)"


def test_codes_auto_vintage():
    landed, warnings, rejected = _codes("auto")
    assert plain(landed["industry_code"]) == {3: "3612", 4: "3252", 5: "3032", 6: None, 7: None, 9: None}
    assert plain(landed["code_vintage"]) == {3: "2017", 4: "2011", 5: "2017", 6: "2017", 7: None, 9: None}
    assert plain(landed["industry_code_raw"]) == {
        3: "3612",
        4: "3262",
        5: "3032",
        6: "362",
        7: "9999",
        9: None,
    }
    assert warnings == {
        4: [("industry_code", _converted("3262", "3252"))],
        6: [("industry_code", "行业代码 362 只到中类，将按经营范围预测小类 (code is not a 4-digit class)")],
        7: [("industry_code", _predicted("9999"))],
    }
    assert rejected == {8: [("industry_code", _unknown("9998"))]}


def test_codes_2011_vintage():
    landed, warnings, rejected = _codes("2011")
    assert plain(landed["industry_code"]) == {4: "3252", 5: "3071", 6: None, 7: None, 9: None}
    assert plain(landed["code_vintage"]) == {4: "2011", 5: "2011", 6: None, 7: None, 9: None}
    assert warnings == {
        4: [("industry_code", _converted("3262", "3252"))],
        5: [("industry_code", _converted("3032", "3071"))],
        6: [("industry_code", _predicted("362"))],
        7: [("industry_code", _predicted("9999"))],
    }
    assert rejected == {3: [("industry_code", _unknown("3612"))], 8: [("industry_code", _unknown("9998"))]}


def test_codes_2017_vintage():
    landed, warnings, rejected = _codes("2017")
    assert plain(landed["industry_code"]) == {3: "3612", 5: "3032", 6: None, 7: None, 9: None}
    assert warnings[6] == [
        ("industry_code", "行业代码 362 只到中类，将按经营范围预测小类 (code is not a 4-digit class)")
    ]
    assert rejected == {4: [("industry_code", _unknown("3262"))], 8: [("industry_code", _unknown("9998"))]}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("0170", ["0171", "0179"]),  # shared/standards crosswalk: one 2011 code, two 2017 classes
        ("0530", ["0531", "0532", "0539"]),  # ... three 2017 classes
    ],
)
def test_a_code_mapping_to_several_2017_classes_names_the_others(old, new):
    rows = [[uscc_code(1), "甲", "天河", old, None]]
    landed = validate_sheet(sheet(CODE_HEADERS, rows), Mapping(), city=CITY).rows
    assert landed["industry_code"].tolist() == [new[0]]
    others = "、".join(new[1:])
    assert landed["warnings"].tolist() == [
        [
            {
                "field": "industry_code",
                "reason": f"2011版代码 {old} 已转换为2017版 {new[0]}（另可对应 {others}） (converted from GB/T 4754-2011)",
            }
        ]
    ]


# --- tags --------------------------------------------------------------------------------------------------


def test_tags_from_a_column_and_flag_columns():
    headers = ["统一社会信用代码", "企业名称", "所属区", "企业标签", "是否高新技术企业", "是否上市"]
    rows = [
        [uscc_code(1), "甲", "天河", "高新技术企业；专精特新", "是", "是"],
        [uscc_code(2), "乙", "天河", "专精特新", "否", None],
        [uscc_code(3), "丙", "天河", None, "是", "否"],
        [uscc_code(4), "丁", "天河", "专精特新", "是", "也许"],
        [uscc_code(5), "戊", "天河", "高新技术企业；外星企业", None, None],
    ]
    result = validate_sheet(sheet(headers, rows), Mapping(), city=CITY)
    assert result.rows["tags"].tolist() == [["high_tech", "srdi", "listed"], ["srdi"], ["high_tech"]]
    assert reasons(result) == {
        6: [("是否上市", "无法识别的是/否值 '也许' (not a yes/no value)")],
        7: [("tags", "未知标签 外星企业 (unknown tag)")],
    }
    # equal cells do not share one list: adding a flag to one row leaves the other alone
    assert result.rows["tags"].iloc[1] == ["srdi"]


# --- duplicates ---------------------------------------------------------------------------------------------


def test_duplicates_name_the_first_row():
    headers = ["统一社会信用代码", "企业名称", "所属区"]
    rows = [
        [HUAWEI, "甲", "天河"],
        [TENCENT, "乙", "天河"],
        ["9144 0300 1922 0382 16", "甲二", "天河"],  # the same code once normalised
        [None, "丙", "天河"],
        [None, "丁", "天河"],  # two missing codes are no duplicates of each other
        [TENCENT.lower(), "乙二", "天河"],
        [HUAWEI, "甲三", "天河"],
    ]
    result = validate_sheet(sheet(headers, rows), Mapping(), city=CITY)
    assert reasons(result) == {
        5: [("uscc", "与第 3 行重复 (duplicate of row 3)")],
        6: [("uscc", "缺少统一社会信用代码 (missing USCC)")],
        7: [("uscc", "缺少统一社会信用代码 (missing USCC)")],
        8: [("uscc", "与第 4 行重复 (duplicate of row 4)")],
        9: [("uscc", "与第 3 行重复 (duplicate of row 3)")],
    }
    assert result.rows["row_number"].tolist() == [3, 4]


def test_duplicates_by_year():
    headers = ["统一社会信用代码", "企业名称", "所属区", "年份"]
    rows = [[HUAWEI, "甲", "天河", "2023"], [HUAWEI, "甲", "天河", "2024"], [HUAWEI, "甲", "天河", "2024"]]
    result = validate_sheet(sheet(headers, rows), Mapping(), city=CITY)
    assert reasons(result) == {5: [("uscc", "与第 4 行重复 (duplicate of row 4)")]}
    # a year from the mapping only: one year for all, so the code alone decides
    no_year = validate_sheet(sheet(headers[:3], [r[:3] for r in rows]), Mapping(year=2024), city=CITY)
    assert reasons(no_year) == {
        4: [("uscc", "与第 3 行重复 (duplicate of row 3)")],
        5: [("uscc", "与第 3 行重复 (duplicate of row 3)")],
    }
    # no year at all: the code alone
    assert reasons(validate_sheet(sheet(headers[:3], [r[:3] for r in rows]), Mapping(), city=CITY)) == reasons(no_year)


def chunk(headers: list[str], rows: list[list[object]], first_row: int) -> RawSheet:
    """A later chunk of the same sheet: its rows numbered from `first_row`."""
    data = pd.DataFrame([list(r) for r in rows], columns=range(len(headers)), dtype=object)
    return RawSheet("名录", headers, data, pd.Series(range(first_row, first_row + len(rows))), 0)


def test_a_sheet_validated_in_chunks_names_the_first_row_in_an_earlier_chunk():
    """Three chunks sharing their seen keys (`SeenKeys`), as a large CSV is validated: a code repeated in a later
    chunk names the row an earlier chunk first had it on (not a repeat's row), within a chunk the chunk's own first
    row; by year, the same code in another year is no repeat. Worked out by hand: rows 3-4 | 5-7 | 8-10."""
    headers = ["统一社会信用代码", "企业名称", "所属区", "年份"]
    seen = validate.SeenKeys()
    parts = [
        ([[HUAWEI, "甲", "天河", "2023"], [TENCENT, "乙", "天河", "2023"]], 3),
        ([[HUAWEI, "甲", "天河", "2024"], [HUAWEI.lower(), "甲", "天河", "2023"], [BYD, "丙", "天河", "2023"]], 5),
        ([[BYD, "丙", "天河", "2023"], [HUAWEI, "甲", "天河", "2023"], [HUAWEI, "甲", "天河", "2024"],
          [TENCENT, "乙", "天河", "2024"], [TENCENT, "乙", "天河", "2024"]], 8),
    ]
    got = {}
    for rows, first in parts:
        got.update(reasons(validate_sheet(chunk(headers, rows, first), Mapping(), city=CITY, seen=seen)))
    assert got == {
        6: [("uscc", "与第 3 行重复 (duplicate of row 3)")],
        8: [("uscc", "与第 7 行重复 (duplicate of row 7)")],
        9: [("uscc", "与第 3 行重复 (duplicate of row 3)")],
        10: [("uscc", "与第 5 行重复 (duplicate of row 5)")],
        12: [("uscc", "与第 11 行重复 (duplicate of row 11)")],  # a repeat within the chunk beside earlier ones
    }
    # without a year column (one year from the mapping): the code alone; a repeat within a later chunk names the
    # earlier chunk's row too
    seen = validate.SeenKeys()
    got = {}
    for rows, first in parts:
        result = validate_sheet(chunk(headers[:3], [r[:3] for r in rows], first), Mapping(year=2024), city=CITY,
                                seen=seen)
        got.update(reasons(result))
    expected = {k: [("uscc", f"与第 {v} 行重复 (duplicate of row {v})")]
                for k, v in {5: 3, 6: 3, 8: 7, 9: 3, 10: 3, 11: 4, 12: 4}.items()}
    assert got == expected
    # the keys seen, as remembered: each once (the mapping's year with it), with the row it was first on
    held = seen.con.execute("SELECT k, y, r FROM seen ORDER BY r").fetchall()
    assert held == [(HUAWEI, 2024, 3), (TENCENT, 2024, 4), (BYD, 2024, 7)]
    # no year at all: the same
    seen, got = validate.SeenKeys(), {}
    for rows, first in parts:
        got.update(reasons(validate_sheet(chunk(headers[:3], [r[:3] for r in rows], first), Mapping(), city=CITY,
                                          seen=seen)))
    assert got == expected


def test_text_stays_arrow_and_only_a_scope_keeps_its_line_breaks():
    """Names, addresses and scopes stay Arrow strings (pandas' str dtype: what the stage writes without a Python
    string per row); a line break in a scope stays one (the classifier reads it as ；), in a name it is a space."""
    headers = ["统一社会信用代码", "企业名称", "所属区", "经营范围", "注册地址"]
    result = validate_sheet(sheet(headers, [[HUAWEI, "甲\n乙 有限公司", "天河", "汽车制造\n 零部件销售", "天河路\n1号"]]),
                            Mapping(), city=CITY)
    assert result.core[["name", "business_scope", "address"]].iloc[0].tolist() == [
        "甲 乙 有限公司", "汽车制造\n零部件销售", "天河路 1号"]
    for column in ("name", "business_scope", "address"):
        assert result.core[column].dtype == pd.StringDtype("pyarrow", na_value=np.nan), column


def test_all_codes_missing_or_unique_is_no_duplicate():
    headers = ["统一社会信用代码", "企业名称", "所属区"]
    only_missing = validate_sheet(sheet(headers, [[None, "甲", "天河"], ["", "乙", "天河"]]), Mapping(), city=CITY)
    assert reasons(only_missing) == {
        3: [("uscc", "缺少统一社会信用代码 (missing USCC)")],
        4: [("uscc", "缺少统一社会信用代码 (missing USCC)")],
    }
    unique = validate_sheet(sheet(headers, [[HUAWEI, "甲", "天河"], [TENCENT, "乙", "天河"]]), Mapping(), city=CITY)
    assert unique.rejected.empty and unique.rows["uscc"].tolist() == [HUAWEI, TENCENT]


# --- helpers -------------------------------------------------------------------------------------------------


def test_map_unique_calls_once_per_distinct_value():
    calls = []

    def shout(value):
        calls.append(value)
        return value.upper()

    out = validate._map_unique(pd.Series(["a", "b", None, "a", "b"], index=[5, 6, 7, 8, 9]), shout)
    assert out.tolist()[:2] == ["A", "B"] and pd.isna(out.iloc[2]) and out.tolist()[3:] == ["A", "B"]
    assert out.index.tolist() == [5, 6, 7, 8, 9]
    assert calls == ["a", "b"]


def test_reasons_items_in_row_order_then_field_order():
    """`_Reasons.items`: none at all is an empty table of the same columns and types; 38 reasons over the 19 rows
    of the mask (two fields each) come row by row, each row's fields in the order they were added (a stable
    sort: an unstable one mixes the ties of this size)."""
    empty = validate._Reasons(pd.RangeIndex(3)).items(np.ones(3, dtype=bool))
    assert list(empty.columns) == ["position", "field", "reason"] and len(empty) == 0
    assert [str(t) for t in empty.dtypes] == ["int64", "object", "object"]
    reasons_ = validate._Reasons(pd.RangeIndex(21))
    reasons_.add("uscc", pd.Series([f"u{i}" for i in range(20)] + [None], dtype=object))
    reasons_.add("name", pd.Series([f"n{i}" for i in range(20)] + [None], dtype=object))
    mask = np.ones(21, dtype=bool)
    mask[0] = False  # positions count the rows in the mask only
    table = reasons_.items(mask)
    assert table["position"].tolist() == [p for p in range(19) for _ in range(2)]
    assert table["field"].tolist() == ["uscc", "name"] * 19
    assert table["reason"].tolist() == [r for i in range(1, 20) for r in (f"u{i}", f"n{i}")]


def test_a_blank_code_cell_is_no_code_and_no_error():
    """An industry code cell of spaces normalises to nothing: no code, no vintage, no error, no warning; the next
    row's code goes on as usual."""
    headers = ["统一社会信用代码", "企业名称", "所属区", "行业代码"]
    result = validate_sheet(sheet(headers, [[HUAWEI, "甲", "天河", "  "], [TENCENT, "乙", "天河", "3612"]]),
                            Mapping(), city=CITY)
    assert result.rejected.empty and result.warnings.empty
    assert plain(result.core["industry_code"]) == {0: None, 1: "3612"}
    assert plain(result.core["code_vintage"]) == {0: None, 1: "2017"}
