"""Page-wide cleaning before the body is looked for: markup that can never be
article text (scripts, forms, navigation, hidden blocks) and blocks whose
class or id says they are furniture (share bars, comments, related lists...)."""

from __future__ import annotations

import re

from mirror.extract import vocab
from mirror.extract.dom import attrs_key, drop_tree, unwrap

# Never article content; dropped with their subtree.
DROP_TAGS = frozenset({
    "script", "style", "iframe", "object", "embed", "svg", "canvas", "button", "input",
    "select", "textarea", "template", "link", "meta", "dialog", "map", "head", "title",
    "nav", "aside", "footer", "header", "label", "option", "applet", "frame", "frameset",
    "audio", "video", "track", "param", "math", "menu", "base", "area",
})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_ROLE_DROP = frozenset({"navigation", "banner", "contentinfo", "complementary", "search",
                        "dialog", "alertdialog", "menu", "menubar", "toolbar", "alert"})
_PROTECTED = frozenset({"html", "body", "main"})


def _is_hidden(el) -> bool:
    if el.get("hidden") is not None:
        return True
    if el.get("aria-hidden") == "true" and el.tag not in _PROTECTED:
        return True
    st = el.get("style")
    return bool(st) and bool(_HIDDEN_STYLE.search(st))


def _noscript(el) -> bool:
    """Keep a <noscript> only when it carries the real image of a lazy <img>;
    return True if it was unwrapped."""
    imgs = list(el.iter("img"))
    if not imgs:
        return False
    parent = el.getparent()
    sibling_imgs = [i for i in parent.iter("img") if i not in imgs] if parent is not None else []
    if sibling_imgs:
        # Give the script-free source to the lazy sibling, drop the copy.
        real = imgs[0].get("src")
        for s in sibling_imgs:
            if real and not (s.get("src") or "").startswith(("http", "/")):
                s.set("src", real)
        return False
    unwrap(el)
    return True


def text_lengths(root) -> dict:
    """Length of the text under each element, in one bottom-up pass."""
    lengths: dict = {}
    for el in reversed(list(root.iter())):
        n = lengths.get(el, 0) + len(el.text or "")
        lengths[el] = n
        parent = el.getparent()
        if parent is not None:
            lengths[parent] = lengths.get(parent, 0) + n + len(el.tail or "")
    return lengths


def clean_page(body, protect=None) -> None:
    """Remove non-content markup in place. `protect` is an element (e.g. the
    itemprop=articleBody block) that must survive with its ancestors."""
    protected = set()
    if protect is not None:
        protected.update(protect.iterancestors())
        protected.add(protect)
    lengths = text_lengths(body)
    total = max(lengths.get(body, 0), 1)
    drop: list = []
    unwraps: list = []
    dropped: set = set()
    for el in body.iter():
        tag = el.tag
        if not isinstance(tag, str):
            drop.append(el)
            continue
        parent = el.getparent()
        if parent in dropped:
            dropped.add(el)
            continue
        if el in protected:
            continue
        reason = False
        if tag in DROP_TAGS:
            reason = True
        elif tag == "noscript":
            unwraps.append(el)
            continue
        elif tag == "form":
            # ASP.NET pages wrap everything in one form: keep big forms' content.
            if lengths.get(el, 0) > 0.3 * total:
                unwraps.append(el)
            else:
                reason = True
        elif _is_hidden(el):
            reason = True
        elif (el.get("role") or "") in _ROLE_DROP:
            reason = True
        else:
            key = attrs_key(el)
            if key and tag not in _PROTECTED and vocab.NEGATIVE.search(key):
                share = lengths.get(el, 0) / total
                if vocab.STRONG_NEGATIVE.search(key):
                    reason = share < 0.6 or not vocab.POSITIVE.search(key)
                elif not vocab.POSITIVE.search(key):
                    reason = share < 0.6
        if reason:
            drop.append(el)
            dropped.add(el)
    for el in unwraps:
        if el.getparent() is not None and el not in dropped:
            if el.tag == "noscript":
                if not _noscript(el):
                    drop_tree(el)
            else:
                unwrap(el)
    for el in drop:
        if el.getparent() is not None:
            drop_tree(el)
