"""The Perspective-compatible endpoints through the Flask app, real Redis and database, and the
real drain job (run by a thread here; tests/e2e runs it in a real worker process)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from moderation.config import Settings
from moderation.perspective.jobs import drain_analysis
from moderation.scoring.context import build_context, install
from tests.support.settings import ADMIN_TOKEN, bearer, make_settings
from tests.support.shared import SHARED_SPECS, shared_file
from tests.support.workers import wait_until

SPEC_FILE = SHARED_SPECS / "perspective-commentanalyzer-v1alpha1.openapi.json"
KEY = "newsroom-key-0123456789abcdef"
SLOW_KEY = "slow-key-0123456789abcdef"
ANALYZE = "/v1alpha1/comments:analyze"
SUGGEST = "/v1alpha1/comments:suggestscore"


def validate(body: Any, schema_name: str) -> None:
    """Check a body against Perspective's published schema of that name."""
    spec = json.loads(shared_file(SPEC_FILE, "Perspective's published API").read_text())
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    jsonschema.validate(body, schema)


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    return make_settings(
        database_url,
        redis_url,
        tiny_model,
        # A generous deadline: these machines are shared, and a loaded one is slow to score.
        perspective={
            "api_keys": [f"newsroom:{KEY}:100", f"slow:{SLOW_KEY}:2"],
            "deadline_ms": 5000,
        },
        # The keys' own quotas, and the other limits at their defaults.
        limits={"enabled": True},
    )


@pytest.fixture
def drainer(settings: Settings, app: Any) -> Iterator[None]:
    """A worker context with the tiny model, draining analyze calls in a thread."""
    context = build_context(settings)
    install(context)
    context.registry.beat(context.name, context.status())
    stopping = threading.Event()

    def loop() -> None:
        while not stopping.is_set():
            if not drain_analysis()["rounds"]:
                stopping.wait(0.005)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stopping.set()
    thread.join(5)


def analyze(client: Any, body: Any, key: str = KEY, **kwargs: Any) -> Any:
    return client.post(f"{ANALYZE}?key={key}", json=body, **kwargs)


def test_coral_talk_request_is_answered_in_perspective_shape(client: Any, drainer: None) -> None:
    body = {
        "comment": {"text": "Thanks for the article"},
        "doNotStore": True,
        "requestedAttributes": {"TOXICITY": {}},
        "languages": ["en"],
    }
    answer = analyze(client, body)
    assert answer.status_code == 200, answer.json
    validate(answer.json, "AnalyzeCommentResponse")
    score = answer.json["attributeScores"]["TOXICITY"]["summaryScore"]
    assert score["type"] == "PROBABILITY" and 0.0 <= score["value"] <= 1.0
    assert answer.json["languages"] == ["en"]


def test_every_attribute_with_spans_and_the_key_in_a_header(client: Any, drainer: None) -> None:
    text = "Grüße aus Köln 🙂. Second sentence here!\nThird line"
    body = {
        "comment": {"text": text, "type": "PLAIN_TEXT"},
        "requestedAttributes": {
            name: {"scoreType": "PROBABILITY"}
            for name in ("TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT", "PROFANITY")
        }
        | {"THREAT": {}},
        "spanAnnotations": True,
        "clientToken": "token-7",
        "sessionId": "s",
        "communityId": "c",
        "context": {"entries": [{"text": "the article"}]},
    }
    answer = client.post(ANALYZE, json=body, headers={"X-Goog-Api-Key": KEY})
    assert answer.status_code == 200, answer.json
    validate(answer.json, "AnalyzeCommentResponse")
    assert answer.json["clientToken"] == "token-7"
    assert len(answer.json["attributeScores"]) == 6
    spans = answer.json["attributeScores"]["PROFANITY"]["spanScores"]
    assert [text[span["begin"] : span["end"]] for span in spans] == [
        "Grüße aus Köln 🙂.",
        "Second sentence here!",
        "Third line",
    ]


@pytest.mark.parametrize(
    ("body", "code", "named"),
    [
        ({"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}}, 400, "non-empty"),
        ({"comment": {"text": "x" * 20481}, "requestedAttributes": {"TOXICITY": {}}}, 400, "long"),
        ({"comment": {"text": "hi"}, "requestedAttributes": {"NOPE": {}}}, 400, "NOPE"),
        (
            {"comment": {"text": "hi"}, "requestedAttributes": {"SEXUALLY_EXPLICIT": {}}},
            400,
            "SEXUALLY_EXPLICIT",
        ),
        (
            {
                "comment": {"text": "hi"},
                "requestedAttributes": {"TOXICITY": {}},
                "languages": ["xx"],
            },
            400,
            "xx",
        ),
        (
            {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}, "bogus": 1},
            400,
            "bogus",
        ),
        ({"comment": {"text": 5}, "requestedAttributes": {"TOXICITY": {}}}, 400, "text"),
        ([1, 2], 400, "object"),
    ],
)
def test_bad_input_answers_in_google_error_shape(
    client: Any, drainer: None, body: Any, code: int, named: str
) -> None:
    answer = analyze(client, body)
    assert answer.status_code == code
    error = answer.json["error"]
    assert error["code"] == code and error["status"] == "INVALID_ARGUMENT"
    assert named in error["message"]


def test_malformed_json_and_oversized_bodies_are_invalid_argument(client: Any) -> None:
    answer = client.post(
        f"{ANALYZE}?key={KEY}", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400 and answer.json["error"]["status"] == "INVALID_ARGUMENT"
    huge = client.post(f"{ANALYZE}?key={KEY}", data="x" * 70000, content_type="application/json")
    assert huge.status_code == 400 and "payload size" in huge.json["error"]["message"]


def test_missing_and_wrong_keys_are_refused(client: Any) -> None:
    body = {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}}
    missing = client.post(ANALYZE, json=body)
    assert missing.status_code == 403
    assert missing.json["error"]["status"] == "PERMISSION_DENIED"
    wrong = analyze(client, body, key="not-a-key-0123456789abcdef")
    assert wrong.status_code == 400
    assert wrong.json["error"]["message"].startswith("API key not valid")


def test_a_key_over_its_quota_gets_429_and_others_are_unaffected(
    client: Any, drainer: None
) -> None:
    # The quota counts every call, so quick ones (refused for their empty body) fill it fast.
    codes = [analyze(client, {}, key=SLOW_KEY).status_code for _ in range(6)]
    assert codes[:2] == [400, 400] and 429 in codes
    refused = analyze(client, {}, key=SLOW_KEY)
    if refused.status_code == 429:
        assert refused.json["error"]["status"] == "RESOURCE_EXHAUSTED"
        assert int(refused.headers["Retry-After"]) >= 1
    body = {"comment": {"text": "hi there"}, "requestedAttributes": {"TOXICITY": {}}}
    assert analyze(client, body).status_code == 200


def test_no_worker_means_503_unavailable_within_the_deadline(
    client: Any, settings: Settings
) -> None:
    from redis import Redis

    from moderation.scoring.registry import WorkerRegistry

    # A heartbeat says a model is loaded, but nobody drains the queue.
    WorkerRegistry(Redis.from_url(settings.redis.url)).beat(
        "ghost", {"model_loaded": True, "labels": ["toxicity"]}
    )
    body = {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}}
    started = time.monotonic()
    answer = analyze(client, body)
    assert answer.status_code == 503
    assert answer.json["error"]["status"] == "UNAVAILABLE"
    assert answer.headers["Retry-After"] == "1"
    # The deadline, plus the first request's set-up (language model) on a busy machine.
    assert time.monotonic() - started < settings.perspective.deadline_ms / 1000 + 3.0


def test_past_capacity_503_comes_at_once(client: Any, settings: Settings) -> None:
    from redis import Redis

    from moderation.perspective.analysis import COST_KEY, PENDING_KEY
    from moderation.scoring.registry import WorkerRegistry

    redis = Redis.from_url(settings.redis.url)
    WorkerRegistry(redis).beat("busy", {"model_loaded": True, "labels": ["toxicity"]})
    # Ten calls wait, each takes the workers a second: no room within the deadline.
    waiting = {"reply": "r", "expires": time.time() + 60, "texts": ["x"]}
    redis.rpush(PENDING_KEY, *[json.dumps(waiting)] * 10)
    redis.set(COST_KEY, 1.0)
    started = time.monotonic()
    answer = analyze(client, {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}})
    assert answer.status_code == 503
    assert "over capacity" in answer.json["error"]["message"]
    assert time.monotonic() - started < 1.0


def test_suggestscore_is_stored_and_exported_for_admins(client: Any) -> None:
    body = {
        "comment": {"text": "Calibrate me, ünïcode too"},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.8, "type": "PROBABILITY"}}},
        "languages": ["en"],
        "clientToken": "ct-1",
        "communityId": "city-desk",
    }
    answer = client.post(f"{SUGGEST}?key={KEY}", json=body)
    assert answer.status_code == 200, answer.json
    validate(answer.json, "SuggestCommentScoreResponse")
    assert answer.json["clientToken"] == "ct-1"
    assert answer.json["requestedLanguages"] == ["en"]

    listed = client.get("/v1/admin/feedback", headers=bearer(ADMIN_TOKEN))
    assert listed.status_code == 200, listed.json
    item = listed.json["items"][0]
    assert (item["text"], item["attribute"], item["score"]) == (
        body["comment"]["text"],
        "TOXICITY",
        0.8,
    )
    assert item["api_key_name"] == "newsroom"
    exported = client.get("/v1/admin/feedback/export.csv", headers=bearer(ADMIN_TOKEN))
    assert exported.status_code == 200
    assert exported.mimetype == "text/csv"
    assert "Calibrate me, ünïcode too" in exported.get_data(as_text=True)
    assert client.get("/v1/admin/feedback").status_code == 401


def test_suggestscore_rejects_scores_out_of_range(client: Any) -> None:
    body = {
        "comment": {"text": "x"},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 3}}},
    }
    answer = client.post(f"{SUGGEST}?key={KEY}", json=body)
    assert answer.status_code == 400
    assert "TOXICITY" in answer.json["error"]["message"]


def test_discovery_document_points_at_this_service(client: Any) -> None:
    answer = client.get("/$discovery/rest?version=v1alpha1")
    assert answer.status_code == 200
    document = answer.json
    assert document["rootUrl"] == "http://localhost/"
    methods = document["resources"]["comments"]["methods"]
    assert methods["analyze"]["path"] == "v1alpha1/comments:analyze"
    assert methods["suggestscore"]["request"] == {"$ref": "SuggestCommentScoreRequest"}
    assert client.get("/$discovery/rest?version=v9").json["error"]["code"] == 404


def test_analyze_stores_no_text_unless_the_setting_allows_it(
    client: Any, drainer: None, settings: Settings
) -> None:
    from moderation.app import create_app

    body = {"comment": {"text": "keep me out of the database"}, "requestedAttributes": {}}
    body["requestedAttributes"] = {"TOXICITY": {}}
    assert analyze(client, dict(body, doNotStore=False)).status_code == 200
    listed = client.get("/v1/admin/feedback", headers=bearer(ADMIN_TOKEN)).json
    assert listed["items"] == []

    storing = create_app(settings.replace(perspective={"store_analyzed_text": True}))
    storing_client = storing.test_client()
    assert analyze(storing_client, dict(body, doNotStore=True)).status_code == 200
    assert analyze(storing_client, dict(body, doNotStore=False)).status_code == 200
    items = storing_client.get("/v1/admin/feedback", headers=bearer(ADMIN_TOKEN)).json["items"]
    assert [(item["source"], item["attribute"]) for item in items] == [("analyze", "TOXICITY")]


def test_a_workers_analyze_lane_answers_without_drain_jobs(
    client: Any, app: Any, settings: Settings
) -> None:
    from moderation.perspective.lane import AnalyzeLane

    context = build_context(settings)
    context.registry.beat(context.name, context.status())
    lane = AnalyzeLane(context)
    lane.start()
    try:
        body = {"comment": {"text": "Thanks for the article"}, "requestedAttributes": {}}
        body["requestedAttributes"] = {"INSULT": {}}
        answer = analyze(client, body)
        assert answer.status_code == 200, answer.json
        assert set(answer.json["attributeScores"]) == {"INSULT"}
    finally:
        lane.stop()
        lane.join(5)


def test_without_configured_keys_every_call_is_refused(settings: Settings, app: Any) -> None:
    from moderation.app import create_app

    keyless = create_app(settings.replace(perspective={"api_keys": []})).test_client()
    body = {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}}
    answer = keyless.post(f"{ANALYZE}?key={KEY}", json=body)
    assert answer.status_code == 400
    assert answer.json["error"]["message"].startswith("API key not valid")


def test_redis_away_is_503_not_500(settings: Settings, app: Any) -> None:
    from moderation.app import create_app

    gone = settings.replace(redis={"url": "redis://127.0.0.1:1/0"})
    answer = (
        create_app(gone)
        .test_client()
        .post(
            f"{ANALYZE}?key={KEY}",
            json={"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}},
        )
    )
    assert answer.status_code == 503
    assert answer.json["error"]["status"] == "UNAVAILABLE"


def test_coral_talk_feedback_is_stored(client: Any) -> None:
    """Coral's "send feedback" posts a moderator's decision as a 0 or 1 score."""
    body = {
        "comment": {"text": "A rejected comment"},
        "attributeScores": {"SEVERE_TOXICITY": {"summaryScore": {"value": 1}}},
        "languages": ["en"],
        "communityId": "Coral:tenant-1",
        "clientToken": "comment:42",
    }
    answer = client.post(f"{SUGGEST}?key={KEY}", json=body)
    assert answer.status_code == 200, answer.json
    assert answer.json["clientToken"] == "comment:42"
    item = client.get("/v1/admin/feedback", headers=bearer(ADMIN_TOKEN)).json["items"][0]
    assert (item["attribute"], item["score"], item["community_id"]) == (
        "SEVERE_TOXICITY",
        1.0,
        "Coral:tenant-1",
    )


def test_calls_past_their_deadline_do_not_count_against_capacity(
    client: Any, drainer: None, settings: Settings
) -> None:
    from redis import Redis

    from moderation.perspective.analysis import COST_KEY, PENDING_KEY

    redis = Redis.from_url(settings.redis.url)
    # Ten calls whose callers gave up long ago, and a measure that would refuse any line.
    gone = {"reply": "r", "expires": time.time() - 60, "texts": ["x"]}
    redis.rpush(PENDING_KEY, *[json.dumps(gone)] * 10)
    redis.set(COST_KEY, 1.0)
    answer = analyze(client, {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}})
    assert answer.status_code == 200, answer.json
    assert redis.llen(PENDING_KEY) == 0


def test_web_processes_load_the_language_identifier_when_analyze_is_on(
    app: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moderation.perspective.services import warm_analyze
    from moderation.pipeline import language
    from moderation.web.context import WARMUPS

    monkeypatch.setattr(language, "_identifier", None)  # as in a fresh web process
    warm_analyze(settings.replace(perspective={"api_keys": []}).perspective)
    assert not language.loaded()  # analyze is off: nothing to load, no thread started
    for warm in app.extensions[WARMUPS]:  # what gunicorn's post_worker_init runs
        warm()
    wait_until(language.loaded, "the language identifier to load", timeout=30)
