"""统计披露控制 Disclosure control of the aggregates visitors and cross-district users see (issue 17).

The rules are `chanye.analytics.disclosure`'s (threshold 3 firms, dominance (1, 85%) and (2, 90%), secondary
suppression by rectangles, an LP audit; sources in its docstring and docs/disclosure.md). This module applies
them to the registry's figures:

- the **node x district table** of a year and measure: rows the pack's industry nodes, columns the city's
  districts, with each node's city total, each district's total over the nodes and the grand total (firms with
  a district only, so that the table adds up);
- the **lines** of every other figure the pages show by district: a group node (tier, the whole system) and
  all firms, each district with the city total. A group's figure in a district is suppressed too where one of
  its member nodes' cells is (else group minus published members would give the cell back), and its line gets
  complements like any line.

Who sees what (`services.access.Viewer`): admins and city analysts see every figure (status ``published``);
a visitor sees every cell under control; a district analyst sees the cells of their own district as they are
(status ``known``: they see those firms anyway) and every other district under control, computed with their
own district's cells counted as known to them, so that what they know cannot be used to undo the protection
of the others. Firm counts (企业数) are shown to everyone: who is registered where is public registration
information, the rules protect magnitudes.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from chanye.analytics import disclosure as sdc
from chanye.analytics import disclosure_cells
from chanye.analytics.indicators import ALL_FIRMS, WAN_PER_YI
from chanye.errors import InputError
from chanye.framework.model import Framework
from chanye.services.access import LOCAL, Viewer
from chanye.services.results import Column, Provenance, Table, table

MEASURES = ("revenue", "industrial_output", "value_added")  #: the magnitudes the pages show (亿元)
TABLE, LINE = "table", "line"
# Worse statuses win when a figure is under several measures' control.
_RANK = {sdc.PRIMARY_THRESHOLD: 4, sdc.PRIMARY_DOMINANCE: 3, sdc.SECONDARY: 2, sdc.KNOWN: 1, sdc.PUBLISHED: 0}


def members(framework: Framework, node_ids: Iterable[str]) -> dict[str, list[str]]:
    """Node id -> the node ids whose links put a firm in it (itself and its descendants)."""
    return {n: [n, *(d.id for d in framework.descendants(n))] for n in node_ids}


def group_nodes(framework: Framework) -> list[str]:
    """The nodes above the industry nodes that the pages show by district (the system, its tiers)."""
    industry = {n.id for n in framework.industry_nodes()}
    return [n.id for n in framework.nodes
            if n.id not in industry and any(d.id in industry for d in framework.descendants(n.id))]


def load(firms: pd.DataFrame, figures: pd.DataFrame, links: pd.DataFrame, framework: Framework,
         measures: Iterable[str] = MEASURES) -> pd.DataFrame:
    """Every cell the control needs, all years, from the scoreboard's frames (`registry.views.scoreboard_frames`):
    ``measure, kind (table|line), year, node, district, value, contributors, firms, top1, top2`` (`node` None: the
    column totals of the table; `district` None: the city total of a row or line; node `ALL_FIRMS`: every firm)."""
    data = disclosure_cells.microdata(firms, figures, links, city=framework.info.city, measures=list(measures))
    industry = [n.id for n in framework.industry_nodes()]
    cells = disclosure_cells.contributions(data, members(framework, industry))
    lines = disclosure_cells.contributions(data, members(framework, group_nodes(framework)),
                                           margins=False)  # sums over groups mean nothing
    every = disclosure_cells.every_firm(data).assign(node=ALL_FIRMS)
    frames = [frame.assign(kind=kind) for kind, frame in ((TABLE, cells), (LINE, lines), (LINE, every))
              if len(frame)]
    if not frames:
        return pd.DataFrame(columns=["kind", *disclosure_cells.COLUMNS])
    return pd.concat(frames, ignore_index=True)[["kind", *disclosure_cells.COLUMNS]]


def _known(frame: pd.DataFrame, viewer: Viewer) -> pd.Series | None:
    own = viewer.firm_district
    return (frame["col"] == own) if own else None


def _grid(cells: pd.DataFrame, rows: list[str], cols: list[str]) -> pd.DataFrame:
    """Every row x column (margins included) with zeros where no firm is."""
    keys = pd.DataFrame([(r, c) for r in rows for c in cols], columns=["row", "col"])
    have = cells.assign(row=cells["node"].fillna(sdc.TOTAL), col=cells["district"].fillna(sdc.TOTAL))
    out = keys.merge(have[["row", "col", "value", "contributors", "firms", "top1", "top2"]], how="left",
                     on=["row", "col"])
    return out.fillna({"value": 0.0, "contributors": 0, "firms": 0}).astype({"contributors": int, "firms": int})


def node_district(cells: pd.DataFrame, framework: Framework, *, year: int, measure: str = "revenue",
                  viewer: Viewer = LOCAL, rules: sdc.DisclosureRules = sdc.DEFAULT_RULES) -> pd.DataFrame:
    """The node x district table of `year` and `measure` with its margins as this viewer may see it:
    ``row, col, value (万元; None where suppressed), contributors, firms, status``."""
    if measure not in set(cells["measure"]) and len(cells):
        raise InputError(f"没有指标 {measure} 的披露控制数据 (no disclosure cells for measure {measure!r})",
                         hint=f"可选: {', '.join(sorted(set(cells['measure'])))}")
    mine = cells[(cells["measure"] == measure) & (cells["kind"] == TABLE) & (cells["year"] == year)]
    rows = [n.id for n in framework.industry_nodes()] + [sdc.TOTAL]
    cols = [d.code for d in framework.city.districts] + [sdc.TOTAL]
    grid = _grid(mine, rows, cols)
    if not viewer.needs_disclosure_control:
        return grid[["row", "col", "value", "contributors", "firms"]].assign(status=sdc.PUBLISHED, required=0.0)
    out = sdc.protect(grid, rules, known=_known(grid, viewer))
    return out.assign(firms=grid["firms"].to_numpy())


def line(cells: pd.DataFrame, framework: Framework, node: str, *, year: int, measure: str = "revenue",
         viewer: Viewer = LOCAL, rules: sdc.DisclosureRules = sdc.DEFAULT_RULES,
         table_status: pd.DataFrame | None = None) -> pd.DataFrame:
    """A group node's (or all firms') districts and city total as this viewer may see them: ``col, value,
    contributors, firms, status``. `table_status`: `node_district`'s result, whose suppressed member cells
    force the group's cells in the same district."""
    mine = cells[(cells["measure"] == measure) & (cells["kind"] == LINE) & (cells["year"] == year)
                 & (cells["node"] == node)]
    cols = [d.code for d in framework.city.districts] + [sdc.TOTAL]
    grid = _grid(mine, [node], cols)
    if not viewer.needs_disclosure_control:
        return grid[["col", "value", "contributors", "firms"]].assign(status=sdc.PUBLISHED)
    forced = pd.Series(np.nan, index=grid.index)
    if table_status is not None and node != ALL_FIRMS:
        inside = {m for m in members(framework, [node])[node]}
        hit = table_status[table_status["row"].isin(inside) & table_status["status"].isin(sdc.SUPPRESSED)]
        need = hit.groupby("col")["required"].max()
        forced = grid["col"].map(need).astype(float)
    out = sdc.protect_line(grid, rules, known=_known(grid, viewer), forced=forced)
    return out.assign(firms=grid["firms"].to_numpy())


def statuses(cells: pd.DataFrame, framework: Framework, *, year: int, viewer: Viewer = LOCAL,
             rules: sdc.DisclosureRules = sdc.DEFAULT_RULES) -> dict[tuple[str, str], str]:
    """(node id or `ALL_FIRMS` or `sdc.TOTAL`, district adcode or the city's adcode) -> the worst status of
    that figure over the measures: what a page must hide. Empty when the viewer needs no control."""
    if not viewer.needs_disclosure_control or cells.empty:
        return {}
    city = framework.info.city
    out: dict[tuple[str, str], str] = {}

    def put(node: str, col: str, status: str) -> None:
        key = (node, city if col == sdc.TOTAL else col)
        if _RANK[status] > _RANK.get(out.get(key, sdc.PUBLISHED), 0):
            out[key] = status

    cells = cells[cells["year"] == year]
    for measure in sorted(set(cells["measure"])):
        cells_m = cells[cells["measure"] == measure]
        grid = node_district(cells_m, framework, year=year, measure=measure, viewer=viewer, rules=rules)
        for r, c, s in zip(grid["row"], grid["col"], grid["status"], strict=True):
            put(r, c, s)
        for node in [*group_nodes(framework), ALL_FIRMS]:
            got = line(cells_m, framework, node, year=year, measure=measure, viewer=viewer, rules=rules,
                       table_status=grid)
            for c, s in zip(got["col"], got["status"], strict=True):
                put(node, c, s)
    return out


def hidden(status: dict[tuple[str, str], str], node: str, area: str) -> bool:
    """True when the figure of `node` in `area` must be shown as "—"."""
    return status.get((node, area)) in sdc.SUPPRESSED


def node_district_table(cells: pd.DataFrame, framework: Framework, *, year: int, measure: str = "revenue",
                        viewer: Viewer = LOCAL, provenance: Provenance,
                        rules: sdc.DisclosureRules = sdc.DEFAULT_RULES) -> Table:
    """The node x district table as a typed `Table`, one row per cell (margins included): ``node, node_id,
    district, adcode, margin (cell|node_total|district_total|grand_total), value (亿元; None where
    suppressed), enterprises (firms), disclosure (status code)``."""
    grid = node_district(cells, framework, year=year, measure=measure, viewer=viewer, rules=rules)
    city = framework.city
    rows = []
    for r in grid.to_dict("records"):
        node = None if r["row"] == sdc.TOTAL else framework.node(r["row"])
        margin = ("grand_total" if node is None and r["col"] == sdc.TOTAL else "district_total" if node is None
                  else "node_total" if r["col"] == sdc.TOTAL else "cell")
        value = r["value"]
        rows.append({
            "node": {"zh": node.name.zh, "en": node.name.en} if node else None,
            "node_id": node.id if node else None,
            "district": None if r["col"] == sdc.TOTAL else {"zh": city.district(r["col"]).name,
                                                             "en": city.district_label(r["col"], "en")},
            "adcode": None if r["col"] == sdc.TOTAL else r["col"],
            "margin": margin,
            "value": None if value is None or pd.isna(value) else float(value) / WAN_PER_YI,
            "enterprises": int(r["firms"]),
            "disclosure": r["status"],
        })
    columns = [Column("node", "name"), Column("node_id", "code"), Column("district", "name"),
               Column("adcode", "code"), Column("margin", codes="disclosure_margin"),
               Column("value", "number", "yi_yuan", label=measure), Column("enterprises", "integer", "firms"),
               Column("disclosure", codes="disclosure")]
    return table("disclosure", columns, rows, provenance, year=year, measure=measure,
                 disclosure_control=viewer.needs_disclosure_control,
                 suppressed=sum(1 for r in rows if r["disclosure"] in sdc.SUPPRESSED))
