"""Sites' policies as versions: changes, promotion and rollback audited and in force for the
next comment; a candidate in the shadows records what it would decide and never acts; the
report against people's decisions; spot checks; calibration into a shadowed candidate."""

from __future__ import annotations

import json
from typing import Any

from moderation.config import Settings
from moderation.worker.runner import run_worker
from tests.support.adapters import KeywordScorer
from tests.support.live import cli_env, run_cli
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, bearer

ADMIN = bearer(ADMIN_TOKEN)
MODERATOR = bearer(MODERATOR_TOKEN)
SITE = "/v1/sites/paper-b"
POLICIES = f"{SITE}/policies"
ARTICLE = f"{SITE}/articles/a-1/comments"


def make_site(client: Any, **body: Any) -> None:
    answer = client.post("/v1/sites", json={"id": "paper-b", **body}, headers=ADMIN)
    assert answer.status_code == 201, answer.json


def post(client: Any, text: str, author: str = "r1") -> int:
    answer = client.post(ARTICLE, json={"author": {"id": author, "name": "R"}, "text": text})
    assert answer.status_code == 202, answer.json
    return int(answer.json["id"])


def detail(client: Any, comment_id: int) -> dict[str, Any]:
    answer = client.get(f"/v1/review/comments/{comment_id}", headers=MODERATOR)
    assert answer.status_code == 200, answer.json
    return dict(answer.json)


def decide(client: Any, comment_id: int, action: str) -> None:
    version = detail(client, comment_id)["version"]
    answer = client.post(
        f"/v1/review/comments/{comment_id}/decision",
        json={"action": action, "version": version, "reason_code": "other"},
        headers=MODERATOR,
    )
    assert answer.status_code == 200, answer.json


def test_changes_promotion_and_rollback_are_audited_and_decide_the_next_comment(
    client: Any, settings: Settings
) -> None:
    make_site(client)
    history = client.get(POLICIES, headers=ADMIN).json
    assert history["live"] == 1 and [v["kind"] for v in history["versions"]] == ["initial"]

    # A PATCH of the site's settings keeps working: it makes version 2, live at once.
    changed = client.patch(
        SITE,
        json={
            "settings": {"thresholds": {"toxicity": {"hold": 0.0}}},
            "reason": "hold everything during the election",
        },
        headers=ADMIN,
    )
    assert changed.status_code == 200 and changed.json["policy_version"] == 2, changed.json
    held = post(client, "A calm comment about the council vote.")
    run_worker(settings, burst=True)
    found = detail(client, held)
    assert found["status"] == "held" and found["policy_version"] == 2

    back = client.post(
        f"{POLICIES}/rollback", json={"version": 1, "reason": "too many holds"}, headers=ADMIN
    )
    assert back.status_code == 200 and back.json["state"] == "live", back.json
    published = post(client, "Another calm comment about the council vote.")
    run_worker(settings, burst=True)
    found = detail(client, published)
    assert found["status"] == "approved" and found["policy_version"] == 1

    strict = client.post(
        POLICIES,
        json={
            "settings": {"thresholds": {"toxicity": {"hold": 0.0, "reject": 0.0}}},
            "reason": "reject everything (a test of promotion)",
            "shadow": False,
        },
        headers=ADMIN,
    )
    assert strict.status_code == 201 and strict.json["state"] == "inactive", strict.json
    assert strict.json["version"] == 3 and strict.json["against"] == 1
    promoted = client.post(
        f"{POLICIES}/3/promote", json={"reason": "the board asked"}, headers=ADMIN
    )
    assert promoted.status_code == 200 and promoted.json["state"] == "live"
    rejected = post(client, "A third calm comment about the council vote.")
    run_worker(settings, burst=True)
    found = detail(client, rejected)
    assert found["status"] == "rejected" and found["policy_version"] == 3
    assert client.get(SITE, headers=ADMIN).json["settings"] == {
        "thresholds": {"toxicity": {"hold": 0.0, "reject": 0.0}}
    }

    history = client.get(POLICIES, headers=ADMIN).json
    assert history["live"] == 3 and [v["version"] for v in history["versions"]] == [3, 2, 1]
    second = history["versions"][1]
    assert second["kind"] == "change" and second["reason"] == "hold everything during the election"
    assert second["diff"] == [{"path": "thresholds.toxicity.hold", "before": None, "after": 0.0}]
    acts = [(e["action"], e["version"], e["previous"], e["actor"]) for e in history["events"]]
    assert acts[:3] == [
        ("promoted", 3, 1, "root"),
        ("created", 3, 1, "root"),
        ("rolled_back", 1, 2, "root"),
    ]
    assert history["events"][2]["reason"] == "too many holds"
    shown = client.get(f"{POLICIES}/2", headers=ADMIN).json
    assert shown["state"] == "inactive" and shown["against"] == 3


def test_bad_policy_acts_are_refused_naming_the_problem(client: Any) -> None:
    make_site(client)
    cases = [
        ("post", "/rollback", {"version": 5, "reason": "x"}, 404, "version 5"),
        ("post", "/1/promote", {"reason": "x"}, 409, "live already"),
        ("post", "/1/promote", {}, 422, "reason"),
        (
            "post",
            "",
            {"settings": {"thresholds": {"nonsense": {"hold": 1}}}, "reason": "x"},
            422,
            "settings.thresholds.nonsense",
        ),
        (
            "post",
            "",
            {"model": {"checkpoint": "/etc/passwd"}, "reason": "x"},
            422,
            "model.checkpoint",
        ),
        ("post", "", {"model": {"weights": "x"}, "reason": "x"}, 422, "model"),
        ("put", "/shadow", {"version": 1, "reason": "x"}, 409, "live already"),
        ("post", "/calibration", {"reject_precision": 1.5}, 422, "reject_precision"),
        ("get", "/report", None, 422, "version"),
    ]
    for method, path, body, status, named in cases:
        answer = getattr(client, method)(f"{POLICIES}{path}", json=body, headers=ADMIN)
        assert answer.status_code == status, (path, body, answer.json)
        assert named in str(answer.json), (path, body, answer.json)
    newer = client.post(POLICIES, json={"reason": "a candidate"}, headers=ADMIN)
    assert newer.status_code == 201 and newer.json["state"] == "shadow"
    answer = client.post(f"{POLICIES}/rollback", json={"version": 2, "reason": "x"}, headers=ADMIN)
    assert answer.status_code == 409 and "promote it" in answer.json["message"]
    assert client.get(POLICIES, headers=MODERATOR).status_code == 403
    assert client.get("/v1/sites/nowhere/policies", headers=ADMIN).status_code == 404
    # The default site has no row before its first change: its first act makes one, and its
    # settings of that moment (none) its version 1.
    default = client.post(
        "/v1/sites/default/policies", json={"reason": "a first candidate"}, headers=ADMIN
    )
    assert default.status_code == 201 and default.json["version"] == 2, default.json
    assert client.get("/v1/sites/default", headers=ADMIN).json["policy_version"] == 1


def test_a_shadow_policy_records_its_decisions_and_never_acts(
    client: Any, settings: Settings
) -> None:
    make_site(client, settings={"spot_check": {"share": 1.0}})
    candidate = client.post(
        POLICIES,
        json={
            "settings": {
                "thresholds": {"toxicity": {"hold": 0.0, "reject": 0.005}},
                "spot_check": {"share": 1.0},
            },
            "reason": "stricter, to try in the shadows",
        },
        headers=ADMIN,
    )
    assert candidate.status_code == 201 and candidate.json["state"] == "shadow", candidate.json
    texts = [
        "A thoughtful comment on the council vote.",
        "The road tax money should go to schools.",
        "Thanks for the article, good reporting.",
        "You idiot, read the article.",
    ]
    ids = [post(client, text, author=f"r{n}") for n, text in enumerate(texts)]
    scorer = KeywordScorer(["idiot"])
    run_worker(settings, burst=True, scorer=scorer)

    # One model call for the live and the shadow policy together, each text once.
    assert len(scorer.batches) == 1 and sorted(scorer.batches[0]) == sorted(texts)
    # The shadow rejects all four; the live policy publishes three, and they stay published.
    found = [detail(client, comment_id) for comment_id in ids]
    assert [f["status"] for f in found] == ["approved", "approved", "approved", "rejected"]
    assert {f["policy_version"] for f in found} == {1}
    public = client.get(ARTICLE).json
    assert sorted(c["id"] for c in public["comments"]) == ids[:3]
    # The three published comments were sampled for a spot check (the site's share is 1).
    queue = client.get(
        "/v1/review/queue", query_string={"queue": "spot_check"}, headers=MODERATOR
    ).json
    assert sorted(item["id"] for item in queue["comments"]) == ids[:3], queue
    assert queue["counts"]["spot_check"] == 3
    kept = client.post(f"/v1/spot-checks/{ids[0]}/keep", json={}, headers=MODERATOR)
    assert kept.status_code == 200 and kept.json["outcome"] == "kept", kept.json
    again = client.post(f"/v1/spot-checks/{ids[0]}/keep", json={}, headers=MODERATOR)
    assert again.status_code == 409
    decide(client, ids[1], "reject")
    assert client.get(f"/v1/spot-checks/{ids[1]}", headers=MODERATOR).json["outcome"] == (
        "rejected"
    )
    assert client.get(f"/v1/spot-checks/{ids[3]}", headers=MODERATOR).status_code == 404

    report = client.get(f"{POLICIES}/report", headers=ADMIN).json
    assert report["version"] == 2 and report["comments"] == 4
    assert report["agreement"] == 0.25  # only the insult: both reject it
    assert report["decisions"]["candidate"] == {"approve": 0, "hold": 0, "reject": 4}
    assert report["decisions"]["live"] == {"approve": 3, "hold": 0, "reject": 1}
    assert report["people"] == {"labels": 2, "sources": {"spot_check": 1, "overturned": 1}}
    assert report["candidate"] == {
        "decided_by_people": 2,
        "flagged": 2,
        "precision": 0.5,
        "recall": 1.0,
        "agreement_with_people": 0.5,
    }
    assert report["live"]["flagged"] == 0 and report["live"]["recall"] == 0.0
    assert report["diff"] == [
        {"path": "thresholds.toxicity.hold", "before": None, "after": 0.0},
        {"path": "thresholds.toxicity.reject", "before": None, "after": 0.005},
    ]

    # Promoted from the report, the candidate decides the next comment.
    promoted = client.post(f"{POLICIES}/2/promote", json={"reason": "report"}, headers=ADMIN)
    assert promoted.status_code == 200 and promoted.json["state"] == "live"
    assert client.get(POLICIES, headers=ADMIN).json["shadow"] is None
    later = post(client, "A fine comment after the promotion.", author="r9")
    run_worker(settings, burst=True, scorer=KeywordScorer(["idiot"]))
    assert detail(client, later)["status"] == "rejected"


def test_calibration_from_decisions_becomes_a_shadowed_candidate(
    client: Any, settings: Settings
) -> None:
    # Everything is held, so people decide every comment.
    band = {"hold": 0.005, "reject": 1.0}
    make_site(client, settings={"thresholds": {"toxicity": band, "insult": band}})
    rude = [post(client, f"What a zorkmid take, number {n}.", author=f"a{n}") for n in range(8)]
    fine = [post(client, f"A fine comment number {n}.", author=f"b{n}") for n in range(9)]
    run_worker(settings, burst=True, scorer=KeywordScorer(["zorkmid"]))
    for comment_id in rude + fine[:1]:
        decide(client, comment_id, "reject")
    for comment_id in fine[1:]:
        decide(client, comment_id, "approve")

    answer = client.post(
        f"{POLICIES}/calibration",
        json={
            "reject_precision": 0.95,
            "hold_recall": 0.85,
            "min_examples": 5,
            "labels": ["toxicity"],
            "create_candidate": True,
        },
        headers=ADMIN,
    )
    assert answer.status_code == 200, answer.json
    toxicity = answer.json["labels"]["toxicity"]
    assert toxicity["positives"] == 9 and toxicity["negatives"] == 8
    assert toxicity["reject"] == {"threshold": 0.99, "precision": 1.0, "recall": 0.8889}
    assert toxicity["hold"]["threshold"] == 0.99
    version = answer.json["candidate"]
    shown = client.get(f"{POLICIES}/{version}", headers=ADMIN).json
    assert shown["kind"] == "calibration" and shown["state"] == "shadow"
    assert shown["document"]["thresholds"]["toxicity"] == {"hold": 0.99, "reject": 0.99}
    too_few = client.post(
        f"{POLICIES}/calibration",
        json={"min_examples": 50, "create_candidate": True},
        headers=ADMIN,
    )
    assert too_few.status_code == 422 and "create_candidate" in too_few.json["message"]


def policies_command(settings: Settings, *args: str, stdin: str = "") -> Any:
    """`moderation policies ARGS` as its own process, configured by its environment."""
    return run_cli(cli_env(settings), "policies", *args, stdin=stdin)


def test_the_policies_command_makes_promotes_and_lists_versions(
    client: Any, settings: Settings
) -> None:
    make_site(client)
    document = json.dumps({"thresholds": {"toxicity": {"hold": 0.4}}})
    made = policies_command(
        settings, "candidate", "paper-b", "-", "--reason", "from the desk", stdin=document
    )
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["version"] == 2
    bad = policies_command(settings, "promote", "paper-b", "9", "--reason", "x")
    assert bad.returncode != 0 and "version 9" in bad.stderr
    promoted = policies_command(settings, "promote", "paper-b", "2", "--reason", "approved")
    assert promoted.returncode == 0, promoted.stderr
    history = client.get(POLICIES, headers=ADMIN).json
    assert history["live"] == 2
    assert history["events"][0] == {
        **history["events"][0],
        "action": "promoted",
        "actor": "cli",
        "reason": "approved",
    }
