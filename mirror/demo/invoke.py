"""Run `mirror` commands in this process, as a user would type them.

The demo drives keygen, pack, inspect, unpack and export-site through the CLI
itself, so it shows (and exercises) exactly what users run.
"""

from __future__ import annotations

import contextlib
import io
import re

from mirror.errors import UsageError


def mirror_cmd(args: list[str]) -> tuple[str, str]:
    """Run `mirror ARGS` in this process; return (stdout, stderr). MirrorError
    propagates; click usage errors become
    UsageError with click's message."""
    import click

    from mirror.cli import cli

    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            cli.main(args=args, prog_name="mirror", standalone_mode=False)
    except click.ClickException as e:
        raise UsageError(e.format_message()) from None
    except click.exceptions.Exit as e:
        if e.exit_code:
            raise UsageError(f"mirror {args[0]} exited with {e.exit_code}: {err.getvalue().strip()}") from None
    return out.getvalue(), err.getvalue()


def shown(args: list[str]) -> str:
    """The command line to print, quoted where a shell would need it."""
    return "$ mirror " + " ".join(a if re.fullmatch(r"[\w@%+=:,./-]+", a) else repr(a) for a in args)
