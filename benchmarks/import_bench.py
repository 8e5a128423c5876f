"""Import throughput: read + validate + classify + store N enterprise rows (CSV), next to DuckDB's own
`read_csv` of the same file (the ceiling), each in a fresh subprocess so peak memory is its own.

    .venv/bin/python benchmarks/import_bench.py --rows 1000000

Rows carry whole-code GB/T 4754 classes (the code-classified path); a share with partial codes and
business scopes exercises the keyword rules. Prints seconds, rows/s, the ratio to the ceiling and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CODES = ["3612", "3670", "2720", "2761", "3974", "6513", "3841", "3562", "1713", "4411"]
SCOPES = ["新能源汽车整车制造", "汽车零部件研发", "化学药品制剂生产", "生物药品制造", "显示器件制造", "应用软件开发",
          "动力电池研发、生产", "电子专用材料制造", "棉纺织加工", "火力发电"]
DISTRICTS = ["天河区", "黄埔", "440112", "番禺区", "海珠", "白云区", "南沙区", "花都", "增城区", "越秀区", "荔湾区"]


def make_csv(path: Path, rows: int) -> None:
    import numpy as np
    import pandas as pd

    from chanye.registry import uscc

    rng = np.random.default_rng(4754)
    codes = uscc.random_valid(rng, rows, ["440101"])
    pick = rng.integers(0, len(CODES), rows)
    frame = pd.DataFrame({
        "统一社会信用代码": codes,
        "企业名称": [f"示例基准企业{i:07d}有限公司" for i in range(rows)],
        "所属区": np.array(DISTRICTS)[rng.integers(0, len(DISTRICTS), rows)],
        "行业代码": np.array(CODES)[pick],
        "经营范围": np.array(SCOPES)[pick],
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


def run_import(path: str) -> dict:
    from chanye.registry.ingest import import_file
    from chanye.registry.store import Store
    from chanye.services.imports import classify_and_link

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.duckdb") as store:
        started = time.perf_counter()
        # what `chanye import` does: classification and chain links in the import's transaction
        report = import_file(store, path, year=2024, on_write=classify_and_link)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": report.rows_loaded, "quarantined": report.rows_quarantined,
            "classified": report.classified}


def child(kind: str, path: str) -> None:
    result = (run_ceiling if kind == "ceiling" else run_import)(path)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child", choices=["ceiling", "import"])
    parser.add_argument("--path")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.path)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "enterprises.csv"
        started = time.perf_counter()
        make_csv(path, args.rows)
        print(f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f}s")
        results = {}
        for kind in ("ceiling", "import"):
            out = subprocess.run([sys.executable, __file__, "--child", kind, "--path", str(path)],
                                 capture_output=True, text=True, check=True)
            results[kind] = json.loads(out.stdout.strip().splitlines()[-1])
    ceiling, ours = results["ceiling"], results["import"]
    print(f"{'':38} {'seconds':>8} {'rows/s':>12} {'peak MB':>9}")
    print(f"{'DuckDB read_csv (ceiling)':38} {ceiling['seconds']:8.2f} {ceiling['rows'] / ceiling['seconds']:12,.0f} "
          f"{ceiling['peak_mb']:9.0f}")
    print(f"{'chanye import (validate+classify+store)':38} {ours['seconds']:8.2f} {args.rows / ours['seconds']:12,.0f} "
          f"{ours['peak_mb']:9.0f}")
    ratio = (args.rows / ours["seconds"]) / (ceiling["rows"] / ceiling["seconds"])
    print(f"import throughput = {ratio:.1%} of the ceiling (target >= 25%); loaded {ours['rows']:,}, "
          f"quarantined {ours['quarantined']:,}, classified {ours['classified']:,}")


if __name__ == "__main__":
    main()
