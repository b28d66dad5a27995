"""Moderator endpoints: queues, a comment's full detail, claims, decisions, undo, bulk work."""

from __future__ import annotations

from typing import Any

from flask import g, url_for
from marshmallow import RAISE

from moderation.errors import ForbiddenError
from moderation.review.api.schemas import (
    BulkIn,
    BulkOut,
    ClaimIn,
    ClaimOut,
    DecisionIn,
    DecisionOut,
    GlossaryOut,
    MeOut,
    QueueArgs,
    QueuePage,
    ReasonCodesOut,
    ReviewDetail,
    UndoIn,
)
from moderation.review.bulk import BulkRequest
from moderation.review.glossary import glossary
from moderation.review.queues import QueueFilter
from moderation.review.service import REASON_CODES, Decision, ReviewService
from moderation.review.workbench import Workbench
from moderation.web.auth import current_principal, require_role, require_site
from moderation.web.blueprint import Blueprint
from moderation.web.context import request_id, service

blp = Blueprint(
    "review", __name__, url_prefix="/v1/review", description="Moderators' review queues"
)
_FILTER_FIELDS = (
    "site_id",
    "article_id",
    "author_id",
    "rule_id",
    "label",
    "min_score",
    "max_score",
    "since",
    "until",
)


def queue_filter(args: dict[str, Any]) -> QueueFilter:
    """The request's filter, narrowed to the sites the caller moderates."""
    if args.get("site_id") is not None:
        require_site(args["site_id"])
    return QueueFilter(**{name: args.get(name) for name in _FILTER_FIELDS}, site_ids=_my_sites())


def _my_sites() -> tuple[str, ...] | None:
    """The sites the caller moderates, None for every site."""
    mine = current_principal().sites_for("moderator")
    return None if mine == "all" else tuple(sorted(mine))


def _own_site(comment_id: int, role: str = "moderator") -> str:
    """The comment's site, if the caller holds `role` there; else 403 (404 if no comment)."""
    site = service(ReviewService).site_of(comment_id)
    require_site(site, role)
    return site


@blp.route("/queue", methods=["GET"])
@require_role("moderator")
@blp.arguments(QueueArgs, location="query", unknown=RAISE)
@blp.response(200, QueuePage)
def queue(args: dict[str, Any]) -> Any:
    """A queue (held by default), most in need of a human first, with counts for every queue.

    Filter by article, author, rule id, a model label's score range and a date range; sort by
    severity (highest label score, rule actions, report weight, and age), oldest or newest.
    """
    return service(Workbench).queues.page(
        args["queue"], queue_filter(args), args["sort"], args["cursor"], args["limit"]
    )


@blp.route("/me", methods=["GET"])
@require_role("moderator")
@blp.response(200, MeOut)
def me() -> Any:
    """Who the token belongs to, and their roles (the review page's sign-in check)."""
    principal = current_principal()
    return {
        "name": principal.name,
        "role": principal.role,
        "account_id": principal.account_id,
        "roles": [{"role": role, "site_id": site} for role, site in sorted(principal.grants)],
    }


@blp.route("/reason-codes", methods=["GET"])
@require_role("moderator")
@blp.response(200, ReasonCodesOut)
def reason_codes() -> Any:
    """The reason codes a decision may carry (the author sees the code of a rejection)."""
    return {"reason_codes": list(REASON_CODES)}


@blp.route("/glossary", methods=["GET"])
@require_role("moderator")
@blp.response(200, GlossaryOut)
def glossary_terms() -> Any:
    """Plain names and short explanations of rule ids, model labels, reason codes, report
    reasons, the author-facing codes and the queues (in the order the API knows them)."""
    return glossary()


@blp.route("/comments/<int:comment_id>", methods=["GET"])
@require_role("moderator")
@blp.response(200, ReviewDetail)
def detail(comment_id: int) -> Any:
    """Everything about one comment: every reason, reports, claim, author history, audit, and
    the comment it replies to."""
    _own_site(comment_id)
    return service(ReviewService).detail(comment_id)


@blp.route("/comments/<int:comment_id>/decision", methods=["POST"])
@require_role("moderator")
@blp.arguments(DecisionIn)
@blp.response(200, DecisionOut)
@blp.alt_response(409, description="The comment changed since you loaded it")
@blp.alt_response(423, description="Another moderator has claimed the comment")
def decide(body: dict[str, Any], comment_id: int) -> Any:
    """Approve or reject at the version you reviewed; 409 if someone or something moved first."""
    _own_site(comment_id)
    return service(ReviewService).decide(
        Decision(
            comment_id=comment_id,
            action=body["action"],
            version=body["version"],
            moderator=g.moderator,
            moderator_id=g.moderator_id,
            reason_code=body["reason_code"],
            note=body["note"],
            request_id=request_id(),
        )
    )


@blp.route("/comments/<int:comment_id>/undo", methods=["POST"])
@require_role("moderator")
@blp.arguments(UndoIn)
@blp.response(200, DecisionOut)
@blp.alt_response(409, description="Nothing of yours to undo, or the undo window has passed")
def undo(body: dict[str, Any], comment_id: int) -> Any:
    """Undo your last decision on a comment within the undo window (admins: anyone's)."""
    site = _own_site(comment_id)
    return service(ReviewService).undo(
        comment_id,
        body["version"],
        g.moderator,
        note=body["note"],
        request_id=request_id(),
        any_moderator=current_principal().can("admin", site),
        moderator_id=g.moderator_id,
    )


@blp.route("/comments/<int:comment_id>/claim", methods=["POST"])
@require_role("moderator")
@blp.arguments(ClaimIn)
@blp.response(200, ClaimOut)
@blp.alt_response(423, description="Another moderator has it; send takeover=true to take it")
def claim(body: dict[str, Any], comment_id: int) -> Any:
    """Claim the comment for a few minutes (claim again to renew); others cannot decide it."""
    _own_site(comment_id)
    return service(Workbench).claims.claim(comment_id, g.moderator, takeover=body["takeover"])


@blp.route("/comments/<int:comment_id>/claim", methods=["DELETE"])
@require_role("moderator")
@blp.response(204)
def release(comment_id: int) -> Any:
    """Give your claim back."""
    _own_site(comment_id)
    service(Workbench).claims.release(comment_id, g.moderator)


@blp.route("/bulk", methods=["POST"])
@require_role("moderator")
@blp.arguments(BulkIn)
@blp.response(202, BulkOut, description="Queued; poll status_url (GET /v1/review/bulk/<id>)")
@blp.alt_response(200, schema=BulkOut, description="A dry run: result.would_change")
def bulk(body: dict[str, Any]) -> Any:
    """Approve or reject a list of ids, or everything in a queue matching a filter, in a job."""
    selection = body["filter"]
    operation = service(Workbench).bulk.start(
        BulkRequest(
            moderator=g.moderator,
            moderator_id=g.moderator_id,
            action=body["action"],
            reason_code=body["reason_code"],
            note=body["note"],
            ids=body["ids"],
            site_ids=_my_sites(),
            queue=selection["queue"] if selection else None,
            where=queue_filter(selection) if selection else None,
            dry_run=body["dry_run"],
            request_id=request_id(),
        )
    )
    location = url_for("review.bulk_status", operation_id=operation.id)
    return operation, 200 if operation.dry_run else 202, {"Location": location}


@blp.route("/bulk/<int:operation_id>", methods=["GET"])
@require_role("moderator")
@blp.response(200, BulkOut)
def bulk_status(operation_id: int) -> Any:
    """A bulk operation's progress and, when done, what changed and what was skipped and why."""
    operation = service(Workbench).bulk.get(operation_id)
    mine = current_principal().sites_for("moderator")
    sites = operation.selection.get("sites")
    if (
        mine != "all"
        and operation.moderator != g.moderator
        and (sites is None or set(sites) - mine)
    ):
        raise ForbiddenError(f"bulk operation {operation_id} covers sites you do not moderate")
    return operation
