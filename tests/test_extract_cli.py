"""`mirror extract FILE|- [--url URL] [--json]` and its errors."""

from __future__ import annotations

import json

import pytest

from conftest import run_mirror
from extractkit import PARAGRAPHS, body_html, page
from mirror.errors import ExtractionError
from mirror.extract import extract

HEAD = ('<meta property="article:published_time" content="2024-03-05T10:00:00Z">'
        '<meta property="og:site_name" content="Eastbrook Gazette">')
FIELDS = {"url", "title", "byline", "published", "lang", "site_name", "text", "html", "images"}


def run(*args, stdin: bytes | None = None):
    return run_mirror("extract", *args, input=stdin, text=False)


@pytest.fixture
def saved_page(tmp_path):
    p = tmp_path / "story.html"
    html = page('<p class="byline">By Jane Miller</p><img src="img/a.jpg" alt="">' + body_html(),
                head=HEAD)
    p.write_text(html, encoding="utf-8")
    return p


def test_json_from_file(saved_page):
    r = run(str(saved_page), "--url", "https://gazette.example/news/story", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert FIELDS <= set(data)
    assert data["url"] == "https://gazette.example/news/story"
    assert data["title"] == "Council votes to rebuild the old bridge"
    assert data["byline"] == "Jane Miller"
    assert data["published"] == "2024-03-05T10:00:00Z"
    assert data["lang"] == "en"
    assert data["site_name"] == "Eastbrook Gazette"
    assert data["text"] == "\n\n".join(PARAGRAPHS)
    assert data["images"] == ["https://gazette.example/news/img/a.jpg"]
    assert "<p>" in data["html"]


def test_json_from_stdin(saved_page):
    r = run("-", "--json", stdin=saved_page.read_bytes())
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["title"] == "Council votes to rebuild the old bridge"
    assert data["text"].startswith(PARAGRAPHS[0])


def test_plain_output_title_byline_date_then_text(saved_page):
    r = run(str(saved_page))
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    head, _, text = out.partition("\n\n")
    assert head.splitlines() == ["Council votes to rebuild the old bridge", "Jane Miller",
                                 "2024-03-05T10:00:00Z"]
    assert text.strip() == "\n\n".join(PARAGRAPHS)


@pytest.mark.parametrize("data,message", [
    (b"", "empty"),
    (b"   \n\t ", "empty"),
    (bytes(range(256)) * 8, "binary"),
    (b"just some words, not a web page at all", "not look like an HTML page"),
    (b'{"json": "document", "with": ["no", "html"]}', "not look like an HTML page"),
    (b"<html><head><title>x</title></head><body><nav>Home</nav></body></html>", "no article text"),
])
def test_bad_input_is_one_line_error_exit_1(tmp_path, data, message):
    p = tmp_path / "bad.html"
    p.write_bytes(data)
    r = run(str(p))
    assert r.returncode == 1
    err = r.stderr.decode()
    assert err.startswith("mirror: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    with pytest.raises(ExtractionError):
        extract(data)


def test_missing_file_is_one_line_error(tmp_path):
    r = run(str(tmp_path / "nope.html"))
    assert r.returncode == 1
    assert r.stderr.decode().startswith("mirror: error: cannot read")
