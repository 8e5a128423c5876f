"""Disclosure control on the demo database (issue 17 item 3): the cells it reads are the scoreboard's, a visitor
sees no figure of fewer than 3 firms or of a dominated cell, every withheld cell passes the LP audit, a district
analyst sees their own district whole, the scoreboard tables and the Platform obey the viewer, and τ-ARGUS marks
the same primary cells and finds our pattern safe."""

from __future__ import annotations

import pandas as pd
import pytest

from chanye.analytics import disclosure as sdc
from chanye.analytics.disclosure import TOTAL
from chanye.framework import load_pack
from chanye.registry.store import Store
from chanye.services import disclosure, scoreboard
from chanye.services.access import LOCAL, Role, Viewer
from chanye.services.platform import Platform

VISITOR = Viewer("guest", Role.visitor)
HUANGPU = Viewer("hp", Role.district_analyst, "440112")
YEAR = 2024
MEASURES = ("revenue", "industrial_output", "value_added")


@pytest.fixture(scope="module")
def board(demo_db):
    with Store(demo_db, read_only=True) as store:
        return scoreboard.compute(store, load_pack())


def grid(board, measure: str) -> pd.DataFrame:
    fw = board.framework
    mine = board.cells[(board.cells["measure"] == measure) & (board.cells["kind"] == "table")
                       & (board.cells["year"] == YEAR)]
    return disclosure._grid(mine, [n.id for n in fw.industry_nodes()] + [TOTAL],
                            [d.code for d in fw.city.districts] + [TOTAL])


def test_the_cells_are_the_scoreboards_figures(board) -> None:
    """Every node x district cell (万元) is the scoreboard's figure (亿元) and its firm count, so what is withheld
    is what the pages show."""
    scale = board.scale[(board.scale["year"] == YEAR) & (board.scale["area_type"] == "district")]
    for measure in MEASURES:
        cells = grid(board, measure)
        inner = cells[(cells["row"] != TOTAL) & (cells["col"] != TOTAL)]
        shown = scale[scale["metric"] == measure].set_index(["node", "area"])["value"]
        firms = scale[scale["metric"] == "enterprises"].set_index(["node", "area"])["value"]
        for r, c, v, n in zip(inner["row"], inner["col"], inner["value"], inner["firms"], strict=True):
            assert v / 1e4 == pytest.approx(shown.get((r, c), 0.0) if pd.notna(shown.get((r, c))) else 0.0)
            assert n == firms.get((r, c), 0)
        assert len(inner) == 29 * 11


@pytest.mark.parametrize("measure", MEASURES)
def test_a_visitor_sees_no_cell_of_fewer_than_3_firms_and_every_primary_cell_is_protected(board, measure) -> None:
    cells = grid(board, measure)
    out = disclosure.node_district(board.cells, board.framework, year=YEAR, measure=measure, viewer=VISITOR)
    shown = out["status"] == sdc.PUBLISHED
    assert not ((out["contributors"] > 0) & (out["contributors"] < 3) & shown).any()
    assert (sdc.primary(cells)["status"][shown] == sdc.PUBLISHED).all()  # no dominated cell shown either
    assert out.loc[~shown, "value"].isna().all() and out.loc[shown, "value"].notna().all()
    audit = sdc.audit(cells, out["status"])
    assert len(audit) == int(out["status"].isin((sdc.PRIMARY_THRESHOLD, sdc.PRIMARY_DOMINANCE)).sum())
    assert audit["protected"].all()
    assert (audit["upper"] - audit["value"] >= audit["required"] - 1e-6).all()


@pytest.mark.parametrize("measure", MEASURES)
def test_the_primary_cells_are_exactly_the_rules_cells(board, measure) -> None:
    """Recounted from the contributions with the rules written out (1 or 2 firms; top firm > 85%; top two >
    90%), independently of `primary`: the same cells, and every one withheld."""
    cells = grid(board, measure)
    top1, top2 = cells["top1"].fillna(0.0), cells["top2"].fillna(0.0)
    few = (cells["contributors"] > 0) & (cells["contributors"] < 3)
    dominated = ~few & (cells["value"] > 0) & ((top1 * 100 > 85 * cells["value"])
                                               | ((top1 + top2) * 100 > 90 * cells["value"]))
    out = disclosure.node_district(board.cells, board.framework, year=YEAR, measure=measure, viewer=VISITOR)
    assert (out["status"] == sdc.PRIMARY_THRESHOLD).tolist() == few.tolist()
    assert (out["status"] == sdc.PRIMARY_DOMINANCE).tolist() == dominated.tolist()
    assert int(few.sum()) > 0 and int(dominated.sum()) > 0
    # complements stay few: at most one per primary cell on this sparse table
    assert int((out["status"] == sdc.SECONDARY).sum()) <= int((few | dominated).sum())


def test_a_district_analyst_sees_their_district_and_the_others_stay_protected(board) -> None:
    cells = grid(board, "revenue")
    out = disclosure.node_district(board.cells, board.framework, year=YEAR, measure="revenue", viewer=HUANGPU)
    own = out["col"] == "440112"
    assert (out.loc[own, "status"] == sdc.KNOWN).all()
    assert out.loc[own, "value"].tolist() == cells.loc[own, "value"].tolist()
    assert not ((out["contributors"] > 0) & (out["contributors"] < 3) & (out["status"] == sdc.PUBLISHED)).any()
    audit = sdc.audit(cells, out["status"], known=own)
    assert len(audit) > 0 and audit["protected"].all()
    assert not (audit["col"] == "440112").any()


def test_uncontrolled_viewers_see_everything(board) -> None:
    out = disclosure.node_district(board.cells, board.framework, year=YEAR, measure="revenue", viewer=LOCAL)
    assert set(out["status"]) == {sdc.PUBLISHED}
    assert out["value"].tolist() == grid(board, "revenue")["value"].tolist()


def test_scoreboard_tables_withhold_for_a_visitor(board) -> None:
    status = board.protection(YEAR, VISITOR)
    public = scoreboard.district_table(board, year=YEAR, node="ai", viewer=VISITOR)
    full = scoreboard.district_table(board, year=YEAR, node="ai")
    assert "disclosure" in public.keys and "disclosure" not in full.keys
    assert public.meta["disclosure_control"] is True
    withheld = 0
    for mine, whole in zip(public.rows, full.rows, strict=True):
        hidden = status.get(("ai", mine["adcode"])) in sdc.SUPPRESSED
        withheld += hidden
        assert (mine["scale"] is None) == (hidden or whole["scale"] is None)
        assert mine["enterprises"] == whole["enterprises"]  # firm counts stay
        if not hidden:
            assert mine["scale"] == whole["scale"]
        assert mine["disclosure"] == status.get(("ai", mine["adcode"]), sdc.PUBLISHED) or mine["yoy"] is None
    assert public.meta["suppressed"] == withheld and withheld > 0
    # a group node (the whole system) by district, and the nodes of one district
    system = scoreboard.district_table(board, year=YEAR, viewer=VISITOR)
    assert all((r["scale"] is None) == (status.get((system.meta["node"], r["adcode"])) in sdc.SUPPRESSED)
               for r in system.rows)
    nodes = scoreboard.node_table(board, year=YEAR, area="440112", viewer=VISITOR)
    for row in nodes.rows:
        if status.get((row["node_id"], "440112")) in sdc.SUPPRESSED:
            assert row["revenue"] is None and row["share_of_city"] is None
    # a district analyst of 黄埔 sees 黄埔's nodes whole
    own = scoreboard.node_table(board, year=YEAR, area="440112", viewer=HUANGPU)
    whole = scoreboard.node_table(board, year=YEAR, area="440112")
    assert [r["revenue"] for r in own.rows] == [r["revenue"] for r in whole.rows]


def test_group_lines_hide_a_district_where_a_member_cell_is_hidden(board) -> None:
    """A tier's figure in a district where one of its nodes is withheld is withheld too (else the tier minus
    its published nodes would give the cell back)."""
    fw = board.framework
    status = board.protection(YEAR, VISITOR)
    for group in disclosure.group_nodes(fw):
        inside = set(disclosure.members(fw, [group])[group]) & {n.id for n in fw.industry_nodes()}
        for d in fw.city.districts:
            if any(status.get((n, d.code)) in sdc.SUPPRESSED for n in inside):
                assert status.get((group, d.code)) in sdc.SUPPRESSED, (group, d.code)


def test_platform_passes_the_viewer(demo_db) -> None:
    with Platform(demo_db, "guangzhou-12218") as platform:
        public = platform.disclosure_table(year=YEAR, viewer=VISITOR)
        whole = platform.disclosure_table(year=YEAR)
        views = platform.scoreboard_tables(year=YEAR, viewer=VISITOR)
    assert public.meta["suppressed"] == sum(1 for r in public.rows if r["disclosure"] in sdc.SUPPRESSED) > 0
    assert whole.meta["suppressed"] == 0
    assert all((r["value"] is None) == (r["disclosure"] in sdc.SUPPRESSED) for r in public.rows)
    grand = next(r for r in public.rows if r["margin"] == "grand_total")
    assert grand["value"] == next(r for r in whole.rows if r["margin"] == "grand_total")["value"]
    assert views["districts"].meta["disclosure_control"] is True


# --- τ-ARGUS on the demo's tables ---------------------------------------------------------------------------------


def contributions(demo_db, board, measure: str) -> pd.DataFrame:
    """One record per (node, firm) as τ-ARGUS's microdata: row, col, uscc (the holding), value in 亿元 (τ-ARGUS's
    audit fails on values of 1e8 万元)."""
    fw = board.framework
    with Store(demo_db, read_only=True) as store:
        micro = store.query(
            f"""SELECT DISTINCT c.node AS row, e.district_code AS col, e.uscc, y.{measure} / 1e4 AS value
                FROM classifications c JOIN enterprises e USING (uscc) JOIN enterprise_years y USING (uscc)
                WHERE c.pack = ? AND e.city_code = ? AND e.district_code IS NOT NULL AND y.year = ?
                  AND y.{measure} IS NOT NULL""", [fw.id, fw.info.city, YEAR])
    return micro[micro["row"].isin({n.id for n in fw.industry_nodes()})]


@pytest.mark.parametrize("measure", MEASURES)
def test_tau_argus_marks_the_same_primary_cells_and_finds_our_pattern_safe(demo_db, board, measure, tmp_path):
    pytest.importorskip("pytauargus", reason="pytauargus (the dev extra) is not installed")
    from analytics.tauargus_reference import (  # tests/ is on sys.path (rootdir packages)
        tau_audit,
        tau_protect,
    )

    micro = contributions(demo_db, board, measure)
    ours = disclosure.node_district(board.cells, board.framework, year=YEAR, measure=measure, viewer=VISITOR)
    primary = {(r, c) for r, c, s in zip(ours["row"], ours["col"], ours["status"], strict=True)
               if s in (sdc.PRIMARY_THRESHOLD, sdc.PRIMARY_DOMINANCE)}
    status, tau_own = tau_protect(micro, tmp_path / "tau", holding="uscc")
    assert {k for k, s in status.items() if s == "U"} == primary
    assert not any(a["unsafe"] for a in tau_own)
    secondary = [(r, c) for r, c, s in zip(ours["row"], ours["col"], ours["status"], strict=True)
                 if s == sdc.SECONDARY]
    _, audit = tau_audit(micro, secondary, tmp_path / "ours", holding="uscc")
    assert {(a["row"], a["col"]) for a in audit} == primary | set(secondary)
    assert not any(a["unsafe"] for a in audit)
