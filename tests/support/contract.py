"""Every JSON answer a test's app gives is checked against what /openapi.json says of it, so the
document's promises (types, nullability, `required`) hold for real traffic, not only for the
calls schemathesis generates."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
from flask import Flask, Response, request

_CONVERTER = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")


class ContractBroken(AssertionError):
    """An answer does not match its documented schema."""


def check_answers(app: Flask) -> None:
    """After each request, validate a 2xx JSON answer against its operation's schema."""
    [api] = {
        id(api): api for api in app.extensions["flask-smorest"]["blp_name_to_api"].values()
    }.values()
    document: dict[str, Any] = api.spec.to_dict()
    components = document["components"]

    @app.after_request
    def _check(response: Response) -> Response:
        rule = request.url_rule
        if rule is None or not (200 <= response.status_code < 300) or not response.is_json:
            return response
        path = _CONVERTER.sub(r"{\1}", rule.rule)
        operation = document["paths"].get(path, {}).get(request.method.lower())
        if operation is None:
            return response
        answer = operation["responses"].get(str(response.status_code), {})
        schema = answer.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return response
        validator = jsonschema.Draft202012Validator({**schema, "components": components})
        problems = sorted(
            validator.iter_errors(response.get_json(silent=True)), key=lambda e: list(e.path)
        )
        if problems:
            where = f"{request.method} {rule.rule} {response.status_code}"
            raise ContractBroken(f"{where}: {problems[0].message} at {list(problems[0].path)}")
        return response
