"""The accounts' tables hold moderators and admins, never comment authors (moderation/db/personal.py
says what a declaration is). People on staff are managed through /v1/admin/users."""

from __future__ import annotations

from moderation.db.personal import Declaration, NoAuthorData

_STAFF = "moderators and admins (staff), managed through /v1/admin/users; no comment author"

PERSONAL_DATA: tuple[Declaration, ...] = (
    NoAuthorData("accounts", _STAFF),
    NoAuthorData("account_roles", _STAFF),
    NoAuthorData("account_tokens", _STAFF + "; tokens kept as SHA-256 only"),
)
