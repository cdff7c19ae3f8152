"""copy_bias: a generation option that favours the tokens of each row's own articles."""

from __future__ import annotations

import pytest
import torch

from evenhand.corpus import to_cluster
from evenhand.errors import EvenhandError
from evenhand.inference.summarizer import SourceCopyBias, Summarizer
from evenhand.models.loading import load_base_lm, load_tokenizer

GREEDY = {"max_new_tokens": 8, "min_new_tokens": 8, "do_sample": False, "no_repeat_ngram_size": 0,
          "repetition_penalty": 1.0}


def test_bias_goes_to_each_rows_own_tokens_and_follows_beams():
    proc = SourceCopyBias([[1, 2, 2], [3]], 5.0, exclude={2})
    out = proc(torch.zeros(2, 1), torch.zeros(2, 6))
    assert out.tolist() == [[0, 5, 0, 0, 0, 0], [0, 0, 0, 5, 0, 0]]
    beams = proc(torch.zeros(4, 1), torch.zeros(4, 6))  # 2 beams per row, row-major as in generate()
    assert beams[:, 1].tolist() == [5, 5, 0, 0] and beams[:, 3].tolist() == [0, 0, 5, 5]


@pytest.mark.parametrize("base", ["tiny_causal", "tiny_t5"])
def test_a_large_copy_bias_generates_only_source_tokens(base, request):
    path = request.getfixturevalue(base)
    model, is_ed = load_base_lm(str(path))
    model.eval()
    tok = load_tokenizer(str(path))
    s = Summarizer(model, tok, is_encoder_decoder=is_ed)
    clusters = [to_cluster([f"The pact was signed {i}.", "Seoul said no."]) for i in range(3)]
    calls = []
    generate = model.generate

    def spy(*args, **kwargs):
        out = generate(*args, **kwargs)
        calls.append((kwargs["input_ids"], kwargs["attention_mask"], out))
        return out

    model.generate = spy

    def share_copied(**gen):
        calls.clear()
        s.summarize_many(clusters, batch_size=3, progress=False, **GREEDY, **gen)
        (ids, mask, out), = calls
        new = out[:, 1:] if is_ed else out[:, ids.shape[1]:]
        special = set(tok.all_special_ids)
        hits = total = 0
        for row_ids, row_mask, row_new in zip(ids.tolist(), mask.tolist(), new.tolist()):
            source = {t for t, m in zip(row_ids, row_mask) if m} - special
            generated = [t for t in row_new if t not in special]
            hits += sum(t in source for t in generated)
            total += len(generated)
        assert total > 0
        return hits / total

    # A random model has its own favourite tokens; a large bias overrides them either way.
    assert share_copied(copy_bias=1e4) == 1.0
    assert share_copied(copy_bias=-1e4) == 0.0


def test_unknown_generation_options_are_still_refused(tiny_causal):
    model, is_ed = load_base_lm(str(tiny_causal))
    s = Summarizer(model, load_tokenizer(str(tiny_causal)), is_encoder_decoder=is_ed)
    with pytest.raises(EvenhandError, match="copy_bais"):
        s.summarize(["A short article about a pact.", "Another short article."], copy_bais=1.0)
    for bad in ("1.5", True, float("nan")):  # a CLI string, a flag, a NaN: each refused with one message
        with pytest.raises(EvenhandError, match="copy_bias must be a number"):
            s.summarize(["A short article about a pact.", "Another short article."], copy_bias=bad)


@pytest.mark.parametrize("base", ["tiny_causal", "tiny_t5"])
def test_other_beams_come_back_as_alternatives_per_cluster(base, request):
    path = request.getfixturevalue(base)
    model, is_ed = load_base_lm(str(path))
    model.eval()
    s = Summarizer(model, load_tokenizer(str(path)), is_encoder_decoder=is_ed)
    clusters = [to_cluster([f"The pact was signed {i}.", "Seoul said no."]) for i in range(3)]
    gen = {**GREEDY, "num_beams": 3, "num_return_sequences": 3}
    batched = s.summarize_many(clusters, batch_size=3, progress=False, **gen)
    alone = [s.summarize_many([c], batch_size=1, progress=False, **gen)[0] for c in clusters]
    # Each cluster gets its own two other beams, in the order beam search ranks them, whatever the batch.
    assert all(len(r.alternatives) == 2 for r in batched)
    assert [[r.summary, *r.alternatives] for r in batched] == [[r.summary, *r.alternatives] for r in alone]
    with pytest.raises(EvenhandError, match="needs num_beams >= 3"):
        s.summarize(["A pact.", "Seoul said no."], **GREEDY, num_return_sequences=3)
