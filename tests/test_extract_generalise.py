"""General mechanisms that keep extraction right on sites nobody tuned it
for (issue 10), each shown on a small synthetic page that fails without it."""

from __future__ import annotations

import pytest

from extractkit import PARAGRAPHS, body_html
from mirror.errors import ExtractionError
from mirror.extract import extract

URL = "https://gazette.example/story"
ARTICLE_TEXT = "\n\n".join(PARAGRAPHS)


def wrap(body: str, head: str = "", title: str = "Bridge vote") -> str:
    return f"<html><head><title>{title}</title>{head}</head><body>{body}</body></html>"


def test_a_post_of_lists_and_headings_beats_one_long_comment_beside_it():
    # The post has no <p>: its prose is in list items. A single long comment
    # holds the page's biggest run of paragraph prose, but it is a sliver of
    # the text beside the post, so the score pick stands.
    items = "".join(f"<h3>Item {i}</h3><ul><li>{p}</li><li>{p}</li></ul>"
                    for i, p in enumerate(PARAGRAPHS))
    comment = ("<ol class='thread'><li class='c'><div class='c-body'><p>" + PARAGRAPHS[0] * 2
               + "</p></div></li></ol>")
    intro = "<p>Five things the council decided this week, from the bridge to the market.</p>"
    html = wrap(f"<main><article class='post'><div class='entry-content'>{intro}{items}</div>"
                f"</article>{comment}</main>")
    text = extract(html, URL).text
    assert text.startswith("Five things the council decided")
    assert "Item 4" in text


def test_a_story_cut_into_repeated_step_sections_keeps_every_section():
    steps = "".join(f"<div class='mod step'><div class='step-inner'><div class='{cls}'><p>{p}</p>"
                    f"</div></div></div>"
                    for cls, p in zip(["content lead"] + ["content"] * 4, PARAGRAPHS))
    html = wrap(f"<article>{steps}</article><div class='more'><a href='/x'>More how-tos</a></div>")
    assert extract(html, URL).text == ARTICLE_TEXT


def test_a_page_of_short_lines_straight_in_body_is_returned_whole():
    # No block is long enough to score: the cleaned page is the second opinion.
    html = wrap("<div><p>Shop closed today.</p><p>Back on Monday.</p></div>")
    assert extract(html, URL).text == "Shop closed today.\n\nBack on Monday."


def test_a_page_that_is_only_links_is_still_no_article():
    links = "".join(f'<a href="/s{i}">Story number {i}</a> ' for i in range(8))
    with pytest.raises(ExtractionError):
        extract(wrap(f"<div>{links}</div>"), URL)


TEASERS = [
    ("Flood defences to be reviewed after record winter rain",
     "The regional agency will publish its review of the valley's flood defences in the "
     "spring, after a winter in which the river burst its banks three times, flooding homes."),
    ("Market traders fear for summer trade as roadworks loom",
     "Stallholders on the square say the diversion of lorries through the market will keep "
     "customers away during the busiest months of the year, and they want compensation."),
    ("Mayor defends the budget in a stormy council meeting",
     "The mayor said the new budget, which cuts library hours and raises parking charges, "
     "was the only way to pay for repairs, while the opposition called it a betrayal."),
    ("School roof to be replaced over the summer holidays",
     "Pupils at the primary school on Mill Lane will return in September to a new roof, "
     "after years of leaks that closed two classrooms every winter, the council confirmed."),
    ("Bus timetable changes from next month, operator says",
     "Evening services on the eastern routes will run every thirty minutes instead of every "
     "hour, the operator said, after a petition signed by more than two thousand residents."),
]


def test_a_stream_of_teasers_is_never_the_article():
    # Five other stories' linked headlines and snippets carry more commas and
    # words than the short story itself: the stream scores higher, yet a run
    # of teasers is never an article.
    story = "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:2])
    stream = "".join(f"<li class='item'><h3><a href='/s{i}'>{h}</a></h3><p>{t}</p></li>"
                     for i, (h, t) in enumerate(TEASERS * 3))
    html = wrap(f"<div class='page'><section><div class='x'>{story}</div></section>"
                f"<div class='feed'><ul>{stream}</ul></div></div>")
    text = extract(html, URL).text
    assert text == "\n\n".join(PARAGRAPHS[:2])



def _section(title: str, inner: str) -> str:
    return f"<div class='section' id='{title.lower().replace(' ', '-')}'><h2>{title}</h2>{inner}</div>"


def test_a_section_whose_id_is_its_headings_anchor_is_judged_by_the_heading():
    # Documentation generators derive ids from headings: "sharing-..." names
    # the topic, not a share bar. A comments section anchored the same way is
    # still furniture, because its heading says so.
    intro = "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:3])
    doc = _section("Working together", intro + _section(
        "Sharing changes with a single developer", f"<p>{PARAGRAPHS[3]}</p>")
        + _section("Comments", f"<p>{PARAGRAPHS[4]}</p>"))
    text = extract(wrap(f"<div class='document'>{doc}</div>"), URL).text
    assert "Sharing changes with a single developer" in text and PARAGRAPHS[3] in text
    assert "Comments" not in text and PARAGRAPHS[4] not in text


ZH_LINES = [
    "河畔小鎮的議會週二晚上投票決定重建舊石橋結束了爭論",
    "這場爭論已經讓小鎮分裂了三年多的時間居民都很疲倦",
    "工程師在會議上表示中央拱橋的強度已經下降了三分之一",
    "重型卡車在工程完成之前必須改道經過市場廣場才能通行",
    "希望在下游建新橋的居民對結果感到失望但也接受了決定",
    "不過他們歡迎沿著東岸修建公共步道的承諾並表示感謝",
    "這項工程預計花費大約四百萬歐元的經費由基金來支付",
    "工程將在春天河水水位下降之後正式開始預計一年完成",
]
ZH_COMMENT = ("我每天都走過那座橋已經走了四十年了。很高興終於有人願意聽聽真正住在這裡的居民的意見。"
              "議會這次做得很好。希望工程順利完成。")


def test_short_lines_of_a_cjk_script_are_prose():
    # Twenty-five characters of Chinese say what sixty Latin ones do: the
    # story's lines are its prose (not only its one long paragraph), so one
    # long reader comment below does not pass for the page's main prose.
    lines = [ZH_LINES[0] + ZH_LINES[1]] + ZH_LINES[2:]
    story = "".join(f"<p>{ln}</p>" for ln in lines)
    comment = f"<div class='reply'><p>{ZH_COMMENT * 3}</p></div>"
    html = wrap(f"<div id='main'><div class='article'><div class='inner'>{story}</div></div>"
                f"<div id='comment-box'><h3>留言</h3>{comment}</div></div>", title="舊石橋")
    assert extract(html, URL).text == "\n\n".join(lines)


def test_text_inside_a_link_that_goes_nowhere_is_text_not_links():
    # Scripts make boxes clickable with href="javascript:void(0)": such a link
    # leads nowhere, so the short page it wraps is not a link list.
    html = wrap("<a href='javascript:void(0)'><p>Shop closed today.</p><p>Back on Monday.</p>"
                "</a>")
    assert extract(html, URL).text == "Shop closed today.\n\nBack on Monday."


def test_a_script_button_still_counts_as_a_link():
    # A link whose script does something (go back, open a share window) is a
    # button: a row of them is furniture, not text.
    buttons = ("<div class='tools'><a href='javascript:history.back()'>Back to the list of all "
               "council news stories</a> <a href='javascript:void(0)' onclick='share()'>Share "
               "this story with your friends on every network</a></div>")
    html = wrap(f"<div class='story'>{body_html()}{buttons}</div>")
    assert extract(html, URL).text == ARTICLE_TEXT


def test_a_long_data_table_keeps_the_story_around_it():
    # Twenty rows of descriptions score more than the two paragraphs that
    # introduce them; the table is a part of the story, not the story.
    rows = "".join(f"<tr><td>Film {i}</td><td>{1950 + i}</td><td>A traveller, a machine, and a "
                   f"town that lives the same day over again, told in part {i}, with music.</td>"
                   f"</tr>" for i in range(20))
    intro = "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:2])
    html = wrap(f"<div class='page'><div class='text'>{intro}<table class='list'><tbody><tr><th>Title"
                f"</th><th>Year</th><th>About</th></tr>{rows}</tbody></table><p>{PARAGRAPHS[2]}</p>"
                f"</div></div>")
    text = extract(html, URL).text
    assert text.startswith(PARAGRAPHS[0]) and text.endswith(PARAGRAPHS[2])
    assert "Film 19" in text and "told in part 19" in text


def test_a_second_copy_of_the_story_in_the_same_block_goes():
    # The page renders the story twice (a print layout beside the screen
    # one, neither hidden in the markup): the copy is the same passage again.
    html = wrap(f"<article><div class='screen'>{body_html()}</div>"
                f"<div class='wide-layout'>{body_html()}</div></article>")
    assert extract(html, URL).text == ARTICLE_TEXT


def test_a_refrain_repeated_in_the_story_stays():
    chorus = "<p>And the river runs on, and the bridge stands still, over the water.</p>"
    verses = "".join(f"<p>{p}</p>{chorus}" for p in PARAGRAPHS)
    text = extract(wrap(f"<article>{verses}</article>"), URL).text
    assert text.count("And the river runs on") == len(PARAGRAPHS)


def test_a_formula_is_text_even_in_a_wrapper_whose_class_reads_as_a_menu():
    # Formula renderers wrap MathML in elements named for their context menus;
    # the formula is part of the sentence. A hidden copy of one still goes.
    formula = ("<span class='formula-box context-menu'><math><mi>energy</mi><mo>=</mo><mi>mass</mi>"
               "<mo>×</mo><msup><mi>lightspeed</mi><mn>2</mn></msup></math></span>")
    hidden = "<span style='display: none'><math><mi>shadowcopy</mi></math></span>"
    html = wrap(f"<article><p>{PARAGRAPHS[0]}</p><p>The law reads {formula} in short.{hidden}</p>"
                f"<p>{PARAGRAPHS[1]}</p><p>{PARAGRAPHS[2]}</p></article>")
    text = extract(html, URL).text
    assert "The law reads energy=mass×lightspeed2 in short." in text
    assert "shadowcopy" not in text


def test_a_block_the_page_hides_is_not_read_even_when_it_holds_more_prose():
    # The hidden block is longer than the visible story beside it (but not
    # nearly all of the page's prose, which a script would reveal).
    hidden = "".join(f"<p>Draft: {p}</p>" for p in PARAGRAPHS[:3])
    shown = "".join(f"<p>{p}</p>" for p in PARAGRAPHS[3:5])
    html = wrap(f"<article><h1>Bridge vote</h1><div style='visibility: hidden;'>{hidden}</div>"
                f"<div>{shown}</div></article>")
    text = extract(html, URL).text
    assert "Draft:" not in text
    assert PARAGRAPHS[3] in text and PARAGRAPHS[4] in text


def test_sections_nested_apart_but_scored_alike_come_back_together():
    # The first section sits straight in the article, the others each inside
    # their own wrappers (an ad slot between them): neither siblings nor the
    # same class, yet three blocks score close to the winner under one
    # ancestor, so that ancestor is the story (Readability's alternative
    # candidates).
    lead = f"<p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[3]}</p>"
    sections = [f"<div class='sect'><div class='inner'><div class='body lead'>{lead}</div></div></div>"]
    sections += [f"<span><span><div class='sect'><div class='inner'><div class='body'><p>{p}</p>"
                 f"</div></div></div></span></span><div class='slot'></div>"
                 for p in PARAGRAPHS[1:3] + PARAGRAPHS[4:]]
    html = wrap(f"<div class='col'><article>{''.join(sections)}</article></div>"
                "<div class='more'><a href='/x'>More how-tos</a></div>")
    text = extract(html, URL).text
    assert text == "\n\n".join([PARAGRAPHS[0], PARAGRAPHS[3], PARAGRAPHS[1], PARAGRAPHS[2],
                                  PARAGRAPHS[4]])


def test_comments_scored_like_the_story_do_not_lift_it_to_the_page():
    # Each comment opens with its author line: a reply, not a section of the
    # story, however close its score.
    story = f"<div class='story'><div class='text'><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p></div></div>"
    comments = "".join(f"<div class='reply'><div class='who'>Reader {i}, 2 days ago</div>"
                       f"<div class='said'><div class='text'><p>{p}</p></div></div></div>"
                       for i, p in enumerate(PARAGRAPHS[1:]))
    html = wrap(f"<div class='page'><div class='main'>{story}</div><div class='talk'>{comments}</div></div>")
    assert extract(html, URL).text == f"{PARAGRAPHS[0]}\n\n{PARAGRAPHS[1]}"


def test_an_h1_the_title_does_not_repeat_is_a_heading_of_the_text():
    # The headline the title repeats is metadata; other <h1>s are headings of
    # the text (documentation and essays outline with several <h1>s), even
    # the first one.
    body = (f"<article><h1>Council votes: bridge will be rebuilt</h1><p>{PARAGRAPHS[0]}</p>"
            f"<h1>What the engineers found</h1><p>{PARAGRAPHS[1]}</p>"
            f"<h1>Manual</h1><p>{PARAGRAPHS[2]}</p></article>")
    text = extract(wrap(body, title="Bridge will be rebuilt, council votes | Gazette"), URL).text
    assert text == "\n\n".join([PARAGRAPHS[0], "What the engineers found", PARAGRAPHS[1],
                                "Manual", PARAGRAPHS[2]])
    text = extract(wrap(body, title="Manual"), URL).text
    assert text == "\n\n".join(["Council votes: bridge will be rebuilt", PARAGRAPHS[0],
                                "What the engineers found", PARAGRAPHS[1], PARAGRAPHS[2]])


def test_a_parent_scoring_above_the_block_below_it_brings_in_the_story_beside():
    # The winner is a list two wrappers down; on the way up a wrapper scores
    # less, then the page's main block more than that: the main block holds
    # more of the story (a note before the list), and the list is still most
    # of its text (Readability's climb past the top candidate).
    items = "".join(f"<li>{p}</li>" for p in PARAGRAPHS[:4])
    note = (f"<div class='note'><h2>Before you start</h2><p>{PARAGRAPHS[4]}</p>"
            "<p>Keep the old route map: the new one comes in June.</p></div>")
    html = wrap(f"<main class='guide'>{note}<section class='more'><div class='box'>"
                f"<h2>What changes</h2><ul>{items}</ul></div></section></main>"
                "<div class='promo'><a href='/a'>Sign up</a></div>")
    assert extract(html, URL).text == "\n\n".join(
        ["Before you start", PARAGRAPHS[4], "Keep the old route map: the new one comes in June.",
         "What changes", *PARAGRAPHS[:4]])


def test_the_climb_stops_where_the_story_would_be_a_minority_of_the_text():
    # A column named as the main one holds the short story and a longer list
    # of other stories with snippets: it scores above the story's <article>,
    # but the story is no longer most of its text, so the story stays alone.
    story = (f"<article><h1>Bridge vote</h1><div class='date'>Tuesday 7 May 2024</div>"
             f"<div class='body'><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[3]}</p></div></article>")
    others = "".join(f"<li><a href='/n/{i}'>Another story from the valley, number {i}, with a long "
                     f"headline</a><p>{p[:110]}.</p></li>" for i, p in enumerate(PARAGRAPHS[1:]))
    html = wrap(f"<div class='main-col'>{story}<div class='latest'><h2>Latest</h2><ul>{others}</ul>"
                "</div></div>")
    assert extract(html, URL).text == f"{PARAGRAPHS[0]}\n\n{PARAGRAPHS[3]}"


def test_paragraphs_beside_the_lone_wrapper_of_the_winner_are_more_of_the_story():
    # The winner sits alone in a wrapper (a "read more" box); the story's
    # first paragraphs are the wrapper's siblings, not the winner's.
    rest = "".join(f"<p>{p}</p>" for p in PARAGRAPHS[2:])
    html = wrap(f"<div class='story'><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p><div class='rest'>"
                f"<div class='rest-text'>{rest}</div></div></div>"
                "<div class='more'><a href='/a'>More</a></div>")
    assert extract(html, URL).text == ARTICLE_TEXT


def test_a_sibling_scoring_on_its_class_words_alone_is_not_merged():
    # Beside the story's blocks, a header whose class reads as content holds
    # one short line: its score is the class bonus, not text.
    parts = "".join(f"<div class='article-text'><div class='block'><p>{p}</p></div></div>"
                    for p in PARAGRAPHS)
    html = wrap(f"<main><div class='article-header'><p>Around nine thousand homes are affected "
                f"by it.</p></div>{parts}</main>")
    assert extract(html, URL).text == ARTICLE_TEXT
