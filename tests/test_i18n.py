"""Pages in the reader's language: the catalogues are complete, an article
page speaks its article's language (Russian, Arabic, Chinese here), an index
the pack's --lang or its articles' most common, right-to-left pages mirror
correctly, and a missing publication date is said, never replaced by the
capture date."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from conftest import run_mirror
from langkit import make_lang_archive
from mirror.bundle import htmlbundle
from mirror.cli.bundles import LANGS
from mirror.render import i18n

PKG = Path(i18n.__file__).resolve().parent.parent
KEYWORDS = {"_": None, "ngettext": (1, 2), "markup": None}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _code_messages() -> set:
    found = set()
    for _file, _line, msg, _comments, _ctx in extract_from_dir(str(PKG), keywords=KEYWORDS,
                                                                method_map=[("**.py", "python")]):
        found.add(msg if isinstance(msg, str) else tuple(msg))
    return found


def test_every_message_in_the_code_is_translated_in_every_catalogue():
    code = _code_messages()
    assert len(code) > 30
    with open(PKG / "locale" / "mirror.pot", "rb") as f:
        assert {m.id for m in read_po(f) if m.id} == code  # the template is the code's, nothing stale
    for lang in i18n.SUPPORTED[1:]:
        with i18n.po_path(lang).open("rb") as f:
            cat = read_po(f, locale=lang)
        assert {m.id for m in cat if m.id} == code, lang
        for m in cat:
            if not m.id:
                continue
            assert not m.fuzzy, (lang, m.id)
            if isinstance(m.id, tuple):
                assert len(m.string) == cat.num_plurals and all(m.string), (lang, m.id)
                for form in m.string:
                    assert _fields(form) <= _fields(m.id[1]) and form not in m.id, (lang, form)
            else:
                assert m.string and m.string != m.id, (lang, m.id)
                assert _fields(m.string) == _fields(m.id), (lang, m.id, m.string)


def test_languages_and_defaults():
    assert LANGS == i18n.SUPPORTED
    assert i18n.ui_lang("ru-RU") == "ru" and i18n.ui_lang("zh-Hant-TW") == "zh" and i18n.ui_lang("de") == "en"
    assert i18n.most_common(["ar", "ru", "ru-RU", None, "zh"]) == "ru"
    assert i18n.most_common([None]) == "en"
    assert i18n.labels("ru").ngettext("{n} article", "{n} articles", 5) == "5 статей"
    assert i18n.labels("ru").ngettext("{n} article", "{n} articles", 22) == "22 статьи"
    assert i18n.labels("ar").ngettext("{n} article", "{n} articles", 2) == "مقالان"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("i18n")
    ids = make_lang_archive(tmp / "A")
    r = run_mirror("export-site", str(tmp / "site"), "--all", archive=tmp / "A")
    assert r.returncode == 0, r.stderr
    return {"tmp": tmp, "ids": ids, "root": tmp / "site"}


def _page(site, key: str) -> str:
    return (site["root"] / "articles" / site["ids"][key] / "index.html").read_text("utf-8")


def test_article_pages_speak_their_articles_language(site):
    ru, ar, zh = _page(site, "ru"), _page(site, "ar"), _page(site, "zh")
    assert '<html lang="ru" dir="ltr">' in ru
    assert "Опубликовано" in ru and "Источник:" in ru and "Все статьи" in ru and "2 марта 2026" in ru
    assert "2 версии: что изменилось" in ru and "Published" not in ru and "Source" not in ru
    assert '<html lang="ar" dir="rtl">' in ar
    # The label comes first in logical order and the URL is isolated left to right: no ":Source".
    assert re.search(r'<p class="source">المصدر: <bdi dir="ltr"><code>https://ar\.example\.org/story</code></bdi>', ar)
    assert "نُشر في" in ar and "كل المقالات" in ar and "Source" not in ar
    assert '<html lang="zh" dir="ltr">' in zh and "来源：" in zh and "2026年3月3日" in zh and "全部文章" in zh


def test_a_missing_publication_date_is_said_and_sorted_by_capture(site):
    page = _page(site, "undated")
    assert "Дата публикации неизвестна" in page and "Опубликовано" not in page
    index = (site["root"] / "index.html").read_text("utf-8")
    groups = re.findall(r'<section class="group( undated)?">\s*<h2>([^<]+)</h2>', index)
    # Newest day first; the undated story (captured last of all) is not "news of today" at the top.
    days = [f"{d} марта 2026\u202fг." for d in (3, 2, 1)]  # CLDR's narrow no-break space
    assert [g[1] for g in groups] == days + ["Дата неизвестна"]
    assert groups[-1][0] == " undated"
    undated = index[index.index("Дата неизвестна"):]
    assert "упорядочены по дню сохранения" in undated and "дата неизвестна, сохранено" in undated
    assert site["ids"]["undated"] in undated and site["ids"]["ru"] not in undated


def test_index_language_is_the_most_common_or_lang(site, tmp_path):
    index = (site["root"] / "index.html").read_text("utf-8")
    assert '<html lang="ru" dir="ltr">' in index and "<h1>Статьи</h1>" in index  # 2 of 4 in Russian
    r = run_mirror("export-site", str(tmp_path / "ar"), "--all", "--lang", "ar", "--index-by", "outlet",
                   archive=site["tmp"] / "A")
    assert r.returncode == 0, r.stderr
    ar = (tmp_path / "ar" / "index.html").read_text("utf-8")
    assert '<html lang="ar" dir="rtl">' in ar and "<h1>المقالات</h1>" in ar
    heads = re.findall(r"<h2>([^<]+)</h2>", ar)
    assert heads == sorted(heads, key=str.casefold) and "Новая газета" in heads and "新闻网" in heads
    r = run_mirror("export-site", str(tmp_path / "x"), "--all", "--lang", "de", archive=site["tmp"] / "A")
    assert r.returncode == 1 and "--lang" in r.stderr and "Traceback" not in r.stderr


def test_self_decrypting_page_speaks_the_pack_language(site, tmp_path):
    pw = tmp_path / "pw"
    pw.write_text("correct-horse-battery-staple-xyzzy\n")
    out = tmp_path / "b.html"
    r = run_mirror("pack", "-o", str(out), "--all", "--format", "html", "--passphrase-file", str(pw),
                   "--lang", "zh", archive=site["tmp"] / "A")
    assert r.returncode == 0, r.stderr
    head = out.read_text("utf-8")[:20000]
    assert '<html lang="zh" dir="ltr">' in head and "<title>加密的文章</title>" in head and "口令" in head
    assert "口令错误" in head  # the script's messages, as data
    r = run_mirror("inspect", str(out), "--passphrase-file", str(pw), archive=site["tmp"] / "B")
    assert r.returncode == 0 and "differs" not in r.stderr, r.stderr  # a Chinese page is ours too
    with open(out, "rb") as f:
        lines = []
        raw = htmlbundle._read_head(f, lines)
    assert htmlbundle.page_parts(raw, "zh")[0] == b"".join(x + b"\n" for x in lines)
