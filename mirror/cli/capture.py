"""Commands that bring articles in: add, import-html, extract, follow, update."""

from __future__ import annotations

import sys

import click

from mirror.cli.options import command, jobs_option, json_option, proxy_options
from mirror.cli.output import emit_json
from mirror.cli.state import State
from mirror.termtext import block, line


quiet_option = click.option("-q", "--quiet", is_flag=True,
                            help="Print only failures: no line per saved article, no progress bar.")


@command("add")
@click.argument("urls", nargs=-1)  # - reads them from standard input
@click.option("--from-file", "from_file", type=click.Path(dir_okay=False, allow_dash=True),
              help="Read URLs, one per line (- for standard input).")
@click.option("--resume", is_flag=True,
              help="Also retry what earlier batches left: interrupted, killed or failed by the network.")
@click.option("--refresh", is_flag=True,
              help="Fetch again pages fetched less than fetch.refetch_after hours ago.")
@proxy_options
@jobs_option
@json_option
@quiet_option
def add_cmd(state: State, urls: tuple[str, ...], from_file: str | None, resume: bool, refresh: bool,
            proxy: str | None, tor: bool, jobs: int | None, as_json: bool, quiet: bool) -> None:
    """Fetch articles and archive them. Each result is printed the moment it
    is stored (a JSON Lines record with --json); Ctrl-C stops the batch and
    keeps what was saved; `add --resume` finishes what is left."""
    from mirror import pipeline
    from mirror.cli.interrupt import stop_on_sigint
    from mirror.cli.output import Results, finish
    from mirror.errors import UsageError
    from mirror.fetch import choose_proxy
    from mirror.fetchstate import Memory

    todo = [u for u in urls if u != "-"] + (pipeline.read_url_file(from_file) if from_file else [])
    if "-" in urls:  # `add -`: URLs on standard input, as --from-file -
        todo += pipeline.read_url_file("-")
    if not todo and not resume:
        raise UsageError("no URL given (pass URLs, --from-file F, or --resume)")
    cfg = state.cfg()
    chosen = choose_proxy(proxy, tor, cfg.fetch.proxy)
    show = Results(as_json, quiet)
    with stop_on_sigint() as stop, state.open_archive() as ar:
        memory = Memory.of(ar, chosen)
        if resume:
            todo += [u for u in memory.pending() if u not in todo]
            if not todo:
                raise UsageError("nothing to resume: every URL asked for was archived")
        memory.enqueue([u.strip() for u in todo if u.strip()])

        def each(o: pipeline.Outcome) -> None:
            show(o)
            if o.ok or not o.retryable:  # (a retry will not fix it)
                memory.done(o.url)
            else:
                memory.failed(o.url, o.error or "")

        try:
            outcomes = pipeline.add_urls(todo, cfg, ar, proxy=chosen, jobs=jobs, progress=show.progress,
                                         on_result=each, cancel=stop, memory=memory,
                                         refetch_after=None if refresh else cfg.fetch.refetch_after * 3600)
        finally:
            show.close()
    finish(outcomes)


@command("import-html")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--url", help="The page's original URL (one file only; default: the URL the page names "
                            "itself: canonical link, og:url or the browser's 'saved from' comment).")
@json_option
@quiet_option
def import_html_cmd(state: State, files: tuple[str, ...], url: str | None, as_json: bool,
                    quiet: bool) -> None:
    """Archive pages saved by a browser or received by hand."""
    from mirror import pipeline
    from mirror.cli.output import Results, finish

    pipeline.check_import(list(files), url)  # before an archive is opened (or made)
    show = Results(as_json, quiet)
    with state.open_archive() as ar:
        try:
            outcomes = pipeline.import_files(list(files), url, state.cfg(), ar, on_result=show)
        finally:
            show.close()
    finish(outcomes)


@command("extract")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--url", help="The page's original URL (resolves relative links).")
@json_option
def extract_cmd(state: State, file: str, url: str | None, as_json: bool) -> None:
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
@proxy_options
def follow_cmd(state: State, feed_url: str, proxy: str | None, tor: bool) -> None:
    """Follow an RSS/Atom feed; `mirror update` archives its new articles."""
    from mirror import feeds
    from mirror.fetch import choose_proxy

    cfg = state.cfg()
    with state.open_archive() as ar:
        feed = feeds.follow(feed_url, cfg, ar, proxy=choose_proxy(proxy, tor, cfg.fetch.proxy))
    click.echo(line(f"following {feed.title or feed_url} ({len(feed.entries)} entries); run `mirror update`"))


@command("update")
@proxy_options
@jobs_option
@click.option("--per-feed", type=click.IntRange(1, 1000), default=30, show_default=True,
              help="At most this many new articles per feed.")
@json_option
@quiet_option
def update_cmd(state: State, proxy: str | None, tor: bool, jobs: int | None, per_feed: int, as_json: bool,
               quiet: bool) -> None:
    """Archive new articles from every followed feed, printing each as it is
    stored (with --json, a JSON Lines record per article and per failed feed)."""
    from mirror import feeds
    from mirror.cli.interrupt import stop_on_sigint
    from mirror.cli.output import Results, emit_json_line
    from mirror.errors import Interrupted, MirrorError, NetworkError, UsageError
    from mirror.fetch import choose_proxy

    cfg = state.cfg()
    show = Results(as_json, quiet)
    with stop_on_sigint() as stop, state.open_archive() as ar:
        if not ar.feeds():
            raise UsageError("no feeds followed; add one with `mirror follow FEED_URL`")
        try:
            reports = feeds.update(cfg, ar, proxy=choose_proxy(proxy, tor, cfg.fetch.proxy), jobs=jobs,
                                   per_feed=per_feed, progress=show.progress,
                                   on_result=lambda feed, o: show(o, feed=feed), cancel=stop)
        finally:
            show.close()
    outcomes = [o for r in reports for o in r.outcomes]
    dead = [r for r in reports if not r.ok]
    for r in dead:  # one line per feed, and the others go on
        if as_json:
            emit_json_line({"feed": r.feed, "ok": False, "error": r.error, "new_error": r.new_error})
        if r.new_error:  # a feed failing as it did last time was reported then (`mirror feeds` shows it)
            click.echo(line(f"mirror: warning: feed {r.feed}: {r.error} (`mirror unfollow {r.feed}` stops "
                            "following it)"), err=True)
    if stop.is_set():
        saved = sum(o.ok for o in outcomes)
        raise Interrupted(f"interrupted: {saved} saved; `mirror update` again fetches the rest")
    failed = [o for o in outcomes if not o.ok]
    if failed or (dead and len(dead) == len(reports)):  # a dead feed among live ones is only a warning
        net = any(o.retryable for o in failed) or (
            not failed and any(r.kind is not None and issubclass(r.kind, NetworkError) for r in dead))
        what = f"{len(failed)} article(s) failed" if failed else "no feed could be read (see `mirror feeds`)"
        raise (NetworkError if net else MirrorError)(what)


@command("feeds")
@json_option
def feeds_cmd(state: State, as_json: bool) -> None:
    """List the feeds followed: URL, title, when last checked, entries handled,
    and the error the last update met, if it failed."""
    from mirror import feeds

    with state.open_archive() as ar:
        got = feeds.followed(ar)
    if as_json:
        emit_json([f.to_json() for f in got])
        return
    for f in got:
        checked = (f.last_checked or "never")[:10]
        failing = f"  FAILING since {f.failing_since[:10]}: {f.error}" if f.error and f.failing_since else ""
        click.echo(line(f"{f.url}  {f.title or '(untitled)'}  checked {checked}  {f.entries} entries{failing}"))


@command("unfollow")
@click.argument("feed_url")
def unfollow_cmd(state: State, feed_url: str) -> None:
    """Stop following a feed; what it brought stays archived."""
    from mirror import feeds

    with state.open_archive() as ar:
        feeds.unfollow(ar, feed_url)
    click.echo(line(f"no longer following {feed_url}"), err=True)


@command("clean-url")
@click.argument("url")
def clean_url_cmd(state: State, url: str) -> None:
    """Print URL without tracking parameters, credentials or redirect wrappers."""
    from mirror.errors import UsageError
    from mirror.urls import detrack, is_web_url, strip_userinfo

    if not is_web_url(url):
        raise UsageError(f"not an http(s) URL: {line(url)}")
    click.echo(strip_userinfo(detrack(url.strip())))


COMMANDS = [add_cmd, clean_url_cmd, import_html_cmd, extract_cmd, follow_cmd, feeds_cmd, unfollow_cmd, update_cmd]
