"""The city comes from the pack: no Guangzhou code or name in src/chanye outside the Guangzhou packs and the
demo generator (which builds Guangzhou's synthetic registry). The curated national reference tables in
standards/data/ (every province, city and county of China, and their notes) name every city and are data."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "src" / "chanye"
LITERAL = re.compile(r"440100|广州|Guangzhou|GUANGZHOU", re.IGNORECASE)
ALLOWED = ("framework/packs/guangzhou-", "demo/synthetic.py", "standards/data/")
SUFFIXES = {".py", ".html", ".js", ".css", ".yaml", ".yml", ".md", ".json", ".txt"}


def offending_lines(root: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.suffix not in SUFFIXES or any(rel.startswith(a) for a in ALLOWED) or "__pycache__" in rel:
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            if LITERAL.search(line):
                found.append(f"{rel}:{number}: {line.strip()[:100]}")
    return found


def test_the_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text('CITY = "440100"\nx = 1\n', "utf-8")
    (tmp_path / "b.html").write_text("<p>广州市</p>\n", "utf-8")
    (tmp_path / "framework" / "packs" / "guangzhou-x").mkdir(parents=True)
    (tmp_path / "framework" / "packs" / "guangzhou-x" / "f.yaml").write_text("city: '440100'\n", "utf-8")
    assert offending_lines(tmp_path) == ['a.py:1: CITY = "440100"', "b.html:1: <p>广州市</p>"]


def test_no_city_is_written_in_code() -> None:
    found = offending_lines()
    assert found == [], f"{len(found)} lines name Guangzhou outside its packs:\n" + "\n".join(found)
