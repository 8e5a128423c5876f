"""The CLI and a running `chanye serve` share one database file (issue 10, item 7).

A real server runs in a subprocess over a copy of the demo database; CLI commands run as other processes
against the same file. Reading commands work while the server is busy; an import waits until the server has
been idle for a moment (`web.app.LINGER`), and the server's next request sees the new data; an import that
cannot get the file in time fails with one line saying what to do, and so does a server request that finds
another process writing.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from chanye.framework import load_pack
from chanye.registry import uscc

CSS = "/static/chanye.css"
BUSY_URL = "/api/v1/data/batches"  # reads the store on every request (the import history)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chanye(*args: str, wait: float = 30) -> subprocess.CompletedProcess:
    """`chanye ARGS` in its own process."""
    env = {**os.environ, "CHANYE_DB_WAIT": str(wait), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "chanye.cli", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def firm(i: int) -> str:
    """A valid USCC (its 组织机构代码 passes GB 11714 too) no demo firm has."""
    body = f"7{i:07d}"
    check = 11 - sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return uscc.make_uscc(f"91{load_pack().city.code}{body}{ {10: 'X', 11: '0'}.get(check, str(check)) }")


def import_file(folder: Path, i: int) -> Path:
    path = folder / f"firm-{i}.csv"
    district = load_pack().city.districts[0].name
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["统一社会信用代码", "企业名称", "所属区", "行业代码", "营业收入", "从业人员"])
        writer.writerow([firm(i), f"共享测试企业{i}有限公司", district, "3612", "1.5亿元", "120"])
    return path


class Server:
    def __init__(self, db: Path, wait: float) -> None:
        self.db = db
        self.url = f"http://127.0.0.1:{free_port()}"
        port = self.url.rsplit(":", 1)[1]
        env = {**os.environ, "CHANYE_DB_WAIT": str(wait)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "chanye.cli", "serve", "--db", str(db), "--port", port, "--no-demo"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        self.client = httpx.Client(base_url=self.url, timeout=60)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                if self.client.get(CSS).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start in 120 s")

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path)

    def stop(self) -> None:
        self.client.close()
        self.proc.terminate()
        self.proc.wait(timeout=30)


class Busy:
    """Keep the server reading the store (requests back to back) until stopped."""

    def __init__(self, server: Server) -> None:
        self.server, self.stopped, self.statuses = server, threading.Event(), []
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        with httpx.Client(base_url=self.server.url, timeout=60) as client:
            while not self.stopped.is_set():
                self.statuses.append(client.get(BUSY_URL).status_code)

    def __enter__(self) -> Busy:
        self.thread.start()
        while not self.statuses:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join(timeout=60)


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    db = tmp_path_factory.mktemp("shared") / "shared.duckdb"
    shutil.copy(demo_db, db)
    running = Server(db, wait=2)
    yield running
    running.stop()


def batches(server: Server) -> list[int]:
    response = server.get(BUSY_URL)
    assert response.status_code == 200, response.text
    return sorted(int(row["batch_id"]) for row in response.json()["rows"])


def test_reading_commands_work_while_the_server_is_busy(server) -> None:
    with Busy(server) as busy:
        board = chanye("scoreboard", "--format", "json", "--db", str(server.db))
        history = chanye("quarantine", "--batches", "--json", "--db", str(server.db))
    assert board.returncode == 0, board.stderr
    assert history.returncode == 0, history.stderr
    data = json.loads(board.stdout)
    assert data["year"] == 2024 and data["synthetic"] is True and "nodes" in data["tables"]
    assert [row["id"] for row in json.loads(history.stdout)] == batches(server)
    assert set(busy.statuses) == {200}


def test_an_import_that_cannot_get_the_file_says_what_to_do(server, tmp_path) -> None:
    with Busy(server) as busy:
        refused = chanye("import", str(import_file(tmp_path, 1)), "--year", "2024", "--db", str(server.db), wait=1)
    assert refused.returncode == 1
    # One line (rich folds it at the console's 140 columns, at spaces).
    assert re.sub(r" ?\n", " ", refused.stderr.strip()) == (
        f"错误 Error: 数据库 {server.db} 正被另一个进程使用（进程 PID {server.proc.pid}），等待 1 秒后仍无法写入 (the database "
        "is in use by another process)（chanye serve 空闲约 1 秒即释放数据库：稍后重试，或在仪表盘的 /data 页面上传导入 "
        "(retry when the server is idle, or upload through the dashboard's /data page)）"
    )
    assert set(busy.statuses) == {200}
    assert server.get(f"/api/v1/enterprises/{firm(1)}").status_code == 404


def test_an_import_while_the_server_runs_lands_and_the_server_sees_it(server, tmp_path) -> None:
    before = batches(server)
    assert server.get(f"/api/v1/enterprises/{firm(2)}").status_code == 404
    done = chanye("import", str(import_file(tmp_path, 2)), "--year", "2024", "--db", str(server.db), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["rows_loaded"] == 1 and report["rows_quarantined"] == 0
    assert batches(server) == [*before, report["batch_id"]]  # the cached history was dropped
    profile = server.get(f"/api/v1/enterprises/{firm(2)}")
    assert profile.status_code == 200
    assert "共享测试企业2有限公司" in profile.text


HOLD = """
import sys, time, duckdb
deadline = time.monotonic() + 60
while True:
    try:
        con = duckdb.connect(sys.argv[1])
        break
    except duckdb.IOException:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.02)
con.execute("INSERT INTO sources (id, title) VALUES ('long-import', 'x')")
print("held", flush=True)
sys.stdin.readline()
con.close()
"""


def test_a_request_during_another_processs_long_write_is_refused_in_one_line(server) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(server.db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"  # it got the file once the server was idle
        refused = server.get(BUSY_URL)
        assert refused.status_code == 503
        error = refused.json()["error"]
        assert error["title"] == "数据库忙 Database busy"
        assert error["message"].startswith(f"数据库 {server.db} 正被另一个进程写入（进程 PID {holder.pid}），等待 ")
        assert error["message"].endswith("秒后仍未完成 (another process is writing the database)")
    finally:
        holder.stdin.write("\n")
        holder.stdin.close()
        assert holder.wait(timeout=30) == 0
    sources = server.get("/api/v1/data/sources")
    assert sources.status_code == 200 and "long-import" in sources.text
