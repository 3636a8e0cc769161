"""The encrypted archive's commands: init, key list/add/remove/erase,
unlock, lock, encrypt. What a key slot is and how the archive is sealed
live in `mirror.store`; prompts and messages live here."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

import click

from mirror.cli.options import CONTEXT, command, json_option, passphrase_file_option, recipient_options
from mirror.cli.output import emit_json
from mirror.cli.newarchive import create_archive, new_keys
from mirror.cli.prompts import on_terminal
from mirror.cli.state import State
from mirror.errors import UsageError

if TYPE_CHECKING:
    from mirror.store import Archive

_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?\Z")
MAX_SESSION = 7 * 24 * 3600


def parse_duration(text: str) -> int:
    """`15m`, `1h`, `90s`, `1h30m` (a bare number is minutes) -> seconds."""
    t = text.strip().lower()
    if t.isdigit():
        seconds = int(t) * 60
    else:
        m = _DURATION.match(t)
        if not t or not m or not any(m.groups()):
            raise UsageError(f"--for {text!r}: give a duration such as 15m, 1h or 1h30m")
        h, mi, s = (int(g or 0) for g in m.groups())
        seconds = h * 3600 + mi * 60 + s
    if not 0 < seconds <= MAX_SESSION:
        raise UsageError(f"--for {text!r}: a session lasts from 1 second to 7 days")
    return seconds


@command("init")
@click.option("--plaintext", is_flag=True, help="Do not encrypt (anyone with the disk can read it).")
@passphrase_file_option("A passphrase key slot with")
@recipient_options
def init_cmd(state: State, plaintext: bool, passphrase_file: str | None, recipients: tuple[str, ...],
             recipients_files: tuple[str, ...]) -> None:
    """Create the archive: encrypted (a passphrase and/or age recipients), or --plaintext."""
    create_archive(state.cfg(), plaintext=plaintext, passphrase_file=passphrase_file, recipients=recipients,
                   recipients_files=recipients_files).close()


@click.group("key", context_settings=CONTEXT)
def key_group() -> None:
    """Key slots of the encrypted archive: list, add, remove, erase."""


def _key_command(name: str, **kw: Any) -> Callable[[Callable[..., Any]], click.Command]:
    """A `command` registered under `mirror key`."""
    def deco(f: Callable[..., Any]) -> click.Command:
        cmd = command(name, **kw)(f)
        key_group.add_command(cmd)
        return cmd
    return deco


def _encrypted(state: State) -> Archive:
    from mirror.store import Archive, kind

    root = state.cfg().archive
    if kind(root) == "plaintext":
        raise UsageError(f"{root} is a plaintext archive: it has no keys (encrypt it with `mirror encrypt`)")
    return Archive.open(root, state.unlock())


@_key_command("list")
@json_option
def key_list_cmd(state: State, as_json: bool) -> None:
    """The key slots (id, kind). Needs no key."""
    from mirror.store import kind, slots

    root = state.cfg().archive
    if kind(root) != "encrypted":
        raise UsageError(f"{root} is not an encrypted archive")
    found = slots.list_slots(root / "keys")
    if as_json:
        emit_json([s.to_json() for s in found])
        return
    for s in found:
        click.echo(f"{s.id}  {s.kind}")
    if not found:
        click.echo("no key slots: the archive was erased", err=True)


@_key_command("add")
@passphrase_file_option("The new slot's passphrase in")
@recipient_options
def key_add_cmd(state: State, passphrase_file: str | None, recipients: tuple[str, ...],
                recipients_files: tuple[str, ...]) -> None:
    """Add a key slot (the data is not re-encrypted). Unlocks with an existing key first."""
    from mirror.store.archive import write_slots

    with _encrypted(state) as ar:
        new = new_keys(state.cfg(), passphrase_file, recipients, recipients_files, ask=True)
        for s in write_slots(ar.keys_dir, ar.master_key(), new):
            click.echo(f"added key slot {s.id} ({s.kind})")


@_key_command("remove")
@click.argument("slot")
def key_remove_cmd(state: State, slot: str) -> None:
    """Remove one key slot (the last one only with `key erase`)."""
    from mirror.store import slots

    with _encrypted(state) as ar:  # proof of a key: nobody removes slots without one
        gone = slots.remove(ar.keys_dir, slot)
    click.echo(f"removed key slot {gone.id} ({gone.kind})")


@_key_command("erase")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def key_erase_cmd(state: State, yes: bool) -> None:
    """Destroy every key slot: from then on the archive is noise. Needs no key.

    Copies made earlier (backups, a copied slot file), swap and SSD wear
    levelling are beyond its reach: see the README."""
    from mirror.store import agent, kind, slots

    root = state.cfg().archive
    if kind(root) != "encrypted":
        raise UsageError(f"{root} is not an encrypted archive")
    if not yes:
        if not on_terminal():
            raise UsageError("key erase destroys the archive for good: confirm with --yes")
        click.confirm(f"Destroy every key of {root}? Nothing can read it afterwards", abort=True, err=True)
    n = slots.erase(root / "keys")
    agent.stop(root)
    click.echo(f"erased {n} key slot(s): the archive at {root} can no longer be opened", err=True)


@command("unlock")
@click.option("--for", "duration", metavar="DURATION", default=None,
              help="How long the session lasts: 15m, 1h, 1h30m (default: crypto.session_minutes).")
def unlock_cmd(state: State, duration: str | None) -> None:
    """Keep the archive's key in memory (a private agent) so commands need no key.

    The key is asked for once (--unlock FILE, $MIRROR_UNLOCK, or a prompt);
    `mirror lock` ends the session at once, and it ends by itself."""
    from mirror.store import agent

    seconds = parse_duration(duration) if duration else state.cfg().crypto.session_minutes * 60
    with _encrypted_for_unlock(state) as ar:
        agent.start(ar.root, ar.master_key(), seconds)
    click.echo(f"unlocked {ar.root} for {_human(seconds)} (mirror lock ends it now)", err=True)


def _encrypted_for_unlock(state: State) -> Archive:
    from mirror.store import Archive, kind

    root = state.cfg().archive
    if kind(root) != "encrypted":
        raise UsageError(f"{root} is not an encrypted archive")
    return Archive.open(root, state.unlock(session=False))


def _human(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return " ".join(f"{v}{u}" for v, u in ((h, "h"), (m, "m"), (s, "s")) if v) or "0s"


@command("lock")
def lock_cmd(state: State) -> None:
    """End the unlocked session now."""
    from mirror.store import agent

    root = state.cfg().archive
    if agent.stop(root):
        click.echo(f"locked {root}", err=True)
    else:
        click.echo(f"{root} was not unlocked", err=True)


@command("encrypt")
@passphrase_file_option("A passphrase key slot with")
@recipient_options
def encrypt_cmd(state: State, passphrase_file: str | None, recipients: tuple[str, ...],
                recipients_files: tuple[str, ...]) -> None:
    """Turn the plaintext archive into an encrypted one (crash-safe), then delete the plaintext."""
    from mirror.store import convert, kind

    root = state.cfg().archive
    if kind(root) != "plaintext":
        raise UsageError(f"{root} is not a plaintext archive" + (" (already encrypted)" if kind(root) == "encrypted" else ""))
    new = new_keys(state.cfg(), passphrase_file, recipients, recipients_files, ask=True)
    convert.encrypt(root, new).close()
    click.echo(f"encrypted {root}; the plaintext files are deleted, but on SSDs and journaling file systems"
               " deleted data may still be recoverable: treat the old disk as exposed", err=True)


COMMANDS = [init_cmd, key_group, unlock_cmd, lock_cmd, encrypt_cmd]
