"""A killed import leaves the database as it was (issue 14): an import of a large file is SIGKILLed while it
writes; afterwards the database opens and every table holds exactly what it held before."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from chanye.registry import uscc
from chanye.registry.ingest import import_file
from chanye.registry.store import Store

HEADER = ["统一社会信用代码", "企业名称", "所属区", "行业代码", "营业收入(万元)", "成立日期"]
TABLES = ("enterprises", "enterprise_years", "quarantine", "import_warnings", "import_batches", "tags")

# The child imports the file in its own process and says when it starts writing enterprises; it is killed
# then, in the middle of the import's transaction.
CHILD = """
import sys
from chanye.registry import ingest
from chanye.registry.store import Store

real = ingest.upsert_enterprises

def announced(*args, **kwargs):
    print("upserting", flush=True)
    return real(*args, **kwargs)

ingest.upsert_enterprises = announced
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


def test_an_import_killed_while_it_writes_leaves_the_database_unchanged(tmp_path: Path) -> None:
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
    with Store(db) as store:  # and takes the next import as usual
        again = import_file(store, large, year=2024)
        assert (again.rows_loaded, again.enterprises.inserted, store.count("enterprises")) == (100_000, 100_000, 100_040)
