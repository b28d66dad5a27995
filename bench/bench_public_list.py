"""The public list's first page at size: what counting the article's visible comments costs.

    python -m bench.bench_public_list [--comments 20000] [--database-url ...]

Without --database-url it uses a fresh SQLite file. Seeds one article with `--comments`
published comments (a fifth of them replies) and as many again spread over 200 other articles,
then prints JSON: the median of 60 first pages with the count taken every time, with the count
reused (`comments/counts.py`, as the service does for 10 s), and of 60 later pages (no count).
The database is emptied and migrated first: never point it at data you keep.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text, update

from moderation.comments.counts import VisibleCounts
from moderation.comments.models import Comment
from moderation.comments.service import CommentService
from moderation.db.session import make_engine, make_session_factory
from tests.support.database import fresh_schema

ARTICLE = "big-story"


class _NoQueue:
    def enqueue_scoring(self, comment_ids: list[int], request_id: str | None = None) -> bool:
        return True  # nothing is posted here


def _row(article: str, number: int, now: dt.datetime) -> dict[str, Any]:
    created = now - dt.timedelta(seconds=number)
    return {
        "article_id": article,
        "author_id": f"u{number % 5000}",
        "author_name": "Reader",
        "text": "A comment of ordinary length about the article. " * 3,
        "status": "approved",
        "version": 2,
        "created_at": created,
        "updated_at": created,
        "report_weight": 0.0,
        "hidden": False,
    }


def seed(url: str, comments: int) -> None:
    engine = make_engine(url)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        for start in range(0, comments, 10_000):
            numbers = range(start, min(start + 10_000, comments))
            connection.execute(insert(Comment), [_row(ARTICLE, n, now) for n in numbers])
            connection.execute(insert(Comment), [_row(f"other-{n % 200}", n, now) for n in numbers])
        connection.execute(update(Comment).values(root_id=Comment.id))
        # Every fifth comment of the big article replies to the one before it.
        ids = list(connection.scalars(select(Comment.id).where(Comment.article_id == ARTICLE)))
        replies = [{"reply": ids[n], "parent": ids[n - 1]} for n in range(1, len(ids), 5)]
        for reply in replies:
            connection.execute(
                update(Comment)
                .where(Comment.id == reply["reply"])
                .values(parent_id=reply["parent"], root_id=reply["parent"])
            )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE comments"))
    engine.dispose()


def median_ms(call: Callable[[], object], times: int = 60) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 2)


def measure(url: str) -> dict[str, Any]:
    service = CommentService(make_session_factory(make_engine(url)), _NoQueue())
    first = service.published("default", ARTICLE, None, 20)
    service.counts = VisibleCounts(seconds=0.0)
    counted = median_ms(lambda: service.published("default", ARTICLE, None, 20))
    service.counts = VisibleCounts()
    reused = median_ms(lambda: service.published("default", ARTICLE, None, 20))
    later = median_ms(lambda: service.published("default", ARTICLE, first.next_cursor, 20))
    return {
        "visible_comments": first.total,
        "first_page_counted_ms": counted,
        "first_page_count_reused_ms": reused,
        "later_page_ms": later,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'bench.db'}"
        fresh_schema(url)
        seed(url, args.comments)
        report = {"database": make_engine(url).dialect.name, **measure(url)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
