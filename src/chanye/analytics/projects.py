"""招商/重点项目 pipeline analytics (issue 12): pure functions over the projects and their stage history.

A project moves through `STAGES` (线索 lead → 洽谈 talks → 签约 signed → 注册 registered → 供地 land → 开工
started → 投产 production → 达产 full) or ends as 终止 (terminated, with a reason). The history is a list of
dated changes, never overwritten, so `state_at(stages, as_of)` gives any past state.

Rules of a change (`check_change`): a project enters the register at any stage; after that it only moves
forward (a stage already reached is refused), 开工 needs 签约 first, 投产 needs 开工 and 达产 needs 投产
(`GATES`; 洽谈, 注册 and 供地 may be skipped: an expansion uses its firm and its own land); a date never
precedes the last change's; 终止 needs a reason and ends the project (nothing is recorded after it).

Definitions the tables use:

* reached(s): the project's furthest stage (among the non-terminal ones) is s or later; a terminated project
  keeps the stages it reached. The funnel counts reached(s) and sums their total investment (亿元).
* conversion(s) = reached(next stage) / reached(s).
* days in stage s: from the change that recorded s to the next change that moved the project forward; only
  projects that moved on count (`stage_durations` gives the median and how many).
* stalled: a project neither at 达产 nor terminated whose current stage has lasted longer than the stage's
  threshold (`STALL_DAYS`, the defaults below) on the day of the view.
* the entry year of a project: the year of its first recorded change.

Machine columns and codes only; the words live in present/labels.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Mapping
from datetime import date

import numpy as np
import pandas as pd

from chanye.errors import InputError

STAGES: tuple[str, ...] = ("lead", "talks", "signed", "registered", "land", "started", "production", "full")
TERMINATED = "terminated"
ALL_STAGES: tuple[str, ...] = (*STAGES, TERMINATED)
ORDER: dict[str, int] = {s: i for i, s in enumerate(STAGES)}
GATES: dict[str, str] = {"started": "signed", "production": "started", "full": "production"}
LANDED = "registered"  # from 注册 on, a firm exists: the project has landed (落地)
KINDS: tuple[str, ...] = ("attract", "expand", "construction", "upgrade")  # 招商引资, 增资扩产, 重点建设, 技术改造

# Defaults of the stalled list: days a project may stay at a stage before it counts as stalled. Chosen from
# the usual pace of a 重点项目: a lead is followed up within a quarter, talks conclude within half a year, a
# signed project registers its company within a quarter, land is supplied and construction starts within half
# a year each, construction takes about 18 months, and full production follows production within two years.
STALL_DAYS: dict[str, int] = {"lead": 90, "talks": 180, "signed": 90, "registered": 180, "land": 180,
                              "started": 540, "production": 730}

# Only for the bilingual messages of refused changes (errors carry their words; tables carry codes).
_NAMES = {"lead": "线索 lead", "talks": "洽谈 talks", "signed": "签约 signed", "registered": "注册 registered",
          "land": "供地 land", "started": "开工 started", "production": "投产 production", "full": "达产 full production",
          "terminated": "终止 terminated"}

STATE_COLUMNS = ["project_id", "stage", "since", "entered", "entry_year", "reached", "terminated", "reason"]
FUNNEL_COLUMNS = ["group", "stage", "projects", "investment", "current", "terminated", "conversion"]
DURATION_COLUMNS = ["stage", "reached", "moved_on", "conversion", "median_days", "mean_days"]
STALLED_COLUMNS = ["project_id", "stage", "since", "days", "threshold", "over"]
LANDED_COLUMNS = ["project_id", "landed_on", "firm_uscc", "firm_district", "promised_output", "output_year",
                  "output", "output_ratio", "status"]


def _day(value) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def check_change(history: pd.DataFrame, stage: str, when, *, reason: str | None = None,
                 project: str = "") -> None:
    """Refuse a stage change that breaks the rules (module doc); `history`: the project's changes so far
    (stage, happened_on). Raises InputError with a bilingual message."""
    label = f"项目 {project}：" if project else ""
    if stage not in ALL_STAGES:
        raise InputError(f"{label}未知阶段 {stage!r} (unknown stage)",
                         hint="可用: " + "、".join(_NAMES[s] for s in ALL_STAGES))
    if stage == TERMINATED and not (reason or "").strip():
        raise InputError(f"{label}终止项目须写明原因 (terminating a project needs a reason)",
                         hint="例如 --reason 投资方战略调整")
    if history is None or not len(history):
        return
    ordered = history.assign(_d=pd.to_datetime(history["happened_on"])).sort_values("_d", kind="stable")
    last = ordered.iloc[-1]
    if last["stage"] == TERMINATED:
        raise InputError(f"{label}项目已终止，不能再记录阶段 (the project was terminated; no change after 终止)",
                         hint="如项目重启，请新建项目 (a restarted project is a new project)")
    when = _day(when)
    if when < _day(last["_d"]):
        raise InputError(f"{label}日期 {when.date()} 早于上一次变更 {_day(last['_d']).date()}（{_NAMES[last['stage']]}）"
                         "(a change cannot precede the last one)", hint="检查日期 (check the date)")
    if stage == TERMINATED:
        return
    reached = max(ORDER[s] for s in ordered["stage"] if s in ORDER)
    if ORDER[stage] <= reached:
        raise InputError(f"{label}已到 {_NAMES[STAGES[reached]]}，不能记为 {_NAMES[stage]}：阶段只能前进 "
                         "(stages only move forward)", hint="过去的记录保留不改 (the history is never overwritten)")
    gate = GATES.get(stage)
    if gate and reached < ORDER[gate]:
        raise InputError(f"{label}尚未{_NAMES[gate]}，不能记为 {_NAMES[stage]}（{_NAMES[stage].split()[0]}须在"
                         f"{_NAMES[gate].split()[0]}之后）(cannot record {stage} before {gate})",
                         hint=f"先记录 {_NAMES[gate]} (record {gate} first)")


def _upto(stages: pd.DataFrame, as_of) -> pd.DataFrame:
    frame = stages.assign(happened_on=pd.to_datetime(stages["happened_on"]))
    if as_of is not None:
        frame = frame[frame["happened_on"] <= _day(as_of)]
    order = ["project_id", "happened_on", "id"] if "id" in frame else ["project_id", "happened_on"]
    return frame.sort_values(order, kind="stable")


def state_at(stages: pd.DataFrame, as_of=None) -> pd.DataFrame:
    """Each project's state on `as_of` (default: everything recorded): its current stage and since when, the
    first change (entered, entry_year), the furthest stage reached (a code of `STAGES`), whether it was
    terminated and why. Projects with no change by `as_of` are left out. Columns: `STATE_COLUMNS`."""
    frame = _upto(stages, as_of)
    if frame.empty:
        return pd.DataFrame(columns=STATE_COLUMNS)
    rows = []
    for pid, g in frame.groupby("project_id", sort=True):
        last = g.iloc[-1]
        progress = [ORDER[s] for s in g["stage"] if s in ORDER]
        reached = STAGES[max(progress)] if progress else None
        terminated = last["stage"] == TERMINATED
        rows.append({"project_id": pid, "stage": last["stage"], "since": last["happened_on"],
                     "entered": g["happened_on"].iloc[0], "entry_year": int(g["happened_on"].iloc[0].year),
                     "reached": reached, "terminated": bool(terminated),
                     "reason": (last.get("reason") if terminated else None)})
    return pd.DataFrame(rows, columns=STATE_COLUMNS)


def _groups(projects: pd.DataFrame, state: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """One row per (project, group) with its reached stage and investment; a project on two nodes counts
    in each node's group."""
    info = projects.set_index("id")
    frame = state.assign(investment=info["total_investment"].reindex(state["project_id"]).to_numpy(dtype=float))
    if by is None:
        return frame.assign(group=None)
    if by == "year":
        return frame.assign(group=frame["entry_year"])
    if by == "district":
        return frame.assign(group=info["district_code"].reindex(state["project_id"]).to_numpy())
    if by == "node":
        nodes = info["nodes"].reindex(state["project_id"]).to_numpy()
        frame = frame.assign(group=[list(n) if isinstance(n, (list, tuple)) and len(n) else [None] for n in nodes])
        return frame.explode("group")
    raise ValueError(f"unknown grouping {by!r}")


def funnel(projects: pd.DataFrame, state: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """The funnel: per group (None, or a node / district / entry year per `by`) and stage, the projects that
    reached the stage and their total investment, those now at it (`current`, not terminated), those
    terminated after reaching it as their furthest stage, and the conversion to the next stage (a share).
    `projects`: id, total_investment (亿元), district_code, nodes (tuple of node ids)."""
    frame = _groups(projects, state, by)
    frame = frame[frame["reached"].notna()]
    rank = frame["reached"].map(ORDER).to_numpy()
    rows = []
    keys = [None] if by is None else sorted(frame["group"].dropna().unique().tolist(), key=str)
    if by is not None and frame["group"].isna().any():
        keys.append(None)
    for key in keys:
        mask = (frame["group"].isna() if key is None else frame["group"] == key).to_numpy()
        if by is None:
            mask = np.ones(len(frame), bool)
        sub, sub_rank = frame[mask], rank[mask]
        counts = [int((sub_rank >= i).sum()) for i in range(len(STAGES))]
        for i, s in enumerate(STAGES):
            reached = sub_rank >= i
            rows.append({
                "group": key, "stage": s, "projects": counts[i],
                "investment": float(sub.loc[reached, "investment"].fillna(0).sum()),
                "current": int(((sub["stage"] == s) & ~sub["terminated"]).sum()),
                "terminated": int((sub["terminated"] & (sub["reached"] == s)).sum()),
                "conversion": (counts[i + 1] / counts[i] if i + 1 < len(STAGES) and counts[i] else None),
            })
    return pd.DataFrame(rows, columns=FUNNEL_COLUMNS)


def stage_durations(stages: pd.DataFrame, as_of=None) -> pd.DataFrame:
    """Per stage: projects that reached it (`reached`), those that moved on to a later stage (`moved_on`),
    the conversion moved_on / reached, and the median and mean days from the change recording the stage to
    the next forward change (projects that moved on only). Columns: `DURATION_COLUMNS`."""
    frame = _upto(stages, as_of)
    spells: dict[str, list[int]] = {s: [] for s in STAGES}
    reached: dict[str, int] = dict.fromkeys(STAGES, 0)
    for _, g in frame.groupby("project_id", sort=True):
        progress = [(ORDER[s], d) for s, d in zip(g["stage"], g["happened_on"], strict=True) if s in ORDER]
        if not progress:
            continue
        top = max(r for r, _ in progress)
        for i in range(top + 1):
            reached[STAGES[i]] += 1
        for (r, d), (_, d_next) in itertools.pairwise(progress):
            spells[STAGES[r]].append(int((d_next - d).days))
    rows = []
    for s in STAGES:
        days = spells[s]
        rows.append({"stage": s, "reached": reached[s], "moved_on": len(days),
                     "conversion": len(days) / reached[s] if reached[s] else None,
                     "median_days": float(np.median(days)) if days else None,
                     "mean_days": float(np.mean(days)) if days else None})
    return pd.DataFrame(rows, columns=DURATION_COLUMNS)


def stalled(state: pd.DataFrame, as_of, thresholds: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Projects stalled on `as_of`: neither 达产 nor terminated, and longer at their current stage than its
    threshold (`STALL_DAYS` unless given). Longest overdue first, then by id. Columns: `STALLED_COLUMNS`."""
    limits = {**STALL_DAYS, **(thresholds or {})}
    day = _day(as_of)
    rows = []
    for r in state.itertuples(index=False):
        if r.terminated or r.stage not in limits:
            continue
        days = int((day - _day(r.since)).days)
        if days > limits[r.stage]:
            rows.append({"project_id": r.project_id, "stage": r.stage, "since": _day(r.since), "days": days,
                         "threshold": int(limits[r.stage]), "over": days - int(limits[r.stage])})
    out = pd.DataFrame(rows, columns=STALLED_COLUMNS)
    return out.sort_values(["over", "project_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def strategic_share(projects: pd.DataFrame, state: pd.DataFrame, strategic_nodes: Collection[str], *,
                    year: int | None = None) -> dict[str, float | int | None]:
    """The share of projects (and of their investment) on a strategic emerging or advanced manufacturing node
    (`strategic_nodes`: the pack's manufacturing clusters and future industries), among the projects that
    entered in `year` (all when None)."""
    ids = state.loc[state["entry_year"] == year, "project_id"] if year is not None else state["project_id"]
    sub = projects[projects["id"].isin(set(ids))]
    wanted = set(strategic_nodes)
    flag = np.array([bool(wanted & set(n or ())) for n in sub["nodes"]], dtype=bool)
    invest = sub["total_investment"].astype(float).fillna(0).to_numpy()
    total, strategic = len(sub), int(flag.sum())
    money, strategic_money = float(invest.sum()), float(invest[flag].sum())
    return {"year": year, "projects": total, "strategic": strategic,
            "share": 100.0 * strategic / total if total else None,
            "investment": money, "strategic_investment": strategic_money,
            "investment_share": 100.0 * strategic_money / money if money else None}


def investment_against(projects: pd.DataFrame, state: pd.DataFrame, by: str, targets: pd.DataFrame | None = None,
                       *, year: int | None = None, stage: str = "signed") -> pd.DataFrame:
    """The total investment of projects that reached `stage` (default 签约: signed investment), by node or
    district (`by`), of the projects that entered in `year` (all when None), beside a target (亿元) where
    `targets` (group, target) gives one; progress = investment / target × 100."""
    frame = _groups(projects, state, by)
    if year is not None:
        frame = frame[frame["entry_year"] == year]
    frame = frame[frame["reached"].map(ORDER).fillna(-1) >= ORDER[stage]]
    grouped = frame.groupby("group", dropna=True).agg(projects=("project_id", "nunique"),
                                                     investment=("investment", "sum")).reset_index()
    goal = dict(zip(targets["group"], targets["target"], strict=True)) if targets is not None and len(targets) else {}
    keys = sorted(set(grouped["group"]) | set(goal), key=str)
    have = grouped.set_index("group")
    rows = []
    for k in keys:
        money = float(have.at[k, "investment"]) if k in have.index else 0.0
        target = goal.get(k)
        rows.append({"group": k, "projects": int(have.at[k, "projects"]) if k in have.index else 0,
                     "investment": money, "target": None if target is None else float(target),
                     "progress": 100.0 * money / float(target) if target else None})
    out = pd.DataFrame(rows, columns=["group", "projects", "investment", "target", "progress"])
    return out.sort_values(["investment", "group"], ascending=[False, True], kind="stable").reset_index(drop=True)


def landed_firms(projects: pd.DataFrame, stages: pd.DataFrame, firms: pd.DataFrame, figures: pd.DataFrame,
                 as_of=None) -> pd.DataFrame:
    """For each project that landed (reached 注册 or later): the registry firm behind it (its investor's USCC,
    else the exact investor name), and whether the promised annual output appeared: the firm's industrial
    output (revenue where output is missing) in its latest year from the landing year on, against the
    promise (both 亿元). Status: not_found (no such firm), no_figures (no figures since landing), not_due (not
    yet in production), below_promise, met_promise. Columns: `LANDED_COLUMNS`."""
    frame = _upto(stages, as_of)
    landed_on: dict[str, pd.Timestamp] = {}
    producing: set[str] = set()
    for pid, g in frame.groupby("project_id", sort=True):
        hits = [d for s, d in zip(g["stage"], g["happened_on"], strict=True) if s in ORDER and ORDER[s] >= ORDER[LANDED]]
        if hits:
            landed_on[pid] = hits[0]
        if any(s in ("production", "full") for s in g["stage"]):
            producing.add(pid)
    by_uscc = firms.drop_duplicates("uscc").set_index("uscc") if len(firms) else pd.DataFrame()
    by_name = firms.drop_duplicates("name").set_index("name") if len(firms) else pd.DataFrame()
    rows = []
    for p in projects[projects["id"].isin(set(landed_on))].sort_values("id").itertuples(index=False):
        uscc = p.investor_uscc if isinstance(p.investor_uscc, str) and p.investor_uscc in by_uscc.index else None
        if uscc is None and isinstance(p.investor_name, str) and p.investor_name in by_name.index:
            uscc = str(by_name.at[p.investor_name, "uscc"])
        when = landed_on[p.id]
        promised = None if pd.isna(p.annual_output) else float(p.annual_output)
        row = {"project_id": p.id, "landed_on": when, "firm_uscc": uscc, "firm_district": None,
               "promised_output": promised, "output_year": None, "output": None, "output_ratio": None}
        if uscc is None:
            rows.append({**row, "status": "not_found"})
            continue
        row["firm_district"] = by_uscc.at[uscc, "district_code"] if uscc in by_uscc.index else None
        figs = figures[(figures["uscc"] == uscc) & (figures["year"] >= when.year)] if len(figures) else figures
        value = None
        if len(figs):
            last = figs.sort_values("year").iloc[-1]
            out = last.get("industrial_output")
            value = float(out) if out is not None and not pd.isna(out) else (
                None if pd.isna(last.get("revenue")) else float(last["revenue"]))
            row.update(output_year=int(last["year"]), output=value)
        if value is None:
            status = "no_figures"
        elif p.id not in producing or not promised:
            status = "not_due"
        else:
            row["output_ratio"] = 100.0 * value / promised
            status = "met_promise" if value >= promised else "below_promise"
        rows.append({**row, "status": status})
    return pd.DataFrame(rows, columns=LANDED_COLUMNS)


def split_ids(text: object) -> tuple[str, ...]:
    """'a,b' -> ('a', 'b'); empty -> ()."""
    if not isinstance(text, str) or not text.strip():
        return ()
    return tuple(t.strip() for t in text.split(",") if t.strip())


def join_ids(ids: Iterable[str]) -> str | None:
    out = ",".join(dict.fromkeys(i for i in ids if i))
    return out or None


def days_between(start, end: date | pd.Timestamp) -> int:
    return int((_day(end) - _day(start)).days)
