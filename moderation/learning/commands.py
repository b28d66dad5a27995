"""`moderation model train` and `moderation model trained`: train a site model (an RQ job, or
here with --here) and list the trained models with their evaluation and status.
`moderation model distill`: a smaller screening model distilled from the configured one."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from pathlib import Path
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
    """Add `train`, `trained` and `distill` to the `moderation model` group."""

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

    @group.command("distill")
    @click.option(
        "--out",
        "out",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="The folder to write (model.ckpt, config/, evaluation.json); replaced if present.",
    )
    @click.option(
        "--texts",
        "text_files",
        multiple=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Texts to learn from: a CSV with a `text` column, or one text per line. Repeatable.",
    )
    @click.option(
        "--from-comments",
        is_flag=True,
        help="Learn from the newest comments in the database (every site, erased ones left out).",
    )
    @click.option(
        "--limit", type=click.IntRange(100, 10_000_000), default=100_000, show_default=True
    )
    @click.option("--layers", type=click.IntRange(1, 48), default=3, show_default=True)
    @click.option("--epochs", type=click.FloatRange(0.05, 50), default=2.0, show_default=True)
    @click.option(
        "--label-weights",
        type=click.Choice(["equal", "spread"]),
        default="spread",
        show_default=True,
        help="How labels weigh in the loss: alike, or each by the inverse of its logits' spread "
        "(keeps the rare labels' ranking in the cleared windows; docs/models.md).",
    )
    @click.option(
        "--threads", type=click.IntRange(0, 256), default=0, help="torch threads (0: all cores)."
    )
    def distill(
        out: Path,
        text_files: tuple[Path, ...],
        from_comments: bool,
        limit: int,
        layers: int,
        epochs: float,
        label_weights: str,
        threads: int,
    ) -> None:
        """Distil a smaller screening model from the configured model (docs/models.md).

        It needs text, not labels: the configured model's scores are what it learns. Point
        model.screen_checkpoint at OUT/model.ckpt; the evaluation says how far its scores
        stray from the model's on held-out texts, which sets model.screen_confirm_logits.
        """
        from moderation.learning.distill import distill as run
        from moderation.learning.distill import write_student
        from moderation.learning.encoder import load_base
        from moderation.pipeline.model import ModelUnavailableError

        chosen = settings()
        texts = [text for path in text_files for text in read_texts(path)]
        if from_comments:
            texts += comment_texts(chosen, limit)
        texts = [text for text in dict.fromkeys(texts) if text.strip()][:limit]
        if len(texts) < 100:
            raise click.ClickException(
                f"{len(texts)} texts to learn from: give at least 100 (--texts or --from-comments)"
            )
        if not chosen.model.checkpoint:
            raise click.ClickException(
                "distilling needs the model as a local checkpoint: set MODERATION_MODEL_CHECKPOINT "
                "and MODERATION_MODEL_CONFIG_DIR"
            )
        import torch

        if threads:
            torch.set_num_threads(threads)
        try:
            base = load_base(
                chosen.model.checkpoint, chosen.model.config_dir, chosen.learning.device
            )
            student, evaluation = run(
                base,
                texts,
                layers=layers,
                epochs=epochs,
                label_weights=label_weights,
                progress=lambda message: click.echo(message, err=True),
            )
        except (ModelUnavailableError, ValueError) as error:
            raise click.ClickException(str(error)) from error
        checkpoint = write_student(base, student, out, evaluation)
        click.echo(json.dumps({"checkpoint": str(checkpoint), **evaluation}, indent=2))


def read_texts(path: Path) -> list[str]:
    """A CSV file's `text` column, or a plain file's lines."""
    with path.open(encoding="utf-8", newline="") as handle:
        if path.suffix.lower() == ".csv":
            csv.field_size_limit(sys.maxsize)
            reader = csv.DictReader(handle)
            if "text" not in (reader.fieldnames or []):
                raise click.ClickException(f"{path}: a CSV file needs a `text` column")
            return [row["text"] for row in reader]
        return [line.rstrip("\n") for line in handle]


def comment_texts(settings: Settings, limit: int) -> list[str]:
    """The newest comments' texts, erased ones left out."""
    from sqlalchemy import select

    from moderation.comments.models import Comment
    from moderation.db.personal import ERASED
    from moderation.db.session import make_engine, make_session_factory

    sessions = make_session_factory(make_engine(settings.database.url))
    with sessions() as session:
        found = session.scalars(
            select(Comment.text)
            .where(Comment.text != ERASED)
            .order_by(Comment.id.desc())
            .limit(limit)
        )
        return list(found)
