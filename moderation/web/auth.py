"""Bearer tokens for moderators and admins.

Tokens come from configuration ("name:token" or just "token") and are kept only as SHA-256
hashes. A presented token is hashed and compared with every known hash in constant time, so
neither the comparison nor an early exit tells an attacker how close a guess was. Wrong tokens
are counted per client address (web/throttle.py); past the limit they are answered 429.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request

from moderation.web.errors import error_response
from moderation.web.throttle import wrong_credential

F = TypeVar("F", bound=Callable[..., Any])
ROLES = ("moderator", "admin")


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class TokenTable:
    """Known token hashes with their holder's name and role."""

    def __init__(self, moderator_tokens: Iterable[str], admin_tokens: Iterable[str]) -> None:
        self.entries: list[tuple[bytes, str, str]] = []
        for role, tokens in (("moderator", moderator_tokens), ("admin", admin_tokens)):
            for index, entry in enumerate(tokens):
                name, _, secret = entry.rpartition(":")
                holder = name or f"{role}-{hashlib.sha256(secret.encode()).hexdigest()[:8]}"
                self.entries.append((_digest(secret), holder, role))
                del index

    def identify(self, token: str) -> tuple[str, str] | None:
        """(name, role) for a known token, else None. Checks every entry, match or not."""
        presented = _digest(token)
        found: tuple[str, str] | None = None
        for digest, name, role in self.entries:
            if hmac.compare_digest(digest, presented) and found is None:
                found = (name, role)
        return found


def init_app(app: Flask) -> None:
    settings = app.config["MODERATION_SETTINGS"]
    app.extensions["moderation_tokens"] = TokenTable(
        settings.auth.moderator_tokens, settings.auth.admin_tokens
    )


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


def require_role(role: str) -> Callable[[F], F]:
    """Only holders of a `role` token (admins hold every role) may call the view."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if not header:
                return _unauthorised("Authorization header missing: send 'Bearer <token>'")
            if scheme.lower() != "bearer" or not token.strip():
                return _unauthorised("Authorization header must be 'Bearer <token>'")
            table: TokenTable = current_app.extensions["moderation_tokens"]
            holder = table.identify(token.strip())
            if holder is None:
                wait = wrong_credential()
                if wait is not None:
                    return _too_many_wrong_tokens(wait)
                return _unauthorised("the bearer token is not valid")
            name, held_role = holder
            if held_role != role and held_role != "admin":
                return error_response(403, f"this endpoint needs a {role} token")
            g.moderator = name
            g.role = held_role
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
