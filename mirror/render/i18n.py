"""The words on every page we write, in the reader's language.

The catalogues are gettext `.po` files under `mirror/locale/<lang>/LC_MESSAGES/`
(the template is `mirror/locale/mirror.pot`), the standard format translators
and their tools (Poedit, Weblate, `pybabel`) know. We ship only the `.po`
and compile it here with Babel when a page is first written: there is no
build step to forget (a fresh `pip install -e .` or a plain checkout works),
no `.mo` to drift from its `.po`, and compiling all of them takes a few
milliseconds. tests/test_i18n.py checks that every message in the code is in
every catalogue, translated, with the same placeholders.

A language tag maps to a catalogue by its primary subtag (`ru-RU` -> `ru`);
anything else gets English. Which language a page speaks is decided by its
callers: an article page its article's, an index or bundle the pack's
`--lang`, by default the most common language of its articles.
"""

from __future__ import annotations

import datetime
import gettext
import io
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Iterable

from mirror.render.page import clean_lang, direction, esc

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

DOMAIN = "mirror"
SUPPORTED = ("en", "ru", "uk", "kk", "be", "ar", "fa", "zh")
DEFAULT = "en"


def ui_lang(tag: str | None) -> str:
    """The catalogue for a BCP 47 tag: its primary subtag if we have it, else English."""
    code = (clean_lang(tag) or "").split("-")[0].lower()
    return code if code in SUPPORTED else DEFAULT


def most_common(tags: Iterable[str | None]) -> str:
    """The catalogue most articles map to (ties: the one first in SUPPORTED),
    used when a pack gives no --lang. Articles without a language do not vote."""
    votes = Counter(ui_lang(t) for t in tags if clean_lang(t))
    if not votes:
        return DEFAULT
    return max(votes, key=lambda c: (votes[c], -SUPPORTED.index(c)))


def choose(lang: str | None, tags: Iterable[str | None]) -> str:
    """`--lang` if given (it must be one we have), else the most common of `tags`."""
    if lang is None:
        return most_common(tags)
    code = (clean_lang(lang) or "").split("-")[0].lower()
    if code not in SUPPORTED:
        from mirror.errors import UsageError

        raise UsageError(f"--lang {lang!r}: pages can be written in {', '.join(SUPPORTED)}")
    return code


def po_path(code: str) -> Traversable:
    return resources.files("mirror").joinpath("locale", code, "LC_MESSAGES", f"{DOMAIN}.po")


@lru_cache(maxsize=None)
def translations(code: str) -> gettext.NullTranslations:
    """The compiled catalogue of `code` (English: the messages as written)."""
    if code == DEFAULT:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path(code).open("rb") as f:
        catalog = read_po(f, locale=code, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


@dataclass(frozen=True)
class Labels:
    """The fixed words of one page, in one language. `_` and `ngettext` are
    named as gettext's so that Babel's extractor finds every message."""

    lang: str

    @property
    def dir(self) -> str:
        return direction(self.lang)

    def _(self, message: str, **fields: object) -> str:
        text = translations(self.lang).gettext(message)
        return text.format(**fields) if fields else text

    def ngettext(self, singular: str, plural: str, n: int, **fields: object) -> str:
        return translations(self.lang).ngettext(singular, plural, n).format(n=n, **fields)

    def markup(self, message: str, **html_fields: str) -> str:
        """The translated message as HTML: its words escaped, each `{field}`
        replaced by the given HTML (already safe), in the translation's order."""
        import string

        out = []
        for literal, name, _spec, _conv in string.Formatter().parse(translations(self.lang).gettext(message)):
            out.append(esc(literal))
            if name is not None:
                out.append(html_fields[name])
        return "".join(out)

    def attrs(self) -> str:
        """`lang` and `dir` attributes for an element holding these words."""
        return f' lang="{esc(self.lang)}" dir="{self.dir}"'

    def date(self, iso: str | None) -> str:
        """A calendar day (the first 10 characters of an ISO date) in words
        of this language ("4 марта 2026 г.", "2026年3月4日"); the ISO form if
        it is not a real date."""
        day = (iso or "")[:10]
        try:
            d = datetime.date.fromisoformat(day)
        except ValueError:
            return day
        from babel.dates import format_date

        return format_date(d, format="long", locale=self.lang)


@lru_cache(maxsize=None)
def labels(tag: str | None) -> Labels:
    """The Labels for a language tag (see ui_lang)."""
    return Labels(ui_lang(tag))
