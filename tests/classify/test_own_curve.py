"""A registry's own curve (issue 11): the scope reader's probabilities recalibrated on the registry's coded firms
(`classify.learned.fit_own_curve`), used for its firms without a code and reported to the user."""

from __future__ import annotations

import pandas as pd
import pytest

from chanye.classify.learned import MIN_CURVE_ROWS, OwnCurve, fit_labelled, fit_own_curve
from chanye.classify.reader import ScopeReader, read_scope
from chanye.present.explain import reader_check_lines

BATTERY = "电池制造"  # raw margin 1.25 / 1.45 = 0.8621, best 3849; the shipped curve: 0.8761, accepted
SHOP = "一般项目：日用百货销售；餐饮管理。"  # raw margin 0.4545, best 5211 (its first item); the shipped curve: 0.4483, review


def rows() -> tuple[list, list]:
    """100 battery makers coded 3849 (the reader right), 150 coded 3841 (wrong 小类, right 大类), 100 shops coded
    6210 (a canteen operator: the reader, by the first item, reads 5211), 5 blank scopes and 3 tobacco-leaf buyers
    coded 5128 (nothing read, only a class alike in wording, which is 5128: left out)."""
    scopes = [BATTERY] * 250 + [SHOP] * 100 + [""] * 3 + [None] * 2 + ["烟叶收购"] * 3
    codes = ["3849"] * 100 + ["3841"] * 150 + ["6210"] * 100 + ["3849"] * 5 + ["5128"] * 3
    return scopes, codes


def test_the_curve_is_the_share_right_at_each_margin():
    curve = fit_own_curve(*rows())
    # isotonic on two margins: 0 of 100 right at 0.4545, 100 of 250 at 0.8621
    assert (curve.xs, curve.ys) == ((0.4545, 0.8621), (0.0, 0.4))
    assert curve.check() == {
        "rows": 350, "right": 0.2857,  # 100 / 350
        "division_right": 0.7143,  # the 250 battery makers are 38 either way: 250 / 350
        "shipped_accepted": 0.7143, "shipped_right": 0.4,  # the shipped curve accepts the 250, 100 of them right
        "own_accepted": 0.0, "own_right": None,  # this registry's curve: 0.4 < 0.5, none accepted
    }
    assert curve(0.67) == pytest.approx(0.4 * (0.67 - 0.4545) / (0.8621 - 0.4545), abs=1e-12)
    assert (curve(0.3), curve(0.95)) == (0.0, 0.4)  # flat beyond the ends


def test_too_few_rows_or_nothing_to_tell_apart_fit_nothing():
    scopes, codes = rows()
    assert MIN_CURVE_ROWS == 200
    assert fit_own_curve(scopes[:199], codes[:199]) is None  # 199 read scopes
    assert fit_own_curve(scopes[:200], codes[:200]) is not None
    assert fit_own_curve([BATTERY] * 300, ["3849"] * 300) is None  # all right: no curve to fit


def test_the_reader_takes_the_registry_curve():
    curve = fit_own_curve(*rows())
    assert read_scope(BATTERY).codes == ("3849",)  # shipped curve: 0.8761
    got = read_scope(BATTERY, curve=curve)
    assert (got.codes, got.probability) == ((), 0.4)  # this registry's: 0.4, review
    # a model learned from the rows brings the curve to ScopeReader, before its own vote

    class Learned:
        def __init__(self) -> None:
            self.curve = curve
            self.seen: list = []

        def combine(self, texts, readings, threshold):
            self.seen = [(r.codes, r.probability) for r in readings]
            return readings

    learned = Learned()
    assert [r.codes for r in ScopeReader(learned=learned).read([BATTERY, SHOP])] == [(), ()]
    assert learned.seen == [((), 0.4), ((), 0.0)]  # the readings it hands on: this registry's probabilities


def test_fit_labelled_carries_the_curve_and_the_report_says_what_it_found():
    scopes, codes = rows()
    model = fit_labelled(pd.DataFrame({"business_scope": scopes, "code": codes}))
    assert model.curve == fit_own_curve(scopes[:350], codes[:350])
    assert isinstance(model.curve, OwnCurve)
    assert reader_check_lines(model.curve.check()) == [
        "经营范围读取在本库有代码企业中抽查 350 家核对：最优小类即其代码 28.6%（大类 71.4%）",
        "概率已按这些企业重新校准：原曲线接受 71.4%、其中正确 40.0%；本库曲线接受 0.0%、其中正确 —"]
    assert reader_check_lines(model.curve.check(), "en") == [
        "Scope reader checked on a sample of 350 coded firms of this registry: its best class is their code for 28.6% (71.4% at "
        "division level)",
        "Probabilities recalibrated on them: the shipped curve accepts 71.4%, 40.0% of them right; this registry's "
        "curve 0.0%, — right"]
    few = fit_labelled(pd.DataFrame({"business_scope": scopes[:150], "code": codes[:150]}))
    assert few is not None and few.curve is None  # enough to learn from (30), too few to recalibrate (200)


def test_the_threshold_is_inclusive_and_the_curve_keeps_four_places():
    scopes = [BATTERY] * 300 + [SHOP] * 600
    codes = ["3849"] * 100 + ["3841"] * 200 + ["6210"] * 600
    curve = fit_own_curve(scopes, codes, threshold=1 / 3)
    assert (curve.xs, curve.ys) == ((0.4545, 0.8621), (0.0, 0.3333))  # 100 of 300 right at 0.8621
    assert (curve.rows, curve.right, curve.division_right) == (900, 0.1111, 0.3333)
    # the threshold 1/3 against 0.3333: not reached; at exactly 0.3333: the 300 battery makers of 900 accepted
    assert (curve.own_accepted, curve.own_right) == (0.0, None)
    at = fit_own_curve(scopes, codes, threshold=0.3333)
    assert (at.own_accepted, at.own_right) == (0.3333, 0.3333)
    shipped = fit_own_curve(scopes, codes, threshold=0.8761)  # the shipped curve's 0.8761, exactly
    assert (shipped.shipped_accepted, shipped.shipped_right) == (0.3333, 0.3333)


def test_own_curve_reads_the_registrys_labelled_rows_as_the_model_does():
    from chanye.classify.learned import own_curve

    scopes, codes = rows()
    frame = pd.DataFrame({"business_scope": scopes, "code": [f"C{c}" for c in codes]})  # codes as a registry writes them
    assert own_curve(frame) == fit_own_curve(scopes, codes)
    assert own_curve(None) is None


def test_two_main_activities_count_by_the_best_class_margin():
    """美发服务；锂离子电池制造: the best class 3841's own margin is 1 / 2.075 = 0.4819; the two together would
    pass (0.9036), but the curve is of the best class alone."""
    curve = fit_own_curve(["美发服务；锂离子电池制造"] * 200 + [SHOP] * 100, ["3841"] * 200 + ["6210"] * 100)
    assert (curve.xs, curve.ys) == ((0.4545, 0.4819), (0.0, 1.0))
