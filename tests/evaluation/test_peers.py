"""Peers scored with our code reproduce the published recomputed ROUGE (within 0.2).

Needs the read-only shared data beside the repository (../shared/data); skipped without it.
The LexRank check runs by default (a few seconds); all ten peers: `pytest -m slow`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from evenhand.evaluation.data import load_clusters, read_predictions, reference_text
from evenhand.evaluation.peers import display_name, find_peer_files, peers_applicable
from evenhand.evaluation.rouge import rouge_f1
from evenhand.evaluation.text import strip_markers

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
NEUS_TEST = SHARED / "neus" / "test.source"
PEER_DIR = SHARED / "neus_peer_outputs"
needs_data = pytest.mark.skipif(not NEUS_TEST.is_file() or not PEER_DIR.is_dir(), reason="shared NeuS data not present")

# From ../shared/data/README.md (the five headline peers).
README_POINTS = {"lexrank": (42.2, 18.2, 26.6)}


def _recomputed_table() -> dict[str, tuple[float, float, float]]:
    """system file stem -> (R1, R2, RL) from neus_peer_outputs/ROUGE_recomputed.txt."""
    rows = {}
    for line in (PEER_DIR / "ROUGE_recomputed.txt").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^(\w+)\.txt\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", line)
        if m:
            rows[m.group(1)] = tuple(float(x) for x in m.group(2, 3, 4))
    return rows


def _mean_rouge(path: Path, clusters, n_total):
    preds = read_predictions(path, clusters, n_total)
    r = rouge_f1([strip_markers(preds[c.id].summary) for c in clusters], [reference_text(c) for c in clusters])
    return tuple(float(np.mean(r[t])) for t in ("rouge1", "rouge2", "rougeL"))


@needs_data
def test_lexrank_reproduces_published_rouge():
    clusters, n_total = load_clusters(NEUS_TEST)
    assert n_total == 307 and peers_applicable(clusters)
    got = _mean_rouge(PEER_DIR / "generated_summary_NeuS" / "lexrank.txt", clusters, n_total)
    for ours, published in zip(got, README_POINTS["lexrank"]):
        assert abs(ours - published) <= 0.2


@needs_data
@pytest.mark.slow
def test_all_ten_peers_reproduce_recomputed_rouge():
    clusters, n_total = load_clusters(NEUS_TEST)
    table = _recomputed_table()
    files = find_peer_files(PEER_DIR)
    assert len(files) == 10 and len(table) == 10
    for path in files:
        got = _mean_rouge(path, clusters, n_total)
        for ours, published in zip(got, table[path.stem]):
            assert abs(ours - published) <= 0.2, (display_name(path), got, table[path.stem])
