"""Bad input on every endpoint gets a 4xx whose message names the problem, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.settings import MODERATOR_TOKEN, bearer

POST_URL = "/v1/articles/a-1/comments"
GOOD = {"author": {"id": "r1", "name": "Reader"}, "text": "Fine words."}


def post_raw(client: Any, url: str, data: str, content_type: str = "application/json") -> Any:
    return client.post(url, data=data, content_type=content_type)


@pytest.mark.parametrize(
    ("body", "status", "named"),
    [
        ("{not json", 400, "Invalid JSON"),
        ('{"author": {"id": "r1", "name": "R"}}', 422, "text"),
        ('{"text": "hello"}', 422, "author"),
        ('{"author": {"id": "r1"}, "text": "hi"}', 422, "author.name"),
        ('{"author": {"id": 5, "name": "R"}, "text": "hi"}', 422, "author.id"),
        ('{"author": {"id": "r1", "name": "R"}, "text": 12}', 422, "text"),
        ('{"author": {"id": "r1", "name": "R"}, "text": "   "}', 422, "text"),
        ('{"author": {"id": "r1", "name": "R"}, "text": "hi", "extra": 1}', 422, "extra"),
        ('{"author": {"id": "r1", "name": "R", "x": 1}, "text": "hi"}', 422, "author.x"),
        ('{"author": {"id": "r1", "name": "R"}, "text": "hi", "parent_id": "3"}', 422, "parent_id"),
        ('{"author": {"id": "r1", "name": "R"}, "text": "hi", "parent_id": 999}', 422, "parent_id"),
        ('{"author": {"id": "", "name": "R"}, "text": "hi"}', 422, "author.id"),
        ('["a", "list"]', 422, "json"),
    ],
)
def test_post_comment_rejects_bad_bodies(client: Any, body: str, status: int, named: str) -> None:
    answer = post_raw(client, POST_URL, body)
    assert answer.status_code == status, answer.json
    assert named in answer.json["message"]


def test_oversized_text_names_the_limit(client: Any) -> None:
    answer = client.post(POST_URL, json={**GOOD, "text": "x" * 5001})
    assert answer.status_code == 422
    assert "text" in answer.json["message"] and "5000" in answer.json["message"]


def test_oversized_body_is_413(client: Any) -> None:
    answer = client.post(POST_URL, json={**GOOD, "text": "x" * 70000})
    assert answer.status_code == 413


def test_wrong_content_type_is_415(client: Any) -> None:
    answer = post_raw(client, POST_URL, "text=hi", content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 415
    assert "application/json" in answer.json["message"]


def test_bad_article_id_and_idempotency_key(client: Any) -> None:
    answer = client.post("/v1/articles/" + "a" * 201 + "/comments", json=GOOD)
    assert answer.status_code == 422 and "article_id" in answer.json["message"]
    answer = client.post(POST_URL, json=GOOD, headers={"Idempotency-Key": "é" * 3})
    assert answer.status_code == 422 and "Idempotency-Key" in answer.json["message"]


def test_public_reads_reject_bad_parameters(client: Any) -> None:
    assert client.get("/v1/comments/12345").status_code == 404
    assert client.get("/v1/comments/abc").status_code == 404
    answer = client.get("/v1/articles/a-1/comments?limit=0")
    assert answer.status_code == 422 and "limit" in answer.json["message"]
    answer = client.get("/v1/articles/a-1/comments?cursor=%%%")
    assert answer.status_code == 422 and "cursor" in answer.json["message"]
    answer = client.get("/v1/articles/a-1/comments?colour=blue")
    assert answer.status_code == 422 and "colour" in answer.json["message"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/v1/review/queue"),
        ("get", "/v1/review/comments/1"),
        ("post", "/v1/review/comments/1/decision"),
    ],
)
@pytest.mark.parametrize(
    ("headers", "needle"),
    [
        ({}, "missing"),
        ({"Authorization": "Basic abc"}, "Bearer"),
        ({"Authorization": "Bearer wrong-token-0123456789"}, "not valid"),
    ],
)
def test_review_endpoints_need_a_valid_token(
    client: Any, method: str, url: str, headers: dict[str, str], needle: str
) -> None:
    answer = getattr(client, method)(url, headers=headers, json={} if method == "post" else None)
    assert answer.status_code == 401
    assert needle in answer.json["message"]
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"action": "approve"}, "version"),
        ({"action": "delete", "version": 1}, "action"),
        ({"action": "reject", "version": 1, "reason_code": "rude"}, "reason_code"),
        ({"action": "approve", "version": "1"}, "version"),
        ({"action": "approve", "version": 1, "mood": "x"}, "mood"),
        ({"action": "approve", "version": 1, "note": "n" * 2001}, "note"),
    ],
)
def test_decision_rejects_bad_bodies(client: Any, body: dict[str, Any], named: str) -> None:
    answer = client.post(
        "/v1/review/comments/1/decision", json=body, headers=bearer(MODERATOR_TOKEN)
    )
    assert answer.status_code == 422
    assert named in answer.json["message"]


def test_decision_on_unknown_comment_is_404(client: Any) -> None:
    answer = client.post(
        "/v1/review/comments/999/decision",
        json={"action": "approve", "version": 1},
        headers=bearer(MODERATOR_TOKEN),
    )
    assert answer.status_code == 404


def test_review_queue_rejects_bad_filters(client: Any) -> None:
    answer = client.get("/v1/review/queue?limit=500", headers=bearer(MODERATOR_TOKEN))
    assert answer.status_code == 422 and "limit" in answer.json["message"]


def test_openapi_document_and_docs_page_are_served(client: Any) -> None:
    spec = client.get("/openapi.json").json
    assert "/v1/articles/{article_id}/comments" in spec["paths"]
    assert "/v1/review/comments/{comment_id}/decision" in spec["paths"]
    assert client.get("/docs").status_code == 200
