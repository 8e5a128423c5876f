"""`tools/mutation.py` (make mutation MODULE=...): which file it mutates, which tests it runs, how it scores."""

from __future__ import annotations

import importlib.util
import json
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).parents[1]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_tool", REPO / "tools" / "mutation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mutation = _tool()


@pytest.mark.parametrize(
    "spelling",
    [
        "registry/uscc",
        "registry.uscc",
        "chanye.registry.uscc",
        "src/chanye/registry/uscc.py",
        "registry/uscc.py",
    ],
)
def test_every_spelling_names_the_same_file(spelling: str) -> None:
    assert mutation.module_path(spelling) == REPO / "src" / "chanye" / "registry" / "uscc.py"


def test_an_unknown_module_is_one_clear_line() -> None:
    with pytest.raises(SystemExit, match=r"找不到模块 registry/nothing.*no module registry/nothing"):
        mutation.module_path("registry/nothing")


def test_tests_mirror_the_source_layout() -> None:
    tests = mutation.tests_for(mutation.module_path("registry/uscc"))
    assert "tests/registry/test_uscc.py" in tests
    assert all(t.startswith("tests/registry/test_uscc") and t.endswith(".py") for t in tests)
    assert tests == sorted(tests)


def test_a_module_without_tests_is_refused() -> None:
    with pytest.raises(SystemExit, match=r"registry/bulk 没有测试文件 / no tests for registry/bulk"):
        mutation.tests_for(mutation.module_path("registry/bulk"))


def test_the_copy_is_narrowed_to_one_module() -> None:
    text = mutation._pyproject_for("src/chanye/registry/uscc.py", ["tests/registry/test_uscc.py"])
    config = tomllib.loads(text)
    assert config["tool"]["mutmut"] == {
        "source_paths": ["src/"],
        "pytest_add_cli_args": ["-p", "no:cacheprovider", "-m", "not browser and not slow"],
        "only_mutate": ["src/chanye/registry/uscc.py"],
        "pytest_add_cli_args_test_selection": ["tests/registry/test_uscc.py"],
        "also_copy": ["tools/"],  # tests that run a curation tool (test_feasibility)
    }
    assert config["project"]["name"] == "chanye"  # the rest of pyproject.toml is kept
    assert text.count("[tool.mutmut]") == 1


def test_statuses_follow_mutmut_exit_codes(tmp_path: Path) -> None:
    meta = tmp_path / "mutants" / "src" / "chanye" / "x.py.meta"
    meta.parent.mkdir(parents=True)
    codes = {"m.killed": 1, "m.survived": 0, "m.timeout": -24, "m.none": None, "m.notests": 33, "m.odd": 99}
    meta.write_text(json.dumps({"exit_code_by_key": codes}), "utf-8")
    assert mutation.statuses(tmp_path) == {
        "m.killed": "killed",
        "m.survived": "survived",
        "m.timeout": "timeout",
        "m.none": "not checked",
        "m.notests": "no tests",
        "m.odd": "suspicious",
    }
    assert {s for s in mutation.statuses(tmp_path).values() if s in mutation.KILLED} == {"killed", "timeout"}
