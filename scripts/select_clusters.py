"""Write a corpus of selected-sentence clusters: the input a fusion model trains on (issue 11).

    HF_HUB_OFFLINE=1 python scripts/select_clusters.py --data data/neus/train.jsonl --out data/neus/train_selected.jsonl
    evenhand train configs/summarizer_smollm2.yaml data.train_file=data/neus/train_selected.jsonl \
        data.val_file=data/neus/val_selected.jsonl output_dir=runs/fusion_smollm2

Each cluster keeps its id, summary and metadata; each article keeps its title and source, and its text becomes
the sentences the bundled selector picks from it (`Pipeline.selected_only`), so the summarizer recipe trains on
(selected sentences -> reference) with no change. Resumable: clusters already in --out are kept and skipped.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="a corpus JSONL (evenhand's cluster format)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--selector", default=None, help="a selector checkpoint (default: the bundled one)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    import torch
    from tqdm.auto import tqdm

    from evenhand.corpus import read_jsonl
    from evenhand.pipeline import Pipeline
    from evenhand.text import article_body, parse_all

    torch.set_num_threads(args.threads)
    clusters = read_jsonl(args.data)
    out = Path(args.out)
    done = _complete_lines(out)
    if done > len(clusters):
        raise SystemExit(f"{out} has {done} clusters, more than {args.data} ({len(clusters)}): not its output")
    pipeline = Pipeline.load(args.selector, stance=False)
    todo = clusters[done:]
    with out.open("a", encoding="utf-8") as fh:
        for start in tqdm(range(0, len(todo), 32), desc="clusters", unit="x32"):
            chunk = todo[start:start + 32]
            parse_all(article_body(a) for c in chunk for a in c.articles)
            for c in chunk:
                fh.write(json.dumps(pipeline.selected_only(c).to_dict(), ensure_ascii=False) + "\n")
            fh.flush()
    print(f"{len(clusters)} clusters in {out} ({done} were there already)")


def _complete_lines(out: Path) -> int:
    """How many whole clusters `out` holds; a last line cut off by an interruption is removed."""
    if not out.exists():
        return 0
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    try:
        if lines:
            json.loads(lines[-1])
    except json.JSONDecodeError:
        lines = lines[:-1]
        out.write_text("".join(lines), encoding="utf-8")
    if lines and not lines[-1].endswith("\n"):
        with out.open("a", encoding="utf-8") as fh:
            fh.write("\n")
    return sum(1 for line in lines if line.strip())


if __name__ == "__main__":
    main()
