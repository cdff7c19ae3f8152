"""Selection: balance, budget, redundancy, order and attribution (pure functions, property-tested)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from evenhand.corpus import Article, Cluster
from evenhand.inference.selection import (Candidate, SelectionSettings, attribute, candidates, select, similarity)


def make(pool: list[tuple[int, int, float]]):
    """Candidates from (article, words, score) triples: one title per article first, then body sentences."""
    cands, scores = [], []
    articles = sorted({a for a, _, _ in pool})
    for a in articles:
        cands.append(Candidate(a, f"outlet {a}", "title", 0, f"Title {a}", 0, 7))
        scores.append(0.0)
    pos = {a: 0 for a in articles}
    for a, n, score in pool:
        pos[a] += 1
        cands.append(Candidate(a, f"outlet {a}", "sentence", pos[a], " ".join(f"w{a}x{pos[a]}" for _ in range(n)), 0, 0))
        scores.append(score)
    return cands, scores


def orthogonal(n: int) -> np.ndarray:
    """Unit embeddings that are all mutually dissimilar (cosine 0): nothing is redundant or supported."""
    return similarity(np.eye(n, dtype=np.float32))


pools = st.lists(st.tuples(st.integers(0, 4), st.integers(4, 30), st.floats(0, 1)), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(pools, st.integers(10, 150))
def test_selection_never_exceeds_the_budget_and_drops_no_outlet_that_fits(pool, budget):
    cands, scores = make(pool)
    s = SelectionSettings(budget_words=budget, redundancy=1.1, min_words=4, max_words=45)
    chosen = select(cands, scores, orthogonal(len(cands)), n_sources=5, settings=s)
    words = [len(cands[i].text.split()) for i in chosen.body]
    assert sum(words) <= budget
    shortest = {}
    for c in cands:
        if c.kind == "sentence":
            shortest[c.article] = min(shortest.get(c.article, 99), len(c.text.split()))
    if sum(shortest.values()) <= budget:  # room for one sentence of every outlet: each is in
        assert {cands[i].article for i in chosen.body} == set(shortest)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.just(10), st.floats(0, 1)), min_size=1, max_size=30),
       st.integers(1, 12))
def test_no_outlet_gets_two_more_sentences_than_one_that_still_had_some(pool, k):
    cands, scores = make(pool)
    s = SelectionSettings(budget_words=10 * k, redundancy=1.1)
    chosen = select(cands, scores, orthogonal(len(cands)), n_sources=4, settings=s)
    have = {a: sum(1 for c in cands if c.article == a and c.kind == "sentence") for a in {c.article for c in cands}}
    got = {a: sum(1 for i in chosen.body if cands[i].article == a) for a in have}
    assert sum(got.values()) == min(k, sum(have.values()))
    for a in have:
        for b in have:
            assert got[a] <= got[b] + 1 or got[b] == have[b]


def test_redundant_sentences_are_skipped_and_become_attribution():
    cands, scores = make([(0, 8, 0.9), (1, 8, 0.8), (1, 8, 0.1), (2, 8, 0.5)])
    # Sentence of article 1 (index 4) says what article 0's (index 3) says; article 2's is unrelated.
    emb = np.eye(len(cands), dtype=np.float32)
    emb[4] = emb[3]
    sim = similarity(emb)
    chosen = select(cands, scores, sim, n_sources=3, settings=SelectionSettings(budget_words=100))
    assert 4 not in chosen.body and 3 in chosen.body
    sources = dict(zip(chosen.body, attribute(cands, sim, chosen.body, threshold=0.5)))
    assert sources[3] == [0, 1]  # its own outlet first, then the one with a matching sentence
    for i, arts in sources.items():
        for a in arts[1:]:
            assert any(c.article == a and sim[i, j] >= 0.5 for j, c in enumerate(cands)), "attributed without a match"


def test_headline_is_the_best_title_and_points_read_in_article_order():
    cands, scores = make([(0, 8, 0.2), (0, 8, 0.9), (1, 8, 0.7)])
    scores[1] = 0.8  # article 1's title
    chosen = select(cands, scores, orthogonal(len(cands)), n_sources=2,
                    settings=SelectionSettings(budget_words=100, loaded_penalty=0, support_weight=0))
    assert cands[chosen.headline].text == "Title 1"
    assert [cands[i].position for i in chosen.body] == sorted(cands[i].position for i in chosen.body)


def test_loaded_words_lower_a_sentence_below_a_plain_one():
    cluster = Cluster(articles=[
        Article(text="The brutal, disgraceful regime crushed the protest.", title="A", source="X"),
        Article(text="Police dispersed the protest on Sunday evening.", title="B", source="Y"),
    ])
    cands = candidates(cluster)
    body = [i for i, c in enumerate(cands) if c.kind == "sentence"]
    chosen = select(cands, [0.5] * len(cands), orthogonal(len(cands)), n_sources=2,
                    settings=SelectionSettings(budget_words=8))
    assert chosen.adjusted[body[0]] < chosen.adjusted[body[1]]
    assert [cands[i].source for i in chosen.body] == ["Y"]


def test_candidates_keep_each_title_whole_and_offsets_into_the_article():
    cluster = Cluster(articles=[Article(text="First one. Second one.", title="Is it true? We asked.", source="X")])
    cands = candidates(cluster)
    assert [(c.kind, c.position, c.text) for c in cands] == [
        ("title", 0, "Is it true? We asked."), ("sentence", 1, "First one."), ("sentence", 2, "Second one.")]
    body = "Is it true? We asked.\nFirst one. Second one."
    assert all(body[c.start:c.end] == c.text for c in cands)
