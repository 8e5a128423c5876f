"""Disclosure control on the dashboard pages (issue 17 item 3): a visitor sees withheld figures as "—" with the
note, on the page and its `.json` twin alike; a 黄埔 district analyst sees 黄埔 whole and other districts under
control; an admin sees everything. Over a private copy of the small demo with accounts."""

from __future__ import annotations

import pytest

from chanye.analytics.disclosure import SUPPRESSED
from chanye.services.access import Role, Viewer

from .conftest import app_with_accounts, sign_in

PASSWORDS = {"boss": "boss-password-1", "guest": "guest-password-1", "hp": "hp-password-1"}
ROLES = {"boss": ("admin", None), "guest": ("visitor", None), "hp": ("district_analyst", "黄埔")}
HUANGPU = "440112"
HTML = {"Accept": "text/html"}
NOTE_ZH = "已按统计法抑制（少于 3 家企业或 1–2 家企业占比过高）"


@pytest.fixture(scope="module")
def site(web_db, tmp_path_factory):
    app = app_with_accounts(web_db, tmp_path_factory.mktemp("sdc"), ROLES, PASSWORDS)
    yield app
    app.state.ctx.store.close()


@pytest.fixture(scope="module")
def clients(site):
    return {name: sign_in(site, name, password) for name, password in PASSWORDS.items()}


def board(site):
    from chanye.web import models

    return models.board(site.state.ctx)


def test_a_visitor_sees_dashes_and_the_note_on_a_district(site, clients):
    guest = clients["guest"].get(f"/district/{HUANGPU}.json").json()
    boss = clients["boss"].get(f"/district/{HUANGPU}.json").json()
    year = guest["year"]
    status = board(site).protection(year, Viewer("g", Role.visitor))
    withheld = [m["id"] for m in guest["mix"] if status.get((m["id"], HUANGPU)) in SUPPRESSED]
    assert withheld and guest["disclosure"]["suppressed"] >= len(withheld)
    for mine, full in zip(guest["mix"], boss["mix"], strict=True):
        if mine["id"] in withheld:
            assert (mine.get("revenue"), mine.get("value"), mine.get("lq")) == (None, None, None)
        else:
            assert mine.get("revenue") == full.get("revenue")
        assert mine.get("enterprises") == full.get("enterprises")  # firm counts stay
    assert "disclosure" not in boss
    page = clients["guest"].get(f"/district/{HUANGPU}", headers=HTML).text
    assert NOTE_ZH in page and 'id="disclosure-note"' in page
    assert 'id="disclosure-note"' not in clients["boss"].get(f"/district/{HUANGPU}", headers=HTML).text
    english = clients["guest"].get(f"/district/{HUANGPU}?lang=en", headers=HTML).text
    assert "withheld under the Statistics Law (fewer than 3 firms, or 1–2 firms dominate)" in english


def test_a_visitor_sees_a_clusters_districts_under_control(site, clients):
    guest = clients["guest"].get("/cluster/ai.json").json()
    boss = clients["boss"].get("/cluster/ai.json").json()
    status = board(site).protection(guest["year"], Viewer("g", Role.visitor))
    hidden = 0
    for mine, full in zip(guest["districts"]["rows"], boss["districts"]["rows"], strict=True):
        if status.get(("ai", mine["code"])) in SUPPRESSED:
            hidden += 1
            assert mine.get("value") is None and mine.get("share") is None
        else:
            assert mine.get("value") == full.get("value")
    assert hidden > 0


def test_a_district_analyst_sees_their_district_whole(site, clients):
    hp = clients["hp"].get(f"/district/{HUANGPU}.json").json()
    boss = clients["boss"].get(f"/district/{HUANGPU}.json").json()
    assert [m.get("revenue") for m in hp["mix"]] == [m.get("revenue") for m in boss["mix"]]
    assert hp["totals"]["revenue"] == boss["totals"]["revenue"]
    cluster = {r["code"]: r for r in clients["hp"].get("/cluster/ai.json").json()["districts"]["rows"]}
    full = {r["code"]: r for r in clients["boss"].get("/cluster/ai.json").json()["districts"]["rows"]}
    assert cluster[HUANGPU].get("value") == full[HUANGPU].get("value")
    status = board(site).protection(hp.get("year") or boss["year"], Viewer("h", Role.district_analyst, HUANGPU))
    others = [c for c in cluster if c != HUANGPU and status.get(("ai", c)) in SUPPRESSED]
    assert others and all(cluster[c].get("value") is None for c in others)
