"""Sites hold nothing about comment authors (moderation/db/personal.py says what a declaration
is)."""

from __future__ import annotations

from moderation.db.personal import Declaration, NoAuthorData

PERSONAL_DATA: tuple[Declaration, ...] = (
    NoAuthorData(
        "sites", "a site's name, origins and settings, and the staff member who changed them"
    ),
)
