"""NDJSON export and import against the real database and Redis: a streamed export over HTTP,
an import by the `moderation comments import` command into an emptied database, the same
export again byte for byte, a second import that changes nothing, and `--rescore` decided again
by a real scoring worker (burst mode)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from moderation.config import Settings
from moderation.db.session import make_engine, make_session_factory
from moderation.scoring.queue import RQWorkQueue
from moderation.transfer.export import CHUNK
from moderation.transfer.records import RecordError
from moderation.transfer.service import TransferService
from moderation.worker.runner import run_worker
from tests.integration.test_commenter_sessions import configure
from tests.support.database import empty_state
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, WEBHOOK_KEY, bearer
from tests.support.workbench import comment_row, insert_comments

SITE = "/v1/sites/news"


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[bytes]:
    """`moderation ARGS` as its own process, configured by its environment as in production."""
    environment = {
        **os.environ,
        "MODERATION_DATABASE_URL": settings.database.url,
        "MODERATION_REDIS_URL": settings.redis.url,
        "MODERATION_WEBHOOKS_SECRET_KEYS": WEBHOOK_KEY,
    }
    return subprocess.run(
        [sys.executable, "-m", "moderation.cli", *args],
        env=environment,
        capture_output=True,
        timeout=120,
    )


def export(client: Any, query: str = "") -> list[dict[str, Any]]:
    answer = client.get(f"{SITE}/export{query}", headers=bearer(ADMIN_TOKEN))
    assert answer.status_code == 200, answer.data[:500]
    assert answer.is_streamed and answer.mimetype == "application/x-ndjson"
    assert answer.headers["Cache-Control"] == "no-store"
    return [json.loads(line) for line in answer.data.splitlines()]


def without_time(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The export minus the header's `exported_at` and `source` (the exporting database), the
    only things that differ between exports of the same comments."""
    head = {key: value for key, value in lines[0].items() if key not in {"exported_at", "source"}}
    return [head, *lines[1:]]


def a_history(client: Any, settings: Settings) -> None:
    """A site with a bit of everything: a published thread with a reply, a comment the rules
    rejected, one a moderator rejected with a note, an edited one, a banned author."""
    configure(client, "news", {}, anonymous="allow")
    base = f"{SITE}/articles/a-1/comments"

    def post(text: str, author: str, parent: int | None = None) -> dict[str, Any]:
        body = {"text": text, "author": {"id": author, "name": author.title()}, "parent_id": parent}
        answer = client.post(base, json=body)
        assert answer.status_code == 202, answer.json
        return dict(answer.json)

    top = post("The bridge repairs are overdue.", "ann")
    edited = post("Budgets are tight this year.", "ben")
    post("kill yourself", "troll")
    held_for_note = post("Off topic musings about football.", "cat")
    run_worker(settings, burst=True)
    post("I agree about the bridge.", "ben", parent=top["id"])
    changed = client.patch(
        f"{SITE}/comments/{edited['id']}",
        json={
            "text": "Budgets are very tight this year.",
            "version": 1,
            "edit_token": edited["edit_token"],
        },
    )
    assert changed.status_code == 200, changed.json
    run_worker(settings, burst=True)
    decided = client.post(
        f"/v1/review/comments/{held_for_note['id']}/decision",
        json={
            "action": "reject",
            "reason_code": "off_topic",
            "note": "not about the article",
            "version": 2,
        },
        headers=bearer(MODERATOR_TOKEN),
    )
    assert decided.status_code == 200, decided.json
    banned = client.post(
        f"{SITE}/authors/troll/ban", json={"reason": "threats"}, headers=bearer(MODERATOR_TOKEN)
    )
    assert banned.status_code == 200, banned.json


def test_export_import_export_round_trips_and_a_second_import_changes_nothing(
    client: Any, settings: Settings, tmp_path: Path
) -> None:
    a_history(client, settings)
    first = export(client)
    head, *records, last = first
    assert head["format"] == "moderation-comments" and head["format_version"] == 1
    assert head["site_id"] == "news" and head["source"].startswith("db-")
    kinds = [record["type"] for record in records]
    assert kinds == ["author"] + ["comment"] * 5
    assert last == {"type": "end", "authors": 1, "comments": 5}
    by_text = {r["text"]: r for r in records if r["type"] == "comment"}
    reply = by_text["I agree about the bridge."]
    assert reply["parent_external_id"] == by_text["The bridge repairs are overdue."]["external_id"]
    edited = by_text["Budgets are very tight this year."]
    assert [v["text"] for v in edited["versions"]] == ["Budgets are tight this year."]
    noted = by_text["Off topic musings about football."]
    assert (
        noted["status"] == "rejected" and noted["decisions"][-1]["note"] == "not about the article"
    )
    assert records[0]["id"] == "troll" and records[0]["status"] == "banned"

    saved = tmp_path / "news.ndjson"
    saved.write_bytes(b"".join(json.dumps(line).encode() + b"\n" for line in first))
    empty_state(settings.database.url, settings.redis.url)
    configure(client, "news", {}, anonymous="allow")
    done = cli(settings, "comments", "import", str(saved))
    assert done.returncode == 0, done.stderr.decode()
    summary = json.loads(done.stdout)
    assert summary["comments_added"] == 5 and summary["authors_added"] == 1, summary
    assert summary["complete"] is True and summary["changed"] is True

    assert without_time(export(client)) == without_time(first)
    published = client.get(f"{SITE}/articles/a-1/comments").json["comments"]
    assert [c["text"] for c in published] == [
        "The bridge repairs are overdue.",
        "Budgets are very tight this year.",
    ]
    assert [r["text"] for r in published[0]["replies"]] == ["I agree about the bridge."]

    sessions = make_session_factory(make_engine(settings.database.url))
    with saved.open("rb") as lines:
        repeat = TransferService(sessions).import_lines(lines).as_dict()
    assert repeat["changed"] is False and repeat["comments_unchanged"] == 5, repeat
    assert repeat["authors_unchanged"] == 1
    assert without_time(export(client)) == without_time(first)


def test_an_export_of_its_own_database_imports_as_nothing_new(
    client: Any, settings: Settings
) -> None:
    a_history(client, settings)
    lines = b"".join(json.dumps(line).encode() + b"\n" for line in export(client))
    sessions = make_session_factory(make_engine(settings.database.url))
    summary = TransferService(sessions).import_lines(lines.splitlines())
    assert (summary.comments_added, summary.comments_unchanged, summary.changed) == (0, 5, False)

    # Another database's comments with the same numbers are other comments: they are added.
    source = json.loads(lines.splitlines()[0])["source"]
    elsewhere = lines.decode().replace(source, "db-elsewhere").encode()
    merged = TransferService(sessions).import_lines(elsewhere.splitlines())
    assert (merged.comments_added, merged.comments_unchanged) == (5, 0)
    ids = [r["external_id"] for r in export(client) if r["type"] == "comment"]
    assert sorted(ids) == sorted(
        [f"{source}:{n}" for n in range(1, 6)] + [f"db-elsewhere:{n}" for n in range(1, 6)]
    )


def test_filters_and_chunks(client: Any, settings: Settings) -> None:
    configure(client, "news", {}, anonymous="allow")
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows = [
        {
            **comment_row(
                "approved", article_id=f"a-{n % 2}", created_at=start + dt.timedelta(minutes=n)
            ),
            "site_id": "news",
        }
        for n in range(CHUNK * 2 + 10)
    ]
    insert_comments(settings.database.url, rows)
    everything = export(client)
    assert everything[-1]["comments"] == len(rows)
    ids = [r["external_id"] for r in everything if r["type"] == "comment"]
    assert len(set(ids)) == len(rows)  # none repeated or lost across chunks
    one = export(client, "?article_id=a-1")
    assert {r["article_id"] for r in one if r["type"] == "comment"} == {"a-1"}
    window = export(client, "?since=2026-01-01T00:10:00Z&until=2026-01-01T00:20:00Z")
    assert window[-1]["comments"] == 10
    assert window[0]["filters"]["since"] == "2026-01-01T00:10:00.000000+00:00"

    reversed_range = client.get(
        f"{SITE}/export?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z",
        headers=bearer(ADMIN_TOKEN),
    )
    assert reversed_range.status_code == 422, reversed_range.json
    assert client.get(f"{SITE}/export", headers=bearer(MODERATOR_TOKEN)).status_code == 403
    assert client.get("/v1/sites/nowhere/export", headers=bearer(ADMIN_TOKEN)).status_code == 404


def test_rescore_puts_imported_comments_to_the_scoring_workers(
    client: Any, settings: Settings
) -> None:
    a_history(client, settings)
    lines = [json.dumps(line) for line in export(client)]
    empty_state(settings.database.url, settings.redis.url)
    configure(client, "news", {}, anonymous="allow")
    sessions = make_session_factory(make_engine(settings.database.url))
    queue = RQWorkQueue(Redis.from_url(settings.redis.url), settings.redis.score_queue)
    summary = TransferService(sessions, queue).import_lines(lines, rescore=True)
    assert summary.rescored == 5
    pending = [r for r in export(client) if r["type"] == "comment"]
    assert {r["status"] for r in pending} == {"pending"}
    run_worker(settings, burst=True)
    decided = {r["text"]: r for r in export(client) if r["type"] == "comment"}
    assert decided["kill yourself"]["status"] == "rejected"
    assert decided["The bridge repairs are overdue."]["status"] == "approved"
    trail = [
        (d["actor"], d["to_status"])
        for d in decided["The bridge repairs are overdue."]["decisions"]
    ]
    assert trail == [
        ("ann", "pending"),
        ("scoring", "approved"),
        ("import", "pending"),
        ("scoring", "approved"),
    ]


def test_a_bad_or_cut_off_file_is_named_by_line_and_field(client: Any, settings: Settings) -> None:
    a_history(client, settings)
    lines = [json.dumps(line) for line in export(client)]
    empty_state(settings.database.url, settings.redis.url)
    configure(client, "news", {}, anonymous="allow")
    sessions = make_session_factory(make_engine(settings.database.url))
    transfer = TransferService(sessions)

    broken = [*lines]
    record = json.loads(broken[3])
    record["status"] = "vanished"
    broken[3] = json.dumps(record)
    with pytest.raises(RecordError, match="line 4: status: Must be one of"):
        transfer.import_lines(broken)
    cut = transfer.import_lines(lines[:-1])
    assert cut.complete is False and cut.comments_added == 5
    assert transfer.import_lines(lines).comments_unchanged == 5  # run again, it finishes
    with pytest.raises(RecordError, match="line 1: format_version: is 2"):
        transfer.import_lines([json.dumps({**json.loads(lines[0]), "format_version": 2})])
