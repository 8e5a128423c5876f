"""Doubles as text the way Python writes them, for CSV written straight from Arrow (`chanye.complexity_files`).

DuckDB casts a DOUBLE to VARCHAR as the shortest text that reads back to the same number, which is Python's
`repr` (what pandas' `to_csv` writes), and does it in C++; NaN becomes NULL, an empty cell. Only registry/ talks
to DuckDB, so the cast lives here.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa


class DoubleText:
    """One in-memory DuckDB connection that turns the double columns of Arrow tables into text."""

    def __init__(self) -> None:
        self._con = duckdb.connect()

    def __call__(self, table: pa.Table) -> pa.Table:
        """`table`'s columns (all doubles) as text columns c0, c1, … in order."""
        self._con.register("part", table.rename_columns([f"c{i}" for i in range(table.num_columns)]))
        try:
            select = ", ".join(f"CAST(c{i} AS VARCHAR)" for i in range(table.num_columns))
            return self._con.sql(f"SELECT {select} FROM part").to_arrow_table()
        finally:
            self._con.unregister("part")

    def close(self) -> None:
        self._con.close()
