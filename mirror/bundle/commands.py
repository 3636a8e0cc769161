"""What the pack/inspect/unpack/export-site/keygen --signing commands do,
kept out of cli.py so that it stays a thin, shared file of option parsing."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mirror.errors import UsageError
from mirror.termtext import line


def _human(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


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


def _keys(passphrase_file, recipients, recipients_files):
    from mirror.bundle.pack import Keys
    from mirror.bundle.unpack import _read_text, read_passphrase_file

    given = sum(bool(x) for x in (passphrase_file, recipients or recipients_files))
    if given > 1:
        raise UsageError("give either --passphrase-file or recipients (-r/-R), not both")
    if passphrase_file:
        return Keys(passphrase=read_passphrase_file(passphrase_file))
    texts = list(recipients) + [_read_text(f, "recipients file") for f in recipients_files]
    if texts:
        from mirror.crypto import age

        # Parsed here: one clear error for a bad recipient before any work,
        # and a -R file may hold several.
        return Keys(recipients=tuple(r for t in texts for r in age.parse_recipients(t)))
    return Keys(passphrase=ask_passphrase())


def pack_command(state, *, output, article_ids, all_, search_q, since, passphrase_file, recipients,
                 recipients_files, armor, sign_key, fmt, no_pad) -> None:
    from mirror.bundle import htmlbundle, pack, signing

    if fmt == "html":
        htmlbundle.check_options(recipients, recipients_files, armor)
    key = signing.load_signing_key(sign_key) if sign_key else None
    with state.open_archive() as ar:
        ids = pack.select(ar, pack.Selection(tuple(article_ids), all_, search_q, since))
        keys = _keys(passphrase_file, recipients, recipients_files)
        if fmt == "html":
            stats = htmlbundle.pack(ar, ids, Path(output), keys.passphrase, sign_key=key, pad=not no_pad)
        else:
            stats = pack.pack(ar, ids, Path(output), keys, armor=armor, sign_key=key, pad=not no_pad)
    signed = f", signed by {stats.signer}" if stats.signer else ""
    click.echo(f"packed {stats.articles} article(s) into {output} "
               f"({_human(stats.plaintext_bytes)} payload, {_human(stats.padding_bytes)} padding{signed})",
               err=True)


def check_command(state, *, file, identities, passphrase_file, trust, as_json, do_import) -> None:
    from mirror.bundle import unpack

    secrets = unpack.Secrets(tuple(identities),
                             unpack.read_passphrase_file(passphrase_file) if passphrase_file else None)
    if not identities and passphrase_file is None:
        if not sys.stdin.isatty():
            raise UsageError("no key given: use -i IDENTITY or --passphrase-file F")
        secrets.passphrase = click.prompt("Passphrase", hide_input=True, err=True)
    cfg = state.cfg()
    from mirror.archive import DB_NAME

    if not do_import and not (Path(cfg.archive).expanduser() / DB_NAME).is_file():
        # inspect imports nothing: a missing archive is not created, and every article is new
        rep = unpack.check(None, file, secrets, cfg, tuple(trust), do_import)
    else:
        with state.open_archive() as ar:
            rep = unpack.check(ar, file, secrets, cfg, tuple(trust), do_import)
    for w in rep.warnings:
        click.echo(w, err=True)
    if as_json:
        import json

        click.echo(json.dumps(rep.to_json(), ensure_ascii=False, indent=2))
        return
    for a in rep.articles:  # titles and dates are the bundle maker's: no escape sequences
        click.echo(line(f"{a.id}  {(a.published or a.captured)[:10]:10}  {_human(a.bytes):>9}  "
                        f"{a.status:11}  {a.title or a.url}"))
    summary = f"{len(rep.articles)} article(s), {_human(rep.payload_bytes)}, {rep.signature}"
    if do_import:
        summary = (f"imported {rep.imported} capture(s); {rep.skipped} article(s) already present; "
                   + summary)
    click.echo(summary, err=True)


def export_site_command(state, *, directory, article_ids, all_) -> None:
    from mirror.bundle import pack

    with state.open_archive() as ar:
        ids = pack.select(ar, pack.Selection(tuple(article_ids), all_))
        n = pack.export_site(ar, ids, Path(directory))
    click.echo(f"wrote {n} article(s) to {directory}; open {Path(directory) / 'index.html'}", err=True)


def keygen_signing(output, pq: bool = False) -> None:
    from mirror.bundle import signing

    if pq:
        raise UsageError("--pq is for age identities; a signing key is Ed25519")

    key = signing.generate()
    pub = signing.public_text(key.public)
    fp = signing.fingerprint(key.public)
    if output:
        signing.write_key_file(output, key)
        click.echo(f"Public key: {pub}")
        click.echo(f"Fingerprint: {fp}")
    else:
        click.echo(key.to_file_text(), nl=False)
        click.echo(f"Public key: {pub}\nFingerprint: {fp}", err=True)
