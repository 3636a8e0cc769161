"""Image sources in the page's tree: the one image rule (`mirror.imagerule`)
applied to lxml elements.

Every kept `<img>` ends with the rule's decision written on it (`src` and the
fallback candidates); pixels, trackers, icons, avatars and ad images are
dropped because they are not part of the story (and must never be requested).
"""

from __future__ import annotations

from lxml import etree

from mirror.imagerule import ImageChoice, choose, decided, raw_sources


def _picture_sources(img: etree._Element) -> list[str]:
    """The srcsets of the `<picture>` around `img`; the HTML parser may also nest
    the img inside the (void) `<source>`."""
    for anc in img.iterancestors():
        if anc.tag == "picture":
            return [s.get("srcset") or s.get("data-srcset") or "" for s in anc.iter("source")]
        if anc.tag not in ("source", "span", "div"):
            break
    return []


def best_src(img: etree._Element) -> str | None:
    """The first source the image names (placeholders skipped), before any judgement."""
    found = raw_sources(dict(img.attrib), _picture_sources(img))
    return found[0] if found else None


def choice_of(img: etree._Element, base: str | None) -> ImageChoice:
    return choose(dict(img.attrib), _picture_sources(img), base)


def resolve_image(img: etree._Element, base: str | None) -> str | None:
    """Write the rule's decision on `img` and return its URL, or None if the image should go."""
    choice = choice_of(img, base)
    if not choice.url:
        return None
    attrs = decided(dict(img.attrib), choice)
    img.attrib.clear()
    img.attrib.update(attrs)
    return choice.url
