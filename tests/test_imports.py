"""The import graph of src/chanye, built with `ast`: no cycles, no upward imports between the layers DESIGN.md
draws, and no module imported by a string. Every import counts: at module level, inside functions, and under
`if TYPE_CHECKING:` (an annotation that needs an upward import is still a dependency the wrong way).

Layers, lowest first; a module may import its own layer and the ones below it:

    errors < standards < framework < registry < classify < analytics < services < present < report < web < cli

- `registry/` stores and reads; it neither classifies nor analyses (the import service orchestrates both).
- `classify/` sits above the registry; `analytics/` may use classify, framework, standards (and errors).
- `services/` call registry, classify and analytics and return typed results; `present/` words them.
- `report/`, `web/` and `cli.py` are the edges; `cli.py` starts the web server, so it sits on top.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import pytest

SRC = Path(__file__).parents[1] / "src"
PACKAGE = SRC / "chanye"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("", "errors"),  # "" is the package itself (chanye/__init__.py)
    ("standards",),
    ("framework",),
    ("registry",),
    ("classify",),
    ("analytics",),
    ("services", "demo"),
    ("present", "export", "complexity_files"),  # complexity_files: `chanye complexity`'s reading and writing (issue 14)
    ("report", "batch"),  # batch: the batch pipeline on DuckDB or Spark (issue 14 item 5)
    ("web",),
    ("cli", "cli_projects", "cli_base"),  # cli_projects: the `chanye projects` sub-app (issue 12); cli_base: what both share
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
DYNAMIC = {"__import__", "import_module"}


class Edge(NamedTuple):
    source: str
    target: str
    line: int

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} (line {self.line})"


def module_name(path: Path, root: Path = SRC) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def source_files(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package (the packs folder holds data, not code)."""
    return {module_name(p, package.parent): p for p in sorted(package.rglob("*.py")) if "packs" not in p.parts}


def _known(name: str, modules: set[str]) -> str | None:
    """The module an imported name lives in: itself if it is a module, else its nearest enclosing module."""
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name if name in modules else None


def imports_of(module: str, source: str, modules: set[str], *, is_package: bool = False) -> list[Edge]:
    """The chanye modules `module` imports. `from pkg import name` points at pkg.name when that is a module
    (a submodule import), else at pkg; relative imports are resolved against `module`."""
    edges: list[Edge] = []
    here = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here[: len(here) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        for name in targets:
            target = _known(name, modules) if name.split(".")[0] == "chanye" else None
            edge = Edge(module, target or "", node.lineno)
            if target and target != module and edge not in edges:
                edges.append(edge)
    return edges


def dynamic_imports(module: str, source: str) -> list[str]:
    """`__import__("chanye...")` and `importlib.import_module("chanye...")` calls: imports the graph cannot see."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name in DYNAMIC and node.args and isinstance(node.args[0], ast.Constant):
            value = node.args[0].value
            if isinstance(value, str) and value.split(".")[0] in ("chanye", ""):
                found.append(f"{module} line {node.lineno}: {name}({value!r})")
    return found


def graph(files: dict[str, Path] | None = None) -> list[Edge]:
    files = source_files() if files is None else files
    modules = set(files)
    edges = []
    for module, path in files.items():
        edges += imports_of(module, path.read_text("utf-8"), modules, is_package=path.name == "__init__.py")
    return edges


def cycles(edges: Iterable[Edge]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted, largest first."""
    successors: dict[str, set[str]] = {}
    for e in edges:
        successors.setdefault(e.source, set()).add(e.target)
        successors.setdefault(e.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:  # iterative, so a long chain cannot hit the recursion limit
        work = [(start, iter(sorted(successors[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(successors[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

    for node in sorted(successors):
        if node not in index:
            visit(node)
    return sorted(found, key=lambda c: (-len(c), c))


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def upward(edges: Iterable[Edge]) -> list[str]:
    return [
        f"{e} imports upward: {layer(e.source) or 'chanye'} (layer {RANK[layer(e.source)]}) -> "
        f"{layer(e.target)} (layer {RANK[layer(e.target)]})"
        for e in edges
        if RANK.get(layer(e.target), -1) > RANK.get(layer(e.source), len(LAYERS))
    ]


# --- the checks see what they look for --------------------------------------------------------------------------

TOY = {
    "chanye": "",
    "chanye.errors": "",
    "chanye.web": "from . import app\n",
    "chanye.web.app": "from chanye.web import pages\nfrom .errors import install\n",
    "chanye.web.errors": "def render():\n    from chanye.web.pages import render_error\n",
    "chanye.web.pages": "from chanye import errors\nfrom ..registry.store import Store\n",
    "chanye.web.models": "",
    "chanye.registry": "",
    "chanye.registry.store": (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from chanye.web.models import Board\n"
        "import chanye.registry\nimport chanye.errors as e\nfrom chanye.registry.store import Store\n"
        "router = __import__('chanye.web.pages', fromlist=['router'])\n"
    ),
}


def toy_edges() -> list[Edge]:
    modules = set(TOY)
    packages = {"chanye", "chanye.web", "chanye.registry"}
    return [e for m, src in TOY.items() for e in imports_of(m, src, modules, is_package=m in packages)]


def test_the_graph_sees_every_kind_of_import() -> None:
    assert sorted(map(str, toy_edges())) == [
        "chanye.registry.store -> chanye.errors (line 5)",
        "chanye.registry.store -> chanye.registry (line 4)",
        "chanye.registry.store -> chanye.web.models (line 3)",  # under TYPE_CHECKING
        "chanye.web -> chanye.web.app (line 1)",  # relative, in a package's __init__
        "chanye.web.app -> chanye.web.errors (line 2)",  # relative, a name from a module
        "chanye.web.app -> chanye.web.pages (line 1)",  # a submodule imported from its package
        "chanye.web.errors -> chanye.web.pages (line 2)",  # inside a function
        "chanye.web.pages -> chanye.errors (line 1)",
        "chanye.web.pages -> chanye.registry.store (line 2)",  # two levels up
    ]
    assert dynamic_imports("chanye.registry.store", TOY["chanye.registry.store"]) == [
        "chanye.registry.store line 7: __import__('chanye.web.pages')"
    ]


def test_the_checks_find_cycles_and_upward_imports() -> None:
    edges = toy_edges()
    assert cycles(edges) == []
    looped = [*edges, Edge("chanye.web.pages", "chanye.web.app", 9)]
    assert cycles(looped) == [["chanye.web.app", "chanye.web.errors", "chanye.web.pages"]]
    assert cycles([Edge("a", "b", 1), Edge("b", "a", 1), Edge("c", "d", 1), Edge("d", "c", 1)]) == [["a", "b"], ["c", "d"]]
    assert upward(edges) == [
        "chanye.registry.store -> chanye.web.models (line 3) imports upward: registry (layer 3) -> web (layer 9)"
    ]


def test_the_graph_of_the_real_package_is_not_empty() -> None:
    edges = graph()
    files = source_files()
    assert {"chanye.cli", "chanye.web.app", "chanye.registry.store", "chanye.framework.load"} <= set(files)
    pairs = {(e.source, e.target) for e in edges}
    assert {("chanye.framework.load", "chanye.framework.check"), ("chanye.cli", "chanye.web.app"),
            ("chanye.web.app", "chanye.services.platform")} <= pairs
    assert len(pairs) > 200


# --- the package ------------------------------------------------------------------------------------------------


def test_every_module_belongs_to_a_layer() -> None:
    unplaced = sorted({layer(m) for m in source_files()} - set(RANK))
    assert unplaced == [], f"place these in LAYERS (and in docs/architecture.md): {unplaced}"


def test_no_import_cycles() -> None:
    edges = graph()
    found = cycles(edges)
    report = []
    for component in found:
        inside = [str(e) for e in edges if e.source in component and e.target in component]
        report.append("cycle: " + ", ".join(component) + "\n    " + "\n    ".join(sorted(inside)))
    assert found == [], "\n".join(report)


def test_no_upward_imports() -> None:
    found = upward(graph())
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("module", sorted(source_files()))
def test_no_module_is_imported_by_a_string(module: str) -> None:
    assert dynamic_imports(module, source_files()[module].read_text("utf-8")) == []
