"""Coral's External Moderation Phase endpoint: POST /v1/sites/<site>/coral/phase, or
/v1/coral/phase for a tenant whose Coral sites `coral.sites` maps to sites here (else the
default site). Configure its URL and the signing secret in Coral's admin
(Configure, Moderation, External moderation phases); docs/coral.md.

The signature is checked over the raw body before anything is parsed: no secret configured for
the site, 403; no header, 401; a wrong one, 403 (and counted against the address, web/throttle).
The comment is decided within `coral.deadline_ms`; nothing of it is stored.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Response, g, request
from marshmallow import ValidationError

from moderation.articles.ids import checked_article_id
from moderation.coral import signature
from moderation.coral.phase import STAFF_ROLES, UNDECIDED, answer
from moderation.coral.schemas import CoralPhaseRequest, CoralPhaseResponse
from moderation.decisions.service import DecisionService, DecisionUnavailableError, Draft
from moderation.errors import (
    ForbiddenError,
    InvalidRequestError,
    RateLimitedError,
    UnauthorizedError,
)
from moderation.sites.routing import current_site, site_route
from moderation.sites.service import SiteService, SiteView
from moderation.web.blueprint import Blueprint
from moderation.web.context import request_id, service, settings
from moderation.web.errors import flatten_messages
from moderation.web.throttle import wrong_credential

log = logging.getLogger(__name__)

blp = Blueprint(
    "coral",
    __name__,
    url_prefix="/v1",
    description="Coral Talk's External Moderation Phase: each new or edited comment, decided now",
)


def _check_signature(site_id: str) -> None:
    secrets = settings().coral.secrets_for(site_id)
    if not secrets:
        raise ForbiddenError(
            f"site {site_id} has no Coral signing secret (coral.secrets): calls are refused"
        )
    header = request.headers.get(signature.HEADER)
    if not header:
        raise UnauthorizedError(
            f"the {signature.HEADER} header is missing", reason="signature_missing"
        )
    if not signature.verify(request.get_data(cache=True), header, secrets):
        refused_for = wrong_credential()
        if refused_for is not None:
            raise RateLimitedError(
                "too many requests with a wrong signature from this address",
                retry_after=refused_for,
            )
        raise ForbiddenError(f"the {signature.HEADER} header does not sign this body")


@site_route(blp, "/coral/phase", methods=["POST"])
@blp.doc(
    parameters=[
        {
            "in": "header",
            "name": signature.HEADER,
            "required": True,
            "schema": {"type": "string"},
            "description": "sha256=<hex HMAC-SHA256 of the raw body under the phase's signing "
            "secret>, several comma-separated while Coral rotates it",
        }
    ],
    requestBody={"content": {"application/json": {"schema": CoralPhaseRequest}}},
)
@blp.response(200, CoralPhaseResponse, description="Held, rejected, or PREMOD (undecided)")
@blp.alt_response(204, description="Approved: nothing to add, Coral's own phases go on")
@blp.alt_response(401, description="No X-Coral-Signature header")
@blp.alt_response(403, description="A wrong signature, or no secret configured for the site")
@blp.alt_response(422, description="Not Coral's request shape (the message names the field)")
def coral_phase() -> Any:
    """Decide a comment Coral is about to store, in Coral's External Moderation Phase shape.

    Rejected: `{"status": "REJECTED", "actions": [{"actionType": "FLAG", "reason":
    "COMMENT_DETECTED_TOXIC", ...}]}`; held: the same with `SYSTEM_WITHHELD`; approved: 204;
    the model not answering within `coral.deadline_ms`: `{"status": "PREMOD"}` (Coral's
    pre-moderation queue, never publication). Nothing of the comment is stored.
    """
    site = _site()
    _check_signature(site.id)
    try:
        raw = request.get_json(force=True, silent=False)
        phase = CoralPhaseRequest().load(raw if isinstance(raw, dict) else {})
    except ValidationError as error:
        raise InvalidRequestError("; ".join(flatten_messages(error.messages))) from None
    text = phase["comment"]["body"]
    if not text.strip():
        return Response(status=204)  # nothing to judge (a GIF or an embed alone)
    role = str(phase["author"]["role"]).upper()
    draft = Draft(
        text=text,
        site_id=site.id,
        article_id=phase["story"]["id"] if _is_article_id(phase["story"]["id"]) else "",
        author_id=phase["author"]["id"],
        author_trusted=role in STAFF_ROLES,
        record_here=False,
    )
    deadline = settings().coral.deadline_ms / 1000.0
    try:
        decided = service(DecisionService).decide(draft, deadline, caller="coral")
        status, body = answer(decided)
        outcome = decided.outcome
    except DecisionUnavailableError as error:
        log.warning("Coral phase answered PREMOD: %s", error)
        status, body, outcome = 200, UNDECIDED, "unknown"
    log.info(
        "coral phase: site=%s action=%s outcome=%s status=%s request=%s",
        site.id,
        phase["action"],
        outcome,
        (body or {}).get("status", "-"),
        request_id(),
    )
    if body is None:
        return Response(status=204)
    return CoralPhaseResponse().dump(body), status


def _site() -> SiteView:
    """The URL's site; for the path without one, the site `coral.sites` names for the body's
    Coral site id (read before the signature is checked only to choose whose secret checks it),
    else the default site."""
    site = current_site()
    if g.get("site_named"):
        return site
    try:
        body = json.loads(request.get_data(cache=True))
        coral_site = body["site"]["id"] if isinstance(body, dict) else None
    except (ValueError, KeyError, TypeError):
        coral_site = None
    mapped = settings().coral.site_for(coral_site) if isinstance(coral_site, str) else None
    if mapped is None:
        return site
    found = service(SiteService).require(mapped)
    g.site, g.site_id = found, found.id
    return found


def _is_article_id(value: str) -> bool:
    """Whether Coral's story id can be an article id here (its settings then apply)."""
    try:
        checked_article_id(value)
    except InvalidRequestError:
        return False
    return True
