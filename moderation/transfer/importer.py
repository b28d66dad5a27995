"""Import an NDJSON export (records.py) into a site, idempotently. Each comment is known by its
`external_id`, kept in `comments.external_id`: a comment the site already has (imported before,
or exported from this very database, whose ids start with its `database_identity`) is left as it
is and counted as unchanged, so a second import of the same file changes nothing and its summary
says so. Authors' standing is added where the site has none; a standing the site already has is
kept (it may be newer than the file). Comments keep their state and decisions and are not scored
again, unless `rescore`: then each new one is put to `pending` (with an audit record saying why)
and enqueued for the scoring workers after its commit.

Records are read and written `BATCH` at a time, each batch one transaction: memory stays flat,
and an import stopped half way is finished by running it again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.counts import is_visible
from moderation.comments.intake import insert_comment
from moderation.comments.models import Author, AuthorAction, Comment, CommentVersion
from moderation.comments.priority import queue_columns
from moderation.comments.thread_cache import mark_thread_changed
from moderation.comments.transitions import THREAD_CHANGED_EVENT, add_event, insert_audit_rows
from moderation.comments.work_queue import WorkQueue
from moderation.db.base import utcnow
from moderation.errors import NotFoundError
from moderation.sites.service import SiteService
from moderation.transfer.identity import database_id
from moderation.transfer.records import RecordError, parse

BATCH = 200
RESCORE_REASON = "imported; to be scored again (--rescore)"


@dataclasses.dataclass
class ImportSummary:
    """What an import did, line by line counted."""

    site_id: str = ""
    comments_added: int = 0
    comments_unchanged: int = 0
    authors_added: int = 0
    authors_unchanged: int = 0
    replies_without_parent: int = 0
    rescored: int = 0
    complete: bool = False  # the file's end line was read and its counts matched

    @property
    def changed(self) -> bool:
        return bool(self.comments_added or self.authors_added)

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "changed": self.changed}


class CommentImporter:
    """Read records, write what the site lacks, in batches."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        queue: WorkQueue | None = None,
        sites: SiteService | None = None,
    ) -> None:
        self.sessions = sessions
        self.queue = queue
        self.sites = sites
        self.database = ""

    def run(
        self,
        lines: Iterable[bytes | str],
        site_id: str | None = None,
        rescore: bool = False,
    ) -> ImportSummary:
        """Import `lines` (a header first) into `site_id`, else the site the file names."""
        if rescore and self.queue is None:
            raise ValueError("rescoring needs a work queue")
        records = _numbered(lines)
        number, first = next(records, (1, None))
        if first is None:
            raise RecordError(1, "the file is empty: the first line must be the header")
        head = parse(number, first)
        if head["type"] != "header":
            raise RecordError(number, "the first line must be the header")
        summary = ImportSummary(site_id=site_id or head["site_id"])
        if self.sites is not None and self.sites.get(summary.site_id) is None:
            raise NotFoundError(f"no site {summary.site_id!r}")
        self.database = database_id(self.sessions)
        batch: list[dict[str, Any]] = []
        seen = {"author": 0, "comment": 0}
        for number, raw in records:
            if summary.complete:
                raise RecordError(number, "nothing may follow the end line")
            record = parse(number, raw)
            if record["type"] == "header":
                raise RecordError(number, "a second header")
            if record["type"] == "end":
                self._write(batch, summary, rescore)
                batch = []
                if (record["authors"], record["comments"]) != (seen["author"], seen["comment"]):
                    raise RecordError(
                        number,
                        f"the end line counts {record['authors']} authors and "
                        f"{record['comments']} comments; the file has {seen['author']} and "
                        f"{seen['comment']}",
                    )
                summary.complete = True
                continue
            seen[record["type"]] += 1
            batch.append(record)
            if len(batch) >= BATCH:
                self._write(batch, summary, rescore)
                batch = []
        self._write(batch, summary, rescore)
        return summary

    def _write(self, batch: list[dict[str, Any]], summary: ImportSummary, rescore: bool) -> None:
        if not batch:
            return
        queued: list[int] = []
        with self.sessions.begin() as session:
            comments = [record for record in batch if record["type"] == "comment"]
            wanted = {r["external_id"] for r in comments}
            wanted |= {r["parent_external_id"] for r in comments if r["parent_external_id"]}
            known = _known(session, summary.site_id, wanted, self.database)
            written = _Rows()
            shown: dict[str, Comment] = {}  # an article whose readers' page changes
            for record in batch:
                if record["type"] == "author":
                    _author(session, summary, record)
                    continue
                comment = _comment(session, summary, record, rescore, known, written)
                if comment is None:
                    continue
                if rescore:
                    queued.append(comment.id)
                elif is_visible(comment):
                    shown.setdefault(comment.article_id, comment)
            written.insert(session)
            for comment in shown.values():
                mark_thread_changed(session, comment.site_id, comment.article_id)
                # No webhook endpoint hears it; the CDN purge does (webhooks/purges.py).
                add_event(session, THREAD_CHANGED_EVENT, comment)
        if queued and self.queue is not None:
            self.queue.enqueue_scoring(queued, None)
            summary.rescored += len(queued)


@dataclasses.dataclass
class _Rows:
    """A batch's audit and version rows, inserted with one statement each."""

    audits: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    versions: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def insert(self, session: Session) -> None:
        if self.audits:
            insert_audit_rows(session, self.audits)
        if self.versions:
            session.execute(insert(CommentVersion), self.versions)


def _numbered(lines: Iterable[bytes | str]) -> Iterator[tuple[int, bytes | str]]:
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield number, line


def _author(session: Session, summary: ImportSummary, record: dict[str, Any]) -> None:
    if session.get(Author, (summary.site_id, record["id"])) is not None:
        summary.authors_unchanged += 1
        return
    session.add(
        Author(
            site_id=summary.site_id,
            author_id=record["id"],
            status=record["status"],
            reason=record["reason"],
            updated_by=record["updated_by"],
            updated_at=record["updated_at"],
        )
    )
    for action in record["actions"]:
        session.add(
            AuthorAction(
                site_id=summary.site_id,
                author_id=record["id"],
                from_status=action["from_status"],
                to_status=action["to_status"],
                reason=action["reason"],
                actor=action["actor"],
                comments_rejected=action["comments_rejected"],
                created_at=action["at"],
            )
        )
    session.flush()
    summary.authors_added += 1


def _known(
    session: Session, site_id: str, external_ids: set[str], database: str
) -> dict[str, tuple[int, int]]:
    """The site's comments with these external ids, as (id, root_id): those imported with one,
    and this database's own comments, named by the `<database id>:<id>` it exports them as."""
    if not external_ids:
        return {}
    found = {
        row.external_id: (row.id, row.root_id or row.id)
        for row in session.execute(
            select(Comment.external_id, Comment.id, Comment.root_id).where(
                Comment.site_id == site_id, Comment.external_id.in_(external_ids)
            )
        )
    }
    own: dict[int, str] = {}
    for external in external_ids - set(found):
        prefix, _, number = external.rpartition(":")
        if prefix == database and number.isdigit() and len(number) < 19:
            own[int(number)] = external
    if own:
        for row in session.execute(
            select(Comment.id, Comment.root_id).where(
                Comment.id.in_(own), Comment.site_id == site_id, Comment.external_id.is_(None)
            )
        ):
            found[own[row.id]] = (row.id, row.root_id or row.id)
    return found


def _comment(
    session: Session,
    summary: ImportSummary,
    record: dict[str, Any],
    rescore: bool,
    known: dict[str, tuple[int, int]],
    written: _Rows,
) -> Comment | None:
    """Insert the record's comment; its decisions and earlier texts go to `written`. None when
    the site already has it."""
    if record["external_id"] in known:
        summary.comments_unchanged += 1
        return None
    parent = known.get(record["parent_external_id"] or "")
    if record["parent_external_id"] is not None and parent is None:
        summary.replies_without_parent += 1
    status, verdict = record["status"], record["verdict"]
    version = record["version"]
    if rescore:
        status, verdict, version = "pending", None, version + 1
    values = {
        "site_id": summary.site_id,
        "article_id": record["article_id"],
        "author_id": record["author"]["id"],
        "author_name": record["author"]["name"],
        "author_verified": record["author"]["verified"],
        "text": record["text"],
        "parent_id": parent[0] if parent is not None else None,
        "root_id": parent[1] if parent is not None else None,
        "status": status,
        "version": version,
        "public_reason": None if rescore else record["reason_code"],
        "verdict": verdict,
        "hidden": record["hidden"],
        "report_weight": record["report_weight"],
        "created_at": record["created_at"],
        "updated_at": record["decided_at"] or record["created_at"],
        "decided_at": None if rescore else record["decided_at"],
        "edited_at": record["edited_at"],
        # The text after its earlier ones: the next edit here numbers its version after them.
        "text_revision": max((old["revision"] for old in record["versions"]), default=0) + 1,
        "external_id": record["external_id"],
        **queue_columns(verdict, record["created_at"], record["report_weight"]),
    }
    comment = insert_comment(session, values)
    known[record["external_id"]] = (comment.id, comment.root_id or comment.id)
    written.audits.extend(
        {
            "comment_id": comment.id,
            "actor_type": decision["actor_type"],
            "actor": decision["actor"],
            "from_status": decision["from_status"],
            "to_status": decision["to_status"],
            "reason_code": decision["reason_code"],
            "reason": decision["reason"],
            "note": decision["note"],
            "version": decision["version"],
            "created_at": decision["at"],
        }
        for decision in record["decisions"]
    )
    if rescore:
        written.audits.append(
            {
                "comment_id": comment.id,
                "actor_type": "system",
                "actor": "import",
                "from_status": record["status"],
                "to_status": "pending",
                "reason_code": None,
                "reason": RESCORE_REASON,
                "note": None,
                "version": version,
                "created_at": utcnow(),
            }
        )
    written.versions.extend(
        {
            "comment_id": comment.id,
            "revision": old["revision"],
            "text": old["text"],
            "status": old["status"],
            "public_reason": old["reason_code"],
            "verdict": old["verdict"],
            "comment_version": old["version"],
            "written_at": old["written_at"],
            "replaced_at": old["replaced_at"],
        }
        for old in record["versions"]
    )
    summary.comments_added += 1
    return comment
