"""scripts/headline_compare.py: the unguarded line scores what the model wrote, not what the guard put back."""

from __future__ import annotations

from types import SimpleNamespace

from evenhand.corpus import Article, Cluster
from evenhand.inference.guard import GuardReport, SourceIndex, check
from evenhand.pipeline import _replacement


def test_unguarded_is_the_generated_headline_the_guard_replaced_else_the_kept_one(load_script):
    compare = load_script("headline_compare")
    index = SourceIndex.build(Cluster(articles=[
        Article(title="Russia and North Korea sign defence pact", text="Putin and Kim signed the pact.", source="A"),
        Article(title="Seoul weighs arms for Ukraine", text="Seoul said it would reconsider.", source="B")]))
    invented = "Zembla signs pact with North Korea"
    spans = check(invented, index)
    assert [s.text for s in spans if not s.supported] == ["Zembla"]
    replaced = SimpleNamespace(headline="Russia and North Korea sign defence pact", guard=GuardReport(
        checked=spans, replaced=[_replacement("headline", invented, spans, "Russia and North Korea sign defence pact")],
        generated=True))
    kept = SimpleNamespace(headline="Russia and North Korea sign pact", guard=GuardReport(generated=True))
    assert compare.unguarded(replaced) == invented
    assert compare.unguarded(kept) == "Russia and North Korea sign pact"
