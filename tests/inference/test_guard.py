"""The faithfulness guard: names and numbers in generated text must be supported by the articles."""

from __future__ import annotations

import pytest

from evenhand.corpus import Article, Cluster
from evenhand.inference.guard import SourceIndex, check, normalize

CLUSTER = Cluster(articles=[
    Article(source="Wire", title="Putin and Kim sign defence pact",
            text="Russian President Vladimir Putin and North Korea's Kim Jong-un signed the pact in Pyongyang on "
                 "June 19. The United States condemned the deal."),
    Article(source="Paper", title="Seoul weighs arms for Ukraine",
            text="South Korea said it would reconsider sending weapons to Ukraine. About 15,000 troops and "
                 "5 million shells were mentioned in the report, which cited COVID-19 delays."),
])


@pytest.fixture(scope="module")
def index():
    return SourceIndex.build(CLUSTER)


def unsupported(text, index):
    return [(s.text, s.kind) for s in check(text, index) if not s.supported]


@pytest.mark.parametrize("text", [
    "Putin and Kim Jong Un signed a pact.",          # "Putin" ~ "Vladimir Putin", "Jong Un" ~ "Jong-un"
    "The U.S. condemned the deal.",                  # "U.S." ~ "United States"
    "North Korean and Russian leaders met.",         # demonyms ~ the countries
    "Seoul said 15000 troops and 5 million shells.",  # numbers by value, with and without separators
    "South Korea's president spoke on June 19.",
])
def test_alias_aware_matching_supports_what_the_articles_say(text, index):
    assert unsupported(text, index) == []


@pytest.mark.parametrize("text, bad", [
    ("Chuck Schumacher condemned the deal.", ("Chuck Schumacher", "name")),
    ("About 16,000 troops were sent.", ("16,000", "number")),
    ("The pact was signed by Xi Jinping.", ("Xi Jinping", "name")),
    ("The report cited COVID-29 delays.", ("29", "number")),
    ("Three ships left.", ("Three", "number")),
    ("Japan condemned it.", ("Japan", "name")),
])
def test_the_guard_catches_invented_names_and_numbers(text, bad, index):
    assert bad in unsupported(text, index)


def test_spans_point_into_the_text(index):
    text = "Putin met\nXi Jinping in 2031."
    for s in check(text, index):
        assert text[s.start:s.end] == s.text


def test_normalize_folds_case_dots_possessives_and_hyphens():
    assert normalize("the U.S.") == "us"
    assert normalize("Kim Jong-un's") == "kim jong un"


TITLED = Cluster(articles=[Article(source="Wire", title="Senate fails to reopen government",
                                   text="Senate Democrats and other senators pushed a vote to reopen the government. Mitch McConnell "
                                        "blocked it. Roy Moore will run for the Senate again, and he says he won't quit. "
                                        "A green mark came from "
                                        "Kim Il Sung's successor Kim Jong-un. John Kerry denied it.")])


@pytest.mark.parametrize("text", [
    "Senators Block The Senate From Reopening Government",  # Title Case common words, inflected differently
    "McConnell Blocks Vote To Reopen Government",           # a person span that took a verb along
    "Roy Moore Says He Won't Quit Senate Run",              # a contraction: spaCy splits "Wo" + "n't"
    "Senators Don't Reopen Government",
])
def test_title_case_common_words_are_not_names(text):
    assert unsupported(text, SourceIndex.build(TITLED)) == []


@pytest.mark.parametrize("text, bad", [
    ("Ronald Moore Announces Senate Run", "Ronald Moore"),
    ("Kim Jong Il Speaks", "Kim Jong Il Speaks"),           # every word but "Il" occurs in some name
    ("John John Kerry Faces Calls", "John John Kerry Faces"),
    ("Mark Green condemned the vote.", "Mark Green"),        # sentence case: common words are a name here
    ("Trumper Blocks Vote To Reopen Government", "Trumper"),  # a name the tagger reads as a common noun
    ("Senator Mark Green Blocks Vote", "Mark Green"),       # a person of common words only ("a green mark")
    ("Roy Mooré Says He Won't Quit", "Mooré"),              # function words pass, the invented name does not
    ("Senators Of Zembla Don't Quit", "Zembla"),
])
def test_title_case_leniency_lets_no_invented_name_through(text, bad):
    assert any(bad in span for span, _ in unsupported(text, SourceIndex.build(TITLED)))
