import pytest

from mirror.errors import UsageError
from mirror.feeds import MAX_ENTRIES, parse_feed

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Independent Harbour News</title>
<link>https://outlet.example/</link>
<item><title>Strike enters second week</title><link>https://outlet.example/a/1?utm_source=rss&amp;id=77</link></item>
<item><title>Relative link</title><link>/a/2</link></item>
<item><title>Script link</title><link>javascript:alert(1)</link></item>
<item><title>Duplicate</title><link>https://outlet.example/a/1?id=77</link></item>
<item><title>No link</title></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Новости</title>
<entry><title>Суд</title><link href="https://outlet.example/ru/1"/><id>x</id><updated>2026-11-01T00:00:00Z</updated></entry>
</feed>""".encode()


def test_rss_links_are_absolute_detracked_safe_and_unique():
    feed = parse_feed(RSS, "https://outlet.example/rss.xml")
    assert feed.title == "Independent Harbour News"
    assert [e.link for e in feed.entries] == ["https://outlet.example/a/1?id=77", "https://outlet.example/a/2"]
    assert feed.entries[0].title == "Strike enters second week"


def test_atom_feed_in_russian():
    feed = parse_feed(ATOM, "https://outlet.example/atom")
    assert feed.title == "Новости"
    assert [e.link for e in feed.entries] == ["https://outlet.example/ru/1"]


def test_html_page_is_not_a_feed():
    with pytest.raises(UsageError, match="not an RSS or Atom feed"):
        parse_feed(b"<html><body><p>hello</p></body></html>", "https://outlet.example/")


def test_huge_feed_is_bounded():
    items = b"".join(b"<item><link>https://o.example/%d</link></item>" % i for i in range(5000))
    feed = parse_feed(b'<rss version="2.0"><channel><title>t</title>' + items + b"</channel></rss>",
                      "https://o.example/rss")
    assert len(feed.entries) == MAX_ENTRIES
