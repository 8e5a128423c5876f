"""Curate the scope vocabulary (经营范围用语 -> GB/T 4754-2017 小类) shipped in `src/chanye/standards/data/`.

Reads the hand-written list `tools/data/scope_terms.txt` (term | codes | kind), checks every code is a 2017
小类 of the package's standard and every kind is goods/trade/service, drops duplicates (the first line of a
term wins) and writes `scope_terms.csv` (term, codes, kind) sorted by term. The classifier
(`chanye.classify.reader`) reads that file beside the standard's own class names and 说明. Deterministic output,
so `tests/classify/test_reader.py` can compare a rebuild with the shipped file.

    .venv/bin/python tools/build_scope_terms.py [--src FILE] [--out FILE]
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SRC = REPO / "tools" / "data" / "scope_terms.txt"
DEFAULT_OUT = REPO / "src" / "chanye" / "standards" / "data" / "scope_terms.csv"
KINDS = ("goods", "trade", "service")


def curate(src: Path) -> tuple[list[tuple[str, str, str]], list[str]]:
    """The rows to ship and the problems found (file:line: reason)."""
    sys.path.insert(0, str(REPO / "src"))
    from chanye.standards import gbt4754

    std = gbt4754.load()
    rows: dict[str, tuple[str, str, str]] = {}
    problems: list[str] = []
    for number, line in enumerate(src.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        where = f"{src.name}:{number}"
        if len(parts) != 3 or not parts[0]:
            problems.append(f"{where}: 需要 词|代码|类别 三栏 (need term|codes|kind)")
            continue
        term, codes, kind = parts
        code_list = [c.strip() for c in codes.split(";") if c.strip()]
        bad = [c for c in code_list if c not in std or std.get(c).level != "class"]
        if not code_list or bad:
            problems.append(f"{where}: {term} 的代码 {','.join(bad) or '(空)'} 不是 2017 小类 (not a 2017 class)")
            continue
        if kind and kind not in KINDS:
            problems.append(f"{where}: {term} 的类别 {kind!r} 不是 {'/'.join(KINDS)} (unknown kind)")
            continue
        rows.setdefault(term, (term, ";".join(code_list), kind))
    return sorted(rows.values()), problems


def render(rows: list[tuple[str, str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("term", "codes", "kind"))
    writer.writerows(rows)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    rows, problems = curate(args.src)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    args.out.write_text(render(rows), encoding="utf-8")
    print(f"{len(rows)} terms -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
