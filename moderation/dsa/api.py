"""Public DSA endpoints: notices of illegal content and their status, appeals (the signed-in
author), and the transparency report (the site's admins). The moderators' queues:
dsa/review_api.py. docs/dsa.md."""

from __future__ import annotations

from typing import Any

from flask import Response, g, request, url_for
from marshmallow import RAISE

from moderation.comments.service import CommentService
from moderation.dsa.appeals import AppealService, NewAppeal
from moderation.dsa.notices import NewNotice, NoticeService
from moderation.dsa.schemas import (
    AppealIn,
    AppealOut,
    NoticeIn,
    NoticeReceipt,
    NoticeStatusOut,
    TransparencyArgs,
    TransparencyOut,
)
from moderation.dsa.transparency import TransparencyService, as_csv, day_range
from moderation.errors import InvalidRequestError, UnauthorizedError
from moderation.sites.commenters import CommenterService
from moderation.sites.routing import current_site, site_route
from moderation.sites.service import SiteService
from moderation.web import limits
from moderation.web.auth import require_role
from moderation.web.blueprint import Blueprint
from moderation.web.context import public_base, request_id, service, settings

blp = Blueprint(
    "dsa",
    __name__,
    url_prefix="/v1",
    description="EU Digital Services Act: notices of illegal content, appeals, transparency",
)
SECRET_HEADER = "X-Notice-Secret"
NOTICE_REDRESS = (
    "If you disagree with the decision you may complain to the newsroom, turn to a certified "
    "out-of-court dispute settlement body (EU Digital Services Act, art. 21) or go to court."
)


# ---- notices: the public side ----


@blp.route("/dsa/notices", methods=["POST"])
@blp.arguments(NoticeIn)
@blp.response(201, NoticeReceipt)
@blp.alt_response(401, description="The commenter session sent is refused; `reason` says why")
@blp.alt_response(422, description="A field is wrong or a comment is not on the first's site")
@blp.alt_response(409, description="This signed-in reader already notified one of the comments")
@blp.alt_response(429, description="Too many notices from this address or to this site")
def submit_notice(body: dict[str, Any]) -> Any:
    """Notify the newsroom that comments are illegal (DSA art. 16), from anyone.

    Each comment named gets its own notice and reference, all under one `submission_id`; the
    answer is the acknowledgment: the references and a secret, shown once, that reads their
    status and decision (`GET /v1/dsa/notices/<reference>` with `X-Notice-Secret`). A
    `dsa_notice.received` webhook event carries the reporter's contact for the newsroom's
    mailer; `dsa_notice.decided` follows. With a commenter session (`Authorization: Bearer`),
    the notice also records the signed-in reader. Rate-limited per address and per site.
    """
    site = service(SiteService).require(service(CommentService).get(body["comment_id"]).site_id)
    g.site_id = site.id  # the per-site limit is the comment's site's
    reader = service(CommenterService).session(site, request.headers.get("Authorization"))
    limits.hit("notices")
    ids = [body["comment_id"], *body["additional_comment_ids"]]
    most = settings().dsa.max_comments_per_notice
    if len(set(ids)) > most:
        raise InvalidRequestError(
            f"names {len(set(ids))} comments; one notice may name {most} at most "
            "(dsa.max_comments_per_notice)",
            field="additional_comment_ids",
        )
    reporter = body["reporter"] or {}
    receipt = service(NoticeService).submit(
        NewNotice(
            site_id=site.id,
            comment_ids=ids,
            law_broken=body["law_broken"],
            explanation=body["explanation"],
            good_faith=body["good_faith"],
            reporter_name=reporter.get("name"),
            reporter_email=reporter.get("email"),
            reporter_id=reader.id if reader is not None else None,
            request_id=request_id(),
        )
    )
    return {
        "submission_id": receipt.submission_id,
        "secret": receipt.secret,
        "received_at": receipt.notices[0].created_at,
        "notices": [
            {
                "reference": notice.reference,
                "comment_id": notice.comment_id,
                "status": notice.status,
                "status_url": public_base()
                + url_for("dsa.notice_status", reference=notice.reference).lstrip("/"),
            }
            for notice in receipt.notices
        ],
    }


@blp.route("/dsa/notices/<reference>", methods=["GET"])
@blp.doc(
    parameters=[
        {
            "in": "header",
            "name": SECRET_HEADER,
            "required": True,
            "schema": {"type": "string"},
            "description": "The secret the notice's acknowledgment gave",
        }
    ]
)
@blp.response(200, NoticeStatusOut)
@blp.alt_response(404, description="No such notice, or not with this secret")
@blp.alt_response(429, description="Asked too often from this address")
def notice_status(reference: str) -> Any:
    """A notice's status, history and decision, for its reporter: send the secret given when
    it was made as `X-Notice-Secret`. No moderator's name or note is shown."""
    limits.hit("status")
    detail = service(NoticeService).for_reporter(reference, request.headers.get(SECRET_HEADER))
    notice = detail.notice
    return {
        "reference": notice.reference,
        "comment_id": notice.comment_id,
        "status": notice.status,
        "created_at": notice.created_at,
        "history": [step for step in detail.history if step.type != "NOTE"],
        "decision": notice,
        "redress": NOTICE_REDRESS,
    }


# ---- appeals: the author's side ----


@blp.route("/comments/<int:comment_id>/appeals", methods=["POST"])
@blp.arguments(AppealIn)
@blp.response(201, AppealOut)
@blp.alt_response(401, description="A commenter session is needed (reason session_required)")
@blp.alt_response(403, description="The session's reader did not write this comment")
@blp.alt_response(409, description="Nothing to appeal, already appealed, or too late")
@blp.alt_response(429, description="Too many appeals from this address, author or site")
def appeal(body: dict[str, Any], comment_id: int) -> Any:
    """Appeal the decision that holds or removed your comment (DSA art. 20), once per decision.

    Only the comment's author may, signed in: send the commenter session of the comment's site
    (`Authorization: Bearer <session token>`). Comments posted without signing in carry no
    proof of who wrote them, so they cannot be appealed here. A person decides; the outcome
    shows in the comment's status (`statement_of_reasons.redress.appeal`) and in an
    `appeal.decided` webhook event.
    """
    site = service(SiteService).require(service(CommentService).get(comment_id).site_id)
    g.site_id = site.id
    reader = service(CommenterService).session(site, request.headers.get("Authorization"))
    if reader is None:
        raise UnauthorizedError(
            "appeals are the signed-in author's: send the commenter session token",
            "session_required",
        )
    limits.hit("appeals", reader.id)
    return service(AppealService).appeal(
        NewAppeal(comment_id, site.id, reader.id, body["explanation"], request_id())
    )


# ---- transparency ----


@site_route(blp, "/dsa/transparency", methods=["GET"])
@require_role("admin", on_site=True)
@blp.arguments(TransparencyArgs, location="query", unknown=RAISE)
@blp.response(200, TransparencyOut)
@blp.doc(responses={"200": {"description": "JSON, or text/csv"}})
def transparency(args: dict[str, Any]) -> Any:
    """The site's transparency report (DSA art. 15, 24) for the days `from` to `to` (UTC, both
    included): restrictions by ground and by automated or human decision, notices by status and
    legality, appeals and outcomes, median time to decide. `format=csv` for a spreadsheet."""
    start, end = args["start"], args["end"]
    if end < start:
        raise InvalidRequestError("must not be before `from`", field="to")
    report = service(TransparencyService).report(current_site().id, *day_range(start, end))
    if args["format"] == "csv":
        filename = f"transparency-{current_site().id}-{start}-{end}.csv"
        return Response(
            as_csv(report),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return report
