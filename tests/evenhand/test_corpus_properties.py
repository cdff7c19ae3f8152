"""Property-based tests of the corpus loader (hypothesis).

- valid records round-trip through write_jsonl / read_jsonl unchanged;
- any line, however broken, either parses or raises CorpusError naming that line: never another exception;
- skip mode keeps exactly the valid lines, in order, and reports how many it skipped.

(The fair token budget has its own properties in test_prompting.py.)
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import unicodedata
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evenhand.corpus import STANCE_LABELS, Cluster, parse_cluster, read_jsonl, to_cluster, write_jsonl
from evenhand.errors import CorpusError, InputWarning

pytestmark = pytest.mark.filterwarnings("ignore::evenhand.errors.InputWarning")

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any Unicode but surrogates (which JSON files cannot hold) and the two characters that start HTML markup:
# converting markup is tested on its own in test_reliability.py.
chars = st.characters(exclude_categories=("Cs",), exclude_characters="<&")
words = st.text(chars, min_size=1, max_size=60).filter(lambda t: any(unicodedata.category(c)[0] not in "CZ" for c in t))
maybe_blank = st.one_of(st.none(), st.just(""), st.just("  "), st.text(chars, max_size=30))

article = st.one_of(
    words,
    st.fixed_dictionaries({"text": words}, optional={"title": maybe_blank, "source": maybe_blank}),
)
stances = st.dictionaries(st.text(chars, min_size=1, max_size=20).filter(str.strip), st.sampled_from(STANCE_LABELS),
                          max_size=4)
record_body = st.fixed_dictionaries(
    {"articles": st.lists(article, min_size=1, max_size=6)},
    optional={"summary": words, "stances": stances, "topic": maybe_blank},
)


@st.composite
def records(draw, min_size=1, max_size=6):
    bodies = draw(st.lists(record_body, min_size=min_size, max_size=max_size))
    return [{"id": f"r{i}", **body} for i, body in enumerate(bodies)]


def in_tmp(fn):
    with tempfile.TemporaryDirectory() as d:
        return fn(Path(d))


@SETTINGS
@given(records())
def test_valid_records_round_trip_unchanged(recs):
    clusters = [parse_cluster(r) for r in recs]  # the validated (normalised) form

    def check(d: Path):
        assert write_jsonl(clusters, d / "c.jsonl") == len(clusters)
        back = read_jsonl(d / "c.jsonl")
        assert [c.to_dict() for c in back] == [c.to_dict() for c in clusters]
        # Written again, the file is byte-for-byte the same: reading changed nothing.
        write_jsonl(back, d / "again.jsonl")
        assert (d / "again.jsonl").read_bytes() == (d / "c.jsonl").read_bytes()

    in_tmp(check)
    for r, c in zip(recs, clusters):
        assert c.id == r["id"] and 1 <= len(c.articles) <= len(r["articles"])
        assert all(a.text == a.text.strip() and a.text for a in c.articles)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
# Records close to valid, with any value in any field: where validation bugs hide.
near_records = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "articles": st.one_of(json_values, st.lists(st.one_of(json_values, st.fixed_dictionaries(
            {}, optional={"text": json_values, "title": json_values, "source": json_values, "url": json_values})),
            max_size=4)),
        "summary": json_values,
        "stances": st.one_of(json_values, st.dictionaries(st.text(max_size=10), json_values, max_size=3)),
        "topic": json_values,
        "meta": json_values,
    },
)
garbage_line = st.one_of(
    near_records.map(json.dumps),
    json_values.map(json.dumps),
    st.text(max_size=80),
    st.sampled_from(['{"articles": ["a", "b"]', "[" * 50_000, "1" * 5000, '{"articles": ["\\ud800"]}', "\ufeff{}",
                     '{"id": "first", "articles": ["dup"]}']),
).map(lambda s: s.encode("utf-8", "surrogatepass")) | st.binary(max_size=80)

FIRST = json.dumps({"id": "first", "articles": ["A valid first line.", "Second article."]}).encode()


@SETTINGS
@given(garbage_line)
def test_any_line_parses_or_names_its_line(garbage):
    garbage = garbage.replace(b"\n", b" ")

    def check(d: Path):
        f = d / "g.jsonl"
        f.write_bytes(FIRST + b"\n" + garbage + b"\n" + FIRST.replace(b'"first"', b'"last"') + b"\n")
        try:
            clusters = read_jsonl(f)
        except CorpusError as exc:
            assert exc.line == 2 and exc.path == str(f) and str(exc).startswith(f"{f}, line 2")
        else:
            assert clusters[0].id == "first" and clusters[-1].id == "last" and len(clusters) in (2, 3)

    in_tmp(check)


@SETTINGS
@given(json_values | near_records)
def test_to_cluster_accepts_or_raises_corpus_error(value):
    try:
        cluster = to_cluster(value)
    except CorpusError:
        return
    assert isinstance(cluster, Cluster) and cluster.articles


BAD_LINES = [
    b"{broken",
    b"[1, 2, 3]",
    b'{"articles": []}',
    b'{"articles": ["ok", 5]}',
    b'{"articles": ["ok"], "stances": {"Russia": "likes"}}',
    b'{"articles": ["ok"], "sumary": "typo"}',
    b'{"articles": [{"title": "no text"}]}',
    b"caf\xe9 latin-1",
    b'{"articles": ["' + b"x" * 1_000_001 + b'"]}',
]


@SETTINGS
@given(st.lists(st.one_of(record_body.map(lambda b: ("good", b)), st.sampled_from(BAD_LINES).map(lambda b: ("bad", b))),
                max_size=12))
def test_skip_mode_keeps_exactly_the_valid_lines(lines):
    def check(d: Path):
        f = d / "mixed.jsonl"
        with open(f, "wb") as fh:
            for i, (kind, body) in enumerate(lines):
                fh.write((json.dumps({"id": f"L{i}", **body}).encode() if kind == "good" else body) + b"\n")
        out = io.StringIO()
        with contextlib.redirect_stdout(out), warnings.catch_warnings():
            warnings.simplefilter("ignore", InputWarning)
            clusters = read_jsonl(f, on_error="skip")
        return clusters, out.getvalue()

    clusters, printed = in_tmp(check)
    good = [f"L{i}" for i, (kind, _) in enumerate(lines) if kind == "good"]
    bad = [i + 1 for i, (kind, _) in enumerate(lines) if kind == "bad"]
    assert [c.id for c in clusters] == good
    if bad:
        assert f"skipped {len(bad)} bad line(s)" in printed and f"line {bad[0]}" in printed
    else:
        assert printed == ""
