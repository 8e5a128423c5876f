"""Every command has help text and a section in docs/cli.md; README shows the two commands."""

from __future__ import annotations

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
