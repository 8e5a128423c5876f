"""产业指标 The indicators an industry bureau reports: scale, dynamics, structure, milestones, targets.

Pure functions: plain DataFrames in, tidy DataFrames out; no file, no database. ``docs/indicators.md`` gives
every definition and formula.

Inputs
------
``firms``
    One row per enterprise: ``uscc``, ``city_code`` (6-digit adcode of the prefecture city, e.g. ``440300``),
    ``district_code`` (6-digit adcode of a district of that city; may be missing),
    ``synthetic`` (bool, optional: False when absent). Codes are compared as text.
``figures``
    One row per enterprise and year: ``uscc``, ``year`` and the measures ``revenue``, ``industrial_output``,
    ``value_added`` (万元), ``employees`` (人); ``rd_expense``, ``tax`` and ``energy_use`` may be present and
    are not used here. Optional ``synthetic`` (bool). A missing measure column or a blank cell means
    "not reported", never zero.
``tags``
    ``uscc``, ``tag``: one row per tag held (``above_scale``, ``high_tech``, ``srdi``, ``little_giant``,
    ``listed``; see ``chanye.standards.tags.TAGS``). Tags are not yearly.
``links``
    ``uscc``, ``node``: the enterprise -> framework node classification. Multi-label: one enterprise may be
    linked to several industry nodes.
``framework``
    A :class:`chanye.framework.model.Framework`. Industry nodes (kind cluster, future, service) hold the
    enterprises; tier, principle and theme nodes group them; the root (kind system) is the whole system.

The scale frame
---------------
:func:`scale` returns the long frame that every other function reads, one row per
``(scope, node, area_type, area, year, metric)`` with ``value``, ``unit`` and ``provenance``:

* ``scope``: ``node`` (an industry node), ``tier`` (a grouping node: tier, principle or theme), ``all``
  (the root: the whole system), ``total`` (every enterprise of the area, in a node or not; ``node`` is
  :data:`ALL_FIRMS`).
* ``area_type``/``area``: ``district``/adcode, ``city``/adcode, ``registry``/``"registry"`` (every enterprise
  in the registry, in the city or not: the "national sample" for the city's location quotient).
* ``metric``: see :data:`SCALE_METRICS`; money in 亿元 (converted from the stored 万元), employees in 人,
  enterprise counts in 家.
* ``provenance``: ``synthetic`` when any contributing enterprise (or figure row) is synthetic, else
  ``registry``.

Multi-label rule: an enterprise linked to two nodes counts fully in each node, but once in every total above
them (tier, root, all firms): a group aggregates the distinct enterprises of the union of its descendant
nodes, never the sum of its nodes' totals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from chanye.errors import InputError
from chanye.framework.model import INDUSTRY_KINDS, Framework, Target
from chanye.standards.tags import TAGS

__all__ = [
    "ALL_FIRMS",
    "KEYS",
    "PUBLISHED_METRICS",
    "REGISTRY_AREA",
    "SCALE_METRICS",
    "TEN_THOUSAND_BILLION",
    "THOUSAND_BILLION",
    "WAN_PER_YI",
    "MetricMatch",
    "ScaleMetricDef",
    "cagr",
    "dynamics",
    "milestone_counts",
    "milestones",
    "reconcile",
    "scale",
    "scale_batches",
    "structure",
    "target_progress",
]

# ----------------------------------------------------------------------------------------------------
# Constants (explicit data)
# ----------------------------------------------------------------------------------------------------

WAN_PER_YI = 10_000.0  #: 1 亿元 = 10,000 万元
THOUSAND_BILLION = 1_000.0  #: 千亿级: scale metric >= 1,000 亿元
TEN_THOUSAND_BILLION = 10_000.0  #: 万亿级: scale metric >= 10,000 亿元 (1 万亿元)

ALL_FIRMS = "all-firms"  #: the node id of the "every enterprise of the area" rows (scope ``total``)
REGISTRY_AREA = "registry"  #: the area of the rows over every enterprise in the registry

#: Key columns of the scale frame (plus ``year``).
KEYS = ("scope", "node", "area_type", "area", "metric")
_SCALE_COLUMNS = (*KEYS[:4], "year", "metric", "value", "unit", "provenance")
_LONG_COLUMNS = (*KEYS[:4], "year", "metric", "indicator", "value", "unit", "provenance")

SYNTHETIC = "synthetic"
REGISTRY = "registry"


@dataclass(frozen=True)
class ScaleMetricDef:
    """One metric of the scale frame: where it comes from and its unit."""

    name: str
    zh: str
    unit: str
    column: str = ""  # the figures column summed (万元 or 人); empty for enterprise counts
    tag: str = ""  # only enterprises holding this tag
    factor: float = 1.0  # stored unit -> output unit (万元 -> 亿元: 1 / 10,000)


SCALE_METRICS: tuple[ScaleMetricDef, ...] = (
    ScaleMetricDef("industrial_output", "工业总产值", "亿元", "industrial_output", factor=1 / WAN_PER_YI),
    ScaleMetricDef("revenue", "营业收入", "亿元", "revenue", factor=1 / WAN_PER_YI),
    ScaleMetricDef("value_added", "增加值", "亿元", "value_added", factor=1 / WAN_PER_YI),
    ScaleMetricDef("employees", "从业人员", "人", "employees"),
    ScaleMetricDef(
        "industrial_output_above_scale",
        "规上工业总产值",
        "亿元",
        "industrial_output",
        "above_scale",
        factor=1 / WAN_PER_YI,
    ),
    ScaleMetricDef("enterprises", "企业数", "家"),
    *(ScaleMetricDef(f"enterprises_{tag}", f"{TAGS[tag][0]}企业数", "家", tag=tag) for tag in TAGS),
)
_METRIC_UNIT = {m.name: m.unit for m in SCALE_METRICS}

#: The indicators a pack's metrics.yaml may put on the scoreboard (``scoreboard: true``): name -> the function
#: that adds its rows to the scale frame, or None for the measures :func:`scale` itself sums. A new scoreboard
#: column is one metrics.yaml entry plus, for a new measure, one function registered with :func:`node_metric`.
NODE_METRICS: dict[str, Callable[[pd.DataFrame], pd.DataFrame] | None] = {m.name: None for m in SCALE_METRICS}


def node_metric(name: str) -> Callable:
    """Register a derived scoreboard indicator: a function of the scale frame returning rows of
    ``_SCALE_COLUMNS`` with ``metric == name``."""

    def register(func: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[pd.DataFrame], pd.DataFrame]:
        NODE_METRICS[name] = func
        return func

    return register


def with_node_metrics(scale_frame: pd.DataFrame, names: Iterable[str]) -> pd.DataFrame:
    """The scale frame plus the rows of every derived indicator in `names` (measures are there already)."""
    unknown = [n for n in names if n not in NODE_METRICS]
    if unknown:
        raise InputError(f"未知的看板指标 {unknown} (unknown scoreboard indicators)")
    extra = [NODE_METRICS[n](scale_frame) for n in dict.fromkeys(names) if NODE_METRICS[n] is not None]
    if not extra:
        return scale_frame
    out = pd.concat([scale_frame, *extra], ignore_index=True)
    out.attrs = dict(scale_frame.attrs)
    return out


@node_metric("revenue_per_employee")
def revenue_per_employee(scale_frame: pd.DataFrame) -> pd.DataFrame:
    """人均营业收入 Revenue per employee (万元/人) of each group, area and year: revenue (亿元) x 10,000 /
    employees; NaN where either is unreported or employees is 0. Synthetic when either input is."""
    keys = ["scope", "node", "area_type", "area", "year"]
    side = lambda m: scale_frame.loc[scale_frame["metric"] == m, [*keys, "value", "provenance"]]  # noqa: E731
    out = side("revenue").merge(side("employees"), on=keys, how="outer", suffixes=("_r", "_e"))
    employees = out["value_e"].where(out["value_e"] > 0)
    out["value"] = out["value_r"] * WAN_PER_YI / employees
    out["metric"] = "revenue_per_employee"
    out["unit"] = "万元/人"
    synthetic = (out["provenance_r"] == SYNTHETIC) | (out["provenance_e"] == SYNTHETIC)
    out["provenance"] = np.where(synthetic.fillna(False).to_numpy(dtype=bool), SYNTHETIC, REGISTRY)
    return out[list(_SCALE_COLUMNS)]


# Unit families: a published value converts to the registry's unit within its family only.
_UNIT_FACTORS: dict[str, tuple[str, float]] = {
    "元": ("money", 1e-8),
    "万元": ("money", 1e-4),
    "亿元": ("money", 1.0),
    "万亿元": ("money", 1e4),
    "人": ("people", 1.0),
    "万人": ("people", 1e4),
    "家": ("count", 1.0),
    "个": ("count", 1.0),
    "%": ("percent", 1.0),
}


def _convert(value: float, unit: str | None, to_unit: str) -> float | None:
    """`value` in `unit` expressed in `to_unit`; None when the units are not of one family."""
    src = _UNIT_FACTORS.get((unit or "").strip())
    dst = _UNIT_FACTORS.get(to_unit)
    if src is None or dst is None or src[0] != dst[0]:
        return None
    return float(value) * src[1] / dst[1]


# ----------------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------------


def _require(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{name} 缺少列 {', '.join(missing)} ({name} lacks column(s) {', '.join(missing)})",
            hint=f"{name} 需要列 needs columns: {', '.join(columns)}",
        )


def _flag(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return frame[column].fillna(False).to_numpy(dtype=bool)


def _provenance(synthetic: Any) -> np.ndarray:
    return np.where(np.asarray(synthetic, dtype=bool), SYNTHETIC, REGISTRY)


def _run_codes(parts: Sequence[pd.Series]) -> tuple[list[np.ndarray], int]:
    """Integer codes (one numbering across all `parts`; -1 for blanks) and the number of distinct keys.

    Only the first row of each run of equal consecutive keys is hashed (figures usually come sorted by
    enterprise, five years a run), which keeps the cost close to linear in the number of distinct keys.
    """
    heads, runs = [], []
    for series in parts:
        series = series.reset_index(drop=True)
        if len(series) == 0:
            heads.append(series)
            runs.append(np.zeros(0, dtype=np.int64))
            continue
        is_head = series.ne(series.shift()).to_numpy(dtype=bool, na_value=True)
        heads.append(series[is_head])
        runs.append(np.cumsum(is_head) - 1)
    if not any(len(h) for h in heads):
        return [np.zeros(0, dtype=np.int64) for _ in parts], 0
    codes, uniques = pd.factorize(pd.concat(heads, ignore_index=True))
    out, start = [], 0
    for head, run in zip(heads, runs, strict=True):
        out.append(codes[start : start + len(head)][run].astype(np.int64))
        start += len(head)
    return out, len(uniques)


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct integers: a presence count when their range is small (linear time), else a sort."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    low, high = int(values.min()), int(values.max())
    if high - low <= max(4 * len(values), 1 << 16):
        return np.flatnonzero(np.bincount(values - low, minlength=high - low + 1)) + low
    ordered = np.sort(values)  # faster than np.unique's hashing on large arrays
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]]


def _code_text(value: Any) -> str | None:
    """An adcode as text: 440300, 440300.0 and ' 440300' all read '440300'."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else str(value)
    text = str(value).strip()
    return text or None


def _factor_codes(series: pd.Series) -> tuple[np.ndarray, list[str | None]]:
    """(codes, labels): each row's position in `labels`, the distinct adcodes as text (-1: blank)."""
    codes, uniques = pd.factorize(series)
    return codes.astype(np.int64), [_code_text(u) for u in uniques]


def _first(n: int, index: np.ndarray, values: np.ndarray, fill: Any) -> np.ndarray:
    """An array of length n with values[i] at index[i]; the first occurrence wins on repeated indexes."""
    out = np.full(n, fill, dtype=np.asarray(values).dtype if len(values) else type(fill))
    out[index[::-1]] = values[::-1]
    return out


def _scope(node: Any) -> str:
    if node.parent is None:
        return "all"
    return "node" if node.is_industry else "tier"


# ----------------------------------------------------------------------------------------------------
# 1. Scale
# ----------------------------------------------------------------------------------------------------


def scale_groups(framework: Framework, linked: Iterable[str]) -> list:
    """The nodes `scale` reports, in framework order: every industry node, every node a firm is linked to
    (`linked`: node ids; unknown ones skipped) and all their ancestors."""
    parent = {n.id: n.parent for n in framework.nodes}
    keep: set[str] = {n.id for n in framework.nodes if n.is_industry}
    keep.update(x for x in linked if x in parent)
    for node_id in list(keep):
        current = parent.get(node_id)
        while current is not None:
            keep.add(current)
            current = parent.get(current)
    return [n for n in framework.nodes if n.id in keep]


def scale(
    firms: pd.DataFrame,
    figures: pd.DataFrame,
    tags: pd.DataFrame,
    links: pd.DataFrame,
    framework: Framework,
    city: str | None = None,
) -> pd.DataFrame:
    """规模 Scale of every node, group node, the whole system and all firms, by area and year.

    :param firms: ``uscc, city_code, district_code[, synthetic]``.
    :param figures: ``uscc, year, industrial_output, revenue, value_added, employees[, synthetic]`` (万元, 人).
    :param tags: ``uscc, tag``.
    :param links: ``uscc, node`` (multi-label).
    :param framework: the pack whose nodes the links name.
    :param city: adcode of the focal city; defaults to the pack's (``framework.info.city``).
    :returns: the long scale frame (module docstring): ``scope, node, area_type, area, year, metric, value,
        unit, provenance``, one row per group node x area x year x metric (:data:`SCALE_METRICS`). Areas:
        each district of the city that holds an enterprise, the city, and the registry. Measure sums ignore
        unreported (blank) figures; a sum is NaN only where the group has enterprises in that area and year
        and none reported the measure. ``attrs``: ``city``, ``years``, ``districts``, ``notes``.

    An enterprise counts in a group once, however many of the group's nodes it is linked to. Firms in the city
    without a district count in the city only; firms with figures but no firm row count in the registry only;
    a repeated firm row counts as its first.

    Method (linear in the rows): enterprises are numbered once; enterprises with the same set of linked
    nodes and the same area form a profile; figures are summed per profile and year with ``np.bincount``;
    a small (group x area) by profile 0/1 matrix then adds the profiles of each group, so an enterprise
    enters each group at most once.
    """
    _require(firms, ("uscc", "city_code", "district_code"), "firms")
    _require(figures, ("uscc", "year"), "figures")
    _require(tags, ("uscc", "tag"), "tags")
    _require(links, ("uscc", "node"), "links")
    city = _code_text(city) or _code_text(framework.info.city) or ""  # a blank city means the pack's
    notes: list[str] = []

    # --- enterprises: one numbering 0..U-1 over every uscc of the four inputs ---------------------------
    (f_code, fig_code, tag_code, link_code), n_u = _run_codes(
        [firms["uscc"], figures["uscc"], tags["uscc"], links["uscc"]]
    )
    # a firm row counts when it has a uscc and is the first row of that uscc
    first_row = _first(n_u, f_code[f_code >= 0], np.flatnonzero(f_code >= 0), -1)
    ok = (f_code >= 0) & (first_row[np.maximum(f_code, 0)] == np.arange(len(f_code)))
    f_code = f_code[ok]
    has_row = np.zeros(n_u, dtype=bool)
    has_row[f_code] = True

    city_codes, city_labels = _factor_codes(firms["city_code"])
    label_in_city = np.array([label == city for label in city_labels] + [False])  # [-1] -> False
    row_in_city = label_in_city[city_codes][ok]
    d_codes, d_labels = _factor_codes(firms["district_code"])
    row_d = d_codes[ok]
    used = np.flatnonzero(np.bincount(row_d[row_in_city & (row_d >= 0)], minlength=len(d_labels)))
    districts = np.array(sorted({d_labels[i] for i in used if d_labels[i] is not None}), dtype=object)
    n_d = len(districts)
    n_areas = n_d + 2  # districts, then "in the city, district unknown", then "outside the city"
    position = {d: i for i, d in enumerate(districts)}
    label_area = np.array([position.get(lab, n_d) for lab in d_labels] + [n_d], dtype=np.int64)  # [-1]: blank
    row_area = np.where(row_in_city, label_area[row_d], n_d + 1)
    firm_area = np.full(n_u, n_d + 1, dtype=np.int64)
    firm_area[f_code] = row_area
    firm_syn = np.zeros(n_u, dtype=bool)
    firm_syn[f_code] = _flag(firms, "synthetic")[ok]

    # --- figures ---------------------------------------------------------------------------------------
    year_col = pd.to_numeric(figures["year"], errors="coerce")
    if year_col.isna().any():
        raise InputError("figures 的 year 列有空值或非数字 (figures.year has blanks)", hint="每行须有年份")
    fig_ok = fig_code >= 0
    if not fig_ok.all():
        notes.append(
            f"{int((~fig_ok).sum())} 行年度指标缺少统一社会信用代码，已忽略 (figure rows without uscc ignored)"
        )
    fi = fig_code[fig_ok]
    year_arr = year_col.to_numpy(dtype=np.int64)[fig_ok]
    years = _distinct(year_arr)
    n_years = len(years)
    yi = np.searchsorted(years, year_arr)
    if len(fi) and np.bincount(fi * n_years + yi, minlength=n_u * n_years).max() > 1:
        key = pd.Series(fi * n_years + yi)
        dup = figures.loc[fig_ok].loc[key.duplicated(keep=False).to_numpy(), ["uscc", "year"]].head(3)
        raise InputError(
            f"figures 中同一企业同一年份出现多行 (duplicate uscc+year), 例如 {dup.to_dict('records')}",
            hint="每家企业每年只能有一行年度指标",
        )
    orphans = _distinct(fi[~has_row[fi]])
    if len(orphans):
        notes.append(
            f"{len(orphans)} 家企业有年度指标但不在企业名录中，只计入 registry (figures without a firm row)"
        )

    # --- tags ------------------------------------------------------------------------------------------
    tag_ids = list(TAGS)
    tag_flags = np.zeros((n_u, len(tag_ids)), dtype=bool)
    t_codes, t_labels = pd.factorize(tags["tag"])
    t_index = np.array([tag_ids.index(t) if t in TAGS else -1 for t in t_labels] + [-1], dtype=np.int64)
    t_ti = t_index[t_codes]
    sel = (tag_code >= 0) & (t_ti >= 0)
    tag_flags[tag_code[sel], t_ti[sel]] = True

    # --- groups and membership -------------------------------------------------------------------------
    n_codes, n_labels = pd.factorize(links["node"])
    n_labels = [str(x) for x in n_labels]
    groups, group_index, parent = _group_index(framework, n_labels, notes)
    n_groups = len(groups)
    l_gi = np.array([group_index.get(lab, -1) for lab in n_labels] + [-1], dtype=np.int64)[n_codes]
    sel = (link_code >= 0) & (l_gi >= 0)
    pair = _distinct(link_code[sel] * n_groups + l_gi[sel])  # distinct (firm, linked group), sorted
    p_firm, p_group = pair // n_groups, pair % n_groups
    profile, n_prof, rep = _profiles(n_u, n_groups, p_firm, p_group, firm_area, n_areas)
    select = _select(groups, group_index, parent, p_firm, p_group, rep, n_u, firm_area[rep], n_areas)

    # --- sums per profile and year, then per group and area ------------------------------------------------
    bucket = profile[fi] * n_years + yi
    n_bins = n_prof * n_years
    columns: list[np.ndarray] = []
    slot: dict[str, int] = {}

    def add(name: str, weights: np.ndarray | None) -> None:
        slot[name] = len(columns)
        columns.append(np.bincount(bucket, weights=weights, minlength=n_bins).astype(float))

    add("enterprises", None)
    row_tags = tag_flags[fi]
    for i, tag in enumerate(tag_ids):
        add(f"enterprises_{tag}", row_tags[:, i].astype(float))
    row_syn = firm_syn[fi] | _flag(figures, "synthetic")[fig_ok]
    add("_synthetic", row_syn.astype(float))
    for metric in SCALE_METRICS:
        if not metric.column:
            continue
        values, reported = _reported(figures, metric, fig_ok, row_tags, tag_ids)
        add(metric.name, values)
        if not reported.all():
            add(f"_reported_{metric.name}", reported.astype(float))
    return _scale_frame(columns, slot, select, n_prof, groups, districts, city, years, notes)


def _reported(figures: pd.DataFrame, metric, keep: np.ndarray, row_tags: np.ndarray,
              tag_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """A metric's values on the kept figure rows (0 where not reported) and which rows report it: a missing column
    reports nothing, and a tagged metric counts only the firms holding the tag."""
    raw = (pd.to_numeric(figures[metric.column], errors="coerce").to_numpy(dtype=float)[keep]
           if metric.column in figures.columns else np.full(len(row_tags), np.nan))
    reported = ~np.isnan(raw)
    if metric.tag:
        reported = reported & row_tags[:, tag_ids.index(metric.tag)]
    return np.where(reported, raw, 0.0), reported


def _int_ids(series: pd.Series, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(rows with a uscc, their integer codes) of a batch of `scale_batches`."""
    present = series.notna().to_numpy(dtype=bool)
    values = series[present]
    if len(values) and not pd.api.types.is_numeric_dtype(values):
        raise InputError(f"{name}.uscc 须为整数编号 ({name}.uscc must be integer codes in scale_batches)",
                         hint="先把统一社会信用代码换成整数编号 (registry.batch_export 的做法)")
    ids = values.to_numpy(dtype=np.float64 if values.dtype.kind == "f" else np.int64)
    if len(ids) and (ids.min() < 0 or (ids.dtype.kind == "f" and not np.all(ids == np.floor(ids)))):
        raise InputError(f"{name}.uscc 须为非负整数编号 ({name}.uscc must be non-negative integer codes)")
    return present, ids.astype(np.int64)


class _Numbering:
    """Firm numbers 0..U-1 in order of first appearance, as `scale`'s `_run_codes` gives them, kept a batch
    at a time: integer codes map through an array as long as the largest code (the codes are dense)."""

    def __init__(self) -> None:
        self.of = np.full(1 << 16, -1, dtype=np.int64)
        self.count = 0

    def __call__(self, ids: np.ndarray) -> np.ndarray:
        if not len(ids):
            return np.zeros(0, dtype=np.int64)
        top = int(ids.max())
        if top >= len(self.of):
            grown = np.full(max(2 * len(self.of), top + 1), -1, dtype=np.int64)
            grown[: len(self.of)] = self.of
            self.of = grown
        new = self.of[ids] < 0
        if new.any():
            fresh, first = np.unique(ids[new], return_index=True)
            fresh = fresh[np.argsort(first, kind="stable")]  # numbered in the order they first appear
            self.of[fresh] = self.count + np.arange(len(fresh), dtype=np.int64)
            self.count += len(fresh)
        return self.of[ids]


class _Labels:
    """One numbering of text labels across batches (`_code_text` of each, or str for node ids)."""

    def __init__(self, text: Callable[[Any], str | None]) -> None:
        self.text, self.index, self.labels = text, {}, []

    def __call__(self, series: pd.Series) -> np.ndarray:
        codes, uniques = pd.factorize(series)
        position = []
        for value in uniques:
            label = self.text(value)
            if label is None:
                position.append(-1)
                continue
            if label not in self.index:
                self.index[label] = len(self.labels)
                self.labels.append(label)
            position.append(self.index[label])
        return np.array([*position, -1], dtype=np.int64)[codes]


def scale_batches(
    firms: Callable[[], Iterable[pd.DataFrame]],
    figures: Callable[[], Iterable[pd.DataFrame]],
    tags: Callable[[], Iterable[pd.DataFrame]],
    links: Callable[[], Iterable[pd.DataFrame]],
    framework: Framework,
    city: str | None = None,
) -> pd.DataFrame:
    """:func:`scale` of tables given a batch at a time: the same frame, value for value and bit for bit, with
    memory bounded by the number of firms (a few integer arrays) and one batch, not by whole frames.

    Each argument is a callable that returns the table's batches in table order (figures are read twice);
    ``uscc`` must be non-negative integer codes (missing allowed), as `registry.batch_export` numbers them.
    Firms are numbered as `scale` numbers them (first appearance over firms, figures, tags, links); a
    profile's sums add its figure rows in table order across batches (``np.add.at`` carries the running
    sums), so every float is added in `scale`'s order and the results are identical.
    """
    city = _code_text(city) or _code_text(framework.info.city) or ""
    notes: list[str] = []
    number = _Numbering()

    # --- pass 1, firms: the first row of each uscc -----------------------------------------------------------
    city_labels, district_labels = _Labels(_code_text), _Labels(_code_text)
    f_city: list[np.ndarray] = []
    f_district: list[np.ndarray] = []
    f_syn: list[np.ndarray] = []
    for batch in firms():
        _require(batch, ("uscc", "city_code", "district_code"), "firms")
        present, ids = _int_ids(batch["uscc"], "firms")
        before = number.count
        codes = number(ids)
        first = np.zeros(len(codes), dtype=bool)  # a uscc's first row: new, and its first in the batch
        first[np.unique(codes, return_index=True)[1]] = True
        first &= codes >= before  # (in row order these are numbers before, before + 1, ...)
        f_city.append(city_labels(batch["city_code"])[present][first])
        f_district.append(district_labels(batch["district_code"])[present][first])
        f_syn.append(_flag(batch, "synthetic")[present][first])
    n_firms = number.count  # firms 0..n_firms-1 have a row (numbered before any other table's uscc)
    label_in_city = np.array([label == city for label in city_labels.labels] + [False])
    row_in_city = label_in_city[np.concatenate(f_city)] if f_city else np.zeros(0, dtype=bool)
    row_d = np.concatenate(f_district) if f_district else np.zeros(0, dtype=np.int64)
    del f_city, f_district
    used = np.flatnonzero(np.bincount(row_d[row_in_city & (row_d >= 0)], minlength=len(district_labels.labels)))
    districts = np.array(sorted({district_labels.labels[i] for i in used}), dtype=object)
    n_d = len(districts)
    n_areas = n_d + 2
    position = {d: i for i, d in enumerate(districts)}
    label_area = np.array([position.get(lab, n_d) for lab in district_labels.labels] + [n_d], dtype=np.int64)
    firm_area_rows = np.where(row_in_city, label_area[row_d], n_d + 1)
    del row_in_city, row_d

    # --- pass 1, figures: numbering, years, checks ---------------------------------------------------------
    year_sets: list[np.ndarray] = []
    without_uscc = 0
    for batch in figures():
        _require(batch, ("uscc", "year"), "figures")
        year_col = pd.to_numeric(batch["year"], errors="coerce")
        if year_col.isna().any():
            raise InputError("figures 的 year 列有空值或非数字 (figures.year has blanks)", hint="每行须有年份")
        present, ids = _int_ids(batch["uscc"], "figures")
        number(ids)
        without_uscc += int((~present).sum())
        year_sets.append(_distinct(year_col.to_numpy(dtype=np.int64)[present]))
    years = _distinct(np.concatenate(year_sets)) if year_sets else np.zeros(0, dtype=np.int64)
    n_years = len(years)
    if without_uscc:
        notes.append(f"{without_uscc} 行年度指标缺少统一社会信用代码，已忽略 (figure rows without uscc ignored)")

    # --- pass 1, tags and links ----------------------------------------------------------------------------
    tag_ids = list(TAGS)
    tag_pairs: list[np.ndarray] = []
    for batch in tags():
        _require(batch, ("uscc", "tag"), "tags")
        present, ids = _int_ids(batch["uscc"], "tags")
        codes = number(ids)
        t_codes, t_labels = pd.factorize(batch["tag"])
        t_index = np.array([tag_ids.index(t) if t in TAGS else -1 for t in t_labels] + [-1], dtype=np.int64)
        t_ti = t_index[t_codes][present]
        tag_pairs.append(codes[t_ti >= 0] * len(tag_ids) + t_ti[t_ti >= 0])
    node_labels = _Labels(lambda x: str(x))
    link_firm: list[np.ndarray] = []
    link_node: list[np.ndarray] = []
    for batch in links():
        _require(batch, ("uscc", "node"), "links")
        present, ids = _int_ids(batch["uscc"], "links")
        codes = number(ids)
        nodes = node_labels(batch["node"])[present]
        link_firm.append(codes[nodes >= 0])
        link_node.append(nodes[nodes >= 0].astype(np.int32))
    n_u = number.count

    firm_area = np.full(n_u, n_d + 1, dtype=np.int64)
    firm_area[:n_firms] = firm_area_rows
    firm_syn = np.zeros(n_u, dtype=bool)
    firm_syn[:n_firms] = np.concatenate(f_syn) if f_syn else np.zeros(0, dtype=bool)
    del firm_area_rows, f_syn
    tag_flags = np.zeros(n_u * len(tag_ids), dtype=bool)
    for pairs in tag_pairs:
        tag_flags[pairs] = True
    tag_flags = tag_flags.reshape(n_u, len(tag_ids))
    del tag_pairs

    node_notes: list[str] = []  # after the figures' notes, as `scale` orders them
    groups, group_index, parent = _group_index(framework, node_labels.labels, node_notes)
    n_groups = len(groups)
    l_gi = np.array([group_index.get(lab, -1) for lab in node_labels.labels] + [-1], dtype=np.int64)
    pair_parts = []
    for firm_codes, node_codes in zip(link_firm, link_node, strict=True):
        gi = l_gi[node_codes]
        pair_parts.append(firm_codes[gi >= 0] * n_groups + gi[gi >= 0])
    del link_firm, link_node
    pair = _distinct(np.concatenate(pair_parts)) if pair_parts else np.zeros(0, dtype=np.int64)
    del pair_parts
    p_firm, p_group = pair // n_groups if n_groups else pair, pair % n_groups if n_groups else pair
    profile, n_prof, rep = _profiles(n_u, n_groups, p_firm, p_group, firm_area, n_areas)
    select = _select(groups, group_index, parent, p_firm, p_group, rep, n_u, firm_area[rep], n_areas)
    del pair, p_firm, p_group

    # --- pass 2, figures: the sums per profile and year, in table order ------------------------------------
    n_bins = n_prof * n_years
    measures = [m for m in SCALE_METRICS if m.column]
    names = ["enterprises", *(f"enterprises_{t}" for t in tag_ids), "_synthetic",
             *(m.name for m in measures), *(f"_reported_{m.name}" for m in measures)]
    sums = {name: np.zeros(n_bins) for name in names}
    seen = np.zeros(n_u * n_years, dtype=bool)  # (firm, year) already met: `scale`'s duplicate check
    rows = 0
    for batch in figures():
        present, ids = _int_ids(batch["uscc"], "figures")
        fi = number(ids)
        yi = np.searchsorted(years, pd.to_numeric(batch["year"]).to_numpy(dtype=np.int64)[present])
        key = fi * n_years + yi
        if seen[key].any() or len(np.unique(key)) < len(key):
            again = key[seen[key] | pd.Series(key).duplicated().to_numpy()][:3]
            raise InputError(
                f"figures 中同一企业同一年份出现多行 (duplicate uscc+year), 例如 "
                f"{[{'firm': int(k // n_years), 'year': int(years[k % n_years])} for k in again]}",
                hint="每家企业每年只能有一行年度指标",
            )
        seen[key] = True
        rows += len(fi)
        bucket = profile[fi] * n_years + yi
        sums["enterprises"] += np.bincount(bucket, minlength=n_bins)  # counts: exact in any order
        row_tags = tag_flags[fi]
        for i, tag in enumerate(tag_ids):
            sums[f"enterprises_{tag}"] += np.bincount(bucket, weights=row_tags[:, i].astype(float), minlength=n_bins)
        row_syn = firm_syn[fi] | _flag(batch, "synthetic")[present]
        sums["_synthetic"] += np.bincount(bucket, weights=row_syn.astype(float), minlength=n_bins)
        for metric in measures:
            values, reported = _reported(batch, metric, present, row_tags, tag_ids)
            np.add.at(sums[metric.name], bucket, values)  # in row order, as bincount adds
            sums[f"_reported_{metric.name}"] += np.bincount(bucket, weights=reported.astype(float), minlength=n_bins)
    orphans = int(np.count_nonzero(seen.reshape(n_u, n_years)[n_firms:].any(axis=1))) if n_years else 0
    if orphans:
        notes.append(f"{orphans} 家企业有年度指标但不在企业名录中，只计入 registry (figures without a firm row)")
    notes.extend(node_notes)
    del seen

    # the columns in `scale`'s order; a "reported" count only where some row did not report (as `scale`)
    columns: list[np.ndarray] = []
    slot: dict[str, int] = {}
    for name in names[: 2 + len(tag_ids)]:
        slot[name] = len(columns)
        columns.append(sums[name])
    for metric in measures:
        slot[metric.name] = len(columns)
        columns.append(sums[metric.name])
        if sums[f"_reported_{metric.name}"].sum() < rows:
            slot[f"_reported_{metric.name}"] = len(columns)
            columns.append(sums[f"_reported_{metric.name}"])
    return _scale_frame(columns, slot, select, n_prof, groups, districts, city, years, notes)


def _group_index(framework: Framework, labels: Sequence[str], notes: list[str]
                 ) -> tuple[list, dict[str, int], dict[str, str | None]]:
    """(the groups `scale` reports, group id -> position, node id -> parent id); notes the unknown `labels`."""
    node_ids = [n.id for n in framework.nodes]
    if ALL_FIRMS in node_ids:
        raise InputError(f"框架节点 id 不能是保留字 {ALL_FIRMS!r} (reserved node id)", hint="在框架包中改名")
    parent = {n.id: n.parent for n in framework.nodes}
    unknown = sorted(lab for lab in labels if lab not in parent)
    if unknown:
        notes.append(
            f"分类中的节点不在框架 {framework.id} 中，已忽略 (links to unknown nodes ignored): {unknown[:10]}"
        )
    groups = scale_groups(framework, labels)
    return groups, {n.id: i for i, n in enumerate(groups)}, parent


def _profiles(n_u: int, n_groups: int, p_firm: np.ndarray, p_group: np.ndarray, firm_area: np.ndarray,
              n_areas: int) -> tuple[np.ndarray, int, np.ndarray]:
    """(each firm's profile, the number of profiles, one firm of each profile): firms with the same linked
    groups and area share a profile, numbered in firm order."""
    # signature of each firm: the set of groups it is linked to, as exact sums of powers of two (52 a word)
    signature = np.zeros(n_u, dtype=np.int64)
    for word in range(0, max(n_groups, 1), 52):
        in_word = (p_group >= word) & (p_group < word + 52)
        bits = np.bincount(p_firm[in_word], weights=np.exp2(p_group[in_word] - word), minlength=n_u)
        word_code = pd.factorize(bits)[0].astype(np.int64)
        signature = pd.factorize(signature * (int(word_code.max(initial=0)) + 1) + word_code)[0].astype(
            np.int64
        )
    profile = pd.factorize(signature * n_areas + firm_area)[0].astype(np.int64)
    n_prof = int(profile.max(initial=-1)) + 1
    rep = _first(n_prof, profile, np.arange(n_u, dtype=np.int64), -1)  # one firm per profile
    return profile, n_prof, rep


def _select(groups: list, group_index: dict[str, int], parent: dict[str, str | None], p_firm: np.ndarray,
            p_group: np.ndarray, rep: np.ndarray, n_u: int, prof_area: np.ndarray, n_areas: int) -> sparse.csr_matrix:
    """The ((groups + all firms) x areas) by profile 0/1 matrix: which profiles add into each group and area."""
    group_ids = [n.id for n in groups]
    n_groups = len(groups)
    n_prof = len(rep)
    # closure (G x G): a link to g counts in g and every ancestor of g
    a_rows, a_cols = [], []
    for i, g in enumerate(group_ids):
        current: str | None = g
        while current is not None:
            a_rows.append(i)
            a_cols.append(group_index[current])
            current = parent.get(current)
    closure = sparse.csr_matrix((np.ones(len(a_rows)), (a_rows, a_cols)), shape=(n_groups, n_groups))
    linked = sparse.csr_matrix((np.ones(len(p_firm)), (p_firm, p_group)), shape=(n_u, n_groups))
    member = (linked[rep] @ closure).tocoo()  # profile x group, > 0 where the profile belongs to the group
    m_prof = np.concatenate([member.row, np.arange(n_prof)])
    m_group = np.concatenate([member.col, np.full(n_prof, n_groups)])  # + ALL_FIRMS: every profile
    return sparse.csr_matrix(
        (np.ones(len(m_prof)), (m_group * n_areas + prof_area[m_prof], m_prof)),
        shape=((n_groups + 1) * n_areas, n_prof),
    )


def _scale_frame(columns: list[np.ndarray], slot: dict[str, int], select: sparse.csr_matrix, n_prof: int,
                 groups: list, districts: np.ndarray, city: str, years: np.ndarray, notes: list[str]) -> pd.DataFrame:
    """The long scale frame from the sums per profile and year (`columns`, named by `slot`)."""
    n_groups, n_years, n_d = len(groups), len(years), len(districts)
    n_areas = n_d + 2
    group_ids = [n.id for n in groups]
    stacked = np.stack(columns, axis=-1).reshape(n_prof, n_years * len(columns))
    summed = np.asarray(select @ stacked).reshape(n_groups + 1, n_areas, n_years, len(columns))
    by_area = np.concatenate(
        [
            summed[:, :n_d],
            summed[:, : n_d + 1].sum(axis=1, keepdims=True),  # the city: its districts + district unknown
            summed.sum(axis=1, keepdims=True),  # the registry: everything
        ],
        axis=1,
    )  # G+1 x (D + 2) x Y x C

    results = []
    for metric in SCALE_METRICS:
        values = by_area[..., slot[metric.name]] * metric.factor
        if metric.column and f"_reported_{metric.name}" in slot:
            holders = by_area[..., slot[f"enterprises_{metric.tag}" if metric.tag else "enterprises"]]
            none_reported = by_area[..., slot[f"_reported_{metric.name}"]] == 0
            values = np.where((holders > 0) & none_reported, np.nan, values)
        results.append(values)
    values = np.stack(results, axis=-1)  # G+1 x A' x Y x K
    synthetic = by_area[..., slot["_synthetic"]] > 0

    # --- long frame: group x area x year x metric ---------------------------------------------------------
    names = [m.name for m in SCALE_METRICS]
    shape = values.shape
    all_ids = np.array([*group_ids, ALL_FIRMS], dtype=object)
    scopes = np.array([*(_scope(n) for n in groups), "total"], dtype=object)
    areas = np.array([*districts, city, REGISTRY_AREA], dtype=object)
    area_types = np.array(["district"] * n_d + ["city", "registry"], dtype=object)
    gi, ai, yy, ki = np.indices(shape).reshape(4, -1)
    prov = np.broadcast_to(synthetic[..., None], shape).reshape(-1)
    frame = pd.DataFrame(
        {
            "scope": scopes[gi],
            "node": all_ids[gi],
            "area_type": area_types[ai],
            "area": areas[ai],
            "year": years[yy],
            "metric": np.array(names, dtype=object)[ki],
            "value": values.reshape(-1),
            "unit": np.array([_METRIC_UNIT[n] for n in names], dtype=object)[ki],
            "provenance": _provenance(prov),
        }
    )
    frame.attrs.update(
        city=city, years=[int(y) for y in years], districts=[str(d) for d in districts], notes=notes
    )
    return frame


# ----------------------------------------------------------------------------------------------------
# 2. Dynamics
# ----------------------------------------------------------------------------------------------------


def _syn(*columns: pd.Series) -> np.ndarray:
    out = np.zeros(len(columns[0]), dtype=bool)
    for col in columns:
        out |= (col == SYNTHETIC).to_numpy(dtype=bool, na_value=False)
    return out


def _with_previous(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Adds ``prev`` and ``prev_provenance``: the value of the year before (NaN when that year is absent)."""
    f = frame.sort_values([*keys, "year"], kind="stable").reset_index(drop=True)
    grouped = f.groupby(list(keys), sort=False, dropna=False)
    prev = grouped["value"].shift(1)
    prev_year = grouped["year"].shift(1)
    consecutive = (prev_year == f["year"] - 1).to_numpy(dtype=bool, na_value=False)
    f["prev"] = prev.where(consecutive)
    f["prev_provenance"] = grouped["provenance"].shift(1).where(consecutive)
    return f


def _totals(frame: pd.DataFrame) -> pd.DataFrame:
    total = frame.loc[
        frame["node"] == ALL_FIRMS, ["area_type", "area", "metric", "year", "value", "provenance"]
    ]
    total = _with_previous(total, ("area_type", "area", "metric"))
    return total.rename(
        columns={
            "value": "total",
            "provenance": "total_provenance",
            "prev": "total_prev",
            "prev_provenance": "total_prev_provenance",
        }
    )


def _ratio(num: pd.Series, den: pd.Series, scale_by: float = 1.0) -> pd.Series:
    den = den.where(den > 0)
    return num / den * scale_by


def dynamics(scale_frame: pd.DataFrame) -> pd.DataFrame:
    """动态 Year-on-year growth, contribution to the area's growth and share of the area's total.

    For each row of the scale frame (every scope, area and metric), with ``total`` = the area's all-firms row
    (:data:`ALL_FIRMS`) of the same metric and year:

    * ``yoy`` (%): ``(value_t / value_{t-1} - 1) x 100``; NaN in the first year, after a gap, or from zero.
    * ``contribution`` (百分点): ``(value_t - value_{t-1}) / total_{t-1} x 100``. For the city this is the
      contribution to the city's growth; the node contributions of one level add up to the total's ``yoy``.
    * ``share`` (%): ``value_t / total_t x 100``.

    :returns: ``scope, node, area_type, area, year, metric, indicator, value, unit, provenance``
        (``indicator`` in ``yoy``, ``contribution``, ``share``).
    """
    _require(scale_frame, (*KEYS, "year", "value", "provenance"), "scale_frame")
    f = _with_previous(scale_frame[[*KEYS, "year", "value", "provenance"]], KEYS)
    f = f.merge(_totals(scale_frame), on=["area_type", "area", "metric", "year"], how="left")
    base = f[[*KEYS[:4], "year", "metric"]]
    parts = []
    spec = (
        (
            "yoy",
            "%",
            _ratio(f["value"] - f["prev"], f["prev"], 100.0),
            (f["provenance"], f["prev_provenance"]),
        ),
        (
            "contribution",
            "百分点",
            _ratio(f["value"] - f["prev"], f["total_prev"], 100.0),
            (f["provenance"], f["prev_provenance"], f["total_prev_provenance"]),
        ),
        ("share", "%", _ratio(f["value"], f["total"], 100.0), (f["provenance"], f["total_provenance"])),
    )
    for indicator, unit, value, provs in spec:
        part = base.copy()
        part["indicator"] = indicator
        part["value"] = value.to_numpy(dtype=float)
        part["unit"] = unit
        part["provenance"] = _provenance(_syn(*provs))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)[list(_LONG_COLUMNS)]


def _cagr(start: Any, end: Any, years: Any) -> Any:
    """Compound annual growth in %: ``((end / start) ** (1 / years) - 1) x 100``; NaN unless start > 0."""
    start = np.asarray(start, dtype=float)
    end = np.asarray(end, dtype=float)
    years = np.asarray(years, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (np.power(end / start, 1.0 / years) - 1.0) * 100.0
    return np.where((start > 0) & (end >= 0) & (years > 0), out, np.nan)


def cagr(frame: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """年均复合增长率 CAGR (%) of every series of a long frame from `start` to `end`.

    ``CAGR = ((value_end / value_start) ** (1 / (end - start)) - 1) x 100``; NaN when the start value is not
    positive or a year is missing.

    :param frame: the scale frame (or any long frame with ``year``, ``value`` and the :data:`KEYS` it has).
    :returns: the keys, ``start, end, value_start, value_end, indicator ('cagr'), value, unit ('%'),
        provenance``.
    """
    if end <= start:
        raise InputError(f"CAGR 的结束年份 {end} 须晚于起始年份 {start} (end must be after start)")
    _require(frame, ("year", "value"), "frame")
    keys = [c for c in (*KEYS, "indicator") if c in frame.columns]
    cols = [*keys, "value"] + (["provenance"] if "provenance" in frame.columns else [])
    a = frame.loc[frame["year"] == start, cols].rename(columns={"value": "value_start", "provenance": "p0"})
    b = frame.loc[frame["year"] == end, cols].rename(columns={"value": "value_end", "provenance": "p1"})
    out = a.merge(b, on=keys, how="outer")
    out["start"] = start
    out["end"] = end
    out["value"] = _cagr(out["value_start"], out["value_end"], end - start)
    out["indicator"] = "cagr"
    out["unit"] = "%"
    provs = [out[c] for c in ("p0", "p1") if c in out.columns]
    out["provenance"] = _provenance(_syn(*provs)) if provs else REGISTRY
    keys = [k for k in keys if k != "indicator"]
    return out[
        [*keys, "start", "end", "value_start", "value_end", "indicator", "value", "unit", "provenance"]
    ]


# ----------------------------------------------------------------------------------------------------
# 3. Structure
# ----------------------------------------------------------------------------------------------------


def structure(scale_frame: pd.DataFrame, framework: Framework, *, measure: str | None = None) -> pd.DataFrame:
    """结构 District shares, concentration (HHI) and location quotients of every node.

    Each node is measured by `measure` if given, else by its scale metric (``framework.scale_metric``; the
    pack's for nodes the pack does not hold). With ``X`` the node's value and ``T`` the all-firms value of
    the same measure, area and year:

    * ``district_share`` (%, per district): ``X_d / X_city x 100`` (firms of the city without a district make
      the shares add up to less than 100).
    * ``hhi`` (0..10000, per city): ``sum_d district_share_d ** 2`` with shares in %; 10000 = all in one
      district. Divide by 10,000 for the 0..1 scale.
    * ``lq`` (ratio, per district): ``(X_d / T_d) / (X_city / T_city)``.
    * ``lq_registry`` (ratio, per city): ``(X_city / T_city) / (X_registry / T_registry)``: the city against
      every enterprise in the registry (the national sample).

    :returns: ``scope, node, area_type, area, year, metric, indicator, value, unit, provenance``.
    """
    _require(scale_frame, (*KEYS, "year", "value", "provenance"), "scale_frame")
    if measure is not None and measure not in _METRIC_UNIT:
        raise InputError(f"未知指标 {measure!r} (unknown measure)", hint=f"可选: {', '.join(_METRIC_UNIT)}")
    held = {n.id for n in framework.nodes}
    nodes = scale_frame.loc[scale_frame["node"] != ALL_FIRMS, "node"].unique()
    chosen = pd.DataFrame(
        {
            "node": nodes,
            "metric": [
                measure or (framework.scale_metric(n) if n in held else framework.info.scale_metric)
                for n in nodes
            ],
        }
    )
    cols = [*KEYS, "year", "value", "provenance"]
    x = scale_frame[cols].merge(chosen, on=["node", "metric"], how="inner")
    totals = scale_frame.loc[
        scale_frame["node"] == ALL_FIRMS, ["area_type", "area", "metric", "year", "value", "provenance"]
    ]
    totals = totals.rename(columns={"value": "total", "provenance": "total_provenance"})
    x = x.merge(totals, on=["area_type", "area", "metric", "year"], how="left")

    by = ["scope", "node", "metric", "year"]
    city = x[x["area_type"] == "city"][[*by, "area", "value", "total", "provenance", "total_provenance"]]
    city = city.rename(
        columns={
            "area": "city",
            "value": "city_value",
            "total": "city_total",
            "provenance": "city_provenance",
            "total_provenance": "city_total_provenance",
        }
    )
    registry = x[x["area_type"] == "registry"][[*by, "value", "total", "provenance", "total_provenance"]]
    registry = registry.rename(
        columns={
            "value": "reg_value",
            "total": "reg_total",
            "provenance": "reg_provenance",
            "total_provenance": "reg_total_provenance",
        }
    )
    d = x[x["area_type"] == "district"].merge(city, on=by, how="left")
    c = city.merge(registry, on=by, how="left")

    parts: list[pd.DataFrame] = []

    def emit(
        frame: pd.DataFrame,
        area_type: str,
        area: pd.Series,
        indicator: str,
        value: pd.Series,
        unit: str,
        provs: Sequence[pd.Series],
    ) -> None:
        parts.append(
            pd.DataFrame(
                {
                    "scope": frame["scope"].to_numpy(),
                    "node": frame["node"].to_numpy(),
                    "area_type": area_type,
                    "area": area.to_numpy(),
                    "year": frame["year"].to_numpy(),
                    "metric": frame["metric"].to_numpy(),
                    "indicator": indicator,
                    "value": value.to_numpy(dtype=float),
                    "unit": unit,
                    "provenance": _provenance(_syn(*provs)),
                }
            )
        )

    share = _ratio(d["value"], d["city_value"], 100.0)
    emit(d, "district", d["area"], "district_share", share, "%", (d["provenance"], d["city_provenance"]))
    d = d.assign(share_sq=share**2, syn=_syn(d["provenance"], d["city_provenance"]))
    hhi = d.groupby(by, sort=False).agg(hhi=("share_sq", lambda s: s.sum(min_count=1)), syn=("syn", "any"))
    hhi = c[[*by, "city"]].merge(hhi.reset_index(), on=by, how="left")
    emit(
        hhi,
        "city",
        hhi["city"],
        "hhi",
        hhi["hhi"],
        "0-10000",
        (hhi["syn"].map({True: SYNTHETIC, False: REGISTRY}),),
    )
    lq = _ratio(_ratio(d["value"], d["total"]), _ratio(d["city_value"], d["city_total"]))
    emit(
        d,
        "district",
        d["area"],
        "lq",
        lq,
        "ratio",
        (d["provenance"], d["total_provenance"], d["city_provenance"], d["city_total_provenance"]),
    )
    lq_reg = _ratio(_ratio(c["city_value"], c["city_total"]), _ratio(c["reg_value"], c["reg_total"]))
    emit(
        c,
        "city",
        c["city"],
        "lq_registry",
        lq_reg,
        "ratio",
        (c["city_provenance"], c["city_total_provenance"], c["reg_provenance"], c["reg_total_provenance"]),
    )
    return pd.concat(parts, ignore_index=True)[list(_LONG_COLUMNS)]


# ----------------------------------------------------------------------------------------------------
# 4. Milestones
# ----------------------------------------------------------------------------------------------------


def _series(scale_frame: pd.DataFrame, node: str, metric: str, area_type: str = "city") -> pd.DataFrame:
    rows = scale_frame[
        (scale_frame["node"] == node)
        & (scale_frame["metric"] == metric)
        & (scale_frame["area_type"] == area_type)
    ]
    return rows.sort_values("year")


def _crossing(
    years: Sequence[int], values: Sequence[float], threshold: float
) -> tuple[str | None, int | None]:
    """(text, first year) of the first crossing of `threshold`: 'YYYY', or 'before YYYY' when the first year
    of the data is already at or above it (the crossing happened in or before that year)."""
    previous_below = False
    for i, (year, value) in enumerate(zip(years, values, strict=True)):
        if value is None or np.isnan(value):
            previous_below = False
            continue
        if value >= threshold:
            if i == 0:
                return f"before {year}", int(year)
            if previous_below:
                return str(year), int(year)
            return f"before {year}", int(year)  # a gap in the data precedes it
        previous_below = True
    return None, None


def milestones(scale_frame: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """千亿级/万亿级 Milestones of every industry node in the city.

    For each industry node (framework order), on its scale metric (``node.scale_metric`` or the pack's):
    the latest value (亿元), whether it is 千亿级 (>= :data:`THOUSAND_BILLION` 亿元) and 万亿级
    (>= :data:`TEN_THOUSAND_BILLION` 亿元), and when it first crossed each threshold: ``'YYYY'`` (the first
    year at or above it after a year below), ``'before YYYY'`` (already above in the first year of the data,
    or after a gap: crossed in or before that year), None (never).

    :returns: ``node, name, kind, parent, area, metric, latest_year, value, unit, thousand_billion,
        crossed_1000, first_year_1000, ten_thousand_billion, crossed_10000, first_year_10000, provenance``.
    """
    _require(scale_frame, (*KEYS, "year", "value", "provenance"), "scale_frame")
    city_rows = scale_frame[scale_frame["area_type"] == "city"]
    area = city_rows["area"].iloc[0] if len(city_rows) else framework.info.city
    metric_of = {n.id: framework.scale_metric(n.id) for n in framework.industry_nodes()}
    # each node's series on its scale metric, split once (a filter per node cost 0.09 s on the full demo)
    wanted = city_rows[city_rows["node"].isin(list(metric_of))]
    wanted = wanted[(wanted["metric"] == wanted["node"].map(metric_of)).to_numpy(dtype=bool)].sort_values("year")
    series = dict(list(wanted.groupby("node", sort=False)))
    records = []
    for node in framework.industry_nodes():
        metric = metric_of[node.id]
        every = series.get(node.id, wanted.iloc[:0])
        s = every.dropna(subset=["value"])
        years = s["year"].tolist()
        values = s["value"].tolist()
        latest = values[-1] if values else float("nan")
        # the crossing reads the blank years too: a crossing after a blank year is 'before YYYY'
        c1, y1 = _crossing(every["year"].tolist(), every["value"].tolist(), THOUSAND_BILLION)
        c2, y2 = _crossing(every["year"].tolist(), every["value"].tolist(), TEN_THOUSAND_BILLION)
        records.append(
            {
                "node": node.id,
                "name": node.name.zh,
                "kind": node.kind,
                "parent": node.parent,
                "area": area,
                "metric": metric,
                "latest_year": years[-1] if years else None,
                "value": latest,
                "unit": _METRIC_UNIT[metric],
                "thousand_billion": bool(values) and latest >= THOUSAND_BILLION,
                "crossed_1000": c1,
                "first_year_1000": y1,
                "ten_thousand_billion": bool(values) and latest >= TEN_THOUSAND_BILLION,
                "crossed_10000": c2,
                "first_year_10000": y2,
                "provenance": s["provenance"].iloc[-1] if len(s) else REGISTRY,
            }
        )
    out = pd.DataFrame.from_records(records)
    for col in ("latest_year", "first_year_1000", "first_year_10000"):
        out[col] = out[col].astype("Int64")
    return out


#: Derived counts :func:`milestone_counts` adds: metric -> node kinds counted.
_COUNT_KINDS: dict[str, tuple[str, ...]] = {
    "thousand_billion_industries": INDUSTRY_KINDS,
    "thousand_billion_clusters": ("cluster", "future"),
    "thousand_billion_services": ("service",),
}


def milestone_counts(scale_frame: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """千亿级产业个数 How many industry nodes under each group node are 千亿级, per area and year.

    For each node of the scale frame (industry nodes count themselves) and each metric of ``_COUNT_KINDS``:
    the number of industry nodes of those kinds at or under it whose scale metric is >= 1,000 亿元 in that
    area and year. Same columns as the scale frame (unit 个), so it can be concatenated to it.
    """
    industry = {n.id: n for n in framework.industry_nodes()}
    metric_of = {n: framework.scale_metric(n) for n in industry}
    rows = scale_frame[scale_frame["node"].isin(list(industry)) & (scale_frame["area_type"] != "registry")]
    rows = rows[rows["metric"] == rows["node"].map(metric_of)]
    rows = rows.assign(
        over=(rows["value"] >= THOUSAND_BILLION).to_numpy(dtype=bool, na_value=False),
        kind=rows["node"].map({n: v.kind for n, v in industry.items()}),
    )
    # group -> its industry nodes (itself and descendants)
    groups = [g for g in scale_frame["node"].unique() if g != ALL_FIRMS]
    scopes = scale_frame[["node", "scope"]].drop_duplicates()  # not a Python loop over every row
    scope_of = dict(zip(scopes["node"].tolist(), scopes["scope"].tolist(), strict=True))
    pairs = []
    for g in groups:
        members = [g] if g in industry else [n.id for n in framework.descendants(g) if n.id in industry]
        pairs.extend((g, m) for m in members)
    member = pd.DataFrame(pairs, columns=["group", "node"])
    joined = member.merge(rows, on="node", how="inner")
    # every group x area x year, so that "no 千亿级 node" reads 0
    grid = scale_frame.loc[
        scale_frame["node"].isin(groups) & (scale_frame["area_type"] != "registry"),
        ["node", "area_type", "area", "year"],
    ].drop_duplicates()
    grid = grid.rename(columns={"node": "group"})
    by = ["group", "area_type", "area", "year"]
    parts = []
    for metric, kinds in _COUNT_KINDS.items():
        sel = joined[joined["kind"].isin(kinds)].assign(syn=lambda f: f["provenance"] == SYNTHETIC)
        agg = sel.groupby(by, sort=False).agg(value=("over", "sum"), syn=("syn", "any")).reset_index()
        agg = grid.merge(agg, on=by, how="left")
        agg["value"] = agg["value"].fillna(0)
        agg["syn"] = agg["syn"].fillna(False).astype(bool)
        parts.append(
            pd.DataFrame(
                {
                    "scope": agg["group"].map(scope_of),
                    "node": agg["group"],
                    "area_type": agg["area_type"],
                    "area": agg["area"],
                    "year": agg["year"],
                    "metric": metric,
                    "value": agg["value"].astype(float),
                    "unit": "个",
                    "provenance": _provenance(agg["syn"].to_numpy(dtype=bool)),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)[list(_SCALE_COLUMNS)]


# ----------------------------------------------------------------------------------------------------
# 5. Target progress
# ----------------------------------------------------------------------------------------------------


def _target_records(targets: Iterable[Target] | pd.DataFrame) -> list[dict[str, Any]]:
    if isinstance(targets, pd.DataFrame):
        _require(targets, ("id", "node", "metric", "value", "unit", "year"), "targets")
        return targets.to_dict("records")
    return [t.model_dump() for t in targets]


def target_progress(
    scale_frame: pd.DataFrame,
    targets: Iterable[Target] | pd.DataFrame,
    latest_year: int,
    *,
    span: int = 3,
) -> pd.DataFrame:
    """目标进度 Progress of each target (``framework.targets``, or a frame with the same fields) in the city.

    A target on node ``'city'`` reads the city's all-firms row. The target value is converted to 亿元.

    * ``required_cagr`` (%): ``((target / latest) ** (1 / (target_year - latest_year)) - 1) x 100``.
    * ``achieved_cagr`` (%): CAGR from ``base_year = latest_year - span`` to ``latest_year`` (when the data
      start later, from the first year with data).
    * ``projected_year``: ``latest_year + ceil(log(target / latest) / log(1 + g))`` with g the achieved CAGR.
    * ``status``: ``reached`` (latest >= target), ``on_track`` (projected year <= target year), ``behind``
      (``years_behind`` = projected year - target year), ``declining`` (g <= 0: never reached at this pace),
      ``insufficient_data`` (no earlier year to measure the pace), ``no_data`` (no latest value),
      ``not_in_registry`` (the target measures a published metric, not a scale metric the registry sums: e.g.
      低空经济整体规模 is not the cluster's revenue, so it is not compared; issue 11).

    :returns: ``id, node, metric, area, target_year, target, unit, target_value, target_unit, latest_year,
        latest, base_year, base, required_cagr, achieved_cagr, projected_year, status, years_behind, sources,
        provenance``.
    """
    _require(scale_frame, (*KEYS, "year", "value", "provenance"), "scale_frame")
    city_rows = scale_frame[scale_frame["area_type"] == "city"]
    area = city_rows["area"].iloc[0] if len(city_rows) else None
    records = []
    for t in _target_records(targets):
        node = ALL_FIRMS if t["node"] == "city" else t["node"]
        sources = t.get("sources")
        target = _convert(t["value"], t["unit"], "亿元")
        if target is None:
            raise InputError(
                f"目标 {t['id']} 的单位 {t['unit']!r} 无法换算为亿元 (unit not convertible to 亿元)"
            )
        measured = t["metric"] in ("industrial_output", "revenue", "value_added")
        s = _series(city_rows, node, t["metric"] if measured else "__none__").dropna(subset=["value"])
        by_year = dict(zip(s["year"].astype(int), s["value"], strict=True))
        prov = dict(zip(s["year"].astype(int), s["provenance"], strict=True))
        latest = by_year.get(latest_year, float("nan"))
        earlier = [y for y in by_year if latest_year - span <= y < latest_year]
        base_year = min(earlier) if earlier else None
        base = by_year[base_year] if base_year is not None else float("nan")
        horizon = t["year"] - latest_year
        required = float(_cagr(latest, target, horizon)) if horizon > 0 else float("nan")
        achieved = (
            float(_cagr(base, latest, latest_year - base_year)) if base_year is not None else float("nan")
        )
        projected: int | None = None
        behind: int | None = None
        if not measured:
            status = "not_in_registry"
        elif math.isnan(latest):
            status = "no_data"
        elif latest >= target:
            status = "reached"
        elif math.isnan(achieved):
            status = "insufficient_data"
        elif achieved <= 0:
            status = "declining"
        else:
            years_needed = math.log(target / latest) / math.log(1 + achieved / 100.0)
            projected = latest_year + math.ceil(years_needed - 1e-9)
            if projected <= t["year"]:
                status = "on_track"
            else:
                status, behind = "behind", projected - t["year"]
        used = [y for y in (base_year, latest_year) if y is not None and y in prov]
        records.append(
            {
                "id": t["id"],
                "node": t["node"],
                "metric": t["metric"],
                "area": area,
                "target_year": int(t["year"]),
                "target": target,
                "unit": "亿元",
                "target_value": float(t["value"]),
                "target_unit": t["unit"],
                "latest_year": latest_year,
                "latest": latest,
                "base_year": base_year,
                "base": base,
                "required_cagr": required,
                "achieved_cagr": achieved,
                "projected_year": projected,
                "status": status,
                "years_behind": behind,
                "sources": ",".join(str(x) for x in sources) if isinstance(sources, (list, tuple)) else "",
                "provenance": SYNTHETIC if any(prov[y] == SYNTHETIC for y in used) else REGISTRY,
            }
        )
    out = pd.DataFrame.from_records(records)
    if len(out):
        for col in ("base_year", "projected_year", "years_behind"):
            out[col] = out[col].astype("Int64")
    return out


# ----------------------------------------------------------------------------------------------------
# 6. Reconciliation with published figures
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricMatch:
    """Which registry metric a published metric compares with.

    ``published``: the names published rows use (matched lower-cased, with '-' read as '_').
    ``registry``: the registry metric (scale frame or :func:`milestone_counts`), None when the registry cannot
    compute it. ``unit``: the registry metric's unit. ``note``: what is compared, or why it cannot be.
    ``reason``: why it cannot be, as a machine code the presentation layer words.
    """

    published: tuple[str, ...]
    registry: str | None
    unit: str = ""
    note: str = ""
    reason: str = ""


PUBLISHED_METRICS: tuple[MetricMatch, ...] = (
    MetricMatch(
        ("industrial_output", "output", "gross_output", "工业总产值", "总产值", "产值", "cluster_scale", "biomed_output"),
        "industrial_output",
        "亿元",
        "sum of the node's enterprises' industrial output",
    ),
    MetricMatch(
        (
            "above_scale_industrial_output",
            "industrial_output_above_scale",
            "规上工业总产值",
            "规模以上工业总产值",
        ),
        "industrial_output_above_scale",
        "亿元",
        "industrial output of above-scale (规上) enterprises",
    ),
    MetricMatch(("revenue", "operating_revenue", "营业收入"), "revenue", "亿元", "sum of revenue"),
    MetricMatch(("value_added", "增加值"), "value_added", "亿元", "sum of value added"),
    MetricMatch(
        ("sei_value_added", "strategic_emerging_value_added", "strategic_emerging_va", "战略性新兴产业增加值"),
        "value_added",
        "亿元",
        "value added of the published row's node (the pack's strategic emerging industries), firms once",
    ),
    MetricMatch(("employees", "从业人员"), "employees", "人", "sum of employees"),
    MetricMatch(("enterprises", "企业数"), "enterprises", "家", "enterprises with figures that year"),
    *(
        MetricMatch(
            (f"{tag}_enterprises", f"enterprises_{tag}", f"{TAGS[tag][0]}企业数"),
            f"enterprises_{tag}",
            "家",
            f"enterprises tagged {tag}",
        )
        for tag in TAGS
    ),
    MetricMatch(
        ("thousand_billion_industries", "千亿级产业"),
        "thousand_billion_industries",
        "个",
        "industry nodes under the node with scale metric >= 1000亿元",
    ),
    MetricMatch(
        ("thousand_billion_clusters", "clusters_over_1000", "count_100bn_clusters", "count_100bn_mfg_clusters", "千亿级产业集群"),
        "thousand_billion_clusters",
        "个",
        "cluster/future nodes under the node with scale metric >= 1000亿元",
    ),
    MetricMatch(
        ("thousand_billion_services", "services_over_1000", "count_100bn_services", "千亿级服务业"),
        "thousand_billion_services",
        "个",
        "service nodes under the node with scale metric >= 1000亿元",
    ),
    # City statistics that no sum over enterprises gives.
    MetricMatch(
        ("gdp", "district_gdp", "地区生产总值"), None, note="GDP is a national-accounts figure, not a sum over enterprises", reason="national_accounts"
    ),
    MetricMatch(
        (
            "industrial_investment",
            "industrial_investment_growth",
            "tech_renovation_investment_growth",
            "tech_upgrade_investment_growth",
            "industrial_projects",
            "high_tech_mfg_investment_growth",
            "auto_parts_investment_growth",
            "investment",
            "工业投资",
        ),
        None,
        note="fixed-asset investment is not in the registry", reason="investment",
    ),
    MetricMatch(("retail_sales", "社会消费品零售总额"), None, note="retail sales are city statistics", reason="city_statistics"),
    MetricMatch(("trade", "trade_total", "imports_exports", "进出口"), None, note="foreign trade is customs statistics", reason="customs"),
    MetricMatch(
        ("sei_va_share", "strategic_emerging_va_share", "mfg_va_share", "digital_core_va_share", "producer_services_share"),
        None,
        note="a share of GDP needs GDP, which the registry does not hold", reason="share_of_gdp",
    ),
    MetricMatch(("energy_intensity_gdp", "energy_intensity_gdp_decline"), None, note="per unit of GDP", reason="per_unit_gdp"),
    MetricMatch(
        ("nev_production", "nev_output_units", "nev_national_share", "新能源汽车产量"), None, note="physical output (辆) is not in the registry", reason="physical_output"
    ),
)


def _match_index(mapping: Iterable[MetricMatch]) -> dict[str, MetricMatch]:
    return {_norm(name): m for m in mapping for name in m.published}


def _norm(metric: Any) -> str:
    return str(metric).strip().lower().replace("-", "_")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value == ""


def reconcile(
    published: pd.DataFrame,
    computed: pd.DataFrame,
    framework: Framework | None = None,
    *,
    tolerance: float = 0.01,
    mapping: Iterable[MetricMatch] = PUBLISHED_METRICS,
    checks: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """对账 Each published figure against the registry's number for the same area, node, metric and year.

    With `checks` (:func:`consistency`'s frame) two columns more: ``consistency`` (the status of a check that
    names the figure: ``conflict`` or ``different_definitions`` before ``consistent``; None when no check names
    it) and ``consistency_check`` (that check's id), so the reconciliation shows a figure that contradicts
    another or a national total beside its own comparison (issue 11).

    :param published: ``id, scope, area, node, metric, year, value, unit, comparison, source`` (the store's
        ``published`` table). A blank area means the city; a blank node means the root (the whole system).
    :param computed: the scale frame, optionally with :func:`milestone_counts` rows.
    :param framework: when given and `computed` lacks them, the 千亿级 counts are added from it.
    :param tolerance: relative gap still called a match for ``'='`` (default 1%).
    :param mapping: the published -> registry metric table (:data:`PUBLISHED_METRICS`).
    :returns: ``id, scope, area, node, metric, year, comparison, published, registry_metric, registry, unit,
        gap, gap_pct, status, note, reason, provenance, registry_provenance``. ``published`` is converted to the
        registry's unit; ``gap = registry - published``, ``gap_pct = gap / published x 100``. ``status``:
        ``match`` (within `tolerance`, or the registry satisfies ``'>'``/``'>='``/``'<'``/``'<='``), ``gap``,
        ``not in registry`` (a city statistic the registry cannot compute, or an unknown metric),
        ``no data`` (computable, but the registry holds no number for that area, node and year).
        ``provenance`` is the published row's source id.
    """
    _require(published, ("id", "area", "node", "metric", "year", "value", "unit"), "published")
    _require(computed, (*KEYS, "year", "value", "provenance"), "computed")
    index = _match_index(mapping)
    asked = {m.registry for m in (index.get(_norm(x)) for x in published["metric"]) if m and m.registry}
    if (framework is not None and asked & set(_COUNT_KINDS)
            and not computed["metric"].isin(list(_COUNT_KINDS)).any()):
        computed = pd.concat([computed, milestone_counts(computed, framework)], ignore_index=True)
    # only the metrics a published figure asks for; Python lists first: iterating Arrow-backed columns cell by
    # cell cost 0.15 s on the full demo's 190k rows
    rows = computed[computed["area_type"].isin(["city", "district"]) & computed["metric"].isin(list(asked))]
    lookup = {
        (str(a), str(n), m, int(y)): (v, p)
        for a, n, m, y, v, p in zip(
            *(rows[c].tolist() for c in ("area", "node", "metric", "year", "value", "provenance")), strict=True
        )
    }
    city_rows = computed[computed["area_type"] == "city"]
    city = str(city_rows["area"].iloc[0]) if len(city_rows) else (framework.info.city if framework else None)
    roots = computed.loc[computed["scope"] == "all", "node"].unique()
    root = str(roots[0]) if len(roots) else None

    records = []
    for p in published.to_dict("records"):
        area = city if _blank(p.get("area")) else _code_text(p["area"])
        node = root if _blank(p.get("node")) else str(p["node"])
        comparison = "=" if _blank(p.get("comparison")) else str(p["comparison"]).strip()
        match = index.get(_norm(p["metric"]))
        rec = {
            "id": p["id"],
            "scope": p.get("scope"),
            "area": area,
            "node": node,
            "metric": p["metric"],
            "year": int(p["year"]) if not _blank(p.get("year")) else None,
            "comparison": comparison,
            "published": float(p["value"]) if not _blank(p.get("value")) else float("nan"),
            "registry_metric": match.registry if match else None,
            "registry": float("nan"),
            "unit": p.get("unit"),
            "gap": float("nan"),
            "gap_pct": float("nan"),
            "status": "not in registry",
            "note": match.note if match else "unknown metric: not in the matching table",
            "reason": "compared" if match and match.registry else (match.reason if match else "unknown_metric"),
            "provenance": p["id"] if _blank(p.get("source")) else p["source"],  # a blank source reads NaN
            "registry_provenance": None,
        }
        records.append(rec)
        if match is None or match.registry is None:
            continue
        rec["unit"] = match.unit
        published_value = (
            _convert(p["value"], p.get("unit"), match.unit) if not _blank(p.get("value")) else None
        )
        if published_value is None:
            rec["status"] = "not in registry"
            rec["note"] = f"published unit {p.get('unit')!r} does not convert to {match.unit}"
            rec["reason"] = "unit_mismatch"
            continue
        rec["published"] = published_value
        hit = lookup.get((area, node, match.registry, rec["year"])) if rec["year"] is not None else None
        if hit is None or _blank(hit[0]):
            rec["status"] = "no data"
            rec["note"] = f"the registry holds no {match.registry} for {node} in {area}, {rec['year']}"
            rec["reason"] = "no_registry_value"
            if match.registry in _COUNT_KINDS and framework is None:
                rec["note"] += "; pass framework= to count 千亿级 nodes"
            continue
        value, rec["registry_provenance"] = float(hit[0]), hit[1]
        rec["registry"] = value
        rec["gap"] = value - published_value
        rec["gap_pct"] = rec["gap"] / published_value * 100.0 if published_value else float("nan")
        ok = {
            ">": value > published_value,
            ">=": value >= published_value,
            "<": value < published_value,
            "<=": value <= published_value,
        }.get(comparison)
        if ok is None:  # '=', '~', or anything else: within tolerance
            ok = abs(value - published_value) <= tolerance * abs(published_value)
        rec["status"] = "match" if ok else "gap"
    columns = [
        "id",
        "scope",
        "area",
        "node",
        "metric",
        "year",
        "comparison",
        "published",
        "registry_metric",
        "registry",
        "unit",
        "gap",
        "gap_pct",
        "status",
        "note",
        "reason",
        "provenance",
        "registry_provenance",
    ]
    out = pd.DataFrame.from_records(records, columns=columns)
    if checks is not None:
        rank = {"conflict": 0, "different_definitions": 1, "unit_mismatch": 2, "missing_figure": 3, "consistent": 4}
        found: dict[str, tuple[str, str]] = {}
        for c in sorted(checks.to_dict("records"), key=lambda c: rank.get(c["status"], 9)):
            for fid in c["figures"]:
                found.setdefault(str(fid), (c["status"], c["check"]))
        out["consistency"] = [found.get(str(i), (None, None))[0] for i in out["id"]]
        out["consistency_check"] = [found.get(str(i), (None, None))[1] for i in out["id"]]
    return out


# --- consistency of published figures (issue 11) -----------------------------------------------------------

CONSISTENCY_COLUMNS = ["check", "kind", "figures", "reported", "computed", "unit", "gap", "status", "reason",
                       "sources"]


def consistency(published: pd.DataFrame, national: pd.DataFrame, checks: Iterable[dict]) -> pd.DataFrame:
    """一致性检查 Published figures against each other and against national totals; no figure is changed.

    :param published: ``id, value, unit, source`` (the store's ``published`` table).
    :param national: national totals ``id, value, unit, source``.
    :param checks: dicts with ``id`` and ``kind``:

        * ``share``: ``part`` (a figure), ``whole`` (a national total), ``share`` (the figure reporting
          part / whole in %), ``tolerance_pp``. ``computed = part / whole x 100`` (units must agree),
          ``reported`` the share figure, ``gap = reported - computed`` (percentage points); status
          ``consistent`` within the tolerance, else ``conflict`` (reason ``share_of_national_total``).
        * ``definitions``: ``figures`` (two ids): counts of different things that read alike; ``reported`` the
          first, ``computed`` the second, status ``different_definitions`` (reason ``definitions_differ``).

        A check naming a figure that is absent has status ``missing_figure``.
    :returns: ``CONSISTENCY_COLUMNS``; ``figures`` and ``sources`` are tuples of ids (the figures' and the
        national totals' sources, in the order the check names them).
    """
    _require(published, ("id", "value", "unit", "source"), "published")
    rows = {str(r["id"]): r for r in published.to_dict("records")}
    if national is not None and len(national):
        _require(national, ("id", "value", "unit", "source"), "national")
        rows.update({str(r["id"]): r for r in national.to_dict("records")})
    out = []
    for c in checks:
        kind = str(c.get("kind"))
        ids = (c["part"], c["whole"], c["share"]) if kind == "share" else tuple(c.get("figures") or ())
        rec = {"check": c["id"], "kind": kind, "figures": tuple(ids), "reported": float("nan"),
               "computed": float("nan"), "unit": None, "gap": float("nan"), "status": "missing_figure",
               "reason": "missing_figure",
               "sources": tuple(dict.fromkeys(str(rows[i]["source"]) for i in ids if i in rows))}
        out.append(rec)
        if any(i not in rows for i in ids) or kind not in ("share", "definitions"):
            continue
        if kind == "share":
            part, whole, share = rows[c["part"]], rows[c["whole"]], rows[c["share"]]
            if str(part["unit"]) != str(whole["unit"]) or not float(whole["value"]):
                rec.update(status="unit_mismatch", reason="unit_mismatch")
                continue
            computed = float(part["value"]) / float(whole["value"]) * 100.0
            reported = float(share["value"])
            gap = reported - computed
            rec.update(reported=reported, computed=computed, unit="%", gap=gap,
                       status="consistent" if abs(gap) <= float(c.get("tolerance_pp", 1.0)) else "conflict",
                       reason="share_of_national_total")
        else:
            first, second = rows[ids[0]], rows[ids[1]]
            rec.update(reported=float(first["value"]), computed=float(second["value"]), unit=first["unit"],
                       gap=float(first["value"]) - float(second["value"]), status="different_definitions",
                       reason="definitions_differ")
    return pd.DataFrame.from_records(out, columns=CONSISTENCY_COLUMNS)
