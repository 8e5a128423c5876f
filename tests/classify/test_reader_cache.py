"""The scope reader's caches and fast paths (issue 11, speed): a memoised read gives exactly what a fresh read
gives, and three scopes checked by hand against the rules of docs/classification.md."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from chanye.classify import reader
from chanye.classify.reader import ScopeReader, calibrated, clear_caches, find_terms, parse_scope, read_scope

REPO = Path(__file__).resolve().parents[2]
NOTE = "（依法须经批准的项目，经相关部门批准后方可开展经营活动）"


def test_jeweller_by_hand():
    # Items: 珠宝首饰制造 is the lead item, 1.0 (一般) x 1.0 (制造) x 1.25 (lead) = 1.25; 珠宝首饰批发 the first
    # 销售 item, 1.0 x 0.45 = 0.45; 珠宝首饰零售 the second, 0.45 / (1 + 0.5) = 0.3.
    items = parse_scope("一般项目：珠宝首饰制造；珠宝首饰批发；珠宝首饰零售。")
    assert [(i.text, i.section, i.verb, i.object, i.position, i.generic, i.weight) for i in items] == [
        ("珠宝首饰制造", "general", "make", "珠宝首饰", 0, False, 1.25),
        ("珠宝首饰批发", "general", "trade", "珠宝首饰", 1, False, 0.45),
        ("珠宝首饰零售", "general", "trade", "珠宝首饰", 2, False, 0.3),
    ]
    # 珠宝首饰 (curated, 2438) fills the object: quality 1. The 批发 item sells 2438's goods: 5146 at 0.45,
    # which moves to 2438 (a maker selling its own goods): 1.25 + 0.45 = 1.7. 珠宝首饰零售 is a curated term that
    # is the whole item: 5245 at 0.3, 2438's 零售 twin, so it moves too (eighth wave): 2.0, alone. Share
    # 2.0 / (2.0 + 0.2) = 0.9091, the raw margin too, calibrated by the shipped curve.
    raw = read_scope("一般项目：珠宝首饰制造；珠宝首饰批发；珠宝首饰零售。", calibrate=False)
    assert (raw.codes, raw.probability) == (("2438",), 0.9091)
    got = read_scope("一般项目：珠宝首饰制造；珠宝首饰批发；珠宝首饰零售。")
    assert got.codes == ("2438",)
    assert got.probability == round(calibrated(2.0 / 2.2), 4) == 0.8761
    assert got.suggestions == [
        {"code": "2438", "name": "珠宝首饰及有关物品制造", "probability": 0.9091,
         "evidence": "“珠宝首饰制造”（一般项目第1项，制造，词“珠宝首饰”）→ 2438 珠宝首饰及有关物品制造"},
    ]


def test_free_form_lidar_by_hand():
    # 研发、生产、销售 distribute over 激光雷达: the item 销售激光雷达 takes the strongest activity, 制造; lead:
    # 1.0 x 1.0 x 1.25 = 1.25. 货物进出口 is a stock item (1.0 x 0.45 x 0.12 = 0.054) that names no class.
    # 激光雷达 (curated, 3976) is the whole object: 1.25. p = 1.25 / (1.25 + 0.2) = 0.8621.
    items = parse_scope("研发、生产、销售激光雷达；货物进出口。")
    assert [(i.text, i.verb, i.object, i.generic, i.weight) for i in items] == [
        ("销售激光雷达", "make", "激光雷达", False, 1.25),
        ("货物进出口", "trade", "货物", True, 0.054),
    ]
    got = read_scope("研发、生产、销售激光雷达；货物进出口。")
    assert (got.codes, got.probability) == (("3976",), round(calibrated(1.25 / 1.45), 4))
    assert got.suggestions == [{"code": "3976", "name": "光电子器件制造", "probability": 0.8621,
                                "evidence": "“销售激光雷达”（经营范围第1项，制造，词“激光雷达”）→ 3976 光电子器件制造"}]


def test_property_manager_by_hand():
    # 物业管理 is listed first: the lead, not discounted as a stock item, 1.0 x 0.7 x 1.25 = 0.875; then the
    # stock items 停车场服务 0.7 / 1.5 x 0.12 = 0.056 and 家政服务 0.7 / 2 x 0.12 = 0.042. Shares over
    # 0.875 + 0.056 + 0.042 + 0.2 = 1.173: 0.746, 0.0477, 0.0358; raw margin 0.875 / 1.131 = 0.7737.
    got = read_scope("物业管理；停车场服务；家政服务")
    assert [(s["code"], s["probability"]) for s in got.suggestions] == [("7020", 0.746), ("5449", 0.0477),
                                                                        ("8010", 0.0358)]
    assert got.suggestions[1]["evidence"] == "“停车场服务”（经营范围第2项，服务，词“停车场服务”）→ 5449 其他道路运输辅助活动"
    assert read_scope("物业管理；停车场服务；家政服务", calibrate=False).probability == 0.7737
    assert got.codes == ("7020",)


class FreshReader(ScopeReader):
    """Reads each scope with every cache emptied first: nothing memoised."""

    def read(self, scopes):
        readings = []
        for scope in scopes:
            clear_caches()
            readings.append(read_scope(scope, threshold=self.threshold))
        return readings


def test_memoised_reading_is_the_fresh_reading():
    scopes = pd.read_csv(REPO / "tests" / "fixtures" / "scopes" / "heldout_scopes.csv", dtype=str)["scope"].tolist()
    scopes += [
        "一般项目：珠宝首饰制造；珠宝首饰批发；珠宝首饰零售。",
        "研发、生产、销售激光雷达；货物进出口。",
        "物业管理；停车场服务；家政服务",
        "纳米新材料、机械设备、五金配件加工" + NOTE,
        "许可项目：旅游业务。一般项目：票务代理服务（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
        "广告设计、代理；专业保洁、清洗、消毒服务;以上项目不涉及外商投资准入特别管理措施",
        "运动鞋销售",
        None,
        "",
    ]
    fresh = FreshReader().frame(scopes)
    clear_caches()
    first = ScopeReader().frame(scopes)  # caches fill as it goes: later scopes reuse earlier clauses and items
    again = ScopeReader().frame(scopes)  # every clause and item memoised
    pd.testing.assert_frame_equal(first, fresh)
    pd.testing.assert_frame_equal(again, fresh)
    assert list(fresh["decision"][-2:]) == ["empty", "empty"]
    assert fresh.loc[len(scopes) - 9, ["code", "probability", "decision"]].tolist() == ["2438", 0.8761, "accept"]


def test_clear_caches_forgets_clauses_and_items():
    read_scope("一般项目：锂离子电池制造；货物进出口")
    assert reader._clause_plan.cache_info().currsize > 0
    assert reader._item_codes.cache_info().currsize > 0
    clear_caches()
    assert [c.cache_info().currsize for c in (reader._clause_plan, reader._item_codes, reader._piece)] == [0, 0, 0]


@pytest.mark.parametrize(("text", "expected"), [
    ("鞋", [(0, 1, "鞋")]),  # the one one-character term
    ("运动鞋销售", [(2, 3, "鞋")]),
    ("皮鞋、鞋帽批发", [(0, 2, "皮鞋"), (3, 7, "鞋帽批发")]),  # a longer term at the same start wins
    ("AI芯片设计", [(0, 6, "AI芯片设计")]),
    ("RAID磁盘阵列", []),  # "AI" inside a Latin word is no term
])
def test_find_terms_fast_paths(text: str, expected: list[tuple[int, int, str]]):
    assert find_terms(text) == expected


def test_nested_note_goes_through_the_expressions():
    # A standard note inside another bracket: cutting the note as text would leave "（凭营业执照；服装制造）", a
    # new bracket with a phrase; the expressions remove only the inner note, then the sentence with 凭营业执照
    # up to the ；, as chanye.classify.scope does, so only "服装制造）" is left.
    items = parse_scope("电池制造（凭营业执照" + NOTE + "服装制造）")
    assert [(i.text, i.section, i.verb) for i in items] == [("服装制造）", "free", "service")]
