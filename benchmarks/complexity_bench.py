"""Benchmark: chanye's complexity engine vs PyPI ``ecomplexity`` 0.5.3 on the same synthetic panel.

Each engine runs in its own subprocess, so that its peak memory (``ru_maxrss``) is its own. A subprocess builds
the seeded synthetic panel, records its resident memory, then times full pipeline runs (RCA, M, proximity,
density, ECI/PCI, COI/COG; the oracle with ``check_logsupermodularity=False``, which is optional diagnostics).
"cold" is the first call in a fresh process (it pays for first-touching its memory, which is expensive on a
VM), "warm" the best later call.

    .venv/bin/python benchmarks/complexity_bench.py            # 300 x 1,200 x 10 years, then 2,800 x 1,400 x 1
    .venv/bin/python benchmarks/complexity_bench.py --quick    # small sizes, a few seconds
    .venv/bin/python benchmarks/complexity_bench.py --oracle-python /tmp/ecx-venv/bin/python
    # issue 14: `chanye complexity` as a whole process (CSV in, Parquet / CSV out) against the oracle's compute
    # alone, and against the code before issue 14 (`git archive HEAD src | tar -x -C /tmp/before`)
    .venv/bin/python benchmarks/complexity_bench.py --end-to-end --baseline-src /tmp/before/src \
        --oracle-python /tmp/ecx-venv/bin/python
    # both versions run with their bytecode compiled beforehand (as installed); --no-bytecode-cache keeps
    # PYTHONDONTWRITEBYTECODE as the environment sets it (each process then recompiles chanye's modules)

The oracle is skipped with a message when ``ecomplexity`` cannot be imported by the oracle's Python.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]


def synthetic_panel(n_loc: int, n_act: int, n_years: int, seed: int = 0):  # -> pd.DataFrame
    """Seeded long panel (year, loc, act, value): lognormal values, about 45% of pairs present.

    Presence is nested-ish (capable locations make more of the rare activities), which gives a connected network
    with a clear second eigenvalue, like real trade or industry data. Years differ by noise and churn.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    capability = rng.random(n_loc)
    difficulty = rng.random(n_act)
    size_loc = rng.lognormal(0.0, 1.0, n_loc)
    size_act = rng.lognormal(0.0, 1.0, n_act)
    frames = []
    for y in range(n_years):
        p = 0.1 + 0.6 * (capability[:, None] > difficulty[None, :] * 0.9) + 0.1 * rng.random((n_loc, n_act))
        keep = rng.random((n_loc, n_act)) < p
        value = size_loc[:, None] * size_act[None, :] * rng.lognormal(0.0, 1.0, (n_loc, n_act))
        li, ai = np.nonzero(keep)
        frames.append(
            pd.DataFrame(
                {
                    "year": np.full(li.size, 2000 + y, dtype=np.int64),
                    "loc": np.char.add("L", li.astype(str)),
                    "act": np.char.add("A", ai.astype(str)),
                    "value": np.round(value[li, ai] * 1000.0, 2),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def check_agreement(python: str, seed: int) -> str:
    """Run both engines in one process on a small panel, chanye with ``conventions="pypi"``: max differences."""
    code = f"""
import sys, warnings
import numpy as np
sys.path[:0] = [{str(ROOT / "src")!r}, {str(HERE.parent)!r}]
from complexity_bench import synthetic_panel
from chanye.analytics.complexity import complexity
from ecomplexity import ecomplexity
panel = synthetic_panel(60, 240, 3, {seed})
ours = complexity(panel, location="loc", activity="act", value="value", year="year", conventions="pypi")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    cols = {{"time": "year", "loc": "loc", "prod": "act", "val": "value"}}
    theirs = ecomplexity(panel, cols, check_logsupermodularity=False, verbose=False)
both = theirs.merge(ours, on=["year", "loc", "act"], suffixes=("_pypi", ""))
assert len(both) == len(ours), (len(both), len(ours))
diffs = {{c: float(np.nanmax(np.abs(both[c + "_pypi"] - both[c]))) for c in ("rca", "density", "eci", "pci", "coi", "cog")}}
print(len(both), int((both["mcp"] != both["M"]).sum()), " ".join(f"{{k}} {{v:.1e}}" for k, v in diffs.items()))
"""
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    if proc.returncode != 0:
        return "failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1]
    rows, m_diff, diffs = proc.stdout.strip().split(" ", 2)
    return f"{rows} rows, M differs in {m_diff}; max |difference|: {diffs}"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def worker(engine: str, n_loc: int, n_act: int, n_years: int, seed: int, calls: int) -> None:
    """Run one engine ``calls`` times and print a JSON line with the cold (first) and warm (best later) times.

    Peak RSS is the process high-water mark; ``rss_before_mb`` is measured after imports and data generation,
    so ``peak - before`` is what the computation itself adds.
    """
    import warnings

    panel = synthetic_panel(n_loc, n_act, n_years, seed)
    if engine == "ours":
        sys.path.insert(0, str(ROOT / "src"))
        from chanye.analytics.complexity import complexity

        def run():
            return complexity(panel, location="loc", activity="act", value="value", year="year")
    else:
        from ecomplexity import ecomplexity

        cols = {"time": "year", "loc": "loc", "prod": "act", "val": "value"}

        def run():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ecomplexity(panel, cols, check_logsupermodularity=False, verbose=False)

    before = _rss_mb()
    times = []
    cpu = []
    rows_out = 0
    for _ in range(calls):
        t0, c0 = time.perf_counter(), time.process_time()
        out = run()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        rows_out = len(out)
        del out
    print(
        json.dumps(
            {
                "engine": engine,
                "cold_s": times[0],
                "cold_cpu_s": cpu[0],
                "warm_s": min(times[1:]) if len(times) > 1 else None,
                "peak_rss_mb": _rss_mb(),
                "rss_before_mb": before,
                "rows_in": len(panel),
                "rows_out": rows_out,
            }
        )
    )


def run_engine(
    python: str,
    engine: str,
    size: tuple[int, int, int],
    seed: int,
    calls: int,
    timeout: float,
    threads: int | None = None,
) -> dict | str:
    cmd = [python, str(HERE), "--worker", engine, "--size", ",".join(map(str, size))]
    cmd += ["--seed", str(seed), "--calls", str(calls)]
    env = dict(os.environ)
    if threads is not None:
        # The oracle uses numpy's OpenBLAS only; one thread is its fastest setting on a small shared machine,
        # the same setting chanye uses internally (blas_threads=1).
        env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = str(threads)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)
    except subprocess.TimeoutExpired:
        return f"did not finish within {timeout:.0f} s"
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return f"failed: {last}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def oracle_available(python: str) -> str | None:
    """None if the oracle's Python can import ecomplexity 0.5.3, else the reason."""
    code = "import importlib.metadata as m, ecomplexity; print(m.version('ecomplexity'))"
    try:
        proc = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if proc.returncode != 0:
        return (proc.stderr.strip().splitlines() or ["import failed"])[-1]
    version = proc.stdout.strip()
    return None if version == "0.5.3" else f"ecomplexity {version} installed, not 0.5.3"


def fmt(res: dict | str | None) -> tuple[str, str, str, str]:
    if res is None:
        return "skipped", "", "", ""
    if isinstance(res, str):
        return res, "", "", ""
    warm = f"{res['warm_s']:.2f} s" if res["warm_s"] is not None else "-"
    extra = res["peak_rss_mb"] - res["rss_before_mb"]
    return f"{res['cold_s']:.2f} s", warm, f"{res['peak_rss_mb']:.0f} MB", f"+{extra:.0f} MB"


def bytecode_env(cache: Path | None) -> dict[str, str]:
    """The environment of a timed process. With `cache`, Python reads and writes its bytecode there, as an
    installed package has it (pip compiles on install); a session that sets PYTHONDONTWRITEBYTECODE otherwise
    recompiles chanye's own modules in every process (about 0.2 s of CPU, outside the package's control)."""
    env = dict(os.environ)
    if cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def compile_sources(python: str, src: str | Path, cache: Path | None) -> None:
    """Fill the bytecode cache for `src` before the timed runs (as `pip install` does), so no run pays for it."""
    if cache is not None:
        subprocess.run([python, "-m", "compileall", "-q", str(src)], env=bytecode_env(cache), check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)


def cli_run(python: str, args: list[str], src: str | None, timeout: float, cache: Path | None = None) -> dict | str:
    """One `chanye complexity` process: wall seconds, CPU seconds (user + sys) and peak RSS, from wait4."""
    code = "import sys; from chanye.cli import app; sys.argv[0] = 'chanye'; app()"
    env = bytecode_env(cache)
    if src:
        env["PYTHONPATH"] = src  # the code before the change, e.g. `git archive HEAD src`
    t0 = time.perf_counter()
    proc = subprocess.Popen([python, "-c", code, "complexity", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = t0 + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            proc.wait()
            return f"did not finish within {timeout:.0f} s"
        time.sleep(0.01)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        return "failed: " + (err.strip().splitlines() or ["?"])[-1]
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "user_s": usage.ru_utime,
            "sys_s": usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024.0}


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def end_to_end(args: argparse.Namespace, size: tuple[int, int, int], reason: str | None) -> None:
    """Issue 14's target: the whole `chanye complexity` process >= 10x faster than the oracle's compute alone."""
    import tempfile

    folder = Path(tempfile.gettempdir()) / "chanye-complexity-bench"
    folder.mkdir(exist_ok=True)
    panel = folder / "panel_{}x{}x{}_{}.csv".format(*size, args.seed)
    if not panel.exists():
        synthetic_panel(*size, seed=args.seed).to_csv(panel, index=False)
    label = "{} x {} x {}".format(*size)
    print(f"end to end, {label}: {panel} ({panel.stat().st_size / 1e6:.0f} MB); best of {args.calls} runs each")
    print(f"  load average at the start: {_load()}")  # a shared machine: say how busy it was
    cache = None if args.no_bytecode_cache else folder / "pycache"
    versions = [("chanye", None)] + ([("before", args.baseline_src)] if args.baseline_src else [])
    for _name, src in versions:
        compile_sources(sys.executable, src or ROOT / "src", cache)
    print("  bytecode: " + ("compiled beforehand into " + str(cache) + ", as an installed package has it" if cache
                            else "as the environment says (PYTHONDONTWRITEBYTECODE="
                            + os.environ.get("PYTHONDONTWRITEBYTECODE", "") + ")"))
    keys = ["--location", "loc", "--activity", "act", "--value", "value", "--year", "year"]
    rows: dict[str, dict | str] = {}
    for fmt in args.formats.split(","):
        for name, src in versions:
            runs = []
            for _ in range(1 if (name == "before" and fmt == "csv") else args.calls):
                res = cli_run(sys.executable, [str(panel), *keys, "-o", str(folder / f"out_{name}.{fmt}")], src,
                              timeout=900, cache=cache)
                runs.append(res)
                if isinstance(res, str):
                    break
            good = [r for r in runs if isinstance(r, dict)]
            # Best wall and best CPU are taken separately: on a shared machine either can be inflated by others.
            rows[f"{name} -> {fmt}"] = ({**min(good, key=lambda r: r["wall_s"]), **{k: min(r[k] for r in good) for k in (
                "cpu_s", "user_s", "sys_s")}} if good else runs[-1])
        if args.baseline_src and all(isinstance(rows[f"{n} -> {fmt}"], dict) for n in ("chanye", "before")):
            same = (folder / f"out_chanye.{fmt}").read_bytes() == (folder / f"out_before.{fmt}").read_bytes()
            if fmt == "parquet" and not same:
                import pyarrow.parquet as pq

                a, b = pq.read_table(folder / "out_chanye.parquet"), pq.read_table(folder / "out_before.parquet")
                same = a.equals(b) and a.schema.equals(b.schema, check_metadata=True)
                print(f"  {fmt}: tables, schema and metadata equal to the code before: {same}")
            else:
                print(f"  {fmt}: byte-identical to the code before: {same}")
    oracle = None
    if not reason:
        threads = args.oracle_threads or None
        oracle = run_engine(args.oracle_python, "oracle", size, args.seed, 1, args.oracle_timeout, threads)
    header = f"{'what':<34} {'wall':>8} {'CPU':>8} {'peak RSS':>9} {'oracle/this wall':>17} {'oracle/this CPU':>16}"
    print(header)
    print("-" * len(header))
    if isinstance(oracle, dict):
        print(f"{'ecomplexity 0.5.3 compute alone':<34} {oracle['cold_s']:>7.2f}s {oracle['cold_cpu_s']:>7.2f}s "
              f"{oracle['peak_rss_mb']:>7.0f}MB")
    elif oracle is not None:
        print(f"{'ecomplexity 0.5.3 compute alone':<34} {oracle}")
    for name, res in rows.items():
        if isinstance(res, str):
            print(f"{'whole process, ' + name:<34} {res}")
            continue
        ratios = ""
        if isinstance(oracle, dict):
            ratios = f"{oracle['cold_s'] / res['wall_s']:>16.1f}x {oracle['cold_cpu_s'] / res['cpu_s']:>15.1f}x"
        print(f"{'whole process, ' + name:<34} {res['wall_s']:>7.2f}s {res['cpu_s']:>7.2f}s "
              f"{res['peak_rss_mb']:>7.0f}MB {ratios}   (CPU user {res['user_s']:.2f}s, sys {res['sys_s']:.2f}s)")
    print(f"load average at the end: {_load()}")
    for fmt in args.formats.split(","):
        new, old = rows.get(f"chanye -> {fmt}"), rows.get(f"before -> {fmt}")
        if isinstance(new, dict) and isinstance(old, dict):
            print(f"before / chanye, {fmt}: wall {old['wall_s'] / new['wall_s']:.1f}x, CPU "
                  f"{old['cpu_s'] / new['cpu_s']:.1f}x, peak RSS {old['peak_rss_mb'] / new['peak_rss_mb']:.1f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    parser.add_argument("--sizes", help="comma-separated LOCxACTxYEARS, e.g. 300x1200x10,2800x1400x1")
    parser.add_argument(
        "--oracle-python", default=sys.executable, help="Python with ecomplexity 0.5.3 installed"
    )
    parser.add_argument("--no-oracle", action="store_true")
    parser.add_argument("--oracle-timeout", type=float, default=600.0, help="seconds per oracle run")
    parser.add_argument(
        "--oracle-threads",
        type=int,
        default=1,
        help="OPENBLAS_NUM_THREADS for the oracle (0: library default)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="first compare values with the oracle (chanye conventions='pypi')",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--calls", type=int, default=2, help="calls per engine process: the first is cold")
    parser.add_argument("--end-to-end", action="store_true",
                        help="time `chanye complexity` as a whole process (issue 14) instead of the engines")
    parser.add_argument("--baseline-src", help="with --end-to-end: a src folder of the code to compare against")
    parser.add_argument("--formats", default="parquet,csv", help="with --end-to-end: output formats")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="with --end-to-end: keep PYTHONDONTWRITEBYTECODE as set (every process recompiles)")
    parser.add_argument("--worker", choices=["ours", "oracle"], help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        n_loc, n_act, n_years = (int(x) for x in args.size.split(","))
        worker(args.worker, n_loc, n_act, n_years, args.seed, args.calls)
        return 0

    sizes = [(60, 240, 3), (400, 200, 1)] if args.quick else [(300, 1200, 10), (2800, 1400, 1)]
    if args.sizes:
        sizes = [tuple(int(x) for x in size.split("x")) for size in args.sizes.split(",")]  # type: ignore[misc]
    reason = "--no-oracle given" if args.no_oracle else oracle_available(args.oracle_python)
    if reason:
        print(f"oracle skipped: {reason}")
        if not args.no_oracle:
            print("  install it with `.venv/bin/pip install ecomplexity==0.5.3` or pass --oracle-python")
    if args.check and not reason:
        print(
            f"agreement, 60 x 240 x 3, chanye conventions='pypi' vs oracle: {check_agreement(args.oracle_python, args.seed)}"
        )
    if args.end_to_end:
        for size in sizes if args.sizes else [(300, 1200, 10)]:
            end_to_end(args, size, reason)  # type: ignore[arg-type]
        return 0
    oracle_py = "-" if reason else args.oracle_python
    print(f"python {sys.version.split()[0]}; oracle python {oracle_py}; calls per engine {args.calls}")
    header = f"{'size (loc x act x years)':<26} {'engine':<18} {'cold':>9} {'warm':>9} {'peak RSS':>9} {'run adds':>9}"
    print(header)
    print("-" * len(header))
    for size in sizes:
        label = "{} x {} x {}".format(*size)
        ours = run_engine(sys.executable, "ours", size, args.seed, args.calls, timeout=600)
        oracle = None
        if not reason:
            threads = args.oracle_threads or None
            oracle = run_engine(
                args.oracle_python, "oracle", size, args.seed, args.calls, args.oracle_timeout, threads
            )
        for name, res in (("chanye", ours), ("ecomplexity 0.5.3", oracle)):
            cold, warm, peak, add = fmt(res)
            print(f"{label:<26} {name:<18} {cold:>9} {warm:>9} {peak:>9} {add:>9}")
        if isinstance(ours, dict) and isinstance(oracle, dict):
            cold_x = oracle["cold_s"] / ours["cold_s"]
            warm_x = f"{oracle['warm_s'] / ours['warm_s']:.1f}x" if ours["warm_s"] else "-"
            ours_add = max(ours["peak_rss_mb"] - ours["rss_before_mb"], 1.0)
            mem_x = (oracle["peak_rss_mb"] - oracle["rss_before_mb"]) / ours_add
            print(f"{label:<26} {'oracle / chanye':<18} {cold_x:>8.1f}x {warm_x:>9} {'':>9} {mem_x:>8.1f}x")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
