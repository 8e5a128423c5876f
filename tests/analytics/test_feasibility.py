"""Feasibility filters (issue 11, item 4): each filter with its reason, on hand-picked GB/T 4754-2017 小类 (the
issue's failing examples among them), and the curated 《产业结构调整指导目录（2024年本）》 classes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chanye.analytics import feasibility as fz
from chanye.framework.load import load_pack
from chanye.standards import gbt4754, industrial_policy

REPO = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def relevant() -> frozenset[str]:
    return fz.pack_classes(load_pack("guangzhou-12218"))


def test_the_issue_examples_each_get_their_reason(relevant) -> None:
    restricted = industrial_policy.by_class()

    def why(code: str) -> tuple:
        return tuple((f, p.get("section") or p.get("kind") or p.get("coverage"))
                     for f, p in fz.reasons(code, restricted=restricted, relevant=relevant))

    # 黄埔's top opportunities: 棉花加工机械, 教学专用仪器 (in the pack only through a keyword rule on 357 / 402),
    # 酒精 (限制类: 3万吨/年以下), 木竹浆 (forest-bound, 限制类 below a size, no node)
    assert why("3577") == (("not_in_pack", None),)
    assert why("4026") == (("not_in_pack", None),)
    assert why("1511") == (("restricted", "conditional"),)
    assert why("2211") == (("resource_bound", "C"), ("restricted", "conditional"), ("not_in_pack", None))
    # the city's "low-hanging" 钾肥 (钾盐矿), 磷肥 (磷矿石, and 限制类 磷铵), 钨钼冶炼 (ore, and 限制类)
    assert why("2623") == (("resource_bound", "C"),)
    assert why("2622") == (("resource_bound", "C"), ("restricted", "conditional"))
    assert why("3231") == (("resource_bound", "C"), ("restricted", "conditional"), ("not_in_pack", None))
    # 锂矿 (0939 其他稀有金属矿采选) and 金属锂 (3239): no 招商 fixes a missing ore body
    assert why("0939") == (("resource_bound", "B"), ("not_in_pack", None))
    assert why("3239") == (("resource_bound", "C"), ("not_in_pack", None))
    # a trading firm (5172 汽车及零配件批发) for 汽车后市场; car repair; hospitals as 链主
    assert why("5172") == (("local_service", "trade"),)
    assert why("8111") == (("local_service", "auto_aftermarket"), ("not_in_pack", None))
    assert why("8411") == (("local_service", "health"),)
    # what stays: drones, lithium batteries, clinical labs (they serve clients nationwide), wholesale of nothing
    assert why("3963") == why("3841") == why("8492") == ()


def test_the_filters_without_the_pack_and_the_counts() -> None:
    assert fz.reasons("0171") == (("resource_bound", {"code": "0171", "section": "A"}),)
    assert fz.reasons("1311") == (("resource_bound", {"code": "1311", "section": "C"}),)
    assert fz.reasons("7111") == (("local_service", {"code": "7111", "kind": "auto_aftermarket"}),)
    assert fz.reasons("5261") == (("local_service", {"code": "5261", "kind": "trade"}),)
    assert fz.reasons(None) == fz.reasons("") == fz.reasons(float("nan")) == ()
    found = fz.screen(["0171", "3963", "5261", "2211", "3577"], restricted=industrial_policy.by_class(),
                      relevant={"3963", "5261"})
    assert sorted(found) == ["0171", "2211", "3577", "5261"]
    # each counted once, under its first reason
    assert fz.counts(found) == {"resource_bound": 2, "local_service": 1, "restricted": 0, "not_in_pack": 1}
    only = fz.screen(["0171", "3577"], relevant=set(), enabled=("not_in_pack",))
    assert {c: [f for f, _ in r] for c, r in only.items()} == {"0171": ["not_in_pack"], "3577": ["not_in_pack"]}


def test_pack_classes_count_whole_and_class_level_claims_only(relevant) -> None:
    from chanye.framework.concordance import owners_by_code

    owners = owners_by_code(load_pack("guangzhou-12218"))
    assert {"3963", "3841", "2730", "1511", "2622", "2623"} <= relevant
    assert not {"3577", "4026", "2211", "3231"} & relevant
    assert relevant <= set(owners)  # a relevant class has an owner ...
    # ... but an owner through a keyword rule on the 中类 is not enough (357 / 402 partial, for 智能装备)
    assert [(o.node, o.rule.code, o.scope) for o in owners["3577"]] == [("equipment-robotics", "357", "partial")]
    assert [(o.node, o.rule.code, o.scope) for o in owners["4026"]] == [("equipment-robotics", "402", "partial")]


def test_the_curated_catalogue_classes() -> None:
    table = industrial_policy.by_class()
    std = gbt4754.load()
    assert len(table) == 18
    assert all(code in std and std.name(code) == row["name"] for code, row in table.items())
    assert {r["category"] for r in table.values()} == {"restricted"}  # no 淘汰类 entry covers a whole 小类
    assert {r["coverage"] for r in table.values()} == {"conditional"}
    assert table["1511"] == {"name": "酒精制造", "category": "restricted", "coverage": "conditional",
                             "sector": "轻工", "entry": "3万吨/年以下酒精生产线（废糖蜜制酒精除外）"}
    assert sorted(c for c, r in table.items() if r["sector"] == "有色金属") == ["3214", "3215", "3231", "3232"]


def test_the_shipped_file_is_what_the_tool_writes() -> None:
    done = subprocess.run([sys.executable, str(REPO / "tools" / "curate_industrial_policy.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "up to date"


def test_every_reason_carries_its_parameters_and_the_section_bounds() -> None:
    restricted = {"1511": {"category": "restricted", "coverage": "conditional", "sector": "轻工", "entry": "…"}}
    assert fz.reasons(" 1511 ", restricted=restricted, relevant={"3963"}) == (
        ("restricted", {"code": "1511", "category": "restricted", "coverage": "conditional", "sector": "轻工"}),
        ("not_in_pack", {"code": "1511"}))
    # the last 大类 of A (05) and of B (12), and the first of B (06)
    assert [fz.reasons(c)[0][1]["section"] for c in ("0511", "0610", "1200")] == ["A", "B", "B"]
    assert fz.reasons("   ", relevant={"3963"}) == fz.reasons(None, relevant={"3963"}) == ()  # no code: no reason
    assert fz.screen(["1511"], restricted=restricted) == {"1511": (fz.reasons("1511", restricted=restricted)[0],)}
