"""Bytes -> text: BOM, HTTP charset, meta charset, then detection."""

from __future__ import annotations

import pytest

from mirror.extract import decode_html, extract

RU_TEXT = ("Городской совет проголосовал за восстановление старого каменного моста. "
           "Инженеры сообщили, что центральная арка потеряла треть своей прочности после "
           "наводнения, и грузовики будут объезжать мост через рыночную площадь.")
RU_PAGE = (f"<html><head><title>Совет и мост</title></head><body><article><h1>Совет и мост</h1>"
           f"<p>{RU_TEXT}</p><p>{RU_TEXT}</p></article></body></html>")


@pytest.mark.parametrize("encoding", ["windows-1251", "koi8-r"])
def test_cyrillic_without_any_declaration_is_detected(encoding):
    data = RU_PAGE.encode(encoding)
    assert decode_html(data) == RU_PAGE
    art = extract(data)
    assert art.title == "Совет и мост"
    assert RU_TEXT in art.text


@pytest.mark.parametrize("encoding", ["windows-1251", "koi8-r"])
def test_cyrillic_with_meta_charset(encoding):
    page = RU_PAGE.replace("<head>", f'<head><meta charset="{encoding}">')
    assert decode_html(page.encode(encoding)) == page


def test_http_charset_wins_over_meta():
    page = RU_PAGE.replace("<head>", '<head><meta charset="utf-8">')
    assert decode_html(page.encode("koi8-r"), "koi8-r") == page
    assert decode_html(page.encode("koi8-r"), "KOI8-R") == page


def test_http_equiv_content_type_declaration():
    page = RU_PAGE.replace(
        "<head>", '<head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">')
    assert decode_html(page.encode("cp1251")) == page


def test_bom_wins():
    page = "<html><body><p>Olá, ação, coração</p></body></html>"
    assert decode_html(b"\xef\xbb\xbf" + page.encode("utf-8"), "iso-8859-1") == page
    assert decode_html("\ufeff".encode("utf-16-le") + page.encode("utf-16-le")) == page


def test_utf8_undeclared_and_latin1_label_mean_what_browsers_do():
    page = "<html><body><p>Straße — café</p></body></html>"
    assert decode_html(page.encode("utf-8")) == page
    # "iso-8859-1" is windows-1252 for browsers: curly quotes and the euro sign.
    latin = '<html><head><meta charset="iso-8859-1"></head><body>“5 €”</body></html>'
    assert decode_html(latin.encode("cp1252")) == latin


def test_unknown_charset_label_falls_back_to_detection():
    page = RU_PAGE.replace("<head>", '<head><meta charset="x-no-such-charset">')
    assert decode_html(page.encode("cp1251"), "bogus") == page
