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
