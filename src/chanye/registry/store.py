"""The store (数据库): one DuckDB file with a versioned schema. Only `registry/` talks to it.

Money is stored in 万元 (DOUBLE); each measure's unit is recorded in the `measures` table and in
`registry.fields`, so no figure leaves the store without its unit.

Sharing the file. DuckDB lets one process write a file, or many processes read it. So nothing here holds a
write lock longer than a write: `Store.reader` (the CLI's reading commands) and `StorePool` (the web server)
read through read-only connections, and their `transaction()` borrows a read-write connection for the
transaction only. A CLI import therefore succeeds while `chanye serve` runs (the server lets go of the file
once idle for `StorePool.linger` seconds); whoever finds the file locked waits up to `CHANYE_DB_WAIT` seconds
(default 10), then fails with `DatabaseBusy`, one line saying what to do.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import partial
from pathlib import Path

import duckdb
import pandas as pd

from chanye.errors import ChanyeError
from chanye.registry.fields import FIGURE_FIELDS

log = logging.getLogger(__name__)

# What a failed database call raises, for callers above the registry (which never import duckdb).
DatabaseError = duckdb.Error

DEFAULT_DB = Path("data") / "chanye.duckdb"


def default_path() -> Path:
    """The one default database (issue 15): `CHANYE_DB` if set; else the checkout's data/chanye.duckdb when the
    package runs from a source checkout (src/chanye beside pyproject.toml: `make run`, editable installs),
    wherever the command is run from; else the user's data folder, `$XDG_DATA_HOME/chanye/chanye.duckdb`
    (default ~/.local/share/chanye/chanye.duckdb). Never relative to the working directory, so a command run
    in another folder does not create a stray ./data/chanye.duckdb."""
    if os.environ.get("CHANYE_DB"):
        return Path(os.environ["CHANYE_DB"])
    root = Path(__file__).resolve().parents[3]
    if Path(__file__).resolve().parents[2].name == "src" and (root / "pyproject.toml").is_file():
        return root / DEFAULT_DB
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "chanye" / "chanye.duckdb"


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
    # 4: the English note of each published figure and source (`note` is the Chinese one; empty: one note).
    """
    ALTER TABLE published ADD COLUMN note_en VARCHAR;
    ALTER TABLE sources ADD COLUMN note_en VARCHAR;
    """,
    # 5: local accounts, their sessions and the audit log (registry/users.py, issue 17 accounts).
    """
    CREATE TABLE users (
        name VARCHAR PRIMARY KEY, role VARCHAR NOT NULL, district VARCHAR, password_hash VARCHAR NOT NULL,
        created_at TIMESTAMP DEFAULT current_timestamp, disabled_at TIMESTAMP
    );
    CREATE TABLE sessions (
        token_hash VARCHAR PRIMARY KEY, user_name VARCHAR NOT NULL, csrf VARCHAR NOT NULL,
        created_at TIMESTAMP DEFAULT current_timestamp, expires_at TIMESTAMP NOT NULL
    );
    CREATE SEQUENCE audit_ids START 1;
    CREATE TABLE audit (
        id BIGINT PRIMARY KEY DEFAULT nextval('audit_ids'), happened_at TIMESTAMP DEFAULT current_timestamp,
        user_name VARCHAR, action VARCHAR NOT NULL, target VARCHAR, detail VARCHAR
    );
    """,
    # 6: the classification review queue and analysts' labels (registry/review.py, issue 11 classification).
    """
    CREATE TABLE review_queue (
        uscc VARCHAR NOT NULL, pack VARCHAR NOT NULL, probability DOUBLE, suggestions JSON,
        queued_at TIMESTAMP DEFAULT current_timestamp, PRIMARY KEY (uscc, pack)
    );
    CREATE TABLE manual_labels (
        uscc VARCHAR PRIMARY KEY, code VARCHAR NOT NULL, action VARCHAR NOT NULL, decided_by VARCHAR NOT NULL,
        decided_at TIMESTAMP DEFAULT current_timestamp, note VARCHAR
    );
    """,
    # 7: 招商/重点项目 and their stage history, appended to, never overwritten (registry/projects.py, issue 12).
    """
    CREATE TABLE projects (
        id VARCHAR PRIMARY KEY, pack VARCHAR NOT NULL, name VARCHAR NOT NULL, kind VARCHAR NOT NULL,
        investor_uscc VARCHAR, investor_name VARCHAR, investor_city VARCHAR,
        nodes VARCHAR, chain_nodes VARCHAR, district_code VARCHAR, park VARCHAR, content VARCHAR,
        total_investment DOUBLE, fixed_investment DOUBLE, land_mu DOUBLE, annual_output DOUBLE, annual_tax DOUBLE,
        responsible_unit VARCHAR, cluster VARCHAR, source VARCHAR, reason VARCHAR,
        synthetic BOOLEAN NOT NULL DEFAULT FALSE, batch_id INTEGER,
        created_at TIMESTAMP DEFAULT current_timestamp, updated_at TIMESTAMP DEFAULT current_timestamp
    );
    CREATE SEQUENCE project_stage_ids START 1;
    CREATE TABLE project_stages (
        id BIGINT PRIMARY KEY DEFAULT nextval('project_stage_ids'), project_id VARCHAR NOT NULL,
        stage VARCHAR NOT NULL, happened_on DATE NOT NULL, recorded_by VARCHAR, note VARCHAR, reason VARCHAR,
        recorded_at TIMESTAMP DEFAULT current_timestamp, batch_id INTEGER
    );
    """,
    # 8: firms' 数智化/绿色化 transformation indicators by year (registry/transformation.py, issue 13 §6).
    """
    CREATE TABLE firm_transformation (
        uscc VARCHAR NOT NULL, year INTEGER NOT NULL,
        smart_level INTEGER, integration_level INTEGER, iip_platform BOOLEAN,
        digital_workshop BOOLEAN, smart_factory BOOLEAN, green_factory BOOLEAN,
        energy_tce DOUBLE, carbon_tco2 DOUBLE,
        synthetic BOOLEAN NOT NULL DEFAULT FALSE, batch_id INTEGER,
        PRIMARY KEY (uscc, year)
    );
    """,
    # 9: node and chain links without primary keys (issue 14 item 1). Both tables are derived and rewritten per
    # firm by classify.enterprises / classify.chain_links, whose per-key expansion keeps (uscc, pack, node) and
    # (uscc, pack, chain, chain_node) unique; keeping the ART indexes cost 5 of a 1 M-row import's 19 s.
    """
    CREATE TABLE classifications_9 (
        uscc VARCHAR NOT NULL, pack VARCHAR NOT NULL, node VARCHAR NOT NULL, method VARCHAR NOT NULL,
        code VARCHAR, evidence VARCHAR, confidence DOUBLE
    );
    INSERT INTO classifications_9 SELECT uscc, pack, node, method, code, evidence, confidence FROM classifications;
    DROP TABLE classifications;
    ALTER TABLE classifications_9 RENAME TO classifications;
    CREATE TABLE chain_links_9 (
        uscc VARCHAR NOT NULL, pack VARCHAR NOT NULL, chain VARCHAR NOT NULL, chain_node VARCHAR NOT NULL,
        role VARCHAR NOT NULL, method VARCHAR NOT NULL, evidence VARCHAR, confidence DOUBLE
    );
    INSERT INTO chain_links_9
        SELECT uscc, pack, chain, chain_node, role, method, evidence, confidence FROM chain_links;
    DROP TABLE chain_links;
    ALTER TABLE chain_links_9 RENAME TO chain_links;
    """,
    # 10: firms and their yearly figures without primary keys (issue 14 item 1). An import writes them
    # (registry/ingest.py) by set operations that keep one row per USCC and per USCC + year, and checks the keys
    # it wrote before it commits (`ingest.check_keys`); the demo build writes generated firms, each once. The ART
    # indexes cost about a quarter of a 1 M-row import (their upkeep and commit), and DuckDB answers a lookup by
    # USCC from its column about as fast.
    """
    CREATE TABLE enterprises_10 (
        uscc VARCHAR NOT NULL, name VARCHAR NOT NULL, city_code VARCHAR, district_code VARCHAR,
        address VARCHAR, industry_code VARCHAR, industry_code_raw VARCHAR, code_vintage VARCHAR,
        business_scope VARCHAR, registered_capital DOUBLE, founded DATE,
        predicted_code VARCHAR, predicted_score DOUBLE, synthetic BOOLEAN NOT NULL DEFAULT FALSE,
        batch_id INTEGER, updated_at TIMESTAMP DEFAULT current_timestamp
    );
    INSERT INTO enterprises_10 SELECT * FROM enterprises;
    DROP TABLE enterprises;
    ALTER TABLE enterprises_10 RENAME TO enterprises;
    CREATE TABLE enterprise_years_10 (
        uscc VARCHAR NOT NULL, year INTEGER NOT NULL,
        revenue DOUBLE, industrial_output DOUBLE, value_added DOUBLE, employees DOUBLE, rd_expense DOUBLE,
        tax DOUBLE, energy_use DOUBLE, synthetic BOOLEAN NOT NULL DEFAULT FALSE, batch_id INTEGER
    );
    INSERT INTO enterprise_years_10 SELECT * FROM enterprise_years;
    DROP TABLE enterprise_years;
    ALTER TABLE enterprise_years_10 RENAME TO enterprise_years;
    """,
)


# --- opening the file -----------------------------------------------------------------------------------------

_LOCKED = re.compile(r"Could not set lock|Conflicting lock")
_HOLDER = re.compile(r"\(PID (\d+)\)")


class DatabaseBusy(ChanyeError):
    """Another process holds the database file's lock for longer than we wait (`CHANYE_DB_WAIT`)."""

    status = 503
    title = "数据库忙 Database busy"


def lock_wait() -> float:
    """Seconds to wait for another process to let go of the database: `CHANYE_DB_WAIT`, default 10."""
    text = os.environ.get("CHANYE_DB_WAIT", "").strip()
    try:
        return max(0.0, float(text)) if text else 10.0
    except ValueError:
        raise ChanyeError(f"CHANYE_DB_WAIT={text!r} 不是秒数 (not a number of seconds)", hint="例如 CHANYE_DB_WAIT=10") from None


def _busy(path: str, read_only: bool, exc: Exception, waited: float) -> DatabaseBusy:
    pid = _HOLDER.search(str(exc))
    holder = f"（进程 PID {pid.group(1)}）" if pid else ""
    waited = round(waited, 1)
    if read_only:
        return DatabaseBusy(
            f"数据库 {path} 正被另一个进程写入{holder}，等待 {waited:g} 秒后仍未完成 (another process is writing the database)",
            hint="导入完成后重试，或设置 CHANYE_DB_WAIT 等待更久 (retry when the import is done, or raise CHANYE_DB_WAIT)",
        )
    return DatabaseBusy(
        f"数据库 {path} 正被另一个进程使用{holder}，等待 {waited:g} 秒后仍无法写入 (the database is in use by another process)",
        hint="chanye serve 空闲约 1 秒即释放数据库：稍后重试，或在仪表盘的 /data 页面上传导入 "
        "(retry when the server is idle, or upload through the dashboard's /data page)",
    )


def connect(path: str, *, read_only: bool = False, wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to `path`. While another process holds the file's lock, retry for up to `wait`
    seconds (default `lock_wait()`), then raise DatabaseBusy. DuckDB allows one mode per file per process: a
    read-only connection to a file this process holds read-write reads through that database, and a read-write
    one waits (as long) for this process's read-only connections to close (a pool lingering after a request)."""
    limit = lock_wait() if wait is None else wait
    deadline = time.monotonic() + limit
    delay = 0.005
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.ConnectionException as exc:
            if "different configuration" not in str(exc):
                raise _cannot_open(path, exc) from None
            if read_only:
                return duckdb.connect(path)  # this process writes the file: read through the same database
            if time.monotonic() >= deadline:  # this process reads it: wait for its readers (a lingering pool)
                raise ChanyeError(
                    f"本进程已以只读方式打开数据库 {path}，不能同时写入 (this process holds the database read-only)",
                    hint="先关闭只读的连接（Platform、仪表盘）再写入 (close the read-only store first)",
                ) from None
        except duckdb.IOException as exc:
            if not _LOCKED.search(str(exc)):
                raise _cannot_open(path, exc) from None
            if time.monotonic() >= deadline:
                raise _busy(path, read_only, exc, limit) from None
        time.sleep(max(0.0, min(delay, deadline - time.monotonic())))
        delay = min(delay * 2, 0.1)


def _cannot_open(path: str, exc: Exception) -> ChanyeError:
    return ChanyeError(f"无法打开数据库 {path}: {exc} (cannot open database)",
                       hint="检查路径，或确认没有其他进程占用该文件")


# --- the store -----------------------------------------------------------------------------------------------


class Store:
    """A connection to one chanye database, migrated to the current schema on open.

    `Store(path)` opens read-write (and migrates); `Store(path, read_only=True)` only reads; `Store.reader(path)`
    reads, and borrows a read-write connection for each `transaction()`, so it holds no write lock otherwise.
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False,
                 wait: float | None = None) -> None:
        self.path = ":memory:" if path == ":memory:" else str(Path(path) if path else default_path())
        if self.path != ":memory:" and not read_only:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.read_only = read_only
        self.wait = wait
        self._borrow: Callable | None = None  # how a read-only store gets a read-write connection for a write
        self._on_close: Callable[[], None] | None = None
        self.con = connect(self.path, read_only=read_only, wait=wait)
        if not read_only:
            self.migrate()

    @classmethod
    def reader(cls, path: str | Path | None = None, *, wait: float | None = None) -> Store:
        """A read-only store whose `transaction()` borrows a read-write connection for the transaction only:
        what a command opens, so it can read while `chanye serve` runs. A missing or older file is created or
        migrated first (a short read-write open)."""
        target = ":memory:" if path == ":memory:" else str(Path(path) if path else default_path())
        if target == ":memory:":
            return cls(target)
        prepare(target, wait=wait)
        store = cls(target, read_only=True, wait=wait)
        store._borrow = _reopen_for_writing
        return store

    @classmethod
    def attach(cls, con: duckdb.DuckDBPyConnection, path: str, *, read_only: bool,
               borrow: Callable | None = None, on_close: Callable[[], None] | None = None) -> Store:
        """A Store over a connection someone else opened (a `StorePool`)."""
        store = cls.__new__(cls)
        store.path, store.con, store.read_only, store.wait = path, con, read_only, None
        store._borrow, store._on_close = borrow, on_close
        return store

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
    def transaction(self, memory: int | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: an exception (or a killed process) leaves the database as it was. A reading store
        holds the write lock for the transaction only. `memory`: DuckDB's memory held to that many bytes until
        the commit is done and checkpointed (`_memory_held_to`, `_checkpoint`)."""
        if not self.read_only:
            with self._atomic(memory) as con:
                yield con
            return
        if self._borrow is None:
            raise ChanyeError(f"数据库 {self.path} 以只读方式打开，不能写入 (the store is read-only)",
                              hint="用 Store.reader() 或 Store(path) 打开以写入")
        with self._borrow(self), self._atomic(memory) as con:
            yield con

    @contextmanager
    def _memory_held_to(self, limit: int | None) -> Iterator[None]:
        """DuckDB's memory held to `limit` bytes for the block (beyond it, it spills to the database's temp folder;
        the setting is the database's, so it is made on the writing connection). Nothing for None or an
        in-memory database, which has nowhere to spill."""
        if limit is None or self.path == ":memory:":
            yield
            return
        before = self.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        self.con.execute(f"SET memory_limit = '{int(limit)}B'")
        try:
            yield
        finally:  # the default back exactly (the setting reads back rounded, e.g. 18.8 GiB), else as it read
            self.con.execute("RESET memory_limit")
            if self.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] != before:
                self.con.execute(f"SET memory_limit = '{before}'")

    def threads(self, n: int) -> AbstractContextManager[None]:
        """DuckDB's worker threads held to `n` for the block (a setting of the database, not of one connection:
        its other connections' queries meanwhile run on as many), then as they were."""
        return self._setting("threads", n)

    @contextmanager
    def _setting(self, name: str, value: int) -> Iterator[None]:
        """A whole-number setting of the database held to `value` for the block, then as it was."""
        before = int(self.con.execute("SELECT current_setting(?)", [name]).fetchall()[0][0])
        self.con.execute(f"SET {name} = {int(value)}")
        try:
            yield
        finally:
            self.con.execute(f"SET {name} = {before}")

    @contextmanager
    def _atomic(self, memory: int | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        # A large write's row groups go to the file as each fills: DuckDB holds five by default and writes what it
        # holds at the commit, which then took 0.35 s of a 1 M-row import on one core (issue 14)
        large = memory is not None and self.path != ":memory:"
        with self._memory_held_to(memory), self._setting("write_buffer_row_group_count", 1) if large else nullcontext():
            self.con.execute("BEGIN TRANSACTION")
            try:
                yield self.con
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
            self.con.execute("COMMIT")
            if large:
                self._checkpoint()

    def _checkpoint(self) -> None:
        """Write a large transaction into the file while DuckDB's memory is still held: the close would do it under
        the default limit (80% of RAM; 620-690 MB more after 8 M registry-like rows, issue 14). The commit is
        durable already, so a checkpoint that fails is left to DuckDB's next one."""
        try:
            self.con.execute("CHECKPOINT")
        except duckdb.Error as exc:
            log.warning("checkpoint after a large write deferred: %s", exc)

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
        """A second handle on the same database for another thread (DuckDB cursors are thread-local). It
        reads only if this store does, and cannot borrow a write connection (its parent holds the file)."""
        return Store.attach(self.con.cursor(), self.path, read_only=self.read_only)

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close()
        else:
            self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def prepare(path: str | Path, *, wait: float | None = None) -> None:
    """Create the file, or migrate it, when it is missing or behind; a short read-write open, only if needed."""
    path = str(path)
    if Path(path).exists():
        with Store(path, read_only=True, wait=wait) as store:
            if store.version >= len(MIGRATIONS):
                return
    Store(path, wait=wait).close()


@contextmanager
def _reopen_for_writing(store: Store) -> Iterator[None]:
    """`Store.reader`'s borrow: read-write for one transaction, then read-only again (the close checkpoints,
    so the next reader finds the new data in the file itself)."""
    store.con.close()
    try:
        store.con = connect(store.path, wait=store.wait)
    except BaseException:
        store.con = connect(store.path, read_only=True, wait=store.wait)
        raise
    store.read_only = False
    try:
        yield
    finally:
        store.con.close()
        store.read_only = True
        store.con = connect(store.path, read_only=True, wait=store.wait)


# --- a long-running process's connections ------------------------------------------------------------------------


class _Lease:
    """One connection a StorePool handed out, given back once: by `Store.close()` or when the Store is gone."""

    __slots__ = ("__weakref__", "con", "kind", "thread")

    def __init__(self, con: duckdb.DuckDBPyConnection, kind: str) -> None:
        self.con, self.kind, self.thread = con, kind, threading.get_ident()


# --- background threads that query the store --------------------------------------------------------------------
# A daemon thread still inside DuckDB's C++ when Python finalises is stopped with a forced unwind that C++ cannot
# pass ("terminate called ... FATAL: exception not rethrown", exit 134). So every thread that may query the store
# starts here, and at exit (atexit runs before daemon threads are stopped) every pool interrupts the queries on its
# connections and lets go of its file, and each thread is given time to finish.
_BACKGROUND: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
_POOLS: weakref.WeakSet[StorePool] = weakref.WeakSet()
EXIT_WAIT = 30.0  # seconds a background thread may take to finish its query at exit


def background(target: Callable[[], object], *, name: str) -> threading.Thread:
    """Start a daemon thread that may query the store; it is joined at interpreter exit (see above)."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    _BACKGROUND.add(thread)
    thread.start()
    return thread


@atexit.register
def _finish_background() -> None:
    for pool in list(_POOLS):  # first: stop the queries running on its connections, wake its idle closer
        with contextlib.suppress(Exception):
            pool.interrupt()
            pool.close()
    for thread in list(_BACKGROUND):
        if thread.is_alive() and thread is not threading.current_thread():
            thread.join(EXIT_WAIT)


class StorePool:
    """The connections of a long-running process (the web server) to one database file, shared so that other
    processes can use the file too.

    `cursor()` hands out a Store per request or thread: a cursor of one read-only connection, which stays open
    until nobody has read for `linger` seconds, so that a CLI import can then take the write lock. A write
    (`writer()`, or `transaction()` on a handed-out Store) waits for this process's readers to finish, takes a
    read-write connection for the write only (readers meanwhile get cursors of it), then closes it.
    `signature()` changes whenever the file does, e.g. after another process's import.
    """

    def __init__(self, path: str | Path, *, linger: float = 0.0, wait: float | None = None) -> None:
        self.path = str(path)
        self.linger = linger  # seconds the file stays open after the last reader (0: let go with it)
        self.wait = wait  # seconds to wait for a lock (None: lock_wait())
        self._cond = threading.Condition()
        self._prepared = False
        self._keeper: duckdb.DuckDBPyConnection | None = None  # the read-only connection readers are cursors of
        self._last_used = 0.0
        self._readers = 0  # live cursors of the keeper handed out
        self._holders: dict[int, int] = {}  # thread -> live leases: a holder may take another past the gate
        self._rw: duckdb.DuckDBPyConnection | None = None  # the read-write connection of a write
        self._rw_users = 0  # live cursors of it handed out
        self._gate = 0  # > 0 while a write starts or ends: new readers wait
        self._write_lock = threading.Lock()
        self._closer: threading.Thread | None = None
        self._leases: weakref.WeakSet[_Lease] = weakref.WeakSet()  # handed out and not yet given back
        _POOLS.add(self)
        self.writes = 0  # writes this pool has finished (whoever holds results of the data may drop them)

    def _limit(self) -> float:
        return lock_wait() if self.wait is None else self.wait

    def prepare(self) -> None:
        """Create or migrate the file if needed (once)."""
        if not self._prepared:
            prepare(self.path, wait=self.wait)
            self._prepared = True

    # --- reading --------------------------------------------------------------------------------------------

    def cursor(self) -> Store:
        """A Store for this request or thread; closing it (or dropping it) gives its connection back."""
        return self._acquire(None)

    def _acquire(self, into: Store | None) -> Store:
        self.prepare()
        deadline = time.monotonic() + self._limit()
        tid = threading.get_ident()
        while True:
            with self._cond:
                while self._gate and not self._holders.get(tid):
                    if not self._cond.wait(max(0.0, deadline - time.monotonic())) and self._gate:
                        raise DatabaseBusy(f"数据库 {self.path} 正在写入，读取等待超时 (a write in this server takes too "
                                           "long)", hint="稍后重试 (retry shortly)")
                if self._rw is not None:
                    return self._lease(self._rw.cursor(), "rw", into)
                if self._keeper is not None:  # open: a cursor costs microseconds
                    return self._lease(self._keeper.cursor(), "ro", into)
            # Open the database outside the lock: another process may hold it for a while.
            keeper = connect(self.path, read_only=True, wait=max(0.0, deadline - time.monotonic()))
            with self._cond:
                if self._keeper is None and self._rw is None and not self._gate:
                    self._keeper = keeper
                    if self.linger > 0 and self._closer is None:
                        self._closer = background(self._close_when_idle, name="chanye-db-idle")
                    return self._lease(keeper.cursor(), "ro", into)
            keeper.close()  # a write began meanwhile, or another thread opened it: start over

    def _lease(self, con: duckdb.DuckDBPyConnection, kind: str, into: Store | None) -> Store:
        """Hand out `con` (called with the lock held); `into` reuses a Store that gave its connection back."""
        lease = _Lease(con, kind)
        self._leases.add(lease)
        if kind == "ro":
            self._readers += 1
        else:
            self._rw_users += 1
        self._holders[lease.thread] = self._holders.get(lease.thread, 0) + 1
        self._last_used = time.monotonic()
        release = partial(self._release, lease)
        if into is None:
            into = Store.attach(con, self.path, read_only=kind == "ro", borrow=self._borrow, on_close=release)
        else:
            into.con, into.read_only, into._on_close = con, kind == "ro", release
        weakref.finalize(into, release)
        return into

    def _release(self, lease: _Lease) -> None:
        con, lease.con = lease.con, None
        if con is None:
            return
        with contextlib.suppress(duckdb.Error):  # closed already, with the write connection it was a cursor of
            con.close()
        with self._cond:
            if lease.kind == "ro":
                self._readers -= 1
            else:
                self._rw_users -= 1
            left = self._holders.get(lease.thread, 0) - 1
            if left > 0:
                self._holders[lease.thread] = left
            else:
                self._holders.pop(lease.thread, None)
            self._last_used = time.monotonic()
            if not self._readers and self.linger <= 0:
                self._drop_keeper()  # no linger: the file is let go with the last reader
            self._cond.notify_all()

    def _drop_keeper(self) -> None:
        if self._keeper is not None:
            for _ in range(50):
                try:
                    self._keeper.close()
                    break
                except duckdb.ConnectionException:  # closed already
                    break
                except duckdb.ResourceInUseException:  # a background query (the search index warming) still runs
                    with contextlib.suppress(duckdb.Error):
                        self._keeper.interrupt()
                    time.sleep(0.02)
            self._keeper = None

    def _close_when_idle(self) -> None:
        idle_keeper = None
        with self._cond:
            while self._keeper is not None:
                idle = time.monotonic() - self._last_used
                if not self._readers and idle >= self.linger:
                    idle_keeper, self._keeper = self._keeper, None
                    break
                self._cond.wait(self.linger if self._readers else self.linger - idle)
            self._closer = None
        if idle_keeper is not None:
            idle_keeper.close()  # outside the lock: closing takes milliseconds, requests need not wait for it

    # --- writing --------------------------------------------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[Store]:
        """A read-write Store for one write; this process's readers use the same connection meanwhile."""
        self.prepare()
        with self._write_lock:
            self._open_rw()
            try:
                yield Store.attach(self._rw.cursor(), self.path, read_only=False)  # type: ignore[union-attr]
            finally:
                self._close_rw()

    @contextmanager
    def _borrow(self, store: Store) -> Iterator[None]:
        """`transaction()` on a handed-out Store: give its connection back, write, then read again."""
        store.close()
        try:
            with self.writer() as rw:
                store.con, store.read_only, store._on_close = rw.con, False, None
                yield
        finally:
            self._acquire(store)

    def _open_rw(self) -> None:
        limit = self._limit()
        deadline = time.monotonic() + limit
        with self._cond:
            self._gate += 1
            try:
                while self._readers:  # their cursors are the keeper's: it closes after them
                    if not self._cond.wait(max(0.0, deadline - time.monotonic())) and self._readers:
                        raise DatabaseBusy(
                            f"数据库 {self.path} 仍有 {self._readers} 个读取未结束，等待 {limit:g} 秒后无法写入 "
                            "(readers in this process did not finish)", hint="稍后重试 (retry shortly)")
                self._drop_keeper()
            except BaseException:
                self._gate -= 1
                self._cond.notify_all()
                raise
        try:
            con = connect(self.path, wait=max(0.0, deadline - time.monotonic()))
        except BaseException:
            with self._cond:
                self._gate -= 1
                self._cond.notify_all()
            raise
        with self._cond:
            self._rw = con
            self._gate -= 1
            self._cond.notify_all()

    def _close_rw(self) -> None:
        deadline = time.monotonic() + self._limit()
        with self._cond:
            self._gate += 1
            try:
                while self._rw_users and time.monotonic() < deadline:
                    self._cond.wait(max(0.0, deadline - time.monotonic()))
                rw, self._rw = self._rw, None
                if rw is not None:
                    rw.close()  # checkpoints; cursors still out (past the wait) close with it
                self.writes += 1
            finally:
                self._gate -= 1
                self._cond.notify_all()

    # --- state ----------------------------------------------------------------------------------------------

    @property
    def writing(self) -> bool:
        """True during this process's own write."""
        return self._rw is not None

    @property
    def holding(self) -> bool:
        """True while this process has the file open (then no other process can write it)."""
        return self._keeper is not None or self._readers > 0 or self._rw is not None

    def signature(self) -> tuple:
        """What changes when the file does: inode, size and time of the file and of its write-ahead log."""
        out = []
        for name in (self.path, self.path + ".wal"):
            try:
                st = os.stat(name)
            except OSError:
                out.append(None)
            else:
                out.append((st.st_ino, st.st_size, st.st_mtime_ns))
        return tuple(out)

    def interrupt(self) -> None:
        """Stop every query running on a connection this pool handed out (at exit: see `background`)."""
        with self._cond:
            leased = [lease.con for lease in self._leases if lease.con is not None]
        for con in leased:
            with contextlib.suppress(duckdb.Error):
                con.interrupt()

    def close(self) -> None:
        """Let go of the file now; Stores still out are closed with it."""
        with self._cond:
            self._drop_keeper()
            self._cond.notify_all()
