"""Curate the GB/T 4754-2017 小类 that carry an entry of 《产业结构调整指导目录（2024年本）》 (限制类 / 淘汰类) into
`src/chanye/standards/data/industrial_policy_2024.csv`, which the package reads at run time
(`chanye.standards.industrial_policy`; the feasibility filters of opportunities and chain lists).

Source: 国家发展和改革委员会令第7号《产业结构调整指导目录（2024年本）》, issued 2023-12-27, in force 2024-02-01.
The 目录 names products, processes, equipment and capacities, never GB/T 4754 codes, so the mapping below is
made by hand, conservatively:

* an entry is mapped only where it names the main product of one 小类 (酒精 -> 1511 酒精制造, 钨、钼冶炼 ->
  3231 钨钼冶炼); entries on a process, an item of equipment or one product among many in a class (most of
  淘汰类: 落后生产工艺装备, 落后产品) are not mapped;
* `coverage` is ``whole`` when the entry covers all new capacity of the class, ``conditional`` when it applies
  below a size or with exceptions (most 限制类 entries: "新建…以下", "…除外"); the filters exclude both, and say
  which;
* `entry` summarises the entry in the 目录's words as the project read them; check it against the official
  text before quoting it.

Limits: no 淘汰类 entry covers a whole 小类 (they name processes and products inside classes), so none is
mapped; a class not listed may still hold restricted products; the mapping is the project's reading, not an
official concordance. docs/chains.md ("Feasibility filters") says so to the user.

    .venv/bin/python tools/curate_industrial_policy.py [--out FILE] [--check]

`--check` exits 1 when the shipped file differs from what this script writes (tests/standards run it).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STANDARD = REPO / "src" / "chanye" / "standards" / "data" / "gbt4754_2017.csv"
DEFAULT_OUT = REPO / "src" / "chanye" / "standards" / "data" / "industrial_policy_2024.csv"
COLUMNS = ("code", "name", "category", "coverage", "sector", "entry")
SOURCE_ID = "ndrc-catalogue-2024"

# (小类, category, coverage, sector of the 目录, the entry as summarised)
ENTRIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("0610", "restricted", "conditional", "煤炭", "新建规模以下煤矿（产能低于规定规模的煤矿项目）"),
    ("0620", "restricted", "conditional", "煤炭", "新建规模以下煤矿（产能低于规定规模的煤矿项目）"),
    ("1511", "restricted", "conditional", "轻工", "3万吨/年以下酒精生产线（废糖蜜制酒精除外）"),
    ("2211", "restricted", "conditional", "轻工", "新建单条化学木浆30万吨/年以下、化学机械木浆10万吨/年以下、化学竹浆10万吨/年以下的生产线"),
    ("2611", "restricted", "conditional", "石化化工", "新建规模以下硫磺制酸、硫铁矿制酸装置"),
    ("2612", "restricted", "conditional", "石化化工", "新建纯碱、烧碱装置（等量或减量置换的除外）"),
    ("2621", "restricted", "conditional", "石化化工", "新建以石油、天然气为原料的氮肥装置"),
    ("2622", "restricted", "conditional", "石化化工", "新建磷铵生产装置"),
    ("2812", "restricted", "conditional", "纺织", "新建规模以下粘胶常规短纤维生产线"),
    ("3011", "restricted", "conditional", "建材", "新建水泥熟料生产线（产能置换的除外）"),
    ("3041", "restricted", "conditional", "建材", "新建普通浮法玻璃生产线（产能置换的除外）"),
    ("3110", "restricted", "conditional", "钢铁", "新建规模以下烧结机、高炉（产能置换的除外）"),
    ("3120", "restricted", "conditional", "钢铁", "新建规模以下转炉、电炉（产能置换的除外）"),
    ("3214", "restricted", "conditional", "有色金属", "新建、扩建锡冶炼项目（符合国家环保节能等法律法规要求的除外）"),
    ("3215", "restricted", "conditional", "有色金属", "新建、扩建锑冶炼项目（符合国家环保节能等法律法规要求的除外）"),
    ("3231", "restricted", "conditional", "有色金属", "新建、扩建钨、钼冶炼项目（符合国家环保节能等法律法规要求的除外）"),
    ("3232", "restricted", "conditional", "有色金属", "稀土冶炼、分离项目（符合总量控制指标的稀土企业集团项目除外）"),
    ("4411", "restricted", "conditional", "电力", "单机容量30万千瓦及以下的常规燃煤火电机组（国家规划内的除外）"),
)


def standard_names(path: Path = STANDARD) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["code"]: r["name"] for r in csv.DictReader(fh) if r["level"] == "class"}


def build(names: dict[str, str]) -> str:
    """The CSV text: one row per entry, in code order; fails on an unknown code or a duplicate."""
    seen: set[str] = set()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for code, category, coverage, sector, entry in sorted(ENTRIES):
        if code not in names:
            raise SystemExit(f"{code}: 不是 GB/T 4754-2017 小类 (not a class of the standard)")
        if code in seen:
            raise SystemExit(f"{code}: 重复 (listed twice)")
        if category not in ("restricted", "eliminated") or coverage not in ("whole", "conditional"):
            raise SystemExit(f"{code}: category/coverage 无效 ({category}, {coverage})")
        seen.add(code)
        writer.writerow((code, names[code], category, coverage, sector, entry))
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing")
    args = ap.parse_args(argv)
    text = build(standard_names())
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{args.out} differs: rerun tools/curate_industrial_policy.py")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(ENTRIES)} classes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
