"""The compact name index behind a bundle's central directory answers like
a dict: every name found, absent names not, the first of twins kept."""

from hypothesis import given, strategies as st

from mirror.bundle.container import Directory
from mirror.bundle.nameindex import NameIndex


@given(st.lists(st.text(max_size=12), max_size=300), st.lists(st.text(max_size=12), max_size=30))
def test_answers_like_a_dict(names, probes):
    keys: list[str] = []
    index = NameIndex(keys.__getitem__)
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        keys.append(name)
        assert index.add(name, i) == first.get(name)
        first.setdefault(name, i)
    assert len(index) == len(first)
    for name in names + probes:
        assert index.get(name) == first.get(name)


def test_grows_past_many_thousands_and_compares_keys_not_only_hashes():
    keys = [f"articles/{i:016x}/article.json" for i in range(20_000)]
    index = NameIndex(keys.__getitem__)
    for i, k in enumerate(keys):
        assert index.add(k, i) is None
    assert all(index.get(k) == i for i, k in enumerate(keys))
    assert index.get("articles/x/article.json") is None
    asked = []
    probe = NameIndex(lambda i: asked.append(i) or keys[i])
    for i, k in enumerate(keys[:1000]):
        probe.add(k, i)
    assert probe.get("not there at all") is None and len(asked) < 50  # keys compared only on equal hashes


def test_directory_finds_entries_by_exact_name():
    d = Directory()
    for i, name in enumerate(["manifest.json", "articles/a/index.html", "Ünïcode/名前.txt", "manifest.json"]):
        d.add(name, 0, 8, i, 10 + i, 20 + i, 100 * i, 3, 0o644)
    assert len(d) == 4 and list(d.names)[2] == "Ünïcode/名前.txt"
    assert d.index("manifest.json") == 0 and d.find("Ünïcode/名前.txt") == 2  # twins: the first
    assert "MANIFEST.json" not in d and d.find("articles/a") is None
    assert d.usize[d.index("articles/a/index.html")] == 21
