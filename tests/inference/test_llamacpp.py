"""The llama.cpp backend and GGUF export, on tiny random models: llama.cpp must compute what torch computes.

scripts/setup.sh installs llama-cpp-python, and .ci/run sets EVENHAND_REQUIRE_LLAMACPP=1, so in CI a missing
backend fails these tests instead of skipping them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from evenhand.corpus import to_cluster
from evenhand.errors import CheckpointError, EvenhandError

try:
    import llama_cpp  # noqa: F401
except ImportError:
    if os.environ.get("EVENHAND_REQUIRE_LLAMACPP") == "1":
        raise
    pytest.skip('llama-cpp-python is not installed (pip install "evenhand[llamacpp]")', allow_module_level=True)

from evenhand.inference.llamacpp import LlamaCppModel, check_generation
from evenhand.inference.summarizer import Summarizer
from evenhand.models import gguf_export
from evenhand.models.checkpoint import Manifest, write_checkpoint
from evenhand.models.loading import load_base_lm, load_tokenizer

PROMPT = "The ministers met in the capital and signed a trade agreement on Monday, officials said."
# Every mapped option at once, with values that change the output of a random model.
GEN = {"max_new_tokens": 24, "min_new_tokens": 6, "do_sample": False, "num_beams": 1, "no_repeat_ngram_size": 2,
       "repetition_penalty": 1.3, "copy_bias": 0.5}


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory, monkeypatch):
    # Converted GGUFs go to the evenhand cache; keep the tests' out of the user's.
    monkeypatch.setenv("EVENHAND_CACHE", str(tmp_path_factory.getbasetemp() / "evenhand-cache"))


@pytest.fixture(scope="module")
def tiny_gguf(tiny_chat_causal, tmp_path_factory):
    model, _ = load_base_lm(str(tiny_chat_causal))
    out = gguf_export.write_model_gguf(model.eval(), load_tokenizer(str(tiny_chat_causal)),
                                       tmp_path_factory.mktemp("gguf") / "tiny.gguf")
    return model, out


def _clusters(n=3):
    return [to_cluster([{"source": "A", "text": f"{PROMPT} Talks resume in week {i}."},
                        {"source": "B", "text": f"Critics said the deal costs too much, {i} analysts warned."}])
            for i in range(n)]


@pytest.fixture(scope="module")
def adapter_checkpoint(tiny_chat_causal, tmp_path_factory):
    """A LoRA checkpoint on the tiny chat model with random, non-zero A and B on every projection (a fresh
    peft B is zero, which would make a wrong export look right)."""
    from peft import LoraConfig, get_peft_model

    base, _ = load_base_lm(str(tiny_chat_causal))
    tok = load_tokenizer(str(tiny_chat_causal))
    cfg = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                                                         "up_proj", "down_proj"], layers_to_transform=[1])
    model = get_peft_model(base, cfg)
    torch.manual_seed(1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_" in name:
                p.normal_(0, 0.3)
    manifest = Manifest(task="summarizer", base_model=str(tiny_chat_causal), architecture="causal", adapter=True,
                        extra={"generation": {"max_new_tokens": 24}})

    def save(tmp: Path):
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)

    return write_checkpoint(tmp_path_factory.mktemp("ckpt") / "adapter", save, manifest)


def test_whole_model_gguf_computes_torchs_logits(tiny_gguf, tiny_chat_causal):
    model, path = tiny_gguf
    ids = load_tokenizer(str(tiny_chat_causal)).encode(PROMPT, add_special_tokens=False)
    with torch.no_grad():
        theirs = model(torch.tensor([ids])).logits[0].numpy()
    # With f32 attention llama.cpp matches torch to float precision; its default f16 K/V cache to ~1e-3.
    exact = LlamaCppModel(path, n_threads=1, f32_attention=True).logits_for(ids)
    assert exact.shape == theirs.shape
    assert np.abs(exact - theirs).max() < 1e-5
    default = LlamaCppModel(path, n_threads=1).logits_for(ids)
    assert np.abs(default - theirs).max() < 1e-2 * np.abs(theirs).max()
    assert (default.argmax(-1) == theirs.argmax(-1)).all()


def _exact_summarizer(checkpoint) -> Summarizer:
    """A llama.cpp Summarizer with f32 attention. With llama.cpp's default f16 K/V the logits differ from torch's
    by ~1e-3 relative, and a random model's near-ties could flip on another CPU's kernels; in f32 any token that
    differs is a mapping bug."""
    from evenhand.models.loading import load_checkpoint_tokenizer

    model = LlamaCppModel(*gguf_export.checkpoint_ggufs(checkpoint), n_threads=1, f32_attention=True)
    return Summarizer(model, load_checkpoint_tokenizer(checkpoint), is_encoder_decoder=False)


def test_load_with_backend_runs_the_adapter_in_llamacpp(adapter_checkpoint):
    s = Summarizer.load(adapter_checkpoint, backend="llama.cpp")
    assert isinstance(s.model, LlamaCppModel) and s.model.lora_path and Path(s.model.model_path).exists()
    (r,) = s.summarize_many(_clusters(1), progress=False, **GEN)
    assert GEN["min_new_tokens"] <= r.generated_tokens <= GEN["max_new_tokens"] and r.summary


def test_greedy_tokens_match_torch_with_every_mapped_option(adapter_checkpoint):
    torch_s = Summarizer.load(adapter_checkpoint)
    cpp_s = _exact_summarizer(adapter_checkpoint)
    ours = cpp_s.summarize_many(_clusters(), batch_size=1, progress=False, **GEN)
    theirs = torch_s.summarize_many(_clusters(), batch_size=1, progress=False, **GEN)
    assert [r.generated_tokens for r in ours] == [r.generated_tokens for r in theirs]
    assert all(r.generated_tokens >= GEN["min_new_tokens"] for r in ours)
    assert [r.summary for r in ours] == [r.summary for r in theirs]
    # The options really act: without them torch writes something else.
    plain = torch_s.summarize_many(_clusters(), batch_size=1, progress=False, max_new_tokens=24,
                                   no_repeat_ngram_size=0, repetition_penalty=1.0, copy_bias=0)
    assert [r.summary for r in plain] != [r.summary for r in theirs]


def test_the_adapter_is_applied(adapter_checkpoint, tiny_chat_causal):
    """llama.cpp with the LoRA GGUF computes the merged torch model's logits, and not the base's."""
    from evenhand.models.loading import load_summarizer_checkpoint

    merged, tok, manifest = load_summarizer_checkpoint(adapter_checkpoint)
    base, _ = load_base_lm(str(tiny_chat_causal))
    ids = tok.encode(PROMPT, add_special_tokens=False)
    lm = LlamaCppModel(*gguf_export.checkpoint_ggufs(adapter_checkpoint, manifest), n_threads=1, f32_attention=True)
    ours = lm.logits_for(ids)
    with torch.no_grad():
        want = merged(torch.tensor([ids])).logits[0].numpy()
        base_logits = base(torch.tensor([ids])).logits[0].numpy()
    assert np.abs(want - base_logits).max() > 0.1  # the adapter matters ...
    assert np.abs(ours - want).max() < 1e-5  # ... and llama.cpp applies it as peft does


def test_batched_sequences_equal_one_at_a_time(adapter_checkpoint):
    # In f32 (see _exact_summarizer) any difference would mean the slots mix; with f16 K/V a batch of 4 rounds
    # ~1e-5 differently from a batch of 1, enough to flip a random model's near-tie.
    s = _exact_summarizer(adapter_checkpoint)
    one = s.summarize_many(_clusters(4), batch_size=1, progress=False, **GEN)
    together = s.summarize_many(_clusters(4), batch_size=4, progress=False, **GEN)
    assert [r.summary for r in together] == [r.summary for r in one]
    assert len({r.summary for r in one}) > 1  # distinct prompts, distinct outputs: slots do not mix


def test_lora_gguf_round_trip(adapter_checkpoint, tmp_path):
    import gguf
    from safetensors.numpy import load_file

    out, base = gguf_export.export_gguf(adapter_checkpoint, tmp_path / "lora.gguf")
    reader = gguf.GGUFReader(str(out))
    meta = {k: f.contents() for k, f in reader.fields.items() if not k.startswith("GGUF.")}
    assert meta["general.type"] == "adapter" and meta["adapter.type"] == "lora"
    assert meta["adapter.lora.alpha"] == 8.0 and meta["general.architecture"] == "llama"
    got = {t.name: np.array(t.data).reshape(tuple(reversed([int(n) for n in t.shape]))) for t in reader.tensors}
    want = load_file(str(adapter_checkpoint / "adapter_model.safetensors"))
    assert len(got) == len(want) == 14  # 7 projections x (A, B), block 1 only
    n_head = 4  # make_causal_lm: 4 query heads, 2 key/value heads
    for key, array in want.items():
        hf = key.removeprefix("base_model.model.").replace(".lora_A.weight", ".weight").replace(".lora_B.weight", ".weight")
        name = gguf_export.gguf_name(hf, 2) + (".lora_a" if ".lora_A." in key else ".lora_b")
        expect = array
        if ".lora_B." in key and ("q_proj" in key or "k_proj" in key):
            expect = gguf_export.permute_rope_rows(array, n_head if "q_proj" in key else 2)
            assert not np.array_equal(expect, array)
        np.testing.assert_array_equal(got[name], expect)
    assert base.exists()


def test_an_adapter_for_another_base_is_refused(adapter_checkpoint, tmp_path):
    from evenhand.models.tiny import make_causal_lm
    from transformers import LlamaConfig, LlamaForCausalLM

    other = make_causal_lm(tmp_path / "other")
    cfg = LlamaConfig(**{**json.loads((other / "config.json").read_text()), "hidden_size": 48, "head_dim": 12})
    model = LlamaForCausalLM(cfg)
    gguf_path = gguf_export.write_model_gguf(model, load_tokenizer(str(other)), tmp_path / "other.gguf")
    with pytest.raises(CheckpointError, match="does not fit"):
        gguf_export.write_lora_gguf(adapter_checkpoint, gguf_path, tmp_path / "x.gguf")


@pytest.mark.parametrize("option", [{"num_beams": 4}, {"do_sample": True}, {"temperature": 0.7},
                                    {"length_penalty": 2.0}, {"use_cache": False}])
def test_unmappable_options_are_refused(option, adapter_checkpoint):
    key = next(iter(option))
    with pytest.raises(EvenhandError, match=f"cannot apply {key}="):
        check_generation({"max_new_tokens": 8, **option})
    s = Summarizer.load(adapter_checkpoint, backend="llama.cpp")
    with pytest.raises(EvenhandError, match=key):
        s.summarize_many(_clusters(1), progress=False, max_new_tokens=4, **option)


def test_torch_only_load_options_are_refused(adapter_checkpoint):
    with pytest.raises(EvenhandError, match="drop quantize"):
        Summarizer.load(adapter_checkpoint, backend="llama.cpp", quantize="int8")
    with pytest.raises(EvenhandError, match="unknown backend"):
        Summarizer.load(adapter_checkpoint, backend="onnx")


def test_without_the_package_one_line_says_how_to_install(monkeypatch):
    from evenhand.inference import llamacpp

    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` fail
    with pytest.raises(EvenhandError) as err:
        llamacpp.import_llama_cpp()
    msg = str(err.value)
    assert "\n" not in msg and 'pip install "evenhand[llamacpp]"' in msg


def test_cli_export_and_summarize(adapter_checkpoint, tmp_path, tiny_selector):
    out = tmp_path / "lora.gguf"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    run = subprocess.run([sys.executable, "-m", "evenhand", "export", str(adapter_checkpoint), "--gguf", str(out)],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert out.stat().st_size > 0 and "--lora" in run.stdout
    cluster = tmp_path / "c.json"
    cluster.write_text(json.dumps({"articles": [PROMPT, "Critics said the deal costs too much."]}))
    run = subprocess.run([sys.executable, "-m", "evenhand", "summarize", str(cluster), "--model", str(adapter_checkpoint),
                          "--no-stance", "--json", "--backend", "llama.cpp", "--max-new-tokens", "8",
                          "--mode", "abstractive", "--selector", str(tiny_selector[0])],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["summary"]


def test_transcode_keeps_the_quantized_values(tiny_gguf, tmp_path, tiny_chat_causal):
    """Q4_1 -> F16 (what the backend does with SmolLM2's file) stores the dequantized Q4_1 values, rounded to
    f16, with the same metadata; llama.cpp then computes nearly the same logits from either file."""
    import gguf

    _, f32_path = tiny_gguf
    q41 = gguf_export.transcode_gguf(f32_path, tmp_path / "q41.gguf", gguf.GGMLQuantizationType.Q4_1)
    f16 = gguf_export.transcode_gguf(q41, tmp_path / "f16.gguf")
    src, dst = gguf.GGUFReader(str(q41)), gguf.GGUFReader(str(f16))
    by_name = {t.name: t for t in dst.tensors}
    quantized = [t for t in src.tensors if t.tensor_type == gguf.GGMLQuantizationType.Q4_1]
    assert quantized and len(by_name) == len(src.tensors)
    for t in quantized:
        out = by_name[t.name]
        assert out.tensor_type == gguf.GGMLQuantizationType.F16
        want = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float16).ravel()
        np.testing.assert_array_equal(np.array(out.data).ravel(), want)
    assert dst.fields["tokenizer.ggml.tokens"].contents() == src.fields["tokenizer.ggml.tokens"].contents()
    ids = load_tokenizer(str(tiny_chat_causal)).encode(PROMPT, add_special_tokens=False)
    a = LlamaCppModel(q41, n_threads=1, f32_attention=True).logits_for(ids)
    b = LlamaCppModel(f16, n_threads=1, f32_attention=True).logits_for(ids)
    assert np.abs(a - b).max() < 0.05 * np.abs(a).max()


@pytest.mark.slow
def test_bundled_summarizer_in_llamacpp_agrees_with_torch():
    """The real thing: the bundled adapter on SmolLM2, llama.cpp (F16 base + LoRA GGUF) against torch float32,
    teacher-forced on torch's greedy summary of the example cluster."""
    from evenhand.corpus import read_clusters
    from evenhand.models.defaults import default_checkpoint

    folder = default_checkpoint("summarizer")
    torch_s = Summarizer.load(folder)
    cpp_s = Summarizer.load(folder, backend="llama.cpp")
    (cluster,) = read_clusters(str(Path(__file__).parents[2] / "examples" / "pact_cluster.json"))
    prompt, ids = torch_s._fit_prompt(cluster, torch_s._source_budget(torch_s.generation), torch_s.generation)
    with torch.inference_mode():
        out = torch_s.model.generate(torch.tensor([ids]), max_new_tokens=48, min_new_tokens=48, do_sample=False,
                                     pad_token_id=torch_s.tokenizer.pad_token_id)
        seq = out[0].tolist()
        theirs = torch_s.model(out).logits[0, len(ids) - 1:-1].argmax(-1).numpy()
    ours = cpp_s.model.logits_for(seq)[len(ids) - 1:-1].argmax(-1)
    assert (ours == theirs).mean() >= 0.9


def test_pipeline_guard_and_selector_work_the_same_with_either_backend(adapter_checkpoint, tiny_selector):
    """Pipeline.load(backend=...) gives its generator to llama.cpp; selection, attribution and the faithfulness
    guard then see the same generated text as with torch and produce the same result."""
    from evenhand.pipeline import Pipeline

    cpp = Pipeline.load(tiny_selector[0], stance=False, model=adapter_checkpoint, mode="abstractive", backend="llama.cpp")
    assert isinstance(cpp.generator.model, LlamaCppModel)
    torch_p = Pipeline.load(tiny_selector[0], stance=False, model=adapter_checkpoint, mode="abstractive")
    cpp.generator = _exact_summarizer(adapter_checkpoint)  # f32 attention: token-for-token torch's
    ours = [r.to_dict() for r in cpp.summarize_many(_clusters(), progress=False, **GEN)]
    theirs = [r.to_dict() for r in torch_p.summarize_many(_clusters(), progress=False, **GEN)]
    assert ours == theirs and all(r["summary"] for r in ours)


def test_eval_generates_with_the_backend_and_never_mixes_backends(adapter_checkpoint, corpus_dir, tmp_path):
    from evenhand.__main__ import main

    out = tmp_path / "eval"
    args = ["eval", "--checkpoint", str(adapter_checkpoint), "--data", str(corpus_dir / "train.jsonl"), "--limit", "2",
            "--batch-size", "2", "--max-new-tokens", "6", "--out", str(out), "--no-peers", "--bootstrap", "20",
            "--no-progress"]
    assert main([*args, "--backend", "llama.cpp"]) == 0
    assert len((out / "predictions.jsonl").read_text().splitlines()) == 2
    assert json.loads((out / "predictions.meta.json").read_text())["backend"] == "llama.cpp"
    assert main(args) == 2  # torch into the llama.cpp folder: refused, not appended
