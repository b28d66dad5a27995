"""Domain errors. The API maps each to one HTTP answer in one place (web/errors.py)."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of the errors a use case raises on purpose."""

    code = "error"


class NotFoundError(ServiceError):
    """The thing asked for does not exist (or is not visible to the caller)."""

    code = "not_found"


class ForbiddenError(ServiceError):
    """The caller is who they say, but may not do this (a role on another site, say)."""

    code = "forbidden"


class ConflictError(ServiceError):
    """The request clashes with the current state (a stale version, a reused key)."""

    code = "conflict"

    def __init__(self, message: str, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class InvalidRequestError(ServiceError):
    """The request is well-formed but names something that cannot be used."""

    code = "invalid"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ClaimedError(ServiceError):
    """Another moderator holds a live claim on the comment; take it over to act on it."""

    code = "claimed"

    def __init__(self, message: str, claimed_by: str, expires_at: str) -> None:
        super().__init__(message)
        self.claimed_by = claimed_by
        self.expires_at = expires_at


class RateLimitedError(ServiceError):
    """The caller sent more requests than its quota allows; try again after `retry_after`
    seconds. `limit` names the setting that refused it ("limits.comments_per_author") and
    `rate` the rate that was exceeded ("5 per 1 minute"), when a configured limit did."""

    code = "rate_limited"

    def __init__(
        self, message: str, retry_after: int, limit: str | None = None, rate: str | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.limit = limit
        self.rate = rate


class UnauthorizedError(ServiceError):
    """A commenter credential is needed and missing, or the one sent is refused.

    `reason` says which, as a code a client can act on (`token_expired`, `token_replayed`,
    `session_expired`, `token_required`, ...; docs/sites.md lists them).
    """

    code = "unauthorized"

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class UnavailableError(ServiceError):
    """A part the request needs is away for now (Redis, for a replay check); try again."""

    code = "unavailable"
