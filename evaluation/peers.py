"""Published systems' outputs on the NeuS test split, scored with the same code.

The peer files (Lei & Huang, ACL 2025 release) hold one summary per line in
test_0..test_306 order, so a cluster `neus-test-0042` pairs with line 42. Scores are
cached under the output folder, keyed by the peer file, the clusters and the
settings, so a rerun does not rescore ten files.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable

from evenhand.corpus import Cluster

from evenhand.text import article_body

from .data import Prediction, neus_index, read_text_lines
from .scoring import Scorer

# file stem -> display name; the first five are the headline peers.
PEER_NAMES = {
    "lexrank": "LexRank",
    "neus": "NeuS-Title",
    "led_baseline": "LED",
    "led_event_relation_graph": "LED+graph",
    "llama_event_relation_graph": "Llama-2+graph",
    "llama_baseline": "Llama-2",
    "bart_large_cnn": "BART-CNN",
    "bart_large_multi": "BART-Multi",
    "pegasus_cnn": "PEGASUS-CNN",
    "pegasus_multi": "PEGASUS-Multi",
}
NEUS_TEST_SIZE = 307
DEFAULT_PEER_DIR = Path("../shared/data/neus_peer_outputs")


def display_name(path: str | Path) -> str:
    stem = Path(path).stem
    return PEER_NAMES.get(stem, stem)


def find_peer_files(peer_dir: str | Path) -> list[Path]:
    """Peer output files in PEER_NAMES order (accepts the release folder or its generated_summary_NeuS/)."""
    peer_dir = Path(peer_dir)
    for folder in (peer_dir / "generated_summary_NeuS", peer_dir):
        files = [folder / f"{stem}.txt" for stem in PEER_NAMES if (folder / f"{stem}.txt").is_file()]
        if files:
            return files
    return []


def peers_applicable(clusters: list[Cluster]) -> bool:
    """Peers exist only for the NeuS test split: every cluster id must be `neus-test-NNNN`."""
    return all(neus_index(c.id) is not None and neus_index(c.id) < NEUS_TEST_SIZE for c in clusters)


def peer_predictions(path: Path, clusters: list[Cluster]) -> dict[str, Prediction]:
    lines = read_text_lines(path)
    if len(lines) != NEUS_TEST_SIZE:
        raise ValueError(f"{path} has {len(lines)} lines; expected {NEUS_TEST_SIZE} (NeuS test)")
    return {c.id: Prediction(id=c.id, summary=lines[neus_index(c.id)]) for c in clusters}


def clusters_fingerprint(clusters: list[Cluster]) -> str:
    h = hashlib.sha256()
    for c in clusters:
        h.update(json.dumps([c.id, c.summary, [article_body(a) for a in c.articles], c.stances], sort_keys=True).encode())
    return h.hexdigest()


def cached_metrics(cache: Path | None, key: str, score: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`score()`'s metrics, read from `cache` when it was written under the same `key`, else computed
    and written there (no cache: always computed)."""
    if cache is not None and cache.is_file():
        cached = json.loads(cache.read_text(encoding="utf-8"))
        if cached.get("key") == key:
            return cached["metrics"]
    metrics = score()
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"key": key, "metrics": metrics}, ensure_ascii=False), encoding="utf-8")
    return metrics


def score_peers(
    clusters: list[Cluster],
    peer_dir: str | Path,
    scorer: Scorer,
    cache_dir: str | Path | None = None,
    exclude: set[Path] | frozenset[Path] = frozenset(),
) -> dict[str, dict[str, Any]]:
    """Metrics for each peer file, display name -> metrics (as in metrics.json).

    `exclude`: resolved paths to skip (the system under evaluation when it is itself a peer file).
    """
    out: dict[str, dict[str, Any]] = {}
    data_fp = clusters_fingerprint(clusters)
    for path in find_peer_files(peer_dir):
        if path.resolve() in exclude:
            continue
        name = display_name(path)
        key = hashlib.sha256(
            json.dumps([hashlib.sha256(path.read_bytes()).hexdigest(), data_fp, scorer.fingerprint()]).encode()
        ).hexdigest()
        cache = Path(cache_dir) / f"{path.stem}.json" if cache_dir is not None else None

        def score(path: Path = path, name: str = name) -> dict[str, Any]:
            metrics = scorer.score(name, clusters, peer_predictions(path, clusters)).metrics
            metrics["predictions_file"] = str(path)
            return metrics

        out[name] = cached_metrics(cache, key, score)
    return out
