"""Commenter sessions against the real database and Redis, in-process: how long a session lasts,
the default site's path, key rotation of the sites' secrets, and a replay check that fails closed
when Redis is away. The hostile token suite runs over HTTP in tests/e2e/test_commenter_tokens.py."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from sqlalchemy import select

from moderation.config import Settings
from moderation.db.session import make_engine, make_session_factory
from moderation.secrets import SecretBox
from moderation.sites.models import Site
from tests.integration.test_webhook_secrets_at_rest import cli
from tests.support.commenters import HS_SECRET, claims, sign
from tests.support.live import cli_env, run_cli
from tests.support.settings import ADMIN_TOKEN, NEW_WEBHOOK_KEY, WEBHOOK_KEY, bearer

HS = {"algorithms": ["HS256"], "secret": HS_SECRET}


def configure(client: Any, site: str, commenters: dict[str, Any], **extra: Any) -> None:
    method, path = ("PATCH", f"/v1/sites/{site}")
    if site != "default":
        method, path = "POST", "/v1/sites"
        extra["id"] = site
    answer = client.open(
        path, method=method, json={"commenters": commenters, **extra}, headers=bearer(ADMIN_TOKEN)
    )
    assert answer.status_code in {200, 201}, answer.json


def exchange(client: Any, path: str, token: str) -> Any:
    return client.post(path, json={}, headers={"Authorization": f"Bearer {token}"})


def expires_in(answer: Any) -> float:
    expires = dt.datetime.fromisoformat(answer.json["expires_at"])
    return expires.timestamp() - time.time()


def test_the_default_sites_path_exchanges_too(client: Any) -> None:
    configure(client, "default", HS)
    answer = exchange(client, "/v1/commenter-sessions", sign(claims("r-1"), HS_SECRET, "HS256"))
    assert answer.status_code == 201, answer.json
    posted = client.post(
        "/v1/articles/a-1/comments",
        json={"text": "A fair point about the budget."},
        headers={"Authorization": f"Bearer {answer.json['token']}"},
    )
    assert posted.status_code == 202, posted.json


def test_a_session_lasts_the_sites_time_and_never_long_past_the_sso_token(
    settings: Settings, clean_state: None
) -> None:
    from moderation.app import create_app

    capped = settings.replace(sites={"commenter_session_past_sso_seconds": 0})
    client = create_app(capped).test_client()
    configure(client, "news", {**HS, "session_seconds": 600})
    path = "/v1/sites/news/commenter-sessions"
    long_sso = exchange(client, path, sign(claims(lifetime=7200), HS_SECRET, "HS256"))
    assert 590 <= expires_in(long_sso) <= 600
    short_sso = exchange(client, path, sign(claims(lifetime=120), HS_SECRET, "HS256"))
    assert 110 <= expires_in(short_sso) <= 120


def test_reencrypt_moves_the_sites_secrets_to_the_new_key(client: Any, settings: Settings) -> None:
    configure(client, "news", HS)
    done = cli(settings, "webhooks", "reencrypt", keys=[NEW_WEBHOOK_KEY, WEBHOOK_KEY])
    assert done.returncode == 0, done.stdout + done.stderr
    assert '{"reencrypted": 1}' in done.stdout
    engine = make_engine(settings.database.url)
    with make_session_factory(engine)() as session:
        sealed = session.scalar(select(Site.commenters).where(Site.id == "news"))["secret"]
    engine.dispose()
    assert SecretBox([NEW_WEBHOOK_KEY]).open(sealed) == HS_SECRET

    from moderation.app import create_app

    newest_only = create_app(settings.replace(webhooks={"secret_keys": [NEW_WEBHOOK_KEY]}))
    token = sign(claims(), HS_SECRET, "HS256")
    answer = exchange(newest_only.test_client(), "/v1/sites/news/commenter-sessions", token)
    assert answer.status_code == 201, answer.json


def test_with_redis_away_the_exchange_is_refused_not_let_through(
    client: Any, settings: Settings
) -> None:
    from moderation.app import create_app

    configure(client, "news", HS)
    away = create_app(settings.replace(redis={"url": "redis://127.0.0.1:9/0"})).test_client()
    token = sign(claims(), HS_SECRET, "HS256")
    answer = exchange(away, "/v1/sites/news/commenter-sessions", token)
    assert answer.status_code == 503 and "replay" in answer.json["message"]
    # Nothing was remembered: once Redis is back, the same token is exchanged once.
    assert exchange(client, "/v1/sites/news/commenter-sessions", token).status_code == 201
    assert exchange(client, "/v1/sites/news/commenter-sessions", token).status_code == 401


def sites_command(settings: Settings, *args: str, stdin: str = "") -> Any:
    """`moderation sites ARGS` as its own process, configured by its environment."""
    environment = cli_env(settings, MODERATION_WEBHOOKS_SECRET_KEYS=WEBHOOK_KEY)
    return run_cli(environment, "sites", *args, stdin=stdin)


def test_the_sites_command_adds_lists_and_sets_with_the_apis_checks(
    client: Any, settings: Settings
) -> None:
    from moderation.sites.commands import ANONYMOUS
    from moderation.sites.overrides import ANONYMOUS as CHECKED

    assert ANONYMOUS == CHECKED
    added = sites_command(
        settings, "add", "gazette", "--anonymous", "off", "--origin", "https://gazette.example"
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["anonymous"] == "off"
    hs256 = json.dumps({"algorithms": ["HS256"]})
    done = sites_command(
        settings, "set", "gazette", "--commenters", hs256, "--secret-stdin", stdin=HS_SECRET + "\n"
    )
    assert done.returncode == 0, done.stderr
    assert HS_SECRET not in done.stdout and json.loads(done.stdout)["commenters"]["secret"] == (
        "(set)"
    )
    token = sign(claims(), HS_SECRET, "HS256")
    assert exchange(client, "/v1/sites/gazette/commenter-sessions", token).status_code == 201

    refused = sites_command(settings, "set", "gazette", "--commenters", '{"algorithms": ["XX1"]}')
    assert refused.returncode != 0 and "commenters.algorithms" in refused.stderr
    listed = json.loads(sites_command(settings, "list").stdout)
    assert [site["id"] for site in listed] == ["default", "gazette"]
    off = sites_command(settings, "set", "gazette", "--commenters-off")
    assert json.loads(off.stdout)["commenters"] == {}
