"""The pure side of search: folding, stemming, CJK bigrams, the query language."""

import pytest

from mirror.errors import UsageError
from mirror.store import search as s


def test_folding_case_diacritics_yo_and_full_width():
    assert s.fold("Ёлка") == s.fold("елка") == "елка"
    assert s.fold("Café") == "cafe"
    assert s.fold("Україна") == s.fold("україна")
    assert s.fold("їжак") == "іжак"
    assert s.fold("ＡＢＣ") == "abc"
    assert s.fold("مُحَمَّد") == "محمد"  # harakat dropped
    assert s.fold("が") == "が"  # kana marks are letters, not diacritics
    assert s.fold("नमस्ते") == "नमस्ते"


def test_stemming_by_language():
    assert s.index_text("журналисты", "ru") == s.index_text("журналист", "ru")
    assert s.index_text("cats", "en-GB") == s.index_text("cat", "en")
    assert s.index_text("cats", None) == "cats"  # no language, no stemming
    assert s.stemmer_for("uk") is None  # no Snowball stemmer: folded only


def test_cjk_bigrams_and_the_last_character():
    assert s.index_text("北京记者", "zh") == "北京 京记 记者 者"
    assert s.index_text("商標権", "ja").split() == ["商標", "標権", "権"]
    assert s.index_text("iPhone发布", "zh").split() == ["iphone", "发布", "布"]


def test_query_to_fts_quotes_every_token():
    expr = s.to_fts(s.parse('"a b" OR c* -d NEAR title:x ^y'), ["english"])
    assert "NEAR(" not in expr and "title:" not in expr and "^" not in expr
    assert '"a" + "b"' in expr and '"c" *' in expr and ' NOT ' in expr


@pytest.mark.parametrize("query", ['"', '(', ')', '*', '-', 'NOT', 'OR', '"" ()', '  '])
def test_queries_with_no_word_are_usage_errors(query):
    with pytest.raises(UsageError):
        s.to_fts(s.parse(query))


def test_only_excluding_is_a_usage_error():
    with pytest.raises(UsageError):
        s.to_fts(s.parse("-cats NOT dogs"))


def test_lenient_unclosed_quote_and_parenthesis():
    assert s.parse('"harbour strike') == s.Term("harbour strike")
    assert s.parse("(a OR b") == s.Or((s.Term("a"), s.Term("b")))


def test_snippet_marks_stemmed_and_cjk_matches():
    text = "Вчера задержали журналистов, писавших о ёлке. " + "Другое. " * 60
    snip = s.snippet(text, s.positive_terms(s.parse("журналист елка")), "russian")
    assert "[журналистов]" in snip and "[ёлке]" in snip
    assert s.snippet("新华社北京电，记者报道。", [s.Term("记者")], None) == "新华社北京电，[记者]报道。"
    far = "word " * 100 + "harbour strike"
    snip = s.snippet(far, [s.Term("harbour")], "english")
    assert snip.startswith("… ") and "[harbour]" in snip


@pytest.mark.parametrize("text", ["", "cafe", "Ёлка", "نمستے", "नमस्ते", "ẞ\u10ff", "\u1100", "a\u11ff",
                                  "“quoted” — text", "北京", "iPhone发布", "ｶﾀｶﾅ", "𠀀", "가나", "\u3005"])
def test_cjk_shortcut_agrees_with_the_pattern(text):
    """Text below the first CJK character skips the pattern (its compile is
    start-up a search of other scripts does not pay): same answer either way."""
    assert s._has_cjk(text) == (s._cjk_run().search(text) is not None)


def test_cjk_first_is_the_lowest_character_of_the_pattern():
    assert s._CJK_FIRST == min(s._CJK_CHARS.replace("-", ""))
