"""Feasibility filters (可行性筛选) of the lists an analyst acts on: growth opportunities, 招商 targets, 链主 and
增资扩产. Pure: GB/T 4754-2017 小类 codes in, machine codes out; `chanye.present.labels` words each filter.

A class (or a firm, by its declared 小类) is taken off a list, with its reason, when it is

* ``resource_bound``: an activity tied to a natural endowment, which a city cannot attract by policy —
  A 农林牧渔 (大类 01–05), B 采矿 (06–12), and the manufacturing classes whose GB/T 说明 names a mined ore or a
  raw crop as the main input (`RESOURCE_BOUND_PREFIXES`: grain milling, oil crushing, sugar, slaughtering,
  freezing of fish, sawmills, wood pulp, phosphate and potash fertilisers, non-ferrous, precious and rare-metal
  smelting);
* ``local_service``: serving the local market, so that it follows demand rather than being brought in — F 批发
  和零售 (51, 52), the car aftermarket (811 汽车、摩托车修理与维护, 7111 汽车租赁) and care delivered on the
  spot (841 医院, 842 基层医疗卫生服务, 843 专业公共卫生服务, 8491 健康体检; not 8492 临床检验, whose labs serve
  clients nationwide);
* ``restricted``: a 小类 with an entry of 《产业结构调整指导目录（2024年本）》's 限制类 or 淘汰类
  (`chanye.standards.industrial_policy`: the curated mapping, each entry with its coverage);
* ``not_in_pack``: (opportunities only) the class maps to no node of the pack, wholly or by a rule written for
  that very class. A class the pack reaches only through a keyword rule on its 大类 or 中类 (e.g. 3577 棉花加工
  机械 under 357 农、林、牧、渔专用机械 for 智能农机) belongs for the firms the keywords pick, not as a class to
  develop.

A code matching several filters counts once, under the first in `FILTERS` order; every reason is kept.
docs/chains.md ("Feasibility filters") states the rules and their limits.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

Reason = tuple[str, dict[str, Any]]  # (filter code, parameters)

FILTERS: tuple[str, ...] = ("resource_bound", "local_service", "restricted", "not_in_pack")
RESOURCE_BOUND_DIVISIONS = frozenset(f"{d:02d}" for d in range(1, 13))  # A 01–05, B 06–12
# Manufacturing bound to a local raw material (the GB/T 说明 names an ore or a crop as the main input).
RESOURCE_BOUND_PREFIXES: tuple[str, ...] = (
    "131",  # 谷物磨制
    "133",  # 植物油加工
    "134",  # 制糖业
    "1351", "1352",  # 牲畜屠宰, 禽类屠宰
    "1361",  # 水产品冷冻加工
    "2011", "2012",  # 锯材加工, 木片加工
    "2211",  # 木竹浆制造
    "2622", "2623",  # 磷肥 (磷矿石), 钾肥 (钾盐矿)
    "321", "322", "323",  # 常用有色金属冶炼, 贵金属冶炼, 稀有稀土金属冶炼
)
LOCAL_SERVICE_DIVISIONS = frozenset({"51", "52"})  # 批发业, 零售业
AUTO_AFTERMARKET_PREFIXES: tuple[str, ...] = ("811", "7111")  # 汽车、摩托车修理与维护; 汽车租赁
HEALTH_PREFIXES: tuple[str, ...] = ("841", "842", "843", "8491")  # 医院, 基层医疗, 公共卫生, 健康体检
LOCAL_SERVICE_PREFIXES = AUTO_AFTERMARKET_PREFIXES + HEALTH_PREFIXES


def resource_bound(code: str) -> bool:
    code = str(code)
    return code[:2] in RESOURCE_BOUND_DIVISIONS or code.startswith(RESOURCE_BOUND_PREFIXES)


def local_service(code: str) -> bool:
    code = str(code)
    return code[:2] in LOCAL_SERVICE_DIVISIONS or code.startswith(LOCAL_SERVICE_PREFIXES)


def reasons(code: object, *, restricted: Mapping[str, Mapping[str, Any]] | None = None,
            relevant: Collection[str] | None = None) -> tuple[Reason, ...]:
    """Every filter `code` (a 小类) falls under, in `FILTERS` order, with its parameters.

    `restricted`: 小类 -> {category, coverage, sector, entry} (`standards.industrial_policy.by_class()`);
    `relevant`: the classes the pack claims (None: the relevance filter is not applied)."""
    if code is None or code != code or not str(code).strip():
        return ()
    code = str(code).strip()
    out: list[Reason] = []
    division = code[:2]
    if resource_bound(code):
        section = "A" if division <= "05" else "B" if division <= "12" else "C"
        out.append(("resource_bound", {"code": code, "section": section}))
    if local_service(code):
        kind = ("auto_aftermarket" if code.startswith(AUTO_AFTERMARKET_PREFIXES) else
                "health" if code.startswith(HEALTH_PREFIXES) else "trade")
        out.append(("local_service", {"code": code, "kind": kind}))
    if restricted and code in restricted:
        entry = restricted[code]
        out.append(("restricted", {"code": code, "category": entry["category"], "coverage": entry["coverage"],
                                   "sector": entry["sector"]}))
    if relevant is not None and code not in relevant:
        out.append(("not_in_pack", {"code": code}))
    return tuple(out)


def screen(codes: Iterable[object], *, restricted: Mapping[str, Mapping[str, Any]] | None = None,
           relevant: Collection[str] | None = None, enabled: Collection[str] = FILTERS) -> dict[str, tuple[Reason, ...]]:
    """code -> its reasons (only the codes some enabled filter removes)."""
    out = {}
    for code in codes:
        found = tuple(r for r in reasons(code, restricted=restricted, relevant=relevant) if r[0] in enabled)
        if found:
            out[str(code)] = found
    return out


def counts(removed: Mapping[str, tuple[Reason, ...]], enabled: Collection[str] = FILTERS) -> dict[str, int]:
    """Removed items per filter, each counted once under its first reason (in `FILTERS` order)."""
    out = {f: 0 for f in FILTERS if f in enabled}
    for found in removed.values():
        out[found[0][0]] += 1
    return out


def pack_classes(framework) -> frozenset[str]:
    """The 小类 the pack claims as classes: wholly, or by a rule written for that very class (a partial rule on
    a 大类 or 中类 claims the firms its keywords pick, not the class)."""
    from chanye.framework.concordance import expand

    return frozenset(o.code for o in expand(framework) if o.scope == "whole" or o.rule.code == o.code)
