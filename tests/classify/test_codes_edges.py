"""Edge cases of the code and keyword rules: a pack whose nodes claim codes both whole and partially and through
several partial rules, code normalisation, empty inputs, text-model codes, manual overrides and error messages.

Every expected table is worked out by hand from the pack in this file and GB/T 4754-2017 (中类 384 电池制造 holds
the 小类 3841 锂离子电池, 3842 镍氢电池, 3843 铅蓄电池, 3844 锌锰电池 and 3849 其他电池制造).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chanye.classify.codes import (
    LINK_COLUMNS,
    apply_manual,
    classify,
    classify_by_rules,
    classify_by_text_codes,
    code_status,
    concordance_frame,
    empty_links,
    keyword_confidence,
    normalise_codes,
    predict_codes,
)
from chanye.errors import InputError, UnknownNode
from chanye.framework import load_pack

TINY = Path(__file__).parents[1] / "fixtures" / "packs" / "tiny"

HEAD = """\
pack:
  id: rich
  name: {zh: 规则测试体系, en: Rules}
  city: "440100"
  version: "1"
  sources: [gbt]
nodes:
  - {id: root, kind: system, name: {zh: 体系, en: System}, status: confirmed, sources: [gbt]}
  - {id: tier-a, parent: root, kind: tier, name: {zh: 支柱, en: Pillars}, status: confirmed, sources: [gbt]}
"""

# storage claims 3841 twice: partially through the 中类 384 and wholly as a 小类. cars claims 3841 through two
# partial rules (384 with one keyword, 3841 with three and two exclusions) and 3849 through a third rule whose
# keywords hold brackets and a blank word.
RICH = """\
  - id: storage
    parent: tier-a
    kind: cluster
    name: {zh: 储能, en: Storage}
    status: confirmed
    sources: [gbt]
    codes:
      - {code: "384", scope: partial, keywords: [储能, 电网]}
      - {code: "3841", scope: whole}
  - id: cars
    parent: tier-a
    kind: cluster
    name: {zh: 汽车, en: Cars}
    status: confirmed
    sources: [gbt]
    codes:
      - {code: "3612", scope: whole}
      - {code: "384", scope: partial, keywords: [动力电池]}
      - {code: "3841", scope: partial, keywords: [动力电池, 车用电池, 电驱系统], exclude: [电动自行车, 两轮车]}
      - {code: "3849", scope: partial, keywords: [燃料电池, "电堆(氢能)", ""]}
"""

BARE = "  - {id: bare, parent: tier-a, kind: cluster, name: {zh: 空, en: Bare}, status: confirmed, sources: [gbt]}\n"


def write_pack(folder: Path, nodes: str):
    folder.mkdir()
    for name in ("metrics.yaml", "sources.yaml"):
        shutil.copy(TINY / name, folder / name)
    (folder / "targets.yaml").write_text("targets: []\n", encoding="utf-8")
    (folder / "framework.yaml").write_text(HEAD + nodes, encoding="utf-8")
    return load_pack(folder)


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    return write_pack(tmp_path_factory.mktemp("packs") / "rich", RICH)


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """A pack whose only industry node claims no code."""
    return write_pack(tmp_path_factory.mktemp("packs") / "bare", BARE)


@pytest.fixture(scope="module")
def tiny():
    return load_pack(TINY)


def rows(links: pd.DataFrame) -> list[tuple]:
    """The links as tuples; a missing code as None (pandas may hold it as NaN once manual rows are added)."""
    assert list(links.columns) == list(LINK_COLUMNS)
    return [(*r[:5], None if pd.isna(r[5]) else r[5]) for r in links.itertuples(index=False)]


EMPTY_DTYPES = {
    "uscc": "object",
    "node": "object",
    "method": "object",
    "evidence": "object",
    "confidence": "float64",
    "code": "object",
}


def dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {c: str(t) for c, t in frame.dtypes.items()}


# --- the rule engine on a pack with overlapping claims ----------------------------------------------------


def rich_firms() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "uscc": ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11"],
            "industry_code": [
                "3841",
                "3841",
                "3841",
                "3612",
                "3842",
                "3843",
                "3849",
                "3849",
                "3849",
                "3841",
                "3844",
            ],
            "business_scope": [
                "储能系统集成",
                "动力电池、车用电池及电驱系统研发",
                "电动自行车车用电池制造",
                None,
                "电网侧储能电站建设",
                "两轮车动力电池",
                "燃料电池系统",
                "",
                None,
                "动力电池",
                "储能",
            ],
            "name": [
                "甲储能有限公司",
                "乙动力有限公司",
                "",
                "丁汽车有限公司",
                "戊电池有限公司",
                "己电池有限公司",
                "庚电堆(氢能)科技有限公司",
                "辛电堆氢能有限公司",
                "壬电堆(氢能)有限公司",
                "癸动力电池有限公司",
                "储能电网有限公司",
            ],
        }
    )


P3841 = "行业代码 3841 锂离子电池制造 部分归属；"
W3841 = ("storage", "code", "行业代码 3841 锂离子电池制造 整体归属", 1.0, "3841")

RICH_EXPECTED = [
    # R1: storage's whole 3841 (1.0) beats its partial 384 rule (储能: 0.8); cars' rules find no keyword.
    ("R1", *W3841),
    # R2: cars' 3841 rule finds three keywords (min(0.95, 0.7 + 0.3) = 0.95) and beats its 384 rule (0.8).
    ("R2", *W3841),
    ("R2", "cars", "keyword", P3841 + "经营范围含“动力电池”“车用电池”“电驱系统”", 0.95, "3841"),
    # R3: 车用电池 is vetoed by 电动自行车 and the 384 rule wants 动力电池: storage only.
    ("R3", *W3841),
    ("R4", "cars", "code", "行业代码 3612 新能源车整车制造 整体归属", 1.0, "3612"),
    # R5: both storage keywords, listed in rule order, not text order: 0.7 + 0.2 = 0.9.
    ("R5", "storage", "keyword", "行业代码 3842 镍氢电池制造 部分归属；经营范围含“储能”“电网”", 0.9, "3842"),
    # R6: 两轮车 only excludes under cars' 3841 rule, not under its 384 rule: 0.8.
    ("R6", "cars", "keyword", "行业代码 3843 铅蓄电池制造 部分归属；经营范围含“动力电池”", 0.8, "3843"),
    # R7: one keyword in the scope, one in the name, the blank keyword counts for nothing: 0.9.
    (
        "R7",
        "cars",
        "keyword",
        "行业代码 3849 其他电池制造 部分归属；经营范围含“燃料电池”；企业名称含“电堆(氢能)”",
        0.9,
        "3849",
    ),
    # R8: 电堆氢能 is not 电堆(氢能): keywords are literal text, brackets included (no link).
    # R9: no scope; the name holds the keyword: 0.8.
    ("R9", "cars", "keyword", "行业代码 3849 其他电池制造 部分归属；企业名称含“电堆(氢能)”", 0.8, "3849"),
    # R10: 动力电池 in scope and name is evidence once (scope) and counted once: 0.8 under both cars rules.
    ("R10", *W3841),
    ("R10", "cars", "keyword", P3841 + "经营范围含“动力电池”", 0.8, "3841"),
    # R11: 储能 in the scope (and the name), 电网 only in the name: two keywords, 0.9.
    (
        "R11",
        "storage",
        "keyword",
        "行业代码 3844 锌锰电池制造 部分归属；经营范围含“储能”；企业名称含“电网”",
        0.9,
        "3844",
    ),
]


def test_overlapping_whole_and_partial_claims_and_several_partial_rules(rich) -> None:
    assert rows(classify_by_rules(rich_firms(), rich)) == RICH_EXPECTED


def test_links_follow_the_input_row_order(rich) -> None:
    # The same firms backwards: links come out in the new row order, each firm's links still in node order.
    backwards = rich_firms().iloc[::-1]
    by_firm: dict[str, list[tuple]] = {}
    for row in RICH_EXPECTED:
        by_firm.setdefault(row[0], []).append(row)
    expected = [r for uscc in backwards["uscc"] for r in by_firm.get(uscc, [])]
    assert rows(classify_by_rules(backwards, rich)) == expected


def test_firms_indexed_by_their_uscc(rich) -> None:
    # An index named like a column must not get in the way (it is dropped, not turned into a column).
    assert rows(classify_by_rules(rich_firms().set_index("uscc", drop=False), rich)) == RICH_EXPECTED


def test_scopes_are_cleaned_before_matching(tiny) -> None:
    # Spaces (ASCII or full-width) inside a scope are dropped first, so "动力 电池" holds 动力电池; the name is
    # searched as written (its space stays, so 车用 电池 there is no keyword).
    frame = pd.DataFrame(
        {
            "uscc": ["S1", "S2"],
            "industry_code": ["3841", "3841"],
            "business_scope": ["动力 电池、储能系统", "车用\u3000电池"],
            "name": ["甲", "乙车用 电池有限公司"],
        }
    )
    assert rows(classify_by_rules(frame, tiny)) == [
        ("S1", "cars", "keyword", P3841 + "经营范围含“动力电池”", 0.8, "3841"),
        ("S1", "batteries", "code", "行业代码 3841 锂离子电池制造 整体归属", 1.0, "3841"),
        ("S2", "cars", "keyword", P3841 + "经营范围含“车用电池”", 0.8, "3841"),
        ("S2", "batteries", "code", "行业代码 3841 锂离子电池制造 整体归属", 1.0, "3841"),
    ]


XRAY = """\
  - id: imaging
    parent: tier-a
    kind: cluster
    name: {zh: 医学影像, en: Imaging}
    status: confirmed
    sources: [gbt]
    codes:
      - {code: "3581", scope: partial, keywords: [X射线]}
"""


def test_keywords_never_match_across_scope_and_name(tiny, tmp_path: Path) -> None:
    # Scope and name are searched one by one: 动力 | 电池 and X | 射线 split between them are no keyword.
    frame = pd.DataFrame(
        {
            "uscc": ["K1", "K2", "K3"],
            "industry_code": ["3841", "3581", "3581"],
            "business_scope": ["储能系统、动力", "医疗设备X", "X射线机制造"],
            "name": ["电池科技有限公司", "射线探伤有限公司", "某医疗有限公司"],
        }
    )
    assert rows(classify_by_rules(frame, tiny)) == [
        ("K1", "batteries", "code", "行业代码 3841 锂离子电池制造 整体归属", 1.0, "3841")
    ]
    xray = write_pack(tmp_path / "xray", XRAY)
    assert rows(classify_by_rules(frame, xray)) == [
        (
            "K3",
            "imaging",
            "keyword",
            "行业代码 3581 医疗诊断、监护及治疗设备制造 部分归属；经营范围含“X射线”",
            0.8,
            "3581",
        )
    ]


def test_scope_or_name_column_alone(rich) -> None:
    frame = rich_firms()
    # Without names, R9 (name only) and R11's 电网 (name only) go: R11 keeps 储能, 0.8.
    no_names = rows(classify_by_rules(frame.drop(columns="name"), rich))
    assert [r for r in no_names if r[0] in ("R7", "R9", "R11")] == [
        ("R7", "cars", "keyword", "行业代码 3849 其他电池制造 部分归属；经营范围含“燃料电池”", 0.8, "3849"),
        ("R11", "storage", "keyword", "行业代码 3844 锌锰电池制造 部分归属；经营范围含“储能”", 0.8, "3844"),
    ]
    # Without scopes only names count: R7 and R9 by 电堆(氢能); R10 by 动力电池 in its name; R11 by both words.
    no_scopes = rows(classify_by_rules(frame.drop(columns="business_scope"), rich))
    assert [r for r in no_scopes if r[2] == "keyword"] == [
        ("R7", "cars", "keyword", "行业代码 3849 其他电池制造 部分归属；企业名称含“电堆(氢能)”", 0.8, "3849"),
        ("R9", "cars", "keyword", "行业代码 3849 其他电池制造 部分归属；企业名称含“电堆(氢能)”", 0.8, "3849"),
        ("R10", "cars", "keyword", P3841 + "企业名称含“动力电池”", 0.8, "3841"),
        (
            "R11",
            "storage",
            "keyword",
            "行业代码 3844 锌锰电池制造 部分归属；企业名称含“储能”“电网”",
            0.9,
            "3844",
        ),
    ]


def test_concordance_frame(rich, bare) -> None:
    conc, rules = concordance_frame(rich)
    battery = ["3841", "3842", "3843", "3844", "3849"]  # the 小类 of 中类 384
    expected = (
        [("storage", c, "partial", 0, 0) for c in battery]
        + [("storage", "3841", "whole", 1, 0), ("cars", "3612", "whole", 2, 1)]
        + [("cars", c, "partial", 3, 1) for c in battery]
        + [("cars", "3841", "partial", 4, 1), ("cars", "3849", "partial", 5, 1)]
    )
    assert list(conc.columns) == ["node", "code", "scope", "rule", "node_order"]
    assert [tuple(r) for r in conc.itertuples(index=False)] == expected
    assert [(i, r.code, r.scope, r.keywords) for i, r in sorted(rules.items())] == [
        (0, "384", "partial", ("储能", "电网")),
        (1, "3841", "whole", ()),
        (2, "3612", "whole", ()),
        (3, "384", "partial", ("动力电池",)),
        (4, "3841", "partial", ("动力电池", "车用电池", "电驱系统")),
        (5, "3849", "partial", ("燃料电池", "电堆(氢能)", "")),
    ]
    empty, none = concordance_frame(bare)
    assert (list(empty.columns), len(empty), none) == (["node", "code", "scope", "rule", "node_order"], 0, {})


def test_no_links_give_the_typed_empty_table(tiny, bare) -> None:
    assert dtypes(empty_links()) == EMPTY_DTYPES
    frame = pd.DataFrame(
        {"uscc": ["A", "B"], "industry_code": ["0111", None]}
    )  # 稻谷种植: claimed by no node
    for links in (
        classify_by_rules(frame, tiny),
        classify_by_rules(frame.iloc[:0], tiny),
        classify_by_rules(pd.DataFrame({"uscc": ["A"], "industry_code": ["3841"]}), bare),
        classify(frame, tiny),
    ):
        assert (len(links), dtypes(links)) == (0, EMPTY_DTYPES)
        assert list(links.columns) == list(LINK_COLUMNS)


def test_first_claimed_code_links(tiny) -> None:
    # 3612 is the first code of the tiny pack's concordance (position 0 of the join index).
    assert rows(classify_by_rules(pd.DataFrame({"uscc": ["A"], "industry_code": [3612]}), tiny)) == [
        ("A", "cars", "code", "行业代码 3612 新能源车整车制造 整体归属", 1.0, "3612")
    ]


def test_missing_columns_message() -> None:
    with pytest.raises(InputError, match=r"^企业表缺少列 uscc, industry_code \(missing columns\)") as err:
        classify_by_rules(pd.DataFrame({"name": ["甲"]}), None)
    assert err.value.hint == "需要 uscc 与 industry_code 列"
    with pytest.raises(InputError, match=r"^企业表缺少列 uscc \(missing columns\)"):
        classify_by_rules(pd.DataFrame({"industry_code": ["3841"]}), None)


def test_keyword_confidence_bounds() -> None:
    # 0.7 + 0.1 n, capped at 0.95
    assert keyword_confidence(0) == 0.7
    assert keyword_confidence(1) == 0.8
    assert list(keyword_confidence(np.array([2, 3, 10]))) == [0.9, 0.95, 0.95]


# --- code normalisation -----------------------------------------------------------------------------------


def test_normalise_codes_forms() -> None:
    raw = pd.Series(
        [111, "111", "3841.0", 3841.0, "３６１２", "c3670", "3610", "361", "  ", np.nan, None, "38 41"],
        index=[9, 8, 7, 6, 5, 4, 3, 2, 1, 0, -1, -2],
    )
    out = normalise_codes(raw)
    # Excel's 111 is 0111 稻谷种植; 3610 (汽车整车制造) is a 2011 小类 split in 2017; 361 is a 中类.
    assert out.tolist() == [
        "0111",
        "0111",
        "3841",
        "3841",
        "3612",
        "3670",
        None,
        None,
        None,
        None,
        None,
        "3841",
    ]
    assert out.index.tolist() == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, -1, -2]
    assert code_status(raw).tolist() == [
        "ok",
        "ok",
        "ok",
        "ok",
        "ok",
        "ok",
        "invalid",
        "invalid",
        "missing",
        "missing",
        "missing",
        "ok",
    ]
    assert code_status(raw).index.tolist() == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, -1, -2]


def test_normalise_codes_of_objects_that_are_not_codes() -> None:
    assert normalise_codes(pd.Series([object(), True, "3841"], dtype=object)).tolist() == [None, None, "3841"]
    assert normalise_codes(pd.Series([], dtype=object)).tolist() == []


# --- text-model codes -------------------------------------------------------------------------------------


def test_text_links_confidence_rounding_and_index(rich) -> None:
    predicted = pd.DataFrame(
        {
            "uscc": ["T1", "T2", "T3"],
            "code": ["3841", "9999", "3849"],
            "probability": [0.33333, 0.9, 0.456],
            "business_scope": ["动力电池", "x", "燃料电池"],
            "name": ["", "", "电堆(氢能)"],
        },
        index=[7, 3, 5],
    )
    assert rows(classify_by_text_codes(predicted, rich)) == [
        # whole 3841: 0.33333 x 1.0 = 0.33333 -> 0.3333 (4 places)
        ("T1", "storage", "text", "经营范围预测小类 3841 锂离子电池制造 (p=0.33)", 0.3333, "3841"),
        # partial 3841 with one keyword: 0.33333 x 0.8 = 0.266664 -> 0.2667
        (
            "T1",
            "cars",
            "text",
            "经营范围预测小类 3841 锂离子电池制造 (p=0.33)；部分归属；经营范围含“动力电池”",
            0.2667,
            "3841",
        ),
        # T2's 9999 is no 小类. T3: two keywords, 0.456 x 0.9 = 0.4104; p shown to two places
        (
            "T3",
            "cars",
            "text",
            "经营范围预测小类 3849 其他电池制造 (p=0.46)；部分归属；经营范围含“燃料电池”；企业名称含“电堆(氢能)”",
            0.4104,
            "3849",
        ),
    ]


def test_text_links_need_probability_and_may_be_empty(tiny) -> None:
    with pytest.raises(InputError, match=r"^预测表缺少 probability 列 \(missing column probability\)$"):
        classify_by_text_codes(pd.DataFrame({"uscc": ["A"], "code": ["3841"]}), tiny)
    nothing = pd.DataFrame({"uscc": ["A"], "code": ["0111"], "probability": [0.9]})
    links = classify_by_text_codes(nothing, tiny)
    assert (len(links), dtypes(links)) == (0, EMPTY_DTYPES)


def test_text_probabilities_given_as_text(tiny) -> None:
    # Predictions read back from a CSV as text: "0.83" is the number 0.83 (whole 2720: 0.83 x 1.0).
    predicted = pd.DataFrame({"uscc": ["E"], "code": ["2720"], "probability": ["0.83"]})
    assert rows(classify_by_text_codes(predicted, tiny)) == [
        ("E", "pharma", "text", "经营范围预测小类 2720 化学药品制剂制造 (p=0.83)", 0.83, "2720")
    ]


class _Model:
    """Stands in for ScopeClassifier: always 2720 (p=0.7), then 2761 (0.2), then 3841 (0.1)."""

    def top_k(self, texts, k):
        n = len(texts)
        codes = np.array([["2720", "2761", "3841"]] * n, dtype=object)[:, :k]
        return codes, np.array([[0.7, 0.2, 0.1]] * n)[:, :k]


PREDICT_COLUMNS = ["uscc", "code", "probability", "rank", "business_scope", "name"]


def to_firms() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "uscc": ["A", "B", "C", "D", "E"],
            "industry_code": ["3612", None, "9999", "", "2720.0"],
            "business_scope": ["整车", "化学药品制剂", "生物药品", "  ", None],
        },
        index=[4, 3, 2, 1, 0],
    )


def test_predict_codes_rows_ranks_and_threshold() -> None:
    firms = to_firms()
    # Only B (blank code) and C (invalid code) have a scope; D's scope is blank, A and E have codes.
    one = predict_codes(firms, _Model())
    assert list(one.columns) == PREDICT_COLUMNS
    assert one.values.tolist() == [
        ["B", "2720", 0.7, 1, "化学药品制剂", None],
        ["C", "2720", 0.7, 1, "生物药品", None],
    ]
    # k=3 with the threshold exactly at the second probability: 0.2 >= 0.2 stays, 0.1 goes.
    two = predict_codes(firms.assign(name=["a", "b", "c", "d", "e"]), _Model(), k=3, min_probability=0.2)
    assert two.values.tolist() == [
        ["B", "2720", 0.7, 1, "化学药品制剂", "b"],
        ["B", "2761", 0.2, 2, "化学药品制剂", "b"],
        ["C", "2720", 0.7, 1, "生物药品", "c"],
        ["C", "2761", 0.2, 2, "生物药品", "c"],
    ]
    assert two.index.tolist() == [0, 1, 2, 3]
    # Without an industry_code column every firm with a scope is predicted.
    no_codes = predict_codes(firms.drop(columns="industry_code"), _Model(), min_probability=0.7)
    assert no_codes[["uscc", "code", "rank"]].values.tolist() == [
        ["A", "2720", 1],
        ["B", "2720", 1],
        ["C", "2720", 1],
    ]


def test_predict_codes_for_firms_indexed_by_their_uscc() -> None:
    out = predict_codes(to_firms().set_index("uscc", drop=False), _Model())
    assert out[["uscc", "code", "rank"]].values.tolist() == [["B", "2720", 1], ["C", "2720", 1]]


def test_predict_codes_with_nothing_to_predict() -> None:
    firms = to_firms()
    for frame in (firms.iloc[:0], firms.drop(columns="business_scope"), firms.iloc[[0, 3, 4]]):
        out = predict_codes(frame, _Model())
        assert (list(out.columns), len(out)) == (PREDICT_COLUMNS, 0)


def test_classify_with_model_defaults(tiny) -> None:
    firms = to_firms()
    # Defaults k=1, min_probability=0: one prediction per firm; A's recorded 3612 links by code.
    out = classify(firms, tiny, model=_Model())
    assert out.index.tolist() == [0, 1, 2, 3]  # rule links then text links, renumbered
    links = rows(out)
    text = "经营范围预测小类 2720 化学药品制剂制造 (p=0.70)"
    assert links == [
        ("A", "cars", "code", "行业代码 3612 新能源车整车制造 整体归属", 1.0, "3612"),
        ("E", "pharma", "code", "行业代码 2720 化学药品制剂制造 整体归属", 1.0, "2720"),
        ("B", "pharma", "text", text, 0.7, "2720"),
        ("C", "pharma", "text", text, 0.7, "2720"),
    ]
    # k=3: 2761 is pharma too (0.2); 3841 (0.1) links to batteries wholly, and to cars not (no keyword).
    more = rows(classify(firms.iloc[[1]], tiny, model=_Model(), k=3, min_probability=0.1))
    assert [(r[1], r[4], r[5]) for r in more] == [
        ("pharma", 0.7, "2720"),
        ("pharma", 0.2, "2761"),
        ("batteries", 0.1, "3841"),
    ]
    # min_probability reaches the model: with k=3 and 0.5 only 2720 (0.7) is left.
    assert [
        (r[1], r[4]) for r in rows(classify(firms.iloc[[1]], tiny, model=_Model(), k=3, min_probability=0.5))
    ] == [("pharma", 0.7)]
    # Only text links, no rule links: B alone.
    only = rows(classify(firms.iloc[[1]], tiny, model=_Model()))
    assert only == [("B", "pharma", "text", text, 0.7, "2720")]


# --- manual overrides -------------------------------------------------------------------------------------


def base_links(tiny) -> pd.DataFrame:
    frame = pd.DataFrame({"uscc": ["A", "B"], "industry_code": ["3612", "3841"]})
    return classify_by_rules(frame, tiny)


A_CARS = ("A", "cars", "code", "行业代码 3612 新能源车整车制造 整体归属", 1.0, "3612")
B_BATT = ("B", "batteries", "code", "行业代码 3841 锂离子电池制造 整体归属", 1.0, "3841")


def test_no_manual_rows_leave_links_alone(tiny) -> None:
    links = base_links(tiny)
    assert apply_manual(links, None) is links
    assert apply_manual(links, pd.DataFrame(columns=["uscc", "node", "action"])) is links


def test_one_manual_add_without_note_column(tiny) -> None:
    links = base_links(tiny)
    manual = pd.DataFrame({"uscc": ["A"], "node": ["pharma"], "action": [" ADD "]})
    out = apply_manual(links, manual)
    assert rows(out) == [
        A_CARS,
        B_BATT,
        ("A", "pharma", "manual", "人工指定", 1.0, "3612"),
    ]
    assert out.index.tolist() == [0, 1, 2]


def test_last_manual_row_per_firm_and_node_wins(tiny) -> None:
    links = base_links(tiny)
    manual = pd.DataFrame(
        {
            "uscc": ["A", "A", "B", "B"],
            "node": ["pharma", "pharma", "pharma", "pharma"],
            "action": ["add", "remove", "add", "add"],
            "note": ["", "", "初判", "复核"],
        }
    )
    # A: add then remove -> nothing; B: two adds -> one link with the later note.
    assert rows(apply_manual(links, manual)) == [
        A_CARS,
        B_BATT,
        ("B", "pharma", "manual", "人工指定：复核", 1.0, "3841"),
    ]


def test_manual_remove_only_and_blank_notes(tiny) -> None:
    links = base_links(tiny)
    removed = apply_manual(links, pd.DataFrame({"uscc": ["A"], "node": ["cars"], "action": ["remove"]}))
    assert rows(removed) == [B_BATT]
    assert removed.index.tolist() == [0]
    manual = pd.DataFrame(
        {"uscc": ["Z", "B"], "node": ["cars", "cars"], "action": ["add", "Add"], "note": ["  ", "整车配套"]}
    )
    # Z has no link: its code is unknown (None); a blank note adds nothing to the evidence.
    assert rows(apply_manual(links, manual)) == [
        A_CARS,
        B_BATT,
        ("Z", "cars", "manual", "人工指定", 1.0, None),
        ("B", "cars", "manual", "人工指定：整车配套", 1.0, "3841"),
    ]


def test_manual_on_no_links_and_code_from_first_known(tiny) -> None:
    manual = pd.DataFrame({"uscc": ["A"], "node": ["cars"], "action": ["add"], "note": ["核实"]})
    added = apply_manual(empty_links(), manual)
    assert rows(added) == [("A", "cars", "manual", "人工指定：核实", 1.0, None)]
    assert dtypes(added)["confidence"] == "float64"
    assert rows(apply_manual(empty_links(), manual.assign(action="remove"))) == []
    # A firm's code is its first link with a code, skipping links without one; a stored link whose evidence
    # is missing still gives its code.
    links = pd.DataFrame(
        [("A", "pharma", "manual", "人工指定", 1.0, None), ("A", "cars", "code", None, 1.0, "3612")],
        columns=list(LINK_COLUMNS),
    )
    out = apply_manual(links, manual.assign(node="batteries"))
    assert rows(out)[-1] == ("A", "batteries", "manual", "人工指定：核实", 1.0, "3612")


def test_manual_add_before_anything_is_classified() -> None:
    # A links frame without even columns (nothing classified yet) takes manual adds.
    manual = pd.DataFrame({"uscc": ["A"], "node": ["cars"], "action": ["add"], "note": ["核实"]})
    assert rows(apply_manual(pd.DataFrame(), manual)) == [
        ("A", "cars", "manual", "人工指定：核实", 1.0, None)
    ]


def test_manual_errors(tiny) -> None:
    links = base_links(tiny)
    with pytest.raises(InputError, match=r"^人工调整表缺少列 node, action \(missing columns\)") as err:
        apply_manual(links, pd.DataFrame({"uscc": ["A"], "note": ["x"]}))
    assert err.value.hint == "需要 uscc, node, action, note"
    bad = pd.DataFrame({"uscc": ["A", "B", "C"], "node": ["cars"] * 3, "action": ["move", "add", "delete"]})
    with pytest.raises(
        InputError, match=r"^人工调整动作只能是 add 或 remove，而不是 delete, move \(unknown action\)$"
    ):
        apply_manual(links, bad)
    unknown = pd.DataFrame({"uscc": ["A", "A"], "node": ["cars", "nowhere"], "action": ["add", "add"]})
    with pytest.raises(UnknownNode, match="'nowhere'"):
        apply_manual(links, unknown, tiny)
    # Without a framework node ids are not checked.
    assert rows(apply_manual(links, unknown))[-1] == ("A", "nowhere", "manual", "人工指定", 1.0, "3612")


def test_classify_with_manual(tiny) -> None:
    frame = pd.DataFrame({"uscc": ["A", "B"], "industry_code": ["3612", "3841"]})
    manual = pd.DataFrame(
        {
            "uscc": ["B", "C"],
            "node": ["batteries", "pharma"],
            "action": ["remove", "add"],
            "note": ["", "新药"],
        }
    )
    assert rows(classify(frame, tiny, manual=manual)) == [
        A_CARS,
        ("C", "pharma", "manual", "人工指定：新药", 1.0, None),
    ]
    # With no rule link at all the manual add still lands.
    assert rows(classify(frame.iloc[:0], tiny, manual=manual)) == [
        ("C", "pharma", "manual", "人工指定：新药", 1.0, None)
    ]
    with pytest.raises(UnknownNode, match="'nowhere'"):
        classify(frame, tiny, manual=manual.assign(node="nowhere"))
