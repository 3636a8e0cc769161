"""Small hand-written article pages for the extraction tests.

`page(...)` wraps an article body in the furniture real news pages carry
(navigation, share bar, cookie banner, related list, comments, newsletter
box, footer), so each test can state what must survive and what must go.
"""

from __future__ import annotations

PARAGRAPHS = [
    "The river council of Eastbrook voted on Tuesday evening to rebuild the old stone "
    "bridge, ending a dispute that had divided the town for more than three years.",
    "Engineers told the meeting that the central arch, built in 1868, had lost a third of "
    "its strength since the floods, and that heavy lorries would have to be diverted "
    "through the market square until the work is finished.",
    "Residents who had campaigned for a new crossing further downstream said they were "
    "disappointed, but several of them welcomed the promise of a public footpath along "
    "the eastern bank, which the council had refused twice before.",
    "The work is expected to cost about four million euros, most of it paid by the "
    "regional transport fund, and to start in early spring once the water level falls.",
    "Shopkeepers on the square, who feared a summer of traffic jams, asked for a "
    "delivery window in the mornings; the mayor said she would put the request to the "
    "police and the haulage companies next week.",
]

NAV = """<nav class="site-nav"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/culture">Culture</a></li></ul></nav>"""
SHARE = """<div class="share-bar"><a href="https://facebook.example/share">Share on Facebook</a>
<a href="https://twitter.example/intent">Tweet this story</a><a href="mailto:?">Email</a></div>"""
COOKIE = """<div id="cookie-banner" class="cookie-consent">We use cookies to improve your
experience on our website and to show you relevant advertising. By continuing you accept
our use of cookies. <button>Accept all</button></div>"""
RELATED = """<section class="related-stories"><h3>Related stories</h3><ul>
<li><a href="/a1">Flood defences to be reviewed after record winter rain in the valley</a></li>
<li><a href="/a2">Market square traders fear for summer trade as roadworks loom</a></li>
<li><a href="/a3">Mayor defends the budget in a stormy council meeting on Monday</a></li>
</ul></section>"""
COMMENTS = """<div id="comments" class="comments-area"><h3>3 comments</h3>
<div class="comment"><p>I have crossed that bridge every day for forty years and I am glad
somebody finally listened to the people who actually live here, well done to the council.</p></div>
<div class="comment"><p>Four million euros for a bridge that nobody uses after six in the
evening seems like a very strange way to spend the regional fund, if you ask me.</p></div></div>"""
NEWSLETTER = """<div class="newsletter-signup"><h4>Get the morning briefing</h4><p>Sign up for
our free newsletter and receive the most important stories of the day in your inbox
every morning before breakfast.</p><form><input type="email"></form></div>"""
FOOTER = """<footer class="site-footer"><p>© 2024 Eastbrook Gazette. All rights reserved.
Registered office: 12 Mill Lane, Eastbrook. Company number 0123456.</p>
<a href="/privacy">Privacy</a> <a href="/terms">Terms</a></footer>"""

FURNITURE_MARKERS = [
    "Sport", "Share on Facebook", "We use cookies", "Related stories", "Flood defences",
    "crossed that bridge every day", "Sign up for", "All rights reserved",
]


def body_html(paragraphs=PARAGRAPHS) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def page(article: str, head: str = "", title: str = "Council votes to rebuild the old bridge",
         lang: str = "en", furniture: bool = True, wrap: str = "article") -> str:
    """A whole page around `article` (the body's inner HTML)."""
    extra_top = NAV + COOKIE if furniture else ""
    extra_bottom = (SHARE + RELATED + NEWSLETTER + COMMENTS) if furniture else ""
    footer = FOOTER if furniture else ""
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title} | Eastbrook Gazette</title>
{head}</head>
<body><header class="masthead"><a href="/">Eastbrook Gazette</a></header>{extra_top}
<main><{wrap} class="story"><h1>{title}</h1>
<div class="story-body">{article}</div>{extra_bottom}</{wrap}></main>
<aside class="sidebar"><h3>Most read</h3><ol><li><a href="/x">Ten things to do this weekend</a></li></ol></aside>
{footer}</body></html>"""
