"""Every command's --help ends with examples, and every example is a command
line that mirror accepts (its options exist, its arguments fit)."""

from __future__ import annotations

import shlex

import click
import pytest

from conftest import run_mirror
from mirror.cli import COMMAND_MODULES, cli


def _commands(group: click.Group = cli, prefix: tuple[str, ...] = ()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))


ALL = list(_commands())


def test_every_command_is_found_in_the_module_the_table_names():
    """The lazy group imports COMMAND_MODULES[name] to find `name`: the table
    must list every command of every module, each in its own module."""
    import importlib

    listed = {cmd.name: m for m in set(COMMAND_MODULES.values())
              for cmd in importlib.import_module(f"mirror.cli.{m}").COMMANDS}
    assert listed == COMMAND_MODULES


def test_a_command_imports_only_its_own_module():
    import subprocess
    import sys

    code = ("import sys; from mirror.cli import cli; import click; cli.get_command(click.Context(cli), 'ls');"
            "print(sorted(m for m in sys.modules if m.startswith('mirror.cli.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = {m.rsplit(".", 1)[1] for m in eval(out)}
    assert "archive" in loaded and not loaded & {"bundles", "capture", "keys", "demo"}, loaded


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
