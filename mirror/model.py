"""Plain data passed between the pipeline stages. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Iterable, Sequence, TypeVar


def article_id(url: str) -> str:
    """Stable id derived from the canonical URL: the same article has the same id
    in every archive, so bundles merge without an archive-specific counter."""
    import hashlib  # (OpenSSL's digests: only commands that store load them)

    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


@dataclass(kw_only=True)
class ArticleMeta:
    """What an article says about itself, each field possibly unknown: the one
    list of article metadata. Extraction fills it, every stored version keeps it
    (one catalogue column per field), bundles carry it (`bundle.layout`), pages
    show it. Subclasses add their own fields; these are keyword-only."""

    title: str | None = None
    byline: str | None = None
    published: str | None = None  # ISO 8601
    modified: str | None = None
    lang: str | None = None
    site_name: str | None = None
    lead_image: str | None = None


META_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ArticleMeta))


def meta_of(obj: ArticleMeta) -> dict[str, str | None]:
    """The metadata fields of `obj`, by name."""
    return {k: getattr(obj, k) for k in META_FIELDS}


M = TypeVar("M", bound=ArticleMeta)


def json_fields(obj: Any, first: Sequence[str]) -> dict[str, Any]:
    """`obj` as a JSON object, its own `first` fields before the metadata (the
    order `--json` output has always had: `json_keys`)."""
    d = _plain(obj)
    return {k: d[k] for k in json_keys(type(obj), first)}


def json_keys(cls: type, first: Sequence[str]) -> tuple[str, ...]:
    """The keys of `cls` as a JSON object, in order: `first`, then the rest."""
    return (*first, *(k for k in _field_names(cls) if k not in first))


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _plain(value: Any) -> Any:
    """`dataclasses.asdict` without its deep copies (a listing of 100,000
    articles spent most of its time there): values are JSON scalars, lists
    and dataclasses."""
    if hasattr(type(value), "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in _field_names(type(value))}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def with_meta(record: M, source: ArticleMeta) -> M:
    """`record` with every metadata field copied from `source`: how one record
    is made from another without naming the fields again."""
    for k in META_FIELDS:
        setattr(record, k, getattr(source, k))
    return record


@dataclass(kw_only=True)
class Extracted(ArticleMeta):
    """What extraction finds in one page. `html` is the body fragment (not yet
    sanitised); `text` is the body as plain text, paragraphs split by blank lines,
    without title, byline or captions. `description` (the page's own summary) is
    shown by `mirror extract` but not stored: see README, "Article metadata"."""

    url: str | None = None
    text: str = ""
    html: str = ""
    images: list[str] = field(default_factory=list)
    description: str | None = None
    canonical: str | None = None  # what the page declares (rel=canonical, og:url), if anything

    def to_json(self) -> dict[str, Any]:
        return json_fields(self, ("url",))


@dataclass(frozen=True)
class Asset:
    """A local copy of an image. `name` is what the article HTML refers to."""

    name: str
    sha256: str
    mime: str
    size: int
    source_url: str = ""


@dataclass(frozen=True)
class ImageFailure:
    """An image of the article left out, and why, in a line."""

    url: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"url": self.url, "reason": self.reason}


@dataclass(kw_only=True)
class NewVersion(ArticleMeta):
    """A capture ready to be stored: sanitised HTML whose images point at
    `assets/<name>`, and the asset bytes to store as blobs. `images_failed`
    is what was left out, for the report (not stored)."""

    url: str
    text: str
    html: str
    captured: str  # ISO 8601 UTC
    assets: Sequence[tuple[Asset, bytes | None]] = field(default_factory=list)  # None: already a blob
    raw: bytes | None = None
    images_failed: Sequence["ImageFailure"] = ()

    def content_hash(self, asset_shas: Iterable[str] | None = None) -> str:
        """The hash of this capture (with `asset_shas`, when its assets are
        listed apart, as in a bundle's article.json)."""
        shas = [a.sha256 for a, _ in self.assets] if asset_shas is None else asset_shas
        return content_hash(self.url, self.title, self.byline, self.published, self.modified,
                            self.lang, self.site_name, self.text, self.html, shas)


def content_hash(url: str, title: str | None, byline: str | None, published: str | None, modified: str | None,
                 lang: str | None, site_name: str | None, text: str, html: str, asset_shas: Iterable[str]) -> str:
    """Identity of a capture's content (not of when or where it was captured).
    Frozen serialisation: bundles carry these hashes, so the fields, their order
    and the JSON form never change (a new metadata field stays out of it)."""
    import hashlib
    import json

    doc = json.dumps([url, title, byline, published, modified, lang, site_name, text, html,
                      sorted(asset_shas)], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(doc.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)  # an import keeps one per capture: no __dict__ each
class SaveResult:
    """What storing one capture did."""

    id: str
    version: int
    created: bool  # False: the same content was already stored


@dataclass(kw_only=True)
class StoredVersion(ArticleMeta):
    """One stored capture of an article, as `show` and the pages see it."""

    id: str  # article id
    version: int
    url: str
    text: str
    html: str
    captured: str
    content_hash: str
    assets: list[Asset]
    versions: int = 1

    def to_json(self) -> dict[str, Any]:
        return json_fields(self, ("id", "version", "url"))


@dataclass(kw_only=True)
class VersionHead(ArticleMeta):
    """A stored capture as its catalogue row tells it, without the text or
    the HTML (a blob): enough to order and plan a pack before reading either."""

    id: str
    version: int
    url: str
    captured: str
    html_sha: str
    versions: int = 1


@dataclass(kw_only=True)
class Summary(ArticleMeta):
    """An article in a listing: its current version's metadata."""

    id: str
    url: str
    captured: str
    versions: int

    JSON_FIRST: ClassVar[tuple[str, ...]] = ("id", "url")

    def to_json(self) -> dict[str, Any]:
        return json_fields(self, self.JSON_FIRST)


@dataclass(kw_only=True)
class Hit(Summary):
    """A search result: the article, and a piece of its text around the match,
    each matching word between search.MARK characters (shown as [ ] in JSON)."""
    snippet: str = ""

    def to_json(self) -> dict[str, Any]:
        d = super().to_json()
        d["snippet"] = self.snippet.replace("\ue000", "[").replace("\ue001", "]")
        return d


# -- which version is current -------------------------------------------------
# One rule, used by show, ls, search, pack and export-site: the latest capture
# that is not in the future (one day of clock skew allowed), ties broken by
# version number. A capture dated after the cutoff (a forged bundle, a wrong
# clock) can never pin itself as the current edition; if every capture is in
# the future, the newest still wins so an article always has a current one.
# `CURRENT_ORDER` is the same key in SQL: `versions` rows with `captured`, `n`,
# one parameter, the cutoff.

CLOCK_SKEW_SECONDS = 86400

CURRENT_ORDER = "(captured <= ?) DESC, captured DESC, n DESC"


def future_cutoff(now: float | None = None) -> str:
    """Captures dated after this ISO 8601 UTC time are in the future."""
    import time

    t = (time.time() if now is None else now) + CLOCK_SKEW_SECONDS
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


V = TypeVar("V", StoredVersion, VersionHead)


def current_of(versions: list[V], now: float | None = None) -> V:
    """The current version among `versions` (by the rule above)."""
    cut = future_cutoff(now)
    return max(versions, key=lambda v: (v.captured <= cut, v.captured, v.version))


def current_last(versions: list[V], now: float | None = None) -> list[V]:
    """`versions` by number with the current one moved to the end: bundles and
    exported sites show their last version as the article's page."""
    cur = current_of(versions, now)
    return [v for v in sorted(versions, key=lambda v: v.version) if v is not cur] + [cur]
