"""A scoring worker's analyze lane in a thread, for tests of the Perspective endpoints through the
Flask app: the real worker context (tiny model), the real drain job, real Redis."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from moderation.config import Settings
from moderation.perspective.jobs import drain_analysis
from moderation.scoring.context import WorkerContext, build_context, install


@contextmanager
def draining_analysis(settings: Settings) -> Iterator[WorkerContext]:
    """Analyze calls are scored while this lasts, as a worker with the settings' model would
    (the worker's context is yielded: its router holds the models that score them)."""
    context = build_context(settings)
    install(context)
    context.registry.beat(context.name, context.status())
    stopping = threading.Event()

    def loop() -> None:
        last_beat = time.monotonic()
        while not stopping.is_set():
            if not drain_analysis()["rounds"]:
                stopping.wait(0.005)
            # A worker's heartbeat says its model is loaded; the API answers 503 without one.
            if time.monotonic() - last_beat > settings.worker.heartbeat_seconds / 2:
                context.registry.beat(context.name, context.status())
                last_beat = time.monotonic()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield context
    finally:
        stopping.set()
        thread.join(5)
