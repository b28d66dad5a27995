"""Every table is accounted for: either it declares how an author's rows are found and erased,
or it says why it holds nothing about authors. A table added without either fails here, so the
export and the erasure cannot silently miss it (moderation/privacy/registry.py)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, Text

from moderation.db.personal import NoAuthorData, PersonalTable
from moderation.privacy.registry import DECLARATIONS, undeclared, unknown
from moderation.tables import metadata


def test_every_table_with_personal_looking_columns_is_declared() -> None:
    missing = undeclared(metadata())
    assert not missing, (
        "tables with columns that look personal but no declaration of what they hold about "
        f"comment authors: {missing}. Add a PersonalTable (how to find and erase an author's "
        "rows) or a NoAuthorData (why there is none) to the feature's personal_data.py and "
        "collect it in moderation/privacy/registry.py"
    )


def test_every_declaration_names_a_table_once_and_gives_a_reason() -> None:
    assert unknown(metadata()) == []
    names = [item.table for item in DECLARATIONS]
    assert len(names) == len(set(names)), "a table is declared twice"
    for item in DECLARATIONS:
        if isinstance(item, NoAuthorData):
            assert len(item.reason) > 20, item
        else:
            assert isinstance(item, PersonalTable) and item.holds, item


def test_a_new_table_with_personal_columns_is_caught() -> None:
    """What the merge of another feature's tables meets: a reporter's e-mail, a free-text
    statement, an id of a reader, or a JSON document, each without a declaration."""
    extra = MetaData()
    Table(
        "future_notices",
        extra,
        Column("id", Integer, primary_key=True),
        Column("reporter_email", String(200)),
    )
    Table("future_versions", extra, Column("id", Integer, primary_key=True), Column("body", Text))
    Table("future_runs", extra, Column("id", Integer, primary_key=True), Column("metrics", JSON))
    Table("counters", extra, Column("id", Integer, primary_key=True), Column("hits", Integer))
    Table("comments", extra, Column("id", Integer, primary_key=True), Column("text", Text))
    found = undeclared(extra)
    assert found == {
        "future_notices": ["reporter_email"],
        "future_versions": ["body"],
        "future_runs": ["metrics"],
    }
