"""Perspective's clients against real processes: gunicorn, a scoring worker, Redis, the database.

Google's own Python client is built exactly as Perspective's samples build it, with only the
discovery URL and the key changed. Responses are checked against Perspective's published schemas,
and schemathesis drives the published OpenAPI document against the server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests

from tests.support.live import running_service
from tests.support.settings import ADMIN_TOKEN, bearer
from tests.support.shared import SHARED_MODEL, SHARED_SPECS, shared_file

pytestmark = pytest.mark.e2e

SPEC_FILE = SHARED_SPECS / "perspective-commentanalyzer-v1alpha1.openapi.json"
KEY = "newsroom-key-0123456789abcdef"
OTHER_KEY = "other-key-0123456789abcdef"
SLOW_KEY = "slow-key-0123456789abcdef"


@pytest.fixture(scope="module")
def perspective_service(
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Any]:
    """gunicorn and one worker with the MiniLM model (the tiny one when it is absent), keys set."""
    yield from running_service(
        database_url,
        redis_url,
        tiny_model,
        tmp_path_factory.mktemp("perspective-logs"),
        MODERATION_API_KEYS=f"newsroom:{KEY}:1000,other:{OTHER_KEY}:1000,slow:{SLOW_KEY}:3",
        # The keys' own quotas; no limit per address or site, so schemathesis runs free.
        MODERATION_LIMITS_ENABLED="true",
        MODERATION_LIMITS_PERSPECTIVE_PER_ADDRESS="",
        MODERATION_LIMITS_PERSPECTIVE_PER_SITE="",
        # A loaded test machine: give a long comment's windows time to score.
        MODERATION_PERSPECTIVE_DEADLINE_MS="20000",
    )


def spec() -> dict[str, Any]:
    published = shared_file(SPEC_FILE, "Perspective's published API")
    loaded: dict[str, Any] = json.loads(published.read_text())
    return loaded


def validate(body: Any, schema_name: str) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec()["components"]}
    jsonschema.validate(body, schema)


def google_client(base_url: str, key: str = KEY) -> Any:
    """Built as Perspective's Python sample builds it; only the URL is ours."""
    from googleapiclient import discovery

    return discovery.build(
        "commentanalyzer",
        "v1alpha1",
        developerKey=key,
        discoveryServiceUrl=f"{base_url}/$discovery/rest?version=v1alpha1",
        static_discovery=False,
    )


def test_googles_client_analyzes_and_suggests_scores(perspective_service: Any) -> None:
    client = google_client(perspective_service.base_url)
    analyze_request = {
        "comment": {"text": "friends are the best, you are an idiot"},
        "requestedAttributes": {"TOXICITY": {}, "INSULT": {}},
        "spanAnnotations": True,
    }
    response = client.comments().analyze(body=analyze_request).execute()
    validate(response, "AnalyzeCommentResponse")
    assert set(response["attributeScores"]) == {"TOXICITY", "INSULT"}
    assert response["languages"] == ["en"]

    suggestion = {
        "comment": {"text": "friends are the best, you are an idiot"},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.9}}},
        "clientToken": "sample-1",
    }
    suggested = client.comments().suggestscore(body=suggestion).execute()
    validate(suggested, "SuggestCommentScoreResponse")
    assert suggested["clientToken"] == "sample-1"
    exported = requests.get(
        f"{perspective_service.base_url}/v1/admin/feedback/export.csv",
        headers=bearer(ADMIN_TOKEN),
        timeout=10,
    )
    assert "friends are the best, you are an idiot" in exported.text


def test_googles_client_sees_errors_as_http_errors(perspective_service: Any) -> None:
    from googleapiclient.errors import HttpError

    client = google_client(perspective_service.base_url)
    with pytest.raises(HttpError) as raised:
        client.comments().analyze(
            body={"comment": {"text": "hi"}, "requestedAttributes": {"SEXUALLY_EXPLICIT": {}}}
        ).execute()
    assert raised.value.resp.status == 400
    assert "SEXUALLY_EXPLICIT" in raised.value.reason


def test_coral_talks_exact_request(perspective_service: Any) -> None:
    endpoint = f"{perspective_service.base_url}/v1alpha1"
    answer = requests.post(
        f"{endpoint}/comments:analyze?key={KEY}",
        json={
            "comment": {"text": "What a thoughtful piece."},
            "doNotStore": True,
            "requestedAttributes": {"TOXICITY": {}},
            "languages": ["en"],
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    validate(answer.json(), "AnalyzeCommentResponse")
    assert 0.0 <= answer.json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"] <= 1.0


def test_quota_is_per_key_across_web_processes(perspective_service: Any) -> None:
    url = f"{perspective_service.base_url}/v1alpha1/comments:analyze"
    body = {"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}}}
    with requests.Session() as session:
        # Every call counts, so quick ones (refused for their empty body) fill the quota fast.
        answers = [
            session.post(url, params={"key": SLOW_KEY}, json={}, timeout=10) for _ in range(8)
        ]
        other = session.post(url, params={"key": OTHER_KEY}, json=body, timeout=10)
    codes = [answer.status_code for answer in answers]
    assert codes[0] == 400 and 429 in codes
    limited = next(answer for answer in answers if answer.status_code == 429)
    assert limited.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert int(limited.headers["Retry-After"]) >= 1
    assert other.status_code == 200


def test_abuse_at_the_end_of_a_3000_word_comment_is_found(perspective_service: Any) -> None:
    shared_file(SHARED_MODEL / "model.ckpt", "the tiny test model finds no abuse")
    calm = (
        "The council met on Tuesday to discuss the budget for the coming year and the "
        "plans for the new library. "
    )
    words = calm.split()
    filler = " ".join(words[index % len(words)] for index in range(3000))
    url = f"{perspective_service.base_url}/v1alpha1/comments:analyze?key={KEY}"
    request = {"requestedAttributes": {"TOXICITY": {}}, "languages": ["en"]}
    calm_answer = requests.post(url, json={"comment": {"text": filler}, **request}, timeout=30)
    abusive = filler + " You are a stupid fucking idiot and a moron."
    answer = requests.post(url, json={"comment": {"text": abusive}, **request}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert len(abusive.split()) > 3000
    assert calm_answer.json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"] < 0.5
    assert answer.json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"] >= 0.7


def test_schemathesis_finds_no_server_error_and_no_schema_break(perspective_service: Any) -> None:
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    schema = schemathesis.openapi.from_dict(spec())
    schema.config.update(base_url=perspective_service.base_url)
    for operation in schema.get_all_operations():
        api_operation = operation.ok()

        @given(case=api_operation.as_strategy())
        @settings(
            max_examples=40,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            case.query = {"key": KEY}
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

        check()
