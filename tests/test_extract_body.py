"""Body: structure kept, furniture dropped, images resolved, text clean."""

from __future__ import annotations

from lxml import html as lhtml

from extractkit import FURNITURE_MARKERS, PARAGRAPHS, body_html, page
from mirror.extract import extract

URL = "https://gazette.example/news/2024/bridge.html"

RICH = f"""
<p>{PARAGRAPHS[0]} <a href="/council/minutes?id=77">The minutes</a> are online.</p>
<h2>What happens next</h2>
<p>{PARAGRAPHS[1]}</p>
<ul><li>Survey of the foundations in January</li><li>Closure of the bridge in March</li>
<li>Reopening before the winter</li></ul>
<blockquote><p>We waited three years for this decision and we will not wait another three
for the builders, said the chair of the residents' association.</p></blockquote>
<figure><img src="/img/arch.jpg" alt="The arch"><figcaption>The central arch in 1910. Photo: town archive</figcaption></figure>
<p>{PARAGRAPHS[2]}</p>
<table><thead><tr><th>Item</th><th>Cost</th></tr></thead>
<tbody><tr><td>Arch repair</td><td>2.1 million</td></tr><tr><td>Footpath</td><td>0.4 million</td></tr></tbody></table>
<p>{PARAGRAPHS[3]}</p>
<script>trackReader();</script><style>.x{{color:red}}</style>
<iframe src="https://ads.example/frame"></iframe>
<p>{PARAGRAPHS[4]}</p>
"""


def fragment(art):
    return lhtml.fragment_fromstring(art.html, create_parent="div")


def test_structure_is_kept():
    art = extract(page(RICH), URL)
    frag = fragment(art)
    assert [h.text_content() for h in frag.iter("h2")] == ["What happens next"]
    assert [li.text_content() for li in frag.iter("li")] == [
        "Survey of the foundations in January", "Closure of the bridge in March",
        "Reopening before the winter"]
    assert len(list(frag.iter("blockquote"))) == 1
    assert [td.text_content() for td in frag.iter("td")] == ["Arch repair", "2.1 million",
                                                             "Footpath", "0.4 million"]
    fig = next(frag.iter("figure"))
    assert fig.find(".//img").get("src") == "https://gazette.example/img/arch.jpg"
    assert fig.find(".//figcaption").text_content().startswith("The central arch")
    link = next(a for a in frag.iter("a") if a.text == "The minutes")
    assert link.get("href") == "https://gazette.example/council/minutes?id=77"


def test_text_has_paragraphs_but_no_title_byline_or_captions():
    art = extract(page('<p class="byline">By Jane Miller</p>' + RICH), URL)
    paras = art.text.split("\n\n")
    assert paras[0].startswith("The river council of Eastbrook voted")
    assert "What happens next" in paras
    assert "Survey of the foundations in January" in paras
    assert "Council votes to rebuild" not in art.text
    assert "Jane Miller" not in art.text and "Jane Miller" not in art.html
    assert "The central arch in 1910" not in art.text
    assert "The central arch in 1910" in art.html
    assert "<h1" not in art.html


def test_no_scripts_styles_iframes_or_forms_in_html():
    art = extract(page(RICH), URL)
    for tag in ("<script", "<style", "<iframe", "<form", "<input", "<button", "onclick", "style="):
        assert tag not in art.html
    assert "trackReader" not in art.text


def test_furniture_is_dropped():
    art = extract(page(body_html()), URL)
    for marker in FURNITURE_MARKERS:
        assert marker not in art.text, marker
        assert marker not in art.html, marker
    assert art.text == "\n\n".join(PARAGRAPHS)


def test_lazy_images_resolved_to_one_absolute_src():
    lazy = f"""<p>{PARAGRAPHS[0]}</p>
<img class="lazy" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/img/one.jpg" alt="one">
<img src="/img/placeholder.png" data-lazy-src="https://cdn.example/two.jpg" alt="two">
<img srcset="/img/three-400.jpg 400w, /img/three-1200.jpg 1200w" alt="three">
<picture><source srcset="/img/four.webp 1x, /img/four@2x.webp 2x" type="image/webp"><img alt="four"></picture>
<p>{PARAGRAPHS[1]}</p>
<img class="lazyload" src="data:image/svg+xml,%3Csvg%3E" alt="five"><noscript><img src="/img/five.jpg" alt="five"></noscript>
<noscript><img src="/img/six.jpg" alt="six"></noscript>
<p>{PARAGRAPHS[2]}</p>"""
    art = extract(page(lazy), URL)
    assert art.images == [
        "https://gazette.example/img/one.jpg",
        "https://cdn.example/two.jpg",
        "https://gazette.example/img/three-1200.jpg",
        "https://gazette.example/img/four@2x.webp",
        "https://gazette.example/img/five.jpg",
        "https://gazette.example/img/six.jpg",
    ]
    frag = fragment(art)
    srcs = [img.get("src") for img in frag.iter("img")]
    assert srcs == art.images
    for img in frag.iter("img"):  # the image rule's decision: src, then the candidates to fall back to
        assert set(img.attrib) <= {"src", "alt", "data-mirror-fallback"}
    assert [img.get("data-mirror-fallback") for img in frag.iter("img")][2:4] == [
        "https://gazette.example/img/three-400.jpg", "https://gazette.example/img/four.webp"]
    assert "<source" not in art.html and "<noscript" not in art.html


def test_pixels_icons_avatars_are_not_article_images():
    junk = f"""<p>{PARAGRAPHS[0]}</p>
<img src="https://track.example/pixel.gif?u=1" width="1" height="1">
<img src="/static/icons/share.png" alt="">
<img class="author-avatar" src="/u/jane.jpg" alt="Jane">
<img src="/img/real.jpg" alt="the bridge" width="800" height="500">
<p>{PARAGRAPHS[1]}</p><p>{PARAGRAPHS[2]}</p>"""
    art = extract(page(junk), URL)
    assert art.images == ["https://gazette.example/img/real.jpg"]


def test_lead_image_comes_first_when_used_in_body():
    head = '<meta property="og:image" content="https://gazette.example/img/lead.jpg">'
    body = (f'<p>{PARAGRAPHS[0]}</p><img src="/img/second.jpg" alt="">'
            f'<p>{PARAGRAPHS[1]}</p><img src="/img/lead.jpg" alt=""><p>{PARAGRAPHS[2]}</p>')
    art = extract(page(body, head=head), URL)
    assert art.lead_image == "https://gazette.example/img/lead.jpg"
    assert art.images == ["https://gazette.example/img/lead.jpg",
                          "https://gazette.example/img/second.jpg"]


def test_javascript_links_do_not_survive():
    body = f'<p>{PARAGRAPHS[0]} <a href="javascript:alert(1)">click</a></p><p>{PARAGRAPHS[1]}</p>'
    art = extract(page(body), URL)
    assert "javascript:" not in art.html


def test_article_body_hint_is_used():
    body = f"""<div class="teaser"><p>{PARAGRAPHS[4]}</p></div>
<div itemprop="articleBody"><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p></div>"""
    art = extract(page(body), URL)
    assert art.text == PARAGRAPHS[0] + "\n\n" + PARAGRAPHS[1]


def test_preformatted_text_keeps_its_lines():
    code = "<pre><code>def load(path):\n    with open(path) as f:\n        return f.read()\n</code></pre>"
    art = extract(page(body_html(PARAGRAPHS[:2]) + code + body_html(PARAGRAPHS[2:])), URL)
    assert "def load(path):\n    with open(path) as f:\n        return f.read()" in art.text
    assert "def load(path):\n    with open(path)" in art.html
