"""Per-article counts within a sliding window, in Redis: one round trip per scored batch.

Each article has one small hash per time bucket (a fifteenth of the window, so the window is
exact to one bucket): `d` decisions, `h` heated ones, `r` report weight. Adding and reading the
window for every article of a batch is one pipeline; the buckets expire on their own after the
window. The key holds the bucket length, so a site that changes its window starts counting
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


def _key(article: Article, size: int, bucket: int) -> str:
    # A site id has no ":", the bucket number none either: the article id between is unambiguous.
    return f"{PREFIX}:{size}:{article[0]}:{article[1]}:{bucket}"


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
        order: list[tuple[Article, int]] = []
        for article, counts in added.items():
            window = windows[article]
            size = bucket_seconds(window)
            current = int(now // size)
            key = _key(article, size, current)
            if counts.decided:
                pipe.hincrby(key, "d", counts.decided)
            if counts.heated:
                pipe.hincrby(key, "h", counts.heated)
            if counts.reports:
                pipe.hincrbyfloat(key, "r", counts.reports)
            pipe.expire(key, window + 2 * size)
            for bucket in range(current - window // size + 1, current + 1):
                pipe.hmget(_key(article, size, bucket), "d", "h", "r")
                order.append((article, bucket))
        replies = pipe.execute()
        windows_read = [reply for reply in replies if isinstance(reply, list)]
        totals: dict[Article, WindowCounts] = {}
        for (article, _), (decided, hot, reports) in zip(order, windows_read, strict=True):
            found = totals.get(article, WindowCounts())
            totals[article] = WindowCounts(
                found.decided + int(decided or 0),
                found.heated + int(hot or 0),
                found.reports + float(reports or 0),
            )
        return totals
