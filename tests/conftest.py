"""Shared fixtures: a small corpus written for the tests, and tiny random models."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# Invented events and sentences, written for these tests.
EVENTS = [
    ("Two neighbours sign a water-sharing treaty", "Country A and Country B signed a treaty on sharing river water.",
     "Farmers welcomed the deal.", "Critics said the treaty ignores downstream towns."),
    ("Parliament passes a budget after a long debate", "The parliament approved the national budget by a narrow vote.",
     "The finance minister praised the result.", "The opposition called the budget reckless."),
    ("Storm closes ports along the coast", "A strong storm forced three ports to close on Tuesday.",
     "Officials expect the ports to reopen within days.", "Shipping firms warned of delays."),
    ("Talks on a ceasefire resume in Geneva", "Negotiators returned to Geneva to discuss a ceasefire.",
     "Mediators said both delegations attended.", "Each side blamed the other for the latest shelling."),
    ("Central bank raises interest rates", "The central bank raised its main rate by half a point.",
     "The governor said inflation remains too high.", "Business groups said the rise will slow hiring."),
    ("New rail line opens between two cities", "A high-speed rail line opened between the two largest cities.",
     "Travel time falls from five hours to two.", "Residents near the tracks complained about noise."),
    ("Election results delayed by recount", "Officials ordered a recount in four districts.",
     "The electoral commission promised results within a week.", "Both parties claimed they were ahead."),
    ("Drought cuts wheat harvest", "The wheat harvest fell by a fifth after months without rain.",
     "The agriculture ministry released grain from reserves.", "Bakers raised bread prices."),
]


def make_cluster(i: int, event) -> dict:
    title, fact, side_a, side_b = event
    return {
        "id": f"fixture-{i:02d}",
        "articles": [
            {"source": "Left Daily", "title": f"{title}: a victory", "text": f"{fact} {side_a} Supporters celebrated."},
            {"source": "Centre Wire", "title": title, "text": f"{fact} {side_a} {side_b}"},
            {"source": "Right Post", "title": f"{title}, critics fume", "text": f"{fact} {side_b} Many were angry."},
        ],
        "summary": f"{title}\n{fact} {side_a} {side_b}",
    }


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("corpus")
    clusters = [make_cluster(i, e) for i, e in enumerate(EVENTS)]
    with open(d / "train.jsonl", "w", encoding="utf-8") as fh:
        for c in clusters[:6]:
            fh.write(json.dumps(c) + "\n")
    with open(d / "val.jsonl", "w", encoding="utf-8") as fh:
        for c in clusters[6:]:
            fh.write(json.dumps(c) + "\n")
    return d


def corpus_texts() -> list[str]:
    return [" ".join(e) for e in EVENTS]


@pytest.fixture(scope="session")
def tiny_causal(tmp_path_factory) -> Path:
    from evenhand.models.tiny import make_causal_lm

    return make_causal_lm(tmp_path_factory.mktemp("tiny_causal"), corpus_texts())


@pytest.fixture(scope="session")
def tiny_chat_causal(tmp_path_factory) -> Path:
    from evenhand.models.tiny import make_causal_lm

    return make_causal_lm(tmp_path_factory.mktemp("tiny_chat"), corpus_texts(), chat=True)


@pytest.fixture(scope="session")
def tiny_t5(tmp_path_factory) -> Path:
    from evenhand.models.tiny import make_t5

    return make_t5(tmp_path_factory.mktemp("tiny_t5"), corpus_texts())


@pytest.fixture(scope="session")
def tiny_tokenizer(tiny_causal):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_causal)


def _train_overrides(base: Path, corpus: Path, out: Path, **extra) -> list[str]:
    """Overrides for a few-step training run on the fixture corpus."""
    opts = {
        "base_model": str(base),
        "output_dir": str(out),
        "data.train_file": str(corpus / "train.jsonl"),
        "data.val_file": str(corpus / "val.jsonl"),
        "data.max_source_tokens": 160,
        "data.max_target_tokens": 48,
        "trainer.max_steps": 4,
        "trainer.per_device_train_batch_size": 2,
        "trainer.eval_steps": 2,
        "trainer.save_steps": 2,
        "trainer.logging_steps": 1,
        "trainer.learning_rate": 5e-3,
        "trainer.warmup_ratio": 0.0,
        # configs/summarizer_smollm2.yaml adapts the top 10 blocks; the tiny models have 2.
        "lora.top_layers": "null",
    }
    opts.update(extra)
    return [f"{k}={v}" for k, v in opts.items()]


@pytest.fixture(scope="session")
def train_overrides():
    return _train_overrides


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def _tiny_encoder_run(root: Path, corpus_dir: Path, config: Path, prepare, suffix: str, cfg_class, train):
    """A tiny random BERT trained for 4 steps by an encoder recipe on the fixture corpus' labels (`prepare`
    writes them per split): (final checkpoint, base)."""
    from evenhand.config import load_config
    from evenhand.models.tiny import make_encoder

    base = make_encoder(root / "encoder", corpus_texts())
    for split in ("train", "val"):
        prepare(corpus_dir / f"{split}.jsonl", root / f"{split}.{suffix}.jsonl")
    cfg = load_config(config, [
        f"base_model={base}", f"output_dir={root / 'run'}", f"data.train_file={root / f'train.{suffix}.jsonl'}",
        f"data.val_file={root / f'val.{suffix}.jsonl'}", "data.limit_val=null", "trainer.max_steps=4",
        "trainer.eval_steps=2", "trainer.save_steps=2", "trainer.per_device_train_batch_size=8",
        "trainer.logging_steps=2", "lora.top_layers=1", "torch_threads=null",
    ], cfg_class)
    return train(cfg), base


@pytest.fixture(scope="session")
def tiny_selector(tmp_path_factory, corpus_dir, repo_root):
    """A tiny selector (configs/selector_minilm.yaml, 4 steps): (final checkpoint, base)."""
    from evenhand.training.selector import SelectorTrainConfig, prepare_oracle, train

    config = repo_root / "configs" / "selector_minilm.yaml"
    return _tiny_encoder_run(tmp_path_factory.mktemp("selector"), corpus_dir, config,
                             prepare_oracle, "oracle", SelectorTrainConfig, train)


@pytest.fixture(scope="session")
def tiny_deleter(tmp_path_factory, corpus_dir, repo_root):
    """A tiny phrase deleter (configs/deleter_minilm.yaml, 4 steps): (final checkpoint, base)."""
    from evenhand.training.deletion import DeleterTrainConfig, prepare_deletion, train

    config = repo_root / "configs" / "deleter_minilm.yaml"
    return _tiny_encoder_run(tmp_path_factory.mktemp("deleter"), corpus_dir, config,
                             prepare_deletion, "deletion", DeleterTrainConfig, train)
