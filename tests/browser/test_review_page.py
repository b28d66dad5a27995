"""The review page as moderators use it: Chromium against gunicorn and a real worker."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, bearer
from tests.support.workbench import comment_row, comment_state, insert_comments

pytestmark = pytest.mark.browser

ARTICLE = "browser-review"
TEXTS = [
    "You absolute moron, nobody wants you here",
    "Buy cheap watches at www.example-shop.ru now",
    "This is a borderline rude reply to the mayor",
    "Another comment waiting for a human",
]


@pytest.fixture
def held(live_service: Any, database_url: str) -> list[int]:
    """Four held comments, most severe first (that is also the queue's order)."""
    rows = [
        comment_row(
            article_id=ARTICLE,
            author_id="angry-reader",
            text=TEXTS[0],
            rules=[("banned_terms", "reject")],
            spans=[[13, 18]],
            scores={"toxicity": 0.93, "insult": 0.9},
        ),
        comment_row(
            article_id=ARTICLE,
            text=TEXTS[1],
            rules=[("links", "hold")],
            spans=[[21, 40]],
            scores={"toxicity": 0.2},
        ),
        comment_row(article_id=ARTICLE, text=TEXTS[2], scores={"toxicity": 0.61}),
        comment_row(article_id=ARTICLE, text=TEXTS[3], scores={"toxicity": 0.52}),
    ]
    return insert_comments(database_url, rows)


def claim_of(base_url: str, comment_id: int) -> Any:
    answer = requests.get(
        f"{base_url}/v1/review/comments/{comment_id}", headers=bearer(ADMIN_TOKEN), timeout=5
    )
    return answer.json()["claim"]


def wait_until(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_a_moderator_works_the_queue_from_the_keyboard(
    browser: Any, live_service: Any, held: list[int], database_url: str
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, timezone_id="UTC")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    first, second, third, fourth = held

    page.goto(f"{live_service.base_url}/review")
    page.get_by_label("Moderator token").fill("not-a-valid-token-at-all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#sign-in-error")).to_contain_text("not valid")
    errors.clear()  # the browser logs the 401 itself
    page.get_by_label("Moderator token").fill(MODERATOR_TOKEN.split(":", 1)[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#who-name")).to_have_text("alice (moderator)")
    expect(page.locator("#queue li")).to_have_count(4)
    expect(page.locator('[data-count="held"]')).to_have_text("4")

    # The most severe comment first, its matched span highlighted, every reason listed.
    detail = page.locator("#d-id")
    expect(detail).to_have_text(f"#{first}")
    expect(page.locator("#d-text mark")).to_have_text("moron")
    expect(page.locator("#d-reasons li")).to_have_count(3)
    expect(page.locator("#d-author")).to_contain_text("angry-reader")
    expect(page.locator("#sign-in")).to_be_hidden()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review.png"))

    page.keyboard.press("a")  # approve the first; the page moves to the next one
    expect(page.locator("#toast")).to_contain_text(f"#{first} approved")
    expect(detail).to_have_text(f"#{second}")
    page.keyboard.press("j")
    expect(detail).to_have_text(f"#{third}")
    # Moving on without deciding hands the claim back; the comment in view is claimed.
    wait_until(lambda: claim_of(live_service.base_url, second) is None)
    wait_until(lambda: (claim_of(live_service.base_url, third) or {}).get("moderator") == "alice")
    page.keyboard.press("r")  # reject with the selected reason code
    expect(page.locator("#toast")).to_contain_text(f"#{third} rejected")
    page.keyboard.press("k")
    page.keyboard.press("k")
    expect(detail).to_have_text(f"#{second}")
    expect(page.locator("#d-text mark")).to_have_text("www.example-shop.ru")
    page.keyboard.press("a")
    expect(page.locator("#toast")).to_contain_text(f"#{second} approved")
    page.keyboard.press("u")  # undo the last decision
    expect(page.locator("#toast")).to_contain_text(f"#{second} is held again")
    expect(detail).to_have_text(f"#{second}")
    page.keyboard.press("a")
    expect(page.locator("#toast")).to_contain_text(f"#{second} approved")
    expect(page.locator('[data-count="held"]')).to_have_text("1")

    assert comment_state(database_url, first)["status"] == "approved"
    assert comment_state(database_url, second)["status"] == "approved"
    third_state = comment_state(database_url, third)
    assert third_state["status"] == "rejected" and third_state["public_reason"] == "abusive"
    assert comment_state(database_url, fourth)["status"] == "held"

    # Bulk: select the last one and approve the selection; a worker runs the job.
    expect(detail).to_have_text(f"#{fourth}")
    page.keyboard.press("x")
    expect(page.locator("#selected-count")).to_have_text("1 selected")
    page.get_by_role("button", name="Approve selected").click()
    expect(page.locator("#bulk-status")).to_have_text("1 changed", timeout=60_000)
    assert comment_state(database_url, fourth)["status"] == "approved"
    expect(page.locator("#empty")).to_be_visible()
    assert errors == []
    context.close()


def test_the_review_page_is_served_under_a_strict_policy(live_service: Any) -> None:
    answer = requests.get(f"{live_service.base_url}/review", timeout=5)
    assert answer.status_code == 200
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["Cache-Control"] == "no-store"
    assert requests.get(f"{live_service.base_url}/review/static/review.js", timeout=5).ok
