"""A server that starts warm (issue 14 item 2): first visits and memory of `chanye serve`, with the start-up
warm-up (now) against the code before it (`--baseline-src`, cold caches built by the first visitors), in one run.

    git archive HEAD src | tar -x -C /tmp/before          # the code to compare against
    .venv/bin/python benchmarks/web_warmup.py --db /tmp/demo_full.duckdb --baseline-src /tmp/before/src

For each server: seconds until it answers a static file; with the warm-up, seconds until `/` stops answering
数据准备中 (503) and until the later caches are built (the X-Chanye-Warm-Up header says done); then one request to each URL below in turn (the first visit), in milliseconds; and the
server's resident memory afterwards (VmRSS), again once it has been idle for `IDLE_S` (the server lets go of the
database file a second after the last read, and with it DuckDB's buffers), and at its peak (VmHWM). Targets:
every first visit after the caches are ready < 1 s; RSS <= 800 MB on the full demo (the RSS right after the
visits). `--baseline-src` may be given more than once (e.g. HEAD, and the working tree without one change).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from web_latency import a_firm, free_port

URLS = ["/", "/cluster", "/cluster/icv-nev", "/district", "/district/440112", "/enterprises",
        "/enterprises?q=新能源汽车", "/enterprise/{uscc}", "/chains", "/chains/icv-nev", "/opportunities",
        "/fusion", "/projects", "/projects/{project}", "/data", "/review", "/glossary", "/chains/uhd-display",
        "/cluster/biomed", "/district/440106", "/enterprise/{uscc}?lang=en", "/fusion?lang=en", "/projects?lang=en",
        "/api/v1/scoreboard/nodes", "/api/v1/chains", "/api/v1/enterprises", "/api/v1/enterprises?q=新能源汽车零部件",
        "/api/v1/complexity/space"]
IDLE_S = 3.0  # > web.app.LINGER (1 s): the database file closed, DuckDB's memory given back


def a_project(db: str) -> str:
    """A project id of the demo's pipeline ('' when the store has none)."""
    import duckdb

    with duckdb.connect(db, read_only=True) as con:
        try:
            row = con.execute("SELECT id FROM projects ORDER BY id LIMIT 1").fetchone()
        except duckdb.Error:
            return ""
    return row[0] if row else ""


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process, in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def serve(db: str, src: str | None, timeout: float) -> dict:
    port = free_port()
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    cmd = [sys.executable, "-c", "import sys; from chanye.cli import app; sys.argv[0] = 'chanye'; app()",
           "serve", "--db", db, "--port", str(port), "--no-demo"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"
    out: dict = {}
    try:
        with httpx.Client(base_url=base, timeout=timeout) as client:
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"server exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
                try:
                    if client.get("/static/chanye.css").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            out["up_s"] = time.perf_counter() - started
            out["preparing"] = 0
            while True:  # the warm-up: pages answer 503 数据准备中 until the caches are built
                first = client.get("/")
                if first.status_code != 503:
                    break
                out["preparing"] += 1
                time.sleep(0.25)
            out["ready_s"] = time.perf_counter() - started
            out["ready_rss_mb"] = memory(proc.pid)[0]
            # then the later steps (chain boards...): visits measure the caches all built
            while client.get("/api/v1/framework").headers.get("x-chanye-warm-up", "done") != "done":
                time.sleep(0.5)
            out["done_s"] = time.perf_counter() - started
            uscc, project = a_firm(db), a_project(db)
            visits = {}
            for url in URLS:
                url = url.replace("{uscc}", uscc).replace("{project}", project)
                t0 = time.perf_counter()
                status = client.get(url).status_code
                visits[url] = ((time.perf_counter() - t0) * 1000, status)
            out["visits"] = visits
            out["rss_mb"], out["hwm_mb"] = memory(proc.pid)
            time.sleep(IDLE_S)
            out["idle_rss_mb"] = memory(proc.pid)[0]
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--baseline-src", action="append", default=[],
                    help="a src folder of the code before (repeatable; each a column named after its folder)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per request")
    args = ap.parse_args()
    runs = {"now (warm-up)": serve(args.db, None, args.timeout)}
    for i, src in enumerate(args.baseline_src):
        name = "before" if len(args.baseline_src) == 1 else f"{i + 1}: {Path(src).resolve().parent.name}"[:17]
        runs[name] = serve(args.db, src, args.timeout)
    names = list(runs)
    print(f"{'':44}" + "".join(f"{n:>18}" for n in names))
    print(f"{'answers a static file after (s)':44}" + "".join(f"{r['up_s']:>18.1f}" for r in runs.values()))
    print(f"{'pages answer 数据准备中 until (s)':42}" + "".join(
        f"{r['ready_s']:>18.1f}" if r["preparing"] else f"{'-':>18}" for r in runs.values()))
    print(f"{'later caches (chain boards...) built at (s)':44}" + "".join(
        f"{r['done_s']:>18.1f}" if r["preparing"] else f"{'-':>18}" for r in runs.values()))
    print(f"{'first visit of (ms, status)':44}")
    for url in runs[names[0]]["visits"]:
        cells = []
        for r in runs.values():
            ms, status = r["visits"].get(url, (float("nan"), 0))
            cells.append(f"{ms:>12.0f} ({status})")
        print(f"  {url[:42]:42}" + "".join(f"{c:>18}" for c in cells))
    print(f"{'slowest first visit (ms)':44}" + "".join(
        f"{max(ms for ms, _ in r['visits'].values()):>18.0f}" for r in runs.values()))
    print(f"{'RSS when ready (MB)':44}" + "".join(f"{r['ready_rss_mb']:>18.0f}" for r in runs.values()))
    print(f"{'RSS after the visits (MB)':44}" + "".join(f"{r['rss_mb']:>18.0f}" for r in runs.values()))
    idle = f"RSS idle {IDLE_S:.0f} s later (MB)"
    print(f"{idle:44}" + "".join(f"{r['idle_rss_mb']:>18.0f}" for r in runs.values()))
    print(f"{'peak RSS (MB)':44}" + "".join(f"{r['hwm_mb']:>18.0f}" for r in runs.values()))


if __name__ == "__main__":
    main()
