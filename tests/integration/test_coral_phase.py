"""Coral Talk's External Moderation Phase through the Flask app, with requests shaped and signed
exactly as Coral makes them, real PostgreSQL and Redis, and a real drain of the analyze path by
the scoring worker's job with the tiny model (tests/support/analysis.py).

Coral's side, which these requests copy (coralproject/talk):
- the body: src/core/server/services/comments/pipeline/phases/external.ts, `processPhase` builds
  {action, comment: {body, parentID}, author: {id, role}, story: {id, url}, site: {id},
  tenantID, tenantDomain}, serialised by fetch.ts `generateFetchOptions` as
  JSON.stringify(data, null, 2);
- the signature: src/core/server/models/settings `generateSignatures`: "sha256=" + hex
  HMAC-SHA256 of that body under each active secret, joined by ","; header X-Coral-Signature;
- the answer it accepts: external.ts `validateResponse` (actions of FLAG with
  COMMENT_DETECTED_TOXIC or COMMENT_DETECTED_SPAM, a COMMENT_STATUS, tags), 204 or "{}" for
  nothing to add.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from moderation.comments.models import AuditRecord, Comment
from moderation.config import Settings
from moderation.db.session import make_engine
from moderation.decisions.service import DecisionService
from moderation.web.context import service
from tests.support.analysis import draining_analysis
from tests.support.settings import ADMIN_TOKEN, bearer, make_settings

SECRET = "ssc_5d1a7b3e-0f4c-4c1e-9a51-coral-test-secret"
OLD_SECRET = "ssc_0ld0ld0l-d0ld-0ld0-ld0l-coral-old-secret"
PHASE = "/v1/sites/daily/coral/phase"
CORAL_SITE = "c0a8f3d2-1b2c-4d5e-8f90-a1b2c3d4e5f6"
COMMENT_STATUS = {"NONE", "APPROVED", "REJECTED", "PREMOD", "SYSTEM_WITHHELD"}
FLAG_REASONS = {"COMMENT_DETECTED_TOXIC", "COMMENT_DETECTED_SPAM"}


def coral_body(
    text: str, action: str = "NEW", role: str = "COMMENTER", coral_site: str = CORAL_SITE
) -> bytes:
    """The request body as Coral serialises it: JSON.stringify(request, null, 2), UTF-8 and
    unescaped (what Node's fetch sends)."""
    request = {
        "action": action,
        "comment": {"body": text, "parentID": None},
        "author": {"id": "8d7f0a52-5e43-4b6c-a1c2-4f0e2f4e9b11", "role": role},
        "story": {"id": "3f9b6a0e-2c1d-4e8f-9a7b-1c2d3e4f5a6b", "url": "https://daily.test/a/1"},
        "site": {"id": coral_site},
        "tenantID": "a1b2c3d4-0000-4000-8000-000000000001",
        "tenantDomain": "comments.daily.test",
    }
    return json.dumps(request, indent=2, ensure_ascii=False).encode("utf-8")


def coral_signature(body: bytes, *secrets: str) -> str:
    return ",".join(
        "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        for secret in secrets
    )


def post(client: Any, body: bytes, signature: str | None, path: str = PHASE) -> Any:
    headers = {"Content-Type": "application/json", "User-Agent": "Coral Moderation/9.0.0"}
    if signature is not None:
        headers["X-Coral-Signature"] = signature
    return client.post(path, data=body, headers=headers)


def assert_coral_accepts(answer: Any) -> None:
    """What Coral's validateResponse would take: known keys and values only."""
    if answer.status_code == 204:
        assert answer.data == b""
        return
    body = answer.get_json()
    assert set(body) <= {"actions", "status", "tags"}
    assert body.get("status") in COMMENT_STATUS
    for action in body.get("actions", []):
        assert action["actionType"] == "FLAG"
        assert action["reason"] in FLAG_REASONS


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    return make_settings(
        database_url,
        redis_url,
        tiny_model,
        coral={
            "secrets": [f"daily:{SECRET}", f"daily:{OLD_SECRET}"],
            "deadline_ms": 5000,
            "sites": [f"{CORAL_SITE}:daily"],
        },
    )


@pytest.fixture
def site(client: Any) -> None:
    answer = client.post(
        "/v1/sites",
        json={"id": "daily", "words": {"banned": ["gnasherbeast"]}},
        headers=bearer(ADMIN_TOKEN),
    )
    assert answer.status_code == 201, answer.get_json()


@pytest.fixture
def worker(settings: Settings, app: Any) -> Iterator[None]:
    with draining_analysis(settings):
        yield


def patch_site(client: Any, body: dict[str, Any]) -> None:
    answer = client.patch("/v1/sites/daily", json=body, headers=bearer(ADMIN_TOKEN))
    assert answer.status_code == 200, answer.get_json()


def test_missing_signature_is_401_and_a_wrong_one_403(client: Any, site: None) -> None:
    body = coral_body("A fine comment")
    assert post(client, body, None).status_code == 401
    assert post(client, body, coral_signature(body, "ssc_not-the-secret-at-all")).status_code == 403
    # Signed, then changed in transit: the signature no longer covers it.
    tampered = body.replace(b"A fine comment", b"A fine commenT")
    assert post(client, tampered, coral_signature(body, SECRET)).status_code == 403
    # A site with no secret configured refuses every call, signed or not.
    client.post("/v1/sites", json={"id": "other"}, headers=bearer(ADMIN_TOKEN))
    other = post(client, body, coral_signature(body, SECRET), "/v1/sites/other/coral/phase")
    assert other.status_code == 403
    assert "coral.secrets" in other.get_json()["message"]


def test_bodies_that_are_not_corals_are_refused_by_name(
    client: Any, site: None, worker: None
) -> None:
    broken = b'{"action": "NEW", "comment": '
    assert post(client, broken, coral_signature(broken, SECRET)).status_code == 400
    listed = b"[1, 2, 3]"
    answer = post(client, listed, coral_signature(listed, SECRET))
    assert answer.status_code == 422
    assert "comment" in answer.get_json()["message"]
    no_author = json.dumps({"action": "NEW", "comment": {"body": "Hi"}, "story": {"id": "s"}})
    refused = post(client, no_author.encode(), coral_signature(no_author.encode(), SECRET))
    assert refused.status_code == 422
    assert "author" in refused.get_json()["message"]
    # An older Coral's `tenant` object and fields Coral may add later are read past.
    older = json.loads(coral_body("Thanks for this."))
    older.pop("tenantID")
    older["tenant"] = {"id": "t1", "domain": "comments.daily.test"}
    older["comment"]["revisionID"] = "r1"
    raw = json.dumps(older).encode()
    assert post(client, raw, coral_signature(raw, SECRET)).status_code in (200, 204)


def stored_rows(database_url: str) -> tuple[int, int]:
    """Comments and audit records in the database."""
    with make_engine(database_url).connect() as connection:
        comments = connection.execute(select(func.count()).select_from(Comment)).scalar_one()
        audit = connection.execute(select(func.count()).select_from(AuditRecord)).scalar_one()
    return int(comments), int(audit)


def test_banned_term_is_rejected_with_coral_reason(
    client: Any, site: None, worker: None, database_url: str
) -> None:
    body = coral_body("You gnasherbeast, go away")
    answer = post(client, body, coral_signature(body, SECRET))
    assert answer.status_code == 200, answer.get_json()
    assert_coral_accepts(answer)
    found = answer.get_json()
    assert found["status"] == "REJECTED"
    assert [a["reason"] for a in found["actions"]] == ["COMMENT_DETECTED_TOXIC"]
    assert "site_terms" in found["actions"][0]["additionalDetails"]
    # Coral keeps the comment; the service keeps nothing of it.
    assert stored_rows(database_url) == (0, 0)


def test_one_tenant_url_serves_each_coral_site_as_its_site_here(
    client: Any, site: None, worker: None
) -> None:
    # /v1/coral/phase names no site: the body's Coral site id picks it (coral.sites), with its
    # secret and its words.
    mapped = coral_body("You gnasherbeast")
    answer = post(client, mapped, coral_signature(mapped, SECRET), "/v1/coral/phase")
    assert answer.get_json()["status"] == "REJECTED"
    # A Coral site that is not mapped is the default site's, which has no secret here.
    other = coral_body("You gnasherbeast", coral_site="9e9e9e9e-unmapped")
    assert post(client, other, coral_signature(other, SECRET), "/v1/coral/phase").status_code == 403


def test_a_replay_gets_the_same_answer_and_changes_nothing(
    client: Any, site: None, worker: None, database_url: str
) -> None:
    # Coral's scheme signs the body only, with no timestamp to refuse a stale request by
    # (docs/coral.md, "Replays and timestamps"): a replay is harmless because nothing changes.
    body = coral_body("Ça suffit, espèce de gnasherbeast")  # signed as UTF-8 bytes
    signature = coral_signature(body, SECRET)
    first = post(client, body, signature)
    again = post(client, body, signature)
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json()
    assert first.get_json()["status"] == "REJECTED"
    assert stored_rows(database_url) == (0, 0)


def test_model_reject_through_the_worker(client: Any, site: None, worker: None) -> None:
    # The site asks the model to reject at any toxicity score: the reject comes from the
    # worker's scores, through Redis, under the site's own thresholds.
    patch_site(client, {"settings": {"thresholds": {"toxicity": {"hold": 0.0, "reject": 0.0}}}})
    body = coral_body("An ordinary sentence about the council budget")
    answer = post(client, body, coral_signature(body, SECRET))
    assert_coral_accepts(answer)
    found = answer.get_json()
    assert found["status"] == "REJECTED"
    assert found["actions"][0]["reason"] == "COMMENT_DETECTED_TOXIC"
    assert "toxicity" in found["actions"][0]["additionalDetails"]


def test_clean_comment_is_204_and_rotated_secrets_both_sign(
    client: Any, site: None, worker: None
) -> None:
    body = coral_body("Thanks for reporting on the council budget.")
    # While Coral rotates, it sends both signatures; either configured secret verifies.
    answer = post(client, body, coral_signature(body, "ssc_brand-new-unknown-secret", SECRET))
    assert answer.status_code == 204
    assert_coral_accepts(answer)
    assert post(client, body, coral_signature(body, OLD_SECRET)).status_code == 204


def test_links_are_held_as_spam(client: Any, site: None, worker: None) -> None:
    patch_site(client, {"settings": {"rules": {"links": "all", "link_hold_until_approved": 0}}})
    body = coral_body("Read more at https://example.com/cheap-watches today")
    answer = post(client, body, coral_signature(body, SECRET))
    assert_coral_accepts(answer)
    found = answer.get_json()
    assert found["status"] == "SYSTEM_WITHHELD"
    assert [a["reason"] for a in found["actions"]] == ["COMMENT_DETECTED_SPAM"]


def test_edit_is_moderated_like_a_new_comment(client: Any, site: None, worker: None) -> None:
    clean = coral_body("I have corrected my figures, thanks.", action="EDIT")
    assert post(client, clean, coral_signature(clean, SECRET)).status_code == 204
    edited = coral_body("Edited: you gnasherbeast", action="EDIT")
    answer = post(client, edited, coral_signature(edited, SECRET))
    assert answer.get_json()["status"] == "REJECTED"
    unknown = coral_body("Hello", action="DELETE")
    refused = post(client, unknown, coral_signature(unknown, SECRET))
    assert refused.status_code == 422
    assert "action" in refused.get_json()["message"]


def test_missed_deadline_falls_back_to_corals_queue(
    database_url: str, redis_url: str, tiny_model: tuple[Path, Path], clean_state: None
) -> None:
    from moderation.app import create_app

    # No scoring worker drains the analyze line: the model cannot answer by the deadline.
    quick = make_settings(
        database_url,
        redis_url,
        tiny_model,
        coral={"secrets": [f"daily:{SECRET}"], "deadline_ms": 300},
    )
    app = create_app(quick)
    client = app.test_client()
    with app.app_context():
        # Warmed up, as gunicorn's processes are: the deadline is the model's alone here.
        service(DecisionService).warm()
    client.post("/v1/sites", json={"id": "daily"}, headers=bearer(ADMIN_TOKEN))
    body = coral_body("Thanks for reporting on the council budget.")
    started = time.monotonic()
    answer = post(client, body, coral_signature(body, SECRET))
    elapsed = time.monotonic() - started
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "PREMOD"}  # a person decides, never publication
    assert_coral_accepts(answer)
    assert elapsed < 2.0  # answered at the deadline, not at Coral's timeout
    # A rule's reject needs no model: it is still a decision.
    rude = coral_body("x " * 3 + "you gnasherbeast")
    patch_site(client, {"words": {"banned": ["gnasherbeast"]}})
    assert post(client, rude, coral_signature(rude, SECRET)).get_json()["status"] == "REJECTED"


def test_staff_skip_holds_but_not_rejects(client: Any, site: None, worker: None) -> None:
    patch_site(client, {"settings": {"rules": {"links": "all", "link_hold_until_approved": 0}}})
    linked = coral_body("Source: https://example.com/report.pdf", role="STAFF")
    assert post(client, linked, coral_signature(linked, SECRET)).status_code == 204
    rude = coral_body("you gnasherbeast", role="MODERATOR")
    assert post(client, rude, coral_signature(rude, SECRET)).get_json()["status"] == "REJECTED"
