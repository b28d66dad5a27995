"""The transfer feature as the app and the CLI use it: export lines, import a file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.work_queue import WorkQueue
from moderation.sites.service import SiteService
from moderation.transfer.export import ExportFilter, export_lines
from moderation.transfer.importer import CommentImporter, ImportSummary


class TransferService:
    """Comments out (NDJSON lines, streamed) and in (idempotent, batched)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        queue: WorkQueue | None = None,
        sites: SiteService | None = None,
    ) -> None:
        self.sessions = sessions
        self.queue = queue
        self.sites = sites

    def export(self, chosen: ExportFilter) -> Iterator[bytes]:
        """The export's lines, produced as they are read: iterate it to stream."""
        return export_lines(self.sessions, chosen)

    def import_lines(
        self, lines: Iterable[bytes | str], site_id: str | None = None, rescore: bool = False
    ) -> ImportSummary:
        """Import an export into `site_id` (else the site its header names), which must exist."""
        importer = CommentImporter(self.sessions, self.queue, self.sites)
        return importer.run(lines, site_id, rescore)
