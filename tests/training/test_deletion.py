"""Deletion labels (training/deletion.py, `evenhand prepare deletion`): the oracle the README's ceiling rests on."""

from __future__ import annotations

import json

import pytest

from evenhand.__main__ import main
from evenhand.corpus import Article, Cluster
from evenhand.errors import CorpusError
from evenhand.inference.selection import candidates, compressed, deletions_above, scored_phrases
from evenhand.models.checkpoint import read_manifest
from evenhand.models.selector import PhraseDeleter
from evenhand.training.deletion import deletion_labels, read_deletion

TEXT = ("Putin signed the treaty in Pyongyang on Wednesday after a lavish welcome ceremony. "
        'Kim said the pact was "a breakthrough for peace in the region" and thanked Moscow.')
CLUSTER = Cluster(id="c0", articles=[Article(source="Wire", title="Russia and North Korea sign pact", text=TEXT)],
                  summary="Russia and North Korea signed a treaty in Pyongyang. Kim thanked Moscow.")


def phrases(rows):
    return {r["sentence"][r["start"]:r["end"]]: r["label"] for r in rows}


def test_a_phrase_is_labelled_delete_when_the_reference_lacks_its_words():
    got = phrases(deletion_labels(CLUSTER))
    assert got["in Pyongyang"] == 0  # the reference says where
    assert got["on Wednesday"] == 1 and got["after a lavish welcome ceremony"] == 1
    assert not any("breakthrough" in p for p in got)  # a quote is never a candidate
    assert all(r["dep"] for r in deletion_labels(CLUSTER))


def test_prepare_deletion_writes_one_line_per_cluster(tmp_path, capsys):
    src = tmp_path / "train.jsonl"
    src.write_text(json.dumps(CLUSTER.to_dict()) + "\n", encoding="utf-8")
    out = tmp_path / "train.deletion.jsonl"
    assert main(["prepare", "deletion", "--src", str(src), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["c0"] and phrases(rows[0]["phrases"]) == phrases(deletion_labels(CLUSTER))
    assert "labelled delete" in capsys.readouterr().out
    pairs = read_deletion(out)  # what the deleter trains on: the phrase marked in its sentence, the context
    assert len(pairs) == len(rows[0]["phrases"])
    assert (("Putin signed the treaty in Pyongyang on Wednesday [after a lavish welcome ceremony].", ""), 1) in pairs
    old = tmp_path / "old.jsonl"  # a file written before the labels carried their contexts
    old.write_text(json.dumps({"id": "c0", "phrases": rows[0]["phrases"]}) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"old.jsonl, line 1.*rerun it"):
        read_deletion(old)


def test_a_tiny_deleter_trains_saves_loads_and_its_deletions_obey_the_threshold_and_the_limits(tiny_deleter):
    final, _ = tiny_deleter
    assert read_manifest(final, task="deleter").extra["train_metrics"]["global_step"] == 4
    deleter = PhraseDeleter.load(final)
    cands = candidates(CLUSTER)
    scored = scored_phrases(CLUSTER, cands, deleter)
    probs = [p for groups in scored.values() for _, p in groups]
    assert len(probs) == len(deletion_labels(CLUSTER)) and all(0.0 <= p <= 1.0 for p in probs)
    whole = [c.text for c in cands]
    assert [c.text for c in compressed(CLUSTER, cands, (), extra=deletions_above(scored, 1.01))] == whole
    cut = [c.text for c in compressed(CLUSTER, cands, (), extra=deletions_above(scored, 0.0))]
    assert cut[1] == "Putin signed the treaty." and cut[1] != whole[1]  # every phrase goes, the clause stays
    assert '"a breakthrough for peace in the region"' in cut[2]  # a quote is never cut
    only_first = scored_phrases(CLUSTER, cands, deleter, only={1})
    assert set(only_first) == {(0, cands[1].start)}


def test_the_pipeline_writes_points_cut_by_its_deleter_and_keeps_the_whole_sentence(tiny_deleter, tiny_selector):
    from evenhand.inference.selection import SelectionSettings
    from evenhand.models.selector import SentenceEmbedder, SentenceSelector
    from evenhand.pipeline import Pipeline

    (final, _), (sel, base) = tiny_deleter, tiny_selector
    selector, embedder = SentenceSelector.load(sel), SentenceEmbedder.load(str(base))
    deleter = PhraseDeleter.load(final)
    every = SelectionSettings(compress=(), deletion_threshold=0.0)  # every phrase the limits allow goes
    cut = Pipeline(selector, embedder, deleter=deleter, settings=every).summarize(CLUSTER).points
    plain = Pipeline(selector, embedder, settings=every).summarize(CLUSTER).points
    assert "Putin signed the treaty." in [p.text for p in cut]
    assert all(p.sentence and p.sentence in TEXT for p in cut if p.text == "Putin signed the treaty.")
    assert all(not p.sentence for p in plain)  # no deleter, no rules: whole sentences


def test_pipeline_load_takes_a_deleter_folder_and_bundles_none(tiny_deleter, tiny_selector):
    from evenhand.errors import CheckpointError
    from evenhand.pipeline import Pipeline

    sel = tiny_selector[0]
    assert isinstance(Pipeline.load(sel, stance=False, headline=False, deleter=tiny_deleter[0]).deleter, PhraseDeleter)
    assert Pipeline.load(sel, stance=False, headline=False).deleter is None  # no deleter is bundled
    with pytest.raises(CheckpointError, match="deleter"):
        Pipeline.load(sel, stance=False, headline=False, deleter=sel)  # a selector is not a deleter
