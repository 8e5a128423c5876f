"""The store (数据库): one DuckDB file with a versioned schema. Only `registry/` talks to it.

Money is stored in 万元 (DOUBLE); each measure's unit is recorded in the `measures` table and in
`registry.fields`, so no figure leaves the store without its unit.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from chanye.errors import ChanyeError
from chanye.registry.fields import FIGURE_FIELDS

DEFAULT_DB = Path("data") / "chanye.duckdb"


def default_path() -> Path:
    """`CHANYE_DB` if set, else data/chanye.duckdb under the working directory."""
    return Path(os.environ.get("CHANYE_DB") or DEFAULT_DB)


# Each migration is applied once, in order, inside a transaction; `schema_version` records which ran.
MIGRATIONS: tuple[str, ...] = (
    # 1: the registry.
    """
    CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP DEFAULT current_timestamp);
    CREATE TABLE sources (
        id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, publisher VARCHAR, date VARCHAR, url VARCHAR, note VARCHAR
    );
    CREATE TABLE measures (name VARCHAR PRIMARY KEY, zh VARCHAR, en VARCHAR, unit VARCHAR NOT NULL);
    CREATE SEQUENCE batch_ids START 1;
    CREATE TABLE import_batches (
        id INTEGER PRIMARY KEY, file VARCHAR, kind VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP,
        status VARCHAR, rows_total INTEGER, rows_loaded INTEGER, rows_quarantined INTEGER,
        inserted INTEGER, updated INTEGER, unchanged INTEGER, synthetic BOOLEAN, report JSON
    );
    CREATE TABLE enterprises (
        uscc VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, city_code VARCHAR, district_code VARCHAR,
        address VARCHAR, industry_code VARCHAR, industry_code_raw VARCHAR, code_vintage VARCHAR,
        business_scope VARCHAR, registered_capital DOUBLE, founded DATE,
        predicted_code VARCHAR, predicted_score DOUBLE, synthetic BOOLEAN NOT NULL DEFAULT FALSE,
        batch_id INTEGER, updated_at TIMESTAMP DEFAULT current_timestamp
    );
    CREATE TABLE enterprise_years (
        uscc VARCHAR NOT NULL, year INTEGER NOT NULL,
        revenue DOUBLE, industrial_output DOUBLE, value_added DOUBLE, employees DOUBLE, rd_expense DOUBLE,
        tax DOUBLE, energy_use DOUBLE, synthetic BOOLEAN NOT NULL DEFAULT FALSE, batch_id INTEGER,
        PRIMARY KEY (uscc, year)
    );
    CREATE TABLE tags (uscc VARCHAR NOT NULL, tag VARCHAR NOT NULL, batch_id INTEGER, PRIMARY KEY (uscc, tag));
    CREATE TABLE classifications (
        uscc VARCHAR NOT NULL, pack VARCHAR NOT NULL, node VARCHAR NOT NULL, method VARCHAR NOT NULL,
        code VARCHAR, evidence VARCHAR, confidence DOUBLE, PRIMARY KEY (uscc, pack, node)
    );
    CREATE TABLE published (
        id VARCHAR PRIMARY KEY, scope VARCHAR, area VARCHAR, node VARCHAR, metric VARCHAR, year INTEGER,
        value DOUBLE, unit VARCHAR, comparison VARCHAR, growth DOUBLE, source VARCHAR, note VARCHAR
    );
    CREATE TABLE quarantine (
        batch_id INTEGER NOT NULL, sheet VARCHAR NOT NULL, row_number INTEGER NOT NULL, uscc VARCHAR,
        raw JSON, reasons JSON, PRIMARY KEY (batch_id, sheet, row_number)
    );
    CREATE TABLE import_warnings (
        batch_id INTEGER NOT NULL, sheet VARCHAR NOT NULL, row_number INTEGER NOT NULL, uscc VARCHAR,
        field VARCHAR, message VARCHAR
    );
    """,
    # 2: enterprise-to-chain-node links (registry/chain_links.py), and the template each chain was linked with.
    """
    CREATE TABLE chain_links (
        uscc VARCHAR NOT NULL, pack VARCHAR NOT NULL, chain VARCHAR NOT NULL, chain_node VARCHAR NOT NULL,
        role VARCHAR NOT NULL, method VARCHAR NOT NULL, evidence VARCHAR, confidence DOUBLE,
        PRIMARY KEY (uscc, pack, chain, chain_node)
    );
    CREATE TABLE chain_link_runs (
        pack VARCHAR NOT NULL, chain VARCHAR NOT NULL, fingerprint VARCHAR NOT NULL, linked_at TIMESTAMP,
        PRIMARY KEY (pack, chain)
    );
    """,
    # 3: targets imported from a file, beside the pack's own targets.yaml (registry/targets.py).
    """
    CREATE TABLE targets (
        id VARCHAR NOT NULL, pack VARCHAR NOT NULL, node VARCHAR NOT NULL, metric VARCHAR NOT NULL,
        value DOUBLE NOT NULL, unit VARCHAR NOT NULL, year INTEGER NOT NULL, status VARCHAR NOT NULL,
        sources VARCHAR, note VARCHAR, file VARCHAR, imported_at TIMESTAMP DEFAULT current_timestamp,
        PRIMARY KEY (pack, id)
    );
    """,
)


class Store:
    """A connection to one chanye database, migrated to the current schema on open."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = ":memory:" if path == ":memory:" else str(Path(path) if path else default_path())
        if self.path != ":memory:" and not read_only:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.IOException as exc:
            raise ChanyeError(
                f"无法打开数据库 {self.path}: {exc} (cannot open database)",
                hint="检查路径，或确认没有其他进程占用该文件",
            ) from None
        if not read_only:
            self.migrate()

    # --- schema ---------------------------------------------------------------------------------------------

    @property
    def version(self) -> int:
        exists = self.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'")
        if not exists:
            return 0
        return self.scalar("SELECT coalesce(max(version), 0) FROM schema_version")

    def migrate(self) -> int:
        """Apply pending migrations; returns the schema version."""
        current = self.version
        for number, sql in enumerate(MIGRATIONS, start=1):
            if number <= current:
                continue
            with self.transaction():
                self.con.execute(sql)
                self.con.execute("INSERT INTO schema_version (version) VALUES (?)", [number])
                if number == 1:
                    self._seed_measures()
        return self.version

    def _seed_measures(self) -> None:
        rows = [(f.name, f.zh, f.en, f.unit) for f in FIGURE_FIELDS if f.name != "year"]
        self.con.executemany("INSERT INTO measures VALUES (?, ?, ?, ?)", rows)

    # --- plumbing -------------------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: an exception (or a killed process) leaves the database as it was."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def query(self, sql: str, params: list | dict | None = None) -> pd.DataFrame:
        # Through Arrow: about twice as fast as .df() on large results, and strings stay Arrow-backed.
        return self.con.sql(sql, params=params or None).to_arrow_table().to_pandas()

    def scalar(self, sql: str, params: list | dict | None = None):
        # fetchall, not fetchone: DuckDB refuses new work on a connection with an unfinished result.
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0][0] if rows else None

    def count(self, table: str) -> int:
        return self.scalar(f"SELECT count(*) FROM {table}")  # table names are ours, never user input

    def new_batch_id(self) -> int:
        return self.scalar("SELECT nextval('batch_ids')")

    def cursor(self) -> Store:
        """A second handle on the same database for another thread (DuckDB cursors are thread-local)."""
        clone = Store.__new__(Store)
        clone.path = self.path
        clone.con = self.con.cursor()
        return clone

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
