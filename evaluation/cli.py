"""`evenhand eval` and `evenhand card`: their arguments and the functions they run
(the command table is in evenhand/__main__.py)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Sequence

EVAL_HELP = """\
Generate summaries with a checkpoint (batched, resumable) or read ready-made ones, and
score them: ROUGE-1/2/L/Lsum with 95% bootstrap intervals, loaded-language rate
(VADER), NeuS arousal (with --vad-lexicon), source balance, length and copying, and
country-stance F1 where the data has stances. Writes metrics.json, predictions.jsonl,
scores.jsonl, report.md and metrics.png. Definitions: evaluation/METRICS.md.

examples:
  evenhand eval --checkpoint runs/smollm2 --data data/neus/test.jsonl --limit 50
  evenhand eval --data ../shared/data/neus/test.source \\
      --predictions ../shared/data/neus_peer_outputs/generated_summary_NeuS/lexrank.txt
  evenhand eval --checkpoint runs/stance_minilm/final --out eval_out/stance   # as evenhand stance-eval
"""


def console_line(name: str, m: dict) -> str:
    """One line per system with every headline metric (ROUGE, neutrality, arousal, balance, faithfulness)."""
    def mean(*path):
        node = m
        for key in path:
            node = (node or {}).get(key)
        return node.get("mean") if isinstance(node, dict) else None

    r = m.get("rouge") or {}
    parts = [" ".join(f"{k}={v['mean']:.2f}" for k, v in r.items() if v) or "no references"]
    for label, path, nd in (("loaded/100w", ("neutrality", "loaded_rate"), 2), ("arousal", ("arousal", "arousal"), 2),
                            ("evenness", ("balance", "evenness"), 3), ("words", ("copying", "words"), 1),
                            ("unsupported names", ("faithfulness", "unsupported_names"), 2),
                            ("unsupported numbers", ("faithfulness", "unsupported_numbers"), 2)):
        v = mean(*path)
        if v is not None:
            parts.append(f"{label}={v:.{nd}f}")
    return f"{name}: " + "; ".join(parts)


def command_line(argv: Sequence[str] | None = None) -> str:
    """The evenhand command as typed, for reports and cards to quote."""
    args = list(sys.argv[1:] if argv is None else argv)
    return "evenhand " + " ".join(shlex.quote(a) for a in args)


def eval_arguments(p: argparse.ArgumentParser) -> None:
    src = p.add_argument_group("what to score (one of)")
    src.add_argument("--checkpoint", metavar="PATH",
                     help="checkpoint folder: generate summaries with it, then score (a stance checkpoint is scored "
                     "as by `evenhand stance-eval`)")
    src.add_argument(
        "--predictions", metavar="FILE", nargs="+", default=[],
        help="score ready-made outputs: a text file with one summary per line in data order, or a .jsonl "
        "with id/summary(/stances); several files are compared side by side",
    )
    p.add_argument("--data", metavar="FILE",
                   help="clusters: corpus JSONL (data/neus/test.jsonl) or a raw NeuS split (test.source, with test.target "
                   "beside it); for a stance checkpoint, labelled clusters (default labels/neus_stance/dev.jsonl)")
    p.add_argument("--references", metavar="FILE", help="reference summaries, one per line in data order (e.g. NeuS test.target); overrides the data's")
    p.add_argument("--limit", type=int, metavar="N", help="evaluate only the first N clusters")
    p.add_argument("--batch-size", type=int, default=8, metavar="B", help="clusters per generation batch (default 8)")
    p.add_argument("--max-new-tokens", type=int, metavar="N", help="generation length limit (default: the checkpoint's)")
    p.add_argument("--quantize", choices=["none", "int8", "int8-all"], default="none",
                   help="int8: generate with int8 Linear weights, faster on CPU (default none)")
    from evenhand.inference.llamacpp import add_backend_argument

    add_backend_argument(p)
    p.add_argument("--out", metavar="DIR", help="output folder (default eval_out/NAME); rerunning into it resumes generation")
    p.add_argument("--name", help="system name in the report (default: checkpoint folder or file name)")
    p.add_argument("--vad-lexicon", metavar="PATH",
                   help="NRC-VAD-Lexicon.txt (Aug2018 release) for the NeuS arousal metric; not shipped (its terms forbid redistribution)")
    p.add_argument("--wordnet", metavar="PATH",
                   help="WordNet 3.0 dict folder (or NLTK wordnet.zip) for the arousal lemmatiser (default: found automatically)")
    p.add_argument("--peers", metavar="DIR",
                   help="peer outputs folder (default: ../shared/data/neus_peer_outputs when present and the data is the NeuS test split)")
    p.add_argument("--no-peers", action="store_true", help="do not score peers")
    p.add_argument("--baseline", dest="baselines", action="append", default=[], metavar="NAME",
                   choices=["lead-3", "first-sentences"],
                   help="also score an extractive baseline computed from the articles: lead-3 (title and first "
                   "3 sentences of the first article) or first-sentences (first sentence of each article); repeatable")
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="bootstrap resamples for 95%% intervals (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    card = p.add_argument_group("model card")
    card.add_argument("--write-card", action="store_true", help="also write CHECKPOINT/README.md (model card) from these metrics")
    add_card_metadata_arguments(card)


def add_card_metadata_arguments(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    p.add_argument("--base-model", help="base model id for the card (default: read from the checkpoint)")
    p.add_argument("--license", dest="card_license", help="license id for the card (default apache-2.0)")
    p.add_argument("--model-name", help="model name for the card (default: checkpoint folder name)")
    p.add_argument("--dataset", dest="card_datasets", action="append", metavar="ID", help="dataset id for the card metadata (repeatable)")
    p.add_argument("--force", action="store_true", help="replace a README.md that evenhand did not write")


def _card_overrides(args: argparse.Namespace) -> dict:
    return {
        "base_model": args.base_model,
        "license": args.card_license,
        "model_name": args.model_name,
        "datasets": args.card_datasets,
    }


def checkpoint_task(folder: str) -> str | None:
    """The task a checkpoint folder says it was trained for; None if it is not one (the summarizer path
    then says what is wrong with it)."""
    from evenhand.errors import CheckpointError
    from evenhand.models.checkpoint import read_manifest

    try:
        return read_manifest(folder, verify=False).task
    except CheckpointError:
        return None


def stance_eval_from_eval(args: argparse.Namespace) -> int:
    """`evenhand eval --checkpoint STANCE`: stance-eval with its defaults; --data names the labelled clusters."""
    from .data import EvaluationError
    from .stance_eval import DEFAULT_CLAUSES, DEFAULT_LABELS, DEFAULT_NEUS, DEFAULT_TEST, stance_eval_command

    summary_only = {"--predictions": args.predictions, "--references": args.references, "--baseline": args.baselines,
                    "--max-new-tokens": args.max_new_tokens, "--vad-lexicon": args.vad_lexicon}
    given = [flag for flag, value in summary_only.items() if value]
    if given:
        raise EvaluationError(f"{', '.join(given)}: options for summaries, but {args.checkpoint} is a stance checkpoint")
    return stance_eval_command(argparse.Namespace(
        checkpoint=args.checkpoint, test_file=DEFAULT_TEST, labels=args.data or DEFAULT_LABELS, neus_dir=DEFAULT_NEUS,
        clauses=DEFAULT_CLAUSES, limit=args.limit, batch_size=args.batch_size, skip_sentence=False, skip_cluster=False,
        out=str(Path(args.out) / "metrics.json") if args.out else None, write_card=args.write_card,
        model_name=args.model_name, force=args.force, command_line=args.command_line,
    ))


def eval_command(args: argparse.Namespace) -> int:
    from .data import EvaluationError
    from .run import EvalRequest, run_eval
    from .scoring import EvalSettings

    if args.checkpoint and checkpoint_task(args.checkpoint) == "stance":
        return stance_eval_from_eval(args)
    if not args.data:
        raise EvaluationError("--data is required: the clusters to score (e.g. data/neus/test.jsonl)")
    req = EvalRequest(
        data=args.data,
        checkpoint=args.checkpoint,
        predictions=list(args.predictions or []),
        references=args.references,
        limit=args.limit,
        batch_size=args.batch_size,
        max_new_tokens=args.max_new_tokens,
        quantize=args.quantize,
        backend=args.backend,
        out=args.out,
        name=args.name,
        peers=args.peers,
        use_peers=not args.no_peers,
        baselines=list(dict.fromkeys(args.baselines)),
        write_card=args.write_card,
        card_overrides=_card_overrides(args),
        card_force=args.force,
        settings=EvalSettings(
            bootstrap=args.bootstrap, seed=args.seed, vad_lexicon=args.vad_lexicon,
            wordnet=args.wordnet, progress=not args.no_progress,
        ),
        command=args.command_line,
    )
    outcome = run_eval(req)
    for s in outcome.systems:
        print(console_line(s.name, s.metrics))
    if outcome.peers:
        print(f"peers and baselines scored: {', '.join(outcome.peers)}")
    print(f"wrote {outcome.out_dir / 'metrics.json'} and {outcome.report}")
    if outcome.card:
        print(f"wrote model card {outcome.card}")
    return 0


def card_command(args: argparse.Namespace) -> int:
    import json

    from .card import ModelCardData, write_model_card
    from .data import EvaluationError

    metrics = peers = None
    command = None
    if args.stance_report:
        from .stance_card import StanceCardData, load_report

        report = load_report(args.stance_report)
        data = StanceCardData.from_checkpoint(args.checkpoint, report=report, eval_command=report.get("command"),
                                              **_card_overrides(args))
        path = write_model_card(args.checkpoint, data, template=args.template, out=args.out, force=args.force)
        print(f"wrote model card {path}")
        return 0
    if args.metrics:
        mpath = Path(args.metrics)
        if not mpath.is_file():
            raise EvaluationError(f"--metrics {mpath}: file not found (expected metrics.json from evenhand eval)")
        metrics = json.loads(mpath.read_text(encoding="utf-8"))
        command = (metrics.get("run") or {}).get("command")
        # The peers that eval showed next to this system, from its cache.
        from .peers import display_name

        peers = {}
        for stem in (metrics.get("run") or {}).get("peer_files") or []:
            cached = mpath.parent / "peers" / f"{stem}.json"
            if cached.is_file():
                shown = json.loads(cached.read_text(encoding="utf-8"))["metrics"]
                peers[shown.get("system") or display_name(stem)] = shown
    data = ModelCardData.from_checkpoint(
        args.checkpoint, metrics=metrics, peers=peers or None, eval_command=command, **_card_overrides(args)
    )
    path = write_model_card(args.checkpoint, data, template=args.template, out=args.out, force=args.force)
    print(f"wrote model card {path}")
    return 0


def card_arguments(c: argparse.ArgumentParser) -> None:
    c.add_argument("--checkpoint", required=True, metavar="PATH")
    c.add_argument("--metrics", metavar="FILE", help="metrics.json from evenhand eval (its folder's peers/ are shown too)")
    c.add_argument("--stance-report", metavar="FILE",
                   help="for a stance checkpoint: the JSON of `evenhand stance-eval --out` (uses model_cards/stance_template.md)")
    c.add_argument("--template", metavar="FILE", help="Markdown template with {{placeholders}} (default: the bundled model_cards/template.md, or stance_template.md)")
    c.add_argument("--out", metavar="FILE", help="where to write (default CHECKPOINT/README.md)")
    add_card_metadata_arguments(c)
