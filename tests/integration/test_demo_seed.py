"""The demo page's thread: seeded once, published, audited as demo seeds, only while the demo
page is on, and through the public list like any other comment."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select

from moderation.app import create_app
from moderation.comments.models import AuditRecord, Comment
from moderation.config import Settings
from moderation.db.session import make_engine
from moderation.events.models import OutboxEvent
from moderation.pages.demo import DEMO_ARTICLE_ID, SEED_ACTOR, THREAD


def counts(database_url: str) -> dict[str, Any]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        found = {
            "comments": connection.scalar(
                select(func.count()).where(Comment.article_id == DEMO_ARTICLE_ID)
            ),
            "audit": list(
                connection.execute(
                    select(AuditRecord.actor_type, AuditRecord.actor, AuditRecord.to_status)
                    .join(Comment, Comment.id == AuditRecord.comment_id)
                    .where(Comment.article_id == DEMO_ARTICLE_ID)
                    .order_by(AuditRecord.comment_id, AuditRecord.version)
                )
            ),
            "events": list(
                connection.scalars(
                    select(OutboxEvent.type)
                    .join(Comment, Comment.id == OutboxEvent.comment_id)
                    .where(Comment.article_id == DEMO_ARTICLE_ID)
                    .order_by(OutboxEvent.comment_id, OutboxEvent.id)
                )
            ),
        }
    engine.dispose()
    return found


def test_the_demo_page_shows_a_seeded_published_thread(client: Any, database_url: str) -> None:
    assert client.get("/demo").status_code == 200
    assert client.get("/demo").status_code == 200  # a second visit adds nothing

    page = client.get(f"/v1/articles/{DEMO_ARTICLE_ID}/comments").json
    assert page["total"] == len(THREAD)
    tops = [seed.text for seed in THREAD if seed.reply_to is None]
    assert [comment["text"] for comment in page["comments"]] == tops
    first = page["comments"][0]
    assert first["author"] == {"name": "Layla Haddad"}
    assert [reply["author"]["name"] for reply in first["replies"]] == ["Tom Becker"]
    assert first["replies"][0]["replies"][0]["author"]["name"] == "Layla Haddad"

    found = counts(database_url)
    assert found["comments"] == len(THREAD)
    # Each seed: created, then approved, both by the demo seeder; never by the scorer.
    assert found["audit"] == [
        ("system", SEED_ACTOR, "pending"),
        ("system", SEED_ACTOR, "approved"),
    ] * len(THREAD)
    assert found["events"] == ["comment.created", "comment.approved"] * len(THREAD)


def test_another_article_on_the_demo_page_seeds_nothing(client: Any, database_url: str) -> None:
    assert client.get("/demo?article=city-budget").status_code == 200
    assert counts(database_url)["comments"] == 0


def test_nothing_is_seeded_while_the_demo_page_is_off(
    settings: Settings, clean_state: None, database_url: str
) -> None:
    off = create_app(settings.replace(web={"demo_page": False})).test_client()
    assert off.get("/demo").status_code == 404
    assert counts(database_url)["comments"] == 0


def test_two_processes_seeding_at_once_seed_once(app: Any, database_url: str) -> None:
    barrier = threading.Barrier(4)
    answers: list[int] = []

    def visit() -> None:
        client = app.test_client()
        barrier.wait()
        answers.append(client.get("/demo").status_code)

    threads = [threading.Thread(target=visit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers == [200] * 4
    assert counts(database_url)["comments"] == len(THREAD)
