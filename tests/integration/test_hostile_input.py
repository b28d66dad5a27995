"""Input that used to reach the database (or the JSON parser's recursion) and answer 500 is
refused with a 4xx naming the field, on /v1 in the service's error shape and on /v1alpha1 in
Google's; nothing of it is stored. Every case from issue 21's attack report is here."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from moderation.config import Settings
from moderation.db.session import make_engine
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, bearer, make_settings

BEYOND_BIGINT = 2**63
POST_URL = "/v1/articles/a-1/comments"
GOOD = {"author": {"id": "r1", "name": "Reader"}, "text": "Fine words."}
KEY = "hostile-key-0123456789abcdef"
ADMIN = bearer(ADMIN_TOKEN)
MODERATOR = bearer(MODERATOR_TOKEN)


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    return make_settings(
        database_url,
        redis_url,
        tiny_model,
        perspective={"api_keys": [f"hostile:{KEY}:1000"]},
        webhooks={"allow_private": True},
    )


def stored(database_url: str, table: str) -> int:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        count = int(connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())
    engine.dispose()
    return count


def refused(answer: Any, code: int, *named: str) -> dict[str, Any]:
    """The service's error shape, with status `code` and a message naming each of `named`."""
    assert answer.status_code == code, answer.get_data(as_text=True)
    body: dict[str, Any] = answer.json
    assert body["code"] == code and body["status"] and body["message"]
    for name in named:
        assert name in body["message"], body
    return body


def refused_by_google(answer: Any, *named: str) -> str:
    """Google's error shape, 400 INVALID_ARGUMENT, with a message naming each of `named`."""
    assert answer.status_code == 400, answer.get_data(as_text=True)
    error = answer.json["error"]
    assert set(error) == {"code", "message", "status"}
    assert error["code"] == 400 and error["status"] == "INVALID_ARGUMENT"
    for name in named:
        assert name in error["message"], error
    message: str = error["message"]
    return message


def post_json(client: Any, url: str, raw: str, **headers: str) -> Any:
    return client.post(url, data=raw, content_type="application/json", headers=headers)


def comment(client: Any) -> int:
    posted = client.post(POST_URL, json=GOOD)
    assert posted.status_code == 202
    comment_id: int = posted.json["id"]
    return comment_id


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", f"/v1/comments/{BEYOND_BIGINT}"),
        ("post", f"/v1/comments/{BEYOND_BIGINT}/reports"),
        ("get", f"/v1/review/comments/{BEYOND_BIGINT}"),
        ("post", f"/v1/review/comments/{BEYOND_BIGINT}/decision"),
        ("post", f"/v1/review/comments/{BEYOND_BIGINT}/undo"),
        ("post", f"/v1/review/comments/{BEYOND_BIGINT}/claim"),
        ("delete", f"/v1/review/comments/{BEYOND_BIGINT}/claim"),
        ("get", f"/v1/review/bulk/{BEYOND_BIGINT}"),
        ("get", f"/v1/webhooks/{BEYOND_BIGINT}"),
        ("patch", f"/v1/webhooks/{BEYOND_BIGINT}"),
        ("post", f"/v1/webhooks/{BEYOND_BIGINT}/redeliver-dead"),
        ("get", f"/v1/webhooks/1/deliveries/{BEYOND_BIGINT}"),
        ("post", f"/v1/webhooks/{BEYOND_BIGINT}/deliveries/120/redeliver"),
        ("get", "/v1/comments/" + "9" * 5000),
    ],
)
def test_a_path_id_beyond_bigint_is_not_found(client: Any, method: str, url: str) -> None:
    answer = getattr(client, method)(url, json={}, headers=ADMIN)
    refused(answer, 404, "ids go up to 9223372036854775807")


def test_the_largest_bigint_is_still_an_id(client: Any) -> None:
    refused(client.get(f"/v1/comments/{BEYOND_BIGINT - 1}"), 404, str(BEYOND_BIGINT - 1))


@pytest.mark.parametrize(
    ("url", "body", "named"),
    [
        (POST_URL, {**GOOD, "parent_id": BEYOND_BIGINT}, "json.parent_id"),
        ("/v1/review/bulk", {"action": "approve", "ids": [1, BEYOND_BIGINT]}, "json.ids.1"),
        (
            "/v1/review/comments/1/decision",
            {"action": "approve", "version": BEYOND_BIGINT},
            "json.version",
        ),
        ("/v1/review/comments/1/undo", {"version": -BEYOND_BIGINT - 1}, "json.version"),
    ],
)
def test_a_body_integer_beyond_bigint_is_422(
    client: Any, database_url: str, url: str, body: dict[str, Any], named: str
) -> None:
    refused(client.post(url, json=body, headers=ADMIN), 422, named, "64-bit")
    assert stored(database_url, "comments") == 0


@pytest.mark.parametrize(
    "url",
    [
        f"/v1/audit?comment_id={BEYOND_BIGINT}",
        f"/v1/audit.csv?comment_id={BEYOND_BIGINT}",
        f"/v1/admin/feedback?before={BEYOND_BIGINT}",
    ],
)
def test_a_query_integer_beyond_bigint_is_422(client: Any, url: str) -> None:
    refused(client.get(url, headers=ADMIN), 422, "query.", "64-bit")


@pytest.mark.parametrize(
    ("url", "body", "named"),
    [
        ("/v1/review/queue?until=9999-12-31T23:59:59-14:00", None, "query.until"),
        ("/v1/audit?since=0001-01-01T00:00:00%2B14:00", None, "query.since"),
        ("/v1/audit.csv?until=9999-12-31T23:59:59-01:00", None, "query.until"),
        (
            "/v1/review/bulk",
            {"action": "approve", "filter": {"queue": "held", "until": "9999-12-31T23:00-14:00"}},
            "json.filter.until",
        ),
    ],
)
def test_a_date_beyond_what_utc_can_hold_is_422(
    client: Any, url: str, body: dict[str, Any] | None, named: str
) -> None:
    answer = client.post(url, json=body, headers=ADMIN) if body else client.get(url, headers=ADMIN)
    refused(answer, 422, named, "years 1 and 9999")


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({**GOOD, "text": "hello\u0000world"}, "json.text"),
        ({**GOOD, "author": {"id": "a\u0000b", "name": "Reader"}}, "json.author.id"),
        ({**GOOD, "author": {"id": "r1", "name": "Rea\u0000der"}}, "json.author.name"),
        ({**GOOD, "text": "\ud800 x"}, "json.text"),
        ({**GOOD, "text\u0000": "x"}, "json.text\\u0000"),
    ],
)
def test_nul_and_lone_surrogates_in_a_comment_are_422(
    client: Any, database_url: str, body: dict[str, Any], named: str
) -> None:
    answer = post_json(client, POST_URL, json.dumps(body))
    message = refused(answer, 422, named)["message"]
    assert "NUL" in message or "surrogate" in message
    assert stored(database_url, "comments") == 0


def test_nul_in_a_ban_reason_and_a_report_note_is_422(client: Any, database_url: str) -> None:
    ban = client.post("/v1/authors/r1/ban", json={"reason": "spam\u0000"}, headers=MODERATOR)
    refused(ban, 422, "json.reason", "NUL")
    comment_id = comment(client)
    note = {"reader_id": "reader-1", "reason": "spam", "note": "see \u0000 this"}
    refused(client.post(f"/v1/comments/{comment_id}/reports", json=note), 422, "json.note")
    assert stored(database_url, "author_actions") == 0
    assert stored(database_url, "reader_reports") == 0


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("/v1/review/queue?author_id=a%00b", "query.author_id"),
        ("/v1/audit?actor=%00", "query.actor"),
        ("/v1/articles/a-1/comments?cursor=x%00", "query.cursor"),
        ("/v1/authors/a%00b", "path.author_id"),
        ("/v1/review/queue?a%00=1", "query.a\\u0000"),
    ],
)
def test_nul_in_a_query_parameter_or_path_segment_is_422(client: Any, url: str, named: str) -> None:
    refused(client.get(url, headers=MODERATOR), 422, named, "NUL")


def test_nul_in_a_header_is_422(client: Any, database_url: str) -> None:
    answer = client.post(POST_URL, json=GOOD, headers={"Idempotency-Key": "key\u0000"})
    refused(answer, 422, "headers.Idempotency-Key", "NUL")
    assert stored(database_url, "comments") == 0


def test_a_thousand_nested_brackets_are_400(client: Any) -> None:
    body = refused(post_json(client, POST_URL, "[" * 1000), 400, "Invalid JSON body", "nested")
    assert body["errors"] == {"json": ["Invalid JSON body: nested more than 32 levels deep"]}


def test_nesting_within_the_limit_is_parsed_and_then_validated(client: Any) -> None:
    deep = "[" * 32 + "]" * 32
    refused(post_json(client, POST_URL, deep), 422, "json")


def test_a_5000_digit_integer_is_422(client: Any, database_url: str) -> None:
    raw = json.dumps(GOOD)[:-1] + ', "parent_id": ' + "9" * 5000 + "}"
    refused(post_json(client, POST_URL, raw), 422, "json.parent_id", "5000 digits")
    assert stored(database_url, "comments") == 0


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_numbers_json_does_not_have_are_422(client: Any, constant: str) -> None:
    raw = json.dumps(GOOD)[:-1] + f', "parent_id": {constant}' + "}"
    refused(post_json(client, POST_URL, raw), 422, "json.parent_id")


def test_duplicate_keys_are_422_naming_the_key(client: Any, database_url: str) -> None:
    raw = '{"author": {"id": "r1", "name": "A", "name": "B"}, "text": "hi", "text": "ho"}'
    body = refused(post_json(client, POST_URL, raw), 422, "json.text", "json.author.name")
    assert "duplicate key" in body["message"]
    assert stored(database_url, "comments") == 0


def test_a_body_that_is_not_utf8_is_400(client: Any) -> None:
    answer = client.post(POST_URL, data=b'{"text": "\xff"}', content_type="application/json")
    refused(answer, 400, "UTF-8")


@pytest.mark.parametrize(
    "name", ["\u200b\u200b", "\u200d\ufeff", " \u2060 ", "\u3164", "\u0301\u0301", "\u2800"]
)
def test_an_author_name_of_invisible_characters_is_422(
    client: Any, database_url: str, name: str
) -> None:
    answer = client.post(POST_URL, json={**GOOD, "author": {"id": "r1", "name": name}})
    refused(answer, 422, "json.author.name", "invisible")
    assert stored(database_url, "comments") == 0


def test_a_comment_of_invisible_characters_is_422(client: Any) -> None:
    refused(client.post(POST_URL, json={**GOOD, "text": "\u200b \u200c"}), 422, "json.text")


def test_names_with_something_to_show_are_taken(client: Any) -> None:
    for name in ("Zoë", "李", "\u200bBo", "🙂"):
        answer = client.post(POST_URL, json={**GOOD, "author": {"id": "r1", "name": name}})
        assert answer.status_code == 202, answer.json


def chunked(client: Any, url: str, body: bytes) -> Any:
    """A chunked upload as gunicorn hands it to the app: no Content-Length, the input stream
    ended by the server (tests/e2e sends one through a real gunicorn)."""
    return client.post(
        url,
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_chunked_body_over_the_limit_is_413(client: Any, database_url: str) -> None:
    ten_megabytes = b'{"text": "' + b"x" * 10 * 1024 * 1024 + b'"}'
    body = refused(chunked(client, POST_URL, ten_megabytes), 413, "65536 bytes")
    assert "Invalid JSON" not in body["message"]
    assert stored(database_url, "comments") == 0


def test_a_chunked_body_up_to_the_limit_is_read_whole(client: Any) -> None:
    body = json.dumps({**GOOD, "text": "x" * 100}).encode()
    at_the_limit = body[:-1] + b" " * (65536 - len(body)) + b"}"
    assert len(at_the_limit) == 65536
    assert chunked(client, POST_URL, at_the_limit).status_code == 202
    refused(chunked(client, POST_URL, at_the_limit[:-1] + b" }"), 413)


def test_every_405_names_the_allowed_methods(app: Any, client: Any) -> None:
    urls = app.url_map.bind("localhost")
    allowed_by_path: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        path = urls.build(rule.endpoint, dict.fromkeys(rule.arguments, 1))
        allowed_by_path.setdefault(path, set()).update(rule.methods or ())
    for path, allowed in allowed_by_path.items():
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - allowed:
            answer = client.open(path, method=method, headers=ADMIN)
            assert answer.status_code == 405, (method, path)
            assert set(answer.headers["Allow"].split(", ")) == allowed, (method, path)
            assert answer.is_json, (method, path)
    assert sum(5 - len(allowed - {"HEAD", "OPTIONS"}) for allowed in allowed_by_path.values()) > 29


def test_405_on_the_perspective_paths_is_in_googles_shape(client: Any) -> None:
    answer = client.get("/v1alpha1/comments:analyze")
    assert answer.status_code == 405
    assert set(answer.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}
    assert set(answer.json["error"]) == {"code", "message", "status"}


def analyze(client: Any, raw: str | bytes, url: str = "/v1alpha1/comments:analyze") -> Any:
    return client.post(f"{url}?key={KEY}", data=raw, content_type="application/json")


@pytest.mark.parametrize(
    ("url", "raw", "named"),
    [
        (
            "/v1alpha1/comments:suggestscore",
            '{"comment": {"text": "a\\u0000b"},'
            ' "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.5}}}}',
            "comment.text",
        ),
        (
            "/v1alpha1/comments:analyze",
            '{"comment": {"text": "\\ud800"}, "requestedAttributes": {"TOXICITY": {}}}',
            "comment.text",
        ),
        ("/v1alpha1/comments:analyze", "[" * 1000, "nested"),
        (
            "/v1alpha1/comments:analyze",
            '{"comment": {"text": "a"}, "comment": {"text": "b"}}',
            "comment",
        ),
        (
            "/v1alpha1/comments:suggestscore",
            '{"comment": {"text": "a"}, "attributeScores": {"TOXICITY": {"spanScores": '
            '[{"begin": ' + "1" * 5000 + "}]}}}",
            "attributeScores.TOXICITY.spanScores.0.begin",
        ),
        (
            "/v1alpha1/comments:suggestscore",
            '{"comment": {"text": "a"}, "attributeScores": {"TOXICITY": {"spanScores": '
            f'[{{"begin": {BEYOND_BIGINT}}}]}}}}}}',
            "begin",
        ),
    ],
)
def test_perspective_refuses_the_same_input_in_googles_shape(
    client: Any, database_url: str, url: str, raw: str, named: str
) -> None:
    refused_by_google(analyze(client, raw, url), named)
    assert stored(database_url, "score_feedback") == 0


def test_perspective_refuses_a_nul_in_its_key_and_a_chunked_body_over_the_limit(
    client: Any,
) -> None:
    answer = client.post("/v1alpha1/comments:analyze?key=a%00b", json={})
    refused_by_google(answer, "query.key", "NUL")
    big = b'{"comment": {"text": "' + b"x" * 10 * 1024 * 1024 + b'"}}'
    answer = chunked(client, f"/v1alpha1/comments:analyze?key={KEY}", big)
    refused_by_google(answer, "65536 bytes")


def test_the_document_shows_the_bounds(client: Any) -> None:
    spec = client.get("/openapi.json").json
    path_id = spec["paths"]["/v1/comments/{comment_id}"]["parameters"][0]["schema"]
    assert path_id["maximum"] == BEYOND_BIGINT - 1
    ids = spec["components"]["schemas"]["BulkIn"]["properties"]["ids"]["items"]
    assert (ids["minimum"], ids["maximum"]) == (1, BEYOND_BIGINT - 1)
    assert spec["components"]["schemas"]["Error"]["additionalProperties"] is True
