"""The admin acts on a site's policy: candidates, shadowing, promotion and rollback, audited.

Every act is one transaction with the site's row locked, and a `site_policy_events` row (who,
why; the version before). The site's cached view is dropped at once in this process; other
processes (the scoring workers) see the change within `sites.cache_seconds`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from moderation.config import Settings
from moderation.errors import ConflictError, InvalidRequestError, NotFoundError
from moderation.sites import policies
from moderation.sites.models import Site, SitePolicy, SitePolicyEvent
from moderation.sites.service import SiteChange, SiteService

KINDS = ("candidate", "calibration", "training")


@dataclasses.dataclass(frozen=True)
class PolicyVersion:
    """One version as the admin sees it: its state, and what it changes against `against`."""

    site_id: str
    version: int
    kind: str
    state: str  # "live", "shadow" or "inactive"
    document: Mapping[str, Any]
    based_on: int | None
    reason: str
    created_by: str
    created_at: dt.datetime
    against: int | None
    diff: list[dict[str, Any]]


@dataclasses.dataclass(frozen=True)
class PolicyEvent:
    site_id: str
    action: str
    version: int | None
    previous: int | None
    actor: str
    reason: str
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class PolicyHistory:
    site_id: str
    live: int | None
    shadow: int | None
    versions: list[PolicyVersion]
    events: list[PolicyEvent]


class PolicyService:
    """List, show, create, shadow, promote and roll back versions of a site's policy."""

    def __init__(
        self, sessions: sessionmaker[Session], settings: Settings, sites: SiteService
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.sites = sites

    def history(self, site_id: str) -> PolicyHistory:
        """Every version, newest first, each with its diff against the version before it."""
        self.sites.require(site_id)
        with self.sessions() as session:
            row = session.get(Site, site_id)
            rows = list(
                session.scalars(
                    select(SitePolicy)
                    .where(SitePolicy.site_id == site_id)
                    .order_by(SitePolicy.version)
                )
            )
            events = list(
                session.scalars(
                    select(SitePolicyEvent)
                    .where(SitePolicyEvent.site_id == site_id)
                    .order_by(SitePolicyEvent.id.desc())
                    .limit(200)
                )
            )
        live = row.policy_version if row else None
        shadow = row.shadow_version if row else None
        versions = []
        previous: SitePolicy | None = None
        for policy in rows:
            versions.append(_version(policy, live, shadow, previous))
            previous = policy
        return PolicyHistory(
            site_id,
            live,
            shadow,
            list(reversed(versions)),
            [_event(event) for event in events],
        )

    def show(self, site_id: str, version: int) -> PolicyVersion:
        """One version, with its diff against the live one."""
        self.sites.require(site_id)
        with self.sessions() as session:
            row = session.get(Site, site_id)
            policy = policies.load(session, site_id, version)
            if policy is None:
                raise NotFoundError(f"site {site_id!r} has no policy version {version}")
            live = (
                policies.load(session, site_id, row.policy_version)
                if row and row.policy_version
                else None
            )
        return _version(
            policy, row.policy_version if row else None, row.shadow_version if row else None, live
        )

    def live_document(self, site_id: str) -> dict[str, Any]:
        """The live policy's document (the start of a candidate that changes one thing)."""
        site = self.sites.require(site_id)
        return policies.document(site.settings, site.model)

    def create_candidate(
        self,
        site_id: str,
        document: Mapping[str, Any],
        reason: str,
        actor: str,
        *,
        kind: str = "candidate",
        shadow: bool = True,
    ) -> PolicyVersion:
        """A new version from a whole policy document (settings sections and `model`), not
        live; with `shadow` (the default) scored in the shadows at once, in place of any
        earlier shadow. Checked like a site's settings; a model must lie in
        `policies.checkpoint_dirs`."""
        if kind not in KINDS:
            raise InvalidRequestError(f"must be one of {', '.join(KINDS)}", field="kind")
        if not isinstance(document, Mapping):
            raise InvalidRequestError("must be an object", field="settings")
        settings = {key: value for key, value in document.items() if key != "model"}
        model = policies.check_policy(settings, document.get("model"), self.settings)
        wanted = policies.document(settings, model)
        _reason(reason)
        with self.sessions.begin() as session:
            row = self._locked(session, site_id, actor)
            made = policies.add_version(
                session,
                site_id,
                wanted,
                kind=kind,
                actor=actor,
                reason=reason,
                based_on=row.policy_version,
            )
            if shadow:
                self._shadow(session, row, made.version, actor, reason)
            live = policies.load(session, site_id, row.policy_version or 0)
            found = _version(made, row.policy_version, row.shadow_version, live)
        self.sites.forget(site_id)
        return found

    def shadow(self, site_id: str, version: int | None, reason: str, actor: str) -> PolicyHistory:
        """Score `version` in the shadows beside the live policy (None: stop shadowing)."""
        _reason(reason)
        with self.sessions.begin() as session:
            row = self._locked(session, site_id, actor)
            if version is not None:
                if policies.load(session, site_id, version) is None:
                    raise NotFoundError(f"site {site_id!r} has no policy version {version}")
                if version == row.policy_version:
                    raise ConflictError(f"version {version} is live already")
            self._shadow(session, row, version, actor, reason)
        self.sites.forget(site_id)
        return self.history(site_id)

    def promote(self, site_id: str, version: int, reason: str, actor: str) -> PolicyVersion:
        """Make `version` live (for the next comment scored); audited as a promotion."""
        return self._make_live(site_id, version, reason, actor, "promoted")

    def rollback(self, site_id: str, version: int, reason: str, actor: str) -> PolicyVersion:
        """Make an earlier `version` live again; audited as a rollback."""
        return self._make_live(site_id, version, reason, actor, "rolled_back")

    def _make_live(
        self, site_id: str, version: int, reason: str, actor: str, action: str
    ) -> PolicyVersion:
        _reason(reason)
        with self.sessions.begin() as session:
            row = self._locked(session, site_id, actor)
            policy = policies.load(session, site_id, version)
            if policy is None:
                raise NotFoundError(f"site {site_id!r} has no policy version {version}")
            if row.policy_version == version:
                raise ConflictError(f"version {version} is live already")
            if action == "rolled_back" and version > (row.policy_version or 0):
                raise ConflictError(
                    f"version {version} is newer than the live {row.policy_version}: promote it"
                )
            before = policies.load(session, site_id, row.policy_version or 0)
            policies.make_live(session, row, policy, actor, reason, action)
            found = _version(policy, row.policy_version, row.shadow_version, before)
        self.sites.forget(site_id)
        return found

    def _locked(self, session: Session, site_id: str, actor: str) -> Site:
        """The site's row, locked; the default site gets its row (and its settings become its
        version 1) on its first policy act."""
        self.sites.require(site_id)
        row = session.get(Site, site_id, with_for_update=True)
        if row is None:
            self.sites.update(SiteChange(site_id=site_id, actor=actor))
            row = session.get(Site, site_id, with_for_update=True)
            if row is None:  # pragma: no cover - update() made it
                raise NotFoundError(f"no site {site_id!r}")
        if row.policy_version is None:
            first = policies.add_version(
                session,
                site_id,
                policies.document(row.settings or {}, None),
                kind="initial",
                actor=actor,
                reason="the site's settings before its first policy act",
                based_on=None,
            )
            policies.make_live(session, row, first, actor, first.reason, "promoted")
        return row

    def _shadow(
        self, session: Session, row: Site, version: int | None, actor: str, reason: str
    ) -> None:
        previous = row.shadow_version
        row.shadow_version = version
        action = "shadowed" if version is not None else "unshadowed"
        policies.note(session, row.id, action, version, previous, actor, reason)


def _reason(reason: str) -> None:
    if not isinstance(reason, str) or not 1 <= len(reason.strip()) <= 2000:
        raise InvalidRequestError("give why, in 1-2,000 characters", field="reason")


def _version(
    policy: SitePolicy, live: int | None, shadow: int | None, against: SitePolicy | None
) -> PolicyVersion:
    state = "live" if policy.version == live else "shadow" if policy.version == shadow else ""
    return PolicyVersion(
        site_id=policy.site_id,
        version=policy.version,
        kind=policy.kind,
        state=state or "inactive",
        document=dict(policy.document or {}),
        based_on=policy.based_on,
        reason=policy.reason,
        created_by=policy.created_by,
        created_at=policy.created_at,
        against=against.version if against is not None else None,
        diff=policies.diff(against.document if against is not None else None, policy.document),
    )


def _event(event: SitePolicyEvent) -> PolicyEvent:
    return PolicyEvent(
        event.site_id,
        event.action,
        event.version,
        event.previous,
        event.actor,
        event.reason,
        event.created_at,
    )
