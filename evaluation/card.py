"""Model cards: a dataclass holding the card's data, and a writer for the checkpoint's README.md.

Modelled on setfit's `SetFitModelCardData`: the dataclass knows the Hugging Face
metadata (front matter YAML with `base_model`, `license`, `datasets`, `tags`,
`model-index`) and the prose comes from a Markdown template with `{{name}}`
placeholders (`model_cards/template.md`; `stance_template.md` for StanceCardData in
`stance_card.py`). The templates ship inside the package as `evenhand.model_cards`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

import evenhand
from evenhand.model_cards import template_path
from evenhand.models.resolve import hub_id_of, license_of

from .data import EvaluationError
from .report import detail_section, metrics_table, stance_section
from .rouge import ROUGE_NAMES, ROUGE_TYPES

GENERATED_MARK = "Written by `evenhand card`"
_PLACEHOLDER_RE = re.compile(r"\{\{\s*(\w+)\s*\}\}")

# Files a checkpoint may hold that name its base model, in the order we trust them.
_META_FILES = ("evenhand.json", "adapter_config.json", "config.json")


def checkpoint_name(checkpoint: str | Path) -> str:
    """A readable name: the folder, prefixed by its parent when it is a generic `final` / `checkpoint-N`."""
    path = Path(checkpoint).resolve()
    if path.name in ("final", "best", "last") or path.name.startswith("checkpoint-"):
        return f"{path.parent.name}-{path.name}"
    return path.name


@dataclass
class CardMetric:
    type: str
    name: str
    value: float

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "value": self.value, "name": self.name}


@dataclass
class ModelCardData:
    """A summarizer's card: NeuS metrics from `evenhand eval` and the peers scored beside it."""

    kind = "summarizer"  # picks the bundled template (class attribute, not a field)
    model_name: str
    base_model: str | None = None
    license: str = "apache-2.0"
    language: list[str] = field(default_factory=lambda: ["en"])
    datasets: list[str] = field(default_factory=lambda: ["neus"])
    tags: list[str] = field(
        default_factory=lambda: ["summarization", "multi-document-summarization", "news", "media-bias", "stance", "evenhand"]
    )
    pipeline_tag: str = "summarization"
    library_name: str | None = None
    eval_dataset_name: str = "NeuS (AllSides) test"
    eval_dataset_type: str = "neus"
    eval_split: str = "test"
    metrics: dict[str, Any] | None = None  # metrics.json of `evenhand eval`
    peers: dict[str, dict[str, Any]] | None = None
    eval_command: str | None = None
    training: str | None = None
    data_terms: str = "The NeuS training data comes from AllSides roundups; check its terms before commercial use."

    def summarization_metrics(self) -> list[CardMetric]:
        m = self.metrics or {}
        out: list[CardMetric] = []

        def add(type_: str, name: str, node: Any, nd: int = 2) -> None:
            if isinstance(node, dict) and node.get("mean") is not None:
                out.append(CardMetric(type_, name, round(float(node["mean"]), nd)))

        for t in ROUGE_TYPES:
            add(t, f"{ROUGE_NAMES[t]} F1", (m.get("rouge") or {}).get(t))
        add("loaded_language_rate", "Loaded words per 100 (VADER, lower is better)", (m.get("neutrality") or {}).get("loaded_rate"))
        add("neus_arousal", "NeuS arousal (lower is better)", (m.get("arousal") or {}).get("arousal"))
        add("source_evenness", "Source balance evenness", (m.get("balance") or {}).get("evenness"), 3)
        return out

    def to_metadata(self) -> dict[str, Any]:
        results = []
        summ = self.summarization_metrics()
        dataset = {"name": self.eval_dataset_name, "type": self.eval_dataset_type, "split": self.eval_split}
        if summ:
            results.append({
                "task": {"type": "summarization", "name": "Neutral multi-document summarization"},
                "dataset": dataset,
                "metrics": [x.to_dict() for x in summ],
            })
        stance = (self.metrics or {}).get("stance")
        if stance:
            results.append({
                "task": {"type": "text-classification", "name": "Country stance"},
                "dataset": dataset,
                "metrics": [
                    {"type": "f1", "value": stance["macro_f1"], "name": "Stance macro-F1"},
                    {"type": "accuracy", "value": stance["accuracy"], "name": "Stance accuracy"},
                ],
            })
        return hub_metadata(self, results)

    def front_matter(self) -> str:
        return front_matter(self.to_metadata())

    def evaluation_text(self) -> str:
        if not self.metrics:
            return "Not evaluated yet: run `evenhand eval --checkpoint PATH --data data/neus/test.jsonl --write-card`."
        m = self.metrics
        parts = [
            f"Scored by `evenhand eval` on {m.get('n_clusters', '?')} clusters of {self.eval_dataset_name} "
            "(metric definitions: `evaluation/METRICS.md` in the evenhand repository). "
            "ROUGE is F1 × 100 from rouge-score with stemming, mean over clusters.",
            "",
        ]
        if self.eval_command:
            parts += [f"Command: `{self.eval_command}`", ""]
        rows = [dict(m, system=self.model_name)] + [dict(v, system=k) for k, v in (self.peers or {}).items()]
        parts += [metrics_table(rows, [self.model_name]), ""]
        if self.peers:
            note = "Peers: published outputs (Lei & Huang, ACL 2025) scored with the same code on the same clusters."
            if any(v.get("baseline") for v in self.peers.values()):
                note += (" Rows marked (baseline) are extractive baselines that copy sentences from the articles "
                         "(`evenhand eval --baseline`), a floor for what copying alone earns.")
            parts += [note, ""]
        parts += ["Details, with 95% bootstrap intervals over clusters:", "", detail_section(m)]
        if m.get("stance"):
            parts += ["", "### Country stance", "", stance_section(m["stance"])]
        return "\n".join(parts)

    @classmethod
    def from_checkpoint(cls, checkpoint: str | Path, **overrides: Any) -> "ModelCardData":
        """Card data with what the checkpoint's files say (base model, library), then `overrides`."""
        found = checkpoint_facts(checkpoint)
        found.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**found)


def hub_metadata(card: Any, results: list[dict[str, Any]]) -> dict[str, Any]:
    """Hugging Face front-matter fields of any card dataclass, with `results` as its model-index."""
    meta: dict[str, Any] = {"language": card.language, "license": card.license}
    if card.library_name:
        meta["library_name"] = card.library_name
    if card.base_model:
        meta["base_model"] = card.base_model
    meta.update(datasets=card.datasets, tags=card.tags, pipeline_tag=card.pipeline_tag)
    if results:
        meta["model-index"] = [{"name": card.model_name, "results": results}]
    return meta


def front_matter(meta: dict[str, Any]) -> str:
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---"


@dataclass
class SelectorCardData(ModelCardData):
    """The sentence selector's card: the same NeuS summary metrics, of the extractive pipeline it drives."""

    kind = "selector"
    tags: list[str] = field(default_factory=lambda: [
        "summarization", "extractive-summarization", "multi-document-summarization", "news", "media-bias", "evenhand"])
    pipeline_tag: str = "text-classification"


def card_class(checkpoint: str | Path):
    """The card dataclass for a checkpoint's task (summarizer and headline share the summarizer's)."""
    from evenhand.models.checkpoint import MANIFEST, read_manifest

    if not (Path(checkpoint) / MANIFEST).is_file():  # a folder of outputs only: the summarizer's card
        return ModelCardData
    return SelectorCardData if read_manifest(checkpoint, verify=False).task == "selector" else ModelCardData


def checkpoint_facts(checkpoint: str | Path) -> dict[str, Any]:
    """What a checkpoint's own files say about it: name, base model, library, license, training paragraph."""
    checkpoint = Path(checkpoint)
    found: dict[str, Any] = {"model_name": checkpoint_name(checkpoint)}
    for fname in reversed(_META_FILES):  # later (more trusted) files overwrite earlier ones
        f = checkpoint / fname
        if not f.is_file():
            continue
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
        if not isinstance(data, dict):
            continue
        base = data.get("base_model") or data.get("base_model_name_or_path")
        if fname == "config.json":
            name = data.get("_name_or_path")
            base = name if name and Path(name).resolve() != checkpoint.resolve() else None
        if base:
            found["base_model"] = str(base)
        if fname == "adapter_config.json":
            found["library_name"] = "peft"
        elif fname == "config.json" and "library_name" not in found:
            found["library_name"] = "transformers"
        for key in ("license", "datasets", "model_name"):
            if data.get(key) and fname.startswith("evenhand"):
                found[key] = data[key]
    if found.get("base_model"):
        found["base_model"] = hub_id_of(found["base_model"])
        lic = license_of(found["base_model"])
        if lic and "license" not in found:
            found["license"] = lic
    training = _training_text(checkpoint / "evenhand.json", found.get("base_model"))
    if training:
        found["training"] = training
    return found


def _training_text(manifest: Path, base_model: str | None) -> str | None:
    """A short training paragraph from the checkpoint's evenhand.json, if it has one."""
    if not manifest.is_file():
        return None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    cfg = data.get("config") or {}
    lora = cfg.get("lora") or {}
    trainer = cfg.get("trainer") or {}
    dcfg = cfg.get("data") or {}
    metrics = (data.get("extra") or {}).get("train_metrics") or {}
    top = lora.get("top_layers")
    how = (f"LoRA (r={lora.get('r')}, alpha={lora.get('alpha')}" + (f", top {top} layers" if top else "") + ")"
           if data.get("adapter") or lora.get("enabled") else "full fine-tuning")
    lines = [f"Fine-tuned from `{base_model or data.get('base_model')}` with {how} by `evenhand train`."]
    facts = []
    if metrics.get("global_step") is not None:
        facts.append(f"optimizer steps: {metrics['global_step']}")
    if metrics.get("best_eval_loss") is not None:
        facts.append(f"best validation loss: {metrics['best_eval_loss']:.3f}")
    if metrics.get("best_eval_macro_f1") is not None:
        facts.append(f"validation macro-F1 at that checkpoint: {metrics['best_eval_macro_f1']:.3f}")
    if trainer.get("learning_rate") is not None:
        facts.append(f"learning rate: {trainer['learning_rate']}")
    if dcfg.get("train_file"):
        facts.append(f"training data: `{dcfg['train_file']}`")
    if dcfg.get("max_source_tokens"):
        facts.append(f"source budget: {dcfg['max_source_tokens']} tokens shared among the articles")
    generation = (data.get("extra") or {}).get("generation") or {}
    if generation:
        # What summarize() uses unless the caller overrides it: the numbers above were measured with these.
        facts.append("generation defaults: " + ", ".join(f"`{k}={v}`" for k, v in sorted(generation.items())))
    if facts:
        lines += ["", "- " + "\n- ".join(facts)]
    lines += ["", "The full configuration is in `evenhand.json` beside this card; runs are logged in "
              "`model_cards/training_log.md` of the evenhand repository."]
    return "\n".join(lines)


def render_model_card(card: Any, template: str) -> str:
    """Fill `template` from a card dataclass (ModelCardData, StanceCardData)."""
    values = {
        "front_matter": card.front_matter(),
        "model_name": card.model_name,
        "base_model": card.base_model or "an unrecorded base model",
        "evaluation": card.evaluation_text(),
        "training": card.training or "See `model_cards/training_log.md` in the evenhand repository for the run that produced this checkpoint.",
        "license_note": (
            f"{card.license}. The base model's own license and terms also apply"
            + (f" (`{card.base_model}`)." if card.base_model else ".")
            + " "
            + card.data_terms
        ),
        "date": date.today().isoformat(),
        "evenhand_version": evenhand.__version__,
    }

    def sub(m: re.Match) -> str:
        key = m.group(1)
        if key not in values:
            raise EvaluationError(f"model card template: unknown placeholder {{{{{key}}}}}; known: {sorted(values)}")
        return str(values[key])

    text = _PLACEHOLDER_RE.sub(sub, template)
    if not text.startswith("---\n"):
        raise EvaluationError("model card template must start with {{front_matter}} (Hugging Face reads metadata only at the top)")
    if GENERATED_MARK not in text:
        # The mark is what lets a later run replace this file without --force.
        head, sep, body = text.partition("\n---\n")
        text = f"{head}{sep}<!-- {GENERATED_MARK}. -->\n{body}"
    return text


def _replaceable(text: str) -> bool:
    """Our own card, or the empty placeholder card that peft/transformers save with a checkpoint."""
    placeholder = "# Model Card for Model ID" in text and "[More Information Needed]" in text
    return GENERATED_MARK in text or placeholder


def write_model_card(
    checkpoint: str | Path,
    card: Any,
    *,
    template: str | Path | None = None,
    out: str | Path | None = None,
    force: bool = False,
) -> Path:
    """Write the card to `out` (default: CHECKPOINT/README.md).

    An existing README that this writer did not produce is kept unless `force`,
    so a hand-written card is never overwritten by accident (peft's empty
    placeholder card is replaced).
    """
    checkpoint = Path(checkpoint)
    if not checkpoint.is_dir():
        raise EvaluationError(f"checkpoint folder not found: {checkpoint}")
    tpath = Path(template) if template is not None else template_path(card.kind)
    if not tpath.is_file():
        raise EvaluationError(f"model card template not found: {tpath}; pass --template PATH")
    out_path = Path(out) if out is not None else checkpoint / "README.md"
    if out_path.exists() and not force and not _replaceable(out_path.read_text(encoding="utf-8", errors="replace")):
        raise EvaluationError(f"{out_path} exists and was not written by `evenhand card`; pass --force to replace it")
    text = render_model_card(card, tpath.read_text(encoding="utf-8"))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(text, encoding="utf-8")
    return out_path
