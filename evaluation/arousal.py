"""The NeuS framing-bias metric (Lee et al., NAACL 2022): arousal of words the reference lacks.

Re-implemented from the reference notebook (`metric_code.ipynb` in
github.com/HLTCHKUST/framing-bias-metric), per cluster:

1. if the generation contains `ARTICLE=>`, keep only what follows it (the title is dropped);
2. preprocess generation and reference: "U.S." -> "USA", lower-case, delete every
   character that is not a word character or whitespace, NLTK Treebank word tokens,
   WordNet noun lemmas;
3. W = set(generation tokens) - set(reference tokens);
4. Arousal+ = sum of NRC-VAD arousal over words in W with valence > 0.65,
   Arousal- = the same for valence < 0.35; Arousal = Arousal+ + Arousal-.
The system score is the mean over clusters (lower = less framing bias).

NRC-VAD's terms forbid redistribution, so the lexicon is read only from a path the
user gives (`--vad-lexicon`); nothing here ships or downloads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from nltk.tokenize.destructive import NLTKWordTokenizer

from .data import EvaluationError
from .lemmatize import Lemmatizer, get_lemmatizer

VALENCE_POSITIVE = 0.65
VALENCE_NEGATIVE = 0.35

_NON_WORD_RE = re.compile(r"[^\w\s]")
_TREEBANK = NLTKWordTokenizer()


@dataclass(frozen=True)
class VAD:
    valence: float
    arousal: float
    dominance: float


class VadLexicon(dict):
    """word -> VAD, from the NRC-VAD Aug2018 text file (word<TAB>valence<TAB>arousal<TAB>dominance)."""

    path: Path | None = None


def load_vad_lexicon(path: str | Path) -> VadLexicon:
    path = Path(path)
    if not path.is_file():
        raise EvaluationError(
            f"--vad-lexicon {path}: file not found; expected NRC-VAD-Lexicon.txt from the NRC-VAD "
            "Aug2018 release (obtain it from its authors; it may not be redistributed)"
        )
    lex = VadLexicon()
    lex.path = path
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) != 4:
                raise EvaluationError(
                    f"{path} line {lineno}: expected 4 tab-separated fields (word, valence, arousal, dominance), "
                    f"got {len(parts)}"
                )
            try:
                v, a, d = (float(x) for x in parts[1:])
            except ValueError:
                if lineno == 1:  # a header line ("Word Valence Arousal Dominance")
                    continue
                raise EvaluationError(f"{path} line {lineno}: scores must be numbers, got {parts[1:]}") from None
            if not all(0.0 <= x <= 1.0 for x in (v, a, d)):
                raise EvaluationError(
                    f"{path} line {lineno}: scores must lie in 0..1 (the Aug2018 release); got {parts[1:]}. "
                    "The 2025 NRC-VAD v2 uses -1..1 and does not match the NeuS thresholds"
                )
            lex[parts[0]] = VAD(v, a, d)
    if not lex:
        raise EvaluationError(f"{path}: no entries")
    return lex


def preprocess(text: str, lemmatize: Lemmatizer) -> list[str]:
    text = text.replace("U.S.", "USA").lower()
    text = _NON_WORD_RE.sub("", text)
    # With punctuation gone NLTK's sentence split finds no boundary, so tokenising the
    # whole text equals word_tokenize (which would need punkt data).
    return [lemmatize(t) for t in _TREEBANK.tokenize(text)]


@dataclass
class ArousalScore:
    positive: float
    negative: float
    positive_words: list[str] = field(default_factory=list)
    negative_words: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return self.positive + self.negative


class ArousalMetric:
    def __init__(self, lexicon: VadLexicon, lemmatizer: Lemmatizer | None = None, wordnet: str | Path | None = None):
        self.lexicon = lexicon
        self.lemmatizer = lemmatizer if lemmatizer is not None else get_lemmatizer(lexicon.keys(), wordnet)

    def score(self, generation: str, reference: str) -> ArousalScore:
        if "ARTICLE=>" in generation:
            generation = generation.split("ARTICLE=>")[1].strip()
        gen = set(preprocess(generation, self.lemmatizer))
        novel = gen.difference(preprocess(reference, self.lemmatizer))
        pos, neg = 0.0, 0.0
        pos_words, neg_words = [], []
        for w in sorted(novel):
            entry = self.lexicon.get(w)
            if entry is None:
                continue
            if entry.valence > VALENCE_POSITIVE:
                pos += entry.arousal
                pos_words.append(w)
            elif entry.valence < VALENCE_NEGATIVE:
                neg += entry.arousal
                neg_words.append(w)
        return ArousalScore(pos, neg, pos_words, neg_words)
