"""Every command has help text and a section in docs/cli.md; README shows the two commands."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from chanye.cli import app

ROOT = Path(__file__).parents[1]


def commands(group: typer.Typer, prefix: str = "chanye") -> dict[str, str]:
    found = {}
    for info in group.registered_commands:
        name = info.name or info.callback.__name__
        found[f"{prefix} {name}"] = (info.help or info.callback.__doc__ or "").strip()
    for sub in group.registered_groups:
        found.update(commands(sub.typer_instance, f"{prefix} {sub.name}"))
    return found


def test_every_command_has_help_and_docs() -> None:
    docs = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    found = commands(app)
    assert len(found) >= 13
    for name, help_text in found.items():
        assert help_text, f"{name} has no help"
        assert f"## {name}\n" in docs, f"docs/cli.md has no section for {name}"


def test_readme_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme


def test_mutation_scores_add_up_and_stay_at_90_percent() -> None:
    """docs/testing.md's score table: real modules, killed + survived = mutants, the score as printed, >= 90%."""
    text = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z_/]+)` \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \| ([\d.]+)% \|", text, re.M)
    modules = [row[0] for row in rows]
    assert {"registry/uscc", "classify/codes", "analytics/indicators", "analytics/complexity"} <= set(modules)
    for module, *numbers, score in rows:
        mutants, killed, survived = (int(n.replace(",", "")) for n in numbers)
        assert (ROOT / "src" / "chanye" / f"{module}.py").is_file(), module
        assert killed + survived == mutants, module
        assert f"{killed / mutants:.1%}" == f"{score}%", module
        assert killed / mutants >= 0.90, module


def test_the_classification_example_prints_what_the_reader_gives() -> None:
    """docs/classification.md opens with a worked example: its figures are the reader's own."""
    from chanye.classify.reader import read_scope

    docs = (ROOT / "docs" / "classification.md").read_text(encoding="utf-8")
    scope = re.search(r'read_scope\("([^"]+)"\)', docs).group(1)
    shown = re.search(r'probability=([0-9.]+), suggestions=\[\{code: (\d{4}),[^}]*?probability: ([0-9.]+)', docs,
                      re.DOTALL)
    reading = read_scope(scope)
    assert (reading.probability, reading.codes[0], reading.suggestions[0]["probability"]) == (
        float(shown.group(1)), shown.group(2), float(shown.group(3)))


def test_the_explained_scope_is_what_the_command_prints() -> None:
    """docs/classification.md shows `chanye classify --text`'s output for one scope: it is the command's own."""
    from typer.testing import CliRunner

    docs = (ROOT / "docs" / "classification.md").read_text(encoding="utf-8")
    block = re.search(r"```\n(经营范围（清洗后）：.*?)\n```", docs, re.DOTALL).group(1)
    scope = "一般项目：" + block.splitlines()[0].split("：", 1)[1] + "。"  # the cleaned scope on its first line
    printed = CliRunner().invoke(app, ["classify", "--text", scope], catch_exceptions=False,
                                 env={"COLUMNS": "200"}).stdout
    assert printed.rstrip("\n") == block
