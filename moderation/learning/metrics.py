"""How well a score separates rejected from approved comments: ROC-AUC and recall at a
false-hold rate, on numpy arrays.

Written here rather than pulling scikit-learn (tens of MB) into the service for two functions
(bench/eval.py made the same choice).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

Scores: TypeAlias = NDArray[np.float64]
Labels: TypeAlias = NDArray[np.bool_]


def as_arrays(
    scores: Sequence[float] | Scores, labels: Sequence[bool] | Labels
) -> tuple[Scores, Labels]:
    """Scores as float64 and labels as booleans, of the same length."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.bool_)
    if s.shape != y.shape:
        raise ValueError(f"{len(s)} scores for {len(y)} labels")
    return s, y


def roc_auc(scores: Sequence[float] | Scores, labels: Sequence[bool] | Labels) -> float:
    """ROC-AUC as the Mann-Whitney statistic (ties count half); NaN without both classes."""
    s, y = as_arrays(scores, labels)
    positives = int(y.sum())
    negatives = len(y) - positives
    if not positives or not negatives:
        return math.nan
    order = np.argsort(s, kind="mergesort")
    ordered = s[order]
    ranks: Scores = np.empty(len(s), dtype=np.float64)
    # Average rank of each run of equal scores.
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(ordered)]
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + end - 1) / 2 + 1
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def threshold_for_false_rate(
    scores: Sequence[float] | Scores, labels: Sequence[bool] | Labels, rate: float
) -> float:
    """The lowest threshold at which at most `rate` of the negatives score at or above it."""
    s, y = as_arrays(scores, labels)
    negatives = np.sort(s[~y])[::-1]
    if not len(negatives):
        return float(s.min()) if len(s) else 0.5
    allowed = math.floor(rate * len(negatives))
    if allowed >= len(negatives):
        return float(negatives[-1])
    # Just above the (allowed+1)-th highest negative: that one and all below are not held.
    return float(np.nextafter(negatives[allowed], np.inf))


def rates_at(
    scores: Sequence[float] | Scores, labels: Sequence[bool] | Labels, threshold: float
) -> tuple[float, float]:
    """(recall, false-hold rate) of holding everything at or above `threshold`."""
    s, y = as_arrays(scores, labels)
    held = s >= threshold
    recall = float(held[y].mean()) if y.any() else math.nan
    false = float(held[~y].mean()) if (~y).any() else math.nan
    return recall, false


def recall_at_false_rate(
    scores: Sequence[float] | Scores, labels: Sequence[bool] | Labels, rate: float
) -> float:
    """Recall at the threshold that holds at most `rate` of the negatives."""
    return rates_at(scores, labels, threshold_for_false_rate(scores, labels, rate))[0]
