"""Command-line interface: parse, call, print. Errors are mapped to one line
and an exit code here (`main`) and nowhere else. A command's module is
imported only when that command runs, and heavy modules inside the commands,
so that `mirror ls` pays for `ls` alone.

`options` (shared option decorators, `command`), `state` (what the group's
options set), `output` (printers), and the commands by topic: `archive`,
`capture`, `bundles`, `keys` (the encrypted archive's keys), `demo`.
"""

from __future__ import annotations

import importlib
import sys

import click

from mirror import __version__
from mirror.cli import interrupt
from mirror.cli.examples import add_examples
from mirror.cli.options import CONTEXT, archive_option, config_option, unlock_option
from mirror.cli.state import State
from mirror.errors import Interrupted, MirrorError
from mirror.termtext import line


# Which module of mirror.cli holds each command (its COMMANDS list); a test
# checks this table against those lists.
COMMAND_MODULES: dict[str, str] = {
    **dict.fromkeys(["ls", "search", "show", "rm", "gc", "reextract"], "archive"),
    **dict.fromkeys(["add", "clean-url", "import-html", "extract", "follow", "feeds", "unfollow", "update"],
                    "capture"),
    **dict.fromkeys(["keygen", "pack", "inspect", "unpack", "verify", "export-site", "export-epub"], "bundles"),
    **dict.fromkeys(["init", "key", "unlock", "lock", "encrypt"], "keys"),
    "demo": "demo",
}


class LazyGroup(click.Group):
    """Imports a command's module when the command is asked for (to run it,
    or to list it in --help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            for cmd in importlib.import_module(f"mirror.cli.{COMMAND_MODULES[cmd_name]}").COMMANDS:
                if cmd.name not in self.commands:
                    add_examples(cmd, cmd.name or "")
                    self.add_command(cmd)
        return self.commands.get(cmd_name)


@click.group(cls=LazyGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="mirror")
@archive_option
@config_option
@unlock_option
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Archive news articles offline and pass them on as encrypted bundles."""
    ctx.ensure_object(State).debug = debug



def main(argv: list[str] | None = None) -> None:
    """The entry point: run `cli`, map every failure to one line and an exit code."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    interrupt.install()
    try:
        cli.main(args=argv, prog_name="mirror", standalone_mode=False)
    except MirrorError as e:
        if debug:
            raise
        click.echo(line(f"mirror: {e}" if isinstance(e, Interrupted) else f"mirror: error: {e}"), err=True)
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        click.echo("mirror: aborted", err=True)
        sys.exit(1)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.ClickException as e:
        e.show()
        sys.exit(1)
    except (interrupt.Interrupt, KeyboardInterrupt):
        click.echo("mirror: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except OSError as e:
        if debug:
            raise
        click.echo(f"mirror: error: {e.strerror or e}" + (f": {e.filename}" if e.filename else ""), err=True)
        sys.exit(1)
    sys.exit(0)
