"""The verdict: what the rules and the model found, and the decision that follows.

Every reason is written down: one entry per rule hit and one per model label, so a moderator
(and the author, through a short public code) can see why a comment was held or rejected.
Trusted authors skip the hold band (rule holds and model labels in their hold band) but never
the reject band, nor a hold that says it binds them too (an article that pre-moderates
everything) or the hold that stands in for a missing score.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Literal

Decision = Literal["approve", "hold", "reject"]
Action = Literal["hold", "reject"]
Band = Literal["publish", "hold", "reject"]
# How a comment's language was routed: a model that serves it decided ("served"); the
# identification was too unsure, so the default model decided ("uncertain"); no loaded model
# serves it ("unsupported": the rules, then a person or publication, per settings).
Routing = Literal["served", "uncertain", "unsupported"]

_SEVERITY = {"approve": 0, "hold": 1, "reject": 2}


@dataclasses.dataclass(frozen=True)
class RuleHit:
    """One rule that matched: which, what it asks for, why, and where in the original text."""

    rule_id: str
    action: Action
    message: str
    public_code: str
    spans: tuple[tuple[int, int], ...] = ()
    holds_trusted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "rule",
            "id": self.rule_id,
            "action": self.action,
            "message": self.message,
            "public_code": self.public_code,
            "spans": [list(span) for span in self.spans],
        }


@dataclasses.dataclass(frozen=True)
class ScoreAdjustment:
    """A change the pipeline made to the model's scores, and why; shown in the verdict."""

    id: str
    message: str
    before: Mapping[str, float]
    after: Mapping[str, float]

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": "adjustment",
            "id": self.id,
            "action": None,
            "message": self.message,
            "scores_before": {label: round(value, 6) for label, value in self.before.items()},
            "scores_after": {label: round(value, 6) for label, value in self.after.items()},
        }


@dataclasses.dataclass(frozen=True)
class LabelScore:
    """One model label's score against its thresholds, and the band it fell in."""

    label: str
    score: float
    hold: float
    reject: float
    raw: float | None = None  # the model's own score when an adjustment changed it

    @property
    def band(self) -> Band:
        if self.score >= self.reject:
            return "reject"
        if self.score >= self.hold:
            return "hold"
        return "publish"

    def to_dict(self) -> dict[str, Any]:
        found = {
            "kind": "model",
            "id": self.label,
            "score": round(self.score, 6),
            "hold": self.hold,
            "reject": self.reject,
            "band": self.band,
            "action": {"publish": None, "hold": "hold", "reject": "reject"}[self.band],
        }
        if self.raw is not None:
            found["model_score"] = round(self.raw, 6)
        return found


@dataclasses.dataclass(frozen=True)
class LanguageFound:
    """The comment's language as identified, and how that routed it to a model (or none)."""

    code: str
    confidence: float
    routing: Routing
    # For "unsupported": what the settings do with such comments (model.unsupported_language).
    unsupported_action: Literal["hold", "publish"] = "hold"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "confidence": round(self.confidence, 3), "routing": self.routing}

    @property
    def holds(self) -> bool:
        """Whether the language alone holds the comment for a person."""
        return self.routing == "unsupported" and self.unsupported_action == "hold"

    def reason(self) -> dict[str, Any]:
        """The `language_unsupported` entry of the verdict's reasons."""
        if self.holds:
            message = (
                f"no loaded model serves this language ({self.code}, identified at "
                f"{self.confidence:.2f}): the rules ran, a person decides"
            )
        else:
            message = (
                f"no loaded model serves this language ({self.code}, identified at "
                f"{self.confidence:.2f}): published on the rules alone "
                "(model.unsupported_language = publish)"
            )
        return {
            "kind": "language",
            "id": "language_unsupported",
            "action": "hold" if self.holds else None,
            "message": message,
            "language": self.code,
        }


@dataclasses.dataclass(frozen=True)
class Verdict:
    """The outcome for one comment, with every reason that led to it."""

    decision: Decision
    rule_hits: tuple[RuleHit, ...]
    label_scores: tuple[LabelScore, ...]
    model_error: str | None = None
    model_description: str | None = None
    trusted_skipped_hold: bool = False
    trusted: bool = False
    adjustments: tuple[ScoreAdjustment, ...] = ()
    language: LanguageFound | None = None

    @property
    def unsupported_language(self) -> bool:
        """Whether no loaded model serves the comment's language (it was not scored)."""
        return self.language is not None and self.language.routing == "unsupported"

    @property
    def public_reason(self) -> str | None:
        """A short, author-facing code for a held or rejected comment (never internal detail)."""
        if self.decision == "approve":
            return None
        for hit in self.rule_hits:
            if self.trusted and hit.action == "hold" and not hit.holds_trusted:
                continue  # a hold the trusted author skipped did not set the decision
            if hit.action == self.decision:
                return hit.public_code
        if self.decision == "hold" and self.model_error:
            return "awaiting_review"
        if any(score.band == self.decision for score in self.label_scores):
            return "toxic_language"
        return "awaiting_review"

    @property
    def summary(self) -> str:
        """One line for the audit trail: the reasons that set the decision."""
        parts = [f"{hit.rule_id}: {hit.message}" for hit in self.rule_hits]
        parts += [
            f"{score.label} {score.score:.2f} >= {getattr(score, score.band)}"
            for score in self.label_scores
            if score.band != "publish"
        ]
        if self.model_error:
            parts.append("model_unavailable")
        if self.language is not None and self.unsupported_language:
            action = "held" if self.language.holds else "rules only"
            parts.append(f"language_unsupported: {self.language.code} ({action})")
        if self.trusted_skipped_hold:
            parts.append(_TRUSTED_MESSAGE)
        parts += [f"{adjustment.id}: {adjustment.message}" for adjustment in self.adjustments]
        return "; ".join(parts) or "below every threshold"

    def reasons(self) -> list[dict[str, Any]]:
        """Every rule hit and model label, in the review API's shape."""
        reasons = [hit.to_dict() for hit in self.rule_hits]
        reasons += [score.to_dict() for score in self.label_scores]
        reasons += [adjustment.to_dict() for adjustment in self.adjustments]
        if self.model_error:
            reasons.append(
                {
                    "kind": "model",
                    "id": "model_unavailable",
                    "action": "hold",
                    "message": self.model_error,
                }
            )
        if self.language is not None and self.unsupported_language:
            reasons.append(self.language.reason())
        if self.trusted_skipped_hold:
            reasons.append(
                {
                    "kind": "author",
                    "id": "trusted_author",
                    "action": None,
                    "message": _TRUSTED_MESSAGE,
                }
            )
        return reasons

    def scores(self) -> dict[str, float]:
        return {score.label: score.score for score in self.label_scores}


def decide(
    rule_hits: Sequence[RuleHit],
    scores: Mapping[str, float] | None,
    thresholds: Mapping[str, tuple[float, float]],
    model_error: str | None = None,
    model_description: str | None = None,
    trusted: bool = False,
    adjustments: Sequence[ScoreAdjustment] = (),
    language: LanguageFound | None = None,
) -> Verdict:
    """Combine rule hits and model scores into one verdict.

    The strictest outcome wins: any reject (rule or label at its reject threshold) rejects,
    else any hold holds, else the comment is published. No scores and no reject means the
    comment is held (`model_error` says why): nothing is published without a score. For a
    `trusted` author, holds from rules and from model hold bands are skipped (and the verdict
    says so); rejects, binding holds and the missing-score hold still apply. `adjustments`
    changed some of the model's scores: the changed score decides, and the label remembers
    the model's own. A `language` no loaded model serves has no scores: it holds the comment
    (trusted authors too, as a missing score does) unless the settings publish such comments
    on the rules alone.
    """
    adjusted = {label: value for a in adjustments for label, value in a.after.items()}
    label_scores = tuple(
        LabelScore(
            label,
            float(adjusted.get(label, score)),
            *thresholds[label],
            raw=float(score) if label in adjusted else None,
        )
        for label, score in (scores or {}).items()
        if label in thresholds
    )
    decision: Decision = "approve"
    skippable_hold = False
    for hit in rule_hits:
        if hit.action == "hold" and trusted and not hit.holds_trusted:
            skippable_hold = True
            continue
        decision = _stricter(decision, "reject" if hit.action == "reject" else "hold")
    for label_score in label_scores:
        if label_score.band == "hold" and trusted:
            skippable_hold = True
            continue
        band_decision: Decision = {"publish": "approve", "hold": "hold", "reject": "reject"}[
            label_score.band
        ]  # type: ignore[assignment]
        decision = _stricter(decision, band_decision)
    unsupported = language is not None and language.routing == "unsupported"
    if scores is None and (not unsupported or (language is not None and language.holds)):
        decision = _stricter(decision, "hold")
    return Verdict(
        decision,
        tuple(rule_hits),
        label_scores,
        model_error,
        model_description,
        trusted_skipped_hold=skippable_hold and decision == "approve",
        trusted=trusted,
        adjustments=tuple(adjustments),
        language=language,
    )


_TRUSTED_MESSAGE = "trusted author: the hold band was skipped"


def _stricter(current: Decision, candidate: Decision) -> Decision:
    return candidate if _SEVERITY[candidate] > _SEVERITY[current] else current
