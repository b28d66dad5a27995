"""Sites: the admin API, the /v1/sites/<site>/... paths, what a site's own settings change, and
that nothing of one site shows on another."""

from __future__ import annotations

from typing import Any

from moderation.config import Settings
from moderation.worker.runner import run_worker
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, bearer

ADMIN = bearer(ADMIN_TOKEN)
PAPER = "https://paper-b.example"


def make_site(client: Any, site_id: str = "paper-b", **body: Any) -> Any:
    answer = client.post("/v1/sites", json={"id": site_id, **body}, headers=ADMIN)
    assert answer.status_code == 201, answer.json
    return answer.json


def post(client: Any, path: str, text: str, author: str = "r1", **extra: Any) -> Any:
    return client.post(path, json={"author": {"id": author, "name": "R"}, "text": text, **extra})


def detail(client: Any, comment_id: int) -> dict[str, Any]:
    answer = client.get(f"/v1/review/comments/{comment_id}", headers=bearer(MODERATOR_TOKEN))
    assert answer.status_code == 200, answer.json
    return dict(answer.json)


def rule_ids(found: dict[str, Any]) -> set[str]:
    return {reason["id"] for reason in found["reasons"] if reason["kind"] == "rule"}


def test_admins_make_and_change_sites(client: Any) -> None:
    made = make_site(client, name="Paper B", origins=[PAPER], anonymous="premoderate")
    assert made["id"] == "paper-b" and made["origins"] == [PAPER]
    assert made["updated_by"] == "root"
    listed = client.get("/v1/sites", headers=ADMIN).json["items"]
    assert [site["id"] for site in listed] == ["default", "paper-b"]
    changed = client.patch(
        "/v1/sites/paper-b",
        json={"settings": {"rules": {"max_links": 0}}, "words": {"banned": ["zorkmid"]}},
        headers=ADMIN,
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["settings"] == {"rules": {"max_links": 0}}
    assert changed.json["name"] == "Paper B" and changed.json["anonymous"] == "premoderate"
    again = client.post("/v1/sites", json={"id": "paper-b"}, headers=ADMIN)
    assert again.status_code == 409
    moderator = client.post("/v1/sites", json={"id": "x"}, headers=bearer(MODERATOR_TOKEN))
    assert moderator.status_code == 403
    assert client.get("/v1/sites/nowhere", headers=ADMIN).status_code == 404


def test_bad_site_input_is_refused_naming_the_field(client: Any) -> None:
    make_site(client)
    cases = [
        ({"id": "Paper B"}, "id", "post"),
        ({"origins": ["https://x.example/path"]}, "origins", "patch"),
        ({"settings": {"model": {}}}, "settings.model", "patch"),
        ({"settings": {"thresholds": {"toxicity": {"hold": 1.5}}}}, "hold", "patch"),
        ({"settings": {"thresholds": {"nonsense": {"hold": 0.5}}}}, "nonsense", "patch"),
        ({"settings": {"rules": {"max_links": -1}}}, "settings.rules.max_links", "patch"),
        ({"settings": {"rules": {"banned_terms": []}}}, "settings.rules.banned_terms", "patch"),
        (
            {"settings": {"review": {"report_threshold": 9, "hide_threshold": 2}}},
            "settings.review",
            "patch",
        ),
        ({"words": {"allow": ["x"]}}, "words.allow", "patch"),
        ({"anonymous": "sometimes"}, "anonymous", "patch"),
    ]
    for body, field, method in cases:
        if method == "post":
            answer = client.post("/v1/sites", json=body, headers=ADMIN)
        else:
            answer = client.patch("/v1/sites/paper-b", json=body, headers=ADMIN)
        assert 400 <= answer.status_code < 500 and answer.status_code != 404, (body, answer.json)
        assert field in answer.json["message"], (body, answer.json)


def test_one_article_id_on_two_sites_is_two_threads(client: Any, settings: Settings) -> None:
    make_site(client)
    here = post(client, "/v1/articles/a-1/comments", "A fine comment on the default site.")
    there = post(client, "/v1/sites/paper-b/articles/a-1/comments", "A fine one on paper B.")
    assert here.status_code == 202 and there.status_code == 202, (here.json, there.json)
    assert here.json["site_id"] == "default" and there.json["site_id"] == "paper-b"
    assert there.json["status_url"].endswith(f"/v1/sites/paper-b/comments/{there.json['id']}")
    run_worker(settings, burst=True)

    mine = client.get("/v1/articles/a-1/comments").json
    theirs = client.get("/v1/sites/paper-b/articles/a-1/comments").json
    assert [t["id"] for t in mine["comments"]] == [here.json["id"]] and mine["total"] == 1
    assert [t["id"] for t in theirs["comments"]] == [there.json["id"]] and theirs["total"] == 1
    # A comment's status: by its own site's path or the path without a site, not another's.
    assert client.get(f"/v1/comments/{there.json['id']}").status_code == 200
    assert client.get(f"/v1/sites/paper-b/comments/{there.json['id']}").status_code == 200
    wrong = client.get(f"/v1/sites/paper-b/comments/{here.json['id']}")
    assert wrong.status_code == 404
    # A reply names a parent of its own site's article.
    reply = post(
        client,
        "/v1/sites/paper-b/articles/a-1/comments",
        "Replying across sites.",
        parent_id=here.json["id"],
    )
    assert reply.status_code == 422 and "parent_id" in reply.json["message"]
    unknown = post(client, "/v1/sites/nowhere/articles/a-1/comments", "Hello there.")
    assert unknown.status_code == 404 and "nowhere" in unknown.json["message"]


def test_a_sites_words_thresholds_and_bans_are_its_own(client: Any, settings: Settings) -> None:
    make_site(
        client,
        words={"banned": ["zorkmid"], "suspect": ["frobnitz"]},
        settings={"thresholds": {"toxicity": {"hold": 0.0, "reject": 1.0}}},
    )
    make_site(client, "paper-c", words={"banned": ["frobnitz"]})
    texts = {
        "banned": "Pay me in z0rkmids, no: in zorkmid coins.",
        "suspect": "The frobnitz is broken again.",
    }
    paths = {
        "default": "/v1/articles/a-1/comments",
        "paper-b": "/v1/sites/paper-b/articles/a-1/comments",
        "paper-c": "/v1/sites/paper-c/articles/a-1/comments",
    }
    ids: dict[tuple[str, str], int] = {}
    for site, path in paths.items():
        for kind, text in texts.items():
            answer = post(client, path, text, author=f"{site}-{kind}")
            assert answer.status_code == 202, answer.json
            ids[(site, kind)] = answer.json["id"]
    run_worker(settings, burst=True)

    found = {key: detail(client, comment_id) for key, comment_id in ids.items()}
    assert found[("paper-b", "banned")]["status"] == "rejected"
    assert "site_terms" in rule_ids(found[("paper-b", "banned")])
    assert found[("paper-b", "suspect")]["status"] == "held"
    assert "site_terms" in rule_ids(found[("paper-b", "suspect")])
    assert found[("paper-c", "suspect")]["status"] == "rejected"
    assert "site_terms" not in rule_ids(found[("default", "banned")])
    assert "site_terms" not in rule_ids(found[("default", "suspect")])
    # Paper B holds at any toxicity; the default site and paper C keep the service's levels.
    model = {r["id"]: r for r in found[("paper-b", "suspect")]["reasons"] if r["kind"] == "model"}
    assert model["toxicity"]["action"] == "hold"
    assert found[("default", "suspect")]["status"] == "approved"

    banned = client.post(
        "/v1/sites/paper-b/authors/troll/ban", json={"reason": "abuse"}, headers=ADMIN
    )
    assert banned.status_code == 200 and banned.json["site_id"] == "paper-b"
    there = post(client, paths["paper-b"], "Hello again, friends.", author="troll")
    here = post(client, paths["default"], "Hello again, friends.", author="troll")
    run_worker(settings, burst=True)
    assert detail(client, there.json["id"])["status"] == "rejected"
    assert detail(client, here.json["id"])["status"] == "approved"
    assert client.get("/v1/authors/troll", headers=ADMIN).json["status"] == "normal"
    history = client.get("/v1/sites/paper-b/authors/troll", headers=ADMIN).json
    assert history["status"] == "banned" and history["site_id"] == "paper-b"


def test_article_settings_are_per_site(client: Any, settings: Settings) -> None:
    make_site(client)
    closed = client.patch(
        "/v1/sites/paper-b/articles/a-1/settings", json={"closed": True}, headers=ADMIN
    )
    assert closed.status_code == 200 and closed.json["site_id"] == "paper-b"
    open_here = client.get("/v1/articles/a-1/settings", headers=ADMIN).json
    assert open_here["closed"] is False and open_here["site_id"] == "default"
    there = post(client, "/v1/sites/paper-b/articles/a-1/comments", "A fine comment.")
    here = post(client, "/v1/articles/a-1/comments", "A fine comment.")
    run_worker(settings, burst=True)
    assert rule_ids(detail(client, there.json["id"])) == {"article_closed"}
    assert detail(client, here.json["id"])["status"] == "approved"


def test_a_premoderated_site_holds_every_comment(client: Any, settings: Settings) -> None:
    make_site(client, settings={"premoderate": True})
    refused = client.patch(
        "/v1/sites/paper-b", json={"settings": {"premoderate": 1}}, headers=ADMIN
    )
    assert refused.status_code == 422 and "settings.premoderate" in refused.json["message"]
    there = post(client, "/v1/sites/paper-b/articles/a-1/comments", "A perfectly nice comment.")
    here = post(client, "/v1/articles/a-1/comments", "A perfectly nice comment.")
    run_worker(settings, burst=True)
    found = detail(client, there.json["id"])
    assert found["status"] == "held" and "site_premoderated" in rule_ids(found)
    assert detail(client, here.json["id"])["status"] == "approved"


def test_a_sites_origins_may_call_its_paths_only(client: Any) -> None:
    make_site(client, origins=[PAPER])
    headers = {"Origin": PAPER}
    own = client.get("/v1/sites/paper-b/articles/a-1/comments", headers=headers)
    assert own.headers.get("Access-Control-Allow-Origin") == PAPER
    other = client.get("/v1/articles/a-1/comments", headers=headers)
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options(
        "/v1/sites/paper-b/articles/a-1/comments",
        headers={**headers, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers.get("Access-Control-Allow-Origin") == PAPER
    admin = client.get("/v1/sites/paper-b", headers={**headers, **ADMIN})
    assert admin.status_code == 200 and "Access-Control-Allow-Origin" not in admin.headers
