"""A killed import leaves the database as it was (issue 14): an import of a large file is SIGKILLed while it
writes; afterwards the database opens and every table holds exactly what it held before, and the next import
removes the staging folder the killed one left behind (only the folders of processes that are gone)."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from chanye.registry import uscc
from chanye.registry.ingest import import_file
from chanye.registry.store import Store

HEADER = ["统一社会信用代码", "企业名称", "所属区", "行业代码", "营业收入(万元)", "成立日期"]
TABLES = ("enterprises", "enterprise_years", "quarantine", "import_warnings", "import_batches", "tags")

# The child imports the file in its own process and says when it starts inserting the new enterprises (chunk
# by chunk, issue 14); it is killed then, in the middle of the import's transaction.
CHILD = """
import sys
from chanye.registry import ingest
from chanye.registry.store import Store

real = ingest.insert_new_enterprises

def announced(*args, **kwargs):
    print("upserting", flush=True)
    return real(*args, **kwargs)

ingest.insert_new_enterprises = announced
with Store(sys.argv[1]) as store:
    ingest.import_file(store, sys.argv[2], year=2024)
print("finished", flush=True)
"""


def write_file(path: Path, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    codes = uscc.random_valid(rng, rows, ["440101"])
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i, code in enumerate(codes):
            writer.writerow([code, f"测试企业{seed}-{i:07d}有限公司", "天河区", "3612", f"{i % 997}.5", "2019-03-01"])


def snapshot(db: Path) -> dict[str, list[tuple]]:
    with Store(db) as store:
        return {t: sorted(map(tuple, store.con.execute(f"SELECT * FROM {t}").fetchall()), key=repr) for t in TABLES}


def test_an_import_killed_while_it_writes_leaves_the_database_unchanged(tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "kill.duckdb"
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    write_file(small, 40, seed=1)
    write_file(large, 100_000, seed=2)
    with Store(db) as store:
        report = import_file(store, small, year=2024)
    assert (report.rows_loaded, report.enterprises.inserted) == (40, 40)
    before = snapshot(db)
    assert [len(before[t]) for t in TABLES] == [40, 40, 0, 0, 1, 0]

    # TMPDIR: the staging files a killed import leaves behind stay in this test's folder
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"), "TMPDIR": str(tmp_path)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(large)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = child.stdout.readline()
        assert line.strip() == "upserting", child.stderr.read()
        time.sleep(0.05)  # inside the insert of 100,000 enterprises
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert "finished" not in child.stdout.read()

    assert snapshot(db) == before  # opens (the write-ahead log replayed), every table as it was
    left = [p.name for p in tmp_path.iterdir() if p.name.startswith("chanye-")]
    assert left and all(name.startswith(f"chanye-stage-{child.pid}-") for name in left)  # named by its process
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with Store(db) as store:  # and takes the next import as usual
        again = import_file(store, large, year=2024)
        assert (again.rows_loaded, again.enterprises.inserted, store.count("enterprises")) == (100_000, 100_000, 100_040)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("chanye-")] == []  # the killed one's removed


def test_an_import_removes_only_the_folders_whose_process_is_gone(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        names = [f"chanye-stage-{dead.pid}-a1", f"chanye-import-{dead.pid}-b2",  # killed imports': removed
                 f"chanye-stage-{alive.pid}-c3", f"chanye-import-{os.getpid()}-d4",  # live processes': kept
                 "chanye-stage-e5", "other-1-f6"]  # no pid, not an import's: kept
        for name in names:
            (folder / name).mkdir()
            (folder / name / "stage-rows-000000.parquet").write_bytes(b"x")
        (folder / f"chanye-stage-{dead.pid}-file").write_bytes(b"x")  # not a folder: kept
        small = tmp_path / "small.csv"
        write_file(small, 3, seed=3)
        with Store(":memory:") as store:
            assert import_file(store, small, year=2024).rows_loaded == 3
        assert sorted(p.name for p in folder.iterdir()) == sorted([*names[2:], f"chanye-stage-{dead.pid}-file"])
    finally:
        alive.kill()
        alive.wait()
