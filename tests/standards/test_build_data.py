"""`tools/build_data.py` rebuilds the shipped standards data byte for byte from ../shared/data/raw."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from .test_gbt4754 import RAW_FLAT_3546, looks_glued

REPO = Path(__file__).resolve().parents[2]
RAW = REPO.parent / "shared" / "data" / "raw"
SHIPPED = REPO / "src" / "chanye" / "standards" / "data"
TOOL = REPO / "tools" / "build_data.py"
CURATED = ("gbt4754_2017.csv", "gbt4754_2011_2017.csv", "regions.csv")
# Topics of the build log whose every code SOURCES.md must name (the others are listed there by rule).
LISTED_TOPICS = (
    "2011 names completed",
    "crosswalk pairs fixed",
    "garbled names fixed",
    "glued notes removed",
    "names completed",
    "names in conflict",
    "notes normalised",
    "whitespace stripped",
)

pytestmark = pytest.mark.skipif(not RAW.is_dir(), reason=f"raw data not present at {RAW}")


@pytest.fixture(scope="module")
def tool() -> Iterator[ModuleType]:
    name = "_chanye_tools_build_data"
    spec = importlib.util.spec_from_file_location(name, TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file executes
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(name, None)


def test_rebuild_matches_shipped_files(tmp_path: Path) -> None:
    for run in ("a", "b"):
        proc = subprocess.run(
            [sys.executable, str(TOOL), "--raw", str(RAW), "--out", str(tmp_path / run)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
    for name in CURATED:
        built = (tmp_path / "a" / name).read_bytes()
        assert built == (tmp_path / "b" / name).read_bytes(), f"{name} differs between two runs"
        assert built == (SHIPPED / name).read_bytes(), f"{name} is stale: run tools/build_data.py"
        assert b"\r" not in built and not built.startswith(b"\xef\xbb\xbf")


def test_missing_raw_dir_fails_cleanly(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(TOOL), "--raw", str(tmp_path / "nope"), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "raw data directory not found" in proc.stderr


def test_sources_md_lists_every_fix(tool: ModuleType, tmp_path: Path) -> None:
    log = tool.build(RAW, tmp_path)
    sources = (SHIPPED / "SOURCES.md").read_text(encoding="utf-8")
    assert set(log.entries) >= set(LISTED_TOPICS)
    missing = sorted(
        {line.split(" ", 1)[0] for topic in LISTED_TOPICS for line in log.entries[topic]}
        - {word.strip("`,;:.()，、。") for word in sources.split()}
    )
    assert missing == []


def test_glued_check_catches_the_raw_flat_names() -> None:
    flat = json.loads((RAW / "gbt4754_2017_flat.json").read_text(encoding="utf-8"))
    names = {rec.get("code", rec["category"]): rec["name"] for rec in flat}
    assert names["3546"] == RAW_FLAT_3546
    glued = sorted(code for code, name in names.items() if looks_glued(name))
    assert glued == ["3531", "3546", "3552", "3583", "3939", "4023", "526"]
