"""`mirror demo`, and the in-process runner it is given: the demo package
never imports the CLI, it receives this group's runner from here."""

from __future__ import annotations

import contextlib
import io
from typing import TYPE_CHECKING

import click

from mirror.cli.options import command
from mirror.cli.state import State

if TYPE_CHECKING:
    from mirror.demo.invoke import Runner


def in_process(group: click.Command) -> "Runner":
    """A Runner for `group`: `mirror ARGS` in this process -> (stdout, stderr).
    MirrorError propagates; click usage errors become UsageError with click's message."""
    from mirror.errors import UsageError

    def run(args: list[str]) -> tuple[str, str]:
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                group.main(args=args, prog_name="mirror", standalone_mode=False)
        except click.ClickException as e:
            raise UsageError(e.format_message()) from None
        except click.exceptions.Exit as e:
            if e.exit_code:
                raise UsageError(f"mirror {args[0]} exited with {e.exit_code}: {err.getvalue().strip()}") from None
        return out.getvalue(), err.getvalue()

    return run


@command("demo")
@click.option("--out", "out", metavar="DIR", type=click.Path(file_okay=False),
              help="Write everything here (default: a new temporary directory, kept and printed).")
@click.option("--clean", is_flag=True, help="Delete the output directory at the end.")
@click.pass_context
def demo_cmd(ctx: click.Context, state: State, out: str | None, clean: bool) -> None:
    """Run the whole pipeline on built-in sample pages (never the internet).

    Archives into --archive DIR if given, else into a fresh archive inside the
    output directory."""
    from mirror.demo.run import run

    run(state.cfg(), click.echo, in_process(ctx.find_root().command), out=out, archive=state.archive, clean=clean)


COMMANDS = [demo_cmd]
