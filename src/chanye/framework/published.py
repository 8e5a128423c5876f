"""A pack's `published.yaml` (its published figures, their sources, the national totals and the consistency
checks), read once per version of the file: the scoreboard reads the checks on every compute (0.1 s to parse)."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import yaml

from chanye.framework.model import Framework

PUBLISHED_FILE = "published.yaml"  # in the pack folder


def published_doc(framework: Framework) -> dict:
    """The pack's published.yaml as parsed YAML (a pack that inherits another's reads that one's; a pack without
    the file has an empty one). A copy: callers may change it."""
    path = Path(framework.path) / PUBLISHED_FILE if framework.path else None
    doc = (_yaml(path) if path is not None and path.is_file() else None) or {}
    if doc.get("inherit"):  # another pack of the same city
        doc = _yaml(Path(framework.path).parent / str(doc["inherit"]) / PUBLISHED_FILE) or {}
    return doc


def _yaml(path: Path):
    stat = path.stat()
    return copy.deepcopy(_parsed(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=8)
def _parsed(path: str, mtime_ns: int, size: int):
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
