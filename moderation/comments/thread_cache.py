"""The published thread at newsroom scale: rendered pages kept in Redis, versioned per article.

Every page view of an article reads its thread, so a rendered page (the JSON body and its ETag)
is kept in Redis with the article's version at the time it was rendered. Every change that can
alter what readers see under an article (a comment published, held, rejected, reported, hidden
or shown again) marks the article in its transaction (`mark_thread_changed`, called by
comments/transitions.py and review/reports.py); after the outermost commit (`watch`), the
article's version goes up in Redis, before the decision's caller gets its answer. A page whose
version is not the current one is never served.

Why a reader is never shown a comment a moderator has removed: the version is read *before*
the page is rendered from the database, and raised only *after* the change commits. A page
tagged with the current version was therefore read from a database that already held every
change whose version bump has happened; a page rendered across a change (read before, stored
after) carries the old version and is refused by the next read. A bump lost with Redis leaves
a page at most `reads.cache_seconds` old (its time to live).

The same article also has CDN surrogate keys (`surrogate_keys`), so that a CDN's copies can be
purged by key (webhooks/purges.py sends the purges from the outbox).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

log = logging.getLogger(__name__)

# The articles a transaction changed for readers, in `session.info`.
_CHANGED = "threads_changed"
# A version counter outlives every page rendered at it by far (pages live seconds).
VERSION_SECONDS = 24 * 3600


def surrogate_keys(site_id: str, article_id: str) -> list[str]:
    """The CDN keys of an article's thread pages: the article's own, then its site's.

    An article id may hold characters a CDN key or a Varnish ban regex treats specially, so the
    article's key is a digest: `thread-` and 24 hex digits of SHA-256 over site and article.
    """
    digest = hashlib.sha256(f"{site_id}\x1f{article_id}".encode()).hexdigest()[:24]
    return [f"thread-{digest}", f"site-{site_id}"]


def thread_key(site_id: str, article_id: str) -> str:
    """The article's own surrogate key (what a purge names)."""
    return surrogate_keys(site_id, article_id)[0]


def etag_of(body: bytes) -> str:
    """A strong ETag: a digest of the exact bytes, so any change to the page changes it."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def mark_thread_changed(session: Session, site_id: str, article_id: str) -> None:
    """Note, in the current transaction, that readers' view of this article changed."""
    session.info.setdefault(_CHANGED, set()).add((site_id, article_id))


@dataclasses.dataclass(frozen=True)
class RenderedPage:
    body: bytes
    etag: str


class ThreadCache:
    """Rendered thread pages in Redis, each tagged with its article's version.

    `seconds` 0 keeps nothing (every read renders); the versions are still raised, so turning
    the cache on later needs nothing else. Redis being away costs a render, never an error.
    """

    def __init__(self, redis: Redis, seconds: float, prefix: str = "moderation:thread") -> None:
        self.redis = redis
        self.seconds = seconds
        self.prefix = prefix

    def watch(self, sessions: sessionmaker[Session]) -> ThreadCache:
        """Raise the versions of the articles each commit of a session from `sessions` changed.

        Every process that changes comments' states watches its session factory: the web tier
        (app.py) and the scoring worker (scoring/context.py, which runs bulk jobs too).
        """

        def after_commit(session: Session) -> None:
            # Also called when a savepoint is released; only the outermost commit counts.
            if session.in_nested_transaction():
                return
            changed = session.info.pop(_CHANGED, None)
            if changed:
                self.bump(changed)

        def after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
            if not previous.nested and previous.parent is None:
                session.info.pop(_CHANGED, None)

        event.listen(sessions, "after_commit", after_commit)
        event.listen(sessions, "after_soft_rollback", after_soft_rollback)
        return self

    def _version_key(self, site_id: str, article_id: str) -> str:
        return f"{self.prefix}:version:{thread_key(site_id, article_id)}"

    def _page_key(self, site_id: str, article_id: str, variant: str) -> str:
        digest = hashlib.sha256(variant.encode()).hexdigest()[:16]
        return f"{self.prefix}:page:{thread_key(site_id, article_id)}:{digest}"

    def page(
        self,
        site_id: str,
        article_id: str,
        variant: str,
        render: Callable[[str | None], bytes],
    ) -> RenderedPage:
        """The page `variant` (order, cursor, limit) of the article's thread, from Redis when a
        copy at the current version is there, else `render(version)` and kept.

        One round trip for a hit (MGET of the version and the page).
        """
        if self.seconds <= 0:
            body = render(None)
            return RenderedPage(body, etag_of(body))
        version_key = self._version_key(site_id, article_id)
        page_key = self._page_key(site_id, article_id, variant)
        try:
            raw_version, stored = self.redis.mget(version_key, page_key)
        except RedisError as error:
            log.warning("thread cache unavailable, rendering from the database: %s", error)
            body = render(None)
            return RenderedPage(body, etag_of(body))
        version = _text(raw_version) or "0"
        if isinstance(stored, bytes):
            found_version, _, rest = stored.partition(b"\n")
            found_etag, _, found_body = rest.partition(b"\n")
            if found_version.decode() == version:
                return RenderedPage(found_body, found_etag.decode())
        body = render(version)
        page = RenderedPage(body, etag_of(body))
        try:
            self.redis.set(
                page_key,
                version.encode() + b"\n" + page.etag.encode() + b"\n" + body,
                px=int(self.seconds * 1000),
            )
        except RedisError as error:
            log.warning("could not keep a thread page in Redis: %s", error)
        return page

    def version(self, site_id: str, article_id: str) -> str:
        """The article's current version ("0" before its first change)."""
        return _text(self.redis.get(self._version_key(site_id, article_id))) or "0"

    def bump(self, threads: Iterable[tuple[str, str]]) -> None:
        """Raise these articles' versions: pages rendered before now are no longer served."""
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                for site_id, article_id in threads:
                    key = self._version_key(site_id, article_id)
                    pipe.incr(key)
                    pipe.expire(key, VERSION_SECONDS)
                pipe.execute()
        except RedisError as error:
            # The pages age out within `seconds`; a CDN purge still comes from the outbox.
            log.warning("could not mark threads changed in Redis: %s", error)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)
