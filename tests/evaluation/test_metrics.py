"""Each evaluation metric on tiny cases whose values were computed by hand."""

from __future__ import annotations

import math

import pytest
from rouge_score import rouge_scorer

from evenhand.evaluation.balance import evenness, source_balance
from evenhand.evaluation.copying import copy_stats
from evenhand.evaluation.neutrality import loaded_language, vader_lexicon
from evenhand.evaluation.rouge import rouge_f1
from evenhand.evaluation.stance_metrics import stance_metrics
from evenhand.evaluation.stats import bootstrap_ci
from evenhand.evaluation.text import rouge_tokens


# --- text normalisation -----------------------------------------------------------

# --- ROUGE ------------------------------------------------------------------------

def test_rouge_hand_computed():
    # tokens pred [the cat sat on the mat], ref [the cat is on the mat]
    # R1: 5 of 6 unigrams match both ways -> 83.33; R2: 3 of 5 bigrams -> 60; RL: LCS 5 -> 83.33
    r = rouge_f1(["The cat sat on the mat."], ["The cat is on the mat."])
    assert r["rouge1"][0] == pytest.approx(500 / 6)
    assert r["rouge2"][0] == pytest.approx(60.0)
    assert r["rougeL"][0] == pytest.approx(500 / 6)


def test_rouge_lsum_uses_sentence_split_while_rouge_l_does_not():
    # Same two sentences in swapped order: whole-text LCS is 3 of 6 tokens (L = 50),
    # but each reference sentence is fully covered by one summary sentence (Lsum = 100).
    r = rouge_f1(["The cat sat. The dog ran."], ["The dog ran. The cat sat."])
    assert r["rougeL"][0] == pytest.approx(50.0)
    assert r["rougeLsum"][0] == pytest.approx(100.0)


def test_rouge_matches_rouge_score_with_stemmer():
    pred = "Protesters were running towards the buildings, shouting slogans in 2020."
    ref = "The protesters ran toward buildings and shouted slogans during 2020 protests."
    ref_scores = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True).score(ref, pred)
    ours = rouge_f1([pred], [ref])
    for t in ("rouge1", "rouge2", "rougeL"):
        assert ours[t][0] == pytest.approx(100 * ref_scores[t].fmeasure)


# --- bootstrap --------------------------------------------------------------------

def test_bootstrap_ci_properties():
    const = bootstrap_ci([7.0] * 20)
    assert (const.mean, const.low, const.high, const.n) == (7.0, 7.0, 7.0, 20)
    ci = bootstrap_ci([0.0, 100.0] * 50 + [None], seed=3)
    assert ci.n == 100 and ci.mean == 50.0
    assert 35 < ci.low < 50 < ci.high < 65
    assert bootstrap_ci([0.0, 100.0] * 50, seed=3) == bootstrap_ci([0.0, 100.0] * 50, seed=3)
    assert math.isnan(bootstrap_ci([None]).mean)


# --- neutrality (VADER loaded language) -----------------------------------------

def test_loaded_language_rate_hand_computed():
    lex = {"disaster": -3.1, "good": 1.9, "justice": 2.4, "brutal": -3.1}
    # 7 words; loaded: brutal, disaster ("good" is below 2.0, "justice" is a name word)
    ll = loaded_language("The brutal disaster was good for Justice.", "A disaster happened.", lexicon=lex)
    assert ll.n_words == 7
    assert ll.loaded == ["brutal", "disaster"]
    assert ll.rate == pytest.approx(200 / 7)
    # calibrated: "disaster" is in the reference, so only "brutal" counts
    assert ll.rate_calibrated == pytest.approx(100 / 7)
    assert loaded_language("", lexicon=lex).rate is None


def test_loaded_language_with_shipped_vader_lexicon():
    assert abs(vader_lexicon()["disaster"]) >= 2.0
    ll = loaded_language("A brutal, racist disaster, officials said on Tuesday.")
    assert ll.loaded == ["brutal", "racist", "disaster"]
    assert loaded_language("Officials said on Tuesday that the vote was delayed.").rate == 0.0


# --- source balance ---------------------------------------------------------------

ARTICLES = [
    "The senate passed the budget bill on Monday.",
    "Protesters gathered outside the White House demanding climate action.",
    "The central bank raised interest rates by half a point.",
]


def test_sentence_support_hand_computed():
    # stemmed content words senat, pass, budget all occur in article 0 -> P1 = 1;
    # bigrams (senat pass) yes, (pass budget) no -> P2 = 0.5; support = 0.75
    b = source_balance("Senate passed budget.", ["The senate passed the budget bill.", "Rain fell in Paris."])
    assert b.sentences[0].support == [0.75, 0.0]
    assert b.coverage == [1.0, 0.0]


def test_summary_drawing_on_one_outlet_scores_worse_than_one_drawing_on_all():
    one = source_balance("The senate passed the budget bill on Monday.", ARTICLES)
    assert one.coverage == [1.0, 0.0, 0.0]
    assert one.evenness == 0.0
    every = source_balance(" ".join(ARTICLES), ARTICLES)
    # sentences of 8, 9 and 10 tokens, each attributed to its own article
    p = [8 / 27, 9 / 27, 10 / 27]
    assert every.coverage == pytest.approx(p)
    assert every.evenness == pytest.approx(-sum(x * math.log(x) for x in p) / math.log(3))
    assert every.evenness == pytest.approx(0.99625, abs=1e-4)
    assert every.evenness > one.evenness


def test_sentence_supported_equally_is_shared_and_unsupported_is_unattributed():
    arts = ["The senate passed the budget. Rain fell.", "The senate passed the budget. Snow fell.", "Markets rose."]
    tie = source_balance("The senate passed the budget.", arts)
    assert tie.coverage == [0.5, 0.5, 0.0]
    assert tie.evenness == pytest.approx(math.log(2) / math.log(3))
    none = source_balance("Completely unrelated words here.", arts)
    assert none.unattributed == 1.0 and none.evenness == 0.0
    assert source_balance("Markets rose.", ["Markets rose."]).evenness is None
    assert evenness([0.5, 0.5]) == pytest.approx(1.0)


# --- copying ----------------------------------------------------------------------

def test_novel_ngrams_and_copy_rate_hand_computed():
    cs = copy_stats("a b c d", ["a b c", "x d"])
    assert cs.n_words == 4
    assert cs.novel_pct[1] == 0.0  # every word occurs in some source
    assert cs.novel_pct[2] == pytest.approx(100 / 3)  # (c d) is new
    assert cs.novel_pct[3] == pytest.approx(50.0)  # (b c d) is new
    assert cs.copy_rate == pytest.approx(50.0)
    assert copy_stats("a b c a b c", ["z"]).repeated_trigram_pct == pytest.approx(25.0)  # abc twice in 4
    empty = copy_stats("", ["a b"])
    assert empty.n_words == 0 and empty.copy_rate is None


def test_copy_tokens_are_rouge_tokens():
    assert rouge_tokens("U.S.-based, Foreign Asset!") == ["u", "s", "based", "foreign", "asset"]


# --- stance -----------------------------------------------------------------------

def test_stance_metrics_hand_computed():
    gold = [{"France": "supports", "Germany": "opposes", "Italy": "not_stated"}, None, {"Spain": "neutral"}]
    pred = [{"france ": "supports", "Germany": "supports", "Japan": "opposes"}, {"X": "supports"}, {"Spain": "mixed"}]
    m = stance_metrics(gold, pred)
    assert m.n_items == 4 and m.n_clusters == 2
    assert m.accuracy == 0.5  # France and Italy (missing -> not_stated) right
    assert m.per_class["supports"].precision == 0.5 and m.per_class["supports"].recall == 1.0
    assert m.per_class["supports"].f1 == pytest.approx(2 / 3)
    assert m.per_class["not_stated"].f1 == 1.0
    assert m.per_class["opposes"].f1 == 0.0 and m.per_class["mixed"].f1 == 0.0
    assert m.macro_f1 == pytest.approx((2 / 3 + 1.0) / 5)  # all five labels occur in gold or predictions
    assert m.not_stated_accuracy == 1.0
    assert m.confusion["opposes"]["supports"] == 1 and m.confusion["neutral"]["mixed"] == 1
    assert m.extra_predictions == 1  # Japan; cluster 2 has no gold and is not scored


def test_stance_invalid_label_and_no_gold():
    m = stance_metrics([{"France": "supports"}], [{"France": "agrees"}])
    assert m.invalid_predictions == 1 and m.confusion["supports"]["invalid"] == 1
    assert m.accuracy == 0.0 and m.per_class["supports"].recall == 0.0
    assert stance_metrics([None], [{"France": "supports"}]) is None
