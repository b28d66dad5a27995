"""Coral's request signature: `X-Coral-Signature: sha256=<hex>[,sha256=<hex>...]`.

Coral signs the raw request body with HMAC-SHA256 under each active signing secret of the phase
and sends every signature, comma-separated, each prefixed `sha256=` (coralproject/talk:
src/core/server/models/settings, `generateSignatures`; src/core/server/services/fetch/fetch.ts,
`generateFetchOptions`; WEBHOOKS.md, "How to verify the signature(s)"). There is no timestamp in
the scheme: see docs/coral.md for why a replay gains nothing here.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

HEADER = "X-Coral-Signature"
# More than a handful of signatures (or a header this long) is not Coral.
MAX_HEADER_LENGTH = 2048


def signatures(header: str) -> list[str]:
    """The sha256 values of a header, in order (other prefixes ignored, as Coral's guide does)."""
    found = []
    for element in header.split(","):
        prefix, _, value = element.strip().partition("=")
        if prefix == "sha256" and value:
            found.append(value.strip().lower())
    return found


def sign(body: bytes, secret: str) -> str:
    """Coral's signature of `body` under `secret` (hex), as Coral computes it."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(body: bytes, header: str, secrets: Sequence[str]) -> bool:
    """Whether one of the header's signatures is `body` signed with one of `secrets`.

    Every comparison is constant-time; a header too long to be Coral's fails at once.
    """
    if len(header) > MAX_HEADER_LENGTH:
        return False
    given = signatures(header)
    expected = [sign(body, secret) for secret in secrets]
    matched = False
    for value in given:
        for candidate in expected:
            # No early exit: the time taken does not tell which comparison matched.
            matched |= hmac.compare_digest(value.encode("ascii", "replace"), candidate.encode())
    return matched
