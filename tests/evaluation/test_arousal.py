"""The NeuS arousal metric on a worked example, with a tiny hand-written VAD lexicon.

The real NRC-VAD lexicon may not be redistributed, so it is never used here.
"""

from __future__ import annotations

import pytest

from evenhand.evaluation.arousal import ArousalMetric, load_vad_lexicon, preprocess
from evenhand.evaluation.data import EvaluationError
from evenhand.evaluation.lemmatize import LexiconLemmatizer, WordNetNounLemmatizer, get_lemmatizer

TINY_VAD = """\
attack\t0.100\t0.900\t0.500
brutal\t0.050\t0.950\t0.400
hero\t0.900\t0.800\t0.700
peace\t0.800\t0.300\t0.600
senate\t0.500\t0.400\t0.700
vote\t0.700\t0.500\t0.600
usa\t0.660\t0.200\t0.700
calm\t0.500\t0.100\t0.500
"""


@pytest.fixture
def lexicon(tmp_path):
    path = tmp_path / "vad.txt"
    path.write_text(TINY_VAD, encoding="utf-8")
    return load_vad_lexicon(path)


def test_worked_example(lexicon):
    """Worked by hand, step by step as in the NeuS notebook.

    generation: the title before ARTICLE=> is dropped, leaving
        "A brutal attack; the hero of the U.S. Senate wanted peace and a vote."
      -> "U.S." becomes "USA", lower-case, punctuation deleted, tokens, noun lemmas:
        a brutal attack the hero of the usa senate wanted peace and a vote
    reference (markers removed): "Senate votes. The Senate held a vote on the attack."
      -> senate vote(s->vote) the senate held a vote on the attack
    W = {brutal, hero, of, usa, wanted, peace, and}   ("vote" is in both after lemmatising)
    Arousal+ (valence > 0.65): hero 0.80 + usa 0.20 + peace 0.30 = 1.30
    Arousal- (valence < 0.35): brutal 0.95
    Arousal = 2.25
    """
    metric = ArousalMetric(lexicon, lemmatizer=LexiconLemmatizer(lexicon.keys()))
    gen = "TITLE=> Brutal heroes! ARTICLE=> A brutal attack; the hero of the U.S. Senate wanted peace and a vote."
    ref = "Senate votes.\nThe Senate held a vote on the attack."
    s = metric.score(gen, ref)
    assert s.positive == pytest.approx(1.30)
    assert s.negative == pytest.approx(0.95)
    assert s.total == pytest.approx(2.25)
    assert s.positive_words == ["hero", "peace", "usa"]
    assert s.negative_words == ["brutal"]


def test_without_lemmas_the_inflected_reference_word_no_longer_cancels(lexicon):
    identity = type("Identity", (), {"name": "identity", "__call__": lambda self, w: w})()
    metric = ArousalMetric(lexicon, lemmatizer=identity)
    s = metric.score("A vote.", "Senate votes.")
    assert s.positive == pytest.approx(0.5)  # "vote" (valence 0.7) counts: the reference only has "votes"
    lemm = ArousalMetric(lexicon, lemmatizer=LexiconLemmatizer(lexicon.keys()))
    assert lemm.score("A vote.", "Senate votes.").total == 0.0


def test_generation_without_article_marker_is_scored_whole_and_mid_valence_is_ignored(lexicon):
    metric = ArousalMetric(lexicon, lemmatizer=LexiconLemmatizer(lexicon.keys()))
    s = metric.score("Hero calm senate", "nothing")
    # hero counts (0.8); calm and senate have valence 0.5, between the thresholds
    assert (s.positive, s.negative) == (pytest.approx(0.8), 0.0)


def test_preprocess_matches_reference_steps():
    assert preprocess("The U.S. can't stop; heroes!", lambda w: w) == ["the", "usa", "cant", "stop", "heroes"]


def test_lexicon_loader_errors(tmp_path):
    header = tmp_path / "h.txt"
    header.write_text("Word\tValence\tArousal\tDominance\nhero\t0.9\t0.8\t0.7\n", encoding="utf-8")
    assert load_vad_lexicon(header)["hero"].arousal == 0.8
    bad = tmp_path / "bad.txt"
    bad.write_text("hero 0.9 0.8 0.7\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match="4 tab-separated"):
        load_vad_lexicon(bad)
    v2 = tmp_path / "v2.txt"
    v2.write_text("hero\t0.9\t-0.8\t0.7\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match="0..1"):
        load_vad_lexicon(v2)
    with pytest.raises(EvaluationError, match="not found"):
        load_vad_lexicon(tmp_path / "missing.txt")


def _fake_wordnet(folder):
    folder.mkdir()
    (folder / "index.noun").write_text(
        "  1 This software and database is being provided\n"
        "  2 licence header lines start with two spaces\n"
        "attack n 2 1 @ 2 0 1 2\nglass n 1 1 @ 1 0 1\nglasses n 1 1 @ 1 0 1\n"
        "goose n 1 1 @ 1 0 1\nu n 1 1 @ 1 0 1\nus n 1 1 @ 1 0 1\n",
        encoding="utf-8",
    )
    (folder / "noun.exc").write_text("geese goose\n", encoding="utf-8")
    return folder


def test_wordnet_noun_lemmatizer_follows_nltk_rules(tmp_path):
    lem = WordNetNounLemmatizer.from_path(_fake_wordnet(tmp_path / "dict"))
    assert lem("attacks") == "attack"  # rule s -> ''
    assert lem("geese") == "goose"  # exception list
    assert lem("glasses") == "glass"  # both are nouns: the shortest wins
    assert lem("us") == "u"  # NLTK's documented quirk, kept for fidelity
    assert lem("zorbs") == "zorbs"  # unknown: unchanged
    assert get_lemmatizer([], tmp_path / "dict").name.startswith("wordnet")
    with pytest.raises(EvaluationError, match="no WordNet"):
        get_lemmatizer([], tmp_path / "nowhere")
