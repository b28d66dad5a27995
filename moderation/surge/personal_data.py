"""What surge protection's tables hold about comment authors: nothing
(moderation/db/personal.py says what a declaration is)."""

from __future__ import annotations

from moderation.db.personal import Declaration, NoAuthorData

PERSONAL_DATA: tuple[Declaration, ...] = (
    NoAuthorData(
        "article_surge_actions",
        "what started, ended or pinned an article's surge: the surge itself or a moderator "
        "(name, account id, note) and the counts; never an author or a comment's text",
    ),
)
