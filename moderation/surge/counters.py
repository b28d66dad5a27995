"""Per-article counts within a sliding window, in Redis: one round trip per scored batch.

Each article has one hash whose fields are time buckets (a fifteenth of the window, so the
window is exact to one bucket): `<bucket>:d` decisions, `<bucket>:h` heated ones, `<bucket>:r`
report weight. Adding to the current bucket and reading the whole hash for every article of a
batch is one pipeline; buckets that fell out of the window are deleted when next seen (a second
round trip at most once per bucket and article), and the hash expires a window after its last
change. The key holds the bucket length, so a site that changes its window starts counting
afresh rather than misreading buckets of another length.
"""

from __future__ import annotations

from collections.abc import Mapping

from redis import Redis

from moderation.surge.levels import WindowCounts

PREFIX = "moderation:surge"
BUCKETS = 15

Article = tuple[str, str]  # (site id, article id)


def bucket_seconds(window_seconds: int) -> int:
    return max(1, window_seconds // BUCKETS)


def _key(article: Article, size: int) -> str:
    # A site id has no ":", so the article id after it is unambiguous.
    return f"{PREFIX}:{size}:{article[0]}:{article[1]}"


class SurgeCounters:
    """Window counts per article, kept in Redis."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def add_and_read(
        self,
        added: Mapping[Article, WindowCounts],
        windows: Mapping[Article, int],
        now: float,
    ) -> dict[Article, WindowCounts]:
        """Add each article's counts to its current bucket; return its counts in its window."""
        pipe = self.redis.pipeline(transaction=False)
        order: list[tuple[Article, str, int, int]] = []
        for article, counts in added.items():
            window = windows[article]
            size = bucket_seconds(window)
            current = int(now // size)
            key = _key(article, size)
            if counts.decided:
                pipe.hincrby(key, f"{current}:d", counts.decided)
            if counts.heated:
                pipe.hincrby(key, f"{current}:h", counts.heated)
            if counts.reports:
                pipe.hincrbyfloat(key, f"{current}:r", counts.reports)
            pipe.expire(key, window + 2 * size)
            pipe.hgetall(key)
            order.append((article, key, current - window // size + 1, current))
        hashes = [reply for reply in pipe.execute() if isinstance(reply, dict)]
        totals: dict[Article, WindowCounts] = {}
        stale: dict[str, list[bytes]] = {}
        for (article, key, first, last), fields in zip(order, hashes, strict=True):
            found = {"d": 0.0, "h": 0.0, "r": 0.0}
            for field, value in fields.items():
                bucket, _, kind = field.decode().partition(":")
                if int(bucket) < first:
                    stale.setdefault(key, []).append(field)
                elif int(bucket) <= last and kind in found:
                    found[kind] += float(value)
            totals[article] = WindowCounts(int(found["d"]), int(found["h"]), found["r"])
        if stale:
            cleanup = self.redis.pipeline(transaction=False)
            for key, fields_out in stale.items():
                cleanup.hdel(key, *fields_out)
            cleanup.execute()
        return totals

    def first_in_bucket(
        self, articles: Mapping[Article, int], what: str, now: float
    ) -> list[Article]:
        """The articles for which this is the first `what` in their current bucket of the given
        seconds (SET NX, one pipeline): a surge going on is extended once a bucket, not once a
        batch."""
        pipe = self.redis.pipeline(transaction=False)
        order = list(articles)
        for article in order:
            seconds = max(1, articles[article])
            bucket = int(now // seconds)
            key = f"{PREFIX}:{what}:{article[0]}:{article[1]}:{bucket}"
            pipe.set(key, 1, nx=True, ex=2 * seconds)
        return [article for article, first in zip(order, pipe.execute(), strict=True) if first]
