"""This database's id for external ids (transfer/models.py), made once, on first use."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from moderation.transfer.models import DatabaseIdentity


def database_id(sessions: sessionmaker[Session]) -> str:
    """The id, made (and committed) the first time it is asked for."""
    with sessions.begin() as session:
        found = session.scalar(select(DatabaseIdentity.id))
        if found is not None:
            return str(found)
        try:
            with session.begin_nested():
                session.add(DatabaseIdentity(singleton=1, id="db-" + uuid.uuid4().hex))
        except IntegrityError:
            pass  # another process made it first: theirs is the one
        return str(session.scalar(select(DatabaseIdentity.id)))
