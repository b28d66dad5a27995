"""The shutdown watchdog ends a process whose main thread never returns, on time.

A small process arms a `ShutdownWatchdog` from its SIGTERM handler, as the worker does, then
waits forever; its handler never raises, so only the watchdog can end it: first with a second
SIGTERM to the main thread (the cold shutdown), then by running the last rites and exiting.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = """
import signal, sys, threading, time
from moderation.lifecycle.watchdog import ShutdownWatchdog

marks = open(sys.argv[1], "a", buffering=1)
started = time.monotonic()
watchdog = ShutdownWatchdog(float(sys.argv[2]), last_rites=lambda: marks.write("last rites\\n"))
watchdog.start()
signals = []

def on_signal(signum, frame):
    signals.append(signum)
    marks.write(f"signal {len(signals)}\\n")
    (watchdog.warm if len(signals) == 1 else watchdog.cold)()

signal.signal(signal.SIGTERM, on_signal)
print("ready", flush=True)
threading.Event().wait()  # stuck: the handler runs, returns, and the wait goes on
"""


def test_a_process_that_never_returns_is_ended_within_its_grace(tmp_path: Path) -> None:
    grace = 3.0
    marks = tmp_path / "marks.txt"
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(marks), str(grace)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == b"ready\n"
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=30)
        took = time.monotonic() - signalled
    finally:
        if process.poll() is None:
            process.kill()
        _, errors = process.communicate()

    assert returncode == 1, errors.decode()
    assert took <= grace + 1.0, took
    # The stop signal, the watchdog's own SIGTERM (the cold shutdown), then the last rites.
    assert marks.read_text().splitlines() == ["signal 1", "signal 2", "last rites"]
    assert b"has not exited" in errors


def test_a_closed_watchdog_ignores_signals(tmp_path: Path) -> None:
    script = SCRIPT.replace("watchdog.start()", "watchdog.start(); watchdog.close()")
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "marks.txt"), "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == b"ready\n"
        process.send_signal(signal.SIGTERM)
        time.sleep(4)  # past the grace: nothing ends the process
        assert process.poll() is None
    finally:
        process.kill()
        process.communicate()
