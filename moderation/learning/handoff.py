"""The seam between learning and the site's policies: which model a site runs now, and handing
over a trained model that beat it.

Until the policies feature is merged (issue 16 items 1-3), the current model is the service's
configured one (`model.checkpoint`, with the site's threshold overrides), and proposing a
candidate records it in `trained_models` with status "candidate" and the policy document's
`model` entry ready. At merge, `current_model` reads the site's live policy and
`propose_candidate` also calls `PolicyService.create_candidate(site_id, document, reason,
actor)` with `candidate_document(...)`; nothing else in this package changes.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.orm import Session

from moderation.config import Settings, Thresholds
from moderation.learning.models import TrainedModel
from moderation.sites.service import SiteView


@dataclasses.dataclass(frozen=True)
class CurrentModel:
    """The model a site decides with now: its files and its live thresholds per label."""

    checkpoint: str
    config_dir: str
    thresholds: dict[str, Thresholds]


def current_model(settings: Settings, site: SiteView) -> CurrentModel:
    """The site's model now: the configured checkpoint, with the site's threshold overrides."""
    thresholds = dict(settings.model.thresholds)
    for label, band in dict(site.settings.get("thresholds", {})).items():
        base = thresholds.get(label, Thresholds(1.0, 1.0))
        thresholds[label] = Thresholds(
            float(band.get("hold", base.hold)), float(band.get("reject", base.reject))
        )
    return CurrentModel(settings.model.checkpoint, settings.model.config_dir, thresholds)


def candidate_document(trained: TrainedModel) -> dict[str, Any]:
    """What a candidate policy takes from a trained model (the policy document's `model`)."""
    return {"model": {"checkpoint": trained.checkpoint, "config_dir": trained.config_dir}}


def propose_candidate(session: Session, trained: TrainedModel, actor: str) -> TrainedModel:
    """Record a trained model that beat the current one as the site's candidate, in the
    caller's transaction. (At merge: also `PolicyService.create_candidate(trained.site_id,
    candidate_document(trained), trained.reason, actor)`, shadowed before any promotion.)"""
    trained.status = "candidate"
    trained.requested_by = actor
    session.add(trained)
    session.flush()
    return trained
