"""The reader where it reads no word (issue 11): the classes nearest the scope's wording (`reader.nearest_reading`
over `classify.nearest.BigramIndex`), as suggestions for review, never accepted."""

from __future__ import annotations

from chanye.classify import reader
from chanye.classify.reader import Reading, read_scope


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


def test_the_suggestions_in_full():
    evidence = "“烟花爆竹批发”（经营范围第1项）无词表词语，与 {like} 的名称和词语字面相近（相似度 {s}）{sold}；仅供复核"
    assert read_scope("烟花爆竹批发").suggestions == [
        {"code": "5169", "name": "其他化工产品批发", "probability": 0.0, "similarity": 0.5242,
         "evidence": evidence.format(like="2672 焰火、鞭炮产品制造", s="0.52", sold="，销售 → 5169 其他化工产品批发")},
        {"code": "5151", "name": "西药批发", "probability": 0.0, "similarity": 0.1471,
         "evidence": evidence.format(like="5151 西药批发", s="0.15", sold="")},
        {"code": "5143", "name": "图书批发", "probability": 0.0, "similarity": 0.1285,
         "evidence": evidence.format(like="5143 图书批发", s="0.13", sold="")},
    ]


def test_which_item_and_which_class():
    def first(scope: str) -> tuple[str, float, str]:
        s = read_scope(scope).suggestions[0]
        return s["code"], s["similarity"], s["evidence"][:s["evidence"].index("）") + 1]

    # a farm good sold: its trade class (0211 林木育种 -> 5115 林业产品批发)
    assert first("林木采伐销售") == ("5115", 0.3599, "“林木采伐销售”（经营范围第1项）")
    assert first("烟花爆竹批发零售") == ("5169", 0.5023, "“烟花爆竹批发零售”（经营范围第1项）")  # 批发 too: wholesale
    assert first("一般项目：施放气球；烟花爆竹批发") == ("5169", 0.5242, "“烟花爆竹批发”（一般项目第2项）")
    assert first("烟花爆竹批发；烟花爆竹批发") == ("5169", 0.5242, "“烟花爆竹批发”（经营范围第1项）")  # a tie: the first
    # 爆竹批发 is alike 2672 too (0.2785): each class keeps its nearest item
    assert first("烟花爆竹批发；爆竹批发") == ("5169", 0.5242, "“烟花爆竹批发”（经营范围第1项）")
    assert [s["code"] for s in read_scope("烟花爆竹批发", k=2).suggestions] == ["5169", "5151"]
