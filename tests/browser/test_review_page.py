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


PARENT_TEXT = "The council should publish the whole budget, line by line."
PENDING_TEXT = "A comment the workers have not scored yet"


@pytest.fixture
def held(live_service: Any, database_url: str) -> list[int]:
    """Four held comments, most severe first (that is also the queue's order); the last one
    replies to a published comment. And one pending comment."""
    (parent,) = insert_comments(
        database_url,
        [
            comment_row(
                status="approved", article_id=ARTICLE, author_id="budget-watcher", text=PARENT_TEXT
            )
        ],
    )
    reply = comment_row(article_id=ARTICLE, text=TEXTS[3], scores={"toxicity": 0.52})
    reply.update(parent_id=parent, root_id=parent)
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
        comment_row(article_id=ARTICLE, text=TEXTS[2], scores={"identity_attack": 0.61}),
    ]
    # One insert per set of columns: a batch takes its columns from its first row.
    ids = [*insert_comments(database_url, rows), *insert_comments(database_url, [reply])]
    insert_comments(
        database_url, [comment_row(status="pending", article_id=ARTICLE, text=PENDING_TEXT)]
    )
    return ids


def audit_reason_codes(base_url: str, comment_id: int) -> list[Any]:
    """The reason codes of the moderators' changes to a comment, oldest first."""
    answer = requests.get(
        f"{base_url}/v1/audit?comment_id={comment_id}&actor_type=moderator",
        headers=bearer(ADMIN_TOKEN),
        timeout=5,
    )
    return [record["reason_code"] for record in reversed(answer.json()["records"])]


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
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_service.base_url}/review")
    sign_in = page.get_by_role("button", name="Sign in")
    # A styled button, not the browser's default grey one.
    expect(sign_in).to_have_css("background-color", "rgb(36, 82, 200)")
    page.screenshot(path=str(ARTIFACTS / "review-sign-in.png"))
    page.get_by_label("Moderator token").fill("not-a-valid-token-at-all")
    sign_in.click()
    expect(page.locator("#sign-in-error")).to_contain_text("not valid")
    errors.clear()  # the browser logs the 401 itself
    page.get_by_label("Moderator token").fill(MODERATOR_TOKEN.split(":", 1)[1])
    sign_in.click()
    expect(page.locator("#who-name")).to_have_text("alice (moderator)")
    # Every queue the API has, by name, with its count.
    expect(page.locator(".queue-tab")).to_have_count(7)
    names = [name.split(" ")[0] for name in page.locator(".queue-tab").all_inner_texts()]
    assert names == ["Held", "Reported", "Pending", "Approved", "Rejected", "Spot", "All"]
    expect(page.locator("#queue li")).to_have_count(4)
    expect(page.locator('[data-count="held"]')).to_have_text("4")
    expect(page.locator('[data-count="pending"]')).to_have_text("1")

    # Each row: the author's name, the article, when, and why in plain words.
    row = page.locator("#queue li").first
    expect(row.locator(".row-author")).to_have_text("Angry-Reader")
    expect(row.locator(".row-article")).to_have_text(ARTICLE)
    expect(row.locator(".row-time")).to_have_text("just now")
    expect(row.locator(".row-why")).to_have_text("Banned term · Toxicity 93% · Insult 90%")
    expect(page.locator("#queue li").nth(3).locator(".reply-mark")).to_be_visible()

    # The most severe comment first, its matched span highlighted, every reason by name.
    detail = page.locator("#d-id")
    expect(detail).to_have_text(f"#{first}")
    expect(page.locator("#d-text mark")).to_have_text("moron")
    reasons = page.locator("#d-reasons li")
    expect(reasons).to_have_count(3)
    expect(reasons.nth(0)).to_contain_text("Banned term — rejects")
    expect(reasons.nth(0)).to_contain_text("banned list")
    expect(reasons.nth(1)).to_contain_text("Toxicity 93% — holds (holds at 50%, rejects at 95%)")
    expect(reasons.nth(2)).to_contain_text("Insult 90%")
    expect(page.locator("#d-author-name")).to_have_text("Angry-Reader")
    expect(page.locator("#d-parent")).to_be_hidden()
    expect(reasons.locator("strong")).to_have_text(["Banned term", "Toxicity", "Insult"])
    assert "0.93" not in page.locator("body").inner_text()
    expect(page.locator("#sign-in")).to_be_hidden()
    # No reason is chosen before the moderator chooses one.
    expect(page.locator("#reason-code")).to_have_value("")
    page.screenshot(path=str(ARTIFACTS / "review.png"))

    page.keyboard.press("a")  # approve the first, with no reason; the page moves on
    expect(page.locator("#toast")).to_contain_text(f"#{first} approved")
    expect(detail).to_have_text(f"#{second}")
    assert audit_reason_codes(live_service.base_url, first) == [None]
    page.keyboard.press("j")
    expect(detail).to_have_text(f"#{third}")
    expect(page.locator("#d-reasons li").first).to_contain_text("Identity attack 61%")
    # Moving on without deciding hands the claim back; the comment in view is claimed.
    wait_until(lambda: claim_of(live_service.base_url, second) is None)
    wait_until(lambda: (claim_of(live_service.base_url, third) or {}).get("moderator") == "alice")
    page.keyboard.press("r")  # a rejection asks for its reason first
    expect(page.locator("#reason-picker")).to_be_visible()
    expect(page.locator("#reason-picker .pick")).to_have_count(6)
    expect(page.locator("#reason-picker .pick").nth(1)).to_contain_text("2 Spam")
    assert comment_state(database_url, third)["status"] == "held"
    page.screenshot(path=str(ARTIFACTS / "review-reject-reason.png"))
    page.keyboard.press("1")  # abusive
    expect(page.locator("#toast")).to_contain_text(f"#{third} rejected")
    expect(page.locator("#reason-picker")).to_be_hidden()
    expect(page.locator("#reason-code")).to_have_value("")
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

    # A reply shows the comment it answers above it.
    expect(detail).to_have_text(f"#{fourth}")
    expect(page.locator("#d-parent")).to_be_visible()
    expect(page.locator("#d-parent-text")).to_have_text(PARENT_TEXT)
    expect(page.locator("#d-parent-author")).to_have_text("Budget-Watcher")
    page.screenshot(path=str(ARTIFACTS / "review-reply.png"))

    # Bulk: select the last one and approve the selection; a worker runs the job.
    page.keyboard.press("x")
    expect(page.locator("#selected-count")).to_have_text("1 selected")
    page.get_by_role("button", name="Approve selected").click()
    expect(page.locator("#bulk-status")).to_have_text("1 changed", timeout=60_000)
    assert comment_state(database_url, fourth)["status"] == "approved"
    expect(page.locator("#empty")).to_be_visible()

    # The pending queue has its own tab.
    page.locator(".queue-tab", has_text="Pending").click()
    expect(page.locator("#queue li")).to_have_count(1)
    expect(page.locator("#queue li .snippet")).to_have_text(PENDING_TEXT)
    assert errors == []
    context.close()


def test_the_review_page_is_served_under_a_strict_policy(live_service: Any) -> None:
    answer = requests.get(f"{live_service.base_url}/review", timeout=5)
    assert answer.status_code == 200
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["Cache-Control"] == "no-store"
    assert requests.get(f"{live_service.base_url}/review/static/review.js", timeout=5).ok


def test_the_detail_says_which_language_and_model_decided(browser: Any, live_service: Any) -> None:
    # Posted through the API and decided by the live worker: no model serves Arabic here.
    from tests.support.live import wait_for_status

    text = "شكرا جزيلا على هذا المقال الرائع عن الاقتصاد العراقي"
    posted = requests.post(
        f"{live_service.base_url}/v1/articles/{ARTICLE}-ar/comments",
        json={"author": {"id": "reader-erbil", "name": "Reader in Erbil"}, "text": text},
        timeout=10,
    )
    assert posted.status_code == 202, posted.text
    assert wait_for_status(live_service.base_url, posted.json()["id"])["status"] == "held"

    context = browser.new_context(viewport={"width": 1400, "height": 900}, timezone_id="UTC")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_service.base_url}/review")
    page.get_by_label("Moderator token").fill(MODERATOR_TOKEN.split(":", 1)[1])
    page.get_by_role("button", name="Sign in").click()
    page.locator("#queue li", has_text=text).click()
    expect(page.locator("#d-text")).to_have_text(text)
    expect(page.locator("#d-decided-by")).to_have_text(
        "Language: Arabic (ar, 100% sure) — no model serves this language · Model: none"
    )
    reason = page.locator('#d-reasons li[data-reason="language_unsupported"]')
    expect(reason.locator("strong")).to_have_text("Language without a model")
    page.screenshot(path=str(ARTIFACTS / "review-language.png"))
    assert errors == []
    context.close()


def test_the_detail_shows_the_texts_an_author_replaced(browser: Any, live_service: Any) -> None:
    # Posted and edited through the API, decided each time by the live worker: the edit is in
    # Arabic, which no model serves here, so it waits in the held queue.
    from tests.support.live import wait_for_status

    base = live_service.base_url
    first = "A first version about the regional economy."
    edited = "شكرا على هذا المقال الرائع عن الاقتصاد في المنطقة"
    posted = requests.post(
        f"{base}/v1/articles/{ARTICLE}-edits/comments",
        json={"author": {"id": "reader-edits", "name": "Second Thoughts"}, "text": first},
        timeout=10,
    )
    assert posted.status_code == 202, posted.text
    comment_id, token = posted.json()["id"], posted.json()["edit_token"]
    version = wait_for_status(base, comment_id)["version"]
    changed = requests.patch(
        f"{base}/v1/comments/{comment_id}",
        json={"text": edited, "version": version, "edit_token": token},
        timeout=10,
    )
    assert changed.status_code == 200, changed.text
    assert wait_for_status(base, comment_id)["status"] == "held"

    context = browser.new_context(viewport={"width": 1400, "height": 900}, timezone_id="UTC")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/review")
    page.get_by_label("Moderator token").fill(MODERATOR_TOKEN.split(":", 1)[1])
    page.get_by_role("button", name="Sign in").click()
    page.locator("#queue li", has_text=edited).click()
    expect(page.locator("#d-text")).to_have_text(edited)
    expect(page.locator("#d-versions-label")).to_have_text("Edited by its author: 1 earlier text")
    page.locator("#d-versions-label").click()
    expect(page.locator("#d-versions li blockquote")).to_have_text(first)
    assert errors == []
    context.close()


SPOT_TEXT = "The library's new opening hours suit working parents better."


def test_a_moderator_keeps_a_spot_checked_comment_published(
    browser: Any, live_service: Any, database_url: str
) -> None:
    from sqlalchemy import insert

    from moderation.db.session import make_engine
    from moderation.policies.models import SpotCheck

    (sampled,) = insert_comments(
        database_url,
        [comment_row(status="approved", article_id=f"{ARTICLE}-spot", text=SPOT_TEXT)],
    )
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(insert(SpotCheck), [{"comment_id": sampled, "site_id": "default"}])
    engine.dispose()

    context = browser.new_context(viewport={"width": 1400, "height": 900}, timezone_id="UTC")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_service.base_url}/review")
    page.get_by_label("Moderator token").fill(MODERATOR_TOKEN.split(":", 1)[1])
    page.get_by_role("button", name="Sign in").click()
    page.locator(".queue-tab", has_text="Spot check").click()
    # The queue's first comment, the only one sampled, opens by itself (clicking it as well
    # raced the list's re-render under load).
    expect(page.locator("#queue li", has_text=SPOT_TEXT)).to_have_attribute("aria-current", "true")
    expect(page.locator("#d-text")).to_have_text(SPOT_TEXT)
    page.keyboard.press("a")  # approving a spot-checked published comment keeps it

    def outcome() -> Any:
        answer = requests.get(
            f"{live_service.base_url}/v1/spot-checks/{sampled}",
            headers=bearer(MODERATOR_TOKEN),
            timeout=5,
        )
        return answer.json()["outcome"]

    wait_until(lambda: outcome() == "kept")
    assert comment_state(database_url, sampled)["status"] == "approved"
    assert errors == []
    context.close()
