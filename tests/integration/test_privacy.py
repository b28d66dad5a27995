"""GDPR, through the admin API on the real database, Redis, scoring worker and webhook worker:
an export holds the author's rows from every declared table; an erasure leaves nothing of them
in any text column of any table (the same id on another site untouched), keeps the audit trail
countable under a keyed pseudonym, takes their comments off the cached public thread, makes
the CDN purge due and tells webhook receivers; every request is recorded; only an admin of the
author's site may ask."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, String, Text, func, select, text
from sqlalchemy.orm import Session

from moderation.comments.models import AuditRecord, AuthorAction, Comment
from moderation.comments.thread_cache import thread_key
from moderation.config import Settings
from moderation.db.session import make_engine, make_session_factory
from moderation.dsa.models import DsaAppeal
from moderation.privacy.models import PrivacyRequest
from moderation.privacy.registry import personal_tables
from moderation.tables import metadata
from moderation.webhooks.models import CdnPurge, WebhookAttempt
from moderation.worker.runner import run_worker
from tests.support.receiver import Receiver, running
from tests.support.reports import report_service, verified_report
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, bearer, make_settings
from tests.support.webhooks import FAST_RETRIES, deliver_until, subscribe

ADMIN = bearer(ADMIN_TOKEN)
MODERATOR = bearer(MODERATOR_TOKEN)
PSEUDONYM_KEY = "test-pseudonym-key-0123456789abcdefghij"
API_KEY = "paper-a-perspective-key-0123456789"
AUTHOR = "reader-7"
NAME = "Zelda Quux"
EMAIL = "zelda.quux@example.org"
# The marks are words no random id can contain (event ids and digests are hex; "4417" alone
# turned up inside an event id about once in a hundred runs).
TEXTS = ("Turnips are underrated, says Wyx4417", "Parsnips deserve a column too, Qoz9931")
# A comment they edited: its first text lives on in comment_versions.
FIRST_TEXT, EDITED_TEXT = "Swedes are turnips too, 5521", "Swedes are roots, 7730"
# What must not be found anywhere after the erasure (the id only on the other site's rows).
NEEDLES = (NAME, "Zelda", "Quux", EMAIL, "Wyx4417", "Qoz9931")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running(Receiver(echo=True)) as started:
        yield started


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    return make_settings(
        database_url,
        redis_url,
        tiny_model,
        webhooks=FAST_RETRIES,
        perspective={"api_keys": [f"paper-a:{API_KEY}::paper-a"]},
        privacy={"pseudonym_key": PSEUDONYM_KEY},
        # Purges made due (sent to a closed port: the row is what is checked).
        reads={"purge_url": "http://127.0.0.1:9/{key}", "cache_seconds": 60.0},
    )


@pytest.fixture
def client(settings: Settings, clean_state: None) -> Any:
    from moderation.app import create_app

    app = create_app(settings)
    app.config["TESTING"] = True
    return app.test_client()


def person(client: Any, login: str, role: str, site: str) -> dict[str, str]:
    made = client.post(
        "/v1/admin/users",
        json={
            "login": login,
            "display_name": login.title(),
            "roles": [{"role": role, "site_id": site}],
        },
        headers=ADMIN,
    )
    assert made.status_code == 201, made.json
    return bearer(made.json["token"])


def post(client: Any, site: str, author: str, name: str, words: str, article: str = "a-1") -> int:
    answer = client.post(
        f"/v1/sites/{site}/articles/{article}/comments",
        json={"author": {"id": author, "name": name}, "text": words},
    )
    assert answer.status_code == 202, answer.json
    return int(answer.json["id"])


def thread(client: Any, site: str, article: str = "a-1") -> list[dict[str, Any]]:
    answer = client.get(f"/v1/sites/{site}/articles/{article}/comments")
    assert answer.status_code == 200, answer.json
    return list(answer.json["comments"])


def populate(client: Any, settings: Settings, receiver: Receiver) -> dict[str, Any]:
    """The author's data in every declared table of site paper-a, and their id on paper-b."""
    for site in ("paper-a", "paper-b"):
        assert client.post("/v1/sites", json={"id": site}, headers=ADMIN).status_code == 201
    endpoint = subscribe(client, receiver.url, site_id="paper-a")
    # A candidate policy in the shadows: its verdicts on their comments are theirs too.
    shadow = client.post(
        "/v1/sites/paper-a/policies",
        json={"settings": {"thresholds": {"toxicity": {"hold": 0.0}}}, "reason": "stricter"},
        headers=ADMIN,
    )
    assert shadow.status_code == 201 and shadow.json["state"] == "shadow", shadow.json
    mine = [post(client, "paper-a", AUTHOR, NAME, words) for words in TEXTS]
    theirs = post(client, "paper-a", "reader-8", "Bystander", "A bystander's view on roots")
    elsewhere = post(client, "paper-b", AUTHOR, "Z on B", "Another site, another account")
    edited = client.post(
        "/v1/sites/paper-a/articles/a-1/comments",
        json={"author": {"id": AUTHOR, "name": NAME}, "text": FIRST_TEXT},
    )
    assert edited.status_code == 202, edited.json
    # Their edit keeps the first text in comment_versions.
    rewritten = client.patch(
        f"/v1/sites/paper-a/comments/{edited.json['id']}",
        json={"text": EDITED_TEXT, "version": 1, "edit_token": edited.json["edit_token"]},
    )
    assert rewritten.status_code == 200, rewritten.json
    mine.append(int(edited.json["id"]))
    run_worker(settings, burst=True)
    assert {c["id"] for c in thread(client, "paper-a")} == {*mine, theirs}

    detail = client.get(f"/v1/review/comments/{mine[1]}", headers=MODERATOR).json
    decided = client.post(
        f"/v1/review/comments/{mine[1]}/decision",
        json={
            "action": "reject",
            "version": detail["version"],
            "reason_code": "off_topic",
            "note": f"{NAME} ({EMAIL}) again",
        },
        headers=MODERATOR,
    )
    assert decided.status_code == 200, decided.json
    banned = client.post(
        f"/v1/sites/paper-a/authors/{AUTHOR}/ban",
        json={"reason": f"{NAME} keeps posting vegetables"},
        headers=MODERATOR,
    )
    assert banned.status_code == 200, banned.json
    bulk = client.post(
        "/v1/review/bulk",
        json={
            "action": "approve",
            "filter": {"queue": "held", "site_id": "paper-a", "author_id": AUTHOR},
            "dry_run": True,
            "note": f"what of {NAME}?",
        },
        headers=MODERATOR,
    )
    assert bulk.status_code in (200, 202), bulk.json
    reports = report_service(client.application)
    verified_report(reports, theirs, AUTHOR)
    with reports.sessions.begin() as session:  # their note, as the report endpoint stores it
        session.execute(
            text("UPDATE reader_reports SET note = :note WHERE reader_id = :reader"),
            {"note": f"write to me at {EMAIL}", "reader": AUTHOR},
        )
    # A DSA notice about their removed comment (its copy of the text, an explanation naming
    # them) and their appeal against the removal, as the appeal endpoint stores it.
    noticed = client.post(
        "/v1/dsa/notices",
        json={
            "comment_id": mine[1],
            "law_broken": "Defamation",
            "explanation": f"{NAME} writes about my garden",
            "good_faith": True,
        },
    )
    assert noticed.status_code == 201, noticed.json
    with reports.sessions.begin() as session:
        audit_id = session.scalar(
            select(func.max(AuditRecord.id)).where(AuditRecord.comment_id == mine[1])
        )
        session.add(
            DsaAppeal(
                site_id="paper-a",
                comment_id=mine[1],
                audit_record_id=audit_id,
                restriction="rejected",
                original_actor_type="moderator",
                original_actor="moderator",
                author_id=AUTHOR,
                explanation=f"I am {NAME}, write to {EMAIL}",
            )
        )
    suggested = client.post(
        f"/v1alpha1/comments:suggestscore?key={API_KEY}",
        json={
            "comment": {"text": TEXTS[0]},
            "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.1}}},
        },
    )
    assert suggested.status_code == 200, suggested.json
    deliver_until(settings, lambda: _all_delivered(settings))
    return {"mine": mine, "theirs": theirs, "elsewhere": elsewhere, "endpoint": endpoint}


def _all_delivered(settings: Settings) -> bool:
    engine = make_engine(settings.database.url)
    with engine.connect() as connection:
        pending = connection.execute(
            text("SELECT count(*) FROM webhook_deliveries WHERE status <> 'delivered'")
        ).scalar_one()
        events = connection.execute(
            text("SELECT count(*) FROM outbox_events WHERE dispatched_at IS NULL")
        ).scalar_one()
    engine.dispose()
    return pending == 0 and events == 0


def text_hits(session: Session, needle: str) -> list[tuple[str, dict[str, Any]]]:
    """Every row of every table where some text or JSON column holds `needle`."""
    hits = []
    for table in metadata().sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns:
            continue
        for row in session.execute(select(table)).mappings():
            values = [json.dumps(row[c.name]) if row[c.name] is not None else "" for c in columns]
            if any(needle.casefold() in value.casefold() for value in values):
                hits.append((table.name, dict(row)))
    return hits


def test_export_then_erasure_of_an_author(
    client: Any, settings: Settings, receiver: Receiver
) -> None:
    made = populate(client, settings, receiver)
    mine, elsewhere = made["mine"], made["elsewhere"]
    admin_a = person(client, "ada", "admin", "paper-a")

    exported = client.get(
        f"/v1/sites/paper-a/authors/{AUTHOR}/data?reason=SAR-2026-17", headers=admin_a
    )
    assert exported.status_code == 200, exported.json
    tables = exported.json["tables"]
    for declared in personal_tables():
        assert tables[declared.table]["rows"], f"no rows of {declared.table} in the export"
    assert [row["id"] for row in tables["comments"]["rows"]] == mine  # not paper-b's
    assert {row["text"] for row in tables["comments"]["rows"]} == {*TEXTS, EDITED_TEXT}
    assert [row["text"] for row in tables["comment_versions"]["rows"]] == [FIRST_TEXT]
    assert tables["readers"]["rows"][0]["reader_id"] == AUTHOR
    assert tables["score_feedback"]["rows"][0]["text"] == TEXTS[0]
    assert exported.json["not_included"]
    assert exported.json["names"] == [NAME]

    sessions = make_session_factory(make_engine(settings.database.url))
    with sessions() as session:
        audit_before = session.scalar(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.comment_id.in_(mine))
        )
    thread(client, "paper-a")  # the page is now in the Redis cache
    with sessions() as session:
        purge_generation = session.get(CdnPurge, thread_key("paper-a", "a-1")).generation

    erased = client.post(
        f"/v1/sites/paper-a/authors/{AUTHOR}/erasure",
        json={"reason": "SAR-2026-17"},
        headers=admin_a,
    )
    assert erased.status_code == 200, erased.json
    expected = (
        "erased:"
        + hmac.new(
            PSEUDONYM_KEY.encode(), f"paper-a\x1f{AUTHOR}".encode(), hashlib.sha256
        ).hexdigest()[:32]
    )
    assert erased.json["pseudonym"] == expected
    assert erased.json["comment_ids"] == mine
    assert (
        erased.json["counts"]["comments"] == len(mine) == 3
        and erased.json["counts"]["readers"] == 1
    )

    # Readers: gone from the thread at once, though the page was cached.
    assert {c["id"] for c in thread(client, "paper-a")} == {made["theirs"]}
    status = client.get(f"/v1/sites/paper-a/comments/{mine[0]}")
    assert status.status_code == 200, status.json
    assert (status.json["status"], status.json["visible"]) == ("erased", False)
    detail = client.get(f"/v1/review/comments/{mine[0]}", headers=admin_a)
    assert detail.status_code == 200, detail.json
    assert (detail.json["text"], detail.json["status"]) == ("", "erased")
    for name in ("held", "approved", "rejected", "reported", "pending"):
        queue = client.get(f"/v1/review/queue?queue={name}&site_id=paper-a", headers=admin_a)
        assert queue.status_code == 200, queue.json
        assert not {c["id"] for c in queue.json["comments"]} & set(mine), name
    everything = client.get("/v1/review/queue?queue=all&site_id=paper-a", headers=admin_a).json
    assert {c["status"] for c in everything["comments"] if c["id"] in mine} == {"erased"}
    deliver_until(settings, lambda: _all_delivered(settings))
    with sessions() as session:
        assert session.get(CdnPurge, thread_key("paper-a", "a-1")).generation > purge_generation

        # Nothing of them is left in any text column of any table...
        for needle in NEEDLES:
            assert text_hits(session, needle) == [], needle
        for needle in (*TEXTS, FIRST_TEXT, EDITED_TEXT):
            assert text_hits(session, needle) == [], needle
        # ...but their id on the other site, which is another account.
        for table, row in text_hits(session, AUTHOR):
            assert (table == "comments" and row["id"] == elsewhere) or (
                table in ("outbox_events", "audit_records") and row["comment_id"] == elsewhere
            ), (table, row)
        assert session.get(Comment, elsewhere).text == "Another site, another account"
        # The receiver echoed the bodies it got: the answers kept went with the rest.
        echoed = session.scalars(
            select(WebhookAttempt.response_body).where(WebhookAttempt.response_body.is_not(None))
        ).all()
        assert echoed and not any(TEXTS[0] in body for body in echoed)

        # The audit trail still counts them, under the pseudonym: their comments' records
        # (and one more per comment, the erasure), their standing changes, their requests.
        audit_after = session.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .join(Comment, Comment.id == AuditRecord.comment_id)
            .where(Comment.author_id == expected)
        )
        assert audit_after == audit_before + len(mine)
        erasure_records = session.scalars(
            select(AuditRecord).where(AuditRecord.reason_code == "author_erased")
        ).all()
        assert sorted((r.comment_id, r.actor, r.to_status) for r in erasure_records) == [
            (comment_id, "ada", "erased") for comment_id in mine
        ]
        actions = session.scalars(
            select(AuthorAction).where(AuthorAction.author_id == expected)
        ).all()
        assert [a.to_status for a in actions] == ["banned"]
        requests = session.scalars(
            select(PrivacyRequest)
            .where(PrivacyRequest.subject == expected)
            .order_by(PrivacyRequest.id)
        ).all()
        assert [(r.kind, r.site_id, r.reason) for r in requests] == [
            ("export", "paper-a", "SAR-2026-17"),
            ("erasure", "paper-a", "SAR-2026-17"),
        ]
        assert requests[1].counts["comments"] == 3 and requests[0].counts["comments"] == 3

    # Receivers are told, without personal data, which comments to erase.
    announced = [json.loads(body) for body in receiver.bodies()]
    erased_events = [event for event in announced if event["type"] == "author.erased"]
    assert [e["data"] for e in erased_events] == [
        {"site_id": "paper-a", "author": {"id": expected}, "comment_ids": mine}
    ]
    # The record, as an admin of the site reads it: linked by the pseudonym, naming nobody.
    listed = client.get(f"/v1/privacy/requests?subject={expected}", headers=admin_a)
    assert listed.status_code == 200, listed.json
    items = listed.json["items"]
    assert [(i["kind"], i["actor"], i["site_id"]) for i in items] == [
        ("erasure", "ada", "paper-a"),
        ("export", "ada", "paper-a"),
    ]
    assert AUTHOR not in json.dumps(items) and NAME not in json.dumps(items)
    # A second export finds nothing of them any more.
    again = client.get(f"/v1/sites/paper-a/authors/{AUTHOR}/data", headers=admin_a).json
    assert all(not again["tables"][t.table]["rows"] for t in personal_tables())


def test_only_an_admin_of_the_authors_site_may_export_or_erase(client: Any) -> None:
    for site in ("paper-a", "paper-b"):
        assert client.post("/v1/sites", json={"id": site}, headers=ADMIN).status_code == 201
    post(client, "paper-a", AUTHOR, NAME, TEXTS[0])
    admin_b = person(client, "bea", "admin", "paper-b")
    moderator_a = person(client, "mo", "moderator", "paper-a")
    for who in (admin_b, moderator_a):
        export = client.get(f"/v1/sites/paper-a/authors/{AUTHOR}/data", headers=who)
        erase = client.post(
            f"/v1/sites/paper-a/authors/{AUTHOR}/erasure", json={"reason": "T-1"}, headers=who
        )
        assert (export.status_code, erase.status_code) == (403, 403), (export.json, erase.json)
        assert "paper-a" in export.json["message"] or "admin" in export.json["message"]
        # The default site's paths are the default site's: not theirs either.
        assert client.get(f"/v1/authors/{AUTHOR}/data", headers=who).status_code == 403
    assert client.get(f"/v1/sites/paper-a/authors/{AUTHOR}/data").status_code == 401
    assert client.get("/v1/privacy/requests?site_id=paper-a", headers=admin_b).status_code == 403
    assert client.get("/v1/privacy/requests", headers=moderator_a).status_code == 403
    assert client.get("/v1/privacy/requests", headers=admin_b).json["items"] == []
    with make_session_factory(
        make_engine(client.application.config["MODERATION_SETTINGS"].database.url)
    )() as session:
        assert session.scalar(select(func.count()).select_from(PrivacyRequest)) == 0
        assert session.scalar(select(Comment.text)) == TEXTS[0]


BAD_ERASURES = [
    ({}, 422, "reason"),
    ({"reason": ""}, 422, "reason"),
    ({"reason": "x" * 501}, 422, "reason"),
    ({"reason": f"request from {NAME.lower()}"}, 422, "reason"),
    ({"reason": f"ticket for {AUTHOR}"}, 422, "reason"),
    ({"reason": "T-1", "extra": 1}, 422, "extra"),
]


def test_a_bad_erasure_request_names_the_problem_and_erases_nothing(client: Any) -> None:
    assert client.post("/v1/sites", json={"id": "paper-a"}, headers=ADMIN).status_code == 201
    post(client, "paper-a", AUTHOR, NAME, TEXTS[0])
    path = f"/v1/sites/paper-a/authors/{AUTHOR}/erasure"
    for body, status, field in BAD_ERASURES:
        answer = client.post(path, json=body, headers=ADMIN)
        assert answer.status_code == status, (body, answer.json)
        assert field in json.dumps(answer.json), answer.json
    unprintable = client.post(
        "/v1/sites/paper-a/authors/a%01b/erasure", json={"reason": "T-1"}, headers=ADMIN
    )
    assert unprintable.status_code == 422 and "author_id" in unprintable.json["message"]
    assert client.get("/v1/sites/paper-z/authors/x/data", headers=ADMIN).status_code == 404
    settings = client.application.config["MODERATION_SETTINGS"]
    with make_session_factory(make_engine(settings.database.url))() as session:
        assert session.scalar(select(Comment.text)) == TEXTS[0]
        assert session.scalar(select(func.count()).select_from(PrivacyRequest)) == 0


def test_replies_outlive_an_erased_or_removed_top_level_comment(
    client: Any, settings: Settings
) -> None:
    # Other readers' replies are their words: erasing or removing the comment they answered
    # leaves a placeholder in its place (no author, no text) with the replies under it. A top
    # with no published reply simply goes.
    assert client.post("/v1/sites", json={"id": "paper-a"}, headers=ADMIN).status_code == 201
    admin_a = person(client, "ada", "admin", "paper-a")
    top = post(client, "paper-a", AUTHOR, NAME, TEXTS[0])
    alone = post(client, "paper-a", AUTHOR, NAME, TEXTS[1])
    other = post(client, "paper-a", "reader-9", "Other", "A top-level comment nobody answers")
    answered = post(client, "paper-a", "reader-9", "Other", "A view someone will answer")
    run_worker(settings, burst=True)

    def reply(parent: int, reader: str, words: str) -> int:
        answer = client.post(
            "/v1/sites/paper-a/articles/a-1/comments",
            json={
                "author": {"id": reader, "name": reader.title()},
                "text": words,
                "parent_id": parent,
            },
        )
        assert answer.status_code == 202, answer.json
        return int(answer.json["id"])

    first = reply(top, "reader-8", "I disagree with the turnip take")
    own = reply(top, AUTHOR, "Adding to my own point")
    countered = reply(answered, "reader-8", "Fair enough")
    run_worker(settings, burst=True)
    nested = reply(first, "reader-9", "And I with yours")
    run_worker(settings, burst=True)
    page = client.get("/v1/sites/paper-a/articles/a-1/comments").json
    assert page["total"] == 8 and not any(c["removed"] for c in page["comments"])

    erased = client.post(
        f"/v1/sites/paper-a/authors/{AUTHOR}/erasure",
        json={"reason": "SAR-2026-18"},
        headers=admin_a,
    )
    assert erased.status_code == 200, erased.json
    detail = client.get(f"/v1/review/comments/{answered}", headers=MODERATOR).json
    removed = client.post(
        f"/v1/review/comments/{answered}/decision",
        json={"action": "reject", "version": detail["version"], "reason_code": "off_topic"},
        headers=MODERATOR,
    )
    assert removed.status_code == 200, removed.json

    page = client.get("/v1/sites/paper-a/articles/a-1/comments").json
    shown = {c["id"]: c for c in page["comments"]}
    # The erased author's unanswered comment is gone; the others keep their place.
    assert alone not in shown and list(shown) == [top, other, answered]
    for placeholder in (shown[top], shown[answered]):
        assert placeholder["removed"] is True
        assert (placeholder["author"], placeholder["text"]) == (None, None)
    assert shown[other]["removed"] is False and shown[other]["text"]

    # The erased author's own reply went with the rest of their comments.
    def ids(comments: list[dict[str, Any]]) -> list[int]:
        return [i for c in comments for i in (c["id"], *ids(c["replies"]))]

    assert [r["id"] for r in shown[top]["replies"]] == [first] and own not in ids(page["comments"])
    assert [r["id"] for r in shown[top]["replies"][0]["replies"]] == [nested]
    assert shown[top]["replies"][0]["author"] == {"name": "Reader-8"}
    assert [r["id"] for r in shown[answered]["replies"]] == [countered]
    # What a reader can see: the placeholders are not comments.
    assert page["total"] == 4
    assert NAME not in json.dumps(page) and TEXTS[0] not in json.dumps(page)
    # A placeholder takes no new replies (its parent is not published).
    refused = client.post(
        "/v1/sites/paper-a/articles/a-1/comments",
        json={"author": {"id": "reader-8", "name": "R"}, "text": "Still?", "parent_id": top},
    )
    assert refused.status_code == 422, refused.json
