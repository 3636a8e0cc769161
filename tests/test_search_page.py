"""A page of search hits is taken from FTS5's best rows when they settle it,
and must then be exactly the page that ranking every match gives: the same
articles in the same order (score, newest matching capture, id), ties and
articles whose matching versions lie outside the best rows included."""

import random

import pytest

from conftest import open_archive
from mirror.model import NewVersion, future_cutoff
from mirror.store import search as fts
from mirror.store.catalogue import Catalogue

N = 400


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Articles of random text, and 120 with the very same short text (their
    scores tie, more of them than a small page's best rows hold); some with
    several versions: a newer one that does not match, an older one that
    matches weakly (a long text), or a newer one that matches weakly."""
    rng = random.Random(7)
    root = tmp_path_factory.mktemp("page")
    words = "harbour ferry budget council school river market".split()
    versions = []
    for i in range(N + TIED):
        text = ("budget harbour" if i >= N else
                " ".join(rng.choice(words) for _ in range(rng.choice((6, 6, 6, 40)))))
        day = 1 + rng.randrange(20)
        versions.append((i, text, f"2026-10-{day:02d}T00:00:00Z"))
        kind = i % 5
        if kind == 1:
            versions.append((i, "nothing of the kind", f"2026-11-{day:02d}T00:00:00Z"))
        elif kind == 2:
            versions.append((i, text + " " + "filler " * 300 + "budget", f"2026-09-{day:02d}T00:00:00Z"))
        elif kind == 3:
            versions.append((i, "filler " * 300 + "budget ferry", f"2026-11-{day:02d}T00:00:00Z"))
    with open_archive(root) as ar:
        ar.save_many(NewVersion(url=f"https://n.example/{i}", title="Budget" if i % 7 == 0 else "News",
                                byline=None, published=None, modified=None, lang="en", site_name="N",
                                text=text, html=f"<p>{text}</p>", captured=captured, assets=[])
                     for i, text, captured in versions)
    return root


def _expr(cat, query):
    algorithms = [r[0] for r in cat.q("SELECT algorithm FROM search_langs ORDER BY algorithm")]
    return fts.to_fts(fts.parse(query), algorithms)


def _by_ranking_every_match(cat, query, limit, offset):
    return [r["id"] for r in cat.db.execute(Catalogue._SEARCH, (_expr(cat, query), limit, offset, future_cutoff()))]


def test_every_page_is_the_page_of_the_full_ranking(archive):
    """Both ways of making a page occur here (the shortcut settles some pages,
    ties or too few rows send others to the full ranking), and every page is
    the full ranking's."""
    settled = declined = 0
    with open_archive(archive) as ar:
        cat = ar.catalogue
        for query in ["budget", "harbour", "ferry", "harbour OR ferry", "school river", "budget NOT market",
                      "nothing", "filler"]:
            for limit, offset in [(1, 0), (2, 0), (20, 0), (21, 0), (20, 20), (7, 93), (50, 300), (10, N + TIED)]:
                got = [h.id for h in ar.hits(query, limit, offset)]
                assert got == _by_ranking_every_match(cat, query, limit, offset), (query, limit, offset)
                if cat._page(_expr(cat, query), limit, offset) is None:
                    declined += 1
                else:
                    settled += 1
        assert settled > 20 and declined > 0


def test_a_tie_running_past_the_best_rows_is_ranked_in_full(archive):
    """120 articles share the best score for "budget harbour": a page of 10
    from the best 64 rows cannot know which of them come first by date."""
    with open_archive(archive) as ar:
        assert ar.catalogue._page(_expr(ar.catalogue, '"budget harbour"'), 10, 0) is None
        assert len(list(ar.hits('"budget harbour"', 10, 0))) == 10


TIED = 120
