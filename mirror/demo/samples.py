"""The catalogue of built-in sample pages: where the demo server serves each
one, how (exact Content-Type, so charset handling is exercised), and what a
correct archive must say about it. Tests read their expectations from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import PurePosixPath


@dataclass(frozen=True)
class Sample:
    host: str  # the outlet's (reserved, never resolvable) host name
    path: str
    files: tuple[str, ...]  # one file per edition, under pages/; the last one stays
    content_type: str  # sent as-is; the Russian page's charset is only here
    title: str
    lang: str  # primary language subtag
    byline: str
    images: tuple[str, ...]  # article images the archive must hold (lead, figures, lazy)
    boilerplate: tuple[str, ...]  # cookie banner, comment, newsletter, footer: never in the archive
    note: str  # what this page exercises

    @property
    def url(self) -> str:
        """Stable across runs, so the article id is too (ids derive from URLs)."""
        return f"http://{self.host}{self.path}"

    def file_for(self, edition: int) -> str:
        return self.files[min(edition, len(self.files)) - 1]


SAMPLES: tuple[Sample, ...] = (
    Sample(
        host="lakeside-courier.example",
        path="/2026/11/24/ferry-crossing-vote",
        files=("courier/ferry-v1.html", "courier/ferry-v2.html"),
        content_type="text/html; charset=utf-8",
        title="Port Alder votes to end its 94-year-old ferry crossing",
        lang="en",
        byline="Maren Holt",
        images=("courier-ferry.png", "courier-fares-chart.png", "courier-hall.png"),
        boilerplate=("214 partners", "Remember the names", "Morning Briefing", "Registered office"),
        note="English; a second edition a day later (update + correction) makes a new version",
    ),
    Sample(
        host="severny-vestnik.example",
        path="/news/2026/11/reka-ozerka",
        files=("vestnik/reka-ozerka.cp1251.html",),
        content_type="text/html; charset=windows-1251",
        title="Волонтёры нашли в Озёрке в шесть раз больше фенолов, чем допускает норма",
        lang="ru",
        byline="Ксения Лаптева",
        images=("vestnik-river.png", "vestnik-samples-chart.png"),
        boilerplate=("файлы cookie", "Двадцать лет живу", "Подпишитесь на рассылку",
                     "Свидетельство о регистрации"),
        note="Russian in windows-1251, charset only in the HTTP header; table layout",
    ),
    Sample(
        host="sawt-alwaha.example",
        path="/ar/2026/11/irrigation-cooperative",
        files=("waha/irrigation.html",),
        content_type="text/html; charset=utf-8",
        title="مزارعو عين الصفصاف يتقاسمون الماء بالتنقيط بعد أن جفّت الآبار",
        lang="ar",
        byline="ليلى الحسيني",
        images=("waha-fields.png", "waha-yield-chart.png"),
        boilerplate=("ملفات تعريف الارتباط", "بارك الله فيكم", "النشرة البريدية", "جميع الحقوق محفوظة"),
        note="Arabic, right to left, with a data table and a video embed",
    ),
    Sample(
        host="talbote.example",
        path="/lokales/2026-11-23/baeckerei-genossenschaft",
        files=("talbote/baeckerei.html",),
        content_type="text/html",
        title="Unterwaldbach rettet seine letzte Bäckerei – mit 312 Genossen",
        lang="de",
        byline="Jonas Reiter",
        images=("talbote-bakery.png", "talbote-shares-chart.png"),
        boilerplate=("187 Partner", "Roggenbrot", "Talbote am Morgen", "Amtsgericht"),
        note="German; charset only in <meta http-equiv>; consent wall and <picture>",
    ),
)

SITE_HOSTS = tuple(s.host for s in SAMPLES)


@dataclass(frozen=True)
class FeedFile:
    host: str
    path: str
    file: str
    content_type: str
    delivers: Sample  # the article the demo archives by following this feed
    redirect: str  # the feed links here (click tracking); it 301s to the article

    @property
    def url(self) -> str:
        return f"http://{self.host}{self.path}"


FEED = FeedFile("talbote.example", "/feeds/lokales.atom", "talbote/lokales.atom",
                "application/atom+xml; charset=utf-8", SAMPLES[3], "/go/lokales-8812")

# Third-party hosts the sample pages point at. All under .invalid (RFC 2606),
# so they can never resolve; the archive must not mention them.
FOREIGN_HOSTS = ("tracker.invalid", "fonts.cdn.invalid", "ads.adnet.invalid", "counter.tracker.invalid",
                 "stats.tracker.invalid", "newsletter.tracker.invalid", "comments.widget.invalid",
                 "video.invalid", "social.invalid", "cmp.consent.invalid", "img.cdn.invalid")


def read_page(name: str) -> bytes:
    """Bytes of a file under pages/, from the installed package (wheel or editable)."""
    parts = PurePosixPath(name).parts
    if not parts or ".." in parts or PurePosixPath(name).is_absolute():
        raise ValueError(f"bad page name {name!r}")
    node = resources.files("mirror.demo").joinpath("pages", *parts)
    return node.read_bytes()
