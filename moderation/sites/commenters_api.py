"""Public endpoint: exchange a site's signed SSO token once for a commenter session token."""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import Schema, fields

from moderation.sites.commenters import CommenterService
from moderation.sites.routing import current_site, site_route
from moderation.web import openapi
from moderation.web.blueprint import Blueprint
from moderation.web.context import service
from moderation.web.schemas import StrictSchema

blp = Blueprint(
    "commenters",
    __name__,
    url_prefix="/v1",
    description="Signed-in readers: exchange a site's SSO token for a session",
)


class ExchangeIn(StrictSchema):
    """Nothing: the SSO token travels in the Authorization header."""


class CommenterOut(Schema):
    id = fields.String(metadata={"description": "The site's id for the reader (user.id)"})
    name = fields.String(metadata={"description": "The name shown with their comments"})


class SessionOut(Schema):
    token = fields.String(
        metadata={
            "description": "Send as 'Authorization: Bearer <token>' with comments and reports"
        }
    )
    expires_at = fields.DateTime(metadata={"description": "Exchange a new SSO token after it"})
    user = fields.Nested(CommenterOut, attribute="commenter")


@site_route(blp, "/commenter-sessions", methods=["POST"])
@blp.arguments(ExchangeIn)
@blp.response(201, SessionOut)
@blp.alt_response(
    401,
    description="The SSO token is refused; `reason` says why: token_missing, token_malformed, "
    "token_algorithm_not_allowed, token_signature_invalid, token_expired, token_not_yet_valid, "
    "token_wrong_site, token_wrong_issuer, token_claim_missing, token_claims_invalid, "
    "token_replayed",
)
@blp.alt_response(503, description="The replay check (Redis) is away; try again")
@blp.doc(security=openapi.SITE_SSO)
def exchange_token(body: dict[str, Any]) -> Any:
    """Exchange the site's SSO token (`Authorization: Bearer <jwt>`, single-use) for a session.

    The token is a JWT in the shape Coral's SSO uses: `{"jti", "exp", "iat", "user": {"id",
    "username"}}`, signed for this site. The session token answered is this service's own,
    bound to the site and the reader, good for many comments and reports until `expires_at`.
    """
    del body
    return service(CommenterService).exchange(current_site(), request.headers.get("Authorization"))
