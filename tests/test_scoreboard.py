"""The scoreboard on the demo database: calibrated figures reproduced, 千亿级 list, reconciliation, the
report's sheets; and every number in the JSON API carries a unit and a provenance."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from chanye.cli import app
from chanye.framework import load_pack
from chanye.registry.store import Store
from chanye.services import scoreboard

THOUSAND_BILLION_2024 = {
    "icv-nev", "uhd-display", "biomed", "petrochem-materials", "software-internet", "equipment-robotics", "ai",
    "new-energy-storage", "low-altitude-aerospace", "fashion", "rail-transit", "smart-construction",
}


@pytest.fixture(scope="module")
def board(demo_db):
    with Store(demo_db, read_only=True) as store:  # it only reads; other fixtures may hold the file read-only
        return scoreboard.compute(store, load_pack())


def test_reproduces_the_published_figures_it_was_calibrated_to(board, demo_calibration) -> None:
    published = demo_calibration[demo_calibration["basis"].isin(["published", "published constraint"])]
    node_rows = published[published["node"] != "city"]
    node_rows = node_rows[node_rows["metric"].isin(["industrial_output", "revenue", "value_added"])]
    assert len(node_rows) >= 16  # at least the 15 clusters' 2024 千亿级 constraints and biomed's 2050亿
    sc = board.scale
    for row in node_rows.itertuples():
        value = sc[(sc["node"] == row.node) & (sc["area"] == "440100") & (sc["year"] == row.year)
                   & (sc["metric"] == row.metric)]["value"].iloc[0]
        assert value == pytest.approx(row.target, rel=0.01), row.node
        if row.comparison == ">":
            assert value > row.published, row.node
        elif row.comparison == "<":
            assert value < row.published, row.node
        elif row.comparison == "=":
            assert value == pytest.approx(row.published, rel=0.01), row.node
    biomed = sc[(sc["node"] == "biomed") & (sc["area"] == "440100") & (sc["metric"] == "industrial_output")]
    by_year = dict(zip(biomed["year"], biomed["value"], strict=True))
    assert by_year[2024] == pytest.approx(2050, rel=0.01)
    assert (by_year[2024] / by_year[2023] - 1) * 100 == pytest.approx(20.0, abs=0.2)


def test_lists_the_thousand_billion_clusters(board) -> None:
    table = scoreboard.milestone_table(board).frame()
    clusters = {n for n, big in zip(table["node_id"], table["thousand_billion"], strict=True) if big}
    strategic = {n.id for n in board.framework.nodes if n.kind == "cluster"}
    assert clusters & strategic == THOUSAND_BILLION_2024


def test_reconciliation_shows_matches_and_gaps(board) -> None:
    rec = board.reconcile.set_index("id")
    assert rec.loc["gz-2024-biomed-output", "status"] == "match"
    assert rec.loc["gz-2024-count-100bn-clusters", "registry"] == 12
    assert rec.loc["gz-2024-count-100bn-services", ["status", "registry"]].tolist() == ["gap", 7]
    # 八大战略性新兴产业 is another classification than 12218: compared with all 12218 nodes, a gap shows.
    assert rec.loc["gz-2023-strategic-emerging-va", "status"] == "gap"
    assert rec.loc["gz-2023-gdp", "status"] == "not in registry"
    assert rec.loc["haizhu-2024-gdp", "provenance"] == "haizhu-gwr-2025"


def test_node_table_counts_each_firm_once_above_the_nodes(board) -> None:
    table = scoreboard.node_table(board, year=2024).frame().set_index("node_id")
    tier = table.loc["gz-21-pillar", "enterprises"]
    members = ["icv-nev", "uhd-display", "biomed", "petrochem-materials", "software-internet", "equipment-robotics"]
    assert tier <= table.loc[members, "enterprises"].sum()
    links = board.scale  # the tier's firms are the distinct union of its nodes' firms
    assert tier == links[(links["node"] == "gz-21-pillar") & (links["area"] == "440100") & (links["year"] == 2024)
                         & (links["metric"] == "enterprises")]["value"].iloc[0]
    assert set(table["provenance"]) == {"synthetic"}


def test_scoreboard_frames_number_the_firms_and_give_the_same_scale(demo_db) -> None:
    # Issue 14: compute() reads the firms numbered in SQL (0.. in USCC order over the four tables), ordered by
    # number; the scale equals the one from the USCC-keyed frames.
    import pandas as pd

    from chanye.analytics import indicators as ind
    from chanye.registry import views

    fw = load_pack()
    with Store(demo_db, read_only=True) as store:
        text = (views.firms(store), views.figures(store), views.tags(store), views.links(store, fw.id))
        ids = views.scoreboard_frames(store, fw.id)
        assert store.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = '_scoreboard_ids'") == 0
    number = {u: i for i, u in enumerate(sorted(set().union(*(set(f["uscc"]) for f in text))))}
    for before, after in zip(text, ids, strict=True):
        assert len(after) == len(before)
        assert after["uscc"].dtype == "int64"
        assert after["uscc"].tolist() == sorted(number[u] for u in before["uscc"])
    assert ids[0]["uscc"].tolist() == list(range(len(ids[0])))  # every demo firm has a row: 0..n-1
    assert ids[1][["uscc", "year"]].apply(tuple, axis=1).is_monotonic_increasing
    pd.testing.assert_frame_equal(ind.scale(*ids, fw), ind.scale(*text, fw))


def test_cli_writes_the_report_workbook(demo_db, tmp_path) -> None:
    out = tmp_path / "report.xlsx"
    result = CliRunner().invoke(app, ["scoreboard", "--db", str(demo_db), "-f", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    wb = load_workbook(out)
    assert wb.sheetnames == ["节点总览", "分区", "千亿级", "目标进度", "公开数据对照", "来源清单"]
    ws = wb["节点总览"]
    assert ws["A1"].value.startswith("示例数据")
    assert ws.freeze_panes == "A3"
    header = [c.value for c in ws[2]]
    col = header.index("工业总产值（亿元）") + 1
    assert ws.cell(row=3, column=col).number_format == "#,##0.00"
    bad = CliRunner().invoke(app, ["scoreboard", "--db", str(demo_db), "--node", "nowhere"])
    assert bad.exit_code == 1
    assert "框架 guangzhou-12218 中没有节点 'nowhere' (unknown node)" in bad.stderr


@pytest.mark.parametrize("view", ["nodes", "districts?node=biomed", "milestones", "targets", "reconcile"])
def test_every_number_in_the_api_carries_unit_and_provenance(demo_db, view) -> None:
    from fastapi.testclient import TestClient

    from chanye.web.app import create_app

    with TestClient(create_app(demo_db)) as client:
        data = client.get(f"/api/v1/scoreboard/{view}").json()
    assert data["rows"]
    numbers = [c["key"] for c in data["columns"] if c["type"] in ("number", "integer")]
    assert numbers
    for row in data["rows"]:
        for key in numbers:
            assert set(row[key]) == {"value", "unit", "provenance"}, key
            assert row[key]["unit"] and row[key]["provenance"], key
    # plain numbers elsewhere are years only
    plain = [v for row in data["rows"] for k, v in row.items() if k not in numbers and isinstance(v, (int, float))
             and not isinstance(v, bool)]
    assert all(1990 <= y <= 2100 for y in plain)
