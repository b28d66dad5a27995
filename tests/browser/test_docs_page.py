"""/docs in Chromium with every request to another origin refused: the API reference renders
from the service's own files, under its strict CSP."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.browser.conftest import ARTIFACTS, Reader

pytestmark = pytest.mark.browser


def test_the_api_reference_renders_offline_under_a_strict_policy(
    browser: Any, live_service: Any
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    own = urlsplit(live_service.base_url).netloc
    elsewhere: list[str] = []

    def offline(route: Any) -> None:
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    page.set_default_timeout(30_000)
    visitor = Reader(page, live_service.base_url)
    page.goto(f"{live_service.base_url}/docs")
    page.locator(".opblock").first.wait_for()
    operations = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/v1/articles/{article_id}/comments" in text for text in operations)
    assert any("/v1/review/queue" in text for text in operations)
    # Swagger UI 5 reads the 3.1 document (4.x refused it): its version stamp, the outgoing
    # webhooks (a 3.1 section) and the two token schemes under Authorize.
    assert "OAS 3.1" in page.locator(".info").inner_text()
    assert "comment.approved" in page.locator(".swagger-ui").inner_text()
    page.locator("button.authorize").first.click()
    schemes = page.locator(".auth-container").all_inner_texts()
    assert any("adminToken" in text for text in schemes), schemes
    assert any("moderatorToken" in text for text in schemes), schemes
    page.locator("button.close-modal").first.click()
    page.locator(".opblock").first.click()  # expand one: the schema renders too
    page.locator(".opblock-body").first.wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "docs.png"))
    assert elsewhere == []
    assert visitor.errors == []  # no CSP violation, no script error
    context.close()


def test_docs_files_are_pinned_and_nothing_else_of_the_bundle_is_served(
    live_service: Any,
) -> None:
    page = requests.get(f"{live_service.base_url}/docs", timeout=5)
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert "cdn" not in page.text
    script = requests.get(
        f"{live_service.base_url}/docs/swagger-ui/swagger-ui-bundle.js", timeout=5
    )
    assert script.status_code == 200 and script.headers["X-Content-Type-Options"] == "nosniff"
    hidden = requests.get(f"{live_service.base_url}/docs/swagger-ui/index.html", timeout=5)
    assert hidden.status_code == 404
