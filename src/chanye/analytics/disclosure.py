"""统计披露控制 Statistical disclosure control of magnitude tables (issue 17).

Why: 《中华人民共和国统计法》第九条 (statistical bodies and their staff keep confidential the information of
individual survey objects that they learn in statistical work) and 第二十五条 (material that can identify or
infer a single survey object's identity or data may not be provided or disclosed to anyone) forbid publishing
an aggregate from which one firm's figure can be read or closely estimated. Statistical agencies meet this
with the rules implemented here, as described in Hundepool, Domingo-Ferrer, Franconi, Giessing, Nordholt,
Spicer, de Wolf, *Statistical Disclosure Control* (Wiley, 2012), chapter 4 (magnitude tabular data), the
τ-ARGUS manual (Statistics Netherlands; safety rules ``FREQ(n,p)`` and ``NK(n,k)``) and the ESSnet "Guidelines
for the Statistical Disclosure Control of Tabular Data":

Primary suppression (a cell is *sensitive*):

- threshold rule: fewer than ``min_firms`` (3) firms contribute (1 or 2 firms; an empty cell is not
  sensitive) -> ``primary_threshold``;
- (n,k) dominance rule: the n largest contributions exceed k% of the cell total, strictly (``(1, 85)``: one
  firm above 85%; ``(2, 90)``: two firms above 90%) -> ``primary_dominance``. A top firm at exactly 85% passes.

Each sensitive cell needs a protection interval: whatever else is published, the set of values it could take
must reach at least ``required`` above its value and ``min(required, room)`` below it (``room``: the value, less
the cells inside it that the viewer knows, e.g. a district analyst's own cell in a node's city total), with
``required = max(protection * value, (x1 + … + xn) * 100 / k - value for each violated (n,k) rule)``. The
second term is the dominance rule's own protection (τ-ARGUS; Hundepool et al. 2012, ch. 4): by how much the
total must be able to grow before the top n firms no longer dominate it.

Secondary (complementary) suppression of a 2-D table with its margins (rows x columns, plus a row-total
column, a column-total row and the grand total; each line sums to its margin): for every sensitive cell, in
descending order of value, the cheapest *rectangle* (hypercube in two dimensions, as in GHMITER / τ-ARGUS
"HYP", Repsilber 2002) of four cells (the target, one cell in its row, one in its column, the opposite corner;
margins included) whose alternating shift keeps every margin and lets the target move by the required amount
up and down while no cell turns negative. Cost = the value of the cells not yet suppressed (τ-ARGUS's default
cost). A union of rectangles leaves every line with zero or at least two suppressed cells, and each rectangle's
shift stays feasible in the union, so every sensitive cell keeps its interval by construction. When no single
rectangle is enough (a tiny or sparse table) rectangles are added in order of cost until the LP audit passes.
Empty cells (no firm) and cells the viewer already knows are never used as complements.

`audit` checks the result with linear programming (`scipy.optimize.linprog`, HiGHS): for each suppressed
sensitive cell the minimum and maximum value consistent with the published cells, the margins and
non-negativity. A pattern passes when every interval is at least the required width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from chanye.errors import InputError

TOTAL = "total"  #: the key of the margin row / column (a row or column total)
PUBLISHED = "published"
PRIMARY_THRESHOLD = "primary_threshold"
PRIMARY_DOMINANCE = "primary_dominance"
SECONDARY = "secondary"
KNOWN = "known"  #: a cell the viewer sees by right (a district analyst's own district): shown, never a complement
STATUSES = (PUBLISHED, PRIMARY_THRESHOLD, PRIMARY_DOMINANCE, SECONDARY, KNOWN)
SUPPRESSED = (PRIMARY_THRESHOLD, PRIMARY_DOMINANCE, SECONDARY)
_TOLERANCE = 1e-7  # relative; sums of floats
_MAX_RECTANGLES = 40  # cheap rectangles tried together for one cell before the cheapest sufficient one


@dataclass(frozen=True)
class DisclosureRules:
    """The safety rules. `dominance`: (n, k) pairs, k in percent (a cell is sensitive when its n largest
    contributions exceed k% of its total). `protection`: the minimum protection interval as a share of a
    sensitive cell's value (10%, τ-ARGUS's ``FREQ(3,10)``)."""

    min_firms: int = 3
    dominance: tuple[tuple[int, float], ...] = field(default=((1, 85.0), (2, 90.0)))
    protection: float = 0.10

    def __post_init__(self) -> None:
        if self.min_firms < 1:
            raise InputError(f"min_firms 须 ≥ 1，得到 {self.min_firms} (min_firms must be at least 1)")
        for n, k in self.dominance:
            if n < 1 or not 0 < k <= 100:
                raise InputError(f"支配规则 ({n}, {k}) 无效：n ≥ 1，0 < k ≤ 100 (invalid dominance rule (n, k))")
        if not 0 <= self.protection < 1:
            raise InputError(f"保护区间 {self.protection} 须在 [0, 1) 内 (protection must be in [0, 1))")

    @property
    def top_columns(self) -> list[str]:
        """The contribution columns the rules read: top1 .. top<max n>."""
        return [f"top{i}" for i in range(1, max((n for n, _ in self.dominance), default=0) + 1)]


DEFAULT_RULES = DisclosureRules()


def primary(cells: pd.DataFrame, rules: DisclosureRules = DEFAULT_RULES) -> pd.DataFrame:
    """The primary status and required protection of each cell.

    :param cells: ``value`` (the cell total, >= 0), ``contributors`` (firms in the cell), ``top1``, ``top2``, …
        (the largest contributions, NaN where fewer firms); other columns are kept.
    :returns: `cells` with ``status`` (published / primary_threshold / primary_dominance) and ``required``
        (the protection a sensitive cell needs; 0 for the others).
    """
    need = ["value", "contributors", *rules.top_columns]
    missing = [c for c in need if c not in cells.columns]
    if missing:
        raise InputError(f"表格缺少列 {missing} (cells lack columns)", hint="需要 value, contributors, top1, top2")
    out = cells.copy()
    value = pd.to_numeric(out["value"], errors="coerce").fillna(0.0).to_numpy(float)
    if (value < 0).any():
        raise InputError("表格中有负值，支配规则只适用于非负量 (negative cell values: the rules need magnitudes >= 0)")
    n = pd.to_numeric(out["contributors"], errors="coerce").fillna(0).to_numpy(int)
    threshold = (n > 0) & (n < rules.min_firms)
    required = np.where(threshold, rules.protection * value, 0.0)
    dominated = np.zeros(len(out), dtype=bool)
    for top_n, k in rules.dominance:
        tops = out[[f"top{i}" for i in range(1, top_n + 1)]].apply(pd.to_numeric, errors="coerce")
        lead = tops.fillna(0.0).sum(axis=1).to_numpy(float)
        # compare in percent as `lead * 100 > k * value`: exact for whole numbers at the boundary (85 of 100)
        hit = (value > 0) & (lead * 100.0 > k * value) & ~threshold
        dominated |= hit
        required = np.where(hit, np.maximum(required, np.maximum(rules.protection * value,
                                                                  lead * 100.0 / k - value)), required)
    out["status"] = np.where(threshold, PRIMARY_THRESHOLD, np.where(dominated, PRIMARY_DOMINANCE, PUBLISHED))
    out["required"] = required
    return out


# --- the 2-D table with margins ---------------------------------------------------------------------------------


@dataclass
class _Grid:
    """A (R+1) x (C+1) table: rows, then the column-total row; columns, then the row-total column."""

    rows: list
    cols: list
    value: np.ndarray
    contributors: np.ndarray
    required: np.ndarray
    primary: np.ndarray  # the status codes of `primary`, as an object array
    known: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.value.shape

    @property
    def room(self) -> np.ndarray:
        """How far each cell can fall for this viewer: its value less the known cells inside it (a district
        analyst's own cell in a node's city total), which no suppression can make uncertain."""
        inside = np.where(self.known, self.value, 0.0)
        floor = np.zeros(self.shape)
        floor[:-1, -1] = inside[:-1, :-1].sum(axis=1)
        floor[-1, :-1] = inside[:-1, :-1].sum(axis=0)
        floor[-1, -1] = inside[-1, :-1].sum()
        return self.value - floor


def _grid(cells: pd.DataFrame, rules: DisclosureRules, known: pd.Series | None) -> _Grid:
    for column in ("row", "col"):
        if column not in cells.columns:
            raise InputError(f"表格缺少列 {column!r} (cells lack the {column!r} key)")
    if cells.duplicated(["row", "col"]).any():
        dup = cells.loc[cells.duplicated(["row", "col"]), ["row", "col"]].head(3).to_dict("records")
        raise InputError(f"表格中同一格出现多次 (duplicate cells), 例如 {dup}")
    rows = [r for r in dict.fromkeys(cells["row"]) if r != TOTAL] + [TOTAL]
    cols = [c for c in dict.fromkeys(cells["col"]) if c != TOTAL] + [TOTAL]
    marked = primary(cells, rules)
    index = {key: i for i, key in enumerate(zip(marked["row"], marked["col"], strict=True))}
    shape = (len(rows), len(cols))
    absent = [(r, c) for r in rows for c in cols if (r, c) not in index]
    if absent:
        raise InputError(f"表格不完整，缺少 {len(absent)} 格 (the table lacks cells, margins included), 例如 "
                         f"{absent[:3]}", hint="每个行×列及行合计、列合计、总计都要有一格（可为 0）")
    order = np.array([[index[(r, c)] for c in cols] for r in rows])
    value = pd.to_numeric(marked["value"], errors="coerce").fillna(0.0).to_numpy(float)[order]
    grid = _Grid(
        rows, cols, value,
        pd.to_numeric(marked["contributors"], errors="coerce").fillna(0).to_numpy(int)[order],
        marked["required"].to_numpy(float)[order],
        marked["status"].to_numpy(object)[order],
        np.zeros(shape, dtype=bool) if known is None else known.reindex(marked.index).fillna(False)
        .to_numpy(bool)[order],
    )
    _check_additive(grid)
    return grid


def _check_additive(grid: _Grid) -> None:
    v = grid.value
    for name, inner, margin, keys in (("row", v[:, :-1].sum(axis=1), v[:, -1], grid.rows),
                                      ("col", v[:-1, :].sum(axis=0), v[-1, :], grid.cols)):
        bad = np.abs(inner - margin) > _TOLERANCE * np.maximum(1.0, np.abs(margin))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"{name} {keys[i]!r} 的合计 {margin[i]:g} 不等于各格之和 {inner[i]:g} "
                             f"(the margin is not the sum of its cells)", hint="合计须为同一行/列各格之和")


def _rectangles(grid: _Grid, a: int, c: int, hidden: np.ndarray) -> tuple[list[tuple[int, int]], np.ndarray,
                                                                           np.ndarray, np.ndarray]:
    """Every rectangle through (a, c) whose corners may be suppressed, cheapest first: its opposite corners
    (b, e), its cost, whether it alone gives the target its protection, and how far it lets the target move
    (the smaller of up and down, as a share of what is needed). Cost = the value of the corners not yet
    suppressed; ties go to fewer new cells, then to the first row and column."""
    value, n_r, n_c = grid.value, *grid.shape
    usable = hidden | ((grid.contributors > 0) & ~grid.known)
    sr = np.where(np.arange(n_r) == n_r - 1, -1, 1)  # margins enter their line with the opposite sign:
    sc = np.where(np.arange(n_c) == n_c - 1, -1, 1)  # with y = x * sr * sc every line sums to zero
    b, e = np.meshgrid(np.arange(n_r), np.arange(n_c), indexing="ij")
    ok = (b != a) & (e != c) & usable[a, e] & usable[b, c] & usable[b, e]
    new = lambda x: np.where(hidden[x], 0.0, value[x])  # noqa: E731
    cost = new((np.full_like(b, a), e)) + new((b, np.full_like(e, c))) + new((b, e))
    n_new = (~hidden[a, e]).astype(int) + (~hidden[b, c]) + (~hidden[b, e])
    # the alternating shift in y: +t at (a, c) and (b, e), -t at (a, e) and (b, c); a corner whose x moves
    # against the target's bounds the target's rise by its value, one that moves with it bounds its fall
    target = sr[a] * sc[c]
    up = np.full(b.shape, np.inf)
    down = np.full(b.shape, float(value[a, c]))
    for coeff, corner in ((-sr[a] * sc[e] * target, value[a, e]),
                          (-sr[b] * sc[c] * target, value[b, c]),
                          (sr[b] * sc[e] * target, value[b, e])):
        up = np.where(coeff < 0, np.minimum(up, corner), up)
        down = np.where(coeff > 0, np.minimum(down, corner), down)
    required, slack = float(grid.required[a, c]), _TOLERANCE * max(1.0, float(value[a, c]))
    enough = (up >= required - slack) & (down >= min(required, float(grid.room[a, c])) - slack) & (up + down > slack)
    order = np.lexsort((e.ravel(), b.ravel(), n_new.ravel(), cost.ravel()))
    order = order[ok.ravel()[order]]
    need_up, need_down = max(required, slack), max(min(required, float(grid.room[a, c])), slack)
    reach = np.minimum(up / need_up, down / need_down)
    return ([(int(b.ravel()[i]), int(e.ravel()[i])) for i in order], cost.ravel()[order], enough.ravel()[order],
            reach.ravel()[order])


def _enough(up: float, down: float, room: float, required: float) -> bool:
    """Protected: up by `required`, down by `required` or as far as the cell can fall (`room`: its value less
    what the viewer knows inside it)."""
    slack = _TOLERANCE * max(1.0, room, up if math.isfinite(up) else 0.0)  # LP bounds are floats
    return up >= required - slack and down >= min(required, room) - slack and up + down > slack


def _suppress(grid: _Grid) -> np.ndarray:
    """The suppressed cells: the sensitive ones and their rectangles (module docstring)."""
    sensitive = np.isin(grid.primary, (PRIMARY_THRESHOLD, PRIMARY_DOMINANCE)) & ~grid.known
    hidden = sensitive.copy()
    unresolved: list[tuple[int, int]] = []
    targets = sorted(zip(*np.nonzero(sensitive), strict=True), key=lambda t: (-grid.value[t], t))
    for a, c in targets:
        value, required, room = float(grid.value[a, c]), float(grid.required[a, c]), float(grid.room[a, c])
        corners, costs, enough, reach = _rectangles(grid, a, c, hidden)
        if enough.any() and costs[int(np.argmax(enough))] == 0:
            continue  # a rectangle of hidden cells already protects it
        if hidden[a, :].sum() > 1 and hidden[:, c].sum() > 1:
            # other sensitive cells and earlier complements may already protect it through longer cycles (a cell
            # alone in its row or column is exact: no need to ask)
            low, high = _interval(grid.value, hidden, (a, c))
            if _enough(high - value, value - low, room, required):
                continue
        single = float(costs[int(np.argmax(enough))]) if enough.any() else math.inf
        # several cheap rectangles may together protect what only an expensive one (often through a margin)
        # does alone: add them by cost while their total stays below that one's, asking the LP each time
        trial, spent, reached = hidden.copy(), 0.0, 0.0
        for (b, e), share in zip(corners[:_MAX_RECTANGLES], reach, strict=False):
            new = [x for x in ((a, e), (b, c), (b, e)) if not trial[x]]
            spent += sum(float(grid.value[x]) for x in new)
            if spent >= single:
                break
            for x in new:
                trial[x] = True
            reached += share
            if reached < 1:  # the shifts found so far cannot add up to enough yet: skip the LP
                continue
            low, high = _interval(grid.value, trial, (a, c))
            if _enough(high - value, value - low, room, required):
                hidden = trial
                break
        else:
            if not enough.any():
                hidden = trial
                unresolved.append((a, c))
                continue
        if hidden is not trial and enough.any():  # the cheapest rectangle that is enough by itself
            b, e = corners[int(np.argmax(enough))]
            hidden[a, e] = hidden[b, c] = hidden[b, e] = True
    usable = (grid.contributors > 0) & ~grid.known
    for a, c in unresolved:  # last resort: its whole row and column (the audit reports anything still short)
        low, high = _interval(grid.value, hidden, (a, c))
        if not _enough(high - grid.value[a, c], grid.value[a, c] - low, grid.room[a, c], grid.required[a, c]):
            hidden[a, :] |= usable[a, :]
            hidden[:, c] |= usable[:, c]
    return hidden


def _interval(value: np.ndarray, hidden: np.ndarray, target: tuple[int, int], *,
              two_way: bool = True) -> tuple[float, float]:
    """The min and max of the target consistent with the published cells, every line's sum and cells >= 0
    (`two_way` False: a single line, only the row sums)."""
    scale = float(np.abs(value).max(initial=0.0)) or 1.0
    value = value / scale  # values of 1e8 万元 leave HiGHS's feasibility tolerance meaningless
    cells = list(zip(*np.nonzero(hidden), strict=True))
    position = {x: i for i, x in enumerate(cells)}
    n_r, n_c = value.shape
    a_eq, b_eq = [], []
    lines = [[(r, k) for k in range(n_c)] for r in range(n_r)]
    if two_way:
        lines += [[(r, k) for r in range(n_r)] for k in range(n_c)]
    for line in lines:
        # each line: its inner cells minus its margin (the last cell) = 0
        coefficient = {x: (-1.0 if x == line[-1] else 1.0) for x in line}
        row = np.zeros(len(cells))
        rhs = 0.0
        for x, coef in coefficient.items():
            if x in position:
                row[position[x]] += coef
            else:
                rhs -= coef * float(value[x])
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    # scipy.optimize is imported here: the audit runs in tests and checks, never in the server, which would carry
    # its ~18 MB for nothing (issue 14, a server that stays small)
    from scipy.optimize import linprog

    objective = np.zeros(len(cells))
    objective[position[target]] = 1.0
    kwargs = {"A_eq": np.array(a_eq), "b_eq": np.array(b_eq)} if a_eq else {}
    low = linprog(objective, bounds=(0, None), method="highs", **kwargs)
    high = linprog(-objective, bounds=(0, None), method="highs", **kwargs)
    if low.status != 0 or high.status not in (0, 3):  # 3: unbounded above
        raise RuntimeError(f"LP audit failed: {low.message} / {high.message}")
    return float(low.fun) * scale, (math.inf if high.status == 3 else float(-high.fun) * scale)


def protect(cells: pd.DataFrame, rules: DisclosureRules = DEFAULT_RULES, *,
            known: pd.Series | None = None) -> pd.DataFrame:
    """Primary and secondary suppression of a 2-D table with its margins.

    :param cells: one row per cell: ``row``, ``col`` (`TOTAL` for the margins; every row x column, each row's
        total, each column's total and the grand total must be there, additive), ``value``, ``contributors``,
        ``top1``, ``top2``.
    :param known: a boolean Series aligned with `cells`: cells this viewer knows anyway (never suppressed for
        them, never complements; their status is ``known``).
    :returns: ``row, col, value, contributors, status, required`` in the order of `cells`; ``value`` is None
        where the status is primary_threshold, primary_dominance or secondary. ``required`` (the protection a
        sensitive cell needs) can reveal a dominant firm's share: it is for audits, never for publication.
    """
    grid = _grid(cells, rules, known)
    hidden = _suppress(grid)
    status = np.where(grid.known, KNOWN, np.where(hidden, np.where(grid.primary == PUBLISHED, SECONDARY,
                                                                   grid.primary), PUBLISHED))
    at = {(r, c): (i, j) for i, r in enumerate(grid.rows) for j, c in enumerate(grid.cols)}
    codes = [status[at[(r, c)]] for r, c in zip(cells["row"], cells["col"], strict=True)]
    values = pd.to_numeric(cells["value"], errors="coerce")
    return pd.DataFrame({
        "row": cells["row"].to_numpy(), "col": cells["col"].to_numpy(),
        "value": pd.Series([None if s in SUPPRESSED else (None if pd.isna(v) else float(v)) for v, s in
                            zip(values, codes, strict=True)], index=cells.index, dtype=object),
        "contributors": pd.to_numeric(cells["contributors"], errors="coerce").fillna(0).astype(int).to_numpy(),
        "status": codes,
        "required": [float(grid.required[at[(r, c)]]) for r, c in zip(cells["row"], cells["col"], strict=True)],
    }, index=cells.index)


def audit(cells: pd.DataFrame, status: pd.Series, rules: DisclosureRules = DEFAULT_RULES, *,
          known: pd.Series | None = None) -> pd.DataFrame:
    """The LP audit of a suppression pattern: for every sensitive cell (by `rules`, not known to the viewer)
    the interval of values consistent with what is published.

    :param cells: as for `protect` (the true values).
    :param status: aligned with `cells`; a cell counts as suppressed when its status is primary_threshold,
        primary_dominance or secondary (any pattern can be audited, not only `protect`'s).
    :returns: ``row, col, value, status, required, lower, upper, protected`` for each sensitive cell:
        protected when ``upper - value >= required``, ``value - lower >= min(required, room)`` and
        ``upper > lower``; ``room`` is the value less the cells inside it the viewer knows (for a node's
        city total, a district analyst's own cell). A sensitive cell left published is reported unprotected with lower = upper = value.
    """
    _aligned(cells, status=status)
    grid = _grid(cells, rules, known)
    at = {(r, c): (i, j) for i, r in enumerate(grid.rows) for j, c in enumerate(grid.cols)}
    hidden = np.zeros(grid.shape, dtype=bool)
    for r, c, s in zip(cells["row"], cells["col"], status, strict=True):
        hidden[at[(r, c)]] = s in SUPPRESSED
    hidden &= ~grid.known
    rows = []
    for i, j in zip(*np.nonzero(np.isin(grid.primary, (PRIMARY_THRESHOLD, PRIMARY_DOMINANCE)) & ~grid.known),
                    strict=True):
        value, required, room = float(grid.value[i, j]), float(grid.required[i, j]), float(grid.room[i, j])
        low, high = _interval(grid.value, hidden, (i, j)) if hidden[i, j] else (value, value)
        rows.append({"row": grid.rows[i], "col": grid.cols[j], "value": value, "status": grid.primary[i, j],
                     "required": required, "lower": low, "upper": high,
                     "protected": bool(hidden[i, j] and _enough(high - value, value - low, room, required))})
    return pd.DataFrame(rows, columns=["row", "col", "value", "status", "required", "lower", "upper", "protected"])


def _aligned(cells: pd.DataFrame, **columns: pd.Series) -> None:
    """An audit's pattern gives one value per cell."""
    for name, values in columns.items():
        if len(values) != len(cells):
            raise InputError(f"{name} 有 {len(values)} 个值，表格有 {len(cells)} 格，须逐格对应 "
                             f"({name} has {len(values)} values for {len(cells)} cells)")


# --- a single line with its total -------------------------------------------------------------------------------


def protect_line(cells: pd.DataFrame, rules: DisclosureRules = DEFAULT_RULES, *,
                 known: pd.Series | None = None, forced: pd.Series | None = None) -> pd.DataFrame:
    """Primary and secondary suppression of one line (a node's districts) with its total (`col` = `TOTAL`).

    `forced`: aligned with `cells`, the protection a cell needs although the rules do not mark it (NaN where
    none): a group's figure in a district where one of its member cells is suppressed; such a cell is
    ``secondary``. In a line whose total is published a suppressed cell can rise by the sum of the other
    suppressed cells and fall to zero, so complements are added, smallest first (the smallest that covers the
    shortfall, else the largest), until each suppressed cell's shortfall is covered.
    Returns ``col, value, contributors, status, required`` as `protect` does.
    """
    if "col" not in cells.columns or (cells["col"] == TOTAL).sum() != 1:
        raise InputError("一行表格须有且只有一个合计格 (a line needs exactly one total cell)")
    marked = primary(cells, rules)
    value = pd.to_numeric(marked["value"], errors="coerce").fillna(0.0).to_numpy(float)
    inner = (marked["col"] != TOTAL).to_numpy()
    if abs(value[inner].sum() - value[~inner].sum()) > _TOLERANCE * max(1.0, abs(value[~inner].sum())):
        raise InputError(f"合计 {value[~inner].sum():g} 不等于各格之和 {value[inner].sum():g} "
                         "(the total is not the sum of its cells)")
    known_mask = np.zeros(len(marked), bool) if known is None else known.reindex(marked.index).fillna(False)\
        .to_numpy(bool)
    status = marked["status"].to_numpy(object).copy()
    required = marked["required"].to_numpy(float).copy()
    if forced is not None:
        extra = forced.reindex(marked.index).to_numpy(float)
        hit = ~np.isnan(extra) & (status == PUBLISHED)
        status[hit] = SECONDARY
        required = np.where(~np.isnan(extra), np.maximum(required, np.nan_to_num(extra)), required)
    status[known_mask] = KNOWN
    hidden = np.isin(status, SUPPRESSED)
    usable = (pd.to_numeric(marked["contributors"], errors="coerce").fillna(0).to_numpy(int) > 0) & ~known_mask
    for t in sorted(np.flatnonzero(hidden), key=lambda i: (-value[i], i)):
        while not hidden[~inner].all():  # a hidden total leaves the line unconstrained
            others = hidden & inner
            others[t] = False
            shortfall = required[t] - value[others].sum()
            if shortfall <= 0 and others.any():  # never alone in its line, even when nothing is required
                break
            pool = [i for i in np.flatnonzero(usable & ~hidden) if i != t]
            if not pool:
                break
            covering = [i for i in pool if inner[i] and value[i] >= shortfall]
            pick = min(covering, key=lambda i: (value[i], i)) if covering else \
                max((i for i in pool if inner[i]), key=lambda i: (value[i], -i), default=pool[0])
            hidden[pick] = True
            if status[pick] == PUBLISHED:
                status[pick] = SECONDARY
    values = pd.to_numeric(cells["value"], errors="coerce")
    return pd.DataFrame({
        "col": cells["col"].to_numpy(),
        "value": pd.Series([None if st in SUPPRESSED else (None if pd.isna(v) else float(v))
                            for v, st in zip(values, status, strict=True)], index=cells.index, dtype=object),
        "contributors": pd.to_numeric(cells["contributors"], errors="coerce").fillna(0).astype(int).to_numpy(),
        "status": status,
        "required": required,
    }, index=cells.index)


def audit_line(cells: pd.DataFrame, status: pd.Series, required: pd.Series) -> pd.DataFrame:
    """The LP audit of one line: ``col, value, required, lower, upper, protected`` for each cell whose
    `required` is set (> 0 or a suppressed status)."""
    _aligned(cells, status=status, required=required)
    value = pd.to_numeric(cells["value"], errors="coerce").fillna(0.0).to_numpy(float)
    order = np.argsort((cells["col"] == TOTAL).to_numpy(), kind="stable")  # the total last
    grid = value[order][None, :]
    hidden = np.isin(status.to_numpy(object), SUPPRESSED)[order][None, :]
    need = required.to_numpy(float)[order]
    known = float(value[(status == KNOWN).to_numpy()].sum())  # inside the total: it cannot fall below them
    rows = []
    for j in range(grid.shape[1]):
        if not hidden[0, j] and not need[j] > 0:
            continue
        v = float(grid[0, j])
        room = v - known if j == grid.shape[1] - 1 else v
        low, high = _interval(grid, hidden, (0, j), two_way=False) if hidden[0, j] else (v, v)
        rows.append({"col": cells["col"].to_numpy()[order][j], "value": v, "required": float(need[j]),
                     "lower": low, "upper": high,
                     "protected": bool(hidden[0, j] and _enough(high - v, v - low, room, float(need[j])))})
    return pd.DataFrame(rows, columns=["col", "value", "required", "lower", "upper", "protected"])
