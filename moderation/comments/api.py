"""Public endpoints: post a comment, read its status, list an article's published comments."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request, url_for
from marshmallow import RAISE

from moderation.articles.ids import checked_article_id
from moderation.comments.counts import is_visible, public_status
from moderation.comments.edits import CommentEdits, Edit, Editor, check_author, editable_until
from moderation.comments.schemas import (
    CommentEditIn,
    CommentIn,
    CommentStatus,
    PostedComment,
    PublishedArgs,
    PublishedPage,
)
from moderation.comments.service import CommentService, NewComment
from moderation.comments.status_details import StatusDetails
from moderation.comments.thread_cache import ThreadCache, etag_of, surrogate_keys
from moderation.sites.commenters import CommenterService
from moderation.sites.routing import current_site, site_path, site_route
from moderation.sites.service import SiteService
from moderation.web import limits, openapi
from moderation.web.blueprint import Blueprint
from moderation.web.context import public_base, request_id, service, settings
from moderation.web.http_cache import PRIVATE, conditional, public_cache_control
from moderation.web.schemas import IdempotencyHeaders

blp = Blueprint(
    "comments", __name__, url_prefix="/v1", description="Post comments and read what is published"
)


def edit_window(site_id: str) -> int:
    """How long after posting a comment of this site may be edited (the site's, else ours)."""
    default = settings().comments.edit_window_seconds
    return service(SiteService).require(site_id).edit_window_seconds(default)


def status_view(comment: Any) -> dict[str, Any]:
    """A comment as its author sees it: never `reported`, and `visible` in the public list."""
    return {
        "id": comment.id,
        "site_id": comment.site_id,
        "article_id": comment.article_id,
        "status": public_status(comment),
        "visible": is_visible(comment),
        "public_reason": comment.public_reason,
        "parent_id": comment.parent_id,
        "created_at": comment.created_at,
        "decided_at": comment.decided_at,
        "status_url": public_base()
        + site_path(url_for("comments.get_comment", comment_id=comment.id)).lstrip("/"),
        "statement_of_reasons": _status_details().statement_of_reasons(comment),
        "version": comment.text_revision,
        "editable_until": editable_until(comment, edit_window(comment.site_id)),
    }


def _status_details() -> StatusDetails:
    """The app's status details (the DSA feature's), or the core's: none."""
    try:
        return service(StatusDetails)
    except LookupError:
        return StatusDetails()


@site_route(blp, "/articles/<article_id>/comments", methods=["POST"])
@blp.arguments(CommentIn)
@blp.arguments(IdempotencyHeaders, location="headers")
@blp.response(202, PostedComment, description="Stored; it will be scored in the background")
@blp.alt_response(200, schema=PostedComment, description="A retry with a known Idempotency-Key")
@blp.alt_response(
    401,
    description="A commenter session is needed (the site's `anonymous` is off: reason "
    "token_required) or the one sent is refused (session_expired, session_invalid, "
    "session_wrong_site)",
)
@blp.alt_response(429, description="Too many comments from this address, author or site")
@blp.doc(security=openapi.COMMENTER_SESSION_OPTIONAL)
def post_comment(body: dict[str, Any], headers: dict[str, Any], article_id: str) -> Any:
    """Post a comment. It is stored as pending and scored in the background.

    A signed-in reader's widget sends `Authorization: Bearer <session token>` (from
    commenter-sessions): the author's id and name are then the session's, and `author` in the
    body is ignored. Without one, `author` is required, and the site's `anonymous` setting
    decides whether the comment is taken.

    Send an `Idempotency-Key` header to make retries safe: the same key returns the same
    comment instead of posting it twice. Rate-limited per client address, per author and per
    site (429 with Retry-After).
    """
    site = current_site()
    author = service(CommenterService).author(
        site, request.headers.get("Authorization"), body["author"]
    )
    limits.hit("comments", author.id)  # the stored id: a verified one, or anon:<id>
    submitted = service(CommentService).submit(
        NewComment(
            site_id=site.id,
            article_id=checked_article_id(article_id),
            author_id=author.id,
            author_name=(author.name or "").strip(),
            author_verified=author.verified,
            text=body["text"],
            parent_id=body.get("parent_id"),
            idempotency_key=headers.get("idempotency_key"),
            request_id=request_id(),
        )
    )
    view = status_view(submitted.comment)
    view["edit_token"] = submitted.edit_token  # null for a verified author
    headers = {"Location": view["status_url"]}
    return view, (202 if submitted.created else 200), headers


@site_route(blp, "/comments/<int:comment_id>", methods=["PATCH"])
@blp.arguments(CommentEditIn)
@blp.response(200, CommentStatus, description="Edited: pending until the new text is decided")
@blp.alt_response(
    401,
    description="No proof of authorship: a verified reader's comment needs their commenter "
    "session (token_required), an anonymous one its edit_token (edit_token_required)",
)
@blp.alt_response(403, description="The session or edit token is not the comment author's")
@blp.alt_response(404, description="No such comment (on this site)")
@blp.alt_response(
    409,
    description="Stale `version` (reload and edit again; `current_version` says where it "
    "is), or a rejected comment, or one waiting for a moderator",
)
@blp.alt_response(
    422, description="Past the edit window (`edit_window_seconds`), or a bad or unchanged text"
)
@blp.alt_response(
    429,
    description="Too many tries from this address (the status limit), or too many comments and "
    "edits from this author or site",
)
def edit_comment(body: dict[str, Any], comment_id: int) -> Any:
    """Edit a comment, as its author, within the site's edit window.

    The author proves it as when posting: a verified reader sends their commenter session
    (`Authorization: Bearer <session token>`), an anonymous author the `edit_token` the answer
    that took the comment carried. Send the `version` you saw. The new text is moderated like
    a new comment: the comment is `pending` (and out of the public list) until it is decided;
    moderators see the earlier texts in the review detail, and webhooks get `comment.edited`.
    """
    limits.hit("status")  # every try counts per address, refused ones too
    named = current_site().id if g.get("site_named") else None
    comment = service(CommentService).get(comment_id, named)
    site = service(SiteService).require(comment.site_id)
    g.site_id = comment.site_id  # CORS and the limits go by the comment's own site
    commenter = service(CommenterService).session(site, request.headers.get("Authorization"))
    editor = Editor(commenter.id if commenter else None, body["edit_token"])
    # Proved before the author's quota is counted: nobody else can spend it for them.
    check_author(comment, editor)
    limits.hit("comments", comment.author_id)
    edited = service(CommentEdits).edit(
        Edit(
            comment_id=comment_id,
            site_id=site.id,
            text=body["text"],
            version=body["version"],
            editor=editor,
            window_seconds=edit_window(site.id),
            request_id=request_id(),
        )
    )
    return status_view(edited)


def _json(data: Any) -> bytes:
    return current_app.json.dumps(data).encode() + b"\n"


@site_route(blp, "/comments/<int:comment_id>", methods=["GET"])
@blp.response(200, CommentStatus, headers={"ETag": {"schema": {"type": "string"}}})
@blp.alt_response(304, description="Unchanged since the ETag sent in If-None-Match")
@blp.alt_response(429, description="Asked too often from this address or for this site")
def get_comment(comment_id: int) -> Any:
    """A comment's public status, for the widget to tell its author what happened.

    Comment ids are unique across sites, so the path without a site finds any site's comment;
    the path with one finds only that site's. Rate-limited per client address and per site (the
    path's: the default site's where it names none). `Cache-Control: private, no-cache`: only
    its author's browser keeps it, and asks again with `If-None-Match` (304 while unchanged).
    """
    limits.hit("status")
    named = current_site().id if g.get("site_named") else None
    comment = service(CommentService).get(comment_id, named)
    g.site_id = comment.site_id  # CORS goes by the comment's own site
    body = _json(CommentStatus().dump(status_view(comment)))
    return conditional(body, etag_of(body), PRIVATE)


@site_route(blp, "/articles/<article_id>/comments", methods=["GET"])
@blp.arguments(PublishedArgs, location="query", unknown=RAISE)
@blp.response(200, PublishedPage, headers={"ETag": {"schema": {"type": "string"}}})
@blp.alt_response(304, description="Unchanged since the ETag sent in If-None-Match")
def list_comments(args: dict[str, Any], article_id: str) -> Any:
    """Published comments, oldest or newest first, replies under their parents, by cursor.

    With `since` (the id of the newest comment the client has: a page's `latest_id`), only the
    comments published after it, oldest first, top-level and replies alike: what a reader who
    already has the thread needs, and the same page for every reader who is up to date.

    Cacheable by browsers and CDNs: a strong `ETag` (304 on `If-None-Match`), `Cache-Control:
    public` with the `[reads]` settings' ages, and the article's surrogate keys
    (`Surrogate-Key`, `Cache-Tag`) for purges. Pages are kept rendered in Redis and are never
    older than the last change to what readers see (docs/operations.md, "CDN").
    """
    site_id = current_site().id
    article = checked_article_id(article_id)
    newest = args["order"] == "newest"
    since = args["since"]
    comments = service(CommentService)

    def render(version: str | None) -> bytes:
        if since is not None:
            page = comments.published_since(
                site_id, article, since, args["cursor"], args["limit"], version=version
            )
        else:
            page = comments.published(
                site_id,
                article,
                args["cursor"],
                args["limit"],
                newest_first=newest,
                version=version,
            )
        return _json(PublishedPage().dump(page))

    # `since` pages sit beside the others under the article's version: any change that stales
    # a page (comments/thread_cache.py) stales them too.
    variant = "\x1f".join(
        [args["order"], args["cursor"] or "", str(args["limit"]), f"since={since or ''}"]
    )
    rendered = service(ThreadCache).page(site_id, article, variant, render)
    return conditional(
        rendered.body,
        rendered.etag,
        public_cache_control(settings().reads),
        surrogate_keys(site_id, article),
    )
