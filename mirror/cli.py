"""Command-line interface: parse, call, print. Errors are mapped to one line
and an exit code here and nowhere else. Heavy modules are imported inside the
commands so that `mirror --help` starts fast."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from mirror import __version__
from mirror.errors import MirrorError
from mirror.termtext import block, line

CONTEXT = {"help_option_names": ["-h", "--help"]}


class State:
    def __init__(self) -> None:
        self.archive: str | None = None
        self.config: str | None = None
        self.debug = False
        self._cfg = None

    def cfg(self):
        if self._cfg is None:
            from mirror import config

            self._cfg = config.load(self.config, self.archive)
        return self._cfg

    def open_archive(self):
        from mirror.archive import Archive

        return Archive.open(self.cfg().archive)


def _set_archive(ctx: click.Context, _param, value):
    if value is not None:
        ctx.ensure_object(State).archive = value
    return value


def _set_config(ctx: click.Context, _param, value):
    if value is not None:
        ctx.ensure_object(State).config = value
    return value


archive_option = click.option(
    "--archive", metavar="DIR", expose_value=False, callback=_set_archive, is_eager=True,
    help="Archive directory (default: $MIRROR_HOME, else the user data dir).")
config_option = click.option(
    "--config", metavar="FILE", expose_value=False, callback=_set_config, is_eager=True,
    help="Config file (default: $MIRROR_CONFIG, else the user config dir).")
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


def command(name: str | None = None, **kw):
    """A subcommand that also accepts --archive/--config after its name."""

    def deco(f):
        f = archive_option(config_option(f))
        return cli.command(name, context_settings=CONTEXT, **kw)(click.pass_obj(f))

    return deco


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="mirror")
@archive_option
@config_option
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Archive news articles offline and pass them on as encrypted bundles."""
    ctx.ensure_object(State).debug = debug


# -- archive ----------------------------------------------------------------


@command("ls")
@json_option
def ls_cmd(state: State, as_json: bool) -> None:
    """List archived articles, newest first."""
    with state.open_archive() as ar:
        _print_summaries(ar.list(), as_json)


@command("search")
@click.argument("query")
@json_option
def search_cmd(state: State, query: str, as_json: bool) -> None:
    """Full-text search over titles, bylines and text."""
    with state.open_archive() as ar:
        _print_summaries(ar.search(query), as_json)


def _print_summaries(items, as_json: bool) -> None:
    if as_json:
        emit_json([s.to_json() for s in items])
        return
    for s in items:
        click.echo(line(f"{s.id}  {(s.published or s.captured)[:10]:10}  {s.title or s.url}"))


@command("show")
@click.argument("article_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text",
              show_default=True)
@click.option("--version", "version", type=int, default=None, help="A specific version (default: latest).")
def show_cmd(state: State, article_id: str, fmt: str, version: int | None) -> None:
    """Print one article as text, JSON or the offline reader page."""
    with state.open_archive() as ar:
        art = ar.get(article_id, version)
        if fmt == "json":
            emit_json(art.to_json())
        elif fmt == "text":
            head = [line(art.title), line(art.byline), line(art.published), line(art.url)]
            click.echo("\n".join(x for x in head if x) + "\n\n" + block(art.text))
        else:
            from mirror.render import reader_page

            page = reader_page(art, ar.read_blob)
            sys.stdout.buffer.write(page.encode("utf-8"))


@command("rm")
@click.argument("article_ids", nargs=-1, required=True)
def rm_cmd(state: State, article_ids: tuple[str, ...]) -> None:
    """Delete articles (all versions). Run `mirror gc` to free their files."""
    with state.open_archive() as ar:
        full = [ar.resolve(a) for a in article_ids]
        for aid in full:
            ar.remove(aid)
    click.echo(f"removed {len(full)} article(s)", err=True)


@command("gc")
@json_option
def gc_cmd(state: State, as_json: bool) -> None:
    """Delete stored files that no article refers to any more."""
    with state.open_archive() as ar:
        count, size = ar.gc()
    if as_json:
        emit_json({"removed": count, "bytes": size})
    else:
        click.echo(f"removed {count} unreferenced file(s), {size} bytes")


# -- pipeline ---------------------------------------------------------------


@command("add")
@click.argument("urls", nargs=-1)
@click.option("--from-file", "from_file", type=click.Path(dir_okay=False), help="Read URLs, one per line.")
@click.option("--proxy", help="Proxy URL: socks5h://host:port or http://host:port.")
@click.option("--tor", is_flag=True, help="Use Tor at socks5h://127.0.0.1:9050.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Parallel fetches.")
@json_option
def add_cmd(state: State, urls, from_file, proxy, tor, jobs, as_json) -> None:
    """Fetch articles and archive them."""
    from mirror import pipeline
    from mirror.errors import UsageError
    from mirror.fetch import choose_proxy
    from mirror.progress import Bar

    todo = list(urls) + (pipeline.read_url_file(from_file) if from_file else [])
    if not todo:
        raise UsageError("no URL given (pass URLs or --from-file)")
    cfg = state.cfg()
    chosen = choose_proxy(proxy, tor, cfg.fetch.proxy)
    bar = Bar()
    with state.open_archive() as ar:
        try:
            outcomes = pipeline.add_urls(todo, cfg, ar, proxy=chosen, jobs=jobs, progress=bar)
        finally:
            bar.close()
    _print_outcomes(outcomes, as_json)


@command("import-html")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--url", required=True, help="The page's original URL.")
@json_option
def import_html_cmd(state: State, files, url, as_json) -> None:
    """Archive pages saved by a browser or received by hand."""
    from mirror import pipeline

    with state.open_archive() as ar:
        outcomes = pipeline.import_files(list(files), url, state.cfg(), ar)
    _print_outcomes(outcomes, as_json)


def _print_outcomes(outcomes, as_json: bool) -> None:
    """Per-item results (stdout), failures (stderr); the exit code reflects failures."""
    from mirror.pipeline import batch_error

    if as_json:
        emit_json([o.to_json() for o in outcomes])
    for o in outcomes:
        if o.ok and not as_json:
            note = "" if o.created else "  (unchanged)"
            click.echo(line(f"{o.id}  v{o.version}  {o.title or o.url}{note}"))
        elif not o.ok:
            click.echo(line(f"mirror: {o.url}: {o.error}"), err=True)
    err = batch_error(outcomes)
    if err is not None:
        raise err


@command("extract")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--url", help="The page's original URL (resolves relative links).")
@json_option
def extract_cmd(state: State, file, url, as_json) -> None:
    """Extract an article from a saved page; store nothing."""
    from mirror.errors import UsageError
    from mirror.extract import extract

    if file == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            with open(file, "rb") as fh:
                data = fh.read()
        except OSError as e:
            raise UsageError(f"cannot read {file}: {e.strerror or e}") from None
    art = extract(data, url)
    if as_json:
        emit_json(art.to_json())
        return
    head = [line(art.title), line(art.byline), line(art.published)]
    click.echo("\n".join(x for x in head if x) + "\n\n" + block(art.text))


@command("follow")
@click.argument("feed_url")
@click.option("--proxy", help="Proxy URL: socks5h://host:port or http://host:port.")
@click.option("--tor", is_flag=True, help="Use Tor at socks5h://127.0.0.1:9050.")
def follow_cmd(state: State, feed_url, proxy, tor) -> None:
    """Follow an RSS/Atom feed; `mirror update` archives its new articles."""
    from mirror import feeds
    from mirror.fetch import choose_proxy

    cfg = state.cfg()
    with state.open_archive() as ar:
        feed = feeds.follow(feed_url, cfg, ar, proxy=choose_proxy(proxy, tor, cfg.fetch.proxy))
    click.echo(line(f"following {feed.title or feed_url} ({len(feed.entries)} entries); run `mirror update`"))


@command("update")
@click.option("--proxy", help="Proxy URL: socks5h://host:port or http://host:port.")
@click.option("--tor", is_flag=True, help="Use Tor at socks5h://127.0.0.1:9050.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Parallel fetches.")
@click.option("--per-feed", type=click.IntRange(1, 1000), default=30, show_default=True,
              help="At most this many new articles per feed.")
@json_option
def update_cmd(state: State, proxy, tor, jobs, per_feed, as_json) -> None:
    """Archive new articles from every followed feed."""
    from mirror import feeds
    from mirror.errors import MirrorError, NetworkError, UsageError
    from mirror.fetch import choose_proxy

    cfg = state.cfg()
    with state.open_archive() as ar:
        if not ar.feeds():
            raise UsageError("no feeds followed; add one with `mirror follow FEED_URL`")
        reports = feeds.update(cfg, ar, proxy=choose_proxy(proxy, tor, cfg.fetch.proxy), jobs=jobs,
                               per_feed=per_feed)
    if as_json:
        emit_json([r.to_json() for r in reports])
    failed = 0
    for r in reports:
        if not r.ok:
            failed += 1
            click.echo(line(f"mirror: {r.feed}: {r.error}"), err=True)
            continue
        for o in r.outcomes:
            if o.ok and not as_json:
                click.echo(line(f"{o.id}  v{o.version}  {o.title or o.url}"))
            elif not o.ok:
                failed += 1
                click.echo(line(f"mirror: {o.url}: {o.error}"), err=True)
    if failed:
        net = any(r.exit_code == NetworkError.exit_code for r in reports) or any(
            not o.ok and o.exit_code == NetworkError.exit_code for r in reports for o in r.outcomes)
        raise (NetworkError if net else MirrorError)(f"{failed} failed")


@command("export-site")
@click.argument("directory", type=click.Path(file_okay=False))
@click.argument("article_ids", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every article.")
def export_site_cmd(state: State, directory, article_ids, all_) -> None:
    """Write articles as a static offline site."""
    from mirror.bundle.commands import export_site_command

    export_site_command(state, directory=directory, article_ids=article_ids, all_=all_)


# -- keys and bundles ---------------------------------------------------------


@command("keygen")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the key here (mode 0600).")
@click.option("--pq", is_flag=True, help="Post-quantum hybrid (ML-KEM-768 + X25519) identity.")
@click.option("--signing", is_flag=True, help="An Ed25519 key for signing bundles.")
def keygen_cmd(state: State, output, pq, signing) -> None:
    """Generate an age identity (prints the recipient) or a signing key."""
    if signing:
        from mirror.bundle.commands import keygen_signing

        return keygen_signing(output, pq)
    _keygen_age(output, pq)


def _keygen_age(output: str | None, pq: bool) -> None:
    """age-keygen's format: `# created:` (the UTC date only, nothing finer), `# public
    key:`, the identity. With -o: a new file (mode 0600, never overwritten) and the
    recipient on stdout; without: the file on stdout, `Public key: ...` on stderr."""
    import datetime
    import os

    from mirror.crypto import age
    from mirror.errors import UsageError

    identity, recipient = age.generate_identity(post_quantum=pq)
    created = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    text = f"# created: {created}\n# public key: {recipient}\n{identity}\n"
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        click.echo(f"Public key: {recipient}", err=True)
        return
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(f"{output} already exists: refusing to overwrite a key file") from None
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    except BaseException:
        os.unlink(output)
        raise
    click.echo(recipient)


@command("pack")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Bundle file to write.")
@click.argument("article_ids", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every article in the archive.")
@click.option("--search", "search_q", metavar="Q", help="Articles matching a full-text search.")
@click.option("--since", metavar="DATE", help="Articles captured on or after DATE (YYYY-MM-DD).")
@click.option("--passphrase-file", type=click.Path(dir_okay=False), help="Encrypt to the passphrase in this file.")
@click.option("-r", "--recipient", "recipients", multiple=True, help="Encrypt to an age1... recipient (repeatable).")
@click.option("-R", "--recipients-file", "recipients_files", multiple=True, type=click.Path(dir_okay=False),
              help="Encrypt to the recipients listed in this file (repeatable).")
@click.option("--armor", is_flag=True, help="ASCII-armored output.")
@click.option("--sign-key", type=click.Path(dir_okay=False), help="Sign the manifest with this Ed25519 key.")
@click.option("--format", "fmt", type=click.Choice(["age", "html"]), default="age", show_default=True,
              help="age file, or html: one self-decrypting page for a browser (passphrase only).")
@click.option("--no-pad", is_flag=True, help="Do not pad the payload (its size then leaks more).")
def pack_cmd(state: State, **kw) -> None:
    """Pack articles into one encrypted bundle file."""
    from mirror.bundle.commands import pack_command

    pack_command(state, **kw)


@command("inspect")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-i", "--identity", "identities", multiple=True, type=click.Path(dir_okay=False),
              help="age identity file (repeatable).")
@click.option("--passphrase-file", type=click.Path(dir_okay=False), help="Decrypt with the passphrase in this file.")
@click.option("--trust", "trust", multiple=True, type=click.Path(dir_okay=False),
              help="Require a signature by this public key file (repeatable).")
@json_option
def inspect_cmd(state: State, **kw) -> None:
    """List and verify a bundle's contents; import nothing."""
    from mirror.bundle.commands import check_command

    check_command(state, do_import=False, **kw)


@command("unpack")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-i", "--identity", "identities", multiple=True, type=click.Path(dir_okay=False),
              help="age identity file (repeatable).")
@click.option("--passphrase-file", type=click.Path(dir_okay=False), help="Decrypt with the passphrase in this file.")
@click.option("--trust", "trust", multiple=True, type=click.Path(dir_okay=False),
              help="Require a signature by this public key file (repeatable).")
@json_option
def unpack_cmd(state: State, **kw) -> None:
    """Verify a bundle, then import its articles."""
    from mirror.bundle.commands import check_command

    check_command(state, do_import=True, **kw)


@command("demo")
@click.option("--out", "out", metavar="DIR", type=click.Path(file_okay=False),
              help="Write everything here (default: a new temporary directory, kept and printed).")
@click.option("--clean", is_flag=True, help="Delete the output directory at the end.")
def demo_cmd(state: State, out: str | None, clean: bool) -> None:
    """Run the whole pipeline on built-in sample pages (never the internet).

    Archives into --archive DIR if given, else into a fresh archive inside the
    output directory."""
    from mirror.demo.run import run

    run(state.cfg(), click.echo, out=out, archive=state.archive, clean=clean)


# -- entry point ---------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="mirror", standalone_mode=False)
    except MirrorError as e:
        if debug:
            raise
        click.echo(line(f"mirror: error: {e}"), err=True)
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        click.echo("mirror: aborted", err=True)
        sys.exit(1)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.ClickException as e:
        e.show()
        sys.exit(1)
    except KeyboardInterrupt:
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
