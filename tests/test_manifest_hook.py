"""manifest.parse turns file entries into FileRefs as json.loads builds them
(`_ref_hook`): it must accept and refuse exactly what parsing to plain dicts
did, with the same messages, wherever such an object stands."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from mirror.bundle import manifest as mf
from mirror.errors import VerificationError
from mirror.model import article_id

SHA = "ab" * 32
URL = "https://example.org/a"
AID = article_id(URL)


def _outcome(data: bytes) -> object:
    try:
        m = mf.parse(data)
    except VerificationError as e:
        return ("refused", str(e))
    return ("ok", m)


def _both(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    hooked = _outcome(data)
    with monkeypatch.context() as m:
        m.setattr(mf, "_ref_hook", lambda obj: obj)  # every object a dict, as before the hook
        plain = _outcome(data)
    return hooked, plain


def _article(**over: object) -> dict[str, object]:
    a: dict[str, object] = {"id": AID, "url": URL, "title": "T", "published": None,
                            "modified": None, "captured": "2026-01-01T00:00:00Z", "content_hash": SHA,
                            "files": {f"articles/{AID}/article.json": {"sha256": SHA, "size": 10}}}
    a.update(over)
    return a


def _doc(*articles: object, **over: object) -> bytes:
    d: dict[str, object] = {"format": "mirror-bundle", "version": 1,
                            "files": {"index.html": {"sha256": SHA, "size": 3}}, "articles": list(articles)}
    d.update(over)
    return json.dumps(d).encode()


REF = {"sha256": SHA, "size": 5}


@pytest.mark.parametrize("data", [
    _doc(_article()),
    json.dumps(REF).encode(),  # the whole manifest a file entry
    _doc(REF),  # an article that is a file entry
    _doc(_article(id=REF)),  # shown in the refusal
    _doc(_article(id={"x": REF})),
    _doc(_article(), version=REF),
    _doc(_article(), version=[REF, {"a": REF}]),
    _doc(_article(), files=REF),  # "files" itself a file entry
    _doc(_article(files=REF)),
    _doc(_article(title=REF)),
    _doc(_article(captured=REF)),
    _doc(_article(files={f"articles/{AID}/article.json": {"sha256": SHA, "size": True}})),
    _doc(_article(files={f"articles/{AID}/article.json": {"sha256": SHA.upper(), "size": 1}})),
    _doc(_article(files={f"articles/{AID}/article.json": {"sha256": SHA, "size": -1}})),
    _doc(_article(files={f"articles/{AID}/article.json": {"sha256": SHA, "size": 1, "x": 1}})),
    _doc(_article(files={f"articles/{AID}/article.json": {"sha256": SHA, "size": 1.0}})),
])
def test_same_outcome_as_plain_dicts(data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    hooked, plain = _both(data, monkeypatch)
    assert hooked == plain


def test_entries_are_file_refs() -> None:
    m = mf.parse(_doc(_article()))
    assert m.files == {"index.html": mf.FileRef(SHA, 3)}
    assert m.articles[0].files == {f"articles/{AID}/article.json": mf.FileRef(SHA, 10)}


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False),
                    st.sampled_from([SHA, SHA.upper(), SHA + "\n", AID, URL, "x", "\udfff"]))
_ref_like = st.fixed_dictionaries({"sha256": _scalar, "size": _scalar},
                                  optional={"x": _scalar})
_json = st.recursive(st.one_of(_scalar, _ref_like),
                     lambda inner: st.one_of(st.lists(inner, max_size=3),
                                             st.dictionaries(st.sampled_from(
                                                 ["id", "sha256", "size", "files", "title",
                                                  f"articles/{AID}/article.json", "index.html"]),
                                                 inner, max_size=4)),
                     max_leaves=12)
_field = st.sampled_from(["id", "url", "title", "published", "modified", "captured", "content_hash",
                          "files", "extra"])


@settings(max_examples=300, deadline=None)
@given(over=st.dictionaries(_field, _json, max_size=3),
       top=st.dictionaries(st.sampled_from(["format", "version", "files", "articles", "other"]), _json,
                           max_size=2),
       extra=st.lists(_json, max_size=2))
def test_same_outcome_on_any_document(over: dict[str, object], top: dict[str, object],
                                      extra: list[object]) -> None:
    data = _doc(_article(**over), *extra, **top)
    hooked = _outcome(data)
    saved = mf._ref_hook
    mf._ref_hook = lambda obj: obj  # type: ignore[assignment]  # (hypothesis: no fixture per example)
    try:
        plain = _outcome(data)
    finally:
        mf._ref_hook = saved  # type: ignore[assignment]
    assert hooked == plain
