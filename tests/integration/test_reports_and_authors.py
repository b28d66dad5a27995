"""Reader reports (anonymous and verified, weights, thresholds, reputation, rate limit) and
authors' standing. The same rules through real processes: tests/e2e/test_reader_reports.py."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from moderation.comments.authors import author_state, author_states
from moderation.config import Settings
from moderation.db.session import make_engine, make_session_factory
from moderation.events.models import OutboxEvent
from moderation.review.models import Reader
from tests.support.reports import report_service, verified_report
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, bearer
from tests.support.workbench import comment_row, comment_state, insert_comments

ALICE = bearer(MODERATOR_TOKEN)


@pytest.fixture
def reports_app(settings: Settings, clean_state: None) -> Any:
    """Report at 0.2 (two anonymous addresses), hide at 2.0 with 3 verified readers (defaults),
    no limit on reports (tests/support/settings.py)."""
    from moderation.app import create_app

    app = create_app(settings.replace(review={"report_threshold": 0.2, "hide_threshold": 2.0}))
    app.config["TESTING"] = True
    return app.test_client()


def report(
    client: Any, comment_id: int, address: str = "203.0.113.1", reader: str = "r", **body: Any
) -> Any:
    """An anonymous report from the client at `address`, claiming to be `reader`."""
    return client.post(
        f"/v1/comments/{comment_id}/reports",
        json={"reader_id": reader, "reason": "abusive", **body},
        environ_base={"REMOTE_ADDR": address},
    )


def verified(client: Any, comment_id: int, *readers: str) -> None:
    for reader in readers:
        verified_report(report_service(client.application), comment_id, reader)


def listed(client: Any, article: str = "article-1") -> list[int]:
    return [c["id"] for c in client.get(f"/v1/articles/{article}/comments").json["comments"]]


def outbox(database_url: str, event_type: str) -> list[Any]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = list(
            connection.execute(select(OutboxEvent.__table__).where(OutboxEvent.type == event_type))
        )
    engine.dispose()
    return rows


def weight_of(database_url: str, reader: str) -> float | None:
    sessions = make_session_factory(make_engine(database_url))
    with sessions() as session:
        found = session.get(Reader, ("default", reader))
        return found.weight if found else None


def decide(client: Any, database_url: str, comment_id: int, action: str) -> Any:
    version = comment_state(database_url, comment_id)["version"]
    body = {"action": action, "version": version}
    if action == "reject":
        body["reason_code"] = "abusive"
    answer = client.post(f"/v1/review/comments/{comment_id}/decision", json=body, headers=ALICE)
    assert answer.status_code == 200, answer.json
    return answer


def test_anonymous_reports_queue_a_comment_and_only_verified_readers_hide_it(
    reports_app: Any, database_url: str
) -> None:
    client = reports_app
    (comment_id,) = insert_comments(
        database_url, [comment_row(status="approved", decision="approve")]
    )
    public = client.get(f"/v1/comments/{comment_id}").json
    assert report(client, comment_id, reader="r1").status_code == 201
    assert comment_state(database_url, comment_id)["status"] == "approved"
    again = report(client, comment_id, reader="r2")  # the same address, another invented id
    assert again.status_code == 409 and "this address" in again.json["message"]

    assert report(client, comment_id, "198.51.100.2").status_code == 201  # 0.2: reported
    state = comment_state(database_url, comment_id)
    assert state["status"] == "reported" and state["hidden"] is False
    assert listed(client) == [comment_id]
    assert len(outbox(database_url, "comment.reported")) == 1
    queue = client.get("/v1/review/queue?queue=reported", headers=ALICE).json
    assert [c["id"] for c in queue["comments"]] == [comment_id]
    assert client.get(f"/v1/comments/{comment_id}").json == public  # approved, visible

    verified(client, comment_id, "v1", "v2")  # weight 2.2, but two verified readers
    assert comment_state(database_url, comment_id)["hidden"] is False
    verified(client, comment_id, "v3")
    assert comment_state(database_url, comment_id)["hidden"] is True
    assert listed(client) == []
    assert client.get(f"/v1/comments/{comment_id}").json == {**public, "visible": False}
    detail = client.get(f"/v1/review/comments/{comment_id}", headers=ALICE).json
    assert detail["report_weight"] == pytest.approx(3.2)
    assert [(r["weight"], r["verified"]) for r in detail["reports"]] == [
        (0.1, False),
        (0.1, False),
        (1.0, True),
        (1.0, True),
        (1.0, True),
    ]
    anonymous = [r["reader_id"] for r in detail["reports"] if not r["verified"]]
    assert all(r.startswith("anon:") and "203.0.113" not in r for r in anonymous)
    assert weight_of(database_url, anonymous[0]) is None  # no standing to earn


def test_moderators_verdicts_move_verified_reporters_weights(
    reports_app: Any, database_url: str
) -> None:
    client = reports_app
    upheld, dismissed, later = insert_comments(
        database_url,
        [comment_row(status="approved", decision="approve") for _ in range(3)],
    )
    verified(client, upheld, "good", "other")
    verified(client, dismissed, "bad", "other2")
    report(client, upheld)
    report(client, dismissed)
    assert weight_of(database_url, "good") == 1.0  # reporting alone earns nothing
    decide(client, database_url, upheld, "reject")
    decide(client, database_url, dismissed, "approve")
    assert weight_of(database_url, "good") == 1.25
    assert weight_of(database_url, "bad") == 0.5
    back = comment_state(database_url, dismissed)
    assert back["status"] == "approved" and back["report_weight"] == 0 and back["hidden"] is False
    assert listed(client) == [dismissed, later]
    # an approval over a machine's approval is no reversal; a rejection of it is
    assert [row.comment_id for row in outbox(database_url, "comment.decision_reversed")] == [upheld]
    verified(client, later, "good")
    detail = client.get(f"/v1/review/comments/{later}", headers=ALICE).json
    assert [r["weight"] for r in detail["reports"]] == [1.25]

    version = comment_state(database_url, upheld)["version"]
    undo = client.post(
        f"/v1/review/comments/{upheld}/undo", json={"version": version}, headers=ALICE
    )
    assert undo.status_code == 200 and undo.json["status"] == "reported"
    assert weight_of(database_url, "good") == 1.0  # the upheld report is open again


def test_reports_are_rate_limited_per_address(
    settings: Settings, clean_state: None, database_url: str
) -> None:
    from moderation.app import create_app

    limits = {"enabled": True, "reports_per_address": "3/minute"}
    client = create_app(settings.replace(limits=limits)).test_client()
    ids = insert_comments(
        database_url, [comment_row(status="approved", decision="approve") for _ in range(4)]
    )
    # Invented reader ids change nothing: the address is the anonymous reader and its limit.
    codes = [
        report(client, comment_id, reader=f"reader-{n}").status_code
        for n, comment_id in enumerate(ids)
    ]
    assert codes == [201, 201, 201, 429]
    limited = report(client, ids[0], reader="reader-y")
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json["limit"] == {
        "setting": "limits.reports_per_address",
        "rate": "3 per 1 minute",
    }


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"reader_id": "r"}, "reason"),
        ({"reader_id": "r", "reason": "boring"}, "reason"),
        ({"reader_id": "", "reason": "spam"}, "reader_id"),
        ({"reader_id": "r", "reason": "spam", "note": "x" * 1001}, "note"),
        ({"reader_id": "r", "reason": "spam", "weight": 5}, "weight"),
        ({"reason": "spam", "verified": True}, "verified"),  # only a reader token verifies
    ],
)
def test_bad_reports_name_the_field(client: Any, body: dict[str, Any], named: str) -> None:
    answer = client.post("/v1/comments/1/reports", json=body)
    assert answer.status_code == 422 and named in answer.json["message"]


def test_only_published_comments_can_be_reported(client: Any, database_url: str) -> None:
    (held,) = insert_comments(database_url, [comment_row()])
    assert report(client, held).status_code == 404
    assert report(client, 99_999).status_code == 404


def test_ban_rejects_existing_comments_and_is_announced(client: Any, database_url: str) -> None:
    ids = insert_comments(
        database_url,
        [
            comment_row(author_id="troll"),
            comment_row(author_id="troll", status="approved", decision="approve"),
            comment_row(author_id="troll", status="rejected", decision="reject"),
            comment_row(author_id="someone-else"),
        ],
    )
    banned = client.post(
        "/v1/authors/troll/ban",
        json={"reason": "harassment", "reject_existing": True, "reason_code": "abusive"},
        headers=ALICE,
    )
    assert banned.status_code == 200, banned.json
    assert sorted(banned.json["rejected_ids"]) == ids[:2]
    assert comment_state(database_url, ids[1])["public_reason"] == "abusive"
    assert comment_state(database_url, ids[3])["status"] == "held"
    events = outbox(database_url, "author.banned")
    assert len(events) == 1 and events[0].payload["data"]["author"]["id"] == "troll"

    history = client.get("/v1/authors/troll", headers=ALICE).json
    assert history["status"] == "banned" and history["counts"] == {"rejected": 3}
    assert history["actions"][0]["reason"] == "harassment"
    detail = client.get(f"/v1/review/comments/{ids[0]}", headers=ALICE).json
    assert detail["author_history"]["status"] == "banned"

    sessions = make_session_factory(make_engine(database_url))
    with sessions() as session:
        assert author_state(session, "default", "troll") == {
            "banned": True,
            "trusted": False,
            "premoderated": False,
            "approved_count": 0,
            "rejected_count": 3,
        }
        assert author_state(session, "default", "nobody")["banned"] is False
        batch = author_states(
            session, [("default", "troll"), ("default", "someone-else"), ("other", "troll")]
        )
        assert batch[("default", "troll")] == author_state(session, "default", "troll")
        assert (
            batch[("default", "someone-else")]["banned"] is False
            and batch[("default", "someone-else")]["approved_count"] == 0
        )
        # A standing is per site: the same id on another site is not banned there.
        assert batch[("other", "troll")]["banned"] is False
        assert batch[("other", "troll")]["rejected_count"] == 0

    again = client.post("/v1/authors/troll/ban", json={"reason": "again"}, headers=ALICE)
    assert again.status_code == 409
    assert (
        client.post("/v1/authors/troll/unban", json={"reason": "appeal"}, headers=ALICE).json[
            "status"
        ]
        == "normal"
    )
    assert (
        client.post("/v1/authors/troll/trust", json={"reason": "x"}, headers=ALICE).status_code
        == 200
    )
    premod = client.post("/v1/authors/troll/premoderate", json={"reason": "watch"}, headers=ALICE)
    assert premod.json["status"] == "premoderated"
    assert [
        a["to_status"] for a in client.get("/v1/authors/troll", headers=ALICE).json["actions"]
    ] == ["premoderated", "trusted", "normal", "banned"]


@pytest.mark.parametrize(
    ("path", "body", "named"),
    [
        ("/v1/authors/troll/ban", {}, "reason"),
        ("/v1/authors/troll/ban", {"reason": ""}, "reason"),
        (
            "/v1/authors/troll/ban",
            {"reason": "x", "reject_existing": "yes please"},
            "reject_existing",
        ),
        ("/v1/authors/troll/ban", {"reason": "x", "reason_code": "rude"}, "reason_code"),
        ("/v1/authors/troll/trust", {"reason": "x", "reject_existing": True}, "reject_existing"),
    ],
)
def test_bad_author_requests_name_the_field(
    client: Any, path: str, body: dict[str, Any], named: str
) -> None:
    answer = client.post(path, json=body, headers=ALICE)
    assert answer.status_code == 422 and named in answer.json["message"]


def test_author_endpoints_need_a_moderator(client: Any) -> None:
    assert client.get("/v1/authors/troll").status_code == 401
    assert client.post("/v1/authors/troll/ban", json={"reason": "x"}).status_code == 401


def test_undoing_an_approval_over_reports_restores_their_weight(
    reports_app: Any, database_url: str
) -> None:
    client = reports_app
    (comment_id,) = insert_comments(
        database_url, [comment_row(status="approved", decision="approve")]
    )
    verified(client, comment_id, "r1", "r2", "r3")
    assert comment_state(database_url, comment_id)["hidden"] is True
    approved = decide(client, database_url, comment_id, "approve")
    assert comment_state(database_url, comment_id)["report_weight"] == 0
    assert weight_of(database_url, "r1") == 0.5
    report(client, comment_id)  # a new report after the approval still counts
    undo = client.post(
        f"/v1/review/comments/{comment_id}/undo",
        json={"version": approved.json["version"]},
        headers=ALICE,
    )
    assert undo.status_code == 200 and undo.json["status"] == "reported"
    state = comment_state(database_url, comment_id)
    assert state["report_weight"] == pytest.approx(3.1) and state["hidden"] is True
    assert weight_of(database_url, "r1") == 1.0


def test_a_reported_comment_still_shown_takes_replies_until_hidden(
    reports_app: Any, database_url: str
) -> None:
    client = reports_app
    (comment_id,) = insert_comments(
        database_url, [comment_row(status="approved", decision="approve")]
    )

    def reply() -> Any:
        return client.post(
            "/v1/articles/article-1/comments",
            json={
                "author": {"id": "r9", "name": "R"},
                "text": "I disagree",
                "parent_id": comment_id,
            },
        )

    report(client, comment_id, "203.0.113.1")
    report(client, comment_id, "203.0.113.2")
    assert comment_state(database_url, comment_id)["status"] == "reported"
    assert reply().status_code == 202
    verified(client, comment_id, "r1", "r2", "r3")
    hidden = reply()
    assert hidden.status_code == 422 and "parent_id" in hidden.json["message"]


def test_a_sites_own_thresholds_apply_to_its_comments(client: Any, database_url: str) -> None:
    created = client.post(
        "/v1/sites",
        json={"id": "strict", "settings": {"review": {"report_threshold": 0.1}}},
        headers=bearer(ADMIN_TOKEN),
    )
    assert created.status_code == 201, created.json
    rows = [comment_row(status="approved", decision="approve") for _ in range(2)]
    rows[0]["site_id"], rows[1]["site_id"] = "strict", "default"
    strict, default = insert_comments(database_url, rows)
    for comment_id in (strict, default):
        assert report(client, comment_id).status_code == 201
    # One anonymous report (0.1) queues the strict site's comment; the service's 3.0 does not.
    assert comment_state(database_url, strict)["status"] == "reported"
    assert comment_state(database_url, default)["status"] == "approved"
    assert client.get(f"/v1/comments/{strict}").json["status"] == "approved"
