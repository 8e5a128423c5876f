"""/review and /review.json (issue 11): the queued firm with its three suggestions and evidence, the forms
(POST with the CSRF field, no inline script), and a correction through the form."""

from __future__ import annotations

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from chanye.classify.enterprises import classify_enterprises
from chanye.registry.store import Store
from chanye.web.app import create_app

TRAVEL = "91440101MA00000003"


@pytest.fixture
def client(tmp_path):
    path = tmp_path / "review.duckdb"
    with Store(path) as store:
        store.con.execute("INSERT INTO enterprises (uscc, name, industry_code, business_scope) VALUES (?, ?, NULL, ?)",
                          [TRAVEL, "丙旅行社", "一般项目：工艺美术品及收藏品零售；票务代理服务；会议及展览服务。许可项目：旅游业务。"])
        from chanye.framework import load_pack

        with store.transaction():
            classify_enterprises(store, pd.Series([TRAVEL]), load_pack())
    app = create_app(path)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c
    app.state.ctx.store.close()


def test_the_page_and_its_twin(client):
    page = client.get("/review")
    assert page.status_code == 200
    html = page.text
    assert "待复核 1 家企业" in html
    assert html.count('name="csrf_token"') == 4  # three confirm forms and one correction
    assert "“旅游业务”（许可项目第4项，服务，词“旅游业务”）→ 7291 旅行社及相关服务" in html
    assert "<script>" not in html.split("</head>", 1)[1]
    # the suggestions' figure is their score share (0.3886 in test_review.py), named so beside the probability
    assert ">得分占比 0.39</span>" in html and "p=0.39" not in html
    twin = client.get("/review.json").json()
    assert twin["threshold"] == 0.5
    row = twin["queue"]["rows"][0]
    assert row["uscc"] == TRAVEL
    assert [s["code"] for s in row["suggestions"]] == ["5246", "7298", "7291"]
    english = client.get("/review?lang=en").text
    assert "1 firms to review" in english
    assert ">score share 0.39</span>" in english


def test_a_correction_through_the_form(client):
    answer = client.post(f"/review/{TRAVEL}", data={"action": "correct", "code": "7291"},
                         headers={"Origin": "http://127.0.0.1"}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/review?done=1&lang=zh"
    twin = client.get("/review.json").json()
    assert twin["queue"]["rows"] == []
    label = twin["labels"]["rows"][0]
    assert (label["uscc"], label["code"], label["action"], label["decided_by"]) == (TRAVEL, "7291", "correct", "local")
    bad = client.post(f"/review/{TRAVEL}", data={"action": "correct", "code": "12"},
                      headers={"Origin": "http://127.0.0.1"}, follow_redirects=False)
    assert bad.status_code == 422
    assert "不是 GB/T 4754-2017 小类代码" in bad.text


def test_the_page_says_how_the_reader_did_on_the_registry(client):
    """Issue 11: the latest import that checked the scope reader on the registry's coded firms (its report's
    reader_check) is shown above the queue, so an analyst knows what the probabilities are worth here."""
    import json

    check = {"rows": 350, "right": 0.2857, "division_right": 0.7143, "shipped_accepted": 0.7143,
             "shipped_right": 0.4, "own_accepted": 0.0, "own_right": None}
    assert client.get("/review.json").json()["reader_check"] is None  # no import checked it yet
    assert 'id="review-reader-check"' not in client.get("/review").text
    store = client.app.state.ctx.writer
    with store() as s, s.transaction():
        for batch, report in ((7, {"reader_check": check}), (8, {"reader_check": None})):  # the latest with a check
            s.con.execute("INSERT INTO import_batches (id, file, kind, status, report) VALUES (?, 'x.csv', 'file', "
                          "'done', ?)", [batch, json.dumps(report)])
    assert client.get("/review.json").json()["reader_check"] == {"batch": 7, **check}
    html = client.get("/review").text
    assert ('<p class="note" id="review-reader-check">经营范围读取在本库有代码企业中抽查 350 家核对：最优小类即其代码 28.6%'
            '（大类 71.4%）（截至第 7 批导入）<br>概率已按这些企业重新校准：原曲线接受 71.4%、其中正确 40.0%；'
            '本库曲线接受 0.0%、其中正确 —</p>') in html
    english = client.get("/review?lang=en").text
    assert "(71.4% at division level) (as of import batch 7)<br>Probabilities recalibrated on them" in english


def test_a_firm_read_by_no_word_shows_its_nearest_classes_or_asks_for_one(tmp_path):
    """A scope that names no class is queued with the classes nearest its wording, marked as likeness, not a
    score share; with none, the row says to type the class."""
    path = tmp_path / "nearest.duckdb"
    with Store(path) as store:
        store.con.executemany("INSERT INTO enterprises (uscc, name, industry_code, business_scope) VALUES (?, ?, NULL, ?)",
                              [("91440101MA00000005", "戊", "烟叶收购"), ("91440101MA00000006", "己", "货物进出口")])
        from chanye.framework import load_pack

        with store.transaction():
            classify_enterprises(store, None, load_pack())
    app = create_app(path)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        html = c.get("/review").text
        english = c.get("/review?lang=en").text
    app.state.ctx.store.close()
    assert "待复核 2 家企业" in html
    assert "<strong>5128 烟草制品批发</strong> <span class=\"sub similar\"" in html
    assert ">字面相近 0.43</span>" in html and ">得分占比" not in html
    assert '<p class="sub no-suggestion">经营范围未读出任何小类，也没有字面相近的小类：请在右侧填写正确的小类</p>' in html
    assert ">looks like 0.43</span>" in english


def test_the_queue_pages_in_the_store_and_downloads_whole(tmp_path):
    """A registry without codes can queue tens of thousands of firms: the page reads one page of the queue
    (LIMIT/OFFSET in SQL, lowest probability first, then by code), says how many in all, and the XLSX download
    holds the whole queue."""
    import io

    import openpyxl

    from chanye.framework import load_pack
    from chanye.registry import review as stored

    path = tmp_path / "paged.duckdb"
    firms = [(TRAVEL, "丙旅行社", "一般项目：工艺美术品及收藏品零售；票务代理服务；会议及展览服务。许可项目：旅游业务。"),
             ("91440101MA00000005", "戊", "烟叶收购"), ("91440101MA00000006", "己", "货物进出口")]
    with Store(path) as store:
        store.con.executemany("INSERT INTO enterprises (uscc, name, industry_code, business_scope) VALUES (?, ?, NULL, ?)",
                              firms)
        with store.transaction():
            classify_enterprises(store, None, load_pack())
        assert stored.queue_count(store, "guangzhou-12218") == 3
        assert stored.read_queue(store, "guangzhou-12218", limit=2, offset=1)["uscc"].tolist() == [
            "91440101MA00000006", TRAVEL]
    app = create_app(path)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        first = c.get("/review?per_page=2").text
        second = c.get("/review?per_page=2&page=2").text
        twin = c.get("/review.json?per_page=2&page=2").json()
        sheet = openpyxl.load_workbook(io.BytesIO(c.get("/review?format=xlsx&table=queue&per_page=2").content)).active
        single = c.get("/review").text
    app.state.ctx.store.close()
    assert "待复核 3 家企业" in first and "待复核 3 家企业" in second
    assert first.count('<tr data-uscc="') == 2 and 'data-uscc="91440101MA00000005"' in first
    assert second.count('<tr data-uscc="') == 1 and f'data-uscc="{TRAVEL}"' in second
    assert "第 1 / 2 页，共 3 家" in first and 'rel="next"' in first and 'rel="prev"' not in first
    assert "第 2 / 2 页，共 3 家" in second and 'rel="prev"' in second and 'rel="next"' not in second
    assert (twin["queue"]["total"], twin["queue"]["page"], twin["queue"]["pages"]) == (3, 2, 2)
    assert [r["uscc"] for r in twin["queue"]["rows"]] == [TRAVEL]
    assert [row[0] for row in sheet.iter_rows(values_only=True) if str(row[0]).startswith("9144")] == [
        "91440101MA00000005", "91440101MA00000006", TRAVEL]
    assert 'id="review-pager"' not in single  # one page: no pager
    assert 'id="review-xlsx" href="/review?per_page=2&amp;format=xlsx&amp;table=queue"' in second  # the whole queue
