"""Run the same benchmark on a baseline revision and on the working tree, interleaved, and print the ratio.

The development machine is shared and noisy, so a figure measured an hour ago is no baseline. This script puts
the baseline in the same run: it checks out `--rev` into a git worktree (once), then runs the command for
each tree in turn, `--rounds` times (base, now, base, now, ...), each in a fresh process whose `PYTHONPATH`
points at that tree's `src/`. It prints every round's wall time, CPU time (user + system, all threads) and peak
memory, the medians and the ratios now / base (below 1 is better), and with `--show` each run's own output.
On a loaded machine wall times of the same run vary two- or threefold; CPU time varies far less, so its ratio is
the one to read there.

In the command, `{tree}` is the tree's folder (so each tree runs its own copy of a benchmark script) and
`{tag}` is `base` or `now` (so each can have its own database file):

    .venv/bin/python benchmarks/revisions.py --rev 803a0e2 --rounds 3 -- \
        .venv/bin/python {tree}/benchmarks/scoreboard_bench.py --db /tmp/bench/{tag}.duckdb
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def worktree(rev: str, folder: Path) -> Path:
    """A checkout of `rev` in `folder` (made once with `git worktree add`; reused when it is there)."""
    if not (folder / "src").is_dir():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-f", "--detach", str(folder), rev],
                       check=True, capture_output=True)
    return folder


def run(command: list[str], tree: Path, tag: str) -> tuple[float, float, float, int, str]:
    """(wall seconds, CPU seconds, peak MB, exit status, output) of one run of `command` with `tree`'s sources."""
    args = [part.replace("{tree}", str(tree)).replace("{tag}", tag) for part in command]
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode, output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", required=True, help="the baseline revision (a commit, tag or branch)")
    parser.add_argument("--base-tree", default="/tmp/chanye-baseline", help="where its worktree goes")
    parser.add_argument("--now", help="a revision to measure instead of the working tree (e.g. HEAD while the "
                        "tree is being edited)")
    parser.add_argument("--now-tree", default="/tmp/chanye-now", help="where the --now worktree goes")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--show", action="store_true", help="print each run's own output")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="after --: the command to time")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    now = worktree(args.now, Path(args.now_tree)) if args.now else ROOT
    trees = {"base": worktree(args.rev, Path(args.base_tree)), "now": now}
    times: dict[str, list[float]] = {"base": [], "now": []}
    cpus: dict[str, list[float]] = {"base": [], "now": []}
    peaks: dict[str, list[float]] = {"base": [], "now": []}
    print(f"command: {shlex.join(command)}\nbase = {args.rev} ({trees['base']}), now = {args.now or 'working tree'} ({now})")
    for round_ in range(1, args.rounds + 1):
        for tag, tree in trees.items():
            seconds, cpu, peak, status, output = run(command, tree, tag)
            print(f"round {round_} {tag:4}  wall {seconds:8.2f} s  cpu {cpu:8.2f} s  {peak:8.0f} MB  exit {status}",
                  flush=True)
            if args.show or status:
                print("    " + output.strip().replace("\n", "\n    "))
            if status:
                return status
            times[tag].append(seconds)
            cpus[tag].append(cpu)
            peaks[tag].append(peak)
    med = {tag: (statistics.median(times[tag]), statistics.median(cpus[tag]), statistics.median(peaks[tag]))
           for tag in trees}
    for tag, (wall, cpu, peak) in med.items():
        print(f"median {tag:4}   wall {wall:8.2f} s  cpu {cpu:8.2f} s  {peak:8.0f} MB")
    (bw, bc, bp), (nw, nc, np_) = med["base"], med["now"]
    print(f"now / base    wall {nw / bw:.2f}   cpu {nc / bc:.2f}   memory {np_ / bp:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
