"""Authors' edits against the real database and Redis: the new text scored again by a real
scoring worker (burst mode), the earlier texts in the review detail, `comment.edited` delivered
signed to a real receiver, and every refusal (someone else, no proof, stale, past the window)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from standardwebhooks.webhooks import Webhook

from moderation.comments.models import Comment
from moderation.config import Settings
from moderation.db.session import make_engine, make_session_factory
from moderation.events.models import OutboxEvent
from moderation.worker.runner import run_worker
from tests.integration.test_commenter_sessions import HS, configure, exchange
from tests.support.commenters import HS_SECRET, claims, sign
from tests.support.receiver import Receiver, running
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, bearer
from tests.support.webhooks import deliver_until, subscribe, webhook_settings

SITE = "/v1/sites/news"


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    return webhook_settings(database_url, redis_url, tiny_model)


def session_for(client: Any, reader: str) -> dict[str, str]:
    answer = exchange(
        client, f"{SITE}/commenter-sessions", sign(claims(reader), HS_SECRET, "HS256")
    )
    assert answer.status_code == 201, answer.json
    return {"Authorization": f"Bearer {answer.json['token']}"}


def post(client: Any, text: str, headers: dict[str, str] | None = None, **extra: Any) -> Any:
    body: dict[str, Any] = {"text": text, **extra}
    if headers is None:
        body.setdefault("author", {"id": "guest", "name": "Guest"})
    answer = client.post(f"{SITE}/articles/a-1/comments", json=body, headers=headers or {})
    assert answer.status_code == 202, answer.json
    return answer.json


def edit(client: Any, comment_id: int, headers: dict[str, str] | None = None, **body: Any) -> Any:
    return client.patch(f"{SITE}/comments/{comment_id}", json=body, headers=headers or {})


def published(client: Any) -> list[dict[str, Any]]:
    answer = client.get(f"{SITE}/articles/a-1/comments")
    assert answer.status_code == 200, answer.json
    return list(answer.json["comments"])


def detail(client: Any, comment_id: int) -> Any:
    return client.get(f"/v1/review/comments/{comment_id}", headers=bearer(MODERATOR_TOKEN)).json


def events(settings: Settings, comment_id: int) -> list[OutboxEvent]:
    sessions = make_session_factory(make_engine(settings.database.url))
    with sessions() as session:
        return list(
            session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.comment_id == comment_id)
                .order_by(OutboxEvent.id)
            )
        )


def age(settings: Settings, comment_id: int, seconds: int) -> None:
    """Make the comment look `seconds` old (the window is checked against created_at)."""
    sessions = make_session_factory(make_engine(settings.database.url))
    with sessions.begin() as session:
        session.execute(
            update(Comment)
            .where(Comment.id == comment_id)
            .values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds))
        )


def test_an_author_edits_and_the_new_text_is_moderated_again(
    client: Any, settings: Settings
) -> None:
    configure(client, "news", HS)
    ada = session_for(client, "reader-ada")
    with running(Receiver()) as receiver:
        endpoint = subscribe(client, receiver.url, event_types=["comment.edited"])
        posted = post(client, "The council vote was close.", ada)
        assert posted.get("edit_token") is None  # a session proves a verified author
        comment_id = posted["id"]
        run_worker(settings, burst=True)
        assert [c["text"] for c in published(client)] == ["The council vote was close."]

        status = client.get(f"{SITE}/comments/{comment_id}").json
        assert status["version"] == 1 and status["editable_until"] is not None  # the text revision
        answer = edit(client, comment_id, ada, text="The council vote was very close.", version=1)
        assert answer.status_code == 200, answer.json
        assert answer.json["status"] == "pending" and answer.json["visible"] is False
        assert answer.json["version"] == 2
        # Out of the public list (the cached page too) until the new text is decided.
        assert published(client) == []

        run_worker(settings, burst=True)
        [shown] = published(client)
        assert shown["text"] == "The council vote was very close."
        assert shown["edited_at"] is not None

        # The second edit's text is one the rules reject: the edit cannot smuggle it in.
        second = edit(client, comment_id, ada, text="kill yourself", version=2)
        assert second.status_code == 200, second.json
        run_worker(settings, burst=True)
        assert client.get(f"{SITE}/comments/{comment_id}").json["status"] == "rejected"
        assert published(client) == []

        deliver_until(settings, lambda: len(receiver.requests) >= 2)
        verifier = Webhook(endpoint["secret"])
        delivered = [verifier.verify(r.body, r.headers) for r in receiver.requests]

    found = detail(client, comment_id)
    assert found["text"] == "kill yourself" and found["reason_code"] == "offensive_language"
    assert [(v["revision"], v["text"], v["status"]) for v in found["versions"]] == [
        (1, "The council vote was close.", "approved"),
        (2, "The council vote was very close.", "approved"),
    ]
    assert found["versions"][0]["reasons"], "the old text's verdict is kept with it"
    assert [
        (a["actor_type"], a["actor"], a["from_status"], a["to_status"]) for a in found["audit"]
    ] == [
        ("author", "reader-ada", None, "pending"),
        ("system", "scoring", "pending", "approved"),
        ("author", "reader-ada", "approved", "pending"),
        ("system", "scoring", "pending", "approved"),
        ("author", "reader-ada", "approved", "pending"),
        ("system", "scoring", "pending", "rejected"),
    ]
    assert [e.type for e in events(settings, comment_id)] == [
        "comment.created",
        "comment.approved",
        "comment.edited",
        "comment.approved",
        "comment.edited",
        "comment.rejected",
    ]
    assert [p["type"] for p in delivered] == ["comment.edited", "comment.edited"]
    first_edit = delivered[0]["data"]
    assert first_edit["comment"]["id"] == comment_id
    assert first_edit["comment"]["status"] == "pending"
    assert first_edit["comment"]["text"] is None  # undecided text is never sent out
    assert first_edit["edit"] == {
        "revision": 2,
        "previous_status": "approved",
        "previous_version": 2,
    }


def test_only_the_author_edits_a_verified_comment(client: Any, settings: Settings) -> None:
    configure(client, "news", HS)
    ada, bob = session_for(client, "reader-ada"), session_for(client, "reader-bob")
    comment_id = post(client, "A first thought.", ada)["id"]

    nobody = edit(client, comment_id, text="Hijacked.", version=1)
    assert nobody.status_code == 401 and nobody.json["reason"] == "token_required", nobody.json
    other = edit(client, comment_id, bob, text="Hijacked.", version=1)
    assert other.status_code == 403, other.json
    assert "another reader" in other.json["message"]
    stale = edit(client, comment_id, ada, text="A second thought.", version=7)
    assert stale.status_code == 409 and stale.json["current_version"] == 1, stale.json
    same = edit(client, comment_id, ada, text="A first thought.", version=1)
    assert same.status_code == 422 and "text" in same.json["errors"]["request"], same.json
    assert detail(client, comment_id)["text"] == "A first thought."
    assert detail(client, comment_id)["versions"] == []


def test_an_anonymous_author_edits_with_the_token_given_once(
    client: Any, settings: Settings
) -> None:
    configure(client, "news", {}, anonymous="allow")
    key = {"Idempotency-Key": "post-1"}
    body = {"text": "Anonymous opinion.", "author": {"id": "guest", "name": "Guest"}}
    first = client.post(f"{SITE}/articles/a-1/comments", json=body, headers=key)
    assert first.status_code == 202 and first.json["edit_token"].startswith("cet_"), first.json
    comment_id = first.json["id"]

    # The author id alone proves nothing: anyone may send it.
    bare = edit(client, comment_id, text="Changed by someone.", version=1)
    assert bare.status_code == 401 and bare.json["reason"] == "edit_token_required", bare.json
    forged = edit(client, comment_id, text="Changed.", version=1, edit_token="cet_forged")
    assert forged.status_code == 403, forged.json

    # A retry whose answer was lost gets a new token, which replaces the first one.
    retry = client.post(f"{SITE}/articles/a-1/comments", json=body, headers=key)
    assert retry.status_code == 200 and retry.json["id"] == comment_id, retry.json
    assert retry.json["edit_token"] != first.json["edit_token"]
    old = edit(client, comment_id, text="Changed.", version=1, edit_token=first.json["edit_token"])
    assert old.status_code == 403, old.json
    ok = edit(client, comment_id, text="Changed.", version=1, edit_token=retry.json["edit_token"])
    assert ok.status_code == 200 and ok.json["version"] == 2, ok.json


def test_edits_end_with_the_window_and_never_reopen_a_rejection(
    client: Any, settings: Settings
) -> None:
    configure(
        client, "news", {}, anonymous="allow", settings={"comments": {"edit_window_seconds": 60}}
    )
    posted = post(client, "Within the minute.")
    token, comment_id = posted["edit_token"], posted["id"]

    age(settings, comment_id, 120)
    assert client.get(f"{SITE}/comments/{comment_id}").json["editable_until"] is None
    late = edit(client, comment_id, text="Too late.", version=1, edit_token=token)
    assert late.status_code == 422, late.json
    assert "edit_window_seconds" in late.json["errors"]["request"]
    assert "60 s" in late.json["message"] and "comments.edit_window_seconds" in late.json["message"]

    rejected = post(client, "kill yourself")
    run_worker(settings, burst=True)
    refused = edit(
        client, rejected["id"], text="Sorry.", version=2, edit_token=rejected["edit_token"]
    )
    assert refused.status_code == 409 and "rejected" in refused.json["message"], refused.json

    bad = client.patch(
        "/v1/sites/news",
        json={"settings": {"comments": {"edit_window_seconds": -1}}},
        headers=bearer(ADMIN_TOKEN),
    )
    assert bad.status_code == 422, bad.json
    assert "settings.comments.edit_window_seconds" in bad.json["errors"]["request"], bad.json


def test_a_browser_may_send_the_edit_cross_origin(client: Any, settings: Settings) -> None:
    configure(client, "news", {}, anonymous="allow", origins=["https://paper.example"])
    preflight = client.open(
        f"{SITE}/comments/1",
        method="OPTIONS",
        headers={"Origin": "https://paper.example", "Access-Control-Request-Method": "PATCH"},
    )
    assert "PATCH" in preflight.headers["Access-Control-Allow-Methods"]
    settings_preflight = client.open(
        f"{SITE}/articles/a-1/settings",
        method="OPTIONS",
        headers={"Origin": "https://paper.example", "Access-Control-Request-Method": "PATCH"},
    )
    assert "PATCH" not in settings_preflight.headers.get("Access-Control-Allow-Methods", "")


def test_someone_elses_refused_edits_never_spend_the_authors_quota(
    settings: Settings, clean_state: None
) -> None:
    from tests.integration.test_rate_limits import app_with

    client = app_with(
        settings, comments_per_author="2 per hour", status_per_address="3 per hour"
    ).test_client()
    configure(client, "news", {}, anonymous="allow")
    posted = post(client, "My own words.")  # the author's first comment of two
    mallory = {"REMOTE_ADDR": "198.51.100.7"}
    for _ in range(3):
        refused = client.patch(
            f"{SITE}/comments/{posted['id']}",
            json={"text": "Not yours.", "version": 1, "edit_token": "cet_guess"},
            environ_base=mallory,
        )
        assert refused.status_code == 403, refused.json
    assert (
        client.patch(
            f"{SITE}/comments/{posted['id']}",
            json={"text": "Not yours.", "version": 1},
            environ_base=mallory,
        ).status_code
        == 429
    )  # the address's tries are limited, refused ones included

    mine = edit(
        client,
        posted["id"],
        text="My own, better words.",
        version=1,
        edit_token=posted["edit_token"],
    )
    assert mine.status_code == 200, mine.json  # the author's second of two
    again = edit(
        client, posted["id"], text="Third time.", version=2, edit_token=posted["edit_token"]
    )
    assert (
        again.status_code == 429 and again.json["limit"]["setting"] == "limits.comments_per_author"
    )


def test_a_verdict_on_the_old_text_never_lands_on_the_new_one(
    client: Any, settings: Settings
) -> None:
    from moderation.pipeline.verdict import Verdict
    from moderation.scoring.service import ScoringService

    configure(client, "news", {}, anonymous="allow")
    posted = post(client, "Before the edit.")
    scoring = ScoringService(make_session_factory(make_engine(settings.database.url)))
    [claimed] = scoring.claim([posted["id"]], "slow-worker")  # a worker is scoring the old text

    changed = edit(
        client, posted["id"], text="kill yourself", version=1, edit_token=posted["edit_token"]
    )
    assert changed.status_code == 200, changed.json
    assert scoring.record(claimed, Verdict("approve", (), ())) is False  # its version moved on
    assert client.get(f"{SITE}/comments/{posted['id']}").json["status"] == "pending"

    run_worker(settings, burst=True)  # the edit's own job: the new text is decided
    found = detail(client, posted["id"])
    assert found["status"] == "rejected" and found["text"] == "kill yourself"
    assert [a["to_status"] for a in found["audit"]] == ["pending", "pending", "rejected"]
