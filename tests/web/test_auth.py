"""Accounts on the web (issue 17): sign-in and sign-out, the session cookie, CSRF on every write, roles obeyed by
pages, JSON, XLSX and search, the audit log and its admin page, trusted hosts.

Over a private copy of the small demo (scale 0.03, seed 12218): 6,317 firms in the registry, 225 in 黄埔
(440112), 295 in 天河 (440106). Accounts: wang 管理员, chen 市级分析, li 区级分析 of 黄埔, zhao 访客.
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from fastapi.testclient import TestClient

from chanye.registry import views

from .conftest import app_with_accounts

PASSWORDS = {"wang": "wang-password-1", "chen": "chen-password-1", "li": "li-password-1", "zhao": "zhao-password-1"}
ROLES = {"wang": ("admin", None), "chen": ("city_analyst", None), "li": ("district_analyst", "黄埔"),
         "zhao": ("visitor", None)}
HUANGPU, TIANHE = "440112", "440106"
HTML = {"Accept": "text/html"}
EVIL = "http://evil.example"


@pytest.fixture(scope="module")
def auth_app(web_db, tmp_path_factory):
    app = app_with_accounts(web_db, tmp_path_factory.mktemp("auth"), ROLES, PASSWORDS)
    yield app
    app.state.ctx.store.close()


@pytest.fixture(scope="module")
def firms(auth_app):
    """The first firm (by USCC) of 天河 and of 黄埔."""
    store = auth_app.state.ctx.cursor()
    try:
        frame = views.directory_firms(store)
    finally:
        store.close()
    first = frame.sort_values("uscc").groupby("district_code")["uscc"].first()
    return {"tianhe": first[TIANHE], "huangpu": first[HUANGPU]}


def sign_in(app, name: str, base_url: str = "http://testserver") -> TestClient:
    client = TestClient(app, base_url=base_url)
    response = client.post("/login", data={"name": name, "password": PASSWORDS[name], "next": "/enterprises"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/enterprises"
    return client


def csrf_of(client: TestClient) -> str:
    page = client.get("/enterprises?per_page=1", headers=HTML)
    return re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text).group(1)


@pytest.fixture(scope="module")
def li(auth_app):
    return sign_in(auth_app, "li")


@pytest.fixture(scope="module")
def wang(auth_app):
    return sign_in(auth_app, "wang")


@pytest.fixture(scope="module")
def zhao(auth_app):
    return sign_in(auth_app, "zhao")


def audit_rows(admin: TestClient, **query) -> list[tuple]:
    body = admin.get("/admin/audit.json", params={"per_page": 500, **query}).json()
    return [(r["user_name"], r["action"], r["target"]) for r in body["rows"]]


# --- signing in and out ------------------------------------------------------------------------------------------


def test_the_login_page_speaks_chinese_and_english(auth_app):
    client = TestClient(auth_app)
    zh = client.get("/login")
    assert zh.status_code == 200
    assert "登录产业监测平台" in zh.text and 'name="password"' in zh.text and "<script" not in zh.text
    en = client.get("/login?lang=en")
    assert "Sign in to the industry dashboard" in en.text and "登录产业监测平台" not in en.text


def test_without_a_session_pages_redirect_and_data_get_401(auth_app):
    client = TestClient(auth_app)
    page = client.get("/district?year=2024", headers=HTML, follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/login?next=%2Fdistrict%3Fyear%3D2024")
    for url in ("/api/v1/enterprises", "/enterprises.json", "/api/v1/enterprises?format=xlsx", "/district.json",
                "/api/v1/scoreboard/nodes", "/openapi.json"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.json()["error"]["message"] == "请先登录：会话不存在或已过期 (sign in first: no live session)"
    docs = client.get("/docs")  # not a page request (no Accept: text/html): the error page, 401
    assert docs.status_code == 401 and "请先登录：会话不存在或已过期" in docs.text
    assert client.get("/static/chanye.css").status_code == 200  # what the login page loads stays public


def test_a_wrong_password_is_refused_and_audited(auth_app, wang):
    client = TestClient(auth_app)
    response = client.post("/login", data={"name": "li", "password": "not-her-password"}, follow_redirects=False)
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert "set-cookie" not in response.headers
    assert client.get("/api/v1/enterprises").status_code == 401
    assert ("", "login_failed", "li") in [(u or "", a, t) for u, a, t in audit_rows(wang, action="login_failed")]


def test_repeated_failed_sign_ins_are_throttled(auth_app):
    from chanye.web.auth import Throttle

    saved, auth_app.state.login_throttle = auth_app.state.login_throttle, Throttle(limit=3, window=600)
    try:
        client = TestClient(auth_app)
        for _ in range(3):
            wrong = client.post("/login", data={"name": "chen", "password": "guess-guess"}, follow_redirects=False)
            assert wrong.status_code == 401
        blocked = client.post("/login", data={"name": "chen", "password": PASSWORDS["chen"]}, follow_redirects=False)
        assert blocked.status_code == 429
        assert "登录失败次数过多，请 10 分钟后再试 (too many failed sign-ins: retry in 10 min)" in blocked.text
        assert "set-cookie" not in blocked.headers
    finally:
        auth_app.state.login_throttle = saved


def test_the_session_cookie_is_httponly_strict_and_secure_over_https(auth_app):
    plain = TestClient(auth_app).post("/login", data={"name": "chen", "password": PASSWORDS["chen"]},
                                      follow_redirects=False).headers["set-cookie"]
    assert re.fullmatch(r"chanye_session=[\w-]{43}; HttpOnly; Max-Age=43200; Path=/; SameSite=strict", plain)
    secure = TestClient(auth_app, base_url="https://testserver").post(
        "/login", data={"name": "chen", "password": PASSWORDS["chen"]}, follow_redirects=False).headers["set-cookie"]
    assert re.fullmatch(r"chanye_session=[\w-]{43}; HttpOnly; Max-Age=43200; Path=/; SameSite=strict; Secure", secure)


def test_logout_needs_this_sites_origin_and_the_token_then_ends_the_session(auth_app, wang):
    chen = sign_in(auth_app, "chen")
    token = csrf_of(chen)
    refused = chen.post("/logout", data={"csrf_token": token}, headers={"Origin": EVIL}, follow_redirects=False)
    assert refused.status_code == 403
    assert "拒绝跨站请求：Origin http://evil.example 与本站 http://testserver 不符" in refused.text
    no_token = chen.post("/logout", headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert no_token.status_code == 403 and "缺少或错误的 CSRF 令牌" in no_token.text
    assert ("chen", "denied", "/logout") in audit_rows(wang, user="chen", action="denied")
    assert chen.get("/api/v1/enterprises?per_page=1").json()["total"] == 6317  # still signed in
    done = chen.post("/logout", data={"csrf_token": token}, headers={"Origin": "http://testserver"},
                     follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/login")
    assert chen.get("/api/v1/enterprises").status_code == 401
    assert ("chen", "logout", "chen") in audit_rows(wang, user="chen")


# --- CSRF ----------------------------------------------------------------------------------------------------------


def test_a_cross_site_upload_is_refused_even_without_accounts(client):
    csv = ("firms.csv", "统一社会信用代码,企业名称\n", "text/csv")
    for headers in ({"Origin": EVIL}, {"Referer": EVIL + "/page"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Origin": "null"}):
        response = client.post("/api/v1/data/imports", files={"file": csv}, headers=headers)
        assert response.status_code == 403, headers
        assert response.json()["error"]["message"].startswith("拒绝跨站请求")


def test_writes_need_the_session_token_and_a_same_origin_form_is_accepted(auth_app, wang, li):
    csv = ("firms.csv", "统一社会信用代码,企业名称\n", "text/csv")
    upload = wang.post("/api/v1/data/imports", files={"file": csv}, headers={"Origin": "http://testserver"})
    assert upload.status_code == 403 and "CSRF" in upload.json()["error"]["message"]
    denied = li.post("/api/v1/data/imports", files={"file": csv}, headers={"X-CSRF-Token": csrf_of(li)})
    assert denied.status_code == 403
    assert denied.json()["error"]["message"].startswith("只有管理员和市级分析可以导入数据")

    token = csrf_of(wang)
    form = {"csrf_token": token, "name": "sun", "role": "city_analyst", "password": "sun-password-1", "district": ""}
    assert wang.post("/admin/users", data=form, headers={"Origin": EVIL}).status_code == 403
    added = wang.post("/admin/users", data=form, headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert (added.status_code, added.headers["location"]) == (303, "/admin/users?done=1&lang=zh")
    listed = wang.get("/admin/users.json").json()["rows"]
    assert [(r["user_name"], r["role"]) for r in listed] == [
        ("chen", "city_analyst"), ("li", "district_analyst"), ("sun", "city_analyst"), ("wang", "admin"),
        ("zhao", "visitor")]
    assert listed[1]["district_code"] == HUANGPU
    removed = wang.post("/admin/users/sun/remove", data={"csrf_token": token}, follow_redirects=False)
    assert removed.status_code == 303
    assert [r["user_name"] for r in wang.get("/admin/users.json").json()["rows"]] == ["chen", "li", "wang", "zhao"]
    assert audit_rows(wang, user="wang", action="user_add") == [("wang", "user_add", "sun")]
    assert audit_rows(wang, user="wang", action="user_remove") == [("wang", "user_remove", "sun")]


def test_project_and_indicator_uploads_need_import_rights_and_are_audited(auth_app, wang, li):
    body = "项目名称,所在区,进度\n审计项目,黄埔区,线索\n".encode("utf-8-sig")
    for url in ("/api/v1/data/projects/imports", "/api/v1/data/transformation/imports"):
        denied = li.post(url, files={"file": ("list.csv", body, "text/csv")}, headers={"X-CSRF-Token": csrf_of(li)})
        assert denied.status_code == 403, url
        assert denied.json()["error"]["message"].startswith("只有管理员和市级分析可以导入数据")
    done = wang.post("/api/v1/data/projects/imports", files={"file": ("list.csv", body, "text/csv")},
                     headers={"X-CSRF-Token": csrf_of(wang)})
    assert (done.status_code, done.json()["loaded"]) == (200, 1)
    assert audit_rows(wang, user="wang", action="import")[-1] == ("wang", "import", "list.csv")


# --- roles --------------------------------------------------------------------------------------------------------


def test_a_huangpu_analyst_cannot_get_a_tianhe_firm_any_way(li, firms):
    tianhe = firms["tianhe"]
    for url in (f"/enterprise/{tianhe}", f"/enterprise/{tianhe}.json", f"/api/v1/enterprises/{tianhe}",
                f"/api/v1/enterprises/{tianhe}?format=xlsx"):
        response = li.get(url, headers=HTML if "." not in url.rsplit("/", 1)[1] else {})
        assert response.status_code == 403, url
        assert "该企业不在您负责的区" in response.text
    assert li.get(f"/enterprises.json?q={tianhe}").json()["total"] == 0
    assert li.get(f"/api/v1/enterprises?q={tianhe}").json()["total"] == 0
    assert li.get(f"/api/v1/enterprises?district={TIANHE}").json()["total"] == 0
    assert li.get(f"/district/{TIANHE}.json").json()["top"]["total"] == 0  # the page's aggregates stay
    mine = li.get("/api/v1/enterprises?per_page=200").json()
    assert mine["total"] == 225 and {r["district_code"] for r in mine["rows"]} == {HUANGPU}
    assert li.get(f"/enterprise/{firms['huangpu']}.json").json()["district_code"] == HUANGPU
    book = openpyxl.load_workbook(io.BytesIO(li.get("/api/v1/enterprises?format=xlsx").content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2 + 225  # the note, the header, 黄埔's firms
    assert {r[2] for r in rows[2:]} == {"黄埔区"}
    assert li.get("/api/v1/enterprises/tags").json()["total"] == 6317  # an aggregate of all districts
    assert li.get("/data").status_code == 403


def test_a_visitor_sees_aggregates_only(zhao, firms):
    for url in (f"/enterprise/{firms['huangpu']}", f"/enterprise/{firms['huangpu']}.json", "/enterprises",
                "/api/v1/enterprises", f"/api/v1/enterprises/{firms['huangpu']}", "/api/v1/data/quarantine"):
        response = zhao.get(url)
        assert response.status_code == 403, url
    assert "访客只能查看汇总数据" in zhao.get("/api/v1/enterprises").json()["error"]["message"]
    district = zhao.get(f"/district/{HUANGPU}.json").json()
    assert district["top"] is None
    assert zhao.get(f"/district/{HUANGPU}", headers=HTML).status_code == 200
    assert zhao.get("/api/v1/enterprises/tags").json()["total"] == 6317
    board = zhao.get("/api/v1/chains/6g").json()
    assert board["totals"] == {"recruitment": 0, "expansion": 0, "leaders": 0}


def test_a_visitors_scoreboard_is_under_disclosure_control_and_cached_apart(wang, zhao):
    analyst = wang.get("/api/v1/scoreboard/districts?node=biomed").json()  # asked first: it fills the cache
    visitor = zhao.get("/api/v1/scoreboard/districts?node=biomed").json()
    assert "disclosure_control" not in analyst
    assert len(visitor["rows"]) == len(analyst["rows"]) == 11
    # the count the note gives is the rows with a cell withheld; a withheld cell is empty for the visitor only,
    # and a published row shows the visitor exactly what the analyst sees
    held_back = [v for v in visitor["rows"] if v["disclosure"] != "published"]
    assert visitor["disclosure_control"] is True and visitor["suppressed"] == len(held_back) > 0
    for a, v in zip(analyst["rows"], visitor["rows"], strict=True):
        assert a["scale"]["value"] is not None and "disclosure" not in a
        if v["disclosure"] == "published":
            assert v | {"disclosure": None} == a | {"disclosure": None}
        else:
            assert v["yoy"]["value"] is None
            assert (v["scale"]["value"] is None) == (v["disclosure"] == "primary_dominance")


def test_kept_chain_answers_follow_the_viewers_rights(wang, li, zhao):
    """The chain routes keep their encoded answers (`asgi.cached_json`, per viewer rights): the city analyst's,
    asked first, is not what a district analyst or a visitor gets, and asking again gives the same bytes."""
    url = "/api/v1/chains/icv-nev/expansion?limit=20000"
    city = wang.get(url)
    assert wang.get(url).content == city.content
    every = city.json()
    huangpu = li.get(url).json()
    assert every["total"] > huangpu["total"] > 0 == zhao.get(url).json()["total"]
    assert {r["district_code"] for r in huangpu["rows"]} == {HUANGPU}
    assert len({r["district_code"] for r in every["rows"]}) > 1
    assert wang.get("/api/v1/chains/icv-nev").json()["totals"]["expansion"] == every["total"]
    assert zhao.get("/api/v1/chains/icv-nev").json()["totals"] == {"recruitment": 0, "expansion": 0, "leaders": 0}


# --- the audit log ------------------------------------------------------------------------------------------------


def test_logins_exports_and_firm_views_are_audited(auth_app, wang, firms):
    li = sign_in(auth_app, "li")
    li.get(f"/enterprise/{firms['huangpu']}.json")
    li.get("/api/v1/enterprises?format=xlsx&per_page=5")
    li.get(f"/api/v1/enterprises/{firms['tianhe']}")
    mine = audit_rows(wang, user="li")
    assert mine[:4] == [("li", "denied", f"/api/v1/enterprises/{firms['tianhe']}"),
                        ("li", "export", "/api/v1/enterprises?format=xlsx&per_page=5"),
                        ("li", "firm_view", firms["huangpu"]),
                        ("li", "login", "li")]
    assert li.get("/admin/audit.json").status_code == 403
    html = wang.get("/admin/audit?action=firm_view", headers=HTML)
    assert html.status_code == 200 and "审计日志" in html.text and "查看企业画像" in html.text


def test_report_downloads_count_as_exports():
    from chanye.report.render import MEDIA_TYPES
    from chanye.web.auth import EXPORT_TYPES

    assert set(MEDIA_TYPES.values()) <= set(EXPORT_TYPES)
    assert [kind for kind in EXPORT_TYPES if "spreadsheet" in kind or kind == "text/csv"] == [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv"]


def test_the_audit_log_pages(wang):
    first = wang.get("/admin/audit.json", params={"per_page": 2}).json()
    second = wang.get("/admin/audit.json", params={"per_page": 2, "page": 2}).json()
    assert (first["page"], second["page"], len(first["rows"]), len(second["rows"])) == (1, 2, 2, 2)
    assert first["pages"] == -(-first["total"] // 2)
    assert first["rows"][1]["id"]["value"] == second["rows"][0]["id"]["value"] + 1  # newest first, no gap
    assert [c["key"] for c in first["columns"]] == ["id", "at", "user_name", "action", "target", "detail"]


# --- trusted hosts --------------------------------------------------------------------------------------------------


def test_only_the_allowed_hosts_are_answered(web_db):
    from chanye.web.app import create_app

    app = create_app(web_db, allowed_hosts=["127.0.0.1", "localhost"])
    try:
        assert TestClient(app, base_url="http://evil.example").get("/login").status_code == 400
        assert TestClient(app, base_url="http://localhost:8218").get("/login",
                                                                    follow_redirects=False).status_code == 303
    finally:
        app.state.ctx.store.close()


def test_an_ipv6_loopback_host_is_answered(web_db):
    from chanye.cli import serve_access
    from chanye.web.app import create_app

    _, hosts, _ = serve_access(web_db, "::1", no_auth=True, allowed_hosts=None)
    app = create_app(web_db, allowed_hosts=hosts)
    try:  # the Host header of http://[::1]:8218/ is "[::1]:8218"
        assert TestClient(app, base_url="http://[::1]:8218").get("/login", follow_redirects=False).status_code == 303
        assert TestClient(app, base_url="http://evil.example").get("/login").status_code == 400
    finally:
        app.state.ctx.store.close()


def test_the_api_explorer_carries_the_session_token_for_its_writes(wang, client):
    """Swagger UI's "Try it out" sends X-CSRF-Token from the page (static/swagger-init.js)."""
    page = wang.get("/docs")
    assert page.status_code == 200
    assert f'data-csrf="{csrf_of(wang)}"' in page.text
    assert 'data-csrf=""' in client.get("/docs").text  # no accounts: nothing to carry
