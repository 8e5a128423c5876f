"""The monitoring report's template (产业发展监测报告): data, not code. A pack may ship `report/report.yaml`
(section order, section titles, lead paragraphs, summary wording); a pack without one uses the shared default
`framework/defaults/report.yaml`. Read with line numbers like every pack file, so a bad template names its
file and line. The report itself is built by `chanye.report`."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from chanye.errors import PackInvalid
from chanye.framework.model import Framework, Name, _Strict
from chanye.framework.read import summary
from chanye.framework.yamlfile import parse_file, read_yaml

# Every section the report knows, in its default order. `projects` appears only where the registry has the
# projects capability; a template may leave any section out or reorder them.
SECTION_IDS = ("summary", "overall", "clusters", "districts", "chains", "opportunities", "projects", "targets",
               "notes", "sources")
SectionId = Literal["summary", "overall", "clusters", "districts", "chains", "opportunities", "projects", "targets",
                    "notes", "sources"]
TEMPLATE = Path("report") / "report.yaml"


def default_template_path() -> Path:
    return Path(__file__).parent / "defaults" / "report.yaml"


class ReportSection(_Strict):
    """One section: its id, its title (default the report words' own), a lead paragraph, how many rows its
    tables show and whether it draws its chart."""

    id: SectionId
    title: Name | None = None
    intro: Name | None = None
    rows: int | None = Field(default=None, ge=1, le=500)
    chart: bool = True


class ReportTemplate(_Strict):
    """`title` and `subtitle` may hold {city}, {period}, {area} and {node}; `wording` replaces summary
    sentences by their key (the keys of `chanye.present.report_words.SENTENCES`)."""

    title: Name
    subtitle: Name | None = None
    issuer: Name | None = None
    sections: list[ReportSection] = Field(min_length=1)
    wording: dict[str, Name] = Field(default_factory=dict)
    path: str = ""

    @field_validator("sections")
    @classmethod
    def _each_section_once(cls, sections: list[ReportSection]) -> list[ReportSection]:
        seen = [s.id for s in sections]
        twice = sorted({s for s in seen if seen.count(s) > 1})
        if twice:  # on the field, so the error names the line of `sections:`
            raise ValueError(f"章节重复 (section listed twice): {', '.join(twice)}")
        return sections


class _ReportFile(_Strict):
    report: ReportTemplate


def template_path(framework: Framework) -> Path:
    """The pack's own report template, else the shared default."""
    own = Path(framework.path) / TEMPLATE if framework.path else None
    return own if own is not None and own.is_file() else default_template_path()


def load_template(framework: Framework) -> ReportTemplate:
    return _load(str(template_path(framework)))


@functools.lru_cache(maxsize=8)
def _load(path: str) -> ReportTemplate:
    file = Path(path)
    label = f"{file.parent.parent.name}/{TEMPLATE.as_posix()}" if file.parent.name == "report" else file.name
    doc = read_yaml(file, label)
    model, findings = parse_file(doc, _ReportFile)
    if findings or model is None:
        raise PackInvalid(summary(findings), findings, hint="报告模板格式见 docs/report.md (template format)")
    return model.report.model_copy(update={"path": label})  # type: ignore[attr-defined]
