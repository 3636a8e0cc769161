"""Word lists that say "boilerplate" or "content" in class names, ids and
short texts, in several languages. General vocabulary only: nothing here
names a site."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from lxml import etree

# class/id fragments of blocks that are never the article body.
_NEG = [
    r"comment", r"disqus", r"replies", r"respond(?![a-z])", r"discussion", r"kommentar", r"komentar",
    r"comentario", r"commenti", r"koment",
    r"cookie", r"consent", r"gdpr", r"cmp-", r"privacy-",
    r"newsletter", r"subscri", r"signup", r"sign-up", r"register", r"login",
    r"inscreva", r"assine", r"abonn",
    r"share", r"sharing", r"social", r"sociais", r"compartilh", r"partilh", r"teilen",
    r"condividi", r"follow-us", r"followus",
    r"related", r"relacionad", r"correlat", r"verwandt", r"terkait", r"similar", r"recommend",
    r"read-?more", r"readmore", r"more-stories", r"more-news", r"more-from", r"also-read",
    r"leia-tambem", r"veja-tambem", r"leggi-anche", r"baca-juga", r"see-also",
    r"trending", r"popular", r"most-read", r"mostread", r"top-stories", r"editors-pick",
    r"outbrain", r"taboola", r"zergnet", r"revcontent", r"mgid", r"sponsor", r"promo",
    r"advert", r"adslot", r"ad-slot", r"ad-container", r"ad-wrap", r"adwrap", r"adunit",
    r"ad-unit", r"dfp", r"gpt-ad", r"google-ad", r"adsense", r"anuncio", r"publicidad",
    r"publicidade", r"werbung", r"anzeige", r"pubblicit", r"iklan", r"reklam", r"banner",
    r"breadcrumb", r"sidebar", r"side-bar", r"rail(?![a-z])", r"widget", r"footer", r"masthead",
    r"navbar", r"navigation", r"nav(?![a-z])", r"menu", r"toolbar", r"skip-link", r"pagination",
    r"pager", r"tags(?![a-z])", r"tag(?![a-z0-9_-])", r"tag-list", r"tag-cloud", r"taglist", r"tags-", r"keywords", r"topics-list",
    r"author-bio", r"authorbio", r"author-info", r"about-author", r"author-box", r"bio-box",
    r"kicker", r"eyebrow", r"overline", r"dachzeile", r"topline", r"roofline",
    r"standfirst", r"dek(?![a-z])", r"summary",
    r"teaser", r"excerpt", r"sommario", r"chapo(?![a-z])", r"chapeau", r"chapeu", r"entradilla",
    r"occhiello", r"vorspann", r"support-us", r"supportus",
    r"byline", r"author(?![a-z])", r"autor(?![a-z])", r"dateline", r"timestamp", r"post-meta", r"entry-meta", r"article-meta",
    r"entry-utility", r"postmetadata",
    r"meta-info", r"print-only", r"modal", r"popup", r"overlay", r"tooltip", r"lightbox",
    r"visually-hidden", r"sr-only", r"screen-reader", r"offscreen", r"jump-link",
    r"rating", r"vote", r"poll(?![a-z])", r"donate", r"donation", r"app-promo", r"download-app",
    r"podcast-promo", r"inline-cta", r"cta(?![a-z])", r"call-to-action", r"signup-form",
    r"skyscraper", r"leaderboard", r"mpu(?![a-z])", r"ads?(?![a-z0-9])", r"native-ad", r"partner", r"affiliate-disclosure",
    r"recirc", r"recirculation", r"newsfeed", r"feed-", r"rss", r"print(?![a-z])", r"email-",
    r"toc(?![a-z])", r"table-of-contents", r"jump-to", r"video-player", r"player", r"playlist",
]
_B = r"(?<![a-z0-9])(?:"
NEGATIVE = re.compile(_B + "|".join(_NEG) + ")")

POSITIVE = re.compile(
    _B + r"article|body|content|entry|hentry|h-entry|main|post|text|blog|story|materia|artigo|"
    r"noticia|texto|artikel|inhalt|articolo|testo|berita|detail|news-?text|prose|rich-?text)")

# Where a paywall sits: the subscription prompt, or the gated rest of the
# story (present in the page, hidden by script). Furniture only when short.
GATE = re.compile(_B + r"paywall|pay-wall|regwall|piano|metered|premium-content-gate)")

# Embedded posts (tweets, Instagram) quoted by the story: never furniture,
# even inside a "social" wrapper.
EMBED = re.compile(_B + r"embed|twitter-tweet|instagram-media|tiktok-embed|fb-post)")

_CAMEL = re.compile(r"([a-z0-9])([A-Z])")


# Pages repeat a few class names on many elements (and sites share them):
# the spelling and the word-list verdicts of each key are worked out once.
_KEY_CACHE = 16384


@lru_cache(maxsize=_KEY_CACHE)
def key_of_class(cls: str) -> str:
    """A class (or id) value as key_of spells it."""
    return _CAMEL.sub(r"\1-\2", cls).lower()


def _finds(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    """Does a key (key_of) hold a word of `pattern`? (Cached per key.)"""

    @lru_cache(maxsize=_KEY_CACHE)
    def finds(key: str) -> bool:
        return pattern.search(key) is not None

    return finds


negative = _finds(NEGATIVE)  # names furniture
positive = _finds(POSITIVE)  # names content
gate = _finds(GATE)  # names a paywall
embed = _finds(EMBED)  # names an embedded post


def key_of(el: etree._Element) -> str:
    """Class and id of an element, camelCase split and lower-cased, so that
    vocabulary words match at word starts only ("pageRow" is not "pager")."""
    c = el.get("class")
    i = el.get("id")
    k: str | None
    if c and i:
        k = f"{c} {i}"
    else:
        k = c or i
        if not k:
            return ""
    return key_of_class(k)

# Whole short texts that are furniture: labels and buttons (English,
# Portuguese, Spanish, German, Italian, Russian, Indonesian, French). Matched
# against the entire block, so "Share prices fell" is not a share button.
_LABELS = (
    r"advertisement|advertising|sponsored(?: content)?|ad|ads|anzeige|werbung|publicidade|"
    r"publicidad|pubblicità|publicité|реклама|iklan|"
    r"share(?: this)?(?: article| story| post| page)?|share on \w+|tweet|pin it|e-?mail|print|"
    r"compartilhe|compartilhar|teilen|condividi|partager|поделиться|"
    r"read more|read next|read also|see also|more|related(?: articles| stories| content)?|"
    r"more on this(?: story| topic)?|recommended(?: for you)?|you may also like|you might also like|"
    r"leia (?:também|mais)|veja (?:também|mais)|saiba mais|lesen sie auch|mehr zum thema|"
    r"leggi anche|baca juga|читайте также|смотрите также|по теме|"
    r"comments?|\d+ comments?|leave a comment|kommentare?|comentários?|комментари\w*|"
    r"skip to \w+(?: \w+)?|back to top|loading|close|menu|"
    r"don'?t miss|must read|most popular|most read|trending(?: now)?|"
    r"(?:image|photo|picture|slide|foto|bild|immagine)\s+\d+\s+(?:of|de|von|di|из|/)\s+\d+|"
    # article tools and ad-slot notices written as plain text
    r"listen to (?:this )?(?:article|story)(?:\s*[·•|–-]?\s*[\d:]+\s*(?:min(?:utes?|s)?)?)?|"
    r"(?:save|gift|bookmark)(?: this)? (?:article|story)|reuse this content|copy link|"
    r"print(?: this)? (?:page|article|story)|font size|like this|ad feedback|skip advertisement|"
    r"supported by|comments are closed|recommended stories|"
    r"(?:advertisement\s*[-–—]\s*)?scroll to continue(?: with content)?|"
    r"(?:story|article) continues (?:below|after)(?: this)?(?: advertisement| ad)?|"
    r"continue reading (?:below|after the ad(?:vertisement)?)|"
    r"already a subscriber\??\s*(?:log|sign) in")
# Prompts that start a short block whatever follows them.
_PROMPTS = (
    r"sign up (?:for|to|now)|subscribe (?:to|for|now|today)|follow us|join us|click here|"
    r"photo:|image:|foto:|фото:|(?:all )?rights reserved|©|"
    r"reading time|read time|tempo de leitura|tempo di lettura|lesezeit|lesedauer|время чтения|"
    r"temps de lecture|tiempo de lectura|waktu baca|\d+\s*min(?:ute)?s?\.?\s+(?:read|de leitura)|"
    r"(?:have|got) a (?:news )?(?:tip|story)\?|(?:do you agree|what do you think)\?\s*(?:write|email|tell|let)|contact (?:the )?(?:author|writer|reporter)\b|"
    # taxonomy lines and credits
    r"(?:posted|filed) (?:in|under)\s*:|(?:topics|tags|tagged|categories|category|schlagwörter|"
    r"themen|temas|argomenti|метки|теги)\s*:|click to share|"
    r"credit:|\(?(?:photo|picture|image)(?:graph)? (?:by|courtesy)\b|join our \w+ (?:channel|group)")
BOILER_TEXT = re.compile(
    r"^\s*(?:(?:" + _LABELS + r")\s*[:.!…»›>|]*\s*(?:\(?\d+\)?)?\s*$|(?:" + _PROMPTS + r").{0,80}$)",
    re.I)

# Newsletter prompts, anywhere in a short block.
NEWSLETTER = re.compile(
    r"\bnewsletter\b.{0,80}\b(?:sign|subscri|inbox)|\b(?:sign up|subscribe)\b.{0,60}\bnewsletter|"
    r"(?:in|to) your inbox|\b(?:sign up|subscribe)\b.{0,40}\b(?:briefing|digest|bulletin|email alerts)\b|\b(?:assine|inscreva-se)\b.{0,40}\bnewsletter|newsletter abonnieren|"
    r"iscriviti alla newsletter|подпишитесь на (?:нашу )?рассылку",
    re.I)
# The notice that closes blog-feed copies of a post: "The post … appeared
# first on …". (Copyright lines are not here: agency copy keeps them as part
# of the story.) Checked on short blocks.
END_NOTICE = re.compile(
    r"^\s*the post .+ appeared first on .+$", re.I)

# Social follow prompts (checked near the end of a story only).
FOLLOW = re.compile(
    r"\bfollow (?:us|me|him|her|them|@?[\w.]+(?: [\w.]+){0,2}) on (?:twitter|facebook|instagram|"
    r"linkedin|youtube|telegram|tiktok|x\b)|^have a (?:news )?tip\?|"
    r"подписывайтесь на наш|подпишитесь на наш|siga-nos|folgen sie uns|seguici su",
    re.I)


# "READ MORE: <link>", "Leia também: <link>": a label, a colon, then a headline.
LINK_LABEL = re.compile(
    r"^\s*(?:read|see|watch|listen|related|more|also|click|leia|veja|confira|lesen|mehr|"
    r"leggi|guarda|baca|lihat|читайте|смотрите|lire|voir)\b[^:]{0,25}:", re.I)


# Headings that open the comment section: everything after them is comments.
COMMENTS_HEADING = re.compile(
    r"^\s*(?:\d+\s+)?(?:comments?|reader comments|leave a (?:reply|comment)|join the discussion|"
    r"join the conversation|have your say|your views|what do you think\??|reader responses|"
    r"kommentare?|comentários?|comentarios?|commenti|komentar|"
    r"комментари[иейя]\w*|отзывы|commentaires?)(?:\s*\(?\d+\)?)?\s*:?\s*$"
    # WordPress themes: "3 thoughts on “Title”", "12 Responses to Title"
    r"|^\s*(?:one|\d+) (?:thoughts? on|responses? to)\s+\S", re.I)

# Headings that open a list of other stories.
RELATED_HEADING = re.compile(
    r"^\s*(?:related(?: articles| stories| posts| content| news| coverage)?|more stories|"
    r"more from [\w ]{1,30}|recommended(?: for you)?|you (?:may|might) also like|read more|"
    r"read next|most (?:read|popular|viewed)|trending(?: now)?|also read|see also|"
    r"leia (?:também|mais)|veja (?:também|mais)|notícias relacionadas|mais lidas|"
    r"lesen sie auch|mehr zum thema|das könnte sie auch interessieren|leggi anche|"
    r"articoli correlati|baca juga|berita terkait|читайте также|по теме|похожие (?:статьи|новости)|"
    r"à lire aussi|lire aussi|sur le même sujet)\s*[:.…]*\s*$", re.I)


# Short texts repeat (a list item and its only link) and most are plain
# story lines: each verdict is cached, and an ASCII text holding none of the
# words every match of a pattern must contain is refused without running it.
_TEXT_CACHE = 8192


def _screened(pattern: re.Pattern[str], needles: tuple[str, ...], screen_all: bool = False
              ) -> Callable[[str], bool]:
    """`pattern.search(text)` as a bool. `needles` (lower case) are the words
    of which every match contains one, as written in the pattern: for an ASCII
    text the IGNORECASE match is a plain lower-case one, so a text without any
    of them cannot match. With `screen_all`, other texts are screened too, by
    the needles as an IGNORECASE pattern (the same case rules as the pattern's;
    faster than the pattern on such texts only for some patterns). Keep the
    needles in step with the pattern."""
    any_needle = re.compile("|".join(map(re.escape, needles)), re.I)

    @lru_cache(maxsize=_TEXT_CACHE)
    def found(text: str) -> bool:
        if text.isascii():
            low = text.lower()
            if not any(n in low for n in needles):
                return False
        elif screen_all and not any_needle.search(text):
            return False
        return pattern.search(text) is not None
    return found


newsletter = _screened(NEWSLETTER, ("newsletter", "your inbox", "sign up", "subscribe", "подпишитесь"),
                       screen_all=True)
follow = _screened(FOLLOW, ("follow ", "have a ", "siga-nos", "folgen sie uns", "seguici su",
                            "подписывайтесь на наш", "подпишитесь на наш"))


@lru_cache(maxsize=_TEXT_CACHE)
def boiler_text(text: str) -> bool:
    """Is the whole text a label or a prompt (BOILER_TEXT)?"""
    return BOILER_TEXT.match(text) is not None
