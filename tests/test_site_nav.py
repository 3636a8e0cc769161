"""A site a reader can move around, without script and offline: every page
of export-site, of an unzipped age bundle and of the self-decrypting bundle
links to the index and to previous/next in the index's order; an edited
story has a versions page with what changed. Walked through in Chromium
(zero requests); and on a 360x740 phone nothing scrolls sideways, text is at
least 16 px and every link or button we draw is at least 44 px."""

from __future__ import annotations

import re
import subprocess

import pytest

from bundleutil import age_keypair, tree_digest
from conftest import run_mirror
from langkit import make_lang_archive

pytestmark = [pytest.mark.browser]
PASSPHRASE = "tavo-lisu-bamu-zori-kena-pudo-himu"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nav")
    ids = make_lang_archive(tmp / "A")
    assert run_mirror("export-site", str(tmp / "site"), "--all", archive=tmp / "A").returncode == 0
    pw = tmp / "pw"
    pw.write_text(PASSPHRASE + "\n")
    r = run_mirror("pack", "-o", str(tmp / "b.html"), "--all", "--format", "html", "--passphrase-file", str(pw),
                   archive=tmp / "A")
    assert r.returncode == 0, r.stderr
    order = re.findall(r'href="articles/([0-9a-f]{16})/index.html"', (tmp / "site" / "index.html").read_text())
    return {"tmp": tmp, "ids": ids, "site": tmp / "site", "html": tmp / "b.html", "order": order}


def _links(path) -> dict[str, str]:
    html = path.read_text("utf-8")
    return {cls: href for cls, href in re.findall(r'<a class="(up|prev|next|related)"[^>]* href="([^"]+)"', html)}


def test_every_page_links_to_the_index_and_its_neighbours(world):
    site, order = world["site"], world["order"]
    assert sorted(order) == sorted(world["ids"].values())
    for i, aid in enumerate(order):
        page = site / "articles" / aid / "index.html"
        links = _links(page)
        assert links["up"] == "../../index.html"
        assert links.get("prev") == (f"../{order[i - 1]}/index.html" if i else None)
        assert links.get("next") == (f"../{order[i + 1]}/index.html" if i + 1 < len(order) else None)
        for href in links.values():
            assert (page.parent / href).resolve().is_file(), href
        assert "<script" not in page.read_text("utf-8").lower()
    ru = world["ids"]["ru"]
    assert _links(site / "articles" / ru / "index.html")["related"] == "versions.html"
    assert [p.parent.name for p in site.glob("articles/*/versions.html")] == [ru]  # only the edited story


def test_versions_page_lists_every_capture_and_what_changed(world):
    page = (world["site"] / "articles" / world["ids"]["ru"] / "versions.html").read_text("utf-8")
    assert "<script" not in page.lower() and '<html lang="ru" dir="ltr">' in page
    assert page.count('<section class="version"') == 2
    assert "Версия 1, сохранена" in page and "Версия 2, сохранена" in page and "(текущая версия)" in page
    assert "<del>трёх</del><ins>пяти</ins>" in page  # the changed word, not the whole paragraph
    assert "<del>три</del><ins>пять</ins>" in page  # the title
    assert '<ins>Обновление: адвокаты не допущены к задержанным.</ins>' in page
    assert _links(world["site"] / "articles" / world["ids"]["ru"] / "versions.html") == {
        "up": "../../index.html", "related": "index.html"}


def test_age_bundle_carries_the_same_pages_and_repacks_identically(world, tmp_path):
    key, rcp = age_keypair(tmp_path)
    for n in (1, 2):
        r = run_mirror("pack", "-o", str(tmp_path / f"{n}.age"), "--all", "-r", rcp, archive=world["tmp"] / "A")
        assert r.returncode == 0, r.stderr
        subprocess.run(["age", "-d", "-i", str(key), "-o", str(tmp_path / f"{n}.zip"), str(tmp_path / f"{n}.age")],
                       check=True)
    assert (tmp_path / "1.zip").read_bytes() == (tmp_path / "2.zip").read_bytes()  # deterministic
    subprocess.run(["unzip", "-q", str(tmp_path / "1.zip"), "-d", str(tmp_path / "u")], check=True)
    unzipped = tree_digest(tmp_path / "u")
    exported = tree_digest(world["site"])
    assert {k: v for k, v in unzipped.items() if k != "zz-padding"} == exported
    assert run_mirror("export-site", str(tmp_path / "again"), "--all", archive=world["tmp"] / "A").returncode == 0
    assert tree_digest(tmp_path / "again") == exported


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from browserutil import ARGS, CHROMIUM

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def _context(browser, requests: list[str], phone: bool = False):
    ctx = browser.new_context(**({"viewport": {"width": 360, "height": 740}} if phone else {}))
    ctx.on("request", lambda r: requests.append(r.url))
    return ctx


def test_walk_the_site_by_its_links_in_chromium(world, browser):
    requests: list[str] = []
    ctx = _context(browser, requests)
    page = ctx.new_page()
    try:
        page.goto((world["site"] / "index.html").as_uri())
        page.click(f'a[href="articles/{world["order"][0]}/index.html"]')
        seen = [page.url]
        while page.locator("a.next").count():
            page.click("a.next")
            seen.append(page.url)
        assert [u.split("/")[-2] for u in seen] == world["order"]
        page.click("a.prev")
        assert page.url.split("/")[-2] == world["order"][-2]
        page.goto((world["site"] / "articles" / world["ids"]["ru"] / "index.html").as_uri())
        page.click("a.related")
        assert page.url.endswith("/versions.html") and "Все версии" in page.inner_text("h1")
        page.click("a.up")
        assert page.url.endswith("/site/index.html")
        # Every click was a file: navigation the user asked for; nothing else was fetched.
        assert all(u.startswith("file://") and u.endswith(".html") for u in requests), requests
    finally:
        ctx.close()


def _unlock(page, path):
    page.goto(path.as_uri())
    page.fill("#passphrase", PASSPHRASE)
    page.click("#open")
    page.wait_for_selector("#library:not([hidden])", timeout=30_000)


def test_self_decrypting_bundle_has_the_index_groups_and_previous_next(world, browser):
    requests: list[str] = []
    ctx = _context(browser, requests)
    page = ctx.new_page()
    try:
        _unlock(page, world["html"])
        heads = page.locator("#toc h2").all_inner_texts()
        assert heads[-1] == "Дата неизвестна" and len(heads) == 4
        assert "упорядочены по дню сохранения" in page.inner_text("#toc")
        page.click(f"#toc a >> nth=0")
        page.wait_for_selector("#reader:not([hidden])")
        assert page.is_hidden("#prev") and page.is_visible("#next")
        titles = []
        for aid in world["order"]:
            frame = page.frame_locator("#frame")
            titles.append(frame.locator("h1").inner_text())
            assert frame.locator("nav.pager").count() == 0  # its links could not work in a frame
            assert page.evaluate("location.hash") == f"#article/{aid}"
            if page.is_visible("#next"):
                page.click("#next")
                page.wait_for_function(f"location.hash !== '#article/{aid}'")
        assert len(set(titles)) == len(world["order"]) and page.is_hidden("#next")
        page.evaluate(f"location.hash = '#article/{world['ids']['ru']}'")
        page.wait_for_selector("#related:not([hidden])")
        page.click("#related")
        page.wait_for_function("location.hash.startsWith('#versions/')")
        assert "Все версии" in page.frame_locator("#frame").locator("h1").inner_text()
        page.click("#related")  # back to the article
        page.wait_for_function("location.hash.startsWith('#article/')")
        page.click("#back")
        page.wait_for_selector("#library:not([hidden])")
        assert [r for r in requests if r != world["html"].as_uri()] == []
    finally:
        ctx.close()


PHONE_CHECK = """() => {
  const out = {scroll: document.documentElement.scrollWidth, small: [], taps: []};
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    if (!r.width || !r.height || cs.visibility === 'hidden') continue;
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (own && parseFloat(cs.fontSize) < 16) out.small.push(el.tagName + ' ' + cs.fontSize + ' ' + el.textContent.slice(0, 30));
  }
  for (const el of document.querySelectorAll('nav a, ol.toc a, ol.captures a, button, input, #pager a')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.height && (r.height < 44 || r.width < 44)) out.taps.push(el.textContent.slice(0, 30) + ' ' + r.width + 'x' + r.height);
  }
  return out;
}"""


def _phone_ok(target, what: str) -> None:
    got = target.evaluate(PHONE_CHECK)
    assert got["scroll"] <= 360, (what, got["scroll"])
    assert got["small"] == [], (what, got["small"])
    assert got["taps"] == [], (what, got["taps"])


def test_pages_fit_a_360_pixel_phone(world, browser):
    requests: list[str] = []
    ctx = _context(browser, requests, phone=True)
    page = ctx.new_page()
    try:
        site = world["site"]
        pages = [site / "index.html", site / "articles" / world["ids"]["ru"] / "versions.html"]
        pages += [site / "articles" / world["ids"][k] / "index.html" for k in ("ru", "ar", "zh", "undated")]
        for path in pages:
            page.goto(path.as_uri())
            _phone_ok(page, path.name)
        _unlock(page, world["html"])
        _phone_ok(page, "unlocked bundle")
        page.click("#toc a >> nth=0")
        page.wait_for_selector("#reader:not([hidden])")
        page.frame_locator("#frame").locator("h1").wait_for()
        _phone_ok(page, "bundle reader bar")
        _phone_ok(page.frames[1], "article in the bundle's frame")
        page.goto(world["html"].as_uri())
        _phone_ok(page, "locked bundle")
        assert [r for r in requests if not r.startswith("file://")] == []
    finally:
        ctx.close()
