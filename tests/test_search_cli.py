"""`mirror search` as a user types it, over articles in several languages."""

import json

import pytest

from conftest import open_archive, run_mirror
from mirror.model import NewVersion

ARTICLES = {
    "ru": ("Суд над журналистами", "Вчера суд оштрафовал журналистов за публикацию о ёлке у мэрии.", "ru"),
    "uk": ("Новини Києва", "Журналісти повідомили про нову їдальню біля вокзалу.", "uk"),
    "en": ("Harbour news", "The cat sat on the bridge while dockworkers went on strike.", "en"),
    "en2": ("Cats of the harbour", "Many cats live near the harbour; bridges are busy.", "en"),
    "ar": ("أخبار الصحافة", "اعتقلت الشرطة الصحفيين في القاهرة أمس.", "ar"),
    "zh": ("新闻", "新华社北京电，记者今天报道了新的法律。", "zh"),
    "ja": ("知的財産", "裁判所は商標権の侵害を認めた。", "ja"),
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("search")
    with open_archive(root) as ar:
        for i, (key, (title, text, lang)) in enumerate(ARTICLES.items()):
            ar.save(NewVersion(url=f"https://n.example/{key}", title=title, byline=None,
                               published=f"2026-10-{i + 1:02d}", modified=None, lang=lang, site_name="N",
                               text=text, html=f"<p>{text}</p>", captured=f"2026-10-{i + 1:02d}T00:00:00Z",
                               assets=[]))
    return root


def found(archive, query):
    r = run_mirror("search", query, "--json", archive=archive)
    assert r.returncode == 0, r.stderr
    return [h["url"].rsplit("/", 1)[1] for h in json.loads(r.stdout)]


@pytest.mark.parametrize("query,expected", [
    ("журналист", ["ru"]),            # stemmed: журналистов, журналистами
    ("ЕЛКА", ["ru"]),                 # ё = е, case
    ("журналісти", ["uk"]),           # Ukrainian: no stemmer, the word itself
    ("журналіст*", ["uk"]),           # ... and a prefix
    ("їдальню", ["uk"]),
    ("الصحفي", ["ar"]),               # Arabic stemmed
    ("记者", ["zh"]), ("北京", ["zh"]), ("记", ["zh"]),
    ("商標権", ["ja"]),
    ("bridge", ["en", "en2"]),
    ("bri*", ["en", "en2"]),
    ('"on strike"', ["en"]),
    ('"strike on"', []),
    ("cat -bridge", []),
    ("cat NOT strike", ["en2"]),
    ("记者 OR 商標権", ["zh", "ja"]),
])
def test_finds(archive, query, expected):
    assert sorted(found(archive, query)) == sorted(expected)


def test_title_match_ranks_first_then_newest(archive):
    # "cats" is in en2's title; en has only "cat" in its text
    assert found(archive, "cats") == ["en2", "en"]


def test_snippet_marks_the_match(archive):
    r = run_mirror("search", "журналист", "--json", archive=archive)
    assert "[журналистов]" in json.loads(r.stdout)[0]["snippet"]
    text = run_mirror("search", "记者", archive=archive).stdout
    assert "[记者]" in text and "\x1b" not in text  # not a terminal: brackets, no escapes


@pytest.mark.parametrize("query", ['"', "(", ")", "*", "-", "NOT", "OR", "()", '""', "-cat", "NOT cat"])
def test_queries_without_a_word_are_one_line_errors(archive, query):
    r = run_mirror("search", "--", query, archive=archive)  # -- : "-cat" is not an option
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("query", ['title:cat', 'NEAR(cat bridge)', 'cat"', '"cat', '(cat OR', 'cat^', 'c*t*',
                                   '* cat', 'AND cat AND', "cat OR OR", "{cat}", "cat:*"])
def test_hostile_queries_are_plain_words(archive, query):
    r = run_mirror("search", query, "--json", archive=archive)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert isinstance(json.loads(r.stdout), list)


def test_limit(archive):
    r = run_mirror("search", "cat", "--limit", "1", "--json", archive=archive)
    assert len(json.loads(r.stdout)) == 1 and "--limit 0" in r.stderr


def test_offset_pages_through_every_hit_once(archive):
    everything = found(archive, "cat OR bridge OR журналист OR 记者")
    assert len(everything) == 4
    pages = [found_page for off in range(0, 5, 2)
             for found_page in [json.loads(run_mirror("search", "cat OR bridge OR журналист OR 记者", "--json",
                                                      "--limit", "2", "--offset", str(off), archive=archive).stdout)]]
    assert [h["url"].rsplit("/", 1)[1] for p in pages for h in p] == everything
    assert pages[-1] == []


def test_more_results_says_how_to_get_the_next_page(archive):
    r = run_mirror("search", "cat", "--limit", "1", archive=archive)
    assert r.returncode == 0 and "--offset 1" in r.stderr
    assert "--offset" not in run_mirror("search", "cat", "--limit", "2", archive=archive).stderr
