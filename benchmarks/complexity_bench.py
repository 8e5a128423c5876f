"""Benchmark: chanye's complexity engine vs PyPI ``ecomplexity`` 0.5.3 on the same synthetic panel.

Each engine runs in its own subprocess, so that its peak memory (``ru_maxrss``) is its own. A subprocess builds
the seeded synthetic panel, records its resident memory, then times one full pipeline run (RCA, M, proximity,
density, ECI/PCI, COI/COG; the oracle with ``check_logsupermodularity=False``, which is optional diagnostics).

    .venv/bin/python benchmarks/complexity_bench.py            # 300 x 1,200 x 10 years, then 2,800 x 1,400 x 1
    .venv/bin/python benchmarks/complexity_bench.py --quick    # small sizes, a few seconds
    .venv/bin/python benchmarks/complexity_bench.py --oracle-python /tmp/ecx-venv/bin/python

The oracle is skipped with a message when ``ecomplexity`` cannot be imported by the oracle's Python.
"""

from __future__ import annotations

import argparse
import json
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


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def worker(engine: str, n_loc: int, n_act: int, n_years: int, seed: int) -> None:
    """Run one engine once and print a JSON line with seconds, peak RSS and RSS before the run."""
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
    t0 = time.perf_counter()
    out = run()
    seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "engine": engine,
                "seconds": seconds,
                "peak_rss_mb": _rss_mb(),
                "rss_before_mb": before,
                "rows_in": len(panel),
                "rows_out": len(out),
            }
        )
    )


def run_engine(python: str, engine: str, size: tuple[int, int, int], seed: int, timeout: float) -> dict | str:
    cmd = [python, str(HERE), "--worker", engine, "--size", ",".join(map(str, size)), "--seed", str(seed)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
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


def fmt(res: dict | str | None) -> tuple[str, str, str]:
    if res is None:
        return "skipped", "", ""
    if isinstance(res, str):
        return res, "", ""
    extra = res["peak_rss_mb"] - res["rss_before_mb"]
    return f"{res['seconds']:.2f} s", f"{res['peak_rss_mb']:.0f} MB", f"+{extra:.0f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    parser.add_argument("--oracle-python", default=sys.executable, help="Python with ecomplexity 0.5.3 installed")
    parser.add_argument("--no-oracle", action="store_true")
    parser.add_argument("--oracle-timeout", type=float, default=600.0, help="seconds per oracle run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worker", choices=["ours", "oracle"], help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        n_loc, n_act, n_years = (int(x) for x in args.size.split(","))
        worker(args.worker, n_loc, n_act, n_years, args.seed)
        return 0

    sizes = [(60, 240, 3), (400, 200, 1)] if args.quick else [(300, 1200, 10), (2800, 1400, 1)]
    reason = "--no-oracle" if args.no_oracle else oracle_available(args.oracle_python)
    if reason:
        print(f"oracle skipped: {reason}. Install it with `.venv/bin/pip install ecomplexity==0.5.3`.")
    print(f"python {sys.version.split()[0]}, oracle python {args.oracle_python if not reason else '-'}")
    header = f"{'size (loc x act x years)':<26} {'engine':<18} {'time':>10} {'peak RSS':>10} {'run adds':>10}"
    print(header)
    print("-" * len(header))
    for size in sizes:
        label = "{} x {} x {}".format(*size)
        ours = run_engine(sys.executable, "ours", size, args.seed, timeout=600)
        oracle = None if reason else run_engine(args.oracle_python, "oracle", size, args.seed, args.oracle_timeout)
        for name, res in (("chanye", ours), ("ecomplexity 0.5.3", oracle)):
            t, peak, add = fmt(res)
            print(f"{label:<26} {name:<18} {t:>10} {peak:>10} {add:>10}")
        if isinstance(ours, dict) and isinstance(oracle, dict):
            speed = oracle["seconds"] / ours["seconds"]
            mem = (oracle["peak_rss_mb"] - oracle["rss_before_mb"]) / max(ours["peak_rss_mb"] - ours["rss_before_mb"], 1)
            print(f"{label:<26} {'ratio':<18} {speed:>9.1f}x {'':>10} {mem:>9.1f}x  (oracle / chanye)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
