"""A worker's Redis client waits out an outage (moderation/lifecycle/redis_outage.py).

Each test runs its own redis-server (the embedded one, on a Unix socket in a temporary folder)
and stops it under the client: the shared test Redis is never touched.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from moderation.embedded_redis import EmbeddedRedis
from moderation.lifecycle.redis_outage import RedisOutage, waiting_redis

OUTAGE_LOG = "moderation.lifecycle.redis_outage"


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == OUTAGE_LOG]


def test_calls_made_during_an_outage_complete_when_redis_is_back_and_it_is_said_once(
    private_redis: EmbeddedRedis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=OUTAGE_LOG)
    outage = RedisOutage()
    client = waiting_redis(private_redis.url, outage)
    client.set("counter", 0)
    private_redis.stop()

    answers: list[int] = []
    callers = [threading.Thread(target=lambda: answers.append(client.incr("n"))) for _ in range(4)]
    for caller in callers:
        caller.start()
    # Several rounds of failed reconnects (backoff from 0.25 s): each caller is still waiting,
    # where redis-py's default policy would have raised after three tries.
    time.sleep(3)
    assert all(caller.is_alive() for caller in callers)
    assert answers == []

    private_redis.start()  # empty: nothing was persisted
    for caller in callers:
        caller.join(timeout=30)
    assert not any(caller.is_alive() for caller in callers)
    assert sorted(answers) == [1, 2, 3, 4]
    lines = outage_lines(caplog)
    assert len([line for line in lines if "Redis is unreachable" in line]) == 1, lines
    assert len([line for line in lines if "reachable again" in line]) == 1, lines
    # Just back: heartbeats that were silent meanwhile must not be taken for dead workers yet.
    assert outage.recoveries == 1
    assert not outage.settled(60)


def test_a_restart_between_calls_is_not_an_outage(
    private_redis: EmbeddedRedis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=OUTAGE_LOG)
    client = waiting_redis(private_redis.url, RedisOutage())
    assert client.ping()
    private_redis.stop()
    private_redis.start()
    # The pooled connection is dead; one reconnect finds the new server.
    assert client.set("k", "v")
    assert client.get("k") == b"v"
    assert outage_lines(caplog) == []


def test_a_stopping_process_stops_waiting(private_redis: EmbeddedRedis) -> None:
    outage = RedisOutage()
    client = waiting_redis(private_redis.url, outage)
    assert client.ping()
    private_redis.stop()

    raised: list[BaseException] = []

    def call() -> None:
        try:
            client.get("k")
        except BaseException as error:
            raised.append(error)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(1)
    assert caller.is_alive()  # waiting for Redis
    outage.stop()
    caller.join(timeout=10)
    assert not caller.is_alive()
    assert len(raised) == 1 and isinstance(raised[0], RedisConnectionError)
