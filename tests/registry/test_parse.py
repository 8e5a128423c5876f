"""Vectorised parsers for messy spreadsheet cells: exact values and exact reason texts."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanye.registry import parse
from chanye.registry.fields import TAG_ALIASES

NAN = float("nan")


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


# --- headers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("营业收入(万元)", ("营业收入", "万元")),
        ("营业收入（万元）", ("营业收入", "万元")),
        ("营业收入_万元", ("营业收入", "万元")),
        ("营业收入 万元", ("营业收入", "万元")),
        ("营业收入（单位：万元）", ("营业收入", "万元")),
        ("营业收入[亿元]", ("营业收入", "亿元")),
        ("营业收入/千元", ("营业收入", "千元")),
        ("注册资本（万元人民币）", ("注册资本", "万元")),
        ("Revenue (10k yuan)", ("Revenue", "万元")),
        ("Revenue (100 million yuan)", ("Revenue", "亿元")),
        ("Employees (persons)", ("Employees", "人")),
        ("从业人员（人）", ("从业人员", "人")),
        ("从业人员(万人)", ("从业人员", "万人")),
        ("营业收入(元)", ("营业收入", "元")),
        ("营业收入(百万元)", ("营业收入", "百万元")),
        ("增长率(%)", ("增长率", "%")),
        ("增长率（％）", ("增长率", "%")),
        ("综合能源消费量（吨标准煤）", ("综合能源消费量", "吨标准煤")),
        ("综合能源消费量(万吨标准煤)", ("综合能源消费量", "万吨标准煤")),
        ("单位：万元", ("", "万元")),  # a group-header cell
        ("（亿元）", ("", "亿元")),
        ("营业收入", ("营业收入", None)),
        ("产值（当年价）", ("产值(当年价)", None)),
        ("企业名称", ("企业名称", None)),
    ],
)
def test_split_header_unit(header, expected):
    assert parse.split_header_unit(header) == expected


def test_unit_info():
    assert parse.unit_info("亿元") == ("money", 1e8)
    assert parse.unit_info("千万") == (None, 1e7)
    assert parse.unit_info("万人") == ("people", 1e4)
    assert parse.unit_info("万元人民币") == ("money", 1e4)
    assert parse.unit_info("万美元")[0] == "foreign"
    assert parse.unit_info("斤") is None
    assert parse.unit_info("") is None


# --- amounts -------------------------------------------------------------------------------------------

AMOUNTS_IN_WAN = [  # target 万元, no header unit
    ("1,234.5", 1234.5),
    ("1，234.5", 1234.5),
    ("１２３４．５", 1234.5),
    ("1.2亿元", 12000.0),
    ("3,500万元", 3500.0),
    ("800万", 800.0),
    ("1.5亿", 15000.0),
    ("12000元", 1.2),
    ("5千万", 5000.0),
    ("5千元", 0.5),
    ("3百万元", 300.0),
    ("(1,234)", -1234.0),
    ("（1,234）", -1234.0),
    ("(1,234万元)", -1234.0),
    ("(1,234)万元", -1234.0),
    ("-12", -12.0),
    ("－12", -12.0),
    ("\u221212", -12.0),  # MINUS SIGN
    ("+7", 7.0),
    (" 42 ", 42.0),
    ("1 234", 1234.0),
    ("1.2E+03", 1200.0),
    ("1000万元人民币", 1000.0),
    ("人民币1000万元", 1000.0),
    ("¥1,234元", 0.1234),
    (".5", 0.5),
    ("0", 0.0),
]


@pytest.mark.parametrize(("raw", "expected"), AMOUNTS_IN_WAN)
def test_parse_amount_values(raw, expected):
    result = parse.parse_amount(pd.Series([raw]), None)
    assert result.error.iloc[0] is None
    assert result.values.iloc[0] == expected


@pytest.mark.parametrize(
    "raw", ["—", "–", "-", "－", "", "  ", "/", "无", "N/A", "n/a", "nan", "NaN", "——", None, NAN]
)
def test_parse_amount_missing_without_error(raw):
    result = parse.parse_amount(pd.Series([raw], dtype=object), "万元")
    assert math.isnan(result.values.iloc[0]) and result.error.iloc[0] is None


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("abc", "无法解析的数值 'abc' (not a number)"),
        ("12,34", "无法解析的数值 '12,34' (not a number)"),
        ("1.2.3", "无法解析的数值 '1.2.3' (not a number)"),
        ("(5", "无法解析的数值 '(5' (not a number)"),
        ("约100万", "无法解析的数值 '约100万' (not a number)"),
        ("100斤", "无法解析的数值 '100斤' (not a number)"),
        ("#N/A", "无法解析的数值 '#N/A' (not a number)"),
        ("1e400", "无法解析的数值 '1e400' (not a number)"),
        ("3万人", "单位 万人 与字段不符 (unit does not fit the field)"),
        ("12.5%", "单位 % 与字段不符 (unit does not fit the field)"),
        ("8吨标准煤", "单位 吨标准煤 与字段不符 (unit does not fit the field)"),
        ("500万美元", "外币金额 '500万美元' 需先折算为人民币 (foreign currency: convert to yuan first)"),
    ],
)
def test_parse_amount_errors(raw, reason):
    result = parse.parse_amount(pd.Series([raw]), None)
    assert math.isnan(result.values.iloc[0])
    assert result.error.iloc[0] == reason


def test_parse_amount_unit_precedence():
    cells = pd.Series(["1.5", "2亿元", "3万"])
    # header in 亿元: a bare number is 亿元; a unit in the cell wins
    assert parse.parse_amount(cells, "亿元").values.tolist() == [15000.0, 20000.0, 3.0]
    # no header unit: the target unit is assumed
    assert parse.parse_amount(cells, None).values.tolist() == [1.5, 20000.0, 3.0]
    # other targets
    assert parse.parse_amount(cells, "亿元", target="元").values.tolist() == [
        150000000.0,
        200000000.0,
        30000.0,
    ]
    assert parse.parse_amount(cells, "万元", target="亿元").values.tolist() == [0.00015, 2.0, 0.0003]


def test_parse_amount_header_of_the_wrong_kind():
    # every number that relies on the header is an error; empty cells and cells with their own unit are fine
    result = parse.parse_amount(pd.Series(["12", "—", "3万元"]), "人")
    assert result.error.tolist() == ["单位 人 与字段不符 (unit does not fit the field)", None, None]
    assert [same(a, b) for a, b in zip(result.values, [NAN, NAN, 3.0], strict=True)] == [True] * 3


def test_parse_amount_people_energy_percent():
    people = parse.parse_amount(pd.Series(["3万人", "120", "1.5万", "12元"]), None, target="人")
    assert people.values.tolist()[:3] == [30000.0, 120.0, 15000.0]
    assert people.error.iloc[3] == "单位 元 与字段不符 (unit does not fit the field)"
    energy = parse.parse_amount(pd.Series(["1.2万吨标准煤", "300吨标煤", "5"]), "吨标准煤", target="吨标准煤")
    assert energy.values.tolist() == [12000.0, 300.0, 5.0]
    pct = parse.parse_amount(pd.Series(["12.5%", "12.5", "１２．５％", "3万人"]), "%", target="%")
    assert pct.values.tolist()[:3] == [12.5, 12.5, 12.5]
    assert pct.error.iloc[3] == "单位 万人 与字段不符 (unit does not fit the field)"


def test_parse_amount_numeric_and_mixed_input():
    floats = parse.parse_amount(pd.Series([1.0, 2.5, np.nan]), "亿元")
    assert floats.values.tolist()[:2] == [10000.0, 25000.0] and math.isnan(floats.values.iloc[2])
    ints = parse.parse_amount(pd.Series([12000, 5]), "元")
    assert ints.values.tolist() == [1.2, 0.0005]
    mixed = parse.parse_amount(pd.Series([1234.5, "—", 7, "1.2亿元", None], dtype=object), "万元")
    assert [same(a, b) for a, b in zip(mixed.values, [1234.5, NAN, 7.0, 12000.0, NAN], strict=True)] == [
        True
    ] * 5
    assert mixed.error.isna().all()
    wrong = parse.parse_amount(pd.Series([1.0, np.nan]), "人")
    assert wrong.error.tolist() == ["单位 人 与字段不符 (unit does not fit the field)", None]


def test_parse_amount_alignment_and_dtype():
    s = pd.Series(["1", "x", "3"], index=["a", "b", "c"], name="revenue")
    result = parse.parse_amount(s, None)
    assert result.values.index.tolist() == ["a", "b", "c"] and result.error.index.tolist() == ["a", "b", "c"]
    assert result.values.dtype == np.float64 and result.values.name == "revenue"
    assert result.ok.tolist() == [True, False, True] and result.n_errors == 1
    empty = parse.parse_amount(pd.Series([], dtype=object), None)
    assert len(empty.values) == 0


def test_parse_amount_rejects_unknown_units():
    with pytest.raises(ValueError, match="unknown target unit '斤'"):
        parse.parse_amount(pd.Series(["1"]), None, target="斤")
    with pytest.raises(ValueError, match=r"^unknown unit '斤'$"):
        parse.parse_amount(pd.Series(["1"]), "斤")


SCALES = [("", None), ("元", 1.0), ("千元", 1e3), ("万元", 1e4), ("百万元", 1e6), ("亿元", 1e8), ("万", 1e4),
          ("亿", 1e8), ("千万", 1e7)]  # fmt: skip
FULLWIDTH = str.maketrans("0123456789,.-()", "０１２３４５６７８９，．－（）")


@settings(max_examples=400, deadline=None)
@given(
    mantissa=st.integers(-(10**13), 10**13),
    decimals=st.integers(0, 6),
    unit=st.sampled_from(SCALES),
    header=st.sampled_from([None, "元", "万元", "亿元"]),
    separators=st.booleans(),
    parentheses=st.booleans(),
    fullwidth=st.booleans(),
)
def test_parse_amount_round_trip(mantissa, decimals, unit, header, separators, parentheses, fullwidth):
    digits = str(abs(mantissa)).rjust(decimals + 1, "0")
    whole, frac = (digits[:-decimals], digits[-decimals:]) if decimals else (digits, "")
    text = f"{int(whole):,}" if separators else whole
    if frac:
        text += "." + frac
    word, scale = unit
    if mantissa < 0:
        text = f"({text}{word})" if parentheses else f"-{text}{word}"
    else:
        text += word
    if fullwidth:
        text = text.translate(FULLWIDTH)
    if scale is None:
        scale = parse.UNITS[header][1] if header else 1e4
    expected = mantissa / 10**decimals * scale / 1e4
    got = parse.parse_amount(pd.Series([text]), header).values.iloc[0]
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-300), text


# --- counts --------------------------------------------------------------------------------------------


def test_parse_count():
    s = pd.Series(["3,500", "3.5万人", "12.0", "1.2万", 42, "—", None, "-3", "2.5", "5万元", "x"])
    result = parse.parse_count(s)
    assert str(result.values.dtype) == "Int64"
    assert result.values.tolist()[:7] == [3500, 35000, 12, 12000, 42, pd.NA, pd.NA]
    assert result.values.iloc[7:].isna().all()
    assert result.error.tolist() == [
        None, None, None, None, None, None, None,
        "人数不能为负 '-3' (headcount cannot be negative)",
        "人数应为整数 '2.5' (headcount must be a whole number)",
        "单位 万元 与字段不符 (unit does not fit the field)",
        "无法解析的数值 'x' (not a number)",
    ]  # fmt: skip
    assert parse.parse_count(pd.Series(["1.5", "2"]), "万人").values.tolist() == [15000, 20000]


# --- dates ---------------------------------------------------------------------------------------------

TODAY = dt.date(2025, 6, 30)
MARCH_1 = pd.Timestamp("2019-03-01")


@pytest.mark.parametrize(
    "raw",
    [
        "2019-03-01",
        "2019/3/1",
        "2019.3.1",
        "20190301",
        "2019年3月1日",
        "2019年03月01日",
        "2019 年 3 月 1 日",
        "2019年3月",
        "2019-03",
        "２０１９－０３－０１",
        "2019-03-01 14:30:00",
        "2019-03-01T14:30:00+08:00",
        "43525",
        43525,
        43525.0,
        "43525.75",
        20190301,
        dt.datetime(2019, 3, 1, 14, 30),
        dt.date(2019, 3, 1),
        pd.Timestamp("2019-03-01"),
        pd.Timestamp("2019-03-01 08:00", tz="Asia/Shanghai"),
    ],
)
def test_parse_date_formats(raw):
    result = parse.parse_date(pd.Series([raw], dtype=object), today=TODAY)
    assert result.error.iloc[0] is None
    assert result.values.iloc[0] == MARCH_1


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2019-02-30", "无法解析的日期 '2019-02-30' (not a date)"),
        ("2019-13-01", "无法解析的日期 '2019-13-01' (not a date)"),
        ("2019", "无法解析的日期 '2019' (not a date)"),  # a bare year is not taken for an Excel serial
        ("12345", "无法解析的日期 '12345' (not a date)"),  # Excel serial before 1950
        (1000, "无法解析的日期 1000 (not a date)"),
        ("abc", "无法解析的日期 'abc' (not a date)"),
        ("2019-03-01x", "无法解析的日期 '2019-03-01x' (not a date)"),
        ("2030-01-01", "日期晚于今天 (date in the future)"),
        ("2025-07-01", "日期晚于今天 (date in the future)"),
        (60000, "日期晚于今天 (date in the future)"),  # Excel serial of 2064
    ],
)
def test_parse_date_errors(raw, reason):
    result = parse.parse_date(pd.Series([raw], dtype=object), today=TODAY)
    assert result.error.iloc[0] == reason
    assert pd.isna(result.values.iloc[0])


def test_parse_date_of_a_long_text_column_parses_each_distinct_text_once(monkeypatch):
    """1,200 rows of six texts (a date, another form of it, a day that does not exist, a future day, a blank and a
    missing cell), in a str column: each row gets what its text gives alone, and the parser ran once, on the five
    distinct texts (parse._parse_date counted)."""
    texts = ["2019-03-01", "2019年3月1日", "2019-02-30", "2030-01-01", "", None]
    series = pd.Series(texts * 200, dtype="str", index=range(5, 1205))
    calls = []
    inner = parse._parse_date
    monkeypatch.setattr(parse, "_parse_date", lambda s, today: calls.append(len(s)) or inner(s, today))
    result = parse.parse_date(series, today=TODAY)
    assert calls == [5]
    assert result.values.index.tolist() == list(range(5, 1205)) and result.values.dtype == np.dtype("datetime64[ns]")
    assert result.values.iloc[:6].tolist()[:2] == [MARCH_1, MARCH_1] and result.values.iloc[2:6].isna().all()
    assert result.error.iloc[:6].tolist() == [None, None, "无法解析的日期 '2019-02-30' (not a date)",
                                              "日期晚于今天 (date in the future)", None, None]
    assert result.values.iloc[600:606].equals(result.values.iloc[:6].set_axis(result.values.index[600:606]))
    assert result.error.iloc[6:].tolist() == result.error.iloc[:6].tolist() * 199
    assert parse.parse_date(series.iloc[:6], today=TODAY).error.tolist() == result.error.iloc[:6].tolist()


def test_parse_date_of_a_long_text_column_judges_the_future_by_the_today_given():
    """Parsed once per distinct text, a day after `today` (2025-06-30) but before the clock's today is still in the
    future for that `today`: 1,000 rows of 2025-07-01 and 2025-06-30."""
    series = pd.Series(["2025-07-01", "2025-06-30"] * 500, dtype="str")
    result = parse.parse_date(series, today=TODAY)
    assert result.error.tolist() == ["日期晚于今天 (date in the future)", None] * 500
    assert result.values.iloc[:2].isna().tolist() == [True, False] and result.values.iloc[1] == pd.Timestamp("2025-06-30")


def test_parse_date_today_is_not_the_future():
    result = parse.parse_date(pd.Series(["2025-06-30"]), today=TODAY)
    assert result.error.iloc[0] is None and result.values.iloc[0] == pd.Timestamp("2025-06-30")


def test_parse_date_missing_dtype_and_alignment():
    s = pd.Series(["2019-03-01", None, "", "—", "/", np.nan], index=list("abcdef"), dtype=object)
    result = parse.parse_date(s, today=TODAY)
    assert result.values.dtype == np.dtype("datetime64[ns]")
    assert result.values.index.tolist() == list("abcdef")
    assert result.values.iloc[0] == MARCH_1 and result.values.iloc[1:].isna().all()
    assert result.error.isna().all()


def test_parse_date_datetime_column():
    s = pd.Series(pd.to_datetime(["2019-03-01 13:00", None, "2030-01-01 00:00"]))
    result = parse.parse_date(s, today=TODAY)
    assert result.values.iloc[0] == MARCH_1 and result.values.iloc[1:].isna().all()
    assert result.error.tolist() == [None, None, "日期晚于今天 (date in the future)"]
    aware = pd.Series(pd.to_datetime(["2019-03-01 08:00"]).tz_localize("Asia/Shanghai"))
    assert parse.parse_date(aware, today=TODAY).values.iloc[0] == MARCH_1


def test_parse_date_default_today():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    result = parse.parse_date(pd.Series([tomorrow.isoformat(), "2019-03-01"]))
    assert result.error.tolist() == ["日期晚于今天 (date in the future)", None]


# --- years ---------------------------------------------------------------------------------------------


def test_parse_year():
    s = pd.Series(
        [2023, "2023年", "2023.0", 2023.0, "2023年度", " 2024 ", "２０２２", None, "", "—"], dtype=object
    )
    result = parse.parse_year(s)
    assert str(result.values.dtype) == "Int64"
    assert result.values.tolist() == [2023, 2023, 2023, 2023, 2023, 2024, 2022, pd.NA, pd.NA, pd.NA]
    assert result.error.isna().all()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (1989, "年份无效 1989 (invalid year)"),
        ("2101", "年份无效 '2101' (invalid year)"),
        ("abc", "年份无效 'abc' (invalid year)"),
        (2023.5, "年份无效 2023.5 (invalid year)"),
        ("2023-12", "年份无效 '2023-12' (invalid year)"),
    ],
)
def test_parse_year_errors(raw, reason):
    result = parse.parse_year(pd.Series([raw], dtype=object))
    assert result.error.iloc[0] == reason and pd.isna(result.values.iloc[0])


def test_parse_year_numeric_column():
    result = parse.parse_year(pd.Series([2023.0, np.nan, 1800.0]))
    assert result.values.tolist() == [2023, pd.NA, pd.NA]
    assert result.error.tolist() == [None, None, "年份无效 1800.0 (invalid year)"]
    assert parse.parse_year(pd.Series([1990, 2100])).values.tolist() == [1990, 2100]


# --- flags ---------------------------------------------------------------------------------------------


def test_parse_flag():
    raw = ["是", "否", "Y", "N", "yes", "no", "1", "0", "√", "×", "true", "false", "", None, "TRUE", "Ｙ", " 是 ", 1, 0,
           True, 1.0, "有", "无"]  # fmt: skip
    result = parse.parse_flag(pd.Series(raw, dtype=object))
    assert str(result.values.dtype) == "boolean"
    expected = [True, False, True, False, True, False, True, False, True, False, True, False, pd.NA, pd.NA, True,
                True, True, True, False, True, True, True, False]  # fmt: skip
    assert result.values.tolist() == expected
    assert result.error.isna().all()


def test_parse_flag_errors_and_bool_column():
    result = parse.parse_flag(pd.Series(["maybe", "是"], index=[3, 4]))
    assert result.error.tolist() == ["无法识别的是/否值 'maybe' (not a yes/no value)", None]
    assert result.values.index.tolist() == [3, 4] and result.values.tolist() == [pd.NA, True]
    assert parse.parse_flag(pd.Series([True, False])).values.tolist() == [True, False]


# --- tags ----------------------------------------------------------------------------------------------


def test_parse_tags():
    s = pd.Series(
        ["高新技术企业；专精特新、上市", "", None, "高新,高新", "规上企业/专精特新“小巨人”", "high_tech", " 上市公司 ；",
         "高企 专精特新企业", "高新技术企业;上市"],
        index=range(10, 19),
    )  # fmt: skip
    result = parse.parse_tags(s)
    assert result.values.index.tolist() == list(range(10, 19))
    assert result.values.tolist() == [
        ["high_tech", "srdi", "listed"],
        [],
        [],
        ["high_tech"],
        ["above_scale", "little_giant"],
        ["high_tech"],
        ["listed"],
        ["high_tech", "srdi"],
        ["high_tech", "listed"],
    ]
    assert result.error.isna().all()


def test_parse_tags_unknown_words():
    result = parse.parse_tags(pd.Series(["foo、上市", "规上；foo；bar"]))
    assert result.error.tolist() == ["未知标签 foo (unknown tag)", "未知标签 foo、bar (unknown tag)"]
    assert result.values.tolist() == [None, None]


def test_parse_tags_custom_aliases():
    aliases = {"瞪羚": "gazelle", "独角兽": "unicorn"}
    result = parse.parse_tags(pd.Series(["瞪羚，独角兽", "高新"]), aliases)
    assert result.values.tolist()[0] == ["gazelle", "unicorn"]
    assert result.error.tolist()[1] == "未知标签 高新 (unknown tag)"
    assert TAG_ALIASES["高新"] == "high_tech"  # default table untouched


# --- text ----------------------------------------------------------------------------------------------


def test_halfwidth():
    s = pd.Series(
        ["ＡＢＣ１２３　ｘ", None, "普通", "腾讯科技（深圳）有限公司", "，；：！？", "abc"],
        index=list("uvwxyz"),
    )
    result = parse.halfwidth(s)
    assert result.index.tolist() == list("uvwxyz")
    assert pd.isna(result.iloc[1])
    assert result.drop("v").tolist() == ["ABC123 x", "普通", "腾讯科技(深圳)有限公司", ",;:!?", "abc"]
    # only full-width ASCII and U+3000 change: Chinese punctuation and other spaces stay
    assert parse.halfwidth(pd.Series(["、。“”\u00a0\u2003"])).iloc[0] == "、。“”\u00a0\u2003"


def test_halfwidth_matches_str_translate_on_every_fullwidth_character():
    every = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
    expected = "".join(chr(c) for c in range(0x21, 0x7F)) + " "
    sliced = pd.Series(["x", every, every + "广州" + every, None]).iloc[1:]  # an offset Arrow slice
    assert parse.halfwidth(sliced).tolist()[:2] == [expected, expected + "广州" + expected]


def test_clean_text():
    s = pd.Series(
        [
            "  广州\u3000 某某  公司 ",
            "",
            "   ",
            None,
            "ＡＢＣ（深圳）",
            "a\u200bb",
            "x\u00a0\u2003y\tz\n",
            3911.0,
            12.5,
        ],
        dtype=object,
    )
    result = parse.clean_text(s)
    assert result.values.tolist() == [
        "广州 某某 公司",
        None,
        None,
        None,
        "ABC(深圳)",
        "ab",
        "x y z",
        "3911",
        "12.5",
    ]
    assert result.values.dtype == object and result.error.isna().all()
    assert parse.clean_text(pd.Series([3911.0, np.nan])).values.tolist() == ["3911", None]


def test_clean_text_keeps_line_breaks_when_asked():
    # lines=True (business scopes): a whitespace run holding \r\n, \r or \n -> one \n, blank lines and the spaces
    # around it included; other runs -> one space; both trimmed at the ends. Full-width space U+3000 is a space.
    s = pd.Series(["电池制造 \r\n\n 服装制造", "a\rb", "x\t\u3000y", "\n电池\n ", "无换行", None, "   "], dtype=object)
    assert parse.clean_text(s, lines=True).values.tolist() == [
        "电池制造\n服装制造", "a\nb", "x y", "电池", "无换行", None, None]
    assert parse.clean_text(s).values.tolist() == ["电池制造 服装制造", "a b", "x y", "电池", "无换行", None, None]


def test_clean_text_reads_every_line_break_as_one():
    # NEL U+0085, LINE SEPARATOR U+2028 and PARAGRAPH SEPARATOR U+2029 break a line as \n does; \v, \f, U+2007
    # (figure space) and the ASCII record separator \x1e stay spaces
    s = pd.Series(["电池\u2028服装", "电池 \u2029\n 服装", "电池\x85服装", "电池\v服装", "电池\f 服装",
                   "电池\u2007服装", "电池\x1e服装", "\u2028电池\u2029"], dtype=object)
    assert parse.clean_text(s, lines=True).values.tolist() == [
        "电池\n服装", "电池\n服装", "电池\n服装", "电池 服装", "电池 服装", "电池 服装", "电池 服装", "电池"]
    assert parse.clean_text(s).values.tolist() == [  # without lines: every one of them is a space
        "电池 服装", "电池 服装", "电池 服装", "电池 服装", "电池 服装", "电池 服装", "电池 服装", "电池"]


def test_a_sliced_arrow_column_reads_like_a_fresh_one() -> None:
    """A cast of a sliced `string` array keeps offsets that do not start at 0, which pyarrow 26's ascii_upper
    misreads: the check characters of valid USCCs came out wrong before the fix."""
    import pyarrow as pa

    from chanye.registry import uscc

    valid = list(uscc.random_valid(np.random.default_rng(11714), 12, ["440101"]))
    column = pa.array(["x" * 18] * 8 + valid, pa.string()).slice(8)  # Arrow's CSV reader hands out such slices
    sliced = uscc.validate(pd.Series(pd.arrays.ArrowExtensionArray(column)))
    assert sliced.error.tolist() == [None] * len(valid)
    assert sliced.normalised.tolist() == valid
