"""Reading the report's PDFs with Debian's poppler-utils (pdftotext, pdffonts, pdfinfo; .ci/run installs it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def poppler(*args: str) -> str:
    """Run a poppler-utils tool (Debian's poppler-utils; .ci/run installs it)."""
    if shutil.which(args[0]) is None:
        pytest.fail(f"{args[0]} is missing: apt-get install poppler-utils (.ci/run installs it)")
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


def pdf_pages(path: Path) -> list[str]:
    """The text of each page of a PDF (pdftotext -layout, one page at a time)."""
    info = poppler("pdfinfo", str(path))
    count = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    return [poppler("pdftotext", "-layout", "-f", str(i), "-l", str(i), str(path), "-") for i in range(1, count + 1)]
