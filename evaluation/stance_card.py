"""The stance checkpoint's model card, from the JSON report of `evenhand stance-eval`.

Same machinery as the summarizer's card (`card.py`): a dataclass that knows the Hugging Face
metadata, rendered into `model_cards/stance_template.md`. The numbers come only from the
report, each beside the majority-class baseline it was measured against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .card import checkpoint_facts, front_matter, hub_metadata
from .data import EvaluationError


@dataclass
class StanceCardData:
    kind = "stance"
    model_name: str
    base_model: str | None = None
    license: str = "apache-2.0"
    language: list[str] = field(default_factory=lambda: ["en"])
    datasets: list[str] = field(default_factory=lambda: ["directed_sentiment", "neus"])
    tags: list[str] = field(default_factory=lambda: ["evenhand", "stance", "directed-sentiment", "news", "lora"])
    pipeline_tag: str = "text-classification"
    library_name: str | None = None
    report: dict[str, Any] | None = None  # JSON of `evenhand stance-eval --out`
    eval_command: str | None = None
    training: str | None = None
    data_terms: str = ("The directed_sentiment data (Park, Pan & Joo, 2021) and the NeuS articles have their own "
                       "terms; check them before commercial use.")

    def _results(self) -> list[dict[str, Any]]:
        rep = self.report or {}
        results = []
        s = rep.get("sentence")
        if s:
            results.append({
                "task": {"type": "text-classification", "name": "Holder-to-target stance (sentence level)"},
                "dataset": {"name": f"directed_sentiment test ({s['rows']} rows, {s['examples']} holder->target examples)",
                            "type": "directed_sentiment", "split": "test"},
                "metrics": [
                    {"type": "f1", "value": round(s["macro_f1"], 4), "name": "Macro-F1 (neutral/positive/negative)"},
                    {"type": "accuracy", "value": round(s["accuracy"], 4), "name": "Accuracy"},
                ],
            })
        cl = rep.get("cluster") or {}
        c, v2 = cl.get("model"), cl.get("v2")
        if c:
            metrics = []
            if v2:
                metrics.append({"type": "f1", "value": v2["macro_f1_3"]["value"],
                                "name": "Macro-F1 (supports/opposes/neutral, events from the text)"})
                metrics.append({"type": "spurious_rate", "value": v2["spurious"]["rate"],
                                "name": "Spurious polar countries"})
            else:  # a report from before the v2 metrics
                metrics.append({"type": "f1", "value": round(c["macro_f1_polar"], 4),
                                "name": f"Macro-F1 ({'/'.join(c['polar_labels'])})"})
            metrics += [
                {"type": "f1", "value": round(c["macro_f1_all"], 4), "name": "Macro-F1 (all five labels)"},
                {"type": "accuracy", "value": round(c["not_stated_accuracy"], 4), "name": "not_stated accuracy"},
            ]
            results.append({
                "task": {"type": "text-classification", "name": "Country stance toward the event (cluster level)"},
                "dataset": {"name": f"evenhand labels/neus_stance ({c['clusters']} clusters, {c['items']} country items)",
                            "type": "neus_stance", "split": "dev"},
                "metrics": metrics,
            })
        k = (rep.get("clauses") or {}).get("stance3")
        if k:
            results.append({
                "task": {"type": "text-classification", "name": "Holder stance toward the event (clause level)"},
                "dataset": {"name": f"evenhand labels/neus_stance clauses ({k['items']} clauses, {k['clusters']} clusters)",
                            "type": "neus_stance_clauses", "split": "dev"},
                "metrics": [{"type": "f1", "value": k["macro_f1"]["value"],
                             "name": "Macro-F1 (supports/opposes/neutral)"}],
            })
        return results

    def to_metadata(self) -> dict[str, Any]:
        return hub_metadata(self, self._results())

    def front_matter(self) -> str:
        return front_matter(self.to_metadata())

    def evaluation_text(self) -> str:
        rep = self.report
        if not rep or not (rep.get("sentence") or rep.get("cluster") or rep.get("clauses")):
            return "Not evaluated yet: run `evenhand stance-eval --checkpoint PATH --write-card`."
        lines = []
        if self.eval_command:
            lines += [f"Measured with `{self.eval_command}`.", ""]
        lines += ["| measure | model | majority baseline |", "|---|---:|---:|"]
        s = rep.get("sentence")
        if s:
            lines += [
                f"| sentence level, directed_sentiment test, macro-F1 neutral/positive/negative | {s['macro_f1']:.3f} | {s['majority_macro_f1']:.3f} |",
                f"| sentence level, accuracy | {s['accuracy']:.3f} | {s['majority_accuracy']:.3f} |",
                f"| sentence level, macro-F1 over the dataset's 5 classes | {s['macro_f1_5class']:.3f} | {s['majority_macro_f1_5class']:.3f} |",
            ]
        cl = rep.get("cluster")
        if cl:
            m, b = cl["model"], cl["majority"]
            lines += [
                f"| cluster level, macro-F1 {'/'.join(m['polar_labels'])} | {m['macro_f1_polar']:.3f} | {b['macro_f1_polar']:.3f} |",
                f"| cluster level, macro-F1 over all five labels | {m['macro_f1_all']:.3f} | {b['macro_f1_all']:.3f} |",
                f"| cluster level, not_stated accuracy | {_or_na(m['not_stated_accuracy'])} | {_or_na(b['not_stated_accuracy'])} |",
                f"| cluster level, accuracy | {m['accuracy']:.3f} | {b['accuracy']:.3f} |",
            ]
            v, vb = cl.get("v2"), cl.get("v2_majority")
            if v and vb:
                f = v["macro_f1_3"]
                lines += [
                    f"| cluster level, macro-F1 supports/opposes/neutral, events from the text (95% cluster bootstrap) "
                    f"| {f['value']:.3f} [{f['low']:.3f}, {f['high']:.3f}] | {vb['macro_f1_3']['value']:.3f} |",
                    f"| cluster level, spurious polar countries | {v['spurious']['rate']:.3f} | {vb['spurious']['rate']:.3f} |",
                    f"| cluster level, mixed F1 (gold {v['mixed']['gold']}, predicted {v['mixed']['predicted']}) "
                    f"| {v['mixed']['f1']:.3f} | {vb['mixed']['f1']:.3f} |",
                    f"| cluster level, calibration ECE | {_or_na(v['calibration']['ece'])} | |",
                ]
        for key, name in (("stance3", "supports/opposes/neutral"), ("all4", "four outputs (none = no stance)")):
            k = (rep.get("clauses") or {}).get(key)
            if k:
                f = k["macro_f1"]
                lines.append(f"| holder clauses, macro-F1 {name} ({k['items']} clauses) | {f['value']:.3f} "
                             f"[{f['low']:.3f}, {f['high']:.3f}] | {k['majority']['macro_f1']:.3f} |")
        lines.append("")
        if s:
            per = ", ".join(f"{k} {v['f1']:.2f} (n={v['support']})" for k, v in s["per_class"].items())
            lines += [f"Sentence level: {s['rows']} rows of `{s['file']}`, each used in both directions "
                      f"({s['examples']} examples). Per-class F1: {per}.", ""]
        if cl:
            m, b = cl["model"], cl["majority"]
            per = ", ".join(f"{k} {v:.2f} (n={m['support'].get(k, 0)})" for k, v in m["per_class_f1"].items())
            lines += [f"Cluster level: {m['clusters']} labelled NeuS clusters, {m['items']} (cluster, country) items; "
                      f"the baseline gives every country the most frequent gold label (`{b['label']}`). "
                      f"Per-class F1: {per}. Stances predicted for countries the gold labels do not list: "
                      f"{m['extra_predictions']}.", ""]
        return "\n".join(lines).rstrip()

    @classmethod
    def from_checkpoint(cls, checkpoint: str | Path, **overrides: Any) -> "StanceCardData":
        found = checkpoint_facts(checkpoint)
        found.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**found)


def _or_na(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def load_report(path: str | Path) -> dict[str, Any]:
    import json

    path = Path(path)
    if not path.is_file():
        raise EvaluationError(f"{path}: file not found (expected the JSON of `evenhand stance-eval --out`)")
    try:
        rep = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise EvaluationError(f"{path}: not JSON ({exc})") from None
    if not isinstance(rep, dict) or not (rep.get("sentence") or rep.get("cluster") or rep.get("clauses")):
        raise EvaluationError(f"{path}: expected an object with 'sentence' and/or 'cluster' results from stance-eval")
    return rep
