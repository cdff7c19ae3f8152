"""Deletion labels (training/deletion.py, `evenhand prepare deletion`): the oracle the README's ceiling rests on."""

from __future__ import annotations

import json

from evenhand.__main__ import main
from evenhand.corpus import Article, Cluster
from evenhand.training.deletion import deletion_labels

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
