"""1M-row timings of the import's validation building blocks (chanye.registry.parse / .uscc), side by side
with a named pandas baseline on the same number of rows, as ratios (ours / baseline; lower is better).

    .venv/bin/python benchmarks/parse_bench.py [--rows 1000000] [--repeat 3]

Inputs are synthetic and seeded. "clean" columns hold what a tidy export holds; "mixed" columns hold 90 %
clean cells and 10 % of the messy forms the parsers exist for (separators, unit words, dashes, full-width
digits, Chinese dates); "messy" columns are 100 % messy. Each timing is the best of --repeat runs.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from chanye.registry import parse, uscc


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def mix(rng: np.random.Generator, clean: np.ndarray, messy: list, share: float) -> pd.Series:
    out = clean.astype(object)
    k = int(len(out) * share)
    pos = rng.choice(len(out), k, replace=False)
    out[pos] = np.asarray(messy, dtype=object)[rng.integers(0, len(messy), k)]
    return pd.Series(out)


def inputs(n: int, seed: int = 0) -> dict[str, pd.Series]:
    rng = np.random.default_rng(seed)
    amounts = np.round(rng.lognormal(7, 2, n), 2)
    clean_numbers = pd.Series(amounts.astype(str))  # str dtype (Arrow), like a CSV read
    messy_amounts = [
        "1,234.5",
        "1，234.5",
        "1.2亿元",
        "3,500万元",
        "800万",
        "(1,234)",
        "—",
        "-",
        "",
        "１２３４",
        "12000元",
        "5千万",
        "N/A",
        "1 234.5",
    ]
    days = rng.integers(np.datetime64("1990-01-01").astype(int), np.datetime64("2024-12-31").astype(int), n)
    iso = pd.Series(days.astype("M8[D]").astype(str))
    dt = pd.DatetimeIndex(days.astype("M8[D]"))
    chinese = pd.Series([f"{y}年{m}月{d}日" for y, m, d in zip(dt.year, dt.month, dt.day, strict=True)])
    messy_dates = ["2019/3/1", "2019.3.1", "20190301", "2019年3月1日", "2019年3月", "43525", "—", ""]
    floats_with_dashes = pd.Series(amounts.astype(object))
    floats_with_dashes[rng.choice(n, n // 20, replace=False)] = "—"
    codes = uscc.random_valid(rng, n, ["440103", "440104", "440105", "440106", "440111", "440112"])
    codes_mixed = mix(
        rng,
        np.asarray(codes, dtype=object),
        [
            "914403001922038217",
            "９１４４０３００１９２２０３８２１６",
            " 9144 0300 1922 0382 16",
            "",
            "91440300192203821",
        ],
        0.02,
    )
    names = np.array(
        [
            "广州某某科技有限公司",
            "广州市某某汽车零部件有限公司",
            "某某生物医药（广州）有限公司",
            "ＡＢＣ（广州）电子有限公司",
            "  广州　某某  新材料 有限公司 ",
        ],
        dtype=object,
    )
    return {
        "amount clean": clean_numbers,
        "amount mixed": mix(rng, amounts.astype(str), messy_amounts, 0.10),
        "amount messy": mix(rng, amounts.astype(str), messy_amounts, 1.0),
        "amount floats+dash (object)": floats_with_dashes,
        "count mixed": mix(
            rng, rng.integers(0, 5000, n).astype(str), ["3,500", "1.2万人", "—", "12人"], 0.10
        ),
        "date ISO": iso,
        "date mixed": mix(rng, iso.to_numpy(dtype=object), messy_dates, 0.10),
        "date messy (年月日)": chinese,
        "year mixed": mix(
            rng, rng.integers(2015, 2025, n).astype(str), ["2023年", "2023.0", 2023.0, "—"], 0.10
        ),
        "flag": pd.Series(rng.choice(["是", "否", "Y", "N", "", "√", "×", "1", "0"], n)),
        "tags": pd.Series(
            rng.choice(["高新技术企业；专精特新", "上市", "", "规上企业、高新", "专精特新“小巨人”"], n)
        ),
        "text": pd.Series(names[rng.integers(0, len(names), n)]),
        "uscc clean": pd.Series(codes),
        "uscc 2% bad": codes_mixed,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n, r = args.rows, args.repeat
    data = inputs(n)

    numbers = data["amount clean"]
    iso = data["date ISO"]
    base = {
        "pd.to_numeric(clean numbers)": best(lambda: pd.to_numeric(numbers, errors="coerce"), r),
        "pd.to_datetime(ISO, format)": best(
            lambda: pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce"), r
        ),
    }
    num, date = "pd.to_numeric(clean numbers)", "pd.to_datetime(ISO, format)"
    cases: list[tuple[str, str, Callable[[], object]]] = [
        ("parse_amount", "amount clean", lambda: parse.parse_amount(data["amount clean"], "万元")),
        ("parse_amount", "amount mixed", lambda: parse.parse_amount(data["amount mixed"], "万元")),
        ("parse_amount", "amount messy", lambda: parse.parse_amount(data["amount messy"], "万元")),
        (
            "parse_amount",
            "amount floats+dash (object)",
            lambda: parse.parse_amount(data["amount floats+dash (object)"], "万元"),
        ),
        ("parse_count", "count mixed", lambda: parse.parse_count(data["count mixed"])),
        ("parse_date", "date ISO", lambda: parse.parse_date(data["date ISO"])),
        ("parse_date", "date mixed", lambda: parse.parse_date(data["date mixed"])),
        ("parse_date", "date messy (年月日)", lambda: parse.parse_date(data["date messy (年月日)"])),
        ("parse_year", "year mixed", lambda: parse.parse_year(data["year mixed"])),
        ("parse_flag", "flag", lambda: parse.parse_flag(data["flag"])),
        ("parse_tags", "tags", lambda: parse.parse_tags(data["tags"])),
        ("clean_text", "text", lambda: parse.clean_text(data["text"])),
        ("halfwidth", "text", lambda: parse.halfwidth(data["text"])),
        ("uscc.validate", "uscc clean", lambda: uscc.validate(data["uscc clean"])),
        ("uscc.validate", "uscc 2% bad", lambda: uscc.validate(data["uscc 2% bad"])),
    ]
    print(f"rows per call: {n:,}; best of {r}")
    for name, secs in base.items():
        print(f"baseline {name:<32} {secs:7.3f} s  {n / secs / 1e6:6.2f} M rows/s")
    print()
    print(f"{'function':<15} {'input':<28} {'s':>7} {'M rows/s':>9}  {'baseline':<29} {'ratio':>6}")
    for fn, label, call in cases:
        secs = best(call, r)
        b = date if fn == "parse_date" else num
        print(f"{fn:<15} {label:<28} {secs:7.3f} {n / secs / 1e6:9.2f}  {b:<29} {secs / base[b]:6.2f}")
    rng = np.random.default_rng(1)
    k = 250_000
    secs = best(lambda: uscc.random_valid(rng, k, ["440103", "440106"]), r)
    print(f"{'random_valid':<15} {f'{k:,} codes':<28} {secs:7.3f} {k / secs / 1e6:9.2f}")


if __name__ == "__main__":
    main()
