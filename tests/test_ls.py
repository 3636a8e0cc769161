"""`mirror ls`: newest first, paged with --limit/--offset, streamed (printed as
read, so any archive lists in flat memory and `| head` ends it cleanly)."""

import json
import subprocess

import pytest

from conftest import mirror_argv, open_archive, run_mirror
from mirror.model import NewVersion, future_cutoff
from mirror.store.catalogue import Catalogue

N = 1500  # the text listing is ~100 KB: more than a pipe holds


def _version(i: int, captured: str, text: str = "Text") -> NewVersion:
    return NewVersion(url=f"https://n.example/{i}", title=f"Story {i} «ёлка»", byline=None,
                      published=None if i % 3 else f"2026-01-{1 + i % 28:02d}", modified=None, lang="en",
                      site_name="N", text=f"{text} {i}.", html=f"<p>{text} {i}.</p>", captured=captured, assets=[])


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("ls")
    with open_archive(root) as ar:
        # Captures out of order, many sharing a second (the id breaks ties), a
        # second version that moves one article to the top, and one dated in
        # the future (it does not become the current version).
        ar.save_many([_version(i, f"2026-10-{1 + (i * 7) % 28:02d}T00:00:00Z") for i in range(N)])
        ar.save(_version(5, "2026-11-30T00:00:00Z", "Edited"))
        ar.save(_version(6, "2999-01-01T00:00:00Z", "Edited"))
    return root


def _ls(archive, *args):
    r = run_mirror("ls", "--json", *args, archive=archive)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_newest_first_with_current_versions(archive):
    rows = _ls(archive)
    assert len(rows) == N
    assert rows[0]["url"] == "https://n.example/5" and rows[0]["versions"] == 2
    keys = [(r["captured"], r["id"]) for r in rows]
    assert keys == sorted(keys, key=lambda k: (k[0], [-ord(c) for c in k[1]]), reverse=True)
    six = next(r for r in rows if r["url"] == "https://n.example/6")
    assert six["versions"] == 2 and not six["captured"].startswith("2999")


def test_json_is_one_array_with_an_article_per_line(archive):
    """Streamed element by element, the output is still one JSON document."""
    out = run_mirror("ls", "--json", archive=archive).stdout
    with open_archive(archive) as ar:
        assert json.loads(out) == [s.to_json() for s in ar.list()]
    lines = out.splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == N + 2
    assert all(json.loads(x.rstrip(","))["id"] for x in lines[1:-1])
    assert run_mirror("ls", "--json", "--limit", "1", "--offset", str(N), archive=archive).stdout == "[]\n"


def test_pages_cover_every_article_once(archive):
    whole = [r["id"] for r in _ls(archive)]
    pages = [[r["id"] for r in _ls(archive, "--limit", "400", "--offset", str(o))] for o in range(0, N + 1, 400)]
    assert [len(p) for p in pages] == [400, 400, 400, 300]
    assert [i for p in pages for i in p] == whole
    text = run_mirror("ls", "--limit", "3", "--offset", "1", archive=archive).stdout.splitlines()
    assert [t.split()[0] for t in text] == whole[1:4]


@pytest.mark.parametrize("args", [["--limit", "-1"], ["--offset", "x"]])
def test_bad_paging_is_a_usage_error(archive, args):
    r = run_mirror("ls", *args, archive=archive)
    assert r.returncode != 0 and "Traceback" not in r.stderr and "Invalid value" in r.stderr


def test_a_closed_pipe_ends_the_listing_quietly(archive):
    """`mirror ls | head -1`: the reader goes away mid-listing."""
    p = subprocess.run(" ".join(mirror_argv("ls", archive=archive)) + " | head -1",
                       shell=True, capture_output=True, text=True, timeout=120,
                       executable="/bin/bash", env={**__import__("os").environ, "MIRROR_CONFIG": "/dev/null"})
    assert len(p.stdout.splitlines()) == 1 and "Story 5" in p.stdout
    assert p.stderr == "", p.stderr


def test_listing_walks_an_index_in_order_instead_of_sorting(archive):
    """The query plan: no sort of every article (which costs memory and time
    before the first row at 100,000 articles)."""
    with open_archive(archive) as ar:
        plan = ar.db.execute("EXPLAIN QUERY PLAN " + Catalogue._LIST, (future_cutoff(), -1, 0)).fetchall()
    top = [r["detail"] for r in plan if r["parent"] == 0]  # an article's own few versions may be sorted
    assert top[0].startswith("SCAN v USING INDEX versions_captured"), plan
    assert not any("TEMP B-TREE" in d for d in top), top


def test_json_keeps_every_character_of_every_field(tmp_path):
    """`ls --json` is encoded by SQLite, `to_json` by Python: the same values,
    whatever a page put in its metadata (quotes, backslashes, control and
    format characters, astral and right-to-left text, empty and unknown fields)."""
    odd = ['"quoted" \\ back\\slash', "tab\tnew\nline\r\x01\x1f\x7f", "\u2028\u2029\ufeff\u200f",
           "😀 𝒳 日本語 العربية", "", "\x00nul"]
    with open_archive(tmp_path) as ar:
        for i, s in enumerate(odd):
            ar.save(NewVersion(url=f"https://n.example/{i}?q={s[:3]}", title=s, byline=s or None,
                               published=None, modified=s, lang=None, site_name=s, text="t", html="<p>t</p>",
                               captured=f"2026-10-0{1 + i}T00:00:00Z", assets=[]))
        want = [x.to_json() for x in ar.list()]
    got = _ls(tmp_path)
    assert got == want
    assert [list(r) for r in got] == [list(w) for w in want]  # the keys in the same order too
