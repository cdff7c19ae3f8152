"""The fast inference paths give the same answers as the slow ones, and long clusters stay in context.

Speed itself is measured by benchmarks/inference_speed.py, never asserted here.
"""

from __future__ import annotations

import json
import random

import pytest
import torch

from evenhand.config import load_config
from evenhand.corpus import read_jsonl, to_cluster
from evenhand.errors import EvenhandError
from evenhand.inference.quantize import normalize, quantize_model, weight_bytes
from evenhand.inference.summarizer import Summarizer
from evenhand.models.loading import load_base_lm, load_tokenizer
from evenhand.training.config import SummarizerTrainConfig
from evenhand.training.summarizer import save_summarizer

GREEDY = {"max_new_tokens": 8, "min_new_tokens": 8, "do_sample": False, "no_repeat_ngram_size": 0,
          "repetition_penalty": 1.0}


def _summarizer(base, **kw) -> Summarizer:
    model, is_ed = load_base_lm(str(base))
    model.eval()
    return Summarizer(model, load_tokenizer(str(base)), is_encoder_decoder=is_ed, **kw)


@pytest.fixture(scope="module")
def clusters(corpus_dir):
    found = read_jsonl(corpus_dir / "train.jsonl") + read_jsonl(corpus_dir / "val.jsonl")
    # Different prompt lengths, so batches need padding: drop articles from some clusters.
    return [to_cluster({"id": c.id, "articles": [a.__dict__ for a in c.articles[: 2 + i % 2]]}) for i, c in enumerate(found)]


@pytest.fixture(scope="module")
def checkpoint(tiny_chat_causal, tmp_path_factory):
    """A full-weights summarizer checkpoint around the tiny chat model (no training needed)."""
    folder = tmp_path_factory.mktemp("ckpt") / "final"
    cfg = load_config(None, [f"base_model={tiny_chat_causal}", "lora.enabled=false"], SummarizerTrainConfig)
    model, _ = load_base_lm(str(tiny_chat_causal))
    save_summarizer(model, load_tokenizer(str(tiny_chat_causal)), folder, cfg, is_encoder_decoder=False)
    return folder


@pytest.mark.parametrize("base", ["tiny_causal", "tiny_chat_causal", "tiny_t5"])
def test_batched_left_padded_generation_equals_one_at_a_time(base, clusters, request):
    s = _summarizer(request.getfixturevalue(base))
    one = [s.summarize(c, **GREEDY) for c in clusters]
    batched = s.summarize_many(clusters, batch_size=4, progress=False, **GREEDY)
    assert len({r.input_tokens for r in batched}) > 1, "the test needs prompts of different lengths"
    assert [r.id for r in batched] == [c.id for c in clusters]  # input order, whatever the length buckets
    assert [r.summary for r in batched] == [r.summary for r in one]
    assert [r.input_tokens for r in batched] == [r.input_tokens for r in one]
    assert all(r.generated_tokens == 8 for r in batched)


def test_kv_cache_is_on_even_if_the_checkpoint_config_turned_it_off(tiny_causal, clusters):
    s = _summarizer(tiny_causal)
    s.model.config.use_cache = False  # what training with gradient checkpointing leaves behind
    s.model.generation_config.use_cache = False
    widths = []
    hook = s.model.register_forward_pre_hook(lambda mod, args, kwargs: widths.append(kwargs["input_ids"].shape[1]),
                                             with_kwargs=True)
    try:
        s.summarize_many(clusters[:2], batch_size=2, progress=False, **GREEDY)
    finally:
        hook.remove()
    # One forward over the prompt, then one new position per step (no re-reading of the prefix).
    assert widths[0] > 1 and widths[1:] == [1] * (len(widths) - 1) and len(widths) == 8


@pytest.mark.parametrize("mode", ["int8", "int8-all"])
def test_int8_quantization_replaces_linear_layers_and_still_summarizes(checkpoint, clusters, mode):
    fp32 = Summarizer.load(checkpoint)
    int8 = Summarizer.load(checkpoint, quantize=mode)
    assert int8.quantize == mode and fp32.quantize is None
    quantized = {n for n, m in int8.model.named_modules() if isinstance(m, torch.ao.nn.quantized.dynamic.Linear)}
    still_float = {n for n, m in int8.model.named_modules() if type(m) is torch.nn.Linear}
    assert any(n.endswith("q_proj") for n in quantized) and any(n.endswith("up_proj") for n in quantized)
    if mode == "int8-all":
        assert not still_float  # the output head included
    else:  # the outlier-prone layers stay float32
        assert still_float == {"lm_head"} | {n for n, _ in int8.model.named_modules() if n.endswith("down_proj")}
    assert weight_bytes(int8.model) < weight_bytes(fp32.model)
    results = int8.summarize_many(clusters, batch_size=4, progress=False, **GREEDY)
    assert [r.id for r in results] == [c.id for c in clusters] and all(r.generated_tokens == 8 for r in results)
    # Same prompts, only the weights differ.
    assert [r.input_tokens for r in results] == [r.input_tokens for r in fp32.summarize_many(clusters, progress=False, **GREEDY)]


def test_quantize_options_are_checked(checkpoint, tiny_causal):
    assert normalize(None) is None and normalize("none") is None and normalize("INT8") == "int8"
    assert normalize("int8-all") == "int8-all"
    with pytest.raises(EvenhandError, match="expected one of none, int8, int8-all"):
        normalize("int4")
    with pytest.raises(EvenhandError, match="CPU only"):
        Summarizer.load(checkpoint, quantize="int8", device="cuda")
    with pytest.raises(EvenhandError, match="float32"):
        Summarizer.load(checkpoint, quantize="int8", dtype=torch.bfloat16)
    model, _ = load_base_lm(str(tiny_causal), dtype=torch.bfloat16)
    with pytest.raises(EvenhandError, match="float32"):
        quantize_model(model, "int8")


def _long_cluster(n_articles=20, words=2000, seed=0) -> dict:
    """Invented filler news text: 20 outlets x 2,000 words, for the long-cluster case."""
    rng = random.Random(seed)
    subjects = ["The ministry", "Local officials", "A spokesperson", "The committee", "Residents", "Analysts"]
    verbs = ["said", "reported", "denied", "confirmed", "questioned", "welcomed"]
    objects = ["the new plan", "the delayed vote", "the harbour repairs", "the border talks", "the budget gap"]
    articles = []
    for k in range(n_articles):
        out: list[str] = []
        while len(out) < words:
            out += f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)} on day {rng.randint(1, 30)}.".split()
        articles.append({"source": f"Outlet {k + 1}", "title": f"Report {k + 1}", "text": " ".join(out[:words])})
    return {"id": "long", "articles": articles}


@pytest.mark.parametrize("max_source_tokens", [None, 10**6])
def test_twenty_articles_of_2000_words_fit_the_context(tiny_chat_causal, max_source_tokens):
    kw = {} if max_source_tokens is None else {"max_source_tokens": max_source_tokens}
    s = _summarizer(tiny_chat_causal, **kw)
    limit = s.model.config.max_position_embeddings
    cluster = _long_cluster()
    (r,) = s.summarize_many([cluster], batch_size=1, progress=False, **GREEDY)
    assert r.truncated and r.generated_tokens == 8
    assert r.input_tokens + GREEDY["max_new_tokens"] <= limit
    from evenhand.inference.prompting import build_prompt

    if max_source_tokens is None:
        # The articles' budget, plus what every prompt has (instruction, template: a one-word cluster's prompt),
        # a " …" mark and joins per cut article.
        fixed = len(s.tokenizer.encode(build_prompt(to_cluster(["x"]), s.tokenizer, max_source_tokens=10).text))
        assert r.input_tokens <= s.max_source_tokens + fixed + 8 * len(cluster["articles"])
    # Every outlet is in the prompt (fair budget), none was cut away for coming last.
    prompt = build_prompt(to_cluster(cluster), s.tokenizer, max_source_tokens=s.max_source_tokens)
    assert min(prompt.kept_tokens) > 0 and max(prompt.kept_tokens) - min(prompt.kept_tokens) <= 1
    if max_source_tokens is not None:
        # Asking for more new tokens shrinks the article budget instead of overflowing the context
        # (400 is enough to need it here, and quick to generate with the tiny model).
        (longer,) = s.summarize_many([cluster], progress=False, **{**GREEDY, "max_new_tokens": 400, "min_new_tokens": 400})
        assert longer.generated_tokens == 400 and longer.input_tokens + 400 <= limit
        assert longer.input_tokens < r.input_tokens
    # Too many for even the headers: a clear error before any generation.
    with pytest.raises(EvenhandError, match="overflows|no room"):
        s.summarize_many([cluster], progress=False, max_new_tokens=1700)
    with pytest.raises(EvenhandError, match="no room"):
        s.summarize_many([cluster], progress=False, max_new_tokens=limit)


def test_cli_and_eval_pass_quantize_through(checkpoint, corpus_dir, tmp_path, monkeypatch, tiny_selector):
    import evenhand.inference.quantize as quantize
    from evenhand.__main__ import main
    from evenhand.evaluation.generation import checkpoint_generate_fn

    modes = []
    real = quantize.quantize_model
    monkeypatch.setattr(quantize, "quantize_model", lambda model, mode: modes.append(mode) or real(model, mode))

    out = tmp_path / "r.jsonl"
    assert main(["summarize", str(corpus_dir / "val.jsonl"), "--model", str(checkpoint), "--no-stance",
                 "--mode", "abstractive", "--selector", str(tiny_selector[0]), "--quantize", "int8", "--max-new-tokens", "4", "--out", str(out)]) == 0
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["fixture-06", "fixture-07"]
    gen = checkpoint_generate_fn(checkpoint, max_new_tokens=4, quantize="int8")
    results = gen(read_jsonl(corpus_dir / "val.jsonl"))
    assert modes == ["int8", "int8"]  # one load for the CLI, one for eval, both quantized
    # eval scores the model's own text; the CLI's abstractive mode put it through the guard.
    assert len(results) == 2 and all(r.generated_tokens <= 4 and r.mode == "abstractive" for r in results)
    assert all(json.loads(line)["guard"]["generated"] for line in out.read_text().splitlines())
