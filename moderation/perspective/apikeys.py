"""API keys for the Perspective-compatible endpoints, and each key's requests-per-second quota.

Keys come from configuration (`key`, `name:key` or `name:key:rps`) and are kept only as SHA-256
hashes. A presented key is hashed and compared with every known hash in constant time. The quota
is a counter per key and second in Redis, so every web process shares it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import time
from collections.abc import Iterable

from redis import Redis


@dataclasses.dataclass(frozen=True)
class KeyHolder:
    """Who a key belongs to and how many requests per second it may make."""

    name: str
    requests_per_second: int


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


class ApiKeyTable:
    """Known key hashes with their holder."""

    def __init__(self, entries: Iterable[str], default_rate: int) -> None:
        self.entries: list[tuple[bytes, KeyHolder]] = []
        for entry in entries:
            parts = entry.split(":")
            if len(parts) == 1:
                name, secret, rate = "", parts[0], default_rate
            else:
                name, secret = parts[0], parts[1]
                rate = int(parts[2]) if len(parts) > 2 else default_rate
            holder = name or "key-" + hashlib.sha256(secret.encode()).hexdigest()[:8]
            self.entries.append((_digest(secret), KeyHolder(holder, rate)))

    def identify(self, key: str) -> KeyHolder | None:
        """The holder of a known key, else None. Checks every entry, match or not."""
        presented = _digest(key)
        found: KeyHolder | None = None
        for digest, holder in self.entries:
            if hmac.compare_digest(digest, presented) and found is None:
                found = holder
        return found


class RateLimiter:
    """A fixed one-second window per key, counted in Redis."""

    def __init__(self, connection: Redis, prefix: str = "perspective:quota:") -> None:
        self.connection = connection
        self.prefix = prefix

    def retry_after(self, holder: KeyHolder, now: float | None = None) -> float | None:
        """None while `holder` is within its quota; else seconds until the next window opens."""
        now = time.time() if now is None else now
        second = int(now)
        key = f"{self.prefix}{holder.name}:{second}"
        pipe = self.connection.pipeline()
        pipe.incr(key)
        pipe.expire(key, 2)
        count, _ = pipe.execute()
        if int(count) <= holder.requests_per_second:
            return None
        return max(0.001, second + 1 - now)
