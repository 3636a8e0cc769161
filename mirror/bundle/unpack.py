"""Decrypt a bundle to a private temp file, verify it completely, then (for
unpack) import it in one transaction.

The plaintext never reaches the disk and never sits in memory whole: the
payload goes to a `SealedTemp` (encrypted under a key only this process
holds) on an unnamed temp file (nothing to find while unpack runs, nothing
left after a SIGKILL), and the images kept for import go to the archive's
own temp files (sealed too in an encrypted archive).
"""

from __future__ import annotations

import contextlib
import io
import resource
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from mirror.store.sealing import SealedTemp
from mirror.bundle import diagnose, signing, verify as vf
from mirror.fsutil import read_text
from mirror.config import Config
from mirror.errors import NotFound, UsageError, VerificationError
from mirror.bundle.report import ArticleReport, Report, Rows

if TYPE_CHECKING:
    from mirror.model import NewVersion, SaveResult
    from mirror.store import Archive
    from mirror.store.importer import Importer, Stash


@dataclass
class Secrets:
    identity_files: tuple[str, ...] = ()
    passphrase: str | None = None


def trusted_keys(cfg: Config, trust: tuple[str, ...]) -> list[bytes]:
    """Keys from --trust and the config's `bundle.trusted_keys`; each entry is
    an `ed25519:...` string or a key file (`signing.load_trust`)."""
    keys: list[bytes] = []
    for where, entries in (("--trust", trust), ("config bundle.trusted_keys", cfg.bundle.trusted_keys)):
        for k in entries:
            try:
                keys += signing.load_trust(k)
            except UsageError as e:
                raise UsageError(f"{where} {k.strip()[:40]!r}: {e}") from None
    return keys


ALTERED_PAGE = ("its self-decrypting page's code differs from the code this version of mirror writes"
                " (CSP or script changed?): do not open that file in a browser")


@contextlib.contextmanager
def decrypted(ar: Archive | None, bundle: str | Path, secrets: Secrets, cfg: Config,
              page: dict[str, bool] | None = None) -> Iterator[SealedTemp]:
    """Yield the decrypted payload as a `SealedTemp` over an unnamed temp file
    in the archive's tmp/ (no name to find; the kernel frees it on any exit,
    SIGKILL included). With no archive (`ar` None: inspect, which must not
    create one) it goes to the system temp dir, sealed all the same.
    For an HTML bundle, `page["ours"]` says whether its page code is ours."""
    from mirror.bundle import htmlbundle
    from mirror.bundle.stream import CappedWriter
    from mirror.crypto import age

    identities = [read_text(p, "identity file") for p in secrets.identity_files]
    for path, text in zip(secrets.identity_files, identities):
        problem = diagnose.identity_problem(text, path)
        if problem is not None:
            raise problem
    passphrases = [secrets.passphrase] if secrets.passphrase is not None else []
    if not identities and not passphrases:
        raise UsageError("no key to decrypt with: give -i IDENTITY or --passphrase-file F")
    if str(bundle) == "-":  # `unpack -`: the bundle on standard input
        import os
        import sys

        src: io.BufferedReader = io.BufferedReader(io.FileIO(os.dup(sys.stdin.fileno()), "rb"))
        bundle = "standard input"
    else:
        try:
            src = open(bundle, "rb")
        except OSError as e:
            raise UsageError(f"cannot read {bundle}: {e.strerror}") from None
    with src, SealedTemp(tempfile.TemporaryFile(dir=ar.blobs.tmp if ar is not None else None)) as out:
        if htmlbundle.looks_like_html(src.peek(htmlbundle.SNIFF)[:htmlbundle.SNIFF]):  # --format html
            htmlbundle.decrypt(src, CappedWriter(out, cfg.bundle.max_payload_bytes).write, passphrases,
                               page_check=None if page is None else lambda ours: page.update(ours=ours))
        else:
            seen = diagnose.Recording(src)
            try:
                age.decrypt(seen, CappedWriter(out, cfg.bundle.max_payload_bytes),
                            identities="\n".join(identities) if identities else (),
                            passphrases=passphrases,
                            max_work_factor=cfg.crypto.scrypt_max_work_factor)
            except age.AgeError as e:
                raise diagnose.explain(e, str(bundle), seen, bool(identities),
                                       bool(passphrases)) from None
        out.flush()
        out.seek(0)
        yield out


def _status(ar: Archive | None, item: vf.ArticleItem) -> str:
    if ar is None:  # no archive yet
        return "new"
    missing = [v for v in item.versions if not ar.has_content(item.id, v.content_hash)]
    if not missing:
        return "present"
    try:
        ar.resolve(item.id)
    except NotFound:
        return "new"
    return "new version"


BLOB_WORKERS = 4  # threads writing and fsyncing blobs during import


def _max_stash_files() -> int:
    """Open temp files the stash may hold: well inside the fd limit."""
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY:
        soft = 1 << 16
    return max(0, min(4096, soft // 2 - 64))


def inspect_or_unpack(cfg: Config, bundle: str | Path, secrets: Secrets,
                      trust_files: tuple[str, ...], do_import: bool,
                      open_archive: "Callable[[], Archive] | None" = None,
                      progress: "Callable[[int, int, str], None] | None" = None) -> Report:
    """`check` against the configured archive, opened by `open_archive`
    (default: `Archive.open`, unlocked as `mirror.store.unlock` says).
    Inspecting imports nothing, so a missing archive is not created (and
    every article in the bundle is new)."""
    from mirror.store import Archive, kind

    root = Path(cfg.archive).expanduser()
    if not do_import and kind(root) == "none":
        return check(None, bundle, secrets, cfg, trust_files, do_import)
    with (open_archive or (lambda: Archive.open(cfg.archive)))() as ar:
        return check(ar, bundle, secrets, cfg, trust_files, do_import, progress)


def check(ar: Archive | None, bundle: str | Path, secrets: Secrets, cfg: Config, trust_files: tuple[str, ...],
          do_import: bool, progress: "Callable[[int, int, str], None] | None" = None) -> Report:
    """Decrypt and verify `bundle`; import it into `ar` if `do_import`. `ar`
    may be None when only inspecting (there is no archive yet)."""
    into = ar if do_import else None
    if do_import and into is None:
        raise UsageError("no archive to import into")
    trusted = trusted_keys(cfg, trust_files)
    page: dict[str, bool] = {}
    with decrypted(ar, bundle, secrets, cfg, page) as plain, contextlib.ExitStack() as cleanup:
        # Unpack keeps the inline images it decodes while verifying (in
        # unnamed temp files), so the pages need not be inflated and decoded twice.
        stash: Stash | None = None
        if into is not None:
            stash = cleanup.enter_context(into.stash(_max_stash_files()))
        v = vf.verify(plain, cfg.bundle, trusted, stash.add if stash is not None else None)
        if trust_files and not v.trusted:
            raise VerificationError(f"bundle is {v.signature_status}, not signed by a key given"
                                    " with --trust")
        rep = Report(v.signature_status, signing.fingerprint(v.signer) if v.signer else None,
                     v.trusted, v.payload_bytes, Rows(ar.blobs.tmp if ar is not None else None))
        try:
            if "ours" in page:
                rep.page_code = "ours" if page["ours"] else "altered"
                if not page["ours"]:
                    if trust_files:  # what the signer signed is not all the reader would run
                        raise VerificationError(f"bundle refused with --trust: {ALTERED_PAGE}")
                    rep.warnings.append(f"warning: {ALTERED_PAGE}")
            if into is not None and stash is not None:
                _import(into, v, rep, stash, progress)
            else:
                for item, _ in v.items():
                    rep.articles.add(_row(ar, item))
        except BaseException:
            rep.close()
            raise
    return rep


def _row(ar: Archive | None, item: vf.ArticleItem) -> ArticleReport:
    return ArticleReport(item.id, item.url, item.title, item.published, item.captured,
                         item.size, len(item.assets), _status(ar, item))


def _import(ar: "Archive", v: vf.Verified, rep: Report, stash: "Stash",
            progress: "Callable[[int, int, str], None] | None" = None) -> None:
    """Store the assets (content-addressed, harmless until referenced), then
    add every capture the archive lacks, oldest first, in one transaction,
    all through the archive's one import entry point (`Archive.importing`).
    The articles are read again from the verified bundle one at a time
    (`Verified.items`), their report rows made and put away as they come
    (`Rows`), so nothing is kept for each article. A refused bundle never
    gets this far: the archive stays exactly as it was."""
    rows = rep.articles
    current = -1  # the row of the capture the archive is storing
    stored = bytearray()  # a byte per row: 1 once one of its captures is stored
    judged = bytearray()  # the HTML digest of each capture stored (verify judged it with site.renders)

    def captures(imp: "Importer") -> Iterator[NewVersion]:
        """Each capture to add, read from the bundle as the archive asks for
        it, its assets stored first."""
        nonlocal current
        for n, (item, loaded) in enumerate(v.items(), 1):
            r = _row(ar, item)
            i = rows.add(r)
            stored.append(0)
            if progress is not None:
                progress(n, v.entries.count, r.title or r.url)
            if r.status == "present":
                continue
            for ver, new in zip(item.versions, loaded):
                if r.status != "new" and ar.has_content(item.id, ver.content_hash):
                    continue  # (not asked of a new article: `_status` found none; if another
                    # process added one since, the catalogue's insert still stores it only once)
                for src in ver.assets:
                    _store_asset(imp, v, stash, src)
                if new is None:
                    new = v.load(item, ver)
                new.assets = [(s.asset, None) for s in ver.assets]  # stored by the importer
                current = i
                judged.extend(bytes.fromhex(ver.html_sha))
                yield new

    def saved(res: "SaveResult") -> None:  # called for each capture as soon as it is stored
        if res.created:
            rep.imported += 1
            stored[current] = 1

    with ar.importing(v.relied_hex(), workers=BLOB_WORKERS) as imp:
        imp.save(captures(imp), saved)  # one transaction; the blobs are synced before it commits
    if judged:
        from mirror.bundle.pagecache import PageCache

        with PageCache(ar) as pages:
            pages.note_renders(judged[k:k + 32].hex() for k in range(0, len(judged), 32))
    for i, done in enumerate(stored):
        if not done and rows.status(i) != "present":
            rows.set_status(i, "present")  # everything it had was stored meanwhile by another process
    rep.skipped = len(rows) - sum(stored)


def _store_asset(imp: "Importer", v: vf.Verified, stash: "Stash", src: vf.AssetSource) -> None:
    a = src.asset
    if not imp.needs(a.sha256) or imp.put_kept(stash, a.sha256):
        return
    if src.zip_name.endswith("/index.html"):  # stored by someone else since verify
        imp.put(vf.inline_images(v.read(src.zip_name), {a.sha256})[a.sha256])
    else:
        with v.zf.open(src.zip_name) as f:
            imp.put_file(f, a.sha256)
