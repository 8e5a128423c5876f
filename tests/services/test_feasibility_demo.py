"""On the demo (tests/conftest.py): the opportunities and the chain lists contain no class a feasibility filter
removes, every removed item is listed with its reason, the counts shown equal what was removed, and the switch
shows everything again (issue 11, item 4). The filters' rules themselves: tests/analytics/test_feasibility.py."""

from __future__ import annotations

from collections import Counter

import pytest

from chanye.analytics import feasibility as fz
from chanye.errors import NotFound
from chanye.present import chains as words
from chanye.present import opportunities as present
from chanye.services import chains as sc
from chanye.services.platform import Platform
from chanye.standards import industrial_policy


@pytest.fixture(scope="module")
def platform(demo_db):
    p = Platform(demo_db)
    yield p
    p.close()


def _firm_codes(p: Platform) -> dict[str, str]:
    firms = sc.inputs_of(p).firms
    return dict(zip(firms["uscc"].astype(str), firms["industry_code"].astype(str), strict=False))


def test_opportunities_hold_no_filtered_class(platform) -> None:
    relevant = fz.pack_classes(platform.framework)
    places = [None, *(d.code for d in platform.city.districts)]
    seen = Counter()
    for place in places:
        for strategy in ("balanced", "low-hanging"):
            try:
                result = platform.opportunities(place, strategy=strategy, limit=None)
            except NotFound:  # a district without firms in the demo is not a place of the panel
                continue
            restricted = industrial_policy.by_class()
            assert all(not fz.reasons(r["activity"], restricted=restricted, relevant=relevant)
                       for r in result.table.rows), (place, strategy)
            removed = {r["activity"]: r for r in result.removed.rows}
            for code, row in removed.items():
                found = fz.reasons(code, restricted=restricted, relevant=relevant)
                assert row["filters"] == tuple(f for f, _ in found) and row["reasons"]
            counts = {r["filter"]: r["removed"] for r in result.filters.rows}
            first = Counter(r["filters"][0] for r in removed.values())  # each counted once, under its first
            assert counts == {f: first.get(f, 0) for f in fz.FILTERS}
            assert sum(counts.values()) == len(removed)
            everything = platform.opportunities(place, strategy=strategy, limit=None, feasible=False)
            assert {r["activity"] for r in everything.table.rows} == {
                r["activity"] for r in result.table.rows} | set(removed)
            seen.update(r["filters"][0] for r in removed.values())
    # every filter but the catalogue's shows up on the demo's opportunities
    assert {"resource_bound", "local_service", "not_in_pack"} <= set(seen)


def test_the_opportunities_note_names_each_filter_and_its_count(platform) -> None:
    result = platform.opportunities("黄埔", limit=None)
    counts = {r["filter"]: r["removed"] for r in result.filters.rows}
    note = present.filters_note(result.filters, True, "zh")
    assert note.startswith(f"可行性筛选已开启，共去掉 {sum(counts.values())} 项 — ")
    for code, n in counts.items():
        assert f"{present.labels.code('feas_filter', code, 'zh')}：去掉 {n} 个" in note
    off = platform.opportunities("黄埔", limit=None, feasible=False)
    assert present.filters_note(off.filters, False, "en").startswith("Feasibility filters off (showing all)")
    payload = present.ranking_payload(result, platform.city, "en")
    assert payload["feasible"] is True and [f["code"] for f in payload["filters"]] == list(fz.FILTERS)
    reasons = {r["activity"]: r["reason"] for r in payload["removed"]["rows"]}
    assert all(reasons.values())


def test_chain_lists_hold_no_filtered_firm_and_list_each_with_its_reason(platform) -> None:
    codes = _firm_codes(platform)
    restricted = industrial_policy.by_class()
    every = Counter()
    for chain in platform.framework.chains:
        b = sc.board(platform, chain.id)
        for which in ("leaders", "recruitment", "expansion"):
            for row in getattr(b, which).rows:
                found = [f for f, _ in fz.reasons(codes.get(row["uscc"]), restricted=restricted)]
                assert not found, (chain.id, which, row["uscc"], found)
        removed = Counter((r["list"], r["filters"][0]) for r in b.removed.rows)
        shown = {(r["list"], r["filter"]): r["removed"] for r in b.filters.rows}
        assert {k: v for k, v in shown.items() if v} == dict(removed), chain.id
        for r in b.removed.rows:
            assert r["industry_code"] == codes[r["uscc"]]
            assert r["filters"] == tuple(f for f, _ in fz.reasons(r["industry_code"], restricted=restricted))
        every.update(r["reasons"][0] for r in b.removed.rows)
    # the demo shows trading firms, car repair, hospitals, ores and the catalogue's classes taken off the lists
    assert {"local_service:trade", "local_service:auto_aftermarket", "local_service:health", "resource_bound:B",
            "resource_bound:C", "restricted:conditional"} <= set(every)


def test_the_switch_shows_every_firm_again(platform) -> None:
    on = sc.board(platform, "icv-nev")
    off = sc.board(platform, "icv-nev", feasible=False)
    removed = {(r["list"], r["uscc"]) for r in on.removed.rows}
    assert removed and {(r["list"], r["uscc"]) for r in off.removed.rows} == removed
    for which in ("recruitment", "expansion"):
        kept = {r["uscc"] for r in getattr(on, which).rows}
        back = {r["uscc"] for r in getattr(off, which).rows}
        assert back == kept | {u for w, u in removed if w == which}
    assert off.feasible is False and on.feasible is True
    text = words.filters_model(on, "zh")["note"]
    assert text.startswith("可行性筛选已开启") and "招商清单·本地服务（批发零售、汽车后市场、医疗卫生）：去掉" in text


def test_biomedicine_has_no_hospital_or_herb_farm_as_producer(platform) -> None:
    chain = platform.framework.chain("biomed")
    assert "providers" not in {n.id for n in chain.nodes}
    rules = {r.code for n in chain.nodes for r in n.codes}
    assert not any(c.startswith(("017", "841")) for c in rules)
    codes = _firm_codes(platform)
    b = sc.board(platform, "biomed")
    for which in ("leaders", "recruitment", "expansion"):
        assert not any(codes[r["uscc"]].startswith(("017", "841")) for r in getattr(b, which).rows), which


def test_low_altitude_and_commercial_space_are_two_chains(platform) -> None:
    chains = [c for c in platform.framework.chains if c.cluster == "low-altitude-aerospace"]
    assert [(c.id, c.name.zh) for c in chains] == [("low-altitude", "低空经济产业链"),
                                                   ("space-commercial", "商业航天产业链")]
    assert not {n.id for n in chains[0].nodes} & {n.id for n in chains[1].nodes}
    assert platform.framework.chain("low-altitude-aerospace").id == "low-altitude"  # the cluster's first chain
    assert {"satellites", "launch-vehicles", "launch-services"} <= {n.id for n in chains[1].nodes}
    assert sc.board(platform, "space-commercial").counts() == {
        s: sum(r["status"] == s for r in sc.board(platform, "space-commercial").diagnosis.rows)
        for s in ("strong", "weak", "missing")}


def test_expansion_scores_strong_links_and_leaders_too(platform) -> None:
    b = sc.board(platform, "icv-nev")
    statuses = {s for r in b.expansion.rows for s in r["node_statuses"]}
    assert "strong" in statuses
    leaders = {r["uscc"] for r in b.leaders.rows}
    assert leaders <= {r["uscc"] for r in b.expansion.rows}  # every 链主 is on the expansion list
    assert all(0.0 <= r["size"] <= 1.0 for r in b.expansion.rows)
    assert max(r["size"] for r in b.expansion.rows) == 1.0


def test_lithium_ore_is_no_recruitment_target_and_the_aftermarket_is_local(platform) -> None:
    """锂矿 as a 弱链 to fix by 招商, a trading firm as a 招商 target for 汽车后市场 (the issue's examples)."""
    codes = _firm_codes(platform)
    on, off = sc.board(platform, "icv-nev"), sc.board(platform, "icv-nev", feasible=False)

    def lithium(b) -> set[str]:
        return {r["uscc"] for r in b.recruitment.rows if "lithium" in r["chain_nodes"]}

    gone = lithium(off) - lithium(on)
    assert gone and {codes[u][:3] for u in gone} <= {"093", "323"}  # ore mining, rare-metal smelting
    assert all(not codes[u].startswith(("09", "323")) for u in lithium(on))  # lithium salts (2613) stay
    reasons = {r["uscc"]: r["reasons"] for r in on.removed.rows if r["list"] == "recruitment"}
    assert {reasons[u][0] for u in gone} <= {"resource_bound:B", "resource_bound:C"}
    # the aftermarket's classes are local services but for 6634 汽车金融 (finance is traded)
    aftermarket = platform.framework.chain("icv-nev").node("aftermarket")
    kinds = {r.code: [p.get("kind") for _, p in fz.reasons(r.code)] for r in aftermarket.codes}
    assert kinds == {"5261": ["trade"], "5262": ["trade"], "5263": ["trade"], "8111": ["auto_aftermarket"],
                     "6634": [], "7111": ["auto_aftermarket"]}
    trading = [r for r in on.removed.rows if r["list"] == "recruitment" and r["industry_code"].startswith("51")]
    assert all(r["reasons"] == ("local_service:trade",) for r in trading)
