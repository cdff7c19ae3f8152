"""Bad input to summarize(), `evenhand summarize FILE` and the corpus loader: one clear error each, or a warning.

test_corpus.py already covers the basic JSONL errors (empty article list, missing or whitespace text, an int
text, unknown keys and stance labels, malformed JSON, non-UTF-8 lines, duplicate ids, skip mode); this file
covers the rest of issue 7 and checks the command line prints one line, without a traceback, with status 2.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from evenhand.__main__ import main
from evenhand.corpus import MAX_ARTICLE_CHARS, Article, Cluster, read_clusters, read_jsonl, to_cluster
from evenhand.errors import CorpusError, EvenhandError, InputWarning

ENGLISH = [
    {"source": "Left Daily", "title": "Treaty signed", "text": "Country A and Country B signed a treaty on sharing "
     "river water on Monday. Farmers welcomed the deal, which the two governments had negotiated for years."},
    {"source": "Centre Wire", "title": "Water deal", "text": "The two neighbours agreed how to share the river. "
     "Officials said the treaty would be ratified next month, while critics said it ignores downstream towns."},
    {"source": "Right Post", "title": "Critics fume", "text": "Critics of the government said the water treaty was "
     "a giveaway. Many towns downstream were angry that they had not been consulted before it was signed."},
]
FRENCH = ("Le président de la République a annoncé mardi une série de mesures pour soutenir les agriculteurs "
          "touchés par la sécheresse. Les syndicats ont salué ces annonces mais demandent davantage de moyens.")
RUSSIAN = "Президент объявил о новых мерах поддержки фермеров, пострадавших от засухи в южных регионах страны."


def input_warnings(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn(*args, **kwargs)
    return result, [w for w in caught if issubclass(w.category, InputWarning)]


# -- errors: one CorpusError naming the field and what was expected ----------------------------------------

@pytest.mark.parametrize(
    "articles, field, fragment",
    [
        ([{"text": None}], "articles[0].text", "expected a string, got null"),
        ([{"text": ["para 1", "para 2"]}], "articles[0].text", "join its parts into one string"),
        ([{"text": b"bytes"}], "articles[0].text", "got bytes; decode it to str first"),
        (["ok", b"bytes"], "articles[1]", "decode it to str first"),
        (["ok", 3.5], "articles[1]", "got float (3.5)"),
        (["ok", {"text": "fine", "title": 7}], "articles[1].title", "expected a string, got int (7)"),
        (["ok", {"text": "fine", "source": ["A"]}], "articles[1].source", "expected a string, got a list"),
        (["ok", "\u200b\u200b \u00a0\x00"], "articles[1]", "has only invisible characters"),
        (["ok", "\n\t \u2003"], "articles[1]", "empty or only whitespace"),
        (["ok", "<p> </p><script>var x = 1;</script>"], "articles[1]", "empty or only whitespace after removing its HTML"),
        (["ok", "broken \ud800 decode"], "articles[1]", "lone surrogate, U+D800"),
        ([["a", "b"], ["c"]], "articles[0]", "call Summarizer.summarize_many"),
    ],
)
def test_bad_article_values_name_the_field(articles, field, fragment):
    with pytest.raises(CorpusError) as info:
        to_cluster(articles)
    assert info.value.field == field and fragment in str(info.value)
    assert str(info.value).startswith(f"field '{field}': ")


@pytest.mark.parametrize(
    "inputs, fragment",
    [
        (b"raw bytes", "got bytes; decode it to str first"),
        ({"text": "one article"}, "got a single article (a dict with 'text')"),
        (Article(text="one"), "got a single Article"),
        ((t for t in ["a", "b"]), "got generator (make it a list first"),
        (None, "got NoneType"),
        ({"articles": ["a", "b"], "meta": [1, 2]}, "field 'meta': expected an object"),
        ({"articles": ["a", "b"], "id": True}, "field 'id': expected a string, got bool"),
        ({"articles": ["a", "b"], "id": "  "}, "field 'id': is empty"),
        ({"articles": ["a", "b"], "stances": {5: "supports"}}, "country names must be non-empty strings"),
        ({"articles": ["a", "b"], "stances": ["Russia"]}, "expected an object mapping country -> label"),
        ({"articles": ["a", "b"], "summary": ""}, "field 'summary': is empty"),
        (Cluster(articles=[Article(text=5)]), "Cluster.articles[0].text: expected a string, got int"),
        (Cluster(articles=[]), "must be a non-empty list"),
    ],
)
def test_bad_cluster_shapes(inputs, fragment):
    with pytest.raises(CorpusError, match=None) as info:
        to_cluster(inputs)
    assert fragment in str(info.value)


def test_huge_article_is_refused_with_a_clear_message():
    with pytest.raises(CorpusError) as info:
        to_cluster(["A normal article.", "x" * 5_000_000])
    msg = str(info.value)
    assert "field 'articles[1]'" in msg and "5,000,000 characters" in msg and f"{MAX_ARTICLE_CHARS:,}" in msg
    assert "split it into articles" in msg


def test_summarize_validates_before_loading_a_model(monkeypatch):
    import evenhand.api as api

    def no_model(*args, **kwargs):
        raise AssertionError("a model was loaded for input that is bad anyway")

    monkeypatch.setattr(api, "_cached", no_model)
    with pytest.raises(CorpusError, match="at least 1 expected"):
        api.summarize([])
    with pytest.raises(CorpusError, match="single string"):
        api.summarize("one long string")
    with pytest.raises(EvenhandError, match="topic must be a non-empty string"):
        api.summarize(["a", "b"], topic=42)
    with pytest.raises(EvenhandError, match="stance must be"):
        api.summarize(["a", "b"], stance=3)


# -- warnings: accepted, fixed where possible, and said -----------------------------------------------------

def test_clean_english_cluster_and_the_example_give_no_warning(repo_root):
    _, found = input_warnings(to_cluster, ENGLISH)
    assert found == []
    clusters, found = input_warnings(read_clusters, repo_root / "examples" / "pact_cluster.json")
    assert found == [] and len(clusters[0].articles) == 5


def test_one_article_is_summarized_with_a_warning_pointing_at_the_caller():
    cluster, found = input_warnings(to_cluster, ["Only one outlet covered the treaty."])
    assert len(cluster.articles) == 1
    (w,) = found
    assert "only one article" in str(w.message) and "source-balance metrics mean nothing" in str(w.message)
    assert Path(w.filename).name == Path(__file__).name  # the caller's line, not evenhand's internals


def test_exact_duplicates_are_dropped_and_named():
    arts = ["The minister resigned on Friday.", "Parliament will vote next week.",
            "  the MINISTER resigned on  Friday. ", "Parliament will vote next week."]
    cluster, found = input_warnings(to_cluster, arts)
    assert [a.text for a in cluster.articles] == arts[:2]
    (w,) = found
    assert "articles[2] duplicates articles[0]; articles[3] duplicates articles[1]" in str(w.message)
    assert "dropped the later copies, 2 article(s) left" in str(w.message)


def test_same_text_from_two_outlets_is_kept_with_a_warning():
    arts = [{"source": "Wire A", "text": "The storm closed three ports."},
            {"source": "Paper B", "title": "Ports shut", "text": "The storm closed three ports."}]
    cluster, found = input_warnings(to_cluster, arts)
    assert cluster.sources == ["Wire A", "Paper B"]
    (w,) = found
    assert "same text under a different title or source: articles[1] repeats articles[0]" in str(w.message)
    assert "kept them all" in str(w.message)


def test_duplicates_down_to_one_article_warn_twice():
    cluster, found = input_warnings(to_cluster, ["Same story.", "same   story."])
    assert len(cluster.articles) == 1
    assert ["dropped the later copy" in str(w.message) for w in found] == [True, False]
    assert "once duplicates are dropped" in str(found[1].message)


def test_html_is_converted_to_plain_text_with_a_warning():
    html_article = {"title": "<b>Budget</b> passes", "text": "<p>The parliament approved the budget &amp; the tax "
                    "plan.</p><script>track();</script><p>The opposition&nbsp;objected.</p>"}
    cluster, found = input_warnings(to_cluster, [html_article, "AT&amp;T said R&D spending &copy; rose. Fish & chips."])
    a, b = cluster.articles
    assert a.title == "Budget passes"
    assert a.text == "The parliament approved the budget & the tax plan.\n\nThe opposition objected."
    assert b.text == "AT&T said R&D spending \u00a9 rose. Fish & chips."  # only real entities are decoded
    (w,) = found
    msg = str(w.message)
    assert "articles[0].text, articles[0].title, articles[1] contained HTML markup" in msg
    assert "(<p>, <script>, &amp;, &nbsp;, ...)" in msg and "converted to plain text" in msg


def test_text_that_only_looks_a_bit_like_markup_is_left_alone():
    text = "If x < y and y > z, the index rose 5% & bonds fell; see section <4>."
    cluster, found = input_warnings(to_cluster, [text, ENGLISH[0]])
    assert cluster.articles[0].text == text and found == []


def test_non_english_text_warns_and_is_never_blocked():
    cluster, found = input_warnings(to_cluster, [ENGLISH[0], FRENCH, RUSSIAN])
    assert len(cluster.articles) == 3
    (w,) = found
    msg = str(w.message)
    assert "articles[1] (only" in msg and "articles[2] (100% of its letters are not Latin)" in msg
    assert "articles[0]" not in msg and "trained on English news" in msg


def test_warnings_can_be_turned_into_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        with pytest.raises(InputWarning, match="only one article"):
            to_cluster(["Just one."])


def test_a_file_gets_one_warning_per_kind_naming_the_lines(tmp_path):
    f = tmp_path / "c.jsonl"
    lines = [{"id": f"c{i}", "articles": [f"Article number {i} about the vote."]} for i in range(3)]
    lines.append({"id": "dup", "articles": ["Twice.", "Twice.", "Another outlet."]})
    f.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    clusters, found = input_warnings(read_jsonl, f)
    assert len(clusters) == 4
    messages = [str(w.message) for w in found]
    assert len(messages) == 2
    assert messages[0].startswith(f"{f}: 3 clusters have a single article") and "(lines 1, 2, 3)" in messages[0]
    assert messages[1].startswith(f"{f}, line 4, field 'articles': articles[1] duplicates articles[0]")


def test_a_20_article_cluster_of_2000_words_each_is_summarized(tiny_causal):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from evenhand.inference.summarizer import Summarizer

    words = "The ministers met in the capital and signed a trade agreement on Monday while critics warned".split()
    arts = [{"source": f"Outlet {i}", "text": f"Outlet {i} reports. " + " ".join(words[(i + k) % len(words)]
                                                                                for k in range(2000))}
            for i in range(20)]
    cluster, found = input_warnings(to_cluster, arts)
    assert len(cluster.articles) == 20 and found == []
    tok = AutoTokenizer.from_pretrained(tiny_causal)
    s = Summarizer(AutoModelForCausalLM.from_pretrained(tiny_causal), tok, is_encoder_decoder=False,
                   max_source_tokens=256, generation={"max_new_tokens": 2})
    result = s.summarize(arts)
    assert result.truncated and len(result.sources) == 20 and result.generated_tokens == 2
    # 40,000 words in; out, a prompt of the articles' 256-token budget, 20 headers and the instruction.
    assert result.input_tokens < 1_000


# -- the command line: one line on stderr, no traceback, status 2 -------------------------------------------

def run_cli(capsys, *argv):
    """Status, stdout, and evenhand's own stderr lines (transformers' "Loading weights" bars left out)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    ours = [line for line in captured.err.splitlines() if "Loading weights" not in line]
    return code, captured.out, "".join(line + "\n" for line in ours)


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("missing.json", None, "missing.json: file not found"),
        ("missing.jsonl", None, "missing.jsonl: file not found"),
        ("folder.json", "DIR", "folder.json: is a directory"),
        ("empty.json", "", "empty.json: is empty; expected one cluster object"),
        ("empty.jsonl", "\n\n", "empty.jsonl: holds no clusters"),
        ("number.json", "42", "holds a number (42); expected one cluster object"),
        ("string.json", '"just text"', "holds a string ('just text')"),
        ("object.json", '{"title": "x", "body": "y"}', "holds an object without 'articles' (keys: ['body', 'title'])"),
        ("article.json", '{"text": "hello"}', "holds a single article"),
        ("emptylist.json", "[]", "holds an empty list"),
        ("mixed.json", '[{"articles": ["a", "b"]}, {"title": "no articles"}]', "item [1] is not a cluster"),
        ("badcluster.json", '[{"articles": ["a", "b"]}, {"articles": ["c", 5]}]', "badcluster.json, item [1], field 'articles[1]': expected a string or an object"),
        ("latin1.json", '{"articles": ["caf\xe9", "b"]}'.encode("latin-1"), "is not valid UTF-8 (byte 18: b'\\xe9')"),
        ("utf16.json", '{"articles": ["a", "b"]}'.encode("utf-16"), "is UTF-16"),
        ("lines.json", '{"articles": ["a", "b"]}\n{"articles": ["c", "d"]}\n', "should be named .jsonl"),
        ("broken.json", '{"articles": ["a", "b"]', "line 1: is not valid JSON"),
        ("broken.jsonl", '{"articles": ["a", "b"]}\n{"articles": ["a"\n', "broken.jsonl, line 2: is not valid JSON"),
        ("stance.jsonl", '{"articles": ["a", "b"], "stances": {"Russia": "likes"}}\n', "unknown stance label 'likes'"),
        ("huge.jsonl", json.dumps({"articles": ["a", "x" * (MAX_ARTICLE_CHARS + 1)]}) + "\n", "1,000,001 characters"),
    ],
)
def test_summarize_bad_files_print_one_line(tmp_path, capsys, name, content, fragment):
    path = tmp_path / name
    if content == "DIR":
        path.mkdir()
    elif content is not None:
        write(path, content)
    code, out, err = run_cli(capsys, "summarize", str(path), "--no-stance")
    assert code == 2
    assert "Traceback" not in err and out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("evenhand summarize: error: ") and fragment in line, line


def test_summarize_bad_options_fail_before_loading(tmp_path, capsys, repo_root):
    example = str(repo_root / "examples" / "pact_cluster.json")
    for args, fragment in ((["--batch-size", "0"], "--batch-size must be at least 1"),
                           (["--max-new-tokens", "0"], "--max-new-tokens must be at least 1"),
                           (["--out", str(tmp_path)], "is a directory")):
        code, _, err = run_cli(capsys, "summarize", example, "--model", str(tmp_path / "no-model"), *args)
        assert code == 2 and len(err.strip().splitlines()) == 1 and fragment in err


@pytest.fixture(scope="module")
def tiny_checkpoint(tiny_causal, tmp_path_factory):
    """The tiny random LM as a full-weights summarizer checkpoint (no training needed)."""
    from evenhand.models.checkpoint import Manifest, write_checkpoint

    def save(folder: Path):
        for f in Path(tiny_causal).iterdir():
            shutil.copy(f, folder / f.name)

    return write_checkpoint(tmp_path_factory.mktemp("ck") / "final", save,
                            Manifest(task="summarizer", base_model=None, architecture="causal", adapter=False))


def test_summarize_warnings_are_one_line_each_and_the_run_goes_on(tmp_path, capsys, tiny_checkpoint, tiny_selector):
    f = write(tmp_path / "cluster.json", json.dumps([
        "<p>The storm <b>closed</b> three ports on Tuesday.</p>", "the storm closed three ports on tuesday.",
    ]))
    code, out, err = run_cli(capsys, "summarize", str(f), "--model", str(tiny_checkpoint), "--no-stance",
                             "--mode", "abstractive", "--selector", str(tiny_selector[0]), "--max-new-tokens", "3",
                             "--json")
    assert code == 0, err
    lines = err.strip().splitlines()
    assert len(lines) == 3 and all(l.startswith("evenhand summarize: warning: ") for l in lines), err
    assert "HTML markup" in lines[0] and "articles[1] duplicates articles[0]" in lines[1]
    assert "only one article once duplicates are dropped" in lines[2]
    assert "InputWarning" not in err and "Traceback" not in err
    (rec,) = [json.loads(l) for l in out.splitlines()]
    assert rec["sources"] == ["article 1"]


def test_train_input_and_config_errors_print_one_line(tmp_path, capsys, tiny_causal, repo_root):
    config = repo_root / "configs" / "summarizer_smollm2.yaml"
    data = write(tmp_path / "train.jsonl", json.dumps({"id": "x", "articles": ["a", "b"]}) + "\n")
    code, _, err = run_cli(capsys, "train", str(config), f"base_model={tiny_causal}", f"data.train_file={data}",
                           "data.val_file=null", f"output_dir={tmp_path / 'run'}")
    assert code == 2 and "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert "train.jsonl, line 1, field 'summary': missing; training and evaluation need a reference summary" in line

    bad_key = write(tmp_path / "bad_key.yaml", "task: summarizer\ntrainer:\n  learning_rat: 0.1\n")
    code, _, err = run_cli(capsys, "train", str(bad_key))
    assert code == 2 and err.count("\n") == 1 and "did you mean 'trainer.learning_rate'" in err

    bad_type = write(tmp_path / "bad_type.yaml", "task: summarizer\nlora:\n  r: eight\n")
    code, _, err = run_cli(capsys, "train", str(bad_type))
    assert code == 2 and err.count("\n") == 1 and "'lora.r' must be an integer, got 'eight'" in err
