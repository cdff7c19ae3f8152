"""Sentence compression by deletion (inference/compress.py) on the real spaCy parse: each rule on a sentence
built for it, what must never be deleted, and that the result is always the sentence's own words in order."""

from __future__ import annotations

import numpy as np
import pytest

from evenhand.corpus import Article, Cluster
from evenhand.errors import ConfigError
from evenhand.inference.compress import RULES, compress, optional_subtrees
from evenhand.inference.selection import SelectionSettings, candidates, compressed, select, similarity
from evenhand.text import parse, word_count


def short(text: str, *rules: str, **kw) -> str:
    return compress(parse(text), rules or RULES, **kw)


@pytest.mark.parametrize("rule, text, expected", [
    ("parenthetical", "The treaty (signed in Pyongyang on Wednesday) takes effect at once.",
     "The treaty takes effect at once."),
    ("parenthetical", "The treaty — which critics called a threat — takes effect at once.",
     "The treaty takes effect at once."),
    ("connective", "However, Seoul said it would review its policy on arms exports.",
     "Seoul said it would review its policy on arms exports."),
    ("charged", "Russia launched a brutal invasion of Ukraine in February 2022.",
     "Russia launched an invasion of Ukraine in February 2022."),
    ("appositive", "Vladimir Putin, the Russian president, signed the treaty in Pyongyang.",
     "Vladimir Putin signed the treaty in Pyongyang."),
    ("relative", "The treaty, which was signed on Wednesday, commits both sides to mutual defence.",
     "The treaty commits both sides to mutual defence."),
    ("relative", "The ministers met the envoy from Seoul, who warned against the deal.",
     "The ministers met the envoy from Seoul."),
])
def test_each_rule_deletes_what_it_names(rule, text, expected):
    assert short(text, rule) == expected


@pytest.mark.parametrize("text", [
    "The Supreme Court did not block the law on Monday.",  # a loaded word that is part of a name
    "Great Britain said the talks were not over.",  # "great" is loaded, but it names a country
    "Seoul never approved the sale of weapons to Kyiv.",  # a negation is never deleted
    "The treaty was signed.",  # too short to lose anything
    "The judge's son was fatally shot and her husband is in critical condition.",  # modifiers that state facts
    'Pence called Soleimani "an evil man responsible for killing Americans" on Saturday.',  # a quote is never edited
    "The councils blamed the violence on anti-racism activists in Virginia.",  # part of a written word
    "It was the harshest sanction that Washington has imposed on Moscow.",  # superlatives compare, they are kept
])
def test_what_is_never_deleted(text):
    assert short(text) == text


def test_the_result_is_the_sentence_own_words_in_order():
    texts = ["But the deal, which Washington called a dangerous escalation, was signed (in secret) on June 19.",
             "Kim Jong Un, North Korea's leader, warmly welcomed the terrible, shocking agreement with Moscow.",
             "Meanwhile, South Korea — a key US ally — said it would reconsider its ban on arms for Ukraine."]
    for text in texts:
        out = short(text)
        assert out != text and word_count(out) >= 4
        source = iter(w.strip(",.—") for w in text.split())
        # every output word occurs in the source, in the source's order ("an" may stand for "a")
        for w in out.split():
            w = w.strip(",.—")
            assert any(s == w or (s.lower(), w.lower()) in {("a", "an"), ("an", "a")} or s.lower() == w.lower()
                       for s in source), (w, out)


def test_unknown_rule_is_an_error():
    with pytest.raises(ValueError, match="unknown compression rule 'shorten'"):
        short("Russia signed the treaty with North Korea on Wednesday.", "shorten")


def test_a_bad_rule_in_the_settings_fails_when_the_settings_are_made():
    with pytest.raises(ConfigError, match="unknown compression rule 'shorten'; known: parenthetical"):
        SelectionSettings(compress=("charged", "shorten"))
    with pytest.raises(ConfigError, match="a list of names, got the string 'charged'"):
        SelectionSettings(compress="charged")
    assert SelectionSettings(compress=["charged"]).compress == ("charged",)  # a JSON list is accepted


def test_selection_budget_counts_the_compressed_words():
    body = ("Russia, which has sought new partners since 2022, signed a sweeping defence treaty with North Korea. "
            "Seoul (a close US ally) condemned the deal on Thursday. "
            "However, Washington said it would watch the treaty closely.")
    cluster = Cluster(id="c", articles=[Article(text=body, title="Russia and North Korea sign treaty", source="A")])
    full = candidates(cluster)
    cut = compressed(cluster, full, ("parenthetical", "connective", "relative"))
    assert [c.text for c in cut if c.kind == "sentence"] == [
        "Russia signed a sweeping defence treaty with North Korea.",
        "Seoul condemned the deal on Thursday.",
        "Washington said it would watch the treaty closely."]
    assert all(c.full == f.text for c, f in zip(cut, full) if c.text != f.text)
    assert cut[0] == full[0]  # titles stay whole
    budget = sum(word_count(c.text) for c in cut if c.kind == "sentence")
    settings = SelectionSettings(budget_words=budget, min_words=1)
    sim = similarity(np.eye(len(cut), dtype=np.float32))
    scores = [1.0] * len(cut)
    # the three short forms fit a budget the full sentences exceed
    assert len(select(cut, scores, sim, n_sources=1, settings=settings).body) == 3
    assert len(select(full, scores, sim, n_sources=1, settings=settings).body) < 3


def test_optional_subtrees_are_phrases_the_sentence_parses_without():
    doc = parse("Putin signed the treaty in Pyongyang on Wednesday, and Kim praised it.")
    toks = list(doc)
    groups = [" ".join(toks[k].text for k in sorted(g)) for g in optional_subtrees(doc)]
    assert "in Pyongyang" in groups and "on Wednesday" in groups
    assert all("signed" not in g for g in groups)  # the main verb is never optional
    assert groups == sorted(groups, key=lambda g: -len(g.split()))  # outer phrases first
    quoted = parse('Kim said the pact was "a breakthrough for peace in the region" on Wednesday.')
    offered = [" ".join(list(quoted)[k].text for k in sorted(g)) for g in optional_subtrees(quoted)]
    assert "on Wednesday" in offered and not any("peace" in g or "region" in g for g in offered)  # never in a quote


def test_extra_deletions_obey_the_same_limits():
    doc = parse('Putin said on Wednesday that the pact was "a breakthrough in Pyongyang" for both sides.')
    toks = list(doc)
    where = {" ".join(toks[k].text for k in sorted(g)): g for g in optional_subtrees(doc)}
    in_quote = {k for k, t in enumerate(toks) if t.text in ("in", "Pyongyang")}
    out = compress(doc, (), extra=[where["on Wednesday"], in_quote])
    assert out == 'Putin said that the pact was "a breakthrough in Pyongyang" for both sides.'  # a quote stays
    root = {k for k, t in enumerate(toks) if t.dep_ == "ROOT"}
    assert compress(doc, (), extra=[root]) == doc.text  # the main verb never goes
