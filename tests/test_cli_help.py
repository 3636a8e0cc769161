"""Every command's --help ends with examples, and every example is a command
line that mirror accepts (its options exist, its arguments fit)."""

from __future__ import annotations

import shlex

import click
import pytest

from conftest import run_mirror
from mirror.cli import cli


def _commands(group: click.Group = cli, prefix: tuple[str, ...] = ()):
    for name, cmd in sorted(group.commands.items()):
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))


ALL = list(_commands())


def _examples(help_text: str) -> list[str]:
    """The lines of the help's Examples section."""
    _, found, rest = help_text.partition("\n  Examples:\n")
    assert found, help_text
    return [x.strip() for x in rest.split("\n\n")[0].splitlines() if x.strip()]


@pytest.mark.parametrize("path", [" ".join(p) for p, _ in ALL])
def test_every_command_help_shows_examples(path, tmp_path):
    r = run_mirror(*path.split(), "--help")
    assert r.returncode == 0, r.stderr
    examples = _examples(r.stdout)
    assert 1 <= len(examples) <= 2
    for ex in examples:
        assert ex.startswith(f"mirror {path}") or f"&& mirror {path}" in ex or f"| mirror {path}" in ex, ex


def _argv(example: str) -> list[str]:
    """The arguments of the example's last `mirror` command, shell redirections and comments dropped."""
    import re

    last = example.split("#")[0].rpartition("mirror ")[2]
    return shlex.split(re.split(r"\s(?:\||&&|<|>)\s", f" {last} ")[0])


@pytest.mark.parametrize("path,cmd", [(" ".join(p), c) for p, c in ALL])
def test_every_example_parses(path, cmd):
    from mirror.cli.examples import EXAMPLES

    for ex in EXAMPLES[path]:
        args = _argv(ex)
        assert args[:len(path.split())] == path.split(), ex
        # Raises click.UsageError on an unknown option, a bad value or a missing argument.
        cmd.make_context(path, args[len(path.split()):])
