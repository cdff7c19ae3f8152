"""Holder detection, aggregation rules and the analyzer pipeline, without a model."""

from __future__ import annotations

import json

import pytest

from evenhand.corpus import Article, Cluster
from evenhand.errors import CheckpointError, CorpusError, EvenhandError
from evenhand.inference.countries import find_countries
from evenhand.inference.stance import (
    AggregationSettings,
    CountryStance,
    ScoredSentence,
    StanceAnalyzer,
    aggregate,
    holder_sentences,
    is_holder,
    topic_actors,
)
from evenhand.evaluation.stance_eval import cluster_eval, load_labelled_clusters


def holders(sentence: str) -> dict[str, bool]:
    return {m.surface: is_holder(sentence, m) for m in find_countries(sentence)}


# --- sentences and holders ------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Seoul said on Monday it would respond.", {"Seoul": True}),
        ("Russia's foreign ministry rejected the plan.", {"Russia": True}),
        ("South Korean President Moon Jae-in welcomed the deal.", {"South Korean": True, "Moon Jae-in": True}),
        ("President Trump said he would veto the bill.", {"Trump": True}),
        ("The move was condemned by Moscow.", {"Moscow": True}),
        ('"We will hit back," said Chinese foreign ministry spokesman Geng Shuang.', {"Chinese": True}),
        ("Russia and China vetoed the resolution.", {"Russia": True, "China": True}),
        ("According to Iranian officials, the deal is dead.", {"Iranian": True}),
        ("The U.S. has repeatedly warned Pyongyang.", {"U.S.": True, "Pyongyang": False}),
        ("The sanctions against Russia were announced on Friday.", {"Russia": False}),
        ("Chinese exports grew in May.", {"Chinese": False}),  # a demonym needs an official noun
        ("China's economy grew.", {"China": False}),
        ("The EU will impose tariffs on Chinese steel.", {"EU": True, "Chinese": False}),
    ],
)
def test_is_holder(sentence, expected):
    assert holders(sentence) == expected


def test_holder_sentences_marks_the_holder_and_counts_mentions():
    cluster = Cluster(articles=[
        Article(title="Russia slams pact", text="Moscow said the pact was illegal. Talks were held in Vienna. "
                "Japan was mentioned.", source="Outlet A"),
    ])
    found, counts = holder_sentences(cluster)
    assert [(h.country, h.sentence, h.source, h.article_index) for h in found] == [
        ("Russia", "[Russia] slams pact", "Outlet A", 0),
        ("Russia", "[Moscow] said the pact was illegal.", "Outlet A", 0),
    ]
    assert counts == {"Russia": 2, "Japan": 1}


# --- aggregation ------------------------------------------------------------------------


def s(country, pos=0.0, neg=0.0, sentence="x", article=0):
    return ScoredSentence(country, article, f"src{article}", sentence,
                          {"neutral": 1.0 - pos - neg, "positive": pos, "negative": neg})


def test_one_clear_statement_is_enough():
    out = aggregate([s("Russia", pos=0.9), s("Russia", pos=0.1)], {"Russia": 3})
    assert out["Russia"].label == "supports"
    assert out["Russia"].confidence == pytest.approx(0.9)
    assert out["Russia"].mentions == 3
    out = aggregate([s("China", neg=0.8)], {"China": 1})
    assert out["China"].label == "opposes"


def test_mixed_needs_strong_evidence_both_ways():
    out = aggregate([s("Germany", pos=0.9, sentence="a"), s("Germany", neg=0.85, sentence="b")], {"Germany": 2})
    assert out["Germany"].label == "mixed"
    assert {e.label for e in out["Germany"].evidence} == {"supports", "opposes"}
    assert out["Germany"].confidence == pytest.approx(0.85)


def test_weak_counter_evidence_is_not_mixed():
    # Three strong positives against one barely-strong negative: the stronger side wins.
    items = [s("France", pos=0.95), s("France", pos=0.9), s("France", pos=0.9), s("France", neg=0.61)]
    assert aggregate(items, {"France": 4})["France"].label == "supports"
    # Below the strong threshold a negative does not count at all.
    assert aggregate([s("France", pos=0.9), s("France", neg=0.35)], {})["France"].label == "supports"


def test_no_clear_polarity_is_neutral():
    out = aggregate([s("UN", pos=0.3, neg=0.2), s("UN", pos=0.1)], {"UN": 2})
    assert out["UN"].label == "neutral"
    assert 0.0 < out["UN"].confidence <= 1.0


def test_mentioned_without_holder_sentence_is_not_stated():
    out = aggregate([s("Russia", pos=0.9)], {"Russia": 1, "Austria": 2})
    assert out["Austria"].label == "not_stated"
    assert out["Austria"].confidence is None
    assert out["Austria"].evidence == []
    assert out["Austria"].mentions == 2


def test_settings_change_the_thresholds():
    items = [s("Iran", pos=0.7), s("Iran", neg=0.65)]
    assert aggregate(items, {})["Iran"].label == "mixed"
    assert aggregate(items, {}, AggregationSettings(strong=0.8))["Iran"].label == "neutral"
    assert aggregate([s("Iran", pos=0.5)], {}, AggregationSettings(strong=0.6))["Iran"].label == "neutral"
    assert aggregate(items, {}, AggregationSettings(mixed_ratio=0.99))["Iran"].label == "supports"


def test_the_topic_actor_supports_its_own_act():
    # The model reads "the US imposed sanctions" as negative (toward the target); the actor supports the topic.
    items = [s("United States", neg=0.8), s("Russia", neg=0.9)]
    mentions = {"United States": 2, "Russia": 1, "China": 1}
    out = aggregate(items, mentions, actors={"United States", "China"})
    assert out["United States"].label == "supports"
    assert out["United States"].confidence == pytest.approx(0.2)
    assert out["Russia"].label == "opposes"
    assert out["China"].label == "not_stated"  # an actor that never acts or speaks in the cluster
    assert aggregate(items, mentions, AggregationSettings(actor_rule="mentioned"), {"China"})["China"].label == \
        "supports"
    assert aggregate(items, mentions, AggregationSettings(actor_rule="off"), {"United States"})[
        "United States"].label == "opposes"


@pytest.mark.parametrize(
    "topic, actors",
    [
        ("US sanctions on Russian oligarchs", {"United States"}),
        ("Iran's downing of a Ukrainian airliner", {"Iran"}),
        ("Russia-North Korea defence pact", {"Russia", "North Korea"}),
        ("Trump's veto of the defence bill", {"United States"}),
        ("The US and EU sanctions on Russia", {"United States", "EU"}),
        ("Suspected Russian cyberattack on US networks", set()),
    ],
)
def test_topic_actors(topic, actors):
    assert topic_actors(topic) == actors


def test_evidence_is_ranked_and_capped():
    items = [s("Israel", pos=p, sentence=str(p), article=i) for i, p in enumerate((0.7, 0.95, 0.8, 0.9))]
    ev = aggregate(items, {"Israel": 4})["Israel"].evidence
    assert [e.sentence for e in ev] == ["0.95", "0.9", "0.8"]
    assert ev[0].article_index == 1 and ev[0].source == "src1" and ev[0].label == "supports"


def test_to_dict_is_json_ready():
    out = aggregate([s("Russia", pos=0.9)], {"Russia": 1, "Japan": 1})
    d = {k: v.to_dict() for k, v in out.items()}
    json.dumps(d)
    assert d["Russia"]["label"] == "supports" and d["Russia"]["evidence"][0]["score"] == pytest.approx(0.9)
    assert d["Japan"] == {"country": "Japan", "label": "not_stated", "confidence": None, "evidence": [], "mentions": 1}


# --- the analyzer with a stand-in classifier -------------------------------------------------


class KeywordClassifier:
    """Scores a marked sentence by keywords, so the pipeline is testable without a model."""

    def __init__(self):
        self.calls = []

    def predict(self, items):
        self.calls.extend(items)
        out = []
        for holder, target, sentence in items:
            low = sentence.lower()
            if "welcomed" in low or "sign" in low:
                out.append([0.05, 0.9, 0.05])
            elif "condemned" in low or "rejected" in low:
                out.append([0.05, 0.05, 0.9])
            else:
                out.append([0.8, 0.1, 0.1])
        return out


CLUSTER = Cluster(
    id="c1",
    topic="Russia-North Korea defence pact",
    articles=[
        Article(source="A", title="Pyongyang and Moscow sign defence pact",
                text="Russia signed the pact on Wednesday. Seoul condemned the deal. "
                     "The talks were held in Vienna, and Japan was not consulted."),
        Article(source="B", text="Washington said it was studying the text. The Kremlin rejected criticism. "
                                 "South Korean officials welcomed talks with China but condemned the pact."),
    ],
)


def test_analyze_end_to_end_with_a_stand_in_model():
    clf = KeywordClassifier()
    result = StanceAnalyzer(clf).analyze(CLUSTER, topic="the defence pact")
    labels = {c: r.label for c, r in result.items()}
    assert labels["Russia"] == "mixed"  # signed (+), rejected criticism (-) by the keyword model
    assert labels["North Korea"] == "supports"
    assert labels["United States"] == "neutral"
    assert labels["Japan"] == "not_stated"
    assert labels["China"] == "not_stated"
    assert labels["South Korea"] in ("opposes", "mixed")
    assert all(isinstance(r, CountryStance) for r in result.values())
    assert all(target == "the defence pact" for _, target, _ in clf.calls)
    # The holder is marked in what the model reads.
    assert any(sentence.startswith("[Seoul]") for _, _, sentence in clf.calls)


def test_analyze_uses_the_cluster_topic_and_requires_one():
    analyzer = StanceAnalyzer(KeywordClassifier())
    # The cluster's topic names Russia as an actor of the pact: it supports it (guideline §6.3).
    assert analyzer.analyze(CLUSTER)["Russia"].label == "supports"
    with pytest.raises(EvenhandError, match="needs a topic"):
        analyzer.analyze(["Russia said nothing."])


def test_load_rejects_folders_that_are_not_stance_checkpoints(tmp_path):
    with pytest.raises(CheckpointError, match="not found"):
        StanceAnalyzer.load(tmp_path / "missing")
    with pytest.raises(CheckpointError, match="evenhand.json"):
        StanceAnalyzer.load(tmp_path)
    (tmp_path / "evenhand.json").write_text(json.dumps(
        {"task": "summarizer", "base_model": None, "architecture": "causal", "adapter": False}))
    with pytest.raises(CheckpointError, match="'stance' checkpoint was expected"):
        StanceAnalyzer.load(tmp_path)


# --- the labelled-cluster join ----------------------------------------------------------


def write_neus(folder, lines):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "val.source").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "val.target").write_text("\n".join("TITLE=> t ARTICLE=> r" for _ in lines) + "\n", encoding="utf-8")


def test_load_labelled_clusters_joins_by_id(tmp_path):
    neus = tmp_path / "neus"
    write_neus(neus, [
        "TITLE=> A ARTICLE=> Moscow said no. [SEP] TITLE=> B ARTICLE=> Seoul welcomed it.",
        "TITLE=> C ARTICLE=> Tokyo signed the pact. [SEP] TITLE=> D ARTICLE=> Beijing condemned it.",
    ])
    labels = tmp_path / "dev.jsonl"
    labels.write_text(json.dumps({"id": "neus-val-0001", "topic": "the pact",
                                  "stances": {"Japan": "supports", "China": "opposes"}}) + "\n")
    [cluster] = load_labelled_clusters(labels, neus)
    assert cluster.id == "neus-val-0001" and cluster.topic == "the pact"
    assert [a.title for a in cluster.articles] == ["C", "D"]
    assert cluster.articles[0].text == "Tokyo signed the pact."
    assert cluster.stances == {"Japan": "supports", "China": "opposes"}

    report = cluster_eval(StanceAnalyzer(KeywordClassifier()), [cluster])
    assert report["model"]["macro_f1_polar"] == pytest.approx(1.0)
    assert report["majority"]["label"] in ("supports", "opposes")
    assert report["model"]["items"] == 2


@pytest.mark.parametrize(
    "record, message",
    [
        ({"id": "val-1", "topic": "t", "stances": {}}, "neus-<split>-<index>"),
        ({"id": "neus-val-0009", "topic": "t", "stances": {}}, "has no line 10"),
        ({"id": "neus-val-0000", "stances": {}}, "topic"),
        ({"id": "neus-val-0000", "topic": "t", "stances": {"Russia": "likes"}}, "unknown label"),
    ],
)
def test_load_labelled_clusters_errors_name_the_line(tmp_path, record, message):
    neus = tmp_path / "neus"
    write_neus(neus, ["TITLE=> A ARTICLE=> Moscow said no."])
    labels = tmp_path / "dev.jsonl"
    labels.write_text(json.dumps(record) + "\n")
    with pytest.raises(CorpusError, match=message) as err:
        load_labelled_clusters(labels, neus)
    assert "line 1" in str(err.value)


# --- the bundled checkpoint -------------------------------------------------------------


def test_bundled_checkpoint_is_small_and_intact():
    from evenhand.models.checkpoint import read_manifest
    from evenhand.models.defaults import default_checkpoint_or_none

    folder = default_checkpoint_or_none("stance")
    if folder is None:
        pytest.skip("no bundled stance checkpoint in this build")
    manifest = read_manifest(folder, task="stance")  # verifies the weight hashes
    assert manifest.adapter and manifest.base_model == "all-minilm-l6-v2" and manifest.architecture == "encoder"
    assert sum(p.stat().st_size for p in folder.iterdir()) < 25_000_000


@pytest.mark.slow
def test_bundled_checkpoint_reads_clear_statements():
    from evenhand.models.defaults import default_checkpoint_or_none

    folder = default_checkpoint_or_none("stance")
    if folder is None:
        pytest.skip("no bundled stance checkpoint in this build")
    result = StanceAnalyzer.load(folder).analyze(CLUSTER, topic="Russia-North Korea defence pact")
    assert result["South Korea"].label == "opposes"
    assert result["Japan"].label == "not_stated"
