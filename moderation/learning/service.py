"""Training a site's model from its decisions, end to end: the use case the job and the
command call. It owns its transactions: decisions are read in one, the trained model is
recorded (and, if it beat the current one, proposed) in another; training runs between them
with no transaction open.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from moderation.config import LanguageModel, Settings
from moderation.db.base import utcnow
from moderation.errors import InvalidRequestError
from moderation.learning import artifacts
from moderation.learning.decisions import Decision, count_decisions, kinds, load_decisions
from moderation.learning.encoder import load_base
from moderation.learning.handoff import CurrentModel, current_model, propose_candidate
from moderation.learning.models import TrainedModel
from moderation.learning.trainer import Examples, SiteModel, evaluate, fit_site_model, in_runtime
from moderation.pipeline.model import load_language_model
from moderation.policies.service import PolicyService
from moderation.sites.service import SiteService

log = logging.getLogger(__name__)


class NotEnoughDecisionsError(InvalidRequestError):
    """The site has too few decisions (or too few of one outcome) to train and measure on."""


@dataclasses.dataclass(frozen=True)
class Split:
    train: list[Decision]
    heldout: list[Decision]


def split_by_time(decisions: list[Decision], share: float, minimum: int) -> Split:
    """The newest `share` held out (the "future"), each side with `minimum` of each outcome."""
    cut = len(decisions) - max(1, round(len(decisions) * share))
    split = Split(decisions[:cut], decisions[cut:])
    for side, rows in (("training", split.train), ("held-out", split.heldout)):
        rejected = sum(decision.rejected for decision in rows)
        for outcome, count in (("rejected", rejected), ("approved", len(rows) - rejected)):
            if count < minimum:
                raise NotEnoughDecisionsError(
                    f"the {side} decisions hold {count} {outcome} comments; at least {minimum} "
                    "are needed (learning.min_per_outcome)"
                )
    return split


class LearningService:
    """Train, measure, record and propose site models."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self.sites = SiteService(sessions, settings)
        self.policies = PolicyService(sessions, settings, self.sites)

    def train(self, site_id: str, requested_by: str) -> dict[str, Any]:
        """Train a model for `site_id`; record it; propose it if it beats the current model."""
        learning = self.settings.learning
        started = time.perf_counter()
        site = self.sites.require(site_id)
        current = current_model(self.settings, site)
        if not current.checkpoint:
            raise InvalidRequestError(
                "training needs the current model as a local detoxify checkpoint: set "
                "model.checkpoint and model.config_dir (MODERATION_MODEL_CHECKPOINT)",
                "model.checkpoint",
            )
        if learning.label not in current.thresholds:
            raise InvalidRequestError(
                f"learning.label={learning.label} has no thresholds in [model.thresholds]",
                "learning.label",
            )
        with self.sessions() as session:
            decisions = load_decisions(session, site_id, learning.max_decisions)
        if len(decisions) < learning.min_decisions:
            raise NotEnoughDecisionsError(
                f"site {site_id} has {len(decisions)} decisions; training needs at least "
                f"{learning.min_decisions} (learning.min_decisions)"
            )
        split = split_by_time(decisions, learning.heldout_share, learning.min_per_outcome)
        with _torch_threads(learning.threads):
            base = load_base(current.checkpoint, current.config_dir, learning.device)
            train = _examples(split.train)
            heldout = _examples(split.heldout)
            thresholds = current.thresholds[learning.label]
            model = fit_site_model(base, train, heldout, learning, thresholds)
            _, heldout_current = heldout.encoded(base, learning.max_tokens)
        measured = evaluate(
            base.labels,
            learning.label,
            heldout.rejected,
            heldout_current.astype(np.float64),
            model.heldout_logits,
            current.thresholds,
        )
        beats = _beats(measured, learning.min_improvement)
        seconds = time.perf_counter() - started
        evaluation = {
            "site_id": site_id,
            "method": learning.method,
            "label": learning.label,
            "base_checkpoint": str(base.checkpoint),
            "decisions": {
                "train": len(split.train),
                "train_rejected": int(train.rejected.sum()),
                "heldout": len(split.heldout),
                "heldout_rejected": int(heldout.rejected.sum()),
                "heldout_from": split.heldout[0].decided_at.isoformat(),
                "kinds": kinds(decisions),
            },
            "heldout": measured,
            "beats_current": beats,
            "min_improvement": learning.min_improvement,
            "training": model.details,
            "seconds": round(seconds, 1),
        }
        folder = artifacts.model_folder(learning.models_dir, site_id, utcnow())
        checkpoint, config_dir = artifacts.write_model(
            base,
            folder,
            model.weights,
            evaluation,
            {"site_id": site_id, "method": learning.method, "label": learning.label},
        )
        runtime: dict[str, Any] | None = None
        if beats:
            # As a worker will run it (int8 on a CPU, long texts in windows): what a site gets
            # is what the comparison above promised, or the model is not proposed.
            runtime = self._in_runtime(current, checkpoint, config_dir, heldout, model, measured)
            evaluation["runtime"] = runtime
            beats = _beats(runtime, learning.min_improvement)
            evaluation["beats_current"] = beats
            seconds = time.perf_counter() - started
            evaluation["seconds"] = round(seconds, 1)
            artifacts.write_evaluation(folder, evaluation)
        reason = _reason(measured, learning.min_improvement, beats, runtime)
        if not beats:
            artifacts.discard_weights(folder)
        row = TrainedModel(
            site_id=site_id,
            status="not_better",
            checkpoint=str(checkpoint),
            config_dir=str(config_dir),
            base_checkpoint=str(base.checkpoint),
            method=learning.method,
            label=learning.label,
            decisions=len(decisions),
            decisions_until=decisions[-1].decided_at,
            evaluation=evaluation,
            reason=reason,
            requested_by=requested_by,
            seconds=round(seconds, 1),
        )
        with self.sessions.begin() as session:
            if beats:
                propose_candidate(session, row, requested_by, self.policies)
            else:
                session.add(row)
                session.flush()
            result = trained_view(row)
        log.info("site %s: trained model %s (%s): %s", site_id, result["id"], row.status, reason)
        return result

    def _in_runtime(
        self,
        current: CurrentModel,
        checkpoint: Path,
        config_dir: Path,
        heldout: Examples,
        model: SiteModel,
        measured: dict[str, Any],
    ) -> dict[str, Any]:
        """The trained model loaded the way a policy's model is (`load_language_model`: the
        runtime, quantisation and windows of [model], no screening model), with the site's
        thresholds in its confirmation band, scoring the held-out decisions."""
        learning = self.settings.learning
        settings = dataclasses.replace(
            self.settings.model, thresholds=current.thresholds, threads=learning.threads
        )
        scorer = load_language_model(
            settings, LanguageModel(checkpoint=str(checkpoint), config_dir=str(config_dir))
        )
        runtime = in_runtime(
            scorer.labels,
            learning.label,
            heldout.rejected,
            model.heldout_logits,
            scorer.score(list(heldout.texts)),
            current.thresholds,
            scorer.description,
        )
        runtime["trained_roc_auc"] = runtime["roc_auc"][learning.label]
        runtime["roc_auc_change"] = (
            None
            if runtime["trained_roc_auc"] is None or measured["current_best_roc_auc"] is None
            else round(runtime["trained_roc_auc"] - measured["current_best_roc_auc"], 4)
        )
        return runtime

    def due_sites(self) -> list[str]:
        """Sites with at least `learning.new_decisions` decisions since their last training."""
        due = []
        with self.sessions() as session:
            for site in self.sites.all():
                since = session.scalar(
                    select(func.max(TrainedModel.decisions_until)).where(
                        TrainedModel.site_id == site.id
                    )
                )
                if count_decisions(session, site.id, since) >= self.settings.learning.new_decisions:
                    due.append(site.id)
        return due

    def trained(self, site_id: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """The newest trained models, of one site or all."""
        with self.sessions() as session:
            query = select(TrainedModel).order_by(TrainedModel.id.desc()).limit(limit)
            if site_id is not None:
                query = query.where(TrainedModel.site_id == site_id)
            return [trained_view(row) for row in session.scalars(query)]


def trained_view(row: TrainedModel) -> dict[str, Any]:
    """A trained model as plain values."""
    return {
        "id": row.id,
        "site_id": row.site_id,
        "status": row.status,
        "checkpoint": row.checkpoint,
        "config_dir": row.config_dir,
        "method": row.method,
        "label": row.label,
        "decisions": row.decisions,
        "reason": row.reason,
        "requested_by": row.requested_by,
        "seconds": row.seconds,
        "created_at": _iso(row.created_at),
        "evaluation": row.evaluation,
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _beats(measured: dict[str, Any], margin: float) -> bool:
    """Whether the retrained label's ROC-AUC beats the current model's best by more than
    `margin` (`roc_auc_change`, as trained or as a worker runs it)."""
    change = measured["roc_auc_change"]
    return change is not None and change > margin


def _reason(
    measured: dict[str, Any], margin: float, beats: bool, runtime: dict[str, Any] | None
) -> str:
    trained, best = measured["trained_roc_auc"], measured["current_best_roc_auc"]
    label = measured["current_best_label"]
    against = f"against {best} ({label} of the current model)"
    if runtime is None:
        if beats:
            return f"ROC-AUC {trained} on held-out decisions {against}"
        return (
            f"not better: ROC-AUC {trained} on held-out decisions {against}; it must beat it "
            f"by more than {margin}"
        )
    as_run = (
        f"ROC-AUC {trained} on held-out decisions as trained, {runtime['trained_roc_auc']} as a "
        f"worker runs it, {against}"
    )
    if beats:
        return as_run
    return f"not better as a worker runs it: {as_run}; it must beat it by more than {margin}"


def _examples(decisions: list[Decision]) -> Examples:
    return Examples(
        [decision.text for decision in decisions],
        np.array([decision.rejected for decision in decisions], dtype=bool),
    )


class _torch_threads:
    """Use `threads` torch threads inside the block (a scoring worker's own count after)."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self.before = 0

    def __enter__(self) -> None:
        import torch

        self.before = torch.get_num_threads()
        if self.threads > 0:
            torch.set_num_threads(self.threads)

    def __exit__(self, *_: object) -> None:
        import torch

        torch.set_num_threads(self.before)
