"""Moderator accounts through the real HTTP API (gunicorn with two processes, a real worker) and
the real `moderation users` command: people with tokens review, the audit trail and claims name
them, revocation is refused at once by every web process, roles stop at their site, and no
token is stored in clear."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import MetaData, select, text, update

from moderation.accounts.lookup import AccountTokens
from moderation.accounts.models import AccountToken
from moderation.comments.models import AuditRecord, AuthorAction
from moderation.db.session import make_engine, make_session_factory
from tests.support.live import LiveService, run_cli, running_service
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, bearer, model_files, service_env
from tests.support.workbench import comment_row, insert_comments

ROOT = bearer(ADMIN_TOKEN)  # the environment's admin: every site
TOKEN_SHAPE = re.compile(r"^mod_[A-Za-z0-9_-]{43}$")
# Enough requests that both gunicorn processes answer some of them.
EVERY_PROCESS = 8


@pytest.fixture(scope="module")
def live(
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveService]:
    yield from running_service(
        database_url,
        redis_url,
        tiny_model,
        tmp_path_factory.mktemp("accounts-logs"),
        MODERATION_WEBHOOKS_ALLOW_PRIVATE="true",
        # Revoked tokens count as wrong ones; these tests send more than the default allows.
        MODERATION_WEB_BAD_CREDENTIALS_PER_MINUTE="1000",
    )


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def call(
    live: LiveService, method: str, path: str, headers: dict[str, str], **body: Any
) -> requests.Response:
    return requests.request(
        method,
        live.base_url + path,
        headers=headers,
        json=body if method in {"POST", "PUT", "PATCH"} else None,
        timeout=10,
    )


def add_person(
    live: LiveService, login: str, *grants: str, by: dict[str, str] = ROOT
) -> dict[str, Any]:
    """A new person with `grants` ("moderator:paper-a"); the answer holds their token."""
    roles = [dict(zip(("role", "site_id"), grant.split(":"), strict=True)) for grant in grants]
    answer = call(
        live, "POST", "/v1/admin/users", by, login=login, display_name=login.title(), roles=roles
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def statuses(live: LiveService, headers: dict[str, str], times: int = EVERY_PROCESS) -> set[int]:
    return {call(live, "GET", "/v1/review/me", headers).status_code for _ in range(times)}


def test_a_person_reviews_with_their_token_and_the_trail_names_them(
    live: LiveService, database_url: str
) -> None:
    carol = add_person(live, "Carol@Example.org", "moderator:paper-a")
    token = auth(carol["token"])
    assert TOKEN_SHAPE.match(carol["token"])
    assert carol["login"] == "carol@example.org"  # logins are kept in lower case
    assert [(r["role"], r["site_id"]) for r in carol["roles"]] == [("moderator", "paper-a")]
    assert carol["created_by"] == "root"
    assert [t["id"] for t in carol["tokens"]] == [carol["token_id"]]
    assert "token" not in carol["tokens"][0]
    me = call(live, "GET", "/v1/review/me", token).json()
    assert me == {
        "name": "carol@example.org",
        "role": "moderator",
        "account_id": carol["id"],
        "roles": [{"role": "moderator", "site_id": "paper-a"}],
    }

    made = call(live, "POST", "/v1/sites", ROOT, id="paper-a")
    assert made.status_code in (201, 409), made.text
    first, second, third = insert_comments(
        database_url,
        [{**comment_row(author_id="troll-1"), "site_id": "paper-a"} for _ in range(3)],
    )
    claim = call(live, "POST", f"/v1/review/comments/{first}/claim", token)
    assert claim.status_code == 200 and claim.json()["moderator"] == "carol@example.org"
    decided = call(
        live, "POST", f"/v1/review/comments/{first}/decision", token, action="approve", version=2
    )
    assert decided.status_code == 200, decided.text
    records = call(live, "GET", f"/v1/audit?comment_id={first}", token).json()["records"]
    assert (records[0]["actor"], records[0]["actor_id"]) == ("carol@example.org", carol["id"])
    assert records[0]["to_status"] == "approved"
    mine = call(live, "GET", f"/v1/audit?actor_id={carol['id']}", token).json()["records"]
    assert [record["comment_id"] for record in mine] == [first]

    # A bulk operation, run by the real worker, records her on every comment it decides.
    bulk = call(
        live, "POST", "/v1/review/bulk", token, action="reject", reason_code="spam", ids=[second]
    )
    assert bulk.status_code == 202 and bulk.json()["moderator"] == "carol@example.org"
    status_url = f"/v1/review/bulk/{bulk.json()['id']}"
    deadline = time.monotonic() + 60
    while call(live, "GET", status_url, token).json()["state"] != "done":
        assert time.monotonic() < deadline, "the bulk operation did not finish"
        time.sleep(0.2)
    # Banning the author rejects the rest; the ban and the rejection name her too.
    banned = call(
        live,
        "POST",
        "/v1/sites/paper-a/authors/troll-1/ban",
        token,
        reason="spam run",
        reject_existing=True,
    )
    assert banned.status_code == 200 and banned.json()["rejected_ids"] == [first, third]
    history = call(live, "GET", "/v1/sites/paper-a/authors/troll-1", token).json()
    assert history["actions"][0]["actor"] == "carol@example.org"

    engine = make_engine(database_url)
    with engine.connect() as connection:
        by_comment = dict(
            connection.execute(
                select(AuditRecord.comment_id, AuditRecord.actor_id).where(
                    AuditRecord.actor == "carol@example.org"
                )
            ).all()
        )
        action_actor = connection.scalar(
            select(AuthorAction.actor_id).where(AuthorAction.author_id == "troll-1")
        )
    engine.dispose()
    assert by_comment == {first: carol["id"], second: carol["id"], third: carol["id"]}
    assert action_actor == carol["id"]


def test_the_environments_tokens_stay_admins_and_moderators_of_every_site(
    live: LiveService,
) -> None:
    me = call(live, "GET", "/v1/review/me", ROOT).json()
    assert me == {
        "name": "root",
        "role": "admin",
        "account_id": None,
        "roles": [{"role": "admin", "site_id": "*"}],
    }
    alice = call(live, "GET", "/v1/review/me", bearer(MODERATOR_TOKEN)).json()
    assert alice["roles"] == [{"role": "moderator", "site_id": "*"}]
    refused = call(live, "GET", "/v1/admin/users", bearer(MODERATOR_TOKEN))
    assert refused.status_code == 403
    assert refused.json()["message"] == "this endpoint needs an admin token"


def test_revoking_a_token_or_a_person_is_refused_at_once_by_every_process(
    live: LiveService,
) -> None:
    dave = add_person(live, "dave", "moderator:paper-a")
    second = call(live, "POST", f"/v1/admin/users/{dave['id']}/tokens", ROOT, label="laptop")
    assert second.status_code == 201 and second.json()["label"] == "laptop"
    laptop, desktop = auth(second.json()["token"]), auth(dave["token"])
    assert statuses(live, laptop) == statuses(live, desktop) == {200}

    revoked = call(
        live, "POST", f"/v1/admin/users/{dave['id']}/tokens/{dave['token_id']}/revoke", ROOT
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_by"] == "root"
    assert statuses(live, desktop) == {401}  # the very next request, in either process
    assert statuses(live, laptop) == {200}
    again = call(
        live, "POST", f"/v1/admin/users/{dave['id']}/tokens/{dave['token_id']}/revoke", ROOT
    )
    assert again.status_code == 409

    gone = call(live, "POST", f"/v1/admin/users/{dave['id']}/revoke", ROOT)
    assert gone.status_code == 200
    assert gone.json()["revoked_by"] == "root"
    assert all(token["revoked_at"] for token in gone.json()["tokens"])
    assert statuses(live, laptop) == {401}
    assert call(live, "POST", f"/v1/admin/users/{dave['id']}/revoke", ROOT).status_code == 409
    more = call(live, "POST", f"/v1/admin/users/{dave['id']}/tokens", ROOT)
    assert more.status_code == 409  # no new token for a revoked person
    # The login is never reused, so the trail never names two people alike.
    reused = call(
        live,
        "POST",
        "/v1/admin/users",
        ROOT,
        login="dave",
        display_name="Another Dave",
        roles=[{"role": "moderator", "site_id": "paper-a"}],
    )
    assert reused.status_code == 409 and "never reused" in reused.json()["message"]
    listed = call(live, "GET", "/v1/admin/users?site_id=paper-a", ROOT).json()["items"]
    assert "dave" not in [person["login"] for person in listed]
    with_revoked = call(live, "GET", "/v1/admin/users?include_revoked=true", ROOT).json()
    assert "dave" in [person["login"] for person in with_revoked["items"]]


def test_a_role_on_one_site_does_not_reach_another(live: LiveService, database_url: str) -> None:
    ed = add_person(live, "ed", "admin:east")
    frank = add_person(live, "frank", "moderator:west")
    both = add_person(live, "gina", "moderator:east", "moderator:west")
    as_ed = auth(ed["token"])

    sessions = make_session_factory(make_engine(database_url))
    principal = AccountTokens(sessions).principal_for(ed["token"])
    assert principal is not None and principal.name == "ed"
    assert principal.can("moderator", "east") and principal.can("admin", "east")
    assert not principal.can("moderator", "west") and not principal.can("admin", "*")
    assert principal.sites_for("moderator") == {"east"}

    forbidden = call(live, "GET", "/v1/admin/users?site_id=west", as_ed)
    assert forbidden.status_code == 403
    assert forbidden.json()["message"] == "you are not an admin of site west"
    assert call(live, "GET", f"/v1/admin/users/{frank['id']}", as_ed).status_code == 403
    creating = call(
        live,
        "POST",
        "/v1/admin/users",
        as_ed,
        login="hal",
        display_name="Hal",
        roles=[{"role": "moderator", "site_id": "west"}],
    )
    assert creating.status_code == 403 and "west" in creating.json()["message"]
    every = call(
        live,
        "POST",
        f"/v1/admin/users/{frank['id']}/roles",
        as_ed,
        role="admin",
        site_id="*",
    )
    assert every.status_code == 403 and "every site" in every.json()["message"]
    # Gina works on both sites: ed may change her roles on east, not revoke her altogether.
    assert call(live, "POST", f"/v1/admin/users/{both['id']}/revoke", as_ed).status_code == 403
    assert call(live, "POST", f"/v1/admin/users/{both['id']}/tokens", as_ed).status_code == 403
    removed = call(live, "DELETE", f"/v1/admin/users/{both['id']}/roles/east/moderator", as_ed)
    assert removed.status_code == 200 and removed.json()["roles"] == []
    taken = call(live, "DELETE", f"/v1/admin/users/{both['id']}/roles/west/moderator", as_ed)
    assert taken.status_code == 403

    mine = add_person(live, "ivy", "moderator:east", by=as_ed)
    assert mine["created_by"] == "ed"
    listed = call(live, "GET", "/v1/admin/users", as_ed).json()["items"]
    assert sorted(person["login"] for person in listed) == ["ed", "ivy"]
    promoted = call(
        live, "POST", f"/v1/admin/users/{mine['id']}/roles", as_ed, role="admin", site_id="east"
    )
    assert promoted.status_code == 200
    assert [(r["role"], r["site_id"]) for r in promoted.json()["roles"]] == [
        ("admin", "east"),
        ("moderator", "east"),
    ]
    # What belongs to no one site is for admins of every site.
    stats = call(live, "GET", "/v1/stats", as_ed)
    assert stats.status_code == 403 and "every site" in stats.json()["message"]
    # A role taken away is gone from the next request.
    assert statuses(live, auth(frank["token"])) == {200}
    call(live, "DELETE", f"/v1/admin/users/{frank['id']}/roles/west/moderator", ROOT)
    assert statuses(live, auth(frank["token"])) == {403}


def test_last_used_at_is_written_at_most_once_a_minute(
    live: LiveService, database_url: str
) -> None:
    jo = add_person(live, "jo", "moderator:paper-a")
    path = f"/v1/admin/users/{jo['id']}"

    def last_used() -> str | None:
        value: str | None = call(live, "GET", path, ROOT).json()["tokens"][0]["last_used_at"]
        return value

    assert last_used() is None
    assert statuses(live, auth(jo["token"]), 1) == {200}
    first = last_used()
    assert first is not None
    assert statuses(live, auth(jo["token"])) == {200}
    assert last_used() == first  # used again within the minute: not written again

    engine = make_engine(database_url)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    with engine.begin() as connection:
        connection.execute(
            update(AccountToken)
            .where(AccountToken.id == jo["token_id"])
            .values(last_used_at=long_ago)
        )
    engine.dispose()
    assert statuses(live, auth(jo["token"]), 1) == {200}
    latest = last_used()
    assert latest is not None and dt.datetime.fromisoformat(latest) > long_ago


def test_no_token_is_stored_in_clear(live: LiveService, database_url: str) -> None:
    kim = add_person(live, "kim", "admin:*")
    issued = call(live, "POST", f"/v1/admin/users/{kim['id']}/tokens", ROOT).json()["token"]
    tokens = [kim["token"], issued]
    assert statuses(live, auth(kim["token"])) == statuses(live, auth(issued)) == {200}

    engine = make_engine(database_url)
    metadata = MetaData()
    metadata.reflect(engine)  # every table in the database, not only the models'
    cells = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                cells += [str(value) for value in row]
        hashes = set(connection.scalars(text("SELECT token_hash FROM account_tokens")))
    engine.dispose()
    assert len(metadata.tables) > 10 and cells
    for token in tokens:
        secret = token.removeprefix("mod_")
        assert not any(secret in cell or secret[:16] in cell for cell in cells)
    from moderation.accounts.tokens import token_hash

    assert {token_hash(token) for token in tokens} <= hashes


def test_webhook_changes_name_the_person_in_the_log(live: LiveService) -> None:
    lee = add_person(live, "lee", "admin:*")
    created = call(live, "POST", "/v1/webhooks", auth(lee["token"]), url="http://127.0.0.1:9/hook")
    assert created.status_code == 201, created.text
    endpoint = created.json()["id"]
    deleted = call(live, "DELETE", f"/v1/webhooks/{endpoint}", auth(lee["token"]))
    assert deleted.status_code == 204
    log = live.log_tail("web", 400)
    assert f"webhook endpoint {endpoint}: created by lee" in log
    assert f"webhook endpoint {endpoint}: removed by lee" in log


@pytest.mark.parametrize(
    ("body", "status", "named"),
    [
        ({"login": "has space", "display_name": "X"}, 422, "login"),
        ({"login": "-dash", "display_name": "X"}, 422, "login"),
        ({"login": "ok", "display_name": "\u200b "}, 422, "display_name"),
        ({"login": "ok", "display_name": "X", "roles": []}, 422, "roles"),
        (
            {"login": "ok", "display_name": "X", "roles": [{"role": "owner", "site_id": "a"}]},
            422,
            "role",
        ),
        (
            {"login": "ok", "display_name": "X", "roles": [{"role": "admin", "site_id": "a/b"}]},
            422,
            "site_id",
        ),
        (
            {
                "login": "ok",
                "display_name": "X",
                "roles": [{"role": "admin", "site_id": "Paper-A"}],
            },
            422,
            "site_id",
        ),
        (
            {
                "login": "ok",
                "display_name": "X",
                "roles": [{"role": "admin", "site_id": "paper-a\n"}],
            },
            422,
            "site_id",
        ),
        ({"login": "ok", "display_name": "X", "extra": 1}, 422, "extra"),
        ({"login": "alice", "display_name": "Alice"}, 409, "environment"),
    ],
)
def test_bad_requests_name_the_problem(
    live: LiveService, body: dict[str, Any], status: int, named: str
) -> None:
    body.setdefault("roles", [{"role": "moderator", "site_id": "paper-a"}])
    answer = call(live, "POST", "/v1/admin/users", ROOT, **body)
    assert answer.status_code == status, answer.text
    assert named in answer.json()["message"]


def test_unknown_people_tokens_and_roles_are_404(live: LiveService) -> None:
    assert call(live, "GET", "/v1/admin/users/999999", ROOT).status_code == 404
    mo = add_person(live, "mo", "moderator:paper-a")
    missing = call(live, "POST", f"/v1/admin/users/{mo['id']}/tokens/999999/revoke", ROOT)
    assert missing.status_code == 404
    not_held = call(live, "DELETE", f"/v1/admin/users/{mo['id']}/roles/paper-b/admin", ROOT)
    assert not_held.status_code == 404 and "not admin of site paper-b" in not_held.json()["message"]
    bad_role = call(live, "DELETE", f"/v1/admin/users/{mo['id']}/roles/paper-a/owner", ROOT)
    assert bad_role.status_code == 422 and "role" in bad_role.json()["message"]
    wrong = auth("mod_" + "x" * 43)
    assert statuses(live, wrong, 1) == {401}


def run_users(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(env, "users", *args, timeout=60)


def test_the_users_commands(
    live: LiveService, database_url: str, redis_url: str, tiny_model: tuple[Path, Path]
) -> None:
    env = {**os.environ, **service_env(database_url, redis_url, model_files(tiny_model))}
    added = run_users(
        env, "--by", "ops", "add", "nora", "--name", "Nora N.", "--role", "moderator:paper-a"
    )
    assert added.returncode == 0, added.stderr
    nora = json.loads(added.stdout)
    assert TOKEN_SHAPE.match(nora["token"]) and nora["roles"] == ["moderator:paper-a"]
    assert nora["created_by"] == "ops" and "shown only this once" in added.stderr
    assert call(live, "GET", "/v1/review/me", auth(nora["token"])).json()["name"] == "nora"

    granted = run_users(env, "role", "nora", "admin:*")
    assert granted.returncode == 0, granted.stderr
    assert json.loads(granted.stdout)["roles"] == ["admin:*", "moderator:paper-a"]
    assert call(live, "GET", "/v1/webhooks", auth(nora["token"])).status_code == 200
    removed = run_users(env, "role", "nora", "admin:*", "--remove")
    assert json.loads(removed.stdout)["roles"] == ["moderator:paper-a"]
    assert call(live, "GET", "/v1/webhooks", auth(nora["token"])).status_code == 403

    issued = run_users(env, "token", "nora", "--label", "tablet")
    assert issued.returncode == 0, issued.stderr
    tablet = json.loads(issued.stdout)
    assert tablet["label"] == "tablet" and statuses(live, auth(tablet["token"]), 1) == {200}

    listed = json.loads(run_users(env, "list", "--site", "paper-a").stdout)
    nora_listed = next(person for person in listed if person["login"] == "nora")
    assert len(nora_listed["tokens"]) == 2 and "token" not in nora_listed["tokens"][0]

    one = run_users(env, "revoke", "nora", "--token", str(tablet["id"]))
    assert one.returncode == 0 and json.loads(one.stdout)["revoked_at"]
    assert statuses(live, auth(tablet["token"])) == {401}
    assert statuses(live, auth(nora["token"])) == {200}
    everything = run_users(env, "revoke", "nora")
    assert everything.returncode == 0, everything.stderr
    assert statuses(live, auth(nora["token"])) == {401}

    taken = run_users(env, "add", "nora", "--name", "Nora", "--role", "moderator:paper-a")
    assert taken.returncode == 1 and "is taken" in taken.stderr
    malformed = run_users(env, "add", "olga", "--name", "Olga", "--role", "moderator")
    assert malformed.returncode == 2 and "ROLE:SITE" in malformed.stderr
    unknown = run_users(env, "revoke", "nobody-here")
    assert unknown.returncode == 1 and "no person with login nobody-here" in unknown.stderr
