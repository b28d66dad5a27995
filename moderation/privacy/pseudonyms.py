"""An erased author's pseudonym: a keyed hash of site and id, so their records can still be
counted together but not tied back to them without the key (which is not in the database)."""

from __future__ import annotations

import hashlib
import hmac

from moderation.config import Settings, env_name
from moderation.errors import UnavailableError

PREFIX = "erased:"
_KEY_LABEL = b"moderation author pseudonym v1"


def pseudonym_key(settings: Settings) -> bytes:
    """`privacy.pseudonym_key`, else a key derived from the first webhook secret key."""
    if settings.privacy.pseudonym_key:
        return settings.privacy.pseudonym_key.encode()
    keys = settings.webhooks.secret_keys
    if not keys:
        # 503, not 500: the service is up, but cannot erase or export until an operator acts.
        raise UnavailableError(
            f"setting privacy.pseudonym_key ({env_name('privacy.pseudonym_key')}) and "
            f"webhooks.secret_keys are both empty: an erasure needs a key for pseudonyms"
        )
    return hmac.new(keys[0].encode(), _KEY_LABEL, hashlib.sha256).digest()


def pseudonym(key: bytes, site_id: str, author_id: str) -> str:
    """ "erased:" and 32 hex digits of HMAC-SHA256 over site and author id."""
    message = f"{site_id}\x1f{author_id}".encode()
    return PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()[:32]
