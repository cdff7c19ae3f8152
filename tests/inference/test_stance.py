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
    event_actors,
    event_description,
)
from evenhand.inference.holders import holder_sentences, is_holder
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
        # Quote sources, officials linked through their office or their leader.
        ('"This is a mistake," the Kremlin said in a statement.', {"Kremlin": True}),
        ("Wang Wenbin, a spokesman for China's foreign ministry, said the deal was illegal.", {"China": True}),
        ("Kim Sung-han, national security adviser to President Yoon, said the talks would go on.",
         {"President Yoon": True}),
        ("The government of China said it would retaliate.", {"China": True}),
        # Not agents: "X-based", a news agency of a country, a place, a noun that the old finder read as a verb.
        ("A Singapore-based research center said the talks failed.", {"Singapore": False}),
        ("Spanish agency Europa Press reported the arrest.", {"Spanish": False}),
        ("Russia's warning was ignored by the allies.", {"Russia": False}),
        ("The Paris agreement was signed in 2015.", {"Paris": False}),
        ("Russian-backed separatists said they shot down the plane.", {"Russian": False}),
        ("Russian opposition leader Alexei Navalny said the vote was rigged.", {"Russian": False}),
        ("Japan was absent.", {"Japan": False}),
        ("India has not commented on the treaty.", {"India": False}),
        ("Iran did not rule out retaliation.", {"Iran": True}),
        ("Russia is opposed to the plan.", {"Russia": True}),
        # The subject of a reported clause is the content of someone else's claim, not a speaker.
        ("The U.S. said Russia had violated the treaty.", {"U.S.": True, "Russia": False}),
        ("Trump's demand that Ukraine investigate Biden alarmed officials.",
         {"Trump": False, "Ukraine": False, "Biden": False}),
        ("Trump demanded that Ukraine investigate the company.", {"Trump": True, "Ukraine": False}),
        # A news organisation's report passes its clause's act on; a country's press and a finding do not.
        ('Ireland said it would suspend the vaccine "out of caution," Reuters reported.', {"Ireland": True}),
        ("Mexico signed the deal, The New York Times reported.", {"Mexico": True}),
        ("China has paid the hackers, Israeli media reported.", {"China": True, "Israeli": False}),
        ("North Korean state media praised the treaty.", {"North Korean": True}),
        ("A UN report says Russia broke the embargo.", {"UN": False, "Russia": False}),
        # "became the latest / the first country to" does the act of its clause; "became a major exporter" none.
        ("Sweden on Tuesday became the latest to suspend the vaccine.", {"Sweden": True}),
        ("India became the first country to ban the app.", {"India": True}),
        ("Japan became a major exporter.", {"Japan": False}),
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
    assert found[1].span == (0, 6) and found[1].role == "subject"
    assert found[1].clause == "Moscow said the pact was illegal."


def test_an_official_named_once_with_the_office_speaks_for_the_country_later():
    cluster = Cluster(articles=[Article(source="A", text=(
        "Attorney General William Barr released the memo on Friday. "
        '"The evidence is not sufficient," Barr wrote. Barr was born in New York.'))])
    found, counts = holder_sentences(cluster)
    assert [(h.country, h.holder) for h in found] == [("United States", "Attorney General"),
                                                       ("United States", "Barr")]
    assert found[1].sentence == '"The evidence is not sufficient," [Barr] wrote.'
    assert "United States" not in counts  # offices and people are holders, not mentions of the country


def test_an_office_modified_by_a_country_is_that_countrys_not_the_tables_default():
    # OFFICES maps "national security adviser" to the United States; here it is South Korea's.
    cluster = Cluster(articles=[Article(source="A", text=(
        "South Korea's national security adviser said Seoul would reconsider supplying arms. "
        "Kim Sung-han, national security adviser to President Yoon, said the talks would go on. "
        "The national security adviser said the pact was a threat."))])
    found, _ = holder_sentences(cluster)
    assert [(h.country, h.holder) for h in found] == [
        ("South Korea", "South Korea"), ("South Korea", "President Yoon"),
        ("United States", "national security adviser")]


def test_an_ally_speaks_for_itself_not_for_the_country_it_is_allied_with():
    found, _ = holder_sentences(Cluster(articles=[Article(source="A", text=(
        "China, North Korea's main ally, declined to comment and called for stability."))]))
    assert [(h.country, h.holder) for h in found] == [("China", "China")]


def test_a_passive_agent_and_a_background_mention():
    cluster = Cluster(articles=[Article(source="A", text=(
        "The resolution was vetoed by Russia. Sanctions on Russia have hurt its economy."))])
    found, _ = holder_sentences(cluster)
    assert [(h.country, h.role, h.plain) for h in found] == [
        ("Russia", "passive agent", "The resolution was vetoed by Russia.")]


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
    out = aggregate([s("UN", pos=0.2, neg=0.1), s("UN", pos=0.1)], {"UN": 2})
    assert out["UN"].label == "neutral"
    assert out["UN"].confidence == AggregationSettings().neutral_confidence  # measured on train
    out = aggregate([s("UN", pos=0.2, neg=0.1)], {"UN": 2}, AggregationSettings(neutral_confidence=None))
    assert out["UN"].confidence == pytest.approx(0.7)  # else the mean P(neutral)


def test_background_sentences_are_not_evidence_and_event_words_mean_taking_part():
    off = ScoredSentence("Chad", 0, "a", "Chad said it was raining.", {"neutral": 0.9, "positive": 0.05,
                                                                       "negative": 0.05}, on_event=0)
    part = ScoredSentence("Mali", 0, "a", "Mali signed the Sahel pact.", {"neutral": 0.9, "positive": 0.05,
                                                                          "negative": 0.05}, on_event=2)
    out = aggregate([off, part], {"Chad": 1, "Mali": 1})
    assert out["Chad"].label == "not_stated" and out["Chad"].evidence == []
    assert out["Mali"].label == "supports" and out["Mali"].evidence[0].sentence == "Mali signed the Sahel pact."
    assert aggregate([part], {}, AggregationSettings(takes_part_min=0))["Mali"].label == "neutral"


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


def test_an_event_actor_supports_its_own_act():
    # The model reads "the US imposed sanctions" as negative (toward the target); the actor supports the event.
    items = [s("United States", neg=0.8), s("Russia", neg=0.9)]
    mentions = {"United States": 2, "Russia": 1, "China": 1}
    settings = AggregationSettings(actor_confidence=0.7, actor_veto=1.01)
    out = aggregate(items, mentions, settings, actors={"United States", "China"})
    assert out["United States"].label == "supports"
    assert out["United States"].confidence == pytest.approx(0.7)  # the rule's measured precision
    assert out["Russia"].label == "opposes"
    assert out["China"].label == "not_stated"  # an actor that never acts or speaks in the cluster
    assert aggregate(items, mentions, AggregationSettings(actor_rule="mentioned"), {"China"})["China"].label == \
        "supports"
    # A clearly negative sentence vetoes the rule: the headline's agent may be reacting to the event.
    assert aggregate(items, mentions, AggregationSettings(actor_veto=0.75), {"United States"})[
        "United States"].label == "opposes"
    assert aggregate(items, mentions, AggregationSettings(actor_rule="off"), {"United States"})[
        "United States"].label == "opposes"


def test_mixed_and_not_mixed_from_sentence_scores_of_one_country():
    # Clear statements both ways, as strong as each other: mixed, with both sides in the evidence.
    out = aggregate([s("Iran", pos=0.8, sentence="a"), s("Iran", neg=0.75, sentence="b"),
                     s("Iraq", pos=0.8), s("Iraq", pos=0.2)], {"Iran": 2, "Iraq": 2})
    assert out["Iran"].label == "mixed" and [e.label for e in out["Iran"].evidence] == ["supports", "opposes"]
    assert out["Iraq"].label == "supports"


@pytest.mark.parametrize(
    "event, leads, actors",
    [
        ("Biden recognizes Armenian genocide", [], {"United States"}),
        ("Pyongyang and Moscow sign defence pact", [], {"North Korea", "Russia"}),
        ("Russia-North Korea defence pact alarms Seoul", [], set()),  # Seoul is the object, the pact acts
        ("The resolution was vetoed by Russia and China", [], {"Russia", "China"}),
        ("Sanctions on Russia take effect", [], set()),
        # Lead sentences: an agent of the main verb of two leads is an actor, of one lead is not.
        ("Talks end", ["Japan signed the deal on Monday.", "Tokyo signed it after talks.",
                       "Seoul said it was studying the text."], {"Japan"}),
        ("Talks end", ["Seoul said it was studying the text."], {"South Korea"}),  # one lead: it decides
    ],
)
def test_event_actors(event, leads, actors):
    assert event_actors(event, leads) == actors


def test_event_owners_are_actors_only_when_asked():
    event = "Russia-North Korea treaty raises alarm in Washington and Seoul"
    assert event_actors(event) == set()
    assert event_actors(event, owners=True) == {"Russia", "North Korea"}
    assert event_actors("U.S. withdrawal from Syria gathers speed", owners=True) == {"United States"}


def test_event_description_is_the_first_title_else_the_first_sentence():
    assert event_description(CLUSTER) == "Pyongyang and Moscow sign defence pact"
    untitled = Cluster(articles=[Article(text="Japan signed the deal. It took years.")])
    assert event_description(untitled) == "Japan signed the deal."


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
        Article(source="B", text="Washington said it was studying the pact. The Kremlin rejected criticism. "
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


class FlatClassifier(KeywordClassifier):
    """Reads every sentence as neutral: what is left is the rules'."""

    def predict(self, items):
        self.calls.extend(items)
        return [[0.9, 0.05, 0.05] for _ in items]


def test_analyze_takes_the_event_and_its_actors_from_the_text():
    analyzer = StanceAnalyzer(FlatClassifier())
    # The hand-written topic of the cluster is never read: the event is the first title, whose
    # main verb's agents (Pyongyang, Moscow) carry it out and so support it (guideline §6.3).
    clf = analyzer.classifier
    result = analyzer.analyze(CLUSTER)
    assert result["Russia"].label == "supports" and result["North Korea"].label == "supports"
    assert result["United States"].label == "neutral"  # "studying the pact": on the event, one word
    assert all(target == "Pyongyang and Moscow sign defence pact" for _, target, _ in clf.calls)
    evidence = result["Russia"].evidence[0]
    assert evidence.holder in ("Russia", "Moscow", "Kremlin") and evidence.clause


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


# --- the v2 metrics -------------------------------------------------------------------------


def test_stance_report_hand_computed():
    from evenhand.evaluation.stance_metrics import stance_report

    gold = [{"France": "supports", "Chad": "not_stated"}, {"Peru": "opposes", "Iran": "mixed"}]
    pred = [{"France": "supports", "Chad": "neutral", "Mali": "opposes"}, {"Peru": "neutral", "Iran": "mixed"}]
    conf = [{"France": 0.9, "Chad": 0.6, "Mali": 0.8}, {"Peru": 0.5, "Iran": 0.7}]
    r = stance_report(gold, pred, conf, n_resamples=50)
    # supports F1 1; opposes: 0 tp, predicted once (Mali, not listed), gold once -> 0; neutral: 0 tp of 2 -> 0.
    assert r["macro_f1_3"]["value"] == pytest.approx(1 / 3, abs=1e-4)
    assert r["macro_f1_3"]["low"] <= r["macro_f1_3"]["value"] <= r["macro_f1_3"]["high"]
    assert r["items"] == 4 and r["not_stated_accuracy"] == 0.0
    # Stated predictions: France, Chad, Mali, Peru, Iran; Chad (gold not_stated) and Mali (absent) are spurious.
    assert r["spurious"] == {"rate": 0.4, "spurious": 2, "predicted_stances": 5}
    assert r["mixed"]["f1"] == 1.0 and r["mixed"]["gold"] == 1
    cal = r["calibration"]
    assert cal["items"] == 5
    # Bins: 0.5 (wrong), 0.6 (wrong), 0.7 (right), 0.8 (wrong), 0.9 (right) -> mean |acc - conf| over five.
    assert cal["ece"] == pytest.approx((0.5 + 0.6 + 0.3 + 0.8 + 0.1) / 5)


def test_cluster_bootstrap_resamples_whole_clusters():
    from evenhand.evaluation.stance_metrics import cluster_bootstrap, macro_f1_3

    # One perfect cluster and one all-wrong cluster: resampling clusters must reach both extremes.
    per_cluster = [[("supports", "supports", None)] * 3, [("supports", "opposes", None)] * 3]
    ci = cluster_bootstrap(per_cluster, macro_f1_3, n_resamples=200)
    assert ci["low"] == 0.0 and ci["high"] == 1.0 and ci["clusters"] == 2


def test_reliability_plot_writes_a_png(tmp_path):
    from evenhand.evaluation.stance_metrics import calibration, reliability_plot

    cal = calibration([("supports", "supports", 0.9), ("opposes", "supports", 0.4)])
    reliability_plot(cal, tmp_path / "r.png")
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"


def test_a_sentence_an_event_classifier_reads_as_no_stance_is_not_evidence():
    """P(none) >= none_drop: background, or the mention is not the holder; the country stays not_stated."""
    none = ScoredSentence("Chad", 0, "a", "Sanctions on Chad were lifted.",
                          {"neutral": 0.05, "positive": 0.05, "negative": 0.3, "none": 0.6}, on_event=3)
    out = aggregate([none], {"Chad": 1})
    assert out["Chad"].label == "not_stated" and not out["Chad"].evidence
    # The same sentence with the "none" mass on "negative" is clear opposition.
    polar = ScoredSentence("Chad", 0, "a", "Chad condemned the plan.",
                           {"neutral": 0.05, "positive": 0.05, "negative": 0.8, "none": 0.1}, on_event=3)
    assert aggregate([none, polar], {"Chad": 2})["Chad"].label == "opposes"
    assert aggregate([none], {"Chad": 1}, AggregationSettings(none_drop=0.7))["Chad"].label == "opposes"


def test_a_pronoun_subject_continues_the_previous_sentences_holder():
    cluster = Cluster(articles=[
        Article(source="A", text="The Kremlin rejected the claim. It said the treaty was defensive. "
                                 "Putin signed the pact. He said it was historic. It rained in Moscow."),
        Article(source="B", text="Seoul and Tokyo met. They condemned the deal."),
    ])
    found = {(h.country, h.plain): h for h in holder_sentences(cluster)[0]}
    it = found[("Russia", "It said the treaty was defensive.")]
    assert it.role == "pronoun" and it.holder == "It" and it.sentence.startswith("[It]")
    assert found[("Russia", "He said it was historic.")].role == "pronoun"
    # "It" after a person's sentence is not that person; "They" after two holders is neither's.
    assert ("Russia", "It rained in Moscow.") not in found
    assert not any(plain == "They condemned the deal." for _, plain in found)
    assert not any(h.role == "pronoun" for h in holder_sentences(cluster, pronouns=False)[0])
