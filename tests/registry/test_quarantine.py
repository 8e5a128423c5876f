"""The quarantine read in pages: counts and reason tallies in the store, one page of rows at a time."""

from __future__ import annotations

import json

import pytest

from chanye.errors import NotFound
from chanye.registry import quarantine
from chanye.registry.store import Store


@pytest.fixture
def store():
    with Store(":memory:") as s:
        s.con.execute("INSERT INTO import_batches (id, file) VALUES (1, 'a.csv'), (2, 'b.csv')")
        rows = []
        for i in range(1000):  # rows 2..1001 of batch 2; every 4th also lacks a name
            reasons = [{"field": "uscc", "reason": "校验位错误"}]
            if i % 4 == 0:
                reasons.append({"field": "name", "reason": "缺少企业名称"})
            rows.append((2, "Sheet1", i + 2, f"U{i:04d}", json.dumps({"名称": f"甲{i}"}), json.dumps(reasons)))
        rows.append((1, "Sheet1", 7, "OLD", "{}", json.dumps([{"field": "year", "reason": "x"}])))
        s.con.executemany("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?)", rows)
        yield s


def test_counts_come_from_the_store(store):
    assert quarantine.rejected_count(store) == 1000  # the latest batch, 2
    assert quarantine.rejected_count(store, 1) == 1
    # 1000 uscc reasons; i % 4 == 0 for i in 0..999 is 250 name reasons
    assert quarantine.reason_counts(store) == {"uscc": 1000, "name": 250}
    assert quarantine.reason_counts(store, 1) == {"year": 1}


def test_a_page_reads_only_its_rows(store):
    page = quarantine.rejected_rows(store, 2, limit=3, offset=4)
    assert page["row_number"].tolist() == [6, 7, 8]  # offset 4 -> i = 4, 5, 6
    assert page["uscc"].tolist() == ["U0004", "U0005", "U0006"]
    assert page["reason_text"].tolist()[0] == "统一社会信用代码: 校验位错误；企业名称: 缺少企业名称"
    assert page["raw"].tolist()[1] == {"名称": "甲5"}
    assert len(quarantine.rejected_rows(store, 2)) == 1000  # no limit: every row (the XLSX for re-import)
    assert quarantine.rejected_rows(store, 2, limit=5, offset=998)["row_number"].tolist() == [1000, 1001]


def test_an_unknown_batch_is_not_found(store):
    for call in (quarantine.rejected_count, quarantine.reason_counts, quarantine.rejected_rows):
        with pytest.raises(NotFound, match=r"没有导入批次 9 \(no such import batch\)"):
            call(store, 9)
