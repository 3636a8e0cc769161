"""Metadata: title, byline, dates, language, site name, lead image."""

from __future__ import annotations

import json

import pytest

from extractkit import body_html, page
from mirror.extract import extract
from mirror.extract.dates import to_iso
from mirror.extract.metadata import clean_byline, clean_title

URL = "https://gazette.example/2024/03/05/bridge"


def jsonld(obj) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


def test_jsonld_newsarticle():
    head = jsonld({
        "@context": "https://schema.org", "@type": "NewsArticle",
        "headline": "Council votes to rebuild the old bridge",
        "author": [{"@type": "Person", "name": "Ana Souza"}, {"@type": "Person", "name": "Tom Reed"}],
        "datePublished": "2024-03-05T18:30:00+01:00", "dateModified": "2024-03-06T08:00:00+01:00",
        "publisher": {"@type": "Organization", "name": "Eastbrook Gazette"},
        "image": {"@type": "ImageObject", "url": "/img/bridge.jpg"},
        "inLanguage": "en-GB",
    })
    art = extract(page(body_html(), head=head, lang=""), URL)
    assert art.title == "Council votes to rebuild the old bridge"
    assert art.byline == "Ana Souza, Tom Reed"
    assert art.published == "2024-03-05T18:30:00+01:00"
    assert art.modified == "2024-03-06T08:00:00+01:00"
    assert art.site_name == "Eastbrook Gazette"
    assert art.lead_image == "https://gazette.example/img/bridge.jpg"
    assert art.lang == "en-GB"


def test_jsonld_graph_with_id_references():
    head = jsonld({"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "@id": "https://gazette.example/#site", "name": "The Gazette"},
        {"@type": "Person", "@id": "https://gazette.example/#/person/1", "name": "Maria Rossi"},
        {"@type": ["Article", "NewsArticle"], "headline": "A graph headline",
         "author": {"@id": "https://gazette.example/#/person/1"},
         "datePublished": "2023-11-19"},
    ]})
    art = extract(page(body_html(), head=head), URL)
    assert art.title == "A graph headline"
    assert art.byline == "Maria Rossi"
    assert art.published == "2023-11-19"
    assert art.site_name == "The Gazette"


def test_jsonld_top_level_array_and_broken_block_ignored():
    head = ('<script type="application/ld+json">{not json at all</script>'
            + jsonld([{"@type": "BreadcrumbList", "itemListElement": []},
                      {"@type": "BlogPosting", "headline": "Array headline",
                       "author": "Jo Park", "datePublished": "2022-01-02T03:04:05Z"}]))
    art = extract(page(body_html(), head=head), URL)
    assert art.title == "Array headline"
    assert art.byline == "Jo Park"
    assert art.published == "2022-01-02T03:04:05Z"


def test_opengraph_and_meta_without_jsonld():
    head = """<meta property="og:title" content="Council votes to rebuild the old bridge - Eastbrook Gazette">
<meta property="og:site_name" content="Eastbrook Gazette">
<meta property="og:image" content="//cdn.gazette.example/lead.jpg">
<meta property="article:published_time" content="2024-03-05T10:00:00Z">
<meta name="author" content="By Lena Hart">"""
    art = extract(page(body_html(), head=head), URL)
    assert art.title == "Council votes to rebuild the old bridge"
    assert art.site_name == "Eastbrook Gazette"
    assert art.published == "2024-03-05T10:00:00Z"
    assert art.byline == "Lena Hart"
    assert art.lead_image == "https://cdn.gazette.example/lead.jpg"


def test_title_suffix_dropped_from_title_tag():
    # No JSON-LD or OpenGraph: the <title> is used, its "| Site" part removed.
    art = extract(page(body_html()), URL)
    assert art.title == "Council votes to rebuild the old bridge"


@pytest.mark.parametrize("title,site,expected", [
    ("Bridge to be rebuilt | Eastbrook Gazette", "Eastbrook Gazette", "Bridge to be rebuilt"),
    ("Eastbrook Gazette - Bridge to be rebuilt", "Eastbrook Gazette", "Bridge to be rebuilt"),
    ("Bridge to be rebuilt – gazette.example", None, "Bridge to be rebuilt"),
    ("Bridge: the vote that split a town", None, "Bridge: the vote that split a town"),
    ("Мост будет перестроен — Вечерние новости", "Вечерние новости", "Мост будет перестроен"),
])
def test_clean_title(title, site, expected):
    assert clean_title(title, site, None, URL) == expected


def test_time_element_gives_published_date():
    art = extract(page('<p class="meta"><time datetime="2021-06-07T09:15:00+02:00">7 June</time></p>'
                       + body_html()), URL)
    assert art.published == "2021-06-07T09:15:00+02:00"


@pytest.mark.parametrize("markup,expected", [
    ('<p class="byline">By <a href="/a/jane">Jane Miller</a></p>', "Jane Miller"),
    ('<div class="article-author">Автор: Иван Петров</div>', "Иван Петров"),
    ('<span class="autor">Por Joana Silva</span>', "Joana Silva"),
    ('<span class="author-name">Von Karl Bauer</span>', "Karl Bauer"),
    ('<a rel="author" href="/x">Giulia Bianchi</a>', "Giulia Bianchi"),
])
def test_visible_byline_in_several_languages(markup, expected):
    art = extract(page(markup + body_html()), URL)
    assert art.byline == expected
    assert expected not in art.text  # the byline is metadata, not body text


def test_language_from_html_lang_and_fallbacks():
    assert extract(page(body_html(), lang="pt-br"), URL).lang == "pt-BR"
    art = extract(page(body_html(), lang="", head='<meta property="og:locale" content="de_DE">'), URL)
    assert art.lang == "de-DE"


@pytest.mark.parametrize("raw,iso", [
    ("2019-11-19T07:03:25+00:00", "2019-11-19T07:03:25+00:00"),
    ("2019-11-19T07:03:25.000Z", "2019-11-19T07:03:25Z"),
    ("2019-11-19 07:03", "2019-11-19T07:03:00"),
    ("Tue, 19 Nov 2019 07:03:25 GMT", "2019-11-19T07:03:25+00:00"),
    ("November 19, 2019", "2019-11-19"),
    ("19 de novembro de 2019", "2019-11-19"),
    ("19. November 2019", "2019-11-19"),
    ("19 ноября 2019", "2019-11-19"),
    ("19.11.2019 14:30", "2019-11-19T14:30:00"),
    ("20191119", "2019-11-19"),
    ("yesterday", None),
    ("2019-13-45", None),
])
def test_dates_to_iso(raw, iso):
    assert to_iso(raw) == iso


@pytest.mark.parametrize("raw,name", [
    ("By Jane Miller | Updated 3 hours ago", "Jane Miller"),
    ("Carrie ArnoldNovember 15, 2019", "Carrie Arnold"),
    ("Associated Press November 19, 2019, 8:31 PM", "Associated Press"),
    ("FEDERICA LUSIARDI - 2019-04-10", "FEDERICA LUSIARDI"),
    ("Sandee LaMotte, CNN 1 day ago", "Sandee LaMotte, CNN"),
    ("Por Joana Silva, 12 de março", "Joana Silva"),
    ("Автор: Лида Буслаева", "Лида Буслаева"),
    ("https://gazette.example/authors/jane", None),
])
def test_byline_cleaning(raw, name):
    assert clean_byline(raw) == name


def test_double_escaped_entities_in_title_are_decoded():
    head = '<meta property="og:title" content="&amp;#8216;The Bridge&amp;#8217; reopens">'
    assert extract(page(body_html(), head=head), URL).title == "\u2018The Bridge\u2019 reopens"


def test_logo_heading_does_not_become_the_title():
    html = page(body_html(), head='<meta property="og:site_name" content="Eastbrook Gazette">')
    html = html.replace('<header class="masthead">', '<header class="masthead"><h1>Eastbrook Gazette</h1>')
    assert extract(html, URL).title == "Council votes to rebuild the old bridge"


def test_canonical_url_is_reported_when_absolute():
    head = '<link rel="canonical" href="/2024/03/05/bridge-vote">'
    art = extract(page(body_html(), head=head), "https://m.gazette.example/amp/bridge")
    assert art.url == "https://m.gazette.example/2024/03/05/bridge-vote"
    assert extract(page(body_html(), head=head)).url is None
    assert extract(page(body_html()), URL).url == URL


def test_canonical_url_is_the_base_when_no_url_is_given():
    head = '<link rel="canonical" href="https://gazette.example/news/bridge">'
    art = extract(page('<img src="/img/a.jpg" alt="">' + body_html(), head=head))
    assert art.url == "https://gazette.example/news/bridge"
    assert art.images == ["https://gazette.example/img/a.jpg"]
