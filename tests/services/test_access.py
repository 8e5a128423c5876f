"""Roles enforced in the service layer (issue 17): the Platform's firm-level methods obey the viewer, so the pages,
JSON, XLSX and search built on them cannot leak. Counts are the small demo's (scale 0.03, seed 12218): 1,817
Guangzhou firms of 6,317 in the registry, 225 in 黄埔 (440112), 295 in 天河 (440106)."""

from __future__ import annotations

import pytest

from chanye.errors import AccessDenied, InputError
from chanye.framework import load_pack
from chanye.registry import views
from chanye.registry.store import Store
from chanye.services import accounts
from chanye.services.access import LOCAL, Role, Viewer
from chanye.services.platform import Platform

HUANGPU, TIANHE = "440112", "440106"
LI = Viewer("li", Role.district_analyst, HUANGPU)  # 区级分析 of 黄埔
ZHAO = Viewer("zhao", Role.visitor)  # 访客
CHEN = Viewer("chen", Role.city_analyst)  # 市级分析


@pytest.fixture(scope="module")
def platform(demo_db):
    p = Platform(demo_db)
    yield p
    p.close()


@pytest.fixture(scope="module")
def firms(platform):
    """The first firm (by USCC) of 天河 and of 黄埔."""
    store = platform.cursor()
    try:
        frame = views.directory_firms(store)
    finally:
        store.close()
    first = frame.sort_values("uscc").groupby("district_code")["uscc"].first()
    return {"tianhe": first[TIANHE], "huangpu": first[HUANGPU]}


def test_a_district_analyst_searches_their_own_district_only(platform):
    assert platform.search().total == 6317
    assert platform.search(viewer=CHEN).total == 6317
    mine = platform.search(viewer=LI, per_page=200)
    assert mine.total == 225
    assert {r["district_code"] for r in mine.firms.rows} == {HUANGPU}
    facets = {r["district_code"]: r["enterprises"] for r in mine.facets.rows}
    assert facets[HUANGPU] == 225 and sum(facets.values()) == 225  # no count of another district's matches
    assert platform.search(district=TIANHE).total == 295
    assert platform.search(district=TIANHE, viewer=LI).total == 0


def test_a_district_analyst_cannot_find_a_tianhe_firm_by_uscc_or_open_it(platform, firms):
    assert platform.search(firms["tianhe"]).total == 1
    assert platform.search(firms["tianhe"], viewer=LI).total == 0
    with pytest.raises(AccessDenied, match=r"该企业不在您负责的区.*outside your district"):
        platform.enterprise(firms["tianhe"], viewer=LI)
    assert platform.enterprise(firms["huangpu"], viewer=LI).district_code == HUANGPU
    assert platform.enterprise(firms["tianhe"], viewer=CHEN).district_code == TIANHE
    assert platform.enterprise(firms["tianhe"]).district_code == TIANHE  # LOCAL: the single analyst


def test_a_visitor_gets_no_firm_level_data(platform, firms):
    with pytest.raises(AccessDenied, match=r"访客只能查看汇总数据.*visitors see aggregates only"):
        platform.search(viewer=ZHAO)
    with pytest.raises(AccessDenied, match=r"访客只能查看汇总数据"):
        platform.enterprise(firms["huangpu"], viewer=ZHAO)
    assert platform.tag_counts().meta["total"] == 6317  # aggregates stay


def test_chain_lists_follow_the_viewer(platform):
    def sizes(b):
        return len(b.leaders.rows), len(b.expansion.rows), len(b.recruitment.rows), len(b.removed.rows)

    city, li, zhao = (platform.chain("icv-nev", viewer=v) for v in (LOCAL, LI, ZHAO))
    assert sizes(city) == (4, 62, 138, 55)
    assert sizes(li) == (0, 11, 138, 11)  # the recruitment list names firms outside the city: it stays
    assert sizes(zhao) == (0, 0, 0, 0)
    assert {r["district_code"] for r in li.expansion.rows} == {HUANGPU}
    store = platform.cursor()
    try:
        where = views.directory_firms(store).set_index("uscc")[["city_code", "district_code"]]
    finally:
        store.close()
    # Of the firms the feasibility filters took off, the analyst sees 黄埔's and those registered elsewhere.
    seen = {(where.at[r["uscc"], "city_code"] == "440100", where.at[r["uscc"], "district_code"] == HUANGPU)
            for r in li.removed.rows}
    assert seen == {(True, True), (False, False)}
    assert li.diagnosis.rows == city.diagnosis.rows  # the per-link counts are aggregates: everyone sees them
    six = platform.chain("6g", viewer=LI)
    assert (len(six.leaders.rows), len(six.expansion.rows)) == (1, 1)


def test_a_chain_nodes_firms_follow_the_viewer(platform):
    node = platform.chain_node("6g", "thz-photonics")
    mine = platform.chain_node("6g", "thz-photonics", viewer=LI)
    assert (node.total_firms, len(node.firms.rows)) == (2, 2)
    assert (mine.total_firms, len(mine.firms.rows)) == (2, 1)
    assert mine.firms.rows[0]["district_code"] == HUANGPU
    assert platform.chain_node("6g", "thz-photonics", viewer=ZHAO).firms.rows == ()


def test_only_importers_see_quarantine_or_import(platform, tmp_path):
    page = platform.quarantine(viewer=CHEN)
    assert (page.batch, page.total) == (1, 0)  # the demo's one batch, nothing rejected
    for who in (LI, ZHAO):
        with pytest.raises(AccessDenied, match=r"只有管理员和市级分析可以导入数据或查看隔离区"):
            platform.quarantine(viewer=who)
        with pytest.raises(AccessDenied, match=r"only administrators and city analysts may import"):
            platform.import_file(tmp_path / "never-read.csv", viewer=who)


def test_roles_and_districts_of_new_accounts():
    city = load_pack(None).city
    assert accounts.role_of("区级分析") is Role.district_analyst
    assert accounts.role_of("visitor") is Role.visitor
    with pytest.raises(InputError, match=r"角色 'boss' 无效 \(unknown role\)"):
        accounts.role_of("boss")
    assert accounts.district_of(city, Role.district_analyst, "黄埔") == HUANGPU
    assert accounts.district_of(city, Role.district_analyst, "Huangpu") == HUANGPU
    with pytest.raises(InputError, match=r"区级分析账号需要指定所在区"):
        accounts.district_of(city, Role.district_analyst, None)
    with pytest.raises(InputError, match=r"没有区 '浦东' \(unknown district\)"):
        accounts.district_of(city, Role.district_analyst, "浦东")
    with pytest.raises(InputError, match=r"只有区级分析账号有所在区"):
        accounts.district_of(city, Role.admin, "黄埔")
    store = Store(":memory:")
    try:
        account = accounts.add_user(store, city, "li", "区级分析", "correct-horse-1", "黄埔", by="wang")
        assert (account.role, account.district) == ("district_analyst", HUANGPU)
        listed = accounts.users_table(store, city).rows
        assert [(r["user_name"], r["role"], r["district"]) for r in listed] == [
            ("li", "district_analyst", {"zh": "黄埔区", "en": "Huangpu"})]
        with pytest.raises(AccessDenied, match=r"只有管理员可以管理用户和查看审计日志"):
            accounts.audit(store, LI)
        page = accounts.audit(store, LOCAL)
        assert page.total == 1
        assert [(r["user_name"], r["action"], r["target"], r["detail"]) for r in page.entries.rows] == [
            ("wang", "user_add", "li", "district_analyst 440112")]
    finally:
        store.close()
