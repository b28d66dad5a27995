"""A policy that names a detoxify-format checkpoint: a running worker loads it (once, through
the detoxify loading path) when the policy is shadowed, and decides with it once promoted,
within the sites cache window and without a restart."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import pytest
from rq import Queue

from moderation.app import create_app
from moderation.scoring import context as worker_context
from moderation.scoring.context import build_context
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, bearer, make_settings
from tests.support.tiny_model import build_tiny_checkpoint
from tests.support.workers import burst

ADMIN = bearer(ADMIN_TOKEN)
POLICIES = "/v1/sites/paper-b/policies"
CACHE_SECONDS = 1.0


def test_a_worker_picks_up_a_promoted_policys_checkpoint_without_a_restart(
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    tmp_path: Path,
    clean_state: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    models = tmp_path.resolve() / "models"
    # The site's own model: every score near 1, where the worker's model scores near 0.
    build_tiny_checkpoint(models / "site-model", bias=6.0)
    checkpoint = models / "site-model" / "model.ckpt"
    described = f"checkpoint {checkpoint} (ONNX Runtime, int8, confirmed in float)"
    settings = make_settings(
        database_url,
        redis_url,
        tiny_model,
        policies={"checkpoint_dirs": [str(models)]},
        sites={"cache_seconds": CACHE_SECONDS},
    )
    client = create_app(settings).test_client()
    worker = build_context(settings)  # one worker, alive for the whole test
    monkeypatch.setattr(worker_context, "_context", worker)
    queue = Queue(settings.redis.score_queue, connection=worker.redis)

    posted = itertools.count()

    def score(text: str) -> dict[str, Any]:
        # A new author each time: the same text twice from one author is a duplicate (held).
        answer = client.post(
            "/v1/sites/paper-b/articles/a-1/comments",
            json={"author": {"id": f"r{next(posted)}", "name": "R"}, "text": text},
        )
        assert answer.status_code == 202, answer.json
        burst([queue], worker.redis)
        found = client.get(
            f"/v1/review/comments/{answer.json['id']}", headers=bearer(MODERATOR_TOKEN)
        )
        return dict(found.json)

    assert client.post("/v1/sites", json={"id": "paper-b"}, headers=ADMIN).status_code == 201
    first = score("A calm comment about the council vote.")
    assert first["status"] == "approved" and first["policy_version"] == 1
    assert worker.policy_models.loads == 0

    candidate = client.post(
        POLICIES,
        json={"model": {"checkpoint": str(models / "site-model")}, "reason": "our own model"},
        headers=ADMIN,
    )
    assert candidate.status_code == 201 and candidate.json["state"] == "shadow", candidate.json
    assert candidate.json["diff"] == [
        {"path": "model.checkpoint", "before": None, "after": str(models / "site-model")}
    ]
    shadowed = _until_version(score, shadowed=True)
    (shadow,) = shadowed["shadow_verdicts"]
    assert shadowed["status"] == "approved"  # the shadow's verdict is not acted on
    assert shadow["policy_version"] == 2 and shadow["decision"] == "reject"
    assert shadow["model"] == described
    assert worker.policy_models.loads == 1  # loaded when first shadowed

    answer = client.post(f"{POLICIES}/2/promote", json={"reason": "it won"}, headers=ADMIN)
    assert answer.status_code == 200, answer.json
    promoted_at = time.monotonic()
    decided = _until_version(score, shadowed=False)
    assert time.monotonic() - promoted_at < CACHE_SECONDS + 10
    assert decided["status"] == "rejected" and decided["policy_version"] == 2
    assert decided["model"] == described
    assert worker.policy_models.loads == 1  # kept, not loaded again
    assert worker.model_loads == 1  # the worker's own model, loaded once at start
    assert worker.status()["policy_models"] == {described: None}


def _until_version(score: Any, shadowed: bool, timeout: float = 30.0) -> dict[str, Any]:
    """Score comments until the worker's cached site view shows the change (at most the sites
    cache window): a shadow recorded, or the promoted version deciding."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = score("Another calm comment about the council vote.")
        if shadowed and found["shadow_verdicts"]:
            return found
        if not shadowed and found["policy_version"] == 2:
            return found
    raise AssertionError("the worker never saw the policy change")
