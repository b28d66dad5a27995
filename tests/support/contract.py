"""Every JSON answer a test's app gives is checked against what /openapi.json says of it, so the
document's promises (types, nullability, `required`) hold for real traffic, not only for the
calls schemathesis generates.

`watch_answers()` (tests/conftest.py calls it once) connects to Flask's `request_finished`
signal, so every app the tests make is checked, however it was made.
"""

from __future__ import annotations

import re
import weakref
from typing import Any

import jsonschema
from flask import Flask, Response, request, request_finished

_CONVERTER = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")
_DOCUMENTS: weakref.WeakKeyDictionary[Flask, dict[str, Any]] = weakref.WeakKeyDictionary()
# One validator per app, operation and status (building one per answer cost about 6%).
_VALIDATORS: weakref.WeakKeyDictionary[Flask, dict[tuple[str, str, int], Any]] = (
    weakref.WeakKeyDictionary()
)


class ContractBroken(AssertionError):
    """An answer does not match its documented schema."""


def watch_answers() -> None:
    """Check every 2xx JSON answer of every app against its operation's schema."""
    request_finished.connect(_check, weak=False)


def _document(app: Flask) -> dict[str, Any] | None:
    if app not in _DOCUMENTS:
        apis = app.extensions.get("flask-smorest", {}).get("blp_name_to_api", {})
        found = {id(api): api for api in apis.values()}
        if len(found) != 1:
            return None
        [api] = found.values()
        _DOCUMENTS[app] = api.spec.to_dict()
    return _DOCUMENTS[app]


def _check(sender: Flask, response: Response, **_: Any) -> None:
    rule = request.url_rule
    if rule is None or not (200 <= response.status_code < 300) or not response.is_json:
        return
    document = _document(sender)
    if document is None:
        return
    path = _CONVERTER.sub(r"{\1}", rule.rule)
    operation = document["paths"].get(path, {}).get(request.method.lower())
    if operation is None:
        return
    answer = operation["responses"].get(str(response.status_code), {})
    schema = answer.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return
    kept = _VALIDATORS.setdefault(sender, {})
    key = (path, request.method, response.status_code)
    if key not in kept:
        kept[key] = jsonschema.Draft202012Validator(
            {**schema, "components": document["components"]}
        )
    validator = kept[key]
    problems = sorted(
        validator.iter_errors(response.get_json(silent=True)), key=lambda e: list(e.path)
    )
    if problems:
        where = f"{request.method} {rule.rule} {response.status_code}"
        raise ContractBroken(f"{where}: {problems[0].message} at {list(problems[0].path)}")
