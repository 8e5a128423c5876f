"""Templates are data: a pack's report/report.yaml orders and names the sections; packs without one use the
shared default; a bad template names its file and line."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from docx import Document as Word

from chanye.errors import ChanyeError, PackInvalid
from chanye.framework import load_pack
from chanye.framework.model import Name
from chanye.framework.report import ReportSection, ReportTemplate, load_template
from chanye.report import document, render

TINY = Path(__file__).parents[1] / "fixtures" / "packs" / "tiny"


@pytest.mark.parametrize(("pack", "path", "ids"), [
    ("guangzhou-12218", "guangzhou-12218/report/report.yaml",
     ["summary", "overall", "clusters", "districts", "chains", "opportunities", "projects", "targets", "notes",
      "sources"]),
    ("shenzhen-20-8", "shenzhen-20-8/report/report.yaml",
     ["summary", "clusters", "targets", "overall", "districts", "chains", "opportunities", "projects", "notes",
      "sources"]),
    ("guangzhou-14th-fyp", "report.yaml",  # no template of its own: the shared default
     ["summary", "overall", "clusters", "districts", "chains", "opportunities", "projects", "targets", "notes",
      "sources"]),
])
def test_each_pack_has_a_template(pack, path, ids) -> None:
    template = load_template(load_pack(pack))
    assert template.path == path
    assert [s.id for s in template.sections] == ids


def _pack_with(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    (folder / "report").mkdir()
    (folder / "report" / "report.yaml").write_text(text, encoding="utf-8")
    return folder


def test_a_pack_reorders_and_renames_sections_without_code(tmp_path) -> None:
    folder = _pack_with(tmp_path, """report:
  title: {zh: "{area}月度监测", en: "{area} monthly monitor"}
  sections:
    - id: targets
      title: {zh: 目标完成情况, en: Targets}
    - id: summary
""")
    template = load_template(load_pack(folder))
    assert template.path == "tiny/report/report.yaml"
    assert [(s.id, s.title) for s in template.sections] == [("targets", Name(zh="目标完成情况", en="Targets")),
                                                           ("summary", None)]


@pytest.mark.parametrize(("text", "message"), [
    ("report:\n  title: {zh: 甲, en: A}\n  sections:\n    - id: summary\n    - id: nonsense\n",
     r"tiny/report/report.yaml:5: report\.sections\.1\.id: Input should be 'summary'"),
    ("report:\n  title: {zh: 甲, en: A}\n  sections:\n    - id: summary\n    - id: summary\n",
     r"tiny/report/report.yaml:3: report\.sections: 章节重复 \(section listed twice\): summary"),
    ("report:\n  title: {zh: 甲, en: A}\n  sections: []\n", r"tiny/report/report.yaml:3: report\.sections"),
    ("report:\n  title: [\n", r"tiny/report/report.yaml:3: YAML 语法错误 \(bad YAML\)"),
])
def test_a_bad_template_names_its_file_and_line(tmp_path, text, message) -> None:
    folder = _pack_with(tmp_path, text)
    with pytest.raises(PackInvalid, match=message):
        load_template(load_pack(folder))


def _template(*ids: str, **extra) -> ReportTemplate:
    return ReportTemplate(title=Name(zh="{area}测试报告", en="{area} test report"),
                          sections=[ReportSection(id=i) for i in ids], **extra)


def test_the_document_follows_the_template(platform) -> None:
    doc = document.build(platform, "2024", template=_template("targets", "summary", "sources"))
    word = Word(io.BytesIO(render.render(doc, "docx")))
    assert [p.text for p in word.paragraphs if p.style.name == "Heading 1"] == ["一、目标进度", "二、摘要", "三、来源"]
    assert doc.title == "广州市测试报告"
    en = document.build(platform, "2024", lang="en", template=_template("notes", "summary"))
    assert [s.heading for s in en.sections] == ["1. Notes on the data", "2. Summary"]
    assert en.title == "Guangzhou test report"


def test_template_wording_replaces_a_summary_sentence(platform) -> None:
    wording = {"chains_gaps": Name(zh="产业链缺链{missing}个、弱链{weak}个。", en="{missing} missing, {weak} weak.")}
    doc = document.build(platform, "2024", template=_template("summary", wording=wording))
    chains = platform.chains().summary.rows
    missing, weak = sum(r["missing"] for r in chains), sum(r["weak"] for r in chains)
    assert f"产业链缺链{missing}个、弱链{weak}个。" in [b.text for b in doc.sections[0].blocks]


def test_template_wording_with_an_unknown_sentence_is_refused(platform) -> None:
    bad = _template("summary", wording={"fastst": Name(zh="甲", en="A")})
    with pytest.raises(ChanyeError, match=r"wording 中有未知的句子: fastst \(unknown sentence keys"):
        document.build(platform, "2024", template=bad)
