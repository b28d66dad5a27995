"""Which URLs a webhook may point at.

An admin token must not become a way into the internal network (SSRF): URLs must be http or
https, and unless private addresses are allowed, every address the host resolves to must be a
public one. Loopback, private, link-local (cloud metadata at 169.254.169.254), shared (CGNAT,
100.64/10, where some clouds keep metadata), multicast, reserved and unspecified addresses are
refused, also when wrapped in IPv6 (::ffff:127.0.0.1). The check runs when an endpoint is
saved and again inside the connection for every delivery, against the address actually
dialled, so a DNS answer that changes later cannot slip through.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

SCHEMES = ("http", "https")


class UnsafeURLError(ValueError):
    """The URL is not one a webhook may be sent to; the message says why."""


def check_url_shape(url: str) -> tuple[str, int]:
    """(host, port) of an http(s) URL with a host, else UnsafeURLError."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeURLError(f"is not a valid URL: {error}") from error
    if parts.scheme.lower() not in SCHEMES:
        raise UnsafeURLError(f"must use http or https, not {parts.scheme or 'no scheme'!r}")
    if not parts.hostname:
        raise UnsafeURLError("has no host")
    if parts.fragment:
        raise UnsafeURLError("must not have a #fragment")
    return parts.hostname, port or (443 if parts.scheme.lower() == "https" else 80)


def is_public(address: str) -> bool:
    """True for a globally routable unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to; UnsafeURLError when it does not resolve."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeURLError(f"host {host!r} does not resolve: {error}") from error
    return list(dict.fromkeys(str(answer[4][0]) for answer in answers))


def check_addresses(host: str, port: int, allow_private: bool) -> list[str]:
    """The addresses to dial for host:port, all checked; UnsafeURLError if any is refused."""
    addresses = resolve(host, port)
    if not allow_private:
        refused = [address for address in addresses if not is_public(address)]
        if refused:
            raise UnsafeURLError(
                f"host {host!r} resolves to a non-public address ({', '.join(refused)}); "
                "loopback, private, link-local and metadata addresses are refused unless "
                "webhooks.allow_private (MODERATION_WEBHOOKS_ALLOW_PRIVATE) is true"
            )
    return addresses


def check_url(url: str, allow_private: bool) -> None:
    """Raise UnsafeURLError unless `url` may receive webhooks now."""
    host, port = check_url_shape(url)
    check_addresses(host, port, allow_private)
