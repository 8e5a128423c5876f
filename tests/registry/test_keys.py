"""Migration 10: firms and their yearly figures without primary keys; the import checks the keys it wrote."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from chanye.errors import ChanyeError
from chanye.registry import ingest
from chanye.registry.ingest import check_keys, import_file
from chanye.registry.store import MIGRATIONS, Store

from .test_ingest import good_uscc, messy_rows, write_gbk_csv

FIRM = good_uscc(7)


def _old_store(path: Path) -> None:
    """A store at schema 9 (firms and figures under primary keys) holding one firm and two years of it."""
    with duckdb.connect(str(path)) as con:
        for number, sql in enumerate(MIGRATIONS[:9], start=1):
            con.execute(sql)
            con.execute("INSERT INTO schema_version (version) VALUES (?)", [number])
        con.execute("INSERT INTO enterprises (uscc, name, industry_code, batch_id) VALUES (?, '示例甲', '3612', 4)",
                    [FIRM])
        con.execute("INSERT INTO enterprise_years (uscc, year, revenue) VALUES (?, 2023, 1.5), (?, 2024, 2.5)",
                    [FIRM, FIRM])


def _constraints(store: Store, table: str) -> list[str]:
    return sorted(store.query("SELECT constraint_type FROM duckdb_constraints() WHERE table_name = ?",
                              [table])["constraint_type"])


def test_migration_10_keeps_every_row_and_drops_only_the_primary_keys(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    _old_store(path)
    with Store(path) as store:
        assert store.version == len(MIGRATIONS) == 10
        firm = store.query("SELECT uscc, name, industry_code, synthetic, batch_id, updated_at IS NOT NULL AS stamped "
                           "FROM enterprises").to_dict("records")
        assert firm == [{"uscc": FIRM, "name": "示例甲", "industry_code": "3612", "synthetic": False, "batch_id": 4,
                         "stamped": True}]
        years = store.query("SELECT year, revenue, synthetic FROM enterprise_years ORDER BY year").to_dict("records")
        assert years == [{"year": 2023, "revenue": 1.5, "synthetic": False}, {"year": 2024, "revenue": 2.5, "synthetic": False}]
        # the NOT NULLs stay (uscc was NOT NULL as the primary key); no PRIMARY KEY is left
        assert _constraints(store, "enterprises") == ["NOT NULL", "NOT NULL", "NOT NULL"]
        assert _constraints(store, "enterprise_years") == ["NOT NULL", "NOT NULL", "NOT NULL"]
        with pytest.raises(duckdb.ConstraintException, match=r"NOT NULL constraint failed: enterprises\.uscc"):
            store.con.execute("INSERT INTO enterprises (uscc, name) VALUES (NULL, '示例乙')")


def test_the_import_checks_the_keys_it_wrote_and_only_those(tmp_path: Path) -> None:
    with Store(tmp_path / "k.duckdb") as store:
        store.con.execute("INSERT INTO enterprises (uscc, name, batch_id) VALUES ('A', '甲', 1), ('A', '甲', 1), "
                          "('B', '乙', 2), ('C', '丙', 3)")
        store.con.execute("INSERT INTO enterprise_years (uscc, year, batch_id) VALUES ('B', 2024, 2), "
                          "('C', 2024, 3), ('C', 2024, 3), ('C', 2023, 3)")
        check_keys(store, 2)  # batch 2 wrote B and B's 2024 once each: the repeats of other batches are not its own
        with pytest.raises(ChanyeError, match=r"^导入后 enterprises 中 A 出现两次") as info:
            check_keys(store, 1)
        assert str(info.value) == ("导入后 enterprises 中 A 出现两次，导入已取消，未写入任何数据 "
                                   "(key A would be stored twice in enterprises; nothing was imported)"
                                   "（这是 chanye 的缺陷，请附上导入的文件报告问题 (a defect in chanye: please report it with "
                                   "the file)）")
        with pytest.raises(ChanyeError, match=r"^导入后 enterprise_years 中 C 2024 出现两次"):
            check_keys(store, 3)
        store.con.execute("INSERT INTO enterprise_years (uscc, year, batch_id) VALUES ('B', 2024, 4)")
        for batch in (2, 4):  # a key that another batch holds too is a repeat for both
            with pytest.raises(ChanyeError, match=r"^导入后 enterprise_years 中 B 2024 出现两次"):
                check_keys(store, batch)


def test_an_import_that_would_store_a_key_twice_is_refused_and_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    rows, _ = messy_rows()
    path = tmp_path / "messy.csv"
    write_gbk_csv(path, rows)
    insert = ingest.insert_new_figures

    def twice(store, chunk, batch, synthetic, unique=False):  # a defect: every figure goes in twice
        return insert(store, chunk, batch, synthetic, unique) + insert(store, chunk, batch, synthetic, unique=True)

    monkeypatch.setattr(ingest, "insert_new_figures", twice)
    with Store(tmp_path / "t.duckdb") as store:
        with pytest.raises(ChanyeError, match=r"^导入后 enterprise_years 中 \w{18} 2024 出现两次，导入已取消"):
            import_file(store, path, year=2024)
        assert [store.count(t) for t in ("enterprises", "enterprise_years", "quarantine", "import_batches")] == [0] * 4
