"""Train a site model from decisions and measure it against the current one: no database, no
queue, so the job, the command and `make eval-learning` share it.

`fit_site_model` returns the new weights of the output layer (head) or of the whole model
(finetune), and the new model's logits for the training and held-out comments. The retrained
label is then put on the scale of the live thresholds (`calibrate`): a monotone map of its
logit, so its ranking (ROC-AUC) is unchanged, chosen so that the label's hold threshold holds
`false_hold_rate` of the approved training decisions and its reject threshold rejects
`false_reject_rate` of them. The candidate therefore behaves sensibly under the thresholds
already live, and the policies' calibration can refine them in the shadow.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from moderation.config import LearningSettings, Thresholds
from moderation.learning.encoder import BaseModel, Matrix, encode
from moderation.learning.head import fit_head
from moderation.learning.metrics import rates_at, roc_auc


@dataclasses.dataclass
class Examples:
    """Comments with their decisions (True: rejected) and, once encoded, the base model's view."""

    texts: Sequence[str]
    rejected: NDArray[np.bool_]
    features: Matrix | None = None
    logits: Matrix | None = None

    def encoded(self, base: BaseModel, max_tokens: int) -> tuple[Matrix, Matrix]:
        if self.features is None or self.logits is None:
            self.features, self.logits = encode(base, self.texts, max_tokens)
        return self.features, self.logits


@dataclasses.dataclass
class SiteModel:
    """What training produced: state-dict entries to replace and the new model's logits."""

    weights: dict[str, Any]
    train_logits: NDArray[np.float64]
    heldout_logits: NDArray[np.float64]
    details: dict[str, Any]


def fit_site_model(
    base: BaseModel,
    train: Examples,
    heldout: Examples,
    settings: LearningSettings,
    thresholds: Thresholds,
) -> SiteModel:
    """Fit with `settings.method`, calibrate the retrained label, fold it into the weights."""
    row = base.label_index(settings.label)
    if settings.method == "finetune":
        from moderation.learning.finetune import finetune

        model, details = finetune(base, train, settings)
        tuned = dataclasses.replace(base, model=model)
        train_features, train_logits = encode(tuned, train.texts, settings.max_tokens)
        heldout_features, heldout_logits = encode(tuned, heldout.texts, settings.max_tokens)
        state = {name: tensor for name, tensor in model.state_dict().items()}
        calibration_scores = train_logits[:, row].astype(np.float64)
    else:
        train_features, train_logits = train.encoded(base, settings.max_tokens)
        heldout_features, heldout_logits = heldout.encoded(base, settings.max_tokens)
        head = fit_head(train_features, train.rejected)
        details = {"l2": head.l2, "cross_validated_roc_auc": round(head.cv_roc_auc, 4)}
        layer = base.model.get_submodule(base.output_layer)
        state = {
            f"{base.output_layer}.weight": layer.weight.detach().float().cpu().clone(),
            f"{base.output_layer}.bias": layer.bias.detach().float().cpu().clone(),
        }
        _set_row(state, base.output_layer, row, head.weight, head.bias)
        train_logits = train_logits.copy()
        heldout_logits = heldout_logits.copy()
        train_logits[:, row] = head.logits(train_features)
        heldout_logits[:, row] = head.logits(heldout_features)
        calibration_scores = head.out_of_fold
    scale, shift = calibrate(
        calibration_scores,
        train.rejected,
        thresholds,
        settings.false_hold_rate,
        settings.false_reject_rate,
    )
    layer_weight = state[f"{base.output_layer}.weight"].float()
    layer_bias = state[f"{base.output_layer}.bias"].float()
    _set_row(
        state,
        base.output_layer,
        row,
        layer_weight[row].numpy() * scale,
        float(layer_bias[row]) * scale + shift,
    )
    train_out = train_logits.astype(np.float64)
    heldout_out = heldout_logits.astype(np.float64)
    train_out[:, row] = train_out[:, row] * scale + shift
    heldout_out[:, row] = heldout_out[:, row] * scale + shift
    details.update({"calibration": {"scale": round(scale, 6), "shift": round(shift, 6)}})
    return SiteModel(state, train_out, heldout_out, details)


def _set_row(state: dict[str, Any], layer: str, row: int, weight: Any, bias: float) -> None:
    import torch

    state[f"{layer}.weight"] = state[f"{layer}.weight"].float().clone()
    state[f"{layer}.bias"] = state[f"{layer}.bias"].float().clone()
    state[f"{layer}.weight"][row] = torch.as_tensor(np.asarray(weight), dtype=torch.float32)
    state[f"{layer}.bias"][row] = float(bias)


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def calibrate(
    logits: NDArray[np.float64],
    rejected: NDArray[np.bool_],
    thresholds: Thresholds,
    false_hold_rate: float,
    false_reject_rate: float,
) -> tuple[float, float]:
    """(scale, shift) for the label's logit so the live thresholds meet the target rates."""
    approved = np.sort(logits[~rejected])
    if not len(approved):
        return 1.0, 0.0
    at_hold = float(np.quantile(approved, 1 - false_hold_rate))
    at_reject = float(np.quantile(approved, 1 - false_reject_rate))
    hold, reject = _logit(thresholds.hold), _logit(thresholds.reject)
    # The reject point is matched too only when enough approvals lie above it to place it
    # (one in 1/false_reject_rate); otherwise, or where the label only rejects (hold equals
    # reject), or the scores do not spread, only the hold point is matched (scale 1).
    placed = len(approved) * false_reject_rate >= 1
    if placed and reject > hold and at_reject > at_hold:
        scale = (reject - hold) / (at_reject - at_hold)
        return scale, hold - scale * at_hold
    return 1.0, hold - at_hold


def probabilities(logits: NDArray[np.float64]) -> NDArray[np.float64]:
    return 1.0 / (1.0 + np.exp(-logits))


def evaluate(
    labels: Sequence[str],
    label: str,
    rejected: NDArray[np.bool_],
    current_logits: NDArray[np.float64],
    trained_logits: NDArray[np.float64],
    thresholds: dict[str, Thresholds],
) -> dict[str, Any]:
    """ROC-AUC per label of both models on held-out decisions, their recall and false holds
    under the live thresholds, and the change in the retrained label against the current
    model's best label."""
    current = summarise(labels, rejected, current_logits, thresholds)
    trained = summarise(labels, rejected, trained_logits, thresholds)
    finite = {k: v for k, v in current["roc_auc"].items() if v is not None}
    best_label = max(finite, key=lambda name: finite[name]) if finite else label
    best = finite.get(best_label)
    mine = trained["roc_auc"][label]
    change = None if best is None or mine is None else round(mine - best, 4)
    return {
        "current": current,
        "trained": trained,
        "current_best_label": best_label,
        "current_best_roc_auc": best,
        "trained_roc_auc": trained["roc_auc"][label],
        "roc_auc_change": change,
    }


def summarise(
    labels: Sequence[str],
    rejected: NDArray[np.bool_],
    logits: NDArray[np.float64],
    thresholds: dict[str, Thresholds],
) -> dict[str, Any]:
    """ROC-AUC per label on the decisions, and recall and false holds under `thresholds` (a
    comment is held when any label reaches its hold level)."""
    scores = probabilities(logits)
    per_label = {
        name: _rounded(roc_auc(scores[:, index], rejected)) for index, name in enumerate(labels)
    }
    held: NDArray[np.bool_] = np.zeros(len(rejected), dtype=bool)
    for index, name in enumerate(labels):
        if name in thresholds:
            held |= scores[:, index] >= thresholds[name].hold
    recall, false_holds = rates_at(held.astype(float), rejected, 0.5)
    return {
        "roc_auc": per_label,
        "recall": round(recall, 4),
        "false_hold_rate": round(false_holds, 4),
    }


def in_runtime(
    labels: Sequence[str],
    label: str,
    rejected: NDArray[np.bool_],
    trained_logits: NDArray[np.float64],
    runtime_scores: Sequence[dict[str, float]],
    thresholds: dict[str, Thresholds],
    description: str,
) -> dict[str, Any]:
    """The trained model on the held-out decisions as a worker runs it (`runtime_scores`, from
    `load_scorer`: int8 on a CPU, long texts in windows), against the trainer's own logits (in
    float, texts cut at learning.max_tokens): its ROC-AUC per label, recall and false holds,
    how many held-out comments the retrained label puts in another band (publish, hold,
    reject), and the largest gap between the two logits of that label."""
    clipped = np.clip(
        np.array([[row[name] for name in labels] for row in runtime_scores], dtype=np.float64),
        1e-7,
        1 - 1e-7,
    )
    logits = np.log(clipped / (1 - clipped))
    row = list(labels).index(label)
    band = thresholds[label]

    def bands(values: NDArray[np.float64]) -> NDArray[np.int64]:
        scores = probabilities(values)
        return (scores >= band.hold).astype(np.int64) + (scores >= band.reject).astype(np.int64)

    # The trainer's logits compared where the runtime's probabilities can say anything.
    edge = -math.log(1e-7 / (1 - 1e-7))
    trained = np.clip(trained_logits[:, row], -edge, edge)
    return {
        "description": description,
        **summarise(labels, rejected, logits, thresholds),
        "decisions_changed": int((bands(logits[:, row]) != bands(trained_logits[:, row])).sum()),
        "largest_logit_gap": round(float(np.abs(logits[:, row] - trained).max()), 4),
    }


def _rounded(value: float) -> float | None:
    """Four decimals; None for NaN (JSON has no NaN)."""
    return None if math.isnan(value) else round(value, 4)
