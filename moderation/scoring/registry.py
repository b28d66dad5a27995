"""Worker heartbeats in Redis: which scoring workers are alive and whether their model loaded.

Each worker writes its status under its own key with a time-to-live of a few heartbeats, so a
dead worker disappears by itself. /readyz reads them.
"""

from __future__ import annotations

import json
import time
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

    def remove(self, name: str) -> None:
        self.connection.delete(PREFIX + name)

    def alive(self) -> list[dict[str, Any]]:
        records = []
        for key in self.connection.scan_iter(match=PREFIX + "*", count=100):
            raw = self.connection.get(key)
            if raw:
                records.append(json.loads(raw))
        return sorted(records, key=lambda record: str(record.get("name")))
