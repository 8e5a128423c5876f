"""The test suite's own rules (docs/testing.md), checked on the source of every test file with `ast`.

- Every `pytest.raises` / `pytest.warns` names the message it expects (`match=`): a bare one is satisfied by an
  unrelated error of the same class, which is how mutants survived in uscc's `check_character`.
- No assertion that holds by construction: a constant (`assert True`, `assert 1`) or the same call-free
  expression on both sides of a comparison (`assert x == x`; `load() is load()` tests a cache, so it stays).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
FILES = sorted(p for p in TESTS.rglob("*.py") if "fixtures" not in p.parts)


def _is_pytest_call(node: ast.AST, names: tuple[str, ...]) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in names
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "pytest"
    )


def bare_raises(source: str) -> list[int]:
    """Lines of `pytest.raises(...)` / `pytest.warns(...)` calls without `match=`."""
    return sorted(
        node.lineno
        for node in ast.walk(ast.parse(source))
        if _is_pytest_call(node, ("raises", "warns")) and not any(k.arg == "match" for k in node.keywords)
    )


def trivial_asserts(source: str) -> list[int]:
    """Lines of assertions that cannot fail: a constant test, or a comparison of an expression with itself."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Assert):
            continue
        test = node.test
        constant = isinstance(test, ast.Constant) and bool(test.value)
        same_sides = (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq | ast.Is | ast.LtE | ast.GtE)
            and ast.dump(test.left) == ast.dump(test.comparators[0])
            and not any(isinstance(n, ast.Call) for n in ast.walk(test.left))  # f() is f(): a cache test
        )
        if constant or same_sides:
            lines.append(node.lineno)
    return sorted(lines)


def test_the_checks_find_what_they_look_for() -> None:
    source = (
        "def test_a():\n"
        "    with pytest.raises(ValueError):\n"  # 2: bare
        "        f()\n"
        "    with pytest.raises(ValueError, match='x'):\n"
        "        f()\n"
        "    with pytest.warns(UserWarning):\n"  # 6: bare
        "        f()\n"
        "    assert True\n"  # 8
        "    assert x[0] == x[0]\n"  # 9
        "    assert f(1) is f(1)\n"  # a cache test, not trivial
        "    assert x.y is x.y\n"  # 11
        "    assert 0 < x\n"
        "    assert x != x\n"  # fails unless NaN: not trivial
    )
    assert bare_raises(source) == [2, 6]
    assert trivial_asserts(source) == [8, 9, 11]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(TESTS).as_posix())
def test_every_raises_names_its_message(path: Path) -> None:
    assert bare_raises(path.read_text("utf-8")) == [], f"{path.name}: pytest.raises without match="


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(TESTS).as_posix())
def test_no_assertion_holds_by_construction(path: Path) -> None:
    assert trivial_asserts(path.read_text("utf-8")) == [], f"{path.name}: assertion that cannot fail"
