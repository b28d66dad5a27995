"""What a comment's review detail shows of policies: the shadow policies' verdicts on it and
its spot check (the machine's own verdict records the live policy's version)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.policies.models import ShadowVerdict, SpotCheck


def policy_notes(session: Session, comment_id: int) -> dict[str, Any]:
    """{"shadow_verdicts": [{policy_version, decision, reasons, model}], "spot_check": ...}."""
    shadows = session.scalars(
        select(ShadowVerdict)
        .where(ShadowVerdict.comment_id == comment_id)
        .order_by(ShadowVerdict.id)
    )
    check = session.get(SpotCheck, comment_id)
    return {
        "shadow_verdicts": [
            {
                "policy_version": shadow.policy_version,
                "decision": shadow.decision,
                "reasons": shadow.verdict.get("reasons", []),
                "model": shadow.verdict.get("model"),
            }
            for shadow in shadows
        ],
        "spot_check": (
            {
                "outcome": check.outcome,
                "decided_by": check.decided_by,
                "sampled_at": check.sampled_at.isoformat(),
            }
            if check is not None
            else None
        ),
    }
