"""`moderation model train` and `moderation model trained`: train a site model (an RQ job, or
here with --here) and list the trained models with their evaluation and status."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from moderation.config import Settings
from moderation.errors import InvalidRequestError, NotFoundError

if TYPE_CHECKING:
    from moderation.learning.service import LearningService


def _service(settings: Settings) -> LearningService:
    from moderation.db.session import make_engine, make_session_factory
    from moderation.learning.service import LearningService

    return LearningService(make_session_factory(make_engine(settings.database.url)), settings)


def add_model_commands(group: click.Group, settings: Callable[[], Settings]) -> None:
    """Add `train` and `trained` to the `moderation model` group."""

    @group.command("train")
    @click.option("--site", "site_id", default=None, help="The site (default: sites.default).")
    @click.option(
        "--here", is_flag=True, help="Train in this process and wait, instead of enqueueing a job."
    )
    @click.option("--actor", default="cli", show_default=True, help="Who asked, for the record.")
    def train(site_id: str | None, here: bool, actor: str) -> None:
        """Train a model for a site from its moderators' decisions (docs/learning.md).

        Enqueues a job on the learning.queue that `moderation worker` runs; with --here, trains
        now and prints the trained model, its evaluation and whether it became a candidate.
        """
        chosen = settings()
        site = site_id or chosen.sites.default
        if here:
            try:
                result = _service(chosen).train(site, actor)
            except (InvalidRequestError, NotFoundError) as error:
                raise click.ClickException(str(error)) from error
            click.echo(json.dumps(result, indent=2, default=str))
            return
        from redis import Redis

        from moderation.learning.jobs import enqueue_training

        if chosen.redis.url == "embedded":
            raise click.ClickException(
                "MODERATION_REDIS_URL=embedded has no worker to run the job: use --here"
            )
        identifier = enqueue_training(chosen, Redis.from_url(chosen.redis.url), site, actor)
        click.echo(json.dumps({"job_id": identifier, "queue": chosen.learning.queue, "site": site}))

    @group.command("trained")
    @click.option("--site", "site_id", default=None, help="Only this site's models.")
    @click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
    def trained(site_id: str | None, limit: int) -> None:
        """List the newest trained models: status, checkpoint, evaluation."""
        click.echo(json.dumps(_service(settings()).trained(site_id, limit), indent=2, default=str))
