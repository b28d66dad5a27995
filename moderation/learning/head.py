"""A logistic-regression head on the model's own features, folded into its output layer.

The features are the input of the model's last linear layer, so the current label's score is
itself a linear function of them: the head can only add to what the model knows. Its L2
strength is chosen by k-fold cross-validation on the training decisions (ROC-AUC), then it is
fitted on all of them. Fitting is full-batch L-BFGS in torch: seconds for thousands of rows.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from numpy.typing import NDArray

from moderation.learning.metrics import roc_auc

L2_GRID = (3e-4, 1e-3, 3e-3, 1e-2)


@dataclasses.dataclass(frozen=True)
class Head:
    """Weights over raw features (standardisation folded in), its L2 and cross-validated AUC."""

    weight: NDArray[np.float32]
    bias: float
    l2: float
    cv_roc_auc: float
    # Each training row's logit from the fold model that did not see it: honest scores for
    # choosing thresholds on the training decisions.
    out_of_fold: NDArray[np.float64]

    def logits(self, features: NDArray[np.float32]) -> NDArray[np.float64]:
        return features.astype(np.float64) @ self.weight.astype(np.float64) + self.bias


def fit_head(
    features: NDArray[np.float32],
    labels: NDArray[np.bool_],
    l2_grid: tuple[float, ...] = L2_GRID,
    folds: int = 3,
    seed: int = 0,
) -> Head:
    """Choose L2 by `folds`-fold cross-validation, then fit on everything."""
    mean = features.mean(axis=0)
    scale = features.std(axis=0) + 1e-6
    standard = ((features - mean) / scale).astype(np.float32)
    assignment = _stratified_folds(labels, folds, seed)
    best_l2, best_auc, best_scores = l2_grid[0], -math.inf, np.zeros(len(labels))
    for l2 in l2_grid:
        scores = np.zeros(len(labels))
        for fold in range(folds):
            test = assignment == fold
            weight, bias = _fit(standard[~test], labels[~test], l2)
            scores[test] = standard[test] @ weight + bias
        auc = roc_auc(scores, labels)
        if auc > best_auc:
            best_l2, best_auc, best_scores = l2, auc, scores
    weight, bias = _fit(standard, labels, best_l2)
    raw = (weight / scale).astype(np.float32)
    folded_bias = float(bias - float((weight * mean / scale).sum()))
    return Head(raw, folded_bias, best_l2, best_auc, best_scores)


def _stratified_folds(labels: NDArray[np.bool_], folds: int, seed: int) -> NDArray[np.int64]:
    rng = np.random.default_rng(seed)
    assignment: NDArray[np.int64] = np.zeros(len(labels), dtype=np.int64)
    for value in (True, False):
        members = np.flatnonzero(labels == value)
        rng.shuffle(members)
        assignment[members] = np.arange(len(members)) % folds
    return assignment


def _fit(
    features: NDArray[np.float32], labels: NDArray[np.bool_], l2: float
) -> tuple[NDArray[np.float64], float]:
    import torch

    x = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))
    y = torch.from_numpy(labels.astype(np.float32))
    weight = torch.zeros(x.shape[1], dtype=torch.float32, requires_grad=True)
    bias = torch.zeros(1, dtype=torch.float32, requires_grad=True)
    optimiser = torch.optim.LBFGS(
        [weight, bias], max_iter=100, tolerance_grad=1e-5, line_search_fn="strong_wolfe"
    )

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(x @ weight + bias, y)
        loss = loss + l2 * (weight * weight).sum()
        loss.backward()  # type: ignore[no-untyped-call]
        return loss

    optimiser.step(closure)
    return weight.detach().numpy().astype(np.float64), float(bias.detach().item())
