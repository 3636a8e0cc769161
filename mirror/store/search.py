"""What search sees of a text, and what a user's query means. Pure: no SQL.

Both sides go through the same `tokens()`, so a word typed finds the word
stored:
- folding: NFKC (full-width letters, half-width kana), case, the diacritics
  FTS5's `remove_diacritics` drops (on Latin, Greek, Cyrillic, and the
  harakat of Arabic and points of Hebrew: `ё`=`е`, `ї`=`і`, `é`=`e`), the
  Arabic tatweel; the marks of Indic scripts and kana stay (they are letters);
- stemming by the article's language with Snowball (`журналисты`, `журналист`
  -> `журналист`; `cats` -> `cat`). A language without a Snowball stemmer
  (Ukrainian, Kazakh, Belarusian, Chinese...) is indexed folded, unstemmed;
- Chinese, Japanese and Korean as overlapping bigrams (`北京记者` -> `北京`
  `京记` `记者`), plus each run's last character alone, so that every
  character starts some token and a one-character query is a prefix query.
  Bigrams rather than FTS5's trigram tokenizer: trigram cannot find a
  two-character word (`记者`, `北京`: most Chinese words), and it would make
  a second index beside the one for stemmed words.

The index stores the tokens as one space-separated string per column, and
FTS5's `ascii` tokenizer splits it on spaces only (every non-ASCII character
is a token character to it), so FTS5 never re-tokenizes our tokens.

The query language: words (AND by default), `pre*`, "a phrase", OR, NOT or
`-word`, parentheses. It becomes an FTS5 MATCH expression in which every
token is quoted: nothing a user types is FTS5 syntax (`NEAR`, `title:`, `^`
are words or separators, as anywhere in a text).
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:
    import snowballstemmer

from mirror.errors import UsageError

# A language's code (the article's `lang`, e.g. "ru", "en-GB") -> its Snowball stemmer.
STEMMERS = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
    "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
    "nn": "norwegian", "fa": "persian", "pl": "polish", "pt": "portuguese", "ro": "romanian",
    "ru": "russian", "sr": "serbian", "st": "sesotho", "es": "spanish", "sv": "swedish", "ta": "tamil",
    "tr": "turkish", "yi": "yiddish",
}


@functools.cache
def _available() -> frozenset[str]:
    """The stemmers there are. Imported on first use: `ls` and `show` need none,
    and the import is most of a command's start-up."""
    import snowballstemmer

    return frozenset(snowballstemmer.algorithms())


# Letters, digits and the combining marks of the scripts that have them inside words.
_MARKS = ("\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
          "\u0900-\u0dff\u0e31-\u0e3a\u0e47-\u0e4e\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\u3099\u309a\ufe20-\ufe2f")
_WORD = re.compile(f"(?:[^\\W_]|[{_MARKS}])+")
_CJK_CHARS = ("\u1100-\u11ff\u3005\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
              "\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f")
_CJK_FIRST = "\u1100"  # the lowest character of _CJK_CHARS


@functools.cache
def _cjk_run() -> re.Pattern[str]:
    """A run of CJK characters; compiled on first use (~5 ms: `ls` never needs it)."""
    return re.compile(f"[{_CJK_CHARS}]+")


def _has_cjk(text: str) -> bool:
    """Text below the first CJK character (Latin, Cyrillic, Arabic, Indic...)
    is told without the pattern, so a search in such text never compiles it."""
    return bool(text) and max(text) >= _CJK_FIRST and _cjk_run().search(text) is not None

_STRIP_BELOW = 0x0700  # marks on a base letter below this (Latin .. Arabic) are diacritics
_DROP = {0x0640: None}  # Arabic tatweel (elongation)


def stemmer_for(lang: str | None) -> str | None:
    """The Snowball algorithm for an article's language code, if there is one."""
    if not lang:
        return None
    name = STEMMERS.get(lang.strip().lower().replace("_", "-").split("-")[0])
    return name if name in _available() else None


# Words remembered by each of the caches below. Prose repeats a few tens of
# thousands of word forms per language; the rest (names, numbers) rarely come
# again. Measured on the dev corpus's 109 articles with a tail of rare words
# (3,000 texts): 2**15 hits 94.9% in 21 s and holds 23 MiB; 2**18 hits 95.1% in
# the same time but holds 8 times as much once full (up to ~180 MiB in a long
# import); 2**13 hits 76% and takes 3.4 times as long.
WORD_CACHE = 1 << 15


@functools.lru_cache(maxsize=WORD_CACHE)
def fold(word: str) -> str:
    """Case and diacritics folded, as the index stores a word before stemming."""
    s = unicodedata.normalize("NFKC", word).casefold().translate(_DROP)
    if s.isascii():
        return s
    out: list[str] = []
    base = 0
    for c in unicodedata.normalize("NFD", s):
        if unicodedata.combining(c):
            if base < _STRIP_BELOW:
                continue
        else:
            base = ord(c)
        out.append(c)
    return unicodedata.normalize("NFC", "".join(out))


@functools.lru_cache(maxsize=64)
def _stemmer(algorithm: str) -> snowballstemmer.Stemmer:
    import snowballstemmer

    return snowballstemmer.stemmer(algorithm)


@functools.lru_cache(maxsize=WORD_CACHE)
def _stem(algorithm: str | None, folded: str) -> str:
    if algorithm is None or folded.isdigit():
        return folded
    return _stemmer(algorithm).stemWord(folded)


def _cjk_tokens(run: str, last_alone: bool) -> list[str]:
    grams = [run[i:i + 2] for i in range(len(run) - 1)]
    if last_alone or len(run) == 1:
        grams.append(run[-1])
    return grams


@functools.lru_cache(maxsize=WORD_CACHE)
def _word_tokens(word: str, algorithm: str | None, last_alone: bool = True) -> tuple[str, ...]:
    """The index tokens of one word: stemmed, or split into CJK and other runs.
    Cached: a text repeats its words, and folding is a walk over every character."""
    folded = fold(word)
    if not _has_cjk(folded):
        return (_stem(algorithm, folded),)
    out: list[str] = []
    pos = 0
    for m in _cjk_run().finditer(folded):
        if m.start() > pos:
            out.append(_stem(algorithm, folded[pos:m.start()]))
        out.extend(_cjk_tokens(m.group(), last_alone or m.end() < len(folded)))
        pos = m.end()
    if pos < len(folded):
        out.append(_stem(algorithm, folded[pos:]))
    return tuple(out)


def words(text: str) -> Iterable[re.Match[str]]:
    """The words of a text, with their places in it (for snippets)."""
    return _WORD.finditer(_apostrophe(text))


def tokens(text: str, algorithm: str | None) -> list[str]:
    """Every index token of `text`, in order."""
    return [t for w in _WORD.findall(_apostrophe(text)) for t in _word_tokens(w, algorithm)]


def _apostrophe(text: str) -> str:
    """The Ukrainian apostrophe (a letter, U+02BC) separates words, as ' does."""
    return text.replace("\u02bc", "'")


def index_text(text: str | None, lang: str | None) -> str:
    """The column value the index stores for `text` in language `lang`."""
    return " ".join(tokens(text or "", stemmer_for(lang)))


# -- the query language --------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word, a hyphenated chunk or a quoted phrase: tokens that must be adjacent."""
    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Not:
    term: "Node"


@dataclass(frozen=True)
class And:
    parts: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    parts: tuple["Node", ...]


Node = Term | Not | And | Or

_LEX = re.compile(r'"([^"]*)"?|(\()|(\))|([^\s"()]+)')


class _Parser:
    """query := or; or := and ("OR" and)*; and := unary+; unary := ("NOT"|"-") atom | atom;
    atom := word | word* | "phrase" | "(" or ")". Lenient: an unclosed quote
    or parenthesis closes at the end, a stray ")" is ignored."""

    def __init__(self, query: str):
        self.items: list[tuple[str, str]] = []
        for m in _LEX.finditer(query):
            phrase, lp, rp, word = m.groups()
            if phrase is not None:
                self.items.append(("phrase", phrase))
            elif lp:
                self.items.append(("(", lp))
            elif rp:
                self.items.append((")", rp))
            elif word in ("OR", "AND", "NOT"):
                self.items.append((word, word))
            else:
                self.items.append(("word", word))
        self.i = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.items[self.i][0] if self.i < len(self.items) else None

    def take(self) -> tuple[str, str]:
        self.i += 1
        return self.items[self.i - 1]

    def parse(self) -> Node | None:
        node = self.or_()
        while self.i < len(self.items):  # a stray ")" at top level
            self.take()
            more = self.or_()
            node = _and([node, more])
        return node

    def or_(self) -> Node | None:
        parts = [self.and_()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.and_())
        kept = [p for p in parts if p is not None]
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else Or(tuple(kept))

    def and_(self) -> Node | None:
        parts: list[Node | None] = []
        while (kind := self.peek()) is not None and kind not in ("OR", ")"):
            if kind == "AND":
                self.take()
                continue
            parts.append(self.unary())
        return _and(parts)

    def unary(self) -> Node | None:
        kind, value = self.items[self.i]
        if kind == "NOT":
            self.take()
            if self.peek() in (None, "OR", ")"):
                return None  # a trailing NOT means nothing
            inner = self.unary()
            return Not(inner) if inner is not None else None
        if kind == "word" and value.startswith("-") and len(value) > 1:
            self.items[self.i] = ("word", value[1:])
            inner = self.unary()
            return Not(inner) if inner is not None else None
        return self.atom()

    def atom(self) -> Node | None:
        kind, value = self.take()
        if kind == "(":
            node = self.or_()
            if self.peek() == ")":
                self.take()
            return node
        if kind == "phrase":
            return Term(value) if any(words(value)) else None
        prefix = value.endswith("*")
        value = value.rstrip("*")
        return Term(value, prefix) if any(words(value)) else None


def _and(parts: Sequence[Node | None]) -> Node | None:
    kept = [p for p in parts if p is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else And(tuple(kept))


def parse(query: str) -> Node:
    """The query's tree; UsageError if it has nothing to search for."""
    node = parse_or_none(query)
    if node is None:
        raise UsageError(f"nothing to search for in {query.strip()!r}: give a word")
    return node


def parse_or_none(query: str) -> Node | None:
    return _Parser(query).parse()


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _term_expr(term: Term, algorithms: Sequence[str | None]) -> str:
    """One term as FTS5: its tokens in each language's stemming, OR-ed. A
    query has no language; the archive's languages say which stems to try."""
    variants: list[tuple[str, ...]] = []
    for alg in (None, *algorithms):
        toks: list[str] = []
        ws = [m.group() for m in words(term.text)]
        for k, w in enumerate(ws):
            if term.prefix and k == len(ws) - 1:
                folded = fold(w)  # a prefix is matched unstemmed and stemmed (`bridges*` -> bridg)
                toks.extend(_word_tokens(w, None if (alg is None or _has_cjk(folded)) else alg,
                                         last_alone=False))
            else:
                toks.extend(_word_tokens(w, alg, last_alone=k < len(ws) - 1))
        t = tuple(toks)
        if t and t not in variants:
            variants.append(t)
    phrases = []
    for t in variants:
        body = " + ".join(_quote(x) for x in t)
        # A lone CJK character ends a bigram wherever it is not a run's last: a prefix of one.
        lone = len(t[-1]) == 1 and _has_cjk(t[-1])
        phrases.append(body + (" *" if term.prefix or lone else ""))
    return phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")"


def to_fts(node: Node, algorithms: Sequence[str | None] = ()) -> str:
    """The FTS5 MATCH expression of a parsed query. UsageError for a query
    that only excludes (FTS5 has no "everything but")."""
    if isinstance(node, Term):
        return _term_expr(node, algorithms)
    if isinstance(node, Not):
        raise UsageError("a search cannot only exclude words: add a word to look for")
    if isinstance(node, Or):
        return "(" + " OR ".join(to_fts(p, algorithms) for p in node.parts) + ")"
    positives = [p for p in node.parts if not isinstance(p, Not)]
    negatives = [p.term for p in node.parts if isinstance(p, Not)]
    if not positives:
        raise UsageError("a search cannot only exclude words: add a word to look for")
    expr = "(" + " AND ".join(to_fts(p, algorithms) for p in positives) + ")"
    for n in negatives:
        expr = f"({expr} NOT {to_fts(n, algorithms)})"
    return expr


def positive_terms(node: Node) -> list[Term]:
    """The terms a match may show (not the excluded ones): what a snippet marks."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return []
    return [t for p in node.parts for t in positive_terms(p)]


# -- snippets ------------------------------------------------------------------

MARK = ("\ue000", "\ue001")  # private-use characters around a match: the printer decides how it looks
UNMARK = {ord(MARK[0]): None, ord(MARK[1]): None}  # removed from a text first: no article forges a mark


def _spans(text: str, terms: Sequence[Term], algorithm: str | None) -> list[tuple[int, int]]:
    """Where the terms match in `text`: whole words, or the substrings of a CJK run."""
    exact: set[str] = set()
    prefixes: list[str] = []
    cjk: set[str] = set()
    for t in terms:
        ws = [m.group() for m in words(t.text)]
        for alg in {None, algorithm}:
            for k, w in enumerate(ws):
                toks = _word_tokens(w, alg, last_alone=False)
                if t.prefix and k == len(ws) - 1:
                    prefixes.extend(toks[-1:])
                    exact.update(toks[:-1])
                else:
                    exact.update(toks)
        for w in ws:
            folded_w = fold(w)
            if _has_cjk(folded_w):
                cjk.update(m.group() for m in _cjk_run().finditer(folded_w))
    spans: list[tuple[int, int]] = []
    for m in words(text):
        w = m.group()
        folded = fold(w) if cjk else w  # folded only to find CJK runs in it
        if cjk and len(folded) == len(w) and _has_cjk(folded):
            for run in cjk:
                at = folded.find(run)
                while at >= 0:
                    spans.append((m.start() + at, m.start() + at + len(run)))
                    at = folded.find(run, at + len(run))
            continue
        if any(x in exact or any(x.startswith(p) for p in prefixes) for x in _word_tokens(w, algorithm)):
            spans.append((m.start(), m.end()))
    return sorted(set(spans))


def _densest(spans: list[tuple[int, int]], reach: int) -> tuple[int, int] | None:
    """The first span (of sorted `spans`) with the most spans starting within
    `reach` characters from its start (counted by bisection, not by pairs)."""
    starts = [a for a, _ in spans]
    best, most = None, 0
    for s in spans:
        n = bisect.bisect_left(starts, s[0] + reach) - bisect.bisect_left(starts, s[0])
        if n > most:
            best, most = s, n
    return best


def snippet(text: str, terms: Sequence[Term], algorithm: str | None, width: int = 200,
            mark: tuple[str, str] = ("[", "]")) -> str:
    """About `width` characters of `text` around its densest cluster of
    matches, each match between `mark`s; the text's start if none matches."""
    spans = _spans(text, terms, algorithm)
    best = _densest(spans, width // 2)
    start = 0 if best is None else max(0, best[0] - width // 4)
    if start > 0:  # begin at a word: the next space within a few characters, if any
        space = text.find(" ", start, best[0] if best else start)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", max(start, (best[1] if best else start)), end)
        end = space if space > 0 else end
    out: list[str] = []
    pos = start
    for a, b in spans:
        if a < pos or b > end:
            continue
        out.append(text[pos:a] + mark[0] + text[a:b] + mark[1])
        pos = b
    out.append(text[pos:end])
    body = " ".join("".join(out).split())
    return ("… " if start > 0 else "") + body + (" …" if end < len(text) else "")
