"""How a feature declares the personal data its tables hold about a comment author.

Each feature with tables says, in its own `personal_data.py`, for every table: how to find the
rows about one author (`PersonalTable.rows`, for an export) and how to erase them
(`PersonalTable.erase`: delete, or blank the text and put the pseudonym in place of the id), or
why the table holds nothing about authors (`NoAuthorData`). moderation/privacy/registry.py
collects the declarations; a test fails for any table of the metadata with columns that look
personal and no declaration, so a new table cannot be forgotten by the export and the erasure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from sqlalchemy import CursorResult, Executable, Select
from sqlalchemy.orm import Session

# What erased text and names read as afterwards: the same for every table, so a search for it
# counts what was erased.
ERASED = ""


@dataclasses.dataclass(frozen=True)
class Subject:
    """One author on one site, as an export or an erasure sees them.

    Collected before anything changes: their comments' ids and texts (feedback is found by the
    texts), the names they wrote under, and the pseudonym their rows keep after an erasure.
    """

    site_id: str
    author_id: str
    pseudonym: str
    comment_ids: tuple[int, ...] = ()
    comment_texts: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    # Who asked, for the audit records an erasure writes.
    requested_by: str = "system"
    requested_by_id: int | None = None
    request_id: str | None = None


@dataclasses.dataclass(frozen=True)
class PersonalTable:
    """A table that holds data about authors: how to find one author's rows, how to erase them.

    `rows` selects whole rows (a `select(Model)` or `select(table)`) for the export. `erase`
    runs in the erasure's transaction and answers how many rows it deleted or anonymised; it
    must leave no id, name, e-mail address or text of the subject behind (the pseudonym may stay).
    """

    table: str
    holds: str
    rows: Callable[[Subject], Select[Any]]
    erase: Callable[[Session, Subject], int]


@dataclasses.dataclass(frozen=True)
class NoAuthorData:
    """A table with columns that look personal but hold nothing about comment authors: why."""

    table: str
    reason: str


Declaration = PersonalTable | NoAuthorData


def execute(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE in the session's transaction; how many rows it touched."""
    result = session.execute(statement)
    return int(result.rowcount or 0) if isinstance(result, CursorResult) else 0
