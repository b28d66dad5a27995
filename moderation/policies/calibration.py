"""Thresholds from people's decisions: per label, the precision/recall curve of "score at or
above t" against "a moderator rejected it", and the levels that meet an admin's targets.

Pure: scores and labels in, curves and suggestions out (numpy). The reject level is the lowest
threshold whose precision meets `reject_precision` (the most unhealthy comments rejected with
few healthy ones among them); the hold level is the highest threshold whose recall meets
`hold_recall` (the least held that still catches that share). A target no threshold meets
gives no suggestion for that band, with why, and so does a hold level whose precision is no
better than the share of unhealthy comments (a label that does not tell them apart).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

# Points of a curve kept for the admin's view (the suggestion uses every threshold).
CURVE_POINTS = 50


@dataclasses.dataclass(frozen=True)
class Targets:
    reject_precision: float = 0.98
    hold_recall: float = 0.9
    # Labels with fewer unhealthy (or healthy) examples than this get no suggestion.
    min_examples: int = 20


@dataclasses.dataclass(frozen=True)
class Curve:
    """Per distinct score, highest first: the threshold, and precision and recall at it."""

    thresholds: np.ndarray[Any, Any]
    precision: np.ndarray[Any, Any]
    recall: np.ndarray[Any, Any]
    positives: int
    negatives: int


def curve(scores: Sequence[float], unhealthy: Sequence[bool]) -> Curve:
    """Precision and recall of flagging every comment scored at or above each threshold."""
    values = np.asarray(scores, dtype=float)
    truth = np.asarray(unhealthy, dtype=bool)
    order = np.argsort(-values, kind="stable")
    values, truth = values[order], truth[order]
    true_hits = np.cumsum(truth)
    flagged = np.arange(1, len(values) + 1)
    # The last index of each distinct score: "at or above" takes every tie.
    last = np.r_[np.nonzero(np.diff(values))[0], len(values) - 1] if len(values) else []
    positives = int(truth.sum())
    hits = true_hits[last]
    return Curve(
        thresholds=values[last],
        precision=hits / flagged[last],
        recall=hits / positives if positives else np.zeros(len(last)),
        positives=positives,
        negatives=int(len(truth) - positives),
    )


def suggest(found: Curve, targets: Targets) -> dict[str, Any]:
    """The hold and reject levels for `targets` on one label's curve, with what each gives."""
    result: dict[str, Any] = {"positives": found.positives, "negatives": found.negatives}
    if found.positives < targets.min_examples or found.negatives < targets.min_examples:
        result["note"] = (
            f"too few decisions: {found.positives} unhealthy and {found.negatives} healthy, "
            f"at least {targets.min_examples} of each are needed"
        )
        return result
    precise = np.nonzero(found.precision >= targets.reject_precision)[0]
    if len(precise):
        at = int(precise[-1])  # the lowest threshold that still meets the precision
        result["reject"] = _point(found, at)
    else:
        result["reject_note"] = f"no threshold reaches {targets.reject_precision:.0%} precision"
    recalled = np.nonzero(found.recall >= targets.hold_recall)[0]
    base_rate = found.positives / (found.positives + found.negatives)
    if len(recalled) and found.precision[int(recalled[0])] > base_rate:
        at = int(recalled[0])  # the highest threshold that already meets the recall
        result["hold"] = _point(found, at)
    else:
        # Holding there would hold comments no likelier to be unhealthy than any other.
        result["hold_note"] = (
            f"no threshold reaches {targets.hold_recall:.0%} recall with a precision above "
            f"the share of unhealthy comments ({base_rate:.0%}): the label does not tell them apart"
        )
    held, rejected = result.get("hold"), result.get("reject")
    if held and rejected and held["threshold"] > rejected["threshold"]:
        result["hold"] = dict(rejected)
    step = max(1, len(found.thresholds) // CURVE_POINTS)
    result["curve"] = [_point(found, index) for index in range(0, len(found.thresholds), step)]
    return result


def _point(found: Curve, index: int) -> dict[str, float]:
    return {
        "threshold": round(float(found.thresholds[index]), 6),
        "precision": round(float(found.precision[index]), 4),
        "recall": round(float(found.recall[index]), 4),
    }


def calibrate(
    examples: Iterable[tuple[Mapping[str, float], bool]],
    targets: Targets,
    extra: Iterable[tuple[str, float, bool]] = (),
) -> dict[str, dict[str, Any]]:
    """Per label: its curve and suggested levels, from (scores by label, unhealthy) examples
    and single-label ones (label, score, unhealthy; Perspective `suggestscore` feedback)."""
    by_label: dict[str, tuple[list[float], list[bool]]] = {}
    for scores, unhealthy in examples:
        for label, score in scores.items():
            values, truth = by_label.setdefault(label, ([], []))
            values.append(score)
            truth.append(unhealthy)
    for label, score, unhealthy in extra:
        values, truth = by_label.setdefault(label, ([], []))
        values.append(score)
        truth.append(unhealthy)
    return {
        label: suggest(curve(values, truth), targets)
        for label, (values, truth) in sorted(by_label.items())
    }


def thresholds_of(suggestions: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """The suggested levels as a policy's `thresholds` section (labels with a suggestion)."""
    found: dict[str, dict[str, float]] = {}
    for label, suggestion in suggestions.items():
        band = {
            name: float(suggestion[name]["threshold"])
            for name in ("hold", "reject")
            if name in suggestion
        }
        if band:
            found[label] = band
    return found
