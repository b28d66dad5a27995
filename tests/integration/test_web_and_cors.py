"""The widget script, the demo page, and CORS on the public endpoints (Flask test client)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from moderation.app import create_app
from tests.support.settings import MODERATOR_TOKEN, bearer, make_settings

NEWSROOM = "https://news.example"
ARTICLE_PATH = "/v1/articles/city-budget/comments"


@pytest.fixture
def web_client(
    database_url: str, redis_url: str, tiny_model: tuple[Path, Path], clean_state: None
) -> Any:
    settings = make_settings(
        database_url,
        redis_url,
        tiny_model,
        web={"allowed_origins": [NEWSROOM]},
        comments={"max_length": 1200},
    )
    application = create_app(settings)
    application.config["TESTING"] = True
    return application.test_client()


def preflight(client: Any, origin: str, path: str = ARTICLE_PATH) -> Any:
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,idempotency-key",
        },
    )


def test_an_allowed_origin_may_read_and_post(web_client: Any) -> None:
    listed = web_client.get(ARTICLE_PATH, headers={"Origin": NEWSROOM})
    assert listed.status_code == 200
    assert listed.headers["Access-Control-Allow-Origin"] == NEWSROOM
    assert "Origin" in listed.headers["Vary"]

    posted = web_client.post(
        ARTICLE_PATH,
        json={"author": {"id": "r1", "name": "Reader"}, "text": "Clear and useful."},
        headers={"Origin": NEWSROOM, "Idempotency-Key": "k-1"},
    )
    assert posted.status_code == 202
    assert posted.headers["Access-Control-Allow-Origin"] == NEWSROOM
    assert "Location" in posted.headers["Access-Control-Expose-Headers"]

    status = web_client.get(f"/v1/comments/{posted.json['id']}", headers={"Origin": NEWSROOM})
    assert status.headers["Access-Control-Allow-Origin"] == NEWSROOM


def test_errors_carry_cors_headers_so_the_widget_can_read_them(web_client: Any) -> None:
    answer = web_client.post(
        ARTICLE_PATH,
        json={"author": {"id": "r1", "name": "Reader"}, "text": ""},
        headers={"Origin": NEWSROOM},
    )
    assert answer.status_code == 422
    assert answer.headers["Access-Control-Allow-Origin"] == NEWSROOM


def test_preflight_for_a_json_post_with_an_idempotency_key_is_answered(web_client: Any) -> None:
    answer = preflight(web_client, NEWSROOM)
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == NEWSROOM
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    allowed = answer.headers["Access-Control-Allow-Headers"].lower()
    assert "content-type" in allowed and "idempotency-key" in allowed
    assert int(answer.headers["Access-Control-Max-Age"]) > 0
    assert preflight(web_client, NEWSROOM, "/v1/comments/not-a-number").status_code == 404


def test_other_origins_get_no_cors_headers(web_client: Any) -> None:
    listed = web_client.get(ARTICLE_PATH, headers={"Origin": "https://evil.example"})
    assert listed.status_code == 200
    assert "Access-Control-Allow-Origin" not in listed.headers
    answer = preflight(web_client, "https://evil.example")
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert "Access-Control-Allow-Headers" not in answer.headers


def test_the_review_api_never_answers_cross_origin(web_client: Any) -> None:
    answer = web_client.get(
        "/v1/review/queue", headers={"Origin": NEWSROOM, **bearer(MODERATOR_TOKEN)}
    )
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert (
        "Access-Control-Allow-Origin"
        not in preflight(web_client, NEWSROOM, "/v1/review/queue").headers
    )


def test_any_origin_when_configured_with_a_star(
    database_url: str, redis_url: str, tiny_model: tuple[Path, Path]
) -> None:
    settings = make_settings(database_url, redis_url, tiny_model, web={"allowed_origins": ["*"]})
    client = create_app(settings).test_client()
    answer = client.get(ARTICLE_PATH, headers={"Origin": "https://anyone.example"})
    assert answer.headers["Access-Control-Allow-Origin"] == "https://anyone.example"


def test_widget_script_is_served_with_the_servers_limits(web_client: Any) -> None:
    answer = web_client.get("/widget.js")
    assert answer.status_code == 200
    assert answer.mimetype == "text/javascript"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    source = answer.get_data(as_text=True)
    assert 'var LIMITS = {"maxLength": 1200, "maxNameLength": 100};' in source
    assert "innerHTML" not in source and "insertAdjacentHTML" not in source
    again = web_client.get("/widget.js", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304


def test_demo_page_embeds_the_widget_with_one_script_tag(web_client: Any) -> None:
    answer = web_client.get("/demo")
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    page = answer.get_data(as_text=True)
    assert "NATO" in page and "Related" in page
    assert (
        '<script src="http://localhost/widget.js" '
        'data-article-id="nato-iraq-cooperation-2025-02-07" async></script>'
    ) in page
    other = web_client.get("/demo?article=test-thread-1").get_data(as_text=True)
    assert 'data-article-id="test-thread-1"' in other
    assert web_client.get('/demo?article="><script>').status_code == 404


def test_demo_page_can_be_switched_off(
    database_url: str, redis_url: str, tiny_model: tuple[Path, Path]
) -> None:
    settings = make_settings(database_url, redis_url, tiny_model, web={"demo_page": False})
    client = create_app(settings).test_client()
    assert client.get("/demo").status_code == 404
    assert client.get("/widget.js").status_code == 200
