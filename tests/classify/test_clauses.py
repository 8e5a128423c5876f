"""classify.clauses: a pattern searched once per distinct clause gives what a search of the whole texts gives."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from pydantic import ValidationError

from chanye.classify import chains as cc
from chanye.classify.clauses import SAMPLE, Clauses, repeats
from chanye.framework.chains import ChainNode
from chanye.framework.model import CodeRule

SCOPES = ["锂电池制造；电池零配件销售", "电池零配件销售。锂电池制造", "", "技术服务；；锂电池", "货物进出口"]
NAMES = ["示例锂电池有限公司", "", "示例电池公司", "示例A；B公司", ""]


@pytest.fixture(params=[True, False], ids=["cut", "whole"])
def clauses(request) -> Clauses:
    """The texts cut at every ；/。, or each of their two parts (scope, name) one clause."""
    return Clauses.of(pa.array(SCOPES), pa.array(NAMES), cut=request.param)


def test_each_text_is_its_clauses_each_distinct_clause_once() -> None:
    clauses = Clauses.of(pa.array(SCOPES), pa.array(NAMES), cut=True)
    assert clauses.distinct.to_pylist() == [
        "锂电池制造", "电池零配件销售", "示例锂电池有限公司", "", "示例电池公司", "技术服务", "锂电池", "示例A", "B公司",
        "货物进出口",
    ]
    assert clauses.ids.tolist() == [0, 1, 2, 1, 0, 3, 3, 4, 5, 3, 6, 7, 8, 9, 3]
    assert clauses.starts.tolist() == [0, 3, 6, 8, 13, 15]
    assert clauses.heads.tolist() == [2, 5, 7, 11, 14]  # a name's own ； stays out of the head
    whole = Clauses.of(pa.array(SCOPES), pa.array(NAMES), cut=False)
    assert whole.distinct.to_pylist() == [*SCOPES, "示例锂电池有限公司", "示例电池公司", "示例A；B公司"]
    assert whole.ids.tolist() == [0, 5, 1, 2, 2, 6, 3, 7, 4, 2]  # "" is the third scope's and two names'
    assert whole.starts.tolist() == [0, 2, 4, 6, 8, 10] and whole.heads.tolist() == [1, 3, 5, 7, 9]


def test_clauses_are_cut_when_at_most_half_of_them_are_distinct() -> None:
    items = [f"一般项目：条款{i % 3}；技术服务" for i in range(10)]  # 20 clauses, 4 distinct
    assert repeats(pa.array(items)) and Clauses.of(pa.array(items)).starts.tolist()[:3] == [0, 2, 4]
    own = [f"条款{i}；项目{i}" for i in range(10)]  # 20 clauses, 20 distinct
    assert not repeats(pa.array(own)) and Clauses.of(pa.array(own)).starts.tolist()[:3] == [0, 1, 2]
    assert repeats(pa.array(["甲；乙", "丙；乙", "甲；丁", "丙；乙"]))  # 8 clauses, 4 distinct: half
    assert not repeats(pa.array(["甲；乙", "丙；乙", "丁；乙", "戊；乙"]))  # 8 clauses, 5 distinct
    # only the first SAMPLE texts are counted: here all distinct, the 40,960 after them all the same
    assert not repeats(pa.array([f"条款{i}；项目{i}" for i in range(SAMPLE)] + ["技术服务；货物进出口"] * 10 * SAMPLE))


def test_the_leftmost_match_is_the_first_matching_clauses(clauses) -> None:
    at, words = clauses.first_match(np.arange(5), "电池零配件|锂电池|电池")
    assert at.tolist() == [0, 1, 2, 3]
    assert words.tolist() == ["锂电池", "电池零配件", "电池", "锂电池"]
    # the same rows asked in another order answer in that order; the head leaves the names out
    at, words = clauses.first_match(np.array([2, 0]), "有限公司|电池公司", head=False)
    assert at.tolist() == [0, 1] and words.tolist() == ["电池公司", "有限公司"]
    assert clauses.first_match(np.array([2, 0]), "有限公司|电池公司", head=True)[0].tolist() == []


def test_contains_and_first_match_equal_the_search_of_whole_texts(clauses) -> None:
    texts = pa.array([f"{s}；{n}" for s, n in zip(SCOPES, NAMES, strict=True)])
    for pattern in ("锂电池", "销售|服务", "A", "B公司|示例", "进出口", "电池[^；。]*?销售"):
        whole = pc.match_substring_regex(texts, pattern).to_numpy(zero_copy_only=False)
        assert clauses.contains(np.arange(5), pattern).tolist() == whole.tolist(), pattern
        at, words = clauses.first_match(np.arange(5), pattern)
        assert at.tolist() == np.flatnonzero(whole).tolist(), pattern
        expected = pc.extract_regex(texts.filter(pa.array(whole)), f"(?P<w>{pattern})").field("w").to_pylist()
        assert words.tolist() == expected, pattern


def test_chain_linking_reads_each_firms_scope_and_name_through_its_clauses() -> None:
    firms = pd.DataFrame({"uscc": ["A", "B", "C"], "industry_code": ["3841", "5179", "7511"],
                          "business_scope": ["锂离子电池制造", "一般项目：电池销售；五金产品批发", "技术开发"],
                          "name": ["示例公司", "示例商贸公司", "示例动力电池公司"]})
    prepared = cc._Prepared.of(firms)
    assert prepared.first_match(pd.Index([0, 1, 2]), "电池").to_dict() == {0: "电池", 1: "电池", 2: "电池"}
    assert prepared.first_match(pd.Index([2, 1]), "电池", scope_only=True).to_dict() == {1: "电池"}
    assert prepared.contains(pd.Index([1, 2]), "动力电池").tolist() == [False, True]


@pytest.mark.parametrize("make", [
    lambda: CodeRule(code="3841", scope="partial", keywords=("锂电池；储能",)),
    lambda: CodeRule(code="3841", scope="partial", keywords=("锂电池",), exclude=("回收。",)),
    lambda: ChainNode(id="cell", name="电芯", segment="midstream", products=("电芯；模组",)),
    lambda: ChainNode(id="cell", name="电芯", segment="midstream", keywords=("储能。",)),
])
def test_a_rule_word_across_a_clause_end_is_refused_by_name(make) -> None:
    with pytest.raises(ValidationError, match=r"含有“；”或“。”.*which end a business scope's clause"):
        make()


def test_texts_without_a_head_sliced_or_in_chunks_cut_the_same() -> None:
    texts = pa.array(["x；甲；乙", "丙。甲", "丁"])
    whole = Clauses.of(texts.slice(1), cut=True)  # an array with an offset into its buffers
    assert whole.distinct.to_pylist() == ["丙", "甲", "丁"]
    assert whole.ids.tolist() == [0, 1, 2] and whole.starts.tolist() == [0, 2, 3]
    assert whole.heads.tolist() == [2, 3]  # no head: the whole text
    chunked = Clauses.of(pa.chunked_array([texts.slice(0, 1), texts.slice(1)]), cut=True)
    assert chunked.distinct.to_pylist() == ["x", "甲", "乙", "丙", "丁"]
    assert chunked.starts.tolist() == [0, 3, 5, 6] and chunked.heads.tolist() == [3, 5, 6]
    kept = Clauses.of(pa.chunked_array([texts.slice(0, 1), texts.slice(1)]), cut=False)
    assert kept.distinct.to_pylist() == ["x；甲；乙", "丙。甲", "丁"] and kept.heads.tolist() == [1, 2, 3]


def test_a_few_texts_among_many_distinct_clauses_and_no_text(clauses) -> None:
    many = Clauses.of(pa.array([f"条款{i}；电池{i % 3}" for i in range(40)]), cut=True)
    at, words = many.first_match(np.array([7, 3]), "电池1|电池0")  # 4 clauses among 43 distinct ones
    assert at.tolist() == [0, 1] and words.tolist() == ["电池1", "电池0"]
    assert many.contains(np.array([5]), "电池2").tolist() == [True]
    found = clauses.contains([], "电池")
    assert found.dtype == bool and found.tolist() == []
    at, words = clauses.first_match([], "电池")
    assert at.dtype == np.int64 and words.dtype == object and len(at) == len(words) == 0
    at, words = clauses.first_match(np.arange(5), "氢能")
    assert at.dtype == np.int64 and words.dtype == object and len(at) == len(words) == 0


def test_answers_are_typed_and_a_head_holds_the_search(clauses) -> None:
    found = clauses.contains(np.arange(5), "有限公司")
    assert found.dtype == bool and found.tolist() == [True, False, False, False, False]
    assert clauses.contains(np.arange(5), "有限公司", head=True).tolist() == [False] * 5
    at, words = clauses.first_match(np.arange(5), "锂电池")
    assert at.dtype == np.int64 and words.dtype == object and at.tolist() == [0, 1, 3] and words.tolist() == ["锂电池"] * 3
