"""scripts/arousal_words.py: each counted word tagged once, where it occurs in its summary."""

from __future__ import annotations


def test_counted_words_are_tagged_in_their_summary_once(load_script):
    tally = load_script("arousal_words").tally
    summaries = {"a": "Protesters attacked the new embassy.\nThe attack was horrific and the attack ended.",
                 "b": "Leaders will meet on Sunday."}
    scores = [{"id": "a", "arousal_words": ["attack", "horrific", "new"]}, {"id": "b", "arousal_words": ["sunday"]}]
    pos, counted, loaded = tally(summaries, scores)
    # "attacked" is the first occurrence of the lemma "attack" (a verb); the later nouns are not counted again
    assert counted == {"attack": 1, "horrific": 1, "new": 1, "sunday": 1}
    assert pos["VERB"] == 1 and pos["ADJ"] == 2 and pos["PROPN"] == 1
    assert loaded == 2  # "attack" (VADER -2.1) and "horrific" (-3.4); "new" and "sunday" are not rated
