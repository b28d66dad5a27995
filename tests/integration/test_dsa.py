"""The EU Digital Services Act through the API, on the real database, Redis and a burst-mode
scoring worker: a notice's life (status history, acknowledgment, decision, events), statements
of reasons on the public status (a machine's rejection, a moderator's removal, a notice's),
appeals (once, by the signed-in author, decided by another person, a reversal that publishes),
site scoping, rate limits, and the transparency report (API, CSV, CLI) on a known set."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from moderation.comments.models import AuditRecord
from moderation.config import Settings
from moderation.db.session import make_engine
from moderation.events.models import OutboxEvent
from moderation.worker.runner import run_worker
from tests.support.commenters import HS_SECRET, claims, sign
from tests.support.receiver import Receiver, running
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, OTHER_MODERATOR_TOKEN, bearer
from tests.support.webhooks import deliver_until, deliveries, subscribe, webhook_settings
from tests.support.workbench import comment_row, comment_state, insert_comments

ALICE = bearer(MODERATOR_TOKEN)
BOB = bearer(OTHER_MODERATOR_TOKEN)
ADMIN = bearer(ADMIN_TOKEN)


def events(database_url: str, prefix: str = "") -> list[dict[str, Any]]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(OutboxEvent.type, OutboxEvent.payload).order_by(OutboxEvent.id)
        ).all()
    engine.dispose()
    return [{"type": t, **p["data"]} for t, p in rows if t.startswith(prefix)]


def audit(database_url: str, comment_id: int) -> list[tuple[str, str, str | None]]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(AuditRecord.actor_type, AuditRecord.to_status, AuditRecord.reason_code)
            .where(AuditRecord.comment_id == comment_id)
            .order_by(AuditRecord.id)
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def published(database_url: str, count: int, article: str = "article-1") -> list[int]:
    return insert_comments(
        database_url,
        [comment_row(status="approved", article_id=article, text=f"c{i}") for i in range(count)],
    )


def notice(
    client: Any, comment_id: int, *more: int, headers: dict[str, str] | None = None, **body: Any
) -> Any:
    return client.post(
        "/v1/dsa/notices",
        json={
            "comment_id": comment_id,
            "additional_comment_ids": list(more),
            "law_broken": "Defamation, section 186 of the Criminal Code",
            "explanation": "It says a named neighbour stole from the church, which is false.",
            "good_faith": True,
            "reporter": {"name": "Rosa Reporter", "email": "rosa@example.org"},
            **body,
        },
        headers=headers,
    )


def status(client: Any, comment_id: int) -> dict[str, Any]:
    answer = client.get(f"/v1/comments/{comment_id}")
    assert answer.status_code == 200, answer.json
    return dict(answer.json)


def signed_in(client: Any, reader: str) -> dict[str, str]:
    """A commenter session of the default site for `reader` (the site takes HS256 tokens)."""
    token = sign(claims(reader, username=reader.title()), HS_SECRET, "HS256")
    answer = client.post(
        "/v1/commenter-sessions", json={}, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 201, answer.json
    return {"Authorization": f"Bearer {answer.json['token']}"}


@pytest.fixture
def tokens_client(client: Any) -> Any:
    """The default site with commenter tokens, so authors can be verified."""
    answer = client.patch(
        "/v1/sites/default",
        json={"commenters": {"algorithms": ["HS256"], "secret": HS_SECRET}},
        headers=ADMIN,
    )
    assert answer.status_code == 200, answer.json
    return client


def test_a_notice_is_acknowledged_queued_decided_and_told(client: Any, database_url: str) -> None:
    first, second = published(database_url, 2)
    sent = notice(client, first, second)
    assert sent.status_code == 201, sent.json
    receipt = sent.json
    assert [n["comment_id"] for n in receipt["notices"]] == [first, second]
    assert {n["status"] for n in receipt["notices"]} == {"AWAITING_REVIEW"}
    ref, other = (n["reference"] for n in receipt["notices"])
    assert ref != other and receipt["notices"][0]["status_url"].endswith(f"/v1/dsa/notices/{ref}")
    secret = {"X-Notice-Secret": receipt["secret"]}

    # The reporter reads it with the secret; without it, or with another, it does not exist.
    assert client.get(f"/v1/dsa/notices/{ref}").status_code == 404
    assert client.get(f"/v1/dsa/notices/{ref}", headers={"X-Notice-Secret": "x"}).status_code == 404
    seen = client.get(f"/v1/dsa/notices/{ref}", headers=secret).json
    assert seen["status"] == "AWAITING_REVIEW" and seen["decision"]["legality"] is None
    assert [step["type"] for step in seen["history"]] == ["RECEIVED"]

    # Its own queue, apart from reader reports.
    queue = client.get("/v1/review/dsa/notices", headers=ALICE).json["items"]
    assert [(n["reference"], n["comment_text"]) for n in queue] == [(ref, "c0"), (other, "c1")]
    assert queue[0]["reporter_email"] == "rosa@example.org"
    assert client.get("/v1/review/queue?queue=reported", headers=ALICE).json["comments"] == []

    notice_id = queue[0]["id"]
    base = f"/v1/review/dsa/notices/{notice_id}"
    taken = client.post(f"{base}/status", json={"status": "UNDER_REVIEW"}, headers=ALICE)
    assert taken.status_code == 200 and taken.json["status"] == "UNDER_REVIEW"
    noted = client.post(f"{base}/notes", json={"body": "Asked legal."}, headers=ALICE)
    assert noted.status_code == 200
    unfounded = client.post(
        f"{base}/decision", json={"legality": "ILLEGAL", "explanation": "x"}, headers=ALICE
    )
    assert unfounded.status_code == 422 and "legal_grounds" in str(unfounded.json)
    decided = client.post(
        f"{base}/decision",
        json={
            "legality": "ILLEGAL",
            "legal_grounds": "Criminal Code s. 186 (defamation)",
            "explanation": "The claim about a named person is false and damaging.",
        },
        headers=ALICE,
    )
    assert decided.status_code == 200, decided.json
    assert decided.json["status"] == "COMPLETED" and decided.json["decided_by"] == "alice"
    again = client.post(
        f"{base}/decision", json={"legality": "LEGAL", "explanation": "x"}, headers=ALICE
    )
    assert again.status_code == 409

    # The comment is removed by a person, with the legal ground.
    assert comment_state(database_url, first)["status"] == "rejected"
    assert audit(database_url, first)[-1] == ("moderator", "rejected", "illegal")
    statement = status(client, first)["statement_of_reasons"]
    assert statement["restriction"] == "removal"
    assert statement["ground"] == {
        "type": "law",
        "code": "illegal",
        "name": "Illegal",
        "explanation": "Criminal Code s. 186 (defamation)",
    }
    assert statement["automated"] == {"detection": False, "decision": False}
    assert statement["notice_reference"] == ref and ref in statement["facts"]

    # The reporter sees the decision and the history, never the moderator's note or name.
    seen = client.get(f"/v1/dsa/notices/{ref}", headers=secret).json
    assert seen["status"] == "COMPLETED"
    assert seen["decision"]["legality"] == "ILLEGAL" and seen["decision"]["automated"] is False
    assert [(s["type"], s["status"], s["decision"]) for s in seen["history"]] == [
        ("RECEIVED", "AWAITING_REVIEW", None),
        ("STATUS_CHANGED", "UNDER_REVIEW", None),
        ("STATUS_CHANGED", "COMPLETED", None),
        ("DECISION_MADE", None, "ILLEGAL"),
    ]
    assert "Asked legal" not in json.dumps(seen) and "alice" not in json.dumps(seen)
    detail = client.get(base, headers=ALICE).json
    assert [s["type"] for s in detail["history"]] == [
        "RECEIVED",
        "STATUS_CHANGED",
        "NOTE",
        "STATUS_CHANGED",
        "DECISION_MADE",
    ]

    # The other notice is void, with a reason; both leave the open queue.
    other_id = queue[1]["id"]
    bare = client.post(
        f"/v1/review/dsa/notices/{other_id}/status", json={"status": "VOID"}, headers=ALICE
    )
    assert bare.status_code == 422 and "note" in bare.json["errors"]["request"]
    voided = client.post(
        f"/v1/review/dsa/notices/{other_id}/status",
        json={"status": "VOID", "note": "Quotes the article, no claim about anyone."},
        headers=ALICE,
    )
    assert voided.status_code == 200 and voided.json["status"] == "VOID"
    assert client.get("/v1/review/dsa/notices", headers=ALICE).json["items"] == []
    assert comment_state(database_url, second)["status"] == "approved"

    told = events(database_url, "dsa_notice.")
    assert [(e["type"], e["notice"]["reference"]) for e in told] == [
        ("dsa_notice.received", ref),
        ("dsa_notice.received", other),
        ("dsa_notice.status_changed", ref),
        ("dsa_notice.decided", ref),
        ("dsa_notice.status_changed", other),
    ]
    decided_event = told[3]
    assert decided_event["reporter"]["email"] == "rosa@example.org"
    assert decided_event["notice"]["legality"] == "ILLEGAL"
    assert decided_event["site_id"] == "default"
    # The machine had published it: a person's removal reverses it, as in review.
    assert [e["type"] for e in events(database_url, "comment.")][-2:] == [
        "comment.rejected",
        "comment.decision_reversed",
    ]


def test_a_notice_is_refused_without_good_faith_or_for_another_sites_comment(
    client: Any, database_url: str
) -> None:
    (mine,) = published(database_url, 1)
    assert client.post("/v1/sites", json={"id": "gazette"}, headers=ADMIN).status_code == 201
    answer = client.post(
        "/v1/sites/gazette/articles/a-1/comments",
        json={"author": {"id": "g", "name": "G"}, "text": "Elsewhere"},
    )
    theirs = answer.json["id"]
    refused = {
        "no good faith": notice(client, mine, good_faith=False),
        "other site": notice(client, mine, theirs),
        "no law": notice(client, mine, law_broken="  "),
        "bad email": notice(client, mine, reporter={"email": "not an address"}),
        "no comment": notice(client, 10**12),
    }
    assert {name: answer.status_code for name, answer in refused.items()} == {
        "no good faith": 422,
        "other site": 422,
        "no law": 422,
        "bad email": 422,
        "no comment": 404,
    }
    assert "good_faith" in str(refused["no good faith"].json)
    assert "additional_comment_ids" in refused["other site"].json["errors"]["request"]
    assert events(database_url, "dsa_notice.") == []


def test_machine_rejection_and_human_removal_carry_statements_and_appeals_work_once(
    tokens_client: Any, settings: Settings, database_url: str
) -> None:
    client = tokens_client
    ada = signed_in(client, "ada")
    rude = client.post("/v1/articles/a-1/comments", json={"text": "kill yourself"}, headers=ada)
    fair = client.post("/v1/articles/a-1/comments", json={"text": "A fair point."}, headers=ada)
    anonymous = client.post(
        "/v1/articles/a-1/comments",
        json={"text": "kill yourself", "author": {"id": "x", "name": "X"}},
    )
    rude_id, fair_id, anon_id = (a.json["id"] for a in (rude, fair, anonymous))
    assert status(client, fair_id)["statement_of_reasons"] is None  # pending: no restriction
    run_worker(settings, burst=True)

    # The machine's rejection: automated, on a ground of the site's terms from the rule.
    machine = status(client, rude_id)
    assert machine["status"] == "rejected"
    statement = machine["statement_of_reasons"]
    assert statement["automated"] == {"detection": True, "decision": True}
    assert statement["ground"]["type"] == "terms"
    assert statement["ground"]["code"] == "offensive_language" == machine["reason_code"]
    assert statement["restriction"] == "removal" and statement["notice_reference"] is None
    assert "Banned term" in statement["facts"]
    assert statement["redress"]["appeal_url"].endswith(f"/v1/comments/{rude_id}/appeals")
    assert statement["redress"]["appeal"] is None
    # An anonymous author has no proof of authorship: no appeal here, and the note says so.
    anon_redress = status(client, anon_id)["statement_of_reasons"]["redress"]
    assert (
        anon_redress["appeal_url"] is None and "without signing in" in anon_redress["appeal_note"]
    )

    # A moderator's removal of a published comment: human, on the reason the moderator gave.
    assert status(client, fair_id)["statement_of_reasons"] is None
    version = comment_state(database_url, fair_id)["version"]
    removed = client.post(
        f"/v1/review/comments/{fair_id}/decision",
        json={"action": "reject", "version": version, "reason_code": "abusive"},
        headers=ALICE,
    )
    assert removed.status_code == 200, removed.json
    human = status(client, fair_id)["statement_of_reasons"]
    assert human["automated"] == {"detection": False, "decision": False}
    assert human["ground"]["type"] == "terms" and human["ground"]["code"] == "abusive"
    assert "moderator" in human["facts"]

    # Appeals: only the signed-in author, once per decision.
    path = f"/v1/comments/{fair_id}/appeals"
    body = {"explanation": "I was quoting the article, not attacking anyone."}
    assert client.post(path, json=body).status_code == 401
    grace = signed_in(client, "grace")
    assert client.post(path, json=body, headers=grace).status_code == 403
    assert client.post(f"/v1/comments/{anon_id}/appeals", json=body, headers=ada).status_code == 403
    first = client.post(path, json=body, headers=ada)
    assert first.status_code == 201, first.json
    # A signed-in reader's notice records who sent it, and is sent once per comment.
    assert notice(tokens_client, rude_id, headers=grace).status_code == 201
    assert notice(tokens_client, rude_id, headers=grace).status_code == 409
    [by_grace] = client.get("/v1/review/dsa/notices", headers=ALICE).json["items"]
    assert by_grace["reporter_id"] == "grace" and by_grace["comment_id"] == rude_id
    assert first.json["status"] == "AWAITING_REVIEW" and first.json["restriction"] == "rejected"
    second = client.post(path, json=body, headers=ada)
    assert second.status_code == 409 and "once" in second.json["message"]
    assert status(client, fair_id)["statement_of_reasons"]["redress"]["appeal"]["status"] == (
        "AWAITING_REVIEW"
    )

    # Its own queue; decided by a person other than the one who removed the comment.
    [queued] = client.get("/v1/review/dsa/appeals", headers=BOB).json["items"]
    assert queued["id"] == first.json["id"] and queued["original_actor"] == "alice"
    decide = f"/v1/review/dsa/appeals/{queued['id']}/decision"
    verdict = {"outcome": "reversed", "explanation": "Read in context, it quotes the article."}
    own = client.post(decide, json=verdict, headers=ALICE)
    assert own.status_code == 403 and "another moderator" in own.json["message"]
    reversed_ = client.post(decide, json=verdict, headers=BOB)
    assert reversed_.status_code == 200, reversed_.json
    assert reversed_.json["outcome"] == "reversed" and reversed_.json["decided_by"] == "bob"
    assert client.post(decide, json=verdict, headers=BOB).status_code == 409

    # The reversal takes effect: published again, by bob, in the audit trail; announced.
    now = status(client, fair_id)
    assert now["status"] == "approved" and now["visible"] and now["statement_of_reasons"] is None
    assert audit(database_url, fair_id)[-1] == ("moderator", "approved", None)
    told = events(database_url, "appeal.")
    assert [(e["type"], e["appeal"]["outcome"]) for e in told] == [
        ("appeal.received", None),
        ("appeal.decided", "reversed"),
    ]
    assert told[1]["appeal"]["author_id"] == "ada"
    detail = client.get(f"/v1/review/dsa/appeals/{queued['id']}", headers=BOB).json
    assert [(s["type"], s["decision"]) for s in detail["history"]] == [
        ("RECEIVED", None),
        ("DECISION_MADE", "reversed"),
    ]

    # The machine's rejection is appealable too; upheld, it stays, and the status says so.
    machine_appeal = client.post(f"/v1/comments/{rude_id}/appeals", json=body, headers=ada)
    assert machine_appeal.status_code == 201
    upheld = client.post(
        f"/v1/review/dsa/appeals/{machine_appeal.json['id']}/decision",
        json={"outcome": "upheld", "explanation": "Telling someone to kill themselves is abuse."},
        headers=ALICE,  # the machine decided: any moderator may review it
    )
    assert upheld.status_code == 200
    redress = status(client, rude_id)["statement_of_reasons"]["redress"]
    assert redress["appeal"]["outcome"] == "upheld" and "abuse" in redress["appeal"]["explanation"]
    assert comment_state(database_url, rude_id)["status"] == "rejected"


def test_moderators_of_one_site_neither_see_nor_decide_anothers(
    client: Any, database_url: str
) -> None:
    for site in ("paper-a", "paper-b"):
        assert client.post("/v1/sites", json={"id": site}, headers=ADMIN).status_code == 201
    made = client.post(
        "/v1/admin/users",
        json={
            "login": "alex",
            "display_name": "Alex",
            "roles": [{"role": "moderator", "site_id": "paper-a"}],
        },
        headers=ADMIN,
    )
    alex = bearer(made.json["token"])
    posted = client.post(
        "/v1/sites/paper-b/articles/a-1/comments",
        json={"author": {"id": "b", "name": "B"}, "text": "On paper B"},
    )
    notice(client, posted.json["id"])
    [theirs] = client.get("/v1/review/dsa/notices", headers=ADMIN).json["items"]
    base = f"/v1/review/dsa/notices/{theirs['id']}"
    refused = {
        "queue of b": client.get("/v1/review/dsa/notices?site_id=paper-b", headers=alex),
        "detail": client.get(base, headers=alex),
        "status": client.post(f"{base}/status", json={"status": "UNDER_REVIEW"}, headers=alex),
        "decide": client.post(
            f"{base}/decision", json={"legality": "LEGAL", "explanation": "x"}, headers=alex
        ),
        "report": client.get(
            "/v1/sites/paper-b/dsa/transparency?from=2026-01-01&to=2026-12-31", headers=alex
        ),
        "report as moderator": client.get(
            "/v1/sites/paper-a/dsa/transparency?from=2026-01-01&to=2026-12-31", headers=alex
        ),
    }
    assert {name: answer.status_code for name, answer in refused.items()} == dict.fromkeys(
        refused, 403
    )
    assert client.get("/v1/review/dsa/notices", headers=alex).json["items"] == []
    assert client.get("/v1/review/dsa/appeals", headers=alex).json["items"] == []


def test_notices_and_appeals_are_rate_limited(settings: Settings, clean_state: None) -> None:
    from moderation.app import create_app

    limited = settings.replace(
        limits={
            "enabled": True,
            "notices_per_address": "2/minute",
            "appeals_per_author": "1/minute",
        }
    )
    client = create_app(limited).test_client()
    (comment_id,) = published(settings.database.url, 1)
    answers = [notice(client, comment_id).status_code for _ in range(3)]
    assert answers == [201, 201, 429]
    refused = notice(client, comment_id)
    assert "limits.notices_per_address" in refused.json["message"]
    assert int(refused.headers["Retry-After"]) >= 1

    # Appeals: per author (here one a minute), whatever comment they appeal.
    client.patch(
        "/v1/sites/default",
        json={"commenters": {"algorithms": ["HS256"], "secret": HS_SECRET}},
        headers=ADMIN,
    )
    rows = [comment_row(status="rejected", author_id="ada") for _ in range(2)]
    for row in rows:
        row["author_verified"] = True
    first, second = insert_comments(settings.database.url, rows)
    ada = signed_in(client, "ada")
    body = {"explanation": "Please look again."}
    assert client.post(f"/v1/comments/{first}/appeals", json=body, headers=ada).status_code == 201
    again = client.post(f"/v1/comments/{second}/appeals", json=body, headers=ada)
    assert again.status_code == 429 and "limits.appeals_per_author" in again.json["message"]


def test_an_appeal_after_the_window_or_of_a_published_comment_is_refused(
    tokens_client: Any, database_url: str
) -> None:
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=184)
    rows = [
        comment_row(status="rejected", author_id="ada", created_at=long_ago),
        comment_row(status="approved", author_id="ada"),
    ]
    for row in rows:
        row["author_verified"] = True
    old, published_one = insert_comments(database_url, rows)
    ada = signed_in(tokens_client, "ada")
    body = {"explanation": "Please look again."}
    late = tokens_client.post(f"/v1/comments/{old}/appeals", json=body, headers=ada)
    assert late.status_code == 409 and "dsa.appeal_window_days" in late.json["message"]
    shown = tokens_client.post(f"/v1/comments/{published_one}/appeals", json=body, headers=ada)
    assert shown.status_code == 409 and "no restriction" in shown.json["message"]
    blank = tokens_client.post(
        f"/v1/comments/{old}/appeals", json={"explanation": " "}, headers=ada
    )
    assert blank.status_code == 422
    assert events(database_url, "appeal.") == []


def test_a_newsrooms_page_sends_notices_and_reads_them_across_origins(
    settings: Settings, clean_state: None
) -> None:
    from moderation.app import create_app

    page = "https://news.example"
    client = create_app(settings.replace(web={"allowed_origins": [page]})).test_client()
    (comment_id,) = published(settings.database.url, 1)
    preflights = {
        path: client.options(
            path,
            headers={
                "Origin": page,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": header,
            },
        )
        for path, method, header in [
            ("/v1/dsa/notices", "POST", "content-type"),
            ("/v1/dsa/notices/DSA-AAAAA-BBBBB", "GET", "x-notice-secret"),
            (f"/v1/comments/{comment_id}/appeals", "POST", "authorization"),
        ]
    }
    assert {
        path: a.headers.get("Access-Control-Allow-Origin") for path, a in preflights.items()
    } == (dict.fromkeys(preflights, page))
    sent = notice(client, comment_id, headers={"Origin": page})
    assert sent.status_code == 201 and sent.headers["Access-Control-Allow-Origin"] == page
    report = client.options(
        "/v1/dsa/transparency",
        headers={"Origin": page, "Access-Control-Request-Method": "GET"},
    )
    assert "Access-Control-Allow-Origin" not in report.headers  # admins' API: never cross-origin


def test_the_transparency_report_counts_a_known_set(
    client: Any, settings: Settings, database_url: str
) -> None:
    now = dt.datetime.now(dt.UTC)
    held_machine, rejected_machine, rejected_person = insert_comments(
        database_url,
        [
            comment_row(status="held", rules=[("links", "hold")], decision="hold"),
            comment_row(status="rejected", rules=[("banned_terms", "reject")], decision="reject"),
            comment_row(status="rejected", decided_by="moderator"),
        ],
    )
    last_year = now - dt.timedelta(days=400)
    insert_comments(database_url, [comment_row(status="rejected", created_at=last_year)])
    (reported,) = published(database_url, 1)
    sent = notice(client, reported).json
    other = notice(client, held_machine).json
    [first, second] = client.get("/v1/review/dsa/notices", headers=ALICE).json["items"]
    client.post(
        f"/v1/review/dsa/notices/{first['id']}/decision",
        json={"legality": "ILLEGAL", "legal_grounds": "Hate speech law", "explanation": "x"},
        headers=ALICE,
    )
    client.post(
        f"/v1/review/dsa/notices/{second['id']}/status",
        json={"status": "UNDER_REVIEW"},
        headers=ALICE,
    )
    assert sent["notices"][0]["reference"] == first["reference"]
    assert other["notices"][0]["reference"] == second["reference"]

    today = now.date().isoformat()
    path = f"/v1/dsa/transparency?from={today}&to={today}"
    assert client.get(path, headers=ALICE).status_code == 403  # admins only
    report = client.get(path, headers=ADMIN)
    assert report.status_code == 200, report.json
    restrictions = report.json["restrictions"]
    # held (machine, links), rejected (machine), rejected (a person), rejected (the notice).
    assert {
        key: restrictions[key]
        for key in ("total", "removals", "holds", "automated", "human", "following_notices")
    } == {
        "total": 4,
        "removals": 3,
        "holds": 1,
        "automated": 2,
        "human": 2,
        "following_notices": 1,
    }
    by_ground = {
        (g["type"], g["code"]): (g["automated"], g["human"]) for g in restrictions["by_ground"]
    }
    assert by_ground == {("terms", "awaiting_review"): (2, 1), ("law", "illegal"): (0, 1)}
    notices = report.json["notices"]
    assert notices["received"] == 2 and notices["decided"] == 1
    assert notices["by_status"] == {
        "AWAITING_REVIEW": 0,
        "UNDER_REVIEW": 1,
        "COMPLETED": 1,
        "VOID": 0,
    }
    assert notices["by_legality"] == {"ILLEGAL": 1, "LEGAL": 0}
    assert notices["median_hours_to_decide"] is not None
    assert report.json["appeals"]["received"] == 0
    assert report.json["appeals"]["median_hours_to_decide"] is None

    # CSV: the same figures, one a row.
    as_csv = client.get(path + "&format=csv", headers=ADMIN)
    assert as_csv.mimetype == "text/csv"
    rows = {(r["section"], r["key"]): r["value"] for r in csv.DictReader(io.StringIO(as_csv.text))}
    assert rows[("restrictions", "total")] == "4"
    assert rows[("notices_by_status", "UNDER_REVIEW")] == "1"
    assert rows[("restrictions_by_ground", "law:illegal:human")] == "1"

    # Another range counts other days; a range that ends before it starts is refused.
    year_ago = last_year.date().isoformat()
    old = client.get(f"/v1/dsa/transparency?from={year_ago}&to={year_ago}", headers=ADMIN).json
    assert old["restrictions"]["total"] == 1 and old["notices"]["received"] == 0
    backwards = client.get(f"/v1/dsa/transparency?from={today}&to={year_ago}", headers=ADMIN)
    assert backwards.status_code == 422 and "to" in backwards.json["errors"]["request"]

    # The command line gives the same report.
    from moderation.cli import main

    done = CliRunner().invoke(
        main,
        ["dsa", "transparency", "--from", today, "--to", today],
        env={"MODERATION_DATABASE_URL": settings.database.url},
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["restrictions"] == restrictions
    unknown = CliRunner().invoke(
        main,
        ["dsa", "transparency", "--site", "nowhere", "--from", today, "--to", today],
        env={"MODERATION_DATABASE_URL": settings.database.url},
    )
    assert unknown.exit_code != 0 and "no site nowhere" in unknown.output
    del rejected_machine, rejected_person


def test_dsa_events_reach_only_endpoints_that_name_them_signed(
    settings: Settings, tiny_model: tuple[Any, Any], clean_state: None
) -> None:
    from moderation.app import create_app

    hooks = webhook_settings(settings.database.url, settings.redis.url, tiny_model)
    client = create_app(hooks).test_client()
    (comment_id,) = published(settings.database.url, 1)
    with running(Receiver()) as mailer, running(Receiver()) as analytics:
        wanted = ["dsa_notice.received", "dsa_notice.decided", "appeal.decided"]
        endpoint = subscribe(client, mailer.url, event_types=wanted, site_id="default")
        everything = subscribe(client, analytics.url)
        assert not set(everything["event_types"]) & set(wanted)  # never by default
        ref = notice(client, comment_id).json["notices"][0]["reference"]
        [queued] = client.get("/v1/review/dsa/notices", headers=ALICE).json["items"]
        decided = client.post(
            f"/v1/review/dsa/notices/{queued['id']}/decision",
            json={"legality": "LEGAL", "explanation": "Opinion about a public figure."},
            headers=ALICE,
        )
        assert decided.status_code == 200
        deliver_until(hooks, lambda: len(mailer.requests) >= 2)
        verifier = Webhook(endpoint["secret"])
        payloads = [verifier.verify(r.body, r.headers) for r in mailer.requests]
    assert [p["type"] for p in payloads] == ["dsa_notice.received", "dsa_notice.decided"]
    told = payloads[1]["data"]
    assert told["notice"]["reference"] == ref and told["notice"]["legality"] == "LEGAL"
    assert told["reporter"] == {"name": "Rosa Reporter", "email": "rosa@example.org", "id": None}
    assert analytics.requests == [] and deliveries(client, everything["id"]) == []
