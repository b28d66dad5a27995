"""The nudge in Chromium: the widget pre-checks a draft (POST .../comments:precheck) against
gunicorn and a real scoring worker process; the author sees why it would not be published, in
plain words, and rephrases or posts anyway. Nothing is stored until the author posts."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import Reader
from tests.support.live import running_service
from tests.support.settings import ADMIN_TOKEN, WIDGET_HOST_ORIGIN, bearer

pytestmark = pytest.mark.browser

ARTICLE = f"nudge-{uuid.uuid4().hex[:10]}"
BANNED_WORD = "gnasherbeast"


@pytest.fixture(scope="module")
def live_service(
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Any]:
    """The service with sites read afresh on every request (the two gunicorn workers see the
    site's `nudge` at once), a pre-check deadline a loaded test machine can meet, and the tiny
    model (quick to load; its scores are near 0, so the rules decide what is nudged)."""
    yield from running_service(
        database_url,
        redis_url,
        tiny_model,
        tmp_path_factory.mktemp("nudge-logs"),
        MODERATION_WEB_ALLOWED_ORIGINS=WIDGET_HOST_ORIGIN,
        MODERATION_SITES_CACHE_SECONDS="0",
        MODERATION_NUDGE_DEADLINE_MS="3000",
        MODERATION_MODEL_CHECKPOINT=str(tiny_model[0]),
        MODERATION_MODEL_CONFIG_DIR=str(tiny_model[1]),
    )


def set_default_site(base_url: str, body: dict[str, Any]) -> None:
    answer = requests.patch(
        f"{base_url}/v1/sites/default", json=body, headers=bearer(ADMIN_TOKEN), timeout=10
    )
    assert answer.status_code == 200, answer.text


def wait_for_warm_prechecks(base_url: str) -> None:
    """Each web process warms up (rules, language identifier) on its first pre-check and answers
    `unknown` until then: wait for ten decided answers in a row, for at most two minutes."""
    in_a_row, give_up = 0, time.monotonic() + 120
    while in_a_row < 10:
        assert time.monotonic() < give_up, "the web processes never answered a decided pre-check"
        answer = requests.post(
            f"{base_url}/v1/articles/{ARTICLE}-warm/comments:precheck",
            json={"text": f"a {BANNED_WORD}", "author": {"id": "warm-up", "name": "W"}},
            timeout=10,
        )
        decided = answer.status_code == 200 and answer.json()["outcome"] == "reject"
        in_a_row = in_a_row + 1 if decided else 0
        if not decided:
            time.sleep(0.2)


def published_count(base_url: str) -> int:
    page = requests.get(f"{base_url}/v1/articles/{ARTICLE}/comments?limit=100", timeout=5)
    return len(page.json()["comments"])


def test_author_is_nudged_then_rephrases_or_posts_anyway(reader: Reader) -> None:
    base = reader.base_url
    set_default_site(base, {"settings": {"nudge": True}, "words": {"banned": [BANNED_WORD]}})
    wait_for_warm_prechecks(base)
    reader.open_demo(ARTICLE)
    form = reader.compose()
    rude = f"Only a {BANNED_WORD} would write this article"
    reader.post("Noor", rude)

    nudge = form.locator(".nudge")
    expect(nudge).to_be_visible()
    expect(nudge).to_contain_text("Some words go against our community guidelines.")
    expect(nudge).to_contain_text("it will most likely not be published")
    expect(nudge.locator('li[data-reason="offensive_language"]')).to_have_count(1)
    post_anyway = form.get_by_role("button", name="Post anyway")
    expect(post_anyway).to_be_visible()
    # The draft is still the author's to change, and nothing was stored.
    expect(form.locator("textarea")).to_have_value(rude)
    expect(reader.widget.locator("li.comment.own")).to_have_count(0)

    # Rephrased: the nudge goes, the comment is checked again and posted.
    polite = "I think this article gets the budget figures wrong"
    form.locator("textarea").fill(polite)
    expect(nudge).to_be_hidden()
    form.get_by_role("button", name="Post comment").click()
    assert reader.wait_for_status(polite, "approved") == "approved"

    # Nudged again, the author posts anyway: the comment goes in and is rejected as usual.
    reader.post("Noor", rude)
    expect(post_anyway).to_be_visible()
    post_anyway.click()
    assert reader.wait_for_status(rude, "rejected") == "rejected"
    assert published_count(base) == 1
    assert not reader.errors, reader.errors


def test_site_without_nudge_posts_at_once(reader: Reader) -> None:
    base = reader.base_url
    set_default_site(base, {"settings": {}, "words": {"banned": [BANNED_WORD]}})
    reader.open_demo(ARTICLE)
    rude = f"Another {BANNED_WORD} remark"
    reader.post("Noor", rude)
    assert reader.wait_for_status(rude, "rejected") == "rejected"
    expect(reader.compose().locator(".nudge")).to_be_hidden()
