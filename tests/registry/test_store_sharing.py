"""Sharing one database file between processes (DuckDB: one writer, or many readers): `Store.reader` and
`StorePool` read through read-only connections and hold the write lock only while they write; whoever finds
the file locked waits `wait` seconds, then fails with DatabaseBusy, one bilingual line saying what to do.

Another process is played by a small Python subprocess that holds the file in a given mode until told to stop.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from chanye.errors import ChanyeError
from chanye.registry.store import MIGRATIONS, DatabaseBusy, Store, StorePool, connect, lock_wait

HOLDER = """
import sys, time, duckdb
path, mode = sys.argv[1], sys.argv[2]
deadline = time.monotonic() + 30
while True:
    try:
        con = duckdb.connect(path, read_only=mode == "ro")
        break
    except duckdb.IOException:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.02)
if mode == "rw":
    con.execute("INSERT INTO sources (id, title) VALUES ('held', 'by another process')")
print("held", flush=True)
sys.stdin.readline()
con.close()
"""


class Holder:
    """Another process holding `path` read-only ("ro") or read-write ("rw", after inserting one source row)."""

    def __init__(self, path: Path, mode: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), mode], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line == "held\n", self.proc.stderr.read()

    def release(self) -> None:
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        assert self.proc.wait(timeout=30) == 0

    def release_later(self, seconds: float) -> threading.Timer:
        timer = threading.Timer(seconds, self.release)
        timer.start()
        return timer


def try_write(path: Path, wait: float = 0.0) -> str:
    """In another process: open read-write (waiting up to `wait`), add a row, report 'wrote' or the error."""
    code = ("import sys\nfrom chanye.registry.store import Store, DatabaseBusy\n"
            "try:\n    s = Store.reader(sys.argv[1], wait=float(sys.argv[2]))\n"
            "    with s.transaction():\n        s.con.execute(\"INSERT INTO sources (id, title) VALUES ('cli', 'x')\")\n"
            "    s.close()\n    print('wrote')\nexcept DatabaseBusy as exc:\n    print(type(exc).__name__, exc)\n")
    done = subprocess.run([sys.executable, "-c", code, str(path), str(wait)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "shared.duckdb"
    Store(path).close()
    return path


def sources(store: Store) -> list[str]:
    return store.query("SELECT id FROM sources ORDER BY id")["id"].tolist()


# --- opening ---------------------------------------------------------------------------------------------------


def test_lock_wait_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.delenv("CHANYE_DB_WAIT", raising=False)
    assert lock_wait() == 10.0
    monkeypatch.setenv("CHANYE_DB_WAIT", "2.5")
    assert lock_wait() == 2.5
    monkeypatch.setenv("CHANYE_DB_WAIT", "-1")
    assert lock_wait() == 0.0
    monkeypatch.setenv("CHANYE_DB_WAIT", "soon")
    with pytest.raises(ChanyeError, match=r"^CHANYE_DB_WAIT='soon' 不是秒数 \(not a number of seconds\)（例如 CHANYE_DB_WAIT=10）$"):
        lock_wait()


def test_a_reader_creates_a_missing_file_at_the_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "new" / "fresh.duckdb"
    with Store.reader(path) as store:
        assert store.read_only is True
        assert store.version == len(MIGRATIONS) == 10  # 5 accounts, 6 review queue, 7 projects, 8 transformation indicators, 9 links and 10 firms without primary keys
        assert store.count("measures") == 7


def test_a_reader_migrates_an_old_file_first(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(MIGRATIONS[0])
        con.execute("INSERT INTO schema_version (version) VALUES (1)")
    with Store.reader(path) as store:
        assert store.version == len(MIGRATIONS)
        assert store.count("chain_links") == 0 and store.count("targets") == 0


def test_a_readers_transaction_writes_then_it_reads_again(db: Path) -> None:
    with Store.reader(db) as store:
        with store.transaction() as con:
            assert store.read_only is False
            con.execute("INSERT INTO sources (id, title) VALUES ('a', 'A')")
        assert store.read_only is True
        assert sources(store) == ["a"]
        with pytest.raises(duckdb.InvalidInputException, match="read-only mode"):
            store.con.execute("INSERT INTO sources (id, title) VALUES ('b', 'B')")
        Holder(db, "ro").release()  # between transactions it holds no write lock: others read alongside
        with pytest.raises(ValueError, match="undone"), store.transaction() as con:
            con.execute("INSERT INTO sources (id, title) VALUES ('c', 'C')")
            raise ValueError("undone")
        assert sources(store) == ["a"]
    assert try_write(db) == "wrote"


def test_a_read_only_store_refuses_to_write(db: Path) -> None:
    with Store(db, read_only=True) as store, pytest.raises(
        ChanyeError, match=r"以只读方式打开，不能写入 \(the store is read-only\)（用 Store.reader\(\) 或 Store\(path\) 打开以写入）$"
    ), store.transaction():
        pass


def test_cursors_of_a_reader_read_but_do_not_borrow(db: Path) -> None:
    with Store.reader(db) as store:
        cursor = store.cursor()
        assert cursor.read_only is True and cursor.count("sources") == 0
        with pytest.raises(ChanyeError, match=r"the store is read-only"), cursor.transaction():
            pass


def test_readers_of_two_processes_share_the_file(db: Path) -> None:
    holder = Holder(db, "ro")
    try:
        with Store.reader(db, wait=0) as store:
            assert store.count("sources") == 0
    finally:
        holder.release()


def test_a_reader_waits_for_another_process_to_finish_writing(db: Path) -> None:
    holder = Holder(db, "rw")
    timer = holder.release_later(0.5)
    started = time.monotonic()
    with Store.reader(db, wait=30) as store:
        assert time.monotonic() - started >= 0.4
        assert sources(store) == ["held"]
    timer.join()


def test_a_writer_that_outlasts_the_wait_gives_one_line_with_the_fix(db: Path) -> None:
    holder = Holder(db, "rw")
    try:
        with pytest.raises(DatabaseBusy, match=r"正被另一个进程写入") as info:
            Store.reader(db, wait=0.3)
        pid = holder.proc.pid
        assert str(info.value) == (
            f"数据库 {db} 正被另一个进程写入（进程 PID {pid}），等待 0.3 秒后仍未完成 (another process is writing the database)"
            "（导入完成后重试，或设置 CHANYE_DB_WAIT 等待更久 (retry when the import is done, or raise CHANYE_DB_WAIT)）"
        )
        assert info.value.status == 503 and info.value.title == "数据库忙 Database busy"
    finally:
        holder.release()


def test_a_write_blocked_by_readers_elsewhere_says_what_to_do(db: Path) -> None:
    holder = Holder(db, "ro")
    try:
        with Store.reader(db, wait=0) as store:  # reading alongside works
            with pytest.raises(DatabaseBusy, match=r"正被另一个进程使用") as info, store.transaction():
                pass
            assert str(info.value) == (
                f"数据库 {db} 正被另一个进程使用（进程 PID {holder.proc.pid}），等待 0 秒后仍无法写入 (the database is in use "
                "by another process)（chanye serve 空闲约 1 秒即释放数据库：稍后重试，或在仪表盘的 /data 页面上传导入 "
                "(retry when the server is idle, or upload through the dashboard's /data page)）"
            )
            assert store.read_only is True and store.count("sources") == 0  # still reading after the refusal
    finally:
        holder.release()


def test_a_read_only_open_joins_this_processs_writer(db: Path) -> None:
    with Store(db) as writer:
        writer.con.execute("INSERT INTO sources (id, title) VALUES ('w', 'W')")
        con = connect(str(db), read_only=True, wait=0)  # DuckDB: one mode per file per process
        assert con.execute("SELECT id FROM sources").fetchall() == [("w",)]
        con.close()


def test_a_write_open_waits_for_this_processs_lingering_readers(db: Path) -> None:
    pool = StorePool(db, linger=0.3)
    pool.cursor().close()
    assert pool.holding is True
    with Store(db, wait=30) as writer:  # once the pool lets go
        assert pool.holding is False
        writer.con.execute("INSERT INTO sources (id, title) VALUES ('w', 'W')")


def test_a_write_open_while_this_process_reads_names_the_conflict(db: Path) -> None:
    with Store(db, read_only=True), pytest.raises(
        ChanyeError, match=r"本进程已以只读方式打开数据库 .*，不能同时写入 \(this process holds the database read-only\)"
    ):
        connect(str(db), wait=0)


# --- the server's pool -----------------------------------------------------------------------------------------


def wait_until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_the_pool_keeps_the_file_open_while_warm_and_lets_go_when_idle(db: Path) -> None:
    pool = StorePool(db, linger=60, wait=0)
    store = pool.cursor()
    assert store.read_only is True and store.count("sources") == 0
    del store
    gc.collect()
    assert pool.holding is True  # warm for the next request
    assert try_write(db).startswith("DatabaseBusy 数据库")
    pool.close()
    assert pool.holding is False
    assert try_write(db) == "wrote"
    quick = StorePool(db, linger=0.05, wait=0)
    quick.cursor().close()
    assert wait_until(lambda: not quick.holding)


def test_a_cli_import_waits_for_the_idle_server_then_the_pool_sees_it(db: Path) -> None:
    pool = StorePool(db, linger=0.3, wait=5)
    before = pool.signature()
    store = pool.cursor()
    assert sources(store) == []
    store.close()
    assert try_write(db, wait=30) == "wrote"  # succeeds once the pool has been idle for `linger`
    assert pool.signature() != before
    with pool.cursor() as store:
        assert sources(store) == ["cli"]


def test_a_pool_reader_waits_out_another_processs_import(db: Path) -> None:
    holder = Holder(db, "rw")
    pool = StorePool(db, wait=0.2)
    with pytest.raises(DatabaseBusy, match=r"正被另一个进程写入（进程 PID \d+），等待 0.2 秒后仍未完成"):
        pool.cursor()
    holder.release()
    with pool.cursor() as store:
        assert sources(store) == ["held"]


def test_a_handed_out_store_writes_through_a_short_write_connection(db: Path) -> None:
    pool = StorePool(db, linger=60, wait=5)
    store = pool.cursor()
    with store.transaction() as con:
        assert pool.writing is True and store.read_only is False
        con.execute("INSERT INTO sources (id, title) VALUES ('web', 'upload')")
    assert pool.writing is False and store.read_only is True
    assert sources(store) == ["web"]
    store.close()
    pool.close()
    assert try_write(db) == "wrote"  # the write connection is gone: the file is free


def test_readers_during_a_write_use_the_write_connection(db: Path) -> None:
    pool = StorePool(db, linger=60, wait=5)
    with pool.writer() as writer:
        writer.con.execute("INSERT INTO sources (id, title) VALUES ('w', 'W')")
        reader = pool.cursor()
        assert reader.read_only is False and sources(reader) == ["w"]
        reader.close()
    with pool.cursor() as store:
        assert store.read_only is True and sources(store) == ["w"]
    pool.close()


def test_a_write_waits_for_this_processs_readers(db: Path) -> None:
    pool = StorePool(db, linger=60, wait=10)
    store = pool.cursor()
    threading.Timer(0.3, store.close).start()
    started = time.monotonic()
    with pool.writer() as writer:
        assert time.monotonic() - started >= 0.25
        writer.con.execute("INSERT INTO sources (id, title) VALUES ('w', 'W')")
    pool.close()


def test_a_reader_that_outlasts_the_wait_stops_the_write(db: Path) -> None:
    pool = StorePool(db, wait=0.2)
    store = pool.cursor()
    with pytest.raises(DatabaseBusy, match=r"仍有 1 个读取未结束，等待 0.2 秒后无法写入 \(readers in this process did not finish\)"), \
            pool.writer():
        pass
    assert sources(store) == []  # the reader goes on reading
    store.close()


def test_a_thread_holding_a_reader_is_not_stopped_by_a_waiting_write(db: Path) -> None:
    pool = StorePool(db, linger=60, wait=10)
    first = pool.cursor()
    wrote = threading.Event()

    def write() -> None:
        with pool.writer() as writer:
            writer.con.execute("INSERT INTO sources (id, title) VALUES ('w', 'W')")
        wrote.set()

    thread = threading.Thread(target=write)
    thread.start()
    assert wait_until(lambda: pool._gate == 1)  # the write waits for `first`
    second = pool.cursor()  # the same thread may read on: waiting here would deadlock
    assert sources(second) == [] and not wrote.is_set()
    second.close()
    first.close()
    thread.join(timeout=10)
    assert wrote.is_set()
    with pool.cursor() as store:
        assert sources(store) == ["w"]
    pool.close()


def test_the_signature_follows_the_file(db: Path) -> None:
    pool = StorePool(db)
    first = pool.signature()
    assert first == pool.signature() and first[0] is not None
    assert try_write(db) == "wrote"
    assert pool.signature() != first
    assert StorePool(db.with_name("absent.duckdb")).signature() == (None, None)


def test_at_exit_pools_let_go_and_background_threads_end_before_python_finalises(db: Path) -> None:
    """A daemon thread inside DuckDB while Python finalises aborts the process (exit 134), so the exit hook closes
    every pool (waking its idle closer, interrupting a running query) and joins the store's background threads."""
    from chanye.registry import store as store_module

    pool = StorePool(db, linger=600)  # the idle closer would wait ten minutes
    pool.cursor().close()
    closer = pool._closer
    assert closer is not None and closer.is_alive() and closer.name == "chanye-db-idle"
    ended: list[str] = []

    def long_query() -> None:
        reader = pool.cursor()
        try:
            reader.con.execute("SELECT sum(i) FROM range(100000000000) t(i)").fetchall()
        except duckdb.Error as error:
            ended.append(type(error).__name__)

    worker = store_module.background(long_query, name="test-long-query")
    time.sleep(0.5)
    started = time.monotonic()
    store_module._finish_background()
    assert not closer.is_alive() and not worker.is_alive()
    assert ended == ["InterruptException"] and pool._keeper is None
    assert time.monotonic() - started < store_module.EXIT_WAIT
