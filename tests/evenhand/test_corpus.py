import json

import pytest

from evenhand.corpus import Cluster, load_dataset, read_jsonl, to_cluster, write_jsonl
from evenhand.errors import CorpusError


def write_lines(path, lines):
    path.write_bytes(b"".join((l if isinstance(l, bytes) else l.encode()) + b"\n" for l in lines))
    return path


GOOD = json.dumps({"id": "a", "articles": [{"title": "T", "text": "Body."}, "Second article."], "summary": "S"})


def test_reads_valid_lines_and_strings_as_articles(tmp_path):
    f = write_lines(tmp_path / "c.jsonl", [GOOD, ""])
    (c,) = read_jsonl(f)
    assert c.id == "a" and c.summary == "S"
    assert [a.text for a in c.articles] == ["Body.", "Second article."]
    assert c.articles[0].title == "T"


@pytest.mark.parametrize(
    "record, field, fragment",
    [
        ({"articles": []}, "articles", "at least 1"),
        ({"articles": "text"}, "articles", "expected a list"),
        ({"articles": [{"title": "x"}]}, "articles[0]", "missing 'text'"),
        ({"articles": [{"text": "   "}]}, "articles[0].text", "empty or only whitespace"),
        ({"articles": [{"text": 5}]}, "articles[0].text", "expected a string, got int"),
        ({"articles": ["ok"], "stances": {"Russia": "likes"}}, "stances", "unknown stance label 'likes'"),
        ({"articles": ["ok"], "sumary": "x"}, None, "unknown key(s) ['sumary']"),
    ],
)
def test_errors_name_file_line_and_field(tmp_path, record, field, fragment):
    f = write_lines(tmp_path / "bad.jsonl", [GOOD, json.dumps(record)])
    with pytest.raises(CorpusError) as info:
        read_jsonl(f)
    msg = str(info.value)
    assert str(f) in msg and "line 2" in msg and fragment in msg
    if field:
        assert f"field '{field}'" in msg
    assert info.value.line == 2


def test_malformed_json_and_non_utf8_name_the_line(tmp_path):
    f = write_lines(tmp_path / "bad.jsonl", [GOOD, '{"articles": ["x"]'])
    with pytest.raises(CorpusError, match=r"line 2: is not valid JSON"):
        read_jsonl(f)
    g = write_lines(tmp_path / "latin1.jsonl", [GOOD, '{"articles": ["caf\xe9"]}'.encode("latin-1")])
    with pytest.raises(CorpusError, match=r"line 2: is not valid UTF-8"):
        read_jsonl(g)


def test_missing_summary_is_an_error_only_when_required(tmp_path):
    f = write_lines(tmp_path / "c.jsonl", [json.dumps({"id": "x", "articles": ["a"]})])
    assert read_jsonl(f)[0].summary is None
    with pytest.raises(CorpusError, match="field 'summary'.*reference summary"):
        read_jsonl(f, require_summary=True)


def test_skip_mode_counts_and_reports_bad_lines(tmp_path, capsys):
    lines = [GOOD, "{broken", json.dumps({"id": "b", "articles": []}), json.dumps({"id": "c", "articles": ["fine"]})]
    f = write_lines(tmp_path / "mixed.jsonl", lines)
    clusters = read_jsonl(f, on_error="skip")
    assert [c.id for c in clusters] == ["a", "c"]
    out = capsys.readouterr().out
    assert "skipped 2 bad line(s)" in out and "line 2" in out


def test_duplicate_ids_are_rejected(tmp_path):
    f = write_lines(tmp_path / "dup.jsonl", [GOOD, GOOD])
    with pytest.raises(CorpusError, match="duplicate id 'a' \\(first seen on line 1\\)"):
        read_jsonl(f)


def test_missing_file(tmp_path):
    with pytest.raises(CorpusError, match="file not found"):
        read_jsonl(tmp_path / "nope.jsonl")


def test_to_cluster_accepts_user_shapes():
    assert len(to_cluster(["one", "two"]).articles) == 2
    c = to_cluster([{"source": "S", "text": "t"}])
    assert c.articles[0].source == "S" and c.sources == ["S"]
    assert to_cluster({"articles": ["x"], "topic": "T"}).topic == "T"
    with pytest.raises(CorpusError, match="single string"):
        to_cluster("just one string")
    with pytest.raises(CorpusError, match="expected a list"):
        to_cluster(42)


def test_round_trip_and_datasets(tmp_path):
    c = Cluster(articles=to_cluster(["a", "b"]).articles, id="z", summary="s", stances={"Russia": "supports"})
    write_jsonl([c], tmp_path / "o.jsonl")
    (back,) = read_jsonl(tmp_path / "o.jsonl")
    assert back.to_dict() == c.to_dict()
    ds = load_dataset(tmp_path / "o.jsonl")
    assert ds[0]["id"] == "z" and ds[0]["articles"][1]["text"] == "b"


def test_meta_is_carried_through_a_round_trip(tmp_path):
    f = write_lines(tmp_path / "c.jsonl", [json.dumps({"id": "m", "articles": ["a", "b"], "meta": {"url": "x"}})])
    (c,) = read_jsonl(f)
    assert c.meta == {"url": "x"}
    write_jsonl([c], tmp_path / "again.jsonl")
    assert read_jsonl(tmp_path / "again.jsonl")[0].meta == {"url": "x"}
