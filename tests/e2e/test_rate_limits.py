"""Rate limits through real HTTP: gunicorn (`moderation serve`, two processes) on the test
database and Redis, one trusted proxy hop, limits on.

Client addresses are real: this machine's loopback answers on every 127.x address, so each
test's connections come from an address of its choosing (the service sees it as the peer), and
the proxy test sends X-Forwarded-For from 127.0.0.1 as a proxy would. Counts are derived from
the configured limits, never from timings: every window is an hour long, longer than the run.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from moderation.comments.models import Comment
from moderation.db.session import make_engine
from moderation.web.limits import Limits
from moderation.worker.runner import run_worker
from tests.support.database import empty_state
from tests.support.live import LiveService
from tests.support.settings import make_settings, model_files, service_env

pytestmark = pytest.mark.e2e

LIMITS = {
    "enabled": True,
    "comments_per_address": "40/hour",
    "comments_per_author": "3/hour",
    "comments_per_site": "10000/hour",
}
PER_ADDRESS = 40
FLOOD = 2000
BYSTANDER_POSTS = 20


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def post(
    port: int,
    source: str,
    author: str,
    article: str = "limits",
    headers: dict[str, str] | None = None,
) -> Answer:
    """POST a comment over a new connection from `source` (a 127.x address)."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=60, source_address=(source, 0)
    )
    try:
        body = json.dumps({"author": {"id": author, "name": "Reader"}, "text": "A fair point."})
        connection.request(
            "POST",
            f"/v1/articles/{article}/comments",
            body=body,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        answer = connection.getresponse()
        payload = json.loads(answer.read())
        return Answer(answer.status, payload, {k.lower(): v for k, v in answer.getheaders()})
    finally:
        connection.close()


@pytest.fixture(scope="module")
def service(
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveService]:
    empty_state(database_url, redis_url)
    limits = {f"MODERATION_LIMITS_{name.upper()}": str(value) for name, value in LIMITS.items()}
    env = service_env(
        database_url, redis_url, model_files(tiny_model), MODERATION_SERVER_PROXY_HOPS="1", **limits
    )
    live = LiveService(env, tmp_path_factory.mktemp("limits-logs")).start_web()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def limiter(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Limits:
    """The same limits on the same Redis, to ask what the service's limiter holds."""
    settings = make_settings(database_url, redis_url, tiny_model, limits=LIMITS)
    limits = Limits(settings.limits, redis_url)
    limits.init_app(Flask("probe"))
    return limits


def stored_ids(database_url: str, article: str) -> set[int]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return set(connection.scalars(select(Comment.id).where(Comment.article_id == article)))
    finally:
        engine.dispose()


def test_a_flood_from_one_address_is_refused_past_its_limit_while_others_post(
    service: LiveService, database_url: str, redis_url: str, tiny_model: tuple[Path, Path]
) -> None:
    refused_once = threading.Event()
    flood: list[Answer] = []
    bystander: list[Answer] = []

    def flood_post(number: int) -> None:
        answer = post(service.port, "127.0.0.2", f"flooder-{number % 500}", "flood")
        flood.append(answer)
        if answer.status == 429:
            refused_once.set()

    def bystander_posts() -> None:
        refused_once.wait(120)  # the flood is past its limit: post in the middle of it
        for number in range(BYSTANDER_POSTS):
            bystander.append(post(service.port, "127.0.0.3", f"bystander-{number}", "flood"))

    other = threading.Thread(target=bystander_posts)
    other.start()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(flood_post, range(FLOOD)))
    other.join(120)

    assert Counter(answer.status for answer in flood) == {
        202: PER_ADDRESS,
        429: FLOOD - PER_ADDRESS,
    }
    for answer in flood:
        if answer.status == 429:
            assert answer.body["limit"]["setting"] == "limits.comments_per_address"
            assert int(answer.headers["retry-after"]) >= 1
    assert [answer.status for answer in bystander] == [202] * BYSTANDER_POSTS
    accepted = {answer.body["id"] for answer in flood + bystander if answer.status == 202}
    assert len(accepted) == PER_ADDRESS + BYSTANDER_POSTS
    assert stored_ids(database_url, "flood") == accepted
    # Every accepted comment is decided by a real worker (from the jobs the web enqueued).
    run_worker(make_settings(database_url, redis_url, tiny_model), burst=True)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            statuses = dict(
                connection.execute(
                    select(Comment.id, Comment.status).where(Comment.article_id == "flood")
                ).all()
            )
    finally:
        engine.dispose()
    assert set(statuses) == accepted
    assert "pending" not in statuses.values(), statuses


def test_an_author_is_limited_whatever_the_address_and_retry_after_is_the_window_left(
    service: LiveService, limiter: Limits
) -> None:
    author = f"author-{uuid.uuid4().hex[:8]}"
    assert [post(service.port, "127.0.0.4", author).status for _ in range(3)] == [202] * 3

    refused = post(service.port, "127.0.0.5", author)

    assert refused.status == 429
    assert refused.body["limit"] == {
        "setting": "limits.comments_per_author",
        "rate": "3 per 1 hour",
    }
    assert "limits.comments_per_author" in refused.body["message"]
    window = limiter.windows("comments_per_author", author)["3 per 1 hour"]
    assert window.remaining == 0
    assert abs(int(refused.headers["retry-after"]) - (window.reset_time - time.time())) <= 1
    # The same address may still post for someone else.
    assert post(service.port, "127.0.0.5", f"other-{author}").status == 202


def test_a_spoofed_forwarded_entry_does_not_change_the_address_counted(
    service: LiveService, limiter: Limits
) -> None:
    # One trusted hop: the proxy appends the address it saw; what the client wrote before it
    # ("1.2.3.n") is not believed.
    def via_proxy(spoofed: str, real: str, author: str) -> Answer:
        return post(
            service.port, "127.0.0.1", author, headers={"X-Forwarded-For": f"{spoofed}, {real}"}
        )

    codes = [
        via_proxy(f"1.2.3.{n}", "198.51.100.7", f"spoof-{n}").status for n in range(PER_ADDRESS)
    ]
    assert codes == [202] * PER_ADDRESS

    refused = via_proxy("9.9.9.9", "198.51.100.7", "spoof-last")

    assert refused.status == 429
    assert refused.body["limit"]["setting"] == "limits.comments_per_address"
    assert limiter.windows("comments_per_address", "198.51.100.7")["40 per 1 hour"].remaining == 0
    assert limiter.windows("comments_per_address", "1.2.3.0")["40 per 1 hour"].remaining == 40
    assert via_proxy("9.9.9.9", "198.51.100.8", "spoof-elsewhere").status == 202
