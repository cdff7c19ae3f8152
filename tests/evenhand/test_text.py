"""The text layer: markers, article bodies, sentences with offsets, P/R/F1."""

import pytest

from evenhand.corpus import Article
from evenhand.text import article_body, prf1, sentences, split_sentences, strip_markers


def test_strip_markers_puts_each_marker_on_a_line_break_and_collapses_white_space():
    assert strip_markers("TITLE=> Senate acts. ARTICLE=> It voted.") == "Senate acts.\nIt voted."
    assert strip_markers("TITLEAN=> A title ARTICLE=> Body") == "A title\nBody"
    assert strip_markers("no markers => here") == "no markers => here"
    assert strip_markers("TITLE=> A\u00a0 title\tnow ARTICLE=>   Body  text ") == "A title now\nBody text"


def test_article_body_puts_the_title_on_its_own_line():
    assert article_body(Article(text="Body.", title="Head")) == "Head\nBody."
    assert article_body(Article(text="Body.")) == "Body."


@pytest.mark.parametrize(
    "text, expected",
    [
        ('The U.S. said so. Mr. Smith left at 5 p.m. on Monday. "Yes," he said. Then Russia agreed! Next.',
         ["The U.S. said so.", "Mr. Smith left at 5 p.m. on Monday.", '"Yes," he said.', "Then Russia agreed!", "Next."]),
        ("Sen. Ron Wyden, D-Oregon, said it. The U.S. Senate voted. Donald J. Trump left! Next?\nNew line",
         ["Sen. Ron Wyden, D-Oregon, said it.", "The U.S. Senate voted.", "Donald J. Trump left!", "Next?", "New line"]),
        # A line break always ends a sentence, even without punctuation: a title never joins the body.
        ("Pact signed in Pyongyang\nThe two leaders met. They signed it.",
         ["Pact signed in Pyongyang", "The two leaders met.", "They signed it."]),
    ],
)
def test_sentences_keep_abbreviations_and_initials_together(text, expected):
    assert split_sentences(text) == expected


def test_sentence_offsets_point_back_into_the_text():
    text = "  Title here\n\n  Body one. Body two.\u00a0And three."
    found = sentences(text)
    assert [s.text for s in found] == ["Title here", "Body one.", "Body two.", "And three."]
    for s in found:
        assert text[s.start:s.end] == s.text


def test_prf1_from_counts():
    assert prf1(2, 4, 3) == pytest.approx((0.5, 2 / 3, 2 * 0.5 * (2 / 3) / (0.5 + 2 / 3)))
    assert prf1(0, 0, 5) == (0.0, 0.0, 0.0)
    assert prf1(0, 3, 0) == (0.0, 0.0, 0.0)
