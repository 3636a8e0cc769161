"""Commands that read or tidy the archive: ls, search, show, rm, gc."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Iterator

import click

from mirror.cli.options import command, json_option, page_options
from mirror.cli.output import emit_json, json_array, json_elements, print_hits, print_summaries, write_lines
from mirror.cli.state import State
from mirror.errors import UsageError
from mirror.termtext import block, line

if TYPE_CHECKING:
    from mirror.model import Hit


@command("ls")
@page_options(default_limit=0)
@json_option
def ls_cmd(state: State, limit: int, offset: int, as_json: bool) -> None:
    """List archived articles, newest first (printed as they are read)."""
    with state.open_archive() as ar:
        if as_json:  # encoded by SQLite: no Python object per row
            write_lines(json_elements(ar.summaries_json(limit or None, offset)))
        else:
            print_summaries(ar.summaries(limit or None, offset))


@command("search")
@click.argument("query")
@page_options(default_limit=20)
@json_option
def search_cmd(state: State, query: str, limit: int, offset: int, as_json: bool) -> None:
    """Full-text search over titles, bylines and text, most relevant first.

    Words are all required; `bri*` is a prefix, "..." a phrase, OR either
    side, NOT or -word excludes. Case, accents and word endings do not matter."""
    with state.open_archive() as ar:
        found = ar.hits(query, None if limit == 0 else limit + 1, offset)
        more = False

        def page() -> Iterator[Hit]:  # the first `limit` hits; one more says there are more
            nonlocal more
            for i, h in enumerate(found):
                if limit and i == limit:
                    more = True
                    return
                yield h

        if as_json:
            write_lines(json_array(h.to_json() for h in page()))
        else:
            print_hits(page())
    if more:
        click.echo(f"mirror: more results; --offset {offset + limit} shows the next {limit}, --limit 0 all",
                   err=True)


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
            from mirror.bundle.site import render  # names the article if its HTML defeats the parser
            from mirror.render import data_uri

            page = render(art, lambda a: data_uri(ar.read_blob(a.sha256)))
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


@command("reextract")
@click.argument("article_ids", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every article in the archive.")
@json_option
def reextract_cmd(state: State, article_ids: tuple[str, ...], all_: bool, as_json: bool) -> None:
    """Extract stored raw pages again (offline), so an extraction fix reaches old captures.

    A changed result is stored as a new version with the capture's date."""
    from mirror.reextract import reextract

    if bool(article_ids) == all_:
        raise UsageError("give article ids or --all")
    with state.open_archive() as ar:
        ids = ar.ids() if all_ else [ar.resolve(a) for a in article_ids]
        done = reextract(ar, ids, state.cfg().fetch)
    if as_json:
        emit_json([r.to_json() for r in done])
    else:
        for r in done:
            click.echo(line(f"{r.id}  {r.status}" + (f" v{r.version}" if r.status == "new version" else "")
                            + (f": {r.error}" if r.error else "")))
    if any(r.status == "failed" for r in done):
        raise UsageError(f"{sum(r.status == 'failed' for r in done)} article(s) could not be re-extracted")


COMMANDS = [ls_cmd, search_cmd, show_cmd, rm_cmd, gc_cmd, reextract_cmd]
