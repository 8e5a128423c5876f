"""Demo projects (示例数据, issue 12): a synthetic 招商/重点项目 pipeline for 2023–2025, calibrated to the
default pack city's figures the issue cites (a NetEase article, Feb 2025): 365 industrial projects in 2024,
"nearly 60%" of them strategic
emerging or advanced manufacturing (here 215 of 365, 58.9%, on the pack's clusters and future industries; the
rest on its service nodes).

Independent of the registry's scale: the pipeline is the city's, so the counts are the same for a 3% demo and
the full one; only the investors are drawn from what the demo registry holds — for 招商引资 projects the
producers outside the city on the pack's chains (the pool the 招商清单 draws from, which is kept as the
reason), for 增资扩产 and 技术改造 the city's firms on the project's node. Each project's stage history is
drawn with realistic pace and attrition (median days per stage in `PACE`, the share moving on in `GO_ON`),
up to `END`; nothing is dated later.

Its own seeded generator (`np.random.default_rng([seed, SALT])`): building it draws nothing from the
registry's generators, so every other demo figure stays the same.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from chanye.analytics import projects as ap
from chanye.framework import Framework
from chanye.registry import projects as stored
from chanye.registry.store import Store

SALT = 0x12  # issue 12: the projects' own stream
YEARS = {2023: 330, 2024: 365, 2025: 340}  # projects entering the pipeline per year (2024: the article's 365)
STRATEGIC_SHARE = 0.59  # "近六成": 215 of 2024's 365
END = date(2025, 12, 31)  # the demo's last day: no change is dated later
KIND_SHARES = {"attract": 0.45, "expand": 0.25, "construction": 0.2, "upgrade": 0.1}
# median days from a stage to the next forward change, and the share of projects that move on from it
PACE = {"lead": 45, "talks": 90, "signed": 45, "registered": 75, "land": 90, "started": 420, "production": 540}
GO_ON = {"lead": 0.78, "talks": 0.72, "signed": 0.95, "registered": 0.95, "land": 0.93, "started": 0.9,
         "production": 0.8}
TERMINATE = 0.35  # of the projects that stop before 开工, the share recorded as 终止 (the rest simply wait)
REASONS = ("投资方战略调整", "项目落户外市", "资金未到位", "用地条件未落实", "市场需求变化")
SUFFIX = {"attract": ("产业基地", "区域总部", "研发中心", "智能制造基地"), "expand": ("扩产项目", "增资扩产项目"),
          "construction": ("产业园项目", "生产基地建设项目"), "upgrade": ("技术改造项目", "智能化改造项目")}


def build(store: Store, framework: Framework, seed: int, batch: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo's projects (money in 万元, as the store keeps it) and their stage history."""
    rng = np.random.default_rng([seed, SALT])
    city = framework.city
    strategic = [n for n in framework.nodes if n.kind in ("cluster", "future")]
    service = [n for n in framework.nodes if n.kind == "service"]
    chains_of = {}
    for c in framework.chains:
        chains_of.setdefault(c.cluster, []).append(c)
    local = stored.local_firms(store, framework.id, city.code)
    outside = stored.outside_producers(store, framework.id, city.code)
    chain_cluster = {c.id: c.cluster for c in framework.chains}
    outside = outside.assign(node=outside["chain"].map(chain_cluster))
    districts = [d.code for d in city.districts]
    weight = local.drop_duplicates("uscc")["district_code"].value_counts().reindex(districts, fill_value=0)
    weight = (weight.to_numpy(dtype=float) + 1.0) ** 0.7
    weight /= weight.sum()
    kinds = list(KIND_SHARES)
    rows, events = [], []
    for year, n in YEARS.items():
        n_strategic = round(STRATEGIC_SHARE * n)
        is_strategic = rng.permutation(np.arange(n) < n_strategic)
        starts = np.sort(rng.integers(0, 365, n))
        kind_draw = rng.choice(len(kinds), n, p=list(KIND_SHARES.values()))
        for i in range(n):
            pid = f"DEMO-{year}-{i + 1:04d}"
            pool = strategic if is_strategic[i] else service
            # a pack without service nodes (or strategic ones): the project lies outside the pack's nodes
            node = pool[int(rng.integers(len(pool)))] if pool else None
            label = node.name.zh if node is not None else ""
            kind = kinds[int(kind_draw[i])]
            district = districts[int(rng.choice(len(districts), p=weight))]
            investor, uscc, home, chain_nodes, reason = _investor(rng, kind, node, local, outside, chains_of, pid)
            invest = float(np.exp(rng.normal(np.log(2.5), 1.0)))  # 亿元, median 2.5, a long tail
            output = invest * float(rng.uniform(1.2, 2.5)) if node is not None and node.kind != "service" \
                else invest * float(rng.uniform(0.4, 1.0))
            suffix = SUFFIX[kind][int(rng.integers(len(SUFFIX[kind])))]
            rows.append({
                "id": pid, "pack": framework.id, "name": f"{_short(investor)}{label}{suffix}", "kind": kind,
                "investor_uscc": uscc, "investor_name": investor, "investor_city": home,
                "nodes": node.id if node is not None else None,
                "chain_nodes": chain_nodes, "district_code": district, "park": None,
                "content": f"{label}{suffix}（示例数据）", "total_investment": round(invest * 1e4, 1),
                "fixed_investment": round(invest * float(rng.uniform(0.6, 0.85)) * 1e4, 1),
                "land_mu": round(invest * float(rng.uniform(8, 20)), 1) if kind in ("attract", "construction") else None,
                "annual_output": round(output * 1e4, 1), "annual_tax": round(output * 0.05 * 1e4, 1),
                "responsible_unit": f"{city.district_label(district)}投资促进部门",
                "cluster": f"{label}链长办" if label else None,
                "source": "demo", "reason": reason, "synthetic": True, "batch_id": batch,
            })
            events += _history(rng, pid, kind, date(year, 1, 1) + timedelta(days=int(starts[i])), batch)
    return pd.DataFrame(rows), pd.DataFrame(events)


def load(store: Store, framework: Framework, seed: int, batch: int | None = None) -> int:
    """Write the demo projects into `store` (inside the caller's transaction); how many."""
    projects, events = build(store, framework, seed, batch)
    stored.save_projects(store, projects)
    stored.add_stages(store, events)
    return len(projects)


def _short(name: str) -> str:
    """A firm's name without its legal form, for a project's name."""
    for tail in ("股份有限公司", "有限责任公司", "有限公司", "集团", "公司"):
        if name.endswith(tail):
            return name[: -len(tail)]
    return name


def _investor(rng, kind: str, node, local: pd.DataFrame, outside: pd.DataFrame, chains_of: dict, pid: str):
    """(name, uscc, home city, chain nodes, reason) of a project's investor."""
    import json

    chains = chains_of.get(node.id, []) if node is not None else []
    if kind == "attract":
        pool = outside[outside["node"] == node.id] if chains and node is not None else outside.iloc[:0]
        if len(pool):
            pick = pool.iloc[int(rng.integers(len(pool)))]
            reason = json.dumps({"list": "recruitment", "chain": pick["chain"], "chain_nodes": [pick["chain_node"]],
                                 "node_statuses": [], "score": None, "rank": None}, ensure_ascii=False)
            return (pick["name"], pick["uscc"], pick["city_code"], f"{pick['chain']}/{pick['chain_node']}", reason)
    else:
        pool = local[local["node"] == node.id] if node is not None else local.iloc[:0]
        if len(pool):
            pick = pool.iloc[int(rng.integers(len(pool)))]
            chain_nodes = None
            if chains:
                chain = chains[int(rng.integers(len(chains)))]
                chain_nodes = f"{chain.id}/{chain.nodes[int(rng.integers(len(chain.nodes)))].id}"
            return pick["name"], pick["uscc"], None, chain_nodes, None
    chain_nodes = None
    if chains:
        chain = chains[int(rng.integers(len(chains)))]
        chain_nodes = f"{chain.id}/{chain.nodes[int(rng.integers(len(chain.nodes)))].id}"
    return f"示例投资主体{pid[-4:]}", None, None, chain_nodes, None


def _history(rng, pid: str, kind: str, start: date, batch: int | None) -> list[dict]:
    """A project's dated changes from `start`, moving on with probability GO_ON per stage, each after about PACE
    days (lognormal around the median), skipping 洽谈 now and then and 注册/供地 for a firm's own expansion."""
    skip = {"talks": 0.2, "registered": 0.85 if kind in ("expand", "upgrade") else 0.05,
            "land": 0.6 if kind in ("expand", "upgrade") else 0.1}
    first = "signed" if kind == "construction" and rng.random() < 0.5 else "lead"
    day = start
    out = [{"project_id": pid, "stage": first, "happened_on": day, "recorded_by": "示例数据", "batch_id": batch}]
    stage = first
    while stage != "full":
        if rng.random() > GO_ON[stage]:
            if ap.ORDER[stage] < ap.ORDER["started"] and rng.random() < TERMINATE:
                when = day + timedelta(days=int(rng.integers(60, 300)))
                if when <= END:
                    out.append({"project_id": pid, "stage": ap.TERMINATED, "happened_on": when,
                                "recorded_by": "示例数据", "reason": REASONS[int(rng.integers(len(REASONS)))],
                                "batch_id": batch})
            break
        nxt = ap.STAGES[ap.ORDER[stage] + 1]
        while nxt in skip and rng.random() < skip[nxt]:
            nxt = ap.STAGES[ap.ORDER[nxt] + 1]
        wait = PACE[stage] * float(np.exp(rng.normal(0.0, 0.45)))
        day = day + timedelta(days=max(7, round(wait)))
        if day > END:
            break
        out.append({"project_id": pid, "stage": nxt, "happened_on": day, "recorded_by": "示例数据", "batch_id": batch})
        stage = nxt
    return out
