"""Reader reports cannot be forged (issue 14): through gunicorn behind one trusted proxy hop.

The attack: one client sends six reports with six invented reader ids and a harmless reply
disappears, its public status reads `reported` and its `decided_at` moves. Now an anonymous
reader is its client address (one report per address and comment), weighs 0.1, and cannot hide
a comment from any number of addresses; only verified readers (service level here, as the
endpoint makes them for a valid commenter token) hide one, three of them at enough weight. The
public status and `decided_at` never move for a report.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from moderation.config import Settings
from moderation.db.session import make_engine
from moderation.errors import ConflictError
from moderation.review.models import ReaderReport
from moderation.review.reports import ReportService
from tests.support.live import LiveService, running_service, wait_for_status
from tests.support.reports import reader_row, report_service_for, verified_report
from tests.support.settings import MODERATOR_TOKEN, bearer

pytestmark = pytest.mark.e2e

ALICE = bearer(MODERATOR_TOKEN)
# Anonymous weight 0.1 (the default): six addresses weigh 0.6, past the report threshold.
REVIEW = {"report_threshold": 0.5, "hide_threshold": 2.0}


@pytest.fixture(scope="module")
def live(
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveService]:
    """gunicorn and a scoring worker that believe one proxy hop's X-Forwarded-For."""
    yield from running_service(
        database_url,
        redis_url,
        tiny_model,
        tmp_path_factory.mktemp("reports-logs"),
        MODERATION_SERVER_PROXY_HOPS="1",
        MODERATION_REVIEW_REPORT_THRESHOLD=str(REVIEW["report_threshold"]),
        MODERATION_REVIEW_HIDE_THRESHOLD=str(REVIEW["hide_threshold"]),
    )


@pytest.fixture
def reports(settings: Settings) -> ReportService:
    """The report service a web process of `live` runs, for verified reports."""
    return report_service_for(settings.replace(server={"proxy_hops": 1}, review=REVIEW))


def published(base: str, article: str, *texts: str) -> list[dict[str, Any]]:
    """Post a comment and replies to it, each approved by the worker; their public statuses."""
    ids: list[int] = []
    for text in texts:
        answer = requests.post(
            f"{base}/v1/articles/{article}/comments",
            json={
                "author": {"id": f"{article}-{len(ids)}", "name": "A Reader"},
                "text": text,
                "parent_id": ids[0] if ids else None,
            },
            timeout=10,
        )
        assert answer.status_code == 202, answer.text
        ids.append(answer.json()["id"])
        status = wait_for_status(base, ids[-1])
        assert status["status"] == "approved", status
    return [public(base, comment_id) for comment_id in ids]


def public(base: str, comment_id: int) -> dict[str, Any]:
    answer = requests.get(f"{base}/v1/comments/{comment_id}", timeout=5)
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def listed(base: str, article: str) -> set[int]:
    """Every comment id readers see under the article, replies included."""
    page = requests.get(f"{base}/v1/articles/{article}/comments", timeout=5).json()
    seen: set[int] = set()
    todo = list(page["comments"])
    while todo:
        comment = todo.pop()
        seen.add(comment["id"])
        todo.extend(comment["replies"])
    return seen


def anonymous_report(base: str, comment_id: int, reader: str, address: str | None = None) -> Any:
    headers = {"X-Forwarded-For": address} if address else {}
    return requests.post(
        f"{base}/v1/comments/{comment_id}/reports",
        json={"reader_id": reader, "reason": "abusive"},
        headers=headers,
        timeout=5,
    )


def review_detail(base: str, comment_id: int) -> dict[str, Any]:
    body: dict[str, Any] = requests.get(
        f"{base}/v1/review/comments/{comment_id}", headers=ALICE, timeout=5
    ).json()
    return body


def decide(base: str, comment_id: int, action: str) -> None:
    version = review_detail(base, comment_id)["version"]
    body: dict[str, Any] = {"action": action, "version": version}
    if action == "reject":
        body["reason_code"] = "abusive"
    answer = requests.post(
        f"{base}/v1/review/comments/{comment_id}/decision", json=body, headers=ALICE, timeout=5
    )
    assert answer.status_code == 200, answer.text


def test_six_invented_readers_from_one_address_count_once(
    live: LiveService, database_url: str
) -> None:
    base = live.base_url
    article = "reports-one-address"
    top, reply = published(base, article, "What time does the market open?", "At nine, I think.")
    assert reply["visible"] is True and reply["decided_at"] is not None

    codes = [anonymous_report(base, reply["id"], f"invented-{n}").status_code for n in range(6)]
    assert codes == [201, 409, 409, 409, 409, 409]
    assert public(base, reply["id"]) == reply  # approved, visible, decided_at unchanged
    assert listed(base, article) == {top["id"], reply["id"]}
    detail = review_detail(base, reply["id"])
    assert detail["status"] == "approved" and detail["report_weight"] == pytest.approx(0.1)

    # The address is not stored: the reader is "anon:" and a keyed hash of it.
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = list(
            connection.execute(
                select(ReaderReport.__table__).where(ReaderReport.comment_id == reply["id"])
            ).mappings()
        )
    engine.dispose()
    assert len(rows) == 1 and rows[0]["verified"] is False
    assert rows[0]["reader_id"].startswith("anon:")
    assert not any("127.0.0.1" in str(value) for value in rows[0].values())


def test_six_addresses_behind_the_trusted_proxy_queue_it_but_cannot_hide_it(
    live: LiveService,
) -> None:
    base = live.base_url
    article = "reports-six-addresses"
    top, reply = published(base, article, "Is the library open on Sunday?", "Yes, from noon.")
    addresses = [f"198.51.100.{n}" for n in range(1, 7)]
    codes = [
        anonymous_report(base, reply["id"], f"invented-{n}", address).status_code
        for n, address in enumerate(addresses)
    ]
    assert codes == [201] * 6
    # Moderators see it in the reported queue (0.6 >= 0.5); readers see no change at all.
    detail = review_detail(base, reply["id"])
    assert detail["status"] == "reported" and detail["hidden"] is False
    assert public(base, reply["id"]) == reply
    assert listed(base, article) == {top["id"], reply["id"]}
    queue = requests.get(f"{base}/v1/review/queue?queue=reported", headers=ALICE, timeout=5)
    assert reply["id"] in [comment["id"] for comment in queue.json()["comments"]]
    # The same six addresses again: each already counts.
    again = [anonymous_report(base, reply["id"], "x", address).status_code for address in addresses]
    assert again == [409] * 6
    # Twenty more addresses take the weight past the hide threshold: anonymous, it hides nothing.
    more = [f"203.0.113.{n}" for n in range(1, 21)]
    assert [anonymous_report(base, reply["id"], "y", a).status_code for a in more] == [201] * 20
    detail = review_detail(base, reply["id"])
    assert detail["report_weight"] >= REVIEW["hide_threshold"] and detail["hidden"] is False
    assert public(base, reply["id"]) == reply
    assert listed(base, article) == {top["id"], reply["id"]}


def test_three_verified_readers_with_enough_weight_hide_it_two_do_not(
    live: LiveService, reports: ReportService
) -> None:
    base = live.base_url
    article = "reports-verified"
    top, reply = published(base, article, "Roadworks start on Monday.", "Thanks for the notice.")
    verified_report(reports, reply["id"], "verified-1")
    verified_report(reports, reply["id"], "verified-2")  # weight 2.0, two readers
    assert public(base, reply["id"]) == reply
    assert review_detail(base, reply["id"])["hidden"] is False

    verified_report(reports, reply["id"], "verified-3")
    assert review_detail(base, reply["id"])["hidden"] is True
    assert listed(base, article) == {top["id"]}
    # Hidden, and still approved with the time the machine decided it.
    assert public(base, reply["id"]) == {**reply, "visible": False}


def test_three_verified_readers_with_too_little_weight_do_not_hide_it(
    live: LiveService, reports: ReportService
) -> None:
    base = live.base_url
    article = "reports-light"
    first, second = published(base, article, "The bridge reopens today.", "Good news for cyclists.")
    readers = ["light-1", "light-2", "light-3"]
    for reader in readers:
        verified_report(reports, first["id"], reader)
    decide(base, first["id"], "approve")  # dismissed: 0.5 each
    for reader in readers:
        verified_report(reports, second["id"], reader)
    detail = review_detail(base, second["id"])
    assert [report["weight"] for report in detail["reports"]] == [0.5, 0.5, 0.5]
    assert detail["hidden"] is False
    assert public(base, second["id"]) == second


def test_a_readers_weight_rises_only_when_a_moderator_upholds(
    live: LiveService, reports: ReportService
) -> None:
    base = live.base_url
    article = "reports-weight"
    comments = published(base, article, "Parking is free after six.", "Not on Saturdays.")
    (later,) = published(
        base, article + "-later", "Thanks for the clear explanation of the budget."
    )
    for comment in comments:
        verified_report(reports, comment["id"], "steady")
        anonymous_report(base, comment["id"], "steady")  # claiming the id earns nothing
    row = reader_row(reports, "steady")
    assert row is not None and row.weight == 1.0  # reports alone raise nothing

    decide(base, comments[0]["id"], "reject")
    row = reader_row(reports, "steady")
    assert row is not None and (row.weight, row.upheld) == (1.25, 1)
    verified_report(reports, later["id"], "steady")
    assert [r["weight"] for r in review_detail(base, later["id"])["reports"]] == [1.25]

    with pytest.raises(ConflictError):  # one report per reader per comment
        verified_report(reports, later["id"], "steady")
