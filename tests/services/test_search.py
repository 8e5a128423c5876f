"""The search engine on five firms (pure: frames in, row positions out), with Shenzhen as the pack's city: the
facets count the city's own districts, a firm elsewhere keeps its code, and ranking puts missing figures last."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chanye.services import search
from chanye.standards.regions import City

SHENZHEN = City("440300", "Shenzhen", (("440305", "Nanshan"), ("440304", "Futian")))


def firms() -> pd.DataFrame:
    return pd.DataFrame({
        "uscc": ["914403001", "914403002", "914403003", "914401004", "914403005"],
        "name": ["南山电池有限公司", "福田汽车零部件公司", "南山软件公司", "天河汽车电池公司", "罗湖贸易公司"],
        "district_code": ["440305", "440304", "440305", "440106", None],
        "city_code": ["440300", "440300", "440300", "440100", "440300"],
        "industry_code": ["3841", "3670", "6513", "3841", None],
        "founded": ["2010-01-01", "2015-06-01", None, "2001-03-03", "2020-02-02"],
        "registered_capital": [100.0, 50.0, None, 300.0, 10.0],
        "business_scope": ["锂离子电池制造", "汽车零部件制造；电池销售", "软件开发", "动力电池研发", "日用百货销售"],
        "synthetic": [True, True, True, True, True],
    })


def directory() -> search.Directory:
    figures = pd.DataFrame({"uscc": ["914403001", "914403002", "914401004", "914403005"],
                            "revenue": [500.0, 900.0, 700.0, np.nan], "industrial_output": [400.0, 800.0, 600.0, 1.0],
                            "value_added": [1.0, 2.0, 3.0, 4.0], "employees": [10.0, 20.0, 30.0, 40.0]})
    tags = pd.DataFrame({"uscc": ["914403001", "914403002"], "tag": ["srdi", "srdi"]})
    links = pd.DataFrame({"uscc": ["914403001", "914401004"], "node": ["new-energy", "new-energy"]})
    return search.build_directory(firms(), [2023, 2024], figures, tags, links, SHENZHEN)


def test_the_directory_counts_the_packs_districts():
    d = directory()
    assert d.districts == ("440303", "440304", "440305", "440306", "440307", "440308", "440309", "440310", "440311")
    assert (d.size, d.year, d.years, d.synthetic) == (5, 2024, [2023, 2024], True)
    assert d.cols["district_slot"].tolist() == [2, 1, 2, -1, -1]  # 天河 (Guangzhou) and a blank: no slot
    assert search.district_counts(d, np.arange(5)) == [0, 1, 2, 0, 0, 0, 0, 0, 0]
    assert d.slot("440305") == 2 and d.slot("440106") is None
    assert search.in_district(d, np.arange(5), "440106").tolist() == [False, False, False, True, False]
    assert d.row_tags == [["srdi"], ["srdi"], [], [], []] and d.row_nodes == [["new-energy"], [], [], ["new-energy"], []]
    assert np.isnan(d.cols["revenue"][2]) and np.isnan(d.cols["revenue"][4])  # not reported / reported blank


def test_matching_by_words_by_uscc_and_everything():
    d = directory()
    rows, rel, tokens, mode = search.match_rows(d, "电池")
    # one word in the name counts twice (every word, and the whole query): 南山电池, 天河汽车电池 (3); only in
    # the scope: 福田汽车零部件 (1)
    assert (rows.tolist(), rel.tolist(), tokens, mode) == ([0, 1, 3], [3, 1, 3], ["电池"], "text")
    rows, rel, tokens, mode = search.match_rows(d, "914403")
    assert (rows.tolist(), rel.tolist(), tokens, mode) == ([0, 1, 2, 4], [3, 3, 3, 3], ["914403"], "uscc")
    rows, rel, tokens, mode = search.match_rows(d, "  ")
    assert (rows.tolist(), tokens, mode) == ([0, 1, 2, 3, 4], [], "all")


def test_filters():
    d = directory()
    rows = np.arange(5)
    assert search.filter_mask(d, rows, node="new-energy").tolist() == [True, False, False, True, False]
    assert search.filter_mask(d, rows, tag="srdi", city="440300").tolist() == [True, True, False, False, False]
    assert search.filter_mask(d, rows, node="nowhere").tolist() == [False] * 5


@pytest.mark.parametrize("big", [20_000, 0])  # sorting the rows, or filtering a presorted order of all rows
def test_ranking_puts_missing_last_in_both_directions(big):
    d = directory()
    rows = np.arange(5)

    def rank(key: str, descending: bool, rel=(0, 0, 0, 0, 0)) -> list[int]:
        return search.rank(d, d.cols, 2024, rows, np.array(rel), key, descending, big=big).tolist()

    assert rank("revenue", True) == [1, 3, 0, 2, 4]  # 900, 700, 500, then the two without revenue by row
    assert rank("revenue", False) == [0, 3, 1, 2, 4]
    # by code point: 南山电 (U+5357 U+5C71 U+7535) < 南山软 < 天 (U+5929) < 福 (U+798F) < 罗 (U+7F57)
    assert rank("name", False) == [0, 2, 3, 1, 4]
    assert rank("registered_capital", True) == [3, 0, 1, 4, 2]  # 300, 100, 50, 10, missing
    # relevance: level 2 (rows 1, 3 by revenue), level 1 (row 0, then row 2 without revenue), level 0
    assert rank("relevance", True, (1, 2, 1, 2, 0)) == [1, 3, 0, 2, 4]
    assert rank("relevance", False, (1, 2, 1, 2, 0)) == [4, 0, 2, 1, 3]


def test_tokens_drop_punctuation_and_stop_words():
    assert search.tokens_of("汽车 零部件，有限公司") == ["汽车", "零部件"]
    assert search.tokens_of("有限公司") == ["有限公司"]  # only stop words: keep them
