"""`check_pack` on a tiny valid pack and on copies broken one way each: every finding names file, line, node."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chanye.errors import PackInvalid
from chanye.framework import load_pack
from chanye.framework.check import check_pack
from chanye.framework.concordance import coverage, owners_by_code

TINY = Path(__file__).parents[1] / "fixtures" / "packs" / "tiny"


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    dest = tmp_path / "tiny"
    shutil.copytree(TINY, dest)
    return dest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def errors(folder: Path) -> list[str]:
    return [str(f) for f in check_pack(folder) if f.level == "error"]


def test_tiny_pack_is_valid_with_one_provisional_warning(pack: Path) -> None:
    findings = check_pack(pack)
    assert [(f.level, f.rule, f.where()) for f in findings] == [
        ("warning", "provisional", "tiny/framework.yaml:34 [batteries]")
    ]
    fw = load_pack(pack)
    assert [n.id for n in fw.industry_nodes()] == ["cars", "batteries", "pharma"]
    assert [n.id for n in fw.ancestors("cars")] == ["tier-a", "root"]


def test_unknown_code(pack: Path) -> None:
    edit(pack / "framework.yaml", '"3612"', '"3699"')
    assert errors(pack) == [
        "tiny/framework.yaml:27 [cars]: 行业代码 3699 不在 GB/T 4754-2017 中 (unknown GB/T 4754-2017 code)"
    ]


def test_duplicate_id(pack: Path) -> None:
    edit(pack / "framework.yaml", "id: pharma", "id: batteries")
    assert errors(pack) == [
        "tiny/framework.yaml:37 [batteries]: 重复的 id 'batteries'（第 4 项已用）(duplicate id)",
        "tiny/targets.yaml:3 [pharma-2027]: 目标所属节点 'pharma' 不存在 (unknown node)",
    ]


def test_bad_yaml(pack: Path) -> None:
    edit(pack / "framework.yaml", "{zh: 汽车, en: Cars}", "{zh: 汽车, en: Cars")
    found = errors(pack)
    assert len(found) == 1
    assert found[0].startswith("tiny/framework.yaml:24: YAML 语法错误 (bad YAML): ")
    with pytest.raises(PackInvalid, match=r"tiny/framework.yaml:24: YAML 语法错误") as info:
        load_pack(pack)
    assert "tiny/framework.yaml:24" in str(info.value)


def test_missing_source(pack: Path) -> None:
    edit(pack / "framework.yaml", "    sources: [gbt]\n    codes:\n      - {code: \"3612\"",
         "    sources: [gbt, nope]\n    codes:\n      - {code: \"3612\"")
    assert errors(pack) == [
        "tiny/framework.yaml:25 [cars]: 引用的来源 'nope' 不在 sources.yaml 中 (missing source)"
    ]


def test_confirmed_node_without_source_is_a_schema_error(pack: Path) -> None:
    edit(pack / "framework.yaml", "    status: confirmed\n    sources: [gbt]\n    codes:\n      - {code: \"27\"",
         "    status: confirmed\n    codes:\n      - {code: \"27\"")
    assert errors(pack) == [
        "tiny/framework.yaml:37 [pharma]: nodes.4: 节点 pharma 标为 confirmed 却没有来源 "
        "(a confirmed node must cite a source)"
    ]


def test_partial_code_without_keywords(pack: Path) -> None:
    edit(pack / "framework.yaml", "scope: partial, keywords: [动力电池, 车用电池]", "scope: partial")
    assert errors(pack) == [
        "tiny/framework.yaml:29 [cars]: nodes.2.codes.2: 部分归属代码 3841 必须给出经营范围关键词 "
        "(partial code needs keywords)"
    ]


def test_whole_code_owned_twice(pack: Path) -> None:
    edit(pack / "framework.yaml", '{code: "27", scope: whole}', '{code: "27", scope: whole}\n      - {code: "3612", scope: whole}')
    assert errors(pack) == [
        "tiny/framework.yaml:45 [pharma]: 行业代码 3612 被 cars 与 pharma 同时整体拥有；改为 partial 加关键词，"
        "或在两处都写 shared: true (whole code owned by two nodes)"
    ]
    edit(pack / "framework.yaml", '{code: "3612", scope: whole}', '{code: "3612", scope: whole, shared: true}')
    edit(pack / "framework.yaml", '{code: "3612", scope: whole}', '{code: "3612", scope: whole, shared: true}')
    assert errors(pack) == []


def test_missing_file_and_unknown_field(pack: Path) -> None:
    (pack / "sources.yaml").unlink()
    assert errors(pack) == ["sources.yaml: 缺少文件 sources.yaml (missing file)"]


def test_unknown_parent_and_metric_node(pack: Path) -> None:
    edit(pack / "framework.yaml", "parent: tier-a\n    kind: cluster\n    name: {zh: 医药",
         "parent: tier-b\n    kind: cluster\n    name: {zh: 医药")
    edit(pack / "metrics.yaml", "node: root", "node: nowhere")
    assert errors(pack) == [
        "tiny/framework.yaml:38 [pharma]: 上级节点 'tier-b' 不存在 (unknown parent)",
        "tiny/metrics.yaml:5 [output]: 指标所属节点 'nowhere' 不存在 (unknown node)",
    ]


def test_concordance_expands_division_codes() -> None:
    fw = load_pack(TINY)
    owners = owners_by_code(fw)
    # 大类 27 医药制造业 holds 8 小类 (2710 .. 2780); 3841 is whole in batteries and partial in cars.
    assert sorted(c for c, own in owners.items() if own[0].node == "pharma") == [
        "2710", "2720", "2730", "2740", "2750", "2761", "2762", "2770", "2780"
    ]
    assert [(o.node, o.scope) for o in owners["3841"]] == [("cars", "partial"), ("batteries", "whole")]
    rows = {r.code: r for r in coverage(fw)}
    assert rows["3841"].status == "several"
    assert rows["3612"].owners == ("cars:whole",)
    assert rows["1311"].status == "none"
