"""/api/v1/data: upload import with progress, import history, quarantine (JSON and XLSX for re-import),
sources and published figures; size and type limits."""

from __future__ import annotations

import asyncio
import io
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from openpyxl import load_workbook

from chanye.registry.uscc import make_uscc

GOOD = [make_uscc(f"91440106MA{i:07d}") for i in range(3)]
HEADER = "统一社会信用代码,企业名称,所属区,国民经济行业代码,营业收入（万元）,年份\n"
CSV = (
    HEADER
    + f"{GOOD[0]},示例上传甲公司,天河区,3670,1200,2024\n"
    + f"{GOOD[1]},示例上传乙公司,黄埔区,3841,800,2024\n"
    + f"{GOOD[2]},示例上传丙公司,番禺区,2710,560,2024\n"
    + "91440101XXXXXXXXX1,示例坏行一公司,天河区,3670,100,2024\n"
    + f"{make_uscc('91440106MA9999999')},,天河区,3670,abc,2024\n"
)


def _wait(client, url: str, timeout: float = 60) -> dict:
    deadline = time.time() + timeout
    while True:
        job = client.get(url).json()
        assert 0.0 <= job["fraction"] <= 1.0
        if job["status"] in ("done", "failed"):
            return job
        assert time.time() < deadline, job
        time.sleep(0.05)


def test_history_lists_the_demo_batch(client, store):
    data = client.get("/api/v1/data/batches").json()
    demo = data["rows"][-1]
    assert (demo["kind"], demo["status"], demo["batch_id"]) == ("demo", "done", "1")
    assert demo["rows_loaded"] == {"value": store.count("enterprises"), "unit": "rows", "provenance": "synthetic"}
    assert demo["inserted"] == {"value": store.count("enterprises"), "unit": "firms", "provenance": "synthetic"}
    assert demo["synthetic"] is True
    assert [c["key"] for c in data["columns"]] == [
        "batch_id", "file", "kind", "finished_at", "status", "rows_total", "rows_loaded", "rows_quarantined",
        "inserted", "updated", "unchanged", "synthetic"]
    assert data["total"] == len(data["rows"]) == store.count("import_batches")


def test_sources_and_published_figures(client, store):
    sources = client.get("/api/v1/data/sources").json()
    assert sources["total"] == store.count("sources")
    assert sources["rows"][0].keys() == {"source_id", "title", "publisher", "date", "url", "note"}
    haizhu = next(s for s in sources["rows"] if s["source_id"] == "haizhu-gwr-2025")
    assert haizhu["note"] == {"zh": "海珠区2024年地区生产总值（3008.35亿元，增长5.4%），出自该区自己的政府工作报告。",
                              "en": "Haizhu District's 2024 GDP (300.835 billion yuan, +5.4%), from the district's own report."}
    assert next(c for c in sources["columns"] if c["key"] == "note")["type"] == "name"
    published = client.get("/api/v1/data/published", params={"scope": "city"}).json()
    assert published["total"] == len(published["rows"]) == store.scalar(
        "SELECT count(*) FROM published WHERE scope = 'city'")
    gdp = next(r for r in published["rows"] if r["figure_id"] == "gz-2023-gdp")
    source = "netease-haopin-2025"
    assert gdp["value"] == {"value": 30355.73, "unit": "yi_yuan", "provenance": source}
    assert gdp["growth"] == {"value": 4.6, "unit": "percent", "provenance": source}
    assert (gdp["unit"], gdp["year"], gdp["comparison"], gdp["metric"]) == ("yi_yuan", 2023, "=", "gdp")
    assert gdp["area_name"] == {"zh": "广州市", "en": "Guangzhou"}
    assert gdp["source_title"] == "广州，好拼！"
    assert gdp["source_url"] == "https://www.163.com/dy/article/JNTV4RBH0519B9KP.html"
    assert gdp["note"] == {"zh": "据报道", "en": "as reported"}
    assert all(set(r["note"]) == {"zh", "en"} for r in published["rows"])
    assert published["provenance"] == "published" and published["synthetic"] is False
    assert all(r["unit"] and r["source"] and r["value"]["provenance"] == r["source"] for r in published["rows"])
    nev = client.get("/api/v1/data/published", params={"node": "icv-nev"}).json()["rows"]
    units = {r["metric"]: r["value"]["unit"] for r in nev}
    assert units["nev_output_units"] == "wan_vehicles" and units["nev_national_share"] == "percent"
    assert {r["node_name"]["zh"] for r in nev} == {"智能网联与新能源汽车"}


@pytest.mark.parametrize("path", ["/api/v1/data/batches", "/api/v1/data/sources", "/api/v1/data/published",
                                  "/api/v1/data/quarantine"])
def test_every_table_downloads_as_xlsx(client, path):
    r = client.get(path, params={"format": "xlsx"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(r.content)).sheetnames == [SHEETS[path]]


SHEETS = {"/api/v1/data/batches": "导入历史", "/api/v1/data/sources": "来源清单",
          "/api/v1/data/published": "公开数字", "/api/v1/data/quarantine": "隔离区"}


def test_published_figures_download_with_units_as_words(client):
    ws = load_workbook(io.BytesIO(client.get("/api/v1/data/published",
                                             params={"format": "xlsx", "scope": "city"}).content)).active
    assert ws["A1"].value == "公开报道的真实数字（非示例数据），单位见“单位”列，来源见“来源”列"
    header = [c.value for c in ws[2]]
    assert header == ["公开数据", "地区", "节点", "指标", "年份", "比较", "数值", "单位", "增长（%）", "标题", "网址", "说明"]
    rows = {ws.cell(row=i, column=1).value: [c.value for c in ws[i]] for i in range(3, ws.max_row + 1)}
    assert rows["gz-2023-gdp"][1:9] == ["广州市", None, "地区生产总值", 2023, "等于", 30355.73, "亿元", 4.6]
    assert rows["gz-2023-gdp"][11] == "据报道"
    assert rows["gz-2024-gdp"][11] == "据报道：GDP超过3.1万亿元"
    en = load_workbook(io.BytesIO(client.get("/api/v1/data/published",
                                             params={"format": "xlsx", "scope": "city", "lang": "en"}).content)).active
    assert [c.value for c in en[2]][:4] == ["Published figure", "Area", "Node", "Metric"]
    row = next([c.value for c in en[i]] for i in range(3, en.max_row + 1) if en.cell(row=i, column=1).value == "gz-2023-gdp")
    assert row[1:9] == ["Guangzhou", None, "Gross regional product", 2023, "equals", 30355.73, "100m yuan", 4.6]
    assert (en.cell(row=2, column=12).value, row[11]) == ("Note", "as reported")


@pytest.mark.parametrize(("lang", "note"), [
    ("zh", "未核实：仅见于转载网站"), ("en", "unverified: secondary sites")])
def test_published_notes_follow_the_language(client, lang, note):
    ws = load_workbook(io.BytesIO(client.get("/api/v1/data/published", params={
        "format": "xlsx", "scope": "district", "lang": lang}).content)).active
    rows = {ws.cell(row=i, column=1).value: [c.value for c in ws[i]] for i in range(3, ws.max_row + 1)}
    assert len(rows) == 6 and rows["tianhe-2024-gdp"][11] == note
    sources = load_workbook(io.BytesIO(client.get("/api/v1/data/sources", params={
        "format": "xlsx", "lang": lang}).content)).active
    notes = {sources.cell(row=i, column=1).value: sources.cell(row=i, column=6).value
             for i in range(3, sources.max_row + 1)}
    assert notes["secondary-district-gdp-2024"].startswith(
        "未核实。天河、黄埔、越秀、白云、从化五个区" if lang == "zh" else "UNVERIFIED. 2024 GDP of Tianhe, Huangpu")


def test_upload_lands_good_rows_and_quarantines_bad_ones(fresh_client):
    c = fresh_client
    r = c.post("/api/v1/data/imports", files={"file": ("上传.csv", CSV.encode("utf-8"), "text/csv")})
    assert r.status_code == 202, r.text
    job = _wait(c, r.json()["url"])
    assert job["status"] == "done", job
    report = job["report"]
    assert report["file"] == "上传.csv"
    assert (report["rows_total"], report["rows_loaded"], report["rows_quarantined"]) == (5, 3, 2)
    assert report["enterprises"]["inserted"] == 3
    assert (job["stage"], job["stage_label"], job["fraction"]) == ("done", "完成", 1.0)
    assert report["reasons"] == [  # reason kinds (varying parts as …), most frequent first, ties by text
        {"reason": "企业名称: 缺少企业名称 (missing name)", "rows": 1},
        {"reason": "统一社会信用代码: 统一社会信用代码校验位错误 (check character wrong)", "rows": 1},
        {"reason": "营业收入: 无法解析的数值 … (not a number)", "rows": 1}]
    assert report["sheets"][0]["columns"] == [
        {"header": "统一社会信用代码", "field": "uscc"}, {"header": "企业名称", "field": "name"},
        {"header": "所属区", "field": "district"}, {"header": "国民经济行业代码", "field": "industry_code"},
        {"header": "营业收入（万元）", "field": "revenue"}, {"header": "年份", "field": "year"}]
    batch = job["batch_id"]

    q = c.get("/api/v1/data/quarantine", params={"batch": batch}).json()
    assert q["batch"] == batch and q["total"] == 2
    assert [r["row_number"] for r in q["rows"]] == ["5", "6"]
    assert any(reason["field"] == "uscc" for reason in q["rows"][0]["reasons"])
    fields = {reason["field"] for reason in q["rows"][1]["reasons"]}
    assert "name" in fields
    assert q["rows"][1]["reason_text"]["zh"].startswith("企业名称: 缺少企业名称 (missing name)")
    assert q["rows"][1]["reason_text"]["en"].startswith("Enterprise name: 缺少企业名称 (missing name)")
    assert q["reasons"] == {"uscc": 1, "name": 1, "revenue": 1}
    second = c.get("/api/v1/data/quarantine", params={"batch": batch, "limit": 1, "offset": 1}).json()
    assert [r["row_number"] for r in second["rows"]] == ["6"]
    assert (second["total"], second["limit"], second["offset"], second["reasons"]) == (2, 1, 1, q["reasons"])

    x = c.get("/api/v1/data/quarantine", params={"batch": batch, "format": "xlsx"})
    ws = load_workbook(io.BytesIO(x.content)).active
    header = [cell.value for cell in ws[2]]
    assert header[0] == "原行号" and header[-1] == "问题"
    assert "统一社会信用代码" in header
    assert ws.max_row == 4  # note, header, 2 rows

    history = c.get("/api/v1/data/batches").json()["rows"]
    assert history[0]["batch_id"] == str(batch) and history[0]["file"] == "上传.csv"
    assert (history[0]["kind"], history[0]["synthetic"], history[0]["rows_quarantined"]["value"]) == ("file", False, 2)
    # the caches were dropped: the new firm is searchable at once
    found = c.get("/api/v1/enterprises", params={"q": GOOD[0]}).json()
    assert found["total"] == 1 and found["rows"][0]["name"] == "示例上传甲公司"


def test_a_long_chinese_file_name_imports_and_keeps_its_extension(fresh_client):
    # 90 CJK characters are 270 UTF-8 bytes, over Linux's 255-byte file-name limit
    long_name = "广州市重点产业企业名录" * 9 + ".csv"
    r = fresh_client.post("/api/v1/data/imports", files={"file": (long_name, CSV.encode("utf-8"), "text/csv")})
    assert r.status_code == 202, r.text
    job = _wait(fresh_client, r.json()["url"])
    assert job["status"] == "done", job
    # 200 bytes at most: 4 for ".csv", 196 // 3 = 65 characters of the stem
    assert job["report"]["file"] == long_name[:65] + ".csv"
    assert job["report"]["rows_loaded"] == 3


def test_upload_name_keeps_the_extension_within_the_limits():
    from chanye.web.api.data import upload_name

    assert upload_name("a" * 300 + ".xlsx") == "a" * 115 + ".xlsx"  # 120 characters
    assert upload_name("企业" * 45 + ".csv") == ("企业" * 45)[:65] + ".csv"  # 65 * 3 + 4 = 199 bytes
    assert upload_name("C:\\Users\\分析员\\名录.csv") == "名录.csv"
    assert upload_name("../../etc/名录.xlsx") == "名录.xlsx"
    assert upload_name("名\x00录.csv") == "名录.csv"
    assert upload_name("") == "upload.csv"


@pytest.mark.parametrize("copies", [20, 300])  # refused while streaming / refused by Content-Length at once
def test_upload_over_the_limit_is_413(fresh_client, copies):
    c = fresh_client
    c.app.state.ctx.max_upload_bytes = 1024
    r = c.post("/api/v1/data/imports", files={"file": ("big.csv", (CSV * copies).encode("utf-8"), "text/csv")})
    assert r.status_code == 413
    err = r.json()["error"]
    assert err["title"] == "文件过大 File too large"
    assert err["message"].startswith("上传文件 ") and "超过上限 1 KB (upload too large)" in err["message"]
    assert "chanye import" in err["hint"]


def test_a_chunked_upload_is_refused_while_it_streams(fresh_client):
    # No Content-Length: the body arrives in 64 KB messages, straight through the ASGI interface (a test client
    # would read the whole body first). It is refused once it passes the limit + 64 KB of framing, long before
    # the 16 MB arrive.
    app = fresh_client.app
    app.state.ctx.max_upload_bytes = 1024
    head = b'--B\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
    chunks = [head] + [b"x" * (64 * 1024)] * 256 + [b"\r\n--B--\r\n"]
    received, sent = [], []

    async def receive():
        body = chunks[len(received)]
        received.append(len(body))
        return {"type": "http.request", "body": body, "more_body": len(received) < len(chunks)}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/v1/data/imports", "raw_path": b"/api/v1/data/imports", "query_string": b"",
             "root_path": "", "headers": [(b"host", b"testserver"),
                                          (b"content-type", b"multipart/form-data; boundary=B")],
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    with ThreadPoolExecutor(1) as pool:  # its own event loop: the browser tests may hold this thread's
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    assert sent[0]["status"] == 413
    assert "超过上限 1 KB (upload too large)" in json.loads(sent[1]["body"])["error"]["message"]
    assert len(received) == 3 and sum(received) == len(head) + 2 * 64 * 1024  # 2 chunks of 16 MB read


def test_a_broken_multipart_body_is_422(client):
    r = client.post("/api/v1/data/imports", content=b"--B\r\nnot a header\r\n",
                    headers={"content-type": "multipart/form-data"})  # no boundary
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "上传表单无法解析 (bad multipart form): Missing boundary in multipart."


def test_upload_of_an_unsupported_type_is_422(client):
    r = client.post("/api/v1/data/imports", files={"file": ("notes.docx", b"hello", "application/octet-stream")})
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "notes.docx: 不支持的文件类型 .docx (unsupported file type)"


def test_upload_without_a_file_is_422(client):
    r = client.post("/api/v1/data/imports", data={"year": "2024"})
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "没有收到文件 (no file in the upload)"


def test_bad_year_is_422(client):
    r = client.post("/api/v1/data/imports", data={"year": "20x4"},
                    files={"file": ("a.csv", CSV.encode(), "text/csv")})
    assert r.status_code == 422
    assert r.json()["error"]["message"].startswith("year:")


def test_a_file_without_a_header_fails_with_a_message(fresh_client):
    r = fresh_client.post("/api/v1/data/imports", files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")})
    job = _wait(fresh_client, r.json()["url"])
    assert job["status"] == "failed"
    assert "找不到可识别的表头" in job["error"]["message"]
    assert job["error"]["hint"]


def test_unknown_job_is_404(client):
    r = client.get("/api/v1/data/imports/nope")
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "没有导入任务 nope (no such import job)"


def test_unknown_batch_is_404(client):
    r = client.get("/api/v1/data/quarantine", params={"batch": 999})
    assert r.status_code == 404
