"""The report's summary (摘要) on a small hand-built registry: the typed tables the services would return for
a three-industry system, with every sentence worked out by hand (zh and en), and the period rules."""

from __future__ import annotations

import pytest

from chanye.errors import InputError
from chanye.report import period as periods
from chanye.report import summary as summ
from chanye.services.results import SYNTHETIC, Column, table

NODE_COLUMNS = [Column("node", "name"), Column("node_id", "code"), Column("kind", codes="kind"),
                Column("industrial_output", "number", "yi_yuan"), Column("enterprises", "integer", "firms"),
                Column("scale_metric", codes="metric"), Column("yoy", "number", "percent"),
                Column("thousand_billion", "boolean")]


def node(zh: str, en: str, node_id: str, kind: str, output: float, firms: int, yoy: float | None, tb: bool | None):
    return {"node": {"zh": zh, "en": en}, "node_id": node_id, "kind": kind, "industrial_output": output,
            "enterprises": firms, "scale_metric": "industrial_output", "yoy": yoy, "thousand_billion": tb}


CARS = {"zh": "汽车", "en": "Cars"}
PHARMA = {"zh": "医药", "en": "Pharma"}


@pytest.fixture
def facts() -> summ.Facts:
    nodes = table("nodes", NODE_COLUMNS, [
        node("测试体系", "Test system", "root", "system", 2500.0, 120, 5.0, None),
        node("支柱产业", "Pillars", "tier-a", "tier", 2500.0, 120, 5.0, None),
        node("汽车", "Cars", "cars", "cluster", 1200.0, 40, 12.5, True),
        node("储能", "Storage", "batteries", "cluster", 800.0, 30, 20.0, False),
        node("医药", "Pharma", "pharma", "cluster", 500.0, 50, -3.2, False),
    ], SYNTHETIC, year=2024)
    milestones = table("milestones", [Column("node", "name"), Column("node_id", "code"),
                                      Column("crossed_1000", "year"), Column("crossed_1000_or_earlier", "boolean")],
                       [{"node": CARS, "node_id": "cars", "crossed_1000": 2024, "crossed_1000_or_earlier": False}],
                       SYNTHETIC)
    targets = table("targets", [Column("node", "name"), Column("metric", codes="metric"), Column("target_year", "year"),
                                Column("target", "number", "yi_yuan"), Column("projected_year", "year"),
                                Column("target_status", codes="target_status")], [
        {"node": PHARMA, "metric": "industrial_output", "target_year": 2027, "target": 1000.0,
         "projected_year": 2031, "target_status": "behind"},
        {"node": CARS, "metric": "industrial_output", "target_year": 2025, "target": 1000.0,
         "projected_year": None, "target_status": "reached"},
    ], SYNTHETIC)
    chains = table("chain_summary", [Column("chain", "name"), Column("weak", "integer", "count"),
                                     Column("missing", "integer", "count")], [
        {"chain": {"zh": "汽车产业链", "en": "Car chain"}, "weak": 3, "missing": 2},
        {"chain": {"zh": "医药产业链", "en": "Pharma chain"}, "weak": 1, "missing": 0},
    ], SYNTHETIC)
    opportunities = table("growth_opportunities", [Column("activity", "code"), Column("name")], [
        {"activity": "3841", "name": "锂离子电池制造"}, {"activity": "3670", "name": "汽车零部件及配件制造"},
        {"activity": "2710", "name": "化学药品原料药制造"}, {"activity": "2720", "name": "化学药品制剂制造"},
    ], SYNTHETIC)
    return summ.Facts(year=2024, area={"zh": "测试市", "en": "Test City"}, nodes=nodes, milestones=milestones,
                      targets=targets, chains=chains, opportunities=opportunities)


def test_golden_sentences_in_chinese(facts) -> None:
    assert summ.paragraph(facts, "zh") == [
        "2024年，测试体系工业总产值2,500.0亿元，同比增长5.0%，涉及企业120家。",
        "增速最快的是储能（+20.0%）和汽车（+12.5%）。",
        "医药规模同比下降。",
        "汽车于2024年规模首次突破千亿元，千亿级产业增至1个。",
        "1项发展目标进度滞后：医药工业总产值（2027年目标1,000亿元，按现有增速预计2031年达到）。",
        "2条产业链中，缺链环节2个、弱链环节4个；缺链环节最多的是汽车产业链（2个）。",
        "按产业关联与复杂度测算，测试市最值得培育的产业方向是锂离子电池制造、汽车零部件及配件制造和化学药品原料药制造。",
    ]


def test_golden_sentences_in_english(facts) -> None:
    assert summ.paragraph(facts, "en") == [
        "In 2024, industrial output of Test system was 2,500.0 100m yuan, up 5.0% year on year, from 120 enterprises.",
        "The fastest-growing were Storage (+20.0%) and Cars (+12.5%).",
        "Pharma shrank year on year.",
        "Cars passed 100 bn yuan for the first time in 2024; industries above 100 bn yuan: 1.",
        "1 target(s) behind schedule: Pharma industrial output (1,000 100m yuan by 2027; reached in 2031 at the "
        "current pace).",
        "Across 2 chains, 2 links are missing and 4 weak; most missing links: Car chain (2).",
        "By relatedness and complexity, the most promising industries for Test City are 锂离子电池制造, "
        "汽车零部件及配件制造 and 化学药品原料药制造.",
    ]


def test_no_missing_link_no_late_target_no_new_thousand(facts) -> None:
    chains = table("chain_summary", facts.chains.columns,
                   [{**r, "missing": 0} for r in facts.chains.rows], SYNTHETIC)
    targets = table("targets", facts.targets.columns,
                    [{**r, "target_status": "on_track"} for r in facts.targets.rows], SYNTHETIC)
    milestones = table("milestones", facts.milestones.columns,
                       [{**facts.milestones.rows[0], "crossed_1000": 2021}], SYNTHETIC)
    quiet = summ.Facts(year=2024, area=facts.area, nodes=facts.nodes, milestones=milestones, targets=targets,
                       chains=chains)
    assert summ.paragraph(quiet, "zh")[3:] == [
        "规模超过千亿元的产业共1个：汽车。",
        "已设定的2项发展目标均已达成或按期可达。",
        "2条产业链暂无缺链环节，弱链环节4个。",
    ]


def test_a_district_is_named_and_its_share_given(facts) -> None:
    district = table("districts", [Column("district", "name"), Column("node", "name"),
                                   Column("scale", "number", "yi_yuan"), Column("share_of_node", "number", "percent"),
                                   Column("lq", "number", "ratio")],
                     [{"district": {"zh": "甲区", "en": "Jia"}, "node": {"zh": "测试体系", "en": "Test system"},
                       "scale": 625.0, "share_of_node": 25.0, "lq": 1.234}], SYNTHETIC, metric="industrial_output")
    mine = summ.Facts(year=2024, area={"zh": "甲区", "en": "Jia"}, nodes=facts.nodes, district=district)
    assert summ.paragraph(mine, "zh")[:2] == [
        "2024年，甲区测试体系工业总产值2,500.0亿元，同比增长5.0%，涉及企业120家。",
        "甲区测试体系工业总产值625.0亿元，占全市的25.0%，区位商1.23。",
    ]
    assert summ.paragraph(mine, "en")[1] == "Jia: industrial output of Test system was 625.0 100m yuan, 25.0% of the city, LQ 1.23."


def test_a_template_rewords_a_sentence(facts) -> None:
    wording = {"fastest": ("领跑产业：{items}。", "Leaders: {items}.")}
    assert summ.paragraph(facts, "zh", wording)[1] == "领跑产业：储能（+20.0%）和汽车（+12.5%）。"
    assert summ.paragraph(facts, "en", wording)[1] == "Leaders: Storage (+20.0%) and Cars (+12.5%)."


@pytest.mark.parametrize(("text", "year", "kind", "shown"), [
    ("2024", 2024, "year", "2024"), ("2024Q4", 2024, "quarter", "2024Q4"), ("2024q4", 2024, "quarter", "2024Q4"),
    ("2024-12", 2024, "month", "2024-12"), ("202412", 2024, "month", "2024-12"), (None, 2023, "year", "2023"),
])
def test_periods_of_a_yearly_registry(text, year, kind, shown) -> None:
    assert periods.parse(text, default_year=2023) == periods.Period(shown, year, kind)


@pytest.mark.parametrize(("text", "message"), [
    ("2024Q2", r"报告期 2024Q2 无法编制：登记库只有年度数据.*yearly data only.*改用 --period 2024 或 2024Q4"),
    ("2024-06", r"报告期 2024-06 无法编制.*改用 --period 2024 或 2024-12"),
    ("2024-13", r"看不懂的报告期 '2024-13' \(unreadable period\)"),
    ("去年", r"看不懂的报告期 '去年'"),
])
def test_a_period_without_data_is_refused_with_the_fix(text, message) -> None:
    with pytest.raises(InputError, match=message):
        periods.parse(text, default_year=2024)
