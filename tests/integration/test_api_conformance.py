"""schemathesis drives the API from its documents: the app's own /openapi.json (every operation,
valid and invalid input, then sequences of calls along the links it infers) and Perspective's
published document for the /v1alpha1 paths. No answer may be a 500, and every answer must match
what the document says of its status code (schema and content type).

Through the WSGI app on the test database and Redis, with an admin token on every call. The
example counts are bounded and Hypothesis is derandomized with no example database, so every run
sends the same cases: a failure here is a bug to fix, not a flake.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import hypothesis
import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, example, given
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from moderation.config import Settings
from tests.support.analysis import draining_analysis
from tests.support.settings import ADMIN_TOKEN, bearer, make_settings
from tests.support.shared import SHARED_SPECS, shared_file

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PUBLISHED_CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
PERSPECTIVE_SPEC = SHARED_SPECS / "perspective-commentanalyzer-v1alpha1.openapi.json"
KEY = "conformance-key-0123456789abcdef"
# Perspective's document describes only its 200 answers; every other one must be Google's shape.
GOOGLE_ERROR = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "status"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "integer", "minimum": 400, "maximum": 599},
                "message": {"type": "string", "minLength": 1},
                "status": {"type": "string", "pattern": "^[A-Z_]+$"},
            },
        }
    },
}


# Valid requests are rare among generated ones (a comment's text and a known attribute are both
# needed): these make sure the 200 answers are checked too.
PERSPECTIVE_BODIES = {
    "POST /v1alpha1/comments:analyze": [
        {"comment": {"text": "Thanks for the article"}, "requestedAttributes": {"TOXICITY": {}}},
        {
            "comment": {"text": "You are wrong. Read it again!"},
            "requestedAttributes": {"INSULT": {}, "THREAT": {"scoreThreshold": 0.2}},
            "spanAnnotations": True,
            "clientToken": "c-1",
            "languages": ["en"],
        },
    ],
    "POST /v1alpha1/comments:suggestscore": [
        {
            "comment": {"text": "A fine comment"},
            "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.1}}},
            "clientToken": "c-2",
        }
    ],
}


def bounded(max_examples: int) -> hypothesis.settings:
    """Hypothesis settings that make the same cases on every run, within a bounded time."""
    return hypothesis.settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def run_each_operation(
    schema: Any,
    max_examples: int,
    send: Callable[[Any], Any],
    bodies: dict[str, list[Any]] | None = None,
) -> dict[str, int]:
    """Send valid and invalid cases to every operation (and `bodies`, by operation label, as
    explicit examples); `send` calls and checks one case. Returns the cases sent, by operation
    and mode ("POST /v1/webhooks negative")."""
    sent: dict[str, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            test = given(case=operation.as_strategy(generation_mode=mode))(
                counted(f"{operation.label} {mode.value}", sent, send)
            )
            if mode is GenerationMode.POSITIVE:
                for body in (bodies or {}).get(operation.label, []):
                    case = operation.Case(body=body, media_type="application/json")
                    test = example(case=case)(test)
            try:
                bounded(max_examples)(test)()
            except Unsatisfiable:
                # Nothing this operation takes can be sent invalid (its only parameter is the
                # token, which is fixed, or a path segment, which cannot be empty).
                assert mode is GenerationMode.NEGATIVE, operation.label
    return sent


def counted(key: str, sent: dict[str, int], send: Callable[[Any], Any]) -> Callable[[Any], None]:
    """`send`, counting its calls in `sent[key]`."""

    def check(case: Any) -> None:
        sent[key] = sent.get(key, 0) + 1
        send(case)

    return check


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    # A webhook endpoint on loopback: no name to resolve, and nothing is delivered here.
    return make_settings(database_url, redis_url, tiny_model, webhooks={"allow_private": True})


@pytest.fixture
def served_schema(app: Any, client: Any) -> Any:
    """The app's own document, with a comment and a webhook endpoint to find by id."""
    posted = client.post(
        "/v1/articles/a-1/comments",
        json={"author": {"id": "r1", "name": "Reader"}, "text": "Fine words."},
    )
    assert posted.status_code == 202, posted.json
    endpoint = client.post(
        "/v1/webhooks", json={"url": "http://127.0.0.1:9/hooks"}, headers=bearer(ADMIN_TOKEN)
    )
    assert endpoint.status_code == 201, endpoint.json
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    schema.config.update(headers=bearer(ADMIN_TOKEN))
    return schema


def test_every_operation_answers_as_documented(served_schema: Any) -> None:
    def send(case: Any) -> None:
        case.call_and_validate(checks=CHECKS)

    sent = run_each_operation(served_schema, max_examples=12, send=send)

    documented = {result.ok().label for result in served_schema.get_all_operations()}
    assert {key.rsplit(" ", 1)[0] for key in sent} == documented
    assert sum(1 for key in sent if key.endswith("negative")) >= 30, sorted(sent)


def test_sequences_of_calls_answer_as_documented(served_schema: Any) -> None:
    calls: dict[str, int] = {}

    # The webhook operations only: the links inferred today are among them, and with every
    # operation in play a short run rarely reaches a list followed by one of its items.
    webhooks = served_schema.include(path_regex="^/v1/webhooks")

    class Workflow(webhooks.as_state_machine()):  # type: ignore[misc]
        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            calls[case.operation.label] = calls.get(case.operation.label, 0) + 1
            case.validate_response(response, checks=CHECKS)

    Workflow.run(settings=hypothesis.settings(bounded(25), stateful_step_count=6))

    # The links schemathesis infers today: from the list of webhook endpoints to each one.
    assert calls.get("GET /v1/webhooks", 0) > 0
    assert calls.get("PATCH /v1/webhooks/{endpoint_id}", 0) > 0


@pytest.fixture
def settings_with_key(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    return make_settings(
        database_url,
        redis_url,
        tiny_model,
        perspective={"api_keys": [f"conformance:{KEY}:10000"], "deadline_ms": 10000},
    )


@pytest.fixture
def perspective_app(settings_with_key: Settings, clean_state: None) -> Iterator[Any]:
    from moderation.app import create_app

    application = create_app(settings_with_key)
    application.config["TESTING"] = True
    with draining_analysis(settings_with_key):
        yield application


def test_perspective_paths_answer_as_published(perspective_app: Any) -> None:
    published = json.loads(shared_file(PERSPECTIVE_SPEC, "Perspective's published API").read_text())
    schema = schemathesis.openapi.from_dict(published)
    answered: dict[int, int] = {}

    def send(case: Any) -> None:
        case.query = {**(case.query or {}), "key": KEY}
        response = case.call(app=perspective_app)
        answered[response.status_code] = answered.get(response.status_code, 0) + 1
        # The document has only the 200 answers: their schema is checked, the rest by shape.
        case.validate_response(response, checks=PUBLISHED_CHECKS)
        if response.status_code != 200:
            jsonschema.validate(response.json(), GOOGLE_ERROR)

    sent = run_each_operation(schema, max_examples=25, send=send, bodies=PERSPECTIVE_BODIES)

    assert {key.rsplit(" ", 1)[0] for key in sent} == {
        "POST /v1alpha1/comments:analyze",
        "POST /v1alpha1/comments:suggestscore",
    }
    assert answered.get(200, 0) > 0 and answered.get(400, 0) > 0, answered
