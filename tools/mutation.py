"""Mutation testing of one module against its own tests: `make mutation MODULE=registry/uscc`.

mutmut (pinned in the dev extra) mutates one file of ``src/chanye`` and runs the tests that cover each mutant.
Each run works in its own copy of the tree under ``build/mutation/<module>/`` (so two modules can be tested at
once and the work tree is never touched), then prints the score and writes every survivor's diff to
``build/mutation/<module>/survivors.md``. docs/testing.md says how to read survivors.

The tests of a module are ``tests/<package>/test_<name>*.py`` (the layout mirrors ``src/chanye``), unless
``[tool.chanye.mutation]`` in pyproject.toml names others.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "chanye"
KILLED = frozenset({"killed", "timeout", "segfault", "caught by type check"})
# mutmut's exit-code meanings (mutmut.stats.status_by_exit_code, 3.8.1)
STATUS = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    36: "timeout",
    24: "timeout",
    -24: "timeout",
    152: "timeout",
    255: "timeout",
    -11: "segfault",
    -9: "segfault",
    37: "caught by type check",
    None: "not checked",
}


def module_path(module: str) -> Path:
    """`registry/uscc`, `registry.uscc`, `chanye.registry.uscc` or `src/chanye/registry/uscc.py` -> the file."""
    name = module.removesuffix(".py").replace(".", "/").removeprefix("src/").removeprefix("chanye/")
    path = PACKAGE / f"{name}.py"
    if not path.is_file():
        raise SystemExit(
            f"错误：找不到模块 {module}（应为 src/chanye 下的文件，如 registry/uscc） / no module {module}"
        )
    return path


def tests_for(path: Path) -> list[str]:
    """The test files of a module: the pyproject override, else the mirrored `test_<name>*.py`."""
    relative = path.relative_to(PACKAGE).with_suffix("").as_posix()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    override = config.get("tool", {}).get("chanye", {}).get("mutation", {}).get(relative)
    if override:
        return list(override)
    folder = ROOT / "tests" / path.parent.relative_to(PACKAGE)
    found = sorted(p.relative_to(ROOT).as_posix() for p in folder.glob(f"test_{path.stem}*.py"))
    if not found:
        raise SystemExit(
            f"错误：{relative} 没有测试文件 / no tests for {relative} in {folder.relative_to(ROOT)}"
        )
    return found


def _pyproject_for(only: str, tests: list[str]) -> str:
    """The copy's pyproject.toml: the project's own with its [tool.mutmut] table narrowed to one module."""
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    text = re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[|\Z)", "", text)
    base = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"].get("mutmut", {})
    settings = {**base, "only_mutate": [only], "pytest_add_cli_args_test_selection": tests,
                "also_copy": [*base.get("also_copy", []), "tools/"]}  # tests that run a curation tool
    lines = [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in settings.items()]
    return text.rstrip() + "\n\n[tool.mutmut]\n" + "\n".join(lines) + "\n"


def prepare(path: Path, tests: list[str], work: Path) -> None:
    """A fresh copy of src/, tests/ and tools/ with the narrowed configuration."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "screenshots")
    shutil.copytree(ROOT / "src", work / "src", ignore=ignore)
    shutil.copytree(ROOT / "tests", work / "tests", ignore=ignore)
    shutil.copytree(ROOT / "tools", work / "tools", ignore=ignore)
    only = path.relative_to(ROOT).as_posix()
    (work / "pyproject.toml").write_text(_pyproject_for(only, tests), "utf-8")


def statuses(work: Path) -> dict[str, str]:
    """mutant name -> status, from the .meta files mutmut writes beside each mutated file."""
    out: dict[str, str] = {}
    for meta in (work / "mutants").rglob("*.py.meta"):
        data = json.loads(meta.read_text("utf-8"))
        for name, code in data["exit_code_by_key"].items():
            out[name] = STATUS.get(code, "suspicious")
    return out


_DIFFS = """
import json, sys
from mutmut.mutation.diff_apply import get_diff_for_mutant
for name in json.load(sys.stdin):
    print("# " + name)
    print(get_diff_for_mutant(name))
    print()
"""


def write_survivors(work: Path, result: dict[str, str]) -> Path:
    survivors = sorted(name for name, status in result.items() if status not in KILLED)
    diffs = subprocess.run(
        [sys.executable, "-c", _DIFFS],
        input=json.dumps(survivors),
        capture_output=True,
        text=True,
        cwd=work,
        check=False,
    ).stdout
    report = work / "survivors.md"
    head = "\n".join(f"- {name}: {result[name]}" for name in survivors)
    report.write_text(f"# Survivors ({len(survivors)})\n\n{head}\n\n```diff\n{diffs}```\n", "utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", help="e.g. registry/uscc, analytics/indicators")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args(argv)
    path = module_path(args.module)
    tests = tests_for(path)
    slug = path.relative_to(PACKAGE).with_suffix("").as_posix().replace("/", ".")
    work = ROOT / "build" / "mutation" / slug
    print(f"变异测试 mutation testing: {path.relative_to(ROOT)} <- {' '.join(tests)}", flush=True)
    prepare(path, tests, work)
    mutmut = Path(sys.executable).with_name("mutmut")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [str(mutmut), "run", "--max-children", str(args.max_children)]
    if sys.stdout.isatty():  # mutmut's own progress line
        run = subprocess.run(command, cwd=work, env=env, check=False)
    else:  # its spinner is unreadable in a log: keep it in a file
        with (work / "mutmut.log").open("w") as log:
            run = subprocess.run(
                command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, check=False
            )
    result = statuses(work)
    if run.returncode != 0 or not result:
        print(
            f"错误：mutmut 退出码 {run.returncode}，无结果（见 {work.relative_to(ROOT)}/mutmut.log）/ mutmut failed",
            file=sys.stderr,
        )
        return 1
    counts = Counter(result.values())
    killed = sum(counts[s] for s in KILLED)
    total = len(result)
    report = write_survivors(work, result)
    print()
    print(f"{'module':<28}{'mutants':>9}{'killed':>9}{'survived':>10}{'score':>9}")
    print(f"{slug:<28}{total:>9,}{killed:>9,}{total - killed:>10,}{killed / total:>9.1%}")
    print("  " + ", ".join(f"{status} {n}" for status, n in sorted(counts.items())))
    print(f"  survivors with diffs: {report.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
