"""The widget for a signed-in reader, on a newsroom page of another origin: it exchanges the
page's SSO token for a session, posts and reports as the site's reader, and asks the page for a
new token when the service wants one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import Reader
from tests.browser.test_widget_embedding import open_host_page
from tests.support.commenters import HS_SECRET, claims, sign
from tests.support.live import running_service, wait_for_status
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, WIDGET_HOST_ORIGIN, bearer

pytestmark = pytest.mark.browser

SITE = "daily"


@pytest.fixture(scope="module")
def live_service(
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Any]:
    """The live service with a site whose readers must sign in (anonymous "off")."""
    for service in running_service(
        database_url,
        redis_url,
        tiny_model,
        tmp_path_factory.mktemp("widget-token-logs"),
        MODERATION_SITES_CACHE_SECONDS="0",
    ):
        made = requests.post(
            f"{service.base_url}/v1/sites",
            json={
                "id": SITE,
                "anonymous": "off",
                "origins": [WIDGET_HOST_ORIGIN],
                "commenters": {"algorithms": ["HS256"], "secret": HS_SECRET},
            },
            headers=bearer(ADMIN_TOKEN),
            timeout=10,
        )
        assert made.status_code == 201, made.text
        yield service


def sso(user_id: str, name: str) -> str:
    return sign(claims(user_id, name), HS_SECRET, "HS256")


def published_comment(base: str, article: str, text: str) -> int:
    """A comment by another signed-in reader, published by the worker."""
    session = requests.post(
        f"{base}/v1/sites/{SITE}/commenter-sessions",
        json={},
        headers={"Authorization": f"Bearer {sso('writer-1', 'Samira')}"},
        timeout=10,
    ).json()["token"]
    answer = requests.post(
        f"{base}/v1/sites/{SITE}/articles/{article}/comments",
        json={"text": text},
        headers={"Authorization": f"Bearer {session}"},
        timeout=10,
    )
    assert answer.status_code == 202, answer.text
    assert wait_for_status(base, answer.json()["id"])["status"] == "approved"
    return int(answer.json()["id"])


def detail(base: str, comment_id: int) -> dict[str, Any]:
    answer = requests.get(
        f"{base}/v1/review/comments/{comment_id}", headers=bearer(MODERATOR_TOKEN), timeout=10
    )
    return dict(answer.json())


def test_a_signed_in_reader_posts_and_reports_as_the_sites_reader(reader: Reader) -> None:
    base = reader.base_url
    article = f"signed-{uuid.uuid4().hex[:8]}"
    other = published_comment(base, article, "The council meets again on Monday.")
    script = (
        f'<script src="{base}/widget.js" data-article-id="{article}" data-site="{SITE}" '
        f'data-token="{sso("reader-ada", "Ada")}" async></script>'
    )
    open_host_page(reader, script)

    form = reader.compose()
    expect(form.locator(".signed-in")).to_have_text("Posting as Ada")
    expect(form.get_by_label("Your name")).to_be_hidden()
    form.locator("textarea").fill("Thanks for explaining the budget so clearly.")
    form.get_by_role("button", name="Post comment").click()
    own = reader.own("explaining the budget")
    expect(own.locator(".author")).to_have_text("Ada")

    reader.published().filter(has_text="meets again").get_by_role("button", name="Report").click()
    reader.widget.get_by_label("Spam or advertising").check()
    reader.widget.get_by_role("button", name="Send report").click()
    expect(reader.widget.locator(".report-done")).to_have_text(
        "Thank you. A moderator will look at this comment."
    )
    assert [r["reader_id"] for r in detail(base, other)["reports"]] == ["reader-ada"]
    mine = requests.get(
        f"{base}/v1/review/queue",
        params={"queue": "all", "author_id": "reader-ada"},
        headers=bearer(MODERATOR_TOKEN),
        timeout=10,
    )
    authors = [item["author"] for item in mine.json()["comments"]]
    assert authors == [{"id": "reader-ada", "name": "Ada", "verified": True}]
    assert reader.errors == []


def test_the_widget_asks_the_page_for_a_token_when_the_service_wants_one(
    reader: Reader,
) -> None:
    base = reader.base_url
    article = f"renew-{uuid.uuid4().hex[:8]}"
    open_host_page(reader, f'<main id="slot"></main><script src="{base}/widget.js"></script>')
    reader.page.wait_for_function("() => window.ModerationComments")
    # The page has no signed-in reader at first: getToken answers null, and the reader types
    # a name. Then they sign in (the page's own login); the next getToken gives their token.
    reader.page.evaluate(
        """([article, site]) => {
          window.signedIn = null;
          window.asked = 0;
          window.comments = ModerationComments.mount(document.getElementById('slot'), {
            articleId: article, site: site,
            getToken: async () => { window.asked += 1; return window.signedIn; }
          });
        }""",
        [article, SITE],
    )
    form = reader.compose()
    expect(form.get_by_label("Your name")).to_be_visible()
    reader.page.evaluate("token => { window.signedIn = token; }", sso("reader-grace", "Grace"))
    reader.post("Someone", "A question about the new bridge.")
    # The service answered 401 token_required; the widget asked the page and sent it again.
    expect(reader.own("new bridge").locator(".author")).to_have_text("Grace")
    expect(form.locator(".signed-in")).to_have_text("Posting as Grace")
    assert reader.page.evaluate("() => window.asked") >= 2

    # Another reader signs in on the same page: the page hands the widget their token.
    reader.page.evaluate(
        "token => ModerationComments.setToken(token)", sso("reader-linus", "Linus")
    )
    expect(form.locator(".signed-in")).to_have_text("Posting as Linus")
    queue = requests.get(
        f"{base}/v1/review/queue",
        params={"queue": "all", "author_id": "reader-grace"},
        headers=bearer(MODERATOR_TOKEN),
        timeout=10,
    ).json()
    assert [item["text"] for item in queue["comments"]] == ["A question about the new bridge."]
    # Chromium logs the refused first attempt; nothing else went wrong on the page.
    assert [error for error in reader.errors if "status of 401" not in error] == []
