"""Analyze calls are answered between a comment batch's model calls, not after the batch."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from typing import Any

from redis import Redis
from rq import Queue

from moderation.comments.models import Comment
from moderation.config import Settings
from moderation.db.session import make_engine, make_session_factory
from moderation.perspective.analysis import ACTIVE_KEY, PENDING_KEY, REPLY_PREFIX
from moderation.worker.runner import run_worker

# About 40 tokens: 40 of them are more than one model call may take while calls flow (1,024).
TEXT = "Comment {} here, " + "and a fair point about the article " * 5


def post_comments(client: Any, count: int) -> list[int]:
    ids = []
    for number in range(count):
        answer = client.post(
            "/v1/articles/a-1/comments",
            json={"author": {"id": f"r{number}", "name": "R"}, "text": TEXT.format(number)},
        )
        assert answer.status_code == 202, answer.json
        ids.append(int(answer.json["id"]))
    return ids


def waiting_call(redis: Redis, text: str) -> str:
    """An analyze call as a web process leaves it (with no drain job queued): its reply key."""
    reply = REPLY_PREFIX + uuid.uuid4().hex
    call = {"reply": reply, "expires": time.time() + 60, "texts": [text]}
    redis.rpush(PENDING_KEY, json.dumps(call))
    return reply


def test_a_waiting_call_is_answered_inside_the_comment_batch(
    client: Any, settings: Settings
) -> None:
    redis = Redis.from_url(settings.redis.url)
    ids = post_comments(client, 40)
    redis.set(ACTIVE_KEY, 1, ex=30)
    reply = waiting_call(redis, "You are wonderful.")
    assert Queue(settings.perspective.queue, connection=redis).count == 0  # no drain job
    run_worker(settings, burst=True)  # only the comment job runs
    answer = redis.lpop(reply)
    assert answer is not None, "the call waited for the whole batch (or was never answered)"
    scores = json.loads(answer)["scores"]
    assert len(scores) == 1 and 0.0 <= scores[0]["toxicity"] <= 1.0
    sessions = make_session_factory(make_engine(settings.database.url))
    with sessions() as session:
        statuses = {session.get(Comment, comment_id).status for comment_id in ids}  # type: ignore[union-attr]
    assert "pending" not in statuses  # the comments were all decided too


def test_without_recent_calls_comment_batches_keep_full_size(
    client: Any, settings: Settings
) -> None:
    redis = Redis.from_url(settings.redis.url)
    redis.delete(ACTIVE_KEY)
    post_comments(client, 20)
    reply = waiting_call(redis, "Left for a drain job.")
    run_worker(settings, burst=True)
    # Not flagged active: the batch ran as one model call and did not look at the line.
    assert redis.lpop(reply) is None
    assert redis.llen(PENDING_KEY) == 1


def test_the_setting_at_zero_turns_it_off(client: Any, settings: Settings) -> None:
    perspective = dataclasses.replace(settings.perspective, comment_tokens_while_active=0)
    settings = dataclasses.replace(settings, perspective=perspective)
    redis = Redis.from_url(settings.redis.url)
    post_comments(client, 40)
    redis.set(ACTIVE_KEY, 1, ex=30)
    reply = waiting_call(redis, "Left for a drain job.")
    run_worker(settings, burst=True)
    assert redis.lpop(reply) is None


def test_a_drain_never_stops_to_drain_and_leaves_the_hook_in_place(settings: Settings) -> None:
    from moderation.perspective.jobs import drain
    from moderation.scoring.context import build_context

    context = build_context(settings)
    scorer = context.pipeline.scorer
    redis = Redis.from_url(settings.redis.url)
    redis.delete(PENDING_KEY)  # calls other tests left waiting
    called: list[int] = []

    def hook() -> None:
        called.append(1)

    scorer.between_groups = hook  # type: ignore[union-attr]
    # Texts of very different lengths: more than one model call for the calls themselves.
    replies = [waiting_call(redis, "Short."), waiting_call(redis, TEXT.format(1) * 6)]
    assert context.pipeline.router is not None
    result = drain(context, context.pipeline.router)
    assert result["answered"] == 2 and all(redis.lpop(reply) for reply in replies)
    assert called == []
    assert scorer.between_groups is hook  # type: ignore[union-attr]
