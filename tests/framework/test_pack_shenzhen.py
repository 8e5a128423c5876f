"""The shenzhen-20-8 pack: Shenzhen's "20+8" system (深府〔2022〕1号) checked against the public lists it encodes,
its city header, its concordance and its chain templates."""

from __future__ import annotations

from collections import Counter

import pytest

from chanye.framework import load_pack
from chanye.framework.check import check_pack
from chanye.framework.concordance import coverage, owners_by_code
from chanye.framework.model import Framework
from chanye.standards import gbt4754

PACK = "shenzhen-20-8"

# The 20 clusters in the order of the opinion, grouped by the field (领域) this pack puts them in.
FIELDS = {
    "sz-20-electronics": ("新一代电子信息", [
        ("network-communications", "网络与通信"),
        ("semiconductor", "半导体与集成电路"),
        ("uhd-display", "超高清视频显示"),
        ("smart-terminals", "智能终端"),
        ("smart-sensors", "智能传感器"),
    ]),
    "sz-20-digital-fashion": ("数字与时尚", [
        ("software-info", "软件与信息服务"),
        ("digital-creative", "数字创意"),
        ("modern-fashion", "现代时尚"),
    ]),
    "sz-20-equipment": ("高端装备制造", [
        ("machine-tools", "工业母机"),
        ("smart-robots", "智能机器人"),
        ("laser-additive", "激光与增材制造"),
        ("precision-instruments", "精密仪器设备"),
    ]),
    "sz-20-green": ("绿色低碳", [("new-energy", "新能源"), ("safety-env", "安全节能环保"), ("icv", "智能网联汽车")]),
    "sz-20-materials": ("新材料", [("new-materials", "新材料")]),
    "sz-20-health": ("生物医药与健康", [
        ("medical-devices", "高端医疗器械"),
        ("biomed", "生物医药"),
        ("health", "大健康"),
    ]),
    "sz-20-marine": ("海洋经济", [("marine", "海洋产业")]),
}
FUTURE = [
    ("synthetic-biology", "合成生物"),
    ("blockchain", "区块链"),
    ("cell-gene", "细胞与基因"),
    ("aerospace", "空天技术"),
    ("brain-science", "脑科学与类脑智能"),
    ("deep-earth-sea", "深地深海"),
    ("vlc-optical-computing", "可见光通信与光计算"),
    ("quantum", "量子信息"),
]
DISTRICTS = {
    "440303": ("罗湖区", "Luohu"),
    "440304": ("福田区", "Futian"),
    "440305": ("南山区", "Nanshan"),
    "440306": ("宝安区", "Bao'an"),
    "440307": ("龙岗区", "Longgang"),
    "440308": ("盐田区", "Yantian"),
    "440309": ("龙华区", "Longhua"),
    "440310": ("坪山区", "Pingshan"),
    "440311": ("光明区", "Guangming"),
}
CHAINS = {"icv": "icv", "new-energy": "new-energy", "semiconductor": "semiconductor",
          "smart-terminals": "smart-terminals"}


@pytest.fixture(scope="module")
def sz() -> Framework:
    return load_pack(PACK, check=True)


def claims(fw: Framework, code: str) -> list[tuple[str, str]]:
    return [(o.node, o.scope) for o in owners_by_code(fw).get(code, [])]


# --- header and city --------------------------------------------------------------------------------------


def test_header(sz: Framework) -> None:
    assert sz.id == PACK
    assert sz.info.name.zh == '深圳"20+8"产业集群'
    assert sz.info.city == "440300" and sz.info.city_en == "Shenzhen"
    assert sz.info.scale_metric == "revenue"
    assert sz.info.default is False
    assert sz.map_file == "440300.json"
    assert sz.info.sources == ("sz-opinion-2022", "sz-opinion-2022-report", "sz-future-plan-2022",
                               "sz-implementation-2024")


def test_the_nine_districts_with_their_english_names(sz: Framework) -> None:
    city = sz.city
    assert city.code == "440300" and city.name == "深圳市"
    assert city.label("en") == "Shenzhen" and city.label("zh") == "深圳市"
    assert [(d.code, d.name) for d in city.districts] == [(code, zh) for code, (zh, _) in DISTRICTS.items()]
    assert {code: city.district_label(code, "en") for code in DISTRICTS} == {
        code: en for code, (_, en) in DISTRICTS.items()}
    assert city.area_label(None, "en") == "Shenzhen" and city.area_label("440305", "zh") == "南山区"


@pytest.mark.parametrize(("text", "code"), [
    ("南山", "440305"), ("南山区", "440305"), ("Nanshan", "440305"), ("Bao'an", "440306"), ("Baoan", "440306"),
    ("bao'an district", "440306"), ("宝安", "440306"), (440311, "440311"), ("440309", "440309"),
    ("Longhua District", "440309"), ("广东省深圳市福田区", "440304"), ("深圳市坪山区", "440310"), ("Yantian", "440308"),
])
def test_districts_resolve(sz: Framework, text: object, code: str) -> None:
    assert sz.city.resolve_district(text).code == code


@pytest.mark.parametrize("text", ["天河", "Tianhe", "440106", "大鹏新区", "", None, "Shenzhen"])
def test_other_places_do_not_resolve(sz: Framework, text: object) -> None:
    assert sz.city.resolve_district(text) is None


def test_district_from_address(sz: Framework) -> None:
    assert sz.city.district_from_address("广东省深圳市南山区粤海街道科技园路1号").code == "440305"
    assert sz.city.district_from_address("深圳市龙岗区坂田街道").code == "440307"
    assert sz.city.district_from_address("广东省广州市天河区天河路1号") is None


# --- nodes ------------------------------------------------------------------------------------------------


def test_skeleton(sz: Framework) -> None:
    root = sz.node("sz20-8")
    assert root.kind == "system" and root.label == "20+8" and root.parent is None and root.status == "confirmed"
    assert [(n.id, n.label, n.kind) for n in sz.children("sz20-8")] == [("sz-20", "20", "tier"), ("sz-8", "8", "tier")]
    assert [n.id for n in sz.children("sz-20")] == list(FIELDS)
    assert all(n.kind == "tier" for n in sz.children("sz-20"))


def test_twenty_clusters_by_field(sz: Framework) -> None:
    clusters = [n for n in sz.nodes if n.kind == "cluster"]
    assert len(clusters) == 20
    for field_id, (field_name, members) in FIELDS.items():
        assert sz.node(field_id).name.zh == field_name
        assert [(n.id, n.name.zh) for n in sz.children(field_id)] == members
    assert [n.id for n in clusters] == [node_id for _, members in FIELDS.values() for node_id, _ in members]


def test_eight_future_industries(sz: Framework) -> None:
    future = sz.children("sz-8")
    assert [(n.id, n.name.zh, n.kind) for n in future] == [(i, name, "future") for i, name in FUTURE]
    assert [n.id for n in sz.nodes if n.kind == "future"] == [i for i, _ in FUTURE]


def test_statuses(sz: Framework) -> None:
    # The opinion names the 20 clusters and the 8 future industries: all confirmed. The seven fields that
    # group the clusters are not shown by the sources the pack has seen: provisional, and only they.
    provisional = [n.id for n in sz.nodes if n.status == "provisional"]
    assert provisional == list(FIELDS)
    assert len(sz.nodes) == 1 + 1 + 7 + 20 + 1 + 8
    assert len(sz.industry_nodes()) == 28
    assert all(n.status == "confirmed" and "sz-opinion-2022" in n.sources for n in sz.industry_nodes())
    for node_id in FIELDS:
        assert "暂定" in sz.node(node_id).description


def test_every_node_is_documented(sz: Framework) -> None:
    for node in sz.nodes:
        assert node.description and node.name.en, node.id
        if node.is_industry:
            assert node.codes and node.keywords, node.id


def test_every_cited_source_exists(sz: Framework) -> None:
    ids = {s.id for s in sz.sources}
    chain_ids = {s.id for s in sz.chain_sources}
    assert not ids & chain_ids
    assert all(i.startswith("chain-") for i in chain_ids)
    cited = [*sz.info.sources, *(s for n in sz.nodes for s in n.sources), *(s for m in sz.metrics for s in m.sources),
             *(s for t in sz.targets for s in t.sources)]
    assert set(cited) <= ids
    assert {s for c in sz.chains for s in c.sources} <= ids | chain_ids
    for source in (*sz.sources, *sz.chain_sources):
        assert source.title and source.publisher and source.date, source.id
    opinion = sz.source("sz-opinion-2022")
    assert opinion.title == "深圳市人民政府关于发展壮大战略性新兴产业集群和培育发展未来产业的意见（深府〔2022〕1号）"
    assert opinion.publisher == "深圳市人民政府" and opinion.date == "2022-06-06"
    assert opinion.url == "https://www.sz.gov.cn/zfgb/2022/gb1248/content/post_9918806.html"
    # every source is cited somewhere
    everything = set(cited) | {s for c in sz.chains for s in c.sources}
    assert ids | chain_ids == everything


def test_check_finds_no_errors_and_warns_of_the_seven_fields() -> None:
    findings = check_pack(PACK)
    assert [f for f in findings if f.level == "error"] == []
    warnings = [f for f in findings if f.level == "warning"]
    assert [(f.rule, f.node) for f in warnings] == [("provisional", node_id) for node_id in FIELDS]


# --- concordance ------------------------------------------------------------------------------------------


def test_whole_ownership_is_exclusive(sz: Framework) -> None:
    for code, owners in owners_by_code(sz).items():
        whole = [o.node for o in owners if o.scope == "whole"]
        assert len(whole) <= 1, (code, whole)
        assert not any(o.rule.shared for o in owners), code


def test_concordance_choices(sz: Framework) -> None:
    std = gbt4754.load()
    assert claims(sz, "3562") == [("semiconductor", "whole"), ("machine-tools", "partial")]
    assert claims(sz, "3985") == [("semiconductor", "partial"), ("uhd-display", "partial"),
                                  ("new-materials", "whole")]
    assert claims(sz, "3841") == [("new-energy", "whole"), ("icv", "partial")]
    assert all(claims(sz, code) == [("icv", "whole")] for code in std.small_classes_under("36") if code != "3670")
    assert claims(sz, "3670") == [("icv", "whole")]
    assert claims(sz, "3587") == [("modern-fashion", "whole")]
    assert claims(sz, "4021") == [("safety-env", "whole")]
    assert claims(sz, "4030") == [("modern-fashion", "whole")]
    assert claims(sz, "3983") == [("smart-sensors", "whole"), ("icv", "partial")]
    assert claims(sz, "3963") == [("smart-terminals", "whole")]
    assert claims(sz, "6520") == [("semiconductor", "whole"), ("brain-science", "partial")]
    assert claims(sz, "6422") == [("digital-creative", "whole")]
    assert claims(sz, "3424") == [("machine-tools", "whole"), ("laser-additive", "partial")]


def test_future_industries_claim_partially_but_two(sz: Framework) -> None:
    whole = {n.id: sorted(r.code for r in n.codes if r.scope == "whole") for n in sz.nodes if n.kind == "future"}
    assert whole == {"synthetic-biology": ["283"], "blockchain": [], "cell-gene": [], "aerospace": ["374", "4343"],
                     "brain-science": [], "deep-earth-sea": [], "vlc-optical-computing": [], "quantum": []}


def test_manufacturing_coverage(sz: Framework) -> None:
    # 门类 C has 609 小类: 183 owned by one node, 34 by several (a whole owner plus partial claims, or partial
    # claims only), 392 by none (food, textiles, wood, paper, basic metals ... are not "20+8" clusters).
    rows = coverage(sz)
    assert len(rows) == 609
    assert Counter(r.status for r in rows) == {"none": 392, "single": 183, "several": 34}


# --- metrics, targets, chains -----------------------------------------------------------------------------


def test_metrics_mirror_the_computed_ones_of_guangzhou(sz: Framework) -> None:
    gz = load_pack("guangzhou-12218")
    computed = {m.id for m in sz.metrics if m.method == "computed"}
    assert {m.id for m in gz.metrics if m.method == "computed"} <= computed
    scoreboard = [(m.id, m.unit, m.name) for m in sz.metrics if m.scoreboard]
    assert scoreboard == [(m.id, m.unit, m.name) for m in gz.metrics if m.scoreboard]
    assert {m.node for m in sz.metrics if m.method == "computed"} == {"sz20-8"}
    assert [m.id for m in sz.metrics if m.method == "published"] == ["gdp", "sei-va", "sei-va-share",
                                                                     "ic-industry-scale"]


def test_targets(sz: Framework) -> None:
    assert [(t.id, t.node, t.metric, t.value, t.unit, t.year, t.status) for t in sz.targets] == [
        ("sei-va-16000", "sz20-8", "value_added", 16000, "亿元", 2025, "confirmed"),
        ("semiconductor-revenue-2500", "semiconductor", "revenue", 2500, "亿元", 2025, "confirmed"),
        ("icv-revenue-2000", "icv", "revenue", 2000, "亿元", 2025, "confirmed"),
        ("uhd-display-revenue-4500", "uhd-display", "revenue", 4500, "亿元", 2025, "confirmed"),
    ]


def test_chain_templates(sz: Framework) -> None:
    assert {c.id: c.cluster for c in sz.chains} == CHAINS
    for chain in sz.chains:
        segments = {n.segment for n in chain.nodes}
        assert segments == {"upstream", "midstream", "downstream"}, chain.id
        assert chain.edges and all(n.codes or n.keywords for n in chain.nodes), chain.id
    assert [n.id for n in sz.chain("icv").nodes] == [
        "battery-materials", "auto-chips", "perception", "battery", "motor-control", "computing-cockpit",
        "v2x-comms", "parts", "vehicle", "charging", "cloud-services"]
    assert sz.chain("semiconductor").sources == ("sz-ic-plan-2022", "sz-opinion-2022-report", "chain-ic-policy-2020",
                                                 "nbs-sei-2018", "gbt4754-2017")
