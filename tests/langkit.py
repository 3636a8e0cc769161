"""An archive of articles in Russian, Arabic and Chinese, as the readers of
issue 11 have them: one Russian story edited after it was first captured (two
versions), one Russian story that gives no publication date, and pages with
what breaks phones (a long URL, a wide table, a long unbroken word)."""

from __future__ import annotations

from pathlib import Path

from bundleutil import asset, sample_png
from conftest import open_archive
from mirror.model import NewVersion

RU_V1 = ("Журналисты сообщили о задержании трёх человек в центре города.\n\n"
         "Полиция не комментирует происходящее.\n\nМестные жители говорят о десятках машин.\n\n"
         "Редакция продолжает следить за событиями.")
RU_V2 = ("Журналисты сообщили о задержании пяти человек в центре города.\n\n"
         "Полиция не комментирует происходящее.\n\nМестные жители говорят о десятках машин.\n\n"
         "Редакция продолжает следить за событиями.\n\nОбновление: адвокаты не допущены к задержанным.")
AR_TEXT = "قال الصحفيون إن الاجتماع انتهى دون اتفاق.\n\nوأضافوا أن المفاوضات ستستأنف الأسبوع المقبل."
ZH_TEXT = "记者在北京报道了这次会议。\n\n会议讨论了商标权问题，没有达成协议。"
LONG_URL = "https://example.org/" + "very-long-path-segment-" * 12
WIDE = "<table><tr>" + "".join(f"<td>колонка-{i}</td>" for i in range(14)) + "</tr></table>"


def _html(text: str, pic, extra: str = "") -> str:
    paras = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    return (paras + f'<figure><img src="assets/{pic[0].name}" alt=""><figcaption>{LONG_URL}</figcaption></figure>'
            + f"<p>{'Антидисэстаблишментарианизм' * 3}</p>" + extra)


def version(key: str, *, title: str, text: str, lang: str, site: str, published: str | None,
            captured: str, seed: int, extra: str = "") -> NewVersion:
    pic = asset(sample_png(seed), "png", "image/png")
    return NewVersion(url=f"https://{key}.example.org/story", title=title, byline=None, published=published,
                      modified=None, lang=lang, site_name=site, text=text, html=_html(text, pic, extra),
                      captured=captured, lead_image=None, assets=[pic])


RU1 = dict(key="ru", title="Задержаны три человека", text=RU_V1, lang="ru", site="Новая газета",
           published="2026-03-02T09:00:00+03:00", captured="2026-03-02T10:00:00Z", seed=1, extra=WIDE)
RU2 = dict(RU1, title="Задержаны пять человек", text=RU_V2, captured="2026-03-03T08:00:00Z")
AR = dict(key="ar", title="الصحفيون: الاجتماع انتهى دون اتفاق", text=AR_TEXT, lang="ar", site="الصحيفة",
          published="2026-03-01T12:00:00+03:00", captured="2026-03-01T13:00:00Z", seed=2)
ZH = dict(key="zh", title="记者在北京报道会议", text=ZH_TEXT, lang="zh", site="新闻网",
          published="2026-03-03T07:00:00+08:00", captured="2026-03-03T09:00:00Z", seed=3,
          extra='<p>更多见<a href="https://zh.example.org/other">相关报道</a>。</p>')
UNDATED = dict(key="undated", title="Без даты", text="Текст без даты публикации.", lang="ru", site="Новая газета",
               published=None, captured="2026-03-05T09:00:00Z", seed=4)


def make_lang_archive(path: Path) -> dict[str, str]:
    """The archive; returns {key: article id}."""
    out = {}
    with open_archive(path) as ar:
        for spec in (RU1, RU2, AR, ZH, UNDATED):
            spec = dict(spec)
            key = spec.pop("key")
            out[key] = ar.save(version(key, **spec)).id
    return out
