"""The feature's outbox events: the notice or appeal as other systems are told of it.

Written in the transaction that changes the notice or appeal (events/outbox.py fans them out to
webhooks after commit). `data.site_id` lets a site's endpoints hear them; there is no
`data.comment`, so they purge no CDN page. Notice events carry the reporter's contact (the
newsroom's mailer writes to them: art. 16(4) and (5)); docs/dsa.md.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from moderation.db.base import utcnow
from moderation.dsa.models import DsaAppeal, DsaNotice
from moderation.events.models import OutboxEvent


def add_event(
    session: Session, event_type: str, site_id: str, comment_id: int, data: dict[str, Any]
) -> None:
    """Queue one event in the outbox, in the caller's transaction."""
    event_id = "evt_" + uuid.uuid4().hex
    payload = {
        "id": event_id,
        "type": event_type,
        "timestamp": utcnow().isoformat(),
        "data": {"site_id": site_id, **data},
    }
    session.add(
        OutboxEvent(event_id=event_id, type=event_type, comment_id=comment_id, payload=payload)
    )


def notice_data(notice: DsaNotice) -> dict[str, Any]:
    """A notice in an event: what the reporter is to be told, and how to reach them."""
    return {
        "notice": {
            "reference": notice.reference,
            "submission_id": notice.submission_id,
            "comment_id": notice.comment_id,
            "status": notice.status,
            "legality": notice.legality,
            "legal_grounds": notice.legal_grounds,
            "explanation": notice.decision_explanation,
            "decided_at": notice.decided_at.isoformat() if notice.decided_at else None,
            "automated": False,
            # GET it with the reporter's secret (X-Notice-Secret) for the status and history.
            "status_path": f"/v1/dsa/notices/{notice.reference}",
        },
        "reporter": {
            "name": notice.reporter_name,
            "email": notice.reporter_email,
            "id": notice.reporter_id,
        },
    }


def appeal_data(appeal: DsaAppeal) -> dict[str, Any]:
    """An appeal in an event: its author (a verified commenter id) and where it stands."""
    return {
        "appeal": {
            "id": appeal.id,
            "comment_id": appeal.comment_id,
            "author_id": appeal.author_id,
            "restriction": appeal.restriction,
            "status": appeal.status,
            "outcome": appeal.outcome,
            "explanation": appeal.decision_explanation,
            "decided_at": appeal.decided_at.isoformat() if appeal.decided_at else None,
        }
    }
