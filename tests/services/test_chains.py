"""`services.chains` through the Platform on the small demo: typed results with machine keys, a machine unit and
the data's provenance on every number column, codes instead of words, the cache per data generation, and the
district from the pack's city."""

from __future__ import annotations

import re

import pytest

from chanye.errors import NotFound
from chanye.services import chains as svc
from chanye.services.platform import Platform
from chanye.services.results import UNITS, Table

KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@pytest.fixture(scope="module")
def platform(demo_db) -> Platform:
    return Platform(demo_db)


def check(table: Table) -> None:
    """Machine keys; every number column has a machine unit; rows carry exactly the table's keys."""
    assert all(KEY.match(c.key) for c in table.columns), table.name
    assert all(c.unit in UNITS for c in table.columns if c.is_number), table.name
    assert all(set(r) == set(table.keys) for r in table.rows), table.name
    assert table.provenance.key == "synthetic"
    for cell in (cell for row in table.cells() for cell in row.values() if isinstance(cell, dict) and "unit" in cell):
        assert cell["unit"] in UNITS and cell["provenance"] == "synthetic"


def test_overview_is_one_typed_row_per_chain(platform) -> None:
    result = platform.chains()
    assert isinstance(result, svc.ChainsOverview) and result.district is None and result.year == 2024
    check(result.summary)
    rows = result.summary.rows
    assert [r["chain_id"] for r in rows] == [c.id for c in platform.framework.chains]
    for row, chain in zip(rows, platform.framework.chains, strict=True):
        assert row["strong"] + row["weak"] + row["missing"] == row["nodes"] == len(chain.nodes)
        assert row["chain"] == {"zh": chain.name.zh, "en": chain.name.en}
        assert row["link_status"] == "current"
    assert platform.chains() is result  # cached
    assert platform.chains("440100") is result  # the city's own code is the whole city


def test_board_holds_codes_and_numbers_not_words(platform) -> None:
    board = platform.chain("icv-nev")
    assert isinstance(board, svc.ChainBoard) and board.link_status == "current"
    for table in (board.diagnosis, board.leaders, board.recruitment, board.expansion):
        check(table)
    statuses = {r["status"] for r in board.diagnosis.rows}
    assert statuses <= {"strong", "weak", "missing"} and sum(board.counts().values()) == len(board.chain.nodes)
    assert {c.key: c.unit for c in board.diagnosis.columns if c.is_number} == {
        "producers": "firms", "above_scale": "firms", "srdi": "firms", "little_giant": "firms",
        "high_tech": "firms", "listed": "firms", "sellers": "firms", "users": "firms", "revenue": "yi_yuan",
        "national_producers": "firms", "national_revenue": "yi_yuan", "share_national": "percent",
        "lq": "ratio", "lq_threshold": "ratio", "lq_percentile": "percent", "peer_cities": "count",
    }
    assert {c.key: c.unit for c in board.recruitment.columns if c.is_number} == {
        "score": "score", "revenue": "yi_yuan", "cagr": "percent", "cagr_years": "year", "size": "score",
        "growth": "score", "tag_score": "score", "connectivity": "score", "local_nodes": "count",
    }
    text = repr([t.rows for t in (board.diagnosis, board.leaders, board.recruitment, board.expansion)])
    for word in ("强链", "弱链", "缺链", "生产", "推荐", "亿元", "规模"):
        assert word not in text
    # the recruitment list is producers elsewhere on weak or missing links, best first
    scores = [r["score"] for r in board.recruitment.rows]
    assert scores == sorted(scores, reverse=True)
    assert all(r["city_code"] != "440100" for r in board.recruitment.rows)
    weak_or_missing = {r["chain_node"] for r in board.diagnosis.rows if r["status"] != "strong"}
    assert all(set(r["chain_nodes"]) <= weak_or_missing for r in board.recruitment.rows)
    assert platform.chain("icv-nev") is board


def test_a_district_by_any_spelling(platform) -> None:
    huangpu = platform.chain("icv-nev", "黄埔")
    assert huangpu.district == "440112"
    assert platform.chain("icv-nev", "Huangpu") is huangpu and platform.chain("icv-nev", "440112") is huangpu
    whole = platform.chain("icv-nev")
    for part, city in zip(huangpu.diagnosis.rows, whole.diagnosis.rows, strict=True):
        assert part["producers"] <= city["producers"]
    assert all(r["district_code"] == "440112" for r in huangpu.expansion.rows)
    with pytest.raises(NotFound, match=r"没有这个区: 火星区 \(not a district of Guangzhou\)"):
        platform.chain("icv-nev", "火星区")


def test_node_detail(platform) -> None:
    detail = platform.chain_node("icv-nev", "battery", limit=5)
    assert isinstance(detail, svc.NodeDetail) and len(detail.firms.rows) == min(5, detail.total_firms)
    check(detail.firms)
    check(detail.targets)
    assert sum(detail.roles.values()) == detail.total_firms
    assert detail.diagnosis.rows[0]["producers"] == detail.roles["producer"]
    assert all(r["method"] and r["evidence"] and r["role"] in detail.roles for r in detail.firms.rows)
    full = platform.chain_node("icv-nev", "battery", limit=None)
    assert len(full.firms.rows) == full.total_firms and full.firms.rows[:5] == detail.firms.rows
    assert len(full.targets.rows) == full.total_targets == sum(
        "battery" in r["chain_nodes"] for r in platform.chain("icv-nev").recruitment.rows)


def test_new_data_generation_recomputes(demo_db) -> None:
    platform = Platform(demo_db)
    before = platform.chain("icv-nev")
    platform.data_changed()
    after = platform.chain("icv-nev")
    assert after is not before and after.diagnosis.rows == before.diagnosis.rows
