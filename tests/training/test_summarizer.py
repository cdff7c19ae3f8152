import json

import pytest
import torch
from safetensors.torch import load_file

from evenhand.__main__ import main
from evenhand.config import load_config
from evenhand.corpus import read_jsonl
from evenhand.inference.summarizer import Summarizer
from evenhand.training.config import SummarizerTrainConfig
from evenhand.training.summarizer import IGNORE_INDEX, CausalCollator, encode_example, train

pytestmark = pytest.mark.integration


@pytest.fixture
def cfg_for(train_overrides):
    def make(base, corpus, out, **extra) -> SummarizerTrainConfig:
        return load_config(None, train_overrides(base, corpus, out, **extra), SummarizerTrainConfig)

    return make


def test_loss_covers_only_the_summary(tiny_causal, corpus_dir, tiny_tokenizer):
    cluster = read_jsonl(corpus_dir / "train.jsonl")[0]
    ex = encode_example(cluster, tiny_tokenizer, max_source_tokens=120, max_target_tokens=512, is_encoder_decoder=False, rng=None)
    labels = ex["labels"]
    n_prompt = labels.count(IGNORE_INDEX)
    assert n_prompt > 0 and all(l == IGNORE_INDEX for l in labels[:n_prompt])
    assert ex["input_ids"][n_prompt:] == labels[n_prompt:]
    answer = tiny_tokenizer.decode(labels[n_prompt:], skip_special_tokens=True)
    assert answer == cluster.summary
    assert labels[-1] == tiny_tokenizer.eos_token_id
    batch = CausalCollator(tiny_tokenizer.pad_token_id)([ex, {k: v[:5] for k, v in ex.items()}])
    assert batch["labels"][1, 5:].eq(IGNORE_INDEX).all() and batch["attention_mask"][1, 5:].eq(0).all()


def test_causal_lora_trains_saves_reloads_and_summarizes(cfg_for, tiny_causal, corpus_dir, tmp_path):
    final = train(cfg_for(tiny_causal, corpus_dir, tmp_path / "run"))
    files = {p.name for p in final.iterdir()}
    assert {"adapter_model.safetensors", "adapter_config.json", "evenhand.json", "tokenizer.json", "train_config.yaml"} <= files
    assert not any(f.endswith((".bin", ".pt")) for f in files)
    manifest = json.loads((final / "evenhand.json").read_text())
    assert manifest["adapter"] and manifest["base_model"] == str(tiny_causal) and manifest["architecture"] == "causal"
    assert manifest["extra"]["train_metrics"]["global_step"] == 4
    s = Summarizer.load(final)
    result = s.summarize(["Country A signed a treaty.", {"source": "Wire", "title": "Treaty", "text": "Farmers welcomed it."}],
                         max_new_tokens=8, min_new_tokens=8)
    assert result.summary.strip() and result.generated_tokens == 8  # the generation options reach generate()
    assert result.sources == ["article 1", "Wire"]
    batch = s.summarize_many(read_jsonl(corpus_dir / "val.jsonl"), batch_size=2, max_new_tokens=6, progress=False)
    assert [r.id for r in batch] == ["fixture-06", "fixture-07"]


def test_t5_full_finetune_through_the_same_path(cfg_for, tiny_t5, corpus_dir, tmp_path):
    final = train(cfg_for(tiny_t5, corpus_dir, tmp_path / "run", **{"lora.enabled": "false"}))
    assert (final / "model.safetensors").exists() and not (final / "adapter_config.json").exists()
    s = Summarizer.load(final)
    assert s.is_encoder_decoder
    (r,) = s.summarize_many([["Parliament approved the budget.", "The opposition objected."]], max_new_tokens=6,
                            min_new_tokens=6, progress=False)
    assert r.summary.strip() and r.generated_tokens == 6


def test_full_finetune_reduces_training_loss(cfg_for, tiny_causal, corpus_dir, tmp_path):
    cfg = cfg_for(tiny_causal, corpus_dir, tmp_path / "run", **{"lora.enabled": "false", "trainer.max_steps": 12,
                                                                 "trainer.learning_rate": 1e-2, "data.val_file": "null"})
    final = train(cfg)
    state = json.loads(sorted((tmp_path / "run" / "checkpoints").glob("checkpoint-*/trainer_state.json"))[-1].read_text())
    losses = [h["loss"] for h in state["log_history"] if "loss" in h]
    assert losses[-1] < losses[0] * 0.9
    assert (final / "model.safetensors").exists()


def _run_until_checkpoint_then(signum, args, out, timeout=240):
    """Start `evenhand train` in a subprocess, send `signum` once checkpoint-2 is complete, wait."""
    import os
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-m", "evenhand", "train", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    deadline = time.time() + timeout
    target = out / "checkpoints" / "checkpoint-2" / "trainer_state.json"
    while not target.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signum)
    output, _ = proc.communicate(timeout=timeout)
    return proc.returncode, output


@pytest.mark.parametrize("signum_name", ["SIGKILL", "SIGINT"])
def test_interrupted_training_resumes_to_the_same_weights(train_overrides, tiny_causal, corpus_dir, tmp_path,
                                                          signum_name, repo_root):
    import signal

    extra = {"lora.enabled": "false", "trainer.early_stopping_patience": "null", "trainer.max_steps": 8,
             "trainer.logging_steps": 1}
    config = repo_root / "configs" / "summarizer_smollm2.yaml"
    straight = train(load_config(config, train_overrides(tiny_causal, corpus_dir, tmp_path / "straight", **extra),
                                 SummarizerTrainConfig))
    out = tmp_path / "resumed"
    args = [str(config), *train_overrides(tiny_causal, corpus_dir, out, **extra)]
    code, output = _run_until_checkpoint_then(getattr(signal, signum_name), args, out)
    if signum_name == "SIGINT":
        # Ctrl-C: a checkpoint is saved at the end of the step and the command exits cleanly with 130.
        assert code == 130, output
        assert "Run the same command again to resume" in output
    else:
        assert code == -signal.SIGKILL
    assert not (out / "final").exists()
    resumed = train(load_config(config, train_overrides(tiny_causal, corpus_dir, out, **extra), SummarizerTrainConfig))
    a, b = load_file(straight / "model.safetensors"), load_file(resumed / "model.safetensors")
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], atol=1e-5, rtol=1e-4)


def test_half_written_checkpoint_is_not_resumed_from(tmp_path):
    from evenhand.training.common import complete_checkpoints

    ck = tmp_path / "checkpoints"
    for step, state in ((2, "{}"), (4, "{}"), (6, '{"truncat')):
        (ck / f"checkpoint-{step}").mkdir(parents=True)
        (ck / f"checkpoint-{step}" / "trainer_state.json").write_text(state)
    (ck / "checkpoint-8").mkdir()  # killed before trainer_state.json
    assert [p.name for p in complete_checkpoints(tmp_path)] == ["checkpoint-2", "checkpoint-4"]


def test_cli_train_and_summarize(train_overrides, tiny_causal, corpus_dir, tmp_path, capsys, repo_root, tiny_selector):
    config = repo_root / "configs" / "summarizer_smollm2.yaml"
    overrides = train_overrides(tiny_causal, corpus_dir, tmp_path / "run", **{"trainer.max_steps": 2})
    assert main(["train", str(config), *overrides]) == 0
    out = tmp_path / "res.jsonl"
    assert main(["summarize", str(repo_root / "examples" / "pact_cluster.json"), "--model", str(tmp_path / "run" / "final"),
                 "--mode", "abstractive", "--selector", str(tiny_selector[0]), "--no-stance", "--max-new-tokens", "5",
                 "--out", str(out)]) == 0
    (line,) = out.read_text().splitlines()
    rec = json.loads(line)
    assert rec["id"] == "example-russia-dprk-pact-2024" and len(rec["sources"]) == 5
    assert rec["mode"] == "abstractive" and rec["guard"]["generated"] and rec["summary"].startswith(rec["headline"])
    assert main(["train", str(config), "trainer.max_stepz=2"]) == 2
    assert "did you mean 'trainer.max_steps'" in capsys.readouterr().err


def test_lora_top_layers_adapts_only_the_top_blocks(cfg_for, tiny_causal, corpus_dir, tmp_path):
    from safetensors import safe_open

    final = train(cfg_for(tiny_causal, corpus_dir, tmp_path / "run", **{"lora.top_layers": 1}))
    with safe_open(str(final / "adapter_model.safetensors"), "pt") as f:
        trained = list(f.keys())  # what the run adapted and saved
    assert trained and all(".layers.1." in n and "lora_" in n for n in trained)
    assert {n.split(".layers.1.")[1].split(".")[1] for n in trained} >= {"q_proj", "down_proj"}
    assert json.loads((final / "adapter_config.json").read_text())["layers_to_transform"] == [1]


def test_export_a_step_checkpoint(cfg_for, tiny_causal, corpus_dir, tmp_path):
    from evenhand.__main__ import main as cli

    train(cfg_for(tiny_causal, corpus_dir, tmp_path / "run", **{"trainer.save_total_limit": "null"}))
    out = tmp_path / "exported"
    assert cli(["export", str(tmp_path / "run" / "checkpoints" / "checkpoint-2"), "--out", str(out),
                "--set", "generation.max_new_tokens=7"]) == 0
    manifest = json.loads((out / "evenhand.json").read_text())
    assert manifest["extra"]["train_metrics"]["global_step"] == 2
    assert manifest["extra"]["generation"]["max_new_tokens"] == 7
    arts = ["One article.", "Another one."]
    assert Summarizer.load(out).summarize(arts, min_new_tokens=7).generated_tokens == 7  # the recorded default
    assert cli(["export", str(tmp_path / "run"), "--out", str(tmp_path / "x")]) == 2

    # A checkpoint folder re-exports with a changed setting: same weights, new setting, the card kept.
    (out / "README.md").write_text("# card\n")
    again = tmp_path / "again"
    assert cli(["export", str(out), "--out", str(again), "--set", "generation.max_new_tokens=3"]) == 0
    assert (again / "adapter_model.safetensors").read_bytes() == (out / "adapter_model.safetensors").read_bytes()
    assert (again / "README.md").read_text() == "# card\n"
    assert json.loads((again / "evenhand.json").read_text())["extra"]["train_metrics"]["global_step"] == 2
    assert Summarizer.load(again).summarize(arts, min_new_tokens=3).generated_tokens == 3
    adapter = json.loads((again / "adapter_config.json").read_text())
    assert adapter["base_model_name_or_path"] == str(tiny_causal)  # no offline alias: named as configured


def test_top_layers_beyond_the_model_is_a_config_error():
    from evenhand.errors import ConfigError
    from evenhand.training.common import top_layer_indices

    assert top_layer_indices(30, 10) == list(range(20, 30))
    assert top_layer_indices(30, None) is None
    with pytest.raises(ConfigError, match="lora.top_layers must be between 1 and 2"):
        top_layer_indices(2, 10)


def test_headline_task_trains_on_titles_and_leads_and_its_headline_is_guarded(
        train_overrides, tiny_causal, corpus_dir, tmp_path, repo_root, tiny_selector, tiny_tokenizer):
    from evenhand.inference.guard import SourceIndex, check
    from evenhand.inference.prompting import build_prompt
    from evenhand.models.checkpoint import read_manifest
    from evenhand.models.selector import SentenceEmbedder, SentenceSelector
    from evenhand.pipeline import Pipeline

    cluster = read_jsonl(corpus_dir / "val.jsonl")[0]
    # The headline prompt shows titles and lead sentences only; the target is the reference's first line.
    prompt = build_prompt(cluster, tiny_tokenizer, max_source_tokens=400, task="headline").text
    assert "Shipping firms warned" not in prompt and all(a.title in prompt for a in cluster.articles)
    ex = encode_example(cluster, tiny_tokenizer, max_source_tokens=400, max_target_tokens=40,
                        is_encoder_decoder=False, rng=None, task="headline")
    target = [t for t, lab in zip(ex["input_ids"], ex["labels"]) if lab != -100]
    assert tiny_tokenizer.decode(target, skip_special_tokens=True).strip() == cluster.summary.split("\n")[0]

    config = repo_root / "configs" / "headline_smollm2.yaml"
    assert main(["train", str(config), *train_overrides(tiny_causal, corpus_dir, tmp_path / "h",
                                                        **{"trainer.max_steps": 2})]) == 0
    final = tmp_path / "h" / "final"
    assert read_manifest(final, task="headline").task == "headline"
    selector, base = tiny_selector
    pipeline = Pipeline(SentenceSelector.load(selector), SentenceEmbedder.load(str(base)),
                        headline=Summarizer.load(final))
    result = pipeline.summarize(cluster)
    assert result.guard.generated  # the headline was generated, then checked
    assert [s.text for s in check(result.headline, SourceIndex.build(cluster)) if not s.supported] == []
