import pytest

from evenhand.evaluation.agreement import agreement, cohen_kappa


def test_cohen_kappa_hand_computed():
    # observed 3/4; chance (2*1 + 2*3)/16 = 1/2; kappa = (3/4 - 1/2) / (1 - 1/2)
    assert cohen_kappa(["s", "s", "o", "o"], ["s", "o", "o", "o"]) == pytest.approx(0.5)
    assert cohen_kappa(["a", "b"], ["a", "b"]) == pytest.approx(1.0)


def test_missing_country_counts_as_not_stated():
    first = {"c1": {"Russia": "supports", "China": "not_stated"}}
    second = {"c1": {"Russia": "supports", "Japan": "opposes"}}
    r = agreement(first, second)
    assert r.n_items == 3  # China, Japan, Russia
    assert r.observed == pytest.approx(2 / 3)
    assert r.confusion["not_stated"]["opposes"] == 1
    assert agreement(first, second, stance_only=True).n_items == 2


def test_agreement_is_an_evenhand_subcommand(tmp_path, capsys):
    from evenhand.__main__ import main

    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text('{"id": "c1", "stances": {"Russia": "supports", "China": "opposes"}}\n')
    second.write_text('{"id": "c1", "stances": {"Russia": "supports", "China": "neutral"}}\n')
    assert main(["agreement", str(first), "--second", str(second)]) == 0
    out = capsys.readouterr().out
    assert "all pairs (5 labels): 1 clusters, 2 (cluster, country) pairs, agreement 0.500" in out
    assert main(["agreement", str(tmp_path / "missing.jsonl"), "--second", str(second)]) == 2
    err = capsys.readouterr().err
    assert "evenhand agreement: error:" in err and "missing.jsonl: file not found" in err
