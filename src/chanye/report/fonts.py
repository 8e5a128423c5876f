"""The CJK fonts the report embeds: Noto Sans CJK SC (黑体-style headings) and Noto Serif CJK SC (宋体-style body)
from Debian's fonts-noto-cjk, found with fontconfig (`fc-list`) or in `CHANYE_FONT_DIR`. Both the PDF (Typst)
and the charts (matplotlib) use the same files; the Word file names the families and lets Word substitute."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from chanye.errors import ChanyeError

SANS = "Noto Sans CJK SC"  # 黑体-style: titles, headings, tables' heads, charts
SERIF = "Noto Serif CJK SC"  # 宋体-style: body text
FILES = ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc", "NotoSerifCJK-Regular.ttc", "NotoSerifCJK-Bold.ttc")
KNOWN_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/noto-cjk", "/usr/share/fonts/google-noto-cjk",
              "/usr/local/share/fonts", str(Path.home() / ".local/share/fonts"))


class FontsMissing(ChanyeError):
    status = 500
    title = "缺少字体 Fonts missing"


@dataclass(frozen=True)
class Fonts:
    files: tuple[Path, ...]

    @property
    def dirs(self) -> list[str]:
        return sorted({str(f.parent) for f in self.files})


def _from_fontconfig() -> list[Path]:
    if not shutil.which("fc-list"):
        return []
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "file", "family"], capture_output=True, text=True,
                             timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in out.splitlines():
        file = line.split(":", 1)[0].strip()
        if Path(file).name in FILES:
            found.append(Path(file))
    return found


@functools.cache
def find() -> Fonts:
    """The four Noto CJK files (regular and bold, sans and serif); FontsMissing names the package to install."""
    found: dict[str, Path] = {}
    folders = [os.environ["CHANYE_FONT_DIR"]] if os.environ.get("CHANYE_FONT_DIR") else []
    for path in [*(Path(d) / f for d in folders for f in FILES), *_from_fontconfig(),
                 *(Path(d) / f for d in KNOWN_DIRS for f in FILES)]:
        if path.name in FILES and path.is_file():
            found.setdefault(path.name, path)
    missing = [f for f in FILES if f not in found]
    if missing:
        raise FontsMissing(f"找不到中文字体 {', '.join(missing)} (Noto CJK fonts not found)",
                           hint="apt-get install fonts-noto-cjk，或设置 CHANYE_FONT_DIR 指向字体文件夹")
    return Fonts(tuple(found[f] for f in FILES))
