"""The full scoreboard (all nodes x 11 districts x 5 years): on the demo database, and on a registry 10x larger
(the demo's frames replicated with fresh firms), side by side; the ratio shows how cost grows with data.

Two ways of feeding the analytics, in the same run: the firms keyed by their USCC text (`views.firms` ...,
as before issue 14) and keyed by a firm number, ordered by it (`views.scoreboard_frames`, what
`services.scoreboard.compute` reads since issue 14); and the disclosure cells (`services.disclosure.load`), which
read the numbered frames too since they stopped being a query of their own. Times are CPU seconds (the machine is shared; wall times
of one process vary by up to 50% there), best of --repeat.

    .venv/bin/chanye demo --db /tmp/demo.duckdb      # if it does not exist yet
    .venv/bin/python benchmarks/scoreboard_bench.py --db /tmp/demo.duckdb
    .venv/bin/python benchmarks/scoreboard_bench.py --db /tmp/demo.duckdb --baseline-rev HEAD --rounds 2

`--baseline-rev REV`: instead, `scoreboard.compute` of the working tree against the code at REV (`git archive
REV src`, through PYTHONPATH), each in a fresh process per round, alternating; best CPU and wall of --repeat
calls after one warm-up call, and their ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from chanye.analytics import indicators as ind
from chanye.framework import load_pack
from chanye.registry import views
from chanye.registry.store import Store
from chanye.services import disclosure, scoreboard


def replicate(frame: pd.DataFrame, times: int, stride: int = 0) -> pd.DataFrame:
    """`times` copies with distinct firms and the same figures: a USCC gets "#k"; a firm number gets
    k * stride, so numbered frames stay ordered by number."""
    parts = []
    for k in range(times):
        part = frame.copy()
        part["uscc"] = part["uscc"] + (k * stride if stride else f"#{k}")
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def analytics(firms, figures, tags, links, fw) -> float:
    started = time.process_time()
    scale = ind.scale(firms, figures, tags, links, fw)
    ind.dynamics(scale)
    ind.structure(scale, fw)
    ind.milestones(scale, fw)
    ind.target_progress(scale, fw.targets, int(scale["year"].max()))
    return time.process_time() - started


def cells(firms, figures, links, fw) -> float:
    """CPU seconds of every disclosure cell (the node x district tables and the lines) from the frames."""
    started = time.process_time()
    disclosure.load(firms, figures, links, fw)
    return time.process_time() - started


def best(func, repeat: int) -> float:
    return min(func() for _ in range(repeat))


def compute_child(db: str, repeat: int) -> dict:
    """Best CPU and wall seconds of `scoreboard.compute` over `repeat` calls, after a warm-up call."""
    fw = load_pack()
    with Store(db, read_only=True) as store:
        scoreboard.compute(store, fw)
        runs = []
        for _ in range(repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            scoreboard.compute(store, fw)
            runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    return {"wall": min(r[0] for r in runs), "cpu": min(r[1] for r in runs)}


def against(db: str, rev: str, repeat: int, rounds: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from import_bench import baseline_tree

    with tempfile.TemporaryDirectory() as folder:
        sides = {f"baseline ({rev})": str(baseline_tree(Path(folder), rev)), "working tree": None}
        best_of: dict[str, list[dict]] = {name: [] for name in sides}
        for _ in range(rounds):
            for name, src in sides.items():
                env = dict(os.environ)
                if src is not None:
                    env["PYTHONPATH"] = src
                out = subprocess.run([sys.executable, __file__, "--child", "--db", db, "--repeat", str(repeat)],
                                     env=env, capture_output=True, text=True, check=True)
                best_of[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    got = {name: {k: min(r[k] for r in runs) for k in ("wall", "cpu")} for name, runs in best_of.items()}
    base, new = got[f"baseline ({rev})"], got["working tree"]
    print(f"scoreboard.compute, best of {repeat} calls x {rounds} rounds   wall s    CPU s")
    for name, t in got.items():
        print(f"{name:44} {t['wall']:7.2f}  {t['cpu']:7.2f}")
    print(f"{'baseline / working tree':44} {base['wall'] / new['wall']:6.2f}x {base['cpu'] / new['cpu']:6.2f}x"
          f"   (load average {os.getloadavg()[0]:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--times", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-rev", help="compare scoreboard.compute with the code at this git revision")
    parser.add_argument("--rounds", type=int, default=2, help="with --baseline-rev: processes per side")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(compute_child(args.db, args.repeat)))
        return
    if args.baseline_rev:
        against(args.db, args.baseline_rev, args.repeat, args.rounds)
        return
    fw = load_pack()
    with Store(args.db, read_only=True) as store:
        full = best(lambda: _timed(lambda: scoreboard.compute(store, fw)), args.repeat)
        read_text = best(lambda: _timed(lambda: (views.firms(store), views.figures(store), views.tags(store),
                                                 views.links(store, fw.id))), args.repeat)
        read_ids = best(lambda: _timed(lambda: views.scoreboard_frames(store, fw.id)), args.repeat)
        text = (views.firms(store), views.figures(store), views.tags(store), views.links(store, fw.id))
        ids = views.scoreboard_frames(store, fw.id)
    pd.testing.assert_frame_equal(ind.scale(*text, fw), ind.scale(*ids, fw))  # the same scale either way
    stride = int(max(f["uscc"].max() for f in ids)) + 1
    rows = []
    for name, frames, step in (("USCC text (before)", text, 0), ("firm numbers (now)", ids, stride)):
        one = best(lambda frames=frames: analytics(*frames, fw), args.repeat)
        big = [replicate(f, args.times, step) for f in frames]
        many = best(lambda big=big: analytics(*big, fw), max(1, args.repeat - 1))
        del big
        rows.append((name, one, many))
    numbered = (ids[0], ids[1], ids[3])  # the disclosure cells read firm numbers only
    one = best(lambda: cells(*numbered, fw), args.repeat)
    big = [replicate(f, args.times, stride) for f in numbered]
    rows.append(("disclosure cells (numbers)", one, best(lambda big=big: cells(*big, fw), max(1, args.repeat - 1))))
    del big
    firms, figures, _, links = text
    print(f"registry: {len(firms):,} firms, {len(figures):,} firm-years, {len(links):,} node links; CPU seconds")
    print(f"{'scoreboard.compute (store read + analytics), 1x':52} {full:8.3f}")
    print(f"{'store read, USCC text (views.firms, figures, ...)':52} {read_text:8.3f}")
    print(f"{'store read, firm numbers (views.scoreboard_frames)':52} {read_ids:8.3f}")
    print(f"{'analytics':26} {'1x':>8} {f'{args.times}x':>8} {'ratio':>8}")
    for name, one, many in rows:
        print(f"{name:26} {one:8.3f} {many:8.3f} {many / one:7.1f}x")
    print(f"target: cost at {args.times}x <= {args.times * 1.1:.0f}x the cost at 1x")


def _timed(func) -> float:
    started = time.process_time()
    func()
    return time.process_time() - started


if __name__ == "__main__":
    main()
