"""Load a framework pack: read it (`read.py`), check it across files (`check.py`), cache the result.

The names of `read.py` and `yamlfile.py` are re-exported here, where they used to live.
"""

from __future__ import annotations

import functools
from pathlib import Path

from chanye.errors import PackInvalid
from chanye.framework.check import check_loaded
from chanye.framework.model import Framework
from chanye.framework.read import (
    DEFAULT_PACK,
    PACK_FILES,
    LoadedPack,
    available_packs,
    default_pack,
    packs_dir,
    read_pack,
    resolve_pack,
    summary,
)
from chanye.framework.yamlfile import YamlDoc, parse_file, read_yaml, validation_findings

__all__ = [
    "DEFAULT_PACK",
    "PACK_FILES",
    "LoadedPack",
    "YamlDoc",
    "available_packs",
    "default_pack",
    "load_pack",
    "packs_dir",
    "parse_file",
    "read_pack",
    "read_yaml",
    "resolve_pack",
    "validation_findings",
]


def load_pack(name_or_path: str | Path | None = None, *, check: bool = True) -> Framework:
    """Load a pack by name or path. With `check`, cross-file errors (unknown codes, ...) raise PackInvalid."""
    return _load_cached(str(resolve_pack(name_or_path)), check)


@functools.lru_cache(maxsize=8)
def _load_cached(folder: str, check: bool) -> Framework:
    loaded = read_pack(folder)
    if check:
        errors = [f for f in check_loaded(loaded) if f.level == "error"]
        if errors:
            raise PackInvalid(summary(errors), errors, hint="运行 chanye framework check 查看全部问题")
    return loaded.framework
