"""What an export, an erasure and a retention purge cost at size.

    python -m bench.bench_privacy [--comments 2000] [--purge 20000] [--database-url ...]

Without --database-url it uses a fresh SQLite file. Seeds one author with `--comments` comments
(each with its creation and decision audit records and two outbox events) among 50,000 other
rows, and `--purge` rejected comments 40 days old (with their audit records); then prints JSON:
seconds to export the author, to erase them (one transaction), and to purge with 30-day periods
in batches of 500 (rows per second). The database is emptied and migrated first: never point it
at data you keep.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from moderation.comments.models import AuditRecord, Comment
from moderation.config import load_settings
from moderation.db.session import make_engine, make_session_factory
from moderation.events.models import OutboxEvent
from moderation.privacy.retention import RetentionService
from moderation.privacy.service import PrivacyService, Requester
from tests.support.database import fresh_schema

AUTHOR = "bench-author"
KEY = "bench-pseudonym-key-0123456789abcdefgh"


def _comments(count: int, author: str, status: str, at: dt.datetime) -> list[dict[str, Any]]:
    return [
        {
            "article_id": f"article-{number % 40}",
            "author_id": author if author != "*" else f"u{number % 5000}",
            "author_name": "Bench Reader",
            "text": f"A comment of ordinary length about the article, number {number}. " * 2,
            "status": status,
            "version": 2,
            "created_at": at,
            "updated_at": at,
            "decided_at": at,
            "priority": 0.0,
        }
        for number in range(count)
    ]


def seed(url: str, comments: int, purge: int, now: dt.datetime) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        for author, count, status, at in (
            ("*", 50_000, "approved", now),
            (AUTHOR, comments, "approved", now),
            ("*", purge, "rejected", now - dt.timedelta(days=40)),
        ):
            first = connection.scalar(select(Comment.id).order_by(Comment.id.desc()).limit(1)) or 0
            connection.execute(insert(Comment), _comments(count, author, status, at))
            ids = list(connection.scalars(select(Comment.id).where(Comment.id > first)))
            connection.execute(
                insert(AuditRecord),
                [
                    {
                        "comment_id": cid,
                        "actor_type": "system",
                        "actor": "scoring",
                        "from_status": None,
                        "to_status": step,
                        "reason": "model said so",
                        "version": 1,
                        "created_at": at,
                    }
                    for cid in ids
                    for step in ("pending", status)
                ],
            )
            if author == AUTHOR:
                connection.execute(
                    insert(OutboxEvent),
                    [
                        {
                            "event_id": "evt_" + uuid.uuid4().hex,
                            "type": kind,
                            "comment_id": cid,
                            "payload": {"data": {"comment": {"id": cid, "author_id": AUTHOR}}},
                            "created_at": at,
                            "dispatched_at": at,
                        }
                        for cid in ids
                        for kind in ("comment.created", "comment.approved")
                    ],
                )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--purge", type=int, default=20000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    fresh_schema(url)
    now = dt.datetime.now(dt.UTC)
    seed(url, args.comments, args.purge, now)
    settings = load_settings(
        environ={},
        overrides={
            "database": {"url": url},
            "privacy": {"pseudonym_key": KEY},
            "retention": {"comment_text_days": 30, "audit_detail_days": 30},
        },
    )
    sessions = make_session_factory(make_engine(url))
    service = PrivacyService(sessions, settings)
    started = time.perf_counter()
    exported = service.export("default", AUTHOR, Requester("bench", reason="bench"))
    export_seconds = time.perf_counter() - started
    started = time.perf_counter()
    erasure = service.erase("default", AUTHOR, Requester("bench", reason="bench"))
    erase_seconds = time.perf_counter() - started
    started = time.perf_counter()
    purged = RetentionService(sessions, settings).purge(now)
    purge_seconds = time.perf_counter() - started
    rows = sum(purged.values())
    print(
        json.dumps(
            {
                "database": url.split(":", 1)[0],
                "author_comments": args.comments,
                "export_rows": sum(len(t["rows"]) for t in exported["tables"].values()),
                "export_seconds": round(export_seconds, 2),
                "erased_rows": sum(erasure.counts.values()),
                "erase_seconds": round(erase_seconds, 2),
                "purged": purged,
                "purge_seconds": round(purge_seconds, 2),
                "purge_rows_per_second": round(rows / purge_seconds) if purge_seconds else None,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
