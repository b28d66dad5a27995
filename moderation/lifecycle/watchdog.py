"""A worker is gone within its grace period after SIGTERM, whatever its job is doing.

RQ's warm shutdown waits for the current job however long it takes, and a second signal
(its cold shutdown) must come from outside. Orchestrators send SIGKILL after their own grace
period (compose's `stop_grace_period`, Kubernetes' `terminationGracePeriodSeconds`), and a
killed worker's claims wait for another worker to notice. So the watchdog, armed by the first
signal, bounds the shutdown itself:

- warm: the current job may finish until `unwind` seconds before the end of the grace
  (`unwind` is 5 s, or half the grace when it is under 10 s);
- cold: then the watchdog sends SIGTERM to the main thread once more, which RQ turns into
  SystemExit inside the job (the job gives its claims back, RQ records it for a retry). A second
  signal from outside starts this phase at once;
- hard: a process still alive `unwind` seconds into the cold phase, or one second before the
  grace ends, has a main thread stuck in a call that does not return; the watchdog runs the
  worker's last rites (give the claims back) for at most a second and ends the process.
  Behind it, `faulthandler`'s own timer (a C thread that needs no GIL) ends the process when the
  grace is over, writing every thread's stack to stderr: the diagnosis of what was stuck.

What no thread of the process can bound is C code that holds the GIL and does not return (the
Python-level handlers and the watchdog both need the GIL); the longest such call in this
service is a pattern rule's match, which stops at `rules.pattern_time_limit_ms`.

Signal handlers talk to the watchdog thread through a pipe: `os.write` is safe in a handler,
while a lock or an Event could already be held by the code the handler interrupted.
"""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import os
import select
import signal
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

# What a worker gets, at most, to run its last rites before it ends itself.
LAST_RITES_SECONDS = 1.0

_WARM = b"w"
_COLD = b"c"
_CLOSE = b"q"


class ShutdownWatchdog:
    """Armed by the first stop signal; turns warm into cold, and cold into an exit, on time."""

    def __init__(self, grace_seconds: float, last_rites: Callable[[], None] | None = None) -> None:
        self.grace = grace_seconds
        self.unwind = min(5.0, grace_seconds / 2)
        self.last_rites = last_rites
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._thread: threading.Thread | None = None
        # Once closed, a late signal must not write to a file descriptor number reused since.
        self._closed = False

    def start(self) -> None:
        """Start the watchdog's thread (idle until a signal arrives). Not from a handler."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._watch, name="shutdown-watchdog", daemon=True
            )
            self._thread.start()

    def warm(self) -> None:
        """The first stop signal arrived (safe to call from a signal handler)."""
        self._tell(_WARM)

    def cold(self) -> None:
        """A cold shutdown began (safe to call from a signal handler)."""
        self._tell(_COLD)

    def close(self) -> None:
        """The worker is done: stop watching (tests run many workers in one process)."""
        if self._closed:
            return
        self._closed = True
        if self._thread is None:
            os.close(self._read)
            os.close(self._write)
        else:
            os.write(self._write, _CLOSE)  # the thread closes both ends

    def _tell(self, what: bytes) -> None:
        if self._closed:
            return
        with contextlib.suppress(OSError):  # a full pipe already holds the news
            os.write(self._write, what)

    def _watch(self) -> None:
        started: float | None = None
        cold_at: float | None = None
        while True:
            deadline: float | None = None
            if started is not None and cold_at is None:
                deadline = started + self.grace - self.unwind
            elif started is not None and cold_at is not None:
                deadline = min(started + self.grace, cold_at + self.unwind) - LAST_RITES_SECONDS
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            readable, _, _ = select.select([self._read], [], [], timeout)
            if readable:
                received = os.read(self._read, 64)
                if _CLOSE in received:
                    faulthandler.cancel_dump_traceback_later()
                    os.close(self._read)
                    os.close(self._write)
                    return
                for news in received:
                    now = time.monotonic()
                    if started is None:
                        started = now
                        faulthandler.dump_traceback_later(self.grace, exit=True)
                    if news == _COLD[0] and cold_at is None:
                        cold_at = now
                continue
            if started is None:
                continue
            if cold_at is None:
                cold_at = time.monotonic()
                _aside(
                    log.warning,
                    "the current job is still running %.1fs after the stop signal: stopping it "
                    "(cold shutdown; its claims are given back and RQ retries it)",
                    cold_at - started,
                )
                # To the main thread: it wakes from a blocking call, and RQ's handler (its cold
                # shutdown after the first signal) raises SystemExit there.
                signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGTERM)
                continue
            self._end(time.monotonic() - started)

    def _end(self, waited: float) -> None:
        rites = _aside(self._run_last_rites, waited)
        rites.join(LAST_RITES_SECONDS)
        os._exit(1)

    def _run_last_rites(self, waited: float) -> None:
        log.error(
            "the worker has not exited %.1fs after the stop signal (a call that does not "
            "return): giving its claims back and ending now",
            waited,
        )
        if self.last_rites is None:
            return
        try:
            self.last_rites()
        except Exception:
            log.exception("the worker's last rites failed")


def _aside(action: Callable[..., object], *args: object) -> threading.Thread:
    """Run `action` in a thread of its own. The watchdog itself never logs or touches the
    database: a main thread stuck inside a log handler or a query must not stop it too."""
    thread = threading.Thread(target=action, args=args, name="shutdown-aside", daemon=True)
    thread.start()
    return thread
