"""RQ jobs. Each is a module-level function whose arguments are ids and plain values."""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from moderation.observability import logging_setup, metrics
from moderation.pipeline.model import ModelUnavailableError
from moderation.pipeline.rules import RuleContext
from moderation.pipeline.verdict import Verdict
from moderation.scoring.context import WorkerContext, current
from moderation.scoring.policy_runs import plan, spot_checked
from moderation.scoring.service import STATUS_FOR_DECISION, PolicyOutcome

if TYPE_CHECKING:
    from moderation.comments.models import Comment

log = logging.getLogger(__name__)

# Draws which published comments are spot-checked (policies.spot_check_share).
_draw = random.Random()

# Whose turn it is to look for the claims of silent workers (`release_orphaned_claims`).
ORPHAN_CHECK_KEY = "moderation:orphaned-claims:turn"


class ScoringFailedError(RuntimeError):
    """Some comments of a batch could not be recorded; RQ retries the job for them."""


def score_comments(comment_ids: Sequence[int], request_id: str | None = None) -> dict[str, Any]:
    """Score these comments, plus other waiting ones up to the batch size, and decide each.

    Comments no longer pending (a duplicate or replayed job, or one a batch-mate's job already
    scored) are skipped. The batch's decisions are written in one transaction; if that fails,
    each comment is written on its own, so one failure does not undo its batch-mates; the failed
    ones are released and the job raises so RQ retries them.
    """
    context = current()
    batch_size = context.settings.worker.batch_size
    context.queue.job_started()
    with logging_setup.bound(request_id=request_id, job_id=_job_id()):
        claimed = context.scoring.claim(comment_ids, context.name, fill_to=batch_size)
        if len(claimed) >= batch_size:
            # More may be waiting: let another worker start on them while this batch is scored.
            context.queue.enqueue_scoring([], request_id)
        result: dict[str, Any] = {
            "pid": context.status()["pid"],
            "model_loads": context.model_loads,
        }
        if not claimed:
            return dict(result, scored=0, decisions={})
        decisions: dict[int, str] = {}
        try:
            failed = _score_and_record(context, claimed, comment_ids, request_id, decisions)
        except BaseException:
            # An error, or a cold shutdown (a second SIGTERM) mid-batch: give the claims of the
            # comments not yet decided back now rather than letting them expire.
            undecided = [comment.id for comment in claimed if comment.id not in decisions]
            context.scoring.release(undecided, context.name)
            raise
        if failed:
            context.scoring.release(failed, context.name)
            raise ScoringFailedError(f"could not record verdicts for comments {failed}")
        if context.scoring.waiting():
            # Comments that arrived while this batch was scored, with no job queued for them
            # seen so far (a wake key can outlive its job): one more job, not one per comment.
            context.queue.enqueue_scoring([], request_id, coalesce=False)
    return dict(result, scored=len(decisions), decisions=decisions)


def _score_and_record(
    context: WorkerContext,
    claimed: list[Comment],
    comment_ids: Sequence[int],
    request_id: str | None,
    decisions: dict[int, str],
) -> list[int]:
    """Score the batch, record each verdict (filling `decisions`); return the ids that failed."""
    pipeline = context.pipeline
    if context.settings.model.on_unavailable == "fail":
        # Never hold for want of a score: with any configured model missing, leave the batch.
        missing = [
            model
            for model in (pipeline.router.models() if pipeline.router else [])
            if not model.scorer
        ]
        if pipeline.scorer is None or missing:
            error = pipeline.model_error or (missing[0].error if missing else None)
            raise ModelUnavailableError(error or "no model is loaded")
    started = time.perf_counter()
    for prepare in context.before_batch:
        prepare(context)
    found = context.scoring.batch_inputs(claimed, context.settings.rules.duplicate_window_seconds)
    # The live policy's run of each comment, and its site's shadow policy's beside it: one
    # model call per model for both (pipeline/scoring.py `score_runs`).
    planned = plan(
        [RuleContext(c.text, c.article_id, c.author_id, **found.inputs[c.id]) for c in claimed],
        [found.article_rules[c.id] for c in claimed],
        [found.sites.get(c.site_id) for c in claimed],
        context.policy_models,
        context.settings.policies.spot_check_share,
    )
    runs = pipeline.score_runs([policies.runs for policies in planned])
    verdicts = [verdict[0] for verdict in runs]
    outcomes = {
        comment.id: PolicyOutcome(
            live_version=policies.live_version,
            shadow_version=policies.shadow_version,
            shadow=verdict[1] if len(verdict) > 1 else None,
            spot_check=spot_checked(verdict[0], policies.spot_check_share, _draw),
        )
        for comment, policies, verdict in zip(claimed, planned, runs, strict=True)
    }
    metrics.record_batch(len(claimed), time.perf_counter() - started)
    wanted = set(comment_ids)
    # The job's request id belongs to the comments it was enqueued for, not their batch-mates.
    batch = [
        (comment, verdict, request_id if comment.id in wanted else None)
        for comment, verdict in zip(claimed, verdicts, strict=True)
    ]
    recorded, failed = context.scoring.record_batch(batch, outcomes)
    done = set(recorded)
    for comment, verdict, own_request in batch:
        if comment.id not in done:
            continue
        decisions[comment.id] = verdict.decision
        with logging_setup.bound(
            request_id=own_request or comment.request_id, comment_id=comment.id
        ):
            _observe(comment, verdict)
    return failed


def _observe(comment: Comment, verdict: Verdict) -> None:
    """Count and log one decision."""
    outcome = STATUS_FOR_DECISION[verdict.decision]
    created = comment.created_at
    if created.tzinfo is None:  # SQLite hands back naive UTC
        created = created.replace(tzinfo=dt.UTC)
    waited = (dt.datetime.now(dt.UTC) - created).total_seconds()
    reason = decision_reason(verdict)
    metrics.record_decision(outcome, reason, waited)
    log.info(
        "comment %s %s (%s) after %.2fs",
        comment.id,
        outcome,
        reason,
        waited,
        extra={"outcome": outcome, "reason": reason, "waited_seconds": round(waited, 3)},
    )


def decision_reason(verdict: Verdict) -> str:
    """What set the decision, as a short fixed word for metrics: a rule id or a model label."""
    if verdict.decision == "approve":
        return "none"
    for hit in verdict.rule_hits:
        if hit.action == verdict.decision:
            return hit.rule_id
    for score in verdict.label_scores:
        if score.band == verdict.decision:
            return score.label
    if verdict.model_error:
        return "model_unavailable"
    return "language_unsupported" if verdict.unsupported_language else "other"


def _job_id() -> str | None:
    from rq import get_current_job

    job = get_current_job()
    return job.id if job is not None else None


def reconcile() -> dict[str, Any]:
    """Re-enqueue comments left pending too long (lost enqueue, flushed Redis, dead worker),
    and end the surges that cooled down."""
    context = current()
    worker = context.settings.worker
    release_orphaned_claims()
    requeued = context.scoring.requeue_stale(
        context.queue, worker.reconcile_after_seconds, worker.batch_size
    )
    metrics.record_reconcile(requeued)
    surges_ended = 0
    if context.scoring.surge is not None:
        # Surges whose cool-down passed (moderation/surge/): ended here, with their event.
        surges_ended = context.scoring.surge.end_cooled()
    return {"requeued": requeued, "surges_ended": surges_ended}


def silent_after(heartbeat_seconds: int) -> float:
    """How long a worker's heartbeat may be silent before the worker is taken for dead.

    A live worker beats every `heartbeat_seconds` however long its heartbeat's other chores
    take (worker/runner.py beats before and after them): half an interval more, and a second,
    is margin enough for a busy machine.
    """
    return 1.5 * heartbeat_seconds + 1


def release_orphaned_claims(once_per: float | None = None) -> int:
    """Give back the claims of scoring workers whose heartbeat stopped, and enqueue them.

    A worker killed mid-batch (SIGKILL, a lost machine) leaves its claims behind; their lease
    (`worker.claim_seconds`, two minutes) is long because a live worker may take that long, not
    because a dead one should. A holder whose heartbeat record is older than `silent_after`
    (16 s by default) is dead for this purpose and all its claims are released. A holder with
    no record at all (it never beat, as under RQ's own `rq worker`, or died long ago) loses only
    claims older than that, so a batch it is scoring now is left alone.

    Every worker's heartbeat asks for this and one of them a heartbeat does it (`once_per`: a
    Redis key taken with SET NX): a killed worker's comments are enqueued again 6-26 s after the
    kill with the default 10 s heartbeat, and the database is asked once per heartbeat however
    many workers run. A worker that was only frozen and comes back finds its comments decided
    or claimed again, and its verdicts are refused at their old version: no comment is decided
    twice.
    """
    context = current()
    worker = context.settings.worker
    if once_per is not None and not context.redis.set(
        ORPHAN_CHECK_KEY, context.name, nx=True, px=int(once_per * 1000)
    ):
        return 0  # another worker's turn
    quiet = silent_after(worker.heartbeat_seconds)
    ages = context.registry.beat_ages(context.scoring.claim_holders())
    dead = sorted(name for name, age in ages.items() if age is not None and age > quiet)
    unknown = sorted(name for name, age in ages.items() if age is None)
    released = context.scoring.release_held_by(dead)
    released += context.scoring.release_held_by(unknown, taken_before_seconds=quiet)
    for start in range(0, len(released), worker.batch_size):
        context.queue.enqueue_scoring(released[start : start + worker.batch_size], coalesce=False)
    if released:
        log.warning(
            "released %d claims of workers with no heartbeat for %gs: %s",
            len(released),
            quiet,
            ", ".join(dead + unknown),
        )
    return len(released)
