"""Calibration finds the thresholds that meet an admin's targets on a synthetic decision set
whose best thresholds are known by construction."""

from __future__ import annotations

import random

import pytest

from moderation.policies.calibration import Targets, calibrate, curve, suggest, thresholds_of


def synthetic() -> tuple[list[float], list[bool], float, float]:
    """200 unhealthy comments scored 0.50-0.995; 400 healthy ones below 0.45, and 12 healthy
    ones at exactly 0.70. Rejecting at 98% precision must start just above 0.70 (at 0.70 the
    twelve healthy ones cut precision to about 0.93); holding at 90% recall must start at the
    score of the 180th most toxic unhealthy comment."""
    draw = random.Random(7)
    unhealthy = [round(0.5 + 0.495 * n / 199, 6) for n in range(200)]
    healthy = [round(draw.uniform(0.0, 0.45), 6) for _ in range(400)] + [0.70] * 12
    scores = unhealthy + healthy
    labels = [True] * len(unhealthy) + [False] * len(healthy)
    order = list(range(len(scores)))
    draw.shuffle(order)
    best_reject = min(score for score in unhealthy if score > 0.70)
    best_hold = sorted(unhealthy, reverse=True)[179]
    return [scores[i] for i in order], [labels[i] for i in order], best_reject, best_hold


def test_calibration_finds_the_known_best_thresholds() -> None:
    scores, labels, best_reject, best_hold = synthetic()
    found = suggest(curve(scores, labels), Targets(reject_precision=0.98, hold_recall=0.9))
    assert found["reject"]["threshold"] == pytest.approx(best_reject)
    assert found["reject"]["precision"] == 1.0
    assert found["reject"]["recall"] == pytest.approx(
        sum(1 for s, u in zip(scores, labels, strict=True) if u and s >= best_reject) / 200,
        abs=1e-4,
    )
    assert found["hold"]["threshold"] == pytest.approx(best_hold)
    assert found["hold"]["recall"] == 0.9
    assert found["positives"] == 200 and found["negatives"] == 412


def test_ties_count_together_and_an_unmet_target_says_so() -> None:
    # At 0.8, three comments: two unhealthy and one healthy. No threshold reaches 99%.
    scores = [0.8, 0.8, 0.8, 0.2] + [0.1] * 30 + [0.6] * 30
    labels = [True, True, False, False] + [False] * 30 + [True] * 30
    found = suggest(curve(scores, labels), Targets(0.99, 0.5, min_examples=5))
    assert "reject" not in found and "99%" in found["reject_note"]
    assert found["hold"]["threshold"] == 0.6  # 0.8 catches 2 of 32, 0.6 catches all


def test_labels_are_calibrated_apart_and_too_few_decisions_give_no_levels() -> None:
    examples = [({"toxicity": 0.9, "insult": 0.1}, True)] * 30 + [
        ({"toxicity": 0.1, "insult": 0.9}, False)
    ] * 30
    extra = [("threat", 0.9, True)] * 3
    found = calibrate(examples, Targets(0.95, 0.9), extra)
    assert found["toxicity"]["reject"]["threshold"] == 0.9
    # Insult scores are high on the healthy ones: no level would separate anything.
    assert "reject" not in found["insult"] and "hold" not in found["insult"]
    assert "does not tell them apart" in found["insult"]["hold_note"]
    assert "too few decisions" in found["threat"]["note"]
    assert thresholds_of(found) == {"toxicity": {"hold": 0.9, "reject": 0.9}}
