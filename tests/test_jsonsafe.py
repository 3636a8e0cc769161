"""Untrusted JSON (bundles, JSON-LD) nested past the limit is refused before
`json.loads` can recurse; everything else loads exactly as `json.loads` does."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, strategies as st

from mirror import jsonsafe


def nested(depth: int, inner: object = 1) -> object:
    doc = inner
    for k in range(depth):
        doc = [doc] if k % 2 else {"k": doc}
    return doc


@pytest.mark.parametrize("as_bytes", [False, True])
def test_the_limit_itself_loads_and_one_more_is_refused(as_bytes):
    ok = json.dumps(nested(jsonsafe.MAX_DEPTH))
    deep = json.dumps(nested(jsonsafe.MAX_DEPTH + 1))
    assert jsonsafe.loads(ok.encode() if as_bytes else ok) == json.loads(ok)
    with pytest.raises(jsonsafe.TooDeep):
        jsonsafe.loads(deep.encode() if as_bytes else deep)


def test_brackets_inside_strings_do_not_count():
    """An article's text full of brackets is not nesting."""
    doc = {"text": "[" * 500 + "{" * 500, "assets": [{"a": ["]"]}]}
    assert jsonsafe.loads(json.dumps(doc)) == doc


def test_deep_nesting_among_many_string_brackets_is_still_refused():
    deep = json.dumps({"text": "[" * 500, "d": nested(jsonsafe.MAX_DEPTH + 1)})
    with pytest.raises(jsonsafe.TooDeep):
        jsonsafe.loads(deep)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(alphabet="[]{}\"\\ab"),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                           max_leaves=20)


@given(json_values)
def test_shallow_documents_load_as_json_loads_them(doc):
    text = json.dumps(doc)
    assert jsonsafe.loads(text) == json.loads(text)
