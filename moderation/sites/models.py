"""The `sites` table: one row per site, with what it overrides of the service's settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from moderation.db.base import Base, Id, utcnow

# The id existing rows belong to (migration 0007) and the site of the paths without a site.
DEFAULT_SITE = "default"


class Site(Base):
    """A site: its allowed origins, who may post, and its overrides of the service's settings.

    `settings` holds only what differs from the service's settings, by section
    (`{"thresholds": {"toxicity": {"hold": 0.6}}, "rules": {"max_links": 0}, "review": {...}}`);
    `words` adds terms to the word lists (`{"banned": [...], "suspect": [...]}`); `commenters`
    says how signed commenter tokens are verified (sites/tokens.py).
    """

    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    # "allow": anyone may post without a token; "premoderate": they may, and a person reads
    # each such comment first; "off": a valid commenter token is required.
    anonymous: Mapped[str] = mapped_column(String(20), default="allow")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    words: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    commenters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))
    # The live policy version (its document's settings are `settings` above) and the candidate
    # scored in the shadows beside it (sites/policies.py); None: none yet, or no shadow.
    policy_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    shadow_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SitePolicy(Base):
    """One version of a site's policy: thresholds, rule settings, review settings and model.

    Versions are never changed once written: a change, a candidate, a calibration suggestion
    and a rollback each add one. Which one decides is the site's `policy_version`.
    """

    __tablename__ = "site_policies"
    __table_args__ = (UniqueConstraint("site_id", "version", name="uq_site_policies_version"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(String(64), ForeignKey("sites.id"))
    version: Mapped[int] = mapped_column(Integer)
    # "initial" (migration 0012 or a new site), "change" (PATCH of the site's settings),
    # "candidate", "calibration", "training", "rollback".
    kind: Mapped[str] = mapped_column(String(20))
    document: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    based_on: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SitePolicyEvent(Base):
    """The audit of a site's policy: each version made, promoted, shadowed or rolled back."""

    __tablename__ = "site_policy_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(String(64), ForeignKey("sites.id"), index=True)
    # "created", "promoted", "rolled_back", "shadowed", "unshadowed"
    action: Mapped[str] = mapped_column(String(20))
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The live version before a promotion or rollback (the shadow before a shadow change).
    previous: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
