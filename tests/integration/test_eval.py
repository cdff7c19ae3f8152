"""`evenhand eval` on a real (tiny) checkpoint: generation, scoring, resume, card."""

import json

import pytest

from evenhand.__main__ import main

pytestmark = pytest.mark.integration


def test_eval_checkpoint_end_to_end_and_resume(tiny_causal, corpus_dir, tmp_path, train_overrides, repo_root, capsys):
    config = repo_root / "configs" / "summarizer_smollm2.yaml"
    assert main(["train", str(config), *train_overrides(tiny_causal, corpus_dir, tmp_path / "run",
                                                        **{"trainer.max_steps": 2})]) == 0
    ck = tmp_path / "run" / "final"
    out = tmp_path / "eval"
    args = ["eval", "--checkpoint", str(ck), "--data", str(corpus_dir / "train.jsonl"), "--limit", "3",
            "--batch-size", "2", "--max-new-tokens", "6", "--out", str(out), "--no-peers", "--bootstrap", "50",
            "--no-progress", "--write-card"]
    assert main(args) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    preds = (out / "predictions.jsonl").read_text().splitlines()
    assert len(preds) == 3 and {json.loads(p)["id"] for p in preds} == {"fixture-00", "fixture-01", "fixture-02"}
    assert set(metrics["rouge"]) == {"rouge1", "rouge2", "rougeL", "rougeLsum"}  # scored against the references
    assert all(0 <= r["mean"] <= 100 and r["low"] <= r["mean"] <= r["high"] for r in metrics["rouge"].values())
    assert (out / "report.md").exists()
    card = (ck / "README.md").read_text()
    assert card.startswith("---") and "model-index" in card
    # A second run finds every prediction written and generates nothing new.
    before = (out / "predictions.jsonl").read_text()
    assert main(args) == 0
    assert (out / "predictions.jsonl").read_text() == before
