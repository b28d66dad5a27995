"""gunicorn settings for `moderation serve` (`--config python:moderation.web.gunicorn_conf`).

`moderation serve` passes the bind address from the settings and `--workers` when given;
`GUNICORN_CMD_ARGS` overrides anything here (e.g. `--threads 32`). Shutdown: on SIGTERM gunicorn
stops accepting, lets requests in flight finish for up to `graceful_timeout`, then stops; keep a
container's stop grace period above it.

Threaded workers (gthread), so that a slow client holds one thread, not a whole process: each
process waits for a connection's first bytes in its event loop and hands a request to a thread
once its headers are in; the body must then arrive within `server.body_timeout_seconds`
(`moderation.web.proxy`). Threads also serve Perspective-style analyze calls, which wait for a
scoring worker, and keep-alive connections from a proxy. What `moderation serve` alone holds off
is bounded by workers x threads slow clients at once; a deployment puts a buffering proxy in
front (docker/nginx.conf), which reads whole requests before gunicorn sees them.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any


def available_cores() -> int:
    """CPUs this process may use: its affinity, bounded by a cgroup v2 CPU quota if any."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cores)


def default_workers() -> int:
    """gunicorn's usual 2 x cores + 1, at most 8: requests wait on the database, not the CPU."""
    return min(2 * available_cores() + 1, 8)


workers = default_workers()
worker_class = "gthread"
# Per process. A thread waiting on a slow body or a scoring worker costs memory, not CPU; the
# database pool (5 + 10 overflow per process) bounds how many of them query at once.
threads = 16
# A process takes no more connections than it has threads, so every connection it accepts has a
# thread at once; the rest wait in the listen backlog for a process with one free. (gthread's
# default, 1000, let a process whose threads all held slow clients accept a health probe and
# leave it queued behind them.) Raise both together (`--threads 32 --worker-connections 32`).
worker_connections = threads
# A request that takes longer than this is stuck: gunicorn kills its process and starts another.
timeout = 30
# After SIGTERM (or a worker restart), requests in flight get this long to finish.
graceful_timeout = 20
# No keep-alive: an idle connection would hold one of a process's `worker_connections` (the sync
# workers before never kept one either). A connection that sends nothing for 5 s after it is
# accepted is closed.
keepalive = 0
# The app logs each request itself (with the request id, as JSON when asked): no access log.
accesslog = None
errorlog = "-"
# Heartbeat files on a RAM disk: a slow container disk must not get workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Restart each process now and then, staggered, so a slow leak cannot grow without bound.
max_requests = 5000
max_requests_jitter = 500
# gunicorn >= 25 opens a control socket under $HOME by default; in a container $HOME is not
# writable, and on a shared host every instance would want the same path. Nothing uses it.
control_socket_disable = True


def post_worker_init(worker: Any) -> None:
    """Run the app's warm-ups (`app.extensions["moderation_warmups"]`, callables that start
    their own threads), so a process's first call that has a deadline meets it: the
    synchronous decisions' rules and language identifier (decisions/service.py)."""
    from moderation.web.context import WARMUPS

    for warm in getattr(worker.wsgi, "extensions", {}).get(WARMUPS, ()):
        warm()


def on_starting(server: Any) -> None:
    """Log like the app does (JSON when asked); drop metrics files a previous run left behind."""
    from moderation.config import SettingsError, load_settings
    from moderation.observability import logging_setup

    try:
        settings = load_settings()
        logging_setup.configure(settings.logging.format, settings.logging.level)
    except SettingsError:
        pass  # the app names the bad setting when it loads
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder and os.path.isdir(folder):
        for stale in Path(folder).glob("*.db"):
            stale.unlink(missing_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """A web process ended: drop its live gauges from the metrics (its counters stay)."""
    from moderation.observability.metrics import mark_process_dead

    mark_process_dead(worker.pid)
