"""Commands for keys and bundles: keygen, pack, inspect, unpack, export-site.
The prompts live here; what to pack, how to encrypt and verify is in `mirror.bundle`."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator

import click

from mirror.cli.options import (F, command, identity_option, json_option, passphrase_file_option,
                                recipient_options, trust_option)
from mirror.cli.output import emit_json, human, json_object, write_lines
from mirror.cli.prompts import ask_passphrase
from mirror.cli.state import State
from mirror.errors import UsageError
from mirror.progress import Bar
from mirror.termtext import line

LANGS = ("en", "ru", "uk", "kk", "be", "ar", "fa", "zh")  # mirror.render.i18n.SUPPORTED (a test keeps them equal)


def look_options(f: F) -> F:
    """--lang and --index-by: how the index and the bundle page read."""
    f = click.option("--index-by", "index_by", type=click.Choice(["date", "outlet"]), default="date",
                     show_default=True, help="Group the index by day of publication or by outlet.")(f)
    return click.option("--lang", type=click.Choice(LANGS), default=None,
                        help="Language of the index and bundle page (default: most articles').")(f)


@command("keygen")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the key here (mode 0600).")
@click.option("--pq", is_flag=True, help="Post-quantum hybrid (ML-KEM-768 + X25519) identity.")
@click.option("--signing", is_flag=True, help="An Ed25519 key for signing bundles.")
@click.option("-y", "public_of", metavar="FILE",
              help="Print the recipient of an age identity file, or a signing key's public key (- reads stdin).")
def keygen_cmd(state: State, output: str | None, pq: bool, signing: bool, public_of: str | None) -> None:
    """Generate an age identity (prints the recipient) or a signing key."""
    if public_of is not None:
        return _keygen_public(public_of, output, pq, signing)
    if signing:
        return _keygen_signing(output, pq)
    _keygen_age(output, pq)


def _keygen_age(output: str | None, pq: bool) -> None:
    """age-keygen's format: `# created:` (the UTC date only, nothing finer), `# public
    key:`, the identity. With -o: a new file (mode 0600, never overwritten) and the
    recipient on stdout; without: the file on stdout, `Public key: ...` on stderr."""
    import datetime

    from mirror.crypto import age

    identity, recipient = age.generate_identity(post_quantum=pq)
    created = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    text = f"# created: {created}\n# public key: {recipient}\n{identity}\n"
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        click.echo(f"Public key: {recipient}", err=True)
        return
    from mirror.fsutil import create_new

    create_new(output, text.encode("utf-8"), "a key file")
    click.echo(recipient)


def _keygen_public(path: str, output: str | None, pq: bool, signing: bool) -> None:
    """`keygen -y FILE`, as `age-keygen -y`: one public key per secret key, on stdout."""
    from mirror.bundle.keyfiles import public_keys
    from mirror.fsutil import read_text

    if output or pq or signing:
        raise UsageError("-y reads an existing key: it takes no -o, --pq or --signing")
    if path == "-":
        where = "standard input"
        try:
            text = sys.stdin.buffer.read(1 << 20).decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{where} is not a text key file") from None
    else:
        text, where = read_text(path, "key file"), path
    for pub in public_keys(text, where):
        click.echo(pub)


def _keygen_signing(output: str | None, pq: bool) -> None:
    from mirror.bundle import signing

    if pq:
        raise UsageError("--pq is for age identities; a signing key is Ed25519")
    key = signing.generate()
    pub = signing.public_text(key.public)
    fp = signing.fingerprint(key.public)
    if output and output != "-":
        pubfile = signing.write_key_file(output, key)
        click.echo(f"Public key: {pub}")
        click.echo(f"Fingerprint: {fp}")
        click.echo(f"wrote {output} (secret, keep it) and {pubfile} (give it to readers for --trust)", err=True)
    else:
        click.echo(key.to_file_text(), nl=False)
        click.echo(f"Public key: {pub}\nFingerprint: {fp}", err=True)


@command("pack", whole=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Bundle file to write; - for standard output.")
@click.option("-f", "--force", is_flag=True, help="Overwrite an existing output file.")
@click.argument("article_ids", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every article in the archive.")
@click.option("--search", "search_q", metavar="Q", help="Articles matching a full-text search.")
@click.option("--since", metavar="DATE", help="Articles captured on or after DATE (YYYY-MM-DD).")
@passphrase_file_option("Encrypt to")
@recipient_options
@click.option("--armor", is_flag=True, help="ASCII-armored output.")
@click.option("--sign-key", type=click.Path(dir_okay=False), help="Sign the manifest with this Ed25519 key.")
@click.option("--format", "fmt", type=click.Choice(["age", "html"]), default="age", show_default=True,
              help="age file, or html: one self-decrypting page for a browser (passphrase only).")
@click.option("--no-pad", is_flag=True, help="Do not pad the payload (its size then leaks more).")
@look_options
@json_option
def pack_cmd(state: State, *, output: str, force: bool, article_ids: tuple[str, ...], all_: bool,
             search_q: str | None, since: str | None, passphrase_file: str | None, recipients: tuple[str, ...],
             recipients_files: tuple[str, ...], armor: bool, sign_key: str | None, fmt: str, no_pad: bool,
             lang: str | None, index_by: str, as_json: bool) -> None:
    """Pack articles into one encrypted bundle file."""
    from mirror.bundle import htmlbundle, pack, signing

    if as_json and output == "-":
        raise UsageError("--json and -o - would both write to standard output; give -o FILE")
    if fmt == "html":
        htmlbundle.check_options(recipients, recipients_files, armor)
    selection = pack.Selection(tuple(article_ids), all_, search_q, since)
    dest = _bundle_destination(output, force, binary=fmt == "age" and not armor)
    key = signing.load_signing_key(sign_key) if sign_key else None
    with state.open_archive() as ar:
        ids = pack.select(ar, selection)
        keys = pack.keys_given(passphrase_file, recipients, recipients_files)
        if keys is None:
            keys = pack.Keys(passphrase=ask_passphrase())
        look = pack.Look(lang, index_by)
        with progress_bar() as bar:
            if fmt == "html":
                assert keys.passphrase is not None  # check_options refused recipients
                stats = htmlbundle.pack(ar, ids, dest, keys.passphrase, sign_key=key, pad=not no_pad,
                                        overwrite=force, look=look, warn=bar.echo, progress=bar.step)
            else:
                stats = pack.pack(ar, ids, dest, keys, armor=armor, sign_key=key, pad=not no_pad,
                                  overwrite=force, look=look, warn=bar.echo, progress=bar.step)
    if as_json:
        emit_json({"output": output, "articles": stats.articles, "payload_bytes": stats.plaintext_bytes,
                   "padding_bytes": stats.padding_bytes, "signer": stats.signer})
        return
    signed = f", signed by {stats.signer}" if stats.signer else ""
    where = "standard output" if output == "-" else output
    click.echo(f"packed {stats.articles} article(s) into {where} "
               f"({human(stats.plaintext_bytes)} payload, {human(stats.padding_bytes)} padding{signed})",
               err=True)


@contextlib.contextmanager
def progress_bar() -> Iterator[Bar]:
    """A progress bar for a long command (on a terminal only), wiped when it ends."""
    bar = Bar()
    try:
        yield bar
    finally:
        bar.close()


def _bundle_destination(output: str, force: bool, binary: bool) -> Path | BinaryIO:
    """`-` is standard output (refused for binary on a terminal, as age does);
    a path must be new unless --force, checked before any work or prompt."""
    from mirror.bundle import pack

    if output == "-":
        if binary and sys.stdout.isatty():
            raise UsageError("refusing to write a binary bundle to the terminal: redirect it or use --armor")
        return sys.stdout.buffer
    pack.refuse_unportable(Path(output))
    if not force:
        pack.refuse_existing(Path(output))
    return Path(output)


def _check(state: State, *, file: str, identities: tuple[str, ...], passphrase_file: str | None,
           trust: tuple[str, ...], as_json: bool, do_import: bool) -> None:
    from mirror.bundle import unpack
    from mirror.fsutil import read_passphrase_file

    secrets = unpack.Secrets(tuple(identities), read_passphrase_file(passphrase_file) if passphrase_file else None)
    if not identities and passphrase_file is None:
        if file == "-":
            raise UsageError("the bundle comes on standard input: give -i IDENTITY or --passphrase-file F")
        if not sys.stdin.isatty():
            raise UsageError("no key given: use -i IDENTITY or --passphrase-file F")
        secrets.passphrase = click.prompt("Passphrase", hide_input=True, err=True)
    with progress_bar() as bar:
        rep = unpack.inspect_or_unpack(state.cfg(), file, secrets, tuple(trust), do_import, state.open_archive,
                                       progress=bar.step if do_import else None)
    with rep:  # its rows are read back from where the check put them away, as they are printed
        for w in rep.warnings:  # e.g. an HTML bundle whose page code is not ours
            click.echo(w, err=True)
        if as_json:
            write_lines(json_object(rep.head_json(), "articles", (a.to_json() for a in rep.articles)))
            return
        # titles and dates are the bundle maker's: no escape sequences
        write_lines(line(f"{a.id}  {(a.published or a.captured)[:10]:10}  {human(a.bytes):>9}  "
                         f"{a.status:11}  {a.title or a.url}") for a in rep.articles)
        summary = f"{len(rep.articles)} article(s), {human(rep.payload_bytes)}, {rep.signature}"
        if do_import:
            summary = (f"imported {rep.imported} capture(s); {rep.skipped} article(s) already present; "
                       + summary)
        click.echo(summary, err=True)


def _reading(name: str) -> Callable[[Callable[..., Any]], click.Command]:
    """inspect and unpack take the same arguments: a bundle and how to open and trust it."""

    def deco(f: Callable[..., Any]) -> click.Command:
        for opt in reversed((click.argument("file", type=click.Path(dir_okay=False, allow_dash=True)), identity_option,
                             passphrase_file_option("Decrypt with"), trust_option, json_option)):
            f = opt(f)
        return command(name, whole=True)(f)

    return deco


@_reading("inspect")
def inspect_cmd(state: State, file: str, identities: tuple[str, ...], passphrase_file: str | None,
                trust: tuple[str, ...], as_json: bool) -> None:
    """List and verify a bundle's contents; import nothing."""
    _check(state, file=file, identities=identities, passphrase_file=passphrase_file, trust=trust,
           as_json=as_json, do_import=False)


@_reading("unpack")
def unpack_cmd(state: State, file: str, identities: tuple[str, ...], passphrase_file: str | None,
               trust: tuple[str, ...], as_json: bool) -> None:
    """Verify a bundle, then import its articles."""
    _check(state, file=file, identities=identities, passphrase_file=passphrase_file, trust=trust,
           as_json=as_json, do_import=True)


@command("verify", whole=True)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@identity_option
@passphrase_file_option("Decrypt with")
@trust_option
@json_option
def verify_cmd(state: State, paths: tuple[str, ...], identities: tuple[str, ...], passphrase_file: str | None,
               trust: tuple[str, ...], as_json: bool) -> None:
    """Check every bundle in files or folders (a stick, say): decrypt, verify
    the container, hashes and signature, import nothing. A line per bundle;
    the exit code is the worst: 2 if any failed verification, 1 if any
    could not be read."""
    from mirror.bundle import checkall, unpack
    from mirror.fsutil import read_passphrase_file

    files = list(checkall.bundle_files(list(paths)))
    if not files:
        raise UsageError("no bundle found in " + ", ".join(paths))
    secrets = unpack.Secrets(tuple(identities), read_passphrase_file(passphrase_file) if passphrase_file else None)
    if not identities and passphrase_file is None:
        if not sys.stdin.isatty():
            raise UsageError("no key given: use -i IDENTITY or --passphrase-file F")
        secrets.passphrase = click.prompt("Passphrase", hide_input=True, err=True)
    results = []
    for f in files:
        r = checkall.check_one(state.cfg(), f, secrets, tuple(trust))
        results.append(r)
        if not as_json:
            for w in r.warnings:
                click.echo(line(f"mirror: warning: {r.path}: {w}"), err=True)
            click.echo(line(f"ok    {r.path}  {r.articles} article(s), {r.signature}" if r.ok else
                            f"FAIL  {r.path}  {r.error}"))
    if as_json:
        emit_json([r.to_json() for r in results])
    kind = checkall.worst(results)
    if kind is not None:
        bad = sum(not r.ok for r in results)
        raise kind(f"{bad} of {len(results)} bundle(s) failed")


@command("export-site", whole=True)
@click.argument("directory", type=click.Path(file_okay=False))
@click.argument("article_ids", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every article.")
@look_options
@json_option
def export_site_cmd(state: State, directory: str, article_ids: tuple[str, ...], all_: bool, lang: str | None,
                    index_by: str, as_json: bool) -> None:
    """Write articles as a static offline site."""
    from mirror.bundle import pack

    with state.open_archive() as ar:
        ids = pack.select(ar, pack.Selection(tuple(article_ids), all_))
        with progress_bar() as bar:
            n = pack.export_site(ar, ids, Path(directory), look=pack.Look(lang, index_by), warn=bar.echo,
                                 progress=bar.step)
        encrypted = ar.encrypted
    if as_json:
        emit_json({"directory": str(directory), "articles": n, "index": str(Path(directory) / "index.html"),
                   "encrypted": False})
    else:
        click.echo(f"wrote {n} article(s) to {directory}; open {Path(directory) / 'index.html'}", err=True)
    if encrypted:  # the archive is encrypted; what was asked for here is not
        click.echo(f"note: {directory} is NOT encrypted: anyone who can read this disk can read these articles",
                   err=True)


@command("export-epub", whole=True)
@click.argument("output", type=click.Path(dir_okay=False))
@click.argument("article_ids", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every article in the archive.")
@click.option("--search", "search_q", metavar="Q", help="Articles matching a full-text search.")
@click.option("--since", metavar="DATE", help="Articles captured on or after DATE (YYYY-MM-DD).")
@click.option("-f", "--force", is_flag=True, help="Overwrite an existing output file.")
@look_options
@json_option
def export_epub_cmd(state: State, output: str, article_ids: tuple[str, ...], all_: bool, search_q: str | None,
                    since: str | None, force: bool, lang: str | None, index_by: str, as_json: bool) -> None:
    """Write articles as one EPUB 3 book for e-readers (NOT encrypted)."""
    from mirror import epub
    from mirror.bundle import pack

    selection = pack.Selection(tuple(article_ids), all_, search_q, since)
    if not force:
        pack.refuse_existing(Path(output))
    with state.open_archive() as ar:
        ids = pack.select(ar, selection)
        n = epub.export_epub(ar, ids, Path(output), pack.Look(lang, index_by), overwrite=force)
    if as_json:
        emit_json({"output": str(output), "articles": n, "encrypted": False})
    else:
        click.echo(f"wrote {n} article(s) to {output}", err=True)
    click.echo(f"warning: {epub.NOT_ENCRYPTED}", err=True)


COMMANDS = [keygen_cmd, pack_cmd, inspect_cmd, unpack_cmd, verify_cmd, export_site_cmd, export_epub_cmd]
