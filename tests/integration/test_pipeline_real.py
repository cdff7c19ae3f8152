"""The bundled checkpoints on the bundled example (real models: slow, run with `pytest -m slow`)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def result(repo_root):
    from evenhand import summarize

    cluster = json.loads((repo_root / "examples" / "pact_cluster.json").read_text())
    return cluster, summarize(cluster)


def test_the_default_summary_is_grounded_attributed_and_balanced(result):
    from evenhand.inference.guard import SourceIndex, check
    from evenhand.corpus import to_cluster

    cluster, r = result
    c = to_cluster(cluster)
    assert r.mode == "extractive" and r.headline in {a.title for a in c.articles}
    assert [s.text for s in check(r.summary, SourceIndex.build(c)) if not s.supported] == []
    bodies = [a.text for a in c.articles]
    for p in r.points:
        assert p.text in bodies[p.articles[0]]
    assert {a for p in r.points for a in p.articles} == set(range(len(c.articles)))


def test_the_default_stances_on_the_example(result):
    _, r = result
    labels = {k: v.label for k, v in r.stances.items()}
    assert labels.get("Russia") == "supports"
    assert labels.get("South Korea") == "opposes"
    assert labels.get("United States") == "opposes"
