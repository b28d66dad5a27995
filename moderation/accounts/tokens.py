"""The format of a person's API token, and the one thing stored about it: its hash.

A token is `mod_` followed by 43 characters of `secrets.token_urlsafe(32)` (256 random bits).
The fixed prefix lets secret scanners (GitHub's, gitleaks, trufflehog) recognise a leaked one
with the pattern `mod_[A-Za-z0-9_-]{43}`.

Only SHA-256(token) is stored. A slow password hash (bcrypt, scrypt, Argon2) exists to make
guessing a low-entropy password from its hash expensive; a 256-bit random token cannot be
guessed from its hash however fast the hash is, so one SHA-256 is as safe here, and it lets a
request find its token with one indexed equality lookup instead of checking every hash.
"""

from __future__ import annotations

import hashlib
import re
import secrets

PREFIX = "mod_"
_RANDOM_BYTES = 32
_SHAPE = re.compile(r"^mod_[A-Za-z0-9_-]{43}\Z")


def new_token() -> str:
    """A fresh token, to be shown once and never stored."""
    return PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)


def token_hash(token: str) -> str:
    """What the database keeps of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """Whether `token` has the shape of one of ours (other strings are not looked up)."""
    return bool(_SHAPE.match(token))
