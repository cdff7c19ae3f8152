"""Country detection: every surface form maps to one canonical name; common false positives are dropped."""

from __future__ import annotations

import pytest

from evenhand.corpus import Article, Cluster
from evenhand.errors import EvenhandError
from evenhand.inference.countries import (
    ABBREVIATIONS,
    DEMONYMS,
    GOVERNMENT_SEATS,
    SHORT_FORMS,
    countries_in,
    find_countries,
    known_countries,
    to_name_short,
)


def pairs(text: str) -> list[tuple[str, str]]:
    return [(m.surface, m.country) for m in find_countries(text)]


FIXTURE = (
    "Seoul said on Monday that Pyongyang had fired a missile. South Korean officials met their "
    "North Korean counterparts. Kyiv, which the Kremlin still calls Kiev, rejected the plan. "
    "Washington and Moscow traded accusations while Beijing urged calm. The US, the U.S.A. and "
    "the U.S. State Department, the UK and the U.K. spoke. The DPRK and the ROK signed. "
    "The EU, NATO and the UN were silent; the European Union and the United Nations were not. "
    "Russia, South Korea, North Korea, the United States and Britain agreed. Turkey and Türkiye."
)


def test_every_form_maps_to_its_canonical_name():
    found = pairs(FIXTURE)
    expected = [
        ("Seoul", "South Korea"), ("Pyongyang", "North Korea"), ("South Korean", "South Korea"),
        ("North Korean", "North Korea"), ("Kyiv", "Ukraine"), ("Kremlin", "Russia"), ("Kiev", "Ukraine"),
        ("Washington", "United States"), ("Moscow", "Russia"), ("Beijing", "China"), ("US", "United States"),
        ("U.S.A.", "United States"), ("U.S.", "United States"), ("State Department", "United States"),
        ("UK", "United Kingdom"), ("U.K.", "United Kingdom"), ("DPRK", "North Korea"), ("ROK", "South Korea"),
        ("EU", "EU"), ("NATO", "NATO"), ("UN", "UN"), ("European Union", "EU"), ("United Nations", "UN"),
        ("Russia", "Russia"), ("South Korea", "South Korea"), ("North Korea", "North Korea"),
        ("United States", "United States"), ("Britain", "United Kingdom"), ("Turkey", "Türkiye"),
        ("Türkiye", "Türkiye"),
    ]
    assert found == expected


def test_offsets_point_at_the_surface():
    for m in find_countries(FIXTURE):
        assert FIXTURE[m.start:m.end] == m.surface


def test_kinds():
    kinds = {m.surface: m.kind for m in find_countries(FIXTURE)}
    assert kinds["Seoul"] == "capital"
    assert kinds["South Korean"] == "demonym"
    assert kinds["DPRK"] == "abbreviation"
    assert kinds["NATO"] == "body"
    assert kinds["Kremlin"] == "seat"
    assert kinds["Russia"] == "name"


@pytest.mark.parametrize(
    "text",
    [
        "Let us know what you think.",  # "us" is not the US
        "She bought fine china plates.",  # "china" is not China
        "We ate turkey at Thanksgiving.",
        "Voters in Georgia went to the polls in Atlanta.",  # the US state
        "Rep. Jim Jordan said the hearing was a sham. Jordan later left.",  # a person, then the same person
        "Chad Wolf, the acting secretary, testified.",
        "The Washington Post and George Washington University reported it.",
        "A Washington-based group and Washington state officials disagreed.",
        "The talks were held in Seoul and at Beijing airport.",  # places, not governments
        "Latin American and Native American leaders met near the Indian Ocean.",
        "New Mexico and Indiana voted.",
    ],
)
def test_false_positives_are_dropped(text):
    assert pairs(text) == []


def test_georgia_is_the_country_when_the_text_shows_it():
    text = "Georgia accused Russia of provocations, the Georgian government said in Tbilisi."
    assert ("Georgia", "Georgia") in pairs(text)


def test_jordan_is_the_country_when_the_text_shows_it():
    text = "Jordan condemned the move. Jordanian officials summoned the ambassador."
    assert pairs(text)[0] == ("Jordan", "Jordan")


def test_us_china_compounds():
    assert pairs("The US-China trade war escalated.") == [("US", "United States"), ("China", "China")]


def test_possessive_and_plural_demonyms():
    assert pairs("Russia's envoy and the Americans, Israelis and Britons met.") == [
        ("Russia", "Russia"), ("Americans", "United States"), ("Israelis", "Israel"), ("Britons", "United Kingdom"),
    ]


def test_short_forms_agree_with_country_converter():
    # The hand-typed table must say what coco says, so the two cannot drift apart.
    for surface, country in SHORT_FORMS.items():
        assert to_name_short(surface) == country, surface


def test_table_targets_are_known_canonical_names():
    known = known_countries()
    for table in (SHORT_FORMS, ABBREVIATIONS, DEMONYMS, GOVERNMENT_SEATS):
        for surface, country in table.items():
            assert country in known, (surface, country)
    assert {"United States", "South Korea", "North Korea", "Russia", "EU", "NATO", "UN", "Taiwan"} <= known


def test_countries_in_counts_titles_and_texts():
    cluster = Cluster(
        articles=[
            Article(title="Seoul and Pyongyang sign pact", text="South Korea and North Korea signed. Russia watched."),
            Article(text="Russian officials welcomed it; the US said nothing.", source="B"),
        ]
    )
    counts = countries_in(cluster)
    assert counts == {"South Korea": 2, "North Korea": 2, "Russia": 2, "United States": 1}


def test_non_string_input_is_a_clear_error():
    with pytest.raises(EvenhandError, match="expects a string"):
        find_countries(None)
