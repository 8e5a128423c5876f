"""Copy the py-ecomplexity Stata ground-truth fixtures into tests/fixtures/peer/py-ecomplexity/.

The tests read only the copies under tests/fixtures, so the suite does not depend on ../shared. This
script copies the 21 CSV files byte for byte, checks each against the SHA-256 listed in the source
README, and writes a README that keeps the source notes and the MIT copyright and permission notice.

Run from the repository root:

    .venv/bin/python tools/curate_peer_fixtures.py [--source ../shared/data/peer/py-ecomplexity]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "peer" / "py-ecomplexity"
DEST = ROOT / "tests" / "fixtures" / "peer" / "py-ecomplexity"

# The MIT licence of cid-harvard/py-ecomplexity, verbatim from its LICENSE file: the copyright line and the
# permission notice must accompany any substantial copy of the fixtures.
LICENCE = """\
The MIT License (MIT)

Copyright (c) 2018 Center for International Development at Harvard University

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

README_HEAD = """\
# py-ecomplexity fixtures (Stata ground truth): test copies

The 21 CSV files here are byte-for-byte copies of `../shared/data/peer/py-ecomplexity/`, made by
`tools/curate_peer_fixtures.py`, which checks each file against the SHA-256 list at the end.
`tests/analytics/test_complexity.py` compares `chanye.analytics.complexity` with every column of every
`stata_*.csv` file. The tests round `export_val` and `population` to float32 first, as Stata did on import.

The notes of the source folder follow unchanged ("Source notes"), then the full MIT licence text of the
upstream repository `cid-harvard/py-ecomplexity`, which must accompany substantial copies of these files.

## Source notes

"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def expected_checksums(readme: str) -> dict[str, str]:
    """The `<sha256>  <file>` lines of the source README's checksum block."""
    return {name: digest for digest, name in re.findall(r"^([0-9a-f]{64})\s+(\S+\.csv)$", readme, flags=re.M)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args(argv)
    source: Path = args.source
    source_readme = (source / "README.md").read_text(encoding="utf-8")
    checksums = expected_checksums(source_readme)
    csvs = sorted(source.glob("*.csv"))
    if len(csvs) != 21 or {p.name for p in csvs} != set(checksums):
        listed = source / "README.md"
        print(f"expected the 21 CSV files listed in {listed}, found {len(csvs)}", file=sys.stderr)
        return 1
    DEST.mkdir(parents=True, exist_ok=True)
    lines = []
    for path in csvs:
        digest = sha256(path)
        if digest != checksums[path.name]:
            print(f"{path.name}: sha256 {digest} != {checksums[path.name]}", file=sys.stderr)
            return 1
        target = DEST / path.name
        shutil.copyfile(path, target)
        if sha256(target) != digest:
            print(f"{target}: copy differs from source", file=sys.stderr)
            return 1
        lines.append(f"{digest}  {path.name}")
    # The source README without its title line; its checksums equal ours and are listed again below.
    notes = source_readme.split("\n", 1)[1].split("## SHA-256 checksums")[0].strip()
    readme = (
        README_HEAD
        + notes
        + "\n\n## Licence\n\n"
        + LICENCE
        + "\n## SHA-256 checksums\n\n```\n"
        + "\n".join(lines)
        + "\n```\n"
    )
    (DEST / "README.md").write_text(readme, encoding="utf-8")
    print(f"copied {len(csvs)} files to {DEST.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
