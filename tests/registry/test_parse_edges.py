"""Edges of the field parsers that the main tests leave open (found by mutation testing, docs/testing.md):
unit words and their precedence, signs and exponents in messy cells, boundaries of dates, years and counts,
bilingual refusals, names and indexes of results, Arrow outputs, and the byte-level half-width code."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from chanye.registry import parse

TODAY = dt.date(2024, 6, 30)
FAR = dt.date(2300, 1, 1)  # a `today` after every date the parser accepts (years up to 2200)
ARROW_STR = pd.StringDtype("pyarrow", na_value=np.nan)


def _one(result: parse.ParseResult) -> tuple[object, object]:
    """(value, error) of a one-row result, with missing values as None."""
    value = result.values.iloc[0]
    missing = not isinstance(value, list) and pd.isna(value)
    return (None if missing else value), result.error.iloc[0]


# --- units and headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Yuan", ("money", 1.0)),  # an English unit in any case: looked up lower-cased
        ("10K Yuan", ("money", 1e4)),
        ("万元RMB", ("money", 1e4)),  # 人民币/RMB/CNY before or after the unit is dropped
        ("RMB万元", ("money", 1e4)),
        ("RMB万", ("money", 1e4)),  # a bare multiplier marked as yuan is money
        ("人民币亿", ("money", 1e8)),
        ("千万元", ("money", 1e7)),  # 千 × 万 = 1e3 × 1e4
        ("万", (None, 1e4)),
        ("万%", None),  # a multiplier before % is no unit
        ("RMB万人", None),  # yuan and people at once
        ("RMB", ("money", 1.0)),
    ],
)
def test_unit_info_words(word, expected):
    assert parse.unit_info(word) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("(10K Yuan)", ("", "万元")),  # a group cell with only an English unit, in capitals
        ("Revenue (10K Yuan)", ("Revenue", "万元")),
        ("Revenue  (10k   yuan)", ("Revenue", "万元")),  # runs of spaces collapse before the lookup
        ("Staff_Persons", ("Staff", "人")),
    ],
)
def test_split_header_unit_case_and_spaces(header, expected):
    assert parse.split_header_unit(header) == expected


def test_target_and_header_units_that_are_refused():
    s = pd.Series(["1"])
    with pytest.raises(ValueError, match=r"^unknown target unit '万'; use one of 元, 千元, 万元, 百万元, 亿元, 人, "
                                         r"万人, %, 吨标准煤, 万吨标准煤$"):
        parse.parse_amount(s, target="万")  # a bare multiplier has no dimension
    with pytest.raises(ValueError, match=r"^unknown target unit '美元'"):
        parse.parse_amount(s, target="美元")
    with pytest.raises(ValueError, match=r"^unknown unit '万美元'$"):
        parse.parse_amount(s, unit="万美元")


# --- amounts -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.5e2万元", 150.0),  # the exponent joins the mantissa: 1.5e2 = 150 万元
        ("2E-1亿元", 2000.0),  # 0.2 亿元 = 0.2 × 1e8 / 1e4 = 2000 万元
        ("¥-1,200", -1200.0),  # sign after the currency; ¥ names no scale: the target's, 万元
        ("-¥1,200", -1200.0),
        ("¥1,200元", 0.12),  # 1200 元 = 0.12 万元
        ("RMB 500万", 500.0),  # space removed; the unit 万 on a money field is 万元
        ("人民币3亿元", 30000.0),  # 3 × 1e8 / 1e4
    ],
)
def test_parse_amount_signs_exponents_currency(raw, expected):
    assert _one(parse.parse_amount(pd.Series([raw]))) == (expected, None)


@pytest.mark.parametrize("raw", ["(-5)", "-(5)", "-¥-5", "(5", "5万元人"])
def test_parse_amount_two_signs_or_broken_brackets(raw):
    # a sign inside accounting brackets, a sign before them, two signs, an unclosed bracket, a stray word
    assert _one(parse.parse_amount(pd.Series([raw]))) == (None, f"无法解析的数值 {raw!r} (not a number)")


def test_parse_amount_header_of_another_dimension_in_messy_cells():
    # '1,200' is not a clean number, so it takes the regex path; the header 人 does not fit money
    s = pd.Series(["1,200", "5万人", "5万元", "—"])
    result = parse.parse_amount(s, unit="人")
    assert result.error.tolist() == [
        "单位 人 与字段不符 (unit does not fit the field)",
        "单位 万人 与字段不符 (unit does not fit the field)",  # the cell's own unit word, in full
        None,  # the cell's unit wins over the header's: 5 万元
        None,
    ]
    assert result.values.iloc[2] == 5.0 and result.values.iloc[[0, 1, 3]].isna().all()


def test_parse_amount_currency_sign_in_a_headcount():
    s = pd.Series(["¥12", "人民币3", "12人"])
    result = parse.parse_count(s)
    assert result.error.tolist() == [
        "单位 ¥ 与字段不符 (unit does not fit the field)",
        "单位 人民币 与字段不符 (unit does not fit the field)",
        None,
    ]
    assert result.values.tolist() == [pd.NA, pd.NA, 12]


def test_parse_amount_numeric_columns():
    ints = pd.Series([12000, None], dtype="Int64", name="rev")
    result = parse.parse_amount(ints, unit="元")
    assert result.values.iloc[0] == 1.2 and np.isnan(result.values.iloc[1])  # 12000 元 = 1.2 万元
    assert result.error.tolist() == [None, None]
    floats = pd.Series([np.inf, 3.0, -np.inf])
    result = parse.parse_amount(floats)
    assert result.error.tolist() == ["无法解析的数值 inf (not a number)", None, "无法解析的数值 -inf (not a number)"]
    assert np.isnan(result.values.iloc[0]) and result.values.iloc[1] == 3.0 and np.isnan(result.values.iloc[2])


def test_parse_amount_same_scale_as_target():
    # header 万元 and target 万元: factor 1 either way
    assert _one(parse.parse_amount(pd.Series(["2.5"]), unit="万元")) == (2.5, None)
    assert _one(parse.parse_amount(pd.Series(["3亿元"]), target="亿元")) == (3.0, None)


# --- counts -------------------------------------------------------------------------------------------------


def test_parse_count_zero_and_tolerance():
    s = pd.Series(["0", "1.13万人", "1.0000000015", "1.0000000005"])
    result = parse.parse_count(s)
    # 0 is a headcount; 1.13 × 1e4 = 11299.999999999998 in floats: 1.8e-12 off, within 1e-9 × 11300 (the
    # tolerance grows with the count);
    # 1.0000000015 is 1.5e-9 from 1 (> 1e-9 × max(1, 1)): a fraction; 5e-10 is float noise: 1
    assert result.values.tolist() == [0, 11300, pd.NA, 1]
    assert result.error.tolist() == [None, None, "人数应为整数 '1.0000000015' (headcount must be a whole number)", None]


def test_parse_count_beyond_two_to_the_62_and_names():
    s = pd.Series(["4611686018427387903", "4611686018427387904", "5e18", "12"], name="从业人数", index=list("abcd"))
    result = parse.parse_count(s)
    # the first is 2**62 - 1 as text, which float64 rounds up to 2**62: every one from 2**62 on is refused, with
    # its reason (it was dropped silently before)
    assert result.values.tolist() == [pd.NA, pd.NA, pd.NA, 12]
    assert result.error.tolist() == [
        "人数超出范围 '4611686018427387903' (headcount out of range)",
        "人数超出范围 '4611686018427387904' (headcount out of range)",
        "人数超出范围 '5e18' (headcount out of range)",
        None,
    ]
    assert result.values.name == result.error.name == "从业人数" and result.values.index.tolist() == list("abcd")


# --- dates --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2019/3/15", "2019-03-15"),
        ("2019.03.15 10:30", "2019-03-15"),
        ("2019年3月15日", "2019-03-15"),
        ("2019年3月15号", "2019-03-15"),
        ("20190315", "2019-03-15"),
        ("1800-01-01", "1800-01-01"),  # the first year accepted
        ("2200-12-31", "2200-12-31"),  # the last
        ("18264", "1950-01-01"),  # the smallest Excel serial taken: 1899-12-30 + 18264 days
        ("2020-02-29", "2020-02-29"),
    ],
)
def test_parse_date_days_and_bounds(raw, expected):
    assert _one(parse.parse_date(pd.Series([raw]), today=FAR)) == (pd.Timestamp(expected), None)


@pytest.mark.parametrize("raw", ["1799-12-31", "2201-01-01", "2019-02-29", "2019-04-31", "2019/2/29", "18263"])
def test_parse_date_out_of_range_or_no_such_day(raw):
    assert _one(parse.parse_date(pd.Series([raw]), today=FAR)) == (None, f"无法解析的日期 {raw!r} (not a date)")


def test_parse_date_excel_serials_among_other_dates():
    s = pd.Series(["43525", "2019/3/15", "abc", "43525.75", None], name="成立日期", index=[5, 6, 7, 8, 9])
    result = parse.parse_date(s, today=TODAY)
    # 43525 days after 1899-12-30 is 2019-03-01; a fraction of a day (time) is dropped
    assert result.values.tolist()[:2] == [pd.Timestamp("2019-03-01"), pd.Timestamp("2019-03-15")]
    assert result.values.iloc[3] == pd.Timestamp("2019-03-01") and result.values.iloc[[2, 4]].isna().all()
    assert result.error.tolist() == [None, None, "无法解析的日期 'abc' (not a date)", None, None]
    assert result.values.name == result.error.name == "成立日期"
    assert result.values.index.tolist() == result.error.index.tolist() == [5, 6, 7, 8, 9]


def test_parse_date_time_zone_keeps_the_local_day():
    # 07:00 in Shanghai is 23:00 the day before in UTC: the local calendar day is the one meant
    aware = pd.Series(pd.to_datetime(["2019-03-01 07:00"]).tz_localize("Asia/Shanghai"))
    assert _one(parse.parse_date(aware, today=TODAY)) == (pd.Timestamp("2019-03-01"), None)


def test_parse_date_datetime_column_keeps_early_dates():
    # a datetime column is taken as it is: the 1800 floor applies to text only
    s = pd.Series(pd.to_datetime(["1750-06-01"]))
    assert _one(parse.parse_date(s, today=TODAY)) == (pd.Timestamp("1750-06-01"), None)


# --- years --------------------------------------------------------------------------------------------------


def test_parse_year_numeric_edges():
    floats = pd.Series([np.inf, 2023.5, 2023.0, np.nan], name="年份")
    result = parse.parse_year(floats)
    assert result.values.tolist() == [pd.NA, pd.NA, 2023, pd.NA]
    assert result.error.tolist() == ["年份无效 inf (invalid year)", "年份无效 2023.5 (invalid year)", None, None]
    assert result.values.name == result.error.name == "年份"
    ints = parse.parse_year(pd.Series([2023, None], dtype="Int64"))
    assert ints.values.tolist() == [2023, pd.NA] and ints.error.tolist() == [None, None]


# --- flags and tags -----------------------------------------------------------------------------------------


def test_parse_flag_bool_column_and_names():
    result = parse.parse_flag(pd.Series([True, False], name="是否规上", index=[3, 4]))
    assert result.values.dtype == pd.BooleanDtype() and result.values.tolist() == [True, False]
    assert result.error.tolist() == [None, None]
    text = parse.parse_flag(pd.Series(["是", None, "x"], name="是否规上", index=[3, 4, 5]))
    assert text.values.tolist() == [True, pd.NA, pd.NA]
    assert text.error.tolist() == [None, None, "无法识别的是/否值 'x' (not a yes/no value)"]
    assert text.values.name == text.error.name == "是否规上"
    assert text.values.index.tolist() == [3, 4, 5]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("高新技术企业；null", ["high_tech"]),  # missing-value words among the tags are skipped, in any case
        ("高新技术企业、None、上市", ["high_tech", "listed"]),
        ("；高新技术企业", ["high_tech"]),  # an empty piece before the first tag
        ("—；上市", ["listed"]),
        ("HIGH_TECH", ["high_tech"]),  # a tag id in another case
    ],
)
def test_parse_tags_skips_missing_words(raw, expected):
    assert _one(parse.parse_tags(pd.Series([raw]))) == (expected, None)


def test_parse_tags_names():
    result = parse.parse_tags(pd.Series(["上市"], name="标签", index=[7]))
    assert result.values.name == result.error.name == "标签" and result.values.index.tolist() == [7]


# --- text ---------------------------------------------------------------------------------------------------


def test_clean_text_arrow_values():
    s = pd.Series([" a  b ", "", None, "ｘ"], name="名称", index=[1, 2, 3, 4])
    result = parse.clean_text(s, arrow=True)
    assert result.values.dtype == ARROW_STR
    assert result.values.tolist()[:1] == ["a b"] and result.values.iloc[[1, 2]].isna().all()
    assert result.values.iloc[3] == "x"
    assert result.values.name == result.error.name == "名称" and result.values.index.tolist() == [1, 2, 3, 4]
    assert result.error.tolist() == [None] * 4


def test_clean_text_object_values_names_and_trims():
    s = pd.Series(["X a X", "XY Z", "ab\u00a0"], name="经营范围")
    result = parse.clean_text(s)
    # trimming removes spaces only (the letter X stays); a no-break space, even as the column's very last
    # bytes, is a space
    assert result.values.tolist() == ["X a X", "XY Z", "ab"]
    assert result.values.name == result.error.name == "经营范围"
    lines = parse.clean_text(pd.Series(["X\n a X \n"]), lines=True)
    assert lines.values.tolist() == ["X\na X"]


def test_float_text_at_two_to_the_53():
    # below 2**53 every integral float is exact and shown without '.0'; from 2**53 on it keeps its float form
    big = float(2**53)  # 9007199254740992.0
    obj = pd.Series([big, float(2**53 - 1), 2.5], dtype=object)
    assert parse.clean_text(obj).values.tolist() == ["9007199254740992.0", "9007199254740991", "2.5"]
    flt = pd.Series([big, float(2**53 + 2), 7.0])
    assert parse.clean_text(flt).values.tolist() == ["9007199254740992.0", "9007199254740994.0", "7"]
    nullable = pd.Series([1.0, None], dtype="Float64")
    assert parse.clean_text(nullable).values.tolist() == ["1", None]


def test_halfwidth_edges():
    s = pd.Series(["｟", "ＡＢ", np.nan, None], name="名称", index=[4, 5, 6, 7])
    out = parse.halfwidth(s)
    # U+FF5F (left white parenthesis) is past the full-width ASCII block U+FF01..U+FF5E: unchanged
    assert out.tolist()[:2] == ["｟", "AB"] and out.iloc[2:].isna().all()
    assert out.dtype == ARROW_STR and out.name == "名称" and out.index.tolist() == [4, 5, 6, 7]
    floats = parse.halfwidth(pd.Series([np.nan, 3.0, 2.5]))
    assert pd.isna(floats.iloc[0])  # missing stays missing, never ''
    assert floats.tolist()[1:] == ["3", "2.5"]


def test_arrow_columns_in_several_chunks():
    # pd.concat of Arrow-backed columns keeps two chunks: they are read as one array
    d = ARROW_STR
    s = pd.concat([pd.Series([" a  b"], dtype=d), pd.Series(["ｃ", None], dtype=d)], ignore_index=True)
    assert parse.clean_text(s).values.tolist() == ["a b", "c", None]
    amounts = pd.concat([pd.Series(["1.2亿元"], dtype=d), pd.Series(["3,500万"], dtype=d)], ignore_index=True)
    assert parse.parse_amount(amounts).values.tolist() == [12000.0, 3500.0]  # 1.2 × 1e8 / 1e4; 3500 万元


def test_clean_text_all_missing():
    result = parse.clean_text(pd.Series([None, None], dtype=object))
    assert result.values.tolist() == [None, None] and result.error.tolist() == [None, None]
