"""Classification and chain linking at import scale (issue 14 item 1): links are computed once per distinct
(code, scope, name key) and expanded to the firms by joins in the store. The rows written must be exactly those
the firm-by-firm code wrote (the expected rows below were written by the code before the change, at git HEAD
093d6e2, on the same firms), whatever the firms' order, and the same whether the firms are linked in one call
or in two (an import in two files)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from chanye.classify import prefilter
from chanye.classify.chains import link_enterprises
from chanye.classify.codes import classify_by_rules
from chanye.classify.prefilter import may_hold_any
from chanye.framework import load_pack
from chanye.registry.store import Store
from chanye.services.imports import classify_and_link

PACK = "guangzhou-12218"
TRAVEL_SCOPE = "一般项目：工艺美术品及收藏品零售；票务代理服务；会议及展览服务。许可项目：旅游业务。"
# uscc, name, industry_code, business_scope
FIRMS = [
    ("91440101MA00000001", "甲整车有限公司", "3612", "新能源汽车整车制造"),  # a whole code
    ("91440101MA00000002", "乙有限公司", "3841", "动力电池研发、生产"),  # a partial code, its keyword in the scope
    ("91440101MA00000003", "丙动力电池有限公司", "3841", "锂离子电池制造"),  # the keyword only in the name
    ("91440101MA00000004", "丁有限公司", "3841", "锂离子电池制造"),  # a partial code without its keyword
    ("91440101MA00000005", "戊贸易有限公司", "5172", "汽车零配件批发；动力电池销售"),  # a trader: seller links
    ("91440101MA00000006", "己有限公司", None, "一般项目：锂离子电池制造；电池销售；技术服务、技术开发。"),  # the reader
    ("91440101MA00000007", "庚有限公司", None, TRAVEL_SCOPE),  # the reader abstains: queued
    ("91440101MA00000008", "辛整车有限公司", "3612", "新能源汽车整车制造"),  # the same key as the first firm
    ("91440101MA00000009", "壬有限公司", "3612", "新能源汽车整车制造"),  # labelled 3841 below: manual links
    ("91440101MA00000010", "癸激光雷达有限公司", None, None),  # no code, no scope: keywords in the name only
    ("91440101MA00000011", "子有限公司", " 3612", "新能源汽车整车制造"),  # a code with a blank before it
    ("91440101MA00000012", "丑有限公司", "9999", "新能源汽车整车制造"),  # not a 小类
]
LABEL = ("91440101MA00000009", "3841", "correct", "分析员", "")

# What the firm-by-firm code (git HEAD 093d6e2) wrote for FIRMS and LABEL.
RESULT = (1, 9)
CLASSES = [('91440101MA00000001', 'icv-nev', 'code', '3612', '行业代码 3612 新能源车整车制造 整体归属', 1.0),
 ('91440101MA00000002', 'icv-nev', 'keyword', '3841', '行业代码 3841 锂离子电池制造 部分归属；经营范围含“动力电池”', 0.8),
 ('91440101MA00000002', 'new-energy-storage', 'code', '3841', '行业代码 3841 锂离子电池制造 整体归属', 1.0),
 ('91440101MA00000003', 'icv-nev', 'keyword', '3841', '行业代码 3841 锂离子电池制造 部分归属；企业名称含“动力电池”', 0.8),
 ('91440101MA00000003', 'new-energy-storage', 'code', '3841', '行业代码 3841 锂离子电池制造 整体归属', 1.0),
 ('91440101MA00000004', 'new-energy-storage', 'code', '3841', '行业代码 3841 锂离子电池制造 整体归属', 1.0),
 ('91440101MA00000005', 'commerce', 'code', '5172', '行业代码 5172 汽车及零配件批发 整体归属', 1.0),
 ('91440101MA00000006', 'new-energy-storage', 'text', '3841', '经营范围预测小类 3841 锂离子电池制造 (p=0.88)', 0.8761),
 ('91440101MA00000008', 'icv-nev', 'code', '3612', '行业代码 3612 新能源车整车制造 整体归属', 1.0),
 ('91440101MA00000009', 'new-energy-storage', 'manual', '3841', '人工改正小类 3841（分析员，2026-12-03 10:00）', 1.0),
 ('91440101MA00000011', 'icv-nev', 'code', '3612', '行业代码 3612 新能源车整车制造 整体归属', 1.0)]
CHAIN_LINKS = [('91440101MA00000001', 'icv-nev', 'autonomous-driving', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000001', 'icv-nev', 'battery', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000001', 'icv-nev', 'cockpit', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000001', 'icv-nev', 'drive-motor', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000001', 'icv-nev', 'e-control', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000001', 'icv-nev', 'parts', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000001', 'icv-nev', 'vehicle', 'producer', 'code', '3612|3612', 0.9),
 ('91440101MA00000002', 'icv-nev', 'battery', 'producer', 'code+keyword', '3841|3841|动力电池', 0.8),
 ('91440101MA00000002', 'icv-nev', 'electrode-materials', 'user', 'edge', 'battery', 0.4),
 ('91440101MA00000002', 'icv-nev', 'electrolyte', 'user', 'edge', 'battery', 0.4),
 ('91440101MA00000002', 'icv-nev', 'separator', 'user', 'edge', 'battery', 0.4),
 ('91440101MA00000002', 'new-energy-storage', 'battery-materials', 'user', 'edge', 'li-batteries', 0.4),
 ('91440101MA00000002', 'new-energy-storage', 'equipment', 'user', 'edge', 'li-batteries', 0.4),
 ('91440101MA00000002', 'new-energy-storage', 'li-batteries', 'producer', 'code', '3841|3841', 0.9),
 ('91440101MA00000003', 'icv-nev', 'battery', 'producer', 'code+keyword', '3841|3841|动力电池', 0.8),
 ('91440101MA00000003', 'icv-nev', 'electrode-materials', 'user', 'edge', 'battery', 0.4),
 ('91440101MA00000003', 'icv-nev', 'electrolyte', 'user', 'edge', 'battery', 0.4),
 ('91440101MA00000003', 'icv-nev', 'separator', 'user', 'edge', 'battery', 0.4),
 ('91440101MA00000003', 'new-energy-storage', 'battery-materials', 'user', 'edge', 'li-batteries', 0.4),
 ('91440101MA00000003', 'new-energy-storage', 'equipment', 'user', 'edge', 'li-batteries', 0.4),
 ('91440101MA00000003', 'new-energy-storage', 'li-batteries', 'producer', 'code', '3841|3841', 0.9),
 ('91440101MA00000004', 'new-energy-storage', 'battery-materials', 'user', 'edge', 'li-batteries', 0.4),
 ('91440101MA00000004', 'new-energy-storage', 'equipment', 'user', 'edge', 'li-batteries', 0.4),
 ('91440101MA00000004', 'new-energy-storage', 'li-batteries', 'producer', 'code', '3841|3841', 0.9),
 ('91440101MA00000005', 'icv-nev', 'battery', 'seller', 'trade+keyword', '5172|动力电池销售', 0.6),
 ('91440101MA00000005', 'new-energy-storage', 'li-batteries', 'seller', 'trade+keyword', '5172|动力电池销售', 0.6),
 ('91440101MA00000006', 'new-energy-storage', 'battery-materials', 'user', 'edge', 'li-batteries', 0.4),
 ('91440101MA00000006', 'new-energy-storage', 'equipment', 'user', 'edge', 'li-batteries', 0.4),
 ('91440101MA00000006', 'new-energy-storage', 'li-batteries', 'producer', 'code', '3841|3841', 0.9),
 ('91440101MA00000008', 'icv-nev', 'autonomous-driving', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000008', 'icv-nev', 'battery', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000008', 'icv-nev', 'cockpit', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000008', 'icv-nev', 'drive-motor', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000008', 'icv-nev', 'e-control', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000008', 'icv-nev', 'parts', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000008', 'icv-nev', 'vehicle', 'producer', 'code', '3612|3612', 0.9),
 ('91440101MA00000009', 'icv-nev', 'autonomous-driving', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000009', 'icv-nev', 'battery', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000009', 'icv-nev', 'cockpit', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000009', 'icv-nev', 'drive-motor', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000009', 'icv-nev', 'e-control', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000009', 'icv-nev', 'parts', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000009', 'icv-nev', 'vehicle', 'producer', 'code', '3612|3612', 0.9),
 ('91440101MA00000011', 'icv-nev', 'autonomous-driving', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000011', 'icv-nev', 'battery', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000011', 'icv-nev', 'cockpit', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000011', 'icv-nev', 'drive-motor', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000011', 'icv-nev', 'e-control', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000011', 'icv-nev', 'parts', 'user', 'edge', 'vehicle', 0.4),
 ('91440101MA00000011', 'icv-nev', 'vehicle', 'producer', 'code', '3612|3612', 0.9)]
QUEUE = [('91440101MA00000007',
  0.4483,
  '[{"code": "5246", "name": "工艺美术品及收藏品零售", "probability": 0.3886, "evidence": '
  '"“工艺美术品及收藏品零售”（一般项目第1项，销售，词“工艺美术品及收藏品零售”）→ 5246 工艺美术品及收藏品零售"}, {"code": "7298", "name": "票务代理服务", "probability": '
  '0.3627, "evidence": "“票务代理服务”（一般项目第2项，服务，词“票务代理服务”）→ 7298 票务代理服务"}, {"code": "7291", "name": "旅行社及相关服务", '
  '"probability": 0.1451, "evidence": "“旅游业务”（许可项目第4项，服务，词“旅游业务”）→ 7291 旅行社及相关服务"}]')]
PREDICTED = [('91440101MA00000006', '3841', 0.8761)]


def make_store(order: list[int] | None = None) -> Store:
    store = Store(":memory:")
    rows = [FIRMS[i] for i in (order or range(len(FIRMS)))]
    store.con.executemany("INSERT INTO enterprises (uscc, name, industry_code, business_scope) VALUES (?, ?, ?, ?)",
                          rows)
    store.con.execute("INSERT INTO manual_labels (uscc, code, action, decided_by, note, decided_at) "
                      "VALUES (?, ?, ?, ?, ?, TIMESTAMP '2026-12-03 10:00:00')", list(LABEL))
    return store


def stored(store: Store) -> tuple[list, list, list, list]:
    classes = store.con.execute("SELECT uscc, node, method, code, evidence, confidence FROM classifications "
                                "WHERE pack = ? ORDER BY uscc, node", [PACK]).fetchall()
    chain_links = store.con.execute("SELECT uscc, chain, chain_node, role, method, evidence, confidence FROM chain_links "
                                    "WHERE pack = ? ORDER BY uscc, chain, chain_node", [PACK]).fetchall()
    queue = store.con.execute("SELECT uscc, probability, suggestions::VARCHAR FROM review_queue ORDER BY uscc").fetchall()
    predicted = store.con.execute("SELECT uscc, predicted_code, predicted_score FROM enterprises "
                                  "WHERE predicted_code IS NOT NULL ORDER BY uscc").fetchall()
    return classes, chain_links, queue, predicted


@pytest.fixture(scope="module")
def framework():
    return load_pack(PACK)


def run(store: Store, framework, batches: list[list[str]]) -> tuple[int, int]:
    result = (0, 0)
    with store.transaction():
        for usccs in batches:
            result = classify_and_link(store, pd.Series(usccs), framework)
    return result


def test_links_are_exactly_those_of_the_firm_by_firm_code(framework) -> None:
    store = make_store()
    assert run(store, framework, [[f[0] for f in FIRMS]]) == RESULT
    assert stored(store) == (CLASSES, CHAIN_LINKS, QUEUE, PREDICTED)
    # nothing staged is left behind in the caller's connection
    assert store.con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall() == [(0,)]


def test_the_firms_order_changes_nothing(framework) -> None:
    store = make_store(list(reversed(range(len(FIRMS)))))
    assert run(store, framework, [[f[0] for f in reversed(FIRMS)]]) == RESULT
    assert stored(store) == (CLASSES, CHAIN_LINKS, QUEUE, PREDICTED)


def test_two_halves_link_as_one_call(framework) -> None:
    """An import in two files: the second call relinks only its firms and leaves the first call's alone."""
    usccs = [f[0] for f in FIRMS]
    store = make_store()
    first = run(store, framework, [usccs[::2]])
    second = run(store, framework, [usccs[1::2]])
    assert stored(store) == (CLASSES, CHAIN_LINKS, QUEUE, PREDICTED)
    # (predicted, classified) count each call's own firms: the first holds 甲 丙 戊 壬 子 with links (and 庚,
    # queued); the second 乙 丁 己 辛 with links, 己 predicted by the reader (癸 and 丑 link to no node)
    assert (first, second) == ((0, 5), (1, 4))
    # linking a half again (re-importing it) replaces its links, duplicates none
    assert run(store, framework, [usccs[1::2]]) == (1, 4)
    assert stored(store) == (CLASSES, CHAIN_LINKS, QUEUE, PREDICTED)


def test_keys_as_arrow_and_the_whole_store(framework) -> None:
    store = make_store()
    with store.transaction():
        assert classify_and_link(store, pa.array([f[0] for f in FIRMS]), framework) == RESULT
    assert stored(store) == (CLASSES, CHAIN_LINKS, QUEUE, PREDICTED)
    from chanye.services.imports import reclassify

    assert reclassify(store, framework) == {"predicted": 1, "classified": 9, "chain_links": len(CHAIN_LINKS)}
    assert stored(store) == (CLASSES, CHAIN_LINKS, QUEUE, PREDICTED)


def test_the_store_path_equals_the_pure_functions_on_every_row(framework) -> None:
    """The per-key path against `classify_by_rules` and `link_enterprises` run on every firm (the per-row path
    the batch and the views use), on firms whose names hold rule words and on firms sharing a key."""
    store = make_store()
    run(store, framework, [[f[0] for f in FIRMS]])
    firms = pd.DataFrame(FIRMS, columns=["uscc", "name", "industry_code", "business_scope"])
    labelled = firms["uscc"] == LABEL[0]
    rules = classify_by_rules(firms[~labelled & firms["industry_code"].notna()], framework)
    assert sorted(rules[["uscc", "node", "method", "code", "evidence", "confidence"]].itertuples(index=False,
                                                                                                  name=None)) == [
        r for r in CLASSES if r[2] in ("code", "keyword")]
    act = firms.assign(industry_code=firms["industry_code"].fillna(firms["uscc"].map(dict(
        (u, c) for u, c, _ in PREDICTED))))
    chains = link_enterprises(act, list(framework.chains))
    assert sorted(chains.itertuples(index=False, name=None)) == sorted(CHAIN_LINKS)


@pytest.mark.parametrize(("text", "expected"), [
    ("广州汽车", True),  # a two-character word
    ("奶茶店", True),  # a one-character word
    ("动力", False),  # the start of 动力电池 only
    ("电池动力电池", True),  # a longer word, after a false start
    ("汽", False), ("", False), (None, False),
    ("RAID", True),  # a prefilter: "AI" inside a Latin word still counts as may-hold
])
def test_may_hold_any(text, expected) -> None:
    # each text alone, and between two others: no pair or triple may span two texts
    assert may_hold_any(pa.array([text], pa.string()), ["汽车", "茶", "AI", "动力电池"]).tolist() == [expected]
    got = may_hold_any(pa.array(["汽", text, "车"], pa.string()), ["汽车", "茶", "AI", "动力电池"]).tolist()
    assert got == [False, expected, False]


WORDS = ["汽车", "汽车电子", "茶", "AI", "动力电池", "锂电池"]


def test_may_hold_any_on_slices_chunks_and_many_passes(monkeypatch) -> None:
    """What it says of each text does not depend on how the texts come: a slice of a longer array (its offset), two
    chunks, no chunk at all, or passes of two texts at a time with a pass of blank texts between hits. A word that
    starts a text after the first is found in that text; a triple across two texts (动力|电池) is none; a pair of
    characters no word has is none; a missing text holds nothing, even where a word is Latin letters."""
    texts = ["你好", "x", None, "", "茶店", "动力", "电池", "锂电", "锂电池厂", "汽车", "XXAI"]
    expected = [False, False, False, False, True, False, False, False, True, True, True]
    assert may_hold_any(pa.array(texts, pa.string()), WORDS).tolist() == expected
    assert may_hold_any(pa.array(["汽车电子", *texts], pa.string()).slice(1), WORDS).tolist() == expected
    assert may_hold_any(pa.chunked_array([texts[:5], texts[5:]], pa.string()), WORDS).tolist() == expected
    assert may_hold_any(pa.chunked_array([], pa.string()), WORDS).tolist() == []
    assert may_hold_any(pa.array([None, "XX"], pa.string()), ["XX"]).tolist() == [False, True]
    monkeypatch.setattr(prefilter, "_ROWS_PER_PASS", 2)
    assert may_hold_any(pa.array(texts, pa.string()), WORDS).tolist() == expected


def test_may_hold_any_keeps_a_pair_that_is_a_word_and_starts_a_longer_one() -> None:
    """Two-character words that also start a longer word (汽车, 汽车电子): the pair stays a word whichever of the two
    the set of words gives first (its order follows the strings' hashes: six such pairs make it near certain that
    both orders occur)."""
    words = ["汽车", "汽车电子", "芯片", "芯片设计", "电池", "电池回收", "光伏", "光伏组件", "机器", "机器人", "医药", "医药中间体"]
    shorts = words[::2]
    assert may_hold_any(pa.array(shorts, pa.string()), words).tolist() == [True] * 6
    assert may_hold_any(pa.array(["汽", "芯", "光"], pa.string()), words).tolist() == [False] * 3
