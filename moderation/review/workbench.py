"""The moderators' workbench services, built once per app from its sessions, Redis and settings."""

from __future__ import annotations

import dataclasses

from redis import Redis
from sqlalchemy.orm import Session, sessionmaker

from moderation.config import Settings
from moderation.review.audit import AuditService
from moderation.review.authors import AuthorService
from moderation.review.bulk import BulkService, RQBulkQueue
from moderation.review.claims import ClaimService
from moderation.review.queues import QueueService
from moderation.review.readers import reader_key
from moderation.review.reports import ReportService
from moderation.review.stats import StatsService
from moderation.sites.service import SiteService
from moderation.surge.service import SurgeService


@dataclasses.dataclass(frozen=True)
class Workbench:
    queues: QueueService
    claims: ClaimService
    bulk: BulkService
    authors: AuthorService
    reports: ReportService
    audit: AuditService
    stats: StatsService


def build_workbench(
    sessions: sessionmaker[Session],
    redis: Redis,
    settings: Settings,
    sites: SiteService,
    surge: SurgeService | None = None,
) -> Workbench:
    review = settings.review
    reports = ReportService(
        sessions,
        review,
        sites,
        reader_key(settings.webhooks.secret_keys),
        surge,
    )
    return Workbench(
        queues=QueueService(sessions, surge),
        claims=ClaimService(sessions, review.claim_seconds),
        bulk=BulkService(sessions, RQBulkQueue(redis, review.bulk_queue)),
        authors=AuthorService(sessions),
        reports=reports,
        audit=AuditService(sessions),
        stats=StatsService(sessions),
    )
