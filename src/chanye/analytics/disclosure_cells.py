"""What disclosure control reads (issue 17), from the scoreboard's frames: for each node x district cell of a year
and measure, the cell's total, how many firms contribute to it and its two largest contributions, with the row,
column and grand totals of the table.

Pure functions over the frames `registry.views.scoreboard_frames` returns (firms numbered 0..n-1). Each figure row
is scattered into its cell's sums, counts and largest contribution (`np.bincount`, `np.maximum.at`); the second
largest is the same maximum once one row at the largest per cell is set aside, so no cell's firms are sorted. A
city total is its districts' cells added up: a firm lies in one district, so the city's two largest contributions
are the largest two of its districts' (issue 14: the same cells as the store's SQL did, from the frames the scale
has already read, in about half its time and linear in the rows).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

COLUMNS = ["measure", "year", "node", "district", "value", "contributors", "firms", "top1", "top2"]


@dataclass(frozen=True)
class Microdata:
    """The figure rows of the city's firms with a district (in firm order) and their links: what every cell
    sums, read from the frames once for every table and line (`microdata`)."""

    firm: np.ndarray  #: firm number of each figure row
    year: np.ndarray  #: index into `years`
    district: np.ndarray  #: index into `districts`
    values: np.ndarray  #: rows x measures (万元 or 人), NaN where not reported
    measures: tuple[str, ...]
    years: np.ndarray
    districts: np.ndarray
    first_row: np.ndarray  #: firm number -> its first figure row
    row_count: np.ndarray  #: firm number -> how many figure rows it has (0: not a firm of the city's cells)
    link_firm: np.ndarray  #: the links of firms with figure rows: firm number
    link_node: np.ndarray  #: index into `nodes`
    nodes: list[str]


@dataclass(frozen=True)
class _Cells:
    """Aggregates of a cell key space: one entry per key (empty keys have `firms` 0); values per measure."""

    value: np.ndarray  #: keys x measures
    contributors: np.ndarray  #: keys x measures
    firms: np.ndarray  #: keys
    top1: np.ndarray  #: keys x measures, NaN where fewer contributions
    top2: np.ndarray


def microdata(firms: pd.DataFrame, figures: pd.DataFrame, links: pd.DataFrame, *, city: str,
              measures: Sequence[str]) -> Microdata:
    """What the cells are built from.

    :param firms: ``uscc`` (firm number), ``city_code``, ``district_code``; one row per firm.
    :param figures: ``uscc``, ``year`` and the `measures`; one row per firm and year.
    :param links: ``uscc``, ``node`` (the pack's classifications).
    :param city: the city's adcode: its firms with a district count, every other firm is left out (the cells
        must add up to the city's column of the table).
    """
    firm_no = firms["uscc"].to_numpy(dtype=np.int64)
    figure_no = figures["uscc"].to_numpy(dtype=np.int64)
    link_no = links["uscc"].to_numpy(dtype=np.int64)
    n = 1 + max((int(numbers.max()) for numbers in (firm_no, figure_no, link_no) if len(numbers)), default=-1)
    in_city = (firms["city_code"].to_numpy(dtype=object) == city) & firms["district_code"].notna().to_numpy()
    codes, districts = pd.factorize(firms["district_code"].to_numpy(dtype=object)[in_city], sort=True)
    district_of = np.full(n, -1, dtype=np.int64)
    district_of[firm_no[in_city]] = codes
    keep = np.flatnonzero(district_of[figure_no] >= 0)
    keep = keep[np.argsort(figure_no[keep])]  # a firm's rows together; their order does not matter
    firm = figure_no[keep]
    years, year_index = np.unique(figures["year"].to_numpy(dtype=np.int64)[keep], return_inverse=True)
    values = np.column_stack([figures[m].to_numpy(dtype=float, na_value=np.nan)[keep] for m in measures])
    row_count = np.bincount(firm, minlength=n)
    held = row_count[link_no] > 0
    link_node, nodes = pd.factorize(links["node"].to_numpy(dtype=object)[held])
    return Microdata(firm=firm, year=year_index.astype(np.int64), district=district_of[firm],
                     values=values.reshape(len(keep), len(measures)), measures=tuple(measures), years=years,
                     districts=np.asarray(districts, dtype=object), first_row=np.cumsum(row_count) - row_count,
                     row_count=row_count, link_firm=link_no[held], link_node=link_node, nodes=list(nodes))


def contributions(data: Microdata, members: Mapping[str, Sequence[str]], *, margins: bool = True) -> pd.DataFrame:
    """One row per (measure, year, node, district) with a firm in it, plus the margins: `node` None is the sum over
    the nodes of a district (a firm linked to two nodes contributes twice there, as its cells add up), `district`
    None the node in all the city's districts, both None the grand total.

    :param members: node id -> the node ids whose links put a firm in it (the node and its descendants); a
        firm counts once in a node however many of these links it has.
    :param margins: False leaves out the rows with `node` None (the sums over the nodes).
    :returns: `COLUMNS`: ``value`` the sum of the measure over the firms that reported it (0 where none did),
        ``contributors`` those firms, ``firms`` every firm with a figures row that year, ``top1``/``top2`` the
        largest contributions (ties kept). Ordered by measure, year, node rows before the sums over nodes,
        districts before the city total, node, district.
    """
    groups = [g for g in members if len(members[g])]
    if not groups or not len(data.firm):
        return pd.DataFrame(columns=COLUMNS)
    pair_group, pair_firm = _member_pairs(data, members, groups)
    # each (node, firm) pair meets every figure row of the firm
    count = data.row_count[pair_firm]
    at = np.repeat(data.first_row[pair_firm] - (np.cumsum(count) - count), count) + np.arange(count.sum())
    n_y, n_d = len(data.years), len(data.districts)
    cells = _aggregate((np.repeat(pair_group, count) * n_y + data.year[at]) * n_d + data.district[at],
                       data.values[at], len(groups) * n_y * n_d)
    frames = [_frame(cells, data, np.array(groups, dtype=object), g_node=0)]
    if margins:
        # a firm's contributions to the nodes of a district summed first: its value times its number of nodes
        times = np.bincount(pair_firm, minlength=len(data.row_count))[data.firm]
        inside = np.flatnonzero(times)
        by_area = _aggregate(data.year[inside] * n_d + data.district[inside],
                             data.values[inside] * times[inside, None], n_y * n_d)
        frames.append(_frame(by_area, data, np.array([None], dtype=object), g_node=1))
    return _ordered(frames)


def every_firm(data: Microdata) -> pd.DataFrame:
    """Every firm of the city with a district, by district and in all districts (`district` None): the rows of
    `contributions` with `node` None, for a node holding every firm once."""
    if not len(data.firm):
        return pd.DataFrame(columns=COLUMNS)
    n_d = len(data.districts)
    cells = _aggregate(data.year * n_d + data.district, data.values, len(data.years) * n_d)
    return _ordered([_frame(cells, data, np.array([None], dtype=object), g_node=1)])


def _member_pairs(data: Microdata, members: Mapping[str, Sequence[str]],
                  groups: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(group index, firm number) of every firm in every group, each pair once, in group then firm order."""
    holds = np.zeros((len(data.nodes), len(groups)), dtype=bool)
    where = {node: i for i, node in enumerate(data.nodes)}
    for g, node in enumerate(groups):
        for linked in members[node]:
            if linked in where:
                holds[where[linked], g] = True
    link_row, group = np.nonzero(holds[data.link_node])
    n = len(data.row_count)
    held = np.zeros(len(groups) * n, dtype=bool)  # a mask, not np.unique: no hash or sort of the pairs
    held[group.astype(np.int64) * n + data.link_firm[link_row]] = True
    key = np.flatnonzero(held)
    return key // n, key % n


def _aggregate(key: np.ndarray, values: np.ndarray, size: int) -> _Cells:
    """Sums, counts and the two largest values per key (NaN: not reported, never among the largest).

    Scatters into the small per-key arrays only (`bincount`, `ufunc.at`): the rows are read in the order they
    come. Sorting them by key and gathering the values in that order cost 15x the time at 10x the rows (the
    gathers leave the CPU cache; benchmarks/scoreboard_bench.py)."""
    n_rows, n_m = values.shape
    reported = ~np.isnan(values)
    value = np.empty((n_m, size))
    contributors = np.empty((n_m, size), dtype=np.int64)
    top1 = np.full((n_m, size), -np.inf)
    top2 = top1.copy()
    for m in range(n_m):
        value[m] = np.bincount(key, weights=np.where(reported[:, m], values[:, m], 0.0), minlength=size)
        contributors[m] = np.bincount(key, weights=reported[:, m], minlength=size)
        v = np.where(reported[:, m], values[:, m], -np.inf)
        np.maximum.at(top1[m], key, v)
        # one row at each key's maximum (its first) leaves, so that a tie stays among the two largest
        at_max = np.flatnonzero(v == top1[m][key])
        first = np.full(size, n_rows)
        np.minimum.at(first, key[at_max], at_max)
        v[first[first < n_rows]] = -np.inf
        np.maximum.at(top2[m], key, v)
    top1[np.isneginf(top1)] = np.nan
    top2[np.isneginf(top2)] = np.nan
    return _Cells(value.T, contributors.T, np.bincount(key, minlength=size), top1.T, top2.T)


def _city(cells: _Cells, n_d: int) -> _Cells:
    """The districts' cells (keys grouped by n_d consecutive districts) added up into their city total."""
    def per_city(a: np.ndarray) -> np.ndarray:
        return a.reshape(-1, n_d, *a.shape[1:])

    candidates = np.concatenate([per_city(cells.top1), per_city(cells.top2)], axis=1)  # city x 2 n_d x measures
    largest = -np.sort(-candidates, axis=1)[:, :2]  # NaN (no contribution) sorts last
    return _Cells(per_city(cells.value).sum(axis=1), per_city(cells.contributors).sum(axis=1),
                  per_city(cells.firms).sum(axis=1), largest[:, 0], largest[:, 1])


def _frame(cells: _Cells, data: Microdata, nodes: np.ndarray, g_node: int) -> pd.DataFrame:
    """The non-empty cells of a (node x year x district) key space and their city totals, one row per measure."""
    n_y, n_d = len(data.years), len(data.districts)
    parts = []
    for g_district, agg, shape in ((0, cells, (len(nodes), n_y, n_d)), (1, _city(cells, n_d), (len(nodes), n_y))):
        hit = np.flatnonzero(agg.firms)
        index = np.unravel_index(hit, shape)
        for m, measure in enumerate(data.measures):
            parts.append(pd.DataFrame({
                "measure": measure, "year": data.years[index[1]], "node": nodes[index[0]],
                "district": data.districts[index[2]] if g_district == 0 else None,
                "value": agg.value[hit, m], "contributors": agg.contributors[hit, m], "firms": agg.firms[hit],
                "top1": agg.top1[hit, m], "top2": agg.top2[hit, m], "g_node": g_node, "g_district": g_district,
            }))
    return pd.concat(parts)


def _ordered(frames: list[pd.DataFrame]) -> pd.DataFrame:
    out = pd.concat(frames).sort_values(["measure", "year", "g_node", "g_district", "node", "district"])
    return out[COLUMNS].reset_index(drop=True)
