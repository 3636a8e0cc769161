"""`mirror export-epub`: one EPUB 3 book that Debian's epubcheck passes with
0 errors and 0 warnings; a chapter per article in its own language and
direction (Russian, Arabic, Chinese), images inside, nothing remote, no
script, no time finer than a day; and a warning that the file is plaintext."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import pytest

from conftest import needs_tools, run_mirror
from langkit import make_lang_archive


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("epub")
    ids = make_lang_archive(tmp / "A")
    r = run_mirror("export-epub", str(tmp / "news.epub"), "--all", archive=tmp / "A")
    assert r.returncode == 0, r.stderr
    return {"tmp": tmp, "ids": ids, "path": tmp / "news.epub", "stderr": r.stderr}


@needs_tools("epubcheck", "java")
def test_epubcheck_finds_nothing(book):
    jar = shutil.which("epubcheck")
    r = subprocess.run(["java", "-jar", jar, str(book["path"])], capture_output=True, text=True, timeout=300)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "Messages: 0 fatals / 0 errors / 0 warnings" in out, out


def test_one_chapter_per_article_in_its_language_with_images_inside(book):
    with zipfile.ZipFile(book["path"]) as z:
        names = z.namelist()
        assert names[0] == "mimetype" and z.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in z.infolist())
        opf = z.read("EPUB/content.opf").decode()
        chapters = {aid: z.read(f"EPUB/a{aid}.xhtml").decode() for aid in book["ids"].values()}
        texts = {n: z.read(n).decode() for n in names if n.endswith((".xhtml", ".opf", ".ncx", ".css"))}
        images = [n for n in names if n.startswith("EPUB/images/")]
    assert re.search(r'<meta property="dcterms:modified">2026-03-05T00:00:00Z</meta>', opf)  # newest capture's day
    assert "<dc:language>ru</dc:language>" in opf
    ar = chapters[book["ids"]["ar"]]
    assert 'xml:lang="ar"' in ar and 'dir="rtl"' in ar and "المصدر:" in ar
    zh = chapters[book["ids"]["zh"]]
    assert 'xml:lang="zh"' in zh and 'dir="ltr"' in zh and "来源：" in zh
    assert '<span class="link">相关报道</span>' in zh and "zh.example.org/other" not in zh  # a link's words, not where it leads
    assert "Дата публикации неизвестна" in chapters[book["ids"]["undated"]]
    assert len(images) == 4  # one per article, each inside the book and used by its chapter
    for aid, text in chapters.items():
        for src in re.findall(r'<img[^>]* src="([^"]+)"', text):
            assert "EPUB/" + src in images, src
    for name, text in texts.items():
        assert "<script" not in text.lower(), name
        refs = re.findall(r'\b(?:src|href)="([^"]*)"', text)
        assert not [u for u in refs if re.match(r"^[a-z][a-z0-9+.-]*:", u, re.I)], (name, refs)
        assert "data:" not in text
    nav = texts["EPUB/nav.xhtml"]
    assert "Содержание" in nav and "Дата неизвестна" in nav and nav.count("<a ") == 4


def test_says_it_is_plaintext_and_selects_like_pack(book, tmp_path):
    assert "NOT encrypted" in book["stderr"] and "wrote 4 article(s)" in book["stderr"]
    a = book["tmp"] / "A"
    r = run_mirror("export-epub", str(book["path"]), "--all", archive=a)
    assert r.returncode == 1 and "already exists" in r.stderr and r.stderr.count("\n") == 1
    r = run_mirror("export-epub", str(tmp_path / "s.epub"), "--since", "2026-03-03", "--lang", "zh", archive=a)
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(tmp_path / "s.epub") as z:
        chapters = [n for n in z.namelist() if re.match(r"EPUB/a[0-9a-f]{16}\.xhtml$", n)]
        assert "<dc:language>zh</dc:language>" in z.read("EPUB/content.opf").decode()
    assert sorted(chapters) == sorted(f"EPUB/a{book['ids'][k]}.xhtml" for k in ("ru", "zh", "undated"))
    r = run_mirror("export-epub", str(tmp_path / "q.epub"), book["ids"]["ar"][:8], archive=a)
    assert r.returncode == 0, r.stderr
    r = run_mirror("export-epub", str(tmp_path / "n.epub"), archive=a)
    assert r.returncode == 1 and "no articles selected" in r.stderr and not (tmp_path / "n.epub").exists()
