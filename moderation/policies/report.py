"""How a shadow policy compares with the live one and with people; and calibration from them.

The report reads the shadow verdicts of one version (recorded by the scoring worker beside the
live verdict of the same comment) and people's decisions on those comments (labels.py). A
policy "flags" a comment when it holds or rejects it; against people's decisions (rejected:
unhealthy), precision is the share of its flags people rejected and recall the share of the
comments people rejected that it flagged. A version whose model the training job made also
shows that model's own evaluation (`model_evaluation`): how it did on held-out decisions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from moderation.errors import InvalidRequestError
from moderation.policies import calibration
from moderation.policies.labels import HumanLabel, human_labels, labelled_scores
from moderation.policies.models import ShadowVerdict
from moderation.policies.service import PolicyService, PolicyVersion
from moderation.sites.service import SiteService

# The most shadow verdicts one report reads (the newest).
REPORT_LIMIT = 100_000
DECISIONS = ("approve", "hold", "reject")

# Labelled single scores from elsewhere: (site id, since) -> (label, model score, unhealthy).
FeedbackPairs = Callable[[str, dt.datetime | None], Iterable[tuple[str, float, bool]]]


def measure(
    decisions: Mapping[int, str], labels: Mapping[int, HumanLabel]
) -> dict[str, float | int | None]:
    """Precision, recall and agreement of flags (hold or reject) against people's labels."""
    judged = [cid for cid in decisions if cid in labels]
    flagged = {cid for cid in judged if decisions[cid] != "approve"}
    unhealthy = {cid for cid in judged if labels[cid].unhealthy}
    hits = len(flagged & unhealthy)
    agree = sum((cid in flagged) == (cid in unhealthy) for cid in judged)
    return {
        "decided_by_people": len(judged),
        "flagged": len(flagged),
        "precision": round(hits / len(flagged), 4) if flagged else None,
        "recall": round(hits / len(unhealthy), 4) if unhealthy else None,
        "agreement_with_people": round(agree / len(judged), 4) if judged else None,
    }


class PolicyReports:
    """The shadow report of a version, and threshold suggestions from people's decisions."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        sites: SiteService,
        policies: PolicyService,
        feedback: FeedbackPairs | None = None,
    ) -> None:
        self.sessions = sessions
        self.sites = sites
        self.policies = policies
        self.feedback = feedback

    def shadow_report(self, site_id: str, version: int | None = None) -> dict[str, Any]:
        """Live against candidate `version` (default: the shadow now) against people."""
        site = self.sites.require(site_id)
        version = version if version is not None else site.shadow_version
        if version is None:
            raise InvalidRequestError(
                "the site shadows no policy now: name a version", field="version"
            )
        shown = self.policies.show(site_id, version)
        with self.sessions() as session:
            rows = session.execute(
                select(
                    ShadowVerdict.comment_id,
                    ShadowVerdict.decision,
                    ShadowVerdict.live_decision,
                    ShadowVerdict.live_version,
                )
                .where(ShadowVerdict.site_id == site_id, ShadowVerdict.policy_version == version)
                .order_by(ShadowVerdict.id.desc())
                .limit(REPORT_LIMIT)
            ).all()
            labels = human_labels(session, site_id, [row.comment_id for row in rows])
        candidate = {row.comment_id: row.decision for row in rows}
        live = {row.comment_id: row.live_decision for row in rows}
        both = {d: dict.fromkeys(DECISIONS, 0) for d in DECISIONS}
        for row in rows:
            both[row.live_decision][row.decision] += 1
        agreeing = sum(row.decision == row.live_decision for row in rows)
        sources: dict[str, int] = {}
        for label in labels.values():
            sources[label.source] = sources.get(label.source, 0) + 1
        return {
            "site_id": site_id,
            "version": version,
            "state": shown.state,
            "diff": shown.diff,
            "against_live_version": shown.against,
            "live_versions": sorted({row.live_version for row in rows if row.live_version}),
            "comments": len(rows),
            "agreement": round(agreeing / len(rows), 4) if rows else None,
            "decisions": {
                "live": _counts(live.values()),
                "candidate": _counts(candidate.values()),
                "live_by_candidate": both,
            },
            "people": {"labels": len(labels), "sources": sources},
            "live": measure(live, labels),
            "candidate": measure(candidate, labels),
            "model_evaluation": model_evaluation(shown.document),
        }

    def calibrate(
        self,
        site_id: str,
        targets: calibration.Targets,
        actor: str,
        since: dt.datetime | None = None,
        labels: Iterable[str] | None = None,
        create_candidate: bool = False,
    ) -> dict[str, Any]:
        """Per label, the curve and the levels meeting `targets`, from people's decisions on
        the site's comments (and Perspective suggestscore feedback); with `create_candidate`,
        the suggested levels over the live policy become a candidate, shadowed at once."""
        for name, value in (
            ("reject_precision", targets.reject_precision),
            ("hold_recall", targets.hold_recall),
        ):
            if not 0.0 < value <= 1.0:
                raise InvalidRequestError("must be above 0 and at most 1", field=name)
        self.sites.require(site_id)
        with self.sessions() as session:
            examples = [
                (scores, label.unhealthy)
                for scores, label in labelled_scores(session, site_id, since)
            ]
        extra = list(self.feedback(site_id, since)) if self.feedback else []
        suggestions = calibration.calibrate(examples, targets, extra)
        if labels is not None:
            wanted = set(labels)
            suggestions = {k: v for k, v in suggestions.items() if k in wanted}
        result: dict[str, Any] = {
            "site_id": site_id,
            "targets": dataclasses.asdict(targets),
            "decisions": len(examples),
            "feedback": len(extra),
            "labels": suggestions,
            "candidate": None,
        }
        levels = calibration.thresholds_of(suggestions)
        if create_candidate:
            if not levels:
                raise InvalidRequestError(
                    "no label has a suggestion to make a candidate of (too few decisions, or "
                    "targets no threshold meets)",
                    field="create_candidate",
                )
            document = self.policies.live_document(site_id)
            document["thresholds"] = {**document.get("thresholds", {}), **levels}
            made: PolicyVersion = self.policies.create_candidate(
                site_id,
                document,
                f"calibrated for reject precision {targets.reject_precision:.0%} and hold "
                f"recall {targets.hold_recall:.0%} from {len(examples)} decisions",
                actor,
                kind="calibration",
            )
            result["candidate"] = made.version
        return result


def model_evaluation(document: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What the training job measured of a version's model, from the `evaluation.json` it
    wrote beside the checkpoint (docs/learning.md): the decisions it learnt from and was held
    out on, the current and the trained model on the held-out ones, and the trained model as
    a worker runs it. None for a model the training job did not make. The shadow verdicts
    above say how it does on new comments; this says what it promised."""
    model = (document or {}).get("model") or {}
    checkpoint = model.get("checkpoint") if isinstance(model, Mapping) else None
    if not checkpoint:
        return None
    try:
        evaluation = json.loads((Path(checkpoint).parent / "evaluation.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(evaluation, dict):
        return None
    wanted = ("method", "label", "decisions", "heldout", "runtime", "beats_current")
    return {key: evaluation[key] for key in wanted if key in evaluation}


def _counts(decisions: Iterable[str]) -> dict[str, int]:
    found = dict.fromkeys(DECISIONS, 0)
    for decision in decisions:
        found[decision] = found.get(decision, 0) + 1
    return found
