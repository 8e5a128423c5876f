"""The nearest classes by wording (classify/nearest.py, issue 11): character-bigram TF-IDF cosine, the reader's
fallback when no word of its vocabulary is in a scope (`tests/classify/test_reader_nearest.py`)."""

from __future__ import annotations

import math

import pytest

from chanye.classify.nearest import BigramIndex, bigrams


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
