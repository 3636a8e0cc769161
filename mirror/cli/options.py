"""Options shared by several commands, declared once, and `command`, which
builds a subcommand that also accepts --archive/--config after its name."""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import click

from mirror.cli.state import State

CONTEXT = {"help_option_names": ["-h", "--help"]}

F = TypeVar("F", bound=Callable[..., Any])


def _set_archive(ctx: click.Context, _param: Any, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(State).archive = value
    return value


def _set_config(ctx: click.Context, _param: Any, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(State).config = value
    return value


def _set_unlock(ctx: click.Context, _param: Any, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(State).unlock_file = value
    return value


unlock_option = click.option(
    "--unlock", metavar="FILE", expose_value=False, callback=_set_unlock, is_eager=True,
    type=click.Path(dir_okay=False),
    help="Unlock an encrypted archive with FILE: an age identity, or a passphrase on its first line "
         "(default: $MIRROR_UNLOCK, then an unlocked session, then a prompt).")
archive_option = click.option(
    "--archive", metavar="DIR", expose_value=False, callback=_set_archive, is_eager=True,
    help="Archive directory (default: $MIRROR_HOME, else the user data dir).")
config_option = click.option(
    "--config", metavar="FILE", expose_value=False, callback=_set_config, is_eager=True,
    help="Config file (default: $MIRROR_CONFIG, else the user config dir).")
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
identity_option = click.option(
    "-i", "--identity", "identities", multiple=True, type=click.Path(dir_okay=False),
    help="age identity file (repeatable).")
trust_option = click.option(
    "--trust", "trust", multiple=True, metavar="KEY|FILE",
    help="Require a signature by this public key: the ed25519:... string keygen prints, "
         "or a file such as NAME.pub (repeatable).")


def passphrase_file_option(verb: str) -> Callable[[F], F]:
    return click.option("--passphrase-file", type=click.Path(dir_okay=False),
                        help=f"{verb} the passphrase in this file.")


def recipient_options(f: F) -> F:
    f = click.option("-R", "--recipients-file", "recipients_files", multiple=True,
                     type=click.Path(dir_okay=False),
                     help="Encrypt to the recipients listed in this file (repeatable).")(f)
    return click.option("-r", "--recipient", "recipients", multiple=True,
                        help="Encrypt to an age1... recipient (repeatable).")(f)


def proxy_options(f: F) -> F:
    f = click.option("--tor", is_flag=True, help="Use Tor at socks5h://127.0.0.1:9050.")(f)
    return click.option("--proxy", help="Proxy URL: socks5h://host:port or http://host:port.")(f)


def page_options(default_limit: int) -> Callable[[F], F]:
    """--limit and --offset, for commands that list: `--offset 20 --limit 20`
    is the second page of twenty."""
    def decorate(f: F) -> F:
        f = click.option("--offset", type=click.IntRange(min=0), default=0,
                         help="Skip this many results first.")(f)
        return click.option("--limit", type=click.IntRange(min=0), default=default_limit, show_default=True,
                            help="Show at most this many results (0: all).")(f)
    return decorate


jobs_option = click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Parallel fetches.")


def _bounded(f: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(f)
    def run(*args: Any, **kwargs: Any) -> Any:
        from mirror import memory

        memory.bounded_heap()
        return f(*args, **kwargs)

    return run


def command(name: str, *, whole: bool = False, **kw: Any) -> Callable[[Callable[..., Any]], click.Command]:
    """A subcommand taking the State first, that also accepts --archive/--config/--unlock
    after its name. The group in `mirror.cli` registers it. `whole`: it walks
    a whole bundle or archive, so its C heap gives large blocks back
    (`mirror.memory`)."""

    def deco(f: Callable[..., Any]) -> click.Command:
        if whole:
            f = _bounded(f)
        f = archive_option(config_option(unlock_option(f)))
        return click.command(name, cls=None, context_settings=CONTEXT, **kw)(click.pass_obj(f))

    return deco
