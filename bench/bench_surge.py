"""Surge protection: what it adds to each scored batch, measured on the real database and Redis.

    MODERATION_DATABASE_URL=... MODERATION_REDIS_URL=... python -m bench.bench_surge [--repeat 200]

`ScoringService.record_batch` calls `SurgeService.observe_batch` after its commit: one Redis
pipeline per batch (add to the current bucket, read the window, for each article of the batch)
and, only for an article past a level, one transaction (extend or start its surge). This times
`observe_batch` for a batch of 16 verdicts: all on one article, and spread over 16 articles,
below the level (the usual case) and past it (a surge going on: the extend UPDATE). The scoring
worker reads the surge with the article's other settings (no query of its own), so this is the
whole added cost. Use an empty database and Redis (the test ones): it writes rows and keys.
"""

from __future__ import annotations

import argparse
import statistics
import time

from redis import Redis

from moderation.config import SurgeSettings, load_settings
from moderation.db.session import make_engine, make_session_factory
from moderation.pipeline.verdict import LabelScore, Verdict
from moderation.surge.counters import SurgeCounters
from moderation.surge.service import SurgeService

CALM = Verdict("approve", (), (LabelScore("toxicity", 0.1, 0.5, 0.9),))
TOXIC = Verdict("hold", (), (LabelScore("toxicity", 0.6, 0.5, 0.9),))


def _time(surge: SurgeService, batch: list[tuple[str, str, Verdict]], repeat: int) -> float:
    """Median milliseconds of one `observe_batch` call."""
    took = []
    for _ in range(repeat):
        started = time.perf_counter()
        surge.observe_batch(batch)
        took.append((time.perf_counter() - started) * 1000)
    return statistics.median(took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    settings = load_settings()
    sessions = make_session_factory(make_engine(settings.database.url))
    redis = Redis.from_url(settings.redis.url)
    quiet = SurgeSettings(True, 0.99, 10**6, 0.0, 900, 1800)  # never passes
    heated = SurgeSettings(True, 0.01, 1, 0.0, 900, 1800)  # always passes
    for name, levels, verdict in (("below the level", quiet, CALM), ("in a surge", heated, TOXIC)):
        surge = SurgeService(sessions, levels, None, SurgeCounters(redis))
        one = [("bench", "article-1", verdict)] * 16
        many = [("bench", f"article-{n}", verdict) for n in range(16)]
        print(
            f"{name}: 16 comments on 1 article {_time(surge, one, args.repeat):.2f} ms, "
            f"on 16 articles {_time(surge, many, args.repeat):.2f} ms per batch (median)"
        )


if __name__ == "__main__":
    main()
