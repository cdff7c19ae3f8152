"""The `evenhand` command: prepare, train, summarize, eval.

    evenhand prepare neus --src ../shared/data/neus --out data/neus
    evenhand train configs/summarizer_smollm2.yaml max_steps=2
    evenhand summarize examples/pact_cluster.json
    evenhand eval --checkpoint runs/summarizer/final --data data/neus/test.jsonl
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from pathlib import Path

from . import __version__
from .errors import EvenhandError

def cmd_prepare(args) -> int:
    from .prepare import prepare_neus

    if args.corpus == "oracle":
        from .training.selector import prepare_oracle

        n = prepare_oracle(args.src, args.out, limit=args.limit)
        print(f"{args.out}: oracle labels for {n} clusters")
        return 0

    counts = prepare_neus(args.src, args.out, splits=args.splits)
    for split, n in counts.items():
        print(f"{Path(args.out) / (split + '.jsonl')}: {n} clusters")
    return 0


def cmd_train(args) -> int:
    from .training.tasks import load_task_config, train

    final = train(load_task_config(args.config, args.overrides))
    return 0 if final is not None else 130


def cmd_export(args) -> int:
    from .training.tasks import export_step_checkpoint

    final = export_step_checkpoint(args.step_checkpoint, args.out, args.overrides)
    print(f"wrote checkpoint {final}")
    return 0


def _read_inputs(path: str):
    """Clusters from a .json (one cluster, a list of clusters, or a list of articles) or a .jsonl corpus;
    every problem is a CorpusError naming the file (and line, item, field)."""
    from .corpus import read_clusters

    return read_clusters(path)


def cmd_summarize(args) -> int:
    from .errors import input_warnings_as_lines

    # Cheap checks first: a bad option or input file should not wait for a model to load.
    if args.batch_size < 1:
        raise EvenhandError(f"--batch-size must be at least 1, got {args.batch_size}")
    if args.max_new_tokens is not None and args.max_new_tokens < 1:
        raise EvenhandError(f"--max-new-tokens must be at least 1, got {args.max_new_tokens}")
    if args.out and Path(args.out).is_dir():
        raise EvenhandError(f"--out {args.out} is a directory; expected a file name for the JSONL results")
    with input_warnings_as_lines("evenhand summarize"):
        clusters = _read_inputs(args.input)
        from .pipeline import Pipeline

        gen = {"max_new_tokens": args.max_new_tokens} if args.max_new_tokens else {}
        if gen and args.mode != "abstractive":
            raise EvenhandError("--max-new-tokens needs --mode abstractive; the extractive mode generates nothing")
        stance = False if args.no_stance else args.stance
        pipeline = Pipeline.load(args.selector, stance=stance, model=args.model, mode=args.mode,
                                 quantize=args.quantize)
        results = pipeline.summarize_many(clusters, batch_size=args.batch_size, topic=args.topic, **gen)
    lines = [json.dumps(r.to_dict(), ensure_ascii=False) for r in results]
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {len(lines)} result(s) to {args.out}")
    elif args.json:
        print("\n".join(lines))
    else:
        for r in results:
            print(format_result(r))
    return 0


def format_result(r) -> str:
    out = [f"== {r.id or 'cluster'} ({len(r.sources)} sources, {r.mode})", r.headline, ""]
    for p in r.points:
        out.append(f"- {p.text} [{', '.join(p.sources)}]")
    if r.guard is not None and r.guard.generated:
        g = r.guard
        out.append(f"(guard: {len(g.checked)} names and numbers checked, {len(g.replaced)} part(s) replaced)")
    if r.stances:
        out += ["", "Stances:"]
        for country, s in r.stances.items():
            label = getattr(s, "label", s)
            conf = getattr(s, "confidence", None)
            out.append(f"  {country}: {label}" + (f" ({conf:.2f})" if conf is not None else ""))
            for ev in (getattr(s, "evidence", None) or [])[:2]:
                sentence = getattr(ev, "sentence", ev)
                source = getattr(ev, "source", None)
                out.append(f"      - {sentence}" + (f" [{source}]" if source else ""))
    return "\n".join(out) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="evenhand", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"evenhand {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show log messages and tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("prepare", help="convert NeuS into evenhand JSONL (neus), or label selector data (oracle)")
    p.add_argument("corpus", choices=["neus", "oracle"])
    p.add_argument("--src", required=True, help="neus: folder with {train,val,test}.{source,target}; "
                                               "oracle: a corpus .jsonl with reference summaries")
    p.add_argument("--out", required=True, help="neus: output folder for {split}.jsonl; oracle: the .jsonl to write")
    p.add_argument("--limit", type=int, default=None, help="oracle: first N clusters only")
    p.add_argument("--splits", nargs="+", default=["train", "val", "test"])
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("train", help="fine-tune from a YAML config (key=value overrides follow)")
    p.add_argument("config", help="YAML file in configs/")
    p.add_argument("overrides", nargs="*", help="key=value, e.g. max_steps=2 lora.r=8 output_dir=runs/x")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("export", help="make a checkpoint folder from a Trainer step checkpoint (e.g. an early stop)")
    p.add_argument("step_checkpoint", help="OUTPUT_DIR/checkpoints/checkpoint-N")
    p.add_argument("--out", required=True, help="where to write the evenhand checkpoint")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="change the recorded config, e.g. --set generation.max_new_tokens=128 (repeatable)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("summarize", help="summarize clusters from a .json or .jsonl file")
    p.add_argument("input", help="a cluster .json (or a list of clusters) or a corpus .jsonl")
    p.add_argument("--mode", choices=["extractive", "abstractive"], default="extractive",
                   help="extractive (default): sentences copied from the articles; abstractive: a summarizer writes, "
                        "the guard checks its names and numbers")
    p.add_argument("--selector", default=None, help="selector checkpoint folder (default: the bundled one)")
    p.add_argument("--model", default=None, help="summarizer checkpoint for --mode abstractive (default: the bundled one)")
    p.add_argument("--stance", default=None, help="stance checkpoint folder (default: the bundled one)")
    p.add_argument("--no-stance", action="store_true", help="skip country stances")
    p.add_argument("--topic", default=None, help="what stances are about (default: the summary's headline)")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-new-tokens", type=int, default=None)
    p.add_argument("--quantize", choices=["none", "int8", "int8-all"], default="none",
                   help="int8: int8 Linear weights, faster on CPU (see README, Speed on CPU)")
    p.add_argument("--out", default=None, help="write JSONL results here")
    p.add_argument("--json", action="store_true", help="print JSONL instead of text")
    p.set_defaults(func=cmd_summarize)

    # Subcommands owned by other modules register themselves; a missing one says so.
    for module in ("evenhand.evaluation.cli", "evenhand.inference.stance_cli"):
        try:
            importlib.import_module(module).add_parsers(sub)
        except ImportError:
            pass
    if "eval" not in sub.choices:
        p = sub.add_parser("eval", help="evaluate a checkpoint (not available in this build)")
        p.set_defaults(func=lambda args: _not_yet("eval"))
    return parser


def _not_yet(name: str) -> int:
    print(f"evenhand {name}: not available yet in this version", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except EvenhandError as exc:
        if args.verbose:
            raise
        print(f"evenhand {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"evenhand {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
