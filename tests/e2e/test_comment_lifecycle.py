"""Through real processes: gunicorn serving the API, an RQ worker process, real Redis and DB."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.support.live import wait_for_status
from tests.support.settings import MODERATOR_TOKEN, bearer

pytestmark = pytest.mark.e2e


def post(base: str, article: str, text: str, author: str = "reader-1", **extra: Any) -> Any:
    return requests.post(
        f"{base}/v1/articles/{article}/comments",
        json={"author": {"id": author, "name": "A Reader"}, "text": text, **extra},
        timeout=10,
    )


def test_benign_comment_is_published_and_listed(live_service: Any) -> None:
    base = live_service.base_url
    answer = post(base, "city-budget", "Thanks for the clear explanation of the budget.")
    assert answer.status_code == 202
    body = answer.json()
    assert body["status"] == "pending"
    assert body["status_url"].endswith(f"/v1/comments/{body['id']}")

    decided = wait_for_status(base, body["id"])
    assert decided["status"] == "approved"
    assert decided["reason_code"] is None

    listed = requests.get(f"{base}/v1/articles/city-budget/comments", timeout=5).json()
    assert [comment["id"] for comment in listed["comments"]] == [body["id"]]


def test_banned_term_is_rejected_and_reviewable(live_service: Any) -> None:
    base = live_service.base_url
    answer = post(base, "city-budget", "Just kill yourself already", author="troll")
    decided = wait_for_status(base, answer.json()["id"])
    assert decided["status"] == "rejected"
    assert decided["reason_code"] == "offensive_language"

    detail = requests.get(
        f"{base}/v1/review/comments/{decided['id']}", headers=bearer(MODERATOR_TOKEN), timeout=5
    ).json()
    rule = next(reason for reason in detail["reasons"] if reason["kind"] == "rule")
    assert rule["id"] == "banned_terms"
    assert [entry["to_status"] for entry in detail["audit"]] == ["pending", "rejected"]
    assert detail["audit"][1]["actor_type"] == "system"


def test_held_comment_is_decided_by_a_moderator(live_service: Any) -> None:
    base = live_service.base_url
    # A first-time author: links hold only until an author has an approved comment.
    answer = post(base, "city-budget", "More at www.example-shop.ru today", author="first-timer")
    held = wait_for_status(base, answer.json()["id"])
    assert held["status"] == "held"

    queue = requests.get(
        f"{base}/v1/review/queue", headers=bearer(MODERATOR_TOKEN), timeout=5
    ).json()
    item = next(entry for entry in queue["comments"] if entry["id"] == held["id"])
    decision = requests.post(
        f"{base}/v1/review/comments/{held['id']}/decision",
        json={"action": "approve", "reason_code": "other", "version": item["version"]},
        headers=bearer(MODERATOR_TOKEN),
        timeout=5,
    )
    assert decision.status_code == 200, decision.text
    assert decision.json()["status"] == "approved"
    stale = requests.post(
        f"{base}/v1/review/comments/{held['id']}/decision",
        json={"action": "reject", "reason_code": "spam", "version": item["version"]},
        headers=bearer(MODERATOR_TOKEN),
        timeout=5,
    )
    assert stale.status_code == 409
    assert requests.get(f"{base}/v1/comments/{held['id']}", timeout=5).json()["status"] == (
        "approved"
    )


def test_readiness_reports_the_loaded_model(live_service: Any) -> None:
    ready = requests.get(f"{live_service.base_url}/readyz", timeout=5).json()
    assert ready["ready"] is True
    assert ready["checks"]["model"]["ok"] is True
    assert "checkpoint" in ready["checks"]["model"]["model"]
