"""`chanye report` and GET /report.pdf|.docx: the same report from a command and from the 生成报告 button of the
overview, cluster and district pages; clear bilingual errors for a period without data, a wrong file type, an
unknown node."""

from __future__ import annotations

import io

import pytest
from docx import Document as Word
from typer.testing import CliRunner

from chanye.cli import app

from .pdf import pdf_pages

runner = CliRunner()
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TIANHE_HEADINGS = ["一、摘要", "二、总体情况", "三、战略性产业集群与未来产业", "四、分区情况", "五、重点产业链",
                   "六、发展机会", "七、目标进度", "八、数据说明", "九、来源"]


def headings(data: bytes) -> list[str]:
    return [p.text for p in Word(io.BytesIO(data)).paragraphs if p.style.name == "Heading 1"]


def test_cli_writes_a_district_report_for_q4_from_the_years_figures(demo_db, tmp_path) -> None:
    out = tmp_path / "天河.docx"
    result = runner.invoke(app, ["report", "--db", str(demo_db), "--period", "2024Q4", "--district", "天河",
                                 "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"已生成监测报告 -> {out}（9 个部分，")
    word = Word(io.BytesIO(out.read_bytes()))
    texts = [p.text for p in word.paragraphs]
    assert [t for t, p in zip(texts, word.paragraphs, strict=True) if p.style.name == "Heading 1"] == TIANHE_HEADINGS
    assert texts[texts.index("天河区现代化产业体系发展监测报告") + 1] == "2024年第四季度"
    assert "登记库只有年度数据：报告期 2024Q4 按 2024 年全年数据编制。" in texts
    assert any(t.startswith("天河区广州") and "占全市的" in t for t in texts)  # the district's share, in the summary


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2024Q2", "-o", "x.pdf"], "报告期 2024Q2 无法编制：登记库只有年度数据"),
    (["--period", "2019", "-o", "x.pdf"], "没有 2019 年的数据 (no data for 2019)"),
    (["-o", "x.txt"], "报告只能写成 .pdf 或 .docx，不能是 .txt (the report is .pdf or .docx)"),
    (["--node", "nope", "-o", "x.pdf"], "中没有节点 'nope'"),
    (["--district", "火星区", "-o", "x.pdf"], "没有这个区: 火星区"),
    (["--lang", "fr", "-o", "x.pdf"], "未知的语言 'fr' (unknown language)"),
])
def test_cli_errors_are_one_clear_line(demo_db, tmp_path, args, message) -> None:
    result = runner.invoke(app, ["report", "--db", str(demo_db), *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_web_pdf_in_english_for_a_node(report_client) -> None:
    r = report_client.get("/report.pdf", params={"period": "2024", "node": "icv-nev", "lang": "en"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == (
        "attachment; filename=\"chanye-report-2024.pdf\"; "
        "filename*=UTF-8''Guangzhou%20Modern%20Industrial%20System%20Monitoring%20Report-2024.pdf")
    assert r.content.startswith(b"%PDF")


def test_web_pdf_pages_are_marked(report_client, tmp_path) -> None:
    r = report_client.get("/report.pdf", params={"district": "440106"})
    path = tmp_path / "r.pdf"
    path.write_bytes(r.content)
    pages = pdf_pages(path)
    assert [i for i, text in enumerate(pages) if "示例数据" not in text] == []
    assert "天河区现代化产业体系发展监测报告" in pages[0]


def test_web_docx_has_the_sections(report_client) -> None:
    r = report_client.get("/report.docx", params={"period": "2024-12", "district": "天河区"})
    assert r.status_code == 200
    assert r.headers["content-type"] == DOCX
    assert headings(r.content) == TIANHE_HEADINGS


@pytest.mark.parametrize(("query", "status", "message"), [
    ({"period": "2024Q2"}, 422, "报告期 2024Q2 无法编制"),
    ({"node": "nope"}, 404, "中没有节点 'nope'"),
    ({"period": "abc"}, 422, "period"),
])
def test_web_errors_in_the_apps_shape(report_client, query, status, message) -> None:
    r = report_client.get("/report.pdf", params=query, headers={"Accept": "application/json"})
    assert r.status_code == status
    assert message in r.json()["error"]["message"]


@pytest.mark.parametrize(("page", "query"), [
    ("/", "lang=zh&amp;period=2024"),
    ("/cluster/icv-nev", "lang=zh&amp;period=2024&amp;node=icv-nev"),
    ("/district/440106", "lang=zh&amp;period=2024&amp;district=440106"),
    ("/district/440106?lang=en", "lang=en&amp;period=2024&amp;district=440106"),
])
def test_the_pages_offer_the_report(report_client, page, query) -> None:
    html = report_client.get(page).text
    assert f'href="/report.pdf?{query}" data-role="report-pdf"' in html
    assert f'href="/report.docx?{query}" data-role="report-docx"' in html
    assert ("生成报告 · PDF" if "lang=en" not in page else "Generate report · PDF") in html


def test_openapi_declares_the_files(report_client) -> None:
    spec = report_client.get("/openapi.json").json()
    for path, media in (("/report.pdf", "application/pdf"), ("/report.docx", DOCX)):
        op = spec["paths"][path]["get"]
        assert op["responses"]["200"]["content"] == {media: {"schema": {"type": "string", "format": "binary"}}}
        assert [p["name"] for p in op["parameters"]] == ["period", "node", "district", "lang"]
        assert op["responses"]["404"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorBody"}
