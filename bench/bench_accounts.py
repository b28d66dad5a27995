"""What a person's token costs per request, against an environment token.

    python -m bench.bench_accounts [--people 1000] [--requests 2000] [--database-url ...]

Without --database-url it uses a fresh SQLite file; Redis is an embedded server. Creates
`--people` people with two roles and a token each, then prints JSON: the median and 99th
percentile of (a) the token lookup alone (one indexed query by the token's hash, joined to the
person and their roles; `last_used_at` already fresh, so no write), and (b) `GET /v1/review/me`
through the app, with an environment token and with a person's token. The database is emptied
and migrated first: never point it at data you keep.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from moderation.accounts.lookup import AccountTokens
from moderation.accounts.service import AccountService, NewPerson
from moderation.config import load_settings
from moderation.db.session import make_engine, make_session_factory
from moderation.embedded_redis import EmbeddedRedis
from moderation.secrets import generate_key
from moderation.web.principal import ALL_SITES, Principal
from tests.support.database import fresh_schema

ENV_TOKEN = "bench:bench-moderator-token-0123"


def _timed(calls: int, action: Callable[[], object]) -> dict[str, float]:
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 3),
        "p99_ms": round(times[int(len(times) * 0.99) - 1], 3),
    }


def seed(url: str, people: int) -> str:
    """`people` people with a token each; the last one's token."""
    service = AccountService(make_session_factory(make_engine(url)))
    actor = Principal.of("bench", [("admin", ALL_SITES)])
    token = ""
    for number in range(people):
        grants = [("moderator", f"site-{number % 50}"), ("admin", f"site-{number % 7}")]
        token = service.create(actor, NewPerson(f"person-{number}", "Person", grants)).token
    return token


def measure(url: str, redis_url: str, token: str, requests: int) -> dict[str, object]:
    from moderation.app import create_app

    lookup = AccountTokens(make_session_factory(make_engine(url)))
    lookup.principal_for(token)  # writes last_used_at once; the timed calls only read
    settings = load_settings(
        environ={},
        overrides={
            "database": {"url": url},
            "redis": {"url": redis_url},
            "auth": {"moderator_tokens": [ENV_TOKEN]},
            "webhooks": {"secret_keys": [generate_key()]},
        },
    )
    client = create_app(settings).test_client()
    env_headers = {"Authorization": "Bearer " + ENV_TOKEN.split(":", 1)[1]}
    person_headers = {"Authorization": "Bearer " + token}
    for headers in (env_headers, person_headers):  # warm the pool and Flask
        assert client.get("/v1/review/me", headers=headers).status_code == 200
    return {
        "lookup_alone": _timed(requests, lambda: lookup.principal_for(token)),
        "me_with_environment_token": _timed(
            requests, lambda: client.get("/v1/review/me", headers=env_headers)
        ),
        "me_with_person_token": _timed(
            requests, lambda: client.get("/v1/review/me", headers=person_headers)
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'bench.db'}"
        fresh_schema(url)
        token = seed(url, args.people)
        redis = EmbeddedRedis(Path(scratch) / "redis")
        try:
            timings = measure(url, redis.start(), token, args.requests)
        finally:
            redis.stop()
        report = {"database": make_engine(url).dialect.name, "people": args.people, **timings}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
