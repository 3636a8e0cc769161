"""One definition of the current version (issue: hostile bundles, findings 2
and 3): the latest capture not in the future, ties by number, used by show,
ls, search, pack and export-site alike."""

from __future__ import annotations

import json
import zipfile

from hypothesis import given, settings, strategies as st

from bundleutil import age_keypair, new_version
from conftest import run_mirror, open_archive
from mirror.model import CURRENT_ORDER, current_of, future_cutoff

EARLY = "An earlier edition of the story, written first."
LATE = "The later edition of the story, after the outlet edited it."
FORGED = "A forged edition that claims to come from the far future."


def _current_everywhere(tmp, archive, aid):
    """The text of the current version as show, ls, search, export-site and
    a packed bundle present it."""
    shown = run_mirror("show", aid, "--format", "json", archive=archive)
    assert shown.returncode == 0, shown.stderr
    listed = json.loads(run_mirror("ls", "--json", archive=archive).stdout)
    found = json.loads(run_mirror("search", "edition", "--json", archive=archive).stdout)
    site = tmp / "site"
    r = run_mirror("export-site", str(site), "--all", archive=archive)
    assert r.returncode == 0, r.stderr
    page = next(site.glob("articles/*/index.html")).read_text(encoding="utf-8")
    key, rcp = age_keypair(tmp)
    r = run_mirror("pack", "-o", str(tmp / "b.age"), "--all", "-r", rcp, archive=archive)
    assert r.returncode == 0, r.stderr
    r = run_mirror("inspect", str(tmp / "b.age"), "-i", str(key), "--json", archive=tmp / "empty")
    assert r.returncode == 0, r.stderr
    return (json.loads(shown.stdout)["text"], listed[0]["captured"], found[0]["captured"], page,
            json.loads(r.stdout))


def _saved_in_order(tmp, *captures: tuple[str, str, str]):
    """An archive with one article saved as (text, title, captured) in this
    order, so the first gets number 1; returns (archive, id)."""
    a = tmp / "A"
    with open_archive(a) as ar:
        aid = [ar.save(new_version(0, text=text, title=title, captured=when)).id
               for text, title, when in captures][0]
        assert [v.version for v in ar.versions(aid)] == list(range(1, len(captures) + 1))
    return a, aid


def test_an_older_capture_imported_later_does_not_become_current_in_any_view(tmp_path):
    # An honest courier's older capture arrives afterwards: it gets number 2.
    a, aid = _saved_in_order(tmp_path, (LATE, "Later edition", "2026-03-05T09:00:00Z"),
                             (EARLY, "Earlier edition", "2026-03-01T08:00:00Z"))
    text, ls_captured, search_captured, page, report = _current_everywhere(tmp_path, a, aid)
    assert text == LATE
    assert ls_captured == search_captured == "2026-03-05T09:00:00Z"
    assert "Later edition" in page and "Earlier edition" not in page
    titles = json.dumps(report, ensure_ascii=False)
    assert "Later edition" in titles and "Earlier edition" not in titles


def test_a_far_future_capture_does_not_pin_itself_as_current(tmp_path):
    a, aid = _saved_in_order(tmp_path, (FORGED, "Forged edition", "9999-12-31T00:00:00Z"),
                             (LATE, "Genuine edition", "2026-03-05T09:00:00Z"))
    text, ls_captured, search_captured, page, _ = _current_everywhere(tmp_path, a, aid)
    assert text == LATE
    assert ls_captured == search_captured == "2026-03-05T09:00:00Z"
    assert "Genuine edition" in page and "Forged edition" not in page


def test_when_every_capture_is_in_the_future_the_newest_is_still_shown(tmp_path):
    with open_archive(tmp_path / "A") as ar:
        aid = ar.save(new_version(0, text=FORGED, captured="9999-12-31T00:00:00Z")).id
        assert ar.get(aid).text == FORGED
        assert len(ar.list()) == 1


_day = st.dates().map(lambda d: d.strftime("%Y-%m-%d"))
_when = st.one_of(_day, st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")))


@settings(max_examples=60, deadline=None)
@given(st.lists(_when, min_size=1, max_size=6))
def test_sql_and_python_state_the_same_rule(captures):
    """CURRENT_ORDER (SQL) and current_of (Python) pick the same version."""
    import sqlite3

    from mirror.model import StoredVersion

    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE versions (n INTEGER, captured TEXT)")
    db.executemany("INSERT INTO versions VALUES (?, ?)", list(enumerate(captures, 1)))
    n_sql = db.execute(f"SELECT n FROM versions ORDER BY {CURRENT_ORDER} LIMIT 1",
                       (future_cutoff(),)).fetchone()[0]
    vs = [StoredVersion(id="x", version=n, url="u", title=None, byline=None, published=None, modified=None,
                        lang=None, site_name=None, lead_image=None, text="", html="", captured=c,
                        content_hash="", assets=[]) for n, c in enumerate(captures, 1)]
    assert current_of(vs).version == n_sql
