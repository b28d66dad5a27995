"""Verify a newsroom's signed commenter token (a JWT in the shape Coral's SSO uses) for one site.

    {"jti": "4f1c...", "exp": 1767225600, "iat": 1767222000,
     "user": {"id": "reader-42", "email": "...", "username": "Ada"}}

Checked, in order, each refusal a `UnauthorizedError` whose `reason` names it:

- the header: the algorithm must be one the site allows (`token_algorithm_not_allowed`; `none`
  never is). The key follows from the algorithm, never from the token: HS* takes the site's
  secret only, RS*/PS*/ES* its public key or JWKS keys only, so a token signed with HS256 and
  the site's *public* key (the key-confusion attack) is refused as well;
- the signature (`token_signature_invalid`): another site's key never verifies;
- `exp` (required), `nbf` and `iat`, with `sites.commenter_token_leeway_seconds` for clocks
  (`token_expired`, `token_not_yet_valid`, `token_claim_missing`);
- `aud` where present must name the site (its `audience`, else its id; required when the site
  sets an audience): `token_wrong_site`; `iss` must be the site's `issuer` when it sets one;
- `jti` (required, for replay: sites/commenters.py remembers it) and `user.id`, with a name from
  `user.username` (Coral) or `user.name`.

`user.email` is read by nobody: the service stores an id and a display name, no address.
"""

from __future__ import annotations

import dataclasses
import time
import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from moderation.errors import UnauthorizedError

if TYPE_CHECKING:
    from jwt.types import Options
from moderation.sites.commenter_config import (
    HMAC_ALGORITHMS,
    CommenterConfig,
    PublicKey,
    key_fits,
    load_jwks,
)
from moderation.web.schemas import shows_something

# Verified ids may not start with it: it marks anonymous authors on sites with tokens.
ANONYMOUS_PREFIX = "anon:"
MAX_ID = 200
MAX_TOKEN = 16_384
MAX_LIFETIME = 366 * 86400


@dataclasses.dataclass(frozen=True)
class Commenter:
    """A reader the site vouched for: its id for them and the name shown with their comments."""

    id: str
    name: str


@dataclasses.dataclass(frozen=True)
class VerifiedToken:
    commenter: Commenter
    jti: str
    expires: int  # the token's exp, Unix seconds


def refused(reason: str, message: str) -> UnauthorizedError:
    return UnauthorizedError(message, reason)


class TokenVerifier:
    """Checks SSO tokens for one site with its settings; `max_name` bounds display names."""

    def __init__(
        self, site_id: str, config: CommenterConfig, leeway_seconds: int, max_name: int
    ) -> None:
        self.site_id = site_id
        self.config = config
        self.leeway = leeway_seconds
        self.max_name = max_name

    def verify(self, token: str) -> VerifiedToken:
        """The token's commenter, jti and expiry; or the refusal, naming its reason."""
        if len(token) > MAX_TOKEN:
            raise refused("token_malformed", f"the token is longer than {MAX_TOKEN} characters")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise refused("token_malformed", "the token is not a signed JWT") from error
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in self.config.algorithms:
            allowed = ", ".join(self.config.algorithms)
            raise refused(
                "token_algorithm_not_allowed",
                f"site {self.site_id} accepts tokens signed with {allowed}, not {algorithm!r}",
            )
        claims = self._decode(token, algorithm, header.get("kid"))
        self._check_audience(claims)
        issuer = self.config.issuer
        if issuer is not None and claims.get("iss") != issuer:
            raise refused("token_wrong_issuer", f"the token's iss is not {issuer!r}")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not 1 <= len(jti) <= 200:
            raise refused(
                "token_claim_missing",
                "the token needs a jti of 1-200 characters: each token is used once",
            )
        expires = int(claims["exp"])
        if expires > time.time() + MAX_LIFETIME:
            # Its jti would have to be remembered for longer than any key is kept.
            raise refused("token_claims_invalid", "the token's exp is more than a year ahead")
        return VerifiedToken(self._commenter(claims), jti, expires)

    def _keys(self, algorithm: str, kid: Any) -> list[str | PublicKey]:
        if algorithm in HMAC_ALGORITHMS:
            return [self.config.secret] if self.config.secret else []
        keys: list[str | PublicKey] = []
        if self.config.jwks_file:
            try:
                jwks = load_jwks(self.config.jwks_file)
            except ValueError:
                jwks = []  # the file is gone or broken: only the PEM key (if any) can verify
            keys += [
                key
                for key_id, key in jwks
                if (kid is None or key_id == kid) and key_fits(algorithm, key)
            ]
        if self.config.public_key:
            pem = load_pem_public_key(self.config.public_key.encode())
            if isinstance(pem, PublicKey) and key_fits(algorithm, pem):
                keys.append(pem)
        return keys

    def _decode(self, token: str, algorithm: str, kid: Any) -> dict[str, Any]:
        keys = self._keys(algorithm, kid)
        if not keys:
            raise refused(
                "token_signature_invalid",
                f"no key of site {self.site_id} verifies {algorithm}"
                + (f" with kid {kid!r}" if kid is not None else ""),
            )
        options: Options = {"require": ["exp"], "verify_aud": False, "verify_iss": False}
        for position, key in enumerate(keys, start=1):
            try:
                claims: dict[str, Any] = jwt.decode(
                    token, key, algorithms=[algorithm], options=options, leeway=self.leeway
                )
                return claims
            except jwt.InvalidSignatureError as error:
                if position == len(keys):
                    raise refused(
                        "token_signature_invalid",
                        f"the token's signature does not verify with site {self.site_id}'s key",
                    ) from error
            except jwt.PyJWTError as error:
                raise _refusal(error) from error
        raise AssertionError("unreachable: every key was tried")

    def _check_audience(self, claims: Mapping[str, Any]) -> None:
        expected = self.config.audience or self.site_id
        audience = claims.get("aud")
        if audience is None:
            if self.config.audience is not None:
                raise refused("token_wrong_site", f"the token needs aud {expected!r}")
            return
        names = [audience] if isinstance(audience, str) else audience
        if not isinstance(names, list) or expected not in names:
            raise refused(
                "token_wrong_site",
                f"the token was issued for {audience!r}, not for site {self.site_id} "
                f"(aud {expected!r})",
            )

    def _commenter(self, claims: Mapping[str, Any]) -> Commenter:
        user = claims.get("user")
        if not isinstance(user, Mapping):
            raise refused("token_claim_missing", 'the token needs a user: {"id", "username"}')
        user_id, name = user.get("id"), user.get("username") or user.get("name")
        if not isinstance(user_id, str) or not 1 <= len(user_id) <= MAX_ID:
            raise refused("token_claim_missing", f"user.id must be text of 1-{MAX_ID} characters")
        if user_id.startswith(ANONYMOUS_PREFIX):
            raise refused(
                "token_claims_invalid",
                f"user.id may not start with {ANONYMOUS_PREFIX!r}: it marks anonymous authors",
            )
        if not isinstance(name, str) or not shows_something(name):
            raise refused("token_claim_missing", "the token needs user.username, the shown name")
        for field, value in (("user.id", user_id), ("user.username", name)):
            if _unstorable(value):
                raise refused(
                    "token_claims_invalid", f"{field} holds a control character or a lone surrogate"
                )
        return Commenter(user_id, name.strip()[: self.max_name])


def _unstorable(text: str) -> bool:
    """NUL and the other control characters, and lone surrogates: no column can hold them."""
    return any(unicodedata.category(character) in {"Cc", "Cs"} for character in text)


def _refusal(error: jwt.PyJWTError) -> UnauthorizedError:
    """PyJWT's errors as this API's reasons."""
    if isinstance(error, jwt.ExpiredSignatureError):
        return refused("token_expired", "the token has expired: get a new one from the site")
    if isinstance(error, jwt.ImmatureSignatureError):
        return refused("token_not_yet_valid", f"the token is not valid yet ({error})")
    if isinstance(error, jwt.MissingRequiredClaimError):
        return refused("token_claim_missing", f"the token needs a {error.claim} claim")
    if isinstance(error, jwt.InvalidAlgorithmError | jwt.InvalidKeyError):
        return refused("token_algorithm_not_allowed", f"the token's algorithm is refused: {error}")
    return refused("token_malformed", f"the token's claims cannot be read: {error}")
