"""Bulk approve or reject: a list of ids or everything matching a filter, run as an RQ job.

The request is stored first (a `bulk_operations` row), the job is enqueued after commit and
carries only the operation's id. The job decides the comments in chunks, one transaction per
chunk, through the same `human_decision` as a single decision, and records its progress after
each chunk. A dry run only counts what would change, at once, without a job.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from typing import Any, NamedTuple, Protocol

from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.models import Comment
from moderation.db.base import utcnow
from moderation.errors import ConflictError, ForbiddenError, InvalidRequestError, NotFoundError
from moderation.policies import spot_checks
from moderation.review.claims import drop_claims, live_claims
from moderation.review.decisions import ACTIONS, HUMAN_FROM, Prefetched, human_decision
from moderation.review.models import BulkOperation
from moderation.review.queues import QUEUES, QueueFilter

log = logging.getLogger(__name__)

MAX_IDS = 10_000
CHUNK = 500


class BulkQueue(Protocol):
    def enqueue_bulk(self, operation_id: int) -> bool:
        """Ask a worker to run the operation; False when the work list is unreachable."""
        ...


class RQBulkQueue:
    """Bulk jobs on their own RQ queue, so they never delay scoring."""

    def __init__(self, connection: Redis, queue_name: str) -> None:
        from rq import Queue

        self.queue = Queue(queue_name, connection=connection)

    def enqueue_bulk(self, operation_id: int) -> bool:
        # Imported here, not at the top: the job's module imports this one.
        from moderation.review.jobs import run_bulk

        try:
            self.queue.enqueue(
                run_bulk, operation_id, job_timeout=3600, result_ttl=3600, failure_ttl=7 * 86400
            )
        except Exception as error:
            log.warning("could not enqueue bulk operation %s: %s", operation_id, error)
            return False
        return True


@dataclasses.dataclass(frozen=True)
class BulkRequest:
    moderator: str
    action: str
    reason_code: str | None = None
    note: str | None = None
    ids: list[int] | None = None
    queue: str | None = None
    where: QueueFilter | None = None
    dry_run: bool = False
    request_id: str | None = None
    moderator_id: int | None = None  # their account id, when they have one
    # The sites the moderator may decide on (None: every site); ids elsewhere are refused.
    site_ids: tuple[str, ...] | None = None

    def selection(self) -> dict[str, Any]:
        sites = {"sites": list(self.site_ids)} if self.site_ids is not None else {}
        if self.ids is not None:
            return {"ids": self.ids, **sites}
        where = {
            k: list(v) if isinstance(v, tuple) else v.isoformat() if hasattr(v, "isoformat") else v
            for k, v in dataclasses.asdict(self.where or QueueFilter()).items()
            if v is not None
        }
        return {"queue": self.queue, "filter": where, **sites}


class _Spec(NamedTuple):
    """What the job decides with, read from the operation once."""

    action: str
    moderator: str
    moderator_id: int | None
    reason_code: str | None
    note: str | None


def _check(request: BulkRequest) -> None:
    if request.action not in ACTIONS:
        raise InvalidRequestError(f"action must be one of {', '.join(ACTIONS)}", field="action")
    if request.action == "reject" and request.reason_code is None:
        raise InvalidRequestError("a rejection needs a reason_code", field="reason_code")
    if (request.ids is None) == (request.where is None):
        raise InvalidRequestError("give either ids or filter, not both", field="ids")
    if request.ids is not None and not 1 <= len(request.ids) <= MAX_IDS:
        raise InvalidRequestError(f"ids must hold 1 to {MAX_IDS} ids", field="ids")
    if request.where is not None:
        if request.queue not in QUEUES or request.queue == "all":
            raise InvalidRequestError("filter.queue must name one queue", field="filter.queue")
        if not (request.where.article_id or request.where.author_id or request.where.rule_id):
            raise InvalidRequestError(
                "a bulk filter needs an article_id, author_id or rule_id", field="filter"
            )


def _targets(session: Session, selection: dict[str, Any]) -> list[int]:
    """Ids of the comments a selection names, in id order."""
    if "ids" in selection:
        query = select(Comment.id).where(Comment.id.in_(selection["ids"]))
    else:
        where = QueueFilter(**selection["filter"])
        statuses = QUEUES[selection["queue"]] or ()
        query = select(Comment.id).where(*where.clauses(), Comment.status.in_(statuses))
        if selection["queue"] == "spot_check":
            query = query.where(spot_checks.waiting())
    if selection.get("sites") is not None:
        query = query.where(Comment.site_id.in_(selection["sites"]))
    return list(session.scalars(query.order_by(Comment.id)))


class BulkService:
    """Start, run (in a worker) and report on bulk operations."""

    def __init__(self, sessions: sessionmaker[Session], queue: BulkQueue | None) -> None:
        self.sessions = sessions
        self.queue = queue

    def start(self, request: BulkRequest) -> BulkOperation:
        """Store the operation; a dry run is counted at once, a real one goes to a worker."""
        _check(request)
        with self.sessions.begin() as session:
            if request.ids is not None and request.site_ids is not None:
                foreign = session.scalars(
                    select(Comment.id).where(
                        Comment.id.in_(request.ids), Comment.site_id.not_in(request.site_ids)
                    )
                ).first()
                if foreign is not None:
                    raise ForbiddenError(f"comment {foreign} is on a site you do not moderate")
            operation = BulkOperation(
                moderator=request.moderator,
                moderator_id=request.moderator_id,
                action=request.action,
                reason_code=request.reason_code,
                note=request.note,
                selection=request.selection(),
                dry_run=request.dry_run,
                state="queued",
                total=0,
                processed=0,
                changed=0,
                request_id=request.request_id,
            )
            session.add(operation)
            session.flush()
            if request.dry_run:
                self._count(session, operation)
        if not request.dry_run and (
            self.queue is None or not self.queue.enqueue_bulk(operation.id)
        ):
            return self._finish(
                operation.id, "failed", error="the work list (Redis) is unreachable"
            )
        return operation

    def _count(self, session: Session, operation: BulkOperation) -> None:
        to_status = ACTIONS[operation.action]
        ids = _targets(session, operation.selection)
        statuses: Counter[str] = Counter()
        would = claimed = 0
        for chunk in _chunks(ids):
            rows = session.execute(select(Comment.id, Comment.status).where(Comment.id.in_(chunk)))
            held_by_others = {
                comment_id
                for comment_id, claim in live_claims(session, chunk).items()
                if claim.moderator != operation.moderator
            }
            for comment_id, status in rows:
                statuses[str(status)] += 1
                if status in HUMAN_FROM[to_status]:
                    if comment_id in held_by_others:
                        claimed += 1
                    else:
                        would += 1
        operation.state = "done"
        operation.total = len(ids)
        operation.processed = len(ids)
        operation.result = {"would_change": would, "claimed": claimed, "by_status": dict(statuses)}
        operation.finished_at = utcnow()

    def get(self, operation_id: int) -> BulkOperation:
        with self.sessions() as session:
            operation = session.get(BulkOperation, operation_id)
        if operation is None:
            raise NotFoundError(f"no bulk operation with id {operation_id}")
        return operation

    def run(self, operation_id: int) -> dict[str, Any]:
        """Decide every comment the operation names; safe to run again (done is done)."""
        with self.sessions.begin() as session:
            operation = session.get(BulkOperation, operation_id)
            if operation is None:
                raise NotFoundError(f"no bulk operation with id {operation_id}")
            if operation.state == "done":
                return operation.result or {}
            operation.state = "running"
            ids = _targets(session, operation.selection)
            operation.total = len(ids)
            spec = _Spec(
                operation.action,
                operation.moderator,
                operation.moderator_id,
                operation.reason_code,
                operation.note,
            )
            selection = operation.selection
            request_id = operation.request_id
        changed: list[int] = []
        skipped: Counter[str] = Counter()
        if "ids" in selection:
            skipped["missing"] = len(set(selection["ids"])) - len(ids)
        try:
            for number, chunk in enumerate(_chunks(ids), start=1):
                with self.sessions.begin() as session:
                    self._decide_chunk(session, chunk, spec, request_id, changed, skipped)
                    progress = session.get(BulkOperation, operation_id)
                    assert progress is not None
                    progress.processed = min(len(ids), number * CHUNK)
                    progress.changed = len(changed)
        except Exception as error:
            self._finish(operation_id, "failed", error=str(error), changed=changed, skipped=skipped)
            raise
        return self._finish(operation_id, "done", changed=changed, skipped=skipped).result or {}

    @staticmethod
    def _decide_chunk(
        session: Session,
        chunk: list[int],
        spec: _Spec,
        request_id: str | None,
        changed: list[int],
        skipped: Counter[str],
    ) -> None:
        action, moderator, moderator_id, reason_code, note = spec
        to_status = ACTIONS[action]
        comments = session.scalars(
            select(Comment).where(Comment.id.in_(chunk)).order_by(Comment.id)
        )
        found = {comment.id: comment for comment in comments}
        claims = live_claims(session, chunk)
        facts = Prefetched.load(session, chunk)
        skipped["missing"] += len(chunk) - len(found)
        decided: list[int] = []
        # Audit and outbox rows are written in one batch at commit, not one flush per comment.
        with session.no_autoflush:
            for comment in found.values():
                if comment.status == to_status:
                    skipped["already"] += 1
                elif comment.status not in HUMAN_FROM[to_status]:
                    skipped["not_allowed"] += 1
                elif comment.id in claims and claims[comment.id].moderator != moderator:
                    skipped["claimed"] += 1
                else:
                    try:
                        human_decision(
                            session,
                            comment,
                            to_status,
                            comment.version,
                            moderator=moderator,
                            moderator_id=moderator_id,
                            reason_code=reason_code,
                            reason=f"bulk {action}",
                            note=note,
                            request_id=request_id,
                            prefetched=facts,
                        )
                        decided.append(comment.id)
                    except ConflictError:  # decided by someone else since it was read
                        skipped["conflict"] += 1
        drop_claims(session, decided)
        changed.extend(decided)

    def _finish(
        self,
        operation_id: int,
        state: str,
        *,
        error: str | None = None,
        changed: list[int] | None = None,
        skipped: Counter[str] | None = None,
    ) -> BulkOperation:
        with self.sessions.begin() as session:
            operation = session.get(BulkOperation, operation_id)
            assert operation is not None
            operation.state = state
            operation.error = error
            operation.finished_at = utcnow()
            if changed is not None:
                operation.changed = len(changed)
                operation.result = {"changed_ids": changed, "skipped": dict(skipped or {})}
                if state == "done":
                    operation.processed = operation.total
        return operation


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]
