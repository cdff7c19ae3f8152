"""Turn a cluster into model input, sharing the token budget fairly among sources.

Neutrality starts at the input: if the prompt were cut at a fixed length, the outlet
that came last would vanish from the model's view. So each article gets a share of
the budget (max-min fair: short articles keep all their tokens, the rest split what
is left evenly), and the article order comes from a hash of the text, not from the
order the user or the crawler happened to list them in.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from evenhand.corpus import Article, Cluster
from evenhand.text import article_body

INSTRUCTION = (
    "Write a neutral summary of the news event that the articles below report. "
    "Say what happened in plain words, without loaded or emotional language. "
    "Keep the facts the sources share, attribute claims and opinions to whoever made them, "
    "and do not take any outlet's side. Start with a one-line headline."
)

HEADLINE_INSTRUCTION = (
    "Write one neutral headline for the news event that the articles below report, in plain words, "
    "without loaded or emotional language and without taking any outlet's side. "
    "Use only names and numbers that the articles give."
)
INSTRUCTIONS = {"summarizer": INSTRUCTION, "headline": HEADLINE_INSTRUCTION}
HEADLINE_LEAD_SENTENCES = 2  # a headline model reads each outlet's title and first sentences

# Marks the end of the prompt for models without a chat template (tiny test models, T5, BART).
PLAIN_SUFFIX = "\n\nNeutral summary:"


def fair_budget(lengths: list[int], budget: int) -> list[int]:
    """Max-min fair split of `budget` tokens among sources of the given lengths.

    Every source gets min(its length, its fair share); what short sources leave is
    shared among the longer ones. The sum never exceeds the budget, and a non-empty
    source gets at least one token whenever budget >= number of sources.
    """
    if budget < 0:
        raise ValueError("budget must be >= 0")
    alloc = [0] * len(lengths)
    remaining = budget
    active = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    while active:
        share = remaining // len(active)
        first = active[0]
        if lengths[first] <= share:
            alloc[first] = lengths[first]
            remaining -= lengths[first]
            active.pop(0)
            continue
        # Everyone left is longer than the share: split evenly, remainder by order.
        extra = remaining - share * len(active)
        for k, i in enumerate(sorted(active)):
            alloc[i] = share + (1 if k < extra else 0)
        break
    return alloc


def order_articles(articles: list[Article], rng: random.Random | None = None) -> list[int]:
    """Indices in presentation order: random at training time, content-hash order otherwise."""
    idx = list(range(len(articles)))
    if rng is not None:
        rng.shuffle(idx)
        return idx
    return sorted(idx, key=lambda i: hashlib.sha1(articles[i].text.encode("utf-8")).hexdigest())


@dataclass
class Prompt:
    text: str  # the full model input, chat template applied if the tokenizer has one
    order: list[int]  # article indices in the order shown
    kept_tokens: list[int]  # tokens kept per article (input order)
    total_tokens: list[int]  # tokens each article had (input order)

    @property
    def truncated(self) -> bool:
        return any(k < t for k, t in zip(self.kept_tokens, self.total_tokens))


def render(blocks: list[str], tokenizer, use_chat: bool, task: str = "summarizer") -> str:
    """The whole prompt around article blocks: the task's instruction, the chat template or a plain suffix."""
    body = "\n\n".join(blocks)
    instruction = INSTRUCTIONS[task]
    if use_chat:
        messages = [
            {"role": "system", "content": instruction},
            {"role": "user", "content": body},
        ]
        return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    suffix = PLAIN_SUFFIX if task == "summarizer" else "\n\nNeutral headline:"
    return f"{instruction}\n\n{body}{suffix}"


def lead_view(cluster: Cluster, n: int = HEADLINE_LEAD_SENTENCES) -> Cluster:
    """The cluster with each article cut to its title and first `n` sentences (what a headline needs)."""
    from dataclasses import replace

    from evenhand.text import split_sentences

    articles = [replace(a, text=" ".join(split_sentences(a.text)[:n]) or a.text) for a in cluster.articles]
    return replace(cluster, articles=articles)


def headline_of(summary: str) -> str:
    """The headline of a reference summary ('headline\nbody')."""
    return summary.split("\n", 1)[0].strip()


def uses_chat_template(tokenizer, is_encoder_decoder: bool) -> bool:
    return not is_encoder_decoder and bool(getattr(tokenizer, "chat_template", None))


def encode_prompt(text: str, tokenizer, *, is_encoder_decoder: bool) -> list[int]:
    """Token ids of a rendered prompt, the same at training and at inference.

    Encoder-decoders take the tokenizer's own special tokens. A chat template already carries
    its special tokens; a plain prompt gets BOS if the model has one.
    """
    if is_encoder_decoder:
        return tokenizer.encode(text, add_special_tokens=True)
    ids = tokenizer.encode(text, add_special_tokens=False)
    if tokenizer.bos_token_id is not None and not getattr(tokenizer, "chat_template", None):
        ids = [tokenizer.bos_token_id] + ids
    return ids


def build_prompt(
    cluster: Cluster,
    tokenizer,
    *,
    max_source_tokens: int,
    is_encoder_decoder: bool = False,
    rng: random.Random | None = None,
    task: str = "summarizer",
) -> Prompt:
    """Render `cluster` as one prompt whose articles (with their headers) fit `max_source_tokens` tokens.

    task="headline" shows each article's title and lead sentences only. The instruction and chat
    template come on top (about 80 tokens for SmolLM2).
    """
    if task == "headline":
        cluster = lead_view(cluster)
    articles = cluster.articles
    use_chat = uses_chat_template(tokenizer, is_encoder_decoder)
    order = order_articles(articles, rng)
    headers = [f"Article {k + 1}" + (f" ({articles[i].source})" if articles[i].source else "") + ":" for k, i in enumerate(order)]
    token_ids = [tokenizer.encode(article_body(a), add_special_tokens=False) for a in articles]
    lengths = [len(t) for t in token_ids]
    # The per-article headers are paid from the budget first; the instruction and chat
    # template are a fixed cost outside it (the caller leaves room for them).
    overhead = sum(len(tokenizer.encode(h + "\n", add_special_tokens=False)) for h in headers)
    budget = max(len(articles), max_source_tokens - overhead)
    kept = fair_budget(lengths, budget)
    blocks = []
    for header, i in zip(headers, order):
        ids = token_ids[i][: kept[i]]
        text = tokenizer.decode(ids, skip_special_tokens=True).strip()
        if kept[i] < lengths[i]:
            text += " …"
        blocks.append(f"{header}\n{text}")
    return Prompt(text=render(blocks, tokenizer, use_chat, task), order=order, kept_tokens=kept, total_tokens=lengths)
