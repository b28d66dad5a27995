"""Every request's input, checked once before any handler or schema sees it, so that nothing the
database or a log line cannot take gets that far (each refusal an error naming the field).

- Path ids: the `int` URL converter of every route stops at PostgreSQL's bigint; a larger id
  is a 404, like any id that does not exist.
- Bodies: every body this service takes is JSON (`/v1` asks for the content type, the
  Perspective API parses whatever comes). It is read whole, with the size limit kept for
  chunked bodies too (413), and parsed by `strict_json`: 400 when it is not acceptable JSON,
  422 naming each value it refuses. The handlers' own parsers then read the same bytes.
- Query parameters, path segments and headers: no NUL character and no lone surrogate (422).

Integers in bodies and query strings are bounded by the schemas (`web.schemas.StrictSchema`).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter, Map

from moderation.web import strict_json
from moderation.web.errors import invalid_input

BIGINT_MAX = 2**63 - 1
_BODY_METHODS = {"POST", "PUT", "PATCH"}
_UNSAFE_CHARACTER = re.compile("[\x00\ud800-\udfff]")


class IdConverter(IntegerConverter):
    """`<int:...>` in a route: digits 0-9, at most PostgreSQL's bigint (2^63 - 1)."""

    regex = r"[0-9]+"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", BIGINT_MAX)  # for the OpenAPI document; checked below
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        # Not werkzeug's ValidationError ("no match"): werkzeug would then answer 405 wherever
        # the same path has a rule for another method. Python converts at most 4,300 digits.
        digits = value.lstrip("0")
        if len(digits) > len(str(BIGINT_MAX)) or int(digits or "0") > BIGINT_MAX:
            raise NotFound(f"No such id: ids go up to {BIGINT_MAX}.")
        return int(digits or "0")


def init_app(app: Flask) -> None:
    """Bound the path ids of the routes added after this, and check every request's input."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request)


def check_request() -> None:
    """Raise an HTTP error naming the field when the request's input is refused."""
    if request.routing_exception is not None:
        return  # no such path (404) or method (405): that answer comes first
    _check_text("path", MultiDict(request.view_args or {}))
    _check_text("query", request.args)
    _check_text("headers", MultiDict(list(request.headers.items())))
    if request.method in _BODY_METHODS:
        _check_body()


def _check_text(location: str, values: MultiDict[str, Any]) -> None:
    messages: dict[str, list[str]] = {}
    for name, value in values.items(multi=True):
        for text, what in ((name, "name"), (value, "value")):
            found = _UNSAFE_CHARACTER.search(text) if isinstance(text, str) else None
            if found is not None:
                key = _UNSAFE_CHARACTER.sub(lambda hit: f"\\u{ord(hit.group()):04x}", name)
                messages.setdefault(key, []).append(
                    f"the {what} contains {_describe(found.group())}, which is not allowed"
                )
    if messages:
        raise invalid_input(422, location, messages)


def _describe(character: str) -> str:
    if character == "\x00":
        return "a NUL character (U+0000)"
    return f"a lone surrogate (U+{ord(character):04X})"


def _check_body() -> None:
    body = _read_body()
    if not body:
        return  # no body: the handler's parser says what is missing
    try:
        strict_json.loads(body)
    except strict_json.StrictJSONError as error:
        raise invalid_input(400 if error.malformed else 422, "json", error.messages()) from error


def _read_body() -> bytes:
    """The whole body; RequestEntityTooLarge when it is over the limit, chunked or not."""
    body = request.get_data(cache=True)
    limit = request.max_content_length
    # werkzeug stops reading a chunked body at the limit and hands back what it has read as if
    # that were all (which then fails as JSON). One byte more means it was larger.
    chunked_to_the_limit = (
        limit is not None and request.content_length is None and len(body) >= limit
    )
    if chunked_to_the_limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge(f"The body is larger than the limit of {limit} bytes.")
    return body
