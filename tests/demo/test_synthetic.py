"""The demo data: a seeded synthetic registry calibrated to real published figures, and those figures."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chanye.classify.codes import classify_by_rules
from chanye.demo import synthetic as demo
from chanye.framework import load_pack
from chanye.registry.fields import FIGURE_FIELDS, TAGS
from chanye.registry.uscc import validate
from chanye.standards import gbt4754, regions

SMALL = 0.02
MIN_FIRMS_PER_NODE = 3


@functools.cache
def small() -> demo.DemoData:
    return demo.build(scale=SMALL)


@functools.cache
def small_links() -> pd.DataFrame:
    data = small()
    gz = data.enterprises[data.enterprises["city_code"] == demo.GUANGZHOU]
    return classify_by_rules(gz, load_pack())


# --- the synthetic registry -------------------------------------------------------------------------------


def test_same_seed_gives_identical_frames():
    a = small()
    b = demo.build(scale=SMALL)
    for name in ("enterprises", "figures", "tags", "calibration"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)


def test_another_seed_gives_other_firms():
    other = demo.build(seed=1, scale=SMALL)
    assert not set(other.enterprises["uscc"]) & set(small().enterprises["uscc"])


def test_columns_and_types():
    data = small()
    e = data.enterprises
    assert list(e.columns) == ["uscc", "name", "city_code", "district_code", "address", "industry_code",
                               "business_scope", "registered_capital", "founded", "synthetic"]
    assert pd.api.types.is_datetime64_any_dtype(e["founded"])
    assert e["registered_capital"].dtype == np.float64 and (e["registered_capital"] > 0).all()
    assert list(data.figures.columns) == ["uscc", *(f.name for f in FIGURE_FIELDS)]
    assert list(data.tags.columns) == ["uscc", "tag"]
    assert {"node", "metric", "year", "target", "achieved", "unit", "source"} <= set(data.calibration.columns)


def test_every_record_is_synthetic():
    assert small().enterprises["synthetic"].all()


def test_usccs_valid_and_unique():
    e = small().enterprises
    result = validate(e["uscc"])
    assert result.ok.all(), result.error[~result.ok].head()
    assert e["uscc"].is_unique


def test_names_are_marked_and_unique():
    names = small().enterprises["name"]
    assert names.str.contains(demo.MARKER, regex=False).all()
    assert names.is_unique


def test_counts_follow_scale():
    e = small().enterprises
    gz = (e["city_code"] == demo.GUANGZHOU).sum()
    assert 0.8 * 60_000 * SMALL <= gz <= 1.25 * 60_000 * SMALL
    assert len(e) - gz == round(demo.OTHER_TOTAL * SMALL)


def test_guangzhou_firms_sit_in_the_eleven_districts():
    e = small().enterprises
    gz = e[e["city_code"] == demo.GUANGZHOU]
    city = load_pack().city
    districts = {d.code for d in city.districts}
    assert len(districts) == 11
    assert set(gz["district_code"]) == districts
    # the address names the district: the import can recover it
    found = gz["address"].map(lambda a: getattr(city.district_from_address(a), "code", None))
    assert (found == gz["district_code"]).all()


def test_other_firms_sit_in_real_counties_of_their_city():
    e = small().enterprises
    other = e[e["city_code"] != demo.GUANGZHOU]
    assert other["city_code"].nunique() >= 30
    for city, group in other.groupby("city_code"):
        assert regions.city(city) is not None
        assert set(group["district_code"]) <= {c.code for c in regions.counties(city)}


def test_industry_codes_exist_in_gbt4754():
    std = gbt4754.load()
    codes = small().enterprises["industry_code"].unique()
    assert all(c in std and std.get(c).level == "class" for c in codes)


def test_every_industry_node_has_firms():
    links = small_links()
    counts = links.groupby("node")["uscc"].nunique()
    nodes = [n.id for n in load_pack().industry_nodes()]
    assert len(nodes) == 29
    for node in nodes:
        assert counts.get(node, 0) >= MIN_FIRMS_PER_NODE, node


def test_some_guangzhou_firms_are_outside_every_node():
    e = small().enterprises
    gz = e[e["city_code"] == demo.GUANGZHOU]
    outside = ~gz["uscc"].isin(small_links()["uscc"])
    assert outside.mean() > 0.1


def test_guangzhou_misses_links_that_peers_have():
    e = small().enterprises
    missing = [code for code, factor in demo.GZ_GAPS.items() if factor == 0]
    gz = e[e["city_code"] == demo.GUANGZHOU]
    assert not gz["industry_code"].isin(missing).any()
    big = demo.build(scale=0.1).enterprises
    assert big.loc[big["city_code"] != demo.GUANGZHOU, "industry_code"].isin(missing).sum() > 10


def test_figures():
    data = small()
    f = data.figures
    assert set(f["year"]) == set(demo.YEARS)
    assert not f.duplicated(["uscc", "year"]).any()
    assert set(f["uscc"]) == set(data.enterprises["uscc"])
    assert (f["revenue"] > 0).all() and (f["employees"] >= 1).all()
    # industrial output only for 采矿业/制造业/电力热力燃气水 (B, C, D)
    std = gbt4754.load()
    section = data.enterprises.set_index("uscc")["industry_code"].map(lambda c: std.get(c).section)
    industrial = f["uscc"].map(section).isin(demo.INDUSTRY_SECTIONS)
    assert f.loc[industrial, "industrial_output"].notna().all()
    assert f.loc[~industrial, "industrial_output"].isna().all()
    # no figures before a firm was founded
    founded = f["uscc"].map(data.enterprises.set_index("uscc")["founded"].dt.year)
    assert (f["year"] >= founded).all()


def test_tags():
    data = small()
    t = data.tags
    assert set(t["tag"]) <= set(TAGS)
    assert not t.duplicated().any()
    n = len(data.enterprises)
    share = t["tag"].value_counts() / n
    assert 0.02 <= share["srdi"] <= 0.06
    assert share.get("little_giant", 0) <= 0.006
    little = set(t.loc[t["tag"] == "little_giant", "uscc"])
    assert little <= set(t.loc[t["tag"] == "srdi", "uscc"])
    # 规上: industry from 2000万元 of revenue in the last year
    last = data.figures[data.figures["year"] == max(demo.YEARS)].set_index("uscc")["revenue"]
    above = set(t.loc[t["tag"] == "above_scale", "uscc"])
    std = gbt4754.load()
    industry = data.enterprises[data.enterprises["industry_code"].map(lambda c: std.get(c).section).isin(["C"])]
    rev = last.reindex(industry["uscc"])
    assert all((u in above) == (r >= 2000) for u, r in rev.items())
    # listed firms are big ones
    listed = t.loc[t["tag"] == "listed", "uscc"]
    assert last.reindex(listed).median() > 10 * last.median()


def test_calibration_hits_its_targets_at_small_scale():
    cal = small().calibration
    reachable = cal[cal["basis"] != "not reachable"]
    assert np.allclose(reachable["achieved"], reachable["target"], rtol=0.01)


def test_progress_is_reported():
    seen = []
    demo.build(scale=0.005, progress=lambda message, fraction: seen.append(fraction))
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)


def test_bad_arguments():
    with pytest.raises(ValueError, match="scale must be positive"):
        demo.build(scale=0)
    with pytest.raises(ValueError, match="years must not be empty"):
        demo.build(scale=SMALL, years=())


@pytest.mark.slow
def test_full_scale_counts_and_calibration():
    data = demo.build()
    e = data.enterprises
    gz = (e["city_code"] == demo.GUANGZHOU).sum()
    assert 57_000 <= gz <= 63_000
    assert 145_000 <= len(e) - gz <= 155_000
    cal = data.calibration.set_index(["node", "metric", "year"])
    reachable = cal[cal["basis"] != "not reachable"]
    assert np.allclose(reachable["achieved"], reachable["target"], rtol=0.01)
    # the published figures, recomputed from the frames and the classifier's links
    links = classify_by_rules(e[e["city_code"] == demo.GUANGZHOU], load_pack())
    f = data.figures.merge(links[["uscc", "node"]], on="uscc")
    biomed = f[f["node"] == "biomed"].groupby("year")["industrial_output"].sum() / 1e4
    assert biomed[2024] > 2000 and biomed[2024] == pytest.approx(2050, rel=0.01)
    assert (biomed[2024] / biomed[2023] - 1) * 100 == pytest.approx(20.0, abs=0.2)
    framework = load_pack()
    strategic = [n.id for t in demo.STRATEGIC_TIERS for n in framework.children(t)]
    firms = f.loc[(f["year"] == 2023) & f["node"].isin(strategic)].drop_duplicates("uscc")
    assert firms["value_added"].sum() / 1e4 == pytest.approx(9333.54, rel=0.01)
    clusters = [n.id for n in framework.industry_nodes() if n.kind == "cluster"]
    totals = {
        (node, year): f.loc[(f["node"] == node) & (f["year"] == year), framework.scale_metric(node)].sum() / 1e4
        for node in clusters for year in (2023, 2024)
    }
    assert sum(totals[n, 2024] >= 1000 for n in clusters) == 12
    manufacturing = [n for n in clusters if framework.scale_metric(n) == "industrial_output"]
    assert {n for n in manufacturing if totals[n, 2023] >= 1000} == set(demo.CLUSTERS_2023)


# --- the published figures --------------------------------------------------------------------------------


def test_published_figures_live_in_the_guangzhou_pack():
    pack = load_pack("guangzhou-12218")
    assert (Path(pack.path) / "published.yaml").is_file()
    assert not (Path(demo.__file__).parent / "data").exists()
    figures, sources = demo.load_published(pack)
    default = demo.load_published()  # the default pack is guangzhou-12218
    pd.testing.assert_frame_equal(figures, default[0])
    assert sources == default[1] and (len(figures), len(sources)) == (34, 5)
    assert [s["id"] for s in sources] == ["netease-haopin-2025", "peoples-daily-15-clusters", "haizhu-gwr-2025",
                                          "secondary-district-gdp-2024", "gz-gwr-2026"]


CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f“”]")


def test_every_note_is_in_chinese_and_in_english():
    figures, sources = demo.load_published()
    notes = [*zip(figures["note"], figures["note_en"], strict=True), *((s["note"], s["note_en"]) for s in sources)]
    assert len(notes) == 39
    for zh, en in notes:
        assert CJK.search(zh), zh  # the Chinese note keeps the report's wording
        assert not CJK.search(en), en  # the English one has no Chinese
        assert set(re.findall(r"[A-Za-z]{2,}", zh)) <= {"GDP"}, zh  # only where a report writes GDP
    gdp = _figure(metric="gdp", year=2024)
    assert (gdp["note"], gdp["note_en"]) == ("据报道：GDP超过3.1万亿元", "as reported: GDP over 3.1 trillion yuan")
    biomed = _figure(metric="biomed_output", year=2024)
    assert biomed["note"] == "据报道：生物医药产业总产值超2000亿元，增长20%；对应节点“生物医药与健康”"
    assert biomed["note_en"] == ("as reported: biomedicine output over 200 billion yuan, up 20%; mapped to the node "
                                 "Biomedicine and health")
    secondary = next(s for s in sources if s["id"] == "secondary-district-gdp-2024")
    assert secondary["note"].startswith("未核实。天河、黄埔、越秀、白云、从化五个区的2024年地区生产总值仅见于转载网站")
    assert secondary["note_en"].startswith("UNVERIFIED. 2024 GDP of Tianhe, Huangpu, Yuexiu, Baiyun and Conghua")


def test_a_note_given_once_is_both_languages():
    assert demo._notes("as reported") == ("as reported", "as reported")
    assert demo._notes({"zh": "据报道", "en": "as reported"}) == ("据报道", "as reported")
    assert demo._notes({"zh": "据报道"}) == ("据报道", "据报道")
    assert demo._notes({"en": "as reported"}) == ("as reported", "as reported")
    assert demo._notes(None) == ("", "")


def test_a_second_pack_of_the_city_inherits_the_city_and_district_figures():
    fyp = load_pack("guangzhou-14th-fyp")
    figures, sources = demo.load_published(fyp)
    gz, gz_sources = demo.load_published(load_pack("guangzhou-12218"))
    own = {n.id for n in fyp.industry_nodes()}
    expected = gz[gz["node"].isna() | gz["node"].isin(own)].reset_index(drop=True)
    pd.testing.assert_frame_equal(figures, expected)
    assert 0 < len(figures) < len(gz) and set(figures["scope"]) == {"city", "district"}
    assert _figure(metric="gdp", year=2024)["id"] in set(figures["id"])
    assert [s["id"] for s in sources] == [s["id"] for s in gz_sources if s["id"] in set(figures["source"])]


def test_a_pack_without_published_yaml_has_none(tmp_path):
    elsewhere = load_pack("guangzhou-12218").model_copy(update={"path": str(tmp_path)})
    figures, sources = demo.load_published(elsewhere)
    assert figures.empty and sources == [] and list(figures.columns) == list(demo.PUBLISHED_COLUMNS)


def test_published_loads_and_cites_existing_sources():
    figures, sources = demo.load_published()
    ids = {s["id"] for s in sources}
    assert len(ids) == len(sources)
    assert figures["id"].is_unique
    assert set(figures["source"]) <= ids
    for s in sources:
        assert s["title"] and s["publisher"] and s["date"]
    assert set(figures["scope"]) <= {"city", "district", "node"}
    assert set(figures["comparison"]) <= {"=", ">", "<"}
    assert set(figures["unit"]) <= {"亿元", "%", "万辆", "个"}
    nodes = {n.id for n in load_pack().industry_nodes()}
    assert set(figures["node"].dropna()) <= nodes
    assert (figures.loc[figures["scope"] == "node", "node"].notna()).all()
    for area in figures["area"]:
        assert regions.city(area) is not None or regions.region("county", area) is not None


def _figure(**match) -> pd.Series:
    figures, _ = demo.load_published()
    sel = figures
    for key, value in match.items():
        sel = sel[sel[key] == value]
    assert len(sel) == 1, match
    return sel.iloc[0]


def test_published_exact_values():
    gdp = _figure(metric="gdp", year=2023, area="440100")
    assert gdp["value"] == 30355.73 and gdp["unit"] == "亿元" and gdp["comparison"] == "=" and gdp["growth"] == 4.6
    haizhu = _figure(metric="district_gdp", year=2024, area="440105")
    assert haizhu["value"] == 3008.35 and haizhu["growth"] == 5.4 and haizhu["source"] == "haizhu-gwr-2025"
    assert (haizhu["note"], haizhu["note_en"]) == ("海珠区2025年政府工作报告", "Haizhu District's 2025 government work report")
    sev = _figure(metric="strategic_emerging_va", year=2023)
    assert sev["value"] == 9333.54
    assert _figure(metric="strategic_emerging_va_share", year=2023)["value"] == 30.7
    biomed = _figure(metric="biomed_output", year=2024)
    assert biomed["node"] == "biomed" and biomed["comparison"] == ">" and biomed["value"] == 2000
    assert biomed["growth"] == 20
    assert _figure(metric="gdp", year=2024)["comparison"] == ">"
    assert _figure(metric="nev_output_units", year=2024)["unit"] == "万辆"
    assert _figure(metric="count_100bn_clusters", year=2023)["value"] == 6
    assert _figure(metric="count_100bn_clusters", year=2024)["value"] == 12
    assert _figure(metric="retail_sales", year=2023)["value"] == 11012.62
    assert _figure(metric="trade_total", year=2023)["value"] == 10914.28


def test_secondary_district_figures_are_flagged():
    figures, _ = demo.load_published()
    districts = figures[(figures["metric"] == "district_gdp") & (figures["area"] != "440105")]
    assert set(districts["area"]) == {"440106", "440112", "440104", "440111", "440117"}
    assert set(districts["note"]) == {"未核实：仅见于转载网站"}
    assert set(districts["note_en"]) == {"unverified: secondary sites"}
    assert set(districts["source"]) == {"secondary-district-gdp-2024"}


def _chain_producers(firms: pd.DataFrame, chain_id: str, link: str) -> int:
    """Firms that produce for one chain node by its code rules (a light re-reading of the template)."""
    from chanye.classify.scope import clean_scopes
    from chanye.framework.chains import load_chains

    chain = next(c for c in load_chains(load_pack().path) if c.id == chain_id)
    node = next(n for n in chain.nodes if n.id == link)
    std = gbt4754.load()
    scope = clean_scopes(firms["business_scope"]) + firms["name"]
    hit = pd.Series(False, index=firms.index)
    for rule in node.codes:
        under = firms["industry_code"].isin(std.small_classes_under(rule.code))
        if rule.scope == "partial":
            under &= scope.map(lambda s, words=rule.keywords: any(w in s for w in words))
        hit |= under
    return int(hit.sum())


def test_chain_links_have_producers_and_guangzhou_lacks_some():
    e = demo.build(scale=0.1).enterprises
    gz, peers = e[e["city_code"] == demo.GUANGZHOU], e[e["city_code"] != demo.GUANGZHOU]
    for chain, link in (("icv-nev", "lithium"), ("uhd-display", "panel-equipment")):
        assert _chain_producers(gz, chain, link) == 0, link
        assert _chain_producers(peers, chain, link) >= 3, link
    for chain, link in (("icv-nev", "vehicle"), ("icv-nev", "battery"), ("uhd-display", "lcd-panel")):
        assert _chain_producers(gz, chain, link) >= 3, link
