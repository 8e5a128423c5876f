"""The reader where it reads no word (issue 11): the classes nearest the scope's wording (`reader.nearest_reading`
over `classify.nearest.BigramIndex`), as suggestions for review, never accepted."""

from __future__ import annotations

from chanye.classify import reader
from chanye.classify.reader import Reading, read_scope


def test_a_scope_no_word_reads_gets_the_nearest_classes_for_review():
    got = read_scope("烟叶收购")
    assert (got.codes, got.probability, got.nearest, got.accepted) == ((), 0.0, True, False)
    # 1610 烟叶复烤's words are nearest; a 收购 item trades them: their trade class, 5128
    assert [(s["code"], s["similarity"], s["probability"]) for s in got.suggestions] == [
        ("5128", 0.4338, 0.0), ("5124", 0.2045, 0.0), ("5116", 0.1772, 0.0)]
    assert got.suggestions[0]["evidence"] == (
        "“烟叶收购”（经营范围第1项）无词表词语，与 1610 烟叶复烤 的名称和词语字面相近（相似度 0.43），"
        "销售 → 5128 烟草制品批发；仅供复核")
    # a retail item: the retail class (1610's: 5227 烟草制品零售)
    assert read_scope("烟叶零售").suggestions[0]["code"] == "5227"


def test_stock_items_and_nothing_alike_give_no_suggestion():
    assert read_scope("一般项目：货物进出口；技术进出口") == Reading((), 0.0, [], nearest=True)
    assert read_scope("施放气球") == Reading((), 0.0, [], nearest=True)
    assert read_scope("") == Reading((), 0.0, [])  # nothing to read at all: no item


def test_a_class_alike_under_the_floor_is_no_suggestion():
    assert reader.NEAREST_FLOOR == 0.1
    # 算法优化 is alike 6511 基础软件开发 (0.1617) and 7320 (0.0594, by 优化): only the first is suggested
    assert [(s["code"], s["similarity"]) for s in read_scope("算法优化").suggestions] == [("6511", 0.1617)]
    assert read_scope("优化").suggestions == []  # 7320 alike at 0.0841 only


def test_only_the_first_three_non_stock_items_are_searched():
    assert reader.NEAREST_ITEMS == 3
    items = [("货物进出口", "general", "trade", "", 0, True, 0.05)] + [
        (t, "general", "service", t, i, False, 1.0) for i, t in enumerate(("施放气球", "施放气球", "施放气球", "木材加工"), 1)]
    assert reader.nearest_reading(items).suggestions == []  # 木材加工 is the fourth non-stock item
    assert reader.nearest_reading(items[:3] + items[4:]).suggestions[0]["code"] == "2019"  # 其他木材加工


def test_the_suggestions_in_full():
    evidence = "“烟叶收购”（经营范围第1项）无词表词语，与 {like} 的名称和词语字面相近（相似度 {s}）{sold}；仅供复核"
    assert read_scope("烟叶收购").suggestions == [
        {"code": "5128", "name": "烟草制品批发", "probability": 0.0, "similarity": 0.4338,
         "evidence": evidence.format(like="1610 烟叶复烤", s="0.43", sold="，销售 → 5128 烟草制品批发")},
        {"code": "5124", "name": "肉、禽、蛋、奶及水产品批发", "probability": 0.0, "similarity": 0.2045,
         "evidence": evidence.format(like="5124 肉、禽、蛋、奶及水产品批发", s="0.20", sold="")},
        {"code": "5116", "name": "牲畜批发", "probability": 0.0, "similarity": 0.1772,
         "evidence": evidence.format(like="5116 牲畜批发", s="0.18", sold="")},
    ]


def test_which_item_and_which_class():
    def first(scope: str) -> tuple[str, float, str]:
        s = read_scope(scope).suggestions[0]
        return s["code"], s["similarity"], s["evidence"][:s["evidence"].index("）") + 1]

    # a farm good sold: its trade class (0211 林木育种 -> 5115 林业产品批发)
    assert first("林木采伐销售") == ("5115", 0.36, "“林木采伐销售”（经营范围第1项）")
    assert first("烟叶批发零售") == ("5128", 0.3585, "“烟叶批发零售”（经营范围第1项）")  # 批发 too: wholesale
    assert first("一般项目：施放气球；烟叶收购") == ("5128", 0.4338, "“烟叶收购”（一般项目第2项）")
    assert first("烟叶收购；烟叶收购") == ("5128", 0.4338, "“烟叶收购”（经营范围第1项）")  # a tie: the first
    # 烟叶批发 is alike 1610 too, less: each class keeps its nearest item (and 烟叶批发 brings its own, 5127)
    got = read_scope("烟叶收购；烟叶批发").suggestions
    assert [(s["code"], s["evidence"][:s["evidence"].index("）") + 1]) for s in got] == [
        ("5128", "“烟叶收购”（经营范围第1项）"), ("5127", "“烟叶批发”（经营范围第2项）"), ("5124", "“烟叶收购”（经营范围第1项）")]
    assert [s["code"] for s in read_scope("烟叶收购", k=2).suggestions] == ["5128", "5124"]
