"""`moderation privacy export|erase|purge`: an author's data and the retention purge from the
command line, through the same services (and records) as the admin API."""

from __future__ import annotations

import datetime as dt
import getpass
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from moderation.config import Settings
from moderation.errors import InvalidRequestError, UnavailableError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker


def _actor() -> str:
    """The operator, as the record names them: `cli:` and their login on this machine."""
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _sessions(settings: Settings) -> sessionmaker[Session]:
    """Sessions whose commits raise the thread versions in Redis and enqueue the webhook
    fan-out, as the web tier's do (with Redis away, the webhook reconcile sends them later)."""
    from redis import Redis

    from moderation.comments.thread_cache import ThreadCache
    from moderation.db.session import make_engine, make_session_factory
    from moderation.webhooks.queue import WebhookQueue, notify_outbox_commits

    sessions = make_session_factory(make_engine(settings.database.url))
    redis = Redis.from_url(settings.redis.url, socket_timeout=5, socket_connect_timeout=2)
    ThreadCache(redis, settings.reads.cache_seconds).watch(sessions)
    notify_outbox_commits(sessions, WebhookQueue(redis, settings.webhooks.queue))
    return sessions


def privacy_group(load: Callable[..., Settings]) -> click.Group:
    """The `privacy` command group, reading settings with `load` when a command runs."""

    @click.group("privacy")
    def privacy() -> None:
        """An author's personal data (export, erase) and the retention purge."""

    @privacy.command("export")
    @click.argument("author_id")
    @click.option("--site", "site_id", default=None, help="The author's site (default site).")
    @click.option("--reason", default=None, help="Why (a ticket number); never their name.")
    @click.option(
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write the JSON here instead of standard output.",
    )
    def export(
        author_id: str, site_id: str | None, reason: str | None, output: Path | None
    ) -> None:
        """Everything about AUTHOR_ID on the site, as JSON (recorded)."""
        from moderation.privacy.service import PrivacyService, Requester

        settings = load()
        service = PrivacyService(_sessions(settings), settings)
        data = _run(
            lambda: service.export(
                site_id or settings.sites.default, author_id, Requester(_actor(), reason=reason)
            )
        )
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        if output is None:
            click.echo(text)
        else:
            output.write_text(text + "\n", encoding="utf-8")
            click.echo(f"wrote {output}", err=True)

    @privacy.command("erase")
    @click.argument("author_id")
    @click.option("--site", "site_id", default=None, help="The author's site (default site).")
    @click.option("--reason", required=True, help="Why (a ticket number); never their name.")
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def erase(author_id: str, site_id: str | None, reason: str, yes: bool) -> None:
        """Erase AUTHOR_ID on the site: texts and names blanked, ids pseudonymised (recorded)."""
        from moderation.privacy.service import PrivacyService, Requester

        settings = load()
        site = site_id or settings.sites.default
        if not yes:
            click.confirm(
                f"Erase author {author_id!r} of site {site!r}? This cannot be undone", abort=True
            )
        service = PrivacyService(_sessions(settings), settings)
        erasure = _run(lambda: service.erase(site, author_id, Requester(_actor(), reason=reason)))
        click.echo(
            json.dumps(
                {
                    "site_id": erasure.site_id,
                    "pseudonym": erasure.pseudonym,
                    "counts": erasure.counts,
                    "comment_ids": erasure.comment_ids,
                    "event_id": erasure.event_id,
                    "record_id": erasure.record_id,
                },
                indent=2,
            )
        )

    @privacy.command("purge")
    @click.option(
        "--now", "now", default=None, help="Purge as of this ISO 8601 time instead of the clock."
    )
    def purge(now: str | None) -> None:
        """Purge what is past its [retention] period now (the scheduler does it every hour)."""
        from moderation.db.base import utcnow
        from moderation.privacy.retention import RetentionService

        settings = load()
        try:
            at = dt.datetime.fromisoformat(now) if now else utcnow()
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--now") from error
        if at.tzinfo is None:
            raise click.BadParameter(
                "give a time zone (2026-01-31T00:00:00+00:00)", param_hint="--now"
            )
        counts = RetentionService(_sessions(settings), settings).purge(at, actor=_actor())
        click.echo(json.dumps(counts, indent=2))

    return privacy


def _run(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except (InvalidRequestError, UnavailableError) as error:
        raise click.ClickException(str(error)) from error
