"""The widget as readers use it: in Chromium, against gunicorn and a real scoring worker."""

from __future__ import annotations

import itertools
import json
import re
import time
import uuid
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, Reader
from tests.support.live import wait_for_status
from tests.support.settings import MODERATOR_TOKEN, WIDGET_HOST_ORIGIN, bearer

pytestmark = pytest.mark.browser

# One article for the whole module, so the closing screenshot shows what the tests did.
ARTICLE = f"browser-{uuid.uuid4().hex[:10]}"
BENIGN = "Thanks for the clear explanation of the budget."
ABUSIVE = "you are an idiot"
BANNED = "Just kill yourself already"
XSS_IMAGE = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_NAME = "<b>Mallory</b>"


def published_texts(base_url: str, article: str) -> list[str]:
    """Every published text of the article, replies included, through the public API."""
    page = requests.get(f"{base_url}/v1/articles/{article}/comments?limit=100", timeout=5).json()
    texts: list[str] = []
    stack = list(page["comments"])
    while stack:
        comment = stack.pop()
        texts.append(comment["text"])
        stack.extend(comment["replies"])
    return texts


def post_approved(
    base_url: str, article: str, text: str, name: str = "Samira", parent_id: int | None = None
) -> int:
    """A comment (or a reply) posted through the API and published by the worker; its id."""
    answer = requests.post(
        f"{base_url}/v1/articles/{article}/comments",
        json={"author": {"id": f"seed-{name}", "name": name}, "text": text, "parent_id": parent_id},
        timeout=10,
    )
    answer.raise_for_status()
    decided = wait_for_status(base_url, answer.json()["id"])
    assert decided["status"] == "approved", decided
    return int(answer.json()["id"])


def publish(base_url: str, comment_id: int) -> None:
    """Make sure a comment is published: a moderator approves it if the worker did not."""
    status = wait_for_status(base_url, comment_id)
    if status["status"] == "approved":
        return
    auth = bearer(MODERATOR_TOKEN)
    detail = requests.get(f"{base_url}/v1/review/comments/{comment_id}", headers=auth, timeout=5)
    decision = requests.post(
        f"{base_url}/v1/review/comments/{comment_id}/decision",
        json={"action": "approve", "version": detail.json()["version"]},
        headers=auth,
        timeout=5,
    )
    assert decision.status_code == 200, decision.text


def test_benign_comment_shows_pending_then_published(reader: Reader) -> None:
    reader.open_demo(ARTICLE)
    reader.post("Layla", BENIGN, double_click=True)

    mine = reader.own(BENIGN)
    expect(mine).to_have_attribute("data-status", "pending")
    expect(mine.locator(".badge")).to_have_text("Awaiting moderation")
    assert reader.wait_for_status(BENIGN, "approved") == "approved"
    expect(mine.locator(".badge")).to_have_text("Published")
    expect(reader.widget.get_by_role("status")).to_have_text("Your comment is published.")

    # The double click posted once: the Idempotency-Key made the second request a replay.
    assert published_texts(reader.base_url, ARTICLE).count(BENIGN) == 1
    reader.page.reload()
    expect(reader.published().filter(has_text=BENIGN)).to_have_count(1)
    expect(reader.widget.locator("li.comment.own")).to_have_count(0)
    assert reader.errors == []


def test_an_author_edits_their_comment_and_the_new_text_is_checked_again(
    reader: Reader,
) -> None:
    first, second = "First draft on the tram line.", "Second draft on the tram line."
    reader.open_demo(ARTICLE)
    reader.post("Nadia", first)
    assert reader.wait_for_status(first, "approved") == "approved"

    reader.own(first).get_by_role("button", name="Edit your comment").click()
    reader.own(first).locator("form.edit-form textarea").fill(second)
    reader.own(first).get_by_role("button", name="Save").click()
    expect(reader.widget.get_by_role("status")).to_have_text(
        "Your edit was sent. It is checked before it appears."
    )
    # Checked again like a new comment, then published with its new words only.
    assert reader.wait_for_status(second, "approved") == "approved"
    texts = published_texts(reader.base_url, ARTICLE)
    assert second in texts and first not in texts

    # After a reload it shows among the published, marked edited, still editable by its author.
    reader.page.reload()
    shown = reader.published().filter(has_text=second)
    expect(shown.locator(".edited")).to_have_text("edited")
    expect(shown.get_by_role("button", name="Edit your comment")).to_be_visible()
    assert reader.errors == []


def test_abusive_comments_are_held_or_rejected_with_a_kind_explanation(reader: Reader) -> None:
    reader.open_demo(ARTICLE)
    reader.post("Troll", ABUSIVE)

    assert reader.wait_for_status(ABUSIVE, "held") == "held"
    mine = reader.own(ABUSIVE)
    expect(mine.locator(".badge")).to_have_text("Held for review")
    expect(mine.locator(".explain")).to_contain_text("moderator will read your comment")
    expect(mine.locator(".explain")).to_contain_text("Only you can see it")

    reader.post("Troll", BANNED)
    assert reader.wait_for_status(BANNED, "rejected") == "rejected"
    expect(reader.own(BANNED).locator(".badge")).to_have_text("Not published")
    expect(reader.own(BANNED).locator(".explain")).to_contain_text("welcome to rephrase it")
    expect(reader.own(BANNED).get_by_role("button", name="Reply")).to_be_hidden()

    assert ABUSIVE not in published_texts(reader.base_url, ARTICLE)
    assert BANNED not in published_texts(reader.base_url, ARTICLE)
    reader.page.reload()
    reader.own(ABUSIVE).wait_for()
    expect(reader.own(ABUSIVE)).to_have_attribute("data-status", "held")
    expect(reader.published().filter(has_text=ABUSIVE)).to_have_count(0)
    expect(reader.published().filter(has_text=BANNED)).to_have_count(0)
    assert reader.errors == []


def test_markup_in_comments_shows_as_text_and_never_runs(reader: Reader) -> None:
    reader.open_demo(ARTICLE)
    for text in (XSS_IMAGE, XSS_SCRIPT):
        reader.post(XSS_NAME, text)
        reader.own(text).wait_for()
        expect(reader.own(text).locator(".text")).to_have_text(text)
        expect(reader.own(text).locator(".author")).to_have_text(XSS_NAME)
    for text in (XSS_IMAGE, XSS_SCRIPT):
        publish(reader.base_url, int(reader.own(text).get_attribute("data-comment-id") or 0))

    # Again from the public list, in a fresh profile, as every other reader sees them.
    reader.page.context.clear_cookies()
    reader.page.evaluate("() => window.localStorage.clear()")
    reader.page.reload()
    for text in (XSS_IMAGE, XSS_SCRIPT):
        shown = reader.published().filter(has_text=text)
        expect(shown.locator(".text")).to_have_text(text)
        expect(shown.locator(".author")).to_have_text(XSS_NAME)
    expect(reader.widget.locator("img, script, b")).to_have_count(0)
    assert reader.page.evaluate("() => typeof window.__xss") == "undefined"
    assert reader.dialogs == []
    assert reader.errors == []


def test_reply_is_posted_and_shown_under_its_parent(reader: Reader) -> None:
    parent = "The logistics priority is the one to watch."
    post_approved(reader.base_url, ARTICLE, parent)
    reader.open_demo(ARTICLE)
    thread = reader.published().filter(has_text=parent)
    thread.get_by_role("button", name="Reply to Samira").click()
    form = thread.locator("form.reply-form")
    expect(form.get_by_label("Your name")).to_be_focused()
    reply = "Agreed, and cyber defence too."
    reader.post("Omar", reply, form=form)
    assert reader.wait_for_status(reply, "approved") == "approved"
    expect(thread.locator("ol.replies li.comment").filter(has_text=reply)).to_have_count(1)

    reader.page.reload()
    thread = reader.published().filter(has_text=parent).first
    expect(thread.locator("ol.replies li.comment").filter(has_text=reply)).to_have_count(1)


def test_form_is_usable_with_the_keyboard(reader: Reader) -> None:
    reader.open_demo(ARTICLE)
    form = reader.compose()
    name = form.get_by_label("Your name")
    text = form.get_by_label("Your comment")
    expect(form.locator(".counter")).to_have_text("0 / 5000 characters")

    # Sending an empty form names the problem and puts the cursor where it is.
    text.focus()
    reader.page.keyboard.press("Shift+Tab")
    expect(name).to_be_focused()
    reader.page.keyboard.press("Enter")
    expect(form.get_by_role("alert")).to_have_text("Please enter your name.")
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")

    reader.page.keyboard.type("Noor")
    reader.page.keyboard.press("Tab")
    expect(text).to_be_focused()
    reader.page.keyboard.type("Good to read.")
    expect(form.locator(".counter")).to_have_text("13 / 5000 characters")
    text.fill("x" * 5003)
    expect(form.locator(".counter")).to_have_text("5003 / 5000 characters (3 too many)")
    form.get_by_role("button", name="Post comment").click()
    expect(form.get_by_role("alert")).to_contain_text("the limit is 5000")
    expect(text).to_be_focused()

    # The name is remembered for next time, with a random author id for this browser.
    reader.page.reload()
    expect(reader.compose().get_by_label("Your name")).to_have_value("Noor")
    stored = reader.page.evaluate(
        "() => JSON.parse(localStorage.getItem('moderation-widget:author'))"
    )
    assert stored["name"] == "Noor" and stored["id"].startswith("reader-")


def test_widget_on_a_newsroom_page_on_another_origin(reader: Reader) -> None:
    article = f"cross-origin-{uuid.uuid4().hex[:8]}"
    seeded = [f"Comment number {n} on the mission." for n in (1, 2, 3)]
    for text in seeded:
        post_approved(reader.base_url, article, text)
    host_page = (
        "<!doctype html><html lang=en><head><title>Newsroom</title>"
        # The host's styles must not reach into the widget.
        "<style>p, li, button, h2 { color: rgb(255, 0, 0) !important; font-size: 40px }</style>"
        "</head><body>"
        "<h1>An article on another site</h1>"
        f'<script src="{reader.base_url}/widget.js" data-article-id="{article}" '
        'data-page-size="2" async></script></body></html>'
    )
    reader.page.route(
        f"{WIDGET_HOST_ORIGIN}/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=host_page),
    )
    # The test service listens on loopback; a page from elsewhere needs Chromium's local
    # network permission for that (a real newsroom calls a public service and does not).
    reader.page.context.grant_permissions(["local-network-access"], origin=WIDGET_HOST_ORIGIN)
    reader.page.goto(f"{WIDGET_HOST_ORIGIN}/politics/nato-visit")

    texts = reader.published().locator(".text")
    expect(texts).to_have_text(seeded[:2])
    reader.widget.get_by_role("button", name="Load more comments").click()
    expect(texts).to_have_text(seeded)
    expect(reader.published().nth(2).locator("article")).to_be_focused()
    expect(reader.widget.get_by_role("button", name="Load more comments")).to_be_hidden()

    reader.widget.get_by_role("button", name="Newest first").click()
    expect(texts).to_have_text(seeded[::-1][:2])
    reader.widget.get_by_role("button", name="Load more comments").click()
    expect(texts).to_have_text(seeded[::-1])
    expect(texts.first).not_to_have_css("color", "rgb(255, 0, 0)")
    expect(texts.first).to_have_css("font-size", "16px")
    expect(reader.widget.get_by_role("button", name="Newest first")).to_have_attribute(
        "aria-pressed", "true"
    )

    # Posting from the other origin: a preflighted JSON POST with an Idempotency-Key.
    reader.post("Hassan", BENIGN)
    assert reader.wait_for_status(BENIGN, "approved") == "approved"
    assert reader.errors == []


def test_status_is_polled_with_backoff(reader: Reader) -> None:
    asked: list[float] = []

    def always_pending(route: Any) -> None:
        asked.append(time.monotonic())
        body = {"id": 1, "status": "pending", "reason_code": None}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    reader.page.route("**/v1/comments/*", always_pending)
    reader.open_demo(f"polling-{uuid.uuid4().hex[:8]}")
    text = "Interesting to see how the advisory role works in practice."
    reader.post("Rana", text)
    expect(reader.own(text)).to_have_attribute("data-status", "pending")
    reader.page.wait_for_timeout(8_000)

    # 1 s, then 1.6 times longer each time: about 1, 2.6, 5.2 (and 9.3) s after posting, not
    # every second. A busy machine only makes the gaps longer.
    assert 3 <= len(asked) <= 4, asked
    gaps = [later - earlier for earlier, later in itertools.pairwise(asked)]
    assert gaps[-1] > gaps[0] * 1.2, gaps


def test_a_remembered_comment_the_service_does_not_know_is_dropped(reader: Reader) -> None:
    article = f"forgotten-{uuid.uuid4().hex[:8]}"
    remembered = [
        {
            "id": 987654321,
            "parent_id": None,
            "created_at": "2025-02-07T09:00:00Z",
            "author": {"name": "Ghost"},
            "text": "From another database.",
            "status": "pending",
            "reason_code": None,
            "saved_at": int(time.time() * 1000),
        }
    ]
    key = f"moderation-widget:own:{article}"
    reader.page.add_init_script(
        f"localStorage.setItem({json.dumps(key)}, {json.dumps(json.dumps(remembered))})"
    )
    reader.open_demo(article)
    expect(reader.own("From another database.")).to_have_count(0)
    assert reader.page.evaluate(f"() => localStorage.getItem({json.dumps(key)})") == "[]"


def test_screenshot_of_the_demo_page(reader: Reader) -> None:
    """Saved for people to look at: test-artifacts/demo.png, with a held comment of the reader."""
    reader.open_demo(ARTICLE)
    expect(reader.published().first).to_be_visible()
    reader.post("Kareem", ABUSIVE)
    reader.wait_for_status(ABUSIVE, "held")
    reader.page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(exist_ok=True)
    reader.page.screenshot(path=str(ARTIFACTS / "demo.png"), full_page=True)
    assert (ARTIFACTS / "demo.png").stat().st_size > 10_000
    reader.page.set_viewport_size({"width": 390, "height": 844})
    reader.page.screenshot(path=str(ARTIFACTS / "demo-phone.png"), full_page=True)


def test_the_heading_counts_what_readers_see(reader: Reader) -> None:
    article = f"count-{uuid.uuid4().hex[:8]}"
    # An author each: one author posting fast is held (rules.max_comments_per_minute).
    top = post_approved(reader.base_url, article, "The first point is well made.", name="Nadia")
    post_approved(reader.base_url, article, "A second view on the visit.", name="Dana")
    post_approved(reader.base_url, article, "Agreed with the first point.", "Idris", top)
    reader.open_demo(article)
    heading = reader.widget.get_by_role("heading", level=2)
    expect(heading).to_have_text("3 comments")

    reader.post("Layla", BENIGN)
    assert reader.wait_for_status(BENIGN, "approved") == "approved"
    expect(heading).to_have_text("4 comments")
    # Readers report what others wrote, never their own comment.
    expect(reader.own(BENIGN).get_by_role("button", name=re.compile("Report"))).to_have_count(0)
    assert reader.errors == []


def test_a_reader_reports_a_comment_with_a_reason(reader: Reader) -> None:
    article = f"report-{uuid.uuid4().hex[:8]}"
    text = "Buy followers cheaply, message me for prices."
    comment_id = post_approved(reader.base_url, article, text, name="Farid")
    reader.open_demo(article)
    thread = reader.published().filter(has_text=text)
    thread.get_by_role("button", name="Report the comment by Farid").click()
    form = thread.locator("form.report-form")
    expect(form.get_by_role("radio")).to_have_count(6)
    expect(form.get_by_role("radio").first).to_be_focused()
    form.get_by_role("button", name="Send report").click()
    expect(form.get_by_role("alert")).to_have_text("Please choose a reason.")
    form.get_by_label("Spam or advertising").check()
    form.get_by_label("Anything a moderator should know? (optional)").fill("On every article.")
    ARTIFACTS.mkdir(exist_ok=True)
    thread.screenshot(path=str(ARTIFACTS / "widget-report.png"))
    form.get_by_role("button", name="Send report").click()
    expect(thread.locator(".report-done")).to_have_text(
        "Thank you. A moderator will look at this comment."
    )
    expect(thread.get_by_role("button", name="Reported")).to_be_disabled()

    # The report reached the moderators as an anonymous one: its reader is this browser's
    # address, not the id the widget sends.
    detail = requests.get(
        f"{reader.base_url}/v1/review/comments/{comment_id}",
        headers=bearer(MODERATOR_TOKEN),
        timeout=5,
    ).json()
    reports = [(r["verified"], r["reason"], r["note"]) for r in detail["reports"]]
    assert reports == [(False, "spam", "On every article.")]
    assert detail["reports"][0]["reader_id"].startswith("anon:")
    reader.page.reload()
    expect(
        reader.published().filter(has_text=text).get_by_role("button", name="Reported")
    ).to_be_disabled()
    assert reader.errors == []

    # The widget forgot (cleared storage): the API still knows this address.
    reader.page.evaluate("() => localStorage.removeItem('moderation-widget:reported')")
    reader.page.reload()
    thread = reader.published().filter(has_text=text)
    thread.get_by_role("button", name="Report the comment by Farid").click()
    thread.get_by_label("Abusive or hateful").check()
    thread.get_by_role("button", name="Send report").click()
    expect(thread.locator(".report-done")).to_have_text("You have already reported this comment.")
    assert (
        len(
            requests.get(
                f"{reader.base_url}/v1/review/comments/{comment_id}",
                headers=bearer(MODERATOR_TOKEN),
                timeout=5,
            ).json()["reports"]
        )
        == 1
    )


def test_the_demo_page_opens_on_a_published_thread(reader: Reader) -> None:
    """The first look at /demo: the seeded thread with its replies (demo-first-look.png)."""
    reader.page.goto(f"{reader.base_url}/demo")
    heading = reader.widget.get_by_role("heading", level=2)
    expect(heading).to_have_text("6 comments")
    first = reader.published().filter(has_text="cyber defence seems the most urgent").first
    expect(first.locator(".author").first).to_have_text("Layla Haddad")
    expect(first.locator("ol.replies li.comment")).to_have_count(2)
    expect(first.locator("ol.replies ol.replies .author")).to_have_text("Layla Haddad")
    expect(reader.published()).to_have_count(6)
    ARTIFACTS.mkdir(exist_ok=True)
    reader.page.screenshot(path=str(ARTIFACTS / "demo-first-look.png"), full_page=True)
    assert reader.errors == []


def test_replies_stay_under_a_removed_comment(reader: Reader) -> None:
    article = f"removed-{uuid.uuid4().hex[:8]}"
    top = post_approved(reader.base_url, article, "The stadium plan is a waste.", name="Quinn")
    reply = "I think it pays for itself within a decade."
    post_approved(reader.base_url, article, reply, "Rosa", top)
    auth = bearer(MODERATOR_TOKEN)
    detail = requests.get(f"{reader.base_url}/v1/review/comments/{top}", headers=auth, timeout=5)
    removed = requests.post(
        f"{reader.base_url}/v1/review/comments/{top}/decision",
        json={"action": "reject", "version": detail.json()["version"], "reason_code": "off_topic"},
        headers=auth,
        timeout=5,
    )
    assert removed.status_code == 200, removed.text
    reader.open_demo(article)
    placeholder = reader.published().filter(has_text="This comment is no longer available.")
    expect(placeholder).to_have_count(1)
    expect(placeholder).not_to_contain_text("stadium")
    expect(placeholder.locator("ol.replies li.comment").filter(has_text=reply)).to_have_count(1)
    # Nothing to reply to or report on the placeholder itself; the reply keeps its buttons.
    expect(placeholder.locator(":scope > article button")).to_have_count(0)
    answer = placeholder.locator("ol.replies li.comment").filter(has_text=reply)
    expect(answer.get_by_role("button", name="Reply to Rosa")).to_have_count(1)
    expect(reader.widget.get_by_role("heading", level=2)).to_have_text("1 comment")
    assert reader.errors == []
