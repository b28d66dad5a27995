"""RQ jobs. Each is a module-level function whose arguments are ids and plain values."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from moderation.pipeline.model import ModelUnavailableError
from moderation.pipeline.rules import RuleContext
from moderation.worker.context import current

log = logging.getLogger(__name__)


class ScoringFailedError(RuntimeError):
    """Some comments of a batch could not be recorded; RQ retries the job for them."""


def score_comments(comment_ids: Sequence[int], request_id: str | None = None) -> dict[str, Any]:
    """Score these comments, plus other waiting ones up to the batch size, and decide each.

    Comments no longer pending (a duplicate or replayed job, or one a batch-mate's job already
    scored) are skipped. Each comment is decided in its own transaction, so one failure does not
    undo its batch-mates; the failed ones are released and the job raises so RQ retries them.
    """
    context = current()
    batch_size = context.settings.worker.batch_size
    context.queue.job_started()
    claimed = context.scoring.claim(comment_ids, context.name, fill_to=batch_size)
    if len(claimed) >= batch_size:
        # More may be waiting: let another worker start on them while this batch is scored.
        context.queue.enqueue_scoring([], request_id)
    result: dict[str, Any] = {"pid": context.status()["pid"], "model_loads": context.model_loads}
    if not claimed:
        return dict(result, scored=0, decisions={})
    pipeline = context.pipeline
    if pipeline.scorer is None and context.settings.model.on_unavailable == "fail":
        context.scoring.release([comment.id for comment in claimed], context.name)
        raise ModelUnavailableError(pipeline.model_error or "no model is loaded")
    verdicts = pipeline.score_batch(
        [RuleContext(c.text, c.article_id, c.author_id) for c in claimed]
    )
    decisions: dict[int, str] = {}
    failed: list[int] = []
    for comment, verdict in zip(claimed, verdicts, strict=True):
        try:
            if context.scoring.record(
                comment, verdict, request_id if comment.id in comment_ids else None
            ):
                decisions[comment.id] = verdict.decision
        except Exception:
            log.exception("could not record the verdict for comment %s", comment.id)
            failed.append(comment.id)
    if failed:
        context.scoring.release(failed, context.name)
        raise ScoringFailedError(f"could not record verdicts for comments {failed}")
    return dict(result, scored=len(decisions), decisions=decisions)


def reconcile() -> dict[str, Any]:
    """Re-enqueue comments left pending too long (lost enqueue, flushed Redis, dead worker)."""
    context = current()
    worker = context.settings.worker
    requeued = context.scoring.requeue_stale(
        context.queue, worker.reconcile_after_seconds, worker.batch_size
    )
    return {"requeued": requeued}
