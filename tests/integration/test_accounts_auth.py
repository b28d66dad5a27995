"""People's tokens in the auth layer: wrong ones go through the wrong-credential throttle like
any wrong token, `require_site` answers 403 naming the site, and the lookup writes
`last_used_at` only when it is a minute old (real PostgreSQL and Redis, the app in process)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from moderation.accounts.lookup import AccountTokens
from moderation.accounts.models import AccountToken
from moderation.accounts.service import AccountService, NewPerson
from moderation.accounts.tokens import new_token
from moderation.app import create_app
from moderation.config import Settings
from moderation.db.session import make_engine, make_session_factory
from moderation.web.auth import ALL_SITES, Principal, require_role, require_site
from tests.support.settings import make_settings

ROOT = Principal.of("root", [("admin", ALL_SITES)])


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    return make_settings(database_url, redis_url, tiny_model, web={"bad_credentials_per_minute": 3})


@pytest.fixture
def accounts(database_url: str, clean_state: None) -> AccountService:
    return AccountService(make_session_factory(make_engine(database_url)))


def add(accounts: AccountService, login: str, *grants: tuple[str, str]) -> str:
    return accounts.create(ROOT, NewPerson(login, login.title(), grants)).token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_wrong_account_tokens_are_throttled_and_a_right_one_still_works(
    settings: Settings, accounts: AccountService
) -> None:
    token = add(accounts, "pat", ("moderator", "paper-a"))
    client = create_app(settings).test_client()
    office: dict[str, Any] = {"environ_base": {"REMOTE_ADDR": "203.0.113.20"}}
    revoked = add(accounts, "quinn", ("moderator", "paper-a"))
    person = accounts.find(ROOT, "quinn")
    accounts.revoke(ROOT, person.id)
    wrong = [bearer(new_token()), bearer(revoked), bearer(new_token()), bearer(new_token())]

    answers = [client.get("/v1/review/queue", headers=headers, **office) for headers in wrong]

    assert [answer.status_code for answer in answers] == [401, 401, 401, 429]
    assert answers[1].json["message"] == "the bearer token is not valid"
    assert client.get("/v1/review/queue", headers=bearer(token), **office).status_code == 200


def test_require_site_answers_403_naming_the_site(
    settings: Settings, accounts: AccountService
) -> None:
    app = create_app(settings)

    @app.get("/test/sites/<site_id>")
    @require_role("moderator")
    def on_site(site_id: str) -> Any:
        return {"moderator": require_site(site_id).name}

    @app.get("/test/sites/<site_id>/admin")
    @require_role("moderator")
    def admin_on_site(site_id: str) -> Any:
        return {"admin": require_site(site_id, "admin").name}

    client = app.test_client()
    token = bearer(add(accounts, "rae", ("moderator", "paper-a")))

    assert client.get("/test/sites/paper-a", headers=token).json == {"moderator": "rae"}
    refused = client.get("/test/sites/paper-b", headers=token)
    assert refused.status_code == 403
    assert refused.json["message"] == "you are not a moderator of site paper-b"
    admin = client.get("/test/sites/paper-a/admin", headers=token)
    assert admin.status_code == 403
    assert admin.json["message"] == "you are not an admin of site paper-a"


def test_the_lookup_writes_last_used_at_once_a_minute(
    database_url: str, accounts: AccountService
) -> None:
    token = add(accounts, "sam", ("moderator", "paper-a"), ("admin", "paper-b"))
    sessions = make_session_factory(make_engine(database_url))
    lookup = AccountTokens(sessions)

    def stored() -> dt.datetime | None:
        with sessions() as session:
            return session.scalar(select(AccountToken.last_used_at))

    principal = lookup.principal_for(token)
    assert principal is not None and principal.account_id is not None
    assert principal.grants == {("moderator", "paper-a"), ("admin", "paper-b")}
    first = stored()
    assert first is not None
    for _ in range(5):
        assert lookup.principal_for(token) == principal
    assert stored() == first

    with sessions.begin() as session:
        earlier = first - dt.timedelta(seconds=61)
        session.execute(update(AccountToken).values(last_used_at=earlier))
    lookup.principal_for(token)
    latest = stored()
    assert latest is not None and latest > first
    assert lookup.principal_for(new_token()) is None
