"""Preview before import (issue 15 data in): an upload is kept under a token and previewed without writing (the
column mapping, the units assumed, the first rows as they will land, every reason of every row that would be
quarantined); the mapping editor re-previews; confirm imports exactly that file with that mapping; cancel
writes nothing; unknown and expired tokens are a clear 404. The template lists every accepted header."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from chanye.registry.fields import FIELDS
from chanye.registry.read import recognise
from chanye.registry.uscc import make_uscc

from .conftest import app_with_accounts

G = [make_uscc(f"91440106MA{i:07d}") for i in range(3)]  # 91440106MA0000000X, 91440106MA00000011, ...24
# Messy on purpose: 区 (an alias), 营业收入 without a unit, a cell with its own unit (3.5亿元), a bad check
# character, an unknown district, a non-number, a fractional headcount, a missing name, an unknown column.
MESSY = ("统一社会信用代码,企业名称,区,营业收入,从业人员,年份,备注\n"
         f"{G[0]},示例预览甲公司,天河区,1200,35,2024,老客户\n"
         f"{G[1]},示例预览乙公司,黄埔,3.5亿元,120,2024,\n"
         "91440101XXXXXXXXX1,示例预览坏行公司,火星区,abc,12.5,2024,\n"
         f"{G[2]},,番禺区,500,10,2024,\n")
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


def _upload(client: TestClient, text: str = MESSY, name: str = "预览名录.csv", **form):
    return client.post("/api/v1/data/previews", files={"file": (name, text.encode("utf-8"), "text/csv")},
                       data={k: str(v) for k, v in form.items()}, params={"lang": "zh"})  # (a session client may hold lang=en)


def _confirm(client: TestClient, body: dict, revision: int):
    """Confirm: POST /api/v1/data/imports with the preview's token and the revision shown."""
    return client.post("/api/v1/data/imports", json={"preview": body["token"], "revision": revision})


def _counts(client: TestClient) -> tuple[int, int, int]:
    store = client.app.state.ctx.cursor()
    try:
        return tuple(store.count(t) for t in ("enterprises", "import_batches", "quarantine"))
    finally:
        store.close()


def _mapping(body: dict) -> list[tuple]:
    return [(c["position"], c["header"], c["field"], c["status"], c["unit"], c["unit_source"])
            for c in body["columns"]["rows"]]


def _landing(body: dict) -> list[tuple]:
    return [(r["row_number"], r["uscc"], r["name"], r["district"] and r["district"]["zh"], r["revenue"]["value"],
             r["employees"]["value"]) for r in body["rows"]["rows"]]


def _reasons(body: dict, lang: str = "zh") -> list[tuple]:
    return [(r["row_number"], r["field"], r["reason"][lang]) for r in body["quarantine"]["rows"]]


QUARANTINE_ZH = [
    (4, "uscc", "统一社会信用代码校验位错误，应为 L"),
    (4, "district", "无法识别的区 '火星区'：不是广州市的区"),
    (4, "revenue", "无法解析的数值 'abc'"),
    (4, "employees", "人数应为整数 '12.5'"),
    (5, "name", "缺少企业名称"),
]


def _wait(client: TestClient, url: str, timeout: float = 90) -> dict:
    deadline = time.time() + timeout
    while True:
        job = client.get(url).json()
        if job["status"] in ("done", "failed"):
            return job
        assert time.time() < deadline, job
        time.sleep(0.05)


def test_preview_shows_mapping_units_first_rows_and_every_quarantine_reason(client):
    before = _counts(client)
    r = _upload(client)
    assert r.status_code == 201, r.text
    body = r.json()
    assert TOKEN_RE.match(body["token"]) and body["url"] == f"/api/v1/data/previews/{body['token']}"
    assert (body["file"], body["revision"], body["year"], body["problem"]) == ("预览名录.csv", 0, None, None)
    assert _mapping(body) == [
        (1, "统一社会信用代码", "uscc", "mapped", None, None),
        (2, "企业名称", "name", "mapped", None, None),
        (3, "区", "district", "mapped", None, None),
        (4, "营业收入", "revenue", "mapped", "wan_yuan", "assumed"),  # no unit in the header: 万元 assumed, and shown
        (5, "从业人员", "employees", "mapped", "persons", "assumed"),
        (6, "年份", "year", "mapped", None, None),
        (7, "备注", None, "unrecognised", None, None),
    ]
    revenue = body["columns"]["rows"][3]
    assert revenue["units"] == ["yuan", "qian_yuan", "wan_yuan", "million_yuan", "yi_yuan"]
    assert revenue["stored_unit"] == "wan_yuan" and revenue["field_name"] == {"zh": "营业收入", "en": "Revenue"}
    assert body["codes"]["unit_source"]["assumed"] == "未注明，按默认"
    assert body["codes"]["file_unit"]["yi_yuan"] == "亿元"
    assert _landing(body) == [(2, G[0], "示例预览甲公司", "天河区", 1200.0, 35),
                              (3, G[1], "示例预览乙公司", "黄埔区", 35000.0, 120)]  # 3.5亿元 = 35,000 万元
    assert [c["key"] for c in body["rows"]["columns"]] == ["sheet", "row_number", "uscc", "name", "district",
                                                           "year", "revenue", "employees"]
    assert body["rows"]["rows"][0]["revenue"]["unit"] == "wan_yuan"
    assert _reasons(body) == QUARANTINE_ZH
    assert _reasons(body, "en")[0] == (4, "uscc", "check character wrong")
    assert body["quarantine"]["rows"][0]["uscc"] == "91440101XXXXXXXXX1"
    assert body["counts"] == {"rows_total": 4, "rows_loaded": 2, "rows_quarantined": 2, "rows_blank": 0,
                              "reasons": 5}
    assert _counts(client) == before  # a preview writes nothing
    assert client.get(body["url"]).json()["counts"] == body["counts"]  # and can be read again
    assert {"value": "revenue", "label": "营业收入（万元）"} in body["choices"]
    assert body["choices"][0] == {"value": "ignore", "label": "忽略"}
    en = client.get(body["url"], params={"lang": "en"}).json()
    assert {"value": "revenue", "label": "Revenue (10k yuan)"} in en["choices"]
    assert en["codes"]["unit_source"]["assumed"] == "not stated: default"
    client.delete(body["url"])


def test_the_editor_changes_units_and_mapping_and_each_change_is_a_new_revision(client):
    body = _upload(client).json()
    url = body["url"]
    yi = client.post(url, json={"units": {"revenue": "yi_yuan"}}).json()
    assert yi["revision"] == 1
    assert yi["columns"]["rows"][3]["unit"] == "yi_yuan" and yi["columns"]["rows"][3]["unit_source"] == "chosen"
    # 1200 亿元 = 12,000,000 万元; a cell's own unit word (3.5亿元) still wins
    assert [r["revenue"]["value"] for r in yi["rows"]["rows"]] == [12_000_000.0, 35000.0]
    ignored = client.post(url, json={"columns": {"区": "ignore", "备注": "business_scope"}}).json()
    assert ignored["revision"] == 2
    assert _mapping(ignored)[2] == (3, "区", None, "ignored", None, None)
    assert _mapping(ignored)[6] == (7, "备注", "business_scope", "chosen", None, None)
    assert _mapping(ignored)[3][4:] == ("wan_yuan", "assumed")  # each change states the whole mapping
    # without a district column and no address every row is quarantined, each with the district reason
    assert ignored["counts"]["rows_loaded"] == 0 and ignored["counts"]["rows_quarantined"] == 4
    assert [(n, f) for n, f, _ in _reasons(ignored) if f == "district"] == [(2, "district"), (3, "district"),
                                                                           (4, "district"), (5, "district")]
    bad_field = client.post(url, json={"columns": {"区": "no_such_field"}})
    assert bad_field.status_code == 422 and "指向未知字段 'no_such_field' (unknown field)" in bad_field.json()["error"]["message"]
    bad_unit = client.post(url, json={"units": {"revenue": "persons"}})
    assert bad_unit.status_code == 422
    assert bad_unit.json()["error"]["message"] == "字段 'revenue' 不能用单位 'persons' (unit does not fit the field)"
    assert client.get(url).json()["revision"] == 2  # refused changes leave the preview as it was
    client.delete(url)


def test_confirm_imports_exactly_the_previewed_file_with_its_mapping_and_units(fresh_client):
    client = fresh_client
    enterprises, batches, quarantined = _counts(client)
    body = _upload(client).json()
    changed = client.post(body["url"], json={"units": {"revenue": "yuan"}}).json()
    stale = _confirm(client, body, 0)
    assert stale.status_code == 422 and stale.json()["error"]["message"].startswith("预览已更新（第 1 版，确认的是第 0 版）")
    r = _confirm(client, body, changed["revision"])
    assert r.status_code == 202, r.text
    job = _wait(client, r.json()["url"])
    assert job["status"] == "done", job
    report = job["report"]
    assert (report["rows_total"], report["rows_loaded"], report["rows_quarantined"]) == (4, 2, 2)
    assert report["file"] == "预览名录.csv"
    assert _counts(client) == (enterprises + 2, batches + 1, quarantined + 2)
    store = client.app.state.ctx.cursor()
    try:
        revenue = dict(store.query("SELECT uscc, revenue FROM enterprise_years WHERE uscc IN (?, ?)",
                                   [G[0], G[1]]).itertuples(index=False, name=None))
    finally:
        store.close()
    assert revenue == {G[0]: pytest.approx(0.12), G[1]: pytest.approx(35000.0)}  # 1200 元 = 0.12 万元 as chosen
    gone = client.get(body["url"])
    assert gone.status_code == 404 and gone.json()["error"]["message"].startswith("没有预览")
    assert _confirm(client, body, 1).status_code == 404  # never twice


def test_cancel_removes_the_file_and_writes_nothing(fresh_client):
    client = fresh_client
    before = _counts(client)
    body = _upload(client).json()
    item = client.app.state.pending_uploads.get(body["token"], None)
    assert item.path.read_text(encoding="utf-8") == MESSY  # kept server-side, in its own folder
    listed = client.get("/api/v1/data/previews").json()["rows"]
    assert [(i["token"], i["file"], i["revision"], i["url"]) for i in listed] == [
        (body["token"], "预览名录.csv", 0, body["url"])]
    r = client.delete(body["url"])
    assert r.status_code == 200 and r.json() == {"token": body["token"], "cancelled": True}
    assert client.get("/api/v1/data/previews").json() == {"rows": []}
    assert not Path(item.workdir).exists()
    assert _counts(client) == before
    assert client.delete(body["url"]).status_code == 404
    assert _confirm(client, body, 0).status_code == 404


def test_unknown_expired_and_malformed_tokens(client):
    unknown = client.get("/api/v1/data/previews/" + "0" * 32)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == f"没有预览 {'0' * 32}（可能已导入或已取消）(no such preview: imported or cancelled)"
    body = _upload(client).json()
    pending = client.app.state.pending_uploads
    workdir = pending.get(body["token"], None).workdir
    pending.sweep(now=time.time() + pending.ttl + 1)
    expired = _confirm(client, body, 0)
    assert expired.status_code == 404
    assert expired.json()["error"]["message"] == (f"预览 {body['token']} 已过期，上传的文件已删除 "
                                                  "(the preview expired; its file was removed)")
    assert expired.json()["error"]["hint"].startswith("上传的文件保留 30 分钟")
    assert not Path(workdir).exists()
    assert client.get("/api/v1/data/previews/not-a-token").status_code == 422
    malformed = client.post("/api/v1/data/imports", json={"preview": "x", "revision": 0})
    assert malformed.status_code == 422 and malformed.json()["error"]["message"].startswith("导入确认无效 (invalid confirmation)")
    assert client.post("/api/v1/data/imports", content=b"{", headers={"Content-Type": "application/json"}).status_code == 422


def test_a_file_without_a_uscc_column_shows_its_columns_and_cannot_be_confirmed(client):
    text = MESSY.replace("统一社会信用代码", "代码X", 1)
    body = _upload(client, text).json()
    assert body["problem"]["message"] == "预览名录.csv: 找不到“统一社会信用代码”列 (no USCC column)"
    assert _mapping(body)[0] == (1, "代码X", None, "unrecognised", None, None)
    assert body["rows"]["rows"] == [] and body["counts"]["rows_total"] == 4
    refused = _confirm(client, body, 0)
    assert refused.status_code == 422 and "按当前映射无法导入" in refused.json()["error"]["message"]
    fixed = client.post(body["url"], json={"columns": {"代码X": "uscc"}}).json()
    assert fixed["problem"] is None and fixed["counts"]["rows_loaded"] == 2
    assert _mapping(fixed)[0] == (1, "代码X", "uscc", "chosen", None, None)
    client.delete(body["url"])


def test_figures_without_a_year_ask_for_the_year(client):
    text = "\n".join(",".join(line.split(",")[:5]) for line in MESSY.splitlines()) + "\n"  # no 年份 column
    body = _upload(client, text).json()
    assert body["problem"]["message"] == "预览名录.csv: 有年度指标列但没有年份列 (figures without a year)"
    with_year = client.post(body["url"], json={"year": 2023}).json()
    assert with_year["problem"] is None and with_year["year"] == 2023
    assert [r["year"] for r in with_year["rows"]["rows"]] == [2023, 2023]
    client.delete(body["url"])


def test_preview_upload_keeps_every_guard_of_the_upload(fresh_client):
    client = fresh_client
    wrong = _upload(client, name="名录.exe")
    assert wrong.status_code == 422 and "不支持的文件类型 .exe" in wrong.json()["error"]["message"]
    year = _upload(client, year="99")
    assert year.status_code == 422 and year.json()["error"]["message"] == "year: 应为 1990-2100 的年份 (got '99')"
    client.app.state.ctx.max_upload_bytes = 100
    big = _upload(client)
    assert big.status_code == 413
    assert len(getattr(client.app.state, "pending_uploads", ())) == 0  # nothing refused is kept
    client.app.state.ctx.max_upload_bytes = 50 * 1024 * 1024
    headless = _upload(client, "a,b\n1,2\n")
    assert headless.status_code == 422 and "找不到可识别的表头" in headless.json()["error"]["message"]
    assert len(getattr(client.app.state, "pending_uploads", ())) == 0


def test_template_lists_every_accepted_header_and_imports_nothing_as_is(client):
    fields = client.get("/api/v1/data/template", params={"lang": "zh"}).json()
    assert [r["field"] for r in fields["rows"]] == list(FIELDS)
    revenue = next(r for r in fields["rows"] if r["field"] == "revenue")
    assert (revenue["header"], revenue["unit"], revenue["required"]) == ("营业收入（万元）", "wan_yuan", "optional")
    assert revenue["aliases"] == ["营业收入", "营业总收入", "主营业务收入", "revenue", "operating_revenue"]
    assert [r["required"] for r in fields["rows"][:3]] == ["required", "required", "district_or_address"]
    assert [r["aliases"] for r in fields["rows"]] == [list(f.aliases) for f in FIELDS.values()]
    book = load_workbook(io.BytesIO(client.get("/api/v1/data/template", params={"format": "xlsx", "lang": "zh"}).content))
    sheet = book["企业名录"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["统一社会信用代码", "企业名称", "所属区"] and "营业收入（万元）" in headers
    assert [recognise(h)[0] for h in headers] == list(FIELDS)  # every header is one the importer recognises
    example = [c.value for c in sheet[2]]
    assert example[:3] == ["示例914401000000000000", "示例科技有限公司", "荔湾区"]
    english = client.get("/api/v1/data/template", params={"format": "csv", "lang": "en"}).content.decode("utf-8-sig")
    en_headers = english.splitlines()[0].split(",")
    assert en_headers[12] == "Revenue (10k yuan)" and [recognise(h)[0] for h in en_headers] == list(FIELDS)
    # the template as downloaded: every column mapped, its example row quarantined, nothing would land
    xlsx = client.get("/api/v1/data/template", params={"format": "xlsx", "lang": "zh"}).content
    body = client.post("/api/v1/data/previews", files={"file": ("模板.xlsx", xlsx)}).json()
    assert {c["status"] for c in body["columns"]["rows"]} == {"mapped"}
    assert {c["unit_source"] for c in body["columns"]["rows"] if c["unit"]} == {"header"}
    assert body["counts"]["rows_loaded"] == 0 and body["counts"]["rows_quarantined"] == 1
    assert {r["field"] for r in body["quarantine"]["rows"]} == {"uscc"}
    client.delete(body["url"])


def test_data_page_links_the_template_and_lists_the_accepted_headers(client):
    html = client.get("/data", params={"lang": "zh"}).text
    assert 'href="/api/v1/data/template?format=xlsx&amp;lang=zh"' in html
    assert 'href="/api/v1/data/template?format=csv&amp;lang=zh"' in html
    assert '<form id="preview-form" class="drop" method="post" action="/api/v1/data/previews"' in html
    assert "<td>营业收入（万元）</td><td>选填</td>\n        <td class=\"wrap\">营业收入、营业总收入、主营业务收入</td>" in html
    en = client.get("/data", params={"lang": "en"}).text
    assert "<td>Revenue (10k yuan)</td><td>optional</td>\n        <td class=\"wrap\">revenue, operating_revenue</td>" in en
    assert '<script src="/static/data.js"></script>' in html
    assert "--mapping" not in html
    tags = re.findall(r"<script[^>]*>", html)  # CSP: no inline script, only files and JSON data blocks
    assert tags and all(' src="/' in tag or 'type="application/json"' in tag for tag in tags)
    assert client.get("/static/data.js").status_code == 200 and client.get("/static/data.css").status_code == 200


def test_with_accounts_a_preview_needs_the_csrf_token_and_belongs_to_its_uploader(web_db, tmp_path):
    passwords = {"chen": "chen-password-1", "wang": "wang-password-1"}
    app = app_with_accounts(web_db, tmp_path, {"chen": ("city_analyst", None), "wang": ("admin", None)}, passwords)
    try:
        def sign_in(name: str) -> TestClient:
            c = TestClient(app)
            assert c.post("/login", data={"name": name, "password": passwords[name], "next": "/data"},
                          follow_redirects=False).status_code == 303
            return c

        chen, wang = sign_in("chen"), sign_in("wang")
        page = chen.get("/data", headers={"Accept": "text/html"}).text
        token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)
        assert f'<input type="hidden" name="csrf_token" value="{token}">' in page
        files = {"file": ("名录.csv", MESSY.encode("utf-8"), "text/csv")}
        assert chen.post("/api/v1/data/previews", files=files).status_code == 403
        r = chen.post("/api/v1/data/previews", files=files, headers={"X-CSRF-Token": token})
        assert r.status_code == 201, r.text
        url = r.json()["url"]
        assert wang.get(url).status_code == 404  # another user's upload is not theirs to see or import
        assert chen.get(url).status_code == 200
        assert chen.delete(url, headers={"X-CSRF-Token": token}).status_code == 200
    finally:
        app.state.ctx.store.close()
