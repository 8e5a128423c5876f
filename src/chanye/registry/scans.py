"""Python data (an Arrow table, a DataFrame) read by one SQL statement, without registering it.

`con.register(name, data)` puts a view in the catalog; inside a transaction DuckDB keeps it, and the data, alive
until the commit even after `unregister`. An import runs in one transaction and registered each chunk's keyed
links, so it held every chunk's (about 1 GB of Arrow data at a million registry-style firms, issue 14). A
relation's `query` reads the data for that statement only.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa


def query_with(con: duckdb.DuckDBPyConnection, name: str, data: pa.Table | pd.DataFrame, sql: str) -> list[tuple]:
    """Run `sql`, in which `data` reads as the table `name`; its rows (an INSERT's: the count inserted)."""
    relation = con.from_arrow(data) if isinstance(data, pa.Table) else con.from_df(data)
    return relation.query(name, sql).fetchall()


def literal(text: str) -> str:
    """`text` as an SQL string literal (`query_with` takes no parameters)."""
    return "'" + text.replace("'", "''") + "'"
