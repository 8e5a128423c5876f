"""The full scoreboard (all nodes x 11 districts x 5 years): on the demo database, and on a registry 10x larger
(the demo's frames replicated with fresh USCCs), side by side; the ratio shows how cost grows with data.

    .venv/bin/chanye demo --db /tmp/demo.duckdb      # if it does not exist yet
    .venv/bin/python benchmarks/scoreboard_bench.py --db /tmp/demo.duckdb
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from chanye.analytics import indicators as ind
from chanye.framework import load_pack
from chanye.registry import views
from chanye.registry.store import Store
from chanye.services import scoreboard


def replicate(frame: pd.DataFrame, times: int) -> pd.DataFrame:
    parts = []
    for k in range(times):
        part = frame.copy()
        part["uscc"] = part["uscc"] + f"#{k}"  # distinct firms, same figures
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def analytics(firms, figures, tags, links, fw) -> float:
    started = time.perf_counter()
    scale = ind.scale(firms, figures, tags, links, fw)
    ind.dynamics(scale)
    ind.structure(scale, fw)
    ind.milestones(scale, fw)
    ind.target_progress(scale, fw.targets, int(scale["year"].max()))
    return time.perf_counter() - started


def best(func, repeat: int) -> float:
    return min(func() for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--times", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    fw = load_pack()
    with Store(args.db, read_only=True) as store:
        full = best(lambda: _timed(lambda: scoreboard.compute(store, fw)), args.repeat)
        firms, figures, tags, links = views.firms(store), views.figures(store), views.tags(store), views.links(store, fw.id)
    one = best(lambda: analytics(firms, figures, tags, links, fw), args.repeat)
    big = [replicate(f, args.times) for f in (firms, figures, tags, links)]
    many = best(lambda: analytics(*big, fw), max(1, args.repeat - 1))
    print(f"registry: {len(firms):,} firms, {len(figures):,} firm-years, {len(links):,} node links")
    print(f"{'':44} {'seconds':>8}")
    print(f"{'scoreboard.compute (store read + analytics), 1x':44} {full:8.3f}")
    print(f"{'analytics only, 1x':44} {one:8.3f}")
    print(f"{f'analytics only, {args.times}x':44} {many:8.3f}")
    print(f"cost ratio {args.times}x / 1x = {many / one:.1f} (linear would be {args.times})")


def _timed(func) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
