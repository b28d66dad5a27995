"""The served /openapi.json is a contract clients can be generated from: valid OpenAPI 3.1, an
operationId on every operation, every error the service really answers documented with the
error schema, security schemes that match who the service lets in, and the outgoing webhooks
with payload schemas that real events match.

The document is walked as served, so an endpoint added to any blueprint is checked too. The
errors are not read from the code: each operation is called (no token, a moderator's, an
admin's; ids that do not exist; a body of the wrong type, malformed, unknown or too large; a
NUL in the query) and every status it answers must be one the document names.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator
from sqlalchemy import select

from moderation.db.session import make_engine
from moderation.events.models import OutboxEvent
from moderation.webhooks.subscriptions import EVENT_TYPES
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, bearer

METHODS = ("get", "put", "post", "patch", "delete")
BODY_METHODS = ("post", "put", "patch")
ERROR_REF = "#/components/schemas/Error"
MISSING_ID = str(2**62)


@pytest.fixture
def document(client: Any) -> dict[str, Any]:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    served: dict[str, Any] = answer.json
    return served


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, item[method])
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    ]


def resolved(document: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """A response object, following its $ref into components."""
    ref = response.get("$ref")
    if ref is None:
        return response
    found: dict[str, Any] = document
    for part in ref.removeprefix("#/").split("/"):
        found = found[part]
    return found


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    problems = [error.message for error in OpenAPIV31SpecValidator(document).iter_errors()]
    assert problems == []
    # 3.0's `nullable` means nothing in 3.1 (a generated client would refuse the nulls): type
    # arrays say it.
    assert '"nullable"' not in json.dumps(document)


def test_every_operation_has_a_unique_id_and_documents_its_errors(document: dict[str, Any]) -> None:
    seen: dict[str, str] = {}
    schemes = set(document["components"]["securitySchemes"])
    for path, method, operation in operations(document):
        where = f"{method.upper()} {path}"
        name = operation.get("operationId")
        assert name, f"{where} has no operationId"
        assert name not in seen, f"{where} and {seen[name]} share operationId {name}"
        seen[name] = where
        responses = operation["responses"]
        # Any request can be refused for a NUL in its query or headers; a body can be refused.
        expected = {"422", "default"} | ({"400", "413", "415"} if method in BODY_METHODS else set())
        assert expected <= set(responses), f"{where} lacks {sorted(expected - set(responses))}"
        for status, response in responses.items():
            if status == "default" or status[0] in "45":
                content = resolved(document, response).get("content", {})
                schema = content.get("application/json", {}).get("schema")
                assert schema == {"$ref": ERROR_REF}, f"{where} {status}: {content}"
        for requirement in operation.get("security", []):
            assert set(requirement) <= schemes, f"{where}: {requirement}"
            if requirement:
                assert (
                    {"401", "403"} <= set(responses)
                    or "commenterSession" in requirement
                    or ("siteSsoToken" in requirement and "401" in responses)
                ), f"{where} takes {requirement} without 401/403"


def test_the_endpoints_that_take_an_idempotency_key_document_it(document: dict[str, Any]) -> None:
    for path in (
        "/v1/articles/{article_id}/comments",
        "/v1/sites/{site}/articles/{article_id}/comments",
    ):
        parameters = document["paths"][path]["post"]["parameters"]
        header = next(p for p in parameters if p["name"] == "Idempotency-Key")
        assert header["in"] == "header" and header["required"] is False
        assert header["schema"]["type"] == "string" and "pattern" in header["schema"]


def url_of(path: str, operation: dict[str, Any], item: dict[str, Any], site: str) -> str:
    """The path with ids that do not exist, on a site that does (an unknown one is a 404
    before the token is looked at)."""
    parameters = item.get("parameters", []) + operation.get("parameters", [])
    for parameter in parameters:
        if parameter["in"] != "path":
            continue
        types = parameter["schema"].get("type")
        value = (
            MISSING_ID
            if "integer" in (types if isinstance(types, list) else [types])
            else ("no-such-thing")
        )
        value = site if parameter["name"] == "site" else value
        path = path.replace("{" + parameter["name"] + "}", value)
    return path


def probes(
    token_of: dict[str, dict[str, str]], body_limit: int
) -> list[tuple[str, dict[str, Any]]]:
    """(what, request keyword arguments) for each probe; body probes apply to POST/PUT/PATCH."""
    unknown = {"json": {"zz_unknown_field": 1}}
    return [
        ("anonymous", {**unknown}),
        ("moderator", {**unknown, "headers": token_of["moderator"]}),
        ("admin", {**unknown, "headers": token_of["admin"]}),
        (
            "NUL in the query",
            {**unknown, "headers": token_of["admin"], "query_string": "probe=%00"},
        ),
        ("wrong type", {"headers": token_of["admin"], "data": "x", "content_type": "text/plain"}),
        (
            "malformed",
            {"headers": token_of["admin"], "data": "{", "content_type": "application/json"},
        ),
        (
            "too large",
            {
                "headers": token_of["admin"],
                "data": '"' + "a" * body_limit + '"',
                "content_type": "application/json",
            },
        ),
    ]


def test_every_answer_the_service_gives_is_documented(
    app: Any, client: Any, document: dict[str, Any]
) -> None:
    token_of = {"moderator": bearer(MODERATOR_TOKEN), "admin": bearer(ADMIN_TOKEN)}
    limit = app.config["MAX_CONTENT_LENGTH"]
    site = app.config["MODERATION_SETTINGS"].sites.default
    undocumented: list[str] = []
    answered: dict[int, int] = {}
    for path, method, operation in operations(document):
        url = url_of(path, operation, document["paths"][path], site)
        documented = set(operation["responses"])
        security = operation.get("security", [])
        for what, request in probes(token_of, limit):
            if method not in BODY_METHODS and what in {"wrong type", "malformed", "too large"}:
                continue
            if method not in BODY_METHODS:
                request = {key: value for key, value in request.items() if key != "json"}
            answer = client.open(url, method=method.upper(), **request)
            text = answer.get_data(as_text=True)  # streamed answers (CSV) read to the end
            answer.close()
            status = answer.status_code
            answered[status] = answered.get(status, 0) + 1
            where = f"{method.upper()} {path} ({what})"
            assert status < 500, f"{where}: {status} {text}"
            if str(status) not in documented:
                undocumented.append(f"{where}: {status} {text[:120]}")
            challenged = 'realm="moderation"' in answer.headers.get("WWW-Authenticate", "")
            if what == "anonymous" and challenged:
                assert security and all(requirement for requirement in security), (
                    f"{where} needs a token but documents {security}"
                )
            if what == "moderator":
                needs_admin = status == 403 and "needs an admin" in text
                admin_only = {"adminToken": []} in security and {"moderatorToken": []} not in (
                    security
                )
                assert needs_admin == admin_only, f"{where}: {status}, documented {security}"
    assert undocumented == []
    # The probes reached every kind of refusal the document promises.
    assert {400, 401, 403, 404, 413, 415, 422} <= set(answered), answered


def comment_events(database_url: str) -> list[dict[str, Any]]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(OutboxEvent.payload).order_by(OutboxEvent.id))
            return [row.payload for row in rows]
    finally:
        engine.dispose()


def test_the_webhooks_describe_every_event_and_real_events_match(
    client: Any, document: dict[str, Any], database_url: str
) -> None:
    webhooks = document["webhooks"]
    assert set(webhooks) == set(EVENT_TYPES)
    for event_type, item in webhooks.items():
        hook = item["post"]
        headers = {p["name"]: p for p in hook["parameters"] if p["in"] == "header"}
        assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= set(headers)
        assert all(header["required"] for header in headers.values()), event_type
        assert hook["operationId"].startswith("webhook_")

    moderator = bearer(MODERATOR_TOKEN)
    posted = [
        client.post(
            "/v1/articles/a-1/comments",
            json={"author": {"id": "r-1", "name": "Reader"}, "text": text},
        ).json
        for text in ("A fair point about the budget.", "Another thought on the vote.")
    ]
    decided = client.post(
        f"/v1/review/comments/{posted[0]['id']}/decision",
        json={"action": "approve", "reason_code": "other", "version": 1},
        headers=moderator,
    )
    assert decided.status_code == 200, decided.json
    undone = client.post(
        f"/v1/review/comments/{posted[0]['id']}/undo",
        json={"version": decided.json["version"]},
        headers=moderator,
    )
    assert undone.status_code == 200, undone.json
    banned = client.post(
        "/v1/authors/r-1/ban", json={"reason": "spam", "reject_existing": True}, headers=moderator
    )
    assert banned.status_code == 200, banned.json

    events = comment_events(database_url)
    sent = {event["type"] for event in events}
    assert {
        "comment.created",
        "comment.approved",
        "comment.decision_reversed",
        "comment.rejected",
        "author.banned",
    } <= sent
    for event in events:
        body = webhooks[event["type"]]["post"]["requestBody"]["content"]["application/json"]
        # The document's components ride along, so its "#/components/..." refs resolve.
        schema = {"$ref": body["schema"]["$ref"], "components": document["components"]}
        jsonschema.Draft202012Validator(schema).validate(event)
    # And the schemas do refuse what the service must not send.
    comment_event = next(event for event in events if event["type"] == "comment.created")
    broken = {**comment_event, "data": {"comment": {**comment_event["data"]["comment"]}}}
    broken["data"]["comment"]["status"] = "deleted"
    schema = {"$ref": "#/components/schemas/CommentEvent", "components": document["components"]}
    with pytest.raises(jsonschema.ValidationError, match="deleted"):
        jsonschema.Draft202012Validator(schema).validate(broken)
