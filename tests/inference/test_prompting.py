import random

from hypothesis import given, settings
from hypothesis import strategies as st

from evenhand.corpus import to_cluster
from evenhand.inference.prompting import INSTRUCTION, build_prompt, fair_budget


@given(st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=25), st.integers(min_value=0, max_value=20000))
def test_fair_budget_never_exceeds_and_is_max_min_fair(lengths, budget):
    alloc = fair_budget(lengths, budget)
    assert sum(alloc) <= budget
    assert all(0 <= a <= n for a, n in zip(alloc, lengths))
    share = budget // len(lengths)
    # Every source keeps at least its fair share (or all of itself when shorter).
    assert all(a >= min(n, share) for a, n in zip(alloc, lengths))
    # Nothing is wasted while some source is still cut.
    if any(a < n for a, n in zip(alloc, lengths)):
        assert sum(alloc) == budget
    # Max-min fairness: cut sources differ by at most one token (the integer remainder) and get
    # no less than any uncut source, up to that same one token.
    cut = [a for a, n in zip(alloc, lengths) if a < n]
    uncut = [a for a, n in zip(alloc, lengths) if a == n]
    if cut:
        assert max(cut) - min(cut) <= 1
        assert not uncut or min(cut) >= max(uncut) - 1


def test_fair_budget_worked_example():
    # 100 tokens for sources of 10, 500 and 80: the short one keeps all, the others split 90.
    assert fair_budget([10, 500, 80], 100) == [10, 45, 45]
    assert fair_budget([10, 20], 100) == [10, 20]
    assert fair_budget([2, 2], 3) == [2, 1]  # the odd token goes to the first source


long_text = st.text(alphabet="abcdefghij klmnop.", min_size=1, max_size=400).filter(lambda s: s.strip())


@settings(max_examples=30, deadline=None)
@given(st.lists(long_text, min_size=1, max_size=8), st.integers(min_value=40, max_value=300))
def test_every_source_appears_and_budget_holds(tiny_tokenizer, texts, budget):
    cluster = to_cluster([{"source": f"S{i}", "text": t} for i, t in enumerate(texts)])
    p = build_prompt(cluster, tiny_tokenizer, max_source_tokens=budget)
    for i in range(len(texts)):
        assert f"(S{i}):" in p.text
    headers = sum(len(tiny_tokenizer.encode(f"Article {k + 1} (S{i}):\n", add_special_tokens=False)) for k, i in enumerate(p.order))
    assert sum(p.kept_tokens) + headers <= max(budget, len(texts) + headers)
    assert all(k >= 1 for k in p.kept_tokens)


def test_last_article_is_not_cut_away(tiny_tokenizer):
    long = "word " * 2000
    cluster = to_cluster([{"source": "First", "text": long}, {"source": "Last", "text": "The last outlet reports a ceasefire."}])
    p = build_prompt(cluster, tiny_tokenizer, max_source_tokens=120)
    assert "ceasefire" in p.text and p.truncated
    assert p.kept_tokens[1] == p.total_tokens[1]


def test_order_does_not_depend_on_input_order(tiny_tokenizer):
    arts = [{"source": s, "text": f"{s} says something."} for s in ("A", "B", "C", "D")]
    p1 = build_prompt(to_cluster(arts), tiny_tokenizer, max_source_tokens=200)
    p2 = build_prompt(to_cluster(list(reversed(arts))), tiny_tokenizer, max_source_tokens=200)
    assert p1.text == p2.text
    assert INSTRUCTION in p1.text and "neutral" in INSTRUCTION.lower()
    shuffled = {build_prompt(to_cluster(arts), tiny_tokenizer, max_source_tokens=200, rng=random.Random(s)).text for s in range(6)}
    assert len(shuffled) > 1  # training shuffles the order


def test_chat_template_is_used_when_present(tiny_chat_causal):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_chat_causal)
    p = build_prompt(to_cluster(["An article."]), tok, max_source_tokens=100)
    assert p.text.startswith("<s>system\n") and p.text.endswith("<s>assistant\n")
