"""Selector labels, a tiny selector trained end to end, and the pipeline that uses it."""

from __future__ import annotations

import json

import pytest

from evenhand.__main__ import main
from evenhand.corpus import Article, Cluster, read_jsonl
from evenhand.errors import CorpusError, EvenhandError
from evenhand.inference.guard import SourceIndex, check
from evenhand.inference.selection import SelectionSettings
from evenhand.inference.summarizer import SummaryResult
from evenhand.models.checkpoint import read_manifest
from evenhand.models.selector import SentenceEmbedder, SentenceSelector
from evenhand.pipeline import Pipeline
from evenhand.training.selector import oracle_labels, read_oracle


def test_oracle_labels_prefer_the_sentences_the_reference_repeats():
    cluster = Cluster(
        articles=[Article(text="The council approved the budget on Monday. Fans cheered at the stadium.",
                          title="Budget passes", source="A"),
                  Article(text="Lawmakers approved the city budget. The weather was cold.", title="Vote", source="B")],
        summary="Council approves budget\nThe council approved the city budget on Monday.",
    )
    cands = oracle_labels(cluster)
    by_text = {c["text"]: c for c in cands}
    assert by_text["The council approved the budget on Monday."]["oracle"]
    assert not by_text["Fans cheered at the stadium."]["oracle"]
    assert by_text["The council approved the budget on Monday."]["label"] > by_text["The weather was cold."]["label"]
    assert all(0.0 <= c["label"] <= 1.0 for c in cands)
    assert max(c["label"] for c in cands) == 1.0  # the best candidate is both top-ROUGE and in the oracle


def test_prepare_oracle_writes_one_record_per_cluster_and_bad_records_name_their_line(corpus_dir, tmp_path):
    out = tmp_path / "val.oracle.jsonl"
    assert main(["prepare", "oracle", "--src", str(corpus_dir / "val.jsonl"), "--out", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == [c.id for c in read_jsonl(corpus_dir / "val.jsonl")]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(out.read_text().splitlines()[0] + "\n{\"id\": 1}\n")
    with pytest.raises(CorpusError, match=r"bad.jsonl, line 2"):
        read_oracle(bad)


def test_a_tiny_selector_trains_saves_loads_and_summarizes(tiny_selector, corpus_dir):
    final, base = tiny_selector
    manifest = read_manifest(final, task="selector")
    assert manifest.adapter and manifest.extra["train_metrics"]["global_step"] == 4
    pipeline = Pipeline(SentenceSelector.load(final), SentenceEmbedder.load(str(base)))
    cluster = read_jsonl(corpus_dir / "val.jsonl")[0]
    result = pipeline.summarize(cluster)
    titles = {a.title for a in cluster.articles}
    assert result.headline in titles
    assert result.points and sum(len(p.text.split()) for p in result.points) <= pipeline.settings.budget_words
    bodies = [a.text for a in cluster.articles]
    for p in result.points:  # every point is copied from the outlet it is attributed to first (maybe cut)
        assert (p.sentence or p.text) in bodies[p.articles[0]] and p.sources[0] == cluster.articles[p.articles[0]].source
    # No outlet dropped: each has a point of its own or reports one (a sentence as similar as a repeat).
    assert {a for p in result.points for a in p.articles} == set(range(len(cluster.articles)))
    d = result.to_dict()
    assert d["headline"] == result.headline and d["points"][0]["sources"] == result.points[0].sources


def test_points_are_written_compressed_and_keep_the_whole_sentence(tiny_selector):
    final, base = tiny_selector
    whole = "Vladimir Putin, the Russian president, signed a defence treaty (its text is secret) in Pyongyang."
    cluster = Cluster(id="c", articles=[Article(text=whole, title="Treaty signed", source="A")])
    selector, embedder = SentenceSelector.load(final), SentenceEmbedder.load(str(base))
    point = Pipeline(selector, embedder).summarize(cluster).points[0]
    assert point.text == "Vladimir Putin signed a defence treaty in Pyongyang." and point.sentence == whole
    assert point.to_dict()["sentence"] == whole and point.to_dict()["text"] == point.text
    plain = Pipeline(selector, embedder, settings=SelectionSettings(compress=())).summarize(cluster).points[0]
    assert plain.text == whole and not plain.sentence and "sentence" not in plain.to_dict()


def test_stance_eval_can_take_the_event_from_the_pipeline_headline(tiny_selector, corpus_dir):
    from evenhand.evaluation.stance_eval import cluster_event

    final, base = tiny_selector
    pipeline = Pipeline(SentenceSelector.load(final), SentenceEmbedder.load(str(base)))
    for cluster in read_jsonl(corpus_dir / "val.jsonl"):
        assert cluster_event(cluster, "headline", pipeline) == pipeline.summarize(cluster).headline
        assert cluster_event(cluster, "title") == cluster.articles[0].title


def test_selected_only_keeps_each_outlet_its_title_and_the_sentences_selection_picked(tiny_selector, corpus_dir):
    final, base = tiny_selector
    pipeline = Pipeline(SentenceSelector.load(final), SentenceEmbedder.load(str(base)))
    cluster = read_jsonl(corpus_dir / "val.jsonl")[0]
    cut = pipeline.selected_only(cluster)
    points = pipeline.summarize(cluster).points
    assert cut.id == cluster.id and cut.summary == cluster.summary and len(cut.articles) == len(cluster.articles)
    for i, (a, b) in enumerate(zip(cluster.articles, cut.articles)):
        assert (b.title, b.source) == (a.title, a.source) and b.text and b.text in a.text
        mine = [p.text for p in points if p.articles[0] == i]
        # The selected sentences of this outlet, in order; an outlet with none keeps its lead sentence.
        assert b.text == " ".join(mine) if mine else a.text.startswith(b.text)
    assert sum(len(a.text.split()) for a in cut.articles) < sum(len(a.text.split()) for a in cluster.articles)


class InventingGenerator:
    """Stands in for a summarizer that invents a name and a number (the failure the guard exists for)."""

    def summarize_many(self, clusters, **kwargs):
        return [SummaryResult(summary="Chancellor Otto Brandt signs treaty\nOtto Brandt signed it with 9,999 "
                                      f"guests. {c.articles[0].text.split('.')[0]}.", sources=c.sources)
                for c in clusters]


def test_abstractive_mode_never_lets_an_unsupported_name_or_number_through(tiny_selector, corpus_dir):
    final, base = tiny_selector
    pipeline = Pipeline(SentenceSelector.load(final), SentenceEmbedder.load(str(base)),
                        generator=InventingGenerator(), mode="abstractive")
    cluster = read_jsonl(corpus_dir / "val.jsonl")[0]
    result = pipeline.summarize(cluster)
    index = SourceIndex.build(cluster)
    assert [s.text for s in check(result.summary, index) if not s.supported] == []
    parts = {r["part"] for r in result.guard.replaced}
    assert parts == {"headline", "sentence"}
    assert any("Otto Brandt" in r["unsupported"] for r in result.guard.replaced)
    assert result.headline in {a.title for a in cluster.articles}
    assert result.guard.generated and result.guard.unsupported  # it reports what it found


class RepeatingGenerator:
    """Stands in for a summarizer that repeats one invented sentence."""

    def summarize_many(self, clusters, **kwargs):
        return [SummaryResult(summary="Treaty signed\n" + " ".join(["Otto Brandt signed it with 9,999 guests."] * 3),
                              sources=c.sources) for c in clusters]


def test_each_rejected_sentence_gets_its_own_replacement(tiny_selector, corpus_dir):
    # Replacing each rejected sentence with the same closest selected sentence would leave one point for three.
    final, base = tiny_selector
    wide = SelectionSettings(budget_words=400, redundancy=1.01)  # every distinct sentence may be chosen
    pipeline = Pipeline(SentenceSelector.load(final), SentenceEmbedder.load(str(base)),
                        generator=RepeatingGenerator(), mode="abstractive", settings=wide)
    cluster = Cluster(id="c", articles=[
        Article(text="The council approved the budget on Monday. Officials ordered a recount in four districts.",
                title="Council approves budget", source="Left Daily"),
        Article(text="Both parties claimed they were ahead. The mayor said the vote was fair.",
                title="Mayor defends vote", source="Right Post")])
    selected = Pipeline(SentenceSelector.load(final), SentenceEmbedder.load(str(base)),
                        settings=wide).summarize(cluster).points
    result = pipeline.summarize(cluster)
    sentences = [r for r in result.guard.replaced if r["part"] == "sentence"]
    assert len(sentences) == 3
    assert len(selected) >= 3  # else the test shows nothing
    assert len(result.points) == 3 and len({p.text for p in result.points}) == len(result.points)
    assert {p.text for p in result.points} <= {p.text for p in selected}


def test_guard_checks_a_summary_from_elsewhere(tiny_selector):
    final, base = tiny_selector
    pipeline = Pipeline(SentenceSelector.load(final), SentenceEmbedder.load(str(base)))
    cluster = Cluster(id="c", articles=[
        Article(text="The council approved the budget on Monday. Officials ordered a recount in four districts.",
                title="Council approves budget", source="Left Daily"),
        Article(text="The council approved the budget on Monday. The mayor said the vote was fair.",
                title="Mayor defends vote", source="Right Post")])
    result = pipeline.guard(cluster, "Council passes budget\nThe council approved the budget on Monday. "
                                     "Mayor Otto Brandt ordered 9 recounts.")
    assert result.guard.generated and [r["part"] for r in result.guard.replaced] == ["sentence"]
    assert {"Otto Brandt", "9"} <= set(result.guard.replaced[0]["unsupported"])
    assert "Otto Brandt" not in result.summary and result.headline == "Council passes budget"
    kept = result.points[0]
    assert kept.text == "The council approved the budget on Monday." and not kept.copied
    assert set(kept.sources) == {"Left Daily", "Right Post"}  # both outlets say it
    with pytest.raises(EvenhandError, match="non-empty string"):
        pipeline.guard(cluster, "  ")


class BeamHeadlines:
    """Stands in for a headline model whose best beam invents a name and whose later beams do or do not."""

    def __init__(self, others):
        self.others = others

    def summarize_many(self, clusters, **kwargs):
        return [SummaryResult(summary="Chancellor Otto Brandt approves budget", sources=c.sources,
                              alternatives=list(self.others)) for c in clusters]


@pytest.mark.parametrize("others, expected", [
    (["Mayor Otto Brandt defends vote", "Council approves the budget"], "Council approves the budget"),
    (["Otto Brandt defends vote"], "Council approves budget"),  # no beam holds: the best outlet title
])
def test_the_headline_guard_takes_the_first_supported_beam(tiny_selector, others, expected):
    final, base = tiny_selector
    pipeline = Pipeline(SentenceSelector.load(final), SentenceEmbedder.load(str(base)), headline=BeamHeadlines(others))
    cluster = Cluster(id="c", articles=[
        Article(text="The council approved the budget on Monday. Officials ordered a recount.",
                title="Council approves budget", source="Left Daily"),
        Article(text="The council approved the budget on Monday. The mayor said the vote was fair.",
                title="Council approves budget", source="Right Post")])
    result = pipeline.summarize(cluster)
    assert result.headline == expected
    assert result.guard.generated and result.guard.replaced[0]["text"] == "Chancellor Otto Brandt approves budget"
    assert result.guard.replaced[0]["with"] == expected
