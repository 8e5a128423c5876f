"""《产业结构调整指导目录（2024年本）》 (国家发展和改革委员会令第7号) mapped to GB/T 4754-2017 小类.

The curated table ships in `data/industrial_policy_2024.csv` (code, name, category restricted|eliminated,
coverage whole|conditional, sector, entry), written by `tools/curate_industrial_policy.py`, whose docstring
states how entries were mapped and the limits of the mapping. The feasibility filters
(`chanye.analytics.feasibility`) take these classes off opportunity and chain lists.
"""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources

DATA_CSV = "industrial_policy_2024.csv"
SOURCE = {"id": "ndrc-catalogue-2024", "title": "产业结构调整指导目录（2024年本）",
          "publisher": "国家发展和改革委员会（令第7号）", "date": "2023-12-27"}


@functools.cache
def by_class() -> dict[str, dict[str, str]]:
    """小类 -> {name, category, coverage, sector, entry}."""
    text = resources.files("chanye.standards").joinpath("data", DATA_CSV).read_text(encoding="utf-8")
    return {r["code"]: {k: v for k, v in r.items() if k != "code"} for r in csv.DictReader(io.StringIO(text))}
