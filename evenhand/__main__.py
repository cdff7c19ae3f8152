"""evenhand: neutral multi-source news summaries and country stances, from small fine-tuned models.

    evenhand prepare neus --src ../shared/data/neus --out data/neus
    evenhand prepare deletion --src data/neus/train.jsonl --out data/neus/train.deletion.jsonl
    evenhand train configs/summarizer_smollm2.yaml max_steps=2
    evenhand summarize examples/pact_cluster.json
    evenhand eval --checkpoint runs/summarizer/final --data data/neus/test.jsonl
    evenhand stance-eval --checkpoint runs/stance_minilm/final
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from . import __version__
from .errors import EvenhandError
from .evaluation.agreement import agreement_arguments, agreement_command
from .evaluation.cli import EVAL_HELP, card_arguments, card_command, command_line, eval_arguments, eval_command
from .evaluation.stance_eval import stance_eval_arguments, stance_eval_command

def prepare_command(args) -> int:
    from .prepare import prepare_neus

    if args.corpus == "oracle":
        from .training.selector import prepare_oracle

        n = prepare_oracle(args.src, args.out, limit=args.limit)
        print(f"{args.out}: oracle labels for {n} clusters")
        return 0
    if args.corpus == "deletion":
        from .training.deletion import prepare_deletion

        n, phrases, delete = prepare_deletion(args.src, args.out, limit=args.limit)
        print(f"{args.out}: {phrases} phrases in {n} clusters, {delete} labelled delete ({delete / max(1, phrases):.1%})")
        return 0

    counts = prepare_neus(args.src, args.out, splits=args.splits)
    for split, n in counts.items():
        print(f"{Path(args.out) / (split + '.jsonl')}: {n} clusters")
    return 0


def train_command(args) -> int:
    from .training.tasks import load_task_config, train

    final = train(load_task_config(args.config, args.overrides))
    return 0 if final is not None else 130


def export_command(args) -> int:
    if args.gguf:
        return export_gguf_command(args)
    if not args.out:
        raise EvenhandError("give --out DIR (a checkpoint folder) or --gguf FILE (a llama.cpp GGUF)")
    from .training.export import export_checkpoint

    final = export_checkpoint(args.source, args.out, args.overrides, config=args.config)
    print(f"wrote checkpoint {final}")
    return 0


def export_gguf_command(args) -> int:
    from .models.gguf_export import export_gguf

    if args.overrides or args.out or args.config:
        raise EvenhandError("--gguf exports a checkpoint folder as it is; --out, --set and --config make checkpoints")
    out, base = export_gguf(args.source, args.gguf)
    if base is None:
        print(f"wrote GGUF model {out}\nrun it: llama-cli -m {out}")
    else:
        print(f"wrote llama.cpp LoRA adapter {out} for the base model {base}\n"
              f"run it: llama-cli -m {base} --lora {out}   (ollama: FROM {base} / ADAPTER {out}; see README)")
    return 0


def summarize_command(args) -> int:
    from .corpus import read_clusters
    from .errors import input_warnings_as_lines

    # Cheap checks first: a bad option or input file should not wait for a model to load.
    if args.batch_size < 1:
        raise EvenhandError(f"--batch-size must be at least 1, got {args.batch_size}")
    if args.max_new_tokens is not None and args.max_new_tokens < 1:
        raise EvenhandError(f"--max-new-tokens must be at least 1, got {args.max_new_tokens}")
    if args.out and Path(args.out).is_dir():
        raise EvenhandError(f"--out {args.out} is a directory; expected a file name for the JSONL results")
    with input_warnings_as_lines("evenhand summarize"):
        # .json (one cluster, a list of clusters or of articles) or .jsonl; errors name file, line, field
        clusters = read_clusters(args.input)
        from .pipeline import Pipeline

        gen = {"max_new_tokens": args.max_new_tokens} if args.max_new_tokens else {}
        if gen and args.mode != "abstractive":
            raise EvenhandError("--max-new-tokens needs --mode abstractive; the extractive mode generates nothing")
        stance = False if args.no_stance else args.stance
        pipeline = Pipeline.load(args.selector, stance=stance, model=args.model, mode=args.mode,
                                 quantize=args.quantize, backend=args.backend)
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
    out += [f"- {p.text} [{', '.join(p.sources)}]" for p in r.points]
    if r.guard is not None and r.guard.generated:
        out.append(f"(guard: {len(r.guard.checked)} names and numbers checked, {len(r.guard.replaced)} part(s) replaced)")
    if r.stances:
        out += ["", "Stances:"]
        for country, s in r.stances.items():
            conf = f" ({s.confidence:.2f})" if s.confidence is not None else ""  # None: not_stated
            out.append(f"  {country}: {s.label}{conf}")
            for ev in s.evidence[:2]:
                out.append(f"      - {ev.sentence}" + (f" [{ev.source}]" if ev.source else ""))
    return "\n".join(out) + "\n"


def prepare_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("corpus", choices=["neus", "oracle", "deletion"])
    p.add_argument("--src", required=True, help="neus: folder with {train,val,test}.{source,target}; "
                                               "oracle, deletion: a corpus .jsonl with reference summaries")
    p.add_argument("--out", required=True,
                   help="neus: output folder for {split}.jsonl; oracle, deletion: the .jsonl to write")
    p.add_argument("--limit", type=int, default=None, help="oracle, deletion: first N clusters only")
    p.add_argument("--splits", nargs="+", default=["train", "val", "test"])


def train_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", help="YAML file in configs/")
    p.add_argument("overrides", nargs="*", help="key=value, e.g. max_steps=2 lora.r=8 output_dir=runs/x")


def export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", help="a Trainer step checkpoint (OUTPUT_DIR/checkpoints/checkpoint-N) or an evenhand "
                   "checkpoint folder (to change a setting, or rebuild one from an older evenhand)")
    p.add_argument("--out", help="where to write the evenhand checkpoint (may be the source folder)")
    p.add_argument("--gguf", metavar="FILE", help="instead, write a checkpoint folder as a llama.cpp GGUF: a LoRA adapter "
                                                  "GGUF for the base's GGUF (adapter checkpoints) or a whole model")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="change the recorded config, e.g. --set generation.max_new_tokens=128 (repeatable)")
    p.add_argument("--config", default=None, metavar="FILE",
                   help="the training config to record instead of the source's train_config.yaml")


def summarize_arguments(p: argparse.ArgumentParser) -> None:
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
    from .inference.llamacpp import add_backend_argument

    add_backend_argument(p)
    p.add_argument("--out", default=None, help="write JSONL results here")
    p.add_argument("--json", action="store_true", help="print JSONL instead of text")


# The whole command line. Each subcommand is a plain function of its parsed arguments (returning the
# exit status), defined next to the code it runs, with a second function that declares its arguments.
# name -> (function, arguments, help, description for `evenhand NAME --help`)
COMMANDS = {
    "prepare": (prepare_command, prepare_arguments,
                "convert NeuS into evenhand JSONL (neus), or write selector labels (oracle) or deletion labels "
                "(deletion)", None),
    "train": (train_command, train_arguments, "fine-tune from a YAML config (key=value overrides follow)", None),
    "export": (export_command, export_arguments,
               "make a checkpoint folder from trained weights: a Trainer step checkpoint (e.g. an early stop) "
               "or a checkpoint folder (to change a recorded setting); --gguf: a llama.cpp GGUF", None),
    "summarize": (summarize_command, summarize_arguments,
                  "summarize clusters from a .json or .jsonl file: headline, attributed points, stances", None),
    "eval": (eval_command, eval_arguments, "generate and score summaries; compare with peers", EVAL_HELP),
    "card": (card_command, card_arguments, "write a checkpoint's model card (README.md with Hugging Face metadata)",
             "Write CHECKPOINT/README.md from model_cards/template.md, with Hugging Face metadata\n"
             "(base_model, license, datasets, tags, model-index from metrics.json)."),
    "stance-eval": (stance_eval_command, stance_eval_arguments,
                    "stance metrics (sentence and cluster level) beside majority baselines", None),
    "agreement": (agreement_command, agreement_arguments,
                  "inter-annotator agreement (Cohen's kappa) of two stance label sets", None),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="evenhand", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"evenhand {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show log messages and tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (func, arguments, help_text, description) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=description or help_text,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        arguments(p)
        p.set_defaults(func=func)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.command_line = command_line(argv)  # as typed, for reports and cards to quote
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
