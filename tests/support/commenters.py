"""Commenter tokens for tests: real keys made with `cryptography`, real JWTs signed with PyJWT,
and the forgeries PyJWT refuses to make (an unsigned token, HS256 keyed with a public key)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

# A newsroom's HS256 secret (at least 32 characters, as the admin API asks).
HS_SECRET = "newsroom-sso-secret-0123456789-abcdefghijkl"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def private_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def jwks(*keys: tuple[str, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey]) -> str:
    """A JWKS document with the public halves of `keys`, each given as (kid, private key)."""
    entries = []
    for kid, key in keys:
        if isinstance(key, ec.EllipticCurvePrivateKey):
            entry = json.loads(ECAlgorithm.to_jwk(key.public_key()))
        else:
            entry = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
        entry["kid"] = kid
        entries.append(entry)
    return json.dumps({"keys": entries})


def claims(
    user_id: str = "reader-42",
    username: str = "Ada Lovelace",
    lifetime: int = 600,
    **extra: Any,
) -> dict[str, Any]:
    """Coral's SSO shape: jti, exp, iat and the user (its e-mail too, which nobody reads)."""
    now = int(time.time())
    body: dict[str, Any] = {
        "jti": str(uuid.uuid4()),
        "iat": now,
        "exp": now + lifetime,
        "user": {"id": user_id, "email": f"{user_id}@example.org", "username": username},
    }
    body.update(extra)
    return {key: value for key, value in body.items() if value is not None}


def sign(body: dict[str, Any], key: Any, algorithm: str, kid: str | None = None) -> str:
    headers = {"kid": kid} if kid else None
    return jwt.encode(body, key, algorithm=algorithm, headers=headers)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(body: dict[str, Any]) -> str:
    """`alg: none`: a token with no signature at all."""
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(body).encode())}."


def hmac_signed_with(body: dict[str, Any], secret: bytes) -> str:
    """HS256 with any bytes as the key: the key-confusion attack uses the site's public key."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(body).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def tampered(token: str) -> str:
    """The same token with its claims changed after signing (another user id)."""
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["user"]["id"] = "someone-else"
    return f"{header}.{_b64(json.dumps(body).encode())}.{signature}"
