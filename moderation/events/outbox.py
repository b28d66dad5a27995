"""How a feature hears that a transaction committed outbox events, without the writers knowing it.

The core (comments, review) writes events into the outbox in its own transactions and knows
nothing of webhooks; webhooks subscribe with `on_events_committed` (webhooks/queue.py) to start a
fan-out after each such commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from moderation.events.models import OutboxEvent


def note_outbox_written(session: Session) -> None:
    """Have this transaction's commit tell subscribers, for outbox rows that were written with a
    Core INSERT rather than session.add (the flush hook below sees only the latter)."""
    session.info["outbox_written"] = True


def on_events_committed(sessions: sessionmaker[Session], listener: Callable[[], object]) -> None:
    """Call `listener` after every commit (of a session from `sessions`) that wrote events.

    One hook on the session factory covers every service that writes events, present and
    future, without each of them knowing who listens.
    """

    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        if any(isinstance(item, OutboxEvent) for item in session.new):
            note_outbox_written(session)

    def after_commit(session: Session) -> None:
        # Also called when a savepoint is released; only the outermost commit publishes.
        if session.in_nested_transaction():
            return
        if session.info.pop("outbox_written", False):
            listener()

    def after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
        # A savepoint rolled back (one failed item of a bulk change) does not undo the events
        # written before it; only the outermost transaction's rollback does.
        if not previous.nested and previous.parent is None:
            session.info.pop("outbox_written", None)

    event.listen(sessions, "before_flush", before_flush)
    event.listen(sessions, "after_commit", after_commit)
    event.listen(sessions, "after_soft_rollback", after_soft_rollback)
