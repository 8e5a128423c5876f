"""Import throughput: read + validate + classify + store N enterprise rows (CSV), next to DuckDB's own
`read_csv` of the same file (the ceiling) and the import as at `--baseline-rev` (default git HEAD), each in a fresh
subprocess so peak memory is its own.

    .venv/bin/python benchmarks/import_bench.py --rows 1000000
    .venv/bin/python benchmarks/import_bench.py --rows 1000000 --no-classify   # the store's part alone
    .venv/bin/python benchmarks/import_bench.py --rows 8000000 --no-baseline --no-classify
    .venv/bin/python benchmarks/import_bench.py --rows 1000000 --repeat 3   # the new import's median of 3
    CHANYE_IMPORT_MAX_MEMORY=8G .venv/bin/python benchmarks/import_bench.py --rows 1000000 --scopes registry
        # mostly distinct scopes; the 8 GiB worker for both sides (34e346a's fails on this file at 2 GiB)

The import runs as `chanye import` runs it: the file parsed in the limited worker process (`--in-process`:
in this process, as library calls do), classification and chain links in the import's transaction (the
`on_write` hook; `--no-classify`: stored unclassified). The baseline is `git archive HEAD src` extracted to a
temporary folder and imported from there in the same mode. Rows carry whole-code GB/T 4754 classes (the
code-classified path); a share with partial codes and business scopes exercises the keyword rules. The file's
scopes are the ten of `SCOPES`, one per code, by default: classification and chain linking then run on ten
distinct keys (code, scope, name key), which flatters an import that links once per key. `--scopes registry`
writes scopes as a registry holds them, in 规范表述 style and mostly distinct (the code's own item first, then
two to six of `GENERAL_ITEMS` in any order, a 一般项目 prefix and the standard closing note on some), and puts
a chain word in a tenth of the names: the key count approaches the firm count. `--scopes unique` writes the same
with every item ending in the firm's number, so that no clause of a scope comes twice (chain linking's worst
case). Prints
seconds (the import and the store's close, whose checkpoint `chanye import` waits for too), rows/s, peak RSS (the largest of the process and its import worker), the ratio new/old and the
ratio to the ceiling, the CPU seconds of the importing process and of its worker (less blurred by the other
jobs on a shared machine than the wall time), and the load average.
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

import numpy as np

CODES = ["3612", "3670", "2720", "2761", "3974", "6513", "3841", "3562", "1713", "4411"]
SCOPES = ["新能源汽车整车制造", "汽车零部件研发", "化学药品制剂生产", "生物药品制造", "显示器件制造", "应用软件开发",
          "动力电池研发、生产", "电子专用材料制造", "棉纺织加工", "火力发电"]
DISTRICTS = ["天河区", "黄埔", "440112", "番禺区", "海珠", "白云区", "南沙区", "花都", "增城区", "越秀区", "荔湾区"]
# Secondary items of registry-style scopes (SAMR 规范表述 wording), drawn two to six per firm (`--scopes registry`)
GENERAL_ITEMS = [
    "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广", "货物进出口", "技术进出口", "软件开发", "信息系统集成服务",
    "机械设备销售", "电子产品销售", "五金产品批发", "日用百货销售", "会议及展览服务", "企业管理咨询", "市场营销策划",
    "普通货物仓储服务（不含危险化学品等需许可审批的项目）", "非居住房地产租赁", "机械设备租赁", "专用化学产品销售（不含危险化学品）",
    "汽车零配件批发", "电池销售", "计算机软硬件及辅助设备零售", "信息咨询服务（不含许可类信息咨询服务）", "工业设计服务",
    "新材料技术研发", "数据处理和存储支持服务", "人工智能应用软件开发", "包装服务", "办公用品销售", "国内贸易代理",
    "住房租赁", "物业管理", "广告设计、代理",
]
CHAIN_NAMES = ["新能源", "芯片", "生物医药", "智能装备", "激光雷达"]  # chain words some registry-style names hold


def _registry_scopes(rng, pick, own: bool = False) -> list[str]:
    """Mostly distinct scopes: the code's own item, then two to six general items in any order, a 一般项目
    prefix on half, the standard closing note on a third. `own`: every item ends with the firm's number, so that no
    clause comes twice (the case least kind to searching distinct clauses, `classify.clauses`)."""
    general = np.array(GENERAL_ITEMS, dtype=object)
    counts = rng.integers(2, 7, len(pick))
    prefix = rng.random(len(pick)) < 0.5
    note = rng.random(len(pick)) < 1 / 3
    out = []
    for i, p in enumerate(pick):
        items = [SCOPES[p], *general[rng.choice(len(general), counts[i], replace=False)]]
        text = "；".join(f"{item}{i:07d}" for item in items) if own else "；".join(items)
        out.append(("一般项目：" if prefix[i] else "") + text
                   + ("（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）" if note[i] else ""))
    return out


def make_csv(path: Path, rows: int, scopes: str = "bench") -> None:
    import pandas as pd

    from chanye.registry import uscc

    rng = np.random.default_rng(4754)
    codes = uscc.random_valid(rng, rows, ["440101"])
    pick = rng.integers(0, len(CODES), rows)
    names = [f"示例基准企业{i:07d}有限公司" for i in range(rows)]
    if scopes != "bench":  # a tenth of the names hold a chain word (their name is part of the key)
        for i in np.flatnonzero(rng.random(rows) < 0.1):
            names[i] = f"示例{CHAIN_NAMES[i % len(CHAIN_NAMES)]}企业{i:07d}有限公司"
    frame = pd.DataFrame({
        "统一社会信用代码": codes,
        "企业名称": names,
        "所属区": np.array(DISTRICTS)[rng.integers(0, len(DISTRICTS), rows)],
        "行业代码": np.array(CODES)[pick],
        "经营范围": np.array(SCOPES)[pick] if scopes == "bench" else _registry_scopes(rng, pick, scopes == "unique"),
        "营业收入(万元)": np.round(rng.lognormal(7, 1.5, rows), 2),
        "从业人员": rng.integers(5, 5000, rows),
        "成立日期": "2019-03-01",
    })
    frame.to_csv(path, index=False, encoding="utf-8")


def run_ceiling(path: str) -> dict:
    import duckdb

    started = time.perf_counter()
    n = duckdb.connect().execute(f"SELECT count(*) FROM read_csv('{path}')").fetchall()[0][0]
    return {"seconds": time.perf_counter() - started, "rows": n}


def _peak_watch() -> tuple[threading.Event, dict]:
    """Samples the peak RSS (VmHWM) of this process's descendants (the import worker) until set, and the CPU
    time each has used (`cpu`: pid -> seconds, the last sample: a worker's last 0.1 s can be missed)."""
    stop, peak = threading.Event(), {"mb": 0.0, "cpu": {}}
    tick = os.sysconf("SC_CLK_TCK")

    def descendants(pid: int) -> list[int]:
        out = []
        try:
            for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
                out += [int(child), *descendants(int(child))]
        except OSError:
            pass
        return out

    def watch() -> None:
        while not stop.wait(0.1):
            for pid in descendants(os.getpid()):
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    peak["cpu"][pid] = (int(fields[11]) + int(fields[12])) / tick
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            peak["mb"] = max(peak["mb"], int(line.split()[1]) / 1024)
                except OSError:
                    pass

    threading.Thread(target=watch, daemon=True).start()
    return stop, peak


def run_import(path: str, classify: bool, worker: bool) -> dict:
    from chanye.framework import load_pack
    from chanye.registry.import_worker import ImportLimits
    from chanye.registry.ingest import import_file
    from chanye.registry.store import Store
    from chanye.services.imports import classify_and_link

    pack = load_pack(None)  # loaded before the clock starts, as a running platform has it
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    stop, peak = _peak_watch()
    with tempfile.TemporaryDirectory() as tmp:
        with Store(Path(tmp) / "bench.duckdb") as store:
            started = time.perf_counter()
            # what `chanye import` does: parsed in the limited worker, classification and chain links in the
            # import's transaction
            report = import_file(store, path, year=2024, pack=pack, on_write=classify_and_link if classify else None,
                                 limits=ImportLimits.from_env() if worker else None)
            seconds = time.perf_counter() - started
            counts = {t: store.count(t) for t in ("enterprises", "enterprise_years", "quarantine")}
            closing = time.perf_counter()
        seconds += time.perf_counter() - closing  # the close checkpoints what the import left in the log
    stop.set()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"seconds": seconds, "rows": report.rows_loaded, "quarantined": report.rows_quarantined,
            "classified": report.classified, "counts": counts, "worker_peak_mb": peak["mb"],
            "cpu_s": usage.ru_utime + usage.ru_stime - cpu_before, "worker_cpu_s": sum(peak["cpu"].values())}


def _own_peak_mb() -> float:
    """This process's peak RSS (VmHWM). Not ru_maxrss: Linux carries that over exec from the forked parent, so
    every child reported at least the generating process's peak (5 GB for the 8 M-row file)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, path: str, classify: bool, worker: bool) -> None:
    result = run_ceiling(path) if kind == "ceiling" else run_import(path, classify, worker)
    result["peak_mb"] = max(_own_peak_mb(), result.get("worker_peak_mb", 0))
    print(json.dumps(result))


BASE = "chanye import (baseline)"


def baseline_tree(folder: Path, rev: str = "HEAD") -> Path:
    """The source tree at git `rev` (default HEAD), extracted into `folder`: what the import was before."""
    root = Path(__file__).resolve().parent.parent
    archive = subprocess.run(["git", "-C", str(root), "archive", rev, "src"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder / "src"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-baseline", action="store_true", help="skip the import as at git HEAD")
    parser.add_argument("--baseline-rev", default="HEAD", help="the git revision of the baseline (default HEAD)")
    parser.add_argument("--no-classify", action="store_true", help="store the rows unclassified (no on_write)")
    parser.add_argument("--scopes", choices=["bench", "registry", "unique"], default="bench",
                        help="bench: ten scopes, one per code (the figures so far); registry: mostly distinct scopes; "
                             "unique: registry-style with every item the firm's own (no clause comes twice)")
    parser.add_argument("--in-process", action="store_true", help="parse in this process, not the worker")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the new import this many times and report its median run (the machine is noisy)")
    parser.add_argument("--child", choices=["ceiling", "import"])
    parser.add_argument("--path")
    args = parser.parse_args()
    classify, worker = not args.no_classify, not args.in_process
    if args.child:
        child(args.child, args.path, classify, worker)
        return
    flags = [*(["--no-classify"] if args.no_classify else []), *(["--in-process"] if args.in_process else [])]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "enterprises.csv"
        started = time.perf_counter()
        make_csv(path, args.rows, args.scopes)
        print(f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f}s")
        runs = [("ceiling", "DuckDB read_csv (ceiling)", None), ("import", "chanye import (new)", None)]
        if not args.no_baseline:
            (Path(tmp) / "base").mkdir()
            runs.append(("import", BASE, baseline_tree(Path(tmp) / "base", args.baseline_rev)))
        results, spread = {}, []
        for kind, label, src in runs:
            env = dict(os.environ)
            if src is not None:
                env["PYTHONPATH"] = str(src)
            tries = []
            for _ in range(max(args.repeat, 1) if label == "chanye import (new)" else 1):
                out = subprocess.run([sys.executable, __file__, "--child", kind, "--path", str(path), *flags],
                                     capture_output=True, text=True, env=env)
                if out.returncode:  # e.g. an older import whose worker outgrows its limits on this file
                    print(f"{label} failed: {(out.stderr.strip().splitlines() or ['?'])[-1][:300]}")
                    break
                tries.append(json.loads(out.stdout.strip().splitlines()[-1]))
            if not tries:
                continue
            tries.sort(key=lambda r: r["seconds"])
            results[label] = tries[len(tries) // 2]
            if len(tries) > 1:
                spread = [r["seconds"] for r in tries]
    ceiling = results["DuckDB read_csv (ceiling)"]
    ceiling_rate = ceiling["rows"] / ceiling["seconds"]
    new = results["chanye import (new)"]
    mode = (f"{'worker' if worker else 'in-process'}, {'with' if classify else 'without'} classify_and_link, "
            f"{args.scopes} scopes")
    print(f"{args.rows:,} rows; {mode}; load average {os.getloadavg()[0]:.2f} (1 min) after the runs")
    print(f"{'':28} {'seconds':>8} {'rows/s':>10} {'peak MB':>8} {'vs read_csv':>12} {'new/old':>8} {'CPU s':>13}")
    for label, r in results.items():
        rate = args.rows / r["seconds"]
        old = results.get(BASE)
        speedup = f"{old['seconds'] / r['seconds']:.1f}x" if old and label == "chanye import (new)" else ""
        share = f"{rate / ceiling_rate:.1%}" if label != "DuckDB read_csv (ceiling)" else ""
        # CPU: this process (DuckDB's threads too) + the worker; what the load average does not blur
        cpu = f"{r['cpu_s']:.1f}+{r['worker_cpu_s']:.1f}" if "cpu_s" in r else ""
        print(f"{label:28} {r['seconds']:8.2f} {rate:10,.0f} {r['peak_mb']:8.0f} {share:>12} {speedup:>8} {cpu:>13}")
    if spread:
        print(f"new: median of {len(spread)} runs; seconds {', '.join(f'{x:.2f}' for x in spread)}")
    print(f"new: loaded {new['rows']:,}, quarantined {new['quarantined']:,}, classified {new['classified']:,}; "
          f"stored {new['counts']}")
    old = results.get(BASE)
    if old and (old["rows"], old["quarantined"], old["counts"]) != (new["rows"], new["quarantined"], new["counts"]):
        print(f"MISMATCH with the baseline: {old['rows']}, {old['quarantined']}, {old['counts']}")


if __name__ == "__main__":
    main()
