"""The worker gives the rules what they cannot see in the text: the author's standing and
recent comments, and the article's own settings (stored per article, changed over the API)."""

from __future__ import annotations

from typing import Any

from moderation.config import Settings
from moderation.worker.runner import run_worker
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, bearer


def post(client: Any, text: str, article: str = "a-1", author: str = "r1") -> int:
    answer = client.post(
        f"/v1/articles/{article}/comments",
        json={"author": {"id": author, "name": "R"}, "text": text},
    )
    assert answer.status_code == 202, answer.json
    return int(answer.json["id"])


def verdict(client: Any, comment_id: int) -> tuple[str, set[str]]:
    detail = client.get(f"/v1/review/comments/{comment_id}", headers=bearer(MODERATOR_TOKEN)).json
    rules = {r["id"] for r in detail["reasons"] if r["kind"] == "rule"}
    return detail["status"], rules


def patch(client: Any, article: str, body: dict[str, Any], token: str = ADMIN_TOKEN) -> Any:
    return client.patch(f"/v1/articles/{article}/settings", json=body, headers=bearer(token))


def test_article_settings_close_premoderate_and_override_rules(
    client: Any, settings: Settings
) -> None:
    assert patch(client, "closed-1", {"closed": True}).status_code == 200
    assert patch(client, "premod-1", {"premoderate": True}).status_code == 200
    changed = patch(client, "nolinks-1", {"rules": {"max_links": 0, "links": "off"}})
    assert changed.status_code == 200 and changed.json["rules"] == {"max_links": 0, "links": "off"}
    shown = client.get("/v1/articles/premod-1/settings", headers=bearer(MODERATOR_TOKEN)).json
    assert shown["premoderate"] is True and shown["closed"] is False

    closed = post(client, "A perfectly nice comment.", article="closed-1")
    premod = post(client, "A perfectly nice comment.", article="premod-1", author="r2")
    plain = post(client, "A perfectly nice comment.", article="open-1", author="r3")
    run_worker(settings, burst=True)

    assert verdict(client, closed) == ("rejected", {"article_closed"})
    assert verdict(client, premod) == ("held", {"article_premoderated"})
    assert verdict(client, plain) == ("approved", set())


def test_article_settings_reject_bad_input(client: Any) -> None:
    unknown = patch(client, "a-1", {"rules": {"banned_terms": ["x"]}})
    assert unknown.status_code == 422 and "rules.banned_terms" in unknown.json["message"]
    wrong_type = patch(client, "a-1", {"rules": {"max_links": "none"}})
    assert wrong_type.status_code == 422 and "rules.max_links" in wrong_type.json["message"]
    not_bool = patch(client, "a-1", {"closed": "yes"})
    assert not_bool.status_code == 422 and "closed" in not_bool.json["message"]
    moderator = patch(client, "a-1", {"closed": True}, token=MODERATOR_TOKEN)
    assert moderator.status_code == 403


def test_banned_author_duplicates_and_trusted_author(client: Any, settings: Settings) -> None:
    ban = client.post(
        "/v1/authors/troll/ban", json={"reason": "spam account"}, headers=bearer(MODERATOR_TOKEN)
    )
    assert ban.status_code in (200, 201), ban.json
    watch = client.post(
        "/v1/authors/watched/premoderate",
        json={"reason": "borderline history"},
        headers=bearer(MODERATOR_TOKEN),
    )
    assert watch.status_code in (200, 201), watch.json
    banned = post(client, "Hello there, friends.", author="troll")
    watched = post(client, "Hello there, friends.", author="watched")
    first = post(client, "Buy my e-book about tax reform today please.", author="copier")
    again = post(client, "Buy my e-book about tax reform today please!", author="copier")
    run_worker(settings, burst=True)

    assert verdict(client, banned) == ("rejected", {"author_banned"})
    assert verdict(client, watched) == ("held", {"author_premoderated"})
    assert verdict(client, first)[1] == set()
    status, rules = verdict(client, again)
    assert status == "held" and "duplicate" in rules
