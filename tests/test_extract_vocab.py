"""The cached and screened word-list checks say what their patterns say."""

from __future__ import annotations

import pytest

from mirror.extract import vocab

TEXTS = [
    "Sign up for our newsletter to get the news in your inbox",
    "Subscribe to the NEWSLETTER",
    "Delivered straight to your inbox every morning",
    "SIGN UP now for the morning briefing",
    "Subscribe today for email alerts",
    "Assine a nossa newsletter",
    "Newsletter abonnieren",
    "Iscriviti alla newsletter",
    "Подпишитесь на нашу рассылку",
    "Follow us on Twitter",
    "follow @jane.doe on Instagram",
    "Have a news tip? Email us",
    "Подписывайтесь на наш канал",
    "Siga-nos no Instagram",
    "Folgen Sie uns auf Facebook",
    "Seguici su Facebook",
    "The minister followed the debate on television.",
    "Prices fell sharply on Monday, the newsletter's editor said.",
    "Share", "Advertisement", "Read more »", "Photo: Jane Doe / Agency", "Comments (12)",
    "Café owners said the İstanbul newsletter was late",
    "ſign up for the Newſletter — İnbox weekly", "Подпишитесь на рассылку, друзья",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_screened_checks_agree_with_their_patterns(text: str) -> None:
    assert vocab.newsletter(text) == bool(vocab.NEWSLETTER.search(text))
    assert vocab.follow(text) == bool(vocab.FOLLOW.search(text))
    assert vocab.boiler_text(text) == bool(vocab.BOILER_TEXT.match(text))


@pytest.mark.parametrize("cls", ["share-bar", "articleBody", "post-content", "paywall", "twitter-tweet",
                                 "sidebarWidget", "main", ""])
def test_key_checks_agree_with_their_patterns(cls: str) -> None:
    key = vocab.key_of_class(cls)
    assert vocab.negative(key) == bool(vocab.NEGATIVE.search(key))
    assert vocab.positive(key) == bool(vocab.POSITIVE.search(key))
    assert vocab.gate(key) == bool(vocab.GATE.search(key))
    assert vocab.embed(key) == bool(vocab.EMBED.search(key))
