"""产业发展监测报告: the monitoring report as PDF (Typst) and Word (python-docx), from the Platform's results.

`document.build(platform, period, ...)` gathers the figures and words them (`summary` writes the 摘要); the
template (section order, titles, wording) is the pack's `report/report.yaml` (`framework.report`);
`render.write(doc, path)` writes .pdf or .docx. docs/report.md describes the command and the template."""
