"""Sites as the rest of the service sees them: looked up by id, cached a few seconds, changed by
admins with every value checked first (sites/overrides.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from moderation.config import SITE_ID, Settings
from moderation.errors import ConflictError, InvalidRequestError, NotFoundError
from moderation.secrets import SecretBox, SecretKeyError
from moderation.sites import policies
from moderation.sites.commenter_config import merged_commenters, shown
from moderation.sites.models import Site
from moderation.sites.overrides import (
    ANONYMOUS,
    check_origins,
    check_site_settings,
    check_words,
)
from moderation.sites.policies import PolicyView


@dataclasses.dataclass(frozen=True)
class SiteView:
    """A site's row as plain values. The default site exists even before it has a row."""

    id: str
    name: str
    origins: tuple[str, ...] = ()
    anonymous: str = "allow"
    settings: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    words: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    commenters: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    updated_by: str | None = None
    updated_at: dt.datetime | None = None
    # The live policy's version (None: the site has none yet, the service's settings decide)
    # and model (None: the worker's configured one); the candidate shadowed beside it.
    policy_version: int | None = None
    model: Mapping[str, str] | None = None
    shadow: PolicyView | None = None

    @property
    def shadow_version(self) -> int | None:
        return self.shadow.version if self.shadow else None

    @property
    def rule_overrides(self) -> Mapping[str, Any]:
        """The site's values for [rules] settings, by name (an article's go over them)."""
        return dict(self.settings.get("rules", {}))

    def review_setting(self, name: str, default: float) -> float:
        return float(self.settings.get("review", {}).get(name, default))

    def edit_window_seconds(self, default: int) -> int:
        """How long its author may edit a comment: the site's own, else the service's."""
        return int(self.settings.get("comments", {}).get("edit_window_seconds", default))

    def as_dict(self) -> dict[str, Any]:
        view = dataclasses.asdict(self)
        view["origins"] = list(self.origins)
        view["commenters"] = shown(self.commenters)  # the secret never, once stored
        view["shadow_version"] = self.shadow_version
        view.pop("shadow")
        return view


# The default site's name until an admin gives it one (it exists before it has a row).
DEFAULT_NAME = "Default site"


def _view(row: Site, pointed: Mapping[tuple[str, int], PolicyView] | None = None) -> SiteView:
    found = pointed or {}
    live = found.get((row.id, row.policy_version)) if row.policy_version else None
    shadow = found.get((row.id, row.shadow_version)) if row.shadow_version else None
    return SiteView(
        id=row.id,
        name=row.name,
        origins=tuple(row.origins or ()),
        anonymous=row.anonymous,
        settings=dict(row.settings or {}),
        words=dict(row.words or {}),
        commenters=dict(row.commenters or {}),
        updated_by=row.updated_by,
        updated_at=row.updated_at,
        policy_version=row.policy_version,
        model=live.model if live else None,
        shadow=shadow,
    )


def _new_row(site_id: str, name: str, actor: str) -> Site:
    """A site with nothing of its own yet: every setting the service's, anyone may post."""
    return Site(
        id=site_id,
        name=name,
        origins=[],
        anonymous="allow",
        settings={},
        words={},
        commenters={},
        updated_by=actor,
    )


@dataclasses.dataclass(frozen=True)
class SiteChange:
    """What an admin sends: the fields given are set, the rest stay as they were."""

    site_id: str
    actor: str
    name: str | None = None
    origins: Sequence[str] | None = None
    anonymous: str | None = None
    settings: Mapping[str, Any] | None = None
    words: Mapping[str, Any] | None = None
    # Commenter-token settings to set (sites/commenter_config.py); `commenters_off` removes them.
    commenters: Mapping[str, Any] | None = None
    commenters_off: bool = False
    # Why the settings change (the policy version it makes records it).
    reason: str | None = None


class SiteService:
    """Look sites up (cached `sites.cache_seconds`) and change them."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self.default_id = settings.sites.default
        self._ttl = settings.sites.cache_seconds
        self._cache: dict[str, tuple[float, SiteView | None]] = {}
        self._lock = threading.Lock()

    def default(self) -> SiteView:
        return SiteView(id=self.default_id, name=DEFAULT_NAME)

    def get(self, site_id: str) -> SiteView | None:
        """The site, or None when there is none by that id; at most `cache_seconds` old."""
        now = time.monotonic()
        cached = self._cache.get(site_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        found: SiteView | None = None
        if SITE_ID.fullmatch(site_id):
            with self.sessions() as session:
                row = session.get(Site, site_id)
                found = _view(row, policies.pointed(session, [row])) if row is not None else None
        if found is None and site_id == self.default_id:
            found = self.default()
        with self._lock:
            if len(self._cache) > 10_000:  # ids probed by strangers do not grow it for ever
                self._cache.clear()
            self._cache[site_id] = (now + self._ttl, found)
        return found

    def require(self, site_id: str) -> SiteView:
        site = self.get(site_id)
        if site is None:
            raise NotFoundError(f"no site {site_id!r}")
        return site

    def many(self, site_ids: Iterable[str]) -> dict[str, SiteView]:
        """Each known site of `site_ids` by id (the scoring worker's batch)."""
        found = {}
        for site_id in set(site_ids):
            site = self.get(site_id)
            if site is not None:
                found[site_id] = site
        return found

    def all(self) -> list[SiteView]:
        with self.sessions() as session:
            rows = list(session.scalars(select(Site).order_by(Site.id)))
            pointed = policies.pointed(session, rows)
            views = [_view(row, pointed) for row in rows]
        if not any(view.id == self.default_id for view in views):
            views.insert(0, self.default())
        return views

    def origins(self) -> set[str]:
        """Every site's origins together (a preflight to a path that names no site)."""
        with self.sessions() as session:
            rows = session.scalars(select(Site.origins)).all()
        return {origin.lower() for origins in rows for origin in origins or ()}

    def create(self, change: SiteChange) -> SiteView:
        if not SITE_ID.fullmatch(change.site_id):
            raise InvalidRequestError(
                "must be 1-64 lower-case letters, digits or -, starting with a letter or digit",
                field="id",
            )
        self._check(change)
        with self.sessions.begin() as session:
            if session.get(Site, change.site_id) is not None:
                raise ConflictError(f"site {change.site_id!r} exists already")
            row = _new_row(change.site_id, change.name or change.site_id, change.actor)
            session.add(row)
            self._apply(row, change)
            session.flush()
            self._version_settings(session, row, change, kind="initial")
            view = _view(row, policies.pointed(session, [row]))
        self._forget(change.site_id)
        return view

    def reencrypt_secrets(self, box: SecretBox) -> int:
        """Seal every site's commenter-token secret again under the first key; how many.

        Called by `moderation webhooks reencrypt` in the same run as the webhook secrets; a
        secret no configured key opens stops it, naming the site, before anything is written.
        """
        resealed = 0
        with self.sessions.begin() as session:
            for row in session.scalars(select(Site).order_by(Site.id).with_for_update()):
                commenters = dict(row.commenters or {})
                if not commenters.get("secret"):
                    continue
                try:
                    commenters["secret"] = box.reseal(commenters["secret"])
                except SecretKeyError as error:
                    raise SecretKeyError(
                        f"site {row.id}'s commenter-token secret: {error}; nothing was "
                        "re-encrypted. Add back the key it was sealed with, then run this again"
                    ) from error
                row.commenters = commenters
                resealed += 1
        self._cache.clear()
        return resealed

    def update(self, change: SiteChange) -> SiteView:
        """Change what `change` names; the default site gets its row on its first change."""
        self._check(change)
        with self.sessions.begin() as session:
            row = session.get(Site, change.site_id, with_for_update=True)
            if row is None:
                if change.site_id != self.default_id:
                    raise NotFoundError(f"no site {change.site_id!r}")
                row = _new_row(change.site_id, DEFAULT_NAME, change.actor)
                session.add(row)
            self._apply(row, change)
            session.flush()
            self._version_settings(session, row, change, kind="change")
            view = _view(row, policies.pointed(session, [row]))
        self._forget(change.site_id)
        return view

    def _version_settings(self, session: Session, row: Site, change: SiteChange, kind: str) -> None:
        """A site's settings are its live policy: a change of them is a new version, live at
        once, keeping the live model; a site's first settings are its version 1."""
        live = policies.load(session, row.id, row.policy_version) if row.policy_version else None
        model = policies.view(live).model if live else None
        wanted = policies.document(row.settings or {}, model)
        if live is not None and dict(live.document) == wanted:
            return
        if live is None and change.settings is None and kind == "change":
            return  # the default site's first row, made by a change of something else
        reason = change.reason or ("site created" if kind == "initial" else "site settings changed")
        made = policies.add_version(
            session,
            row.id,
            wanted,
            kind=kind,
            actor=change.actor,
            reason=reason,
            based_on=row.policy_version,
        )
        policies.make_live(session, row, made, change.actor, reason, "promoted")

    def _check(self, change: SiteChange) -> None:
        if change.name is not None and not 1 <= len(change.name.strip()) <= 200:
            raise InvalidRequestError("must be 1-200 characters", field="name")
        if change.origins is not None:
            check_origins(change.origins)
        if change.anonymous is not None and change.anonymous not in ANONYMOUS:
            raise InvalidRequestError(f"must be one of {', '.join(ANONYMOUS)}", field="anonymous")
        if change.settings is not None:
            review = {
                "report_threshold": self.settings.review.report_threshold,
                "hide_threshold": self.settings.review.hide_threshold,
            }
            check_site_settings(
                change.settings,
                self.settings.rules,
                self.settings.model.thresholds,
                review,
                self.settings.surge,
            )
        if change.words is not None:
            check_words(change.words)

    def _box(self) -> SecretBox:
        return SecretBox(self.settings.webhooks.secret_keys)

    def _apply(self, row: Site, change: SiteChange) -> None:
        if change.name is not None:
            row.name = change.name.strip()
        if change.origins is not None:
            row.origins = [origin.lower() for origin in change.origins]
        if change.anonymous is not None:
            row.anonymous = change.anonymous
        if change.settings is not None:
            row.settings = {key: value for key, value in change.settings.items() if value}
        if change.words is not None:
            row.words = {
                key: sorted({term.strip() for term in terms})
                for key, terms in change.words.items()
                if terms
            }
        if change.commenters is not None or change.commenters_off:
            row.commenters = merged_commenters(
                row.commenters or {},
                None if change.commenters_off else change.commenters,
                self._box,
            )
        row.updated_by = change.actor

    def forget(self, site_id: str) -> None:
        """Read the site again on its next use (its policy changed)."""
        self._forget(site_id)

    def _forget(self, site_id: str) -> None:
        with self._lock:
            self._cache.pop(site_id, None)
