"""The documentation says what the code does: every command and option is in docs/cli.md,
every rules key in docs/rules.md (and no key there the code does not know), and the README's
two set-up commands are its first lines."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import click

from cashmatch import config
from cashmatch.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def _commands(group: click.Group, path: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    for name, cmd in group.commands.items():
        yield (*path, name), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*path, name))


def _sections(text: str) -> dict[str, str]:
    """``## heading`` → the text under it."""
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_every_command_and_option_is_in_the_cli_reference() -> None:
    sections = _sections((ROOT / "docs" / "cli.md").read_text(encoding="utf-8"))
    missing = []
    for path, cmd in _commands(cli):
        name = " ".join(("cashmatch", *path))
        if name not in sections:
            missing.append(name)
            continue
        assert cmd.help, f"{name} has no help text"
        for param in cmd.params:
            for flag in getattr(param, "opts", []):
                if flag.startswith("-") and flag not in sections[name]:
                    missing.append(f"{name} {flag}")
    assert missing == [], "run scripts/cli_reference.py: " + ", ".join(missing)


def _rules_keys() -> set[str]:
    keys = {f"{section}.{f.name}" for section, cls in (
        ("ledger", config.Ledger), ("matching", config.Matching), ("weights", config.Weights),
        ("tolerances", config.Tolerances)) for f in fields(cls)}
    for section, (cls, _) in config.RULE_LISTS.items():
        keys |= {f"{section}.{f.name}" for f in fields(cls)}
    return keys


def test_every_rules_key_is_documented_and_nothing_else() -> None:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    documented = set()
    for heading, body in _sections(text).items():
        section = re.match(r"\[\[?(\w+)\]\]?", heading)
        assert section, heading
        documented |= {f"{section.group(1)}.{k}" for k in re.findall(r"^\| `(\w+)` \|", body,
                                                                    re.MULTILINE)}
    assert documented == _rules_keys()


def test_the_readme_opens_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:6]
    assert any(line.startswith("make demo") for line in head)
    assert any(line.startswith("make test") for line in head)
