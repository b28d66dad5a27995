"""No personal data in log lines: comment text, author ids and names, reader notes and ban
reasons stay out of every line at INFO or above, in both log formats, when a write fails and in
normal operation. Comment ids and request ids stay in, so a line can still be followed up."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from moderation.config import Settings
from moderation.observability.logging_setup import ContextFilter, JsonFormatter, TextFormatter
from moderation.worker.runner import run_worker
from tests.support.database import refusing_rows
from tests.support.settings import MODERATOR_TOKEN, bearer


class CapturedLogs(logging.Handler):
    """Every record at INFO or above, as the service's own handler would see it."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []
        self.addFilter(ContextFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self) -> list[str]:
        """Each record formatted as text and as JSON (tracebacks included)."""
        formatted = []
        for formatter in (TextFormatter(), JsonFormatter()):
            formatted += [formatter.format(record) for record in self.records]
        return formatted

    def assert_none_of(self, personal: dict[str, str]) -> None:
        for line in self.lines():
            for what, value in personal.items():
                assert value not in line, f"{what} in a log line: {line}"


@pytest.fixture
def logs() -> Iterator[CapturedLogs]:
    root = logging.getLogger()
    handler = CapturedLogs()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def _token(kind: str) -> str:
    """A value that cannot appear in a log line by accident."""
    return f"{kind}{uuid.uuid4().hex[:12]}"


@pytest.fixture
def person() -> dict[str, str]:
    return {
        "text": _token("Thoughtfulremark"),
        "author id": _token("reader-"),
        "author name": _token("Name"),
        "reader id": _token("reporter-"),
        "report note": _token("Reportnote"),
        "moderator note": _token("Decisionnote"),
        "ban reason": _token("Banreason"),
    }


def _post(client: Any, person: dict[str, str], request_id: str) -> Any:
    return client.post(
        "/v1/articles/logs-article/comments",
        json={
            "author": {"id": person["author id"], "name": person["author name"]},
            # First: PostgreSQL's DETAIL shows the first 64 bytes of each value.
            "text": f"{person['text']} thanks for the report on the council vote.",
        },
        headers={"X-Request-ID": request_id},
    )


def _postgres_only(settings: Settings) -> None:
    if not settings.database.url.startswith("postgresql"):
        pytest.skip("the leak is PostgreSQL's DETAIL quoting a refused row; SQLite quotes none")


def test_a_comment_the_database_refuses_at_intake_is_logged_without_its_content(
    client: Any, settings: Settings, person: dict[str, str], logs: CapturedLogs
) -> None:
    _postgres_only(settings)
    refused = f"text NOT LIKE '%{person['text']}%'"
    with refusing_rows(settings.database.url, "comments", refused):
        answer = _post(client, person, "req-intake-refused")

    assert answer.status_code == 500
    logged = "\n".join(logs.lines())
    # The failure is there, with what an operator needs: the request and the constraint.
    assert "unhandled error on POST /v1/articles/logs-article/comments" in logged
    assert "test_refuses_comments" in logged and "req-intake-refused" in logged
    assert "Failing row" not in logged and "hide_parameters" in logged
    logs.assert_none_of(person)


def test_a_batch_with_a_row_the_database_refuses_is_logged_without_its_content(
    client: Any, settings: Settings, person: dict[str, str], logs: CapturedLogs
) -> None:
    """The scoring worker's batch UPDATE fails on the comment's row (the row holds its text,
    author id and name); the fallback records each comment alone and logs the one that fails
    again. Neither the batch's traceback nor the comment's shows the row."""
    _postgres_only(settings)
    answer = _post(client, person, "req-batch-refused")
    assert answer.status_code == 202, answer.json
    comment_id = answer.json["id"]
    other = client.post(
        "/v1/articles/logs-article/comments",
        json={"author": {"id": "r2", "name": "R"}, "text": "Thanks for the clear explainer."},
    )
    assert other.status_code == 202

    refused = f"status = 'pending' OR text NOT LIKE '%{person['text']}%'"
    with refusing_rows(settings.database.url, "comments", refused):
        run_worker(settings, burst=True)

    statuses = [
        client.get(f"/v1/comments/{i}").json["status"] for i in (comment_id, other.json["id"])
    ]
    assert statuses == ["pending", "approved"]
    logged = "\n".join(logs.lines())
    assert "recording 2 verdicts in one transaction failed" in logged
    assert f"could not record the verdict for comment {comment_id}" in logged
    assert "test_refuses_comments" in logged
    logs.assert_none_of(person)


def test_normal_operation_logs_ids_but_no_personal_data(
    client: Any, settings: Settings, person: dict[str, str], logs: CapturedLogs
) -> None:
    moderator = bearer(MODERATOR_TOKEN)
    answer = _post(client, person, "req-normal")
    assert answer.status_code == 202, answer.json
    comment_id = answer.json["id"]
    run_worker(settings, burst=True)
    assert client.get(f"/v1/comments/{comment_id}").json["status"] == "approved"

    report = client.post(
        f"/v1/comments/{comment_id}/reports",
        json={"reader_id": person["reader id"], "reason": "spam", "note": person["report note"]},
    )
    assert report.status_code == 201, report.json
    decision = client.post(
        f"/v1/review/comments/{comment_id}/decision",
        json={
            "action": "reject",
            "reason_code": "spam",
            "version": 2,
            "note": person["moderator note"],
        },
        headers=moderator,
    )
    assert decision.status_code == 200, decision.json
    author = person["author id"]
    ban = client.post(
        f"/v1/authors/{author}/ban", json={"reason": person["ban reason"]}, headers=moderator
    )
    assert ban.status_code == 200, ban.json
    history = client.get(f"/v1/authors/{author}", headers=moderator)
    assert history.status_code == 200
    listed = client.get(f"/v1/review/queue?author_id={author}", headers=moderator)
    assert listed.status_code == 200, listed.json

    logged = "\n".join(logs.lines())
    # The lines are there, with the ids that are not personal.
    assert f"comment {comment_id} approved" in logged
    assert f"POST /v1/comments/{comment_id}/reports 201" in logged
    assert "POST /v1/authors/<author_id>/ban 200" in logged
    assert "GET /v1/authors/<author_id> 200" in logged
    assert "req-normal" in logged
    logs.assert_none_of(person)
