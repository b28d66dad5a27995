"""The analyze drain job: score every waiting Perspective-style call in shared model batches.

See services/analysis.py for the web side. The job clears the "drain queued" flag before it
takes calls, so a call pushed after that sees no flag and queues another drain job: no call is
left waiting without one. A call whose deadline has passed is skipped; its caller has already
been answered 503.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from moderation.services.analysis import (
    DRAIN_QUEUED_KEY,
    PENDING_KEY,
    REPLY_TTL_SECONDS,
)
from moderation.worker.context import current

log = logging.getLogger(__name__)

# Rounds one job drains before it lets the worker look at its other queues again.
_MAX_ROUNDS = 8


def drain_analysis() -> dict[str, Any]:
    """Score waiting analyze calls, a batch at a time, and reply to each on its own key."""
    context = current()
    redis = context.redis
    batch = context.settings.perspective.batch_size
    answered = expired = rounds = 0
    while rounds < _MAX_ROUNDS:
        redis.delete(DRAIN_QUEUED_KEY)
        raw = redis.lpop(PENDING_KEY, batch)
        if not raw:
            break
        rounds += 1
        now = time.time()
        calls = [json.loads(item) for item in raw]
        live = [call for call in calls if call["expires"] > now]
        expired += len(calls) - len(live)
        if live:
            _answer(context, live)
            answered += len(live)
    return {"answered": answered, "expired": expired, "rounds": rounds}


def _answer(context: Any, calls: list[dict[str, Any]]) -> None:
    scorer = context.pipeline.scorer
    pipe = context.redis.pipeline()
    if scorer is None:
        error = context.pipeline.model_error or "no model is loaded"
        replies = [json.dumps({"error": error}) for _ in calls]
    else:
        texts = [text for call in calls for text in call["texts"]]
        scores = scorer.score(texts)
        replies = []
        start = 0
        for call in calls:
            count = len(call["texts"])
            replies.append(json.dumps({"scores": scores[start : start + count]}))
            start += count
    for call, reply in zip(calls, replies, strict=True):
        pipe.rpush(call["reply"], reply)
        pipe.expire(call["reply"], REPLY_TTL_SECONDS)
    pipe.execute()
