"""Select articles, lay them out as a deterministic ZIP, sign, pad, encrypt.

The ZIP is generated as a stream of chunks and encrypted on the fly into a
temporary file next to OUT, which is fsynced and renamed into place: no
plaintext is written anywhere, and a crash leaves no half-written OUT.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import os
import shutil
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Callable, Iterable, Iterator, NoReturn

from mirror.bundle import layout, site
from mirror.bundle.manifest import ArticleEntry, FileRef, ManifestParts, ref
from mirror.fsutil import neutral_name
from mirror.model import V, current_last, future_cutoff
from mirror.crypto.padding import padme
from mirror.bundle.signing import SigningKey, fingerprint, signature_document
from mirror.bundle.deflated import Spill
from mirror.bundle.zipwriter import ZipWriter
from mirror.fsutil import fsync_dir
from mirror.errors import ArchiveError, RenderError, UsageError
from mirror.store.sealing import sealed_tempfile
from mirror.termtext import line
from mirror.urls import valid_url

if TYPE_CHECKING:
    from types import FrameType

    from mirror.bundle.pagecache import PageCache
    from mirror.crypto.age import Recipient
    from mirror.model import StoredVersion, Summary
    from mirror.store import Archive


@dataclass
class Selection:
    """What to pack. `since` is normalized to YYYY-MM-DD on construction, so
    an impossible date is refused before the archive is even opened."""

    ids: tuple[str, ...] = ()
    all: bool = False
    search: str | None = None
    since: str | None = None

    def __post_init__(self) -> None:
        if self.since is not None:
            self.since = parse_date(self.since, "--since")


def parse_date(text: str, what: str) -> str:
    """A calendar date (ISO 8601, e.g. 2024-05-31) as YYYY-MM-DD; UsageError
    for anything else, including a day the month does not have."""
    try:
        return datetime.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise UsageError(f"{what} wants a real date like 2024-05-31, not {text!r}") from None


def select(ar: Archive, sel: Selection) -> list[str]:
    """Article ids to pack, sorted. IDs, --all and --search add up; --since
    keeps only articles captured on or after DATE (alone: from all)."""
    chosen: set[str] = set()
    if sel.all or (sel.since and not sel.ids and not sel.search):
        chosen.update(ar.ids())
    chosen.update(ar.resolve(a) for a in sel.ids)
    if sel.search:
        chosen.update(s.id for s in ar.search(sel.search))
    if sel.since:
        chosen = {s.id for s in ar.list() if s.id in chosen and s.captured >= sel.since}
    if not chosen:
        raise UsageError("no articles selected (give IDs, --all, --search Q or --since DATE)")
    return sorted(chosen)


@dataclass
class PackStats:
    articles: int = 0
    plaintext_bytes: int = 0
    padding_bytes: int = 0
    signer: str | None = None


Warn = Callable[[str], object]
Step = Callable[[int, int, str], None]  # done, total, the item just done: a progress bar


@dataclass(frozen=True)
class Look:
    """How the pages of a pack or site read: the index's and bundle page's
    language (None: the articles' most common) and grouping."""

    lang: str | None = None
    by: str = "date"


def _kept(stored: list[V], cut: str) -> list[V]:
    """The versions to write, current last. A capture dated in the future is
    refused by every reader (the import rule): it is left out rather than
    have the whole bundle refused."""
    return current_last(kept) if (kept := [v for v in stored if v.captured <= cut]) else []


def plan(ar: Archive, ids: list[str], look: Look) -> site.SitePlan:
    """Every page links to its neighbours in the index, so the index's order
    is settled first, over the articles that will be written: those with a
    version not in the future, a URL readers accept and HTML the renderer
    parses (the rest are skipped, with a warning, by `_rendered`)."""
    from mirror.bundle.pagecache import PageCache

    def renderable(pages: PageCache) -> Iterator[Summary]:
        for s, sha in _summaries(ar, ids, cut):
            if valid_url(s.url) and pages.renders_stored(sha, lambda: ar.read_blob(sha).decode("utf-8"),
                                                          site.renders) is None:
                yield s

    cut = future_cutoff()
    with PageCache(ar) as pages:
        return site.plan(renderable(pages), look.lang, look.by)


def _summaries(ar: Archive, ids: list[str], cut: str) -> Iterator[tuple[Summary, str]]:
    """What the index says of each of `ids` that has a version not in the
    future, with the SHA-256 of its current HTML, in the order of `ids`."""
    for heads in ar.heads_many(ids):
        if versions := _kept(heads, cut):
            yield site.summary(site.public_copy(versions[-1]), len(versions)), versions[-1].html_sha


def summaries_of(ar: Archive) -> Callable[[list[str]], Iterator[Summary]]:
    """`site.index_file`'s reading of the summaries again, as `plan` did."""
    cut = future_cutoff()
    return lambda ids: (s for s, _sha in _summaries(ar, ids, cut))


def _rendered(ar: Archive, ids: list[str], warn: Warn | None,
              site_plan: site.SitePlan | None = None,
              progress: Step | None = None) -> Iterator[tuple[list[StoredVersion], site.ArticleFiles]]:
    """Each article's versions and files; one that cannot be rendered is
    named in a warning and skipped. If none is left, UsageError. `progress`
    hears of each article as the next one is asked for (it is written then)."""
    from mirror.bundle.pagecache import PageCache

    with PageCache(ar) as pages:
        for i, (versions, files) in enumerate(_rendered_with(ar, ids, warn, site_plan, pages)):
            yield versions, files
            if progress is not None:
                progress(min(i + 1, len(ids)), len(ids), files.art.title or files.art.url)


def _rendered_with(ar: Archive, ids: list[str], warn: Warn | None, site_plan: site.SitePlan | None,
                   pages: PageCache) -> Iterator[tuple[list[StoredVersion], site.ArticleFiles]]:
    done = 0
    cut = future_cutoff()
    for aid, stored in zip(ids, ar.versions_many(ids)):
        versions = _kept(stored, cut)
        if len(stored) > len(versions):
            (warn or _stderr)(f"warning: article {aid}: {len(stored) - len(versions)} version(s) dated in"
                              " the future left out")
        if not versions:
            continue
        planned = site_plan is not None and site_plan.position(aid) is not None  # its URL checked by `plan`
        try:
            if not planned and not valid_url(versions[-1].url):  # stored by an older mirror: unpack would refuse it
                raise RenderError(f"article {aid} has a URL no reader accepts"
                                  f" ({line(versions[-1].url)[:80]!r})")
            files = site.article_files(versions, ar.read_blob, site_plan, pages)
        except RenderError as e:
            (warn or _stderr)(f"warning: {e}; skipped")
            continue
        done += 1
        yield versions, files
    if not done:
        raise UsageError("no article left to write: none of the selected articles could be rendered")


def _spill(ar: Archive) -> Spill:
    """Where a pack keeps what it gathers until the end (the manifest's
    parts, the central directory): a sealed unnamed temp file in the
    archive's tmp/, or the system's if the archive cannot take one."""

    def make() -> BinaryIO:
        try:
            return sealed_tempfile(ar.blobs.tmp)
        except OSError:
            try:
                return sealed_tempfile()
            except OSError as e:
                raise ArchiveError(f"cannot make a temp file for the pack: {e.strerror}") from None

    return make


def in_name_order(ar: Archive, ids: list[str]) -> list[str]:
    """Full ids, sorted: each article's entries are named after its id, so
    the ZIP's entries and the manifest's parts then come in name order."""
    return sorted(i if layout.ID_RE.fullmatch(i) else ar.resolve(i) for i in ids)


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr)


def payload(ar: Archive, ids: list[str], sign_key: SigningKey | None = None, pad: bool = True,
            stats: PackStats | None = None, warn: Warn | None = None,
            site_plan: site.SitePlan | None = None, progress: Step | None = None) -> Iterator[bytes]:
    """The ZIP bytes. Entries come in name order: articles/..., index.html,
    manifest.json, signature.json, zz-padding, so the manifest is written after
    every file it describes has been hashed, and nothing is held twice."""
    stats = stats or PackStats()
    ids = in_name_order(ar, ids)
    site_plan = site_plan or plan(ar, ids, Look())
    z = ZipWriter(spill=_spill(ar))
    entries, written = ManifestParts(_spill(ar)), site.Written(site_plan)
    for versions, files in _rendered(ar, ids, warn, site_plan, progress):  # sorted: every article's names start with its id
        art = files.art
        entry = ArticleEntry(art.id, art.url, art.title, art.published, art.modified, art.captured,
                             art.content_hash)
        pending = [(f.name, f) for f in files.files] + list(files.asset_files)
        by_mime = {a.sha256: a.mime for v in versions for a in v.assets}
        for name, item in sorted(pending, key=lambda p: p[0]):
            if isinstance(item, site.SiteFile):
                data, compress, huff = item.data, item.compress, item.huffman_only
                entry.files[name] = item.ref()
            else:
                data = ar.read_blob(item)
                compress, huff = not site.is_compressed_image(by_mime.get(item, "")), False
                entry.files[name] = ref(data)
            yield from z.entry(name, data, compress, huff)
        entries.add(entry)
        written.add(art.id)
    index = _Hashed(site.index_file(written, summaries_of(ar)))
    yield from z.entry_from(layout.INDEX, index)
    top = {layout.INDEX: index.ref()}
    if sign_key is None:  # the manifest is deflated as it is decompressed, never held whole
        yield from z.entry_from(layout.MANIFEST, lambda: entries.chunks(top))
    else:  # Ed25519 signs a message it reads twice: it is held whole
        manifest = entries.to_bytes(top)
        yield from z.entry(layout.MANIFEST, manifest, True)
        yield from z.entry(layout.SIGNATURE, signature_document(sign_key, manifest), True)
        del manifest
        stats.signer = fingerprint(sign_key.public)
    entries.close()  # (its spill file)
    if pad:
        stats.padding_bytes = z.padding_for(layout.PADDING, padme)
        yield from z.zeros(layout.PADDING, stats.padding_bytes)
    yield from z.finish()
    stats.articles = len(entries)
    stats.plaintext_bytes = z.offset


@contextlib.contextmanager
def removed_on_signal() -> Iterator[None]:
    """SIGTERM and SIGHUP end the process through Python's unwinding (like
    SIGINT, KeyboardInterrupt), so `finally` blocks remove temp files. Only
    the main thread can set handlers; elsewhere this does nothing. SIGKILL
    cannot be caught: see FORMAT.md on what is left then."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> NoReturn:
        raise SystemExit(128 + signum)

    old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _create_neutral(parent: Path) -> tuple[int, Path]:
    for _ in range(100):
        tmp = parent / neutral_name()
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), tmp
        except FileExistsError:
            continue
    raise UsageError(f"cannot create a temporary file in {parent}")


FAT_FORBIDDEN = set('"*/:<>?\\|')
FAT_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def refuse_unportable(out: Path) -> None:
    """A bundle is made to travel on a stick (FAT or exFAT, read on Windows
    too): a name those refuse is refused here, up front, with the reason,
    rather than as an obscure error about a temp file halfway through."""
    name = out.name
    bad = sorted({c for c in name if c in FAT_FORBIDDEN or ord(c) < 32})
    why = None
    if bad:
        why = "it contains " + " ".join(repr(c) for c in bad)
    elif name != name.rstrip(" ."):
        why = "it ends with a space or a dot"
    elif name.split(".")[0].upper() in FAT_RESERVED:
        why = f"{name.split('.')[0]} is a reserved device name on Windows"
    elif len(name.encode("utf-16-le")) > 510:
        why = "it is longer than 255 characters"
    if why:
        raise UsageError(f"{name!r} cannot be a file name on a USB stick (FAT/exFAT) or Windows: {why}")


def refuse_existing(out: Path) -> None:
    """The one rule for a bundle's name: an existing file is kept unless the
    user said --force."""
    if os.path.lexists(out):
        raise UsageError(f"{out} already exists: refusing to overwrite it (use --force)")


def _publish(tmp: Path, out: Path, overwrite: bool) -> None:
    """Move the finished temp file to `out`. Without `overwrite`, a hard link
    puts it there only if nothing is (no window for a file made meanwhile);
    where links are not supported (FAT sticks), check, then rename."""
    if overwrite:
        os.replace(tmp, out)
        return
    try:
        os.link(tmp, out)
    except FileExistsError:
        refuse_existing(out)
        raise
    except OSError:
        refuse_existing(out)
        os.replace(tmp, out)


@contextlib.contextmanager
def atomic_output(out: Path, overwrite: bool = False) -> Iterator[BinaryIO]:
    """A private temp file beside `out` with a neutral name, moved to `out`
    only on success (over an existing file only with `overwrite`) and removed
    on every other exit (signals included)."""
    out = Path(out)
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"cannot write {out}: no such directory {parent}")
    if not overwrite:
        refuse_existing(out)
    with removed_on_signal():
        fd, tmp = _create_neutral(parent)
        try:
            with os.fdopen(fd, "wb") as f:
                yield f
                f.flush()
                os.fsync(f.fileno())
            _publish(tmp, out, overwrite)
            fsync_dir(parent)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


@contextlib.contextmanager
def output_to(out: Path | BinaryIO, overwrite: bool = False) -> Iterator[BinaryIO]:
    """A path is written atomically; an open binary stream (stdout for `-o -`)
    is written as the bundle is made and flushed, never closed."""
    if not isinstance(out, (str, os.PathLike)):
        yield out
        out.flush()
        return
    with atomic_output(Path(out), overwrite) as f:
        yield f


@dataclass
class Keys:
    """How to encrypt: age recipients (strings or parsed) or a passphrase."""

    recipients: tuple[str | Recipient, ...] = ()
    passphrase: str | None = None


def keys_given(passphrase_file: str | None, recipients: tuple[str, ...] = (),
               recipients_files: tuple[str, ...] = ()) -> Keys | None:
    """The keys named by --passphrase-file, -r and -R; None when none were
    (the caller may then ask for a passphrase). Recipients are parsed here: one
    clear error for a bad one before any work, and a -R file may hold several."""
    from mirror.fsutil import read_passphrase_file, read_text

    given = sum(bool(x) for x in (passphrase_file, recipients or recipients_files))
    if given > 1:
        raise UsageError("give either --passphrase-file or recipients (-r/-R), not both")
    if passphrase_file:
        return Keys(passphrase=read_passphrase_file(passphrase_file))
    texts = list(recipients) + [read_text(f, "recipients file") for f in recipients_files]
    if not texts:
        return None
    from mirror.crypto import age

    return Keys(recipients=tuple(r for t in texts for r in age.parse_recipients(t)))


def pack(ar: Archive, ids: list[str], out: Path | BinaryIO, keys: Keys, *, armor: bool = False,
         sign_key: SigningKey | None = None, pad: bool = True, warn: Warn | None = None,
         overwrite: bool = False, look: Look = Look(), progress: Step | None = None) -> PackStats:
    """Write the bundle of `ids` to `out`: a path (atomically, an existing
    file only with `overwrite`) or an open binary stream."""
    from mirror.bundle.stream import IterReader
    from mirror.crypto import age

    if not keys.recipients and keys.passphrase is None:
        raise UsageError("no recipients or passphrase to encrypt to")
    stats = PackStats()
    src = IterReader(payload(ar, ids, sign_key, pad, stats, warn, plan(ar, ids, look), progress))
    with output_to(out, overwrite) as dst:
        if keys.passphrase is not None:
            age.encrypt(src, dst, passphrase=keys.passphrase, armor=armor)
        else:
            age.encrypt(src, dst, recipients=list(keys.recipients), armor=armor)
    return stats


def export_site(ar: Archive, ids: list[str], directory: Path, warn: Warn | None = None, look: Look = Look(),
                progress: Step | None = None) -> int:
    """Write the static site (pages, article.json, index, manifest) unzipped
    into an empty or new directory. Returns the number of articles. The site
    is built in a neutral-named folder beside it and renamed into place, so a
    failure or a signal leaves no half-written site (SIGKILL: see FORMAT.md)."""
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise UsageError(f"{directory} exists and is not an empty directory")
    parent = directory.parent if str(directory.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    with removed_on_signal():
        tmp = parent / neutral_name()
        tmp.mkdir(mode=0o700)
        try:
            n = _write_site(ar, ids, tmp, warn, plan(ar, ids, look), progress)
            if directory.exists():
                directory.rmdir()  # empty, checked above
            os.replace(tmp, directory)
            fsync_dir(parent)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return n


def _write_site(ar: Archive, ids: list[str], directory: Path, warn: Warn | None, site_plan: site.SitePlan,
                progress: Step | None = None) -> int:
    entries, written = ManifestParts(_spill(ar)), site.Written(site_plan)
    ids = in_name_order(ar, ids)
    root = os.fspath(directory)
    made = {""}  # folders made, relative to root: each made once, not asked of the disk per file
    for _versions, files in _rendered(ar, ids, warn, site_plan, progress):
        art = files.art
        entry = ArticleEntry(art.id, art.url, art.title, art.published, art.modified, art.captured,
                             art.content_hash)
        items: list[tuple[str, bytes, site.SiteFile | None]] = [(f.name, f.data, f) for f in files.files]
        items += [(name, ar.read_blob(sha), None) for name, sha in files.asset_files]
        made.intersection_update(("", "articles"))  # an article's folders are its own
        for name, data, f in items:
            _make_folder(root, name.rpartition("/")[0], made)
            _write_new(os.path.join(root, name), data)
            entry.files[name] = f.ref() if f is not None else ref(data)
        entries.add(entry)
        written.add(art.id)
    index = _Hashed(site.index_file(written, summaries_of(ar)))
    _write_new(os.path.join(root, layout.INDEX), index())
    _write_new(os.path.join(root, layout.MANIFEST), entries.chunks({layout.INDEX: index.ref()}))
    entries.close()
    return len(entries)


class _Hashed:
    """A file made in pieces (`chunks()`, each call anew), and its
    manifest reference as the last pieces made were."""

    def __init__(self, chunks: Callable[[], Iterable[bytes]]) -> None:
        self._chunks = chunks
        self._ref: FileRef | None = None

    def __call__(self) -> Iterator[bytes]:
        h, size = hashlib.sha256(), 0
        for piece in self._chunks():
            h.update(piece)
            size += len(piece)
            yield piece
        self._ref = FileRef(h.hexdigest(), size)

    def ref(self) -> FileRef:
        if self._ref is None:
            raise RuntimeError("the file was not made yet")
        return self._ref


def _make_folder(root: str, rel: str, made: set[str]) -> None:
    """`rel` (a '/'-separated path under `root`, which is new and so holds
    only what this export made) and its parents, unless `made` has them."""
    if rel in made:
        return
    _make_folder(root, rel.rpartition("/")[0], made)
    os.mkdir(os.path.join(root, rel))
    made.add(rel)


def _write_new(path: str, data: bytes | Iterable[bytes]) -> None:
    """`Path.write_bytes` (mode 0o666 less the umask) without the layers
    of a buffered file object around one write; `data` may come in pieces."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
    try:
        for piece in (data,) if isinstance(data, bytes) else data:
            view = memoryview(piece)
            while view:
                view = view[os.write(fd, view):]
    finally:
        os.close(fd)


__all__ = ["FileRef", "Keys", "Look", "PackStats", "Selection", "export_site", "pack", "payload", "plan", "select"]
