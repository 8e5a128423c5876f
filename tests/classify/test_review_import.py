"""Review decisions from a file (issue 11): the queue as a sheet to fill in (`services.review.queue_sheet`, the
/review XLSX, `chanye review export`), read back by `import_decisions` (`chanye review import`, the data page's
list upload): each decided row a manual label (a queued suggestion confirmed, any other class a correction),
blank rows left undecided, bad rows quarantined with every reason, the firms re-classified in one transaction."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chanye.classify.enterprises import classify_enterprises
from chanye.cli import app
from chanye.errors import InputError
from chanye.export import write_frame
from chanye.present import tables as present
from chanye.registry.store import Store
from chanye.services import review
from chanye.services.platform import Platform
from chanye.web.app import create_app

TRAVEL, TOBACCO, STOCK = "91440101MA00000003", "91440101MA00000005", "91440101MA00000006"
FIRMS = [(TRAVEL, "丙", "一般项目：工艺美术品及收藏品零售；票务代理服务；会议及展览服务。许可项目：旅游业务。"),
         (TOBACCO, "戊", "烟叶收购"), (STOCK, "己", "货物进出口")]


def _registry(path) -> None:
    with Store(path) as store:
        store.con.executemany(
            "INSERT INTO enterprises (uscc, name, industry_code, business_scope) VALUES (?, ?, NULL, ?)", FIRMS)
        from chanye.framework import load_pack

        with store.transaction():
            classify_enterprises(store, None, load_pack())


@pytest.fixture
def platform(tmp_path):
    _registry(tmp_path / "r.duckdb")
    store = Store(tmp_path / "r.duckdb")
    yield Platform(None, None, store=store)
    store.close()


def _labels(p) -> list[tuple]:
    return [(r["uscc"], r["code"], r["action"], r["decided_by"], r["note"]) for r in review.labels(p).rows]


def test_the_queue_as_a_sheet_to_fill_in(platform):
    sheet = review.queue_sheet(platform)
    frame = present.frame(sheet, "zh")
    assert list(frame.columns) == ["统一社会信用代码", "企业名称", "经营范围", "概率", "营业收入（最近一年）（万元）", "营收年份",
                                   "建议1 小类", "建议1 名称", "建议1 依据", "建议2 小类", "建议2 名称", "建议3 小类",
                                   "建议3 名称", "复核小类（填写）", "备注（填写）"]
    rows = {r["uscc"]: r for r in sheet.rows}
    assert [r["uscc"] for r in sheet.rows] == [TOBACCO, STOCK, TRAVEL]  # lowest probability first
    assert (rows[TRAVEL]["suggestion_1"], rows[TRAVEL]["suggestion_2"], rows[TRAVEL]["suggestion_3_name"]) == (
        "5246", "7298", "旅行社及相关服务")
    assert rows[STOCK]["suggestion_1"] is None and rows[STOCK]["suggestion_1_evidence"] is None
    assert (rows[TOBACCO]["review_code"], rows[TOBACCO]["review_note"]) == (None, None)


def test_the_filled_sheet_comes_back_as_labels(platform, tmp_path):
    path = tmp_path / "queue.xlsx"
    write_frame(present.frame(review.queue_sheet(platform), "zh"), path, sheet="归类复核")
    book = openpyxl.load_workbook(path)
    ws = book.active
    header = [c.value for c in ws[1]]
    code, note = header.index("复核小类（填写）") + 1, header.index("备注（填写）") + 1
    ws.cell(2, code, "5119")  # the tobacco-leaf buyer: not a suggestion, a correction (raw leaf is a farm good)
    ws.cell(2, note, "烟叶属农产品")
    ws.cell(4, code, 7291)  # the travel agency: its third suggestion, confirmed (a number, as Excel keeps it)
    for uscc, value in ((TOBACCO, "5128"), ("91440101MA99999999", "12")):  # the firm again; no such firm
        ws.append([uscc if n == 1 else value if n == code else None for n in range(1, len(header) + 1)])
    book.save(path)
    done = review.import_decisions(platform, path, by="ana")
    assert (done.rows_total, done.loaded, done.skipped, done.quarantined) == (5, 2, 1, 2)
    assert (done.inserted, done.updated, done.unchanged, done.links) == (2, 0, 0, 2)
    assert done.rejected == [
        {"file": "queue.xlsx", "sheet": "归类复核", "row": 5, "field": "uscc", "header": "统一社会信用代码",
         "reason": "与第 2 行是同一企业 (decided on row 2 already)"},
        {"file": "queue.xlsx", "sheet": "归类复核", "row": 6, "field": "uscc", "header": "统一社会信用代码",
         "reason": "登记库中没有企业 91440101MA99999999 (no such enterprise)"},
        {"file": "queue.xlsx", "sheet": "归类复核", "row": 6, "field": "code", "header": "复核小类（填写）",
         "reason": "'12' 不是 GB/T 4754-2017 小类代码 (not a 4-digit 2017 class)"}]
    assert _labels(platform) == [(TRAVEL, "7291", "confirm", "ana", ""), (TOBACCO, "5119", "correct", "ana", "烟叶属农产品")]
    assert [r["uscc"] for r in review.queue(platform).rows] == [STOCK]  # the undecided row stays queued
    links = platform.store.query("SELECT uscc, node, method FROM classifications ORDER BY uscc").to_dict("records")
    assert links == [{"uscc": TRAVEL, "node": "tourism", "method": "manual"},
                     {"uscc": TOBACCO, "node": "commerce", "method": "manual"}]
    # the batch and its quarantine, as every import's
    batch = platform.store.query("SELECT kind, file, rows_total, rows_loaded, rows_quarantined FROM import_batches "
                                 "WHERE id = ?", [done.batch]).to_dict("records")
    assert batch == [{"kind": "review", "file": str(path), "rows_total": 5, "rows_loaded": 2, "rows_quarantined": 2}]
    quarantined = platform.store.query("SELECT row_number, uscc, reasons::VARCHAR AS reasons FROM quarantine "
                                       "ORDER BY row_number").to_dict("records")
    assert [(q["row_number"], q["uscc"], [r["field"] for r in json.loads(q["reasons"])]) for q in quarantined] == [
        (5, TOBACCO, ["uscc"]), (6, "91440101MA99999999", ["uscc", "code"])]
    again = review.import_decisions(platform, path, by="bo")  # the same file again changes nothing
    assert (again.loaded, again.inserted, again.updated, again.unchanged) == (2, 0, 0, 2)
    assert _labels(platform)[1][3] == "ana"


def test_any_list_of_firms_and_classes_will_do(platform, tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_text(f"信用代码,改为,备注\n{STOCK},Ｆ５１８１,外贸代理\n{TRAVEL.lower()},C7291,\n{TOBACCO},,\n,5169,\n",
                    encoding="utf-8")
    done = review.import_decisions(platform, path, by="ana")
    assert (done.rows_total, done.loaded, done.skipped, done.quarantined) == (4, 2, 1, 1)
    assert done.rejected == [{"file": "decisions.csv", "sheet": "", "row": 5, "field": "uscc", "header": "信用代码",
                              "reason": "缺少统一社会信用代码 (no USCC)"}]
    # the row kept as it was, its empty cells null (valid JSON: no NaN)
    kept = platform.store.scalar("SELECT raw::VARCHAR FROM quarantine WHERE batch_id = ?", [done.batch])
    assert json.loads(kept) == {"信用代码": None, "改为": "5169", "备注": None}
    assert _labels(platform) == [(TRAVEL, "7291", "confirm", "ana", ""), (STOCK, "5181", "correct", "ana", "外贸代理")]
    path.write_text(f"统一社会信用代码,企业名称\n{TOBACCO},戊\n", encoding="utf-8")  # no class column
    with pytest.raises(InputError, match=r"decisions\.csv: 没有找到“统一社会信用代码”和“复核小类”两列"):
        review.import_decisions(platform, path)


def test_the_command_line_exports_and_imports(tmp_path):
    db = tmp_path / "c.duckdb"
    _registry(db)
    runner = CliRunner()
    out = runner.invoke(app, ["review", "export", str(tmp_path / "q.xlsx"), "--db", str(db)], catch_exceptions=False)
    assert out.stdout.startswith("已导出 3 家待复核企业 -> ")
    # one page at a time: the second firm of three (lowest probability first)
    listed = runner.invoke(app, ["review", "list", "--limit", "1", "--offset", "1", "--db", str(db)],
                           catch_exceptions=False, env={"COLUMNS": "200"}).stdout.splitlines()
    assert listed == ["待复核 3 家企业", f"{STOCK}  己  p=0.00", "  经营范围: 货物进出口",
                      "  经营范围未读出任何小类，也没有字面相近的小类：请用 chanye review correct 填写小类",
                      "显示第 2–2 家，共 3 家；下一页：--offset 2；全部：chanye review export 文件.xlsx"]
    paged = runner.invoke(app, ["review", "list", "--limit", "2", "--json", "--db", str(db)], catch_exceptions=False)
    assert [r["uscc"] for r in json.loads(paged.stdout)] == [TOBACCO, STOCK]
    (tmp_path / "d.csv").write_text(f"统一社会信用代码,复核小类\n{TOBACCO},5119\n{STOCK},99\n", encoding="utf-8")
    out = runner.invoke(app, ["review", "import", str(tmp_path / "d.csv"), "--db", str(db), "--by", "ana"],
                        catch_exceptions=False, env={"COLUMNS": "200"})
    assert out.stdout.splitlines() == [
        "复核结果已导入（批次 1）：数据行 2，记为人工标注 1（新增 1、改动 0、未变 0），未填小类 0，隔离 1；重新归类后节点关联 1",
        "  d.csv 第 3 行 · 复核小类：'99' 不是 GB/T 4754-2017 小类代码 (not a 4-digit 2017 class)"]


def test_the_data_page_uploads_decisions(tmp_path):
    db = tmp_path / "w.duckdb"
    _registry(db)
    web = create_app(db)
    with TestClient(web, base_url="http://127.0.0.1") as c:
        book = openpyxl.load_workbook(io.BytesIO(c.get("/review?format=xlsx&table=queue").content))
        header = [cell.value for cell in book.active[2]]  # below the provenance line
        assert header[-2:] == ["复核小类（填写）", "备注（填写）"]
        answer = c.post("/api/v1/data/review/imports", headers={"Origin": "http://127.0.0.1"},
                        files={"file": ("d.csv", f"统一社会信用代码,复核小类\n{TOBACCO},5119\n".encode(), "text/csv")})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (body["kind"], body["loaded"], body["inserted"], body["quarantined"]) == ("review", 1, 1, 0)
        assert body["links"] == {"view": "/review?lang=zh"}
        assert "待复核 2 家企业" in c.get("/review").text
        page = c.get("/data").text
        assert '<option value="review">归类复核结果（统一社会信用代码、复核小类）</option>' in page
    web.state.ctx.store.close()


def test_the_page_shows_the_latest_labels_and_downloads_all(tmp_path, monkeypatch):
    from chanye.web import pages_review

    monkeypatch.setattr(pages_review, "LATEST_LABELS", 1)
    db = tmp_path / "l.duckdb"
    _registry(db)
    web = create_app(db)
    with TestClient(web, base_url="http://127.0.0.1") as c:
        c.post("/api/v1/data/review/imports", headers={"Origin": "http://127.0.0.1"},
               files={"file": ("d.csv", f"统一社会信用代码,复核小类\n{TOBACCO},5119\n{STOCK},5181\n".encode(), "text/csv")})
        html = c.get("/review").text
        twin = c.get("/review.json").json()
        book = openpyxl.load_workbook(io.BytesIO(c.get("/review?format=xlsx&table=labels").content))
    web.state.ctx.store.close()
    assert '<span class="sub" id="labels-latest">最近 1 条，共 2 条</span>' in html
    assert html.count("<tr data-uscc=") == 1 + 1  # the travel agency still queued, one label shown
    assert (twin["labels"]["total"], len(twin["labels"]["rows"])) == (2, 1)
    assert sorted(r[0] for r in book.active.iter_rows(values_only=True) if str(r[0]).startswith("9144")) == [
        TOBACCO, STOCK]


def test_the_largest_firms_first(platform, tmp_path):
    """An analyst reviews first the firms that weigh most in a cluster's totals: ordered by their latest reported
    营业收入 (万元), firms without one last, then as the default order (lowest probability, then code)."""
    platform.store.con.executemany(
        "INSERT INTO enterprise_years (uscc, year, revenue) VALUES (?, ?, ?)",
        [(TRAVEL, 2023, 900.0), (TRAVEL, 2024, 1200.5), (TRAVEL, 2025, None), (STOCK, 2024, 80.0)])
    assert [r["uscc"] for r in review.queue(platform).rows] == [TOBACCO, STOCK, TRAVEL]
    by_size = review.queue(platform, order="revenue")
    assert [(r["uscc"], r["revenue"], r["revenue_year"]) for r in by_size.rows] == [
        (TRAVEL, 1200.5, 2024), (STOCK, 80.0, 2024), (TOBACCO, None, None)]
    assert [r["uscc"] for r in review.queue(platform, order="revenue", limit=1, offset=1).rows] == [STOCK]
    assert [r["uscc"] for r in review.queue_sheet(platform, "revenue").rows] == [TRAVEL, STOCK, TOBACCO]
    with pytest.raises(InputError, match="复核队列的排序只能是 probability、revenue，而不是 'size'"):
        review.queue(platform, order="size")


def test_the_page_and_the_command_line_order_by_size(tmp_path):
    db = tmp_path / "o.duckdb"
    _registry(db)
    with Store(db) as store:
        store.con.execute("INSERT INTO enterprise_years (uscc, year, revenue) VALUES (?, 2024, 12345.6)", [STOCK])
    web = create_app(db)
    with TestClient(web, base_url="http://127.0.0.1") as c:
        default = c.get("/review").text
        by_size = c.get("/review?order=revenue").text
        bad = c.get("/review?order=size")
    web.state.ctx.store.close()
    # (named apart from the table's own column sort, which orders one page only)
    assert ('id="review-order">复核先后（全部待复核企业）：<strong>概率从低到高</strong> · '
            '<a href="/review?order=revenue">营业收入从大到小') in default
    assert by_size.index(f'data-uscc="{STOCK}"') < by_size.index(f'data-uscc="{TOBACCO}"')
    assert '<span class="sub revenue">营收 12,346 万元（2024）</span>' in by_size
    assert '<a href="/review">概率从低到高</a> · <strong>营业收入从大到小' in by_size
    assert bad.status_code == 422 and "复核队列的排序只能是 probability、revenue" in bad.text
    listed = CliRunner().invoke(app, ["review", "list", "--order", "revenue", "--limit", "1", "--db", str(db)],
                                catch_exceptions=False, env={"COLUMNS": "200"}).stdout.splitlines()
    assert listed[:2] == ["待复核 3 家企业", f"{STOCK}  己  p=0.00  营收 12,346 万元（2024）"]
