"""Browser fixtures: Debian's Chromium driven by Playwright, and a reader who uses the widget.

Never a downloaded browser: the tests skip, saying why, when /usr/bin/chromium is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moderation.config import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
DECISION_TIMEOUT_MS = 60_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole run."""
    if not CHROMIUM.exists():
        pytest.skip(
            "browser tests need Debian's chromium at /usr/bin/chromium "
            "(apt-get install chromium); never a browser downloaded by playwright install"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is missing"
    )
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Reader:
    """A reader in a fresh browser profile, with what the page did behind their back."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        # A Content-Security-Policy violation, or anything else the page logs as an error.
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location.get('url')})")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def open_demo(self, article_id: str) -> None:
        self.page.goto(f"{self.base_url}/demo?article={article_id}")
        # "Comments", then "12 comments" once the first page says how many.
        self.widget.get_by_role("heading", level=2).wait_for()
        self.page.wait_for_function(
            "() => { const host = document.querySelector('.moderation-comments');"
            " const list = host && host.shadowRoot.querySelector('ol.comments:not(.own-comments)');"
            " return list && list.getAttribute('aria-busy') === 'false'; }"
        )

    @property
    def widget(self) -> Any:
        return self.page.locator(".moderation-comments")

    def compose(self) -> Any:
        return self.widget.locator("form.compose")

    def post(self, name: str, text: str, form: Any = None, double_click: bool = False) -> None:
        form = form or self.compose()
        form.get_by_label("Your name").fill(name)
        form.locator("textarea").fill(text)
        button = form.get_by_role("button", name="Post")
        if double_click:
            button.dblclick()
        else:
            button.click()

    def own(self, text: str) -> Any:
        """The reader's own comment with this text, as the widget shows it to them."""
        return self.widget.locator("li.comment.own").filter(has_text=text)

    def published(self) -> Any:
        """Comments from the public list (not the reader's own copies)."""
        return self.widget.locator("li.comment:not(.own)")

    def wait_for_status(self, text: str, *statuses: str) -> str:
        """Wait until the reader's comment shows one of `statuses`; return the one it shows."""
        selector = ", ".join(f'li.comment.own[data-status="{status}"]' for status in statuses)
        self.widget.locator(selector).filter(has_text=text).wait_for(timeout=DECISION_TIMEOUT_MS)
        return str(self.own(text).get_attribute("data-status"))


@pytest.fixture
def reader(browser: Any, live_service: Any) -> Iterator[Reader]:
    """A reader with a fresh profile (no stored name, no stored comments)."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="UTC"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield Reader(page, live_service.base_url)
    context.close()
