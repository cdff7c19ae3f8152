"""Which words the NeuS arousal metric counts in a system's summaries: part of speech, VADER-loaded share, most common.

    python scripts/arousal_words.py eval_out/default-selector-v4     # an `evenhand eval --vad-lexicon` output folder

Reads DIR/scores.jsonl (the arousal words of each cluster) and DIR/predictions.jsonl (the summaries), tags each
counted word where it occurs in its summary with the shared spaCy pipeline, and prints the shares. It shows what
a change to the summaries can and cannot move: a deletion rule reaches adjectives and adverbs, not nouns and verbs.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path


def tally(summaries: dict[str, str], scores: list[dict]) -> tuple[Counter, Counter, int]:
    """(part-of-speech counts, word counts, how many are VADER-loaded) of the counted words, each word once per
    summary at its first occurrence."""
    from evenhand.text import STRONG_VALENCE, parse, vader_lexicon

    lexicon = vader_lexicon()
    pos, counted, loaded = Counter(), Counter(), 0
    for row in scores:
        wanted = set(row.get("arousal_words") or [])
        seen: set[str] = set()
        for tok in parse(summaries.get(row["id"], "").replace("\n", " ")):
            for w in (tok.lower_, tok.lemma_.lower()):
                if w in wanted and w not in seen:
                    seen.add(w)
                    pos[tok.pos_] += 1
                    counted[w] += 1
                    loaded += abs(lexicon.get(w, 0.0)) >= STRONG_VALENCE
    return pos, counted, loaded


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="an evenhand eval output folder scored with --vad-lexicon")
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args()
    folder = Path(args.dir)
    summaries = {r["id"]: r["summary"] for r in map(json.loads, (folder / "predictions.jsonl").open())}
    scores = [json.loads(line) for line in (folder / "scores.jsonl").open()]
    if not any("arousal_words" in r for r in scores):
        raise SystemExit(f"{folder}/scores.jsonl has no arousal words: score it with `evenhand eval --vad-lexicon`")
    pos, counted, loaded = tally(summaries, scores)
    total = sum(pos.values())
    print(f"{total} counted words in {len(scores)} summaries")
    print("part of speech:", ", ".join(f"{k} {100 * v / total:.1f}%" for k, v in pos.most_common(8)))
    print(f"VADER-loaded (|rating| >= 2.0): {100 * loaded / max(1, total):.1f}%")
    print("most common:", ", ".join(f"{w} {n}" for w, n in counted.most_common(args.top)))


if __name__ == "__main__":
    main()
