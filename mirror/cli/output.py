"""How results are printed: JSON for machines, one sanitised line per item for
people (titles come from web pages and bundles: no escape sequences)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import click

from mirror.termtext import line

if TYPE_CHECKING:
    from mirror.model import Hit, Summary


def emit_json(data: Any) -> None:
    import json  # (--json only)

    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def write_lines(lines: Iterable[str]) -> None:
    """Lines to stdout as they come, through its buffer (flushed when full and
    at the end): a row per system call would cost more than reading the row."""
    out = sys.stdout
    for text in lines:
        out.write(text + "\n")
    out.flush()


def json_array(items: Iterable[Any]) -> Iterator[str]:
    """The lines of a JSON array, an element per line, written as they come so
    a listing of any size is printed without being held (and with json's C
    encoder: its indenting one is pure Python, 5x slower at 100,000 rows)."""
    import json

    return json_elements(json.dumps(item, ensure_ascii=False) for item in items)


def json_elements(encoded: Iterable[str]) -> Iterator[str]:
    """The lines of a JSON array of elements already encoded, one per line."""
    held: str | None = None  # an element waits for the next to learn if a comma follows it
    for text in encoded:
        yield "[" if held is None else held + ","
        held = "  " + text
    yield "[]" if held is None else held + "\n]"


def json_object(head: dict[str, Any], key: str, items: Iterable[Any]) -> Iterator[str]:
    """The lines of a JSON object: `head`'s members, then `key` holding an
    array of `items` written as they come (see `json_array`)."""
    import json

    yield "{"
    for k, v in head.items():
        yield f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},"
    lines = json_array(items)
    yield f"  {json.dumps(key)}: {next(lines)}"
    for text in lines:
        yield "  " + text.replace("\n", "\n  ")
    yield "}"


def print_summaries(items: Iterable[Summary]) -> None:
    write_lines(line(f"{s.id}  {(s.published or s.captured)[:10]:10}  {s.title or s.url}") for s in items)


def print_hits(hits: Iterable[Hit]) -> None:
    """Search results: the summary line, then the snippet indented, its
    matches in bold on a terminal and between [ ] elsewhere (a pipe, a file).
    The marks go in after the text is made safe, so a page cannot forge them."""
    on, off = ("\x1b[1m", "\x1b[22m") if sys.stdout.isatty() else ("[", "]")

    def lines() -> Iterator[str]:
        for h in hits:
            yield line(f"{h.id}  {(h.published or h.captured)[:10]:10}  {h.title or h.url}")
            if h.snippet:
                yield "    " + line(h.snippet).replace("\ue000", on).replace("\ue001", off)

    write_lines(lines())


def emit_json_line(data: Any) -> None:
    """One JSON Lines record, flushed (click.echo flushes): a reader of a pipe
    or a log sees each result the moment it is known."""
    import json

    click.echo(json.dumps(data, ensure_ascii=False))


class Results:
    """Prints each outcome of a batch as it finishes: a line on stdout (a JSON
    Lines record with --json), failures on stderr, the progress bar (a
    terminal only) cleared first so the two never share a line. `--quiet`
    keeps only failures (and the JSON records asked for)."""

    def __init__(self, as_json: bool, quiet: bool = False):
        from mirror.progress import Bar

        self.as_json = as_json
        self.quiet = quiet
        self.bar = Bar(enabled=not quiet)

    def progress(self, done: int, total: int, outcome: Any) -> None:
        self.bar(done, total, outcome)

    def __call__(self, o: Any, **extra: Any) -> None:
        self.bar.clear()
        if self.as_json:
            emit_json_line({**o.to_json(), **extra})
        if o.ok and not self.as_json and not self.quiet:
            note = f"  ({o.note})" if o.note else ("" if o.created else "  (unchanged)")
            left = f"  ({o.left_out()})" if o.left_out() else ""
            click.echo(line(f"{o.id}  v{o.version}  {o.title or o.url}{left}{note}"))
        if o.ok and not self.as_json:
            for f in o.images_failed:  # (quiet too: each is a failure)
                click.echo(line(f"mirror: warning: {o.id}: image left out: {f.url}: {f.reason}"), err=True)
        elif not o.ok:
            click.echo(line(f"mirror: {o.url}: {o.error}"), err=True)
        self.bar.redraw()

    def close(self) -> None:
        self.bar.close()


def finish(outcomes: list[Any]) -> None:
    """After a batch: raise the error that sets the exit code, if any."""
    from mirror.pipeline import batch_error

    err = batch_error(outcomes)
    if err is not None:
        raise err
