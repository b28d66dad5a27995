"""A moderator of site A gets 403 on everything of site B, through the API: reading, deciding,
claiming, undoing, bulk-deciding, queues and audit narrowed to their sites, authors, article
settings, the site itself and webhooks. An admin of every site is explicit."""

from __future__ import annotations

from typing import Any

from moderation.config import Settings
from moderation.worker.runner import run_worker
from tests.support.settings import ADMIN_TOKEN, bearer

ADMIN = bearer(ADMIN_TOKEN)


def person(client: Any, login: str, roles: list[dict[str, str]]) -> dict[str, str]:
    made = client.post(
        "/v1/admin/users",
        json={"login": login, "display_name": login.title(), "roles": roles},
        headers=ADMIN,
    )
    assert made.status_code == 201, made.json
    return bearer(made.json["token"])


def held_comment(client: Any, site: str, text: str = "Read my blog at cheap-pills.shop") -> int:
    answer = client.post(
        f"/v1/sites/{site}/articles/a-1/comments",
        json={"author": {"id": f"{site}-r", "name": "R"}, "text": text},
    )
    assert answer.status_code == 202, answer.json
    return int(answer.json["id"])


def test_a_moderator_of_site_a_cannot_touch_site_b(settings: Settings, clean_state: None) -> None:
    from moderation.app import create_app

    # Webhook endpoints on this machine, as `make run` allows them.
    client = create_app(settings.replace(webhooks={"allow_private": True})).test_client()
    for site in ("paper-a", "paper-b"):
        assert client.post("/v1/sites", json={"id": site}, headers=ADMIN).status_code == 201
    alex = person(client, "alex", [{"role": "moderator", "site_id": "paper-a"}])
    ada = person(client, "ada", [{"role": "admin", "site_id": "paper-a"}])
    mine, theirs = held_comment(client, "paper-a"), held_comment(client, "paper-b")
    run_worker(settings, burst=True)
    version = client.get(f"/v1/review/comments/{theirs}", headers=ADMIN).json["version"]

    refused = {
        "detail": client.get(f"/v1/review/comments/{theirs}", headers=alex),
        "decide": client.post(
            f"/v1/review/comments/{theirs}/decision",
            json={"action": "approve", "version": version},
            headers=alex,
        ),
        "claim": client.post(f"/v1/review/comments/{theirs}/claim", json={}, headers=alex),
        "release": client.delete(f"/v1/review/comments/{theirs}/claim", headers=alex),
        "undo": client.post(
            f"/v1/review/comments/{theirs}/undo", json={"version": version}, headers=alex
        ),
        "bulk ids": client.post(
            "/v1/review/bulk", json={"action": "approve", "ids": [mine, theirs]}, headers=alex
        ),
        "bulk filter": client.post(
            "/v1/review/bulk",
            json={
                "action": "approve",
                "filter": {"queue": "held", "site_id": "paper-b", "article_id": "a-1"},
            },
            headers=alex,
        ),
        "queue of b": client.get("/v1/review/queue?site_id=paper-b", headers=alex),
        "author of b": client.get("/v1/sites/paper-b/authors/paper-b-r", headers=alex),
        "ban on b": client.post(
            "/v1/sites/paper-b/authors/paper-b-r/ban", json={"reason": "x"}, headers=alex
        ),
        "article of b": client.get("/v1/sites/paper-b/articles/a-1/settings", headers=alex),
        "default site's article": client.get("/v1/articles/a-1/settings", headers=alex),
        "site b": client.get("/v1/sites/paper-b", headers=ada),
        "change site b": client.patch("/v1/sites/paper-b", json={"name": "B"}, headers=ada),
        "close b's article": client.patch(
            "/v1/sites/paper-b/articles/a-1/settings", json={"closed": True}, headers=ada
        ),
        "make a site": client.post("/v1/sites", json={"id": "paper-c"}, headers=ada),
        "add a webhook": client.post(
            "/v1/webhooks", json={"url": "http://127.0.0.1:9/x", "site_id": "paper-b"}, headers=ada
        ),
        "stats": client.get("/v1/stats", headers=alex),
        "audit of b": client.get("/v1/audit?site_id=paper-b", headers=alex),
        "audit export of b": client.get("/v1/audit.csv?site_id=paper-b", headers=alex),
        "a webhook of every site": client.post(
            "/v1/webhooks", json={"url": "http://127.0.0.1:9/x"}, headers=ada
        ),
    }
    for what, answer in refused.items():
        assert answer.status_code == 403, (what, answer.status_code, answer.json)
        assert answer.json["message"], what

    # What is theirs to see is narrowed to their site, and their own site works.
    queue = client.get("/v1/review/queue?queue=held", headers=alex).json
    assert [item["id"] for item in queue["comments"]] == [mine] and queue["total"] == 1
    assert client.get(f"/v1/review/comments/{mine}", headers=alex).status_code == 200
    decided = client.post(
        f"/v1/review/comments/{mine}/decision",
        json={"action": "approve", "version": version},
        headers=alex,
    )
    assert decided.status_code == 200, decided.json
    audit = client.get("/v1/audit", headers=alex).json["records"]
    assert audit and {record["comment_id"] for record in audit} == {mine}
    everything = client.get("/v1/audit", headers=ADMIN).json["records"]
    assert {record["comment_id"] for record in everything} == {mine, theirs}
    assert [site["id"] for site in client.get("/v1/sites", headers=ada).json["items"]] == [
        "paper-a"
    ]
    assert client.get("/v1/sites/paper-b/articles/a-1/settings", headers=ADMIN).status_code == 200
    # A site's admin manages that site's webhook endpoints, and sees no other.
    theirs_hook = client.post(
        "/v1/webhooks", json={"url": "http://127.0.0.1:9/b", "site_id": "paper-b"}, headers=ADMIN
    ).json
    everyone_hook = client.post(
        "/v1/webhooks", json={"url": "http://127.0.0.1:9/all"}, headers=ADMIN
    ).json
    own_hook = client.post(
        "/v1/webhooks", json={"url": "http://127.0.0.1:9/a", "site_id": "paper-a"}, headers=ada
    )
    assert own_hook.status_code == 201, own_hook.json
    listed = client.get("/v1/webhooks", headers=ada).json["items"]
    assert [hook["id"] for hook in listed] == [own_hook.json["id"]]
    for hook in (theirs_hook, everyone_hook):
        for method, suffix in (("get", ""), ("patch", ""), ("delete", ""), ("get", "/deliveries")):
            answer = getattr(client, method)(
                f"/v1/webhooks/{hook['id']}{suffix}",
                headers=ada,
                **({"json": {"enabled": False}} if method == "patch" else {}),
            )
            assert answer.status_code == 403, (hook["url"], method, suffix, answer.json)
    assert client.delete(f"/v1/webhooks/{own_hook.json['id']}", headers=ada).status_code == 204
    assert client.get(f"/v1/review/comments/{theirs}", headers=ADMIN).status_code == 200
    # Nothing of site B moved.
    assert client.get(f"/v1/review/comments/{theirs}", headers=ADMIN).json["status"] == "held"


KEY_A = "paper-a-key-0123456789abcdef"
KEY_B = "paper-b-key-0123456789abcdef"


def test_a_perspective_key_reads_its_own_sites_feedback_only(
    database_url: str, redis_url: str, tiny_model: Any, clean_state: None
) -> None:
    from moderation.app import create_app
    from tests.support.settings import make_settings

    settings = make_settings(
        database_url,
        redis_url,
        tiny_model,
        perspective={"api_keys": [f"a:{KEY_A}::paper-a", f"b:{KEY_B}:5:paper-b"]},
    )
    client = create_app(settings).test_client()
    for site in ("paper-a", "paper-b"):
        assert client.post("/v1/sites", json={"id": site}, headers=ADMIN).status_code == 201
    for key, text in ((KEY_A, "From paper A"), (KEY_B, "From paper B")):
        body = {
            "comment": {"text": text},
            "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.8}}},
        }
        answer = client.post(f"/v1alpha1/comments:suggestscore?key={key}", json=body)
        assert answer.status_code == 200, answer.json

    own = client.get(f"/v1/admin/feedback?key={KEY_A}")
    assert own.status_code == 200, own.json
    assert [(i["text"], i["site_id"]) for i in own.json["items"]] == [("From paper A", "paper-a")]
    by_header = client.get("/v1/admin/feedback/export.csv", headers={"X-Goog-Api-Key": KEY_B})
    assert by_header.status_code == 200
    assert "From paper B" in by_header.get_data(as_text=True)
    assert "From paper A" not in by_header.get_data(as_text=True)
    other = client.get(f"/v1/admin/feedback?key={KEY_A}&site_id=paper-b")
    assert other.status_code == 403 and "paper-a" in other.json["message"]
    wrong = client.get("/v1/admin/feedback?key=not-a-key-0123456789")
    assert wrong.status_code == 401

    ada = person(client, "ada", [{"role": "admin", "site_id": "paper-a"}])
    mine = client.get("/v1/admin/feedback", headers=ada).json["items"]
    assert [item["site_id"] for item in mine] == ["paper-a"]
    assert client.get("/v1/admin/feedback?site_id=paper-b", headers=ada).status_code == 403
    everything = client.get("/v1/admin/feedback", headers=ADMIN).json["items"]
    assert sorted(item["site_id"] for item in everything) == ["paper-a", "paper-b"]
