"""`moderation privacy export|erase|purge` as an operator runs them: a process on the real
database, the same services and records as the admin API, errors that name the problem."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from redis import Redis
from rq import Queue
from sqlalchemy import select

from moderation.comments.models import Comment
from moderation.db.session import make_engine, make_session_factory
from moderation.privacy.models import PrivacyRequest
from tests.support.live import run_cli
from tests.support.settings import model_files, service_env
from tests.support.workbench import comment_row, insert_comments


def run_privacy(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(env, "privacy", *args)


def test_the_privacy_commands(
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    clean_state: None,
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        **service_env(database_url, redis_url, model_files(tiny_model)),
        "MODERATION_RETENTION_FEEDBACK_DAYS": "30",
    }
    [comment_id] = insert_comments(
        database_url, [comment_row(status="approved", author_id="cli-author", text="Mine, 7781")]
    )
    exported = run_privacy(env, "export", "cli-author", "--output", str(tmp_path / "out.json"))
    assert exported.returncode == 0, exported.stderr
    data = json.loads((tmp_path / "out.json").read_text())
    assert [row["text"] for row in data["tables"]["comments"]["rows"]] == ["Mine, 7781"]

    refused = run_privacy(env, "erase", "cli-author", "--reason", "asked by Cli-Author", "--yes")
    assert refused.returncode == 1 and "must not name the author" in refused.stderr

    erased = run_privacy(env, "erase", "cli-author", "--reason", "ticket 12", "--yes")
    assert erased.returncode == 0, erased.stderr
    answer = json.loads(erased.stdout)
    assert answer["comment_ids"] == [comment_id] and answer["pseudonym"].startswith("erased:")
    # author.erased is on its way to receivers: the fan-out job is enqueued, as by the API.
    assert Queue("webhooks", connection=Redis.from_url(redis_url)).count >= 1

    purged = run_privacy(env, "purge", "--now", "2126-06-01T00:00:00+00:00")
    assert purged.returncode == 0, purged.stderr
    assert json.loads(purged.stdout)["feedback"] == 0

    sessions = make_session_factory(make_engine(database_url))
    with sessions() as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        assert (comment.text, comment.author_id) == ("", answer["pseudonym"])
        records = session.scalars(select(PrivacyRequest).order_by(PrivacyRequest.id)).all()
        assert [(r.kind, r.actor.startswith("cli")) for r in records] == [
            ("export", True),
            ("erasure", True),
        ]
