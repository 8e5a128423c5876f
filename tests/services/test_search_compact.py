"""Issue 14 item 2 (a server that stays small and answers fast): the directory's compact parts (row -> tags and
nodes as CSR arrays, city numbers, the USCC column doubling as the sorted one), dense membership masks, and the
recent-results cache that makes a search's pages slices. Same five firms as test_search.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chanye.services import search

from .test_search import SHENZHEN, directory, firms  # the same five firms


def test_member_of_gives_the_same_mask_dense_or_by_binary_search():
    values = np.array([0, 2, 3, 5, 7, 9], dtype=np.int64)
    members = np.array([2, 5, 6, 9], dtype=np.int64)
    expected = [False, True, False, True, False, True]
    assert search.member_of(values, members).tolist() == expected  # binary search
    assert search.member_of(values, members, 10).tolist() == expected  # 6 * 32 > 10: a table of 10 flags
    assert search.member_of(values[:1], members, 1000).tolist() == [False]  # 32 < 1000: binary search
    assert search.member_of(values, members[:0], 10).tolist() == [False] * 6
    assert search.intersect_sorted(values, members, 10).tolist() == [2, 5, 9]
    assert search.intersect_sorted(values, members).tolist() == [2, 5, 9]


def test_members_hold_each_rows_values_in_value_order():
    m = search.Members(("a", "b", "c"), np.array([0, 2, 2, 3]), np.array([0, 2, 1], dtype=np.int32))
    assert [m.of(0), m.of(1), m.of(2)] == [["a", "c"], [], ["b"]]
    assert m.lists() == [["a", "c"], [], ["b"]]
    d = directory()
    assert d.tag_members.of(0) == ["srdi"] and d.tag_members.of(2) == []
    assert d.node_members.values == ("new-energy",) and d.node_members.starts.tolist() == [0, 1, 1, 1, 2, 2]


def test_the_directory_numbers_the_cities_and_shares_its_sorted_usccs():
    d = directory()
    assert d.cities == ("440100", "440300")
    assert d.cols["city_slot"].tolist() == [1, 1, 1, 0, 1]
    rows = np.arange(5)
    assert search.filter_mask(d, rows, city="440300").tolist() == [True, True, True, False, True]
    assert search.filter_mask(d, rows, city="110000").tolist() == [False] * 5  # no firm there
    # not read in USCC order: a sorted copy and its order
    assert d.uscc_sorted.tolist() == [b"914401004", b"914403001", b"914403002", b"914403003", b"914403005"]
    assert d.uscc(3) == "914401004" and d.usccs().tolist() == firms()["uscc"].tolist()  # bytes, read as str
    assert d.uscc_order.tolist() == [3, 0, 1, 2, 4]
    none = pd.DataFrame({"uscc": pd.Series([], dtype=object), "tag": pd.Series([], dtype=object)})
    ordered = firms().sort_values("uscc").reset_index(drop=True)
    e = search.build_directory(ordered, [], None, none, none.rename(columns={"tag": "node"}), SHENZHEN)
    assert e.uscc_sorted is e.cols["uscc"] and e.uscc_order.tolist() == [0, 1, 2, 3, 4]  # no second copy
    assert search.match_rows(e, "91440300")[0].tolist() == [1, 2, 3, 4]  # a partial USCC: its prefix range


def test_names_are_read_from_the_name_index():
    frame = firms()
    frame.loc[2, "name"] = None
    d = search.build_directory(frame, [], None, pd.DataFrame({"uscc": [], "tag": []}, dtype=object),
                               pd.DataFrame({"uscc": [], "node": []}, dtype=object), SHENZHEN)
    assert "name" not in d.cols and d.unnamed.tolist() == [2]
    assert d.names(np.array([4, 2, 0])).tolist() == ["罗湖贸易公司", None, "南山电池有限公司"]
    assert d.names(np.zeros(0, np.int64)).tolist() == []
    by_name = search.rank(d, d.cols, None, np.arange(5), np.zeros(5), "name", False, big=100)
    assert by_name.tolist() == search.rank(d, d.cols, None, np.arange(5), np.zeros(5), "name", False, big=1).tolist()
    assert by_name.tolist() == [0, 3, 1, 4, 2]  # 南 U+5357 < 天 U+5929 < 福 U+798F < 罗 U+7F57, no name last


def test_rank_by_relevance_over_the_presorted_order_equals_the_direct_sort():
    d = directory()
    rows = np.array([0, 1, 3, 4])
    rel = np.array([1, 3, 3, 2])
    direct = search.rank(d, d.cols, 2024, rows, rel, "relevance", True, big=100)
    presorted = search.rank(d, d.cols, 2024, rows, rel, "relevance", True, big=1)
    # relevance 3 (rows 1, 3: revenue 900, 700), then 2 (row 4), then 1 (row 0)
    assert direct.tolist() == presorted.tolist() == [1, 3, 4, 0]


def test_recent_results_are_kept_within_their_budget(monkeypatch: pytest.MonkeyPatch):
    d = directory()
    monkeypatch.setattr(search, "RECENT_ROWS", 5)
    assert search.recall(d, ("a",)) is None
    kept = search.remember(d, ("a",), (np.array([4, 2, 0]), (1, 2), ("x",), "text", "revenue"))
    assert kept[0].dtype == np.int32 and not kept[0].flags.writeable
    assert search.recall(d, ("a",))[0].tolist() == [4, 2, 0] and d.recent_rows == 3
    search.remember(d, ("b",), (np.array([1, 3]), (), (), "all", "revenue"))
    assert d.recent_rows == 5 and list(d.recent) == [("a",), ("b",)]
    search.recall(d, ("a",))  # now the most recent
    search.remember(d, ("c",), (np.array([2]), (), (), "all", "revenue"))  # 6 > 5: the least recent goes
    assert list(d.recent) == [("a",), ("c",)] and d.recent_rows == 4
    too_big = search.remember(d, ("d",), (np.arange(6), (), (), "all", "revenue"))
    assert too_big[0].tolist() == [0, 1, 2, 3, 4, 5] and ("d",) not in d.recent and d.recent_rows == 4


def test_bigrams_most_texts_hold_are_bitmaps_and_find_the_same_rows(monkeypatch: pytest.MonkeyPatch):
    texts = ["汽车零部件", "电池\x01汽车", "", "汽", "汽车电池"] * 8 + ["零部件"]  # 41 texts
    plain = search.BigramIndex(texts)  # under DENSE_MIN texts: lists only
    assert plain.dense == {} and len(plain.rows) == plain.starts[-1] == 8 * (4 + 2 + 3) + 2  # per five texts 4 + 2 + 0 + 0 + 3 bigrams
    monkeypatch.setattr(search, "DENSE_MIN", 1)
    packed = search.BigramIndex(texts)
    # 汽车 (24 texts), 零部, 部件 (9), 电池 (16), 车零 (8), 车电 (8): each in more than 41 / 32 texts -> bitmaps
    assert len(packed.dense) == 6 and len(packed.rows) == 0 and packed.bitmaps.shape == (6, 6)
    for word in ("汽车", "零部件", "电池", "车电池", "汽", "池汽", "件"):
        assert packed.rows_with(word).tolist() == plain.rows_with(word).tolist(), word
    assert packed.rows_with("零部件").tolist() == [0, 5, 10, 15, 20, 25, 30, 35, 40]
    assert packed.rows_with("汽车", within=np.array([1, 2, 3, 4])).tolist() == [1, 4]


def test_frequencies_answer_as_the_dict_does():
    freq = {"汽车": 30, "汽": 0, "新能源": 12, "新": 5, "新能": 0, "零部件": 7, "零": 2, "零部": 0}
    f = search.Frequencies(freq)
    assert len(f) == 8
    for word, n in freq.items():
        assert word in f and f[word] == n and f.get(word) == n
    for missing in ("车", "汽车零", "", "新能源汽车", "zz"):
        assert missing not in f and f.get(missing) is None and f.get(missing, 1) == 1
    assert 3 not in f
    with pytest.raises(KeyError, match="车"):
        f["车"]
    empty = search.Frequencies({})
    assert "汽车" not in empty and empty.get("汽车") is None


def test_the_query_cut_is_jiebas_with_its_own_compact_dictionary():
    """Issue 14: the query cut keeps jieba's dictionary as `Frequencies` (a tokenizer of its own; jieba.dt, the
    text classifier's, is left as it is) and cuts as jieba.lcut does."""
    import jieba

    assert search.tokens_of("新能源汽车零部件") == ["新能源", "汽车", "零部件"]
    assert search.tokens_of("新能源汽车零部件") == ["新能源", "汽车", "零部件"]  # again, from the cache
    assert isinstance(search._tokenizer().FREQ, search.Frequencies)
    assert not isinstance(jieba.dt.FREQ, search.Frequencies)
    texts = ["锂离子电池制造", "广州聚桥示例半导体有限公司", "汽车零部件及配件制造；电池制造；新能源汽车整车销售",
             "集成电路设计、人工智能应用软件开发", "ABC科技 123号", "𠮷野家餐饮管理", "超高清视频显示器件"]
    assert [search._tokenizer().lcut(t) for t in texts] == [jieba.lcut(t) for t in texts]
