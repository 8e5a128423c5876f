"""Chain analytics on a hand-made chain and a 20-firm registry, with every expected number worked out by hand.

The chain (tests/fixtures/chains/tiny-ev.yaml): 电池材料 materials, 车规芯片 chips (upstream); 动力电池 battery,
驱动电机 motor, 自动驾驶 adas (midstream, adas by keywords only); 整车制造 vehicle (downstream). Edges:
materials->battery, chips->motor, chips->adas, battery->vehicle, motor->vehicle, adas->vehicle.

Revenue 2023 (万元) and the cities' totals:
  广州 440100 (G1-G9): vehicle G1 500000 + G2 200000 + G3 100000; battery G4 30000; G5 10000 (unlinked);
      motor+adas G6 20000; adas G7 5000; seller G8 8000; G9 300000 (not on the chain)      total 1,173,000
  深圳 440300: battery S1 400000, chips S2 100000, adas S3 50000, S4 100000              total   650,000
  上海 310100: vehicle H1 600000, materials H2 80000, motor H3 60000, H4 200000           total   940,000
  苏州 320500: materials U1 50000, battery U2 50000, U3 50000                             total   150,000
  national sample                                                                        total 2,913,000
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from chanye.analytics import chains as ac
from chanye.classify import chains as cc
from chanye.framework.chains import ChainTemplate
from chanye.present import chains as pc
from chanye.services import chains as svc
from chanye.standards.regions import City

FIXTURE = Path(__file__).parents[1] / "fixtures" / "chains" / "tiny-ev.yaml"

FIRMS = [
    ("G1", "广州甲汽车有限公司", "440100", "440112", "3612", "新能源汽车整车制造；汽车零部件研发；动力电池销售"),
    ("G2", "广州乙汽车有限公司", "440100", "440112", "3611", "汽车制造；新能源汽车销售"),
    ("G3", "广州丙汽车有限公司", "440100", "440106", "3612", "新能源汽车制造"),
    ("G4", "广州丁电池有限公司", "440100", "440112", "3841", "动力电池制造；电池包组装"),
    ("G5", "广州戊储能有限公司", "440100", "440106", "3841", "锂离子电池制造；储能电池"),
    ("G6", "广州己电机有限公司", "440100", "440106", "3812", "驱动电机及控制器制造；自动驾驶系统研发"),
    ("G7", "广州庚智驾有限公司", "440100", "440106", "6513", "一般项目：自动驾驶算法研发；软件开发（依法须经批准的项目，经相关部门批准后方可开展经营活动）"),
    ("G8", "广州辛贸易有限公司", "440100", "440106", "5172", "汽车零配件批发；动力电池销售"),
    ("G9", "广州壬投资有限公司", "440100", "440106", "7212", "投资管理"),
    ("S1", "深圳甲电池有限公司", "440300", "440306", "3841", "动力电池制造"),
    ("S2", "深圳乙芯片有限公司", "440300", "440305", "3973", "车规芯片设计制造"),
    ("S3", "深圳丙智驾有限公司", "440300", "440305", "6513", "自动驾驶算法研发"),
    ("S4", "深圳丁投资有限公司", "440300", "440304", "7212", "投资管理"),
    ("H1", "上海甲汽车有限公司", "310100", "310115", "3612", "新能源汽车制造"),
    ("H2", "上海乙材料有限公司", "310100", "310115", "2613", "碳酸锂、正极材料生产"),
    ("H3", "上海丙电机有限公司", "310100", "310115", "3812", "驱动电机制造"),
    ("H4", "上海丁投资有限公司", "310100", "310101", "7212", "投资管理"),
    ("U1", "苏州甲材料有限公司", "320500", "320505", "3985", "正极材料、隔膜制造"),
    ("U2", "苏州乙电池有限公司", "320500", "320505", "3841", "电池包生产"),
    ("U3", "苏州丙投资有限公司", "320500", "320506", "7212", "投资管理"),
]
REVENUE_2023 = {
    "G1": 500000, "G2": 200000, "G3": 100000, "G4": 30000, "G5": 10000, "G6": 20000, "G7": 5000, "G8": 8000,
    "G9": 300000, "S1": 400000, "S2": 100000, "S3": 50000, "S4": 100000, "H1": 600000, "H2": 80000,
    "H3": 60000, "H4": 200000, "U1": 50000, "U2": 50000, "U3": 50000,
}  # fmt: skip
EARLIER = [  # (uscc, year, revenue): the base years of the CAGRs
    ("S1", 2021, 200000), ("S2", 2020, 50000), ("H2", 2022, 80000), ("U1", 2021, 25000), ("U2", 2022, 62500),
    ("G4", 2020, 15000), ("G6", 2022, 16000), ("G7", 2021, 2000), ("G1", 2019, 100000),
]  # fmt: skip
RD_2023 = {"G4": 1500, "G6": 3000, "G7": 1000}
TAGS = {
    "G1": ["above_scale", "listed"], "G2": ["above_scale"], "G3": ["above_scale", "high_tech"],
    "G4": ["above_scale", "srdi"], "G6": ["above_scale", "high_tech", "srdi"], "G7": ["high_tech"],
    "S1": ["above_scale", "listed", "little_giant"], "S2": ["srdi", "little_giant"], "S3": ["high_tech"],
    "H1": ["above_scale", "listed"], "H2": ["above_scale", "high_tech", "srdi"], "H3": ["above_scale"],
    "U1": ["little_giant"],
}  # fmt: skip

CITY = "440100"
TOTAL = {"440100": 1_173_000, "440300": 650_000, "310100": 940_000, "320500": 150_000}
NATIONAL = 2_913_000


def lq(node_area: float, area: float, node_national: float) -> float:
    return (node_area / area) / (node_national / NATIONAL)


@pytest.fixture(scope="module")
def chain() -> ChainTemplate:
    return ChainTemplate.model_validate(yaml.safe_load(FIXTURE.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def firms() -> pd.DataFrame:
    return pd.DataFrame(FIRMS, columns=["uscc", "name", "city_code", "district_code", "industry_code", "business_scope"])


@pytest.fixture(scope="module")
def figures() -> pd.DataFrame:
    rows = [(u, 2023, r, RD_2023.get(u)) for u, r in REVENUE_2023.items()]
    rows += [(u, y, r, None) for u, y, r in EARLIER]
    return pd.DataFrame(rows, columns=["uscc", "year", "revenue", "rd_expense"])


@pytest.fixture(scope="module")
def tags() -> pd.DataFrame:
    return pd.DataFrame([(u, t) for u, ts in TAGS.items() for t in ts], columns=["uscc", "tag"])


@pytest.fixture(scope="module")
def links(firms: pd.DataFrame, chain: ChainTemplate) -> pd.DataFrame:
    return cc.link_enterprises(firms, chain)


@pytest.fixture(scope="module")
def diagnosis(links, firms, figures, tags, chain) -> pd.DataFrame:
    return ac.diagnose(links, firms, figures, tags, chain, CITY, min_peer_firms=3)


def role_table(links: pd.DataFrame) -> dict[tuple[str, str], tuple[str, str]]:
    return {(r.uscc, r.chain_node): (r.role, r.method) for r in links.itertuples()}


def evidence(links: pd.DataFrame, uscc: str, node: str, chain: ChainTemplate, lang: str = "zh") -> str:
    """A link's evidence as the pages word it."""
    row = links[(links["uscc"] == uscc) & (links["chain_node"] == node)].iloc[0]
    return pc.evidence_text(row["method"], row["evidence"], node, pc.names_of(chain, lang), lang)


def worded(chain: ChainTemplate, district: str | None = None, *, diagnosis=None, leaders=None,
           recruitment=None, expansion=None, lang: str = "zh") -> dict[str, list[dict]]:
    """The analytics' frames as the service types them and the presenter words them: table -> rows."""
    empty = {"diagnosis": ac.DIAGNOSIS_COLUMNS, "leaders": ac.LEADER_COLUMNS,
             "recruitment": ac.RECRUITMENT_COLUMNS, "expansion": ac.EXPANSION_COLUMNS}
    given = {"diagnosis": diagnosis, "leaders": leaders, "recruitment": recruitment, "expansion": expansion}
    frames = {k: pd.DataFrame(columns=empty[k]) if f is None else f for k, f in given.items()}
    params = frames["diagnosis"].attrs.get("params", {"basis": "revenue", "weak_percentile": 40.0,
                                                      "min_producers": 3, "strong_lq": 1.0})
    city = City(CITY, "Guangzhou", (("440106", "Tianhe"), ("440112", "Huangpu")))
    v = svc.ChainView(chain, pd.DataFrame(columns=cc.LINK_COLUMNS), frames["diagnosis"], frames["leaders"],
                      frames["recruitment"], frames["expansion"], city, district, True, 2023, "current", params)
    b = svc.board_of(v)
    out = {}
    for name in ("diagnosis", "leaders", "recruitment", "expansion"):
        t = pc.worded(getattr(b, name), lang, chain=chain, city=city, district=district, params=b.params)
        out[name] = list(t.rows)
    return out


# --- linking ----------------------------------------------------------------------------------------------


def test_link_columns_and_order(links: pd.DataFrame) -> None:
    assert list(links.columns) == cc.LINK_COLUMNS
    assert set(links["chain"]) == {"tiny-ev"}
    # node order of the template, then producer / seller / user (生产 / 销售 / 依赖), then the firms' order
    assert list(links.loc[links["chain_node"] == "vehicle", "uscc"]) == ["G1", "G2", "G3", "H1"]
    assert list(links.loc[links["chain_node"] == "battery", "role"]) == ["producer"] * 3 + ["seller"] + ["user"] * 4
    assert not links.duplicated(["uscc", "chain_node"]).any()


def test_producers(links: pd.DataFrame, chain: ChainTemplate) -> None:
    producers = links[links["role"] == "producer"]
    assert sorted(zip(producers["chain_node"], producers["uscc"], strict=True)) == sorted([
        ("materials", "H2"), ("materials", "U1"), ("chips", "S2"), ("battery", "G4"), ("battery", "S1"),
        ("battery", "U2"), ("motor", "G6"), ("motor", "H3"), ("adas", "G6"), ("adas", "G7"), ("adas", "S3"),
        ("vehicle", "G1"), ("vehicle", "G2"), ("vehicle", "G3"), ("vehicle", "H1"),
    ])  # fmt: skip
    t = role_table(links)
    assert t["G1", "vehicle"] == ("producer", "code")  # 3612 whole
    assert t["G2", "vehicle"] == ("producer", "code+keyword")  # 3611 partial, 新能源 in the scope
    assert t["G6", "adas"] == ("producer", "keyword")  # a node keyword, any non-trade code
    assert t["G7", "adas"] == ("producer", "keyword")  # the scope's boilerplate is cleaned away first
    assert ("G5", "battery") not in t  # 3841 but none of the partial keywords (储能电池 only)
    assert not (links["uscc"] == "G9").any()
    row = links[(links["uscc"] == "G2") & (links["chain_node"] == "vehicle")].iloc[0]
    assert row["evidence"] == "3611|3611|新能源"  # the firm's code, the rule's, the word matched
    assert evidence(links, "G2", "vehicle", chain) == "行业代码 3611（部分归属），经营范围或名称含「新能源」"
    assert evidence(links, "G2", "vehicle", chain, "en") == (
        "industry code 3611 (partial), scope or name contains 「新能源」"
    )
    assert row["confidence"] == 0.8
    row = links[(links["uscc"] == "G1") & (links["chain_node"] == "vehicle")].iloc[0]
    assert (row["evidence"], row["confidence"]) == ("3612|3612", 0.9)
    assert evidence(links, "G1", "vehicle", chain) == "行业代码 3612（整体归属）"
    row = links[(links["uscc"] == "G6") & (links["chain_node"] == "adas")].iloc[0]
    assert row["evidence"] == "自动驾驶系统研发"
    assert evidence(links, "G6", "adas", chain) == "经营范围或名称含「自动驾驶系统研发」"


def test_sellers_need_a_trade_code_and_a_sales_clause(links: pd.DataFrame, chain: ChainTemplate) -> None:
    sellers = links[links["role"] == "seller"]
    assert list(zip(sellers["uscc"], sellers["chain_node"], strict=True)) == [("G8", "battery")]
    assert sellers.iloc[0]["evidence"] == "5172|动力电池销售"
    assert evidence(links, "G8", "battery", chain) == "批发零售业代码 5172，经营范围「动力电池销售」"
    assert evidence(links, "G8", "battery", chain, "en") == "trade code 5172, scope 「动力电池销售」"
    assert sellers.iloc[0]["confidence"] == 0.6
    # G1 also writes 动力电池销售 but is a manufacturer (3612): a user, not a seller
    assert role_table(links)["G1", "battery"] == ("user", "edge+keyword")


def test_users_follow_supply_edges_and_scope_words(links: pd.DataFrame, chain: ChainTemplate) -> None:
    t = role_table(links)
    users = {k: v for k, v in t.items() if v[0] == "user"}
    assert sorted(users) == sorted([
        ("G4", "materials"), ("S1", "materials"), ("U2", "materials"),
        ("G6", "chips"), ("H3", "chips"), ("G7", "chips"), ("S3", "chips"),
        ("G1", "battery"), ("G2", "battery"), ("G3", "battery"), ("H1", "battery"),
        ("G1", "motor"), ("G2", "motor"), ("G3", "motor"), ("H1", "motor"),
        ("G1", "adas"), ("G2", "adas"), ("G3", "adas"), ("H1", "adas"),
    ])  # fmt: skip
    assert t["G2", "battery"] == ("user", "edge")
    row = links[(links["uscc"] == "G1") & (links["chain_node"] == "battery")].iloc[0]
    assert row["evidence"] == "vehicle|动力电池"
    assert evidence(links, "G1", "battery", chain) == (
        "生产「整车制造」，供应关系 动力电池 → 整车制造；经营范围含上游产品「动力电池」"
    )
    assert evidence(links, "G1", "battery", chain, "en") == (
        "makes 「Vehicle assembly」, supply edge Traction batteries → Vehicle assembly; "
        "scope names the upstream product 「动力电池」"
    )
    assert row["confidence"] == 0.6
    # G6 makes motors and adas: its chips link cites the first downstream node in template order
    row = links[(links["uscc"] == "G6") & (links["chain_node"] == "chips")].iloc[0]
    assert row["evidence"] == "motor"
    assert evidence(links, "G6", "chips", chain) == "生产「驱动电机」，供应关系 车规芯片 → 驱动电机"
    # a producer of a node is never its user: G6 produces motor, so no motor link but producer
    assert t["G6", "motor"] == ("producer", "code+keyword")


def test_scope_keyword_user_without_direct_edge(chain: ChainTemplate) -> None:
    firms = pd.DataFrame(
        [("X1", "某汽车公司", "3612", "新能源汽车制造；碳酸锂采购")],
        columns=["uscc", "name", "industry_code", "business_scope"],
    )
    links = cc.link_enterprises(firms, chain)
    t = role_table(links)
    # materials -> battery -> vehicle: no direct edge, but the scope names 碳酸锂
    assert t["X1", "materials"] == ("user", "scope+keyword")
    assert evidence(links, "X1", "materials", chain) == "生产「整车制造」，经营范围含上游产品「碳酸锂」"
    assert t["X1", "battery"] == ("user", "edge")
    assert ("X1", "chips") not in t  # upstream too, but the scope names no chip


def test_roles_hint_limits_roles(chain: ChainTemplate, firms: pd.DataFrame) -> None:
    nodes = [n.model_copy(update={"roles": ("生产",)}) if n.id == "battery" else n for n in chain.nodes]
    limited = chain.model_copy(update={"nodes": tuple(nodes)})
    links = cc.link_enterprises(firms, limited)
    assert set(links.loc[links["chain_node"] == "battery", "role"]) == {"producer"}


def test_no_links_gives_empty_frame(chain: ChainTemplate) -> None:
    empty = cc.link_enterprises(
        pd.DataFrame([("Z", "无关公司", "7212", "投资")], columns=["uscc", "name", "industry_code", "business_scope"]),
        chain,
    )
    assert empty.empty
    assert list(empty.columns) == cc.LINK_COLUMNS


# --- diagnosis --------------------------------------------------------------------------------------------


def test_diagnosis_labels(diagnosis: pd.DataFrame) -> None:
    assert list(diagnosis.columns) == ac.DIAGNOSIS_COLUMNS
    assert dict(zip(diagnosis["chain_node"], diagnosis["status"], strict=True)) == {
        "materials": "missing",
        "chips": "missing",
        "battery": "weak",
        "motor": "weak",
        "adas": "weak",
        "vehicle": "strong",
    }
    assert diagnosis.attrs["params"]["peers"] == ["310100", "320500", "440300"]
    assert diagnosis.attrs["params"]["year"] == 2023


def test_diagnosis_numbers(diagnosis: pd.DataFrame) -> None:
    d = diagnosis.set_index("chain_node")
    assert d.loc["vehicle", "producers"] == 3
    assert d.loc["vehicle", "above_scale"] == 3
    assert d.loc["vehicle", "listed"] == 1
    assert d.loc["vehicle", "high_tech"] == 1
    assert d.loc["vehicle", "revenue_yi"] == pytest.approx(80.0)
    assert d.loc["vehicle", "national_revenue_yi"] == pytest.approx(140.0)
    assert d.loc["vehicle", "share_national"] == pytest.approx(80 / 140)
    assert d.loc["vehicle", "lq"] == pytest.approx(lq(800_000, TOTAL["440100"], 1_400_000))
    # peers making vehicles: 上海 only, so the 40th percentile is its LQ
    assert d.loc["vehicle", "peer_cities"] == 1
    assert d.loc["vehicle", "lq_threshold"] == pytest.approx(lq(600_000, TOTAL["310100"], 1_400_000))
    assert d.loc["vehicle", "lq_percentile"] == 100.0
    assert d.loc["battery", "sellers"] == 1
    assert d.loc["battery", "users"] == 3  # G1 G2 G3 (H1 is in 上海)
    battery_lq = lq(30_000, TOTAL["440100"], 480_000)
    # peers making batteries: 苏州 and 深圳; numpy's linear 40th percentile of two values a <= b is a + 0.4(b - a)
    peer = sorted([lq(400_000, TOTAL["440300"], 480_000), lq(50_000, TOTAL["320500"], 480_000)])
    assert d.loc["battery", "lq"] == pytest.approx(battery_lq)
    assert d.loc["battery", "peer_cities"] == 2
    assert d.loc["battery", "lq_threshold"] == pytest.approx(peer[0] + 0.4 * (peer[1] - peer[0]))
    assert d.loc["battery", "lq_percentile"] == 0.0
    assert d.loc["adas", "producers"] == 2
    assert d.loc["adas", "revenue_yi"] == pytest.approx(2.5)
    assert d.loc["adas", "lq"] == pytest.approx(lq(25_000, TOTAL["440100"], 75_000))
    assert d.loc["chips", "national_producers"] == 1
    assert math.isclose(d.loc["chips", "lq"], 0.0)


def test_diagnosis_reasons(diagnosis: pd.DataFrame, chain: ChainTemplate) -> None:
    problems = dict(zip(diagnosis["chain_node"], diagnosis["problems"], strict=True))
    assert problems == {"materials": ("no_producers",), "chips": ("no_producers",),
                        "battery": ("few_producers", "lq_below_floor", "lq_below_peers"),
                        "motor": ("few_producers", "lq_below_floor", "lq_below_peers"),
                        "adas": ("few_producers", "lq_below_floor", "lq_below_peers"), "vehicle": ()}  # fmt: skip
    rows = worded(chain, diagnosis=diagnosis)["diagnosis"]
    r = {row["chain_node"]: row["reason"] for row in rows}
    assert r["chips"] == "缺链：广州市没有该环节的生产企业（全国样本 1 家）"
    assert r["battery"] == (
        "弱链：生产企业 1 家，少于 3 家；区位商 0.16 低于 1；区位商 0.16 低于 2 个同类城市的第 40 百分位 2.71。"
        "现有生产企业 1 家（规上 1 家），营业收入 3.00 亿元，占全国样本 6.2%，区位商 0.16（按营业收入计）"
    )
    assert r["vehicle"] == (
        "强链：生产企业 3 家（规上 3 家），营业收入 80.00 亿元，占全国样本 57.1%，区位商 1.42（按营业收入计），"
        "不低于 1，也不低于 1 个同类城市的第 40 百分位 1.33"
    )
    en = {row["chain_node"]: row["reason"] for row in worded(chain, diagnosis=diagnosis, lang="en")["diagnosis"]}
    assert en["chips"] == "Missing: Guangzhou has no producer on this link (1 in the national sample)"
    assert en["battery"] == (
        "Weak: 1 producers, fewer than 3; LQ 0.16 below 1; LQ 0.16 below the 40th percentile of 2 peer cities, 2.71. "
        "Now: 1 producers (1 above designated size), revenue 3.00 (100m yuan), 6.2% of the national sample, "
        "LQ 0.16 (by revenue)"
    )


def test_thresholds_are_parameters(links, firms, figures, tags, chain) -> None:
    # Switch off the producer-count, 规上 and LQ >= 1 rules: only the peer percentile remains. Among the
    # peers that make the node, motor (0.62 vs 上海 2.32) and adas (0.83 vs 深圳 4.07) stay weak.
    relaxed = {"min_producers": 1, "strong_lq": 0, "require_above_scale": False, "min_peer_firms": 3}
    d = ac.diagnose(links, firms, figures, tags, chain, CITY, **relaxed)
    status = dict(zip(d["chain_node"], d["status"], strict=True))
    assert status == {"materials": "missing", "chips": "missing", "battery": "weak", "motor": "weak",
                      "adas": "weak", "vehicle": "strong"}  # fmt: skip
    reasons = {r["chain_node"]: r["reason"] for r in worded(chain, diagnosis=d)["diagnosis"]}
    assert reasons["motor"].startswith("弱链：区位商 0.62 低于 1 个同类城市的第 40 百分位 2.32。")
    # Comparing with every peer (zeros included), motor's and adas's thresholds fall to 0: both are strong.
    d = ac.diagnose(links, firms, figures, tags, chain, CITY, peer_active_only=False, **relaxed)
    status = dict(zip(d["chain_node"], d["status"], strict=True))
    assert status == {"materials": "missing", "chips": "missing", "battery": "weak", "motor": "strong",
                      "adas": "strong", "vehicle": "strong"}  # fmt: skip
    reasons = {r["chain_node"]: r["reason"] for r in worded(chain, diagnosis=d)["diagnosis"]}
    d = d.set_index("chain_node")
    assert d.loc["battery", "peer_cities"] == 3
    # peers 深圳 3.73, 上海 0, 苏州 2.02: the 40th percentile lies 0.8 of the way from 0 to 2.02
    assert d.loc["battery", "lq_threshold"] == pytest.approx(0.8 * lq(50_000, TOTAL["320500"], 480_000))
    assert d.loc["battery", "lq_percentile"] == pytest.approx(100 / 3)
    assert reasons["battery"].startswith("弱链：区位商 0.16 低于 3 个同类城市的第 40 百分位 1.62。")


def test_default_peers_need_enough_firms(links, firms, figures, tags, chain) -> None:
    d = ac.diagnose(links, firms, figures, tags, chain, CITY)  # MIN_PEER_FIRMS = 20: no peer city qualifies
    assert d.attrs["params"]["peers"] == []
    assert (d["peer_cities"] == 0).all()
    assert d["lq_threshold"].isna().all()
    explicit = ac.diagnose(links, firms, figures, tags, chain, CITY, peers=["440300", "440100"])
    assert explicit.attrs["params"]["peers"] == ["440300"]


def test_count_basis(links, firms, figures, tags, chain) -> None:
    d = ac.diagnose(links, firms, figures, tags, chain, CITY, basis="count", min_peer_firms=3)
    reasons = {r["chain_node"]: r["reason"] for r in worded(chain, diagnosis=d)["diagnosis"]}
    d = d.set_index("chain_node")
    # 3 of 9 firms in 广州 make vehicles against 4 of 20 nationally
    assert d.loc["vehicle", "lq"] == pytest.approx((3 / 9) / (4 / 20))
    assert reasons["vehicle"].endswith("区位商 1.67（按企业数计），不低于 1，也不低于 1 个同类城市的第 40 百分位 1.25")


def test_district_diagnosis(links, firms, figures, tags, chain) -> None:
    d = ac.diagnose(links, firms, figures, tags, chain, CITY, district="440112", min_peer_firms=3)
    zh = {r["chain_node"]: r["reason"] for r in worded(chain, "440112", diagnosis=d)["diagnosis"]}
    en = {r["chain_node"]: r["reason"] for r in worded(chain, "440112", diagnosis=d, lang="en")["diagnosis"]}
    d = d.set_index("chain_node")
    assert d.loc["vehicle", "area"] == "440112"
    assert d.loc["vehicle", "producers"] == 2  # G1, G2
    assert d.loc["vehicle", "lq"] == pytest.approx(lq(700_000, 730_000, 1_400_000))
    assert d.loc["vehicle", "status"] == "weak"  # 2 producers < 3
    assert d.loc["motor", "status"] == "missing"
    assert zh["motor"] == "缺链：黄埔区没有该环节的生产企业（全国样本 2 家）"
    assert en["motor"] == "Missing: Huangpu has no producer on this link (2 in the national sample)"


def test_bad_basis(links, firms, figures, tags, chain) -> None:
    from chanye.errors import InputError

    with pytest.raises(InputError, match="basis"):
        ac.diagnose(links, firms, figures, tags, chain, CITY, basis="value")


# --- leaders and lists ------------------------------------------------------------------------------------


def test_leaders(links, firms, figures, chain) -> None:
    found = ac.leaders(links, firms, figures, chain, CITY)
    assert list(found.columns) == ac.LEADER_COLUMNS
    # size: G1 50亿, G2 20亿, G3 10亿. Connectivity: G6 makes motor+adas, whose neighbourhoods cover
    # {motor, adas, chips, vehicle} = 4 nodes with 2 nodes made; G1, G2 (vehicle: 4 nodes, 1 made) follow.
    assert list(found["uscc"]) == ["G1", "G2", "G3", "G6"]
    assert list(found["basis"]) == [("size", "connectivity"), ("size", "connectivity"), ("size",),
                                    ("connectivity",)]
    assert list(found["size_rank"]) == [1, 2, 3, 5]
    assert list(found["connectivity_rank"]) == [2, 3, 4, 1]
    assert list(found["chain_nodes"]) == ["vehicle", "vehicle", "vehicle", "motor,adas"]
    assert list(found["chain_size"]) == [6] * 4
    rows = worded(chain, leaders=found)["leaders"]
    assert [r["nodes_text"] for r in rows] == ["整车制造", "整车制造", "整车制造", "驱动电机、自动驾驶"]
    assert rows[3]["reason"] == (
        "生产 2 个环节（驱动电机、自动驾驶），经供应关系连接链上 4/6 个环节，连接度本地第 1 位"
    )
    assert rows[0]["reason"] == (
        "营业收入 50.00 亿元，本地该链生产企业第 1 位；"
        "生产 1 个环节（整车制造），经供应关系连接链上 4/6 个环节，连接度本地第 2 位"
    )
    assert worded(chain, leaders=found, lang="en")["leaders"][3]["reason"] == (
        "makes 2 links (Drive motors, Automated driving), reaching 4/6 links by supply edges, No. 1 by connectivity"
    )
    assert list(ac.leaders(links, firms, figures, chain, CITY, top=1)["uscc"]) == ["G1", "G6"]


def test_recruitment_list(links, firms, figures, tags, chain, diagnosis) -> None:
    found = ac.recruitment_list(links, firms, figures, tags, chain, diagnosis, CITY)
    assert list(found.columns) == ac.RECRUITMENT_COLUMNS
    # Producers outside 广州 on 缺链/弱链 nodes; H1 (vehicle, 强链) is not a candidate.
    # size = ln(1+rev)/ln(1+400000); growth = CAGR/0.3 clipped; tags = held/4; connectivity = local
    # neighbours / 4 local nodes (battery, motor, adas, vehicle).
    size = {u: math.log1p(REVENUE_2023[u]) / math.log1p(400_000) for u in ("S1", "S2", "S3", "H2", "H3", "U1", "U2")}
    growth = {"S1": 1.0, "S2": (2 ** (1 / 3) - 1) / 0.3, "U1": 1.0}
    tag = {"S1": 0.5, "S2": 0.5, "S3": 0.25, "H2": 0.5, "U1": 0.25}
    conn = {"S2": 0.5}
    expected = {
        u: 0.4 * size[u] + 0.2 * growth.get(u, 0.0) + 0.2 * tag.get(u, 0.0) + 0.2 * conn.get(u, 0.25) for u in size
    }
    order = sorted(expected, key=lambda u: -expected[u])
    assert order == ["S1", "S2", "U1", "H2", "S3", "H3", "U2"]
    assert list(found["uscc"]) == order
    assert list(found["rank"]) == [1, 2, 3, 4, 5, 6, 7]
    assert np.allclose(found["score"], [expected[u] for u in order])
    first = found.iloc[0]
    assert (first["name"], first["city_code"], first["chain_nodes"], first["node_statuses"]) == (
        "深圳甲电池有限公司", "440300", "battery", "weak"
    )
    assert (first["tag_ids"], first["cagr_years"], first["local_nodes"]) == ("little_giant,listed", 2, 4)
    row = worded(chain, diagnosis=diagnosis, recruitment=found)["recruitment"][0]
    assert (row["name"], row["city"], row["nodes_text"]) == ("深圳甲电池有限公司", "深圳市", "动力电池（弱链）")
    assert row["reason"] == (
        "位于深圳市，生产动力电池（本地弱链）环节产品；营业收入 40.00 亿元；近 2 年营业收入年均增长 41.4%；"
        "资质：专精特新“小巨人”、上市；可与本地 1/4 个已有环节配套（整车制造）。综合得分 0.750"
    )
    en = worded(chain, diagnosis=diagnosis, recruitment=found, lang="en")["recruitment"][0]
    assert en["reason"] == (
        "in 深圳市, makes Traction batteries (weak here); revenue 40.00 (100m yuan); revenue CAGR 41.4% over 2 years; "
        "tags: little giant, listed; could work with 1/4 local links (Vehicle assembly). Score 0.750"
    )
    assert found.iloc[1]["linked_nodes"] == "motor,adas"
    assert list(ac.recruitment_list(links, firms, figures, tags, chain, diagnosis, CITY, top=2)["uscc"]) == [
        "S1", "S2"
    ]


def test_recruitment_weights(links, firms, figures, tags, chain, diagnosis) -> None:
    only_links = ac.RecruitmentWeights(size=0, growth=0, tags=0, connectivity=1)
    found = ac.recruitment_list(links, firms, figures, tags, chain, diagnosis, CITY, weights=only_links)
    assert found.iloc[0]["uscc"] == "S2"  # the only candidate next to two local nodes
    # ties (0.25) are broken by revenue, then USCC
    assert list(found["uscc"]) == ["S2", "S1", "H2", "H3", "S3", "U1", "U2"]


def test_expansion_list(links, firms, figures, tags, chain, diagnosis) -> None:
    found = ac.expansion_list(links, firms, figures, tags, chain, diagnosis, CITY)
    assert list(found.columns) == ac.EXPANSION_COLUMNS
    # every local producer on the chain (issue 11: strong links and 链主 too): G1, G2, G3 (vehicle, strong),
    # G4 (battery), G6 (motor, adas), G7 (adas). score = 0.25 size + 0.3 growth + 0.2 R&D + 0.15 tags + 0.1 规上;
    # size = ln(1 + revenue 万元) / ln(1 + 500000) (G1 the largest).
    size = {u: math.log1p(r) / math.log1p(500000) for u, r in REVENUE_2023.items()}
    expected = {
        "G6": 0.25 * size["G6"] + 0.3 * (0.25 / 0.3) + 0.2 * 1 + 0.15 * (2 / 4) + 0.1,   # CAGR 25%, R&D 15%
        "G4": 0.25 * size["G4"] + 0.3 * ((2 ** (1 / 3) - 1) / 0.3) + 0.2 * 0.5 + 0.15 * (1 / 4) + 0.1,
        "G7": 0.25 * size["G7"] + 0.3 * 1 + 0.2 * 1 + 0.15 * (1 / 4),                   # CAGR 58%, R&D 20%
    }
    found_scores = dict(zip(found["uscc"], found["score"], strict=True))
    for u, score in expected.items():
        assert found_scores[u] == pytest.approx(score)
    assert set(found["uscc"]) == {"G1", "G2", "G3", "G4", "G6", "G7"}
    assert found.iloc[0]["uscc"] == "G6" and found_scores["G6"] == pytest.approx(0.8137, abs=1e-4)
    assert list(found["score"]) == sorted(found["score"], reverse=True)
    weak = ac.expansion_list(links, firms, figures, tags, chain, diagnosis, CITY, statuses=("weak",))
    assert list(weak["uscc"]) == ["G6", "G4", "G7"]  # the old list: 弱链 only
    found = weak  # G6: 0.25·ln(20001)/ln(30001) (G4 the largest here) + 0.25 + 0.2 + 0.075 + 0.1 = 0.865
    assert list(found["district_code"]) == ["440106", "440112", "440106"]
    assert (found.iloc[0]["chain_nodes"], found.iloc[0]["node_statuses"]) == ("motor,adas", "weak,weak")
    rows = worded(chain, diagnosis=diagnosis, expansion=found)["expansion"]
    assert [r["district"] for r in rows] == ["天河区", "黄埔区", "天河区"]
    assert rows[0]["nodes_text"] == "驱动电机（弱链）、自动驾驶（弱链）"
    assert rows[0]["reason"] == (
        "天河区企业，生产驱动电机（弱链）、自动驾驶（弱链）环节产品；营业收入 2.00 亿元；近 1 年营业收入年均增长 25.0%；"
        "研发投入强度 15.0%；规上企业、专精特新、高新技术企业。综合得分 0.865"
    )
    en = worded(chain, diagnosis=diagnosis, expansion=found, lang="en")["expansion"]
    assert en[0]["reason"] == (
        "Tianhe firm, makes Drive motors (weak), Automated driving (weak); revenue 2.00 (100m yuan); "
        "revenue CAGR 25.0% over 1 years; R&D intensity 15.0%; above designated size, SRDI, high-tech. Score 0.865"
    )
    huangpu = ac.expansion_list(links, firms, figures, tags, chain, diagnosis, CITY, district="440112")
    # 黄埔's producers: G4 (battery, weak) and the vehicle makers G1, G2 (strong link)
    assert list(huangpu["uscc"]) == ["G4", "G1", "G2"]
    assert list(ac.expansion_list(links, firms, figures, tags, chain, diagnosis, CITY, district="440112",
                                  statuses=("weak",))["uscc"]) == ["G4"]


def test_lists_are_empty_without_candidates(links, firms, figures, tags, chain, diagnosis) -> None:
    none = ac.recruitment_list(links, firms, figures, tags, chain, diagnosis, CITY, statuses=("不存在",))
    assert none.empty and list(none.columns) == ac.RECRUITMENT_COLUMNS
    none = ac.expansion_list(links, firms, figures, tags, chain, diagnosis, CITY, statuses=("missing",))
    assert none.empty and list(none.columns) == ac.EXPANSION_COLUMNS


def test_any_city_is_the_area(links, firms, figures, tags, chain) -> None:
    """Nothing assumes Guangzhou: with 深圳 (440300) as the city, its firms are local and 广州 is a peer."""
    d = ac.diagnose(links, firms, figures, tags, chain, "440300", min_peer_firms=3)
    assert dict(zip(d["chain_node"], d["producers"], strict=True)) == {
        "materials": 0, "chips": 1, "battery": 1, "motor": 0, "adas": 1, "vehicle": 0}
    assert d.attrs["params"]["peers"] == ["310100", "320500", "440100"]
    assert set(d["area"]) == {"440300"}
    found = ac.recruitment_list(links, firms, figures, tags, chain, d, "440300")
    assert "440300" not in set(found["city_code"]) and "G1" in set(found["uscc"])  # 广州's vehicle makers
    city = City("440300", "Shenzhen")
    v = svc.ChainView(chain, links, d, ac.leaders(links, firms, figures, chain, "440300"), found,
                      ac.expansion_list(links, firms, figures, tags, chain, d, "440300"), city, None, True, 2023,
                      "current", d.attrs["params"])
    b = svc.board_of(v)
    rows = pc.worded(b.diagnosis, "zh", chain=chain, city=city, params=b.params).rows
    assert rows[-1]["reason"] == "缺链：深圳市没有该环节的生产企业（全国样本 4 家）"
    assert dict(zip(d["chain_node"], d["problems"], strict=True)) == {
        "materials": ("no_producers",), "chips": ("few_producers", "no_above_scale"), "battery": ("few_producers",),
        "motor": ("no_producers",), "adas": ("few_producers", "no_above_scale"), "vehicle": ("no_producers",)}
    # S1: 0.25·1 (the largest) + 0.3 (CAGR 41% > 30%) + 0.2·0 (no R&D figure) + 0.15·(2/4) + 0.1 (规上) = 0.725
    assert [(r["uscc"], r["chain_nodes"]) for r in b.expansion.rows] == [
        ("S1", ("battery",)), ("S2", ("chips",)), ("S3", ("adas",))]
    assert b.expansion.rows[0]["score"] == pytest.approx(0.725)
