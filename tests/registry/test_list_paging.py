"""Lists that can grow without bound page in SQL (LIMIT/OFFSET in the store), never whole then sliced (issue 17)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from chanye.registry import quarantine
from chanye.registry.store import Store
from chanye.services import imports


@pytest.fixture
def store():
    s = Store(":memory:")
    for batch in range(1, 6):  # five imports, batch n of n * 10 rows
        s.con.execute(
            "INSERT INTO import_batches VALUES (?, ?, 'file', now(), now(), 'done', ?, ?, 0, ?, 0, 0, FALSE, '{}')",
            [batch, f"/data/名录{batch}.csv", batch * 10, batch * 10, batch * 10])
    yield s
    s.close()


def test_the_import_history_pages_in_the_store(store: Store) -> None:
    assert quarantine.batch_count(store) == 5
    assert quarantine.batches(store)["id"].tolist() == [5, 4, 3, 2, 1]
    page = quarantine.batches(store, limit=2, offset=1)
    assert page["id"].tolist() == [4, 3]
    assert page["rows_total"].tolist() == [40, 30]
    assert quarantine.batches(store, limit=2, offset=4)["id"].tolist() == [1]
    assert quarantine.batches(store, limit=2, offset=5).empty


def test_a_page_of_the_history_counts_the_whole_of_it(store: Store) -> None:
    p = SimpleNamespace(cursor=lambda: store)
    page = imports.batches(p, limit=2, offset=2)
    assert [r["batch_id"] for r in page.rows] == ["3", "2"]
    assert [r["file"] for r in page.rows] == ["名录3.csv", "名录2.csv"]
    assert page.meta["total"] == 5
    whole = imports.batches(p)
    assert [r["batch_id"] for r in whole.rows] == ["5", "4", "3", "2", "1"] and whole.meta["total"] == 5
