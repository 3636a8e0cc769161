"""The versions page of an article: every capture with its date, and what
changed from each to the next, as static HTML (`<del>`/`<ins>`, no script).

The comparison is difflib's, by paragraph and then, inside a changed
paragraph, by word (by character for scripts written without spaces:
Chinese, Japanese, Korean), so a changed number or name stands out.
Unchanged stretches are folded into one line that says how many paragraphs
they are.
"""

from __future__ import annotations

import difflib
import re

from mirror.model import StoredVersion
from mirror.render.i18n import Labels, labels
from mirror.render.nav import Nav, pager
from mirror.render.page import clean_lang, direction, esc, page

# A word, one CJK character, a run of spaces or one other character.
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]|\w+|\s+|[^\w\s]")
CONTEXT = 1  # unchanged paragraphs shown on each side of a change


def paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def _inline(old: str, new: str) -> str:
    """One paragraph's change, word by word."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(esc("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{esc(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{esc(''.join(b[j1:j2]))}</ins>")
    return "".join(out)


def _folded(n: int, L: Labels) -> str:
    text = L.ngettext("… {n} unchanged paragraph …", "… {n} unchanged paragraphs …", n)
    return f'<p class="same">{esc(text)}</p>'


def diff_html(old: str, new: str, L: Labels) -> str:
    """What changed between two texts (paragraphs split by blank lines)."""
    a, b = paragraphs(old), paragraphs(new)
    if a == b:
        same = L._("The text did not change.")
        return f'<p class="same">{esc(same)}</p>'
    out: list[str] = []
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for k, (op, i1, i2, j1, j2) in enumerate(ops):
        if op == "equal":
            keep_head = CONTEXT if k > 0 else 0
            keep_tail = CONTEXT if k < len(ops) - 1 else 0
            kept = a[i1:i2]
            if len(kept) <= keep_head + keep_tail + 1:
                out.extend(f"<p>{esc(p)}</p>" for p in kept)
                continue
            out.extend(f"<p>{esc(p)}</p>" for p in kept[:keep_head])
            out.append(_folded(len(kept) - keep_head - keep_tail, L))
            out.extend(f"<p>{esc(p)}</p>" for p in kept[len(kept) - keep_tail:])
        elif op == "replace" and i2 - i1 == j2 - j1:  # paragraphs edited in place
            out.extend(f'<p class="changed">{_inline(x, y)}</p>' for x, y in zip(a[i1:i2], b[j1:j2]))
        else:
            out.extend(f'<p class="removed"><del>{esc(p)}</del></p>' for p in a[i1:i2])
            out.extend(f'<p class="added"><ins>{esc(p)}</ins></p>' for p in b[j1:j2])
    return "\n".join(out)


def _text_attrs(lang: str | None) -> str:
    code = clean_lang(lang)
    return f' lang="{esc(code)}" dir="{direction(code)}"' if code else ' dir="auto"'


def versions_page(versions: list[StoredVersion], nav: Nav | None = None) -> str:
    """The page for `versions` in the order shown (oldest first, the current
    one last, as the bundle carries them). Its words are in the language of
    the current version."""
    cur = versions[-1]
    L = labels(cur.lang)
    title = cur.title or cur.url
    words = {"h1": L._("All versions"), "current": L._("(the current version)"),
             "first": L._("The first capture."), "title": L._("The title changed:"),
             "note": L._("Each capture is a copy of the page as it was that day. Below each one, what changed"
                         " from the one before: removed text is struck through, added text is underlined.")}
    body = [pager(nav, L, "top"), f'<h1>{esc(words["h1"])}</h1>',
            f'<p class="subject"{_text_attrs(cur.lang)}>{esc(title)}</p>',
            f'<p class="note">{esc(words["note"])}</p>',
            '<ol class="captures">']
    for i, v in enumerate(versions, 1):
        when = f'<time datetime="{esc(v.captured[:10])}"><bdi>{esc(L.date(v.captured))}</bdi></time>'
        label = L.markup("Version {n}, captured {date}", n=str(i), date=when)
        if i == len(versions):
            label += f' <span class="current">{esc(words["current"])}</span>'
        body.append(f'<li><a href="#v{i}">{label}</a></li>')
    body.append("</ol>")
    for i, v in enumerate(versions, 1):
        when = f'<time datetime="{esc(v.captured[:10])}"><bdi>{esc(L.date(v.captured))}</bdi></time>'
        body.append(f'<section class="version" id="v{i}">')
        heading = L.markup("Version {n}, captured {date}", n=str(i), date=when)
        body.append(f'<h2>{heading}</h2>')
        body.append(f'<p class="vtitle"{_text_attrs(v.lang)}>{esc(v.title or v.url)}</p>')
        if i == 1:
            body.append(f'<p class="same">{esc(words["first"])}</p>')
        else:
            prev = versions[i - 2]
            if (prev.title or "") != (v.title or ""):
                body.append(f'<p class="label">{esc(words["title"])}</p>')
                body.append(f'<p class="changed"{_text_attrs(v.lang)}>{_inline(prev.title or "", v.title or "")}</p>')
            body.append(f'<div class="diff"{_text_attrs(v.lang)}>\n{diff_html(prev.text, v.text, L)}\n</div>')
        body.append("</section>")
    body.append(pager(nav, L, "bottom"))
    return page(words["h1"] + " · " + title, "\n".join(x for x in body if x), L.lang)
