"""The mixed load of `make soak`: readers post, read and report comments, moderators work the
queue (one decision at a time, now and then in bulk), and a Perspective client calls analyze.

Every request is kept as a `Sample` (what, when, the status or why there was none), so the report
can tell answers given while a component was down from the others.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import requests

from moderation.review.service import REASON_CODES


@dataclasses.dataclass(frozen=True)
class Sample:
    endpoint: str
    started: float
    ended: float
    status: int  # 0: no answer (refused, reset, timed out)
    detail: str = ""


@dataclasses.dataclass
class Tokens:
    moderator: str
    admin: str
    api_key: str


class Load:
    """`clients` threads that together send about `rate` requests a second until `stop`."""

    def __init__(
        self,
        base_url: str,
        tokens: Tokens,
        texts: list[str],
        clock: Callable[[], float],
        rate: float,
        clients: int,
    ) -> None:
        self.base_url = base_url
        self.tokens = tokens
        self.texts = texts
        self.clock = clock
        self.interval = clients / rate
        self.clients = clients
        self.samples: list[Sample] = []
        self.accepted: list[int] = []
        self.bulk_operations: list[int] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        # Weights of each action, per 100 requests' worth of choices.
        self.actions: list[tuple[Callable[[requests.Session, random.Random], None], int]] = [
            (self.post_comment, 45),
            (self.read_status, 10),
            (self.read_article, 8),
            (self.report, 8),
            (self.review, 14),
            (self.bulk, 3),
            (self.analyze, 12),
        ]

    def start(self) -> None:
        for number in range(self.clients):
            thread = threading.Thread(target=self._client, args=(number,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def _client(self, number: int) -> None:
        chooser = random.Random(number)
        session = requests.Session()
        functions = [action for action, _ in self.actions]
        weights = [weight for _, weight in self.actions]
        # Start the clients spread over one interval, not all at once.
        next_at = time.monotonic() + self.interval * number / self.clients
        while not self.stop.is_set():
            pause = next_at - time.monotonic()
            if pause > 0 and self.stop.wait(pause):
                break
            next_at = max(next_at + self.interval, time.monotonic() - self.interval)
            chooser.choices(functions, weights)[0](session, chooser)

    def call(
        self,
        session: requests.Session,
        endpoint: str,
        method: str,
        path: str,
        **options: Any,
    ) -> requests.Response | None:
        """One request, kept as a sample; the response, or None when there was no answer."""
        started = self.clock()
        try:
            answer = session.request(method, self.base_url + path, timeout=15, **options)
        except requests.RequestException as error:
            self._keep(Sample(endpoint, started, self.clock(), 0, type(error).__name__))
            return None
        detail = answer.text[:200].strip() if answer.status_code >= 500 else ""
        self._keep(Sample(endpoint, started, self.clock(), answer.status_code, detail))
        return answer

    def _keep(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def _some_accepted(self, chooser: random.Random) -> int | None:
        with self.lock:
            return chooser.choice(self.accepted[-500:]) if self.accepted else None

    def _moderator(self) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.tokens.moderator}

    def post_comment(self, session: requests.Session, chooser: random.Random) -> None:
        reader = chooser.randrange(400)
        answer = self.call(
            session,
            "POST /v1/articles/<id>/comments",
            "POST",
            f"/v1/articles/soak-{chooser.randrange(20)}/comments",
            json={
                "author": {"id": f"reader-{reader}", "name": f"Reader {reader}"},
                "text": chooser.choice(self.texts),
            },
            headers={"Idempotency-Key": uuid.uuid4().hex, "X-Forwarded-For": _address(reader)},
        )
        if answer is not None and answer.status_code in (200, 202):
            with self.lock:
                self.accepted.append(int(answer.json()["id"]))

    def read_status(self, session: requests.Session, chooser: random.Random) -> None:
        comment_id = self._some_accepted(chooser)
        if comment_id is not None:
            self.call(session, "GET /v1/comments/<id>", "GET", f"/v1/comments/{comment_id}")

    def read_article(self, session: requests.Session, chooser: random.Random) -> None:
        path = f"/v1/articles/soak-{chooser.randrange(20)}/comments?limit=20"
        self.call(session, "GET /v1/articles/<id>/comments", "GET", path)

    def report(self, session: requests.Session, chooser: random.Random) -> None:
        comment_id = self._some_accepted(chooser)
        if comment_id is None:
            return
        reader = chooser.randrange(10_000)
        self.call(
            session,
            "POST /v1/comments/<id>/reports",
            "POST",
            f"/v1/comments/{comment_id}/reports",
            json={"reader_id": f"reporter-{reader}", "reason": "abusive"},
            headers={"X-Forwarded-For": _address(reader)},
        )

    def _held(self, session: requests.Session, limit: int) -> list[dict[str, Any]]:
        answer = self.call(
            session,
            "GET /v1/review/queue",
            "GET",
            f"/v1/review/queue?limit={limit}",
            headers=self._moderator(),
        )
        if answer is None or answer.status_code != 200:
            return []
        comments: list[dict[str, Any]] = answer.json()["comments"]
        return comments

    def review(self, session: requests.Session, chooser: random.Random) -> None:
        held = self._held(session, 10)
        if not held:
            return
        item = chooser.choice(held)
        self.call(
            session,
            "POST /v1/review/comments/<id>/decision",
            "POST",
            f"/v1/review/comments/{item['id']}/decision",
            json={
                "action": chooser.choice(["approve", "reject"]),
                "reason_code": chooser.choice(REASON_CODES),
                "version": item["version"],
            },
            headers=self._moderator(),
        )

    def bulk(self, session: requests.Session, chooser: random.Random) -> None:
        held = self._held(session, 20)
        if not held:
            return
        ids = [item["id"] for item in chooser.sample(held, min(5, len(held)))]
        answer = self.call(
            session,
            "POST /v1/review/bulk",
            "POST",
            "/v1/review/bulk",
            json={"action": "approve", "reason_code": "other", "ids": ids},
            headers=self._moderator(),
        )
        if answer is not None and answer.status_code == 202:
            with self.lock:
                self.bulk_operations.append(int(answer.json()["id"]))

    def analyze(self, session: requests.Session, chooser: random.Random) -> None:
        self.call(
            session,
            "POST /v1alpha1/comments:analyze",
            "POST",
            f"/v1alpha1/comments:analyze?key={self.tokens.api_key}",
            json={
                "comment": {"text": chooser.choice(self.texts)[:500]},
                "requestedAttributes": {"TOXICITY": {}},
                "languages": ["en"],
            },
        )


def _address(number: int) -> str:
    """A reader's address (TEST-NET-2), as the proxy in front would pass it on."""
    return f"198.51.{number // 250 % 250}.{number % 250 + 1}"
