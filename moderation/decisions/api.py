"""The widget's pre-check of a draft: POST .../articles/<id>/comments:precheck (the nudge).

Nothing of the draft is stored: its text waits in Redis for a scoring worker for at most the
deadline (`nudge.deadline_ms`), and only counters remain. Rate-limited like posting (kind
"precheck"), and answered only for sites whose settings say `"nudge": true`.
"""

from __future__ import annotations

from typing import Any

from flask import request

from moderation.articles.ids import checked_article_id
from moderation.decisions.nudge import nudge_answer
from moderation.decisions.schemas import PrecheckIn, PrecheckOut
from moderation.decisions.service import DecisionService, DecisionUnavailableError, Draft
from moderation.sites.commenters import CommenterService
from moderation.sites.routing import current_site, site_route
from moderation.web import limits
from moderation.web.blueprint import Blueprint
from moderation.web.context import service, settings

blp = Blueprint(
    "precheck",
    __name__,
    url_prefix="/v1",
    description="Pre-check a draft before posting it (the nudge); nothing is stored",
)


@site_route(blp, "/articles/<article_id>/comments:precheck", methods=["POST"])
@blp.arguments(PrecheckIn)
@blp.response(200, PrecheckOut)
@blp.alt_response(401, description="The site needs a commenter session (as for posting)")
@blp.alt_response(429, description="Too many pre-checks from this address, author or site")
def precheck(body: dict[str, Any], article_id: str) -> Any:
    """What posting this draft would most likely do, and why, in public reason codes.

    The widget asks before posting when the site's `nudge` setting is on; when the answer says
    `nudge`, the author sees the reasons in plain words and may rephrase or post anyway. The
    answer is a forecast, not a decision: the comment is decided again once posted. Within
    `nudge.deadline_ms`, else `outcome` is `unknown`. The text is not stored.
    """
    site = current_site()
    article = checked_article_id(article_id)
    if not site.settings.get("nudge"):
        return {"enabled": False, "outcome": None, "nudge": False, "reasons": []}
    author = service(CommenterService).author(
        site, request.headers.get("Authorization"), body["author"]
    )
    limits.hit("precheck", author.id)
    draft = Draft(
        text=body["text"],
        site_id=site.id,
        article_id=article,
        author_id=author.id,
        author_verified=author.verified,
    )
    deadline = settings().nudge.deadline_ms / 1000.0
    try:
        decided = service(DecisionService).decide(draft, deadline, caller="precheck")
    except DecisionUnavailableError:
        decided = None
    return nudge_answer(decided)
