"""An upload that would exhaust the server parses in a limited worker process (issue 17): the job fails with the
limit named, the server answers other requests during and after, its own memory stays flat, nothing is
written and no temporary file is left."""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

from crafted import dense_bomb

from .test_api_data import CSV, _wait


def rss_bytes() -> int:
    """This process's resident memory (VmRSS), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


class Sampler(threading.Thread):
    """The highest RSS of this process (the server: the TestClient runs the app here) while it runs."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = rss_bytes()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, rss_bytes())
            time.sleep(0.01)


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))  # where uploads and workers make their folders
    return folder


def left_in(folder: Path) -> list[str]:
    """The upload's and the worker's folders left in `folder` (other libraries keep their own files there)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("chanye-"))


def test_a_memory_bomb_upload_fails_with_the_limit_and_the_server_keeps_answering(
        fresh_client, tmp_path: Path, private_tmp: Path, monkeypatch) -> None:
    c = fresh_client
    monkeypatch.setenv("CHANYE_XLSX_MAX_CELLS", str(10**9))  # past the pre-parse guard
    monkeypatch.setenv("CHANYE_IMPORT_MAX_MEMORY", "200M")
    before = c.get("/api/v1/data/batches").json()["rows"]
    bomb = dense_bomb(tmp_path / "bomb.xlsx").read_bytes()
    for thread in threading.enumerate():  # an earlier test's page may still be building a search index here
        if thread.name == "chanye-warm-directory":
            thread.join(120)
    gc.collect()
    sampler = Sampler()
    baseline = sampler.peak
    sampler.start()
    r = c.post("/api/v1/data/imports", files={"file": ("bomb.xlsx", bomb, "application/octet-stream")})
    assert r.status_code == 202, r.text
    answers = []
    while (job := c.get(r.json()["url"]).json())["status"] not in ("done", "failed"):
        answers.append(c.get("/api/v1/data/batches").status_code)  # the server answers while the worker runs
    sampler.done.set()
    sampler.join()
    assert job["status"] == "failed" and job["stage"] == "failed"
    assert job["error"] == {
        "status": 422, "title": "导入超出资源上限 Import exceeded a resource limit",
        "message": "bomb.xlsx: 解析文件时超出内存上限 200 MiB，导入已取消，未写入任何数据 (parsing the file exceeded "
                   "the memory limit of 200 MiB; the import was cancelled and nothing was written)",
        "hint": "拆分文件或另存为 CSV 后再导入；确需更多资源时调高环境变量 CHANYE_IMPORT_MAX_MEMORY，单位为字节数，可写 "
                "2G、512M (bytes, or e.g. 2G) (split the file, or raise CHANYE_IMPORT_MAX_MEMORY)"}
    assert answers and set(answers) == {200}, answers
    # the dense range (7.8 million cells, some 250 MB in the reader) never lands in the server's memory
    assert sampler.peak - baseline < 50 << 20, (baseline, sampler.peak)
    assert c.get("/api/v1/data/batches").json()["rows"] == before  # nothing written
    assert left_in(private_tmp) == []  # the upload's folder and the worker's folder are gone

    # ... and the next upload imports as usual
    r = c.post("/api/v1/data/imports", files={"file": ("上传.csv", CSV.encode("utf-8"), "text/csv")})
    job = _wait(c, r.json()["url"])
    assert job["status"] == "done", job
    assert (job["report"]["rows_total"], job["report"]["rows_loaded"], job["report"]["rows_quarantined"]) == (5, 3, 2)
    assert left_in(private_tmp) == []


def test_an_upload_over_the_cpu_limit_fails_with_that_limit(fresh_client, tmp_path: Path, private_tmp: Path,
                                                           monkeypatch) -> None:
    monkeypatch.setenv("CHANYE_IMPORT_CPU_SECONDS", "1")
    bomb = dense_bomb(tmp_path / "slow.xlsx").read_bytes()
    r = fresh_client.post("/api/v1/data/imports", files={"file": ("slow.xlsx", bomb, "application/octet-stream")})
    job = _wait(fresh_client, r.json()["url"])
    assert (job["status"], job["error"]["status"]) == ("failed", 422)
    assert job["error"]["message"] == (
        "slow.xlsx: 解析文件时超出 CPU 时间上限 1 秒，导入已取消，未写入任何数据 (parsing the file exceeded the CPU time "
        "limit of 1 s; the import was cancelled and nothing was written)")
    assert "CHANYE_IMPORT_CPU_SECONDS" in job["error"]["hint"]
    assert fresh_client.get("/api/v1/data/batches").status_code == 200
    assert left_in(private_tmp) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def test_a_real_server_survives_the_bomb_and_keeps_answering(tmp_path: Path) -> None:
    """`chanye serve` as analysts run it (its own process, uvicorn, the console script as __main__), over an
    empty store."""
    db = tmp_path / "served.duckdb"
    port = _free_port()
    env = {**os.environ, "CHANYE_IMPORT_MAX_MEMORY": "200M", "CHANYE_XLSX_MAX_CELLS": str(10**9)}
    chanye = Path(sys.executable).parent / "chanye"
    server = subprocess.Popen([str(chanye), "serve", "--db", str(db), "--port", str(port), "--no-auth", "--no-demo"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30, headers={"Origin": base}) as c:
            deadline = time.time() + 60
            while True:
                try:  # up, and its start-up warm-up done (it would grow the server beside the import)
                    ready = c.get("/api/v1/data/batches")
                    if ready.status_code == 200 and ready.headers.get("X-Chanye-Warm-Up") == "done":
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None and time.time() < deadline, server.stderr.read().decode()[-2000:]
                time.sleep(0.2)
            baseline = peak = _rss_of(server.pid)
            r = c.post("/api/v1/data/imports", files={"file": ("bomb.xlsx", dense_bomb(tmp_path / "b.xlsx").read_bytes(),
                                                               "application/octet-stream")})
            assert r.status_code == 202, r.text
            answers = []
            while (job := c.get(r.json()["url"]).json())["status"] not in ("done", "failed"):
                answers.append(c.get("/api/v1/data/batches").status_code)
                peak = max(peak, _rss_of(server.pid))
            assert job["error"]["message"].startswith("bomb.xlsx: 解析文件时超出内存上限 200 MiB，导入已取消")
            assert answers and set(answers) == {200}, answers
            assert peak - baseline < 50 << 20, (baseline, peak)
            assert server.poll() is None  # alive, and answering after
            assert c.get("/api/v1/data/batches").status_code == 200
    finally:
        server.terminate()
        server.wait(30)
