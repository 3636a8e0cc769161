"""jsontext.dumps_sorted is json.dumps(sort_keys, ensure_ascii=False, indent) to the byte."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from mirror.jsontext import dumps_sorted

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                      | st.dictionaries(st.text(), inner, max_size=4), max_leaves=30)


def std(obj: object, indent: int = 1) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=indent)


@settings(max_examples=300)
@given(values, st.integers(0, 3))
def test_same_text_as_json(obj: object, indent: int) -> None:
    assert dumps_sorted(obj, indent) == std(obj, indent)


def test_article_shaped_document() -> None:
    doc = {"url": "https://example.org/a", "title": "Ünïcode \u2028 \"quoted\" \\ \x00\x1f", "byline": None,
           "text": "a\nb\tc" * 50, "assets": [{"name": "x.jpg", "size": 12, "source_url": ""}], "empty": [],
           "nothing": {}, "n": [1, 2.5, True, False, -0.0, math.inf, -math.inf]}
    assert dumps_sorted(doc) == std(doc)


def test_other_keys_and_types_go_to_json() -> None:
    assert dumps_sorted({2: "a", 1: "b"}) == std({2: "a", 1: "b"})
    assert dumps_sorted({"nan": math.nan}) == std({"nan": math.nan})
    try:
        dumps_sorted({"x": object()})
    except TypeError:
        pass
    else:
        raise AssertionError("json.dumps refuses an object; so must dumps_sorted")
