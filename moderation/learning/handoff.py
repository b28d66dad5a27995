"""The seam between learning and the site's policies: which model a site runs now, and handing
over a trained model that beat it.

The current model is the one the site's live policy names (policies/), else the service's
configured one (`model.checkpoint`), with the site's live thresholds. A trained model that beat
it is recorded in `trained_models` as a candidate and handed to `PolicyService.create_candidate`
as a new policy version (kind "training"): the live settings with the trained model, scored in
the shadows until an admin promotes it from the policy report (docs/policies.md).
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from sqlalchemy.orm import Session

from moderation.config import Settings, Thresholds
from moderation.learning.models import TrainedModel
from moderation.policies.service import PolicyService
from moderation.sites.policies import checkpoint_files
from moderation.sites.service import SiteView


@dataclasses.dataclass(frozen=True)
class CurrentModel:
    """The model a site decides with now: its files and its live thresholds per label."""

    checkpoint: str
    config_dir: str
    thresholds: dict[str, Thresholds]


def current_model(settings: Settings, site: SiteView) -> CurrentModel:
    """The site's model now: its live policy's checkpoint, else the configured one, with the
    site's threshold overrides."""
    thresholds = dict(settings.model.thresholds)
    for label, band in dict(site.settings.get("thresholds", {})).items():
        base = thresholds.get(label, Thresholds(1.0, 1.0))
        thresholds[label] = Thresholds(
            float(band.get("hold", base.hold)), float(band.get("reject", base.reject))
        )
    if site.model:
        checkpoint, config_dir = checkpoint_files(site.model)
        return CurrentModel(checkpoint, config_dir, thresholds)
    return CurrentModel(settings.model.checkpoint, settings.model.config_dir, thresholds)


def candidate_document(trained: TrainedModel) -> dict[str, Any]:
    """What a candidate policy takes from a trained model (the policy document's `model`), as
    absolute paths: every process resolves them the same way."""
    return {
        "model": {
            "checkpoint": os.path.abspath(trained.checkpoint),
            "config_dir": os.path.abspath(trained.config_dir),
        }
    }


def propose_candidate(
    session: Session, trained: TrainedModel, actor: str, policies: PolicyService
) -> TrainedModel:
    """Record a trained model that beat the current one as the site's candidate (in the
    caller's transaction) and make it a policy version in the shadows: the live settings, whose
    thresholds the retrained label is calibrated to, with the trained model."""
    trained.status = "candidate"
    trained.requested_by = actor
    session.add(trained)
    session.flush()
    document = {**policies.live_document(trained.site_id), **candidate_document(trained)}
    policies.create_candidate(trained.site_id, document, trained.reason, actor, kind="training")
    return trained
