"""An import job that fails in an unforeseen way names an error id, never the exception's text (issue 17)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from chanye.services import imports
from chanye.services.imports import ImportJob


def test_an_unforeseen_failure_reports_an_id_and_keeps_paths_out(monkeypatch, caplog, tmp_path) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("cannot read /tmp/chanye-secret/upload-1.xlsx")

    monkeypatch.setattr(imports, "import_file", broken)
    workdir = tmp_path / "upload"
    workdir.mkdir()
    job = ImportJob(id="j1", file="企业名录.xlsx")
    with caplog.at_level(logging.ERROR, logger="chanye.services.imports"):
        imports.run_job(object(), job, Path("x.xlsx"), 2024, str(workdir))
    assert (job.status, job.stage, job.error["status"], job.error["title"]) == (
        "failed", "failed", 500, "导入失败 Import failed")
    match = re.fullmatch(r"企业名录\.xlsx: 导入时发生内部错误，编号 ([0-9a-f]{12}) \(internal error \1 while importing\)",
                         job.error["message"])
    assert match, job.error["message"]
    assert "/tmp" not in str(job.error) and "RuntimeError" not in str(job.error)
    assert match.group(1) in caplog.text and "/tmp/chanye-secret/upload-1.xlsx" in caplog.text
    assert not workdir.exists()  # the upload's folder is removed whatever happened
