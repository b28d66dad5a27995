"""Reader reports for tests: anonymous ones go through HTTP like a browser's; verified ones are
made at the service level, as the report endpoint makes them for a reader with a valid token."""

from __future__ import annotations

from typing import Any

from moderation.config import Settings
from moderation.review.models import Reader
from moderation.review.reports import NewReport, ReportService
from moderation.review.workbench import Workbench
from moderation.web.context import service_of


def report_service(app: Any) -> ReportService:
    """The report service an app built with `create_app` uses."""
    return service_of(app, Workbench).reports


def report_service_for(settings: Settings) -> ReportService:
    """A report service on the database and Redis of `settings`, as a web process builds it."""
    from moderation.app import create_app

    return report_service(create_app(settings))


def verified_report(
    reports: ReportService, comment_id: int, reader: str, reason: str = "abusive"
) -> Any:
    """A report from a reader the site vouched for; the comment as it stands after it."""
    return reports.report(
        NewReport(
            comment_id=comment_id,
            reader_id=reader,
            reason=reason,
            client="192.0.2.50",
            verified=True,
        )
    )


def reader_row(reports: ReportService, reader: str, site_id: str = "default") -> Reader | None:
    """The stored standing of a verified reader, or None when they have none."""
    with reports.sessions() as session:
        return session.get(Reader, (site_id, reader))
