"""Who a report comes from, and what reports on a site need to move or hide a comment.

A report is verified when the site vouches for its reader (a commenter token): the reader is the
site's user id, and their weight is earned with moderators (`reader_weight`). Anyone else is an
anonymous reader, known only by the client's address as the web layer sees it (after ProxyFix,
`server.proxy_hops`), never by an id the client sends: a client can invent ids without end but
not addresses. The address is not stored (personal data): the reader id is "anon:" and an HMAC
of the site and the address, under a key derived from the first of `webhooks.secret_keys`, so a
stored id cannot be turned back into an address by trying every IPv4 address, as a plain hash
could. After that key is rotated the same address gets a new id, and may report a comment it
reported before once more: harmless, as an anonymous report weighs little and hides nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import ipaddress
from collections.abc import Sequence

from moderation.config import ReviewSettings, SettingsError, env_name
from moderation.sites.service import SiteView

ANONYMOUS_PREFIX = "anon:"
# A verified reader's reports start at 1.0; each upheld report adds a quarter, each dismissed
# one takes half away (false reports cost more than true ones earn), within these bounds.
START_WEIGHT, MIN_WEIGHT, MAX_WEIGHT = 1.0, 0.1, 3.0
# An IPv6 client usually holds a whole /64 and can pick any address in it: the /64 is the reader.
_IPV6_READER_PREFIX = 64
_KEY_LABEL = b"moderation: anonymous reader ids"


def reader_weight(upheld: int, dismissed: int) -> float:
    """A verified reader's weight from the moderators' verdicts on their reports, and nothing
    else: reporting more does not raise it."""
    return max(MIN_WEIGHT, min(MAX_WEIGHT, START_WEIGHT + 0.25 * upheld - 0.5 * dismissed))


def reader_key(secret_keys: Sequence[str]) -> bytes:
    """The HMAC key of anonymous reader ids, derived from the first webhook secret key (the web
    processes have one: the API stores webhook secrets with it), never that key itself."""
    if not secret_keys:
        raise SettingsError(
            f"setting webhooks.secret_keys ({env_name('webhooks.secret_keys')}) is empty: "
            "anonymous reader ids are keyed with it. Make a key with "
            "`moderation webhooks generate-key`"
        )
    return hmac.new(secret_keys[0].encode(), _KEY_LABEL, hashlib.sha256).digest()


def client_network(address: str) -> str:
    """The part of a client address that stands for one reader: an IPv4 address, an IPv6 /64
    (an IPv4-mapped IPv6 address is its IPv4 address); anything else as given."""
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, _IPV6_READER_PREFIX), strict=False))
    return str(parsed)


def anonymous_reader_id(key: bytes, site_id: str, address: str) -> str:
    """The reader id of the client at `address` on `site_id`: the same for the same client and
    site, and no way back to the address without the key."""
    message = f"{site_id}\n{client_network(address)}".encode()
    return ANONYMOUS_PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


@dataclasses.dataclass(frozen=True)
class ReportRules:
    """What reports on one site's comments need: the service's settings, with the site's own
    `report_threshold` and `hide_threshold` where it sets them."""

    report_threshold: float
    hide_threshold: float
    anonymous_weight: float
    hide_min_verified: int

    @classmethod
    def for_site(cls, settings: ReviewSettings, site: SiteView | None) -> ReportRules:
        def value(name: str, default: float) -> float:
            return site.review_setting(name, default) if site is not None else default

        return cls(
            report_threshold=value("report_threshold", settings.report_threshold),
            hide_threshold=value("hide_threshold", settings.hide_threshold),
            anonymous_weight=settings.anonymous_report_weight,
            hide_min_verified=settings.hide_min_verified_readers,
        )

    def hides(self, verified_readers: int, verified_weight: float) -> bool:
        """Whether open reports hide a comment: enough distinct verified readers, and their
        reports together at the hide threshold. Anonymous reports never count here."""
        return verified_readers >= self.hide_min_verified and verified_weight >= self.hide_threshold
