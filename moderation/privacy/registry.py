"""Every table's declaration of what it holds about comment authors, collected in one place.

A feature with tables declares them in its own `personal_data.py` (moderation/db/personal.py
says how) and its tuple is added to `DECLARATIONS` here. The export reads, and the erasure
erases, every `PersonalTable` in this order. `undeclared` finds tables whose columns look
personal but that no feature declared: a test fails on them, so a table added later is not
silently left out of exports and erasures.
"""

from __future__ import annotations

import re

from sqlalchemy import JSON, Column, MetaData, Text

from moderation.accounts import personal_data as accounts
from moderation.articles import personal_data as articles
from moderation.comments import personal_data as comments
from moderation.db.personal import Declaration, NoAuthorData, PersonalTable
from moderation.dsa import personal_data as dsa
from moderation.events import personal_data as events
from moderation.learning import personal_data as learning
from moderation.perspective import personal_data as perspective
from moderation.policies import personal_data as policies
from moderation.review import personal_data as review
from moderation.sites import personal_data as sites
from moderation.surge import personal_data as surge
from moderation.transfer import personal_data as transfer
from moderation.webhooks import personal_data as webhooks

# The privacy feature's own table keeps pseudonyms and counts.
_OWN = (
    NoAuthorData(
        "privacy_requests",
        "who asked for an export, erasure or purge, and row counts; the subject only as a "
        "pseudonym, and a reason that may not name them",
    ),
)

# In this order: comments first, since their erasure writes the events (thread.changed) that
# the outbox's erasure then reduces to stubs like every other event about the subject; the
# deliveries before the outbox, since they find their events by what the outbox erasure removes.
DECLARATIONS: tuple[Declaration, ...] = (
    *comments.PERSONAL_DATA,
    *review.PERSONAL_DATA,
    *dsa.PERSONAL_DATA,
    *perspective.PERSONAL_DATA,
    *policies.PERSONAL_DATA,
    *webhooks.PERSONAL_DATA,
    *events.PERSONAL_DATA,
    *accounts.PERSONAL_DATA,
    *articles.PERSONAL_DATA,
    *sites.PERSONAL_DATA,
    *learning.PERSONAL_DATA,
    *surge.PERSONAL_DATA,
    *transfer.PERSONAL_DATA,
    *_OWN,
)

# Column names that suggest data about a person; Text and JSON columns are suspected whatever
# their names, since free text and documents can hold anything.
_PERSONAL_NAME = re.compile(
    r"text|name|e?mail|note|body|reason|description|payload|address|(^|_)ip(_|$)|author|"
    r"reader|reporter|user|login|phone|actor|moderator|_by$|token|error|appeal|statement",
    re.IGNORECASE,
)


def personal_tables() -> tuple[PersonalTable, ...]:
    """The tables that hold data about authors, in the order exports and erasures visit them."""
    return tuple(item for item in DECLARATIONS if isinstance(item, PersonalTable))


def looks_personal(column: Column[object]) -> bool:
    """Whether a column may hold data about a person: by its name, or free text or a document."""
    return bool(_PERSONAL_NAME.search(column.name)) or isinstance(column.type, (Text, JSON))


def undeclared(metadata: MetaData) -> dict[str, list[str]]:
    """Tables with columns that look personal and no declaration: table name to those columns."""
    declared = {item.table for item in DECLARATIONS}
    found: dict[str, list[str]] = {}
    for table in metadata.sorted_tables:
        suspects = [column.name for column in table.columns if looks_personal(column)]
        if suspects and table.name not in declared:
            found[table.name] = suspects
    return found


def unknown(metadata: MetaData) -> list[str]:
    """Declared tables the metadata does not have (a renamed or dropped table)."""
    return sorted({item.table for item in DECLARATIONS} - set(metadata.tables))
