"""Admin endpoints for moderator accounts: people, their roles per site, their tokens.

Any admin may call them; what each may change is decided by the service (permissions.py): an
admin of every site ("*") manages everyone, an admin of site X manages roles on site X.
"""

from __future__ import annotations

from typing import Any

from moderation.accounts.schemas import (
    CreatedOut,
    GrantIn,
    IssuedOut,
    PeopleArgs,
    PersonIn,
    PersonList,
    PersonOut,
    RevokeIn,
    TokenIn,
    TokenOut,
)
from moderation.accounts.service import AccountService, NewPerson
from moderation.web.auth import current_principal, require_role
from moderation.web.blueprint import Blueprint
from moderation.web.context import service

blp = Blueprint(
    "accounts",
    __name__,
    url_prefix="/v1/admin/users",
    description="Moderator accounts: people, roles per site, tokens (admin)",
)


def _fields(item: Any, schema: type[Any] = PersonOut) -> dict[str, Any]:
    """The item's values for every field of `schema`, for the response schema to dump."""
    return {name: getattr(item, name) for name in schema._declared_fields if hasattr(item, name)}


@blp.route("", methods=["POST"])
@require_role("admin")
@blp.arguments(PersonIn)
@blp.response(201, CreatedOut)
@blp.alt_response(409, description="The login is taken")
def create(body: dict[str, Any]) -> Any:
    """Add a person with roles; the answer holds their first token, once."""
    created = service(AccountService).create(
        current_principal(),
        NewPerson(
            login=body["login"],
            display_name=body["display_name"],
            roles=[(grant["role"], grant["site_id"]) for grant in body["roles"]],
            token_label=body["token_label"],
        ),
    )
    return dict(_fields(created.person), token=created.token, token_id=created.token_id)


@blp.route("", methods=["GET"])
@require_role("admin")
@blp.arguments(PeopleArgs, location="query")
@blp.response(200, PersonList)
def list_people(args: dict[str, Any]) -> Any:
    """The people with a role on a site you administer (or on `site_id`), by login."""
    people = service(AccountService).people(
        current_principal(), args["site_id"], args["include_revoked"]
    )
    return {"items": people}


@blp.route("/<int:account_id>", methods=["GET"])
@require_role("admin")
@blp.response(200, PersonOut)
def get(account_id: int) -> Any:
    """One person: roles, tokens (never the tokens themselves) and when each was last used."""
    return service(AccountService).person(current_principal(), account_id)


@blp.route("/<int:account_id>/revoke", methods=["POST"])
@require_role("admin")
@blp.arguments(RevokeIn)
@blp.response(200, PersonOut)
def revoke(_body: dict[str, Any], account_id: int) -> Any:
    """Revoke a person and all their tokens; their next request is refused (401)."""
    return service(AccountService).revoke(current_principal(), account_id)


@blp.route("/<int:account_id>/roles", methods=["POST"])
@require_role("admin")
@blp.arguments(GrantIn)
@blp.response(200, PersonOut)
def grant(body: dict[str, Any], account_id: int) -> Any:
    """Give the person a role (moderator or admin) on a site ('*': every site); giving one
    they hold changes nothing."""
    return service(AccountService).grant(
        current_principal(), account_id, body["role"], body["site_id"]
    )


@blp.route("/<int:account_id>/roles/<site_id>/<role>", methods=["DELETE"])
@require_role("admin")
@blp.response(200, PersonOut)
def remove_role(account_id: int, site_id: str, role: str) -> Any:
    """Take `role` on `site_id` away from the person."""
    return service(AccountService).remove_role(current_principal(), account_id, role, site_id)


@blp.route("/<int:account_id>/tokens", methods=["POST"])
@require_role("admin")
@blp.arguments(TokenIn)
@blp.response(201, IssuedOut)
def issue_token(body: dict[str, Any], account_id: int) -> Any:
    """A new token for the person, shown once; their other tokens keep working."""
    issued = service(AccountService).issue_token(current_principal(), account_id, body["label"])
    return dict(_fields(issued.row, TokenOut), token=issued.token)


@blp.route("/<int:account_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@require_role("admin")
@blp.arguments(RevokeIn)
@blp.response(200, TokenOut)
def revoke_token(_body: dict[str, Any], account_id: int, token_id: int) -> Any:
    """Revoke one token; the next request that sends it is refused (401)."""
    return service(AccountService).revoke_token(current_principal(), account_id, token_id)
