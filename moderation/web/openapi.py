"""The OpenAPI contract clients are generated from, derived from what every view already says.

No endpoint documents its own errors, security or operationId by hand. `ContractPlugin` (an
apispec plugin the app's `Api` is built with) sees each operation as its blueprint is registered
and adds, from facts the code already holds:

| fact | added to the operation |
|---|---|
| the Flask endpoint (blueprint and function name, unique in an app) | `operationId` |
| `require_role(role)` on the view (it calls `declare`) | `security`, 401, 403, 429 |
| any request (NUL or lone surrogates in path, query or headers; web/request_checks.py) | 422 |
| POST, PUT, PATCH (JSON only, bodies read whole and parsed strictly) | 400, 413, 415 |
| an `<int:...>` id, a `<site>` or a `<site_id>` in the path | 404 |
| the view calls `limits.hit` | 429 |
| any 4xx or 5xx answer the view declares without a body (`alt_response(409)`) | the error schema |
| a nullable choice (`allow_none` with `OneOf`) in a schema | `anyOf` the choice or null |
| a schema only answers use (`require_answered_fields`) | every property `required` |

A moderator's view is open to the moderator and the admin schemes (admins hold every role), an
admin's to the admin scheme. A nullable choice becomes one enum class that may be None in a
generated client, not one class per type. Everything else a view says
(`blp.alt_response(409, ...)`, `blp.doc(security=...)` on a view without `require_role`) is
kept. `declare(view, security=..., errors=...)` is for decorators
that guard a view in other ways (an API key, a commenter session). The `webhooks` section
(`describe_webhooks`) lists every event type the service sends with its payload schema.
"""

from __future__ import annotations

import dataclasses
import http
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from apispec import APISpec, BasePlugin
from flask import Flask
from marshmallow import Schema

from moderation.web import limits

Security = list[dict[str, list[str]]]

MODERATOR_TOKEN = "moderatorToken"
ADMIN_TOKEN = "adminToken"
COMMENTER_SESSION = "commenterSession"
SITE_SSO_TOKEN = "siteSsoToken"
PERSPECTIVE_KEY = "perspectiveApiKey"
PERSPECTIVE_KEY_HEADER = "perspectiveApiKeyHeader"

SECURITY_SCHEMES: dict[str, dict[str, str]] = {
    MODERATOR_TOKEN: {
        "type": "http",
        "scheme": "bearer",
        "description": "A moderator's token: a person's (`mod_...`, POST /v1/admin/users/{id}/"
        "tokens) or one of MODERATION_MODERATOR_TOKENS. It acts on the sites its holder "
        "moderates.",
    },
    ADMIN_TOKEN: {
        "type": "http",
        "scheme": "bearer",
        "description": "An admin's token: a person's with the admin role, or one of "
        "MODERATION_ADMIN_TOKENS. An admin holds every role on their sites; what belongs to no "
        "one site (webhooks of every site, score feedback) needs an admin of every site ('*').",
    },
    COMMENTER_SESSION: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "mcs1",
        "description": "A commenter session (`mcs1.`...) from POST .../commenter-sessions: the "
        "author or reader is then the session's verified user. Optional where the site's "
        "`anonymous` setting takes comments without one.",
    },
    SITE_SSO_TOKEN: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The newsroom's single sign-on token for a reader (Coral's shape), "
        "verified with the site's commenter-token settings and exchanged once for a session.",
    },
    PERSPECTIVE_KEY: {
        "type": "apiKey",
        "in": "query",
        "name": "key",
        "description": "A Perspective API key (perspective.api_keys), as Google's API takes it.",
    },
    PERSPECTIVE_KEY_HEADER: {
        "type": "apiKey",
        "in": "header",
        "name": "X-Goog-Api-Key",
        "description": "The same Perspective API key, as a header.",
    },
}

# A commenter session, or none where the site takes anonymous writers.
COMMENTER_SESSION_OPTIONAL: Security = [{COMMENTER_SESSION: []}, {}]
SITE_SSO: Security = [{SITE_SSO_TOKEN: []}]
PERSPECTIVE_KEYS: Security = [{PERSPECTIVE_KEY: []}, {PERSPECTIVE_KEY_HEADER: []}]

_CONTRACT = "__moderation_contract__"
_BODY_METHODS = frozenset({"post", "put", "patch"})
_BODY_ERRORS = frozenset({400, 413, 415})
# What a token check answers: none or a wrong one, the wrong role, too many wrong ones.
AUTH_ERRORS = frozenset({401, 403, 429})
# An id (int converter) or a site the path names may not exist: 404.
_NAMES_A_THING = re.compile(r"<int(?:\([^)]*\))?:\w+>|<(?:string:)?site(?:_id)?>")
ERROR_SCHEMA = "Error"


@dataclasses.dataclass(frozen=True)
class Contract:
    """What a guard on a view adds to its operation: who may call it and what it answers."""

    security: Security | None = None
    errors: frozenset[int] = frozenset()


def role_security(role: str) -> Security:
    """The schemes that may call a view behind `require_role(role)`."""
    if role == "admin":
        return [{ADMIN_TOKEN: []}]
    return [{MODERATOR_TOKEN: []}, {ADMIN_TOKEN: []}]


def declare(
    view: Callable[..., Any], *, security: Security | None = None, errors: Iterable[int] = ()
) -> None:
    """Note on `view` (a guard's wrapper) who may call it and the errors the guard answers.
    A later declaration's security replaces an earlier one; errors add up."""
    known: Contract = getattr(view, _CONTRACT, Contract())
    merged = Contract(
        security if security is not None else known.security, known.errors | frozenset(errors)
    )
    setattr(view, _CONTRACT, merged)


def contract_of(view: Callable[..., Any]) -> Contract:
    """What the guards on `view` declared (nothing when it has none)."""
    found: Contract = getattr(view, _CONTRACT, Contract())
    return found


def calls_rate_limit(view: Callable[..., Any]) -> bool:
    """Whether the view's own code calls `limits.hit` (as `limits.hit(...)` or `hit(...)`)."""
    function = inspect.unwrap(view)
    code = getattr(function, "__code__", None)
    if code is None or "hit" not in code.co_names:
        return False
    scope = getattr(function, "__globals__", {})
    return scope.get("hit") is limits.hit or (
        "limits" in code.co_names and scope.get("limits") is limits
    )


def error_statuses(rule: str, method: str, view: Callable[..., Any]) -> set[int]:
    """The error statuses an operation can answer, from its rule, method and view."""
    statuses = {422} | set(contract_of(view).errors)
    if method in _BODY_METHODS:
        statuses |= _BODY_ERRORS
    if _NAMES_A_THING.search(rule):
        statuses.add(404)
    if calls_rate_limit(view):
        statuses.add(429)
    return statuses


class ContractPlugin(BasePlugin):
    """operationIds, error answers and security for every operation of `app`'s document."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._operation_ids: dict[str, str] = {}

    def init_spec(self, spec: APISpec) -> None:
        super().init_spec(spec)
        for name, scheme in SECURITY_SCHEMES.items():
            spec.components.security_scheme(name, scheme)

    def schema_helper(self, name: str, definition: dict[str, Any], **kwargs: Any) -> None:
        _null_apart(definition)

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        view = self._app.view_functions[rule.endpoint]
        for method, operation in operations.items():
            handler = _handler(view, method)
            self._name(operation, rule.endpoint, method, len(operations), path or rule.rule)
            responses = operation.setdefault("responses", {})
            # Keys are ints or strings ("default", "2XX") as views wrote them: one form, strings.
            named = {str(status): response for status, response in responses.items()}
            for code in sorted(error_statuses(rule.rule, method, handler)):
                named.setdefault(str(code), http.HTTPStatus(code).name)
            for key, response in named.items():
                _with_error_body(key, response)
            operation["responses"] = named
            security = contract_of(handler).security
            if security is not None:
                operation["security"] = security

    def _name(
        self, operation: dict[str, Any], endpoint: str, method: str, methods: int, path: str
    ) -> None:
        name = operation.get("operationId") or endpoint.replace(".", "_")
        if "operationId" not in operation and methods > 1:
            name = f"{name}_{method}"
        where = f"{method.upper()} {path}"
        if self._operation_ids.setdefault(name, where) != where:
            raise ValueError(
                f"operationId {name!r} of {where} is already {self._operation_ids[name]}'s"
            )
        operation["operationId"] = name


def require_answered_fields(spec: APISpec) -> None:
    """Mark every property of a schema that only answers as `required`.

    A schema reached from some operation's responses and from no request body or parameter is
    written by the service, which writes every field it declares (null where the field is
    nullable): saying so lets a generated client give its readers plain attributes instead of
    optional ones that every caller must test. Schemas that requests use keep their own
    `required` (what a client must send). Call it once every blueprint is registered.
    """
    document = spec.to_dict()
    schemas = spec.components.schemas
    asked: set[str] = set()
    answered: set[str] = set()
    for item in document.get("paths", {}).values():
        for method in ("get", "put", "post", "patch", "delete"):
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            _refs(operation.get("requestBody"), asked)
            _refs(operation.get("parameters"), asked)
            _refs(operation.get("responses"), answered)
    asked, answered = _closure(asked, schemas), _closure(answered, schemas)
    for name in sorted(answered - asked):
        definition = schemas[name]
        properties = definition.get("properties")
        if properties and "required" not in definition:
            definition["required"] = sorted(properties)


def _refs(node: Any, found: set[str]) -> None:
    """The component schema names `node` refers to, into `found`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                if value.startswith("#/components/schemas/"):
                    found.add(value.rsplit("/", 1)[-1])
            else:
                _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _closure(names: set[str], schemas: Mapping[str, Any]) -> set[str]:
    """`names` and every component schema they refer to, however deep."""
    seen: set[str] = set()
    waiting = [name for name in names if name in schemas]
    while waiting:
        name = waiting.pop()
        if name in seen:
            continue
        seen.add(name)
        inner: set[str] = set()
        _refs(schemas[name], inner)
        waiting.extend(inner - seen)
    return seen


def _null_apart(schema: Any) -> None:
    """`{"type": ["string", "null"], "enum": [..., null]}` (how apispec writes a nullable
    choice in 3.1) as `anyOf` a choice or null: the same JSON Schema, which generators turn into
    one enum class that may be None instead of one class per type."""
    if not isinstance(schema, dict):
        return
    types = schema.get("type")
    if isinstance(types, list) and "null" in types and "enum" in schema:
        kinds = [kind for kind in types if kind != "null"]
        choices = [choice for choice in schema.pop("enum") if choice is not None]
        del schema["type"]
        kind = kinds[0] if len(kinds) == 1 else kinds
        schema["anyOf"] = [{"type": kind, "enum": choices}, {"type": "null"}]
    for inner in schema.get("properties", {}).values():
        _null_apart(inner)
    _null_apart(schema.get("items"))


def _handler(view: Callable[..., Any], method: str) -> Callable[..., Any]:
    """The function that answers `method`: the view, or a MethodView's method."""
    view_class = getattr(view, "view_class", None)
    handler = getattr(view_class, method, None) if view_class is not None else None
    return handler or view


def _with_error_body(status: str, response: Any) -> None:
    is_error = status == "default" or (status[:1] in {"4", "5"})
    if is_error and isinstance(response, dict) and "$ref" not in response:
        response.setdefault("content", {"application/json": {"schema": ERROR_SCHEMA}})


WEBHOOK_HEADERS = (
    (
        "webhook-id",
        "The event id: the same on every retry of this event (deduplicate by it).",
        {"type": "string", "pattern": "^evt_[0-9a-f]{32}$"},
    ),
    (
        "webhook-timestamp",
        "Seconds since the epoch when this attempt was signed; refuse one far from now.",
        {"type": "string", "pattern": "^[0-9]+$"},
    ),
    (
        "webhook-signature",
        "Space-separated `v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}` with the "
        "endpoint's secret (two during a secret rotation's grace): Standard Webhooks.",
        {"type": "string", "pattern": "^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$"},
    ),
)


def describe_webhooks(spec: APISpec, events: Mapping[str, tuple[type[Schema], str]]) -> None:
    """The document's `webhooks`: one POST per event type (type: (payload schema, what it
    means)), signed with the Standard Webhooks headers; any 2xx answer counts as delivered."""
    registered = set(spec.components.schemas)
    webhooks: dict[str, Any] = {}
    for event_type, (schema, description) in events.items():
        name = schema.__name__.removesuffix("Schema")
        if name not in registered:
            spec.components.schema(name, schema=schema)
            registered.add(name)
        webhooks[event_type] = {
            "post": {
                "operationId": "webhook_" + re.sub(r"\W", "_", event_type),
                "summary": f"{event_type}: {description}",
                "tags": ["webhooks (outgoing)"],
                "parameters": [
                    {
                        "in": "header",
                        "name": header,
                        "required": True,
                        "description": meaning,
                        "schema": schema_of,
                    }
                    for header, meaning, schema_of in WEBHOOK_HEADERS
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                    },
                },
                "responses": {
                    "2XX": {"description": "Delivered. Anything else is retried."},
                },
            }
        }
    spec.options["webhooks"] = webhooks
