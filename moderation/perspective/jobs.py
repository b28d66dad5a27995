"""The analyze drain job: score every waiting Perspective-style call in shared model batches.

See perspective/analysis.py for the web side. The job clears the "drain queued" flag before it
takes calls, so a call pushed after that sees no flag and queues another drain job: no call is
left waiting without one. A call whose deadline has passed is skipped; its caller has been
answered 503. A batch holds only as many calls as can be scored before the oldest one's
deadline, at the measured seconds per call, which the job keeps as a moving average in Redis
for the web processes' admission check. Each call names the language whose model scores it
(`perspective/analyze.py` chose a served one): the calls of a batch are scored in one model
call per model.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from moderation.perspective.analysis import (
    ACTIVE_KEY,
    ADMISSION_SHARE,
    COST_KEY,
    DEFAULT_SECONDS_PER_CALL,
    DRAIN_QUEUED_KEY,
    IN_FLIGHT_KEY,
    PENDING_KEY,
    REPLY_TTL_SECONDS,
    ensure_drain,
)
from moderation.pipeline.model import DetoxifyScorer, score_planned
from moderation.pipeline.routing import LanguageRouter, LoadedModel, fixed_router, unscreened
from moderation.scoring.context import WorkerContext, current

log = logging.getLogger(__name__)

# Rounds one job drains before it lets the worker look at its other queues again.
_MAX_ROUNDS = 8


def drain_analysis() -> dict[str, Any]:
    """Score waiting analyze calls, a batch at a time, and reply to each on its own key."""
    context = current()
    return drain(context, _router(context))


def _router(context: WorkerContext) -> LanguageRouter:
    # Analyze clients read the scores against their own thresholds: the model's own scores,
    # never a screening model's (decision 0029).
    pipeline = context.pipeline
    if pipeline.router is not None:
        return unscreened(pipeline.router)
    return unscreened(fixed_router(pipeline.scorer, pipeline.thresholds, pipeline.model_error))


def drain(context: WorkerContext, router: LanguageRouter) -> dict[str, Any]:
    """Drain the line with `router`'s models (the worker's, or an analyze lane's own)."""
    # The calls' own model calls must not stop to answer calls (see make_room_for_calls).
    scorers = [m.scorer for m in router.models() if isinstance(m.scorer, DetoxifyScorer)]
    hooks = [scorer.between_groups for scorer in scorers]
    for scorer in scorers:
        scorer.between_groups = None
    try:
        return _drain(context, router)
    finally:
        for scorer, hook in zip(scorers, hooks, strict=True):
            scorer.between_groups = hook


def _drain(context: WorkerContext, router: LanguageRouter) -> dict[str, Any]:
    redis = context.redis
    batch = context.settings.perspective.batch_size
    answered = expired = rounds = 0
    while rounds < _MAX_ROUNDS:
        redis.delete(DRAIN_QUEUED_KEY)
        cost = float(redis.get(COST_KEY) or DEFAULT_SECONDS_PER_CALL)
        oldest = redis.lindex(PENDING_KEY, 0)
        if oldest is None:
            break
        remaining = _load(oldest)["expires"] - time.time()
        size = max(1, min(batch, int(remaining * ADMISSION_SHARE / cost)))
        raw = redis.lpop(PENDING_KEY, size)
        if not raw:
            break
        rounds += 1
        now = time.time()
        calls = [_load(item) for item in raw]
        live = [call for call in calls if call["expires"] > now]
        expired += len(calls) - len(live)
        if live:
            redis.hset(IN_FLIGHT_KEY, context.name, f"{len(live)}:{time.time() + 30}")
            started = time.perf_counter()
            try:
                _answer(context, live, router)
            finally:
                redis.hdel(IN_FLIGHT_KEY, context.name)
            measured = (time.perf_counter() - started) / len(live)
            redis.set(COST_KEY, 0.7 * cost + 0.3 * measured, ex=600)
            answered += len(live)
    if rounds == _MAX_ROUNDS and redis.llen(PENDING_KEY):
        from rq import Queue

        # Let the worker look at its other queues, but leave no call without a drain job.
        queue = Queue(context.settings.perspective.queue, connection=redis)
        ensure_drain(redis, queue, max(2000, 2 * context.settings.perspective.deadline_ms))
    return {"answered": answered, "expired": expired, "rounds": rounds}


def make_room_for_calls(context: WorkerContext) -> None:
    """Before a batch of comments: if analyze calls are flowing, let them in between model calls.

    A batch of 64 comments keeps a single-threaded worker busy for about a second, longer than
    an analyze call's deadline. While calls have arrived lately (and no analyze lane serves
    them), the worker's scorer scores comments in model calls of at most
    `[perspective] comment_tokens_while_active` tokens and, between two of them, answers the
    calls that wait, with the same code as the drain job. Sites that never call analyze keep
    full-size model calls. One Redis GET per batch; one LLEN per model call while active.
    """
    settings = context.settings.perspective
    scorers = [
        model.scorer
        for model in _router(context).models()
        if isinstance(model.scorer, DetoxifyScorer)
    ]
    if not scorers:
        return
    budget = settings.comment_tokens_while_active
    active = False
    if budget > 0 and not settings.worker_lane:
        try:
            active = bool(context.redis.exists(ACTIVE_KEY))
        except Exception:  # Redis away: score as usual, the job will notice soon enough
            active = False
    for scorer in scorers:
        scorer.max_tokens = budget if active else None
        scorer.between_groups = _answer_waiting_calls(context) if active else None


def _answer_waiting_calls(context: WorkerContext) -> Callable[[], None]:
    def between_groups() -> None:
        try:
            if not context.redis.llen(PENDING_KEY):
                return
            result = drain(context, _router(context))
            log.debug("answered analyze calls between comment groups: %s", result)
        except Exception as error:  # a failed call got its error reply; the comments go on
            log.warning("could not answer analyze calls between comment groups: %s", error)

    return between_groups


def _load(item: Any) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(item)
    return loaded


def _answer(context: WorkerContext, calls: list[dict[str, Any]], router: LanguageRouter) -> int:
    """Score the calls' texts, one model call per model, and reply to each; return how many."""
    by_model: dict[int, list[int]] = {}
    models: dict[int, LoadedModel] = {}
    for index, call in enumerate(calls):
        model = router.model_for(str(call.get("language") or ""))
        by_model.setdefault(id(model), []).append(index)
        models[id(model)] = model
    replies: list[str] = [""] * len(calls)
    scored = 0
    failure: Exception | None = None
    for key, indices in by_model.items():
        model = models[key]
        if model.scorer is None:
            error = model.error or "no model is loaded"
            for index in indices:
                replies[index] = json.dumps({"error": error})
            continue
        texts = [text for index in indices for text in calls[index]["texts"]]
        # The same text twice (a one-sentence comment and its only span, a repeated call) is
        # scored once.
        unique = list(dict.fromkeys(texts))
        try:
            batch = score_planned(model.scorer, unique, _shifts(calls, indices, unique))
            unique_scores = dict(zip(unique, batch, strict=True))
        except Exception as error:
            log.exception("analyze batch failed")
            failure = error
            for index in indices:
                replies[index] = json.dumps({"error": f"scoring failed: {error}"})
            continue
        scored += len(texts)
        for index in indices:
            found = [unique_scores[text] for text in calls[index]["texts"]]
            replies[index] = json.dumps({"scores": found})
    _reply(context, calls, replies)
    if failure is not None:
        raise failure
    return scored


def _shifts(
    calls: list[dict[str, Any]], indices: list[int], unique: list[str]
) -> list[dict[str, list[float]]]:
    """Per unique text, every label's planned shift that a synchronous decision sent with it
    (`AnalysisQueue.score`'s `shifts`); [] when no call sent any."""
    found: dict[str, dict[str, list[float]]] = {}
    for index in indices:
        for text, shift in zip(calls[index]["texts"], calls[index].get("shifts", ()), strict=False):
            into = found.setdefault(text, {})
            for label, values in shift.items():
                into.setdefault(label, []).extend(values)
    if not found:
        return []
    return [found.get(text, {}) for text in unique]


def _reply(context: WorkerContext, calls: list[dict[str, Any]], replies: list[str]) -> None:
    pipe = context.redis.pipeline()
    for call, reply in zip(calls, replies, strict=True):
        pipe.rpush(call["reply"], reply)
        pipe.expire(call["reply"], REPLY_TTL_SECONDS)
    pipe.execute()
