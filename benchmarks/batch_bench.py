"""The batch pipeline on one machine (``--engine duckdb``) against Spark ``local[2]`` on the same synthetic
Parquet inputs, each engine in a fresh subprocess (peak memory its own), step by step, with the ratio.

    .venv/bin/python benchmarks/batch_bench.py --rows 1000000
    .venv/bin/python benchmarks/batch_bench.py --rows 1000000 --steps classify,indicators --engines spark

Inputs: N raw registry rows (validate), N enterprises with one year of figures (classify, chains,
indicators, complexity at 小类). Prints wall and CPU seconds per step (the engine's whole process tree: the
Spark JVM and Python workers too), rows per CPU second, Spark / DuckDB CPU, peak memory of the process tree
and the load average. Progress goes to stderr as each step ends.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CODES = ["3612", "3670", "2720", "2761", "3974", "6513", "3841", "3562", "1713", "4411", "5172", "3399"]
SCOPES = ["新能源汽车整车制造", "汽车零部件研发", "化学药品制剂生产", "生物药品制造", "显示器件制造", "应用软件开发",
          "动力电池研发、生产", "电子专用材料制造", "棉纺织加工", "火力发电", "汽车及零配件批发；动力电池销售", "其他制造"]


CHUNK = 1_000_000  # rows generated and written at a time: 10 M inputs without 10 M-row frames in memory


def make_inputs(folder: Path, rows: int) -> None:
    """N firms, their figures and N raw rows, written in chunks of `CHUNK` rows (the draws of one chunk are those
    of a single pass, so inputs up to `CHUNK` rows are as before the chunking)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from chanye.framework import load_pack
    from chanye.registry import uscc

    city = load_pack(None).city
    districts = np.array([d.code for d in city.districts], dtype=object)
    rng = np.random.default_rng(4754)
    all_codes = np.array(uscc.random_valid(rng, rows, ["440101"]), dtype=object)  # distinct over all N
    folder.mkdir(parents=True, exist_ok=True)
    writers: dict[str, pq.ParquetWriter] = {}
    try:
        for start in range(0, rows, CHUNK):
            n = min(CHUNK, rows - start)
            codes = all_codes[start:start + n]
            pick = rng.integers(0, len(CODES), n)
            district = districts[rng.integers(0, len(districts), n)]
            revenue = np.round(rng.lognormal(7, 1.5, n), 2)
            numbers = np.char.zfill(np.arange(start, start + n).astype(str), 8)
            names = np.char.add(np.char.add("示例基准企业", numbers), "有限公司")
            firms = pd.DataFrame({"uscc": codes, "name": names.astype(object), "city_code": city.code,
                                  "district_code": district, "industry_code": np.array(CODES)[pick],
                                  "business_scope": np.array(SCOPES)[pick], "synthetic": True})
            figures = pd.DataFrame({"uscc": codes, "year": 2024, "revenue": revenue,
                                    "industrial_output": np.round(revenue * 0.9, 2),
                                    "value_added": np.round(revenue * 0.3, 2),
                                    "employees": rng.integers(5, 5000, n).astype(float), "synthetic": True})
            raw = pd.DataFrame({"row_number": np.arange(start + 2, start + n + 2), "统一社会信用代码": codes,
                                "企业名称": firms["name"], "所属区": district, "行业代码": firms["industry_code"],
                                "经营范围": firms["business_scope"], "年份": "2024",
                                "营业收入(万元)": revenue.astype(str), "成立日期": "2019-03-01"})
            for name, frame in (("enterprises", firms), ("figures", figures), ("rows", raw)):
                table = pa.Table.from_pandas(frame, preserve_index=False)
                if name not in writers:
                    writers[name] = pq.ParquetWriter(folder / f"{name}.parquet", table.schema)
                writers[name].write_table(table, row_group_size=128_000)
    finally:
        for writer in writers.values():
            writer.close()


_SEEN: dict[int, float] = {}  # pid -> its own CPU seconds when last seen (processes that end keep their time)


def _tree(pid: int) -> tuple[float, float]:
    """(resident MB, CPU seconds) of `pid` and all its descendants (the Spark JVM and Python workers), from
    /proc. CPU is user + system time of every process of the tree seen so far, a process that has ended
    counting with its time when last seen (Spark's Python workers come and go; their time does not reliably
    reach a living parent's cutime)."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            stats[int(entry)] = fields
        except (OSError, IndexError, ValueError):
            continue
    rss = 0.0
    stack = [pid]
    while stack:
        p = stack.pop()
        if p in stats:
            rss += int(stats[p][21]) * os.sysconf("SC_PAGE_SIZE")
            own = (int(stats[p][11]) + int(stats[p][12])) / os.sysconf("SC_CLK_TCK")
            _SEEN[p] = max(_SEEN.get(p, 0.0), own)
        stack.extend(children.get(p, []))
    return rss / 2**20, sum(_SEEN.values())


class Sampler(threading.Thread):
    """Peak resident memory of this process tree and the 1-minute load average, sampled every second."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_mb = 0.0
        self.loads: list[float] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()  # `_tree` updates the shared record of CPU times

    def run(self) -> None:
        tick = 0
        while not self.stop.wait(1.0):
            with self.lock:
                self.peak_mb = max(self.peak_mb, _tree(os.getpid())[0])
            if tick % 30 == 0:
                self.loads.append(os.getloadavg()[0])
            tick += 1


def run_engine(engine: str, source: str, target: str, steps: list[str], partitions: int) -> dict:
    from chanye.batch import steps as S
    from chanye.framework import load_pack

    framework = load_pack(None)
    sampler = Sampler()
    sampler.start()

    cpu: dict[str, float] = {}
    with sampler.lock:
        last_cpu = [_tree(os.getpid())[1]]

    def progress(step: str, seconds: float) -> None:  # to the log as each step ends (long runs)
        with sampler.lock:
            now = _tree(os.getpid())[1]
        cpu[step] = round(now - last_cpu[0], 1)
        last_cpu[0] = now
        print(f"  {engine} {step}: {seconds:.1f} s, {cpu[step]:.1f} CPU s, load {os.getloadavg()[0]:.2f}, peak so "
              f"far {sampler.peak_mb:,.0f} MB", file=sys.stderr, flush=True)

    started = time.perf_counter()
    if engine == "duckdb":
        run = S.run_local(source, target, framework, steps=steps, on_step=progress)
        startup = 0.0
    else:
        from chanye.batch import spark as sp

        spark = sp.session("local[2]", shuffle_partitions=partitions, driver_memory="3g")
        startup = time.perf_counter() - started
        with sampler.lock:
            last_cpu[0] = _tree(os.getpid())[1]  # the JVM's start-up is not a step's
        run = sp.run_spark(spark, source, target, framework, steps=steps, on_step=progress)
        spark.stop()
    sampler.stop.set()
    loads = sampler.loads or [os.getloadavg()[0]]
    return {"seconds": run.seconds, "cpu": cpu, "rows": run.rows, "startup": round(startup, 1),
            "total": round(time.perf_counter() - started, 1),
            "peak_mb": round(sampler.peak_mb), "driver_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "load_min": round(min(loads), 2), "load_max": round(max(loads), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--steps", default="validate,classify,chains,indicators,complexity")
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--workdir", default=None, help="keep inputs/outputs here (default: a temporary folder)")
    parser.add_argument("--partitions", type=int, default=None,
                        help="Spark shuffle partitions (default: one per 125,000 rows, at least 8)")
    parser.add_argument("--child", nargs=3, metavar=("ENGINE", "SOURCE", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    steps = [s for s in args.steps.split(",") if s]
    partitions = args.partitions or max(8, args.rows // 125_000)
    if args.child:
        print(json.dumps(run_engine(*args.child, steps, partitions)))
        return
    work = Path(args.workdir or tempfile.mkdtemp(prefix="batch_bench_"))
    source = work / f"in-{args.rows}"
    if not (source / "rows.parquet").exists():
        started = time.perf_counter()
        make_inputs(source, args.rows)
        print(f"inputs: {args.rows:,} rows in {time.perf_counter() - started:.1f} s -> {source}", flush=True)
    results = {}
    for engine in args.engines.split(","):
        load = os.getloadavg()
        proc = subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--steps", args.steps,
                               "--partitions", str(partitions),
                               "--child", engine, str(source), str(work / f"out-{engine}-{args.rows}")],
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        if proc.returncode:
            sys.exit(f"{engine} failed (its messages are above)")
        results[engine] = json.loads(proc.stdout.strip().splitlines()[-1])
        results[engine]["load"] = [round(x, 2) for x in load]
        print(engine, json.dumps(results[engine]), flush=True)
    print(f"\n{args.rows:,} rows; load average at start " + "; ".join(
        f"{e}: {r['load'][0]:.2f}" for e, r in results.items()) + f"; {os.cpu_count()} CPUs")
    print("seconds (wall) and CPU seconds (user + system of the engine's processes) per step; on a loaded machine the "
          "CPU seconds are the work, the wall time depends on the load")
    print(f"{'step':<12}" + "".join(f"{e + ' s':>12}{e + ' CPU s':>14}" for e in results)
          + f"{'rows/CPU s':>12}{'ratio':>8}")
    for step in steps:
        secs = {e: r["seconds"].get(step, float("nan")) for e, r in results.items()}
        cpus = {e: r["cpu"].get(step, float("nan")) for e, r in results.items()}
        base = cpus.get("duckdb")
        ratio = f"{cpus['spark'] / base:>8.1f}" if base and "spark" in cpus else ""
        rate = f"{args.rows / base:>12,.0f}" if base else ""
        print(f"{step:<12}" + "".join(f"{secs[e]:>12.1f}{cpus[e]:>14.1f}" for e in results) + rate + ratio)
    for e, r in results.items():
        print(f"{e}: total {r['total']} s (Spark start-up {r['startup']} s), peak RSS {r['peak_mb']:,} MB (process "
              f"tree: driver, JVM, workers; the driver alone {r['driver_peak_mb']:,} MB), load {r['load_min']}-"
              f"{r['load_max']} during the run")


if __name__ == "__main__":
    main()
