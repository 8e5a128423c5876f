"""Classification and chain linking of imported firms at scale (issue 14 item 1): what `chanye import` runs on
every firm it touched (`services.imports.classify_and_link`), timed on the code as it is and on the code at
git commit 093d6e2 (the baseline: the last before this change; `--rev` picks another), side by side in the same run, each side in a subprocess of its own (peak RSS is its
own; "MB before" is the process's peak before the call: the interpreter, the pack and the USCCs passed in) on its
own copy of the same store.

    .venv/bin/python benchmarks/classify_link_bench.py                  # 1,000,000 firms
    .venv/bin/python benchmarks/classify_link_bench.py --rows 200000
    .venv/bin/python benchmarks/classify_link_bench.py --baseline /tmp/h2base/src   # a baseline tree already out

The store is built by a bulk insert (not by an import: the import is not what is measured) with the rows of
`benchmarks/import_bench.py`: 10 GB/T 4754 codes, each with its business scope, one of them (3841) a partial
code whose links depend on keywords in the scope; unique names. The baseline's tree is `git archive <rev> src`
unpacked into a temporary folder and run with PYTHONPATH pointing at it. After both sides ran, the links each
wrote are compared (count and an order-free checksum of every column) and the run fails if they differ.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE_REV = "093d6e2"  # the classification and chain linking before issue 14 item 1 (firm by firm)
CODES = ["3612", "3670", "2720", "2761", "3974", "6513", "3841", "3562", "1713", "4411"]
SCOPES = ["新能源汽车整车制造", "汽车零部件研发", "化学药品制剂生产", "生物药品制造", "显示器件制造", "应用软件开发",
          "动力电池研发、生产", "电子专用材料制造", "棉纺织加工", "火力发电"]


def build_store(path: Path, rows: int) -> None:
    """A store holding `rows` firms like import_bench's file (same seed, codes and scopes)."""
    import numpy as np
    import pyarrow as pa

    from chanye.registry.store import Store

    rng = np.random.default_rng(4754)
    pick = rng.integers(0, len(CODES), rows)
    firms = pa.table({
        "uscc": [f"91440101MA{i:08d}" for i in range(rows)],
        "name": [f"示例基准企业{i:07d}有限公司" for i in range(rows)],
        "industry_code": np.array(CODES, dtype=object)[pick],
        "business_scope": np.array(SCOPES, dtype=object)[pick],
    })
    with Store(path) as store:
        store.con.register("bench_firms", firms)
        store.con.execute("""INSERT INTO enterprises (uscc, name, city_code, district_code, industry_code,
                                                      business_scope)
                             SELECT uscc, name, '440100', '440106', industry_code, business_scope FROM bench_firms""")
        store.con.unregister("bench_firms")
        store.con.execute("CHECKPOINT")


def child(path: str) -> None:
    """Classify and link every firm of the store at `path`, as an import that touched them all does."""
    import pandas as pd

    from chanye.framework import load_pack
    from chanye.registry.store import Store
    from chanye.services.imports import classify_and_link

    framework = load_pack()
    with Store(path) as store:
        usccs = store.con.execute("SELECT uscc FROM enterprises").df()["uscc"]
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        with store.transaction():
            predicted, classified = classify_and_link(store, pd.Series(usccs), framework)
        seconds = time.perf_counter() - started
        del usccs
        check = {}
        for table, cols in (("classifications", "uscc, pack, node, method, code, evidence, confidence"),
                            ("chain_links", "uscc, pack, chain, chain_node, role, method, evidence, confidence")):
            n, digest = store.con.execute(f"SELECT count(*), sum(hash({cols})) FROM {table}").fetchone()
            check[table] = [int(n), str(digest)]
    print(json.dumps({"seconds": seconds, "predicted": predicted, "classified": classified, "check": check,
                      "rss_before_mb": rss_before,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run_side(src: Path, db: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, __file__, "--child", str(db)], capture_output=True, text=True, env=env,
                         check=False)
    if out.returncode:
        raise SystemExit(f"{src}: {out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=Path, help="src folder of the baseline (default: --rev's src)")
    parser.add_argument("--rev", default=BASELINE_REV, help="git revision of the baseline")
    parser.add_argument("--only", choices=["new", "baseline"], help="run one side only")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        base_src = args.baseline
        if base_src is None and args.only != "new":
            base = tmp_path / "head"
            base.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.rev, "src"], capture_output=True,
                                     check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
            base_src = base / "src"
        started = time.perf_counter()
        db = tmp_path / "bench.duckdb"
        build_store(db, args.rows)
        print(f"store of {args.rows:,} firms built in {time.perf_counter() - started:.1f}s; "
              f"load average {os.getloadavg()[0]:.2f}")
        sides = {f"baseline ({args.rev if args.baseline is None else 'given'})": base_src, "new (working tree)": ROOT / "src"}
        if args.only:
            sides = {k: v for k, v in sides.items() if k.startswith(args.only)}
        results = {}
        for label, src in sides.items():
            copy = tmp_path / f"{len(results)}.duckdb"
            shutil.copy(db, copy)
            results[label] = run_side(src, copy)
            copy.unlink()
    print(f"{'classify_and_link, ' + format(args.rows, ',') + ' firms':34} {'seconds':>8} {'firms/s':>11} "
          f"{'peak MB':>8} {'MB before':>9} {'links':>9} {'chain links':>12}")
    for label, r in results.items():
        print(f"{label:34} {r['seconds']:8.2f} {args.rows / r['seconds']:11,.0f} {r['peak_mb']:8.0f} "
              f"{r['rss_before_mb']:9.0f} {r['check']['classifications'][0]:9,} {r['check']['chain_links'][0]:12,}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if len(results) == 2:
        base, new = results.values()
        print(f"speed-up {base['seconds'] / new['seconds']:.1f}x; peak memory {new['peak_mb'] / base['peak_mb']:.2f}x "
              f"of the baseline")
        same = base["check"] == new["check"] and (base["predicted"], base["classified"]) == (
            new["predicted"], new["classified"])
        print("links identical to the baseline's" if same else f"LINKS DIFFER: {base} vs {new}")
        if not same:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
