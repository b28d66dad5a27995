"""The audit trail (pages, filters, CSV export) and the workbench statistics."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest

from tests.support.settings import MODERATOR_TOKEN, bearer
from tests.support.workbench import comment_row, insert_comments

ALICE = bearer(MODERATOR_TOKEN)


def decide(client: Any, comment_id: int, action: str, version: int = 2, **extra: Any) -> Any:
    body = {"action": action, "version": version, "reason_code": "spam", **extra}
    answer = client.post(f"/v1/review/comments/{comment_id}/decision", json=body, headers=ALICE)
    assert answer.status_code == 200, answer.json
    return answer


@pytest.fixture
def worked(client: Any, database_url: str) -> list[int]:
    """One machine rejection reversed, one machine approval kept, one held comment rejected."""
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    ids = insert_comments(
        database_url,
        [
            comment_row(status="rejected", decision="reject", created_at=an_hour_ago),
            comment_row(status="approved", decision="approve", created_at=an_hour_ago),
            comment_row(created_at=an_hour_ago),
        ],
    )
    decide(client, ids[0], "approve", note='=HYPERLINK("http://evil")')
    decide(client, ids[2], "reject")
    return ids


def test_audit_lists_every_change_newest_first_with_filters(client: Any, worked: list[int]) -> None:
    page = client.get("/v1/audit?limit=2", headers=ALICE).json
    assert [r["to_status"] for r in page["records"]] == ["rejected", "approved"]
    assert page["records"][0]["actor"] == "alice" and page["records"][0]["request_id"]
    rest = client.get(f"/v1/audit?limit=100&cursor={page['next_cursor']}", headers=ALICE).json
    assert len(page["records"]) + len(rest["records"]) == 8 and rest["next_cursor"] is None
    mine = client.get("/v1/audit?actor_type=moderator", headers=ALICE).json["records"]
    assert {r["comment_id"] for r in mine} == {worked[0], worked[2]}
    one = client.get(f"/v1/audit?comment_id={worked[0]}&to_status=approved", headers=ALICE).json
    assert len(one["records"]) == 1 and one["records"][0]["from_status"] == "rejected"


def test_audit_exports_csv_with_the_same_filters(client: Any, worked: list[int]) -> None:
    answer = client.get("/v1/audit.csv?actor_type=moderator", headers=ALICE)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [row["comment_id"] for row in rows] == [str(worked[0]), str(worked[2])]
    assert rows[0]["actor"] == "alice" and rows[0]["from_status"] == "rejected"
    assert rows[0]["note"].startswith("'=")  # a formula stays text in a spreadsheet
    everything = client.get("/v1/audit.csv", headers=ALICE).get_data(as_text=True)
    assert len(everything.strip().splitlines()) == 1 + 8


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("?actor_type=robot", "actor_type"),
        ("?to_status=gone", "to_status"),
        ("?comment_id=x", "comment_id"),
        ("?limit=501", "limit"),
        ("?since=2026-13-01T00:00:00Z", "since"),
        ("?cursor=xyz", "cursor"),
        ("?who=me", "who"),
    ],
)
def test_bad_audit_queries_name_the_parameter(client: Any, query: str, named: str) -> None:
    answer = client.get(f"/v1/audit{query}", headers=ALICE)
    assert answer.status_code == 422, answer.json
    assert named in answer.json["message"]
    if named != "cursor":
        csv_answer = client.get(f"/v1/audit.csv{query}", headers=ALICE)
        assert csv_answer.status_code == 422 or named == "limit"


def test_stats_count_queues_decisions_and_reversals(client: Any, worked: list[int]) -> None:
    stats = client.get("/v1/stats?days=7", headers=ALICE).json
    assert stats["queues"] == {"pending": 0, "held": 0, "reported": 0, "approved": 2, "rejected": 1}
    assert stats["machine_decisions"] == 2
    assert stats["machine_decisions_reversed"] == 1
    assert stats["reversed_share"] == 0.5
    human = [d for d in stats["decisions_per_day"] if d["by"] == "moderator"]
    assert sorted((d["outcome"], d["count"]) for d in human) == [("approved", 1), ("rejected", 1)]
    assert {d["reason_code"] for d in human} == {"spam"}
    # submitted an hour ago: machine decisions at submit time, human ones now
    assert stats["median_seconds_to_decision"] == pytest.approx(0, abs=5)
    assert stats["median_seconds_to_human_decision"] == pytest.approx(3600, abs=60)
    assert client.get("/v1/stats?days=0", headers=ALICE).status_code == 422
    assert client.get("/v1/stats").status_code == 401


def test_an_undo_is_counted_as_an_undo_and_its_decision_does_not_stand(
    client: Any, database_url: str
) -> None:
    """A machine approval rejected by mistake and undone, a held comment approved and undone
    and then rejected: two undos, one decision that stands, no reversal of the machine."""
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    approved, held = insert_comments(
        database_url,
        [
            comment_row(status="approved", decision="approve", created_at=an_hour_ago),
            comment_row(created_at=an_hour_ago),
        ],
    )
    for comment_id, action in ((approved, "reject"), (held, "approve")):
        decide(client, comment_id, action)
        undone = client.post(
            f"/v1/review/comments/{comment_id}/undo", json={"version": 3}, headers=ALICE
        )
        assert undone.status_code == 200, undone.json
    decide(client, held, "reject", version=4)

    stats = client.get("/v1/stats?days=7", headers=ALICE).json
    assert sum(day["count"] for day in stats["undos_per_day"]) == 2
    human = [
        (d["outcome"], d["count"]) for d in stats["decisions_per_day"] if d["by"] == "moderator"
    ]
    assert human == [("rejected", 1)]  # no "held" from the undo, no undone approval
    assert stats["machine_decisions"] == 1  # the approval; a hold is no approve/reject
    assert stats["machine_decisions_reversed"] == 0
    assert stats["reversed_share"] == 0.0
    # The first human decision that stands is the rejection, an hour after submission.
    assert stats["median_seconds_to_human_decision"] == pytest.approx(3600, abs=60)
