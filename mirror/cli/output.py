"""How results are printed: JSON for machines, one sanitised line per item for
people (titles come from web pages and bundles: no escape sequences)."""

from __future__ import annotations

import json
from typing import Any, Iterable

import click

from mirror.termtext import line


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def print_summaries(items: Iterable[Any], as_json: bool) -> None:
    if as_json:
        emit_json([s.to_json() for s in items])
        return
    for s in items:
        click.echo(line(f"{s.id}  {(s.published or s.captured)[:10]:10}  {s.title or s.url}"))


def print_outcomes(outcomes: list[Any], as_json: bool) -> None:
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
