"""Admin endpoints for webhooks: subscriptions, secret rotation, delivery log, redelivery."""

from __future__ import annotations

import logging
from typing import Any

from flask import g

from moderation.sites.service import SiteService
from moderation.web.auth import current_principal, require_role, require_site
from moderation.web.blueprint import Blueprint
from moderation.web.context import service
from moderation.web.principal import ALL_SITES
from moderation.webhooks.schemas import (
    DeliveryArgs,
    DeliveryDetailOut,
    DeliveryList,
    DeliveryOut,
    EmptyIn,
    EndpointIn,
    EndpointList,
    EndpointOut,
    EndpointPatch,
    EndpointWithSecret,
    RedeliveredOut,
    RotateIn,
)
from moderation.webhooks.subscriptions import NewEndpoint, WebhookService

blp = Blueprint(
    "webhooks", __name__, url_prefix="/v1/webhooks", description="Signed event delivery (admin)"
)
log = logging.getLogger(__name__)


def _changed(endpoint_id: int, what: str) -> None:
    """Log who changed an endpoint (the admin's name, as the audit trail names people)."""
    log.info("webhook endpoint %s: %s by %s", endpoint_id, what, g.moderator)


def _own_endpoint(endpoint_id: int) -> None:
    """An endpoint of one site is its admins'; one that hears every site, an admin of all."""
    endpoint = service(WebhookService).get(endpoint_id)
    require_site(endpoint.site_id or ALL_SITES, "admin")


def _fields(row: Any, schema: type[Any]) -> dict[str, Any]:
    """The row's values for every field of `schema`, for the response schema to dump."""
    return {name: getattr(row, name) for name in schema._declared_fields if hasattr(row, name)}


def _with_counts(endpoints: list[Any]) -> list[dict[str, Any]]:
    counts = service(WebhookService).delivery_counts([endpoint.id for endpoint in endpoints])
    return [dict(_fields(e, EndpointOut), deliveries=counts[e.id]) for e in endpoints]


def _with_secret(created: Any) -> dict[str, Any]:
    return dict(_with_counts([created.endpoint])[0], secret=created.secret)


@blp.route("", methods=["POST"])
@require_role("admin")
@blp.arguments(EndpointIn)
@blp.response(201, EndpointWithSecret)
def create(body: dict[str, Any]) -> Any:
    """Subscribe a URL to events (of one site, or of every site). The answer holds the signing
    secret, once."""
    if body.get("site_id") is not None:
        service(SiteService).require(body["site_id"])
    require_site(body.get("site_id") or ALL_SITES, "admin")
    created = service(WebhookService).create(NewEndpoint(**body))
    _changed(created.endpoint.id, "created")
    return _with_secret(created)


@blp.route("", methods=["GET"])
@require_role("admin")
@blp.response(200, EndpointList)
def list_endpoints() -> Any:
    """Every endpoint, with its health, its deliveries by status, and why it was disabled."""
    mine = current_principal().sites_for("admin")
    endpoints = service(WebhookService).endpoints()
    if mine != "all":  # a site's admins see its endpoints, not those that hear every site
        endpoints = [endpoint for endpoint in endpoints if endpoint.site_id in mine]
    return {"items": _with_counts(endpoints)}


@blp.route("/<int:endpoint_id>", methods=["GET"])
@require_role("admin")
@blp.response(200, EndpointOut)
def get(endpoint_id: int) -> Any:
    """One endpoint, with its deliveries by status."""
    _own_endpoint(endpoint_id)
    return _with_counts([service(WebhookService).get(endpoint_id)])[0]


@blp.route("/<int:endpoint_id>", methods=["PATCH"])
@require_role("admin")
@blp.arguments(EndpointPatch)
@blp.response(200, EndpointOut)
def update(body: dict[str, Any], endpoint_id: int) -> Any:
    """Change an endpoint; `enabled: true` re-enables one the service disabled."""
    _own_endpoint(endpoint_id)
    updated = service(WebhookService).update(endpoint_id, body)
    _changed(endpoint_id, "changed " + ", ".join(sorted(body)))
    return _with_counts([updated])[0]


@blp.route("/<int:endpoint_id>", methods=["DELETE"])
@require_role("admin")
@blp.response(204)
def delete(endpoint_id: int) -> Any:
    """Remove an endpoint and its delivery log."""
    _own_endpoint(endpoint_id)
    service(WebhookService).delete(endpoint_id)
    _changed(endpoint_id, "removed")
    return None


@blp.route("/<int:endpoint_id>/rotate-secret", methods=["POST"])
@require_role("admin")
@blp.arguments(RotateIn)
@blp.response(200, EndpointWithSecret)
def rotate_secret(body: dict[str, Any], endpoint_id: int) -> Any:
    """A new secret (shown once); the old one also signs until the grace period ends."""
    _own_endpoint(endpoint_id)
    rotated = service(WebhookService).rotate_secret(endpoint_id, body["grace_seconds"])
    _changed(endpoint_id, "secret rotated")
    return _with_secret(rotated)


@blp.route("/<int:endpoint_id>/deliveries", methods=["GET"])
@require_role("admin")
@blp.arguments(DeliveryArgs, location="query")
@blp.response(200, DeliveryList)
def deliveries(args: dict[str, Any], endpoint_id: int) -> Any:
    """The endpoint's deliveries, newest first; `status=dead` lists the dead letters."""
    _own_endpoint(endpoint_id)
    return {"items": service(WebhookService).deliveries(endpoint_id, args["status"], args["limit"])}


@blp.route("/<int:endpoint_id>/deliveries/<int:delivery_id>", methods=["GET"])
@require_role("admin")
@blp.response(200, DeliveryDetailOut)
def delivery(endpoint_id: int, delivery_id: int) -> Any:
    """One delivery and every attempt: status code, latency, error, start of the answer."""
    _own_endpoint(endpoint_id)
    detail = service(WebhookService).delivery(endpoint_id, delivery_id)
    return dict(_fields(detail.delivery, DeliveryOut), attempt_log=detail.attempts)


@blp.route("/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver", methods=["POST"])
@require_role("admin")
@blp.arguments(EmptyIn)
@blp.response(202, DeliveryOut)
@blp.alt_response(409, description="Still pending, or the endpoint is disabled")
def redeliver(_body: dict[str, Any], endpoint_id: int, delivery_id: int) -> Any:
    """Send a dead-lettered or delivered event again, with a fresh retry schedule."""
    _own_endpoint(endpoint_id)
    delivery = service(WebhookService).redeliver(endpoint_id, delivery_id)
    _changed(endpoint_id, f"delivery {delivery_id} sent again")
    return delivery


@blp.route("/<int:endpoint_id>/redeliver-dead", methods=["POST"])
@require_role("admin")
@blp.arguments(EmptyIn)
@blp.response(202, RedeliveredOut)
def redeliver_dead(_body: dict[str, Any], endpoint_id: int) -> Any:
    """Send every dead-lettered delivery of the endpoint again, in event order."""
    _own_endpoint(endpoint_id)
    count = service(WebhookService).redeliver_dead(endpoint_id)
    _changed(endpoint_id, f"{count} dead letters sent again")
    return {"redelivered": count}
