"""The nearest classes by wording (classify/nearest.py, issue 11): the reader's fallback when no word of its
vocabulary is in a scope; suggestions for review, never accepted."""

from __future__ import annotations

import math

import pytest

from chanye.classify import reader
from chanye.classify.nearest import BigramIndex, bigrams
from chanye.classify.reader import Reading, read_scope


def test_bigrams():
    assert bigrams("林木采伐") == ["林木", "木采", "采伐"]
    assert bigrams("林") == ["林"]
    assert bigrams("") == []


def test_cosine_worked_by_hand():
    # Three classes, nine bigrams, each in one class: idf ln(4 / 2) + 1 for all, so every class vector is three
    # equal weights, 1 / sqrt(3) each once unit length. "林木采伐" shares 林木 with A and 采伐 with C (木采 is no
    # class's and is left out): query (1, 1) / sqrt(2), cosine 1 / sqrt(6) = 0.40825 with A and C, none with B.
    index = BigramIndex({"A": ["林木育种"], "B": ["木材加工"], "C": ["采伐机械"]})
    assert index.idf["林木"] == pytest.approx(math.log(2) + 1)
    assert index.nearest("林木采伐") == [("A", 0.4082), ("C", 0.4082)]  # ties by key
    assert index.nearest("林木采伐", k=1) == [("A", 0.4082)]
    assert index.nearest("林木采伐", floor=0.5) == []
    assert index.nearest("施放气球") == []  # no bigram of any class
    assert index.nearest("木材加工") == [("B", 1.0)]


def test_a_bigram_in_two_classes_weighs_less():
    # 林木 in A and D: idf ln(5 / 3) + 1 = 1.51083; the others ln(5 / 2) + 1 = 1.91629. A = (林木 1.51083, 木育,
    # 育种 1.91629) / sqrt(1.51083^2 + 2 x 1.91629^2) = / 3.10273; query 林木 alone: cosine 1.51083 / 3.10273 =
    # 0.48693 with A; D = (林木, 木场) / sqrt(1.51083^2 + 1.91629^2) = / 2.44024: 0.61913.
    index = BigramIndex({"A": ["林木育种"], "B": ["木材加工"], "C": ["采伐机械"], "D": ["林木场"]})
    assert index.nearest("林木") == [("D", 0.6191), ("A", 0.4869)]


def test_a_scope_no_word_reads_gets_the_nearest_classes_for_review():
    got = read_scope("烟花爆竹批发")
    assert (got.codes, got.probability, got.nearest, got.accepted) == ((), 0.0, True, False)
    # 2672 焰火、鞭炮产品制造's words are nearest; a 批发 item sells them: their trade class, 5169
    assert [(s["code"], s["similarity"], s["probability"]) for s in got.suggestions] == [
        ("5169", 0.5242, 0.0), ("5151", 0.1471, 0.0), ("5143", 0.1285, 0.0)]
    assert got.suggestions[0]["evidence"] == (
        "“烟花爆竹批发”（经营范围第1项）无词表词语，与 2672 焰火、鞭炮产品制造 的名称和词语字面相近（相似度 0.52），"
        "销售 → 5169 其他化工产品批发；仅供复核")
    # a retail item: the retail class (2672's: 5299 其他未列明零售业)
    assert read_scope("烟花爆竹零售").suggestions[0]["code"] == "5299"


def test_stock_items_and_nothing_alike_give_no_suggestion():
    assert read_scope("一般项目：货物进出口；技术进出口") == Reading((), 0.0, [], nearest=True)
    assert read_scope("施放气球") == Reading((), 0.0, [], nearest=True)
    assert read_scope("") == Reading((), 0.0, [])  # nothing to read at all: no item


def test_only_the_first_three_non_stock_items_are_searched():
    assert reader.NEAREST_ITEMS == 3
    items = [("货物进出口", "general", "trade", "", 0, True, 0.05)] + [
        (t, "general", "service", t, i, False, 1.0) for i, t in enumerate(("施放气球", "施放气球", "施放气球", "木材加工"), 1)]
    assert reader.nearest_reading(items).suggestions == []  # 木材加工 is the fourth non-stock item
    assert reader.nearest_reading(items[:3] + items[4:]).suggestions[0]["code"] == "2019"  # 其他木材加工
