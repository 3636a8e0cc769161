"""Questions asked on a terminal, and only there: hidden passphrase prompts
and the test for whether there is a terminal to ask on."""

from __future__ import annotations

import sys

import click

from mirror.errors import UsageError


def on_terminal() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def hidden_prompt(text: str) -> str:
    return click.prompt(text, hide_input=True, err=True)


def ask_passphrase() -> str:
    """Hidden prompt, confirmed; an empty answer offers a generated one."""
    from mirror.bundle import passphrase

    if not sys.stdin.isatty():
        raise UsageError("no key given and no terminal to ask for a passphrase: use "
                         "--passphrase-file F, -r RECIPIENT or -R FILE")
    first = click.prompt("Passphrase (leave empty to generate one)", hide_input=True, default="",
                         show_default=False, err=True)
    if not first:
        first = passphrase.generate()
        click.echo(f"Generated passphrase ({passphrase.entropy_bits():.0f} bits of entropy); "
                   "write it down or read it aloud to the recipient:", err=True)
        click.echo(f"    {first}", err=True)
        if not click.confirm("Use this passphrase?", default=True, err=True):
            raise click.exceptions.Abort()
        return first
    again = click.prompt("Repeat passphrase", hide_input=True, err=True)
    if again != first:
        raise UsageError("the passphrases do not match")
    return first
