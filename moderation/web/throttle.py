"""Wrong credentials per client address: past `web.bad_credentials_per_minute`, a wrong bearer
token or API key is answered 429 with Retry-After instead of 401 (or Perspective's 400).

Only failures are counted, and only after the credential was checked: a right token or key is
never throttled, so a client that keeps sending wrong ones cannot lock out the real holder
behind the same address (an office, a NAT). A guesser still learns nothing faster: tokens and
keys are at least 16 random characters, and the throttle bounds how many wrong ones an address
gets answered per minute and tells a misconfigured client to back off. The count lives in Redis
so every web process shares it; when Redis is away, failures go uncounted (401 as before)
rather than failing the request.

Why `limits` and not Flask-Limiter: Flask-Limiter (built on `limits`) decides in a
`before_request` hook, before the view knows whether the credential is right, and answers 429
to every request of a client past its limit; exempting right credentials would mean checking
them twice, in its hook and in the view. Here the check that found the credential wrong counts
the failure, with the same library's moving window in Redis.
"""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, current_app, request
from limits import RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

_EXTENSION = "moderation_bad_credentials"


class BadCredentialThrottle:
    """A moving one-minute window of wrong credentials per client address, in Redis."""

    def __init__(self, redis_url: str, per_minute: int) -> None:
        self.per_minute = per_minute
        # Connects on first use; short timeouts, since a request waits on it.
        storage = RedisStorage(
            redis_url,
            key_prefix="moderation:bad-credentials",
            wrap_exceptions=True,
            socket_timeout=2,
            socket_connect_timeout=2,
        )
        self.limiter = MovingWindowRateLimiter(storage)
        self.limit = RateLimitItemPerMinute(max(per_minute, 1))

    def failed(self, client: str) -> int | None:
        """Count one wrong credential from `client`: None while within the limit, else the
        seconds until it may try again."""
        if self.per_minute <= 0:
            return None
        try:
            if self.limiter.hit(self.limit, client):
                return None
            return self.seconds_left(client)
        except StorageError as error:
            log.warning("wrong credential not counted, Redis unavailable: %s", error)
            return None

    def seconds_left(self, client: str) -> int:
        """Seconds until `client`'s oldest counted failure leaves the window (at least 1)."""
        reset_at, _ = self.limiter.get_window_stats(self.limit, client)
        return max(1, math.ceil(reset_at - time.time()))


def init_app(app: Flask, redis_url: str, per_minute: int) -> None:
    app.extensions[_EXTENSION] = BadCredentialThrottle(redis_url, per_minute)


def throttle_of(app: Flask) -> BadCredentialThrottle | None:
    """The app's throttle (None before `init_app`)."""
    found: BadCredentialThrottle | None = app.extensions.get(_EXTENSION)
    return found


def wrong_credential() -> int | None:
    """Count a wrong credential from the current request's client (its address, see
    web/security.py): None to answer as usual, else seconds for a 429's Retry-After."""
    throttle = throttle_of(current_app)
    if throttle is None:
        return None
    return throttle.failed(request.remote_addr or "unknown")
