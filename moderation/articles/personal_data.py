"""Article settings hold nothing about comment authors (moderation/db/personal.py says what a
declaration is)."""

from __future__ import annotations

from moderation.db.personal import Declaration, NoAuthorData

PERSONAL_DATA: tuple[Declaration, ...] = (
    NoAuthorData("article_settings", "an article's settings and the staff member who set them"),
)
