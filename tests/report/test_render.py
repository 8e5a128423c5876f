"""The monitoring report of the demo database as PDF and Word: sections in the template's order, the tables'
numbers equal the scoreboard's, 示例数据 on every page, the CJK fonts embedded (pdffonts) and set as East-Asian
fonts in Word."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from docx import Document as Word
from docx.oxml.ns import qn

from chanye.report import document, render

from .pdf import pdf_pages, poppler

GUANGZHOU_HEADINGS = ["一、摘要", "二、总体情况", "三、战略性产业集群与未来产业", "四、分区情况", "五、重点产业链",
                      "六、发展机会", "七、目标进度", "八、数据说明", "九、来源"]
INDUSTRY = ("cluster", "future", "service")


@pytest.fixture(scope="module")
def doc(platform) -> document.Document:
    return document.build(platform, "2024", lang="zh")


@pytest.fixture(scope="module")
def pdf_file(doc, tmp_path_factory) -> Path:
    return render.write(doc, tmp_path_factory.mktemp("report") / "报告.pdf")


@pytest.fixture(scope="module")
def word(doc) -> Word:
    return Word(io.BytesIO(render.render(doc, "docx")))


@pytest.fixture(scope="module")
def expected_clusters(platform) -> list[list[str]]:
    """Table 2 worked out from the scoreboard: industries by scale (their own scale metric), 1 decimal."""
    nodes = platform.scoreboard_tables(year=2024)["nodes"]
    rows = [r for r in nodes.rows if r["kind"] in INDUSTRY]
    rows.sort(key=lambda r: -r[r["scale_metric"]])
    return [[r["node"]["zh"], f"{r[r['scale_metric']]:,.1f}", f"{r['yoy']:,.1f}" if r["yoy"] is not None else "—",
             f"{r['enterprises']:,.0f}"] for r in rows]


def headings(w: Word, style: str = "Heading 1") -> list[str]:
    return [p.text for p in w.paragraphs if p.style.name == style]


def test_word_has_the_templates_sections_as_real_headings(word) -> None:
    assert headings(word) == GUANGZHOU_HEADINGS
    assert headings(word, "Heading 2") == ["（一）千亿级产业集群"]


def test_word_tables_hold_the_scoreboards_numbers(word, expected_clusters, platform) -> None:
    clusters = next(t for t in word.tables if t.rows[0].cells[0].text == "节点" and t.rows[0].cells[1].text == "层级")
    heads = [c.text for c in clusters.rows[0].cells]
    assert heads == ["节点", "层级", "规模指标", "规模（亿元）", "同比增长（%）", "占全市比重（%）", "增长贡献（百分点）",
                     "企业数（家）", "千亿级"]
    got = [[row.cells[i].text for i in (0, 3, 4, 7)] for row in clusters.rows[1:]]
    assert got == expected_clusters
    system = platform.scoreboard_tables(year=2024)["nodes"].rows[0]
    overall = word.tables[0]
    assert [c.text for c in overall.rows[1].cells][:3] == [
        system["node"]["zh"], f"{system['industrial_output']:,.1f}", f"{system['revenue']:,.1f}"]


def test_word_sets_east_asian_fonts_and_marks_every_page(word) -> None:
    def east_asian(style: str) -> str:
        return word.styles[style].element.rPr.rFonts.get(qn("w:eastAsia"))

    assert east_asian("Normal") == "Noto Serif CJK SC"
    assert east_asian("Heading 1") == "Noto Sans CJK SC"
    assert east_asian("Title") == "Noto Sans CJK SC"
    for section in word.sections:  # the header and footer of every page
        assert "示例数据" in section.header.paragraphs[0].text
        assert section.footer.paragraphs[0].text.startswith("示例数据")


def test_pdf_is_a4_with_every_page_marked(pdf_file) -> None:
    info = poppler("pdfinfo", str(pdf_file))
    assert re.search(r"Page size:\s+595\.2\d* x 841\.8\d* pts \(A4\)", info)
    pages = pdf_pages(pdf_file)
    assert len(pages) >= 8
    unmarked = [i + 1 for i, text in enumerate(pages) if "示例数据" not in text]
    assert unmarked == []
    numbered = [i + 1 for i, text in enumerate(pages) if not re.search(rf"—\s*{i + 1}\s*—", text)]
    assert numbered == []


def test_pdf_has_contents_and_the_sections_in_order(pdf_file) -> None:
    pages = pdf_pages(pdf_file)
    assert "目  录" in pages[1] or "目 录" in pages[1]
    for heading in GUANGZHOU_HEADINGS:  # the contents page lists every section
        assert heading in pages[1], heading
    body = "\n".join(pages[2:])
    positions = [body.find(h) for h in GUANGZHOU_HEADINGS]
    assert -1 not in positions and positions == sorted(positions)


def test_pdf_tables_hold_the_scoreboards_numbers(pdf_file, expected_clusters) -> None:
    text = "\n".join(pdf_pages(pdf_file))
    lines = [line.strip() for line in text.splitlines()]
    for name, scale, yoy, firms in expected_clusters:
        row = next((line for line in lines if line.startswith(name + " ")), None)
        assert row is not None, name
        cells = row.split()  # zh names, kinds and metrics hold no spaces
        assert [scale, yoy, firms] == [cells[3], cells[4], cells[7]], row


def test_pdf_embeds_the_cjk_fonts(pdf_file) -> None:
    out = poppler("pdffonts", str(pdf_file)).splitlines()[2:]
    fonts = {line.split()[0].split("+")[-1]: line.split() for line in out if line.strip()}
    assert {"NotoSansCJKsc-Regular-Identity-H", "NotoSansCJKsc-Bold-Identity-H",
            "NotoSerifCJKsc-Regular-Identity-H", "NotoSerifCJKsc-Bold-Identity-H"} <= set(fonts)
    # emb and sub are "yes" for every font: no glyph left to a viewer's substitute (no tofu)
    assert [name for name, cols in fonts.items() if cols[-5:-3] != ["yes", "yes"]] == []


def test_the_summary_speaks_of_the_demo_figures(doc, platform) -> None:
    nodes = platform.scoreboard_tables(year=2024)["nodes"]
    head = nodes.rows[0]
    first = doc.sections[0].blocks[0].text
    assert first == (f"2024年，{head['node']['zh']}工业总产值{head['industrial_output']:,.1f}亿元，"
                     f"同比增长{head['yoy']:.1f}%，涉及企业{head['enterprises']:,.0f}家。")
    assert doc.sections[0].blocks[-1].text == "本报告中的企业与登记库指标为合成的示例数据，不代表真实企业或官方统计。"
