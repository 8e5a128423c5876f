"""Latency of every API endpoint (and every page) under concurrent clients, against uvicorn on 127.0.0.1.

    .venv/bin/python benchmarks/web_latency.py --db /tmp/full.duckdb [--clients 20] [--seconds 10]

Starts `chanye serve` in a subprocess (so the clients do not share the server's GIL), lists the GET routes
from /openapi.json, fills path parameters with known values and adds representative queries, then for each
URL: one cold request (the first, which builds the per-generation caches), and `--clients` clients with
keep-alive connections for `--seconds` or `--max-requests`. Prints p50/p95/max per URL next to the floor,
GET /static/chanye.css (a static file through the same server), and the ratio of each p95 to the floor's. The
clients are asyncio connections spread over `--procs` processes (one per 5 clients by default), not threads of
one process: their own GIL waits were the floor they measured (issue 14).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx

BASELINE = "/static/chanye.css"
EXTRA = [  # representative queries beyond the bare routes
    "/api/v1/enterprises?q=新能源汽车零部件",
    "/api/v1/enterprises?q=锂离子电池&district=440112",
    "/api/v1/enterprises?q=示例",  # matches every firm: the worst case
    "/api/v1/enterprises?q={uscc}",
    "/api/v1/enterprises?q={uscc8}",
    "/api/v1/enterprises?node=icv-nev&city=440100",
    "/api/v1/enterprises?node=biomed&city=440100&sort=employees&page=3",
    "/api/v1/enterprises/tags?node=icv-nev&city=440100",
    "/api/v1/scoreboard/districts?node=icv-nev",
    "/api/v1/scoreboard/series?node=icv-nev",
]
PAGES = ["/", "/cluster", "/cluster/icv-nev", "/district", "/district/440112", "/enterprises?q=新能源汽车",
         "/enterprise/{uscc}", "/data"]
PATH_VALUES = {"node_id": "icv-nev", "uscc": "{uscc}", "adcode": "440112"}
SKIP = {"/api/v1/data/imports/{job_id}"}  # needs an upload first


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: str, port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "chanye.cli", "serve", "--db", db, "--port", str(port), "--no-demo"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ})
    deadline = time.time() + 300  # the warm-up takes about a minute on the full demo, more on a busy machine
    while time.time() < deadline:
        try:
            answer = httpx.get(f"http://127.0.0.1:{port}{BASELINE}", timeout=1)
            # issue 14: pages answer 数据准备中 (503) while the start-up warm-up builds the caches; wait for them
            if answer.status_code == 200 and answer.headers.get("x-chanye-warm-up", "done") != "building":
                return proc
            time.sleep(0.5)
        except httpx.HTTPError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode()[-2000:]}")
    proc.kill()
    raise SystemExit("server did not start in 300 s")


def a_firm(db: str) -> str:
    import duckdb

    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute("""SELECT e.uscc FROM enterprises e JOIN enterprise_years y USING (uscc)
                              WHERE e.city_code = '440100' AND y.year = (SELECT max(year) FROM enterprise_years)
                              ORDER BY y.revenue DESC NULLS LAST LIMIT 1""").fetchall()[0][0]
    finally:
        con.close()


def urls(base: str, uscc: str, with_pages: bool) -> list[str]:
    spec = httpx.get(base + "/openapi.json", timeout=30).json()
    out = []
    for path, ops in spec["paths"].items():
        if "get" not in ops or path in SKIP:
            continue
        url = path
        for name, value in PATH_VALUES.items():
            url = url.replace("{" + name + "}", value)
        if "{" in url.replace("{uscc}", ""):
            print(f"skipped (unknown path parameter): {path}", file=sys.stderr)
            continue
        out.append(url)
    out += EXTRA + (PAGES if with_pages else [])
    return [u.replace("{uscc}", uscc).replace("{uscc8}", uscc[:8]) for u in out]


async def _response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 response (Content-Length or chunked body): (status, whether the server closes)."""
    status = int((await reader.readline()).split()[1])
    length, chunked, close = 0, False, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value:
            chunked = True
        elif name == b"connection" and value == b"close":
            close = True
    if chunked:
        while (size := int((await reader.readline()).split(b";")[0], 16)) > 0:
            await reader.readexactly(size + 2)
        while await reader.readline() not in (b"\r\n", b""):  # trailers
            pass
    elif length:
        await reader.readexactly(length)
    return status, close


async def _clients(port: int, path: str, clients: int, seconds: float, max_requests: int) -> tuple[list[float], int]:
    """`clients` keep-alive connections, each sending GET `path` and waiting for the answer, in turn."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    times: list[float] = []
    errors = sent = 0
    stop = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors, sent
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < stop and sent < max_requests:
                sent += 1
                start = time.perf_counter()
                writer.write(request)
                status, close = await _response(reader)
                times.append(time.perf_counter() - start)
                errors += status >= 400
                if close:
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return times, errors


def _process(port: int, path: str, clients: int, seconds: float, max_requests: int) -> tuple[list[float], int]:
    return asyncio.run(_clients(port, path, clients, seconds, max_requests))


def measure(base: str, url: str, clients: int, seconds: float, max_requests: int, pool=None, procs: int = 1) -> dict:
    """One cold request, then `clients` closed-loop clients for `seconds` (or `max_requests` in all). The clients
    are asyncio connections spread over `procs` processes (issue 14: 20 threads of one Python process sharing its
    GIL measured their own waits, 320-786 ms p95 for a static file); a bare HTTP/1.1 client on asyncio streams,
    so the client's own CPU per request stays small next to the server's."""
    target = base + quote(url, safe="/?=&:%")
    t0 = time.perf_counter()
    cold = httpx.get(target, timeout=300)
    first = time.perf_counter() - t0
    port = int(base.rsplit(":", 1)[1])
    path = target[len(base):]
    procs = max(1, min(procs, clients))
    shares = [clients // procs + (i < clients % procs) for i in range(procs)]
    jobs = [(port, path, n, seconds, -(-max_requests * n // clients)) for n in shares]
    wall = time.perf_counter()
    results = pool.starmap(_process, jobs) if pool is not None and procs > 1 else [_process(*j) for j in jobs]
    wall = time.perf_counter() - wall
    times = sorted(t for ts, _ in results for t in ts)
    errors = sum(e for _, e in results)
    times = times or [float("nan")]  # a loaded machine may not finish one request in the time given
    q = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else times * 99
    return {"url": url, "status": cold.status_code, "n": len(times), "errors": errors, "first": first,
            "p50": q[49], "p95": q[94], "max": times[-1], "rps": len(times) / wall, "bytes": len(cold.content)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", default=os.environ.get("CHANYE_DB", "data/chanye.duckdb"))
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=10.0, help="per URL")
    ap.add_argument("--max-requests", type=int, default=2000, help="per URL")
    ap.add_argument("--no-pages", action="store_true", help="API endpoints only")
    ap.add_argument("--procs", type=int, default=0, help="client processes (default: one per 5 clients)")
    ap.add_argument("--only", help="only the URLs containing this text (e.g. /api/v1/enterprises), between two "
                                   "measures of the floor (issue 14: a shared machine's load drifts)")
    args = ap.parse_args()
    if not Path(args.db).exists():
        raise SystemExit(f"no database at {args.db}: run `chanye demo --db {args.db}` first")
    uscc = a_firm(args.db)  # before the server opens (and locks) the database
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(args.db, port)
    try:
        todo = [BASELINE, *urls(base, uscc, not args.no_pages)]
        if args.only:
            todo = [BASELINE, *(u for u in todo[1:] if args.only in u), BASELINE]
        print(f"{len(todo)} URLs, {args.clients} clients, ≤{args.seconds:g} s or ≤{args.max_requests} requests each; "
              f"db {args.db}; {os.cpu_count()} CPUs\n")
        procs = args.procs or max(1, args.clients // 5)
        print(f"clients: {procs} processes of asyncio connections; load average {os.getloadavg()[0]:.1f}\n")
        with multiprocessing.get_context("fork").Pool(procs) as pool:
            rows = [measure(base, u, args.clients, args.seconds, args.max_requests, pool, procs) for u in todo]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    floor = rows[0]["p95"]
    width = max(len(r["url"]) for r in rows)
    head = f"{'URL':<{width}}  {'status':>6}  {'n':>5}  {'err':>3}  {'first ms':>8}  {'p50 ms':>7}  {'p95 ms':>7}  " \
           f"{'max ms':>7}  {'req/s':>6}  {'p95/floor':>9}"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['url']:<{width}}  {r['status']:>6}  {r['n']:>5}  {r['errors']:>3}  {1000 * r['first']:>8.1f}  "
              f"{1000 * r['p50']:>7.1f}  {1000 * r['p95']:>7.1f}  {1000 * r['max']:>7.1f}  {r['rps']:>6.0f}  "
              f"{r['p95'] / floor:>9.1f}")
    if args.only:
        print(f"floor p95 before {1000 * rows[0]['p95']:.1f} ms, after {1000 * rows[-1]['p95']:.1f} ms")
        rows = rows[:-1]
    worst = max(rows[1:], key=lambda r: r["p95"])
    print(f"\nfloor ({BASELINE}) p95 {1000 * floor:.1f} ms; slowest p95: {worst['url']} {1000 * worst['p95']:.1f} ms; "
          f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
