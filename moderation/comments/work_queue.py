"""The work list as intake sees it: "score these comments". scoring/queue.py implements it on RQ;
tests and tools may pass their own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class WorkQueue(Protocol):
    def enqueue_scoring(
        self, comment_ids: Sequence[int], request_id: str | None = None, coalesce: bool = True
    ) -> bool:
        """Ask a worker to score these comments; False when the work list is unreachable."""
        ...
