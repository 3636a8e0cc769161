"""Cleaning inside the chosen body: title, byline and date lines at the top,
comment sections and "related" lists after their headings, link lists,
labels, promotion lines, hover cards and teaser articles."""

from __future__ import annotations

import re

from lxml import etree

from mirror.extract import vocab
from mirror.extract.dates import to_iso
from mirror.extract.dom import HEADINGS, drop_tree, norm, text_upto
from mirror.extract.byline import strip_byline_prefix
from mirror.extract.fields import Metadata
from mirror.extract.scoring import Stats

_BLOCKISH = frozenset({"div", "section", "ul", "ol", "table", "dl", "figure", "p", "blockquote"})
# A line that is only a date (and maybe a time, "Updated", "Published").
_DATE_LINE = re.compile(r"^(?:(?:(?:last )?updated(?: on)?|published(?: on)?|posted(?: on)?|"
                        r"atualizado(?: em)?|publicado(?: em)?|aktualisiert(?: am)?|"
                        r"pubblicato(?: il)?|обновлено|опубликовано)\s*:?\s*)?[\w.,\s]{0,20}?\d", re.I)
# "Updated 2 hours ago", "há 3 horas", "il y a 5 minutes", "vor 2 Stunden"
_RELATIVE_DATE = re.compile(
    r"^(?:(?:last )?(?:updated|published|posted|atualizado|publicado|actualizado|aktualisiert|"
    r"mis à jour|aggiornato|обновлено)\s*:?\s*)?(?:há|hace|il y a|vor)?\s*\d+\s*"
    r"(?:sec(?:ond)?s?|min(?:ute)?s?|hours?|hrs?|h|days?|weeks?|minutos?|horas?|d[ií]as?|"
    r"heures?|jours?|minuten|stunden?|tagen?|minuti|ore|giorni|минут\w*|час\w*|дн\w*)\.?"
    r"(?:\s+(?:ago|atrás|fa|назад))?\s*$", re.I)
_BYLINE_TEXT = re.compile(
    r"^(?:[\d/.:\- ]{6,}\s*[-|–·]\s*)?(?:by|por|von|di|oleh|par|автор|текст|av|door|posted by|"
    r"published by|written by|story by|words by|reporting by|"
    r"publicado por|postado por|escrito por|pubblicato da|scritto da|"
    r"veröffentlicht von|geschrieben von|ditulis oleh|опубликовал[а]?|(?:text|texto|texte)(?=\s*:))"
    r"(?:\s*:\s*|\s+)"
    r"(?-i:(?![a-zß-ÿа-яё])[^\W\d_])(?!\w*day\b)", re.I)  # a name: no lower-case word


# "Jane Doe, Staff Writer", "Jane Doe | Reuters", "김민지 기자", "文：山田太郎"
_ROLE_LINE = re.compile(
    r"^(?-i:[A-ZÀ-ÞА-ЯЁ][\w'’.-]*(?:\s+[A-ZÀ-ÞА-ЯЁ][\w'’.-]*){0,3})\s*[,|–—-]\s*"
    r"(?:(?:[\w'-]+ ){0,3}(?:writer|reporter|correspondent|editor|"
    r"contributor|columnist|journalist)s?|(?:the )?associated press|reuters|afp|dpa|ap|bloomberg|ansa|"
    r"efe|lusa|tass|redação|redaktion|redazione)\s*$"
    r"|^\S{2,5}\s?기자(?:\s+\S+@\S+)?$|^(?:文|写真|取材|記者)\s*[：:・]", re.I)

_DATE_SEPS = re.compile(r"\s+[|·•/]\s+")


def _is_date(p: str) -> bool:
    if len(p) >= 80 or len(p.split()) > 8:
        return False
    return bool(_DATE_LINE.match(p)) and bool(to_iso(p)) or bool(_RELATIVE_DATE.match(p))


def _is_date_line(t: str) -> bool:
    """"12 March 2024", "Updated: 12.03.2024 10:15", several of them joined by
    "|" or "·" (published and updated dates on one line), or a date among
    other short items ("Staff reporter · 2 October 2024 · 3 min read")."""
    if len(t) >= 160:
        return False
    parts = _DATE_SEPS.split(t)
    dates = [_is_date(p) for p in parts]
    if all(dates):
        return True
    return len(parts) >= 2 and any(dates) and t[-1] not in ".!?" and \
        all(len(p) < 60 and _n_words(p) <= 6 for p in parts)


def _n_words(t: str) -> int:
    """Words of a line, not counting separators ("Author | date | 4 512 views")."""
    return sum(1 for w in t.split() if any(c.isalnum() for c in w))


_INLINE_LINES = frozenset({"i", "em", "b", "strong", "font"})


def _own_line(el: etree._Element) -> bool:
    """An inline element standing alone between line breaks or blocks (no
    sentence text around it): "<i>by A. Writer</i><br>" on pages without <p>."""
    tail = el.tail
    if tail and tail.strip():
        return False
    prev = el.getprevious()
    if prev is not None:
        before = prev.tail
    else:
        parent = el.getparent()
        assert parent is not None  # callers skip detached elements
        before = parent.text
    return not (before and before.strip())


_WORDS = re.compile(r"\w+")


def _similar(a: str, b: str) -> bool:
    """Is b mostly made of a's words (Readability's text similarity > 0.75)?"""
    words_a = set(_WORDS.findall(a))
    words_b = _WORDS.findall(b)
    if not words_b:
        return True
    new = " ".join(w for w in words_b if w not in words_a)
    return 1 - len(new) / len(" ".join(words_b)) > 0.75


def drop_headers(content: etree._Element, md: Metadata) -> None:
    """Title, byline and date lines are metadata, not body."""
    title = norm(md.title).lower() if md.title else None
    byline = norm(md.byline).lower() if md.byline else None
    seen_text = 0
    for el in list(content.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        tag = el.tag
        if tag == "h1" and (not title or _similar(title, norm("".join(el.itertext())).lower())):
            # The headline (metadata, as the title says), not an <h1> the
            # story uses for its sections or a heading the title does not
            # repeat (Readability keeps those too).
            drop_tree(el)
            continue
        if tag in HEADINGS and title and norm("".join(el.itertext())).lower() == title:
            drop_tree(el)
            continue
        if seen_text < 400 and (tag in {"p", "div", "span", "address", "small"}
                                or tag in _INLINE_LINES and _own_line(el)):
            # (Nothing below applies to a text longer than this, and a long
            # paragraph ends the header zone: its exact length is not needed.)
            t = text_upto(el, max(400, len(title or "")))
            if t is None:
                if tag == "p":
                    seen_text = 400
                continue
            if not t:
                continue
            low = t.lower()
            if title and low == title:
                drop_tree(el)
                continue
            if len(t) < 200 and _BYLINE_TEXT.match(t) and t[-1] not in ".!?" and \
                    _n_words(t) <= 8 + 2 * len(el.findall(".//a")) or \
                    (len(t) < 80 and byline and strip_byline_prefix(low) == byline) or \
                    (len(t) < 80 and t[-1] not in ".!?" and _ROLE_LINE.match(t)) or \
                    _is_date_line(t):
                drop_tree(el)
                continue
            if tag == "p":
                seen_text += len(t)


def _is_teaser_card(el: etree._Element, stats: Stats) -> bool:
    """A lone small box whose heading is entirely a link, with at most one
    short paragraph: another story's headline and teaser dropped into the body."""
    key = (el.tag, el.get("class"))
    for sib in (el.getprevious(), el.getnext()):
        if sib is not None and (sib.tag, sib.get("class")) == key:
            return False  # a run of such boxes is a list: listicle items, a Q&A
    heads = [h for h in el.iter("h2", "h3", "h4", "h5", "h6")
             if stats.text.get(h) and stats.links.get(h, 0) >= stats.text[h]]
    if len(heads) != 1:
        return False
    paras = [p for p in el.iter("p") if stats.text.get(p)]
    return len(paras) <= 1 and stats.text.get(heads[0], 0) + sum(
        stats.text[p] for p in paras) >= 0.8 * stats.text.get(el, 0)


def _is_card(el: etree._Element, stats: Stats) -> bool:
    return bool(stats.text.get(el)) and stats.link_density(el) > 0.8 and \
        sum(1 for _ in el.iter("a")) >= 3


_HEADING_LIKE = frozenset({"h2", "h3", "h4", "h5", "h6", "p", "div", "strong", "b", "span"})


def _text_before(el: etree._Element, content: etree._Element, stats: Stats,
                 limit: float = float("inf")) -> int:
    """Amount of text that comes before el inside content, counted only until
    it exceeds `limit` (a caller comparing with the limit needs no more, and
    counting every preceding block for every heading is quadratic)."""
    n = 0
    node: etree._Element | None = el
    get = stats.text.get
    while node is not None and node is not content:
        for sib in node.itersiblings(preceding=True):
            n += get(sib, 0)
            if n > limit:
                return n
        node = node.getparent()
    return n


def _cut_after_headings(content: etree._Element, stats: Stats) -> None:
    """A "Comments" heading ends the article; a "Related stories" heading
    opens a link list that goes with it."""
    total = stats.text.get(content, 0)
    for el in list(content.iter(*_HEADING_LIKE)):
        if el.getparent() is None or len(el) > 3:
            continue
        n = stats.text.get(el, 0)
        if not n or n > (200 if el.tag in HEADINGS else 60):
            continue
        if stats.link_density(el) > 0.5:
            continue
        txt = norm("".join(el.itertext()))
        comments = vocab.COMMENTS_HEADING.match(txt)
        if not comments and not vocab.RELATED_HEADING.match(txt):
            continue
        # (The text before is counted only for a heading that says one of them.)
        before = min(300, 0.3 * total)
        if _text_before(el, content, stats, before) < before:
            continue  # a "Comments (3)" jump link at the top, not a section heading
        if comments:
            for sib in list(el.itersiblings()):
                drop_tree(sib)
            drop_tree(el)
        else:  # a related-stories heading
            for sib in list(el.itersiblings()):
                if not isinstance(sib.tag, str):
                    continue
                if sib.tag in ("ul", "ol") or stats.link_density(sib) > 0.5 or \
                        not stats.text.get(sib) and sib.find(".//img") is not None:
                    drop_tree(sib)
                else:
                    break
            drop_tree(el)


def conditional_clean(content: etree._Element, stats: Stats) -> None:
    """Drop link lists, labels and other furniture inside the chosen body."""
    _cut_after_headings(content, stats)
    total = max(stats.text.get(content, 0), 1)
    for el in list(content.iter()):
        if el is content or not isinstance(el.tag, str) or el.getparent() is None:
            continue
        tag = el.tag
        if tag in {"img", "br", "hr", "a", "td", "th", "tr", "tbody", "thead"}:
            continue
        n = stats.text.get(el)
        if n is None:
            continue
        txt = None
        if n < 120:
            txt = norm("".join(el.itertext()))
            if txt and vocab.boiler_text(txt):
                drop_tree(el)
                continue
        if n < 300 and tag in {"p", "div", "li", "section", "aside", "em", "i", "strong", "b"}:
            txt = txt if txt is not None else norm("".join(el.itertext()))
            if vocab.newsletter(txt) or vocab.END_NOTICE.search(txt) or (
                    vocab.follow(txt) and _text_before(el, content, stats, 0.5 * total) > 0.5 * total):
                drop_tree(el)
                continue
        if tag == "time" and n < 60 and _own_line(el):
            # A timestamp on its own line (live-blog entries, "posted at"
            # stamps): a date, not story text. Times inside sentences stay.
            drop_tree(el)
            continue
        if tag == "span" and _is_card(el, stats) and \
                not any(_is_card(sub, stats) for sub in el.iterdescendants("span")):
            # Several links packed into an inline box: a hover card or tooltip
            # (the innermost such box: its parent may hold the linked name).
            drop_tree(el)
            continue
        if tag in ("p", "li", "div") and n and n < 250 and stats.link_density(el) > 0.4:
            txt = txt if txt is not None else norm("".join(el.itertext()))
            if vocab.LINK_LABEL.match(txt):
                drop_tree(el)
                continue
        if tag in ("p", "div") and n and stats.link_density(el) > 0.7 and \
                len(el.findall(".//br")) >= 2 and len(el.findall(".//a")) >= 3:
            # Headlines stacked with <br>: a link list dressed as a paragraph.
            drop_tree(el)
            continue
        if tag == "p" and n and n < 150 and stats.link_density(el) > 0.9:
            # A paragraph that is only a link: "read next" headlines.
            drop_tree(el)
            continue
        if tag in ("div", "section", "aside") and n < 400 and _is_teaser_card(el, stats):
            drop_tree(el)
            continue
        if tag == "article" and el.getparent() is not content and n < 0.4 * total:
            # An <article> inside the article: a teaser of another story.
            drop_tree(el)
            continue
        if tag not in _BLOCKISH:
            continue
        ld = stats.link_density(el)
        if tag in ("ul", "ol"):
            if ld > 0.6:
                drop_tree(el)
            continue
        if tag in {"div", "section", "table", "dl", "figure"}:
            has_img = el.find(".//img") is not None
            if n == 0 and not has_img:
                continue
            if ld > 0.5 and n < 2000 or (ld > 0.33 and n < 200 and not has_img):
                drop_tree(el)


_DEDUPE_TAGS = ("p", "li", "blockquote", "h2", "h3", "h4", "h5", "h6", "dd", "pre")
DEDUPE_MIN = 40
DEDUPE_RUN = 3
DEDUPE_SHARE = 0.2


def drop_repeats(content: etree._Element) -> None:
    """A passage met a second time is a copy of the story (rendered twice, for
    print or for another layout): a run of paragraphs in a row that all
    appeared before, DEDUPE_RUN or more different ones making a fifth of the
    text or more, goes. A repeated paragraph, refrain or small block stays (a
    chorus, a quote set apart, a meal plan's daily pattern), as do short lines."""
    leaves = [(el, norm("".join(el.itertext()))) for el in content.iter(*_DEDUPE_TAGS)
              if next(el.iterdescendants(*_DEDUPE_TAGS), None) is None]
    total = sum(len(t) for _, t in leaves)
    seen: set[str] = set()
    run: list[tuple[etree._Element, str]] = []
    doomed: list[etree._Element] = []

    def close() -> None:
        texts = {t for _, t in run}
        if len(texts) >= DEDUPE_RUN and sum(map(len, texts)) >= DEDUPE_SHARE * total:
            doomed.extend(el for el, _ in run)
        run.clear()

    for el, t in leaves:
        if len(t) < DEDUPE_MIN:
            continue
        if t in seen:
            run.append((el, t))
            continue
        close()
        seen.add(t)
    close()
    for el in doomed:
        if el.getparent() is not None:
            drop_tree(el)
