"""The layering DESIGN.md draws, checked on the source with `ast`: only registry/ talks to the store, and
analytics/ stays pure (no store, no services, no web)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "src" / "chanye"
SQL_CALLS = {"query", "scalar", "execute", "executemany", "sql"}
PURE_MAY_IMPORT = ("chanye.errors", "chanye.framework", "chanye.standards", "chanye.classify", "chanye.analytics")


def modules(folder: str = "") -> list[Path]:
    return sorted(p for p in (PACKAGE / folder).rglob("*.py") if "packs" not in p.parts)


def imports(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
    return found


def store_calls(tree: ast.AST) -> list[str]:
    """`x.query(...)`-style calls on something named like a store or connection, and duckdb imports."""
    found = [
        f"line {node.lineno}: .{node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SQL_CALLS
        and isinstance(node.func.value, ast.Name | ast.Attribute)
        and (getattr(node.func.value, "id", None) or getattr(node.func.value, "attr", "")) in {"store", "con", "db"}
    ]
    return found + [f"imports {name}" for name in imports(tree) if name.split(".")[0] == "duckdb"]


def test_the_checks_see_what_they_look_for() -> None:
    tree = ast.parse("import duckdb\nfrom chanye.registry import views\nstore.query('x')\nself.con.execute('y')\n")
    assert store_calls(tree) == ["line 3: .query()", "line 4: .execute()", "imports duckdb"]
    assert imports(tree) == ["duckdb", "chanye.registry"]


@pytest.mark.parametrize(
    "path", [p for p in modules() if "registry" not in p.relative_to(PACKAGE).parts], ids=lambda p: p.name
)
def test_only_the_registry_talks_to_the_store(path: Path) -> None:
    assert store_calls(ast.parse(path.read_text("utf-8"))) == [], f"{path.relative_to(PACKAGE)}: SQL outside registry/"


@pytest.mark.parametrize("path", modules("analytics"), ids=lambda p: p.name)
def test_analytics_imports_nothing_above_it(path: Path) -> None:
    upward = [
        name
        for name in imports(ast.parse(path.read_text("utf-8")))
        if name.startswith("chanye") and not name.startswith(PURE_MAY_IMPORT)
    ]
    assert upward == [], f"analytics/{path.name} imports {upward}"
