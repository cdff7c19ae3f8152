"""The pipeline behind `summarize()`: selector, optional generator, guard and stance, composed.

    from evenhand.pipeline import Pipeline
    p = Pipeline.load()                                  # bundled selector + stance, extractive
    r = p.summarize(articles)
    r.headline, [(pt.text, pt.sources) for pt in r.points], r.guard.to_dict(), r.stances

Modes:
- "extractive" (default): the headline is the best outlet title, the body the selected sentences
  (inference/selection.py), each cut by deletion (inference/compress.py: brackets, opening connectives,
  descriptions of a name, loaded modifiers). Every word is copied from an article, so nothing can be invented.
- "abstractive": a summarizer checkpoint writes the text; the guard checks every name and number
  in it against the articles. A generated sentence with an unsupported span is replaced by the
  selected sentence it is closest to, and an unsupported headline by the selected title.

The summarizer only summarizes and the stance model only does stance: this module is where they meet.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from .corpus import Cluster, to_cluster
from .errors import EvenhandError
from .inference.guard import GuardReport, SourceIndex, check
from .inference.selection import (Candidate, SelectionSettings, attribute, best_sentences, candidates, compressed,
                                  context_text, deletions_above, scored_phrases, select, selector_pair, similarity)
from .inference.summarizer import SummaryResult
from .text import article_body, parse_all, split_sentences

MODES = ("extractive", "abstractive")


@dataclass
class Point:
    """One sentence of the summary and the outlets that report it (its own first)."""

    text: str
    sources: list[str]
    articles: list[int]  # indices into the cluster's articles, same order as sources
    copied: bool = True  # False: written by the generator (and checked by the guard)
    sentence: str = ""  # the outlet's whole sentence, when `text` is its compressed form (SelectionSettings.compress)

    def to_dict(self) -> dict[str, Any]:
        out = {"text": self.text, "sources": self.sources, "articles": self.articles, "copied": self.copied}
        return out | ({"sentence": self.sentence} if self.sentence else {})


@dataclass
class Pipeline:
    selector: Any  # models.selector.SentenceSelector
    embedder: Any  # models.selector.SentenceEmbedder
    stance: Any = None  # inference.stance.StanceAnalyzer, or None
    generator: Any = None  # inference.summarizer.Summarizer, for mode="abstractive"
    headline: Any = None  # inference.summarizer.Summarizer of a "headline" checkpoint, or None: the best title
    deleter: Any = None  # models.selector.PhraseDeleter, or None: the compression rules alone cut sentences
    mode: str = "extractive"
    settings: SelectionSettings = field(default_factory=SelectionSettings)
    # generate() options for the headline model; with num_beams=k, num_return_sequences=k the guard tries the
    # other beams before it falls back to the best outlet title
    headline_generation: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, selector: str | Path | None = None, *, stance: str | Path | bool | None = None,
             model: str | Path | None = None, headline: str | Path | bool | None = None, mode: str = "extractive",
             deleter: str | Path | bool | None = None, quantize: str | None = None, backend: str | None = None,
             **kwargs) -> "Pipeline":
        """selector / stance / model / headline / deleter: checkpoint folders; None = the bundled default
        (headline, stance and deleter: if one is installed); False = none. `model` (the summarizer) is loaded
        only for mode="abstractive"; without a headline model the best outlet title is the headline.
        quantize / backend: how both generators (summarizer, headline) run; see Summarizer.load."""
        from .inference.summarizer import Summarizer
        from .models.defaults import default_checkpoint, default_checkpoint_or_none
        from .models.selector import PhraseDeleter, SentenceEmbedder, SentenceSelector

        if mode not in MODES:
            raise EvenhandError(f"mode must be one of {MODES}, got {mode!r}")
        sel = SentenceSelector.load(Path(selector) if selector is not None else default_checkpoint("selector"))
        generator = Summarizer.load(model, quantize=quantize, backend=backend) if mode == "abstractive" else None
        if headline in (None, True):
            headline = default_checkpoint_or_none("headline") if mode == "extractive" else None
        head = Summarizer.load(headline, quantize=quantize, backend=backend) if headline else None
        if deleter in (None, True):
            deleter = default_checkpoint_or_none("deleter")
        cutter = PhraseDeleter.load(deleter) if deleter else None
        # Similarity uses the selector's own base encoder (all-MiniLM-L6-v2 for the bundled one).
        embedder = SentenceEmbedder.load(sel.base_model or "all-minilm-l6-v2")
        return cls(sel, embedder, stance=load_stance(stance), generator=generator, headline=head, deleter=cutter,
                   mode=mode, **kwargs)

    def summarize(self, articles: Any, *, topic: str | None = None, **generation) -> SummaryResult:
        return self.summarize_many([to_cluster(articles)], progress=False, topic=topic, **generation)[0]

    def summarize_many(self, clusters: Iterable[Any], *, batch_size: int = 8, progress: bool = True,
                       topic: str | None = None, **generation) -> list[SummaryResult]:
        items = [to_cluster(c) for c in clusters]
        if generation and self.mode != "abstractive":
            raise EvenhandError(f"generation options {sorted(generation)} need mode='abstractive'; "
                                "the extractive mode generates nothing")
        parse_all(article_body(a) for c in items for a in c.articles)
        generated = heads = None
        if self.generator is not None:
            generated = self.generator.summarize_many(items, batch_size=batch_size, progress=progress, **generation)
        elif self.headline is not None:
            heads = self.headline.summarize_many(items, batch_size=batch_size, progress=progress,
                                                 **self.headline_generation)
        results = []
        for i, cluster in enumerate(_bar(items, progress and self.generator is None)):
            result = self._one(cluster, generated[i] if generated else None, heads[i] if heads else None)
            if self.stance is not None:
                result.stances = self.stance.analyze(cluster, topic=topic)  # None: the event from the text, as stance-eval measures it
            results.append(result)
        return results

    def headline_of(self, cluster: Any) -> str:
        """The extractive headline: the selector's best outlet title (what stance reads as the event)."""
        cluster = to_cluster(cluster)
        cands, _, chosen = self._select(cluster)
        return cands[chosen.headline].text if chosen.headline is not None else _first_words(cands)

    def _select(self, cluster: Cluster):
        """(candidates, their similarities, the selection): the selector's scores through `select`."""
        cands = candidates(cluster)
        contexts = {a: context_text(cands, a) for a in range(len(cluster.articles))}
        scores = self.selector.score([selector_pair(c, contexts[c.article]) for c in cands])
        sim = similarity(self.embedder.embed([c.text for c in cands]))
        # scored and compared whole; budgeted, penalised and written compressed
        s = self.settings
        extra = None
        if self.deleter is not None:
            phrases = scored_phrases(cluster, cands, self.deleter, only=best_sentences(cands, scores, s.deletion_top))
            extra = deletions_above(phrases, s.deletion_threshold)
        cands = compressed(cluster, cands, s.compress, charged_threshold=s.charged_threshold, extra=extra)
        return cands, sim, select(cands, scores, sim, n_sources=len(cluster.articles), settings=s)

    def _one(self, cluster: Cluster, generated: SummaryResult | None,
             gen_head: SummaryResult | None = None) -> SummaryResult:
        cands, sim, chosen = self._select(cluster)
        headline = cands[chosen.headline].text if chosen.headline is not None else _first_words(cands)
        names = [a.source or f"article {i + 1}" for i, a in enumerate(cluster.articles)]
        points = [Point(cands[i].text, [names[a] for a in arts], arts, sentence=cands[i].full)
                  for i, arts in zip(chosen.body, attribute(cands, sim, chosen.body, self.settings.support_threshold))]
        guard = GuardReport()
        if generated is not None:
            headline, points, guard = self._guarded(cluster, generated, cands, sim, headline, points, names)
        elif gen_head is not None:
            guard = GuardReport(generated=True)
            headline = self._guard_headline(SourceIndex.build(cluster), gen_head, headline, guard)
        summary = "\n".join([headline, " ".join(p.text for p in points)]).strip()
        return SummaryResult(summary=summary, sources=cluster.sources, id=cluster.id, points=points, guard=guard,
                             mode=self.mode, truncated=generated.truncated if generated else False)

    def guard(self, cluster: Any, text: str) -> SummaryResult:
        """Any generated summary (headline on its first line, then the body; from another model, say) put
        through the guard against the cluster's articles, as mode="abstractive" does with its own: a sentence
        with an unsupported name or number is replaced by the closest selected sentence not used yet, an
        unsupported headline by the best outlet title, and each kept sentence is attributed to the outlets
        with a matching sentence. `result.guard` says what was checked and replaced."""
        cluster = to_cluster(cluster)
        if not isinstance(text, str) or not text.strip():
            raise EvenhandError(f"guard() needs the generated summary as a non-empty string, got {text!r}")
        return self._one(cluster, SummaryResult(summary=text.strip(), sources=cluster.sources, id=cluster.id))

    def selected_only(self, cluster: Any) -> Cluster:
        """The cluster cut to what selection keeps: each article's title and its selected sentences (its lead
        sentence when none was selected), summary and metadata unchanged. The input a fusion model reads
        (scripts/select_clusters.py writes a corpus of these for training)."""
        cluster = to_cluster(cluster)
        cands, _, chosen = self._select(cluster)
        articles = []
        for ai, article in enumerate(cluster.articles):
            picked = [cands[i].text for i in chosen.body if cands[i].article == ai]
            picked = picked or [c.text for c in cands if c.article == ai and c.kind == "sentence"][:1]
            articles.append(replace(article, text=" ".join(picked)))
        return replace(cluster, articles=articles)

    def _guarded(self, cluster, generated, cands, sim, title, selected, names):
        """The generated headline and sentences that pass the guard; the rest replaced (module docstring)."""
        index = SourceIndex.build(cluster)
        guard = GuardReport(generated=True)
        gen_body = generated.summary.partition("\n")[2]
        headline = self._guard_headline(index, generated, title, guard)
        sentences = split_sentences(gen_body)
        emb = self.embedder.embed(sentences + [c.text for c in cands]) if sentences else None
        points = []
        for k, sentence in enumerate(sentences):
            spans = check(sentence, index)
            guard.checked += spans
            if all(s.supported for s in spans):
                sims = emb[k] @ emb[len(sentences):].T
                arts = sorted({cands[j].article for j in range(len(cands)) if sims[j] >= self.settings.support_threshold})
                points.append(Point(sentence, [names[a] for a in arts], arts, copied=False))
                continue
            # The closest selected sentence not used yet says what the generator tried to say, in an
            # outlet's words (a generator that repeats itself would otherwise lose its length).
            used = {p.text for p in points}
            unused = [p for p in selected if p.text not in used]
            best = max(unused, key=lambda p: _overlap(p.text, sentence), default=None)
            guard.replaced.append(_replacement("sentence", sentence, spans, best.text if best else None))
            if best is not None:
                points.append(best)
        return headline, points, guard


    @staticmethod
    def _guard_headline(index: SourceIndex, generated: SummaryResult, title: str, guard: GuardReport) -> str:
        """The generated headline if the articles support each of its names and numbers, else the first
        other beam (`generated.alternatives`) that they support, else the best title."""
        tried = [generated.headline] + [a.split("\n", 1)[0].strip() for a in generated.alternatives]
        first: list = []
        for k, text in enumerate(tried):
            spans = check(text, index)
            guard.checked += spans
            first = spans if k == 0 else first
            if text and all(s.supported for s in spans):
                if k:
                    guard.replaced.append(_replacement("headline", tried[0], first, text))
                return text
        guard.replaced.append(_replacement("headline", tried[0], first, title))
        return title


def _overlap(a: str, b: str) -> int:
    return len(set(a.lower().split()) & set(b.lower().split()))


def _replacement(part: str, text: str, spans, with_text: str | None) -> dict[str, Any]:
    return {"part": part, "text": text, "unsupported": [s.text for s in spans if not s.supported], "with": with_text}


def _first_words(cands: list[Candidate], n: int = 12) -> str:
    """A headline for a cluster whose articles have no titles: the start of the best lead sentence."""
    first = next((c.text for c in cands if c.position == 1), "")
    words = first.split()
    return " ".join(words[:n]) + (" …" if len(words) > n else "")


def load_stance(stance: str | Path | bool | None):
    """A StanceAnalyzer: a checkpoint folder, None = the bundled default (if installed), False = none."""
    if stance is False:
        return None
    from .inference.stance import StanceAnalyzer
    from .models.defaults import default_checkpoint_or_none

    folder = default_checkpoint_or_none("stance") if stance in (None, True) else stance
    return StanceAnalyzer.load(folder) if folder is not None else None


def _bar(items, enabled: bool):
    if not enabled or len(items) <= 1:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc="summarizing", unit="cluster")

