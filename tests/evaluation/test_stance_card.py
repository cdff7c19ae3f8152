"""The stance model card: metadata and table come from a stance-eval report, nothing else."""

from __future__ import annotations

import json

import pytest
import yaml

from evenhand.evaluation.card import write_model_card
from evenhand.__main__ import main
from evenhand.evaluation.stance_card import StanceCardData
from evenhand.model_cards import template_path

REPORT = {
    "checkpoint": "ckpt",
    "command": "evenhand stance-eval --out r.json",
    "sentence": {
        "file": "test.txt", "rows": 10, "examples": 20, "macro_f1": 0.61234, "majority_macro_f1": 0.302,
        "accuracy": 0.84, "majority_accuracy": 0.827, "macro_f1_5class": 0.5, "majority_macro_f1_5class": 0.18,
        "per_class": {"neutral": {"f1": 0.9, "support": 16}, "positive": {"f1": 0.5, "support": 2},
                      "negative": {"f1": 0.4, "support": 2}},
    },
    "cluster": {
        "model": {"items": 7, "clusters": 3, "macro_f1_polar": 0.30812, "polar_labels": ["supports", "opposes", "neutral"],
                  "macro_f1_all": 0.403, "accuracy": 0.6, "not_stated_accuracy": 0.846,
                  "per_class_f1": {"supports": 0.68, "opposes": 0.19, "neutral": 0.36, "not_stated": 0.79},
                  "support": {"supports": 3, "opposes": 2, "neutral": 1, "not_stated": 1}, "extra_predictions": 4},
        "majority": {"label": "not_stated", "items": 7, "clusters": 3, "macro_f1_polar": 0.0,
                     "polar_labels": ["supports", "opposes", "neutral"], "macro_f1_all": 0.133, "accuracy": 0.14,
                     "not_stated_accuracy": 1.0, "per_class_f1": {}, "support": {}, "extra_predictions": 0},
    },
}


@pytest.fixture
def ckpt(tmp_path):
    folder = tmp_path / "stance"
    folder.mkdir()
    (folder / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "/cache/minilm"}))
    (folder / "evenhand.json").write_text(json.dumps({
        "adapter": True, "base_model": "all-minilm-l6-v2", "task": "stance",
        "config": {"lora": {"enabled": True, "r": 16, "alpha": 32, "top_layers": 3}, "trainer": {"learning_rate": 1e-3},
                   "data": {"train_file": "directed_sentiment/train.txt"}},
        "extra": {"train_metrics": {"global_step": 700, "best_eval_loss": 0.29, "best_eval_macro_f1": 0.32}},
    }))
    return folder


def test_stance_card_metadata_and_table_come_from_the_report(ckpt):
    card = StanceCardData.from_checkpoint(ckpt, report=REPORT, eval_command=REPORT["command"])
    assert card.base_model == "sentence-transformers/all-MiniLM-L6-v2" and card.library_name == "peft"
    text = write_model_card(ckpt, card).read_text(encoding="utf-8")
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["pipeline_tag"] == "text-classification"
    sentence, cluster = meta["model-index"][0]["results"]
    assert [m["value"] for m in sentence["metrics"]] == [0.6123, 0.84]
    assert [m["value"] for m in cluster["metrics"]] == [0.3081, 0.403, 0.846]
    assert cluster["dataset"]["split"] == "dev" and "3 clusters, 7 country items" in cluster["dataset"]["name"]
    # The table puts each number beside its baseline.
    assert "| cluster level, macro-F1 supports/opposes/neutral | 0.308 | 0.000 |" in text
    assert "| sentence level, directed_sentiment test, macro-F1 neutral/positive/negative | 0.612 | 0.302 |" in text
    assert "Measured with `evenhand stance-eval --out r.json`" in text
    assert "LoRA (r=16, alpha=32, top 3 layers)" in text and "validation macro-F1 at that checkpoint: 0.320" in text
    assert "directed_sentiment" in text.split("## License")[1]  # the data terms of this card, not NeuS's
    assert "{{" not in text and "## Limitations" in text


def test_stance_card_without_results_says_how_to_get_them(ckpt):
    card = StanceCardData.from_checkpoint(ckpt)
    text = write_model_card(ckpt, card).read_text(encoding="utf-8")
    assert "model-index" not in text and "evenhand stance-eval --checkpoint PATH --write-card" in text


def test_card_command_with_a_stance_report(ckpt, tmp_path, capsys):
    report = tmp_path / "report.json"
    report.write_text(json.dumps(REPORT))
    (ckpt / "README.md").write_text("# hand-written\n")
    assert main(["card", "--checkpoint", str(ckpt), "--stance-report", str(report)]) == 2
    assert "--force" in capsys.readouterr().err  # a hand-written card is kept
    assert main(["card", "--checkpoint", str(ckpt), "--stance-report", str(report), "--force",
                 "--model-name", "evenhand-stance"]) == 0
    meta = yaml.safe_load((ckpt / "README.md").read_text(encoding="utf-8").split("---\n")[1])
    assert meta["model-index"][0]["name"] == "evenhand-stance"


def test_card_command_rejects_a_summarizer_metrics_file_as_stance_report(ckpt, tmp_path, capsys):
    bad = tmp_path / "metrics.json"
    bad.write_text(json.dumps({"rouge": {}}))
    assert main(["card", "--checkpoint", str(ckpt), "--stance-report", str(bad)]) == 2
    assert "'sentence' and/or 'cluster'" in capsys.readouterr().err


def test_templates_ship_inside_the_package():
    # A wheel install has no repository around it: the templates must resolve from the package.
    assert template_path("summarizer").is_file() and template_path("stance").is_file()
    assert template_path("stance").parent.name == "model_cards"
    with pytest.raises(ValueError, match="known"):
        template_path("translator")
