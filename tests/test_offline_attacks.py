"""Red-team cases for offline safety, end to end through the CLI.

Two ways hostile HTML reaches a page we write:

- a saved page: `mirror import-html evil.html --url ...` (extract, sanitise,
  store), then `mirror show ID --format html`;
- someone else's bundle: article.json's `html` is whatever its maker wrote;
  `mirror unpack` stores it, and `export-site` (the same pages `pack` zips)
  must clean it again.

Every page is opened from file:// in one headless Chromium: zero requests,
no dialog, no script of the page's own. Also here: the files an export
writes (nothing but our pages, JSON and image-named assets), and the inline
image placeholder that article text could quote.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from bundleutil import sample_png
from conftest import json_lines, needs_tools, open_archive, run_mirror
from mirror.bundle import layout
from mirror.bundle.manifest import ArticleEntry, Manifest, ref
from mirror.crypto import age
from mirror.model import Asset, NewVersion, StoredVersion, article_id, content_hash
from mirror.render import CSP, reader_page
from mirror.sanitize import ALLOWED_TAGS
from sitekit import article, open_pages

T = "http://tracker.example"
NO_DNS_PREFETCH = '<meta http-equiv="x-dns-prefetch-control" content="off">'
PWN = "window.__pwned=1"

# (name, extra <head> markup, extra article markup). Names are test ids.
ATTACKS = [
    ("meta-refresh", f'<META HTTP-EQUIV="Refresh" CONTENT="0;URL={T}/refresh">',
     f'<p>a<meta http-equiv=refresh content="0; url={T}/refresh2">b</p>'),
    ("link-rels", f'<link rel=prefetch href="{T}/pf"><link rel=preconnect href="{T}"><link rel=dns-prefetch '
     f'href="//{T[7:]}"><link rel=preload as=image href="{T}/pl.png"><link rel=icon href="{T}/i.ico">'
     f'<link rel=stylesheet href="{T}/s.css"><link rel=modulepreload href="{T}/m.js"><link rel=prerender '
     f'href="{T}/pr">', f'<link rel=prefetch href="{T}/pf-body"><link rel=stylesheet href="{T}/s2.css">'),
    ("base", f'<base href="{T}/">', '<p><img src="story_files/p.png" alt="p"> <a href="rel/link">rel</a></p>'),
    ("srcset", "", f'<img src="story_files/p.png" srcset="{T}/ss.png 2x" alt="x"><picture><source srcset="{T}/src.png">'
     f'<img src="{T}/pic.png" alt="y"></picture>'),
    ("media", "", f'<video poster="{T}/poster.png" src="{T}/v.mp4" autoplay></video><audio src="{T}/a.mp3" '
     f'autoplay></audio><video><source src="{T}/s.mp4"><track src="{T}/t.vtt" default></video>'),
    ("embedding", "", f'<object data="{T}/o"></object><embed src="{T}/e"><iframe src="{T}/if"></iframe>'
     f'<iframe srcdoc="&lt;img src={T}/srcdoc.png&gt;&lt;script&gt;parent.{PWN}&lt;/script&gt;"></iframe>'
     f'<portal src="{T}/portal"></portal><fencedframe src="{T}/ff"></fencedframe>'),
    ("svg", "", f'<svg><image href="{T}/svgimg.png"/><use href="{T}/u.svg#a"/><image xlink:href="{T}/x.png"/>'
     f'<foreignObject><img src="{T}/fo.png"></foreignObject><a href="javascript:{PWN}"><text>t</text></a>'
     f'<animate onbegin="{PWN}" attributeName="x" dur="1s"/></svg>'),
    ("mathml", "", f'<math><mi xlink:href="{T}/m">x</mi><mtext><img src="{T}/mt.png"></mtext>'
     f'<maction actiontype="statusline"><mglyph src="{T}/g.png"/></maction></math>'),
    ("css", f'<style>@import url({T}/imp.css); body{{background:image-set(url({T}/is.png) 1x)}}</style>',
     f'<style>p{{background:url({T}/st.png)}}</style><p style="background:url({T}/attr.png)">styled</p>'
     f'<div style="background-image:image-set(&quot;{T}/is2.png&quot; 1x)">s</div>'),
    ("forms", "", f'<form action="{T}/f"><input name=q value=x><button formaction="{T}/fa">b</button>'
     f'<input type=image src="{T}/ii.png"></form><isindex action="{T}/isi">'),
    ("ping-referrer", "", f'<p><a ping="{T}/ping" href="https://news.example/x">ping</a>'
     f'<img referrerpolicy=unsafe-url src="{T}/rp.png" alt=""><a href="//evil.example/x">pr</a></p>'),
    ("js-urls", "", f'<p><a href="java&#x09;script:{PWN}">1</a><a href="jav&#x0A;ascript:{PWN}">2</a>'
     f'<a href="&#106;avascript:{PWN}">3</a><a href=" JaVaScRiPt:{PWN}">4</a><a href="vbscript:x">5</a>'
     f'<a href="data:text/html,&lt;script&gt;{PWN}&lt;/script&gt;">6</a><a href="file:///etc/passwd">7</a></p>'),
    ("event-handlers", "", f'<details open ontoggle="{PWN}"><summary>s</summary>d</details>'
     f'<p onclick="{PWN}" onmouseover="{PWN}">x</p><img src="story_files/p.png" alt="p" onerror="{PWN}" onload="{PWN}">'
     f'<body onload="{PWN}"><marquee onstart="{PWN}">m</marquee>'),
    ("mxss-noscript", "", f'<noscript><p title="</noscript><img src=x onerror={PWN}>"></noscript>'
     f'<noscript><img src="{T}/ns.gif" width="1" height="1"></noscript>'),
    ("mxss-raw-text", "", f'<template><img src=x onerror={PWN}></template><textarea><img src=x onerror={PWN}>'
     f'</textarea><xmp><img src=x onerror={PWN}></xmp><noembed><img src=x onerror={PWN}></noembed>'
     f'<noframes><img src=x onerror={PWN}></noframes>'),
    ("mxss-comments", "", f'<!--<img src="--><img src=x onerror={PWN}>--><p>c</p><!--><img src=x onerror={PWN}>-->'),
    ("mxss-foreign", "", f'<svg><style><img src=x onerror={PWN}></style></svg><math><mtext><table><mglyph>'
     f'<style><img src=x onerror={PWN}></style></mglyph></table></mtext></math><form><math><mtext></form>'
     f'<form><mglyph><style></math><img src onerror={PWN}>'),
    ("attribute-quotes", "", f'<p title="a&quot; onmouseover=&quot;{PWN}" lang="en&quot; onclick=&quot;{PWN}" '
     f'dir="rtl&quot; onclick=&quot;x" id="x&quot; onclick=&quot;y">q</p><img src="story_files/p.png" '
     f'alt="x&quot; onerror=&quot;{PWN}">'),
    ("json-ld", f'<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle",'
     f'"headline":"</title><script>{PWN}</script>","image":"{T}/ld.png","author":{{"name":"<img src={T}/au.png>"}},'
     f'"inLanguage":"en\\" onload=\\"{PWN}"}}</script><meta property="og:image" content="{T}/og.png">', ""),
    ("speculation", f'<script type=speculationrules>{{"prefetch":[{{"source":"list","urls":["{T}/spec"]}}]}}'
     f'</script><meta http-equiv="Link" content="<{T}/lh>; rel=preload; as=image">', ""),
    ("legacy-attrs", "", f'<table background="{T}/tb.png"><tr><td background="{T}/td.png">x</td></tr></table>'
     f'<img lowsrc="{T}/low.png" dynsrc="{T}/dyn" src="story_files/p.png" alt=""><bgsound src="{T}/bgs">'
     f'<a href="https://news.example/x" attributionsrc="{T}/attr" target="_blank" rel="opener">t</a>'
     f'<img src="story_files/p.png" usemap="#m" alt=""><map name="m"><area href="{T}/area" shape=default></map>'),
    ("frames", "", f'<frameset><frame src="{T}/fr"></frameset><applet code="x" codebase="{T}/"></applet>'
     f'<dialog open><form method=dialog><button>x</button></form></dialog>'),
    ("title-injection", f'<meta name="author" content="&lt;/title&gt;&lt;script&gt;{PWN}&lt;/script&gt;">'
     f'<meta property="og:site_name" content="--&gt;&lt;img src={T}/site.png&gt;">', ""),
    ("plaintext", "", f'<plaintext><img src="{T}/pt.png"><script>{PWN}</script>'),
]

# Markup some of the cases want; harmless on its own.
IMAGE = sample_png(3)


def _page(name: str, head: str, body: str) -> str:
    title = "Bridge &lt;/title&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;" if name == "title-injection" \
        else "Bridge closes"
    return article(title, extra='<figure><img src="story_files/p.png" alt="legit"><figcaption>Legit</figcaption></figure>' + body,
                   head=head)


def _bundle_article(name: str, html: str) -> tuple[str, dict, bytes]:
    """article.json of a hand-made bundle: its `html` is the raw hostile markup."""
    url = f"https://news.example/bundle/{name}"
    sha = hashlib.sha256(IMAGE).hexdigest()
    pic = f"{sha[:16]}.png"
    html = f'<p>Paragraph 1 of {name}.</p><img src="assets/{pic}" alt="ok">' + html
    doc = {"url": url, "title": f'{name} "</title><script>{PWN}</script>', "byline": f"<b onclick={PWN}>x</b>",
           "published": f'2024-01-01" onload="{PWN}', "modified": None, "lang": f'en" onload="{PWN}',
           "site_name": "<img src=x onerror=window.__pwned=1>", "lead_image": f"assets/{pic}",
           "text": f"Paragraph 1 of {name}.", "html": html, "captured": "2024-01-02T00:00:00Z",
           "assets": [{"name": pic, "sha256": sha, "mime": "image/png", "size": len(IMAGE), "source_url": ""}]}
    return url, doc, IMAGE


def hand_made_bundle(out: Path, recipient: str, articles: list[tuple[str, dict, dict[str, bytes]]]) -> None:
    """A bundle as a third party makes one (FORMAT.md): article.json, assets as
    files, manifest; encrypted to `recipient`. `articles`: (url, doc, {asset name: bytes})."""
    files: dict[str, bytes] = {}
    entries = []
    for url, doc, assets in articles:
        aid = article_id(url)
        doc = dict(doc, content_hash=content_hash(
            url, doc["title"], doc["byline"], doc["published"], doc["modified"], doc["lang"],
            doc["site_name"], doc["text"], doc["html"], [a["sha256"] for a in doc["assets"]]))
        mine = {layout.article_json(aid): json.dumps(doc).encode("utf-8")}
        for name, data in assets.items():
            mine[layout.asset_path(aid, name)] = data
        entry = ArticleEntry(aid, url, doc["title"], doc["published"], doc["modified"], doc["captured"],
                             doc["content_hash"])
        for name, data in mine.items():
            entry.files[name] = ref(data)
        entries.append(entry)
        files.update(mine)
    files[layout.MANIFEST] = Manifest(entries, {}).to_bytes()
    zip_and_encrypt(out, recipient, files)


def zip_and_encrypt(out: Path, recipient: str, files: dict[str, bytes]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            zf.writestr(name, files[name])
    with open(out, "wb") as f:
        age.encrypt(io.BytesIO(buf.getvalue()), f, recipients=[recipient])


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("keys")
    identity, recipient = age.generate_identity()
    (tmp / "id.txt").write_text(identity + "\n")
    return tmp / "id.txt", recipient


@pytest.fixture(scope="module")
def world(tmp_path_factory, keys):
    tmp = tmp_path_factory.mktemp("attacks")
    archive = tmp / "A"
    shown: dict[str, Path] = {}
    for i, (name, head, body) in enumerate(ATTACKS):
        d = tmp / "saved" / f"{i:02d}"
        d.mkdir(parents=True)
        (d / "story.html").write_text(_page(name, head, body), encoding="utf-8")
        (d / "story_files").mkdir()
        (d / "story_files" / "p.png").write_bytes(IMAGE)
        r = run_mirror("import-html", "--json", str(d / "story.html"), "--url", f"https://news.example/{i:02d}/story",
                   archive=archive)
        assert r.returncode == 0, (name, r.stderr)
        aid = json_lines(r.stdout)[0]["id"]
        r = run_mirror("show", aid, "--format", "html", archive=archive)
        assert r.returncode == 0, (name, r.stderr)
        shown[name] = tmp / "shown" / f"{name}.html"
        shown[name].parent.mkdir(exist_ok=True)
        shown[name].write_text(r.stdout, encoding="utf-8")

    key, recipient = keys
    bundle = tmp / "third-party.age"
    arts = []
    for name, head, body in ATTACKS:
        url, doc, data = _bundle_article(name, head + body)
        arts.append((url, doc, {doc["assets"][0]["name"]: data}))
    hand_made_bundle(bundle, recipient, arts)
    b = tmp / "B"
    r = run_mirror("unpack", str(bundle), "-i", str(key), archive=b)
    assert r.returncode == 0, r.stderr
    site = tmp / "site"
    r = run_mirror("export-site", str(site), "--all", archive=b)
    assert r.returncode == 0, r.stderr
    exported = {name: site / layout.page(article_id(url)) for (name, *_), (url, *_) in zip(ATTACKS, arts)}

    paths = list(shown.values()) + list(exported.values()) + [site / "index.html"]
    reports = dict(zip(paths, open_pages(paths)))
    return {"shown": shown, "exported": exported, "site": site, "reports": reports}


def _inert(rep, what) -> None:
    assert rep.requests == [], (what, rep.requests)
    assert rep.dialogs == [], (what, rep.dialogs)
    assert not any("PAGE SCRIPT RAN" in c for c in rep.console), (what, rep.console)


NAMES = [a[0] for a in ATTACKS]


@pytest.mark.browser
@pytest.mark.parametrize("name", NAMES)
def test_saved_page_imported_then_shown_is_inert_in_chromium(world, name):
    rep = world["reports"][world["shown"][name]]
    _inert(rep, name)
    assert "Paragraph 1." in rep.text  # the article itself made it through
    # The page's own image (in story_files/, as a browser saves it), visible; nothing else.
    assert rep.images_loaded == rep.images_total >= 1, name


@pytest.mark.browser
@pytest.mark.parametrize("name", NAMES)
def test_stored_html_from_a_bundle_is_cleaned_again_on_export(world, name):
    rep = world["reports"][world["exported"][name]]
    _inert(rep, name)
    assert f"Paragraph 1 of {name}." in rep.text
    assert rep.images_loaded == 1  # the stored image, inline (and nothing of the attacker's loaded)


@pytest.mark.browser
def test_export_index_of_hostile_metadata_is_inert(world):
    rep = world["reports"][world["site"] / "index.html"]
    _inert(rep, "index")
    assert 'meta-refresh "</title><script>' in rep.text  # shown as text


_HEAD = ['<meta charset="utf-8">', f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
         '<meta name="referrer" content="no-referrer">', NO_DNS_PREFETCH]
# Tags of our templates, and what the sanitiser lets through.
_TAGS = ({"html", "head", "meta", "title", "style", "body", "main", "header", "footer", "ol", "li", "nav", "section",
          "span", "h2", "time", "bdi", "code"} | set(ALLOWED_TAGS))
_ATTRS = {"lang", "dir", "id", "title", "alt", "width", "height", "colspan", "rowspan", "scope", "span", "start",
          "reversed", "type", "value", "datetime", "class", "charset", "http-equiv", "content", "name", "href",
          "rel", "src", "aria-label"}
# Links between our own pages: the index, an article's neighbours, its versions page and back.
_OWN_HREF = re.compile(r"^(articles/[0-9a-f]{16}/index\.html|\.\./\.\./index\.html|\.\./[0-9a-f]{16}/index\.html"
                       r"|versions\.html|index\.html|#v\d+)$")


def test_every_page_written_is_statically_clean(world):
    pages = list(world["shown"].values()) + list(world["exported"].values()) + [world["site"] / "index.html"]
    for p in pages:
        html = p.read_text(encoding="utf-8")
        head = html[html.index("<head>") + 6:html.index("</head>")].strip().splitlines()
        assert head[:4] == _HEAD, p
        soup = BeautifulSoup(html, "html.parser")
        assert len(soup.find_all("meta")) == 5 and len(soup.find_all("style")) == 1, p  # ours, in <head>
        for tag in soup.find_all(True):
            assert tag.name in _TAGS, (p, tag.name)
            assert set(tag.attrs) <= _ATTRS, (p, tag.name, tag.attrs)
            values = " ".join(" ".join(v) if isinstance(v, list) else v for v in tag.attrs.values()).lower()
            assert "tracker.example" not in values and "script:" not in values, (p, str(tag)[:80])
            if "src" in tag.attrs:
                assert tag.name == "img" and tag["src"].startswith("data:image/"), (p, str(tag)[:80])
            if "href" in tag.attrs:
                assert tag.name == "a", (p, tag.name)
                if not (_OWN_HREF.match(tag["href"]) or tag["href"].startswith("#m-")):
                    assert tag["href"].startswith(("https://", "http://", "mailto:")), (p, tag)
                    assert tag.get("rel") == ["noreferrer", "noopener"], (p, tag)


def test_export_writes_only_our_pages_json_and_image_named_assets(world):
    for p in world["site"].rglob("*"):
        if p.is_file():
            rel = p.relative_to(world["site"]).as_posix()
            assert (rel == "index.html" or rel == layout.MANIFEST or re.fullmatch(
                r"articles/[0-9a-f]{16}/(index\.html|versions\.html|article\.json|versions/\d{4}\.json|"
                r"assets/[A-Za-z0-9][A-Za-z0-9._-]*\.(png|jpe?g|gif|webp|avif))", rel, re.I)), rel


# -- assets that are not images ------------------------------------------------------

EVIL_PAGE = (b'<!DOCTYPE html><img src="http://tracker.example/opened.png">'
             b'<script>window.__pwned = "asset page"</script>')
EVIL_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="http://tracker.example/svg.png"/>'
            b'<script>window.__pwned = "asset svg"</script></svg>')


@pytest.mark.parametrize("name, data", [("read-me.html", EVIL_PAGE), ("logo.svg", EVIL_SVG),
                                        ("image", EVIL_PAGE), ("x.png.htm", EVIL_PAGE)])
def test_unpack_refuses_an_asset_not_named_as_an_image(tmp_path, keys, name, data):
    """Carried on as `articles/<id>/assets/<name>`, such an asset would be a page
    of the attacker's in every bundle and site we write from the archive
    (it ran its script and fetched its tracker from file:// in Chromium)."""
    key, recipient = keys
    url = "https://news.example/bundle/asset"
    doc = {"url": url, "title": "t", "byline": None, "published": None, "modified": None, "lang": "en",
           "site_name": None, "lead_image": None, "text": "x", "html": "<p>x</p>",
           "captured": "2024-01-02T00:00:00Z",
           "assets": [{"name": name, "sha256": hashlib.sha256(data).hexdigest(), "mime": "image/png",
                       "size": len(data), "source_url": ""}]}
    hand_made_bundle(tmp_path / "b.age", recipient, [(url, doc, {name: data})])
    r = run_mirror("unpack", str(tmp_path / "b.age"), "-i", str(key), archive=tmp_path / "B")
    assert r.returncode == 2, r.stderr
    assert "asset name" in r.stderr and "Traceback" not in r.stderr
    with open_archive(tmp_path / "B") as ar:
        assert ar.ids() == []


def test_export_and_pack_refuse_to_write_an_asset_not_named_as_an_image(tmp_path, keys):
    """An archive that took such an asset in before unpack refused it: nothing
    of it is written, and the message says which article."""
    html_sha = hashlib.sha256(EVIL_PAGE).hexdigest()
    with open_archive(tmp_path / "A") as ar:
        aid = ar.save(NewVersion(url="https://news.example/old", title="t", byline=None, published=None,
                                 modified=None, lang="en", site_name=None, text="x", html="<p>x</p>",
                                 captured="2024-01-02T00:00:00Z",
                                 assets=[(Asset("read-me.html", html_sha, "text/html", len(EVIL_PAGE)),
                                          EVIL_PAGE)])).id
    r = run_mirror("export-site", str(tmp_path / "site"), "--all", archive=tmp_path / "A")
    assert r.returncode == 1 and aid in r.stderr and "read-me.html" in r.stderr, r.stderr
    assert not any(p.name == "read-me.html" for p in (tmp_path / "site").rglob("*"))
    r = run_mirror("pack", "-o", str(tmp_path / "b.age"), "--all", "-r", keys[1], archive=tmp_path / "A")
    assert r.returncode == 1 and aid in r.stderr, r.stderr
    assert not (tmp_path / "b.age").exists()


# -- the inline image placeholder -------------------------------------------------------


def test_article_text_quoting_the_inline_placeholder_is_exported_verbatim(tmp_path):
    """Images are swapped into a page through a placeholder `src`. Article text
    that quotes the placeholder (text is not escaped like an attribute) must
    neither break the export nor be replaced."""
    sha = hashlib.sha256(IMAGE).hexdigest()
    pic = Asset(f"{sha[:16]}.png", sha, "image/png", len(IMAGE))
    quoted = [f'src="data:image/x-mirror-inline;base64,{sha}"', "data:image/x-mirror-inline;base64,"]
    html = (f"<p>{quoted[0]}</p><p>{quoted[1]}</p><figure><img src=\"assets/{pic.name}\" alt=\"ok\">"
            "<figcaption>cap</figcaption></figure>")
    with open_archive(tmp_path / "A") as ar:
        aid = ar.save(NewVersion(url="https://news.example/quote", title="t", byline=None, published=None,
                                 modified=None, lang="en", site_name=None, text=" ".join(quoted), html=html,
                                 captured="2024-01-02T00:00:00Z", assets=[(pic, IMAGE)])).id
    r = run_mirror("export-site", str(tmp_path / "site"), aid, archive=tmp_path / "A")
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "site" / layout.page(aid)).read_text(encoding="utf-8")
    assert f"<p>{quoted[0]}</p>" in page and f"<p>{quoted[1]}</p>" in page
    assert page.count("data:image/png;base64,") == 1
    assert not (tmp_path / "site" / layout.asset_path(aid, pic.name)).exists()  # inlined, not carried


# -- text that is not Unicode --------------------------------------------------------------


@pytest.mark.parametrize("where", ["article.json", "manifest.json"])
def test_lone_surrogate_escape_is_refused_in_one_line(tmp_path, keys, where):
    """JSON can escape a lone surrogate ("\\udfff"); such a string is not text, and
    hashing or printing it failed with a traceback instead of a refusal."""
    key, recipient = keys
    url = "https://news.example/surrogate"
    aid = article_id(url)
    bad = "\udfff" if where == "article.json" else ""
    doc = {"url": url, "title": "t", "byline": None, "published": None, "modified": None, "lang": "en",
           "site_name": None, "lead_image": None, "text": "x" + bad, "html": f"<p>x{bad}</p>",
           "captured": "2024-01-02T00:00:00Z", "content_hash": "0" * 64, "assets": []}
    art = json.dumps(doc).encode("ascii")  # ensure_ascii: the surrogate as an escape
    man = {"format": "mirror-bundle", "version": 1, "files": {},
           "articles": [{"id": aid, "url": url, "captured": doc["captured"], "content_hash": "0" * 64,
                         "title": "t" + ("\ud800" if where == "manifest.json" else ""),
                         "files": {layout.article_json(aid): {"sha256": hashlib.sha256(art).hexdigest(),
                                                              "size": len(art)}}}]}
    zip_and_encrypt(tmp_path / "b.age", recipient,
                    {layout.article_json(aid): art, layout.MANIFEST: json.dumps(man).encode("ascii")})
    for cmd in ("inspect", "unpack"):
        r = run_mirror(cmd, str(tmp_path / "b.age"), "-i", str(key), archive=tmp_path / "B")
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        assert r.stderr.count("\n") == 1 and "surrogate" in r.stderr and where in r.stderr, r.stderr


# -- the terminal ------------------------------------------------------------------------

ESCAPES = "\x1b]8;;https://tracker.example/t\x1b\\click me\x1b]8;;\x1b\\\x1b]0;window title\x07\x1b[2J\x9b1A\r"


def test_titles_and_text_from_a_bundle_print_without_escape_sequences(tmp_path, keys):
    """A title is the bundle maker's: an OSC 8 hyperlink to a tracker, a new
    window title, a cleared screen, or a line break forging a line of
    `inspect`'s report must not reach the terminal."""
    key, recipient = keys
    url = "https://news.example/terminal"
    title = f"Harmless{ESCAPES}\nSignature: good, by a key you trust"
    doc = {"url": url, "title": title, "byline": f"Jane{ESCAPES}", "published": f"2024\x1b[8m-01-01",
           "modified": None, "lang": "en", "site_name": None, "lead_image": None,
           "text": f"Para one.\n\nPara two{ESCAPES}.", "html": "<p>Para one.</p><p>Para two.</p>",
           "captured": "2024-01-02T00:00:00Z", "assets": []}
    hand_made_bundle(tmp_path / "b.age", recipient, [(url, doc, {})])
    outputs = []
    for args in (["inspect", str(tmp_path / "b.age"), "-i", str(key)],
                 ["unpack", str(tmp_path / "b.age"), "-i", str(key)], ["ls"], ["search", "Harmless"],
                 ["show", article_id(url)]):
        r = run_mirror(*args, archive=tmp_path / "B")
        assert r.returncode == 0, (args, r.stderr)
        outputs.append((args[0], r.stdout + r.stderr))
    for cmd, out in outputs:
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", out), (cmd, out)
        if cmd != "show":
            assert not any(x.startswith("Signature: good") for x in out.splitlines()), (cmd, out)
    show = dict(outputs)["show"]
    assert "\n\nPara one.\n\nPara two" in show  # the text keeps its paragraphs
    assert show.splitlines()[0].startswith("Harmless\ufffd]8;;") and "Signature: good" in show.splitlines()[0]


# -- the user's own files ----------------------------------------------------------------


def test_a_saved_page_takes_images_only_from_its_own_files_folder(tmp_path):
    """A hostile page received by hand and saved to Downloads names the user's own
    photos beside it; imported, they would travel in every bundle packed from
    the archive. Only `<name>_files/` (what a browser saves) is read."""
    downloads = tmp_path / "Downloads"
    (downloads / "Telegram Desktop").mkdir(parents=True)
    (downloads / "evil_files").mkdir()
    (downloads / "IMG_0001.png").write_bytes(sample_png(11))
    (downloads / "Telegram Desktop" / "photo_2024-05-01.png").write_bytes(sample_png(12))
    (downloads / "evil_files" / "own.png").write_bytes(sample_png(13))
    (downloads / "evil_files" / "up.png").symlink_to(downloads / "IMG_0001.png")
    (downloads / "other_files").mkdir()
    (downloads / "other_files" / "x.png").write_bytes(sample_png(14))
    page = downloads / "evil.html"
    page.write_text(article("Private photos", extra=(
        '<img src="IMG_0001.png" alt="a"><img src="Telegram%20Desktop/photo_2024-05-01.png" alt="b">'
        '<img src="evil_files/../IMG_0001.png" alt="c"><img src="evil_files/up.png" alt="d">'
        '<img src="other_files/x.png" alt="e"><figure><img src="evil_files/own.png" alt="own"></figure>')),
        encoding="utf-8")
    r = run_mirror("import-html", "--json", str(page), "--url", "https://news.example/2024/evil.html",
               archive=tmp_path / "A")
    assert r.returncode == 0, r.stderr
    [o] = json_lines(r.stdout)
    with open_archive(tmp_path / "A") as ar:
        art = ar.get(o["id"])
        got = [ar.read_blob(a.sha256) for a in art.assets]
    assert got == [sample_png(13)], [a.source_url for a in art.assets]


# -- DNS prefetching, which CSP does not govern ------------------------------------------------

FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")


def _firefox_resolver_log(page: Path, tmp: Path) -> str:
    """Open `page` in headless Firefox with its host resolver logging; the log."""
    tmp.mkdir()
    (tmp / "profile").mkdir()
    env = dict(os.environ, HOME=str(tmp), MOZ_LOG="nsHostResolver:5", MOZ_LOG_FILE=str(tmp / "resolver.log"))
    subprocess.run([FIREFOX, "--headless", "--no-remote", "--profile", str(tmp / "profile"), "--screenshot",
                    str(tmp / "shot.png"), page.as_uri()], env=env, capture_output=True, timeout=180)
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in tmp.glob("resolver.log*"))


@pytest.mark.browser
@needs_tools("firefox-esr|firefox")
def test_firefox_resolves_no_link_host_when_a_reader_page_opens(tmp_path):
    """CSP does not stop DNS prefetching, and Firefox resolves the host of every
    link of a file:// page as soon as it opens it: a DNS query for the outlet's
    (or any linked) domain, without a click. Our pages turn prefetching off.
    The same page without that line is the control: it shows the log sees it."""
    html = ('<p>Story with <a href="https://dns-leak-one.example/story">a link</a> and '
            '<a href="http://dns-leak-two.example/">another</a>.</p>')
    art = StoredVersion(id="0123456789abcdef", version=1, url="https://news.example/a", title="Links",
                        byline=None, published=None, modified=None, lang="en", site_name=None,
                        lead_image=None, text="t", html=html, captured="2024-05-02T00:00:00Z",
                        content_hash="0" * 64, assets=[], versions=1)
    page = reader_page(art, lambda sha: b"")
    assert page.count(NO_DNS_PREFETCH) == 1
    ours, control = tmp_path / "ours.html", tmp_path / "control.html"
    ours.write_text(page, encoding="utf-8")
    control.write_text(page.replace(NO_DNS_PREFETCH, ""), encoding="utf-8")
    seen = _firefox_resolver_log(control, tmp_path / "control")
    assert "dns-leak-one.example" in seen and "dns-leak-two.example" in seen  # the leak, without the line
    seen = _firefox_resolver_log(ours, tmp_path / "ours")
    assert "dns-leak" not in seen
