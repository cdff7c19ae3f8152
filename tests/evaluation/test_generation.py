"""Resumable generation: finished batches survive a crash and are not generated again."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from evenhand.corpus import Article, Cluster
from evenhand.evaluation.data import EvaluationError
from evenhand.evaluation.generation import generate_predictions, load_existing


def _clusters(n):
    return [Cluster(articles=[Article(text=f"text {i}")], id=f"c{i}") for i in range(n)]


class FakeGenerator:
    """Stands in for Summarizer.summarize_many; records which ids it was asked for."""

    def __init__(self, fail_after_batches=None):
        self.calls: list[list[str]] = []
        self.fail_after_batches = fail_after_batches

    def __call__(self, batch):
        if self.fail_after_batches is not None and len(self.calls) >= self.fail_after_batches:
            raise RuntimeError("simulated crash")
        self.calls.append([c.id for c in batch])
        return [
            SimpleNamespace(summary=f"summary of {c.id}", stances={"France": SimpleNamespace(label="supports")}, sources=["a"])
            for c in batch
        ]


def _ids_in_file(path):
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_rerun_after_crash_generates_only_missing_ids(tmp_path):
    path = tmp_path / "predictions.jsonl"
    clusters = _clusters(5)
    crashing = FakeGenerator(fail_after_batches=2)
    with pytest.raises(RuntimeError):
        generate_predictions(clusters, crashing, path, batch_size=2, progress=False)
    assert _ids_in_file(path) == ["c0", "c1", "c2", "c3"]  # two whole batches were kept

    resumed = FakeGenerator()
    preds = generate_predictions(clusters, resumed, path, batch_size=2, progress=False)
    assert resumed.calls == [["c4"]]
    assert list(preds) == [c.id for c in clusters]
    assert _ids_in_file(path) == ["c0", "c1", "c2", "c3", "c4"]
    assert preds["c0"].summary == "summary of c0"
    assert preds["c0"].stances == {"France": "supports"}  # StanceResult objects reduced to labels

    again = FakeGenerator()
    generate_predictions(clusters, again, path, batch_size=2, progress=False)
    assert again.calls == []


def test_torn_last_line_is_cut_and_regenerated(tmp_path):
    path = tmp_path / "predictions.jsonl"
    path.write_text('{"id": "c0", "summary": "s0"}\n{"id": "c1", "summ', encoding="utf-8")
    assert list(load_existing(path)) == ["c0"]
    assert path.read_text(encoding="utf-8") == '{"id": "c0", "summary": "s0"}\n'
    gen = FakeGenerator()
    generate_predictions(_clusters(2), gen, path, batch_size=4, progress=False)
    assert gen.calls == [["c1"]]
    assert _ids_in_file(path) == ["c0", "c1"]


def test_complete_last_line_without_newline_is_kept(tmp_path):
    path = tmp_path / "predictions.jsonl"
    path.write_text('{"id": "c0", "summary": "s0"}', encoding="utf-8")
    gen = FakeGenerator()
    generate_predictions(_clusters(2), gen, path, batch_size=4, progress=False)
    assert gen.calls == [["c1"]]
    assert _ids_in_file(path) == ["c0", "c1"]


def test_damaged_middle_line_is_an_error_naming_the_line(tmp_path):
    path = tmp_path / "predictions.jsonl"
    path.write_text('{"id": "c0", "summary": "s0"}\nnot json\n{"id": "c1", "summary": "s1"}\n', encoding="utf-8")
    with pytest.raises(EvaluationError, match="line 2"):
        load_existing(path)


def test_outputs_of_another_checkpoint_are_not_mixed(tmp_path):
    path = tmp_path / "predictions.jsonl"
    generate_predictions(_clusters(1), FakeGenerator(), path, meta={"checkpoint": "/ckpt/a"}, progress=False)
    with pytest.raises(EvaluationError, match="other settings"):
        generate_predictions(_clusters(2), FakeGenerator(), path, meta={"checkpoint": "/ckpt/b"}, progress=False)


def test_wrong_result_count_is_an_error(tmp_path):
    with pytest.raises(EvaluationError, match="2 results for a batch of 1"):
        generate_predictions(_clusters(1), lambda batch: ["a", "b"], tmp_path / "p.jsonl", progress=False)
