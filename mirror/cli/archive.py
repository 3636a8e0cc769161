"""Commands that read or tidy the archive: ls, search, show, rm, gc."""

from __future__ import annotations

import sys

import click

from mirror.cli.options import command, json_option
from mirror.cli.output import emit_json, print_summaries
from mirror.cli.state import State
from mirror.termtext import block, line


@command("ls")
@json_option
def ls_cmd(state: State, as_json: bool) -> None:
    """List archived articles, newest first."""
    with state.open_archive() as ar:
        print_summaries(ar.list(), as_json)


@command("search")
@click.argument("query")
@json_option
def search_cmd(state: State, query: str, as_json: bool) -> None:
    """Full-text search over titles, bylines and text."""
    with state.open_archive() as ar:
        print_summaries(ar.search(query), as_json)


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


COMMANDS = [ls_cmd, search_cmd, show_cmd, rm_cmd, gc_cmd]
