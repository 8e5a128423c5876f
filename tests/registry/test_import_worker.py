"""Imports parse the file in a worker process under resource limits (issue 17): a file that needs too much
memory, CPU time or temporary disk fails with one message naming the limit, nothing is written, the private
temporary directory is gone, and a normal file lands exactly the rows it lands in-process."""

from __future__ import annotations

import signal
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from chanye.errors import InputError
from chanye.framework import load_pack
from chanye.registry.import_worker import (
    ImportLimitExceeded,
    ImportLimits,
    _crash,
    _failure,
    parse,
    parse_size,
    size_text,
)
from chanye.registry.ingest import import_file
from chanye.registry.store import Store
from chanye.registry.validate import Mapping
from chanye.services.imports import classify_and_link
from crafted import dense_bomb

from .test_ingest import EXPECTED_REASONS, messy_rows, write_gbk_csv, write_xlsx

CITY = load_pack("guangzhou-12218").city
TABLES = ("enterprises", "enterprise_years", "quarantine", "import_warnings", "tags", "classifications",
          "import_batches")
MEMORY = ("bomb.xlsx: 解析文件时超出内存上限 200 MiB，导入已取消，未写入任何数据 (parsing the file exceeded the "
          "memory limit of 200 MiB; the import was cancelled and nothing was written)（拆分文件或另存为 CSV 后再"
          "导入；确需更多资源时调高环境变量 CHANYE_IMPORT_MAX_MEMORY，单位为字节数，可写 2G、512M (bytes, or e.g. "
          "2G) (split the file, or raise CHANYE_IMPORT_MAX_MEMORY)）")


@pytest.fixture
def store():
    s = Store(":memory:")
    yield s
    s.close()


def left_in(folder: Path) -> list[Path]:
    """The worker folders imports left in `folder` (multiprocessing keeps its own pymp-* folder there)."""
    return [p for p in folder.iterdir() if p.name.startswith("chanye-")]


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch) -> Path:
    """The temporary directory imports make their worker's folder in (the parent creates it)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_limits_default_and_come_from_the_environment(monkeypatch) -> None:
    for name in ("CHANYE_IMPORT_MAX_MEMORY", "CHANYE_IMPORT_CPU_SECONDS", "CHANYE_IMPORT_TEMP_BYTES",
                 "CHANYE_IMPORT_STORE_MEMORY"):
        monkeypatch.delenv(name, raising=False)
    assert ImportLimits.from_env() == ImportLimits(2147483648, 120, 2147483648, 2147483648)
    monkeypatch.setenv("CHANYE_IMPORT_MAX_MEMORY", "200M")
    monkeypatch.setenv("CHANYE_IMPORT_CPU_SECONDS", "30")
    monkeypatch.setenv("CHANYE_IMPORT_TEMP_BYTES", "1.5GiB")
    monkeypatch.setenv("CHANYE_IMPORT_STORE_MEMORY", "3G")
    assert ImportLimits.from_env() == ImportLimits(209715200, 30, 1610612736, 3221225472)
    assert (parse_size("4096", "X"), parse_size("2g", "X"), parse_size("512 KB", "X")) == (4096, 2147483648, 524288)
    assert (size_text(2 << 30), size_text(200 << 20), size_text(4096)) == ("2.0 GiB", "200 MiB", "4 KiB")
    monkeypatch.setenv("CHANYE_IMPORT_CPU_SECONDS", "1.5")
    with pytest.raises(InputError, match=r"^CHANYE_IMPORT_CPU_SECONDS='1.5': 应为正整数秒数 \(expected whole seconds\)$"):
        ImportLimits.from_env()
    monkeypatch.setenv("CHANYE_IMPORT_CPU_SECONDS", "30")
    monkeypatch.setenv("CHANYE_IMPORT_MAX_MEMORY", "lots")
    with pytest.raises(InputError, match=r"^CHANYE_IMPORT_MAX_MEMORY='lots': 无法识别的大小 \(not a size\)（写字节数或带单位，例如 2G、512M \(bytes, or e\.g\. 2G\)）$"):
        ImportLimits.from_env()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_normal_file_gives_the_same_rows_in_the_worker(tmp_path: Path, private_tmp: Path, kind: str) -> None:
    rows, _ = messy_rows()
    path = tmp_path / f"messy.{kind}"
    (write_gbk_csv if kind == "csv" else write_xlsx)(path, rows)
    seen: list[tuple[str, float, list[str]]] = []

    def progress(stage: str, fraction: float) -> None:  # the worker's folder exists while it works
        seen.append((stage, fraction, [p.name[:14] for p in left_in(private_tmp)]))

    mapping = Mapping(year=2024)
    kw = {"sheet": None, "city": CITY, "file_label": path.name}
    here = parse(path, mapping, progress=lambda *_: None, limits=None, **kw)
    there = parse(path, mapping, progress=progress, limits=ImportLimits(), **kw)
    assert [(stage, fraction) for stage, fraction, _ in seen] == [("reading", 0.0), ("validating", 0.25)]
    assert all(names == ["chanye-import-"] for _, _, names in seen)
    assert left_in(private_tmp) == []  # removed after a success
    assert len(here) == len(there) == 1
    for a, b in zip(here, there, strict=True):
        pd.testing.assert_frame_equal(a.rows, b.rows)  # dtypes, None vs NaN, lists of tags and warnings
        pd.testing.assert_frame_equal(a.rejected, b.rejected)  # raw cells (dicts) and reasons (lists of dicts)
        assert (a.sheet, a.plans, a.blank_rows, a.has_figures) == (b.sheet, b.plans, b.blank_rows, b.has_figures)
    assert (len(there[0].rows), len(there[0].rejected)) == (194, 8)


def test_an_import_through_the_worker_stores_what_an_import_in_process_stores(tmp_path: Path) -> None:
    rows, expected = messy_rows()
    path = tmp_path / "messy.csv"  # the XLSX's frames are compared above
    write_gbk_csv(path, rows)
    stored = []
    for limits in (None, ImportLimits()):
        with Store(":memory:") as s:
            report = import_file(s, path, year=2024, limits=limits)  # unclassified: the rows are the point
            assert (report.rows_total, report.rows_blank, report.rows_loaded, report.rows_quarantined) == (
                202, 3, 194, 8)
            assert report.reasons == EXPECTED_REASONS
            assert set(s.query("SELECT uscc FROM enterprises")["uscc"]) == expected["loaded"]
            stored.append({t: _everything(s, t) for t in TABLES})
    for t in TABLES:
        pd.testing.assert_frame_equal(stored[0][t], stored[1][t], obj=t)


def test_the_imports_own_writes_do_not_count_against_the_workers_wall_clock(tmp_path: Path, private_tmp: Path,
                                                                            monkeypatch) -> None:
    """Chunks go to the import as soon as they are written (issue 14), and the import writes each before it asks
    for the next: that time is the import's, not the worker's, so a slow write (here 4.5 s against the 4 s wall
    clock a 1 s CPU limit allows) never stops a worker that has finished."""
    import time

    from chanye.registry import import_worker

    rows, _ = messy_rows()
    path = tmp_path / "messy.csv"
    write_gbk_csv(path, rows)
    monkeypatch.setattr(import_worker, "_WALL_FACTOR", 4)
    with import_worker.parse_chunks(path, Mapping(year=2024), sheet=None, city=CITY, file_label="messy.csv",
                                    progress=lambda _s, _f: None, limits=ImportLimits(cpu_seconds=1),
                                    staged=True) as chunks:
        loaded = []
        for chunk in chunks:
            time.sleep(4.5)  # the import writing this chunk
            loaded.append((chunk.loaded, len(chunk.rejected)))
    assert loaded == [(194, 8)]
    assert left_in(private_tmp) == []


def _everything(store: Store, table: str) -> pd.DataFrame:
    """Every row of `table` in a fixed order, without what differs between two runs (times, the report with
    its seconds)."""
    volatile = [c for c, kind in store.con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()
        if kind.startswith("TIMESTAMP") or c == "report"]
    exclude = f"EXCLUDE ({', '.join(volatile)})" if volatile else ""
    return store.query(f"SELECT * {exclude} FROM {table} ORDER BY ALL")


def _counts(store: Store) -> list[int]:
    return [store.count(t) for t in TABLES]


def test_a_workbook_that_needs_too_much_memory_fails_and_writes_nothing(
        tmp_path: Path, private_tmp: Path, store: Store, monkeypatch) -> None:
    monkeypatch.setenv("CHANYE_XLSX_MAX_CELLS", str(10**9))  # the guard lets the dense range through
    bomb = dense_bomb(tmp_path / "bomb.xlsx")
    assert bomb.stat().st_size < 2000
    with pytest.raises(ImportLimitExceeded, match="内存上限 200 MiB") as info:
        import_file(store, bomb, on_write=classify_and_link, limits=ImportLimits(max_memory=200 << 20))
    assert str(info.value) == MEMORY
    assert (info.value.status, info.value.title) == (422, "导入超出资源上限 Import exceeded a resource limit")
    assert _counts(store) == [0] * len(TABLES)
    assert left_in(private_tmp) == []  # removed after a failure


def test_a_workbook_that_takes_too_long_fails_on_cpu_time(tmp_path: Path, private_tmp: Path, store: Store) -> None:
    bomb = dense_bomb(tmp_path / "bomb.xlsx")  # 7.8 million cells: seconds of CPU, well within 2 GiB
    with pytest.raises(ImportLimitExceeded, match="CPU 时间上限 1 秒") as info:
        import_file(store, bomb, limits=ImportLimits(cpu_seconds=1))
    assert str(info.value).startswith("bomb.xlsx: 解析文件时超出 CPU 时间上限 1 秒，导入已取消，未写入任何数据 (parsing "
                                      "the file exceeded the CPU time limit of 1 s;")
    assert "CHANYE_IMPORT_CPU_SECONDS，单位为秒数 (seconds)" in str(info.value)
    assert _counts(store) == [0] * len(TABLES)
    assert left_in(private_tmp) == []


def test_output_over_the_temporary_disk_limit_fails_on_temp_disk(tmp_path: Path, private_tmp: Path,
                                                                store: Store) -> None:
    rows, _ = messy_rows()
    path = tmp_path / "messy.csv"
    write_gbk_csv(path, rows)  # its validated rows take some 20 KB of Parquet
    with pytest.raises(ImportLimitExceeded, match="临时磁盘上限 4 KiB") as info:
        import_file(store, path, year=2024, limits=ImportLimits(temp_bytes=4096))
    assert "(parsing the file exceeded the temporary disk limit of 4 KiB;" in str(info.value)
    assert "CHANYE_IMPORT_TEMP_BYTES" in str(info.value)
    assert _counts(store) == [0] * len(TABLES)
    assert left_in(private_tmp) == []


def test_a_bad_file_reports_the_readers_own_message_from_the_worker(tmp_path: Path, store: Store,
                                                                   monkeypatch) -> None:
    path = tmp_path / "names.csv"
    path.write_text("企业名称,所属区\n示例甲,天河\n", encoding="utf-8")
    with pytest.raises(InputError, match="找不到“统一社会信用代码”列") as info:
        import_file(store, path, limits=ImportLimits())
    assert type(info.value) is InputError
    assert str(info.value) == "names.csv: 找不到“统一社会信用代码”列 (no USCC column)（检查表头，或用 --mapping 映射文件指定列名）"
    # the worker sees the environment of the import, not the one its server process started with
    monkeypatch.setenv("CHANYE_XLSX_MAX_CELLS", "1000")
    bomb = dense_bomb(tmp_path / "far.xlsx", far="Z100")
    with pytest.raises(InputError, match=r"已用区域 100 行 × 26 列 = 2,600 个单元格，超过上限 1,000"):
        import_file(store, bomb, limits=ImportLimits())


def test_the_cli_reports_the_limit_in_one_message(tmp_path: Path, private_tmp: Path) -> None:
    from typer.testing import CliRunner

    from chanye.cli import app

    db = tmp_path / "empty.duckdb"
    bomb = dense_bomb(tmp_path / "bomb.xlsx")
    result = CliRunner().invoke(app, ["import", str(bomb), "--db", str(db)], catch_exceptions=False,
                                env={"COLUMNS": "400", "CHANYE_IMPORT_MAX_MEMORY": "200M"})
    assert result.exit_code == 1
    # one message (rich wraps it at a space), no traceback, no worker log
    assert result.output.strip().replace("\n", "") == f"错误 Error: {MEMORY}"
    with Store(db, read_only=True) as s:
        assert _counts(s) == [0] * len(TABLES)
    assert left_in(private_tmp) == []


@pytest.mark.parametrize(("exitcode", "cpu_used", "stopped", "words"), [
    (-signal.SIGABRT, 0.5, False, "内存上限 2.0 GiB"),  # calamine aborts when an allocation fails
    (-signal.SIGSEGV, 0.5, False, "内存上限 2.0 GiB"),  # native code past RLIMIT_AS
    (-signal.SIGKILL, 0.5, False, "内存上限 2.0 GiB"),  # the kernel's out-of-memory killer
    (-signal.SIGXCPU, 120.0, False, "CPU 时间上限 120 秒"),
    (-signal.SIGKILL, 125.0, False, "CPU 时间上限 120 秒"),  # the hard CPU limit
    (None, 3.0, True, "CPU 时间上限 120 秒"),  # stopped at 4 x the CPU limit in wall-clock time
    (-signal.SIGXFSZ, 0.5, False, "临时磁盘上限 2.0 GiB"),
])
def test_how_a_worker_died_names_the_limit(tmp_path: Path, exitcode, cpu_used: float, stopped: bool,
                                           words: str) -> None:
    error = _failure(None, exitcode, stopped, cpu_used, ImportLimits(), "名录.xlsx", tmp_path)
    assert isinstance(error, ImportLimitExceeded)
    assert error.message.startswith(f"名录.xlsx: 解析文件时超出{' ' if words[0] == 'C' else ''}{words}，导入已取消")


def test_a_worker_that_fails_otherwise_says_so_without_a_path(tmp_path: Path) -> None:
    crash = _crash(ValueError(f"bad zip {tmp_path}/upload/名录.xlsx at {tmp_path}/w/x"), f"{tmp_path}/upload/名录.xlsx",
                   f"{tmp_path}/w")
    assert crash == {"kind": "crash", "type": "ValueError", "message": "bad zip 名录.xlsx at x"}
    error = _failure(crash, 0, False, 0.1, ImportLimits(), "名录.xlsx", tmp_path)
    assert str(error) == ("名录.xlsx: 解析文件的进程意外结束 (ValueError: bad zip 名录.xlsx at x)，导入已取消，未写入任何数据 "
                          "(the process parsing the file failed; nothing was written)（检查文件格式，或另存为 CSV 后再导入；"
                          "问题持续请报告维护者 (check the file; report if it persists)）")
    assert str(_failure(None, 1, False, 0.1, ImportLimits(), "x.csv", tmp_path)).startswith(
        "x.csv: 解析文件的进程意外结束 (exit status 1)，")


def test_the_store_holds_its_memory_to_the_limit_while_the_import_writes(tmp_path: Path, monkeypatch) -> None:
    """Issue 14: DuckDB keeps up to 80% of RAM in buffers unless told; an import holds it to `store_memory` (an 8 M-row
    import peaked at 3.4-3.6 GB without, 2.6 GB with 2 GiB), writes each row group as it fills (DuckDB holds five
    and wrote them at the commit) and gives the database its settings back afterwards. An in-memory store, with
    nowhere to spill or write, is left as it is."""
    from chanye.registry import ingest

    path = tmp_path / "firms.csv"
    path.write_text("统一社会信用代码,企业名称,所属区\n91440101000000000J,示例内存企业有限公司,天河区\n", encoding="utf-8")
    query = "SELECT current_setting('memory_limit'), current_setting('write_buffer_row_group_count')"
    seen: list[tuple] = []
    real = ingest._record_batch
    monkeypatch.setattr(ingest, "_record_batch",
                        lambda store, *a: seen.append(store.con.execute(query).fetchall()[0]) or real(store, *a))
    for db in (tmp_path / "file.duckdb", ":memory:"):
        with Store(db) as store:
            before = store.con.execute(query).fetchall()[0]
            report = import_file(store, path, limits=ImportLimits(store_memory=300 << 20))
            assert report.rows_loaded == 1
            assert store.con.execute(query).fetchall()[0] == before
            assert before[1] == 5  # DuckDB's default
            assert seen.pop() == (("300.0 MiB", 1) if db != ":memory:" else before)


def test_a_write_with_its_memory_held_is_checkpointed_before_the_limit_is_lifted(tmp_path: Path) -> None:
    """Issue 14: a transaction with `memory` leaves nothing in the write-ahead log once it returns (the checkpoint
    ran while DuckDB's memory was held; the close would run it under the default limit, 620-690 MB more after 8 M
    registry-like rows); one without leaves its rows there for the close, as before."""
    db = tmp_path / "file.duckdb"
    wal = Path(f"{db}.wal")
    with Store(db) as store:
        for memory, rows in ((None, 1), (300 << 20, 2)):
            with store.transaction(memory=memory) as con:
                con.execute("INSERT INTO measures VALUES (?, '示例', 'example', '个')", [f"m{rows}"])
            assert (wal.exists() and wal.stat().st_size > 0) == (memory is None)
        assert store.scalar("SELECT count(*) FROM measures WHERE name IN ('m1', 'm2')") == 2
