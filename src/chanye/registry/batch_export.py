"""The store's tables as the batch pipeline's Parquet inputs (`chanye.batch`, issue 14 item 5): DuckDB writes
them with COPY, so a registry of any size leaves the store without passing through Python."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from chanye.registry.store import Store

__all__ = ["TABLES", "batch_connection", "by_row", "complexity_panel", "export_inputs", "later_firm_rows",
           "repeated_bucket", "repeated_figures", "repeated_rows", "scale_frames", "write_repeated_raw"]

# name -> the query whose result is the batch input of that name (columns: chanye.batch.steps)
TABLES: dict[str, str] = {
    "enterprises": """SELECT uscc, name, city_code, district_code, industry_code, business_scope, synthetic
                      FROM enterprises ORDER BY uscc""",
    "figures": """SELECT uscc, year, revenue, industrial_output, value_added, employees, synthetic
                  FROM enterprise_years ORDER BY uscc, year""",
    "tags": "SELECT uscc, tag FROM tags ORDER BY uscc, tag",
}


def export_inputs(store: Store, folder: str | Path, *, pack: str | None = None) -> dict[str, int]:
    """Write enterprises, figures, tags (and, with `pack`, that pack's stored ``links``) to
    ``folder/<name>.parquet``; returns the row count of each."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    queries = dict(TABLES)
    params: list[object] = []
    if pack is not None:
        queries["links"] = """SELECT uscc, node, method, evidence, confidence, code FROM classifications
                              WHERE pack = ? ORDER BY uscc, node"""
    counts = {}
    for name, sql in queries.items():
        path = out / f"{name}.parquet"
        params = [pack] if name == "links" else []
        relation = store.con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()
        store.con.execute(f"COPY ({sql}) TO '{str(path).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)", params)
        counts[name] = int(relation[0]) if relation else 0
    return counts


# --- the single-machine batch engine's set operations (chanye.batch.steps.run_local) ---------------------------
# The row steps stream Parquet through Python in batches; what needs every row at once (which rows repeat a
# USCC, the first row of each firm, the complexity panel's sums) is asked of DuckDB here, which spills to disk
# past its memory limit instead of growing.


def batch_connection(temp: str | Path, *, memory_limit: str = "1GB") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for one batch run, spilling to `temp` beyond `memory_limit`."""
    con = duckdb.connect(":memory:")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = {_literal(str(temp))}")
    con.execute("SET preserve_insertion_order = false")
    return con


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _files(paths: Sequence[str | Path]) -> str:
    """A SQL list of Parquet files (a batch table is one file or a folder of part files)."""
    return "[" + ", ".join(_literal(str(p)) for p in paths) + "]"


def repeated_rows(con: duckdb.DuckDBPyConnection, checked: Sequence[str | Path], *, bucket_rows: int) -> int:
    """Rows whose normalised USCC another row shares, among the validated rows (``row_number, uscc`` of the
    valid and rejected parts in `checked`), into temp table ``_repeated(row_number, bucket)``: each USCC's rows
    in one bucket of about `bucket_rows` rows. Returns the number of such rows."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _keyed AS
                    SELECT row_number, uscc FROM read_parquet({_files(checked)}, union_by_name = true)
                    WHERE uscc IS NOT NULL""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _repeated_keys AS
                   SELECT uscc FROM _keyed GROUP BY uscc HAVING count(*) > 1""")
    total = con.execute("SELECT count(*) FROM _keyed JOIN _repeated_keys USING (uscc)").fetchone()
    n = int(total[0]) if total else 0
    buckets = max(1, -(-n // max(1, bucket_rows)))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _repeated AS
                    SELECT row_number, CAST(hash(uscc) % {buckets} AS INTEGER) AS bucket
                    FROM _keyed JOIN _repeated_keys USING (uscc)""")
    con.execute("DROP TABLE _keyed")
    return n


def write_repeated_raw(con: duckdb.DuckDBPyConnection, rows: Sequence[str | Path],
                       target: str | Path) -> list[int]:
    """The raw rows of `_repeated` with their ``_bucket``, in bucket and row order, to `target`; the buckets."""
    con.execute(f"""COPY (SELECT r.*, p.bucket AS _bucket FROM read_parquet({_files(rows)}) r
                          JOIN _repeated p ON p.row_number = r.row_number ORDER BY p.bucket, r.row_number)
                    TO {_literal(str(target))} (FORMAT parquet, ROW_GROUP_SIZE 20000)""")
    return [int(b) for (b,) in con.execute("SELECT DISTINCT bucket FROM _repeated ORDER BY bucket").fetchall()]


def repeated_bucket(con: duckdb.DuckDBPyConnection, path: str | Path, bucket: int) -> pa.Table:
    """One bucket of `write_repeated_raw`'s file: raw rows in row order (every row of a USCC together)."""
    return con.sql(f"""SELECT * EXCLUDE (_bucket) FROM read_parquet({_literal(str(path))})
                       WHERE _bucket = $bucket ORDER BY row_number""", params={"bucket": bucket}).to_arrow_table()


def by_row(con: duckdb.DuckDBPyConnection, first: str | Path, again: str | Path | None,
           batch_rows: int = 100_000) -> pa.RecordBatchReader:
    """`first`'s rows but those of `_repeated`, with `again`'s (their results validated together), in
    ``row_number`` order (DuckDB sorts, spilling past its memory limit), `batch_rows` at a time."""
    parts = [f"SELECT * FROM read_parquet({_literal(str(first))})"
             + (" WHERE row_number NOT IN (SELECT row_number FROM _repeated)" if again is not None else "")]
    if again is not None:
        parts.append(f"SELECT * FROM read_parquet({_literal(str(again))})")
    return con.sql(f"{' UNION ALL '.join(parts)} ORDER BY row_number").to_arrow_reader(batch_rows)


def _numbered(files: Sequence[str | Path], columns: str) -> str:
    """`columns` of the files with ``_file`` (position in `files`) and ``_pos`` (row within its file)."""
    return f"""SELECT {columns}, list_position({_files(files)}, filename) - 1 AS _file, file_row_number AS _pos
               FROM read_parquet({_files(files)}, filename = true, file_row_number = true)"""


def later_firm_rows(con: duckdb.DuckDBPyConnection, files: Sequence[str | Path]) -> pa.Table:
    """``_file, _pos`` of every enterprise row whose USCC an earlier row (in file order) already has: the
    rows the batch steps skip, a firm counting by its first row."""
    return con.sql(f"""WITH e AS ({_numbered(files, 'uscc')} WHERE uscc IS NOT NULL),
                           firsts AS (SELECT uscc, min(_file * 1099511627776 + _pos) AS first FROM e
                                      GROUP BY uscc HAVING count(*) > 1)
                           SELECT _file, _pos FROM e JOIN firsts USING (uscc)
                           WHERE _file * 1099511627776 + _pos > first""").to_arrow_table()


def complexity_panel(con: duckdb.DuckDBPyConnection, enterprises: Sequence[str | Path],
                     figures: Sequence[str | Path], *, city: str, digits: int, value: str) -> pa.Table:
    """``location, activity, year, value``: `value` of the city's firms summed by district x the code's first
    `digits` digits x year; each firm by its first row, which must be in the city with a district and a code
    (`chanye.batch.steps.complexity_panel`'s definition)."""
    return con.sql(f"""
        WITH e AS ({_numbered(enterprises, 'uscc, city_code, district_code, industry_code')}
                   WHERE uscc IS NOT NULL),
        firsts AS (SELECT uscc, min(_file * 1099511627776 + _pos) AS first FROM e GROUP BY uscc),
        firms AS (SELECT e.uscc, e.district_code, e.industry_code FROM e JOIN firsts
                  ON e.uscc = firsts.uscc AND e._file * 1099511627776 + e._pos = firsts.first
                  WHERE CAST(e.city_code AS VARCHAR) = $city AND e.district_code IS NOT NULL
                    AND e.industry_code IS NOT NULL)
        SELECT CAST(f.district_code AS VARCHAR) AS location,
               substr(CAST(f.industry_code AS VARCHAR), 1, {int(digits)}) AS activity,
               CAST(g.year AS BIGINT) AS year, fsum(CAST(g.{value} AS DOUBLE)) AS value
        FROM read_parquet({_files(figures)}) g JOIN firms f ON f.uscc = g.uscc
        WHERE g.{value} IS NOT NULL
        GROUP BY ALL ORDER BY location, activity, year""", params={"city": city}).to_arrow_table()


def scale_frames(con: duckdb.DuckDBPyConnection, tables: dict[str, tuple[Sequence[str | Path], Sequence[str]]],
                 batch_rows: int | None = None) -> Iterator[tuple[str, pa.Table | pa.RecordBatchReader]]:
    """The inputs of `analytics.indicators.scale` (name -> (files, columns), ``uscc`` first) with each USCC
    replaced by an integer, one numbering across all of them (a missing USCC stays missing), rows in file order:
    the same frames to `scale` (which only matches USCCs) at a fraction of the memory of 18-character texts.
    Yields one table at a time, so the caller converts each before the next is made; with `batch_rows`, a
    reader of batches of that many rows instead (read it to the end before asking for the next)."""
    sources = {name: _numbered(files, ", ".join(columns)) for name, (files, columns) in tables.items()}
    every = " UNION ".join(f"SELECT uscc FROM ({sql})" for sql in sources.values())
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _ids AS
                    SELECT uscc, CAST(row_number() OVER () AS BIGINT) AS id FROM ({every}) WHERE uscc IS NOT NULL""")
    for name, (_, columns) in tables.items():
        rest = "".join(f", t.{c}" for c in columns if c != "uscc")
        result = con.sql(f"""SELECT i.id AS uscc{rest} FROM ({sources[name]}) t
                             LEFT JOIN _ids i ON t.uscc = i.uscc ORDER BY t._file, t._pos""")
        yield name, result.to_arrow_table() if batch_rows is None else result.to_arrow_reader(batch_rows)
    con.execute("DROP TABLE _ids")


def repeated_figures(con: duckdb.DuckDBPyConnection, files: Sequence[str | Path], limit: int = 3) -> list[dict]:
    """The first `limit` figure rows (file order) whose USCC and year another row repeats."""
    rows = con.sql(f"""WITH f AS ({_numbered(files, 'uscc, year')} WHERE uscc IS NOT NULL),
                           k AS (SELECT uscc, year FROM f GROUP BY uscc, year HAVING count(*) > 1)
                       SELECT f.uscc, f.year FROM f JOIN k USING (uscc, year) ORDER BY _file, _pos
                       LIMIT {int(limit)}""").fetchall()
    return [{"uscc": u, "year": y} for u, y in rows]
