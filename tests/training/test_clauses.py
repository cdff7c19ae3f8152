"""Holder-clause labels: the label file, the join to the texts, the candidates, the agreement and the
clause-level evaluation."""

from __future__ import annotations

import json
import random

import pytest

from evenhand.errors import CorpusError
from evenhand.training.clauses import (
    ClauseLabel,
    candidates,
    clause_examples,
    neus_clusters,
    read_clause_labels,
    sentence_sha,
    write_labels,
)

LINE = ("TITLE=> Russia and North Korea sign defence pact ARTICLE=> Moscow said it backed the pact. "
        "Seoul condemned the pact on Thursday. The talks were held in Vienna. [SEP] "
        "TITLE=> Pact alarms Seoul ARTICLE=> Washington said it was studying the deal. "
        "Japan was not consulted.")


def write_neus(folder, lines=(LINE,)):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.source").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "train.target").write_text("\n".join("TITLE=> t ARTICLE=> r" for _ in lines) + "\n", encoding="utf-8")
    return folder


def labelled(neus, labels):
    """One candidate of the fixture cluster per given country (its body sentence), with that label."""
    cluster = neus_clusters(["neus-train-0000"], neus)["neus-train-0000"]
    rows = sorted(candidates(cluster, 10, random.Random(0)), key=lambda r: r["sentence"] in r["titles"])
    out = {}
    for r in rows:
        if r["country"] in labels:
            out.setdefault(r["country"], dict(r, label=labels[r["country"]]))
    return list(out.values())


def test_ranked_candidates_keep_only_sentences_at_or_above_the_cut_highest_first(tmp_path):
    cluster = neus_clusters(["neus-train-0000"], write_neus(tmp_path / "neus"))["neus-train-0000"]
    seen = {}

    def rank(holders, event):
        seen["event"] = event
        return [0.9 if "condemned" in h.plain else 0.5 if "studying" in h.plain else 0.1 for h in holders]

    rows = candidates(cluster, 10, random.Random(0), rank, min_rank=0.4)
    assert seen["event"].startswith("Russia and North Korea sign defence pact")
    assert sorted(r["sentence_sha"] for r in rows) == sorted(
        sentence_sha(s) for s in ("Seoul condemned the pact on Thursday.", "Washington said it was studying the deal."))
    # One per cluster: the highest-ranked sentence, whatever the random order.
    for seed in range(5):
        (top,) = candidates(cluster, 1, random.Random(seed), rank, min_rank=0.4)
        assert top["country"] == "South Korea"


def test_candidates_join_back_to_their_sentences_and_events(tmp_path):
    neus = write_neus(tmp_path / "neus")
    rows = labelled(neus, {"Russia": "supports", "South Korea": "opposes", "United States": "neutral"})
    assert {r["country"] for r in rows} == {"Russia", "South Korea", "United States"}
    # Every candidate carries the text a labeller reads; the label file keeps keys only.
    assert all(r["event"].startswith("Russia and North Korea sign defence pact") for r in rows)
    path = tmp_path / "clauses.jsonl"
    assert write_labels(rows, path) == len(rows)
    stored = [json.loads(x) for x in path.read_text().splitlines()]
    assert all("sentence" not in x and "event" not in x for x in stored)

    examples = clause_examples(read_clause_labels(path), neus)
    by_country = {x.key.country: x for x in examples}
    seoul = by_country["South Korea"]
    assert seoul.sentence == "Seoul condemned the pact on Thursday."
    assert seoul.marked.startswith("[Seoul]") and seoul.label == "opposes"
    assert sentence_sha(seoul.sentence) == seoul.key.sentence_sha
    assert seoul.event.startswith("Russia and North Korea sign defence pact")


def test_a_label_that_no_longer_matches_the_text_is_an_error_not_a_drop(tmp_path):
    neus = write_neus(tmp_path / "neus")
    rows = labelled(neus, {"Russia": "supports"})
    rows.append(dict(rows[0], sentence_sha="0000000000"))
    path = tmp_path / "clauses.jsonl"
    write_labels(rows, path)
    with pytest.raises(CorpusError, match="1 clause labels do not match"):
        clause_examples(read_clause_labels(path), neus)


@pytest.mark.parametrize("record,message", [
    ({"id": "neus-train-0000", "article": 0, "sentence_sha": "ab", "country": "Russia", "holder_span": [0, 3]},
     "missing label"),
    ({"id": "neus-train-0000", "article": 0, "sentence_sha": "ab", "country": "Russia", "holder_span": [0, 3],
      "label": "positive"}, "unknown label 'positive'"),
    ({"id": "neus-train-0000", "article": 0, "sentence_sha": "ab", "country": "Russia", "holder_span": [5, 2],
      "label": "supports"}, "character offsets"),
])
def test_bad_label_lines_name_file_and_line(tmp_path, record, message):
    path = tmp_path / "clauses.jsonl"
    path.write_text("\n" + json.dumps(record) + "\n")
    with pytest.raises(CorpusError, match=message) as err:
        read_clause_labels(path)
    assert "line 2" in str(err.value) and str(path) in str(err.value)


def test_clause_agreement(tmp_path, capsys):
    from evenhand.__main__ import main

    keys = {"id": "neus-train-0000", "article": 0, "country": "Russia", "holder": "Moscow", "holder_span": [0, 6]}
    first = [dict(keys, sentence_sha=f"{i:010d}", label=lab) for i, lab in
             enumerate(["supports", "supports", "opposes", "unrelated"])]
    second = [dict(r, label=lab) for r, lab in zip(first, ["supports", "neutral", "opposes", "not_holder"])]
    write_labels(first, tmp_path / "a.jsonl")
    write_labels(second, tmp_path / "b.jsonl")
    assert main(["agreement", str(tmp_path / "a.jsonl"), "--second", str(tmp_path / "b.jsonl")]) == 0
    out = capsys.readouterr().out
    # 2 of 4 agree on the five labels; unrelated and not_holder are one output ("none"): 3 of 4.
    assert "five clause labels: 4 clauses in 1 clusters, agreement 0.500" in out
    assert "four classifier outputs: 4 clauses in 1 clusters, agreement 0.750" in out


class Fixed:
    """A stand-in classifier: the same probabilities for every clause."""

    def __init__(self, labels, row):
        self.labels, self.row = labels, row

    def predict(self, items):
        return [list(self.row) for _ in items]


def test_clause_eval_scores_both_kinds_of_checkpoint_on_the_same_items(tmp_path):
    from evenhand.evaluation.stance_eval import clause_eval

    neus = write_neus(tmp_path / "neus")
    rows = labelled(neus, {"Russia": "supports", "South Korea": "opposes", "United States": "not_holder"})
    path = tmp_path / "clauses.jsonl"
    write_labels(rows, path)
    # A three-output model that always says "positive": right on the one supports clause.
    three = clause_eval(Fixed(("neutral", "positive", "negative"), (0.1, 0.8, 0.1)), path, neus, n_resamples=10)
    assert three["stance3"]["items"] == 2 and three["stance3"]["accuracy"] == 0.5
    assert "all4" not in three
    # A four-output model whose top answer is "none": the argmax over the three stance outputs still
    # decides stance3, and "none" is right on the not_holder clause in all4.
    four = clause_eval(Fixed(("neutral", "positive", "negative", "none"), (0.1, 0.2, 0.1, 0.6)), path, neus,
                       n_resamples=10)
    assert four["stance3"]["accuracy"] == 0.5
    assert four["all4"]["items"] == 3 and four["all4"]["accuracy"] == pytest.approx(1 / 3, abs=1e-4)


def test_clause_agreement_checks_its_files(tmp_path, capsys):
    from evenhand.__main__ import main

    keys = {"id": "neus-train-0000", "article": 0, "sentence_sha": "0000000000", "country": "Russia",
            "holder": "Moscow", "holder_span": [0, 6]}
    write_labels([dict(keys, label="supports")], tmp_path / "a.jsonl")
    (tmp_path / "b.jsonl").write_text(json.dumps(dict(keys, label="backs")) + "\n")
    assert main(["agreement", str(tmp_path / "a.jsonl"), "--second", str(tmp_path / "b.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "unknown label 'backs'" in err and "line 1" in err and "Traceback" not in err
