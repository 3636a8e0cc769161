"""Page shapes that once broke extraction, each as a small hand-written page."""

from __future__ import annotations

from extractkit import PARAGRAPHS, body_html
from mirror.extract import extract

URL = "https://gazette.example/story"
ARTICLE_TEXT = "\n\n".join(PARAGRAPHS)


def wrap(body: str, head: str = "") -> str:
    return f"<html><head><title>Bridge vote</title>{head}</head><body>{body}</body></html>"


def test_wrapper_with_boilerplate_word_in_class_is_kept():
    # Themes put "sidebar", "lightbox" or "tag-..." on the article's wrappers;
    # the page also has more prose elsewhere (reader letters, one per card)
    # than in the article, so only "this holds the densest prose" saves it.
    cards = "".join(
        f'<div class="card"><p>Letter {i}: the old bridge has served the town well for a century '
        f'and deserves a careful repair rather than a cheap modern replacement.</p></div>'
        for i in range(10))
    html = wrap(f"""<div class="container penci_sidebar enable-lightbox">
<div class="theiaStickySidebar"><article class="post tag-bridges tag-council">{body_html()}
</article></div></div><div class="letters">{cards}</div>""")
    assert extract(html, URL).text == ARTICLE_TEXT


def test_camel_case_class_is_not_read_as_a_boilerplate_word():
    # "pageRow" is not "pager"; "layoutAdaptive" is not "ad".
    html = wrap(f'<div class="PageBuilder-pageRow layoutAdaptive"><div class="group">{body_html()}'
                f'</div></div>')
    assert extract(html, URL).text == ARTICLE_TEXT


def test_indented_mega_menu_is_not_the_article():
    # Pretty-printed menus are mostly indentation: whitespace is not text.
    pad = "\n" + " " * 120
    items = "".join(f'<li class="item"><div class="label">{pad}Weekend{pad}</div></li>'
                    for i in range(40))
    html = wrap(f'<div class="top"><ul class="sections">{items}</ul></div>'
                f'<div class="page"><div class="story">{body_html()}</div></div>')
    assert extract(html, URL).text == ARTICLE_TEXT


def test_script_text_does_not_count_as_prose():
    script = "<script>var config = {" + ", ".join(f'"k{i}": "a long string value here"'
                                                   for i in range(300)) + "};</script>"
    html = wrap(f'<div class="bottom">{script}</div><div class="x">{body_html()}</div>')
    assert extract(html, URL).text == ARTICLE_TEXT


def test_hover_card_inside_paragraph_is_dropped():
    card = ('<span class="rollover"><a href="/p/1">Ana Souza</a> <a href="/a/1">Mayor wins second '
            'term</a> <a href="/a/2">Budget passes</a> <a href="/a/3">More</a></span>')
    body = f"<p>The mayor, <a href='/p/1'>Ana Souza</a>{card}, said the work would start soon.</p>"
    html = wrap(f"<article>{body}{body_html()}</article>")
    text = extract(html, URL).text
    assert text.startswith("The mayor, Ana Souza, said the work would start soon.")
    assert "Budget passes" not in text


def test_article_split_in_same_class_sections_is_merged():
    html = wrap(f"""<div class="story"><section class="block"><div class="story-text">
{body_html(PARAGRAPHS[:2])}</div></section>
<section class="block"><div class="advert-slot"><p>Advertisement</p></div></section>
<section class="block"><div class="story-text">{body_html(PARAGRAPHS[2:])}</div></section></div>""")
    assert extract(html, URL).text == ARTICLE_TEXT


def test_teaser_articles_nested_in_the_article_are_dropped():
    teasers = "".join(f"""<article class="post-{i}"><h2><a href="/t{i}">Another story {i}</a></h2>
<p>Teaser text of another story that is long enough to look like a paragraph of prose, number {i}.</p>
</article>""" for i in range(4))
    html = wrap(f'<article class="post-1">{body_html()}{teasers}</article>')
    assert extract(html, URL).text == ARTICLE_TEXT


def test_captions_marked_by_class_are_not_text_but_stay_in_html():
    fig = ('<div class="wp-caption"><img src="/i.jpg" alt=""><p class="wp-caption-text">'
           'The arch in 1910</p></div><div class="gallery"><img src="/j.jpg" alt="">'
           '<div class="caption">Workers in 1911</div></div>')
    html = wrap(f"<article><p>{PARAGRAPHS[0]}</p>{fig}{body_html(PARAGRAPHS[1:])}</article>")
    art = extract(html, URL)
    assert art.text == ARTICLE_TEXT
    assert "<figcaption>The arch in 1910</figcaption>" in art.html
    assert "Workers in 1911" in art.html


def test_embedded_post_inside_social_wrapper_is_kept():
    tweet = ('<div class="social-media-embed"><blockquote class="twitter-tweet"><p>The bridge is '
             'finally getting fixed, what a day for the town</p>— Eastbrook Residents '
             '(@eastbrook) March 5, 2024</blockquote></div>')
    html = wrap(f"<article>{body_html(PARAGRAPHS[:2])}{tweet}{body_html(PARAGRAPHS[2:])}</article>")
    assert "The bridge is finally getting fixed" in extract(html, URL).text


def test_link_only_paragraphs_and_read_more_labels_are_dropped():
    extra = ('<p>You may also like...</p><p><a href="/x">Ten bridges worth a weekend trip</a></p>'
             '<p><a href="/y">How the valley lost its ferry</a></p>'
             '<p><strong>READ MORE:</strong> <a href="/z">Mayor defends the budget in a stormy '
             'meeting</a></p><p>Leia também: <a href="/w">Ponte velha será reconstruída</a></p>')
    html = wrap(f"<article>{body_html(PARAGRAPHS[:3])}{extra}{body_html(PARAGRAPHS[3:])}</article>")
    assert extract(html, URL).text == ARTICLE_TEXT


def test_gallery_counters_and_labels_are_dropped():
    extra = '<div class="slide"><p>Image 1 of 5</p></div><p>Advertisement</p><p>DON\'T MISS</p>'
    html = wrap(f"<article>{body_html(PARAGRAPHS[:2])}{extra}{body_html(PARAGRAPHS[2:])}</article>")
    assert extract(html, URL).text == ARTICLE_TEXT


def test_aspnet_form_wrapping_the_whole_page_is_kept():
    html = wrap(f'<form id="aspnetForm" action="/page.aspx"><div class="content">{body_html()}'
                f'</div><input type="hidden" name="__VIEWSTATE" value="x"></form>')
    assert extract(html, URL).text == ARTICLE_TEXT


def test_json_ld_article_body_is_a_fallback_for_script_rendered_pages():
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Bridge vote",'
            ' "articleBody": "The council voted to rebuild the bridge. Work starts in spring."}'
            '</script>')
    html = wrap('<div id="app"></div><script>render()</script>', head=head)
    art = extract(html, URL)
    assert art.text == "The council voted to rebuild the bridge. Work starts in spring."


def test_hover_card_wrapped_with_the_linked_name_keeps_the_name():
    card = ('<span class="person"><a href="/p/1">Ana Souza</a><span class="card">'
            '<a href="/p/1">Ana Maria Souza</a> <a href="/a/1">Mayor wins second term</a> '
            '<a href="/a/2">Budget passes</a></span></span>')
    html = wrap(f"<article><p>Mayor {card} said the work would start soon.</p>{body_html()}</article>")
    assert extract(html, URL).text.startswith("Mayor Ana Souza said the work would start soon.")


def test_boilerplate_class_on_an_inline_link_does_not_cut_the_sentence():
    body = ('<p>MADRID — <a class="player-link" href="/p/9">Rafael Costa</a> kept the team\'s hopes '
            'alive with a late goal, and the home crowd stayed long after the final whistle.</p>')
    html = wrap(f"<article>{body}{body_html()}</article>")
    assert extract(html, URL).text.startswith("MADRID — Rafael Costa kept the team's hopes alive")


def test_reading_time_and_date_lines_before_the_text_are_dropped():
    top = ('<p>Tempo de leitura: 2 minutos</p><p>4 min read</p>'
           '<div>November 20, 2019 - 11:28 AMT</div><p>Updated: 05.03.2024 14:30</p>')
    html = wrap(f"<article>{top}{body_html()}</article>")
    assert extract(html, URL).text == ARTICLE_TEXT


def test_br_separated_paragraphs_become_paragraphs():
    html = wrap(f'<div id="c"><h1>Bridge vote</h1>{"<br><br>".join(PARAGRAPHS)}</div>')
    assert extract(html, URL).text == ARTICLE_TEXT


def test_unmarked_comments_after_a_comments_heading_are_cut():
    comments = "".join(
        f"<div><div><b>reader{i}</b></div><div><p>{PARAGRAPHS[i % 5]} I disagree with this, "
        f"strongly, completely, and I will say so at the next meeting.</p></div></div>"
        for i in range(10))
    html = wrap(f"<div><div>{body_html()}</div><h3>Comments (10)</h3><div>{comments}</div></div>")
    assert extract(html, URL).text == ARTICLE_TEXT


def test_related_heading_and_its_link_list_are_dropped_but_text_after_is_kept():
    related = ('<h3>Related stories</h3><ul><li><a href="/1">Ferry service to end</a></li>'
               '<li><a href="/2">Valley roads closed</a></li></ul>')
    html = wrap(f"<article>{body_html(PARAGRAPHS[:3])}{related}{body_html(PARAGRAPHS[3:])}</article>")
    assert extract(html, URL).text == ARTICLE_TEXT


def test_sub_headings_between_merged_sections_are_kept():
    html = wrap(f"""<div class="wrap"><div class="part">{body_html(PARAGRAPHS[:3])}</div>
<h2>What the engineers found</h2><div class="segment">{body_html(PARAGRAPHS[3:])}</div></div>""")
    text = extract(html, URL).text
    assert text == "\n\n".join(PARAGRAPHS[:3] + ["What the engineers found"] + PARAGRAPHS[3:])


def test_json_ld_article_body_replaces_a_much_shorter_pick():
    body = " ".join(PARAGRAPHS).replace('"', "'")
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Bridge vote",'
            f' "articleBody": "{body}"}}</script>')
    html = wrap('<div class="teaser"><p>The council voted on the bridge, the mayor said, after a '
                'long debate.</p></div><div id="root"></div>', head=head)
    art = extract(html, URL)
    assert art.text == body
    assert art.html == f"<div><p>{body}</p></div>"


def test_newsletter_and_follow_prompts_at_the_end_are_dropped():
    promo = ('<p><em>Have a tip? Ana Souza may be reached at ana@gazette.example. Follow her on '
             'Twitter @anasouza.</em></p><p>Get the latest local news right in your inbox.</p>'
             '<p>Sign up to our newsletter for exclusive updates and enhanced content</p>')
    html = wrap(f"<article>{body_html()}{promo}</article>")
    assert extract(html, URL).text == ARTICLE_TEXT


def test_short_sentences_that_start_like_labels_are_kept():
    short = ["Share prices fell by a tenth on Monday.", "More than 300 people came.",
             "Print runs were cut in half.", "Comments from the mayor were brief."]
    html = wrap(f"<article>{body_html(PARAGRAPHS[:2] + short + PARAGRAPHS[2:])}</article>")
    assert extract(html, URL).text == "\n\n".join(PARAGRAPHS[:2] + short + PARAGRAPHS[2:])


def test_unmarked_captions_are_not_text():
    figs = ('<div align="center"><img src="/a.jpg" alt="The arch seen from the eastern bank">'
            '<span class="small gray">The arch seen from the eastern bank</span></div>'
            '<p><img src="/b.jpg" alt=""></p><p><em>Workers on the bridge in 1911</em></p>'
            '<figure><img src="/c.jpg" alt=""><span class="meta"><cite>Town archive/Getty</cite>'
            '</span></figure>')
    html = wrap(f"<article>{body_html(PARAGRAPHS[:2])}{figs}{body_html(PARAGRAPHS[2:])}</article>")
    art = extract(html, URL)
    assert art.text == ARTICLE_TEXT
    assert "Workers on the bridge in 1911" in art.html and "Town archive/Getty" in art.html


def test_quote_inside_a_figure_is_text():
    quote = ('<figure class="quote"><blockquote><p>We will rebuild it stone by stone, exactly as '
             'it was.</p></blockquote><figcaption>The mayor</figcaption></figure>')
    html = wrap(f"<article>{body_html(PARAGRAPHS[:2])}{quote}{body_html(PARAGRAPHS[2:])}</article>")
    text = extract(html, URL).text
    assert "We will rebuild it stone by stone, exactly as it was." in text
    assert "The mayor" not in text


def test_title_paragraph_and_meta_line_at_the_top_are_dropped():
    top = ('<p class="titulo">Bridge vote</p><small><b>05/10/2018</b> - Publicado por: Clara Borba - '
           'Categoria: <a href="/c">Cidade</a> - Tags: <a href="/t1">ponte</a> <a href="/t2">obras</a>'
           '</small><br><br>')
    html = wrap(f"<article>{top}{body_html()}</article>")
    assert extract(html, URL).text == ARTICLE_TEXT


def test_sentences_starting_with_by_are_not_bylines():
    first = ["By noon the bridge was closed.", "By Tuesday, the council had voted"]
    html = wrap(f"<article>{body_html(first + PARAGRAPHS)}</article>")
    assert extract(html, URL).text == "\n\n".join(first + PARAGRAPHS)


def test_embedded_post_inside_a_widget_wrapper_is_kept():
    tweet = ('<div class="article-widget article-tweet"><div class="inner"><div class="content">'
             '<blockquote class="twitter-tweet"><p>Proud of our town today, the bridge will be '
             'saved</p>— Mayor (@mayor) March 5, 2024</blockquote></div></div></div>')
    html = wrap(f"<article>{body_html(PARAGRAPHS[:2])}{tweet}{body_html(PARAGRAPHS[2:])}</article>")
    assert "Proud of our town today, the bridge will be saved" in extract(html, URL).text


def test_article_body_markup_on_several_sections_takes_them_all():
    html = wrap(f"""<div class="story"><div itemprop="articleBody">{body_html(PARAGRAPHS[:3])}</div>
<div class="advert-slot"><p>Advertisement</p></div>
<div itemprop="articleBody">{body_html(PARAGRAPHS[3:])}</div></div>""")
    assert extract(html, URL).text == ARTICLE_TEXT


def test_article_body_markup_on_a_sliver_does_not_hide_the_rest():
    html = wrap(f"""<div class="story"><div class="lede" itemprop="articleBody"><p>{PARAGRAPHS[0]}
 The vote was close.</p></div>{body_html(PARAGRAPHS[1:])}</div>""")
    text = extract(html, URL).text
    assert text.endswith(PARAGRAPHS[-1]) and text.startswith(PARAGRAPHS[0])


def test_follow_sentence_early_in_the_story_is_kept():
    quote = "The mayor asked residents to follow her on Twitter for updates on the closure."
    html = wrap(f"<article>{body_html([PARAGRAPHS[0], quote] + PARAGRAPHS[1:])}</article>")
    assert quote in extract(html, URL).text


def test_headline_links_stacked_with_br_are_dropped():
    links = ('<p><a href="/1">Ferry service to end after ninety years</a> [VIDEO]<br>'
             '<a href="/2">Valley roads closed for the winter</a> [INSIGHT]<br>'
             '<a href="/3">Mayor defends the budget</a> [REVEAL]</p>')
    html = wrap(f"<article>{body_html(PARAGRAPHS[:2])}{links}{body_html(PARAGRAPHS[2:])}</article>")
    assert extract(html, URL).text == ARTICLE_TEXT


def test_kicker_above_the_headline_is_not_text():
    html = wrap(f'<article><header><span class="article__kicker">Eastbrook</span><h1>Bridge vote</h1>'
                f'</header><div class="story-kicker">Local politics</div>{body_html()}</article>')
    assert extract(html, URL).text == ARTICLE_TEXT
