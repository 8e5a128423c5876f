"""Figures that hold up (issue 11, item 5): published figures checked against each other and national totals and
shown in the reconciliation; the low-altitude target measured on its own metric; future-industry nodes
confirmed only by a Guangzhou source. Every expected number is worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from chanye.analytics import indicators as ind
from chanye.demo.seed import load_published_into
from chanye.framework.load import load_pack
from chanye.framework.model import Target
from chanye.present import tables as present
from chanye.registry.store import Store
from chanye.services import published
from chanye.services.platform import Platform

NEV_SHARE = 50 / 1288.8 * 100  # 50 万辆 of 1,288.8 万辆 = 3.8796%


@pytest.fixture(scope="module")
def guangzhou():
    store = Store(":memory:")
    p = Platform(":memory:", "guangzhou-12218", store=store)
    with store.transaction():
        load_published_into(store, p.framework)
    yield p
    p.close()


def test_the_nev_share_conflicts_with_the_national_total_and_both_sources_are_shown(guangzhou) -> None:
    rows = {r["check"]: r for r in guangzhou.published_consistency().rows}
    nev = rows["nev-share-2024"]
    assert nev["figures"] == ("gz-2024-nev-output-units", "cn-2024-nev-output-units", "gz-2024-nev-national-share")
    assert nev["reported"] == 15.0  # kept as reported
    assert nev["computed"] == pytest.approx(3.8796, abs=1e-4) and nev["computed"] == pytest.approx(NEV_SHARE)
    assert nev["gap"] == pytest.approx(15 - NEV_SHARE) and nev["gap"] == pytest.approx(11.1204, abs=1e-4)
    assert (nev["unit"], nev["gap_unit"], nev["status"], nev["reason"]) == (
        "percent", "pp", "conflict", "share_of_national_total")
    assert nev["sources"] == ("netease-haopin-2025", "caam-2024-nev")
    assert nev["source_titles"] == ("广州，好拼！", "2024年汽车工业产销情况")


def test_the_two_counts_of_100bn_clusters_are_shown_side_by_side(guangzhou) -> None:
    row = next(r for r in guangzhou.published_consistency().rows if r["check"] == "count-100bn-definitions")
    assert row["figures"] == ("gz-2024-count-100bn-clusters", "gz-2025-count-100bn-mfg-clusters")
    assert (row["reported"], row["computed"], row["gap"], row["unit"]) == (12.0, 6.0, 6.0, "count")
    assert (row["status"], row["reason"]) == ("different_definitions", "definitions_differ")
    assert row["sources"] == ("netease-haopin-2025", "gz-gwr-2026")
    zh = present.frame(guangzhou.published_consistency(), "zh").set_index("一致性检查")
    assert zh.loc["count-100bn-definitions", "一致性"] == "口径不同，并列展示"
    assert zh.loc["nev-share-2024", "一致性"] == "相互矛盾（按报道保留，两个来源并列）"
    en = present.frame(guangzhou.published_consistency(), "en").set_index("Consistency check")
    assert en.loc["nev-share-2024", "Consistency"] == "conflict (kept as reported; both sources shown)"


def test_the_reconciliation_shows_each_figures_consistency(guangzhou) -> None:
    store = guangzhou.cursor()
    from chanye.registry import views

    national, checks, _ = published.pack_checks(guangzhou.framework)
    frame = ind.consistency(views.published(store), national, checks)
    scale = pd.DataFrame({"scope": ["all"], "node": ["gz12218"], "area_type": ["city"], "area": ["440100"],
                          "metric": ["revenue"], "year": [2024], "value": [1.0], "provenance": ["synthetic"],
                          "node_kind": ["system"]})
    for key in ind.KEYS:
        if key not in scale.columns:
            scale[key] = None
    out = ind.reconcile(views.published(store), scale, checks=frame).set_index("id")
    assert out.loc["gz-2024-nev-national-share", "consistency"] == "conflict"
    assert out.loc["gz-2024-nev-output-units", "consistency"] == "conflict"
    assert out.loc["gz-2024-nev-output-units", "consistency_check"] == "nev-share-2024"
    assert out.loc["gz-2024-count-100bn-clusters", "consistency"] == "different_definitions"
    assert out.loc["gz-2025-count-100bn-mfg-clusters", "consistency_check"] == "count-100bn-definitions"
    assert pd.isna(out.loc["gz-2024-gdp", "consistency"])  # no check names GDP
    assert out.loc["gz-2024-nev-national-share", "published"] == 15.0  # the figure itself is unchanged
    assert "consistency" not in ind.reconcile(views.published(store), scale).columns  # without checks: as before


def test_consistency_rules() -> None:
    pub = pd.DataFrame([
        {"id": "part", "value": 40.0, "unit": "万辆", "source": "a"},
        {"id": "share", "value": 4.5, "unit": "%", "source": "a"},
        {"id": "other", "value": 40.0, "unit": "亿元", "source": "c"},
    ])
    national = pd.DataFrame([{"id": "whole", "value": 1000.0, "unit": "万辆", "source": "b"}])
    checks = [
        {"id": "ok", "kind": "share", "part": "part", "whole": "whole", "share": "share", "tolerance_pp": 0.5},
        {"id": "tight", "kind": "share", "part": "part", "whole": "whole", "share": "share", "tolerance_pp": 0.4},
        {"id": "units", "kind": "share", "part": "other", "whole": "whole", "share": "share"},
        {"id": "absent", "kind": "share", "part": "nope", "whole": "whole", "share": "share"},
    ]
    out = ind.consistency(pub, national, checks).set_index("check")
    assert out.loc["ok", "computed"] == pytest.approx(4.0) and out.loc["ok", "gap"] == pytest.approx(0.5)
    assert out.loc["ok", "status"] == "consistent"  # |4.5 - 4.0| = 0.5 <= 0.5
    assert out.loc["tight", "status"] == "conflict"  # 0.5 > 0.4
    assert out.loc["units", "status"] == "unit_mismatch" and math.isnan(out.loc["units", "computed"])
    assert out.loc["absent", "status"] == "missing_figure" and out.loc["absent", "sources"] == ("b", "a")
    assert list(out.reset_index().columns) == ind.CONSISTENCY_COLUMNS


def test_the_low_altitude_target_measures_the_whole_economy_not_cluster_revenue() -> None:
    fw = load_pack("guangzhou-12218")
    target = next(t for t in fw.targets if t.id == "low-altitude-1500")
    assert (target.node, target.metric, target.value, target.year) == (
        "low-altitude-aerospace", "low_altitude_economy_scale", 1500, 2027)
    assert target.sources == ("gz-low-altitude-plan-2024",)
    metric = next(m for m in fw.metrics if m.id == "low_altitude_economy_scale")
    assert (metric.method, metric.unit, metric.node) == ("published", "亿元", "low-altitude-aerospace")
    # the registry's revenue of the node is there, and is not what the target is compared with
    scale = pd.DataFrame({"scope": ["node"] * 2, "node": ["low-altitude-aerospace"] * 2, "area_type": ["city"] * 2,
                          "area": ["440100"] * 2, "metric": ["revenue"] * 2, "year": [2023, 2024],
                          "value": [900.0, 1200.0], "provenance": ["synthetic"] * 2})
    for key in ind.KEYS:
        if key not in scale.columns:
            scale[key] = None
    out = ind.target_progress(scale, [target], 2024).iloc[0]
    assert out["status"] == "not_in_registry" and math.isnan(out["latest"]) and math.isnan(out["required_cagr"])
    as_revenue = Target(**{**target.model_dump(), "metric": "revenue"})
    assert ind.target_progress(scale, [as_revenue], 2024).iloc[0]["latest"] == 1200.0  # what it used to do


def test_a_target_metric_must_be_a_scale_or_a_published_metric() -> None:
    from chanye.framework.check import check_loaded
    from chanye.framework.read import LoadedPack, read_pack

    fw = load_pack("guangzhou-12218")
    bad = Target(id="x", node="biomed", metric="profit_margin", value=1, unit="亿元", year=2030, status="provisional")
    loaded = read_pack("guangzhou-12218")
    edited = LoadedPack(fw.model_copy(update={"targets": (*fw.targets, bad)}), loaded.docs)
    found = [str(f) for f in check_loaded(edited) if f.rule == "unknown-metric"]
    assert len(found) == 1 and "目标指标 'profit_margin' 既不是规模指标也不是 metrics.yaml 中的公开指标" in found[0]


def test_an_imported_target_on_an_unknown_metric_is_refused(tmp_path) -> None:
    from chanye.registry.targets import parse_targets

    path = tmp_path / "targets.csv"
    path.write_text("节点,指标,目标值,单位,年份\nbiomed,利润,10,亿元,2027\n"
                    "low-altitude-aerospace,low_altitude_economy_scale,1500,亿元,2027\n", encoding="utf-8")
    result = parse_targets(path, load_pack("guangzhou-12218"))
    assert result.errors == ["第 2 行: 指标 '利润' 不是规模指标（工业总产值、营业收入、增加值）或框架的公开指标 (unknown metric)"]
    assert [(t.node, t.metric) for t in result.imported] == [("low-altitude-aerospace", "low_altitude_economy_scale")]


@pytest.mark.parametrize(("pack", "checks"), [
    ("guangzhou-14th-fyp", [("count-100bn-definitions", "different_definitions")]),  # inherits; no icv-nev node
    ("shenzhen-20-8", []),  # no published figures
])
def test_other_packs_check_only_the_figures_they_hold(pack, checks) -> None:
    store = Store(":memory:")
    p = Platform(":memory:", pack, store=store)
    try:
        with store.transaction():
            load_published_into(store, p.framework)
        assert [(r["check"], r["status"]) for r in published.consistency_table(p).rows] == checks
    finally:
        p.close()
