"""Calibrate the scope reader's margin score into a probability (issue 11) and ship the curve in
`src/chanye/standards/data/scope_calibration.csv`.

The labelled set is synthetic (示例数据, `chanye.classify.synthetic_scope`, never an evaluation row): 6,000 scopes
over random 2017 小类 written with the class name, and the same 6,000 without it (说明 fragments only, the harder
phrasing), and 4,000 service scopes written the way service firms register (`registry_style_scopes`: a 门类 E-S
class's main item first, in the curated vocabulary's wording or the class name, then related activities of its
大类 and stock items; 许可项目 first now and then), so that the curve knows how often the reader is right on
scopes that are all services. For each, the reader's raw margin p = s1 / (s1 + s2 + 0.2) and whether its best class is right; an
isotonic regression (scikit-learn, increasing, clipped to [0, 1]) maps raw -> P(right). The curve's knots are
written as (raw, calibrated), rounded to 4 places; the reader interpolates between them. Deterministic (fixed
seeds), so a test can compare a rebuild with the shipped file.

    .venv/bin/python tools/build_scope_calibration.py [--rows 6000] [--registry-rows 4000] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "src" / "chanye" / "standards" / "data" / "scope_calibration.csv"


def knots(rows: int = 6000, registry_rows: int = 4000) -> list[tuple[float, float]]:
    sys.path.insert(0, str(REPO / "src"))
    import numpy as np
    from sklearn.isotonic import IsotonicRegression

    from chanye.classify import reader
    from chanye.classify.synthetic_scope import registry_style_scopes, scopes_for_codes
    from chanye.standards import gbt4754

    classes = gbt4754.load().classes("class")
    every = [c.code for c in classes]
    codes = list(np.random.default_rng(7).choice(every, rows))
    sets = [(scopes_for_codes(codes, np.random.default_rng(8), use_name=use_name), codes) for use_name in (True, False)]
    # Services as firms register them: the curated wording of each E-S class (its own class only) and its name.
    phrases: dict[str, list[str]] = {c.code: [c.name] for c in classes if c.section in "EFGHIJKLMNOPQRS"}
    for term, (term_codes, _kind) in sorted(reader.curated_terms().items()):
        if len(term_codes) == 1 and term_codes[0] in phrases and len(term) >= 3:
            phrases[term_codes[0]].append(term)
    services = list(np.random.default_rng(9).choice(sorted(phrases), registry_rows))
    sets.append((registry_style_scopes(services, np.random.default_rng(10), phrases), services))
    raw, right = [], []
    for texts, labels in sets:
        for text, code in zip(texts, labels, strict=True):
            got = reader.read_scope(text, calibrate=False)
            raw.append(got.probability)
            right.append(bool(got.suggestions) and not got.nearest and got.suggestions[0]["code"] == code)
    model = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip")
    model.fit(raw, np.asarray(right, dtype=float))
    xs = np.round(model.X_thresholds_, 4)
    ys = np.round(model.y_thresholds_, 4)
    pairs = dict(zip(xs.tolist(), ys.tolist(), strict=True))  # one value per rounded knot
    return sorted(pairs.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--registry-rows", type=int, default=4000)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    pairs = knots(args.rows, args.registry_rows)
    args.out.write_text("raw,calibrated\n" + "".join(f"{x},{y}\n" for x, y in pairs), encoding="utf-8")
    print(f"{len(pairs)} knots -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
