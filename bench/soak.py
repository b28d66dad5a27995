"""`make soak`: mixed load on the real stack while faults are injected on a schedule.

The tool starts the stack itself: its own redis-server (append-only, on a free port, so it can
stop it), `moderation serve`, 2 scoring workers, a webhook worker, the scheduler and a webhook
receiver, on an emptied PostgreSQL database. Readers post, read and report comments, moderators
decide one at a time and in bulk, a client calls Perspective's analyze, and every comment event
is delivered to the receiver. Meanwhile, at fixed points of the run: kill -9 a scoring worker
(restarted, as a supervisor would), stop Redis for 20 s, kill -9 a gunicorn process, take the
webhook receiver down for 45 s, kill -9 the other scoring worker. Then the load stops and the
stack is given `--drain-seconds` to finish its work.

It prints requests by status class (outside and inside the windows when a component was down),
p50/p99 per endpoint, comments accepted vs decided, events written vs delivered or
dead-lettered, and processes that exited without being killed. The last line is exactly
`soak: lost comments N, lost events M, 5xx K`, where K counts only answers outside those
windows; the exit status is 1 unless all three are 0.

The database: --database-url, else MODERATION_SOAK_DATABASE_URL, else
MODERATION_TEST_DATABASE_URL. It is emptied first, so the service's own MODERATION_DATABASE_URL
is used only when passed explicitly.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import requests
from sqlalchemy import func, select

from bench.run import DATA, load_texts, model_env, percentile
from bench.soak_load import Load, Sample, Tokens
from bench.soak_stack import RedisServer, Stack, WebhookReceiver
from moderation.comments.models import Comment
from moderation.db.session import make_engine
from moderation.events.models import OutboxEvent
from moderation.review.models import BulkOperation
from moderation.secrets import generate_key
from moderation.webhooks.models import WebhookDelivery
from tests.support.database import fresh_schema
from tests.support.live import free_port

REDIS_OUTAGE_SECONDS = 20.0
RECEIVER_OUTAGE_SECONDS = 45.0
# After a component is back, its clients reconnect: answers this soon after still count as
# given while it was down.
SETTLE_SECONDS = 3.0
FALLBACK_TEXTS = [
    "Thanks for the clear explanation of the budget.",
    "I disagree with the council, but this is a fair summary.",
    "You are an idiot and everyone here knows it.",
    "Buy cheap watches at www.example-shop.ru today",
    "The mayor's plan will cost more than they admit.",
]


@dataclasses.dataclass
class Window:
    """A fault, from the moment it was injected until the component worked again."""

    what: str
    start: float
    end: float | None = None
    note: str = ""


class Soak:
    def __init__(self, args: argparse.Namespace, database_url: str) -> None:
        self.args = args
        self.database_url = database_url
        self.folder = Path(tempfile.mkdtemp(prefix="moderation-soak-"))
        (self.folder / "logs").mkdir()
        self.started = time.monotonic()
        self.redis = RedisServer(self.folder / "redis")
        self.receiver = WebhookReceiver()
        self.tokens = Tokens(
            moderator="soak-moderator-token-0123456789",
            admin="soak-admin-token-0123456789abcdef",
            api_key="soak-api-key-0123456789abcdef",
        )
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.windows: list[Window] = []
        # Webhook signing secrets are encrypted at rest; the soak's stack gets a key of its own.
        self.webhook_key = generate_key()
        self.stack = Stack(self.environment(), self.folder / "logs", self.clock)

    def clock(self) -> float:
        return time.monotonic() - self.started

    def environment(self) -> dict[str, str]:
        return {
            "MODERATION_DATABASE_URL": self.database_url,
            "MODERATION_REDIS_URL": self.redis.url,
            "MODERATION_SERVER_HOST": "127.0.0.1",
            "MODERATION_SERVER_PORT": str(self.port),
            # Readers come from many addresses, as through a proxy (report limits are per client).
            "MODERATION_SERVER_PROXY_HOPS": "1",
            "MODERATION_MODERATOR_TOKENS": f"soak:{self.tokens.moderator}",
            "MODERATION_ADMIN_TOKENS": f"root:{self.tokens.admin}",
            "MODERATION_API_KEYS": f"soak:{self.tokens.api_key}:1000",
            "MODERATION_WEBHOOKS_ALLOW_PRIVATE": "true",
            "MODERATION_WEBHOOKS_SECRET_KEYS": self.webhook_key,
            "MODERATION_WEBHOOKS_SERVE_IN_WORKER": "false",
            "MODERATION_WORKER_METRICS_PORT": "0",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            **model_env(1),
        }

    def start(self) -> None:
        fresh_schema(self.database_url)
        self.redis.start()
        self.receiver.start()
        self.stack.spawn("web", "serve", "--workers", str(self.args.web_workers))
        for name in ("worker1", "worker2"):
            self.stack.spawn(name, "worker")
        self.stack.spawn("webhook-worker", "webhook-worker")
        self.stack.spawn("scheduler", "scheduler")
        self.wait_for(
            lambda: (
                all(self.stack.worker_loaded(n, self.redis.url) for n in ("worker1", "worker2"))
                and self.ready()
            ),
            "the stack to be ready (API, both workers with their model)",
            300,
        )
        answer = requests.post(
            self.base_url + "/v1/webhooks",
            json={"url": self.receiver.url, "description": "soak receiver"},
            headers={"Authorization": "Bearer " + self.tokens.admin},
            timeout=10,
        )
        if answer.status_code != 201:
            raise SystemExit(f"could not register the webhook endpoint: {answer.text}")
        self.stack.start_supervising()

    def ready(self) -> bool:
        try:
            return requests.get(self.base_url + "/readyz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def wait_for(self, check: Callable[[], bool], what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise SystemExit(f"soak: timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(0.5)

    # Faults. Each runs in its own thread and closes its window when the component is back.

    def kill_scoring_worker(self, name: str) -> None:
        window = self._open(f"kill -9 scoring {name}")
        self.stack.kill(name)
        time.sleep(2.0)  # the supervisor notices and starts it again
        self._recover(window, lambda: self.stack.worker_loaded(name, self.redis.url), 600)
        self._close(window, "restarted; model loaded again")

    def stop_redis(self) -> None:
        window = self._open(f"Redis stopped for {REDIS_OUTAGE_SECONDS:.0f} s")
        self.redis.stop()
        time.sleep(REDIS_OUTAGE_SECONDS)
        self.redis.start()
        time.sleep(SETTLE_SECONDS)
        self._close(window, "")

    def kill_web_process(self) -> None:
        window = self._open("kill -9 a gunicorn worker process")
        victim = self.stack.kill_web_process()
        self._recover(window, lambda: self.stack.web_processes() == self.args.web_workers, 120)
        time.sleep(SETTLE_SECONDS)
        self._close(window, f"pid {victim}; gunicorn started another")

    def take_receiver_down(self) -> None:
        window = self._open(f"webhook receiver down for {RECEIVER_OUTAGE_SECONDS:.0f} s")
        self.receiver.stop()
        time.sleep(RECEIVER_OUTAGE_SECONDS)
        self.receiver.start()
        self._close(window, "")

    def _recover(self, window: Window, check: Callable[[], bool], timeout: float) -> None:
        """Wait for `check`; a component that does not come back leaves its window open."""
        try:
            self.wait_for(check, window.what, timeout)
        except SystemExit:
            window.note = f"did not come back within {timeout:.0f} s"
            raise

    def _open(self, what: str) -> Window:
        window = Window(what, self.clock())
        self.windows.append(window)
        print(f"  {window.start:7.1f} s  {what}", flush=True)
        return window

    def _close(self, window: Window, note: str) -> None:
        window.end, window.note = self.clock(), note

    def run(self) -> Load:
        texts = load_texts(3000) if DATA.exists() else FALLBACK_TEXTS
        seconds = self.args.minutes * 60
        load = Load(
            self.base_url, self.tokens, texts, self.clock, self.args.rate, self.args.clients
        )
        schedule: list[tuple[float, Callable[[], None]]] = [
            (0.10, lambda: self.kill_scoring_worker("worker1")),
            (0.25, self.stop_redis),
            (0.45, self.kill_web_process),
            (0.55, self.take_receiver_down),
            (0.75, lambda: self.kill_scoring_worker("worker2")),
        ]
        self.started = time.monotonic()
        print(f"soak: {self.args.minutes:g} min of load, logs in {self.folder}", flush=True)
        load.start()
        faults = []
        for share, fault in schedule:
            time.sleep(max(0.0, self.started + share * seconds - time.monotonic()))
            thread = threading.Thread(target=fault, daemon=True)
            thread.start()
            faults.append(thread)
        time.sleep(max(0.0, self.started + seconds - time.monotonic()))
        load.join()
        print(f"  {self.clock():7.1f} s  load stopped; draining", flush=True)
        for thread in faults:
            thread.join()
        self.drain(load)
        return load

    def drain(self, load: Load) -> None:
        """Wait until every comment is decided, every event dispatched and delivered, every bulk
        operation finished, or `--drain-seconds` pass."""
        engine = make_engine(self.database_url)
        deadline = time.monotonic() + self.args.drain_seconds
        try:
            while time.monotonic() < deadline:
                with engine.connect() as connection:
                    left = connection.scalar(
                        select(func.count()).select_from(Comment).where(Comment.status == "pending")
                    )
                    left = (left or 0) + (
                        connection.scalar(
                            select(func.count())
                            .select_from(OutboxEvent)
                            .where(OutboxEvent.dispatched_at.is_(None))
                        )
                        or 0
                    )
                    left += (
                        connection.scalar(
                            select(func.count())
                            .select_from(WebhookDelivery)
                            .where(WebhookDelivery.status == "pending")
                        )
                        or 0
                    )
                    left += (
                        connection.scalar(
                            select(func.count())
                            .select_from(BulkOperation)
                            .where(BulkOperation.state.in_(["queued", "running"]))
                        )
                        or 0
                    )
                if not left:
                    break
                time.sleep(2.0)
        finally:
            engine.dispose()
        print(f"  {self.clock():7.1f} s  drained (or gave up)", flush=True)

    def stop(self) -> None:
        self.stack.stop()
        self.receiver.stop()
        self.redis.stop()


def in_window(sample: Sample, windows: list[Window]) -> bool:
    return any(
        sample.started <= (window.end if window.end is not None else float("inf"))
        and sample.ended >= window.start
        for window in windows
    )


def status_class(status: int) -> str:
    return f"{status // 100}xx" if status else "no answer"


def report(soak: Soak, load: Load) -> tuple[int, int, int]:
    """Print the report; return (lost comments, lost events, 5xx outside the windows)."""
    print("faults (seconds from the start of the load):")
    for window in soak.windows:
        end = f"{window.end:7.1f}" if window.end is not None else "    ..."
        print(f"  {window.start:7.1f} - {end}  {window.what}; {window.note}".rstrip("; "))
    exits = soak.stack.unexpected
    print(f"processes that exited without being killed: {len(exits) or 'none'}")
    for gone in exits:
        print(f"  {gone.at:7.1f} s  {gone.name} exited with {gone.returncode}; restarted")

    samples = list(load.samples)
    outside = [s for s in samples if not in_window(s, soak.windows)]
    inside = [s for s in samples if in_window(s, soak.windows)]
    print(f"requests: {len(samples)} ({len(samples) / (soak.args.minutes * 60):.1f}/s)")
    for label, group in (("outside fault windows", outside), ("inside fault windows", inside)):
        counts = Counter(status_class(s.status) for s in group)
        print(f"  {label:22}" + "  ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print("latency per endpoint (answered requests), ms:")
    by_endpoint: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_endpoint[sample.endpoint].append(sample)
    for endpoint, group in sorted(by_endpoint.items()):
        times = [1000 * (s.ended - s.started) for s in group if s.status]
        statuses = Counter(s.status for s in group)
        shown = " ".join(f"{code or 'none'}:{n}" for code, n in sorted(statuses.items()))
        print(
            f"  {endpoint:40} n {len(group):5}  p50 {percentile(times, 0.5):6.0f}"
            f"  p99 {percentile(times, 0.99):6.0f}  [{shown}]"
        )
    errors = [s for s in outside if 500 <= s.status < 600]
    for sample in errors[:10]:
        print(f"  5xx at {sample.started:.1f} s: {sample.endpoint} {sample.status} {sample.detail}")

    lost_comments, lost_events = count_outcomes(soak, load)
    return lost_comments, lost_events, len(errors)


def count_outcomes(soak: Soak, load: Load) -> tuple[int, int]:
    accepted = set(load.accepted)
    engine = make_engine(soak.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(Comment.id, Comment.status)).all()
            events = dict(
                connection.execute(
                    select(OutboxEvent.event_id, OutboxEvent.dispatched_at.is_not(None))
                ).all()
            )
            deliveries = dict(
                connection.execute(select(WebhookDelivery.event_id, WebhookDelivery.status)).all()
            )
            bulk = Counter(connection.scalars(select(BulkOperation.state)).all())
    finally:
        engine.dispose()
    status = dict(rows)
    missing = accepted - set(status)
    pending = [comment_id for comment_id, state in status.items() if state == "pending"]
    decided = len(status) - len(pending)
    print(
        f"comments: accepted {len(accepted)}, stored {len(status)} "
        f"({len(set(status) - accepted)} without an answer to their POST), decided {decided}, "
        f"still pending {len(pending)}, accepted but not stored {len(missing)}"
    )
    received = Counter(soak.receiver.event_ids())
    outcome = Counter(deliveries.values())
    without_delivery = [event for event in events if event not in deliveries]
    never_received = [
        event for event, state in deliveries.items() if state == "delivered" and not received[event]
    ]
    repeats = sum(count - 1 for count in received.values() if count > 1)
    print(
        f"events: written {len(events)}, delivered {outcome['delivered']}, dead-lettered "
        f"{outcome['dead']}, delivery pending {outcome['pending']}, no delivery "
        f"{len(without_delivery)} ({sum(not sent for sent in events.values())} undispatched); "
        f"delivered but never received {len(never_received)}; the receiver got "
        f"{sum(received.values())} requests ({repeats} repeats)"
    )
    unfinished = bulk["queued"] + bulk["running"]
    print(f"bulk operations: {dict(sorted(bulk.items())) or 'none'}; unfinished {unfinished}")
    lost_comments = len(missing) + len(pending)
    lost_events = outcome["pending"] + len(without_delivery) + len(never_received)
    return lost_comments, lost_events


def database_url(given: str) -> str:
    url = (
        given
        or os.environ.get("MODERATION_SOAK_DATABASE_URL")
        or os.environ.get("MODERATION_TEST_DATABASE_URL")
    )
    if not url:
        hint = " (MODERATION_DATABASE_URL is not used: the soak empties its database)"
        raise SystemExit(
            "soak: give a PostgreSQL database to empty and use: --database-url, "
            "MODERATION_SOAK_DATABASE_URL or MODERATION_TEST_DATABASE_URL"
            + (hint if os.environ.get("MODERATION_DATABASE_URL") else "")
        )
    if not url.startswith("postgresql"):
        raise SystemExit("soak: the soak runs on PostgreSQL, as a deployment does")
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="load duration")
    parser.add_argument("--rate", type=float, default=10.0, help="requests per second offered")
    parser.add_argument("--clients", type=int, default=6, help="client threads")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--drain-seconds", type=float, default=300.0)
    parser.add_argument("--database-url", default="", help="PostgreSQL; emptied first")
    args = parser.parse_args()
    soak = Soak(args, database_url(args.database_url))
    try:
        soak.start()
        load = soak.run()
        lost_comments, lost_events, errors = report(soak, load)
    finally:
        soak.stop()
    print(f"soak: lost comments {lost_comments}, lost events {lost_events}, 5xx {errors}")
    sys.exit(0 if lost_comments == lost_events == errors == 0 else 1)


if __name__ == "__main__":
    main()
