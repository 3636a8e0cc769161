"""`mirror verify`: check every bundle in files and folders (a stick) in one
go, each on its own, the worst result setting the exit code. Nothing is
imported and no archive is opened or made."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from mirror.config import Config
from mirror.errors import MirrorError, VerificationError, UsageError
from mirror.jsonsafe import JSON

if TYPE_CHECKING:
    from mirror.bundle.unpack import Secrets

AGE_HEADS = (b"age-encryption.org/v1\n", b"-----BEGIN AGE ENCRYPTED FILE-----")
HTML_MARK_WITHIN = 64 * 1024  # our page names its parameters this early


@dataclass
class Checked:
    path: str
    ok: bool
    kind: type[MirrorError] | None = None  # what kind of failure (the CLI maps kinds to exit codes)
    articles: int = 0
    signature: str | None = None
    error: str | None = None
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, JSON]:
        return {"path": self.path, "ok": self.ok, "articles": self.articles, "signature": self.signature,
                "error": self.error, "warnings": list(self.warnings)}


def looks_like_bundle(path: Path) -> bool:
    """An age file (binary or armored) or a self-decrypting page of ours: what
    a folder scan checks (a stick holds other files too)."""
    from mirror.bundle.htmlbundle import PARAMS_OPEN, SNIFF, looks_like_html

    try:
        with open(path, "rb") as f:
            head = f.read(HTML_MARK_WITHIN)
    except OSError:
        return False
    return head.startswith(AGE_HEADS) or (looks_like_html(head[:SNIFF]) and PARAMS_OPEN in head)


def bundle_files(paths: list[str]) -> Iterator[Path]:
    """Each file given, and the bundles under each folder given (sorted, not
    following links to folders). A path that does not exist is a usage error."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    f = Path(root) / name
                    if f.is_file() and looks_like_bundle(f):
                        yield f
        elif path.exists():
            yield path
        else:
            raise UsageError(f"no such file or folder: {p}")


def check_one(cfg: Config, path: Path, secrets: Secrets, trust: tuple[str, ...]) -> Checked:
    """Decrypt and verify one bundle, as `inspect` does, without an archive."""
    from mirror.bundle import unpack

    try:
        rep = unpack.check(None, path, secrets, cfg, trust, False)
    except MirrorError as e:
        return Checked(str(path), False, kind=type(e), error=str(e))
    with rep:
        return Checked(str(path), True, articles=len(rep.articles), signature=rep.signature,
                       warnings=tuple(rep.warnings))


def worst(results: list[Checked]) -> type[MirrorError] | None:
    """The kind of failure for the lot: a verification failure (wrong key,
    tampered, hostile) if any bundle had one, else any other failure, else None."""
    kinds = [r.kind for r in results if r.kind is not None]
    if any(issubclass(k, VerificationError) for k in kinds):
        return VerificationError
    return MirrorError if kinds else None
