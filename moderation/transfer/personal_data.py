"""What the transfer feature's table holds about comment authors: nothing
(moderation/db/personal.py says what a declaration is). Exports and imports read and write the
comments' own tables, which the comments feature declares."""

from __future__ import annotations

from moderation.db.personal import Declaration, NoAuthorData

PERSONAL_DATA: tuple[Declaration, ...] = (
    NoAuthorData(
        "database_identity",
        "one random id of this database, which makes exported comments' ids unique; no person",
    ),
)
