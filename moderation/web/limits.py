"""Rate limits on the public endpoints, per client address, per writer and per site: flask-limiter
on the service's Redis, every limit set in `[limits]` (config/default.toml).

| kind | endpoints | counted per address, per writer, per site |
|---|---|---|
| comments | POST .../articles/<id>/comments | `comments_per_` address, author, site |
| reports | POST .../comments/<id>/reports | `reports_per_` address, reader, site |
| status | GET .../comments/<id> | `status_per_` address, site |
| perspective | :analyze, :suggestscore | `perspective_per_` address, key, site |
| notices | POST .../dsa/notices (DSA notices of illegal content) | `notices_per_` address, site |
| appeals | POST .../comments/<id>/appeals (DSA appeals) | `appeals_per_` address, author, site |

A view calls `hit(kind, who)` once it knows who writes (today the body's author or reader id, the
API key's holder; later a verified token's subject), so the limit per writer needs no guess at
the request before the view runs. The same call counts the client's address (`remote_addr`,
which `server.proxy_hops` makes the forwarded client, web/proxy.py) and the site
(`flask.g.site_id`, "default" for the paths without a site). The checks run in that order,
address, writer, site, and stop at the first refusal: a request refused for its address is not
counted against its writer or its site, so one address or one writer that floods does not use up
the site's allowance for everyone else.

Each setting is declared once, as a flask-limiter shared limit (`Limits._stage`), with fixed
windows in Redis. While Redis answers, `hit` counts all of a request's windows in one round trip
(`COUNT_SCRIPT`: flask-limiter's fixed-window counting, on the same keys, stopping where it
would): evaluated limit by limit, flask-limiter cost a quarter of intake's throughput on two
cores (five Redis round trips and its per-route bookkeeping per comment); one round trip costs a
few percent (docs/benchmarks.md). When Redis fails, the same declared limits are checked by
flask-limiter itself, with its in-memory fallback: each web process counts on its own until Redis
answers again (asked after 1, 2, 4, ... s), so a limit is at most as many times looser as there
are processes, and no request fails for the outage. Each outage is logged once as a warning
("rate limits: Redis unavailable"), its end at INFO; flask-limiter adds its own line the first
time its fallback starts ("Rate limit storage unreachable").

Past a limit, `hit` raises `RateLimitedError` with the seconds until the refusing window ends
(as Redis holds it, not the window's full length) and the setting's name; web/errors.py answers
429 with Retry-After, the Perspective API in Google's shape. Writers' ids are hashed before they
become keys, so neither Redis nor flask-limiter's log lines hold them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, request
from flask_limiter import Limiter, RateLimitExceeded
from limits import RateLimitItem, WindowStats, parse_many
from limits.errors import StorageError
from limits.storage import RedisStorage
from redis.exceptions import RedisError

from moderation.config import LimitSettings
from moderation.errors import RateLimitedError

log = logging.getLogger(__name__)

_EXTENSION = "moderation_limits"
_SUBJECT = "moderation_limit_subject"
_KEY_PREFIX = "moderation"
DEFAULT_SITE = "default"
# Seconds the one-round-trip count is not tried again after Redis failed it (doubling to 30).
_RETRY_SECONDS = (1.0, 30.0)

# Fixed windows as flask-limiter's strategy counts them (limits' incr_expire.lua, window by
# window), every window of a request in one call, stopping at the first one over its amount.
# KEYS: each window's key, in the order of the checks; ARGV: each window's amount and length.
# Returns the refusing window's position (1-based) and its seconds left, or {0, 0}.
COUNT_SCRIPT = """
for i, key in ipairs(KEYS) do
    local count = redis.call("INCRBY", key, 1)
    if count == 1 then
        redis.call("EXPIRE", key, ARGV[2 * i])
    end
    if count > tonumber(ARGV[2 * i - 1]) then
        return {i, redis.call("TTL", key)}
    end
end
return {0, 0}
"""


@dataclasses.dataclass(frozen=True)
class Kind:
    """A kind of request that is limited: what answers call it and who writes it."""

    name: str
    noun: str
    writer: str | None


KINDS = {
    kind.name: kind
    for kind in (
        Kind("comments", "comments", "author"),
        Kind("reports", "reports", "reader"),
        Kind("status", "status requests", None),
        Kind("perspective", "requests", "key"),
        Kind("notices", "notices", None),
        Kind("appeals", "appeals", "author"),
        Kind("precheck", "pre-checks", "author"),
    )
}
_WHOSE = {
    "address": "from this address",
    "author": "by this author",
    "reader": "by this reader",
    "key": "with this API key",
    "site": "to this site",
}


@dataclasses.dataclass(frozen=True)
class Subject:
    """Who one request counts against."""

    address: str
    writer: str | None
    writer_quota: str | None
    site: str


@dataclasses.dataclass(frozen=True)
class Stage:
    """One setting ("comments_per_author"): its rates and key for a subject, and `check`, the
    same limits as flask-limiter counts them (the decorated no-op it calls)."""

    per: str
    setting: str
    rates: Callable[[Subject], str]
    key: Callable[[Subject], str | None]
    check: Callable[[], None]


@functools.lru_cache(maxsize=256)
def windows_of(rates: str) -> tuple[RateLimitItem, ...]:
    """The windows of a rate string, shortest first (the order flask-limiter checks them)."""
    return tuple(sorted(parse_many(rates))) if rates else ()


# Every limit's Redis key starts with this (the `limits` storage's own prefix).
STORAGE_PREFIX = "moderation:limits"


def storage_uri(redis_url: str) -> str:
    """`redis.url` as the `limits` library names it: a unix:// socket is redis+unix://."""
    return "redis+" + redis_url if redis_url.startswith("unix://") else redis_url


def writer_key(kind: str, who: str) -> str:
    """The key a writer's limits are counted under: a digest, so no id reaches Redis or logs."""
    return hashlib.sha256(f"{kind}\0{who}".encode()).hexdigest()[:32]


def _subject() -> Subject:
    """The current request's subject, as `hit` set it. flask-limiter also reads the limits of
    an endpoint before its view runs (without counting them): then, a writer not yet known."""
    found: Subject | None = g.get(_SUBJECT)
    if found is None:
        return Subject(_address(), None, None, str(g.get("site_id", DEFAULT_SITE)))
    return found


def _address() -> str:
    return request.remote_addr or "unknown"


class Limits:
    """Every limit of `[limits]`, declared on one flask-limiter `Limiter`, counted by `hit`."""

    def __init__(self, settings: LimitSettings, redis_url: str) -> None:
        self.settings = settings
        self.limiter = Limiter(
            key_func=_address,
            storage_uri=storage_uri(redis_url),
            # A request waits on Redis: short timeouts; then the in-memory fallback decides.
            storage_options={
                "key_prefix": STORAGE_PREFIX,
                "socket_timeout": 1,
                "socket_connect_timeout": 1,
                "wrap_exceptions": True,
            },
            strategy="fixed-window",
            key_prefix=_KEY_PREFIX,
            in_memory_fallback_enabled=True,
            headers_enabled=False,
        )
        self.stages = {name: self._stages(kind) for name, kind in KINDS.items()}
        self._count_script: Any = None
        self._storage: RedisStorage | None = None
        self._one_trip_from = 0.0
        self._one_trip_wait = 0.0

    def init_app(self, app: Flask) -> None:
        # flask-limiter's per-request hooks serve default limits and X-RateLimit headers, which
        # this service does not use, and cost every request, /healthz too (0.1 ms of CPU here):
        # it is initialised on an app of its own, and only its checks run, inside this app's
        # requests (they find the request and the app through Flask's context).
        self.limiter.init_app(Flask(__name__))
        storage = self.limiter.storage
        if isinstance(storage, RedisStorage):  # registering connects to nothing yet
            self._storage = storage
            self._count_script = storage.get_connection().register_script(COUNT_SCRIPT.encode())
        app.extensions[_EXTENSION] = self

    def _stages(self, kind: Kind) -> list[Stage]:
        stages = []
        address = self.settings.rate(kind.name, "address")
        if address:
            stages.append(self._stage(kind, "address", lambda _: address, lambda s: s.address))
        if kind.writer:
            configured = self.settings.rate(kind.name, kind.writer)
            stages.append(
                self._stage(
                    kind,
                    kind.writer,
                    # A writer may have a quota of its own (an API key's `rps`).
                    lambda s: s.writer_quota or configured,
                    lambda s: s.writer,
                )
            )
        site = self.settings.rate(kind.name, "site")
        if site:
            stages.append(self._stage(kind, "site", lambda _: site, lambda s: s.site))
        return stages

    def _stage(
        self,
        kind: Kind,
        per: str,
        rates: Callable[[Subject], str],
        key: Callable[[Subject], str | None],
    ) -> Stage:
        setting = f"{kind.name}_per_{per}"

        def check() -> None:
            """Nothing: flask-limiter's decorator around it counts the request."""

        # flask-limiter files decorated limits under the function's qualified name.
        check.__name__ = check.__qualname__ = setting
        # Shared: one bucket per key whatever the route, so /v1/... and /v1/sites/<site>/...
        # count together.
        decorate = self.limiter.shared_limit(
            lambda: rates(_subject()),
            scope=setting,
            key_func=lambda: key(_subject()) or "",
            exempt_when=lambda: key(_subject()) is None,
        )
        return Stage(per, setting, rates, key, decorate(check))

    def hit(self, kind: str, who: str | None, who_quota: str | None, site: str) -> None:
        """Count one request of `kind`; RateLimitedError past any of its limits."""
        subject = Subject(
            address=_address(),
            writer=None if who is None else writer_key(kind, who),
            writer_quota=who_quota,
            site=site,
        )
        setattr(g, _SUBJECT, subject)
        if self._count_script is not None and time.monotonic() >= self._one_trip_from:
            try:
                refusal = self._count_in_one_trip(KINDS[kind], subject)
            except RedisError as error:
                # flask-limiter takes over below, counting in this process's memory.
                if not self._one_trip_wait:
                    log.warning(
                        "rate limits: Redis unavailable (%s); each web process counts on its "
                        "own until it answers again",
                        error,
                    )
                low, high = _RETRY_SECONDS
                self._one_trip_wait = min(high, max(low, self._one_trip_wait * 2))
                self._one_trip_from = time.monotonic() + self._one_trip_wait
            else:
                if self._one_trip_wait:
                    log.info("rate limits: Redis answers again; counting there")
                    self._one_trip_wait = 0.0
                if refusal is not None:
                    raise refusal
                return
        for stage in self.stages[kind]:
            try:
                stage.check()
            except RateLimitExceeded as exceeded:
                raise self._refused_by_flask_limiter(KINDS[kind], stage, exceeded) from None

    def _count_in_one_trip(self, kind: Kind, subject: Subject) -> RateLimitedError | None:
        """Count every window of the request in one call; the refusal, if one refused it."""
        assert self._storage is not None
        keys: list[str] = []
        amounts_and_lengths: list[int] = []
        windows: list[tuple[Stage, RateLimitItem]] = []
        for stage in self.stages[kind.name]:
            key = stage.key(subject)
            if key is None:
                continue
            for item in windows_of(stage.rates(subject)):
                bucket = item.key_for(_KEY_PREFIX, key, stage.setting)
                keys.append(self._storage.prefixed_key(bucket))
                amounts_and_lengths += [item.amount, item.get_expiry()]
                windows.append((stage, item))
        if not keys:
            return None
        refused, seconds_left = self._count_script(keys=keys, args=amounts_and_lengths)
        if not refused:
            return None
        stage, item = windows[int(refused) - 1]
        return self._refusal(kind, stage, item, subject, max(1, int(seconds_left)))

    def _refused_by_flask_limiter(
        self, kind: Kind, stage: Stage, exceeded: RateLimitExceeded
    ) -> RateLimitedError:
        item = exceeded.limit.limit
        retry_after = int(item.get_expiry())  # the whole window, if the storage cannot say
        current = self.limiter.current_limit
        if current is not None and current.breached:
            # Redis may have gone away between the count and this read.
            with contextlib.suppress(StorageError):
                retry_after = max(1, math.ceil(current.window.reset_time - time.time()))
        return self._refusal(kind, stage, item, _subject(), retry_after)

    def _refusal(
        self, kind: Kind, stage: Stage, item: RateLimitItem, subject: Subject, retry_after: int
    ) -> RateLimitedError:
        own = stage.per == kind.writer and subject.writer_quota is not None
        setting = "perspective.api_keys" if own else f"limits.{stage.setting}"
        rate = str(item)
        return RateLimitedError(
            f"too many {kind.noun} {_WHOSE[stage.per]}: {rate} ({setting}); "
            f"retry in {retry_after} s",
            retry_after=retry_after,
            limit=setting,
            rate=rate,
        )

    def windows(self, setting: str, key: str, quota: str | None = None) -> dict[str, WindowStats]:
        """What flask-limiter holds for one key of `setting` ("comments_per_author"): each of
        its rates ("5 per 1 minute") with the window's reset time and the requests left in it.
        `key` is an address, a site, or a writer's id as given to `hit`."""
        kind, per = setting.split("_per_")
        if per == KINDS[kind].writer:
            key = writer_key(kind, key)
        strategy = self.limiter.limiter
        return {
            str(item): strategy.get_window_stats(item, _KEY_PREFIX, key, setting)
            for item in windows_of(quota or self.settings.rate(kind, per))
        }


def init_app(app: Flask, settings: LimitSettings, redis_url: str) -> None:
    """Limit the public endpoints as `settings` say; nothing when `settings.enabled` is off."""
    if settings.enabled:
        Limits(settings, redis_url).init_app(app)


def limits_of(app: Flask) -> Limits | None:
    """The app's limits; None when they are off."""
    found: Limits | None = app.extensions.get(_EXTENSION)
    return found


def hit(
    kind: str, who: str | None = None, *, who_quota: str | None = None, site: str | None = None
) -> None:
    """Count one request of `kind` (comments, reports, status, perspective) from the current
    client, written by `who` (an author id, a reader id, an API key's holder; None when not
    known) to `site` (default: `g.site_id`, else "default"); `who_quota` is the writer's own
    rate in place of the configured one. Raises RateLimitedError past any limit."""
    limits = limits_of(current_app)
    if limits is None:
        return
    where = site if site is not None else str(g.get("site_id", DEFAULT_SITE))
    limits.hit(kind, who, who_quota, where)
