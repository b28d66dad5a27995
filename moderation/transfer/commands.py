"""`moderation comments export|import`: the NDJSON transfer from the command line
(docs/transfer.md). Export writes what `GET /v1/sites/<site>/export` streams; import is
idempotent and prints its summary as JSON."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from typing import IO, Any

import click

from moderation.config import Settings


def _when(value: str | None, name: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter("must be an ISO 8601 time", param_hint=name) from error
    if moment.tzinfo is None:
        raise click.BadParameter("must carry its time zone (Z or +01:00)", param_hint=name)
    return moment


def comments_group(settings: Callable[[], Settings]) -> click.Group:
    """The `comments` command group; `settings` loads the settings when a command runs."""

    @click.group("comments")
    def comments() -> None:
        """Comments in and out as NDJSON (docs/transfer.md)."""

    @comments.command("export")
    @click.option("--site", "site_id", default=None, help="The site (default: the default site).")
    @click.option("--article", "article_id", default=None, help="Only this article's comments.")
    @click.option("--since", default=None, help="Posted at or after (ISO 8601, with zone).")
    @click.option("--until", default=None, help="Posted before (ISO 8601, with zone).")
    @click.option("--output", "-o", type=click.File("wb"), default="-", show_default=True)
    def export(
        site_id: str | None,
        article_id: str | None,
        since: str | None,
        until: str | None,
        output: IO[bytes],
    ) -> None:
        """Write a site's comments, decisions and authors as NDJSON, streamed."""
        from moderation.db.session import make_engine, make_session_factory
        from moderation.transfer.export import ExportFilter
        from moderation.transfer.service import TransferService

        loaded = settings()
        start, stop = _when(since, "--since"), _when(until, "--until")
        if start is not None and stop is not None and stop <= start:
            raise click.BadParameter("must be after --since", param_hint="--until")
        sessions = make_session_factory(make_engine(loaded.database.url))
        chosen = ExportFilter(site_id or loaded.sites.default, article_id, start, stop)
        for line in TransferService(sessions).export(chosen):
            output.write(line)

    @comments.command("import")
    @click.argument("source", type=click.File("rb"), default="-")
    @click.option("--site", "site_id", default=None, help="Into this site (default: the file's).")
    @click.option(
        "--rescore",
        is_flag=True,
        help="Put imported comments to pending and have the scoring workers decide them again.",
    )
    def import_(source: IO[bytes], site_id: str | None, rescore: bool) -> None:
        """Import an export; comments already here are left as they are (idempotent)."""
        from redis import Redis

        from moderation.comments.thread_cache import ThreadCache
        from moderation.db.session import make_engine, make_session_factory
        from moderation.errors import NotFoundError
        from moderation.scoring.queue import RQWorkQueue
        from moderation.sites.service import SiteService
        from moderation.transfer.records import RecordError
        from moderation.transfer.service import TransferService

        loaded = settings()
        sessions = make_session_factory(make_engine(loaded.database.url))
        redis = Redis.from_url(loaded.redis.url, socket_timeout=5, socket_connect_timeout=2)
        # Readers' cached pages of the articles that gain published comments go stale at once.
        ThreadCache(redis, loaded.reads.cache_seconds).watch(sessions)
        queue = RQWorkQueue(redis, loaded.redis.score_queue)
        transfer = TransferService(sessions, queue, SiteService(sessions, loaded))
        try:
            summary = transfer.import_lines(source, site_id, rescore)
        except RecordError as error:
            raise click.ClickException(f"not imported: {error}") from error
        except NotFoundError as error:
            raise click.ClickException(f"{error}: add it first (moderation sites add)") from error
        report: dict[str, Any] = summary.as_dict()
        click.echo(json.dumps(report, indent=2))
        if not summary.changed:
            click.echo("nothing changed: every comment and author was already here", err=True)
        if not summary.complete:
            click.echo("the file has no end line: it may be cut off", err=True)
            sys.exit(1)

    return comments
