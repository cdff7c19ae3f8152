"""Extractive baselines: what they copy, and that eval and card show them beside the system."""

from __future__ import annotations

import json

import pytest
import yaml

from evenhand.corpus import Article, Cluster
from evenhand.evaluation.baselines import baseline_predictions, first_sentences, lead_3
from evenhand.__main__ import main
from evenhand.evaluation.data import EvaluationError

CLUSTER = Cluster(id="c-0", articles=[
    Article(source="A", title="Pact signed", text="Two states signed a pact. It covers defence. Talks took a year. Critics objected."),
    Article(source="B", text="Seoul condemned the pact on Thursday. Officials met later."),
    Article(source="C", text="Markets were calm."),
])


def test_lead_3_is_the_title_and_first_three_sentences_of_the_first_article():
    assert lead_3(CLUSTER) == "Pact signed. Two states signed a pact. It covers defence. Talks took a year."


def test_first_sentences_takes_one_sentence_per_article_in_order():
    assert first_sentences(CLUSTER) == "Two states signed a pact. Seoul condemned the pact on Thursday. Markets were calm."


def test_unknown_baseline_names_the_choices():
    with pytest.raises(EvaluationError, match="first-sentences"):
        baseline_predictions("lead-4", [CLUSTER])


def test_eval_scores_baselines_and_card_shows_them(tmp_path, capsys):
    # The reference is exactly the first sentences, so that baseline must score ROUGE-1 100.
    record = {"id": "c-0", "articles": [{"source": a.source, "title": a.title, "text": a.text} for a in CLUSTER.articles],
              "summary": first_sentences(CLUSTER)}
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps(record) + "\n", encoding="utf-8")
    preds = tmp_path / "mine.txt"
    preds.write_text("Markets were calm after a pact.\n", encoding="utf-8")
    out = tmp_path / "ev"
    assert main(["eval", "--data", str(data), "--predictions", str(preds), "--out", str(out), "--no-peers",
                 "--no-progress", "--bootstrap", "10", "--baseline", "first-sentences", "--baseline", "lead-3"]) == 0
    report = (out / "report.md").read_text(encoding="utf-8")
    row = next(line for line in report.splitlines() if line.startswith("| First sentences (baseline)"))
    assert row.split("|")[2].strip() == "100.00"
    assert "| Lead-3 (baseline)" in report
    run = json.loads((out / "metrics.json").read_text())["run"]
    assert run["peer_files"] == ["baseline-first-sentences", "baseline-lead-3"]

    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    assert main(["card", "--checkpoint", str(ckpt), "--metrics", str(out / "metrics.json"), "--base-model", "x/y"]) == 0
    card = (ckpt / "README.md").read_text(encoding="utf-8")
    assert "First sentences (baseline)" in card and "extractive baselines" in card
    meta = yaml.safe_load(card.split("---\n")[1])
    # Only the system's own numbers go into model-index, never a baseline's.
    rouge1 = next(m for m in meta["model-index"][0]["results"][0]["metrics"] if m["type"] == "rouge1")
    assert rouge1["value"] < 100
