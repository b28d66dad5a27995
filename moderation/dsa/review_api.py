"""DSA endpoints for the moderators of a site: the queue of notices of illegal content (status
changes, notes, decisions) and the queue of authors' appeals (decisions). docs/dsa.md."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import RAISE

from moderation.dsa.appeals import AppealService
from moderation.dsa.notices import Actor, NoticeService
from moderation.dsa.schemas import (
    AppealDecisionIn,
    AppealDetailOut,
    AppealPage,
    AppealQueueArgs,
    ModeratorAppealOut,
    NoteIn,
    NoticeDecisionIn,
    NoticeDetailOut,
    NoticePage,
    QueueArgs,
    StatusIn,
)
from moderation.dsa.vocabulary import AWAITING_REVIEW, UNDER_REVIEW
from moderation.web.auth import current_principal, require_role, require_site
from moderation.web.blueprint import Blueprint
from moderation.web.context import request_id, service

blp = Blueprint(
    "dsa_review",
    __name__,
    url_prefix="/v1/review/dsa",
    description="EU Digital Services Act: the moderators' notice and appeal queues",
)


def _actor() -> Actor:
    return Actor(g.moderator, g.get("moderator_id"), request_id())


def _my_sites(site_id: str | None) -> tuple[str, ...] | None:
    """The sites a queue covers: the one asked for (if the caller moderates it), else all the
    caller moderates (None: every site)."""
    if site_id is not None:
        require_site(site_id)
        return (site_id,)
    mine = current_principal().sites_for("moderator")
    return None if mine == "all" else tuple(sorted(mine))


# ---- the moderators' queues ----


@blp.route("/notices", methods=["GET"])
@require_role("moderator")
@blp.arguments(QueueArgs, location="query", unknown=RAISE)
@blp.response(200, NoticePage)
def notice_queue(args: dict[str, Any]) -> Any:
    """Notices of illegal content, oldest first: the open ones unless `status` says."""
    items = service(NoticeService).queue(
        _my_sites(args["site_id"]),
        args["status"] or [AWAITING_REVIEW, UNDER_REVIEW],
        args["after"],
        args["limit"],
    )
    more = len(items) == args["limit"]
    return {"items": items, "next_after": items[-1].id if more else None}


def _own_notice(notice_id: int) -> None:
    require_site(service(NoticeService).site_of(notice_id))


@blp.route("/notices/<int:notice_id>", methods=["GET"])
@require_role("moderator")
@blp.response(200, NoticeDetailOut)
def notice_detail(notice_id: int) -> Any:
    """A notice with its reporter, the comment as it stood, and its whole history."""
    return _notice_view(notice_id)


def _notice_view(notice_id: int) -> dict[str, Any]:
    detail = service(NoticeService).detail(notice_id)
    require_site(detail.notice.site_id)
    return {**_columns(detail.notice), "history": detail.history}


def _columns(row: Any) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


@blp.route("/notices/<int:notice_id>/status", methods=["POST"])
@require_role("moderator")
@blp.arguments(StatusIn)
@blp.response(200, NoticeDetailOut)
def notice_status_change(body: dict[str, Any], notice_id: int) -> Any:
    """Take a notice under review, put it back, or void it (with a note saying why)."""
    _own_notice(notice_id)
    service(NoticeService).change_status(notice_id, body["status"], body["note"], _actor())
    return _notice_view(notice_id)


@blp.route("/notices/<int:notice_id>/notes", methods=["POST"])
@require_role("moderator")
@blp.arguments(NoteIn)
@blp.response(200, NoticeDetailOut)
def notice_note(body: dict[str, Any], notice_id: int) -> Any:
    """Add a note to the notice's history (moderators only; the reporter never sees it)."""
    _own_notice(notice_id)
    service(NoticeService).add_note(notice_id, body["body"], _actor())
    return _notice_view(notice_id)


@blp.route("/notices/<int:notice_id>/decision", methods=["POST"])
@require_role("moderator")
@blp.arguments(NoticeDecisionIn)
@blp.response(200, NoticeDetailOut)
@blp.alt_response(409, description="Already decided or void; or the comment changed")
def notice_decision(body: dict[str, Any], notice_id: int) -> Any:
    """Decide a notice: ILLEGAL (with the legal grounds) removes the comment, LEGAL keeps it.
    The reporter is told (`dsa_notice.decided`); the author reads the statement of reasons."""
    _own_notice(notice_id)
    service(NoticeService).decide(
        notice_id, body["legality"], body["legal_grounds"], body["explanation"], _actor()
    )
    return _notice_view(notice_id)


@blp.route("/appeals", methods=["GET"])
@require_role("moderator")
@blp.arguments(AppealQueueArgs, location="query", unknown=RAISE)
@blp.response(200, AppealPage)
def appeal_queue(args: dict[str, Any]) -> Any:
    """Authors' appeals, oldest first: those awaiting review unless `status` says."""
    items = service(AppealService).queue(
        _my_sites(args["site_id"]),
        args["status"] or [AWAITING_REVIEW],
        args["after"],
        args["limit"],
    )
    more = len(items) == args["limit"]
    return {"items": items, "next_after": items[-1].id if more else None}


@blp.route("/appeals/<int:appeal_id>", methods=["GET"])
@require_role("moderator")
@blp.response(200, AppealDetailOut)
def appeal_detail(appeal_id: int) -> Any:
    """An appeal with the comment, who decided what is appealed, and its history."""
    detail = service(AppealService).detail(appeal_id)
    require_site(detail.appeal.site_id)
    return {
        **_columns(detail.appeal),
        "comment_text": detail.comment.text,
        "comment_status": detail.comment.status,
        "history": detail.history,
    }


@blp.route("/appeals/<int:appeal_id>/decision", methods=["POST"])
@require_role("moderator")
@blp.arguments(AppealDecisionIn)
@blp.response(200, ModeratorAppealOut)
@blp.alt_response(403, description="You decided what is appealed: another moderator decides")
@blp.alt_response(409, description="Already decided")
def appeal_decision(body: dict[str, Any], appeal_id: int) -> Any:
    """Uphold or reverse the appealed decision; a reversal publishes the comment. The author is
    told in the comment's status and by the `appeal.decided` webhook event."""
    appeals = service(AppealService)
    require_site(appeals.detail(appeal_id).appeal.site_id)
    return appeals.decide(appeal_id, body["outcome"], body["explanation"], _actor())
