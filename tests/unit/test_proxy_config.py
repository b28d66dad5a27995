"""docker/nginx.conf and the compose `proxy` service, read without nginx or a Docker engine.

nginx's own parser (crossplane) reads the file; the checks hold it to the service it fronts: it
buffers whole requests, forwards to the web replicas on the port they listen on, lets the service
answer 413 itself up to its own limit, outwaits gunicorn's timeout, says who the client is, and
answers its own errors as JSON in the service's shape (Google's on the Perspective paths).
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any

import crossplane
import pytest
import yaml

from moderation.config import PROJECT_ROOT, load_settings
from moderation.perspective.api import STATUS_NAMES
from moderation.web import gunicorn_conf

NGINX = PROJECT_ROOT / "docker" / "nginx.conf"
COMPOSE = PROJECT_ROOT / "docker-compose.yml"

Directive = dict[str, Any]


def parsed() -> list[Directive]:
    result = crossplane.parse(str(NGINX), check_ctx=False, single=True, comments=False)
    assert result["status"] == "ok", result["errors"]
    found: list[Directive] = result["config"][0]["parsed"]
    return found


def blocks(directives: list[Directive], name: str) -> list[Directive]:
    return [directive for directive in directives if directive["directive"] == name]


def only(directives: list[Directive], name: str) -> list[str]:
    """The arguments of the one directive called `name` at this level."""
    found = blocks(directives, name)
    assert len(found) == 1, f"{name}: {len(found)} found"
    arguments: list[str] = found[0]["args"]
    return arguments


def seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)(ms|s|m)?", value)
    assert match, value
    return int(match[1]) * {"ms": 0.001, "s": 1, "m": 60, None: 1}[match[2]]


def size_bytes(value: str) -> int:
    match = re.fullmatch(r"(\d+)([kKmM])?", value)
    assert match, value
    return int(match[1]) * {"k": 1024, "m": 1024**2, None: 1}[match[2] and match[2].lower()]


def server_block() -> list[Directive]:
    (server,) = blocks(parsed(), "server")
    block: list[Directive] = server["block"]
    return block


def location(path: str) -> list[Directive]:
    (found,) = [d for d in blocks(server_block(), "location") if d["args"] == [path]]
    block: list[Directive] = found["block"]
    return block


def compose_services() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    return services


def test_the_proxy_forwards_to_every_web_replica_on_the_port_they_listen_on() -> None:
    target = only(location("/"), "proxy_pass")[0]
    name = target.removeprefix("http://")
    (upstream,) = [d for d in blocks(parsed(), "upstream") if d["args"] == [name]]
    address = only(upstream["block"], "server")[0]
    host, port = address.split(":")
    assert host in compose_services() and compose_services()[host]["command"] == ["web"]
    assert int(port) == load_settings(environ={}).server.port
    # Replicas that restart get new addresses: names are resolved again, with Docker's DNS.
    assert "resolve" in only(upstream["block"], "server")
    assert only(parsed(), "resolver")[0] == "127.0.0.11"


def test_whole_requests_are_buffered_within_bounded_times() -> None:
    server, forward = server_block(), location("/")
    assert only(forward, "proxy_request_buffering") == ["on"]
    assert only(forward, "proxy_buffering") == ["on"]
    for name in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        assert 0 < seconds(only(server, name)[0]) <= 60, name
    limit = size_bytes(only(server, "client_max_body_size")[0])
    # The service answers 413 itself, in its own shape, for anything between its limit and here;
    # bodies up to the limit are kept in memory, not written to a temporary file.
    assert limit > load_settings(environ={}).server.max_request_bytes
    assert size_bytes(only(server, "client_body_buffer_size")[0]) >= limit
    # gunicorn ends a stuck request (and says so) before the proxy gives up on it.
    assert seconds(only(forward, "proxy_read_timeout")[0]) > gunicorn_conf.timeout


def test_the_service_learns_the_client_address_the_proxy_saw() -> None:
    headers = {d["args"][0]: d["args"][1] for d in blocks(location("/"), "proxy_set_header")}
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["Host"] == "$http_host"
    web = compose_services()["web"]
    assert web["environment"]["MODERATION_SERVER_PROXY_HOPS"] == "1"


def answers(named: str) -> dict[str, tuple[int, dict[str, Any]]]:
    """Status and JSON body of a named location's answers: "service" and "perspective"."""
    found: dict[str, tuple[int, dict[str, Any]]] = {}
    for directive in location(named):
        if directive["directive"] == "return":
            code, body = directive["args"]
            found["service"] = (int(code), json.loads(body))
        elif directive["directive"] == "if":
            assert directive["args"] == ["$perspective_path"]
            code, body = only(directive["block"], "return")
            found["perspective"] = (int(code), json.loads(body))
    assert set(found) == {"service", "perspective"}, named
    return found


@pytest.mark.parametrize("status", [413, 502, 503, 504])
def test_what_the_proxy_answers_itself_is_json_in_the_service_shape(status: int) -> None:
    pages = {
        code: d["args"][-1].removeprefix("= ")
        for d in blocks(server_block(), "error_page")
        for code in d["args"][:-1]
    }
    named = pages[str(status)]
    assert named.startswith("@")
    found = answers(named)
    code, body = found["service"]
    assert body["code"] == code and body["status"] == HTTPStatus(code).phrase
    assert body["message"]
    code, body = found["perspective"]
    error = body["error"]
    assert error["code"] == code and error["status"] == STATUS_NAMES[code] and error["message"]
    assert only(location(named), "default_type") == ["application/json"]


def test_the_perspective_paths_are_the_ones_the_map_names() -> None:
    (mapping,) = blocks(parsed(), "map")
    assert mapping["args"] == ["$uri", "$perspective_path"]
    patterns = {d["directive"]: d["args"] for d in mapping["block"]}
    assert patterns == {"~^/v1alpha1/": ["1"], "default": [""]}


def test_compose_publishes_the_api_through_the_proxy_only() -> None:
    services = compose_services()
    proxy = services["proxy"]
    assert proxy["image"].split(":")[0].endswith("nginx-unprivileged")
    source, target, mode = proxy["volumes"][0].split(":")
    assert (PROJECT_ROOT / source).resolve() == NGINX and mode == "ro"
    assert target == "/etc/nginx/conf.d/default.conf"
    host, container = proxy["ports"][0].split(":")
    assert host == "8000" and container == only(server_block(), "listen")[0]
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    assert "healthcheck" in proxy
    assert "ports" not in services["web"], "the replicas are reached through the proxy only"
