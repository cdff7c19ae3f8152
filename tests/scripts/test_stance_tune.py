"""scripts/stance_tune.py: the oracle that docs/stance.md's ceiling and partial-ceiling tables rest on."""

from __future__ import annotations

import pytest

from evenhand.inference.stance import ScoredSentence
from evenhand.training.clauses import sentence_sha


@pytest.fixture(scope="module")
def tune(load_script):
    return load_script("stance_tune")


MODEL = {"neutral": 0.2, "positive": 0.5, "negative": 0.1, "none": 0.2}


def scored(sentence="[Seoul] condemned the pact."):
    return ScoredSentence("South Korea", 0, "Wire", sentence, dict(MODEL))


def oracle(label, sentence="[Seoul] condemned the pact."):
    return {("c", 0, sentence_sha(sentence), "South Korea"): label}


@pytest.mark.parametrize("part, label, expected", [
    ("all", "opposes", {"negative": 1.0}),
    ("all", "unrelated", {"none": 1.0}),
    ("relevance", "not_holder", {"none": 1.0}),
    ("relevance", "opposes", {"neutral": 0.25, "positive": 0.625, "negative": 0.125}),  # model polarity, no none
    ("polarity", "opposes", {"negative": 0.8, "none": 0.2}),  # the model's P(none) kept
    ("polarity", "unrelated", MODEL),  # no polarity to give: the model's scores
])
def test_the_labels_take_over_only_the_part_asked_for(tune, part, label, expected):
    covered = [0, 0]
    out = tune.with_label("c", scored(), oracle(label), covered, part)
    assert {k: round(v, 6) for k, v in out.probs.items() if v} == expected
    assert covered == [1, 1]


def test_a_sentence_without_a_label_keeps_the_model_scores(tune):
    covered = [0, 0]
    out = tune.with_label("c", scored("[Seoul] said nothing."), oracle("opposes"), covered)
    assert out.probs == MODEL and covered == [0, 1]
