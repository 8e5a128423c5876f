"""`present.chains`: a link's evidence worded from its parts, evidence of another format shown as stored, and
the reader's sheets (coded lists as words, one language)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chanye.classify.chains import parse_evidence
from chanye.framework.chains import ChainTemplate
from chanye.present import chains as pc
from chanye.present import tables as present
from chanye.services import chains as svc
from chanye.services.results import SYNTHETIC, table
from chanye.standards.regions import City

FIXTURE = Path(__file__).parents[1] / "fixtures" / "chains" / "tiny-ev.yaml"


@pytest.fixture(scope="module")
def chain() -> ChainTemplate:
    return ChainTemplate.model_validate(yaml.safe_load(FIXTURE.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("method", "evidence", "node", "zh", "en"),
    [
        ("code", "1713|171", "vehicle", "行业代码 1713（属 171，整体归属）", "industry code 1713 (under 171, whole)"),
        ("code+keyword", "3611|361|新能源", "vehicle", "行业代码 3611（属 361，部分归属），经营范围或名称含「新能源」",
         "industry code 3611 (under 361, partial), scope or name contains 「新能源」"),
        ("trade+keyword", "5172|销售电池|电池包", "battery", "批发零售业代码 5172，经营范围「销售电池|电池包」",
         "trade code 5172, scope 「销售电池|电池包」"),
        ("edge", "vehicle", "motor", "生产「整车制造」，供应关系 驱动电机 → 整车制造",
         "makes 「Vehicle assembly」, supply edge Drive motors → Vehicle assembly"),
        ("edge+keyword", "vehicle|电机", "motor", "生产「整车制造」，供应关系 驱动电机 → 整车制造；经营范围含上游产品「电机」",
         "makes 「Vehicle assembly」, supply edge Drive motors → Vehicle assembly; scope names the upstream product 「电机」"),
        ("scope+keyword", "vehicle|碳酸锂", "materials", "生产「整车制造」，经营范围含上游产品「碳酸锂」",
         "makes 「Vehicle assembly」, scope names the upstream product 「碳酸锂」"),
    ],
)
def test_evidence_in_both_languages(chain, method, evidence, node, zh, en) -> None:
    assert pc.evidence_text(method, evidence, node, pc.names_of(chain, "zh"), "zh") == zh
    assert pc.evidence_text(method, evidence, node, pc.names_of(chain, "en"), "en") == en


def test_evidence_of_another_format_is_shown_as_stored(chain) -> None:
    old = "行业代码 3612（整体归属）"
    assert parse_evidence("code", old) is None and parse_evidence("edge", "") is None
    assert parse_evidence("unknown", "3612|3612") is None and parse_evidence("code", "3612|") is None
    assert pc.evidence_text("code", old, "vehicle", pc.names_of(chain), "en") == old
    assert parse_evidence("trade+keyword", "5172|a|b") == {"code": "5172", "clause": "a|b"}


def test_sheet_words_coded_lists_and_keeps_the_order(chain) -> None:
    t = table("chain_leaders", svc.LEADER_COLUMNS, [{
        "name": "示例甲公司", "uscc": "X", "chain_nodes": ("motor", "adas"), "basis": ("size", "connectivity"),
        "revenue": 2.0, "node_count": 2, "connectivity": 4, "chain_size": 6, "size_rank": 1, "connectivity_rank": 1,
    }], SYNTHETIC)
    zh = pc.sheet(pc.worded(t, "zh", chain=chain, city=City("440100")), "zh")
    assert zh.keys == list(pc.SHEET["chain_leaders"])
    frame = present.frame(zh, "zh")
    assert list(frame.columns[:4]) == ["企业名称", "所在环节", "依据", "说明"]
    assert frame.iloc[0]["依据"] == "规模、连接" and frame.iloc[0]["所在环节"] == "驱动电机、自动驾驶"
    assert frame.iloc[0]["环节编号"] == "motor,adas" and frame.iloc[0]["营业收入（亿元）"] == 2.0
    en = present.frame(pc.sheet(pc.worded(t, "en", chain=chain, city=City("440100")), "en"), "en")
    assert en.iloc[0]["Basis"] == "size, connectivity" and en.iloc[0]["Links"] == "Drive motors, Automated driving"
    assert en.iloc[0]["Revenue (100m yuan)"] == 2.0
