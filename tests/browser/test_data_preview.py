"""The 数据 page's upload in a browser (issue 15 data in): upload -> preview (mapping, units, first rows, the rows
to quarantine) -> change a unit in the mapping editor -> confirm -> the firm is in the registry with the chosen
unit applied; the progress bar is gone once the import finished; every batch has a labelled bar in the history
chart. Screenshots land in tests/browser/screenshots/ (data-preview.png, data-after-confirm.png)."""

from __future__ import annotations

import re

from chanye.registry.uscc import make_uscc

from .wait import wait_until

GOOD = [make_uscc(f"91440106MB{i:07d}") for i in range(2)]
NO_CODE = make_uscc("91440106MB0000009")
UNREAD = make_uscc("91440106MB0000008")


def test_upload_preview_change_unit_confirm(server, page, tmp_path, screenshots):
    csv = tmp_path / "预览上传.csv"
    csv.write_text("统一社会信用代码,企业名称,所属区,营业收入,年份,备注\n"
                   f"{GOOD[0]},示例浏览器预览甲公司,天河区,1200,2024,x\n"
                   f"{GOOD[1]},示例浏览器预览乙公司,黄埔区,800,2024,\n"
                   "91440101XXXXXXXXX1,示例浏览器坏行公司,火星区,abc,2024,\n", encoding="utf-8")
    page.goto(server["url"] + "/data?lang=zh")
    page.set_input_files("#upload-file", str(csv))
    page.click("#upload-submit")
    page.wait_for_selector("#preview-confirm:not([disabled])", state="visible", timeout=60_000)
    assert page.locator("#preview-summary").inner_text() == "共 3 行：将入库 2 行，隔离 1 行（3 条原因），空行 0 行"
    revenue = page.locator("#preview-mapping tbody tr").nth(3)
    assert revenue.locator("td").nth(5).inner_text() == "未注明，按默认"  # the unit assumed, shown
    assert revenue.locator("select[data-kind=unit]").input_value() == "wan_yuan"
    assert page.locator("#preview-unrecognised").inner_text() == "未识别的列（导入时忽略）：备注"
    assert page.locator("#preview-quarantine tbody tr").count() == 3
    assert page.locator("#preview-rows tbody tr").count() == 2
    page.screenshot(path=str(screenshots / "data-preview.png"), full_page=True)

    revenue.locator("select[data-kind=unit]").select_option("yi_yuan")  # 亿元: the editor re-previews
    wait_until(page, "document.querySelector('#preview-mapping tbody tr:nth-child(4) td:nth-child(6)')"
                     ".textContent === '已指定'", timeout=60_000)
    page.wait_for_selector("#preview-confirm:not([disabled])", timeout=60_000)
    assert "12,000,000" in page.locator("#preview-rows tbody tr").first.inner_text()  # 1200 亿元 in 万元
    page.click("#preview-confirm")
    page.wait_for_selector("#upload-line.done", timeout=90_000)
    assert page.locator("#preview").is_hidden()
    assert page.locator("#upload-progress").is_hidden()  # no full bar left behind: the result instead
    assert "入库" in page.locator("#upload-report").inner_text()
    wait_until(page, "document.querySelectorAll('#batches tbody tr').length >= 2", timeout=20_000)
    assert "预览上传.csv" in page.locator("#batches tbody tr").first.inner_text()
    # the table fits its card: nothing cut off at the right
    assert page.evaluate("(() => { const w = document.querySelector('#batches').closest('.table-wrap');"
                         " return w.scrollWidth <= w.clientWidth + 1; })()")
    page.screenshot(path=str(screenshots / "data-after-confirm.png"), full_page=True)
    store = server["app"].state.ctx.cursor()
    try:
        assert store.scalar("SELECT name FROM enterprises WHERE uscc = ?", [GOOD[0]]) == "示例浏览器预览甲公司"
        assert store.scalar("SELECT revenue FROM enterprise_years WHERE uscc = ?", [GOOD[0]]) == 12_000_000.0
    finally:
        store.close()
    assert not page.watch.errors


def test_a_file_without_codes_says_how_the_reader_did_on_the_registry(server, page, tmp_path, screenshots):
    """Issue 11: firms without a code are read from their scopes; the result says from how many coded firms the
    model learned, how the scope reader did on them and how its probabilities were recalibrated on them."""
    csv = tmp_path / "无代码.csv"
    csv.write_text("统一社会信用代码,企业名称,所属区,经营范围\n"
                   f"{NO_CODE},示例浏览器无代码公司,天河区,一般项目：锂离子电池制造；电池销售。\n"
                   f"{UNREAD},示例浏览器烟叶收购公司,天河区,烟叶收购\n", encoding="utf-8")
    page.goto(server["url"] + "/data?lang=zh")
    page.set_input_files("#upload-file", str(csv))
    page.click("#upload-submit")
    page.wait_for_selector("#preview-confirm:not([disabled])", state="visible", timeout=60_000)
    page.click("#preview-confirm")
    page.wait_for_selector("#upload-line.done", timeout=90_000)
    # the tobacco-leaf buyer's scope names no class: said apart
    assert re.fullmatch(r"按本库已有行业代码的 [\d,]+ 家企业学习，交叉验证准确率 \d{1,2}\.\d%；待复核 \d+ 家；"
                        r"其中 1 家的经营范围未读出任何小类，只有字面相近的建议或没有建议 归类复核",
                        page.locator("#upload-learned").inner_text()), page.locator("#upload-learned").inner_text()
    check = page.locator("#upload-reader-check").inner_text().split("\n")
    assert re.fullmatch(r"经营范围读取在本库有代码企业中抽查 [\d,]+ 家核对：最优小类即其代码 \d{1,2}\.\d%（大类 \d{1,2}\.\d%）",
                        check[0]), check
    assert re.fullmatch(r"概率已按这些企业重新校准：原曲线接受 \d{1,3}\.\d%、其中正确 \d{1,3}\.\d%；"
                        r"本库曲线接受 \d{1,3}\.\d%、其中正确 (\d{1,3}\.\d%|—)", check[1]), check
    page.screenshot(path=str(screenshots / "data-reader-check.png"), full_page=True)
    assert not page.watch.errors


def test_project_list_upload_card(server, page, tmp_path, screenshots):
    """The second card: a 项目清单 with one bad district lands two projects in one step; the line gives the
    counts and links, the batch tops the history and its rejected row fills the quarantine table."""
    csv = tmp_path / "浏览器项目清单.csv"
    csv.write_text("项目名称,投资主体,总投资（亿元）,所在区,进度\n"
                   "浏览器导入项目甲,示例甲投资公司,12,黄埔区,在建\n"
                   "浏览器导入项目乙,示例乙投资公司,8000万元,天河区,签约\n"
                   "浏览器导入项目丙,示例丙投资公司,3,火星区,洽谈\n", encoding="utf-8")
    page.goto(server["url"] + "/data?lang=zh")
    assert page.locator("#list-date-label").is_visible()
    page.select_option("#list-kind", "transformation")
    assert page.locator("#list-date-label").is_hidden()  # a date only for project lists
    page.select_option("#list-kind", "projects")
    page.set_input_files("#list-file", str(csv))
    assert page.locator("#list-file-name").inner_text() == "浏览器项目清单.csv"
    page.fill("#list-date", "2025-03-31")
    page.click("#list-submit")
    page.wait_for_selector("#list-line.done", timeout=60_000)
    line = page.locator("#list-line").inner_text()
    batch = server["app"].state.ctx.cursor().scalar("SELECT max(id) FROM import_batches")
    assert line == (f"导入完成 · 批次 {batch}：数据行 3，入库 2（新增 2、更新 0、未变 0），隔离 1 查看项目 · 隔离区")
    wait_until(page, "document.querySelector('#batches tbody tr td:nth-child(2)').textContent"
                     ".startsWith('浏览器项目清单.csv')", timeout=20_000)
    assert "火星区" in page.locator("#quarantine-table tbody tr").first.inner_text()
    assert page.locator("#quarantine-sub").inner_text() == f"批次 {batch} · 1 行"
    page.screenshot(path=str(screenshots / "data-list-import.png"), full_page=True)
    assert not page.watch.errors
