"""Score one system's predictions on a set of clusters with every metric.

The result is plain JSON-able data: `metrics` (system-level means with bootstrap
intervals) and `per_example` (one record per cluster, written to scores.jsonl).
Definitions: METRICS.md.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from evenhand.corpus import Cluster
from evenhand.text import article_body

from .arousal import ArousalMetric, load_vad_lexicon
from .balance import MIN_SUPPORT, TIE_MARGIN, source_balance
from .copying import NOVEL_N, copy_stats
from .faithfulness import faithfulness
from .data import Prediction, reference_text
from .neutrality import STRONG_VALENCE, loaded_language, top_loaded_words
from .rouge import ROUGE_TYPES, rouge_f1
from .stance_metrics import stance_metrics
from .stats import bootstrap_ci
from .text import rouge_tokens, strip_markers

# Bump when a metric's definition changes, so cached peer scores are recomputed.
METRICS_VERSION = 2  # 2: spaCy sentences (ROUGE-Lsum, balance, baselines); faithfulness; arousal keeps titles


@dataclass
class EvalSettings:
    bootstrap: int = 1000
    seed: int = 0
    vad_lexicon: str | None = None
    wordnet: str | None = None
    progress: bool = True

    def fingerprint(self) -> dict[str, Any]:
        d = {"bootstrap": self.bootstrap, "seed": self.seed, "metrics_version": METRICS_VERSION}
        if self.vad_lexicon:
            p = Path(self.vad_lexicon)
            d["vad_lexicon"] = [str(p.resolve()), p.stat().st_size if p.exists() else None]
        d["wordnet"] = self.wordnet
        return d


@dataclass
class ScoredSystem:
    name: str
    metrics: dict[str, Any]
    per_example: list[dict[str, Any]] = field(default_factory=list)


def _ci(values: list[float | None], settings: EvalSettings) -> dict[str, Any] | None:
    ci = bootstrap_ci(values, n_resamples=settings.bootstrap, seed=settings.seed)
    return None if ci.n == 0 else ci.to_dict()


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(x, nd)


class Scorer:
    """Holds what is costly to build (lexicons, lemmatiser) across systems."""

    def __init__(self, settings: EvalSettings | None = None):
        self.settings = settings or EvalSettings()
        self.arousal: ArousalMetric | None = None
        if self.settings.vad_lexicon:
            self.arousal = ArousalMetric(load_vad_lexicon(self.settings.vad_lexicon), wordnet=self.settings.wordnet)

    def fingerprint(self) -> dict[str, Any]:
        """What cached scores depend on, including which lemmatiser was actually found."""
        return dict(self.settings.fingerprint(), lemmatizer=self.arousal.lemmatizer.name if self.arousal else None)

    def score(self, name: str, clusters: list[Cluster], predictions: dict[str, Prediction]) -> ScoredSystem:
        """Every metric of one system; each step also writes its per-cluster values into `per`."""
        preds = [predictions[c.id] for c in clusters]
        hyps = [strip_markers(p.summary) for p in preds]
        refs = [reference_text(c) for c in clusters]
        articles = [[article_body(a) for a in c.articles] for c in clusters]
        per: list[dict[str, Any]] = [{"id": c.id} for c in clusters]
        metrics = {
            "system": name,
            "n_clusters": len(clusters),
            "n_with_reference": sum(r is not None for r in refs),
            "rouge": self._rouge(hyps, refs, per),
            "neutrality": self._neutrality(hyps, refs, per),
            "arousal": self._arousal(hyps, refs, per),
            "balance": self._balance(hyps, articles, clusters, per),
            "copying": self._copying(hyps, refs, articles, per),
            "faithfulness": self._faithfulness(hyps, clusters, per),
            "stance": self._stance(clusters, preds),
        }
        return ScoredSystem(name=name, metrics=metrics, per_example=per)

    def _rouge(self, hyps, refs, per) -> dict[str, Any] | None:
        with_ref = [i for i, r in enumerate(refs) if r is not None]
        if not with_ref:
            return None
        scores = rouge_f1([hyps[i] for i in with_ref], [refs[i] for i in with_ref])
        for j, i in enumerate(with_ref):
            for t in ROUGE_TYPES:
                per[i][t] = round(scores[t][j], 4)
        return {t: _ci(scores[t], self.settings) for t in ROUGE_TYPES}

    def _neutrality(self, hyps, refs, per) -> dict[str, Any]:
        loaded = [loaded_language(h, r) for h, r in zip(hyps, refs)]
        for rec, ll in zip(per, loaded):
            rec["loaded_rate"] = _r(ll.rate)
            rec["loaded_words"] = ll.loaded
        return {
            "loaded_rate": _ci([ll.rate for ll in loaded], self.settings),
            "loaded_rate_calibrated": _ci([ll.rate_calibrated for ll in loaded], self.settings),
            "valence_threshold": STRONG_VALENCE,
            "top_loaded_words": top_loaded_words(loaded),
        }

    def _arousal(self, hyps, refs, per) -> dict[str, Any] | None:
        if self.arousal is None:
            return None
        with_ref = [i for i, r in enumerate(refs) if r is not None]
        if not with_ref:
            return {"skipped": "no references"}
        s = self.settings
        # Every system's title is scored like the rest of its text: the marker-stripped summary, so a
        # `TITLE=> ... ARTICLE=>` output no longer loses its title (the NeuS notebook drops it).
        a_scores = [self.arousal.score(hyps[i], refs[i]) for i in with_ref]
        per100 = [100 * a.total / max(1, len(hyps[i].split())) for a, i in zip(a_scores, with_ref)]
        for sc, i, rate in zip(a_scores, with_ref, per100):
            per[i]["arousal"] = round(sc.total, 4)
            per[i]["arousal_per_100w"] = round(rate, 4)
            per[i]["arousal_words"] = sc.positive_words + sc.negative_words
        return {
            "arousal": _ci([a.total for a in a_scores], s),
            "arousal_per_100w": _ci(per100, s),
            "arousal_positive": _ci([a.positive for a in a_scores], s),
            "arousal_negative": _ci([a.negative for a in a_scores], s),
            "lexicon": Path(s.vad_lexicon).name,
            "lemmatizer": self.arousal.lemmatizer.name,
        }

    def _balance(self, hyps, articles, clusters, per) -> dict[str, Any]:
        s = self.settings
        balances = [source_balance(h, arts) for h, arts in zip(hyps, articles)]
        by_source: dict[str, list[float]] = defaultdict(list)
        for c, b, rec in zip(clusters, balances, per):
            rec["evenness"] = _r(b.evenness)
            rec["coverage"] = [round(x, 4) for x in b.coverage]
            rec["unattributed"] = round(b.unattributed, 4)
            for src, share in zip(c.sources, b.coverage):
                by_source[src].append(share)
        return {
            "evenness": _ci([b.evenness for b in balances], s),
            "dominant_share": _ci([b.dominant_share if len(b.coverage) > 1 else None for b in balances], s),
            "unattributed": _ci([b.unattributed for b in balances], s),
            "coverage_by_source": {k: round(sum(v) / len(v), 4) for k, v in sorted(by_source.items())},
            "min_support": MIN_SUPPORT,
            "tie_margin": TIE_MARGIN,
        }

    def _copying(self, hyps, refs, articles, per) -> dict[str, Any]:
        s = self.settings
        copies = [copy_stats(h, arts) for h, arts in zip(hyps, articles)]
        for rec, cs in zip(per, copies):
            rec["words"] = cs.n_words
            rec["copy_rate"] = _r(cs.copy_rate)
            rec["repeated_trigram_pct"] = _r(cs.repeated_trigram_pct)
        copying: dict[str, Any] = {"words": _ci([cs.n_words for cs in copies], s)}
        for n in NOVEL_N:
            copying[f"novel_{n}gram_pct"] = _ci([cs.novel_pct[n] for cs in copies], s)
        copying["copy_rate"] = _ci([cs.copy_rate for cs in copies], s)
        copying["repeated_trigram_pct"] = _ci([cs.repeated_trigram_pct for cs in copies], s)
        copying["empty"] = sum(1 for cs in copies if cs.n_words == 0)
        with_ref = [i for i, r in enumerate(refs) if r is not None]
        if with_ref:
            # Total summary words over total reference words (rouge-score tokens).
            ref_words = sum(len(rouge_tokens(refs[i])) for i in with_ref)
            hyp_words = sum(copies[i].n_words for i in with_ref)
            copying["length_ratio"] = _r(hyp_words / max(1, ref_words))
        return copying

    @staticmethod
    def _stance(clusters, preds) -> dict[str, Any] | None:
        if not any(c.stances is not None for c in clusters):
            return None
        sm = stance_metrics([c.stances for c in clusters], [p.stances for p in preds])
        if sm is None:
            return None
        stance = asdict(sm)
        stance["per_class"] = {k: {kk: _r(vv) if isinstance(vv, float) else vv for kk, vv in asdict(v).items()}
                               for k, v in sm.per_class.items()}
        for key in ("accuracy", "macro_f1", "not_stated_accuracy"):
            stance[key] = _r(stance[key])
        stance["predictions_given"] = sum(1 for c, p in zip(clusters, preds) if c.stances is not None and p.stances is not None)
        return stance

    def _faithfulness(self, hyps: list[str], clusters: list[Cluster], per: list[dict[str, Any]]) -> dict[str, Any]:
        """Unsupported names and numbers per summary (evaluation/faithfulness.py)."""
        s = self.settings
        found = [faithfulness(h, c) for h, c in zip(hyps, clusters)]
        for rec, f in zip(per, found):
            rec["unsupported_names"] = f.unsupported_names
            rec["unsupported_numbers"] = f.unsupported_numbers
        n_numbers = sum(f.numbers for f in found)
        return {
            "unsupported_names": _ci([len(f.unsupported_names) for f in found], s),
            "unsupported_numbers": _ci([len(f.unsupported_numbers) for f in found], s),
            "summaries_with_unsupported": _r(sum(f.any_unsupported for f in found) / max(1, len(found))),
            "numbers_unsupported_share": _r(sum(len(f.unsupported_numbers) for f in found) / n_numbers) if n_numbers else None,
            "names_checked": sum(f.names for f in found),
            "numbers_checked": n_numbers,
        }

    def reference_profile(self, clusters: list[Cluster]) -> dict[str, Any] | None:
        """The references' own loaded-language rate and faithfulness, to read the systems' numbers against."""
        refs = [(c, reference_text(c)) for c in clusters]
        refs = [(c, r) for c, r in refs if r is not None]
        if not refs:
            return None
        per = [{} for _ in refs]
        loaded = [loaded_language(r) for _, r in refs]
        return {
            "n": len(refs),
            "loaded_rate": _ci([ll.rate for ll in loaded], self.settings),
            "faithfulness": self._faithfulness([r for _, r in refs], [c for c, _ in refs], per),
        }
