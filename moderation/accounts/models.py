"""Tables of moderator accounts: a person, their roles per site, their API tokens.

Site ids are plain strings ("default", "paper-a", or "*" for every site), not foreign keys: a
role may name a site before the site is configured, and "*" names no row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from moderation.db.base import Base, Id, utcnow


class Account(Base):
    """A person who moderates or administers: their login (unique for ever, also after they
    are revoked, so the audit trail never names two people alike) and display name."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(200), nullable=True)

    roles: Mapped[list[AccountRole]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="AccountRole.site_id"
    )
    tokens: Mapped[list[AccountToken]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="AccountToken.id"
    )


class AccountRole(Base):
    """One role ("moderator" or "admin") of a person on one site, or on every site ("*")."""

    __tablename__ = "account_roles"
    __table_args__ = (Index("ix_account_roles_site", "site_id"),)

    account_id: Mapped[int] = mapped_column(
        Id, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    granted_by: Mapped[str] = mapped_column(String(200))

    account: Mapped[Account] = relationship(back_populates="roles")


class AccountToken(Base):
    """One API token of a person. Only its SHA-256 is kept (tokens.py says why that is
    enough); the token itself is shown once, when it is made."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(
        Id, ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    # Written at most once a minute per token (lookup.py), not on every request.
    last_used_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(200), nullable=True)

    account: Mapped[Account] = relationship(back_populates="tokens")
