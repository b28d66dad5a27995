"""Worker heartbeats in Redis: which scoring workers are alive and whether their model loaded.

Each worker writes its status under its own key with a time-to-live of a few heartbeats, so a
dead worker disappears by itself. /readyz reads them; `beat_ages` tells how long claim holders
have been silent (scoring/jobs.py gives the claims of dead ones back). Ages are read from the
keys' remaining time to live, so they come from Redis's clock, not from the clocks of the hosts
that wrote them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from redis import Redis

PREFIX = "moderation:workers:"


class WorkerRegistry:
    def __init__(self, connection: Redis, heartbeat_seconds: int = 10) -> None:
        self.connection = connection
        self.ttl = max(3 * heartbeat_seconds, 5)

    def beat(self, name: str, status: dict[str, Any]) -> None:
        record = dict(status, name=name, seen_at=time.time())
        self.connection.set(PREFIX + name, json.dumps(record), ex=self.ttl)

    def beat_ages(self, names: Sequence[str]) -> dict[str, float | None]:
        """Seconds since each of `names` last beat; None for a worker with no record (never
        registered, or silent for longer than the record lives)."""
        if not names:
            return {}
        with self.connection.pipeline(transaction=False) as pipeline:
            for name in names:
                pipeline.pttl(PREFIX + name)
            left = pipeline.execute()
        # A beat sets the time to live to `ttl`: what is left tells how long ago it was.
        return {
            name: None if millis < 0 else self.ttl - millis / 1000
            for name, millis in zip(names, left, strict=True)
        }

    def remove(self, name: str) -> None:
        self.connection.delete(PREFIX + name)

    def alive(self) -> list[dict[str, Any]]:
        records = []
        for key in self.connection.scan_iter(match=PREFIX + "*", count=100):
            raw = self.connection.get(key)
            if raw:
                records.append(json.loads(raw))
        return sorted(records, key=lambda record: str(record.get("name")))
