"""Human decisions against the real database: races, claims, undo, reversal events."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from moderation.comments.models import AuditRecord
from moderation.db.session import make_engine
from moderation.events.models import OutboxEvent
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, OTHER_MODERATOR_TOKEN, bearer
from tests.support.workbench import comment_row, comment_state, insert_comments

ALICE, BOB = bearer(MODERATOR_TOKEN), bearer(OTHER_MODERATOR_TOKEN)


def decide(client: Any, comment_id: int, headers: dict[str, str], **body: Any) -> Any:
    body.setdefault("action", "approve")
    body.setdefault("reason_code", "other")
    return client.post(f"/v1/review/comments/{comment_id}/decision", json=body, headers=headers)


def audit_of(database_url: str, comment_id: int) -> list[AuditRecord]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = list(
            connection.execute(
                select(AuditRecord.__table__)
                .where(AuditRecord.comment_id == comment_id)
                .order_by(AuditRecord.id)
            )
        )
    engine.dispose()
    return rows  # type: ignore[return-value]


def events(database_url: str, event_type: str) -> list[Any]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = list(
            connection.execute(select(OutboxEvent.__table__).where(OutboxEvent.type == event_type))
        )
    engine.dispose()
    return rows


def race(app: Any, comment_id: int) -> dict[str, Any]:
    """Alice approves and Bob rejects the same comment at the same instant."""
    barrier = threading.Barrier(2)
    answers: dict[str, Any] = {}

    def moderator(name: str, headers: dict[str, str], action: str) -> None:
        client = app.test_client()
        barrier.wait()
        answers[name] = decide(client, comment_id, headers, action=action, version=2)

    threads = [
        threading.Thread(target=moderator, args=("alice", ALICE, "approve")),
        threading.Thread(target=moderator, args=("bob", BOB, "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def test_two_moderators_deciding_at_once_one_wins(app: Any, database_url: str) -> None:
    ids = insert_comments(database_url, [comment_row() for _ in range(8)])
    for comment_id in ids:
        answers = race(app, comment_id)
        codes = sorted(answer.status_code for answer in answers.values())
        assert codes == [200, 409], {k: (v.status_code, v.json) for k, v in answers.items()}
        loser = next(a for a in answers.values() if a.status_code == 409)
        assert loser.json["current_version"] == 3
        human = [row for row in audit_of(database_url, comment_id) if row.actor_type == "moderator"]
        assert len(human) == 1
        winner = "alice" if answers["alice"].status_code == 200 else "bob"
        assert human[0].actor == winner
        assert comment_state(database_url, comment_id)["status"] == (
            "approved" if winner == "alice" else "rejected"
        )


def test_a_claimed_comment_cannot_be_decided_by_another_until_taken_over(
    client: Any, database_url: str
) -> None:
    (comment_id,) = insert_comments(database_url, [comment_row()])
    claimed = client.post(f"/v1/review/comments/{comment_id}/claim", json={}, headers=ALICE)
    assert claimed.status_code == 200 and claimed.json["moderator"] == "alice"

    blocked = decide(client, comment_id, BOB, version=2)
    assert blocked.status_code == 423
    assert blocked.json["claimed_by"] == "alice"
    again = client.post(f"/v1/review/comments/{comment_id}/claim", json={}, headers=BOB)
    assert again.status_code == 423 and "takeover" in again.json["message"]
    queue = client.get("/v1/review/queue", headers=BOB).json
    assert queue["comments"][0]["claim"]["moderator"] == "alice"

    renewed = client.post(f"/v1/review/comments/{comment_id}/claim", json={}, headers=ALICE)
    assert renewed.status_code == 200 and renewed.json["taken_over_from"] is None
    taken = client.post(
        f"/v1/review/comments/{comment_id}/claim", json={"takeover": True}, headers=BOB
    )
    assert taken.status_code == 200 and taken.json["taken_over_from"] == "alice"
    assert decide(client, comment_id, ALICE, version=2).status_code == 423
    assert decide(client, comment_id, BOB, version=2).status_code == 200
    # deciding drops the claim
    assert client.get(f"/v1/review/comments/{comment_id}", headers=BOB).json["claim"] is None


def test_release_gives_the_comment_back(client: Any, database_url: str) -> None:
    (comment_id,) = insert_comments(database_url, [comment_row()])
    client.post(f"/v1/review/comments/{comment_id}/claim", json={}, headers=ALICE)
    assert client.delete(f"/v1/review/comments/{comment_id}/claim", headers=BOB).status_code == 423
    assert (
        client.delete(f"/v1/review/comments/{comment_id}/claim", headers=ALICE).status_code == 204
    )
    assert decide(client, comment_id, BOB, version=2).status_code == 200


def test_undo_within_the_window_restores_the_state(client: Any, database_url: str) -> None:
    (comment_id,) = insert_comments(database_url, [comment_row()])
    decided = decide(client, comment_id, ALICE, action="reject", reason_code="spam", version=2)
    assert decided.status_code == 200 and decided.json["version"] == 3

    by_bob = client.post(f"/v1/review/comments/{comment_id}/undo", json={"version": 3}, headers=BOB)
    assert by_bob.status_code == 409 and "alice" in by_bob.json["message"]
    stale = client.post(
        f"/v1/review/comments/{comment_id}/undo", json={"version": 2}, headers=ALICE
    )
    assert stale.status_code == 409

    undone = client.post(
        f"/v1/review/comments/{comment_id}/undo",
        json={"version": 3, "note": "misclick"},
        headers=ALICE,
    )
    assert undone.status_code == 200, undone.json
    assert undone.json["status"] == "held" and undone.json["version"] == 4
    assert undone.json["reason_code"] == "awaiting_review"
    trail = audit_of(database_url, comment_id)
    assert [row.to_status for row in trail] == ["pending", "held", "rejected", "held"]
    assert trail[-1].note == "misclick" and trail[-1].reason.startswith("undo")
    twice = client.post(
        f"/v1/review/comments/{comment_id}/undo", json={"version": 4}, headers=ALICE
    )
    assert twice.status_code == 409
    assert len(events(database_url, "comment.decision_reversed")) == 1


def test_undo_after_the_window_is_refused(
    settings: Any, clean_state: None, database_url: str
) -> None:
    from moderation.app import create_app

    app = create_app(settings.replace(review={"undo_seconds": 0}))
    client = app.test_client()
    (comment_id,) = insert_comments(database_url, [comment_row()])
    assert decide(client, comment_id, ALICE, version=2).status_code == 200
    late = client.post(f"/v1/review/comments/{comment_id}/undo", json={"version": 3}, headers=ALICE)
    assert late.status_code == 409 and "undo is possible for 0s" in late.json["message"]


def test_an_admin_may_undo_anyones_decision(client: Any, database_url: str) -> None:
    (comment_id,) = insert_comments(database_url, [comment_row()])
    decide(client, comment_id, ALICE, version=2)
    undone = client.post(
        f"/v1/review/comments/{comment_id}/undo", json={"version": 3}, headers=bearer(ADMIN_TOKEN)
    )
    assert undone.status_code == 200 and undone.json["status"] == "held"


def test_reversing_a_machine_decision_emits_an_event(client: Any, database_url: str) -> None:
    rejected, held = insert_comments(
        database_url, [comment_row(status="rejected", decision="reject"), comment_row()]
    )
    assert decide(client, rejected, ALICE, version=2).status_code == 200
    assert decide(client, held, ALICE, version=2).status_code == 200
    reversed_ = events(database_url, "comment.decision_reversed")
    assert [row.comment_id for row in reversed_] == [rejected]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"action": "approve"}, "version"),
        ({"action": "maybe", "version": 2}, "action"),
        ({"action": "reject", "version": 2}, "reason_code"),
        ({"action": "reject", "reason_code": "rude", "version": 2}, "reason_code"),
        ({"action": "approve", "version": "2"}, "version"),
        ({"action": "approve", "version": 2, "extra": 1}, "extra"),
    ],
)
def test_bad_decisions_name_the_field(
    client: Any, database_url: str, body: dict[str, Any], named: str
) -> None:
    (comment_id,) = insert_comments(database_url, [comment_row()])
    answer = client.post(f"/v1/review/comments/{comment_id}/decision", json=body, headers=ALICE)
    assert answer.status_code == 422
    assert named in answer.json["message"]


def test_claim_and_undo_bodies_are_checked(client: Any, database_url: str) -> None:
    (comment_id,) = insert_comments(database_url, [comment_row()])
    bad_claim = client.post(
        f"/v1/review/comments/{comment_id}/claim", json={"takeover": "later"}, headers=ALICE
    )
    assert bad_claim.status_code == 422 and "takeover" in bad_claim.json["message"]
    bad_undo = client.post(f"/v1/review/comments/{comment_id}/undo", json={}, headers=ALICE)
    assert bad_undo.status_code == 422 and "version" in bad_undo.json["message"]
    missing = client.post("/v1/review/comments/9999/claim", json={}, headers=ALICE)
    assert missing.status_code == 404


def test_two_moderators_claiming_at_once_one_gets_it(app: Any, database_url: str) -> None:
    ids = insert_comments(database_url, [comment_row() for _ in range(6)])
    for comment_id in ids:
        barrier = threading.Barrier(2)
        answers: dict[str, int] = {}

        def claim(name: str, headers: dict[str, str], cid: int, gate: Any, out: Any) -> None:
            client = app.test_client()
            gate.wait()
            out[name] = client.post(
                f"/v1/review/comments/{cid}/claim", json={}, headers=headers
            ).status_code

        threads = [
            threading.Thread(target=claim, args=(name, headers, comment_id, barrier, answers))
            for name, headers in (("alice", ALICE), ("bob", BOB))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(answers.values()) == [200, 423], answers
