"""The widget as a good CDN citizen: the first page once, then only what is new (`since`),
every page revalidated with its ETag (If-None-Match, 304), and its author's comment polled only
until it is decided. On a newsroom page of another origin, so CORS lets all of it through.

Every wait is for an event (a request, a response, an element), never for a length of time:
`data-refresh-ms` makes the widget look every 200 ms (backing off to 1.6 s)."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Reader
from tests.browser.test_widget import ABUSIVE, post_approved
from tests.browser.test_widget_embedding import open_host_page

pytestmark = pytest.mark.browser

WAIT_MS = 30_000


class Traffic:
    """The widget's GET requests and the answers they got, from Playwright's events."""

    def __init__(self, page: Any) -> None:
        self.requests: list[Any] = []
        self.answers: list[tuple[str, int, str | None]] = []  # url, status, If-None-Match
        page.on("request", self._request)
        page.on("response", self._response)

    def _request(self, request: Any) -> None:
        if request.method == "GET" and "/v1/" in request.url:
            self.requests.append(request)

    def _response(self, response: Any) -> None:
        request = response.request
        if request.method == "GET" and "/v1/" in request.url:
            sent = request.headers.get("if-none-match")
            self.answers.append((request.url, response.status, sent))

    def thread(self, request: Any) -> bool:
        return urlparse(request.url).path.endswith("/comments")

    def first_pages(self) -> list[Any]:
        return [r for r in self.requests if self.thread(r) and "since" not in query(r.url)]

    def since_pages(self) -> list[Any]:
        return [r for r in self.requests if self.thread(r) and "since" in query(r.url)]

    def statuses(self) -> list[Any]:
        return [r for r in self.requests if "/v1/comments/" in r.url]


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def is_since(request: Any) -> bool:
    return (
        request.method == "GET"
        and urlparse(request.url).path.endswith("/comments")
        and "since" in query(request.url)
    )


def embed(reader: Reader, article: str) -> None:
    open_host_page(
        reader,
        f'<script src="{reader.base_url}/widget.js" data-article-id="{article}" '
        'data-refresh-ms="200" async></script>',
    )


def test_new_comments_come_through_since_with_etags_and_no_reload(reader: Reader) -> None:
    article = f"refresh-{uuid.uuid4().hex[:8]}"
    first = post_approved(reader.base_url, article, "Already there.", name="Amal")
    traffic = Traffic(reader.page)
    embed(reader, article)
    expect(reader.published().locator(".text")).to_have_text(["Already there."])

    # Nothing new yet: the widget asks again from the newest comment it has, with the ETag of
    # the page it got for that URL, and the service answers 304.
    with reader.page.expect_response(
        lambda r: is_since(r.request) and r.request.headers.get("if-none-match") is not None,
        timeout=WAIT_MS,
    ) as revalidated:
        pass
    assert revalidated.value.status == 304
    assert query(revalidated.value.url)["since"] == [str(first)]

    fresh = post_approved(reader.base_url, article, "Just published.", name="Bruno")
    expect(reader.published().locator(".text")).to_have_text(
        ["Already there.", "Just published."], timeout=WAIT_MS
    )
    expect(reader.widget.get_by_role("heading", level=2)).to_have_text("2 comments")

    # It came with a `since` page; the first page was read once, at mount.
    assert len(traffic.first_pages()) == 1
    brought = [
        (url, status)
        for url, status, _ in traffic.answers
        if "since" in query(url) and status == 200 and query(url)["since"] == [str(first)]
    ]
    assert brought, traffic.answers
    # Then it asks from the new newest comment: the same URL for every reader up to date.
    with reader.page.expect_request(
        lambda r: is_since(r) and query(r.url)["since"] == [str(fresh)], timeout=WAIT_MS
    ):
        pass
    assert len(traffic.first_pages()) == 1
    assert reader.errors == []


def test_a_held_comment_stops_the_polling_and_says_a_moderator_will_read_it(
    reader: Reader,
) -> None:
    article = f"held-{uuid.uuid4().hex[:8]}"
    post_approved(reader.base_url, article, "A calm remark.", name="Chen")
    traffic = Traffic(reader.page)
    embed(reader, article)
    expect(reader.published()).to_have_count(1)

    reader.post("Troll", ABUSIVE)
    assert reader.wait_for_status(ABUSIVE, "held") == "held"
    expect(reader.own(ABUSIVE).locator(".explain")).to_contain_text("moderator will read")
    polled = len(traffic.statuses())
    assert polled >= 1
    # The widget keeps looking for new comments, but no longer at the held comment's status.
    seen = len(traffic.since_pages())
    for _ in range(3):
        with reader.page.expect_request(is_since, timeout=WAIT_MS):
            pass
    assert len(traffic.since_pages()) >= seen + 3
    assert len(traffic.statuses()) == polled
    assert reader.errors == []
