"""Write docs/cli.md, the command-line reference, from the commands' own help.

    .venv/bin/python scripts/cli_reference.py

tests/test_docs.py checks that every command and option is in it: run this after adding one.
"""

from __future__ import annotations

from pathlib import Path

import click

from cashmatch.cli import cli

OUT = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    out = []
    for name in sorted(group.commands):
        cmd = group.commands[name]
        out.append(((*path, name), cmd))
        if isinstance(cmd, click.Group):
            out.extend(commands(cmd, (*path, name)))
    return out


def main() -> None:
    lines = ["# Command-line reference", "",
             "Generated from `cashmatch COMMAND --help` by `scripts/cli_reference.py`; "
             "`tests/test_docs.py` checks that every command and option is here.", ""]
    ctx = click.Context(cli, info_name="cashmatch")
    lines += ["## cashmatch", "", "```text", cli.get_help(ctx), "```", ""]
    for path, cmd in commands(cli):
        name = " ".join(("cashmatch", *path))
        sub = click.Context(cmd, info_name=name)
        lines += [f"## {name}", "", "```text", cmd.get_help(sub), "```", ""]
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
