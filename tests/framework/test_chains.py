"""Chain templates: loading with line numbers, `check_chains` on copies broken one way each, and the shipped
templates of the guangzhou-12218 pack."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chanye.errors import PackInvalid
from chanye.framework import load_pack
from chanye.framework.chains import (
    ChainNode,
    ChainTemplate,
    check_chains,
    load_chains,
    read_chains,
)
from chanye.framework.load import packs_dir
from chanye.standards import gbt4754

FIXTURES = Path(__file__).parents[1] / "fixtures"
TINY = FIXTURES / "packs" / "tiny"
CHAIN = FIXTURES / "chains"
SHIPPED = packs_dir() / "guangzhou-12218"


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """The tiny pack with the tiny-ev chain (cluster `cars`) and one chain source."""
    dest = tmp_path / "tiny"
    shutil.copytree(TINY, dest)
    shutil.copytree(CHAIN, dest / "chains")
    return dest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def findings(folder: Path, level: str = "error") -> list[str]:
    chains = read_chains(folder)
    assert chains.findings == []
    framework = load_pack(folder, check=False)
    found = check_chains(chains.templates, framework, chains.docs, sources=chains.sources)
    return [str(f) for f in found if f.level == level]


def test_tiny_chain_loads_and_passes(pack: Path) -> None:
    chains = load_chains(pack)
    assert [c.id for c in chains] == ["tiny-ev"]
    chain = chains[0]
    assert chain.file == "chains/tiny-ev.yaml"
    assert chain.cluster == "cars"
    assert [n.segment for n in chain.nodes] == ["upstream", "upstream", "midstream", "midstream", "midstream",
                                                "downstream"]  # fmt: skip
    assert chain.node("chips").segment_zh == "上游"  # written 上游 in the file
    assert chain.node("battery").codes[0].code == "3841"
    assert chain.suppliers("vehicle") == ["battery", "motor", "adas"]
    assert chain.customers("chips") == ["motor", "adas"]
    assert chain.node("adas").terms() == ("自动驾驶系统", "自动驾驶系统研发", "自动驾驶算法")
    graph = chain.graph()
    assert graph.number_of_nodes() == 6 and graph.number_of_edges() == 6
    assert [s.id for s in read_chains(pack).sources] == ["chain-test-plan"]
    assert findings(pack, "error") == []
    assert findings(pack, "warning") == []


def test_pack_without_chains(tmp_path: Path) -> None:
    dest = tmp_path / "tiny"
    shutil.copytree(TINY, dest)
    assert load_chains(dest) == []


def test_unknown_code(pack: Path) -> None:
    assert "3978" not in gbt4754.load()
    edit(pack / "chains" / "tiny-ev.yaml", '"3973"', '"3978"')
    assert findings(pack) == [
        "tiny/chains/tiny-ev.yaml:20 [chips]: 行业代码 3978 不在 GB/T 4754-2017 中 (unknown GB/T 4754-2017 code)"
    ]


def test_code_listed_twice_in_a_node(pack: Path) -> None:
    edit(pack / "chains" / "tiny-ev.yaml", '{code: "3611", scope: partial', '{code: "3612", scope: partial')
    assert findings(pack) == [
        "tiny/chains/tiny-ev.yaml:44 [vehicle]: 行业代码 3612 在同一环节重复列出 (code listed twice)"
    ]


def test_edge_to_unknown_node(pack: Path) -> None:
    edit(pack / "chains" / "tiny-ev.yaml", "{source: motor, target: vehicle}", "{source: motor, target: cars}")
    assert findings(pack) == [
        "tiny/chains/tiny-ev.yaml:50 [tiny-ev]: 供应关系的终点 'cars' 不是本链的环节 (edge target is not a chain node)"
    ]


def test_self_loop_and_duplicate_edge(pack: Path) -> None:
    edit(pack / "chains" / "tiny-ev.yaml", "{source: materials, target: battery}",
         "{source: battery, target: battery}\n  - {source: chips, target: motor}")  # fmt: skip
    assert findings(pack) == [
        "tiny/chains/tiny-ev.yaml:46 [battery]: 环节 'battery' 不能供应自身 (edge from a node to itself)"
    ]
    assert findings(pack, "warning") == [
        "tiny/chains/tiny-ev.yaml:8 [materials]: 环节没有任何供应关系 (no edge touches this chain node)",
        "tiny/chains/tiny-ev.yaml:48 [chips]: 供应关系 chips → motor 重复 (edge listed twice)",
    ]


def test_parent_cycle(pack: Path) -> None:
    path = pack / "chains" / "tiny-ev.yaml"
    edit(path, "  - id: motor\n", "  - id: motor\n    parent: adas\n")
    edit(path, "  - id: adas\n", "  - id: adas\n    parent: motor\n")
    assert findings(pack) == [
        "tiny/chains/tiny-ev.yaml:28 [motor]: 环节的上级关系成环 (parent chain has a cycle)",
        "tiny/chains/tiny-ev.yaml:35 [adas]: 环节的上级关系成环 (parent chain has a cycle)",
    ]


def test_unknown_parent(pack: Path) -> None:
    edit(pack / "chains" / "tiny-ev.yaml", "  - id: motor\n", "  - id: motor\n    parent: powertrain\n")
    assert findings(pack) == [
        "tiny/chains/tiny-ev.yaml:28 [motor]: 上级环节 'powertrain' 不存在 (unknown parent)"
    ]


def test_parent_tree(pack: Path) -> None:
    edit(pack / "chains" / "tiny-ev.yaml", "  - id: motor\n", "  - id: motor\n    parent: vehicle\n")
    assert findings(pack) == []
    chain = load_chains(pack)[0]
    assert [n.id for n in chain.children("vehicle")] == ["motor"]


def test_unknown_cluster(pack: Path) -> None:
    edit(pack / "chains" / "tiny-ev.yaml", "cluster: cars", "cluster: trucks")
    assert findings(pack) == [
        "tiny/chains/tiny-ev.yaml:3 [tiny-ev]: 产业链所属集群 'trucks' 不在框架 tiny 中 (unknown cluster)"
    ]


def test_cluster_must_be_an_industry_node(pack: Path) -> None:
    edit(pack / "chains" / "tiny-ev.yaml", "cluster: cars", "cluster: tier-a")
    assert findings(pack) == [
        "tiny/chains/tiny-ev.yaml:3 [tiny-ev]: 'tier-a' 是 tier 节点，不是产业集群 (cluster must be an industry node)"
    ]


def test_missing_source(pack: Path) -> None:
    edit(pack / "chains" / "tiny-ev.yaml", "sources: [gbt, chain-test-plan]", "sources: [gbt, nope]")
    assert findings(pack) == [
        "tiny/chains/tiny-ev.yaml:6 [tiny-ev]: 引用的来源 'nope' 不在 sources.yaml 或 chains/_sources.yaml 中 "
        "(missing source)"
    ]


def test_chain_source_may_not_reuse_a_pack_source_id(pack: Path) -> None:
    edit(pack / "chains" / "_sources.yaml", "id: chain-test-plan", "id: gbt")
    edit(pack / "chains" / "tiny-ev.yaml", "sources: [gbt, chain-test-plan]", "sources: [gbt]")
    assert findings(pack) == [
        "tiny/chains/_sources.yaml:2 [gbt]: 来源 id 'gbt' 已在 sources.yaml 中 (source id already in sources.yaml)"
    ]


def test_duplicate_node_id_and_node_without_rules(pack: Path) -> None:
    path = pack / "chains" / "tiny-ev.yaml"
    edit(path, "  - id: motor\n", "  - id: battery\n")
    edit(path, "    keywords: [自动驾驶系统研发, 自动驾驶算法]\n", "")
    assert findings(pack) == [
        "tiny/chains/tiny-ev.yaml:27 [battery]: 重复的环节 id 'battery'（第 3 项已用）(duplicate chain node id)",
        "tiny/chains/tiny-ev.yaml:33 [adas]: 环节既没有行业代码也没有关键词，无法关联企业 "
        "(chain node has neither codes nor keywords)",
        "tiny/chains/tiny-ev.yaml:46 [tiny-ev]: 供应关系的终点 'motor' 不是本链的环节 (edge target is not a chain node)",
        "tiny/chains/tiny-ev.yaml:49 [tiny-ev]: 供应关系的起点 'motor' 不是本链的环节 (edge source is not a chain node)",
    ]


def test_duplicate_template_id(pack: Path) -> None:
    shutil.copy(pack / "chains" / "tiny-ev.yaml", pack / "chains" / "tiny-ev-2.yaml")
    assert findings(pack) == [
        "tiny/chains/tiny-ev.yaml:2 [tiny-ev]: 重复的产业链 id 'tiny-ev'（chains/tiny-ev-2.yaml 已用）(duplicate chain id)"
    ]
    assert findings(pack, "warning") == [
        "tiny/chains/tiny-ev.yaml:3 [tiny-ev]: 集群 'cars' 已有产业链 tiny-ev（同一集群两个模板）"
        "(cluster has two chain templates)"
    ]


def test_schema_errors_name_file_line_and_node(pack: Path) -> None:
    path = pack / "chains" / "tiny-ev.yaml"
    edit(path, "    segment: midstream\n    products: [驱动电机", "    segment: 中下游\n    products: [驱动电机")
    edit(path, "{source: chips, target: adas}", "{source: chips, target: adas, weight: 2}")
    with pytest.raises(PackInvalid, match=r"产业链模板无效 .*tiny-ev.yaml:29 \[motor\]") as info:
        load_chains(pack)
    found = [str(f) for f in info.value.findings]
    assert found == [
        "tiny/chains/tiny-ev.yaml:29 [motor]: nodes.3.segment: Input should be 'upstream', 'midstream' or "
        "'downstream'",
        "tiny/chains/tiny-ev.yaml:48: edges.2.weight: Extra inputs are not permitted",
    ]
    assert str(info.value).startswith("产业链模板无效 (invalid chain template): tiny/chains/tiny-ev.yaml:29 [motor]")
    assert "另有 1 处问题" in str(info.value)


def test_partial_code_needs_keywords(pack: Path) -> None:
    edit(pack / "chains" / "tiny-ev.yaml", '{code: "3611", scope: partial, keywords: [新能源]}',
         '{code: "3611", scope: partial}')  # fmt: skip
    with pytest.raises(PackInvalid, match="部分归属代码 3611 必须给出经营范围关键词") as info:
        load_chains(pack)
    assert [str(f) for f in info.value.findings] == [
        "tiny/chains/tiny-ev.yaml:44 [vehicle]: nodes.5.codes.1: 部分归属代码 3611 必须给出经营范围关键词 "
        "(partial code needs keywords)"
    ]


def test_bad_yaml(pack: Path) -> None:
    edit(pack / "chains" / "tiny-ev.yaml", "name: {zh: 测试新能源汽车产业链, en: Test EV chain}",
         "name: {zh: 测试新能源汽车产业链, en: Test EV chain")  # fmt: skip
    chains = read_chains(pack)
    assert chains.templates == []
    assert len(chains.findings) == 1
    assert str(chains.findings[0]).startswith("tiny/chains/tiny-ev.yaml:5: YAML 语法错误 (bad YAML): ")


def test_roles_and_segments_accept_chinese_and_english() -> None:
    node = ChainNode.model_validate(
        {"id": "x", "name": {"zh": "某环节", "en": "X"}, "segment": "下游", "keywords": ["某"],
         "roles": ["producer", "销售"]}
    )  # fmt: skip
    assert node.segment == "downstream"
    assert node.roles == ("生产", "销售")
    assert node.allowed_roles == ("生产", "销售")


def test_template_needs_sources_and_nodes() -> None:
    with pytest.raises(ValueError, match="sources"):
        ChainTemplate.model_validate(
            {"id": "x", "cluster": "c", "name": {"zh": "某", "en": "X"}, "description": "d", "sources": [],
             "nodes": [{"id": "n", "name": {"zh": "某", "en": "N"}, "segment": "upstream", "keywords": ["某"]}]}
        )  # fmt: skip


# --- the shipped pack -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> tuple:
    chains = read_chains(SHIPPED)
    framework = load_pack(SHIPPED, check=False)
    return chains, framework


def test_shipped_templates_parse(shipped) -> None:
    chains, _ = shipped
    assert [str(f) for f in chains.findings] == []


def test_shipped_templates_pass_check(shipped) -> None:
    chains, framework = shipped
    found = check_chains(chains.templates, framework, chains.docs, sources=chains.sources)
    assert [str(f) for f in found] == []


def test_one_template_per_cluster_and_future_industry(shipped) -> None:
    chains, framework = shipped
    wanted = [n.id for n in framework.nodes if n.kind in ("cluster", "future")]
    assert len(wanted) == 21
    # every cluster and future industry has a template; 低空经济与航空航天 has two (低空经济, 商业航天: issue 11)
    assert sorted(set(c.cluster for c in chains.templates)) == sorted(wanted)
    assert len(chains.templates) == 22
    assert [c.id for c in chains.templates if c.cluster == "low-altitude-aerospace"] == [
        "low-altitude", "space-commercial"]
    for chain in chains.templates:
        assert 8 <= len(chain.nodes) <= 20, chain.id
        assert {n.segment for n in chain.nodes} == {"upstream", "midstream", "downstream"}, chain.id
        assert len(chain.edges) >= len(chain.nodes) - 1, chain.id
        assert "编者" in chain.description, chain.id  # says the structure is the editor's synthesis


def test_chain_sources_merged_into_the_framework_are_not_clashes(pack: Path) -> None:
    chains = read_chains(pack)
    framework = load_pack(pack, check=False)
    merged = framework.model_copy(update={"sources": (*framework.sources, *chains.sources)})
    assert check_chains(chains.templates, merged, chains.docs, sources=chains.sources) == []
    assert check_chains(chains.templates, merged, chains.docs) == []


def test_chains_come_in_the_frameworks_order_not_their_file_names() -> None:
    """Pages and commands list chains as the system lists its industries (12218: 6 pillars, 5 strategic, 4
    featured, then the future industries), chains of one cluster in file order (issue 15)."""
    assert [c.id for c in load_pack("guangzhou-12218").chains] == [
        "icv-nev", "uhd-display", "biomed", "petrochem-materials", "software-internet", "equipment-robotics", "ai",
        "semiconductor", "new-energy-storage", "low-altitude", "space-commercial", "biomanufacturing", "fashion",
        "rail-transit", "shipbuilding-marine", "smart-construction", "embodied-ai", "cell-gene", "quantum",
        "hydrogen-fusion", "bci", "6g"]
    assert [c.id for c in load_pack("shenzhen-20-8").chains] == ["semiconductor", "smart-terminals", "new-energy", "icv"]
