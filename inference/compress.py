"""Sentence compression by deletion: a selected sentence with the words a neutral roundup would leave out.

    short = compress(span, rules=("parenthetical", "connective", "charged"))

Each rule deletes whole subtrees of the sentence's dependency parse (the one sentence layer's spaCy
parse), so the result is the outlet's own words in their own order, minus some: nothing can be invented,
the guard has nothing to check, and the budget then holds more of what the outlets report.

- parenthetical: text in brackets or between a pair of dashes ("(AP)", "— a move critics called reckless —").
- connective: a sentence-opening "But", "However,", "Meanwhile," that points at a sentence not selected.
- charged: a loaded adjective of a noun or a loaded adverb ("brutal invasion", "a horrific attack"): loaded as
  evenhand's loaded-language metric counts it (VADER rating of at least 2.0 in magnitude); negations, parts
  of names, comparatives and superlatives, and words that classify rather than judge (FACTUAL: "fatally",
  "illegal", "critical condition") are never deleted.
- appositive: a description set off by commas after a name ("Putin, the Russian president, said").
- relative: a non-restrictive relative clause (", which ..." / ", who ...").

Nothing inside quotation marks is deleted (a quote stays what the speaker said). A deletion that would leave
fewer than `min_words` words, or take the sentence's main verb, is not made.
"""

from __future__ import annotations

import re

from evenhand.errors import ConfigError
from evenhand.text import NAME_WORDS, vader_lexicon, word_count

RULES = ("parenthetical", "connective", "charged", "appositive", "relative")
CONNECTIVES = frozenset({"but", "and", "however", "meanwhile", "still", "yet", "also", "so", "instead", "moreover",
                         "furthermore", "additionally", "nonetheless", "nevertheless", "indeed", "meantime",
                         "separately", "then", "now"})
_NEVER = frozenset({"not", "no", "never", "n't", "nor", "only", "nearly", "almost", "least", "most", "more", "less"})
# Loaded in VADER, but in news they classify rather than judge: deleting one changes what is reported
# ("fatally shot", "illegal drugs", "free speech", "criminal charges", "tested positive", "critical condition").
FACTUAL = frozenset({"illegal", "illegally", "criminal", "criminally", "free", "freely", "fake", "false", "falsely",
                     "dead", "deadly", "fatal", "fatally", "sick", "ill", "injured", "wounded", "positive",
                     "negative", "critical", "critically", "safe", "safely", "guilty", "innocent", "unwanted",
                     "suicidal", "terrorist", "violent", "violently", "weak", "strong", "successful", "true"})
_KEEP = _NEVER | FACTUAL | NAME_WORDS
_OPEN = {"(": ")", "[": "]"}
_DASHES = {"—", "–", "--"}
_RELATIVE = frozenset({"which", "who", "whom", "whose"})
_MODIFIER_POS = {"ADJ", "ADV", "CCONJ", "PUNCT", "PART", "DET"}


def check_rules(rules) -> tuple[str, ...]:
    """`rules` as a tuple of known rule names, else a ConfigError that lists them."""
    if isinstance(rules, str):
        raise ConfigError(f"compression rules must be a list of names, got the string {rules!r}; "
                          f"known: {', '.join(RULES)}")
    for rule in rules:
        if rule not in _RULE_FUNCS:
            raise ConfigError(f"unknown compression rule {rule!r}; known: {', '.join(RULES)}")
    return tuple(rules)


def compress(span, rules=RULES, *, charged_threshold: float = 2.0, min_words: int = 4, extra=()) -> str:
    """`span` (a spaCy Span or Doc of one sentence) with the deletions of `rules`; its text if none applies.
    `extra`: more deletions to try after the rules' (sets of token positions in the span, e.g. chosen from
    `optional_subtrees`), under the same limits."""
    toks = list(span)
    base = toks[0].i if toks else 0
    quoted = _quoted(toks)
    drop: set[int] = set()
    groups = [g for rule in check_rules(rules) for g in _RULE_FUNCS[rule](toks, base, charged_threshold)]
    for group in groups + [set(g) for g in extra]:
        if _allowed(toks, group, quoted) and word_count(_join(toks, drop | group)) >= min_words:
            drop |= group
    return _join(toks, drop) if drop else span.text.strip()


def _allowed(toks, group: set[int], quoted: set[int]) -> bool:
    """A quotation is never edited, the main verb never goes, and no deletion starts or ends inside a word."""
    return bool(group) and not group & quoted and not any(toks[k].dep_ == "ROOT" for k in group) \
        and not _inside_word(toks, group)


# Dependents a sentence still parses without: what a learned deleter would choose among (not a shipped rule;
# `scripts/selection_sweep.py --oracle-deletion` measures how much choosing them well could buy).
OPTIONAL_DEPS = frozenset({"prep", "advcl", "npadvmod", "appos", "relcl", "acl", "advmod", "conj", "agent",
                           "parataxis"})


def optional_subtrees(span) -> list[set[int]]:
    """Each optional dependent's subtree (OPTIONAL_DEPS) as a set of token positions in `span`, with the comma
    that sets it off and, for a conjunct, its "and"/"or"; only those compress() may delete (none in a quote or
    inside a word); largest first, so that an outer phrase is tried before the phrases inside it."""
    toks = list(span)
    base = toks[0].i if toks else 0
    quoted = _quoted(toks)
    out: list[set[int]] = []
    for t in toks:
        lo, hi = t.left_edge.i - base, t.right_edge.i - base
        if t.dep_ not in OPTIONAL_DEPS or not 0 <= lo <= hi < len(toks):
            continue
        if t.dep_ == "conj" and lo > 0 and toks[lo - 1].dep_ == "cc":
            lo -= 1
        group = set(range(lo, hi + 1)) | _set_off(toks, lo, hi)
        if _allowed(toks, group, quoted):
            out.append(group)
    return sorted(out, key=len, reverse=True)


def _inside_word(toks, group: set[int]) -> bool:
    """Whether the group starts or ends inside a written word ("anti-racism": "racism" is not a word of its own)."""
    lo, hi = min(group), max(group)
    glued_before = lo > 0 and not toks[lo - 1].whitespace_ and toks[lo - 1].text not in _OPEN
    glued_after = hi + 1 < len(toks) and not toks[hi].whitespace_ and toks[hi + 1].is_alpha
    return glued_before and toks[lo].is_alpha or glued_after


def _quoted(toks) -> set[int]:
    """Indices of the tokens between quotation marks (the marks included)."""
    out: set[int] = set()
    open_at = None
    for k, t in enumerate(toks):
        if t.text in ("“", "”", '"', "``", "''"):
            if open_at is None and t.text != "”":
                open_at = k
            elif open_at is not None:
                out |= set(range(open_at, k + 1))
                open_at = None
    if open_at is not None:  # a quote that runs to the end of the sentence
        out |= set(range(open_at, len(toks)))
    return out


def _join(toks, drop: set[int]) -> str:
    kept = [k for k in range(len(toks)) if k not in drop]
    # a kept word is followed by a space when the original had one anywhere up to the next kept word
    parts = [toks[k].text + (" " if any(toks[j].whitespace_ for j in range(k, nxt)) else "")
             for k, nxt in zip(kept, kept[1:] + [len(toks)])]
    for n, (k, nxt) in enumerate(zip(kept, kept[1:])):
        # "a brutal invasion" -> "an invasion": the article agrees with the word that now follows it
        if toks[k].lower_ in ("a", "an") and nxt != k + 1:
            article = "an" if toks[nxt].text[:1].lower() in "aeiou" else "a"
            article = article.capitalize() if toks[k].text[:1].isupper() else article
            parts[n] = article + " "
    text = "".join(parts)
    text = re.sub(r"\s+([,.;:!?%)\]'’])", r"\1", text) if drop else text
    text = re.sub(r",(\s*[,.;:!?])", r"\1", text)
    text = re.sub(r"^[\s,;:—–-]+", "", re.sub(r"\s{2,}", " ", text)).strip()
    if drop and toks and toks[0].text[:1].isupper() and text[:1].islower():
        text = text[0].upper() + text[1:]
    return text


def _parenthetical(toks, base, _) -> list[set[int]]:
    out: list[set[int]] = []
    k = 0
    while k < len(toks):
        t = toks[k].text
        close = _OPEN.get(t) or (t if t in _DASHES else None)
        if close:
            end = next((j for j in range(k + 1, len(toks)) if toks[j].text == close
                        or (close in _DASHES and toks[j].text in _DASHES)), None)
            if end is not None:
                out.append(set(range(k, end + 1)))
                k = end
        k += 1
    return out


def _connective(toks, base, _) -> list[set[int]]:
    if len(toks) < 3 or toks[0].lower_ not in CONNECTIVES or toks[0].dep_ not in ("cc", "advmod", "discourse", "intj"):
        return []
    return [{0, 1} if toks[1].text == "," else {0}]


def _charged(toks, base, threshold) -> list[set[int]]:
    """Plain (not comparative or superlative) loaded adjectives of a noun and loaded adverbs, with their own
    intensifiers; never a classifying word that states a fact (FACTUAL)."""
    lexicon = vader_lexicon()
    out: list[set[int]] = []
    for t in toks:
        if (t.dep_, t.tag_) not in (("amod", "JJ"), ("advmod", "RB")) or t.ent_type_ or t.lower_ in _KEEP:
            continue
        if abs(lexicon.get(t.lower_, 0.0)) < threshold:
            continue
        sub = list(t.subtree)
        if all(s.pos_ in _MODIFIER_POS and not s.ent_type_ and s.lower_ not in _KEEP for s in sub):
            out.append({s.i - base for s in sub if 0 <= s.i - base < len(toks)})
    return out


def _set_off(toks, lo: int, hi: int) -> set[int]:
    """Token range [lo, hi] with the comma before it, and the comma after it unless the sentence ends there."""
    if lo == 0 or toks[lo - 1].text != ",":
        return set()
    return set(range(lo - 1, hi + 2 if hi + 1 < len(toks) and toks[hi + 1].text == "," else hi + 1))


def _appositive(toks, base, _) -> list[set[int]]:
    out: list[set[int]] = []
    for t in toks:
        if t.dep_ == "appos" and t.head.pos_ == "PROPN" and not t.ent_type_:
            lo, hi = t.left_edge.i - base, t.right_edge.i - base
            if hi < len(toks) - 1 and toks[hi + 1].text == ",":
                out.append(_set_off(toks, lo, hi))
    return out


def _relative(toks, base, _) -> list[set[int]]:
    out: list[set[int]] = []
    for t in toks:
        if t.dep_ == "relcl":
            lo, hi = t.left_edge.i - base, t.right_edge.i - base
            if 0 <= lo <= hi < len(toks) and toks[lo].lower_ in _RELATIVE:
                out.append(_set_off(toks, lo, hi))
    return out


_RULE_FUNCS = {"parenthetical": _parenthetical, "connective": _connective, "charged": _charged,
               "appositive": _appositive, "relative": _relative}
