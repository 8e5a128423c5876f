"""Business-scope cleaning and splitting: boilerplate in full- and half-width forms, and the vectorised twins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chanye.classify.scope import clean_scope, clean_scopes, split_scope, split_scopes
from chanye.classify.synthetic_scope import registry_style_scopes, scope_for_code, scopes_for_codes

CASES = [
    (
        "一般项目：汽车零部件及配件制造；电池制造；货物进出口（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
        "许可项目：道路机动车辆生产（依法须经批准的项目，经相关部门批准后方可开展经营活动，"
        "具体经营项目以相关部门批准文件或许可证件为准）",
        "汽车零部件及配件制造；电池制造；货物进出口；道路机动车辆生产",
    ),
    (
        "化学药品制剂的生产与销售(依法须经批准的项目,经相关部门批准后方可开展经营活动)",
        "化学药品制剂的生产与销售",
    ),
    ("软件开发、信息技术咨询服务。以上项目不涉及外商投资准入特别管理措施", "软件开发、信息技术咨询服务"),
    ("(除依法须经批准的项目外,凭营业执照依法自主开展经营活动)", ""),
    (
        "1、研发生产锂电池；2、销售 电子产品。依法须经批准的项目，经相关部门批准后方可开展经营活动",
        "研发生产锂电池；销售电子产品",
    ),
    (
        "批发和零售贸易（国家专营专控商品除外）；法律、行政法规禁止的项目除外",
        "批发和零售贸易（国家专营专控商品除外）",
    ),
    ("一般经营项目：日用百货销售\n许可经营项目：食品销售", "日用百货销售；食品销售"),
    # a line break (Alt+Enter in a cell) separates items, \r\n once; a boilerplate sentence broken over two
    # lines goes in both halves (依法须经批准 / 经相关部门批准后)
    ("电池制造\r\n服装制造\n依法须经批准的项目，\n经相关部门批准后方可开展经营活动", "电池制造；服装制造"),
    # so do the Unicode line breaks (LINE and PARAGRAPH SEPARATOR, NEL); \v and \f are whitespace, as before
    ("电池制造\u2028服装制造\u2029五金\x85纸张\v灯具\f玩具", "电池制造；服装制造；五金；纸张灯具玩具"),
    (None, ""),
    ("", ""),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_clean_scope(raw, expected) -> None:
    assert clean_scope(raw) == expected


def test_split_scope() -> None:
    assert split_scope("电池制造\n服装制造") == ["电池制造", "服装制造"]  # two lines, two items
    assert split_scope(CASES[0][0]) == ["汽车零部件及配件制造", "电池制造", "货物进出口", "道路机动车辆生产"]
    assert split_scope("软件开发、信息技术咨询服务,技术服务;技术开发。") == [
        "软件开发",
        "信息技术咨询服务",
        "技术服务",
        "技术开发",
    ]
    assert split_scope(None) == []


def test_vectorised_twins_agree_and_keep_the_index() -> None:
    raw = [c[0] for c in CASES]
    series = pd.Series(raw, index=range(10, 10 + len(raw)), dtype=object)
    cleaned = clean_scopes(series)
    assert cleaned.tolist() == [c[1] for c in CASES]
    assert list(cleaned.index) == list(series.index)
    assert split_scopes(series).tolist() == [split_scope(r) for r in raw]
    synthetic = scopes_for_codes(["3841", "2720", "6513", "0111"] * 25, np.random.default_rng(3))
    assert clean_scopes(synthetic).tolist() == [clean_scope(s) for s in synthetic]


def test_synthetic_scopes_are_deterministic_and_clean_to_something() -> None:
    one = scopes_for_codes(["3841", "2720"], np.random.default_rng(1), {"3841": ["动力电池"]})
    two = scopes_for_codes(["3841", "2720"], np.random.default_rng(1), {"3841": ["动力电池"]})
    assert one == two
    single = scope_for_code("3841", np.random.default_rng(1), ["动力电池"])
    assert single == scopes_for_codes(["3841"], np.random.default_rng(1), {"3841": ["动力电池"]})[0]
    texts = scopes_for_codes(["3612"] * 200, np.random.default_rng(2))
    assert all(clean_scope(t) for t in texts)
    assert sum("新能源车整车制造" in t for t in texts) > 100
    hidden = scopes_for_codes(["3612"] * 200, np.random.default_rng(2), use_name=False)
    assert not any("新能源车整车" in t for t in hidden)


def test_registry_style_service_scopes_lead_with_their_class_mostly():
    phrases = {"8040": ["美发服务", "理发及美容服务"], "8052": ["足浴服务"], "8051": ["洗浴服务"], "6210": ["餐饮服务"]}
    texts = registry_style_scopes(["8040", "8052", "6210", "8040"], np.random.default_rng(3), phrases)
    assert texts == [
        "经营范围：美发服务；停车场服务（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
        "一般经营项目：足浴服务；美发服务（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
        "以上项目不涉及外商投资准入特别管理措施",
        "一般项目：餐饮服务；礼仪服务；互联网销售（除销售需要许可的商品）",
        # one scope in five lists a related activity of the same 大类 before the labelled one
        "洗浴服务；美发服务；足浴服务；市场营销策划；企业管理咨询（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
        "（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
    ]
    assert texts == registry_style_scopes(["8040", "8052", "6210", "8040"], np.random.default_rng(3), phrases)
    with pytest.raises(KeyError, match="7259"):
        registry_style_scopes(["7259"], np.random.default_rng(3), phrases)


def test_half_width_forms_are_replaced_only_where_they_occur() -> None:
    """`clean_scopes` replaces the half-width forms on the rows holding one (one pass finds them): rows with and
    without, each of `_WIDTH`'s characters, a missing cell; the index is kept, and `arrow=True` gives the same
    texts as Arrow-backed strings."""
    raw = ["研发(电池),销售;服务:储能", "电池制造；服装制造", None, "[一般项目]:电池\n服装\r鞋帽\x85箱包\u2028灯具\u2029家具",
           "软件开发、技术服务"]
    series = pd.Series(raw, index=[7, 3, 9, 1, 5], dtype=object)
    expected = ["研发（电池），销售；服务：储能", "电池制造；服装制造", "", "【一般项目】：电池；服装；鞋帽；箱包；灯具；家具",
                "软件开发、技术服务"]
    cleaned = clean_scopes(series)
    assert cleaned.tolist() == expected == [clean_scope(r) for r in raw]
    assert list(cleaned.index) == [7, 3, 9, 1, 5] and cleaned.dtype == object
    as_arrow = clean_scopes(series, arrow=True)
    assert as_arrow.tolist() == expected and str(as_arrow.dtype) == "str"
    assert clean_scopes(pd.Series(["电池制造", "服装"]), arrow=True).tolist() == ["电池制造", "服装"]  # none to replace
