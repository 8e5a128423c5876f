"""Benchmark: chanye's input-output engine (`chanye.analytics.io`) vs pymrio 0.7.0 on synthetic tables.

The task is what `chanye io linkages` computes: technical coefficients A from Z and x, then the output
multipliers and both Rasmussen linkages (column and row sums of L, normalised by their mean). pymrio forms
L = inv(I − A) (`calc_A`, `calc_L`) and sums it; chanye factorises I − A once (LU) and solves for 1'L and
L·1 without forming L. A second line times the full Leontief inverse both ways (chanye: LU then solve with
the identity). Results are checked equal (1e-9 relative) before timing. Each timing is the best of `--repeat`
runs; the ratio is pymrio's time over chanye's (> 1: chanye faster).

    .venv/bin/python benchmarks/io_bench.py                 # 153 and 5,000 sectors
    .venv/bin/python benchmarks/io_bench.py --sizes 153 --repeat 20
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from chanye.analytics import io


def synthetic(n: int, seed: int = 13) -> tuple[np.ndarray, np.ndarray]:
    """A productive table: Z with ~30% non-zero cells, column sums of A about 0.5-0.7 of output."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(1e4, 1e6, n)
    weights = rng.uniform(0, 1, (n, n)) * (rng.uniform(0, 1, (n, n)) < 0.3)
    weights /= weights.sum(axis=0, keepdims=True)
    Z = weights * (rng.uniform(0.5, 0.7, n) * x)[np.newaxis, :]
    return Z, x


def best(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def ours_linkages(Z: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    link = io.linkages(io.technical_coefficients(Z, x))
    return link.backward, link.forward


def pymrio_linkages(pymrio, Zf: pd.DataFrame, xf: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    L = pymrio.calc_L(pymrio.calc_A(Zf, xf)).to_numpy()
    col, row = L.sum(axis=0), L.sum(axis=1)
    return col / col.mean(), row / row.mean()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[153, 5000])
    parser.add_argument("--repeat", type=int, default=0, help="runs per timing (default 20 for n < 1000, else 3)")
    args = parser.parse_args(argv)
    try:
        import pymrio
    except ImportError:
        print("pymrio is not installed: .venv/bin/pip install -e '.[dev]'")
        return 1
    print(f"numpy {np.__version__}, pandas {pd.__version__}, pymrio {pymrio.__version__}")
    print(f"{'sectors':>8} {'task':<18} {'chanye s':>10} {'pymrio s':>10} {'ratio':>7}")
    for n in args.sizes:
        repeat = args.repeat or (20 if n < 1000 else 3)
        Z, x = synthetic(n)
        labels = [f"s{i}" for i in range(n)]
        Zf = pd.DataFrame(Z, index=labels, columns=labels)
        xf = pd.DataFrame(x, index=labels, columns=["indout"])
        ours, theirs = ours_linkages(Z, x), pymrio_linkages(pymrio, Zf, xf)
        for a, b in zip(ours, theirs, strict=True):
            assert np.abs(a - b).max() <= 1e-9 * np.abs(b).max(), "results differ"
        t_ours = best(lambda Z=Z, x=x: ours_linkages(Z, x), repeat)
        t_theirs = best(lambda Zf=Zf, xf=xf: pymrio_linkages(pymrio, Zf, xf), repeat)
        print(f"{n:>8} {'linkages':<18} {t_ours:>10.4f} {t_theirs:>10.4f} {t_theirs / t_ours:>7.2f}")
        A = io.technical_coefficients(Z, x)
        Af = pd.DataFrame(A, index=labels, columns=labels)
        t_ours = best(lambda A=A: io.leontief_inverse(A), repeat)
        t_theirs = best(lambda Af=Af: pymrio.calc_L(Af), repeat)
        print(f"{n:>8} {'Leontief inverse':<18} {t_ours:>10.4f} {t_theirs:>10.4f} {t_theirs / t_ours:>7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
