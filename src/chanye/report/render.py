"""Write a report `Document` as PDF (Typst, `templates/report.typ`, with the Noto CJK fonts embedded) or Word
(python-docx: real headings and tables, East-Asian fonts set on every style and run so Word shows 黑体/宋体
faces, a contents field, the 示例数据 mark in every page's header and footer)."""

from __future__ import annotations

import io
import json
import unicodedata
from pathlib import Path

from chanye.errors import InputError
from chanye.present import report_words as rw
from chanye.report import fonts
from chanye.report.document import ChartBlock, Document, Heading, Paragraph, TableBlock

TEMPLATE = Path(__file__).parent / "templates" / "report.typ"
FORMATS = {".pdf": "pdf", ".docx": "docx"}
MEDIA_TYPES = {"pdf": "application/pdf",
               "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def format_of(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"报告只能写成 .pdf 或 .docx，不能是 {suffix or '(无扩展名)'} (the report is .pdf or .docx)",
                         hint="例如 -o 报告.pdf 或 -o 报告.docx")
    return FORMATS[suffix]


def write(doc: Document, path: str | Path) -> Path:
    path = Path(path)
    data = render(doc, format_of(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def render(doc: Document, fmt: str) -> bytes:
    if fmt == "pdf":
        return pdf(doc)
    if fmt == "docx":
        return docx(doc)
    raise InputError(f"未知的报告格式 {fmt[:10]!r} (unknown report format)", hint="pdf 或 docx")


# --- PDF ------------------------------------------------------------------------------------------------------


def _width(text: str) -> int:
    """Display width: CJK characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_widths(block: TableBlock) -> list[float]:
    """Relative widths from the content: a header wraps (so counts half), text columns get more room."""
    out = []
    for i, head in enumerate(block.headers):
        longest = max([_width(r[i]) for r in block.rows] or [0])
        # a short header (千亿级, 目标年份) stays on one line; a long one may wrap onto two
        out.append(float(min(max(longest, min(_width(head), 8), _width(head) * 0.5, 4), 40)))
    return out


def typst_data(doc: Document) -> dict:
    sections = []
    for s in doc.sections:
        blocks = []
        for b in s.blocks:
            if isinstance(b, Heading):
                blocks.append({"type": "heading", "text": b.text})
            elif isinstance(b, Paragraph):
                blocks.append({"type": "paragraph", "text": b.text, "kind": b.kind})
            elif isinstance(b, TableBlock):
                blocks.append({"type": "table", "caption": b.caption, "headers": b.headers, "rows": b.rows,
                               "numeric": b.numeric, "note": b.note, "widths": column_widths(b)})
            elif isinstance(b, ChartBlock):
                blocks.append({"type": "chart", "caption": b.caption, "svg": b.svg, "note": b.note})
        sections.append({"heading": s.heading, "blocks": blocks})
    return {"lang": doc.lang, "title": doc.title, "subtitle": doc.subtitle, "issuer": doc.issuer,
            "date": doc.date, "mark": doc.mark, "contents": rw.word("contents", doc.lang),
            "banner": rw.word("synthetic_banner", doc.lang) if doc.synthetic else "", "sections": sections}


def pdf(doc: Document) -> bytes:
    import typst

    found = fonts.find()
    data = json.dumps(typst_data(doc), ensure_ascii=False)
    # System fonts off: the PDF embeds exactly the Noto CJK files, wherever it is rendered.
    return typst.compile(str(TEMPLATE), font_paths=found.dirs, ignore_system_fonts=True,
                         sys_inputs={"report": data}, format="pdf")


# --- Word -----------------------------------------------------------------------------------------------------


def _east_asian(style_or_run, family: str, latin: str | None = None) -> None:
    """Set the East-Asian font (w:eastAsia), which python-docx's `font.name` leaves alone."""
    from docx.oxml.ns import qn

    element = style_or_run.element
    rpr = element.get_or_add_rPr()
    fonts_el = rpr.find(qn("w:rFonts"))
    if fonts_el is None:
        fonts_el = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts_el)
    fonts_el.set(qn("w:eastAsia"), family)
    fonts_el.set(qn("w:ascii"), latin or family)
    fonts_el.set(qn("w:hAnsi"), latin or family)


def _field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, TOC): Word computes it when the file opens (updateFields is on)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind: str):
        run = OxmlElement("w:r")
        fld = OxmlElement("w:fldChar")
        fld.set(qn("w:fldCharType"), kind)
        run.append(fld)
        return run

    p = paragraph._p
    p.append(char("begin"))
    run = OxmlElement("w:r")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run.append(instr)
    p.append(run)
    p.append(char("separate"))
    text_run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = placeholder
    text_run.append(t)
    p.append(text_run)
    p.append(char("end"))


def docx(doc: Document) -> bytes:
    from docx import Document as Word
    from docx.enum.section import WD_SECTION
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    word = Word()
    red = RGBColor(0xC0, 0x00, 0x00)
    styles = word.styles
    # 宋体-style body, 黑体-style headings: the Noto families the PDF embeds, with the Windows fonts a bureau
    # has as Word's fallback when they are missing (Word substitutes by the eastAsia name's panose).
    body_font, head_font = fonts.SERIF, fonts.SANS
    for name, family, size in (("Normal", body_font, 11), ("Title", head_font, 22), ("Subtitle", head_font, 14),
                               ("Heading 1", head_font, 15), ("Heading 2", head_font, 12.5),
                               ("Heading 3", head_font, 11), ("Caption", head_font, 10)):
        style = styles[name]
        style.font.name = family
        style.font.size = Pt(size)
        if name.startswith("Heading") or name == "Title":
            style.font.color.rgb = RGBColor(0, 0, 0)
            style.font.bold = True
        _east_asian(style, family)
    settings = word.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)

    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(30), Mm(27)
    section.left_margin, section.right_margin = Mm(27), Mm(25)
    section.header.is_linked_to_previous = False
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = header.add_run(f"{doc.title}    {doc.mark}".rstrip())
    run.font.size = Pt(8.5)
    if doc.mark:
        run.font.color.rgb = red
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if doc.mark:
        mark = footer.add_run(doc.mark + "    ")
        mark.font.color.rgb = red
        mark.font.size = Pt(9)
    footer.add_run("— ")
    _field(footer, "PAGE", "1")
    footer.add_run(" —")

    # cover
    if doc.mark:
        p = word.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        r = p.add_run(doc.mark)
        r.bold, r.font.color.rgb, r.font.size = True, red, Pt(12)
    for _ in range(5):
        word.add_paragraph()
    title = word.add_paragraph(doc.title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle = word.add_paragraph(doc.subtitle, style="Subtitle")
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in (doc.issuer, doc.date):
        p = word.add_paragraph(text)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if doc.synthetic:
        p = word.add_paragraph()
        r = p.add_run(rw.word("synthetic_banner", doc.lang))
        r.font.color.rgb = red
    word.add_page_break()
    contents = word.add_paragraph()  # not a heading: the contents do not list themselves
    contents.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = contents.add_run(rw.word("contents", doc.lang))
    run.bold, run.font.size = True, Pt(16)
    _east_asian(run, head_font)
    _field(word.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u',
           "（打开文件时更新目录）" if doc.lang == "zh" else "(the contents update when the file opens)")
    word.add_section(WD_SECTION.NEW_PAGE)

    indent = Pt(22) if doc.lang == "zh" else Pt(0)
    for s in doc.sections:
        word.add_heading(s.heading, level=1)
        for b in s.blocks:
            if isinstance(b, Heading):
                word.add_heading(b.text, level=2)
            elif isinstance(b, Paragraph):
                p = word.add_paragraph(b.text)
                p.paragraph_format.first_line_indent = indent
                if b.kind in ("note", "banner"):
                    for r in p.runs:
                        r.font.size = Pt(9.5)
                        r.font.color.rgb = red if b.kind == "banner" else RGBColor(0x40, 0x40, 0x40)
            elif isinstance(b, TableBlock):
                cap = word.add_paragraph(b.caption, style="Caption")
                cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
                t = word.add_table(rows=1, cols=len(b.headers))
                t.style = "Table Grid"
                t.alignment = WD_TABLE_ALIGNMENT.CENTER
                for i, head in enumerate(b.headers):
                    c = t.rows[0].cells[i]
                    c.text = ""
                    r = c.paragraphs[0].add_run(head)
                    r.bold = True
                    r.font.size = Pt(8.5)
                    _east_asian(r, head_font)
                _repeat_header(t.rows[0])
                for row in b.rows:
                    cells = t.add_row().cells
                    for i, value in enumerate(row):
                        para = cells[i].paragraphs[0]
                        r = para.add_run(value)
                        r.font.size = Pt(8.5)
                        if b.numeric[i]:
                            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                note = word.add_paragraph(b.note)
                for r in note.runs:
                    r.font.size = Pt(8)
            elif isinstance(b, ChartBlock):
                p = word.add_paragraph()
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                p.add_run().add_picture(io.BytesIO(b.png), width=Mm(156))
                cap = word.add_paragraph(b.caption, style="Caption")
                cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
                note = word.add_paragraph(b.note)
                note.alignment = WD_ALIGN_PARAGRAPH.CENTER
                for r in note.runs:
                    r.font.size = Pt(8)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _repeat_header(row) -> None:
    """The header row repeats on every page a long table runs over."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)
