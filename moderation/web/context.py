"""Request-side access to what the app was built with: its services, typed, and request facts.

`create_app` hands each service object to `provide`; a handler asks for the one it needs by its
class, `service(CommentService)`, and mypy knows what it got. Features therefore never share a
container that must know every feature, and the web layer knows none of them.
"""

from __future__ import annotations

from typing import TypeVar

from flask import Flask, current_app, g, request

from moderation.config import Settings

T = TypeVar("T")

_SERVICES = "moderation.services"


def provide(app: Flask, *instances: object) -> None:
    """Make each of `instances` reachable from this app's handlers by its class."""
    registry: dict[type, object] = app.extensions.setdefault(_SERVICES, {})
    for instance in instances:
        registry[type(instance)] = instance


def service_of(app: Flask, kind: type[T]) -> T:
    """The instance of `kind` (or of a subclass) that was provided to `app`."""
    registry: dict[type, object] = app.extensions.get(_SERVICES, {})
    found = registry.get(kind)
    if found is None:
        found = next((item for item in registry.values() if isinstance(item, kind)), None)
    if not isinstance(found, kind):
        raise LookupError(f"create_app provided no {kind.__name__}")
    return found


def service(kind: type[T]) -> T:
    """The current app's instance of `kind` (see `provide`)."""
    return service_of(current_app, kind)


def settings() -> Settings:
    """The settings the current app was built with."""
    found: Settings = current_app.config["MODERATION_SETTINGS"]
    return found


def public_base() -> str:
    """The service's address as readers reach it, ending in "/".

    `server.public_base_url` when set (behind a proxy that rewrites the host), else the
    address of the current request.
    """
    configured = settings().server.public_base_url
    return configured.rstrip("/") + "/" if configured else request.host_url


def request_id() -> str:
    return str(g.get("request_id") or request.headers.get("X-Request-ID") or "")


# Path parameters that name a person; log lines show the route's pattern instead of the value.
PERSONAL_PATH_PARAMETERS = frozenset({"author_id"})


def loggable_path() -> str:
    """The request's path for a log line: the route pattern ("/v1/authors/<author_id>/ban")
    when a path parameter names a person, else the path as requested."""
    rule = request.url_rule
    if rule is not None and PERSONAL_PATH_PARAMETERS & set(request.view_args or {}):
        return rule.rule
    return request.path


# Callables in `app.extensions[WARMUPS]` are run by gunicorn in each web process once it has
# loaded the app (web/gunicorn_conf.py `post_worker_init`); each starts its own thread.
WARMUPS = "moderation_warmups"
