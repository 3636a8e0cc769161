"""Where things live in a bundle, and `article.json` both ways.

    index.html                       table of contents (static site)
    manifest.json                    what is inside, with every file's SHA-256
    signature.json                   optional Ed25519 signature of manifest.json
    articles/<id>/index.html         reader page, images inline as data: URIs
    articles/<id>/versions.html      every capture and what changed (only with >1 version)
    articles/<id>/article.json       every field needed to re-create the capture
    articles/<id>/versions/NNNN.json earlier captures of the same URL, oldest first
    articles/<id>/assets/<name>      optional: assets as files (third-party bundles)
    zz-padding                       zeros, so the size leaks little (sorts last)

Our bundles carry each image once, inline in the reader page (deflated base64
costs ~1% over the raw bytes); import takes it from there by its SHA-256. A
bundle made by hand may carry `assets/<name>` files instead; both are checked.
"""

from __future__ import annotations

import datetime
import re

from mirror import assets as asset_rule
from mirror.errors import VerificationError
from mirror.jsonsafe import JSON
from mirror.urls import valid_url
from mirror.model import META_FIELDS, ArticleMeta, Asset, NewVersion, StoredVersion, article_id, with_meta

INDEX = "index.html"
MANIFEST = "manifest.json"
SIGNATURE = "signature.json"
PADDING = "zz-padding"
SPECIAL = (MANIFEST, SIGNATURE, PADDING)

ID_RE = re.compile(r"^[0-9a-f]{16}$")
# An asset is a raster image named by its content (mirror/assets.py, the rule
# the sanitiser applies too): a name like `read-me.html`, `logo.svg` or
# `CON.png` would put someone else's page, scripts or a device name beside ours.
ASSET_NAME_RE = asset_rule.NAME_RE
MIME_RE = re.compile(r"^[a-z]+/[a-z0-9.+-]{1,64}$")
SHA_RE = re.compile(r"^[0-9a-f]{64}$")


def page(aid: str) -> str:
    return f"articles/{aid}/index.html"


def versions_page(aid: str) -> str:
    return f"articles/{aid}/versions.html"


def article_json(aid: str) -> str:
    return f"articles/{aid}/article.json"


def version_json(aid: str, i: int) -> str:
    """An earlier version; 0001 is the oldest (bundle order, not the archive's numbers)."""
    return f"articles/{aid}/versions/{i:04d}.json"


VERSION_RE = re.compile(r"^articles/([0-9a-f]{16})/versions/(\d{4})\.json$")


def asset_path(aid: str, name: str) -> str:
    return f"articles/{aid}/assets/{name}"


def day(ts: str | None) -> str:
    """A tool-chosen time, cut to the day: finer times say when and so who."""
    return f"{(ts or '1980-01-01')[:10]}T00:00:00Z"


# article.json's fields besides captured, content_hash and assets: a closed set
# (unknown fields are refused), so a new metadata field is a format change.
OPTIONAL_STR = META_FIELDS
FIELDS = ("url", *META_FIELDS, "text", "html")


def to_article_json(art: StoredVersion) -> dict[str, JSON]:
    doc = {k: getattr(art, k) for k in FIELDS}
    doc["captured"] = day(art.captured)
    doc["content_hash"] = art.content_hash
    doc["assets"] = [{"name": a.name, "sha256": a.sha256, "mime": a.mime, "size": a.size,
                      "source_url": a.source_url} for a in art.assets]
    return doc


def _fail(where: str, what: str) -> VerificationError:
    return VerificationError(f"{where}: {what}")


def is_text(obj: object) -> bool:
    """False if any string in a parsed JSON document holds a lone surrogate
    (JSON may escape one, `"\\udfff"`; it is not Unicode text and cannot be
    written as UTF-8, so it would fail deep inside hashing or printing)."""
    stack = [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, str):
            try:
                o.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, list):
            stack.extend(o)
    return True


CLOCK_SKEW = datetime.timedelta(days=1)


def check_captured(value: str, where: str, now: datetime.datetime | None = None) -> None:
    """`captured` is a real ISO 8601 date or time, and not after today (UTC)
    plus a day of clock skew: a far-future date would make a forged capture
    the article's current edition, displacing every genuine later one."""
    if not isinstance(value, str) or len(value) > 40 or not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        raise _fail(where, "field 'captured' is not an ISO date")
    try:
        when = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(where, "field 'captured' is not an ISO date") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    latest = datetime.datetime.combine(now.date() + CLOCK_SKEW, datetime.time.max, datetime.timezone.utc)
    if when > latest:
        raise _fail(where, f"field 'captured' is in the future ({value[:10]}; today is {now.date()})")


def parse_article_json(doc: object, where: str) -> tuple[NewVersion, list[Asset]]:
    """Validate an untrusted article.json; return the capture (without asset
    bytes) and its asset list. Checks the content hash against the fields."""
    if not isinstance(doc, dict):
        raise _fail(where, "not a JSON object")
    if not is_text(doc):
        raise _fail(where, "a string holds a lone surrogate escape (not Unicode text)")
    allowed = set(FIELDS) | {"captured", "content_hash", "assets"}
    unknown = set(doc) - allowed
    if unknown:
        raise _fail(where, f"unknown field {sorted(unknown)[0]!r}")
    for k in ("url", "text", "html", "captured", "content_hash"):
        if not isinstance(doc.get(k), str):
            raise _fail(where, f"field {k!r} must be a string")
    for k in OPTIONAL_STR:
        if doc.get(k) is not None and not isinstance(doc[k], str):
            raise _fail(where, f"field {k!r} must be a string or null")
    if not valid_url(doc["url"]):
        raise _fail(where, "field 'url' is not a valid http(s) URL (no whitespace or control"
                           " characters, at most 4,096 characters)")
    check_captured(doc["captured"], where)
    raw_assets = doc.get("assets", [])
    if not isinstance(raw_assets, list):
        raise _fail(where, "field 'assets' must be a list")
    assets: list[Asset] = []
    names: set[str] = set()
    for a in raw_assets:
        if not isinstance(a, dict) or set(a) - {"name", "sha256", "mime", "size", "source_url"}:
            raise _fail(where, "an asset entry has an unknown format")
        name, sha, mime, size = a.get("name"), a.get("sha256"), a.get("mime"), a.get("size")
        src = a.get("source_url", "")
        if not (isinstance(sha, str) and SHA_RE.match(sha)):
            raise _fail(where, f"asset {str(name)[:40]!r}: bad sha256")
        if not (isinstance(name, str) and asset_rule.is_name_of(name, sha)) or name in names:
            raise _fail(where, f"bad or duplicate asset name {str(name)[:40]!r} (an asset is named"
                               " <first 16 hex digits of its sha256>.jpg|png|gif|webp|avif)")
        if not (isinstance(mime, str) and MIME_RE.match(mime)):
            raise _fail(where, f"asset {name}: bad mime type")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise _fail(where, f"asset {name}: bad size")
        if not isinstance(src, str):
            raise _fail(where, f"asset {name}: bad source_url")
        names.add(name)
        assets.append(Asset(name, sha, mime, size, src))
    meta = ArticleMeta(**{k: doc.get(k) for k in META_FIELDS})  # each checked above: str or None
    new = with_meta(NewVersion(url=doc["url"], text=doc["text"], html=doc["html"],
                               captured=doc["captured"]), meta)
    expect = new.content_hash(a.sha256 for a in assets)
    if expect != doc["content_hash"]:
        raise _fail(where, "content_hash does not match the article's fields")
    return new, assets


def check_id(aid: str, url: str, where: str) -> None:
    if article_id(url) != aid:
        raise _fail(where, "article id does not match its URL")
