"""scripts/selection_sweep.py --oracle-deletion: the ceiling the README quotes for a learned deletion model."""

from __future__ import annotations

from evenhand.inference.compress import compress
from evenhand.text import parse


def test_oracle_deletes_only_phrases_the_reference_lacks(load_script):
    sweep = load_script("selection_sweep")
    doc = parse("Putin signed the treaty in Pyongyang on Wednesday after a lavish welcome ceremony.")
    extra = sweep.oracle_deletions("Russia and North Korea signed a treaty in Pyongyang.", 0.5)
    assert compress(doc, (), extra=extra(None, doc)) == "Putin signed the treaty in Pyongyang."
    keep_all = sweep.oracle_deletions("Putin signed it in Pyongyang on Wednesday after a lavish welcome ceremony.", 0.5)
    assert keep_all(None, doc) == []


def test_a_deleter_sweep_scores_each_threshold_and_one_above_every_probability_is_the_rules_alone(
        load_script, tiny_selector, tiny_deleter, corpus_dir, monkeypatch, capsys):
    sweep = load_script("selection_sweep")
    args = ["selection_sweep.py", "--selector", str(tiny_selector[0]), "--data", str(corpus_dir / "val.jsonl"),
            "--n", "3", "--grid", '{"budget_words": [20]}']
    monkeypatch.setattr("sys.argv", args)
    sweep.main()
    plain = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    monkeypatch.setattr("sys.argv", args + ["--deleter", str(tiny_deleter[0]), "--deleter-threshold", "0.0", "1.01"])
    sweep.main()
    out = capsys.readouterr().out.splitlines()
    rows = {line.split(" ")[0]: line.split(" ", 1)[1] for line in out if line.startswith("deleter>=")}
    assert set(rows) == {"deleter>=0.0", "deleter>=1.01"} and any(line.startswith("deleter scored") for line in out)
    assert rows["deleter>=1.01"] == plain[0]  # nothing reaches P 1.01: the compression rules alone
    assert rows["deleter>=0.0"] != plain[0]  # every phrase the limits allow is cut: shorter summaries
