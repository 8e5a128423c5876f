"""benchmarks/coder_agreement.py (issue 11): the coders' file read into one column per coder, and the agreement
figures on four rows and three items worked out by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import coder_agreement

BDCI = """id,coder,code,also
r1,A,8052,
r2,A,5174,7513
r3,A,7212,
r4,A,8011,
r1,B,8051,
r2,B,3399,
r3,B,7222,7212
r4,B,8111,
r1,C,8052,
r2,C,5174,
r3,C,7212,
r4,C,4290,
"""


@pytest.fixture
def coded(tmp_path):
    path = tmp_path / "coded.csv"
    path.write_text(BDCI, encoding="utf-8")
    return coder_agreement.load_coded(path)


def test_one_column_per_coder_and_the_classes_each_defends(coded):
    assert list(coded.columns) == ["A", "B", "C", "A+", "B+", "C+"]
    assert coded.loc["r2", "A"] == "5174" and coded.loc["r2", "A+"] == {"5174", "7513"}
    assert coded.loc["r3", "B+"] == {"7222", "7212"} and coded.loc["r1", "C+"] == {"8052"}


def test_the_majority_division_needs_more_than_half_the_coders(coded):
    # r2: 51, 33, 51 → 51 (two of three); r4: 80, 81, 42 → none
    assert coder_agreement.majority(coded[["A", "B", "C"]], 2).tolist() == ["80", "51", "72", ""]


def test_agreement_figures_worked_out_by_hand(coded):
    gold = pd.Series(["8052", "7513", "7212", "8111"], index=coded.index)
    best = pd.Series(["8051", "5174", "", "8111"], index=coded.index)  # r3: the reader read nothing
    suggested = pd.Series([{"8051"}, {"5174", "7519"}, set(), {"8111", "5264"}], index=coded.index)
    figures = coder_agreement.agreement(coded, gold, best, suggested)
    assert figures == {
        "rows": 4,
        "A_division": 0.5, "A_class": 0.5, "A_class_defended": 0.75, "A_division_defended": 0.75,
        "reader_vs_A_division": 0.5,
        "B_division": 0.75, "B_class": 0.25, "B_class_defended": 0.5, "B_division_defended": 0.75,
        "reader_vs_B_division": 0.5,
        "C_division": 0.5, "C_class": 0.5, "C_class_defended": 0.5, "C_division_defended": 0.5,
        "reader_vs_C_division": 0.5,
        "A_vs_B_division": 0.5, "A_vs_C_division": 0.75, "B_vs_C_division": 0.5,
        "majority_division": 0.5, "reader_division": 0.5, "reader_class": 0.25,
        "reader_suggested_division": 0.75,  # r2's 7519 is in the declared 75
        # r1 and r2; r4 has no majority, so the reader's 81 there agrees with none
        "reader_vs_majority_division": 0.5,
        # r2: the coders' 51 against the declared 75, and the reader reads 51 as they do
        "coders_agree_against_gold": 1, "reader_with_coders_there": 1,
    }


def test_any_named_for_each_coder_and_the_reader():
    coded = pd.DataFrame({"D": ["5221", "1491", "5126"], "E": ["5126", "1492", "5137"],
                          "D+": [{"5221"}, {"1491", "1492"}, {"5126"}],
                          "E+": [{"5126", "5221", "5222"}, {"1492"}, {"5137"}]}, index=["i1", "i2", "i3"])
    named = pd.Series([{"5221", "5222"}, {"1492"}, {"5137"}], index=coded.index)
    best = pd.Series(["5221", "", "5137"], index=coded.index)
    suggested = pd.Series([{"5221", "5126"}, set(), {"5137"}], index=coded.index)
    assert coder_agreement.any_named(coded, named, best, suggested) == pytest.approx({
        "rows": 3, "D_any_named": 1 / 3, "D_defended_any_named": 2 / 3,
        "E_any_named": 2 / 3, "E_defended_any_named": 1.0, "D_vs_E_class": 0.0,
        "reader_any_named": 2 / 3, "reader_suggested_any_named": 2 / 3})


def test_the_reader_best_class_and_its_suggestions():
    best, suggested = coder_agreement.read(pd.Series(["锂离子电池制造", "烟叶收购", ""], index=["a", "b", "c"]))
    # 烟叶收购 reads no word: its nearest classes are suggestions (as in test_catalogue_draft_bench)
    assert best.tolist() == ["3841", "5128", ""]
    assert suggested["a"] == {"3841"} and suggested["b"] == {"5128", "5124", "5116"} and suggested["c"] == set()
