"""Fuzzing unpack with hypothesis: ZIP containers, manifests and article.json
documents derived from a real bundle and bent every way a forger can.

Property: any input is either imported completely, and then every article
in the archive still renders and packs, or it is refused with a MirrorError
(never another exception), and a refused bundle leaves the archive byte for
byte as it was. `make test` runs a few examples; `make fuzz` runs many
(FUZZ_EXAMPLES scales them)."""

from __future__ import annotations

import io
import json
import os
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

import ziputil
from bundleforge import edit_article, files_of, rebuild, zipped
from bundleutil import make_archive, new_version, tree_digest
from mirror.bundle import layout, pack, signing, site, unpack
from mirror.config import Config
from mirror.crypto import age
from mirror.crypto.age.keys import generate_identity
from mirror.errors import MirrorError
from conftest import open_archive

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("FUZZ_EXAMPLES"),
                suppress_health_check=list(HealthCheck), database=None)


class World:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="fuzz"))
        self.ids = sorted(make_archive(self.dir / "A", 2))
        ident, rcp = generate_identity()
        self.identity = self.dir / "id.key"
        self.identity.write_text(ident + "\n")
        self.rcp = rcp
        self.sk = signing.generate()
        with open_archive(self.dir / "A") as ar:
            self.plain = b"".join(pack.payload(ar, self.ids))
            self.signed = b"".join(pack.payload(ar, self.ids, sign_key=self.sk))
        self.target = self.dir / "B"
        with open_archive(self.target) as ar:
            ar.save(new_version(99))

    def check(self, plain: bytes) -> None:
        """The property, for one decrypted payload."""
        bundle = self.dir / "case.age"
        with open(bundle, "wb") as out:
            age.encrypt(io.BytesIO(plain), out, recipients=[self.rcp])
        before = tree_digest(self.target, skip_tmp=False)
        cfg = Config(self.target)
        try:
            with open_archive(self.target) as ar:
                unpack.check(ar, bundle, unpack.Secrets((str(self.identity),)), cfg, (), True)
        except MirrorError as e:
            event("refused: " + str(e).split(":")[0 if not str(e).startswith("bundle refused") else 1][:40])
            assert "\n" not in str(e)
            assert tree_digest(self.target, skip_tmp=False) == before, f"changed after refusal: {e}"
            return
        event("accepted")
        with open_archive(self.target) as ar:  # accepted: everything renders and packs again
            for aid in ar.ids():
                site.article_files(ar.versions(aid), ar.read_blob)
            b"".join(pack.payload(ar, ar.ids()))


@pytest.fixture(scope="module")
def world():
    return World()


# -- strategies -----------------------------------------------------------------------------

FIELDS = ("method", "flags", "crc", "csize", "usize")
u32 = st.one_of(st.integers(0, 0xFFFFFFFF), st.sampled_from([0, 1, 8, 0xFFFFFFFF]))


@st.composite
def containers(draw):
    """The real ZIP (signed or not) with header fields, data, gaps and order bent."""
    w = draw(st.sampled_from(["plain", "signed"]))
    entries = ziputil.raw_entries(WORLD.plain if w == "plain" else WORLD.signed)
    for _ in range(draw(st.integers(1, 4))):
        e = entries[draw(st.integers(0, len(entries) - 1))]
        kind = draw(st.sampled_from(["local", "central", "data", "gap", "descriptor", "drop", "dup", "swap"]))
        if kind in ("local", "central"):
            f = draw(st.sampled_from(FIELDS))
            val = draw(st.integers(0, 0xFFFF) if f in ("method", "flags") else u32)
            getattr(e, kind)[f] = val
        elif kind == "data":
            cut = draw(st.integers(0, len(e.data)))
            e.data = e.data[:cut] + draw(st.binary(max_size=64)) + e.data[cut + draw(st.integers(0, 8)):]
        elif kind == "gap":
            e.after = draw(st.binary(min_size=1, max_size=64))
        elif kind == "descriptor":
            e.flags |= 0x08
            e.descriptor = draw(st.binary(min_size=12, max_size=16))
        elif kind == "drop" and len(entries) > 1:
            entries.remove(e)
        elif kind == "dup":
            entries.append(ziputil.Raw(e.name, e.data, e.method, e.crc, e.usize))
        elif kind == "swap":
            i, j = draw(st.integers(0, len(entries) - 1)), draw(st.integers(0, len(entries) - 1))
            entries[i], entries[j] = entries[j], entries[i]
    tail = draw(st.binary(min_size=1, max_size=8)) if draw(st.integers(0, 5)) == 0 else b""
    data = bytearray(ziputil.write(entries, tail=tail))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
    return bytes(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4),
    max_leaves=10)
MARKUP = st.lists(st.sampled_from(["<p>", "</p>", "<![>", "<![CDATA[", "<!--", "-->", "<!", "<?", "<img src=",
                                   '"assets/', "0123456789abcdef.png", "<script>", "</", "<a href=", "&", "&#x",
                                   "\u202e", "\x00", "<svg>", "<math>", "x", " ", ">", "'", '"', "<table>",
                                   "<![endif]>", "<!DOCTYPE", "]]>"]), max_size=40).map("".join)
URLS = st.one_of(st.text(max_size=40).map(lambda t: "https://news.example.org/" + t),
                 st.sampled_from(["https://a.org/a b", "https://a.org/\u00a0", "http://", "https://a.org/"
                                  + "x" * 5000, "javascript:alert(1)", "https://a.org/ok"]))
DATES = st.one_of(st.text(max_size=30), st.dates().map(lambda d: f"{d.isoformat()}T00:00:00Z"),
                  st.sampled_from(["9999-12-31T00:00:00Z", "2026-02-30", "2026-03-04T25:00:00Z"]))


@st.composite
def article_docs(draw):
    """A real article.json with fields replaced by hostile values; the
    content hash and every manifest hash are fixed up, so the checks run deep."""
    aid = WORLD.ids[draw(st.integers(0, len(WORLD.ids) - 1))]
    changes = draw(st.lists(st.sampled_from(["title", "html", "url", "captured", "assets", "asset_field",
                                             "text", "lang", "extra", "lead_image"]), min_size=1, max_size=3))

    def fn(d):
        for c in changes:
            if c == "html":
                d["html"] = draw(MARKUP) if draw(st.booleans()) else d["html"] + draw(MARKUP)
            elif c == "url":
                d["url"] = draw(URLS)
            elif c == "captured":
                d["captured"] = draw(DATES)
            elif c == "assets":
                d["assets"] = draw(json_values)
            elif c == "asset_field" and isinstance(d["assets"], list) and d["assets"] \
                    and isinstance(d["assets"][0], dict):  # (an earlier change may have made it anything)
                a = d["assets"][0]
                a[draw(st.sampled_from(["name", "sha256", "mime", "size", "source_url"]))] = draw(json_values)
            elif c == "extra":
                d[draw(st.text(max_size=8))] = draw(json_values)
            else:
                d[c] = draw(st.one_of(st.text(max_size=40), json_values))

    def edit(files):
        try:
            edit_article(files, aid, fn)
        except (TypeError, KeyError, AttributeError):  # a field the hash needs is not hashable text
            doc = json.loads(files[layout.article_json(aid)])
            fn(doc)
            files[layout.article_json(aid)] = json.dumps(doc).encode()
    try:
        return rebuild(WORLD.plain, edit)
    except (TypeError, KeyError, ValueError, AttributeError):
        files = files_of(WORLD.plain)
        edit(files)
        return zipped(files)


@st.composite
def manifests(draw):
    """The real manifest with values replaced or removed, hashes kept or fixed."""
    files = files_of(WORLD.plain if draw(st.booleans()) else WORLD.signed)
    doc = json.loads(files[layout.MANIFEST])
    for _ in range(draw(st.integers(1, 3))):
        target, key = doc, None
        path = []
        node = doc
        while isinstance(node, (dict, list)) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
            target, node = node, node[key]
            path.append(key)
        if key is None:
            doc[draw(st.text(max_size=8))] = draw(json_values)
        elif draw(st.booleans()):
            target[key] = draw(json_values)
        elif isinstance(target, dict):
            del target[key]
    files[layout.MANIFEST] = json.dumps(doc, ensure_ascii=draw(st.booleans())).encode()
    if draw(st.booleans()):
        files[layout.MANIFEST] = files[layout.MANIFEST] + draw(st.sampled_from([b"", b"[" * 5000, b"\xff"]))
    return zipped(files, random.Random(len(files[layout.MANIFEST])).choice([0, 8]))


WORLD: World  # set by the fixture before the strategies draw


@pytest.fixture(autouse=True)
def _world(world):
    global WORLD
    WORLD = world


@FUZZ
@given(data=st.data())
def test_fuzz_containers(data):
    WORLD.check(data.draw(containers()))


@FUZZ
@given(data=st.data())
def test_fuzz_article_json(data):
    WORLD.check(data.draw(article_docs()))


@FUZZ
@given(data=st.data())
def test_fuzz_manifests(data):
    WORLD.check(data.draw(manifests()))
