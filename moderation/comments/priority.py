"""How much a comment needs a human: severity from its reasons and reports, and the queue key."""

from __future__ import annotations

import datetime as dt
from typing import Any

from moderation.comments.models import priority_key

# Points per reason: the top model score counts as it is (0..1); a rule asking for rejection
# outweighs any single model label, a hold rule counts like a borderline label.
REJECT_RULE_POINTS = 1.0
HOLD_RULE_POINTS = 0.5
# Reader reports: each unit of report weight (one ordinary reader) adds this much.
REPORT_POINTS = 0.25


def severity(verdict: dict[str, Any] | None, report_weight: float = 0.0) -> float:
    """Severity of a comment: its highest label score, its rule actions and its reports."""
    reasons = (verdict or {}).get("reasons", [])
    top_score = max(
        (float(r.get("score") or 0.0) for r in reasons if r.get("kind") == "model"), default=0.0
    )
    rules = 0.0
    for reason in reasons:
        if reason.get("kind") == "rule" or reason.get("id") == "model_unavailable":
            if reason.get("action") == "reject":
                rules += REJECT_RULE_POINTS
            elif reason.get("action") == "hold":
                rules += HOLD_RULE_POINTS
    return round(top_score + rules + REPORT_POINTS * report_weight, 6)


def rule_ids(verdict: dict[str, Any] | None) -> str:
    """ ",id,id," of the rules that matched, so "has rule X" is `rule_ids LIKE '%,X,%'`."""
    ids = sorted(
        {str(r["id"]) for r in (verdict or {}).get("reasons", []) if r.get("kind") == "rule"}
    )
    return "," + ",".join(ids) + "," if ids else ""


def queue_columns(
    verdict: dict[str, Any] | None, created_at: dt.datetime, report_weight: float = 0.0
) -> dict[str, Any]:
    """The stored queue columns for a comment with this verdict and report weight."""
    points = severity(verdict, report_weight)
    return {
        "severity": points,
        "priority": priority_key(points, created_at),
        "rule_ids": rule_ids(verdict)[:500],
    }
