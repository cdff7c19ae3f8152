"""`evenhand eval`: generate (or read) predictions, score them, write metrics, report and card.

Outputs in the --out folder:
    predictions.jsonl   one record per cluster: id, summary, stances, sources
    scores.jsonl        per-cluster metric values (for error analysis)
    metrics.json        system-level metrics (+ run info)
    report.md, metrics.png   this system against the peers
    peers/*.json        cached peer scores
With several --predictions files, each system gets a subfolder and the report compares them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import evenhand

from .card import card_class, checkpoint_name, write_model_card
from .data import EvaluationError, Prediction, load_clusters, read_predictions
from .generation import GenerateFn, checkpoint_generate_fn, generate_predictions
from .peers import DEFAULT_PEER_DIR, display_name, find_peer_files, peers_applicable, score_peers
from .report import write_report
from .scoring import EvalSettings, Scorer, ScoredSystem


@dataclass
class EvalRequest:
    data: str
    checkpoint: str | None = None
    predictions: list[str] = field(default_factory=list)
    references: str | None = None
    limit: int | None = None
    batch_size: int = 8
    max_new_tokens: int | None = None
    quantize: str | None = None  # "int8": generate with int8 Linear weights (CPU)
    backend: str | None = None  # "llama.cpp": generate with llama.cpp (inference/llamacpp.py)
    out: str | None = None
    name: str | None = None
    peers: str | None = None  # folder; None = auto-detect ../shared/data/neus_peer_outputs
    use_peers: bool = True
    baselines: list[str] = field(default_factory=list)  # names in evaluation.baselines.BASELINES
    write_card: bool = False
    card_overrides: dict[str, Any] = field(default_factory=dict)
    card_force: bool = False
    settings: EvalSettings = field(default_factory=EvalSettings)
    command: str | None = None


@dataclass
class EvalOutcome:
    out_dir: Path
    systems: list[ScoredSystem]
    peers: dict[str, dict[str, Any]]
    report: Path | None
    card: Path | None = None


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", name).strip("_") or "system"


def default_out(req: EvalRequest) -> Path:
    if req.checkpoint:
        return Path("eval_out") / _safe_name(checkpoint_name(req.checkpoint))
    if len(req.predictions) == 1:
        return Path("eval_out") / _safe_name(Path(req.predictions[0]).stem)
    return Path("eval_out") / "comparison"


def _write_jsonl(path: Path, records: Sequence[dict[str, Any]]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    tmp.replace(path)


def _write_system(out_dir: Path, scored: ScoredSystem, run_info: dict[str, Any]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics = dict(scored.metrics, run=run_info)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _write_jsonl(out_dir / "scores.jsonl", scored.per_example)


def _store_given_predictions(out_dir: Path, source: Path, preds: dict[str, Prediction]) -> None:
    """Copy ready-made predictions into predictions.jsonl; never over a generated file."""
    from .generation import check_meta

    path = out_dir / "predictions.jsonl"
    check_meta(path, {"predictions_file": str(source.resolve())})
    _write_jsonl(path, [p.to_dict() for p in preds.values()])


Systems = list[tuple[str, dict[str, Prediction], Path, "str | None"]]  # name, predictions, folder, given file


def run_eval(req: EvalRequest, *, generate_fn: GenerateFn | None = None) -> EvalOutcome:
    """Run one evaluation. `generate_fn` replaces the summarizer (tests, custom generation)."""
    if bool(req.checkpoint) == bool(req.predictions) and generate_fn is None:
        raise EvaluationError("give either --checkpoint PATH (generate, then score) or --predictions FILE (score only)")
    if req.write_card and not req.checkpoint:
        raise EvaluationError("--write-card needs --checkpoint (the card is written into the checkpoint folder)")
    clusters, n_total = load_clusters(req.data, references=req.references, limit=req.limit)
    out_dir = Path(req.out) if req.out else default_out(req)
    out_dir.mkdir(parents=True, exist_ok=True)
    scorer = Scorer(req.settings)
    run_info: dict[str, Any] = {
        "data": str(req.data),
        "references": req.references,
        "limit": req.limit,
        "checkpoint": req.checkpoint,
        "command": req.command,
        "evenhand_version": evenhand.__version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if req.checkpoint or generate_fn is not None:
        systems_in = _generated_system(req, clusters, out_dir, run_info, generate_fn)
    else:
        systems_in = _given_systems(req, clusters, n_total, out_dir)
    scored = [scorer.score(name, clusters, preds) for name, preds, _, _ in systems_in]
    run_info["references_profile"] = scorer.reference_profile(clusters)
    peers = _peers_and_baselines(req, clusters, scorer, out_dir, run_info, n_systems=len(scored))
    for s, (_, _, folder, pred_file) in zip(scored, systems_in):
        _write_system(folder, s, dict(run_info, predictions_file=pred_file) if pred_file else run_info)
    if len(scored) > 1:
        combined = {"systems": {s.name: s.metrics for s in scored}, "run": run_info}
        (out_dir / "metrics.json").write_text(json.dumps(combined, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    report = write_report(out_dir, [s.metrics for s in scored], peers, run_info=run_info)
    card = None
    if req.write_card:
        data = card_class(req.checkpoint).from_checkpoint(
            req.checkpoint, metrics=scored[0].metrics, peers=peers or None, eval_command=req.command,
            **req.card_overrides,
        )
        card = write_model_card(req.checkpoint, data, force=req.card_force)
    return EvalOutcome(out_dir=out_dir, systems=scored, peers=peers, report=report, card=card)


def _generated_system(req: EvalRequest, clusters, out_dir: Path, run_info: dict[str, Any],
                      generate_fn: GenerateFn | None) -> Systems:
    """Generate (or resume) the checkpoint's predictions into out_dir/predictions.jsonl."""
    name = req.name or (checkpoint_name(req.checkpoint) if req.checkpoint else "system")
    if generate_fn is None:
        if not Path(req.checkpoint).exists():
            raise EvaluationError(f"checkpoint not found: {req.checkpoint}")
        generate_fn = checkpoint_generate_fn(req.checkpoint, max_new_tokens=req.max_new_tokens,
                                             quantize=req.quantize, stance=any(c.stances for c in clusters),
                                             backend=req.backend)
    meta = {"checkpoint": str(Path(req.checkpoint).resolve()) if req.checkpoint else name,
            "max_new_tokens": req.max_new_tokens}
    if req.quantize and req.quantize != "none":
        # int8 outputs differ from float ones: never mix them in one predictions file.
        meta["quantize"] = req.quantize
        run_info["quantize"] = req.quantize
    # llama.cpp's outputs differ from torch's in some tokens: never mix them in one file, in either order
    # (None for torch, so prediction files written before backends existed still resume).
    meta["backend"] = req.backend if req.backend not in (None, "torch") else None
    if meta["backend"]:
        run_info["backend"] = meta["backend"]
    preds = generate_predictions(
        clusters, generate_fn, out_dir / "predictions.jsonl",
        batch_size=req.batch_size, meta=meta, progress=req.settings.progress,
    )
    return [(name, preds, out_dir, None)]


def _given_systems(req: EvalRequest, clusters, n_total: int, out_dir: Path) -> Systems:
    """Ready-made predictions files, each copied into its system's folder."""
    several = len(req.predictions) > 1
    names = [display_name(p) for p in req.predictions]
    if several and req.name:
        raise EvaluationError("--name applies to one system; with several --predictions files names come from the files")
    if len(set(names)) != len(names):
        raise EvaluationError(f"--predictions files must have distinct names, got {names}")
    systems: Systems = []
    for p, name in zip(req.predictions, names):
        preds = read_predictions(p, clusters, n_total)
        folder = out_dir / _safe_name(name) if several else out_dir
        folder.mkdir(parents=True, exist_ok=True)
        _store_given_predictions(folder, Path(p), preds)
        systems.append((req.name or name, preds, folder, str(p)))
    return systems


def _peers_and_baselines(req: EvalRequest, clusters, scorer: Scorer, out_dir: Path, run_info: dict[str, Any], *,
                         n_systems: int) -> dict[str, dict[str, Any]]:
    """The published peers (NeuS test only) and the requested baselines, scored and cached in out_dir/peers."""
    peers: dict[str, dict[str, Any]] = {}
    peer_dir = Path(req.peers) if req.peers else DEFAULT_PEER_DIR
    if req.use_peers and (req.peers or (n_systems == 1 and peer_dir.is_dir())):
        if not find_peer_files(peer_dir):
            if req.peers:
                raise EvaluationError(f"--peers {req.peers}: no peer output files (lexrank.txt, neus.txt, ...) there")
        elif not peers_applicable(clusters):
            if req.peers:
                raise EvaluationError("--peers: peer outputs exist only for the NeuS test split (ids neus-test-NNNN)")
        else:
            own = {Path(p).resolve() for p in req.predictions}
            peers = score_peers(clusters, peer_dir, scorer, cache_dir=out_dir / "peers", exclude=own)
    # Cache file stems of the peers shown, so `evenhand card --metrics` can show the same table.
    run_info["peer_files"] = [Path(m["predictions_file"]).stem for m in peers.values() if m.get("predictions_file")]
    if req.baselines:
        from .baselines import score_baselines

        peers.update(score_baselines(req.baselines, clusters, scorer, cache_dir=out_dir / "peers"))
        run_info["peer_files"] += [f"baseline-{n}" for n in req.baselines]
    return peers
