"""Stance training data, config, and a tiny encoder trained end to end (seconds)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from evenhand.config import load_config
from evenhand.corpus import Article, Cluster
from evenhand.errors import CheckpointError, ConfigError, CorpusError
from evenhand.models.checkpoint import read_manifest
from evenhand.training.stance import (
    StanceTrainConfig,
    class_weights,
    mark_holder,
    read_directed_tsv,
    subsample_neutral,
    to_examples,
    train,
)

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "configs" / "stance_minilm.yaml"

ROWS = [
    ("[Russia] condemned [Ukraine] for the attack.", "Russia", "Ukraine", "3"),
    ("[China] praised [Pakistan] for its help.", "China", "Pakistan", "1"),
    ("[Iran] met [Iraq] on Monday.", "Iran", "Iraq", "0"),
    ("[Trump] was criticized by [Merkel].", "Trump", "Merkel", "4"),
    ("[Putin] was welcomed by [Xi].", "Putin", "Xi", "2"),
]


def write_tsv(path: Path, rows=ROWS, repeat: int = 1) -> Path:
    path.write_text("".join("\t".join(r) + "\n" for r in rows * repeat), encoding="utf-8")
    return path


# --- data -------------------------------------------------------------------------------


def test_each_row_gives_one_example_per_direction(tmp_path):
    examples = to_examples(read_directed_tsv(write_tsv(tmp_path / "d.tsv")))
    got = [(e.holder, e.target, e.label) for e in examples]
    assert got == [
        ("Russia", "Ukraine", "negative"), ("Ukraine", "Russia", "neutral"),
        ("China", "Pakistan", "positive"), ("Pakistan", "China", "neutral"),
        ("Iran", "Iraq", "neutral"), ("Iraq", "Iran", "neutral"),
        ("Trump", "Merkel", "neutral"), ("Merkel", "Trump", "negative"),
        ("Putin", "Xi", "neutral"), ("Xi", "Putin", "positive"),
    ]
    assert examples[0].sentence == "[Russia] condemned Ukraine for the attack."
    assert examples[1].sentence == "Russia condemned [Ukraine] for the attack."


def test_mark_holder_with_partial_words_and_equal_entities():
    assert mark_holder("A [Los Angele]s anchor spoke in [the United State]s.", "the United State", 1) == \
        "A Los Angeles anchor spoke in [the United State]s."
    assert mark_holder("[Trump] told [Trump] supporters.", "Trump", 1) == "Trump told [Trump] supporters."


@pytest.mark.parametrize(
    "line, message",
    [("only\ttwo\n", "expected 4"), ("s\tp\tq\t7\n", "not one of 0-4")],
)
def test_bad_tsv_lines_name_the_line(tmp_path, line, message):
    path = tmp_path / "bad.tsv"
    path.write_text("[a] b [c]\ta\tc\t0\n" + line, encoding="utf-8")
    with pytest.raises(CorpusError, match=message) as err:
        read_directed_tsv(path)
    assert "line 2" in str(err.value)


def test_missing_tsv_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        read_directed_tsv(tmp_path / "nope.tsv")


def test_neutral_subsampling_and_class_weights(tmp_path):
    examples = to_examples(read_directed_tsv(write_tsv(tmp_path / "d.tsv", repeat=4)))
    kept = subsample_neutral(examples, 1.0, seed=0)
    labels = [e.label for e in kept]
    assert labels.count("neutral") == labels.count("positive") + labels.count("negative")
    assert subsample_neutral(examples, None, seed=0) == examples
    weights = class_weights(examples, "balanced")
    assert weights[0] < weights[1]  # neutral (index 0) is the most frequent here
    assert class_weights(examples, "none") is None


# --- config -----------------------------------------------------------------------------


def test_shipped_config_loads_with_overrides():
    cfg = load_config(CONFIG, ["trainer.max_steps=50", "top_layers=2"], StanceTrainConfig)
    assert cfg.task == "stance" and cfg.base_model == "all-minilm-l6-v2"
    assert cfg.trainer.max_steps == 50 and cfg.lora.top_layers == 2  # shorthand routed into lora
    assert cfg.data.train_file.endswith("directed_sentiment/dataset/train.txt")
    assert CONFIG.read_text().startswith("#") and "evenhand train configs/stance_minilm.yaml" in CONFIG.read_text()


@pytest.mark.parametrize(
    "override, message",
    [("data.neutral_ratio=0", "neutral_ratio"), ("data.max_lenght=64", "did you mean 'data.max_length'"),
     ("task=summarizer", "must be one of")],
)
def test_bad_config_values_are_clear_errors(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(CONFIG, [override], StanceTrainConfig)


# --- end to end with a tiny encoder ----------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    from evenhand.models.tiny import make_encoder

    root = tmp_path_factory.mktemp("stance")
    data = write_tsv(root / "train.tsv", repeat=4)
    base = make_encoder(root / "encoder", [r[0] for r in ROWS])

    def run(name: str, *overrides: str) -> Path:
        cfg = load_config(CONFIG, [
            f"base_model={base}", f"output_dir={root / name}", f"data.train_file={data}",
            f"data.val_file={data}", "data.limit_val=null", "trainer.max_steps=4", "trainer.eval_steps=2",
            "trainer.save_steps=2", "trainer.per_device_train_batch_size=8", "trainer.logging_steps=2",
            "top_layers=1", "torch_threads=null", *overrides,
        ], StanceTrainConfig)
        return train(cfg)

    return root, run


@pytest.mark.integration
def test_train_save_reload_and_analyze_lora(tiny_run):
    from evenhand.inference.stance import StanceAnalyzer

    root, run = tiny_run
    final = run("lora")
    assert final == root / "lora" / "final"
    manifest = read_manifest(final, task="stance")
    assert manifest.adapter and manifest.architecture == "encoder"
    assert manifest.base_model == str(root / "encoder")
    assert (final / "adapter_model.safetensors").stat().st_size < 5_000_000

    analyzer = StanceAnalyzer.load(final)
    cluster = Cluster(articles=[
        Article(source="A", text="Russia condemned the pact on Monday. Seoul said it would respond."),
        Article(source="B", text="Chinese officials welcomed the deal. Talks were held in Vienna. Japan was absent."),
    ])
    result = analyzer.analyze(cluster, topic="the defence pact")
    assert set(result) == {"Russia", "South Korea", "China", "Japan"}
    assert result["Japan"].label == "not_stated"
    for country in ("Russia", "South Korea", "China"):
        stance = result[country]
        assert stance.label in ("supports", "opposes", "neutral", "mixed")
        assert stance.evidence and 0.0 <= stance.evidence[0].score <= 1.0
    json.dumps({k: v.to_dict() for k, v in result.items()})

    # The same checkpoint twice gives the same scores (the head and pooler are saved, not re-drawn).
    again = StanceAnalyzer.load(final).analyze(cluster, topic="the defence pact")
    assert again["Russia"].confidence == pytest.approx(result["Russia"].confidence)


@pytest.mark.integration
def test_full_fine_tune_checkpoint_loads(tiny_run):
    from evenhand.inference.stance import StanceAnalyzer

    root, run = tiny_run
    final = run("full", "lora.enabled=false", "top_layers=null")
    manifest = read_manifest(final, task="stance")
    assert not manifest.adapter and manifest.base_model is None
    assert (final / "model.safetensors").exists()
    result = StanceAnalyzer.load(final).analyze(["Moscow said it rejected the plan."], topic="the plan")
    assert list(result) == ["Russia"]


@pytest.mark.integration
def test_tampered_checkpoint_is_refused(tiny_run, tmp_path):
    from evenhand.inference.stance import StanceAnalyzer

    root, _ = tiny_run
    source = root / "lora" / "final"
    if not source.exists():
        pytest.skip("needs the LoRA run")
    copy = tmp_path / "ckpt"
    shutil.copytree(source, copy)
    with open(copy / "adapter_model.safetensors", "ab") as fh:
        fh.write(b"x")
    with pytest.raises(CheckpointError, match="does not match the hash"):
        StanceAnalyzer.load(copy)


@pytest.mark.integration
def test_stance_eval_prints_model_and_baseline(tiny_run, tmp_path, capsys):
    from evenhand.__main__ import main

    root, run = tiny_run
    final = root / "lora" / "final"
    if not final.exists():
        final = run("lora")
    test_tsv = write_tsv(tmp_path / "test.tsv")
    neus = tmp_path / "neus"
    neus.mkdir()
    (neus / "val.source").write_text(
        "TITLE=> A ARTICLE=> Moscow said it backed the pact. [SEP] TITLE=> B ARTICLE=> Japan was absent.\n")
    labels = tmp_path / "dev.jsonl"
    labels.write_text(json.dumps({"id": "neus-val-0000", "topic": "the pact",
                                  "stances": {"Russia": "supports", "Japan": "not_stated"}}) + "\n")
    import random

    from evenhand.training.clauses import candidates, neus_clusters, write_labels

    clauses = tmp_path / "clauses.jsonl"
    rows = candidates(neus_clusters(["neus-val-0000"], neus)["neus-val-0000"], 5, random.Random(0))
    assert write_labels([dict(r, label="supports") for r in rows], clauses) >= 1
    out = tmp_path / "report.json"
    ckpt = tmp_path / "stance-ckpt"
    shutil.copytree(final, ckpt)
    code = main(["stance-eval", "--checkpoint", str(ckpt), "--test-file", str(test_tsv), "--labels", str(labels),
                 "--neus-dir", str(neus), "--clauses", str(clauses), "--out", str(out), "--write-card",
                 "--model-name", "tiny-stance"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "macro-F1 (neu/pos/neg)" in printed and "majority" in printed
    assert "not_stated accuracy" in printed
    report = json.loads(out.read_text())
    assert report["sentence"]["examples"] == 10
    assert report["cluster"]["model"]["items"] == 2
    # Majority of the gold labels (a tie, broken by first seen): supports, wrong for Japan's not_stated.
    assert report["cluster"]["majority"]["label"] == "supports"
    assert report["cluster"]["majority"]["not_stated_accuracy"] == 0.0
    # The card is written from the same numbers the command printed.
    card = (ckpt / "README.md").read_text(encoding="utf-8")
    meta = yaml.safe_load(card.split("---\n")[1])
    sentence, cluster, clause = meta["model-index"][0]["results"]
    assert meta["model-index"][0]["name"] == "tiny-stance" and meta["library_name"] == "peft"
    assert sentence["metrics"][0]["value"] == round(report["sentence"]["macro_f1"], 4)
    # The cluster number on the card is the v2 one (3 classes, events from the text), with its spurious rate.
    assert cluster["metrics"][0]["value"] == report["cluster"]["v2"]["macro_f1_3"]["value"]
    assert cluster["metrics"][1]["value"] == report["cluster"]["v2"]["spurious"]["rate"]
    assert clause["metrics"][0]["value"] == report["clauses"]["stance3"]["macro_f1"]["value"]
    assert "(c) holder clauses" in printed and report["clauses"]["clauses"] == len(rows)
    assert "stance-eval" in card and "{{" not in card and "holder clauses, macro-F1" in card


@pytest.mark.integration
def test_eval_of_a_stance_checkpoint_runs_the_stance_evaluation(tiny_run, tmp_path, capsys, monkeypatch):
    from evenhand.__main__ import main

    root, run = tiny_run
    final = root / "lora" / "final"
    if not final.exists():
        final = run("lora")
    # stance-eval's default data paths, relative to a working folder
    work, data = tmp_path / "work", tmp_path / "shared" / "data"
    work.mkdir()
    (data / "directed_sentiment" / "dataset").mkdir(parents=True)
    write_tsv(data / "directed_sentiment" / "dataset" / "test.txt")
    (data / "neus").mkdir()
    (data / "neus" / "val.source").write_text("TITLE=> A ARTICLE=> Moscow said it backed the pact.\n")
    labels = tmp_path / "dev.jsonl"
    labels.write_text(json.dumps({"id": "neus-val-0000", "topic": "the pact", "stances": {"Russia": "supports"}}) + "\n")
    monkeypatch.chdir(work)
    assert main(["eval", "--checkpoint", str(final), "--data", str(labels), "--out", str(tmp_path / "out")]) == 0
    assert "macro-F1 (neu/pos/neg)" in capsys.readouterr().out
    report = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert report["sentence"]["examples"] == 10 and report["cluster"]["model"]["items"] == 1
    assert report["command"].startswith("evenhand eval --checkpoint")
    assert main(["eval", "--checkpoint", str(final), "--baseline", "lead-3"]) == 2
    assert "--baseline: options for summaries" in capsys.readouterr().err


def test_stance_eval_reports_a_bad_checkpoint_without_traceback(tmp_path, capsys):
    from evenhand.__main__ import main

    assert main(["stance-eval", "--checkpoint", str(tmp_path)]) == 2
    assert "evenhand stance-eval: error:" in capsys.readouterr().err


@pytest.mark.integration
def _pact_clauses(tmp_path, n: int):
    """n copies of a two-article NeuS cluster written in the corpus format, and clause labels for every
    holder sentence of it: Russia supports, South Korea opposes, the US unrelated, any other not_holder.
    Returns (neus dir, clusters by id, label rows, label file)."""
    import random

    from evenhand.training.clauses import candidates, neus_clusters, write_labels

    neus = tmp_path / "neus"
    neus.mkdir()
    line = ("TITLE=> Russia signs pact ARTICLE=> Moscow said it backed the pact. Seoul condemned the pact. "
            "[SEP] TITLE=> Pact signed ARTICLE=> Washington said it was studying the deal.")
    (neus / "train.source").write_text("\n".join([line] * n) + "\n")
    (neus / "train.target").write_text("TITLE=> t ARTICLE=> r\n" * n)
    gold = {"Russia": "supports", "South Korea": "opposes", "United States": "unrelated"}
    clusters = neus_clusters([f"neus-train-{i:04d}" for i in range(n)], neus)
    rows = [dict(r, label=gold.get(r["country"], "not_holder"))
            for c in clusters.values() for r in candidates(c, 10, random.Random(0))]
    labels = tmp_path / "clauses.jsonl"
    write_labels(rows, labels)
    return neus, clusters, rows, labels


def test_clause_labels_train_an_event_classifier_with_a_none_output(tiny_run, tmp_path):
    """Holder-clause labels give a four-output checkpoint (neutral / positive / negative / none) that loads
    back, and whose "none" the analyzer reads."""
    from evenhand.inference.stance import StanceAnalyzer
    from evenhand.models.stance_classifier import EVENT_LABELS

    root, run = tiny_run
    neus, clusters, rows, labels = _pact_clauses(tmp_path, 4)

    final = run("event", f"data.clause_train_file={labels}", f"data.neus_dir={neus}", "data.train_file=null",
                "data.clause_val_share=0.25", "data.clause_repeat=2")
    manifest = read_manifest(final, task="stance")
    assert tuple(manifest.extra["labels"]) == EVENT_LABELS
    analyzer = StanceAnalyzer.load(final)
    assert analyzer.classifier.labels == EVENT_LABELS
    scored = analyzer.score(*_holders_of(clusters["neus-train-0000"], analyzer))
    assert scored and all(set(x.probs) == set(EVENT_LABELS) for x in scored)
    assert all(abs(sum(x.probs.values()) - 1.0) < 1e-4 for x in scored)


def test_polarity_outputs_train_on_the_clauses_with_a_stance_only(tiny_run, tmp_path):
    """clause_outputs=polarity: unrelated / not_holder clauses are left out and the checkpoint has the
    sentiment model's three outputs, so it is a drop-in for the bundled one."""
    from evenhand.inference.stance import StanceAnalyzer
    from evenhand.models.stance_classifier import SENTENCE_LABELS
    from evenhand.training.stance import clause_examples_split

    root, run = tiny_run
    neus, clusters, rows, labels = _pact_clauses(tmp_path, 3)
    overrides = [f"data.clause_train_file={labels}", f"data.neus_dir={neus}", "data.train_file=null",
                 "data.clause_val_share=0", "data.clause_outputs=polarity"]

    cfg = load_config(CONFIG, overrides, StanceTrainConfig)
    train, _ = clause_examples_split(cfg)
    with_stance = [r for r in rows if r["label"] in ("supports", "opposes", "neutral")]
    assert len(train) == len(with_stance) < len(rows)
    assert {e.label for e in train} == {"positive", "negative"}
    final = run("polarity", *overrides)
    assert tuple(read_manifest(final, task="stance").extra["labels"]) == SENTENCE_LABELS
    analyzer = StanceAnalyzer.load(final)
    scored = analyzer.score(*_holders_of(clusters["neus-train-0000"], analyzer))
    assert scored and all(set(x.probs) == set(SENTENCE_LABELS) for x in scored)


def test_an_event_classifier_starts_from_a_sentiment_checkpoint(tiny_run, tmp_path):
    """init_from: the new run starts with the checkpoint's adapter and its head rows for the outputs both
    have (neutral, positive, negative); a LoRA layout that does not fit is a clear error."""
    import random

    from safetensors.torch import load_file

    from evenhand.training.clauses import candidates, neus_clusters, write_labels

    root, run = tiny_run
    source = run("init_source")
    neus = tmp_path / "neus"
    neus.mkdir()
    (neus / "train.source").write_text("TITLE=> Russia signs pact ARTICLE=> Moscow said it backed the pact.\n" * 2)
    (neus / "train.target").write_text("TITLE=> t ARTICLE=> r\n" * 2)
    clusters = neus_clusters(["neus-train-0000", "neus-train-0001"], neus)
    labels = tmp_path / "clauses.jsonl"
    write_labels([dict(r, label="supports") for c in clusters.values() for r in candidates(c, 5, random.Random(0))],
                 labels)
    clause_run = (f"data.clause_train_file={labels}", f"data.neus_dir={neus}", "data.train_file=null",
                  "data.clause_val_share=0", f"init_from={source}")
    # A learning rate of ~0 keeps the weights where init_from put them.
    final = run("from_source", *clause_run, "trainer.max_steps=1", "trainer.learning_rate=1e-12",
                "trainer.warmup_ratio=0")
    before = load_file(str(source / "adapter_model.safetensors"))
    after = load_file(str(final / "adapter_model.safetensors"))
    lora = [k for k in before if "lora_" in k]
    assert lora and all(k in after and (after[k] - before[k]).abs().max() < 1e-6 for k in lora)
    head = next(k for k in before if k.endswith("classifier.weight"))
    assert tuple(after[head].shape) == (4, before[head].shape[1])
    assert (after[head][:3] - before[head]).abs().max() < 1e-6  # neutral, positive, negative kept
    with pytest.raises(ConfigError, match="LoRA layout"):
        run("misfit", *clause_run, "top_layers=2")


def _holders_of(cluster, analyzer):
    from evenhand.inference.holders import holder_sentences
    from evenhand.inference.stance import event_description

    return holder_sentences(cluster)[0], event_description(cluster)


def test_clause_training_needs_some_data():
    with pytest.raises(ConfigError, match="data.train_file .* or data.clause_train_file"):
        load_config(CONFIG, ["data.train_file=null"], StanceTrainConfig)
