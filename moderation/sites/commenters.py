"""Who a comment or a report is from: a reader the site vouched for, or an anonymous one.

A newsroom's page holds a signed SSO token for its signed-in reader (sites/tokens.py). The token
is single-use, so the widget does what Coral's embed does: it exchanges it once
(`POST /v1/sites/<site>/commenter-sessions`) for a session token of this service, and sends that
with every write. A session is bound to its site and reader, may be used many times, and
expires: after the site's `session_seconds` (else `sites.commenter_session_seconds`), and never
later than `sites.commenter_session_past_sso_seconds` after the SSO token's own `exp`.

Session tokens are Fernet tokens under `webhooks.secret_keys` (moderation/secrets.py), the keys
every web process already has and the operator already rotates: sealed, so a page can neither
read nor forge one, and checked without a database or Redis read on the write path. The SSO
token's `jti` is remembered in Redis (SET NX, until the token's `exp`), so an exchange cannot be
replayed; with Redis away the exchange is refused (503), never let through unchecked.

Without a token, the site's `anonymous` decides: "off" refuses with 401 `token_required`,
"allow" and "premoderate" take the comment (the scoring worker holds a "premoderate" site's
anonymous comments for a person). On a site with tokens configured, anonymous ids live in their
own namespace (`anon:` + the id sent), so nobody can write as a verified reader by sending their
id; sites without tokens keep ids as sent, as before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import time
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from moderation.config import Settings
from moderation.errors import InvalidRequestError, UnavailableError
from moderation.secrets import SecretBox, SecretKeyError
from moderation.sites.commenter_config import opened, tokens_configured
from moderation.sites.service import SiteView
from moderation.sites.tokens import (
    ANONYMOUS_PREFIX,
    MAX_ID,
    Commenter,
    TokenVerifier,
    refused,
)

log = logging.getLogger(__name__)

# Session tokens start with it, so one is told from an SSO token (a JWT) at a glance.
SESSION_PREFIX = "mcs1."


@dataclasses.dataclass(frozen=True)
class CommenterSession:
    """What an exchange answers: the session token, when it ends, and whose it is."""

    token: str
    expires_at: dt.datetime
    commenter: Commenter


@dataclasses.dataclass(frozen=True)
class Writer:
    """Who a comment or a report is from, as stored: verified from a session, or not."""

    id: str
    name: str | None
    verified: bool


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None when there is no header."""
    if authorization is None or not authorization.strip():
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise refused("token_malformed", "the Authorization header must be 'Bearer <token>'")
    return token.strip()


class CommenterService:
    """Exchange SSO tokens for sessions, and tell who a write is from."""

    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.settings = settings
        self._box: SecretBox | None = None

    @property
    def box(self) -> SecretBox:
        if self._box is None:  # only web processes need the keys; workers build no box
            self._box = SecretBox(self.settings.webhooks.secret_keys)
        return self._box

    # ---- the exchange ----

    def exchange(self, site: SiteView, authorization: str | None) -> CommenterSession:
        """Verify the site's SSO token once and give a session for its reader."""
        if not tokens_configured(site.commenters):
            raise InvalidRequestError(
                f"site {site.id} takes no commenter tokens (an admin sets `commenters`)",
                field="Authorization",
            )
        token = bearer(authorization)
        if token is None:
            raise refused("token_missing", "send the site's SSO token as 'Bearer <token>'")
        try:
            config = opened(site.commenters, self.box)
        except SecretKeyError as error:
            log.error("site %s: its commenter-token secret opens with no configured key", site.id)
            raise UnavailableError("the site's token settings cannot be read") from error
        verified = TokenVerifier(
            site.id,
            config,
            self.settings.sites.commenter_token_leeway_seconds,
            self.settings.comments.max_author_name,
        ).verify(token)
        self._first_use(site.id, verified.jti, verified.expires)
        now = int(time.time())
        lasts = config.session_seconds or self.settings.sites.commenter_session_seconds
        past_sso = self.settings.sites.commenter_session_past_sso_seconds
        expires = min(now + lasts, verified.expires + past_sso)
        payload = {
            "s": site.id,
            "u": verified.commenter.id,
            "n": verified.commenter.name,
            "e": expires,
        }
        sealed = self.box.seal(json.dumps(payload, separators=(",", ":")))
        return CommenterSession(
            SESSION_PREFIX + sealed,
            dt.datetime.fromtimestamp(expires, dt.UTC),
            verified.commenter,
        )

    def _first_use(self, site_id: str, jti: str, expires: int) -> None:
        """Remember `jti` until the token expires (and the leeway after); refuse a second use."""
        digest = hashlib.sha256(jti.encode()).hexdigest()
        key = f"moderation:commenters:jti:{site_id}:{digest}"
        until = max(expires, int(time.time())) + self.settings.sites.commenter_token_leeway_seconds
        try:
            first = self.redis.set(key, "1", nx=True, exat=until + 1)
        except RedisError as error:
            log.warning("commenter token not exchanged: replay check unavailable: %s", error)
            raise UnavailableError(
                "commenter tokens cannot be checked for replay right now; try again"
            ) from error
        if not first:
            raise refused(
                "token_replayed",
                "this SSO token was already exchanged: each is used once; get a new one",
            )

    # ---- writes ----

    def session(self, site: SiteView, authorization: str | None) -> Commenter | None:
        """The commenter of a session token sent for `site`; None when no token was sent."""
        token = bearer(authorization)
        if token is None:
            return None
        if not token.startswith(SESSION_PREFIX):
            hint = " (this is an SSO token: exchange it at commenter-sessions first)"
            raise refused(
                "session_invalid",
                "not a session token of this service" + (hint if token.count(".") == 2 else ""),
            )
        try:
            payload: Any = json.loads(self.box.open(token.removeprefix(SESSION_PREFIX)))
            site_id, user_id, name, expires = (payload[k] for k in ("s", "u", "n", "e"))
        except (SecretKeyError, ValueError, KeyError, TypeError) as error:
            raise refused("session_invalid", "the session token is not valid") from error
        if expires < time.time():
            raise refused("session_expired", "the session has expired: exchange a new SSO token")
        if site_id != site.id:
            raise refused(
                "session_wrong_site", f"the session is for another site, not for {site.id}"
            )
        return Commenter(str(user_id), str(name))

    def author(
        self, site: SiteView, authorization: str | None, claimed: dict[str, Any] | None
    ) -> Writer:
        """Who a new comment is from. A session's reader wins over the body's `author`, which is
        then ignored; without a session the site's `anonymous` policy decides."""
        commenter = self.session(site, authorization)
        if commenter is not None:
            return Writer(commenter.id, commenter.name, verified=True)
        self._anonymous_allowed(site, "post comments")
        if claimed is None:
            raise InvalidRequestError(
                "author is required without a commenter session token", field="author"
            )
        return Writer(self._anonymous_id(site, claimed["id"], "author.id"), claimed["name"], False)

    def reader(self, site: SiteView, authorization: str | None, claimed_id: str | None) -> Writer:
        """Who a report is from: the session's reader (verified), else the id sent."""
        commenter = self.session(site, authorization)
        if commenter is not None:
            return Writer(commenter.id, commenter.name, verified=True)
        if claimed_id is None:
            raise InvalidRequestError(
                "reader_id is required without a commenter session token", field="reader_id"
            )
        return Writer(self._anonymous_id(site, claimed_id, "reader_id"), None, verified=False)

    @staticmethod
    def _anonymous_allowed(site: SiteView, action: str) -> None:
        if site.anonymous == "off":
            raise refused(
                "token_required",
                f"site {site.id} needs a signed-in reader to {action}: send a session token",
            )

    @staticmethod
    def _anonymous_id(site: SiteView, given: str, field: str) -> str:
        if not tokens_configured(site.commenters):
            return given  # a site without tokens keeps ids as sent, as before sites had them
        stored = ANONYMOUS_PREFIX + given
        if len(stored) > MAX_ID:
            raise InvalidRequestError(
                f"must be at most {MAX_ID - len(ANONYMOUS_PREFIX)} characters on a site with "
                "commenter tokens",
                field=field,
            )
        return stored
