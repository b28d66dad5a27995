"""Reader reports (weights, thresholds, reputation, rate limit) and authors' standing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from moderation.comments.authors import author_state, author_states
from moderation.config import Settings
from moderation.db.session import make_engine, make_session_factory
from moderation.events.models import OutboxEvent
from moderation.review.models import Reader
from tests.support.settings import MODERATOR_TOKEN, bearer
from tests.support.workbench import comment_row, comment_state, insert_comments

ALICE = bearer(MODERATOR_TOKEN)


@pytest.fixture
def reports_app(settings: Settings, clean_state: None) -> Any:
    """Report at 2.0, hide at 3.0, no limit on reports (tests/support/settings.py)."""
    from moderation.app import create_app

    app = create_app(settings.replace(review={"report_threshold": 2.0, "hide_threshold": 3.0}))
    app.config["TESTING"] = True
    return app.test_client()


def report(client: Any, comment_id: int, reader: str, reason: str = "abusive") -> Any:
    return client.post(
        f"/v1/comments/{comment_id}/reports", json={"reader_id": reader, "reason": reason}
    )


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


def weight_of(database_url: str, reader: str) -> float:
    sessions = make_session_factory(make_engine(database_url))
    with sessions() as session:
        found = session.get(Reader, reader)
        return found.weight if found else 1.0


def test_reports_move_a_comment_to_reported_then_hide_it(
    reports_app: Any, database_url: str
) -> None:
    client = reports_app
    (comment_id,) = insert_comments(
        database_url, [comment_row(status="approved", decision="approve")]
    )
    assert report(client, comment_id, "r1").status_code == 201
    assert comment_state(database_url, comment_id)["status"] == "approved"
    assert report(client, comment_id, "r1").status_code == 409  # one per reader per comment

    assert report(client, comment_id, "r2").status_code == 201  # weight 2.0: reported
    state = comment_state(database_url, comment_id)
    assert state["status"] == "reported" and state["hidden"] is False
    assert listed(client) == [comment_id]  # still shown below the hide threshold
    assert len(outbox(database_url, "comment.reported")) == 1
    queue = client.get("/v1/review/queue?queue=reported", headers=ALICE).json
    assert [c["id"] for c in queue["comments"]] == [comment_id]

    assert report(client, comment_id, "r3").status_code == 201  # weight 3.0: hidden
    assert comment_state(database_url, comment_id)["hidden"] is True
    assert listed(client) == []
    detail = client.get(f"/v1/review/comments/{comment_id}", headers=ALICE).json
    assert detail["report_weight"] == 3.0 and len(detail["reports"]) == 3


def test_moderators_verdicts_move_reporters_weights(reports_app: Any, database_url: str) -> None:
    client = reports_app
    upheld, dismissed = insert_comments(
        database_url,
        [comment_row(status="approved", decision="approve") for _ in range(2)],
    )
    for reader in ("good", "other"):
        report(client, upheld, reader)
    for reader in ("bad", "other2"):
        report(client, dismissed, reader)
    version = comment_state(database_url, upheld)["version"]
    rejected = client.post(
        f"/v1/review/comments/{upheld}/decision",
        json={"action": "reject", "reason_code": "abusive", "version": version},
        headers=ALICE,
    )
    assert rejected.status_code == 200
    version = comment_state(database_url, dismissed)["version"]
    approved = client.post(
        f"/v1/review/comments/{dismissed}/decision",
        json={"action": "approve", "version": version},
        headers=ALICE,
    )
    assert approved.status_code == 200
    assert weight_of(database_url, "good") == 1.25
    assert weight_of(database_url, "bad") == 0.5
    back = comment_state(database_url, dismissed)
    assert back["status"] == "approved" and back["report_weight"] == 0 and back["hidden"] is False
    assert listed(client) == [dismissed]
    # an approval over a machine's approval is no reversal; a rejection of it is
    assert [row.comment_id for row in outbox(database_url, "comment.decision_reversed")] == [upheld]

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
    codes = [
        report(client, comment_id, f"reader-{n}").status_code for n, comment_id in enumerate(ids)
    ]
    assert codes == [201, 201, 201, 429]
    limited = report(client, ids[0], "reader-y")
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json["limit"] == {
        "setting": "limits.reports_per_address",
        "rate": "3 per 1 minute",
    }


def test_reports_are_rate_limited_per_reader_whatever_the_address(
    settings: Settings, clean_state: None, database_url: str
) -> None:
    from moderation.app import create_app

    limits = {"enabled": True, "reports_per_reader": "2/hour"}
    client = create_app(settings.replace(limits=limits)).test_client()
    ids = insert_comments(
        database_url, [comment_row(status="approved", decision="approve") for _ in range(4)]
    )
    codes = [
        client.post(
            f"/v1/comments/{comment_id}/reports",
            json={"reader_id": "busy-reader", "reason": "spam"},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n}"},
        ).status_code
        for n, comment_id in enumerate(ids[:3])
    ]
    assert codes == [201, 201, 429]
    assert report(client, ids[3], "another-reader").status_code == 201


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"reason": "abusive"}, "reader_id"),
        ({"reader_id": "r", "reason": "boring"}, "reason"),
        ({"reader_id": "", "reason": "spam"}, "reader_id"),
        ({"reader_id": "r", "reason": "spam", "note": "x" * 1001}, "note"),
        ({"reader_id": "r", "reason": "spam", "weight": 5}, "weight"),
    ],
)
def test_bad_reports_name_the_field(client: Any, body: dict[str, Any], named: str) -> None:
    answer = client.post("/v1/comments/1/reports", json=body)
    assert answer.status_code == 422 and named in answer.json["message"]


def test_only_published_comments_can_be_reported(client: Any, database_url: str) -> None:
    (held,) = insert_comments(database_url, [comment_row()])
    assert report(client, held, "r1").status_code == 404
    assert report(client, 99_999, "r1").status_code == 404


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
        assert author_state(session, "troll") == {
            "banned": True,
            "trusted": False,
            "premoderated": False,
            "approved_count": 0,
            "rejected_count": 3,
        }
        assert author_state(session, "nobody")["banned"] is False
        batch = author_states(session, ["troll", "someone-else", "troll"])
        assert batch["troll"] == author_state(session, "troll")
        assert (
            batch["someone-else"]["banned"] is False
            and batch["someone-else"]["approved_count"] == 0
        )

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
    for reader in ("r1", "r2", "r3"):
        report(client, comment_id, reader)
    assert comment_state(database_url, comment_id)["hidden"] is True
    version = comment_state(database_url, comment_id)["version"]
    approved = client.post(
        f"/v1/review/comments/{comment_id}/decision",
        json={"action": "approve", "version": version},
        headers=ALICE,
    )
    assert approved.status_code == 200
    assert comment_state(database_url, comment_id)["report_weight"] == 0
    report(client, comment_id, "r4")  # a new report after the approval still counts
    undo = client.post(
        f"/v1/review/comments/{comment_id}/undo",
        json={"version": approved.json["version"]},
        headers=ALICE,
    )
    assert undo.status_code == 200 and undo.json["status"] == "reported"
    state = comment_state(database_url, comment_id)
    assert state["report_weight"] == 4.0 and state["hidden"] is True
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

    for reader in ("r1", "r2"):
        report(client, comment_id, reader)
    assert comment_state(database_url, comment_id)["status"] == "reported"
    assert reply().status_code == 202
    report(client, comment_id, "r3")
    hidden = reply()
    assert hidden.status_code == 422 and "parent_id" in hidden.json["message"]
