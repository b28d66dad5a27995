"""When to try a failed delivery again, and when to give up.

The first attempt goes out at once; retry n waits `intervals[n-1]` seconds after attempt n,
stretched or shrunk at random by up to `jitter` so failures that happened together do not
retry together. After `1 + len(intervals)` attempts, or once the retry round is older than
the whole schedule plus a minute of slack (and at least one attempt was made), the delivery
is dead-lettered. The age rule matters for deliveries that waited behind a failing one (see
webhooks/deliveries.py): they do not get a whole new day of retries each.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence

# Slack on the age rule, so the time a retry waits for a worker does not eat its last attempts.
AGE_SLACK_SECONDS = 60.0


@dataclasses.dataclass(frozen=True)
class RetrySchedule:
    intervals: tuple[float, ...]
    jitter: float = 0.0

    @classmethod
    def of(cls, intervals: Sequence[float], jitter: float = 0.0) -> RetrySchedule:
        return cls(tuple(float(interval) for interval in intervals), jitter)

    @property
    def max_attempts(self) -> int:
        return 1 + len(self.intervals)

    @property
    def span_seconds(self) -> float:
        """How long a delivery keeps trying, at most, without jitter."""
        return sum(self.intervals)

    def next_delay(
        self, attempts_made: int, round_age_seconds: float, rng: random.Random | None = None
    ) -> float | None:
        """Seconds to wait after attempt `attempts_made` (1 or more), or None to give up."""
        if attempts_made >= self.max_attempts:
            return None
        if round_age_seconds >= self.span_seconds * (1 + self.jitter) + AGE_SLACK_SECONDS:
            return None
        base = self.intervals[max(attempts_made, 1) - 1]
        if self.jitter:
            base *= 1 + (rng or random).uniform(-self.jitter, self.jitter)
        return max(0.0, base)
