"""Decrypt a bundle to a private temp file inside the archive, verify it
completely, then (for unpack) import it in one transaction.

The plaintext never leaves the archive's own folder (already plaintext
storage) and never sits in memory whole; the temp file is removed on every
exit path (a SIGKILL leaves it in blobs/tmp, where `mirror gc` removes it).
"""

from __future__ import annotations

import contextlib
import mmap
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from mirror.bundle import signing, verify as vf
from mirror.config import Config
from mirror.errors import UsageError, VerificationError


@dataclass
class Secrets:
    identity_files: tuple[str, ...] = ()
    passphrase: str | None = None


def _read_text(path: str, what: str) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 20)
    except OSError as e:
        raise UsageError(f"cannot read {what} {path}: {e.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{what} {path} is not text") from None


def read_passphrase_file(path: str) -> str:
    text = _read_text(path, "passphrase file").rstrip("\r\n")
    if not text:
        raise UsageError(f"passphrase file {path} is empty")
    return text


def trusted_keys(cfg: Config, trust_files: tuple[str, ...]) -> list[bytes]:
    keys: list[bytes] = []
    for f in trust_files:
        keys += signing.load_trusted(f)
    for k in cfg.bundle.trusted_keys:
        try:
            keys.append(signing.parse_public(k))
        except UsageError:
            raise UsageError(f"config bundle.trusted_keys: {k[:40]!r} is not an 'ed25519:' public key") from None
    return keys


@contextlib.contextmanager
def decrypted(ar, bundle: str | Path, secrets: Secrets, cfg: Config) -> Iterator[Path]:
    """Yield the path of the decrypted payload in the archive's blobs/tmp."""
    from mirror.bundle.stream import CappedWriter
    from mirror.crypto import age

    identities = [_read_text(p, "identity file") for p in secrets.identity_files]
    passphrases = [secrets.passphrase] if secrets.passphrase is not None else []
    if not identities and not passphrases:
        raise UsageError("no key to decrypt with: give -i IDENTITY or --passphrase-file F")
    try:
        src = open(bundle, "rb")
    except OSError as e:
        raise UsageError(f"cannot read {bundle}: {e.strerror}") from None
    tmpdir = ar.blobs / "tmp"
    fd, tmp = tempfile.mkstemp(dir=tmpdir, prefix="bundle-", suffix=".zip")  # mode 0600
    try:
        with src, os.fdopen(fd, "wb") as out:
            age.decrypt(src, CappedWriter(out, cfg.bundle.max_payload_bytes),
                        identities="\n".join(identities) if identities else (),
                        passphrases=passphrases,
                        max_work_factor=cfg.crypto.scrypt_max_work_factor)
        yield Path(tmp)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@dataclass
class ArticleReport:
    id: str
    url: str
    title: str | None
    published: str | None
    captured: str
    bytes: int
    assets: int
    status: str  # "new", "new version", "present" (unpack: what happened)

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Report:
    signature: str
    signer: str | None
    trusted: bool
    payload_bytes: int
    articles: list[ArticleReport] = field(default_factory=list)
    imported: int = 0
    skipped: int = 0

    def to_json(self) -> dict:
        return {"signature": self.signature, "signer": self.signer, "trusted": self.trusted,
                "payload_bytes": self.payload_bytes, "imported": self.imported,
                "skipped": self.skipped, "articles": [a.to_json() for a in self.articles]}


def _status(ar, item: vf.ArticleItem) -> str:
    if ar.has_content(item.entry.id, item.entry.content_hash):
        return "present"
    known = ar.db.execute("SELECT 1 FROM articles WHERE id = ?", (item.entry.id,)).fetchone()
    return "new version" if known else "new"


def check(ar, bundle, secrets: Secrets, cfg: Config, trust_files: tuple[str, ...],
          do_import: bool) -> Report:
    trusted = trusted_keys(cfg, trust_files)
    with decrypted(ar, bundle, secrets, cfg) as plain:
        v = vf.verify(plain, cfg.bundle, trusted)
        with v.zf:
            if trust_files and not v.trusted:
                raise VerificationError(f"bundle is {v.signature_status}, not signed by a key given"
                                        " with --trust")
            rep = Report(v.signature_status, signing.fingerprint(v.signer) if v.signer else None,
                         v.trusted, v.payload_bytes)
            for item in v.articles:
                e = item.entry
                rep.articles.append(ArticleReport(e.id, e.url, e.title, e.published, e.captured,
                                                  item.size, len(item.assets), _status(ar, item)))
            if do_import:
                _import(ar, v, rep)
    return rep


def _import(ar, v: vf.Verified, rep: Report) -> None:
    """Store the assets (content-addressed, harmless until referenced), then
    add every new capture in one transaction."""
    todo = [(item, r) for item, r in zip(v.articles, rep.articles) if r.status != "present"]
    news = []
    for item, _ in todo:
        wanted = {s.asset.sha256 for s in item.assets if s.zip_name.endswith("/index.html")
                  and not ar.blob_path(s.asset.sha256).exists()}
        inline = vf.inline_images(v.read(vf.layout.page(item.entry.id)), wanted) if wanted else {}
        for src in item.assets:
            a = src.asset
            if a.sha256 in inline:
                ar.put_blob(inline.pop(a.sha256))
            elif not ar.blob_path(a.sha256).exists():
                with v.zf.open(src.zip_name) as f:
                    ar.put_blob_file(f, a.sha256)
        item.new.assets = StoredAssets(ar, [s.asset for s in item.assets])
        news.append(item.new)
    results = ar.save_many(news)
    for (item, r), res in zip(todo, results):
        if res.created:
            rep.imported += 1
        else:
            r.status = "present"
    rep.skipped = len(rep.articles) - rep.imported


class StoredAssets:
    """`NewVersion.assets` for assets already in the blob store: iterating
    yields (Asset, buffer) with each blob memory-mapped only until the next
    step, so saving 500 MB of images re-checks every hash without holding
    them (a list of bytes would be resident all at once). A consumer that kept
    a buffer past its step would get a loud ValueError, never wrong data."""

    def __init__(self, ar, assets: list):
        self._ar = ar
        self._assets = assets

    def __len__(self) -> int:
        return len(self._assets)

    def __iter__(self):
        for a in self._assets:
            with open(self._ar.blob_path(a.sha256), "rb") as f:
                if os.fstat(f.fileno()).st_size == 0:
                    yield a, b""
                    continue
                with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
                    yield a, m
