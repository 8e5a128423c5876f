"""Latency of every API endpoint (and every page) under concurrent clients, against uvicorn on 127.0.0.1.

    .venv/bin/python benchmarks/web_latency.py --db /tmp/full.duckdb [--clients 20] [--seconds 10]
    .venv/bin/python benchmarks/web_latency.py --db /tmp/full.duckdb --only /api/v1/enterprises \
        --baseline-src /tmp/before/src      # the same URLs against an older tree's server, in the same run

Starts `chanye serve` in a subprocess (so the clients do not share the server's GIL), lists the GET routes
from /openapi.json, fills path parameters with known values and adds representative queries, then for each
URL: one cold request (the first, which builds the per-generation caches), and `--clients` clients with
keep-alive connections for `--seconds` or `--max-requests`. Prints p50/p95/max per URL next to the floor,
GET /static/chanye.css (a static file through the same server), and the ratio of each p95 to the floor's. The
clients are asyncio connections spread over `--procs` processes (one per 5 clients by default), not threads of
one process: their own GIL waits were the floor they measured (issue 14).

`--baseline-src DIR`: a second server runs the package found in DIR (PYTHONPATH; `git archive HEAD src | tar -x`
gives one) on a copy of the database, without the modules named by `--baseline-hide` (default uvloop and
httptools: the tree as it ran before they were pinned). Both servers start and finish their warm-up first; then
each URL is measured against one and then the other, so a drift of the machine's load touches both. The first
answer's body of each URL is hashed on both: "same body" says whether they are identical.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
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
PATH_VALUES = {"node_id": "icv-nev", "uscc": "{uscc}", "adcode": "440112", "chain_id": "icv-nev",
               "project_id": "DEMO-2023-0001"}
# where a parameter means something else on that route: the city's map (the only one served), a chain's own node
PATH_OVERRIDES = {"/vendor/maps/{adcode}.json": "/vendor/maps/440100.json",
                  "/api/v1/chains/{chain_id}/nodes/{node_id}": "/api/v1/chains/icv-nev/nodes/lithium"}
SKIP = {"/api/v1/data/imports/{job_id}"}  # needs an upload first


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: str, port: int, src: str | None = None, hide: tuple[str, ...] = ()) -> subprocess.Popen:
    """`chanye serve` on `port`, once its warm-up has finished every step (so the later steps' CPU does not
    count against the URLs measured). `src`: the package's folder to run instead of the installed one; `hide`:
    modules it must not find (None in sys.modules: uvicorn's `auto` falls back to asyncio and h11)."""
    prelude = "import sys\n" + "".join(f"sys.modules[{m!r}] = None\n" for m in hide)
    prelude += "from chanye.cli import app\napp()"
    cmd = [sys.executable, "-c", prelude, "serve", "--db", db, "--port", str(port), "--no-demo"]
    env = {**os.environ}
    if src:
        env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    proc.port = port  # type: ignore[attr-defined]
    return proc


def wait_ready(proc: subprocess.Popen, timeout: float = 600.0) -> float:
    """Seconds until the server answered a static file with its warm-up done (the header absent: no warm-up)."""
    port = proc.port  # type: ignore[attr-defined]
    start = time.time()
    while time.time() < start + timeout:
        try:
            answer = httpx.get(f"http://127.0.0.1:{port}{BASELINE}", timeout=1)
            # issue 14: pages answer 数据准备中 (503) while the start-up warm-up builds the caches; wait for them
            if answer.status_code == 200 and answer.headers.get("x-chanye-warm-up", "done") == "done":
                return time.time() - start
            time.sleep(0.5)
        except httpx.HTTPError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode()[-2000:]}")
    proc.kill()
    raise SystemExit(f"server did not finish its warm-up in {timeout:g} s")


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
        url = PATH_OVERRIDES.get(path, path)
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


def paged(path: str, page: int) -> str:
    """`path` asking for page `page` (its own page= replaced)."""
    route, _, query = path.partition("?")
    params = [p for p in query.split("&") if p and not p.startswith("page=")]
    return f"{route}?{'&'.join([*params, f'page={page}'])}"


async def _clients(port: int, path: str, clients: int, seconds: float, max_requests: int,
                   pages: tuple[int, int] | None = None) -> tuple[list[float], int]:
    """`clients` keep-alive connections, each sending GET `path` and waiting for the answer, in turn. `pages`
    (first, step): each request asks the next page first, first + step, ... instead (a different answer each
    time: no cache of finished answers can serve it)."""
    fixed = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    page = pages[0] if pages else 0

    def request() -> bytes:
        nonlocal page
        if not pages:
            return fixed
        page += pages[1]
        return f"GET {paged(path, page - pages[1])} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()

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
                writer.write(request())
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


def _process(port: int, path: str, clients: int, seconds: float, max_requests: int,
             pages: tuple[int, int] | None = None) -> tuple[list[float], int]:
    return asyncio.run(_clients(port, path, clients, seconds, max_requests, pages))


def measure(base: str, url: str, clients: int, seconds: float, max_requests: int, pool=None, procs: int = 1,
            distinct: bool = False) -> dict:
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
    # distinct: process i asks pages 2 + i, 2 + i + procs, ... (page 1 was the cold request)
    jobs = [(port, path, n, seconds, -(-max_requests * n // clients), (2 + i, procs) if distinct else None)
            for i, n in enumerate(shares)]
    wall = time.perf_counter()
    results = pool.starmap(_process, jobs) if pool is not None and procs > 1 else [_process(*j) for j in jobs]
    wall = time.perf_counter() - wall
    times = sorted(t for ts, _ in results for t in ts)
    errors = sum(e for _, e in results)
    times = times or [float("nan")]  # a loaded machine may not finish one request in the time given
    q = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else times * 99
    return {"url": url, "status": cold.status_code, "n": len(times), "errors": errors, "first": first,
            "p50": q[49], "p95": q[94], "max": times[-1], "rps": len(times) / wall, "bytes": len(cold.content),
            "sha256": hashlib.sha256(cold.content).hexdigest()}


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
    ap.add_argument("--distinct-pages", action="store_true",
                    help="every request of an API URL asks another page (page=2, 3, ...): the cost of answers no "
                         "cache of finished answers holds")
    ap.add_argument("--baseline-src", help="also measure a server running the package in this folder (an older "
                                           "tree's src/), URL by URL in the same run")
    ap.add_argument("--baseline-hide", default="uvloop,httptools",
                    help="modules the baseline server must not import (comma-separated; '' for none)")
    args = ap.parse_args()
    if not Path(args.db).exists():
        raise SystemExit(f"no database at {args.db}: run `chanye demo --db {args.db}` first")
    uscc = a_firm(args.db)  # before the server opens (and locks) the database
    servers = {"now": start_server(args.db, free_port())}
    scratch = None
    if args.baseline_src:  # its own copy of the file: two servers never share one database's locks
        scratch = tempfile.mkdtemp(prefix="web_latency_")
        copy = shutil.copy(args.db, Path(scratch) / Path(args.db).name)
        hide = tuple(m for m in args.baseline_hide.split(",") if m)
        servers["before"] = start_server(str(copy), free_port(), args.baseline_src, hide)
    try:
        for name, proc in servers.items():
            print(f"{name}: warm-up done after {wait_ready(proc):.0f} s", flush=True)
        base = f"http://127.0.0.1:{servers['now'].port}"  # type: ignore[attr-defined]
        todo = [BASELINE, *urls(base, uscc, not args.no_pages)]
        if args.only:
            todo = [BASELINE, *(u for u in todo[1:] if args.only in u), BASELINE]
        print(f"{len(todo)} URLs, {args.clients} clients, ≤{args.seconds:g} s or ≤{args.max_requests} requests each; "
              f"db {args.db}; {os.cpu_count()} CPUs\n")
        procs = args.procs or max(1, args.clients // 5)
        print(f"clients: {procs} processes of asyncio connections; load average {os.getloadavg()[0]:.1f}\n")
        rows: dict[str, list[dict]] = {name: [] for name in servers}
        with multiprocessing.get_context("fork").Pool(procs) as pool:
            for u in todo:
                for name, proc in servers.items():
                    address = f"http://127.0.0.1:{proc.port}"  # type: ignore[attr-defined]
                    distinct = args.distinct_pages and u.startswith("/api/")
                    rows[name].append(measure(address, u, args.clients, args.seconds, args.max_requests, pool, procs,
                                              distinct))
    finally:
        for proc in servers.values():
            proc.terminate()
            proc.wait(timeout=10)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    for name, measured in rows.items():
        if len(servers) > 1:
            print(f"\n== {name} ==")
        report(measured, args.only)
    if "before" in rows:
        compare(rows["now"], rows["before"])
    print(f"load average {os.getloadavg()[0]:.1f}")


def report(rows: list[dict], only: str | None) -> None:
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
    if only:
        print(f"floor p95 before {1000 * rows[0]['p95']:.1f} ms, after {1000 * rows[-1]['p95']:.1f} ms")
        rows = rows[:-1]
    worst = max(rows[1:], key=lambda r: r["p95"])
    print(f"\nfloor ({BASELINE}) p95 {1000 * floor:.1f} ms; slowest p95: {worst['url']} {1000 * worst['p95']:.1f} ms")


def compare(now: list[dict], before: list[dict]) -> None:
    """p95 and requests/s of each URL on both servers, and whether the first answers' bodies were identical."""
    width = max(len(r["url"]) for r in now)
    head = f"{'URL':<{width}}  {'p95 now':>8}  {'p95 before':>10}  {'ratio':>6}  {'req/s now':>9}  " \
           f"{'req/s before':>12}  same body"
    print("\n== now against before (same run) ==")
    print(head)
    print("-" * len(head))
    for a, b in zip(now, before, strict=True):
        print(f"{a['url']:<{width}}  {1000 * a['p95']:>8.1f}  {1000 * b['p95']:>10.1f}  {a['p95'] / b['p95']:>6.2f}  "
              f"{a['rps']:>9.0f}  {b['rps']:>12.0f}  {'yes' if a['sha256'] == b['sha256'] else 'NO'}")


if __name__ == "__main__":
    main()
