"""`registry.scans`: Python data read by one statement is not kept alive until the transaction commits (an
import registering each chunk's links held every chunk's: issue 14)."""

from __future__ import annotations

import gc

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from chanye.registry.scans import literal, query_with
from chanye.registry.store import Store


def _data(i: int) -> pa.Table:
    return pa.table({"s": pa.array([f"{i}-{j}" for j in range(100_000)], pa.large_string())})


@pytest.mark.parametrize("as_frame", [False, True])
def test_data_read_in_a_transaction_is_freed_before_the_commit(as_frame: bool) -> None:
    with Store(":memory:") as store, store.transaction() as con:
        con.execute("CREATE TEMP TABLE t (s VARCHAR)")
        gc.collect()
        before = pa.total_allocated_bytes()
        for i in range(3):
            data = _data(i).to_pandas() if as_frame else _data(i)
            assert query_with(con, "d", data, "INSERT INTO t SELECT s FROM d WHERE s LIKE '%7'") == [(10_000,)]
            del data
        gc.collect()
        assert pa.total_allocated_bytes() - before < 1 << 20
        assert con.execute("SELECT count(*), min(s) FROM t").fetchall() == [(30_000, "0-10007")]


def test_register_keeps_the_data_until_the_commit() -> None:
    """Why `query_with` exists: the same reads through register/unregister hold every table (DuckDB 2.0)."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (s VARCHAR)")
    con.execute("BEGIN")
    gc.collect()
    before = pa.total_allocated_bytes()
    for i in range(3):
        data = _data(i)
        con.register("d", data)
        con.execute("INSERT INTO t SELECT s FROM d WHERE s LIKE '%7'")
        con.unregister("d")
        del data
    gc.collect()
    assert pa.total_allocated_bytes() - before > 3 * 1_000_000
    con.execute("COMMIT")
    gc.collect()
    assert pa.total_allocated_bytes() - before < 1 << 20


def test_a_select_gives_its_rows_and_literals_are_quoted() -> None:
    con = duckdb.connect()
    frame = pd.DataFrame({"pack": ["guangzhou", "o'brien"], "n": [1, 2]})
    assert query_with(con, "f", frame, f"SELECT n FROM f WHERE pack = {literal(chr(111) + chr(39) + 'brien')}") == [(2,)]
    assert literal("a'b''c") == "'a''b''''c'"
