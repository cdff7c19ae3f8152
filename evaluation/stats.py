"""Means with percentile-bootstrap confidence intervals over clusters."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Iterable

import numpy as np


@dataclass
class MeanCI:
    mean: float
    low: float
    high: float
    n: int

    def to_dict(self) -> dict[str, float | int]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def bootstrap_ci(
    values: Iterable[float | None],
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> MeanCI:
    """Mean of the non-None values and its percentile-bootstrap interval.

    Clusters are resampled with replacement `n_resamples` times; the interval is the
    (1-confidence)/2 and (1+confidence)/2 percentiles of the resampled means. The
    seed is fixed so that reruns and peers get identical intervals.
    """
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    n = int(arr.size)
    if n == 0:
        return MeanCI(math.nan, math.nan, math.nan, 0)
    mean = float(arr.mean())
    if n == 1 or n_resamples <= 0:
        return MeanCI(mean, mean, mean, n)
    rng = np.random.default_rng(seed)
    means = np.empty(n_resamples)
    # Chunked so that a large eval set does not need an n_resamples x n index matrix at once.
    chunk = max(1, min(n_resamples, 2_000_000 // n))
    for start in range(0, n_resamples, chunk):
        stop = min(n_resamples, start + chunk)
        idx = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = arr[idx].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return MeanCI(mean, float(low), float(high), n)
