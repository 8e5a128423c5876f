"""The two shipped packs, checked against the public lists they encode and the concordance they promise."""

from __future__ import annotations

import pytest

from chanye.framework import load_pack
from chanye.framework.check import check_pack
from chanye.framework.concordance import coverage, owners_by_code
from chanye.framework.model import INDUSTRY_KINDS, Framework

PACKS = ("guangzhou-12218", "guangzhou-14th-fyp")

# The 15 strategic clusters as named by Guangzhou (People's Daily dispatch of 8 January), by tier.
CLUSTERS = {
    "新兴支柱产业": [
        "智能网联与新能源汽车",
        "超高清视频与新型显示",
        "生物医药与健康",
        "绿色石化与新材料",
        "软件与互联网",
        "智能装备与机器人",
    ],
    "战略先导产业": ["人工智能", "半导体与集成电路", "新能源与新型储能", "低空经济与航空航天", "生物制造"],
    "特色优势产业": ["时尚消费品", "轨道交通", "船舶与海洋工程", "智能建造与工业化建筑"],
}
# No Guangzhou source names the six future industries (issue 11): all provisional.
FUTURE_CONFIRMED: set[str] = set()
FUTURE_PROVISIONAL = {"具身智能", "细胞与基因", "量子科技", "氢能和核聚变能", "脑机接口", "第六代移动通信"}
SERVICES_CONFIRMED = {"现代金融", "科技服务"}


@pytest.fixture(scope="module")
def gz() -> Framework:
    return load_pack("guangzhou-12218", check=True)


@pytest.fixture(scope="module")
def fyp() -> Framework:
    return load_pack("guangzhou-14th-fyp", check=True)


def names(nodes) -> list[str]:
    return [n.name.zh for n in nodes]


def claims(fw: Framework, code: str) -> list[tuple[str, str]]:
    return [(o.node, o.scope) for o in owners_by_code(fw).get(code, [])]


# --- structure ----------------------------------------------------------------------------------------------


def test_12218_skeleton(gz: Framework) -> None:
    assert gz.id == "guangzhou-12218" and gz.info.city == "440100"
    assert gz.info.scale_metric == "industrial_output"
    root = gz.node("gz12218")
    assert root.kind == "system" and root.label == "12218" and root.parent is None
    assert [(n.label, n.kind) for n in gz.children("gz12218")] == [
        ("1", "principle"),
        ("2", "principle"),
        ("21", "tier"),
        ("8", "tier"),
    ]
    assert gz.node("gz-1").name.zh == "产业第一、制造业立市"
    assert names(gz.children("gz-2")) == ["两业融合", "数智化转型", "绿色化转型"]
    assert all(n.kind == "theme" for n in gz.children("gz-2"))
    assert names(gz.children("gz-21")) == [*CLUSTERS, "未来产业"]


def test_15_clusters_by_tier(gz: Framework) -> None:
    clusters = [n for n in gz.nodes if n.kind == "cluster"]
    assert len(clusters) == 15
    for tier in gz.children("gz-21"):
        if tier.name.zh in CLUSTERS:
            members = gz.children(tier.id)
            assert names(members) == CLUSTERS[tier.name.zh]
            assert all(n.kind == "cluster" and n.status == "confirmed" for n in members)
    assert [len(gz.children(t.id)) for t in gz.children("gz-21")] == [6, 5, 4, 6]


def test_6_future_industries(gz: Framework) -> None:
    future = [n for n in gz.nodes if n.kind == "future"]
    assert len(future) == 6 and all(n.parent == "gz-21-future" for n in future)
    assert {n.name.zh for n in future if n.status == "confirmed"} == FUTURE_CONFIRMED
    assert {n.name.zh for n in future if n.status == "provisional"} == FUTURE_PROVISIONAL
    # the candidates rest on the national 15th Five-Year Plan recommendations or Guangdong's 2026 work report
    # (provincial: a source for candidates); none cites the article that does not name them
    assert {n.id: n.sources for n in future if n.id in ("embodied-ai", "cell-gene")} == {
        "embodied-ai": ("cpc-15th-fyp-recs", "gd-gwr-2026"), "cell-gene": ("gd-gwr-2026",)}
    for n in future:
        assert {"cpc-15th-fyp-recs", "gd-gwr-2026"} & set(n.sources), n.id
        assert "netease-haopin-2025" not in n.sources, n.id


def test_8_service_industries(gz: Framework) -> None:
    services = gz.children("gz-8")
    assert len(services) == 8 and all(n.kind == "service" for n in services)
    assert {n.name.zh for n in services if n.status == "confirmed"} == SERVICES_CONFIRMED
    assert sum(n.status == "provisional" for n in services) == 6
    assert all(gz.scale_metric(n.id) == "value_added" for n in services)


def test_node_ids_are_the_stable_short_ones(gz: Framework) -> None:
    ids = {n.id for n in gz.industry_nodes()}
    assert {
        "icv-nev",
        "uhd-display",
        "biomed",
        "petrochem-materials",
        "software-internet",
        "equipment-robotics",
        "ai",
        "semiconductor",
        "new-energy-storage",
        "low-altitude-aerospace",
        "biomanufacturing",
        "fashion",
        "rail-transit",
        "shipbuilding-marine",
        "smart-construction",
        "embodied-ai",
        "cell-gene",
        "quantum",
        "hydrogen-fusion",
        "bci",
        "6g",
        "finance",
        "tech-services",
    } <= ids


@pytest.mark.parametrize("pack", PACKS)
def test_every_node_is_documented_and_cites_existing_sources(pack: str) -> None:
    fw = load_pack(pack)
    known = {s.id for s in fw.sources}
    for node in fw.nodes:
        assert set(node.sources) <= known, node.id
        if node.status == "confirmed":
            assert node.sources, node.id
        assert node.description, node.id
        if node.kind in INDUSTRY_KINDS:
            assert 8 <= len(node.keywords) <= 20, (node.id, len(node.keywords))
            assert node.codes, node.id
        if node.status == "provisional":
            assert "暂定" in node.description and "确认" in node.description, node.id
    for metric in fw.metrics:
        assert set(metric.sources) <= known
    for target in fw.targets:
        assert set(target.sources) <= known


def test_sources_the_brief_requires(gz: Framework) -> None:
    ids = {s.id for s in gz.sources}
    assert {
        "peoples-daily-15-clusters",
        "netease-haopin-2025",
        "gz-gwr-2026",
        "cpc-15th-fyp-recs",
        "gd-future-2024-67",
        "gz-14th-industrial-plan",
        "gbt4754-2017",
        "nbs-sei-2018",
        "nbs-digital-2021",
        "haizhu-gwr-2025",
    } <= ids
    assert gz.source("gz-14th-industrial-plan").title.endswith("（穗府办〔2022〕10号）")
    assert gz.source("gd-future-2024-67").date == "2024-09-14"


@pytest.mark.parametrize("pack", PACKS)
def test_check_finds_no_errors(pack: str) -> None:
    findings = check_pack(pack)
    assert [str(f) for f in findings if f.level == "error"] == []
    # the only warnings are the provisional nodes
    assert {f.rule for f in findings} <= {"provisional"}


def test_12218_warnings_are_exactly_the_twelve_provisional_nodes() -> None:
    warned = sorted(f.node for f in check_pack("guangzhou-12218") if f.rule == "provisional")
    assert warned == sorted(
        [
            "embodied-ai",
            "cell-gene",
            "quantum",
            "hydrogen-fusion",
            "bci",
            "6g",
            "commerce",
            "logistics",
            "business-services",
            "culture-creative",
            "tourism",
            "health-services",
        ]
    )


# --- the concordance ----------------------------------------------------------------------------------------


def test_vehicles_and_batteries(gz: Framework) -> None:
    assert ("icv-nev", "whole") in claims(gz, "3612")
    assert claims(gz, "3670") == [("icv-nev", "whole")]
    assert claims(gz, "3841") == [("icv-nev", "partial"), ("new-energy-storage", "whole")]
    battery = next(r for r in gz.node("icv-nev").codes if r.code == "3841")
    assert "动力电池" in battery.keywords


def test_biomed_owns_pharma_and_medical_devices(gz: Framework) -> None:
    for code in (
        "2710",
        "2720",
        "2730",
        "2740",
        "2750",
        "2761",
        "2762",
        "2770",
        "2780",
        "3581",
        "3582",
        "3583",
        "3584",
        "3585",
        "3586",
        "3587",
        "3589",
    ):
        assert ("biomed", "whole") in claims(gz, code), code
    # pharmaceutical wholesale is shared, on purpose, with commerce
    assert claims(gz, "5151") == [("biomed", "whole"), ("commerce", "whole")]


def test_electronics_split(gz: Framework) -> None:
    assert claims(gz, "3973") == [("semiconductor", "whole")]
    assert claims(gz, "3974") == [("uhd-display", "whole")]
    assert claims(gz, "3562") == [("equipment-robotics", "partial"), ("semiconductor", "whole")]
    # IC design is in semiconductor, not counted twice in software
    assert ("semiconductor", "whole") in claims(gz, "6520")
    assert ("software-internet", "whole") not in claims(gz, "6520")
    for code in ("6421", "6429", "6432", "6511", "6513", "6531", "6550"):
        assert ("software-internet", "whole") in claims(gz, code), code


def test_ai_is_keyword_based(gz: Framework) -> None:
    ai = gz.node("ai")
    assert ai.codes and all(r.scope == "partial" for r in ai.codes)
    assert "人工智能" in next(r for r in ai.codes if r.code == "6513").keywords


def test_other_clusters_anchor_classes(gz: Framework) -> None:
    expected = {
        "3491": "equipment-robotics",
        "3421": "equipment-robotics",
        "3741": "low-altitude-aerospace",
        "3963": "low-altitude-aerospace",
        "3825": "new-energy-storage",
        "3720": "rail-transit",
        "3711": "rail-transit",
        "3731": "shipbuilding-marine",
        "3022": "smart-construction",
        "2682": "fashion",
        "2438": "fashion",
        "2832": "biomanufacturing",
        "2511": "petrochem-materials",
        "2651": "petrochem-materials",
        "6621": "finance",
        "7320": "tech-services",
        "7452": "tech-services",
    }
    for code, node in expected.items():
        assert (node, "whole") in claims(gz, code), code


def test_future_nodes_only_claim_partially(gz: Framework) -> None:
    for node in gz.nodes:
        if node.kind == "future":
            assert node.codes and all(r.scope == "partial" for r in node.codes), node.id


def test_codes_are_text_with_their_digits(gz: Framework, fyp: Framework) -> None:
    for fw in (gz, fyp):
        for node in fw.industry_nodes():
            for rule in node.codes:
                assert isinstance(rule.code, str) and rule.code.isdigit() and len(rule.code) in (2, 3, 4)


def test_whole_ownership_is_exclusive_unless_shared(gz: Framework, fyp: Framework) -> None:
    for fw in (gz, fyp):
        for code, own in owners_by_code(fw).items():
            whole = [o for o in own if o.scope == "whole"]
            if len({o.node for o in whole}) > 1:
                assert all(o.rule.shared for o in whole), code


def test_manufacturing_coverage(gz: Framework) -> None:
    rows = coverage(gz)
    assert len(rows) == 609
    status = {r.code: r.status for r in rows}
    # advanced manufacturing is covered ...
    for code in (
        "3612",
        "3670",
        "3841",
        "3973",
        "3974",
        "2761",
        "3581",
        "3491",
        "3493",
        "3741",
        "3825",
        "3720",
        "3731",
        "3562",
        "3964",
        "2651",
        "3415",
    ):
        assert status[code] != "none", code
    # ... traditional classes that no cluster claims stay honestly uncovered
    for code in ("1311", "1620", "2211", "3011", "3110", "4210"):
        assert status[code] == "none", code
    uncovered = sum(s == "none" for s in status.values())
    assert 150 <= uncovered <= 260, uncovered


# --- the 十四五 pack ---------------------------------------------------------------------------------------


def test_14th_fyp_system(fyp: Framework) -> None:
    assert fyp.id == "guangzhou-14th-fyp"
    tiers = fyp.children("fyp14")
    assert names(tiers) == ["五大支柱产业", "五大特色优势产业", "五大制造服务业"]
    assert names(fyp.children("fyp14-pillar")) == [
        "数字经济核心产业",
        "智能网联和新能源汽车",
        "绿色石化和新材料",
        "生物医药与健康",
        "现代高端装备",
    ]
    assert names(fyp.children("fyp14-distinctive")) == [
        "纺织服装（含箱包皮具）",
        "美妆日化",
        "智能家电（含灯光音响、安防设备）",
        "珠宝首饰",
        "食品饮料",
    ]
    assert names(fyp.children("fyp14-mfg-services")) == [
        "定制服务",
        "工业设计",
        "检验检测",
        "系统集成",
        "物流与供应链管理",
    ]
    assert [len(fyp.children(t.id)) for t in tiers] == [5, 5, 5]
    assert {n.kind for n in fyp.children("fyp14-mfg-services")} == {"service"}
    assert all(n.status == "confirmed" and "gz-14th-industrial-plan" in n.sources for n in fyp.nodes)
    assert all(n.id.startswith("fyp14") for n in fyp.nodes)


def test_14th_fyp_concordance(fyp: Framework) -> None:
    assert claims(fyp, "3612") == [("fyp14-auto", "whole")]
    assert claims(fyp, "3973") == [("fyp14-digital", "whole")]
    assert claims(fyp, "2682") == [("fyp14-cosmetics", "whole")]
    assert claims(fyp, "2438") == [("fyp14-jewelry", "whole"), ("fyp14-customization", "partial")]
    assert claims(fyp, "7491") == [("fyp14-industrial-design", "whole")]
    assert claims(fyp, "7452") == [("fyp14-testing", "whole")]
    assert claims(fyp, "7224") == [("fyp14-logistics", "whole")]
    assert ("fyp14-digital", "whole") in claims(fyp, "6531")
    assert ("fyp14-system-integration", "partial") in claims(fyp, "6531")
