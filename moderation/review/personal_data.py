"""What the workbench's tables hold about a person who comments and reports, and how an erasure
removes it (moderation/db/personal.py says what a declaration is).

A verified reader's id is the site's own user id, the same id their comments carry, so a
subject's reports as a reader are found by it. Anonymous readers' ids are keyed hashes of an
address (review/readers.py) and cannot be tied to an author.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, delete, or_, select, update
from sqlalchemy.orm import Session

from moderation.comments.models import Comment
from moderation.db.personal import Declaration, NoAuthorData, PersonalTable, Subject, execute
from moderation.review.models import BulkOperation, Reader, ReaderReport


def _reader(subject: Subject) -> Select[Any]:
    return select(Reader).where(
        Reader.site_id == subject.site_id, Reader.reader_id == subject.author_id
    )


def _erase_reader(session: Session, subject: Subject) -> int:
    return execute(
        session,
        delete(Reader).where(
            Reader.site_id == subject.site_id, Reader.reader_id == subject.author_id
        ),
    )


def _reports_made(subject: Subject) -> Any:
    """Their reports on their site's comments (a reader id is the site's, like an author id)."""
    on_site = select(Comment.id).where(Comment.site_id == subject.site_id)
    return ReaderReport.reader_id == subject.author_id, ReaderReport.comment_id.in_(on_site)


def _reports(subject: Subject) -> Select[Any]:
    return select(ReaderReport).where(*_reports_made(subject)).order_by(ReaderReport.id)


def _erase_reports(session: Session, subject: Subject) -> int:
    """The reports stay (they weighed in decisions), without their note and under the pseudonym;
    the reports others made on the subject's comments lose their notes, which may quote them."""
    changed = execute(
        session,
        update(ReaderReport)
        .where(*_reports_made(subject))
        .values(reader_id=subject.pseudonym, note=None),
    )
    if subject.comment_ids:
        session.execute(
            update(ReaderReport)
            .where(ReaderReport.comment_id.in_(subject.comment_ids))
            .values(note=None)
        )
    return changed


def _bulk(subject: Subject) -> Select[Any]:
    """Bulk operations a moderator narrowed to this author (the review queue's author filter)."""
    return (
        select(BulkOperation)
        .where(
            BulkOperation.selection["filter"]["author_id"].as_string() == subject.author_id,
            or_(
                BulkOperation.selection["filter"]["site_id"].as_string() == subject.site_id,
                BulkOperation.selection["filter"]["site_id"].as_string().is_(None),
            ),
        )
        .order_by(BulkOperation.id)
    )


def _erase_bulk(session: Session, subject: Subject) -> int:
    operations = list(session.scalars(_bulk(subject)))
    for operation in operations:
        selection = dict(operation.selection)
        selection["filter"] = {**selection["filter"], "author_id": subject.pseudonym}
        operation.selection = selection
        operation.note = None
    return len(operations)


PERSONAL_DATA: tuple[Declaration, ...] = (
    PersonalTable(
        "readers", "their weight as a verified reader who reports", _reader, _erase_reader
    ),
    PersonalTable(
        "reader_reports",
        "the reports they made as a reader, with their notes",
        _reports,
        _erase_reports,
    ),
    PersonalTable(
        "bulk_operations",
        "bulk decisions a moderator narrowed to them (the author filter)",
        _bulk,
        _erase_bulk,
    ),
    NoAuthorData(
        "review_claims", "a moderator's lease on a comment: the moderator's name, no author's"
    ),
)
