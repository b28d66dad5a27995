"""Hardening headers on every answer, a CSP on every page, and wrong bearer tokens and API keys
throttled per client address (429 + Retry-After) without locking out the real holder."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from werkzeug.routing import Rule

from moderation.app import create_app
from moderation.config import Settings
from moderation.pages.review import REVIEW_CSP
from moderation.pages.widget import DEMO_CSP
from moderation.web.throttle import BadCredentialThrottle, throttle_of
from tests.support.settings import MODERATOR_TOKEN, bearer, make_settings

KEY = "newsroom-key-0123456789abcdef"
WRONG_TOKEN = {"Authorization": "Bearer wrong-token-0123456789"}
SUGGEST = "/v1alpha1/comments:suggestscore"
SUGGESTION = {
    "comment": {"text": "A fair point."},
    "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.1}}},
}
# Values for the path parameters of the app's routes, so every GET route can be asked.
PATH_VALUES = {
    "comment_id": "1",
    "operation_id": "1",
    "account_id": "1",
    "endpoint_id": "1",
    "delivery_id": "1",
    "article_id": "a-1",
    "author_id": "r1",
    "filename": "review.js",
    "name": "swagger-ui.css",
    "site": "default",
    "site_id": "default",
    "reference": "DSA-0000-0000",
    "notice_id": "1",
    "appeal_id": "1",
    "version": "1",
}


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    return make_settings(
        database_url,
        redis_url,
        tiny_model,
        web={"bad_credentials_per_minute": 3},
        perspective={"api_keys": [f"newsroom:{KEY}:100"]},
    )


def _app(settings: Settings, **web: Any) -> Any:
    application = create_app(settings.replace(web=web) if web else settings)
    application.config["TESTING"] = True
    return application


def _from(address: str) -> dict[str, Any]:
    return {"environ_base": {"REMOTE_ADDR": address}}


def assert_retry_after_is_the_window_left(client: Any, refused: Any, address: str) -> None:
    """Retry-After is what the throttle holds for `address` (within the second it took to
    ask), not a constant."""
    throttle = throttle_of(client.application)
    assert throttle is not None
    assert abs(int(refused.headers["Retry-After"]) - throttle.seconds_left(address)) <= 1


def _get_routes(app: Any) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        assert isinstance(rule, Rule)
        if "GET" not in (rule.methods or set()):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(\w+:)?{name}>", PATH_VALUES[name], path)
        paths.append(path)
    return paths


def test_every_answer_has_nosniff_a_referrer_policy_and_a_csp(app: Any, client: Any) -> None:
    moderator = bearer(MODERATOR_TOKEN)
    answers = [(path, client.get(path, headers=moderator)) for path in _get_routes(app)]
    answers += [
        ("unknown", client.get("/no/such/page")),
        ("405", client.delete("/healthz")),
        ("422", client.post("/v1/articles/a-1/comments", json={"text": ""})),
        ("401", client.get("/v1/review/queue")),
    ]
    assert len(answers) > 30
    pages = []
    for path, answer in answers:
        assert answer.headers["X-Content-Type-Options"] == "nosniff", path
        assert answer.headers["Referrer-Policy"] == "no-referrer", path
        policy = answer.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "base-uri 'none'" in policy, path
        if answer.mimetype == "text/html":
            pages.append(path)
            script_src = re.search(r"script-src ([^;]*)", policy)
            assert script_src is None or "'unsafe-inline'" not in script_src.group(1), path
    assert {"/review", "/demo", "/docs"} <= set(pages)


def test_pages_keep_their_own_policies(client: Any) -> None:
    assert client.get("/review").headers["Content-Security-Policy"] == REVIEW_CSP
    assert client.get("/demo").headers["Content-Security-Policy"] == DEMO_CSP
    widget = client.get("/widget.js")
    assert widget.headers["X-Content-Type-Options"] == "nosniff"
    assert widget.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_the_docs_page_runs_no_inline_script_and_loads_from_this_origin_only(
    client: Any,
) -> None:
    page = client.get("/docs")
    policy = page.headers["Content-Security-Policy"]
    assert re.findall(rb"<script>(.*?)</script>", page.get_data(), re.DOTALL) == []
    script_src = re.search(r"script-src ([^;]*)", policy)
    assert script_src is not None and script_src.group(1).split() == ["'self'"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy


def test_wrong_tokens_are_throttled_but_the_right_token_still_works(
    settings: Settings, clean_state: None
) -> None:
    client = _app(settings).test_client()
    office = _from("203.0.113.7")
    answers = [client.get("/v1/review/queue", headers=WRONG_TOKEN, **office) for _ in range(4)]

    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    refused = answers[-1]
    assert_retry_after_is_the_window_left(client, refused, "203.0.113.7")
    assert refused.json["code"] == 429 and "too many wrong tokens" in refused.json["message"]
    # The holder of a right token behind the same address is not locked out.
    right = client.get("/v1/review/queue", headers=bearer(MODERATOR_TOKEN), **office)
    assert right.status_code == 200
    # Another address has its own count; a missing token is no guess and is not counted.
    assert (
        client.get("/v1/review/queue", headers=WRONG_TOKEN, **_from("198.51.100.1")).status_code
        == 401
    )
    assert client.get("/v1/review/queue", **office).status_code == 401


def test_the_count_is_shared_by_every_web_process_through_redis(
    settings: Settings, clean_state: None
) -> None:
    first, second = _app(settings).test_client(), _app(settings).test_client()
    office = _from("203.0.113.8")
    for client in (first, second, first):
        assert client.get("/v1/stats", headers=WRONG_TOKEN, **office).status_code == 401
    assert second.get("/v1/stats", headers=WRONG_TOKEN, **office).status_code == 429


def test_wrong_api_keys_count_with_wrong_tokens_and_answer_in_googles_shape(
    settings: Settings, clean_state: None
) -> None:
    client = _app(settings).test_client()
    office = _from("203.0.113.9")
    assert client.get("/v1/stats", headers=WRONG_TOKEN, **office).status_code == 401
    for _ in range(2):
        wrong = client.post(f"{SUGGEST}?key=not-a-key-0123456789", json=SUGGESTION, **office)
        assert wrong.status_code == 400 and wrong.json["error"]["status"] == "INVALID_ARGUMENT"

    refused = client.post(f"{SUGGEST}?key=not-a-key-0123456789", json=SUGGESTION, **office)

    assert refused.status_code == 429
    assert refused.json["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert refused.json["error"]["code"] == 429
    assert_retry_after_is_the_window_left(client, refused, "203.0.113.9")
    right = client.post(f"{SUGGEST}?key={KEY}", json=SUGGESTION, **office)
    assert right.status_code == 200, right.json


def test_x_forwarded_for_is_ignored_unless_proxies_are_trusted(
    settings: Settings, clean_state: None
) -> None:
    direct = _app(settings).test_client()
    peer = _from("192.0.2.10")
    forged = [
        direct.get("/v1/stats", headers={**WRONG_TOKEN, "X-Forwarded-For": f"10.0.0.{n}"}, **peer)
        for n in range(4)
    ]
    assert [a.status_code for a in forged] == [401, 401, 401, 429]

    proxied = _app(settings.replace(server={"proxy_hops": 1}), bad_credentials_per_minute=3)
    proxied = proxied.test_client()
    proxy = _from("192.0.2.20")

    def guess(forwarded: str) -> int:
        headers = {**WRONG_TOKEN, "X-Forwarded-For": forwarded}
        return int(proxied.get("/v1/stats", headers=headers, **proxy).status_code)

    # The proxy appends the address it saw; what the client wrote before it is not believed.
    assert [guess(f"10.9.9.{n}, 198.51.100.50") for n in range(3)] == [401, 401, 401]
    assert guess("198.51.100.50") == 429
    assert guess("198.51.100.51") == 401


def test_without_redis_wrong_tokens_are_answered_as_before(settings: Settings) -> None:
    throttle = BadCredentialThrottle("redis://127.0.0.1:1/0", 3)
    assert [throttle.failed("203.0.113.1") for _ in range(5)] == [None] * 5
    app = _app(settings.replace(redis={"url": "redis://127.0.0.1:1/0"}))
    client = app.test_client()
    for _ in range(5):
        assert client.get("/v1/review/reason-codes", headers=WRONG_TOKEN).status_code == 401
    right = client.get("/v1/review/reason-codes", headers=bearer(MODERATOR_TOKEN))
    assert right.status_code == 200
