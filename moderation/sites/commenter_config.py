"""A site's commenter-token settings (`sites.commenters`): checked when an admin sets them, stored
with the secret sealed, and opened into the keys a token is verified with (sites/tokens.py).

An admin sends only what changes: a key with a value sets it, a key with null removes it, and
`"commenters": null` turns commenter tokens off for the site. The merged result is checked
whole, so a site never holds a configuration that cannot verify a token:

    {"algorithms": ["HS256"], "secret": "...at least 32 characters..."}
    {"algorithms": ["RS256"], "public_key": "-----BEGIN PUBLIC KEY-----..."}
    {"algorithms": ["ES256"], "jwks_file": "/etc/moderation/newsroom-jwks.json"}
    plus, optionally: "issuer", "audience" (default: the site's id), "session_seconds"

The secret is write-only: it is sealed with `webhooks.secret_keys` (moderation/secrets.py) before
it is stored, and the admin API shows only that one is set.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from moderation.errors import InvalidRequestError
from moderation.secrets import SecretBox

HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
RSA_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
# Each ECDSA algorithm is tied to one curve (RFC 7518 3.4).
EC_CURVES = {"ES256": "secp256r1", "ES384": "secp384r1", "ES512": "secp521r1"}
ALGORITHMS = HMAC_ALGORITHMS + RSA_ALGORITHMS + tuple(EC_CURVES)
FIELDS = (
    "algorithms",
    "secret",
    "public_key",
    "jwks_file",
    "issuer",
    "audience",
    "session_seconds",
)
MIN_SECRET_LENGTH = 32  # HS256 wants a key of at least 256 bits (RFC 7518 3.2)
MIN_RSA_BITS = 2048  # RFC 7518 3.3
MAX_JWKS_BYTES = 1024 * 1024
SHOWN_SECRET = "(set)"

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


@dataclasses.dataclass(frozen=True)
class CommenterConfig:
    """A site's token settings with the secret opened, ready to verify tokens."""

    algorithms: tuple[str, ...]
    secret: str | None = None
    public_key: str | None = None
    jwks_file: str | None = None
    issuer: str | None = None
    audience: str | None = None
    session_seconds: int | None = None


def tokens_configured(stored: Mapping[str, Any]) -> bool:
    """Whether the site takes commenter tokens at all."""
    return bool(stored.get("algorithms"))


def opened(stored: Mapping[str, Any], box: SecretBox) -> CommenterConfig:
    """The stored settings with the secret opened (a key error names the setting to fix)."""
    sealed = stored.get("secret")
    return CommenterConfig(
        algorithms=tuple(stored.get("algorithms") or ()),
        secret=box.open(sealed) if sealed else None,
        public_key=stored.get("public_key"),
        jwks_file=stored.get("jwks_file"),
        issuer=stored.get("issuer"),
        audience=stored.get("audience"),
        session_seconds=stored.get("session_seconds"),
    )


def shown(stored: Mapping[str, Any]) -> dict[str, Any]:
    """What the admin API shows: everything but the secret, which only says it is set."""
    view = dict(stored)
    if view.get("secret"):
        view["secret"] = SHOWN_SECRET
    return view


def merged_commenters(
    stored: Mapping[str, Any], change: Mapping[str, Any] | None, box: Callable[[], SecretBox]
) -> dict[str, Any]:
    """The settings to store after an admin's `change`, checked whole, the secret sealed.

    `change` None turns tokens off. `box` is asked for only when a new secret is sealed.
    """
    if change is None:
        return {}
    for name in change:
        if name not in FIELDS:
            raise InvalidRequestError(
                f"{name} is not a commenter-token setting (one of: {', '.join(FIELDS)})",
                field=f"commenters.{name}",
            )
    result = {key: value for key, value in stored.items() if key in FIELDS}
    for name, value in change.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = value
    if not result:
        return {}
    new_secret = change.get("secret")
    _check(result, new_secret)
    if new_secret is not None:
        result["secret"] = box().seal(new_secret)
    if "public_key" in result:
        result["public_key"] = result["public_key"].strip() + "\n"
    return result


def _fail(field: str, message: str) -> InvalidRequestError:
    return InvalidRequestError(message, field=f"commenters.{field}")


def _check(config: Mapping[str, Any], new_secret: Any) -> None:
    algorithms = _algorithms(config.get("algorithms"))
    if new_secret is not None:
        _check_secret(new_secret)
    if any(name in HMAC_ALGORITHMS for name in algorithms) and not config.get("secret"):
        raise _fail("secret", f"{algorithms[0]} needs the secret the newsroom signs tokens with")
    keys: list[PublicKey] = []
    if "public_key" in config:
        keys.append(parse_public_key(config["public_key"]))
    if "jwks_file" in config:
        keys += [jwk for _, jwk in load_jwks(config["jwks_file"], field="jwks_file")]
    for name in algorithms:
        if name not in HMAC_ALGORITHMS and not any(key_fits(name, key) for key in keys):
            kind = "an RSA" if name in RSA_ALGORITHMS else f"an EC ({EC_CURVES.get(name)})"
            raise _fail("public_key", f"{name} needs {kind} public key, in public_key or jwks_file")
    for name, most in (("issuer", 500), ("audience", 200)):
        value = config.get(name)
        if value is not None and (not isinstance(value, str) or not 1 <= len(value) <= most):
            raise _fail(name, f"must be text of 1-{most} characters")
    seconds = config.get("session_seconds")
    if seconds is not None and (
        isinstance(seconds, bool) or not isinstance(seconds, int) or not 60 <= seconds <= 86400
    ):
        raise _fail("session_seconds", "must be a whole number of seconds from 60 to 86400")


def _algorithms(value: Any) -> list[str]:
    if value is None:
        raise _fail(
            "algorithms",
            f"is required: the algorithms tokens are signed with, e.g. "
            f'["HS256"] or ["RS256"] (one of: {", ".join(ALGORITHMS)})',
        )
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise _fail("algorithms", 'must be a list of algorithm names, e.g. ["RS256"]')
    for name in value:
        if name.lower() == "none":
            raise _fail("algorithms", "unsigned tokens (none) are never accepted")
        if name not in ALGORITHMS:
            raise _fail(
                "algorithms", f"{name} is not an algorithm (one of: {', '.join(ALGORITHMS)})"
            )
    return list(dict.fromkeys(value))


def _check_secret(secret: Any) -> None:
    if not isinstance(secret, str) or not MIN_SECRET_LENGTH <= len(secret) <= 1000:
        raise _fail(
            "secret",
            f"must be text of {MIN_SECRET_LENGTH}-1000 characters (leave it out to keep the "
            "one stored; it is never shown again)",
        )
    if "-----BEGIN" in secret:
        # A PEM key as an HMAC secret is the key-confusion attack's shape: never store one.
        raise _fail("secret", "is a PEM key: give RS256 or ES256 and put it in public_key")


def parse_public_key(pem: Any, field: str = "public_key") -> PublicKey:
    """A PEM public key (RSA or EC), or a 422 naming `field`; a private key is refused."""
    if not isinstance(pem, str) or len(pem) > 20_000:
        raise _fail(field, "must be a PEM public key (-----BEGIN PUBLIC KEY-----)")
    if "PRIVATE KEY" in pem:
        raise _fail(
            field,
            "is a private key: give its public key; the private one stays with "
            "whoever signs the tokens",
        )
    try:
        key = load_pem_public_key(pem.strip().encode())
    except (ValueError, TypeError, UnicodeError) as error:
        raise _fail(
            field, "is not a PEM public key that parses (-----BEGIN PUBLIC KEY-----)"
        ) from error
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise _fail(field, "must be an RSA or EC public key")
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise _fail(field, f"is an RSA key of {key.key_size} bits: at least {MIN_RSA_BITS}")
    return key


def load_jwks(path: Any, field: str | None = None) -> list[tuple[str | None, PublicKey]]:
    """The RSA and EC keys of a JWKS file, each with its `kid`.

    With `field`, a problem is a 422 naming it (an admin is setting the file); without, a
    `ValueError` (the file changed under a running service).
    """

    def fail(message: str) -> ValueError | InvalidRequestError:
        return _fail(field, message) if field else ValueError(message)

    if not isinstance(path, str) or not path.startswith("/") or len(path) > 1000:
        raise fail("must be the absolute path of a JWKS file on the service's machines")
    try:
        if not Path(path).is_file():  # not a directory, and never a device like /dev/zero
            raise fail("must be a regular file that exists on the service's machines")
        with open(path, "rb") as file:
            data = file.read(MAX_JWKS_BYTES + 1)
    except OSError as error:
        raise fail(f"cannot be read: {error.strerror}") from error
    if len(data) > MAX_JWKS_BYTES:
        raise fail(f"is larger than {MAX_JWKS_BYTES // 1024} KiB")
    try:
        document = json.loads(data.decode("utf-8"))
        if not isinstance(document, dict):
            raise ValueError("not an object")
        keys = jwt.PyJWKSet.from_dict(document).keys
    except (jwt.PyJWKSetError, jwt.PyJWKError, ValueError, UnicodeError) as error:
        raise fail('is not a JWKS document with a usable key ({"keys": [...]})') from error
    found = [
        (jwk.key_id, jwk.key)
        for jwk in keys
        if isinstance(jwk.key, ec.EllipticCurvePublicKey)
        or (isinstance(jwk.key, rsa.RSAPublicKey) and jwk.key.key_size >= MIN_RSA_BITS)
    ]
    if not found:
        raise fail(f"holds no EC public key and no RSA one of {MIN_RSA_BITS} bits or more")
    return found


def key_fits(algorithm: str, key: PublicKey) -> bool:
    """Whether `key` is of the kind `algorithm` verifies with (RSA, or EC on its curve)."""
    if algorithm in RSA_ALGORITHMS:
        return isinstance(key, rsa.RSAPublicKey)
    curve = EC_CURVES.get(algorithm)
    return isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == curve
