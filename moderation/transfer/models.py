"""The transfer feature's table: this database's own id, which makes the external ids of the
comments it exports unique across databases (`<database id>:<comment id>`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from moderation.db.base import Base, utcnow


class DatabaseIdentity(Base):
    """One row: a random id made the first time this database exported or imported comments."""

    __tablename__ = "database_identity"

    # Always 1: the primary key keeps the table at one row even when two exports race.
    singleton: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
