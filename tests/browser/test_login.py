"""Accounts in a real browser (issue 17): a page sends a signed-out browser to /login, the form signs in and goes
back, a 区级分析 of 黄埔 sees 黄埔's firms only, an administrator's upload carries the CSRF token from the page,
signing out ends the session. The server runs with accounts on over a private copy of the small demo."""

from __future__ import annotations

import shutil

import pytest

from .conftest import serving

pytestmark = pytest.mark.browser

PASSWORDS = {"li": "li-password-1", "wang": "wang-password-1"}


@pytest.fixture(scope="module")
def auth_server(browser_db, tmp_path_factory):
    from chanye.framework import load_pack
    from chanye.registry.store import Store
    from chanye.services import accounts
    from chanye.web.app import create_app

    path = tmp_path_factory.mktemp("browser-auth") / "auth.duckdb"
    shutil.copy(browser_db, path)
    city = load_pack(None).city
    with Store.reader(path) as store:
        accounts.add_user(store, city, "li", "district_analyst", PASSWORDS["li"], "黄埔")
        accounts.add_user(store, city, "wang", "admin", PASSWORDS["wang"])
    app = create_app(path, auth=True, allowed_hosts=["127.0.0.1"])
    with serving(app, "uvicorn-auth") as url:
        yield url


def sign_in(page, url: str, name: str, password: str) -> None:
    page.fill("#login-name", name)
    page.fill("#login-password", password)
    page.click("#login-submit")


def test_signing_in_through_the_form(auth_server, page, screenshots):
    page.goto(auth_server + "/enterprises?per_page=50", wait_until="load")
    assert page.url == auth_server + "/login?next=%2Fenterprises%3Fper_page%3D50"
    assert page.inner_text("h1") == "登录产业监测平台"

    sign_in(page, auth_server, "li", "wrong-password")
    page.wait_for_selector("#login-error")
    assert page.inner_text("#login-error") == "用户名或密码错误"
    page.screenshot(path=str(screenshots / "login-failed.png"))

    sign_in(page, auth_server, "li", PASSWORDS["li"])
    page.wait_for_url(auth_server + "/enterprises?per_page=50")
    assert page.inner_text("#signed-in") == "li"
    cookie = next(c for c in page.context.cookies() if c["name"] == "chanye_session")
    assert (cookie["httpOnly"], cookie["sameSite"]) == (True, "Strict")
    districts = page.eval_on_selector_all("#results tbody tr td:nth-child(4)", "els => els.map(e => e.textContent.trim())")
    assert len(districts) == 50 and set(districts) == {"黄埔区"}
    assert "chanye_session" not in page.evaluate("document.cookie")  # HttpOnly: no script reads it
    page.screenshot(path=str(screenshots / "login-district-analyst.png"))

    page.click("#logout")
    page.wait_for_url(auth_server + "/login")
    page.goto(auth_server + "/enterprises", wait_until="load")
    assert page.url.startswith(auth_server + "/login?next=")
    assert page.watch.outside == []
    assert [e for e in page.watch.errors if "401" not in e] == []  # the signed-out failed sign-in answers 401


def test_an_administrators_upload_carries_the_csrf_token(auth_server, page, tmp_path):
    page.goto(auth_server + "/data", wait_until="load")
    sign_in(page, auth_server, "wang", PASSWORDS["wang"])
    page.wait_for_url(auth_server + "/data")
    upload = tmp_path / "名录.csv"
    upload.write_text("统一社会信用代码,企业名称,所属区,年份\n91440101XXXXXXXXX1,示例坏行公司,火星区,2024\n", encoding="utf-8")
    page.set_input_files("#upload-file", str(upload))
    with page.expect_response(lambda r: "/api/v1/data/previews" in r.url and r.request.method == "POST") as shown:
        page.click("#upload-submit")  # first the preview (issue 15), itself a write of the upload
    assert shown.value.request.headers["x-csrf-token"] == page.get_attribute('meta[name="csrf-token"]', "content")
    page.wait_for_selector("#preview-confirm:not([disabled])", state="visible", timeout=60_000)
    with page.expect_response(lambda r: "/api/v1/data/imports" in r.url and r.request.method == "POST") as answer:
        page.click("#preview-confirm")
    assert answer.value.status == 202
    assert answer.value.request.headers["x-csrf-token"] == page.get_attribute('meta[name="csrf-token"]', "content")
