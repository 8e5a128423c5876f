"""registry.projects: migration 7's tables, upserts that count what changed, a stage history that only grows."""

from __future__ import annotations

import pandas as pd

from chanye.registry import projects as stored
from chanye.registry.store import MIGRATIONS, Store


def _project(pid: str, **extra) -> dict:
    return {"id": pid, "pack": "gz", "name": f"项目{pid}", "kind": "attract", "investor_name": "甲公司",
            "total_investment": 50000.0, "synthetic": False, **extra}


def test_migration_7_creates_the_tables() -> None:
    store = Store(":memory:")
    assert store.version == len(MIGRATIONS) >= 7
    cols = store.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'project_stages'")
    assert cols["column_name"].tolist() == ["id", "project_id", "stage", "happened_on", "recorded_by", "note",
                                            "reason", "recorded_at", "batch_id"]


def test_upsert_counts_and_history_only_grows() -> None:
    store = Store(":memory:")
    with store.transaction():
        assert stored.save_projects(store, pd.DataFrame([_project("A"), _project("B")])) == (2, 0, 0)
        assert stored.save_projects(store, pd.DataFrame([_project("A"), _project("B", total_investment=60000.0),
                                                         _project("C")])) == (1, 1, 1)
        stored.add_stages(store, pd.DataFrame([
            {"project_id": "A", "stage": "talks", "happened_on": "2025-02-01", "recorded_by": "x"},
            {"project_id": "A", "stage": "lead", "happened_on": "2025-01-01", "recorded_by": "x"},
        ]))
        stored.add_stages(store, pd.DataFrame([{"project_id": "A", "stage": "signed", "happened_on": "2025-03-01",
                                                "recorded_by": "y", "note": "签约仪式"}]))
    got = stored.read_projects(store, "gz")
    assert got["id"].tolist() == ["A", "B", "C"] and got.set_index("id").at["B", "total_investment"] == 60000.0
    assert stored.read_projects(store, "other").empty
    hist = stored.read_stages(store, "gz", "A")
    assert hist["stage"].tolist() == ["lead", "talks", "signed"]  # by date, whatever the order of recording
    assert hist["happened_on"].tolist() == [pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01"),
                                            pd.Timestamp("2025-03-01")]
    assert hist["note"].tolist()[-1] == "签约仪式"
    assert not stored.has_synthetic(store, "gz")


def test_delete_synthetic_keeps_imported_projects() -> None:
    store = Store(":memory:")
    with store.transaction():
        stored.save_projects(store, pd.DataFrame([_project("A"), _project("D", synthetic=True)]))
        stored.add_stages(store, pd.DataFrame([{"project_id": p, "stage": "lead", "happened_on": "2025-01-01"}
                                               for p in ("A", "D")]))
        assert stored.has_synthetic(store, "gz")
        assert stored.delete_synthetic(store, "gz") == 1
    assert stored.read_projects(store, "gz")["id"].tolist() == ["A"]
    assert stored.read_stages(store, "gz")["project_id"].tolist() == ["A"]
