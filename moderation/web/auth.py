"""Bearer tokens for moderators and admins, and who holds them (`flask.g.principal`).

Two kinds of token are accepted. The environment's (`auth.moderator_tokens`,
`auth.admin_tokens`, "name:token" or just "token") are the bootstrap moderators and admins of
every site: kept only as SHA-256 hashes, a presented token is hashed and compared with every
known hash in constant time, so neither the comparison nor an early exit tells an attacker how
close a guess was. People's tokens (the accounts feature, `mod_...`) are looked up through an
`AccountLookup` the app wires in (`use_accounts`): one indexed query by the token's SHA-256 per
request, so a revoked token or person is refused by every web process at once. An index lookup
by hash leaks nothing useful through its timing either: a guesser cannot steer the hash of a
guess towards the hash of a real token. Wrong tokens are counted per client address
(web/throttle.py); past the limit they are answered 429.

This module is plumbing: it knows no feature. `require_site` is what a handler calls once it
knows the site of the resource it acts on.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request

from moderation.errors import ForbiddenError
from moderation.web import openapi
from moderation.web.errors import error_response
from moderation.web.principal import ALL_SITES, ROLES, AccountLookup, Principal
from moderation.web.throttle import wrong_credential

__all__ = ["ALL_SITES", "ROLES", "Principal", "require_role", "require_site", "use_accounts"]

F = TypeVar("F", bound=Callable[..., Any])
_TOKENS = "moderation_tokens"
_ACCOUNTS = "moderation_accounts"


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class TokenTable:
    """The environment's token hashes with their holder's name and role."""

    def __init__(self, moderator_tokens: Iterable[str], admin_tokens: Iterable[str]) -> None:
        self.entries: list[tuple[bytes, str, str]] = []
        for role, tokens in (("moderator", moderator_tokens), ("admin", admin_tokens)):
            for entry in tokens:
                name, _, secret = entry.rpartition(":")
                holder = name or f"{role}-{hashlib.sha256(secret.encode()).hexdigest()[:8]}"
                self.entries.append((_digest(secret), holder, role))

    def identify(self, token: str) -> tuple[str, str] | None:
        """(name, role) for a known token, else None. Checks every entry, match or not."""
        presented = _digest(token)
        found: tuple[str, str] | None = None
        for digest, name, role in self.entries:
            if hmac.compare_digest(digest, presented) and found is None:
                found = (name, role)
        return found

    def names(self) -> frozenset[str]:
        """The holders' names (an account may not take one: the audit trail would mix them)."""
        return frozenset(name for _, name, _ in self.entries)


def init_app(app: Flask) -> None:
    settings = app.config["MODERATION_SETTINGS"]
    app.extensions[_TOKENS] = TokenTable(settings.auth.moderator_tokens, settings.auth.admin_tokens)


def use_accounts(app: Flask, lookup: AccountLookup) -> None:
    """Accept people's tokens too, found by `lookup` (wired by the composition root)."""
    app.extensions[_ACCOUNTS] = lookup


def environment_names(app: Flask) -> frozenset[str]:
    """Names of the environment's token holders (after `init_app`)."""
    table: TokenTable = app.extensions[_TOKENS]
    return table.names()


def identify(token: str) -> Principal | None:
    """The holder of `token`: an environment token (a role on every site) or a person's."""
    table: TokenTable = current_app.extensions[_TOKENS]
    holder = table.identify(token)
    if holder is not None:
        name, role = holder
        return Principal.of(name, [(role, ALL_SITES)])
    lookup: AccountLookup | None = current_app.extensions.get(_ACCOUNTS)
    if lookup is not None and lookup.handles(token):
        return lookup.principal_for(token)
    return None


def _a(role: str) -> str:
    return "an" if role[:1] in {"a", "e", "i", "o", "u"} else "a"


def _unauthorised(message: str) -> Any:
    response = error_response(401, message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="moderation"'
    return response


def _too_many_wrong_tokens(wait: int) -> Any:
    response = error_response(
        429, f"too many wrong tokens from this address; retry in {wait} seconds"
    )
    response.headers["Retry-After"] = str(wait)
    return response


def require_role(role: str, *, all_sites: bool = False, on_site: bool = False) -> Callable[[F], F]:
    """Only holders of `role` on some site (admins hold every role on their sites) may call the
    view; with `all_sites`, only holders of `role` on every site ("*"), for what belongs to no
    one site (webhooks, score feedback); with `on_site`, only holders of `role` on the site the
    path names (`g.site_id`, set from `/v1/sites/<site>/...` or the default site before the
    view runs, sites/routing.py). The view finds the caller on `g.principal`, their name
    on `g.moderator` (what the audit trail and claims record), their account id on
    `g.moderator_id` (None for the environment's tokens) and their highest role on `g.role`;
    `require_site` checks a site."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if not header:
                return _unauthorised("Authorization header missing: send 'Bearer <token>'")
            if scheme.lower() != "bearer" or not token.strip():
                return _unauthorised("Authorization header must be 'Bearer <token>'")
            principal = identify(token.strip())
            if principal is None:
                wait = wrong_credential()
                if wait is not None:
                    return _too_many_wrong_tokens(wait)
                return _unauthorised("the bearer token is not valid")
            if all_sites and not principal.can(role, ALL_SITES):
                return error_response(
                    403, f"this endpoint needs {_a(role)} {role} of every site ('*')"
                )
            if not principal.holds(role):
                return error_response(403, f"this endpoint needs {_a(role)} {role} token")
            site_id = g.get("site_id")
            if on_site and (site_id is None or not principal.can(role, site_id)):
                return error_response(403, f"you are not {_a(role)} {role} of site {site_id}")
            g.principal = principal
            g.moderator = principal.name
            g.moderator_id = principal.account_id
            g.role = principal.role
            return view(*args, **kwargs)

        # The OpenAPI document says who may call it and what the check answers (web/openapi.py).
        openapi.declare(wrapper, security=openapi.role_security(role), errors=openapi.AUTH_ERRORS)
        return wrapper  # type: ignore[return-value]

    return decorate


def current_principal() -> Principal:
    """The caller of a view behind `require_role`."""
    principal: Principal | None = g.get("principal")
    if principal is None:
        raise RuntimeError("current_principal() outside a view behind require_role")
    return principal


def require_site(site_id: str, role: str = "moderator") -> Principal:
    """The caller, if they hold `role` on `site_id`; else a 403 naming the site."""
    principal = current_principal()
    if not principal.can(role, site_id):
        raise ForbiddenError(f"you are not {_a(role)} {role} of site {site_id}")
    return principal
