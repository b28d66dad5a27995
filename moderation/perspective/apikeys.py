"""API keys for the Perspective-compatible endpoints, and the quota a key may name for itself.

Keys come from configuration (`key`, `name:key`, `name:key:rps` or `name:key:rps:site`, where
`rps` may be left empty: `name:key::site`) and are kept only as SHA-256 hashes. A key belongs
to one site (the default site when the entry names none): its calls count against that site's
limits and its feedback is that site's. A presented key is hashed and compared with every
known hash in constant time. Quotas are counted with every other limit (web/limits.py, kind
"perspective", per key): a key's own `rps` in place of `limits.perspective_per_key`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import Iterable


@dataclasses.dataclass(frozen=True)
class KeyHolder:
    """Who a key belongs to, and its own quota as a rate ("25/second"), if it names one."""

    name: str
    quota: str | None = None
    # The site the key belongs to; None: the default site (sites.default).
    site: str | None = None


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


class ApiKeyTable:
    """Known key hashes with their holder."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.entries: list[tuple[bytes, KeyHolder]] = []
        for entry in entries:
            parts = entry.split(":")
            site = None
            if len(parts) == 1:
                name, secret, quota = "", parts[0], None
            else:
                name, secret = parts[0], parts[1]
                quota = f"{int(parts[2])}/second" if len(parts) > 2 and parts[2] else None
                site = parts[3] if len(parts) > 3 and parts[3] else None
            holder = name or "key-" + hashlib.sha256(secret.encode()).hexdigest()[:8]
            self.entries.append((_digest(secret), KeyHolder(holder, quota, site)))

    def identify(self, key: str) -> KeyHolder | None:
        """The holder of a known key, else None. Checks every entry, match or not."""
        presented = _digest(key)
        found: KeyHolder | None = None
        for digest, holder in self.entries:
            if hmac.compare_digest(digest, presented) and found is None:
                found = holder
        return found
