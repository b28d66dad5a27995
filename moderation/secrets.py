"""Secrets the service must use and so cannot hash, sealed with Fernet under the keys in
`webhooks.secret_keys`: webhook signing secrets (webhooks/), sites' commenter-token secrets
(sites/commenters.py), and the commenter session tokens the service hands out (sites/sessions.py).

A bearer token or an API key is kept as a hash, but HMAC signing and verifying need the secret
itself, so it is encrypted instead: the database (and its backups) hold only Fernet tokens, and
a secret is opened in memory when it is used or shown once to the admin who set it.
`MultiFernet` makes key rotation possible without downtime: the first key seals, every key
opens, and `reseal` moves a token to the first key (docs/operations.md, "Webhook secret keys").
The setting keeps its webhook name because webhooks were its first use; one set of keys to make,
give every process and rotate is easier to run than one per kind of secret.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from moderation.config import SettingsError, env_name

# Every Fernet token starts with its version byte 0x80, "gAAAAA" in base64; a secret written in
# clear before secrets were encrypted starts with "whsec_" (webhooks/signing.SECRET_PREFIX).
SEALED_PREFIX = "gAAAAA"


class SecretKeyError(Exception):
    """A stored secret opens with none of the configured keys (a key was removed too early)."""


class SecretBox:
    """Seals secrets for storage and opens them for use, with the configured keys."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise SettingsError(
                f"setting webhooks.secret_keys ({env_name('webhooks.secret_keys')}) is empty: "
                "webhook signing secrets and commenter-token secrets are stored encrypted with "
                "it. Make a key with `moderation webhooks generate-key` and give the same keys "
                "to every process"
            )
        self._fernet = MultiFernet([Fernet(key.encode("ascii")) for key in keys])

    def seal(self, secret: str) -> str:
        """The token to store for `secret`, under the first key."""
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        """The secret a stored token holds."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, UnicodeError) as error:
            raise SecretKeyError(
                "a stored secret opens with none of webhooks.secret_keys"
            ) from error

    def reseal(self, sealed: str) -> str:
        """The same secret sealed again under the first key."""
        try:
            return self._fernet.rotate(sealed.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError) as error:
            raise SecretKeyError(
                "a stored secret opens with none of webhooks.secret_keys"
            ) from error


def generate_key() -> str:
    """A new key for `webhooks.secret_keys`."""
    return Fernet.generate_key().decode("ascii")
