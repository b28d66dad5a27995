"""Coral's phase protocol as a pure mapping: a decision in, Coral's answer out.

Coral's side (coralproject/talk, src/core/server/services/comments/pipeline/phases/external.ts):
the request carries `action` (NEW or EDIT), `comment` {body, parentID}, `author` {id, role},
`story` {id, url}, `site` {id}, `tenantID` and `tenantDomain` (older releases: `tenant`
{id, domain}). The answer is 204 (or `{}`: nothing to add, Coral's own phases go on) or JSON
with `actions` (each `{"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC" | ...SPAM}`),
`status` (a COMMENT_STATUS: NONE, APPROVED, REJECTED, PREMOD, SYSTEM_WITHHELD; it ends Coral's
pipeline) and `tags` (FEATURED, STAFF). Coral validates the answer with `stripUnknown`, so
`additionalDetails` (the service's reasons, which Coral shows moderators where its release
keeps the field) is dropped, not refused, by releases that no longer take it.

The mapping:
- approve: 204. Coral's own phases (its word list, spam, Perspective slot, pre-moderation
  settings) still run and set the status.
- hold: SYSTEM_WITHHELD with a FLAG per reason kind: Coral's pending queue, as its own toxic
  phase does.
- reject: REJECTED with its FLAGs.
- could not decide (the model missed the deadline): PREMOD: Coral's pre-moderation queue, a
  person decides, never publication; the rules' holds, if any, flagged for that person.
Tags are not set: FEATURED and STAFF are editorial and role facts, not moderation findings.
"""

from __future__ import annotations

from typing import Any

from moderation.decisions.service import Decided
from moderation.pipeline.verdict import Verdict

TOXIC = "COMMENT_DETECTED_TOXIC"
SPAM = "COMMENT_DETECTED_SPAM"
# Public codes that say "spam" more than "toxic" (Coral accepts only these two reasons now).
SPAM_CODES = frozenset({"links", "spam", "noise", "duplicate", "too_fast"})
# Coral roles whose comments skip this service's holds (never its rejects).
STAFF_ROLES = frozenset({"ADMIN", "MODERATOR", "STAFF"})
ACTIONS = ("NEW", "EDIT")
# The answer when nothing could be decided: Coral's pre-moderation queue.
UNDECIDED: dict[str, Any] = {"status": "PREMOD"}


def coral_reason(public_code: str) -> str:
    return SPAM if public_code in SPAM_CODES else TOXIC


def _codes(verdict: Verdict) -> list[str]:
    """The public codes of the hits and labels that set the decision, each once."""
    codes = _rule_codes(verdict, verdict.decision)
    if any(score.band == verdict.decision for score in verdict.label_scores):
        codes.append("toxic_language")
    return list(dict.fromkeys(codes)) or [verdict.public_reason or "awaiting_review"]


def _details(verdict: Verdict) -> str:
    """What the service found, for Coral's moderators: rule ids, their messages and scores
    (a message may quote the term it found)."""
    return f"comment moderation service: {verdict.summary}"[:1000]


def answer(decided: Decided) -> tuple[int, dict[str, Any] | None]:
    """The HTTP status and JSON body (None: no body) Coral gets for a decision."""
    verdict = decided.verdict
    if not decided.decided:
        # What the rules found still helps the person who decides: their holds are flagged.
        held = _rule_codes(verdict, "hold")
        return 200, {"status": "PREMOD", **_actions(held, verdict)} if held else dict(UNDECIDED)
    if verdict.decision == "approve":
        return 204, None
    return 200, {
        "status": "REJECTED" if verdict.decision == "reject" else "SYSTEM_WITHHELD",
        **_actions(_codes(verdict), verdict),
    }


def _actions(codes: list[str], verdict: Verdict) -> dict[str, Any]:
    reasons = list(dict.fromkeys(coral_reason(code) for code in codes))
    details = _details(verdict)
    return {
        "actions": [
            {"actionType": "FLAG", "reason": reason, "additionalDetails": details}
            for reason in reasons
        ]
    }


def _rule_codes(verdict: Verdict, action: str) -> list[str]:
    """The public codes of the rule hits asking for `action` (a trusted author's skipped
    holds left out)."""
    skipped = action == "hold" and verdict.trusted
    return [
        hit.public_code
        for hit in verdict.rule_hits
        if hit.action == action and not (skipped and not hit.holds_trusted)
    ]
