"""Calibrate the scope reader's margin score into a probability (issue 11) and ship the curve in
`src/chanye/standards/data/scope_calibration.csv`.

The labelled set is synthetic (示例数据, `chanye.classify.synthetic_scope`, never an evaluation row): 6,000 scopes
over random 2017 小类 written with the class name, and the same 6,000 without it (说明 fragments only, the harder
phrasing). For each, the reader's raw margin p = s1 / (s1 + s2 + 0.2) and whether its best class is right; an
isotonic regression (scikit-learn, increasing, clipped to [0, 1]) maps raw -> P(right). The curve's knots are
written as (raw, calibrated), rounded to 4 places; the reader interpolates between them. Deterministic (fixed
seeds), so a test can compare a rebuild with the shipped file.

    .venv/bin/python tools/build_scope_calibration.py [--rows 6000] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "src" / "chanye" / "standards" / "data" / "scope_calibration.csv"


def knots(rows: int = 6000) -> list[tuple[float, float]]:
    sys.path.insert(0, str(REPO / "src"))
    import numpy as np
    from sklearn.isotonic import IsotonicRegression

    from chanye.classify import reader
    from chanye.classify.synthetic_scope import scopes_for_codes
    from chanye.standards import gbt4754

    every = [c.code for c in gbt4754.load().classes("class")]
    codes = list(np.random.default_rng(7).choice(every, rows))
    raw, right = [], []
    for use_name in (True, False):
        for text, code in zip(scopes_for_codes(codes, np.random.default_rng(8), use_name=use_name), codes,
                              strict=True):
            got = reader.read_scope(text, calibrate=False)
            raw.append(got.probability)
            right.append(bool(got.suggestions) and got.suggestions[0]["code"] == code)
    model = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip")
    model.fit(raw, np.asarray(right, dtype=float))
    xs = np.round(model.X_thresholds_, 4)
    ys = np.round(model.y_thresholds_, 4)
    pairs = dict(zip(xs.tolist(), ys.tolist(), strict=True))  # one value per rounded knot
    return sorted(pairs.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    pairs = knots(args.rows)
    args.out.write_text("raw,calibrated\n" + "".join(f"{x},{y}\n" for x, y in pairs), encoding="utf-8")
    print(f"{len(pairs)} knots -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
