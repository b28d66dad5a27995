"""The widget on other sites' pages: in the page's language (or the one asked for), loaded
twice, and mounted and destroyed by a single-page site's own code."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, Reader
from tests.browser.test_widget import post_approved
from tests.support.settings import WIDGET_HOST_ORIGIN

pytestmark = pytest.mark.browser


def open_host_page(reader: Reader, body: str, lang: str = "en") -> None:
    """A newsroom page on another origin, with `body` in it."""
    html = (
        f'<!doctype html><html lang="{lang}"><head><title>Newsroom</title></head>'
        f"<body><h1>An article</h1>{body}</body></html>"
    )
    reader.page.route(
        f"{WIDGET_HOST_ORIGIN}/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=html),
    )
    # The test service listens on loopback; a page from elsewhere needs Chromium's local
    # network permission for that (a real newsroom calls a public service and does not).
    reader.page.context.grant_permissions(["local-network-access"], origin=WIDGET_HOST_ORIGIN)
    reader.page.goto(f"{WIDGET_HOST_ORIGIN}/article")


def test_the_page_language_chooses_the_words_and_the_dates(reader: Reader) -> None:
    article = f"locale-{uuid.uuid4().hex[:8]}"
    post_approved(reader.base_url, article, "Une analyse claire de la visite.", name="Claire")
    script = (
        f'<script src="{reader.base_url}/widget.js" data-article-id="{article}" async></script>'
    )
    open_host_page(reader, script, lang="fr-FR")

    widget = reader.widget
    expect(widget.get_by_role("heading", level=2)).to_have_text("1 commentaire")
    expect(widget.get_by_role("button", name="Plus anciens d'abord")).to_be_visible()
    expect(widget.get_by_label("Votre nom")).to_be_visible()
    expect(widget.get_by_role("button", name="Publier le commentaire")).to_be_visible()
    expect(widget.locator(".counter")).to_have_text("0 / 5000 caractères")
    # Dates in the same language: the full date in the title, the relative one as text.
    time_element = reader.published().first.locator("time")
    expected = time_element.evaluate(
        "t => new Date(t.getAttribute('datetime')).toLocaleString('fr-FR',"
        " {dateStyle: 'medium', timeStyle: 'short'})"
    )
    expect(time_element).to_have_attribute("title", expected)
    expect(time_element).to_have_text(re.compile(r"^(maintenant|il y a .+)$"))

    reader.published().first.get_by_role("button", name="Signaler").click()
    expect(widget.locator("legend")).to_have_text("Pourquoi signalez-vous ce commentaire\u00a0?")
    widget.get_by_label("Spam ou publicité").check()
    # From another origin: the report is a preflighted JSON POST, like posting a comment.
    widget.get_by_role("button", name="Envoyer le signalement").click()
    expect(widget.locator(".report-done")).to_have_text(
        "Merci. Un modérateur va examiner ce commentaire."
    )
    widget.get_by_role("button", name="Publier le commentaire").click()
    expect(widget.locator("form.compose").get_by_role("alert")).to_have_text(
        "Veuillez indiquer votre nom."
    )
    ARTIFACTS.mkdir(exist_ok=True)
    reader.page.screenshot(path=str(ARTIFACTS / "widget-fr.png"), full_page=True)
    assert reader.errors == []


def test_data_locale_wins_and_a_second_script_tag_mounts_too(reader: Reader) -> None:
    article = f"locales-{uuid.uuid4().hex[:8]}"
    post_approved(reader.base_url, article, "Ein guter Beitrag.", name="Jonas")
    tags = "".join(
        f'<div id="{slot}"></div><script src="{reader.base_url}/widget.js" '
        f'data-article-id="{article}" data-target="{slot}" data-locale="{locale}"></script>'
        for slot, locale in (("german", "de"), ("spanish", "es-MX"), ("italian", "it"))
    )
    open_host_page(reader, tags, lang="fr")

    german, spanish, italian = (
        reader.page.locator(f"#{slot}") for slot in ("german", "spanish", "italian")
    )
    expect(german.get_by_role("heading", level=2)).to_have_text("1 Kommentar")
    expect(german.get_by_role("button", name="Kommentar senden")).to_be_visible()
    expect(spanish.get_by_role("heading", level=2)).to_have_text("1 comentario")
    expect(spanish.get_by_role("button", name="Denunciar el comentario de Jonas")).to_be_visible()
    # No strings in Italian: English throughout, dates too, rather than a mix.
    expect(italian.get_by_role("heading", level=2)).to_have_text("1 comment")
    title = italian.locator("time").first.get_attribute("title") or ""
    assert re.search(r"[A-Z][a-z]{2} \d", title) or re.search(r"\d [A-Z][a-z]{2}", title), title
    assert reader.page.evaluate("() => ModerationComments.languages") == ["en", "fr", "de", "es"]
    assert reader.errors == []


def test_a_single_page_site_mounts_and_destroys_the_widget(reader: Reader) -> None:
    first, second = (f"spa-{name}-{uuid.uuid4().hex[:8]}" for name in ("one", "two"))
    post_approved(reader.base_url, first, "About the first story.", name="Mira")
    post_approved(reader.base_url, second, "About the second story.", name="Yusuf")
    polled: list[float] = []

    def always_pending(route: Any) -> None:
        polled.append(time.monotonic())
        body = '{"id": 1, "status": "pending", "reason_code": null}'
        route.fulfill(status=200, content_type="application/json", body=body)

    reader.page.route("**/v1/comments/*", always_pending)
    # Loaded once, with no article: the page's own code decides what to show, and when.
    open_host_page(
        reader, f'<main id="slot"></main><script src="{reader.base_url}/widget.js"></script>'
    )
    reader.page.wait_for_function("() => window.ModerationComments")
    reader.page.evaluate(
        "article => { window.comments = ModerationComments.mount("
        "document.getElementById('slot'), {articleId: article}); }",
        first,
    )
    expect(reader.published().locator(".text")).to_have_text(["About the first story."])
    reader.post("Rana", "A comment that waits for a moderator.")
    expect(reader.own("waits for a moderator")).to_have_attribute("data-status", "pending")
    deadline = time.monotonic() + 30
    while not polled and time.monotonic() < deadline:  # the first status poll, 1 s after posting
        reader.page.wait_for_timeout(100)
    assert polled, "the widget never asked for the comment's status"

    reader.page.evaluate("() => window.comments.destroy()")
    asked = len(polled)
    assert (
        reader.page.evaluate("() => document.getElementById('slot').shadowRoot.childNodes.length")
        == 0
    )
    assert reader.page.evaluate("() => document.getElementById('slot').className") == ""
    # Polls come at most 30 s apart; the backoff is still short here, so 6 s of silence would
    # have seen at least one more if the widget still ran.
    reader.page.wait_for_timeout(6_000)
    assert len(polled) == asked

    # Another "page" of the site: the same element, another article.
    reader.page.evaluate(
        "article => { window.comments = ModerationComments.mount('slot', {articleId: article}); }",
        second,
    )
    expect(reader.published().locator(".text")).to_have_text(["About the second story."])
    assert reader.page.evaluate("() => ModerationComments.destroy('slot')") is True
    assert reader.page.evaluate("() => ModerationComments.destroy('slot')") is False
    error = reader.page.evaluate(
        "() => { try { ModerationComments.mount('slot', {}); } catch (e) { return e.message; } }"
    )
    assert error == "ModerationComments.mount needs options.articleId"
    assert reader.errors == []
