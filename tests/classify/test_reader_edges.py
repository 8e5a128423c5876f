"""Edges of the scope reader (issue 11), pinned function by function for its mutation run: the pieces a
clause is cut into, the verbs and objects, sections and boilerplate, item weights, the vocabulary walk, the
calibration curve, the multi-label rule and the vectorised front. Every scope here is written by hand from the
rules of docs/classification.md (none comes from an evaluation set); the expected values are worked out in the
comments from the constants of `chanye.classify.reader`."""

from __future__ import annotations

import pandas as pd
import pytest

from chanye.classify import reader
from chanye.classify.reader import (
    Reading,
    ScopeReader,
    calibrated,
    find_terms,
    parse_scope,
    read_scope,
    trade_of_goods,
)


def fields(scope: str) -> list[tuple]:
    """Every field of every parsed item, as plain tuples."""
    return [tuple(item) for item in parse_scope(scope)]


# --- _split_verbs / _suffix / _ends ---------------------------------------------------------------------------


def test_a_long_run_of_verbs_is_read_in_linear_time():
    # 生产加工 is one verb and also 生产 + 加工: a run of n of them that does not reach the piece's end (or the name
    # it must precede) had 2^n splits to retry, in `_RX_SUFFIX` and in the compound search (n = 24: 23 s, n = 40:
    # hours, a worker held by one crafted scope). The runs are possessive or bounded now; these finish at once.
    run = "生产加工" * 40
    (item,) = parse_scope("米" + run + "米生产")  # the 生产 at the end is the verb, the rest its object
    assert (item.verb, item.object) == ("make", "米" + run + "米")
    assert [(i.verb, i.object) for i in parse_scope(run + "米、面")] == [("make", "米"), ("make", "面")]
    assert read_scope("广告设计、代理" + run + "米").codes == ("7259",)



@pytest.mark.parametrize(("piece", "expected"), [
    # a prefix list: every verb of _VERB_LIST found in the prefix, longest first (生产 before 研发: same length,
    # sorted stably from the dict order make, farm, rd, trade)
    ("研发、生产激光雷达", (["生产", "研发"], "激光雷达")),
    ("研发和生产电池", (["生产", "研发"], "电池")),
    ("电池制造", (["制造"], "电池")),  # a suffix verb
    ("生产", (["生产"], "")),  # a bare verb: the piece itself, no object
    ("的生产", (["生产"], "")),  # 的 before a verb is dropped first: a bare verb again
    ("电池的生产", (["生产"], "电池")),
    ("生产电池的销售", (["生产", "销售"], "电池")),  # prefix and suffix
    ("制造电池制造", (["制造", "制造"], "电池")),
    ("激光雷达", ([], "激光雷达")),  # no verb
    ("a制造", (["制造"], "a")),
    ("生产销售", (["生产销售"], "")),  # a run of verbs alone is a bare verb (the suffix run starts at 0)
])
def test_split_verbs(piece: str, expected: tuple[list[str], str]):
    assert reader._split_verbs(piece) == expected


def test_split_verbs_takes_at_most_three_prefix_verbs():
    # 研发冶炼制造销售: four two-character verbs in the prefix; the comprehension keeps _VERB_LIST order (longest
    # first, equals in _VERBS order: make 制造 冶炼, then rd 研发, trade 销售) and keeps the first three
    assert reader._split_verbs("研发冶炼制造销售电池") == (["制造", "冶炼", "研发"], "电池")


def test_a_newline_at_the_end_goes_through_the_expressions():
    # `$` also matches before a final newline, so such a piece goes through the expression (str.endswith would
    # miss it): "电池制造\n" ends with a verb, "维修服务\n" as a service, "电池\n" with neither
    assert reader._suffix("电池制造\n").group(0) == "制造"
    assert reader._suffix("电池\n") is None
    assert reader._suffix("电池制造").group(0) == "制造"
    assert reader._suffix("电池") is None
    assert reader._suffix("") is None
    assert reader._ends("维修服务\n", reader._SERVICE_ENDS, reader._RX_SERVICE_END) is True
    assert reader._ends("电池\n", reader._SERVICE_ENDS, reader._RX_SERVICE_END) is False
    assert reader._ends("维修服务", reader._SERVICE_ENDS, reader._RX_SERVICE_END) is True
    assert reader._ends("维修服务站", reader._SERVICE_ENDS, reader._RX_SERVICE_END) is False
    assert reader._ends("", reader._SERVICE_ENDS, reader._RX_SERVICE_END) is False


# --- _sections ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("电池制造", [("free", "电池制造")]),  # no ： at all: one free section
    ("；。，、 ", []),  # nothing but separators
    ("一般项目：电池制造；许可项目：食品销售", [("general", "电池制造；"), ("licence", "食品销售")]),
    # text before the first label is free; a label-less ： stays in the text
    ("说明：一般经营项目：电池。主营：手机", [("free", "说明："), ("general", "电池。"), ("general", "手机")]),
    ("一般项目：；许可项目：食品销售", [("licence", "食品销售")]),  # an empty section is dropped
    ("备注：电池", [("free", "备注：电池")]),
    ("经营范围：甲；兼营项目：乙；前置许可经营项目：丙；后置许可经营项目：丁；主营项目：戊；兼营：己；许可经营项目：庚",
     [("free", "甲；"), ("general", "乙；"), ("licence", "丙；"), ("licence", "丁；"), ("general", "戊；"),
      ("general", "己；"), ("licence", "庚")]),
])
def test_sections(text: str, expected: list[tuple[str, str]]):
    assert reader._sections(text) == expected


# --- _pieces / _glue ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("clause", "expected"), [
    ("电池", ["电池"]),
    ("电池，手机,电脑", ["电池", "手机", "电脑"]),  # 、，, are all cuts
    ("、，电池，，手机、", ["电池", "手机"]),  # runs of marks and the empty ends are dropped
    ("：电池：", ["电池"]),  # colons stripped from a piece's ends
    ("研发及生产，电池", ["研发", "生产", "电池"]),  # 及 before a verb cuts, and so does the comma beside it
    ("电池及配件、手机", ["电池及配件", "手机"]),  # 及 before no verb does not
    # standard items with a 、 inside stay whole, wherever they stand in the clause
    ("广告设计、代理、激光雷达", ["广告设计、代理", "激光雷达"]),
    ("广告设计、代理，清洗", ["广告设计、代理", "清洗"]),
    ("代理、广告设计、代理", ["代理", "广告设计、代理"]),
    ("专业保洁、清洗、消毒服务、广告设计、代理", ["专业保洁、清洗、消毒服务", "广告设计、代理"]),
    # only whole pieces: a compound glued to a longer piece or followed by 及 is cut as usual
    ("x广告设计、代理", ["x广告设计", "代理"]),
    ("广告设计、代理及销售", ["广告设计", "代理", "销售"]),
])
def test_pieces(clause: str, expected: list[str]):
    assert reader._pieces(clause) == expected


# --- _clause_items --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("section", "clause", "expected"), [
    # a prefix verb list carries on to the objects after it (the last piece's verbs are its own), written in the
    # item of an object without verbs of its own
    ("general", "研发、生产、销售激光雷达、电池",
     (("销售激光雷达", "激光雷达", ("研发", "生产", "销售")), ("研发生产电池", "电池", ("研发", "生产")))),
    # objects before a bare verb take it
    ("general", "激光雷达、电池、生产",
     (("激光雷达生产", "激光雷达", ("生产",)), ("电池生产", "电池", ("生产",)))),
    # objects before an item with its own verb take that item's last verb
    ("general", "电池、手机生产", (("电池生产", "电池", ("生产",)), ("手机生产", "手机", ("生产",)))),
    ("general", "激光雷达、货物进出口",
     (("激光雷达进出口", "激光雷达", ("进出口",)), ("货物进出口", "货物", ("进出口",)))),
    # objects left waiting at the end are items of their own, without a verb
    ("general", "激光雷达、电池", (("激光雷达", "激光雷达", ()), ("电池", "电池", ()))),
    # before a service item they join it without a verb
    ("general", "电池、手机、维修", (("电池", "电池", ()), ("手机", "手机", ()), ("维修", "维修", ()))),
    # a main-activity note never waits: each object is an item, even before a piece with a verb
    ("main", "激光雷达、电池", (("激光雷达", "激光雷达", ()), ("电池", "电池", ()))),
    ("main", "激光雷达、电池制造", (("激光雷达", "激光雷达", ()), ("电池制造", "电池", ("制造",)))),
    # a stock item never waits either
    ("general", "电池、货物进出口、手机",
     (("电池进出口", "电池", ("进出口",)), ("货物进出口", "货物", ("进出口",)), ("手机", "手机", ()))),
    # a bare verb first: the objects after it take it; a suffix-verb item ends the list
    ("general", "生产、电池制造、手机", (("电池制造", "电池", ("生产", "制造")), ("手机", "手机", ()))),
    ("general", "生产、电池、销售", (("生产电池", "电池", ("生产",)),)),  # the verbs it takes are written in it
    ("general", "电池、生产销售", (("电池生产销售", "电池", ("生产销售",)),)),
])
def test_clause_items(section: str, clause: str, expected: tuple):
    assert reader._clause_items(section, clause) == expected


# --- _normalise -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["电池制造\n服装制造", "电池制造\r\n服装制造", "电池制造\n\n服装制造"])
def test_a_line_break_separates_items(text: str):
    # as "电池制造；服装制造": two 制造 items (before the fix the line break was removed as whitespace and the
    # one item 电池制造服装制造 tied 1819 with 3849: abstained at p 0.3909); the first, 电池, leads: 3849 at 0.7389
    assert [i.text for i in parse_scope(text)] == ["电池制造", "服装制造"]
    reading = read_scope(text)
    assert (reading.codes, reading.probability) == (("3849",), 0.7389) == \
        (read_scope("电池制造；服装制造").codes, read_scope("电池制造；服装制造").probability)


@pytest.mark.parametrize(("text", "expected"), [
    ("电池制造", "电池制造"),
    ("电池 制造;手机(销售):x,y【z]", "电池制造；手机（销售）：x，y【z】"),  # every half-width mark made full-width
    ("a b\tc\u3000d\xa0e\nf\rg\fh\vi", "abcde；f；ghi"),  # whitespace removed; a line break ends a clause
    ("电池(", "电池（"),
])
def test_normalise(text: str, expected: str):
    assert reader._normalise(text) == expected


# --- _weight --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "expected"), [
    (("general", "make", 0, 1), 1.25),  # 1.0 x 1.0 / 1 x 1.25 (lead)
    (("licence", "rd", 2, 0), 0.3),  # 0.8 x 0.75 / (1 + 0.5 x 2) = 0.6 / 2
    (("main", "trade", 1, 2), 0.0468),  # 1.3 x 0.45 / 1.5 x 0.12 = 0.39 x 0.12
    (("free", "farm", 3, 0), 0.4),  # 1.0 x 1.0 / 2.5
    (("general", "service", 0, 2), 0.084),  # 0.7 x 0.12
    (("free", "service", 2, 0), 0.35),  # 0.7 / 2
    (("main", "make", 1, 1), 1.0833),  # 1.3 / 1.5 x 1.25 = 1.08333
])
def test_weight_is_computed_and_remembered(key: tuple[str, str, int, int], expected: float):
    reader._WEIGHTS.pop(key, None)
    assert reader._weight(*key) == expected
    assert reader._WEIGHTS[key] == expected


# --- calibrated -----------------------------------------------------------------------------------------------


@pytest.fixture()
def curve(monkeypatch: pytest.MonkeyPatch) -> None:
    """A small curve with exact binary fractions: knots (0.25, 0.125), (0.5, 0.25), (0.75, 0.75)."""
    monkeypatch.setattr(reader, "_calibration", lambda: ((0.25, 0.5, 0.75), (0.125, 0.25, 0.75)))


@pytest.mark.parametrize(("raw", "expected"), [
    (0.0, 0.125),  # below the first knot: its value
    (0.25, 0.125),  # at the first knot
    (0.375, 0.1875),  # 0.125 + (0.25 - 0.125) x (0.375 - 0.25) / (0.5 - 0.25) = 0.125 + 0.0625
    (0.5, 0.25),  # at an inner knot
    (0.625, 0.5),  # 0.25 + (0.75 - 0.25) x 0.125 / 0.25
    (0.75, 0.75),  # at the last knot
    (0.9, 0.75),  # above it: the last value
])
def test_calibrated_interpolates_between_knots(curve: None, raw: float, expected: float):
    assert calibrated(raw) == expected


def test_calibrated_on_the_shipped_curve():
    # knots (0.482, 0.4483), (0.4821, 0.4737): halfway 0.48205 -> 0.4483 + 0.0254 / 2 = 0.461
    assert round(calibrated(0.48205), 5) == 0.461
    assert calibrated(0.95) == 1.0  # above the last knot 0.9221
    assert calibrated(0.9221) == 1.0


# --- read_scope: scores, top-k, evidence, probability ---------------------------------------------------------


def test_a_maker_selling_its_own_goods_leaves_no_trade_class():
    # 电池制造 leads: 1.0 x 1.0 x 1.25 = 1.25 on 3849 (curated 电池, the whole object); 电池销售 is the first 销售
    # item, 1.0 x 0.45 = 0.45, on 5175 (the 批发 class of 38's goods) -> moved to 3849: 1.7, and 5175 (0 left) is
    # dropped. Raw margin 1.7 / (1.7 + 0 + 0.2) = 0.89474; calibrated 0.8761 (flat from 0.8142 to 0.9093).
    got = read_scope("电池制造；电池销售")
    assert got == Reading(("3849",), 0.8761, [{
        "code": "3849", "name": "其他电池制造", "probability": 0.8947,
        "evidence": "“电池制造”（经营范围第1项，制造，词“电池”）→ 3849 其他电池制造"}])
    assert read_scope("电池制造；电池销售", calibrate=False).probability == 0.8947


def test_a_seller_of_goods_that_it_does_not_make_keeps_its_trade_class():
    # 零售服装 leads, a trader's main item: 1.0 x 0.6 (TRADE_LEAD) x 1.25 = 0.75 on 5232 (服装 is a goods term, the
    # item sells it at retail: 零售 without 批发); 批发鞋 is the second 销售 item, 0.45 / 1.5 = 0.3, on 5133
    # (鞋帽批发). No goods class is scored, so nothing moves. Margin 0.75 / (0.75 + 0.3 + 0.2) = 0.6 -> 0.7389.
    got = read_scope("零售服装；批发鞋")
    assert got.codes == ("5232",)
    assert got.probability == 0.7389
    assert [(s["code"], s["probability"]) for s in got.suggestions] == [("5232", 0.6), ("5133", 0.24)]
    assert got.suggestions[1]["evidence"] == "“批发鞋”（经营范围第2项，销售，词“鞋”）→ 5133 鞋帽批发"


def test_two_main_activities_below_the_threshold_are_accepted_jointly():
    # 美发服务 leads: 0.7 x 1.25 = 0.875 on 8040; 锂离子电池制造 is the first 制造 item (no lead bonus left):
    # 1.0 on 3841. s1 = 1.0 (3841), s2 = 0.875 >= 0.6 x 1.0, other 中类 (384 / 804), other items, neither
    # stock, 制造 and 服务: two main activities. Margin 1 / 2.075 = 0.481928 -> 0.4651 (flat from 0.4541 to 0.482)
    # < 0.5, so the joint margin decides: 1.875 / (1.875 + 0 + 0.2) = 0.903614 -> 0.8761 (flat to 0.9093).
    scope = "美发服务；锂离子电池制造"
    got = read_scope(scope)
    assert (got.codes, got.probability) == (("3841", "8040"), 0.8761)
    assert [(s["code"], s["probability"]) for s in got.suggestions] == [("3841", 0.4819), ("8040", 0.4217)]
    assert read_scope(scope, calibrate=False).probability == 0.9036
    assert read_scope(scope, threshold=0.95).codes == ()  # 0.8761 < 0.95: review
    assert read_scope(scope, threshold=0.95).probability == 0.4483  # the best class's own margin, calibrated
    # a third class counts in the joint margin: 激光雷达制造 is the second 制造 item, 1 / 1.5 = 0.6667 on 3976:
    # 1.875 / (1.875 + 0.6667 + 0.2) = 0.68389 -> 0.7389 (flat from 0.5676 to 0.7074)
    three = read_scope(scope + "；激光雷达制造")
    assert (three.codes, three.probability) == (("3841", "8040"), 0.7389)
    assert [s["code"] for s in three.suggestions] == ["3841", "8040", "3976"]
    assert [s["code"] for s in read_scope(scope + "；激光雷达制造", k=2).suggestions] == ["3841", "8040"]
    assert read_scope(scope + "；激光雷达制造", calibrate=False).probability == 0.6839


def test_a_second_class_too_weak_is_not_kept():
    # 锂离子电池制造 leads 1.25 (3841), 激光雷达制造 second 制造 item 0.6667 (3976): 0.6667 < 0.6 x 1.25 = 0.75.
    # Margin 1.25 / (1.25 + 0.6667 + 0.2) = 0.59054 -> 0.7389.
    got = read_scope("锂离子电池制造；激光雷达制造")
    assert (got.codes, got.probability) == (("3841",), 0.7389)
    assert read_scope("锂离子电池制造；激光雷达制造", calibrate=False).probability == 0.5905


# --- _plan / parse_scope: boilerplate, notes, qualifiers, lead item, weights ---------------------------------

# make items without a lead bonus: 1.0 / (1 + 0.5 n) -> n = 1: 0.6667, n = 2: 0.5
BATTERY = ("电池制造", "free", "make", "电池", 0, False, 1.25)  # the lead: 1.0 x 1.0 x 1.25
CLOTHES = ("服装制造", "free", "make", "服装", 1, False, 0.6667)


@pytest.mark.parametrize("scope", [
    "电池制造（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）服装制造",  # a standard note, cut as text
    "电池制造（凭营业执照依法自主开展经营活动）服装制造",  # another bracket with a phrase: the expression
    "电池制造。依法须经批准的项目，经相关部门批准后方可开展经营活动；服装制造",  # a sentence with a phrase
    "电池制造;以上项目不涉及外商投资准入特别管理措施;服装制造",  # a stock sentence
    "电池制造(不含电芯)【零售】〔批发〕；服装制造",  # qualifiers in every bracket, half-width ones too
    "电池制造。服装制造",
    "电池 制造 ;\t服装制造",  # whitespace dropped, ; made full-width
])
def test_boilerplate_and_qualifiers_are_no_items(scope: str):
    assert fields(scope) == [BATTERY, CLOTHES]


def test_a_qualifier_is_removed_but_does_not_separate():
    # the bracket goes and what is left on either side is one piece
    assert fields("电池制造（不含电芯）服装制造") == [("电池制造服装制造", "free", "make", "电池制造服装", 0, False, 1.25)]


def test_main_activity_notes_come_first_as_main_items():
    # each 主营 note is a main section (1.3) whose verbless items are 制造: 1.3 x 1.25 (lead) = 1.625, then
    # 1.3 / 1.5 = 0.86667; the general item after them is the third 制造 item: 1.0 / 2 = 0.5
    assert fields("电池制造【主营：锂离子电池】（主营业务激光雷达）") == [
        ("锂离子电池", "main", "make", "锂离子电池", 0, False, 1.625),
        ("激光雷达", "main", "make", "激光雷达", 1, False, 0.8667),
        ("电池制造", "free", "make", "电池", 2, False, 0.5),
    ]
    assert fields("一般项目：电池制造（主营产品锂离子电池）") == [
        ("锂离子电池", "main", "make", "锂离子电池", 0, False, 1.625),
        ("电池制造", "general", "make", "电池", 1, False, 0.6667),
    ]


def test_the_lead_is_the_first_item_that_can_be_main():
    # 货物进出口 and 技术推广 never lead: stock items, x 0.12 (0.45 x 0.12 = 0.054, 0.7 x 0.12 = 0.084); 电池制造
    # leads (1.25); 服装制造 after it is a plain second 制造 item
    assert fields("货物进出口；技术推广；电池制造；服装制造") == [
        ("货物进出口", "free", "trade", "货物", 0, True, 0.054),
        ("技术推广", "free", "service", "技术推广", 1, True, 0.084),
        ("电池制造", "free", "make", "电池", 2, False, 1.25),
        ("服装制造", "free", "make", "服装", 3, False, 0.6667),
    ]
    # a stock item that may lead (物业管理) leads undiscounted: 0.7 x 1.25; the stock item after it is
    # discounted (0.7 / 1.5 x 0.12 = 0.056) and the later 制造 item has no bonus left (1.0)
    assert fields("货物进出口；物业管理；停车场服务；电池制造") == [
        ("货物进出口", "free", "trade", "货物", 0, True, 0.054),
        ("物业管理", "free", "service", "物业管理", 1, False, 0.875),
        ("停车场服务", "free", "service", "停车场服务", 2, True, 0.056),
        ("电池制造", "free", "make", "电池", 3, False, 1.0),
    ]
    # a licence section: 0.8 x 1.25 = 1.0, then 0.8 / 1.5 = 0.53333
    assert fields("许可项目：电池制造；手机制造") == [
        ("电池制造", "licence", "make", "电池", 0, False, 1.0),
        ("手机制造", "licence", "make", "手机", 1, False, 0.5333),
    ]


@pytest.mark.parametrize("scope", [None, "", "   ", "；；", "（依法须经批准的项目，经相关部门批准后方可开展经营活动）"])
def test_nothing_to_read(scope: str | None):
    assert parse_scope(scope) == []
    assert reader._plan(scope) == ([], [], False, "")
    assert read_scope(scope) == Reading((), 0.0, [])


def test_only_stock_items_count_in_full():
    # 国内贸易代理 is a stock item that never leads: 0.7 x 0.12 = 0.084; being all the scope says, it counts
    # 0.084 / 0.12 = 0.7 on 5181 (curated, whole item). Margin 0.7 / 0.9 = 0.77778 -> 0.8398.
    assert reader._plan("国内贸易代理")[2] is True
    got = read_scope("国内贸易代理")
    assert (got.codes, got.probability) == (("5181",), 0.8398)
    assert got.suggestions[0]["probability"] == 0.7778
    # 技术推广 0.084 x 0.6 / 0.12 = 0.42 (7519); 技术咨询 0.7 / 1.5 x 0.12 = 0.056, x 0.5 / 0.12 = 0.23333
    # (7530). Margin 0.42 / (0.42 + 0.23333 + 0.2) = 0.49219 -> 0.5046: accepted (the tenth wave's refit of the
    # curve; 0.4985 and review before).
    two = read_scope("技术推广；技术咨询")
    assert (two.codes, two.probability) == (("7519",), 0.5046)
    assert [(s["code"], s["probability"]) for s in two.suggestions] == [("7519", 0.4922), ("7530", 0.2734)]
    # one item that may lead: not all stock, no restore
    assert reader._plan("技术推广；物业管理")[2] is False
    assert reader._plan("一般项目：货物进出口")[2] is True


# --- Reading / ScopeReader ------------------------------------------------------------------------------------


class Learned:
    """A stand-in for the learned model: records what it was given and answers one fixed reading per scope (its
    accepted code differs from its best suggestion, as a model's may)."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def combine(self, texts: list, readings: list[Reading], threshold: float) -> list[Reading]:
        self.calls.append((texts, [r.codes for r in readings], threshold))
        return [Reading(("9999",), 0.99, [{"code": "1111"}]) for _ in texts]


def test_the_reader_passes_its_threshold_and_hands_readings_to_the_learned_model():
    # 一般项目：日用百货销售；餐饮管理。 has margin 0.4545 (calibrated 0.4483): review at 0.5, accepted at 0.3
    scope = "一般项目：日用百货销售；餐饮管理。"
    assert [r.codes for r in ScopeReader().read([scope])] == [()]
    assert [r.codes for r in ScopeReader(threshold=0.3).read(iter([scope]))] == [("5211",)]
    learned = Learned()
    got = ScopeReader(threshold=0.3, learned=learned).read(iter(["电池制造", None]))
    assert got == [Reading(("9999",), 0.99, [{"code": "1111"}]), Reading(("9999",), 0.99, [{"code": "1111"}])]
    assert learned.calls == [(["电池制造", None], [("3849",), ()], 0.3)]
    assert Reading(("3849",), 0.9, []).accepted is True
    # the frame shows the learned model's accepted code, not the reader's best suggestion
    frame = ScopeReader(learned=Learned()).frame(["电池制造"])
    assert (frame["code"][0], frame["codes"][0], frame["decision"][0]) == ("9999", ["9999"], "accept")
    assert Reading((), 0.4, []).accepted is False


def test_the_frame_has_one_row_per_scope_with_its_decision():
    frame = ScopeReader().frame(["电池制造", "一般项目：日用百货销售；餐饮管理。", None, "美发服务；锂离子电池制造"])
    assert list(frame.columns) == ["code", "codes", "probability", "decision", "suggestions"]
    assert frame["code"].tolist()[:2] == ["3849", "5211"]  # accepted: its code; review: the best suggestion
    assert pd.isna(frame["code"][2])  # nothing read: no code
    assert frame["code"][3] == "3841"  # two accepted: the first
    assert frame["codes"].tolist() == [["3849"], [], [], ["3841", "8040"]]
    assert frame["probability"].tolist() == [0.8761, 0.4483, 0.0, 0.8761]
    assert frame["decision"].tolist() == ["accept", "review", "empty", "accept"]
    assert frame["suggestions"][0] == [{"code": "3849", "name": "其他电池制造", "probability": 0.8621,
                                        "evidence": "“电池制造”（经营范围第1项，制造，词“电池”）→ 3849 其他电池制造"}]
    assert frame["suggestions"][2] == []
    assert [s["code"] for s in frame["suggestions"][1]] == ["5211", "6210"]
    empty = ScopeReader().frame([])
    assert (list(empty.columns), len(empty)) == (["code", "codes", "probability", "decision", "suggestions"], 0)


# --- find_terms / _word_edge ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("", []),
    ("x", []),
    ("计算机整机", [(0, 5, "计算机整机")]),
    # 云计算 (0, 3) and 计算机整机 (1, 6) overlap: the longer one is kept
    ("云计算机整机", [(1, 6, "计算机整机")]),
    ("云计算机整机鞋", [(1, 6, "计算机整机"), (6, 7, "鞋")]),  # and a term after it
    ("鞋云计算机整机", [(0, 1, "鞋"), (2, 7, "计算机整机")]),  # and one before it
    # 云计算 (0, 3) and 计算机 (1, 4) overlap and are as long: the first one is kept
    ("云计算机", [(0, 3, "云计算")]),
    ("激光雷达", [(0, 4, "激光雷达")]),  # 雷达 (2, 4) inside it is dropped
    ("激光雷达电池", [(0, 4, "激光雷达"), (4, 6, "电池")]),  # terms side by side are all kept
    ("鞋鞋", [(0, 1, "鞋"), (1, 2, "鞋")]),
    ("鞋服装", [(0, 1, "鞋"), (1, 3, "服装")]),
    ("服装鞋", [(0, 2, "服装"), (2, 3, "鞋")]),
    ("鞋鞋帽", [(0, 1, "鞋"), (1, 3, "鞋帽")]),  # the one-character term only where no longer one starts
    # Latin terms: whole words only, on both sides; a digit or a Chinese character is an edge
    ("AGV", [(0, 3, "AGV")]),
    ("AGVs", []),
    ("xAGV", []),
    ("3AGV", [(1, 4, "AGV")]),
    ("AGV3", [(0, 3, "AGV")]),
    ("KTV鞋", [(0, 3, "KTV"), (3, 4, "鞋")]),
    ("鞋KTV", [(0, 1, "鞋"), (1, 4, "KTV")]),
    ("a卡拉OK", [(1, 5, "卡拉OK")]),  # a term that starts Chinese may follow a letter
    ("卡拉OKa", []),
    ("OLED显示面板", [(0, 8, "OLED显示面板")]),
    ("xOLED显示面板", [(5, 9, "显示面板")]),  # no Latin term at 1: the Chinese one inside is found
])
def test_find_terms(text: str, expected: list[tuple[int, int, str]]):
    assert find_terms(text) == expected


@pytest.mark.parametrize(("text", "start", "end", "term", "expected"), [
    ("AGV", 0, 3, "AGV", True),
    ("xAGV", 1, 4, "AGV", False),  # a letter before
    ("AGVs", 0, 3, "AGV", False),  # a letter after
    ("鞋AGV鞋", 1, 4, "AGV", True),
    ("AI芯片x", 0, 4, "AI芯片", True),  # the term ends Chinese: a letter after it does not matter
    ("x卡拉OK", 1, 5, "卡拉OK", True),  # the term starts Chinese: a letter before it does not matter
    ("卡拉OKx", 0, 4, "卡拉OK", False),
    ("1AGV2", 1, 4, "AGV", True),
])
def test_word_edge(text: str, start: int, end: int, term: str, expected: bool):
    assert reader._word_edge(text, start, end, term) is expected


# --- trade_of_goods -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "retail", "expected"), [
    ("1819", False, "5132"),  # 181 is not in the table: 18 -> (5132, 5232)
    ("1819", True, "5232"),
    ("3841", False, "5175"),  # 38 -> (5175, 5299)
    ("3851", True, "5272"),  # 385 before 38: (5138, 5272)
    ("0111", False, "5111"),  # 011 谷物 before 01: (5111 谷物、豆及薯类批发, 5221)
    ("0122", False, "5119"),  # 油料: no 小类 entry, 01 -> (5119, 5223)
    ("0131", True, "5299"),  # 棉花: (5114 棉、麻批发, 5299)
    ("1440", False, "5124"),  # 乳制品 (144): 肉、禽、蛋、奶及水产品批发
    ("2770", True, "5254"),  # 卫生材料及医药用品 (277): 医疗用品及器材零售
    ("8111", True, None),  # a service: no goods to sell
])
def test_trade_of_goods(code: str, retail: bool, expected: str | None):
    assert trade_of_goods(code, retail=retail) == expected


# --- _item_plan -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "expected"), [
    # (text, object, kind, stock?, never main?, classes): the verb picks the kind
    (("general", "电池制造", "电池", ("制造",)),
     ("电池制造", "电池", "make", False, False, (("3849", 1.0, "电池", ""),))),
    # no verb: 制造 in a main-activity note, a service elsewhere (a curated whole term keeps its fit, 1.0)
    (("main", "激光雷达", "激光雷达", ()), ("激光雷达", "激光雷达", "make", False, False, (("3976", 1.0, "激光雷达", ""),))),
    (("general", "激光雷达", "激光雷达", ()),
     ("激光雷达", "激光雷达", "service", False, False, (("3976", 1.0, "激光雷达", ""),))),
    # no object: the item text stands for it (技术推广: a stock item that never leads, 7519 stem at 0.6)
    (("general", "技术推广", "", ()), ("技术推广", "技术推广", "service", True, True, (("7519", 0.6, "技术推广", ""),))),
    # a stock object inside a longer item is still a stock item (软件开发 may lead; 技术服务 may not)
    (("general", "研发软件开发", "软件开发", ("研发",)),
     ("研发软件开发", "软件开发", "rd", True, False, (("6513", 1.0, "软件开发", ""),))),
    (("general", "生产技术服务", "技术服务", ("生产",)), ("生产技术服务", "技术服务", "make", True, True, ())),
    (("general", "货物进出口", "货物", ("进出口",)), ("货物进出口", "货物", "trade", True, True, ())),
])
def test_item_plan(args: tuple, expected: tuple):
    assert reader._item_plan(*args) == expected


def test_a_maker_selling_its_goods_by_a_trade_term_keeps_no_trade_class():
    # 服装制造 leads: 1.25 on 1819 (服装, a goods term). 服装销售 sells 服装: 0.45 on 5132 (18's 批发 class, goods
    # 1819). 服装批发 is a curated whole term: 0.45 / 1.5 = 0.3 on 5132, naming no goods of its own; 5132 is 1819's
    # 批发 twin, so it moves too (eighth wave; before, the 0.3 stayed on 5132): 1819 = 2.0, alone. Margin
    # 2.0 / (2.0 + 0 + 0.2) = 0.90909 -> 0.8761.
    got = read_scope("服装制造；服装销售；服装批发")
    assert (got.codes, got.probability) == (("1819",), 0.8761)
    assert got.suggestions == [
        {"code": "1819", "name": "其他机织服装制造", "probability": 0.9091,
         "evidence": "“服装制造”（经营范围第1项，制造，词“服装”）→ 1819 其他机织服装制造"},
    ]


def test_the_first_item_naming_a_class_says_whether_the_firm_trades():
    # 阿巴阿巴 names no class, so 服装批发 is the lead: 0.6 x 1.25 = 0.75 on 5132 (a curated whole term, no goods
    # named), a trader's main item; its 0.75 stays on 5132 although the firm makes 服装 too (1.0 on 1819). Shares
    # over 1.0 + 0.75 + 0.2 = 1.95: 0.5128 and 0.3846, as without the first item.
    assert [reader._plan(t)[3] for t in ("阿巴阿巴；服装批发；服装制造", "货物进出口；服装制造", "货物进出口")] == [
        "trade", "make", ""]
    got = read_scope("阿巴阿巴；服装批发；服装制造")
    assert [(s["code"], s["probability"]) for s in got.suggestions] == [("1819", 0.5128), ("5132", 0.3846)]
    assert got.codes == read_scope("服装批发；服装制造").codes == ("1819",)


def test_only_the_sold_share_of_a_trade_class_moves_to_the_maker():
    # 服装批发 leads, a trader's main item: 0.6 x 1.25 = 0.75 on 5132 (a curated whole term, no goods named).
    # 服装制造 is the first 制造 item: 1.0 on 1819; 服装销售 the second 销售 item, 0.45 / 1.5 = 0.3 on 5132, selling
    # 1819's goods: that 0.3 moves to 1819 (1.3). A firm whose main item sells keeps the rest of its trade: the
    # 0.75 of 服装批发 stays. Shares over 1.3 + 0.75 + 0.2 = 2.25: 0.5778, 0.3333; margin 0.5778 -> 0.7389.
    got = read_scope("服装批发；服装制造；服装销售")
    assert (got.codes, got.probability) == (("1819",), 0.7389)
    assert got.suggestions == [
        {"code": "1819", "name": "其他机织服装制造", "probability": 0.5778,
         "evidence": "“服装制造”（经营范围第2项，制造，词“服装”）→ 1819 其他机织服装制造"},
        {"code": "5132", "name": "服装批发", "probability": 0.3333,
         "evidence": "“服装批发”（经营范围第1项，销售，词“服装批发”）→ 5132 服装批发"},
    ]


# --- read_scope: when a second class is a second main activity -------------------------------------------------


def test_two_classes_of_one_item_are_one_activity():
    # 细工木板 names 2013 and 2029 (note terms, 0.5, spread 1 / sqrt 2): each 1.25 x 0.5 x 0.70711 = 0.442, a tie
    # (ranked by code). Same item: no second activity. Margin 0.442 / (0.884 + 0.2) = 0.4077 -> 0.2453: review
    # (the joint margin 0.884 / 1.084 = 0.8155 would have accepted both).
    got = read_scope("细工木板制造")
    assert (got.codes, got.probability) == ((), 0.2453)
    assert [(s["code"], s["probability"]) for s in got.suggestions] == [("2013", 0.4077), ("2029", 0.4077)]


def test_stock_items_are_never_a_second_activity():
    # stock items only, restored x 1 / 0.12: 技术推广 0.084 x 0.6 / 0.12 = 0.42 (7519); 国内贸易代理 the second
    # service, 0.7 / 1.5 x 0.12 = 0.056, / 0.12 = 0.46667 (5181). 0.42 >= 0.6 x 0.46667, other 中类, other items,
    # but both are stock items: margin 0.46667 / 1.08667 = 0.4294 -> 0.3154, review (joint 0.816 would accept).
    got = read_scope("技术推广；国内贸易代理")
    assert (got.codes, got.probability) == ((), 0.3154)
    assert [(s["code"], s["probability"]) for s in got.suggestions] == [("5181", 0.4294), ("7519", 0.3865)]


def test_research_is_never_a_second_activity():
    # 激光雷达研发 leads: 0.75 x 1.25 = 0.9375, x 0.8 (研发 of goods) = 0.75 on 3976; 美发服务 the first service
    # item, 0.7 on 8040. 0.7 >= 0.6 x 0.75, but the best class's item is research: margin 0.75 / 1.65 = 0.4545
    # -> 0.4483, review (joint 1.45 / 1.65 = 0.8788 would accept).
    got = read_scope("激光雷达研发；美发服务")
    assert (got.codes, got.probability) == ((), 0.4483)
    assert [s["code"] for s in got.suggestions] == ["3976", "8040"]
    assert got.suggestions[0]["evidence"] == "“激光雷达研发”（经营范围第1项，研发，词“激光雷达”）→ 3976 光电子器件制造"
    # the other way round: 激光雷达研发 0.75 is second to 锂离子电池制造 (first 制造 item, 1.0):
    # margin 1 / 1.95 = 0.5128 -> 0.5991, accepted alone
    other = read_scope("激光雷达研发；锂离子电池制造")
    assert (other.codes, other.probability) == (("3841",), 0.5991)


def test_a_second_activity_at_exactly_the_share_is_kept():
    # 制造 items: 电池制造 lead 1.25 (3849), 服装制造 1 / 1.5 = 0.6667 (1819), 手机制造 0.5 (no term); service
    # items: 美发服务 0.7 (8040), 餐饮服务 0.7 / 1.5 = 0.4667 (6210), 激光雷达 (no verb: a service) 0.7 / 2 = 0.35;
    # 生产、激光雷达 the fourth 制造 item (生产激光雷达), 1 / 2.5 = 0.4; 激光雷达 is a curated whole item, fit 1.0,
    # and a goods word of a 制造 item, fit 1.0: 3976 = 0.35 + 0.4 = 0.75 = 0.6 x 1.25 exactly (its best item:
    # the 制造 one, 第7项). Margin 1.25 / 2.2 = 0.56818 -> 0.7389: both accepted.
    got = read_scope("电池制造；服装制造；手机制造；美发服务；餐饮服务；激光雷达；生产、激光雷达")
    assert (got.codes, got.probability) == (("3849", "3976"), 0.7389)
    assert [(s["code"], s["probability"]) for s in got.suggestions] == [
        ("3849", 0.431), ("3976", 0.2586), ("8040", 0.2414)]
    assert got.suggestions[1]["evidence"] == "“生产激光雷达”（经营范围第7项，制造，词“激光雷达”）→ 3976 光电子器件制造"


def test_a_class_named_as_strongly_by_two_items_shows_the_first():
    # 3976 gets 0.4 twice: 研发、激光雷达 is the second 研发 item (0.75 / 1.5 = 0.5, a goods word x 0.8) and
    # 生产、激光雷达 the fourth 制造 item (1 / 2.5 = 0.4, x 1.0; 手机制造, the third, names no class). The evidence is
    # the first, 第4项. Scores: 1819 = 服装制造 0.6667 + 研发服装 0.75 x 0.8 = 1.2667; 3849 = 1.25; 3976 = 0.8. Two
    # main activities (1.25 >= 0.6 x 1.2667, 181 / 384): margin 1.2667 / 2.7167 = 0.4663 -> review, joint
    # 2.5167 / (2.5167 + 0.8 + 0.2) = 0.7156 -> 0.7803.
    got = read_scope("电池制造；服装制造；研发服装；研发、激光雷达；手机制造；生产、激光雷达")
    assert (got.codes, got.probability) == (("1819", "3849"), 0.7803)
    assert got.suggestions[2] == {
        "code": "3976", "name": "光电子器件制造", "probability": 0.2275,
        "evidence": "“研发激光雷达”（经营范围第4项，研发，词“激光雷达”）→ 3976 光电子器件制造"}


def test_a_probability_equal_to_the_threshold_is_accepted():
    # 电池制造；电池销售: calibrated 0.8761 (a flat stretch of the curve, exact); the joint reading of
    # 美发服务；锂离子电池制造；激光雷达制造: 0.7389 (flat, exact)
    assert read_scope("电池制造；电池销售", threshold=0.8761).codes == ("3849",)
    got = read_scope("美发服务；锂离子电池制造；激光雷达制造", threshold=0.7389)
    assert (got.codes, got.probability) == (("3841", "8040"), 0.7389)


# --- edges the first run left: weights computed afresh, single-mark qualifiers, short sections, Latin -----------


def test_weights_are_computed_when_not_remembered(monkeypatch: pytest.MonkeyPatch):
    # an empty weight table: every item's weight is computed by _weight and remembered under its key
    monkeypatch.setattr(reader, "_WEIGHTS", {})
    assert fields("电池制造；服装制造；货物进出口；美发服务") == [
        BATTERY, CLOTHES,
        ("货物进出口", "free", "trade", "货物", 2, True, 0.054),  # 0.45 x 0.12
        ("美发服务", "free", "service", "美发服务", 3, False, 0.7),  # the first service item, no bonus left
    ]
    assert reader._WEIGHTS == {("free", "make", 0, 1): 1.25, ("free", "make", 1, 0): 0.6667,
                               ("free", "trade", 0, 2): 0.054, ("free", "service", 0, 0): 0.7}


@pytest.mark.parametrize("scope", ["电池制造【零售】；服装制造", "电池制造〔零售〕；服装制造"])
def test_a_qualifier_in_one_kind_of_bracket_is_removed(scope: str):
    assert fields(scope) == [BATTERY, CLOTHES]


def test_bare_verbs_in_a_row_all_wait_for_the_object():
    # 生产 and 销售 both wait: 电池 takes (生产, 销售), and 制造 outranks 销售 in its kind
    assert reader._clause_items("general", "生产、销售、电池") == (("生产销售电池", "电池", ("生产", "销售")),)
    assert fields("生产、销售、电池") == [("生产销售电池", "free", "make", "电池", 0, False, 1.25)]


@pytest.mark.parametrize(("clause", "expected"), [("X光机、电池", ["X光机", "电池"]), ("电池X", ["电池X"])])
def test_pieces_keep_their_letters(clause: str, expected: list[str]):
    assert reader._pieces(clause) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("X", [("free", "X")]),
    ("一般项目：X；", [("general", "X；")]),
])
def test_sections_of_one_letter(text: str, expected: list[tuple[str, str]]):
    assert reader._sections(text) == expected


@pytest.mark.parametrize(("text", "start", "end", "term", "expected"), [
    ("aA鞋", 1, 3, "A鞋", False),  # the term's first character is a letter and so is the one before it
    ("xA鞋", 1, 2, "A", False),  # the character before the term, not after its start
    ("鞋xAGV", 2, 5, "AGV", False),  # the character right before, not two before
    ("AB鞋c", 0, 3, "AB鞋", True),  # the term's last character, 鞋, is no letter
])
def test_word_edge_looks_at_the_right_characters(text: str, start: int, end: int, term: str, expected: bool):
    assert reader._word_edge(text, start, end, term) is expected


@pytest.fixture()
def tiny_vocabulary(monkeypatch: pytest.MonkeyPatch) -> None:
    """A vocabulary of 鞋, the one-letter Latin term X and AB: the trie and its entry table built from it by
    the module's own (uncached) builders."""
    monkeypatch.setattr(reader, "vocabulary", lambda: {"鞋": (), "X": (), "AB": ()})
    trie = reader._trie.__wrapped__()
    monkeypatch.setattr(reader, "_trie", lambda: trie)
    starts = reader._starts.__wrapped__()
    monkeypatch.setattr(reader, "_starts", lambda: starts)


@pytest.mark.parametrize(("text", "expected"), [
    ("鞋X鞋", [(0, 1, "鞋"), (1, 2, "X"), (2, 3, "鞋")]),  # a one-letter term between Chinese characters
    ("X", [(0, 1, "X")]),
    ("aX", []),  # a letter before it
    ("Xa", []),  # a letter after it
    ("鞋Xb", [(0, 1, "鞋")]),
    ("Xb鞋", [(2, 3, "鞋")]),
    ("AB鞋", [(0, 2, "AB"), (2, 3, "鞋")]),
    ("aAB", []),
    ("ABX", []),  # AB is followed by a letter, X preceded by one
])
def test_find_terms_with_a_one_letter_term(tiny_vocabulary: None, text: str, expected: list[tuple[int, int, str]]):
    assert find_terms(text) == expected
