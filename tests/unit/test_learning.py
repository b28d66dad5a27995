"""The pure parts of learning: metrics against a reference, thresholds at a false-hold rate,
calibration to the live thresholds, and the [learning] settings' checks."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from bench.eval import roc_auc as reference_roc_auc
from moderation.config import SettingsError, Thresholds, load_settings
from moderation.learning.metrics import (
    rates_at,
    recall_at_false_rate,
    roc_auc,
    threshold_for_false_rate,
)
from moderation.learning.trainer import calibrate


def test_roc_auc_matches_the_mann_whitney_reference_with_ties() -> None:
    rng = random.Random(3)
    scores = [round(rng.random(), 1) for _ in range(300)]  # many ties
    labels = [rng.random() < 0.3 for _ in range(300)]
    expected = reference_roc_auc(
        [s for s, y in zip(scores, labels, strict=True) if y],
        [s for s, y in zip(scores, labels, strict=True) if not y],
    )
    assert roc_auc(scores, labels) == pytest.approx(expected, abs=1e-12)
    assert roc_auc([0.1, 0.9], [False, True]) == 1.0
    assert math.isnan(roc_auc([0.1, 0.2], [True, True]))


def test_threshold_holds_at_most_the_rate_of_negatives() -> None:
    negatives = np.arange(100) / 100  # 0.00 .. 0.99
    scores = np.concatenate([negatives, [0.985, 0.5]])
    labels = np.array([False] * 100 + [True, True])
    threshold = threshold_for_false_rate(scores, labels, 0.02)
    recall, false_holds = rates_at(scores, labels, threshold)
    assert false_holds == 0.02  # 0.98 and 0.99 held, 0.97 not
    assert 0.97 < threshold <= 0.98
    assert recall == 0.5
    assert recall_at_false_rate(scores, labels, 0.02) == 0.5


def test_calibration_puts_the_live_thresholds_at_the_target_rates() -> None:
    rng = np.random.default_rng(0)
    logits = np.concatenate([rng.normal(-1, 1, 5000), rng.normal(1, 1, 500)])
    rejected = np.array([False] * 5000 + [True] * 500)
    live = Thresholds(hold=0.5, reject=0.93)
    scale, shift = calibrate(logits, rejected, live, 0.02, 0.002)
    assert scale > 0
    probabilities = 1 / (1 + np.exp(-(logits * scale + shift)))
    _, held = rates_at(probabilities, rejected, live.hold)
    _, rejected_share = rates_at(probabilities, rejected, live.reject)
    assert held == pytest.approx(0.02, abs=0.001)
    assert rejected_share == pytest.approx(0.002, abs=0.0005)
    # Too few approvals to place the reject point: only the hold point is matched.
    scale, shift = calibrate(logits[:300], rejected[:300], live, 0.02, 0.002)
    assert scale == 1.0
    _, held = rates_at(1 / (1 + np.exp(-(logits[:300] + shift))), rejected[:300], live.hold)
    assert held == pytest.approx(0.02, abs=0.004)


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("method", "bert", "learning.method"),
        ("device", "gpu", "learning.device"),
        ("heldout_share", 0.9, "learning.heldout_share"),
        ("false_hold_rate", 0.001, "learning.false_hold_rate"),
        ("min_decisions", 10, "learning.min_decisions"),
    ],
)
def test_bad_learning_settings_are_refused_naming_the_setting(
    name: str, value: object, named: str
) -> None:
    with pytest.raises(SettingsError, match=named.replace(".", r"\.")):
        load_settings(environ={}, overrides={"learning": {name: value}})


def test_learning_settings_from_the_environment() -> None:
    settings = load_settings(
        environ={"MODERATION_LEARNING_DEVICE": "cuda:1", "MODERATION_LEARNING_AUTO_TRAIN": "true"}
    )
    assert settings.learning.device == "cuda:1"
    assert settings.learning.auto_train is True
    assert settings.learning.method == "head"


def test_spread_label_weights_favour_the_labels_whose_logits_are_packed_tight() -> None:
    from moderation.learning.distill import label_weighting

    rng = np.random.default_rng(0)
    # Three labels: wide (toxicity-like), tight (threat-like), and in between.
    targets = np.column_stack(
        [rng.normal(-2, 3.0, 5000), rng.normal(-6, 0.5, 5000), rng.normal(-4, 1.5, 5000)]
    )
    assert label_weighting(targets, "equal") == [1.0, 1.0, 1.0]
    wide, tight, middle = label_weighting(targets, "spread")
    assert tight > middle > wide
    assert tight / wide == pytest.approx(6.0, rel=0.05)  # the inverse of the spreads' ratio
    assert (wide + tight + middle) / 3 == pytest.approx(1.0)
    with pytest.raises(ValueError, match="not one of equal, spread"):
        label_weighting(targets, "rare")
