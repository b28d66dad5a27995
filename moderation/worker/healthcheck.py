"""`moderation healthcheck ROLE`: is this machine's (or container's) process of ROLE alive?

For container health checks and process supervisors. Each check is cheap and local in what it
asks: the web process answers its own /healthz; a worker's heartbeat (written every
`worker.heartbeat_seconds` from this host) is fresh in Redis; the scheduler reported itself.
Returns a one-line verdict and an exit status (0 healthy, 1 not).
"""

from __future__ import annotations

import json
import socket
import time
import urllib.request

from redis import Redis

from moderation.config import Settings
from moderation.scoring.registry import WorkerRegistry

ROLES = ("web", "worker", "webhook-worker", "scheduler", "migrate")


def check(role: str, settings: Settings) -> tuple[bool, str]:
    """(healthy, why) for the process of `role` on this host."""
    if role == "web":
        return _web(settings)
    if role == "migrate":
        return True, "migrations run once and exit"
    redis = Redis.from_url(settings.redis.url, socket_timeout=3, socket_connect_timeout=3)
    host = socket.gethostname()
    if role == "worker":
        mine = [
            worker
            for worker in WorkerRegistry(redis, settings.worker.heartbeat_seconds).alive()
            if str(worker.get("name", "")).startswith(host + ".")
        ]
        if not mine:
            return False, f"no fresh heartbeat from a scoring worker on {host}"
        loaded = sum(1 for worker in mine if worker.get("model_loaded"))
        return True, f"{len(mine)} scoring worker(s) on {host}, {loaded} with the model loaded"
    if role == "webhook-worker":
        return _rq_worker(redis, host, settings.webhooks.queue)
    if role == "scheduler":
        from moderation.worker.schedule import scheduler_alive

        every = max(1, settings.worker.reconcile_after_seconds // 2)
        if scheduler_alive(redis, 4 * every + 60):
            return True, "a reconcile scheduler reported itself"
        return False, "no reconcile scheduler reported itself"
    return False, f"unknown role {role!r}: one of {', '.join(ROLES)}"


def _web(settings: Settings) -> tuple[bool, str]:
    host = settings.server.host
    if host in {"0.0.0.0", "::", ""}:
        host = "127.0.0.1"
    url = f"http://{host}:{settings.server.port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=3) as answer:
            body = json.loads(answer.read() or b"{}")
            return answer.status == 200, f"{url}: {answer.status} {body.get('status')}"
    except OSError as error:
        return False, f"{url}: {error}"


def _rq_worker(redis: Redis, host: str, queue: str) -> tuple[bool, str]:
    from rq import Worker

    fresh = time.time() - 60
    for worker in Worker.all(connection=redis):
        beat = worker.last_heartbeat
        if (
            worker.hostname == host
            and queue in worker.queue_names()
            and beat is not None
            and beat.timestamp() >= fresh
        ):
            return True, f"RQ worker {worker.name} serves {queue}"
    return False, f"no RQ worker on {host} serving {queue} with a heartbeat in the last 60s"
