"""Command-line interface: parse, call, print. Errors are mapped to one line
and an exit code here (`main`) and nowhere else. Heavy modules are imported
inside the commands so that `mirror --help` starts fast.

`options` (shared option decorators, `command`), `state` (what the group's
options set), `output` (printers), and the commands by topic: `archive`,
`capture`, `bundles`, `keys` (the encrypted archive's keys), `demo`.
"""

from __future__ import annotations

import sys

import click

from mirror import __version__
from mirror.cli import archive, bundles, capture, demo, interrupt, keys
from mirror.cli.examples import add_examples
from mirror.cli.options import CONTEXT, archive_option, config_option, unlock_option
from mirror.cli.state import State
from mirror.errors import Interrupted, MirrorError
from mirror.termtext import line


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="mirror")
@archive_option
@config_option
@unlock_option
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Archive news articles offline and pass them on as encrypted bundles."""
    ctx.ensure_object(State).debug = debug


for _module in (archive, capture, bundles, keys, demo):
    for _cmd in _module.COMMANDS:
        add_examples(_cmd, _cmd.name or "")
        cli.add_command(_cmd)


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
