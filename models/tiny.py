"""Tiny randomly initialised models and a byte-level tokenizer, for tests and smoke runs.

They load through exactly the same code as real base models (a local folder with
config.json, model.safetensors and tokenizer files), so tests exercise the real
training and inference paths in seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

_CORPUS = (
    "The ministers met in the capital and signed a trade agreement on Monday. "
    "Officials said the talks would continue next week, while critics warned about the costs. "
    "The government condemned the attack and called for calm. Leaders welcomed the ceasefire. "
    "Russia, Ukraine, China, the United States, North Korea and South Korea issued statements. "
)


def make_tokenizer(folder: str | Path, texts: Iterable[str] = (), *, vocab_size: int = 400, chat_template: str | None = None):
    """Train a byte-level BPE tokenizer (any string encodes) and save it as a HF fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["<pad>", "<s>", "</s>", "<unk>"]
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator([_CORPUS, *texts], trainer=trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="<s> $A </s> $B </s>", special_tokens=[("<s>", 1), ("</s>", 2)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", bos_token="<s>", eos_token="</s>", unk_token="<unk>"
    )
    if chat_template:
        fast.chat_template = chat_template
    Path(folder).mkdir(parents=True, exist_ok=True)
    fast.save_pretrained(folder)
    return fast


# A ChatML-like template, as SmolLM2 uses, to test the chat path with a tiny model.
CHATML = (
    "{% for m in messages %}<s>{{ m['role'] }}\n{{ m['content'] }}</s>\n{% endfor %}"
    "{% if add_generation_prompt %}<s>assistant\n{% endif %}"
)


def make_causal_lm(folder: str | Path, texts: Iterable[str] = (), *, chat: bool = False, seed: int = 0) -> Path:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = make_tokenizer(folder, texts, chat_template=CHATML if chat else None)
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=2048, pad_token_id=tok.pad_token_id,
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, tie_word_embeddings=True,
    )
    LlamaForCausalLM(config).save_pretrained(folder)
    return Path(folder)


def make_t5(folder: str | Path, texts: Iterable[str] = (), *, seed: int = 0) -> Path:
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    tok = make_tokenizer(folder, texts)
    torch.manual_seed(seed)
    config = T5Config(
        vocab_size=len(tok), d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=2, num_heads=4,
        pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id, decoder_start_token_id=tok.pad_token_id,
    )
    T5ForConditionalGeneration(config).save_pretrained(folder)
    return Path(folder)


def make_encoder(folder: str | Path, texts: Iterable[str] = (), *, num_labels: int = 3, seed: int = 0) -> Path:
    """A tiny BERT, standing in for all-MiniLM-L6-v2 (also a BERT) in tests."""
    import torch
    from transformers import BertConfig, BertModel

    tok = make_tokenizer(folder, texts)
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        max_position_embeddings=512, pad_token_id=tok.pad_token_id,
    )
    BertModel(config).save_pretrained(folder)
    return Path(folder)
