"""Who may do what: roles per site on a principal, the token format, and who may manage whom."""

from __future__ import annotations

import hashlib

import pytest

from moderation.accounts.permissions import ensure_admin_of, ensure_manages_person
from moderation.accounts.tokens import looks_like_token, new_token, token_hash
from moderation.errors import ForbiddenError
from moderation.web.principal import ALL_SITES, Principal

SITE_A_MODERATOR = Principal.of("carol", [("moderator", "paper-a")], account_id=1)
SITE_A_ADMIN = Principal.of("ed", [("admin", "paper-a"), ("moderator", "paper-b")], 2)
EVERY_SITE_ADMIN = Principal.of("root", [("admin", ALL_SITES)])
EVERY_SITE_MODERATOR = Principal.of("bob", [("moderator", ALL_SITES)])


def test_a_role_on_one_site_reaches_that_site_only() -> None:
    assert SITE_A_MODERATOR.can("moderator", "paper-a")
    assert not SITE_A_MODERATOR.can("moderator", "paper-b")
    assert not SITE_A_MODERATOR.can("admin", "paper-a")
    assert not SITE_A_MODERATOR.can("moderator", ALL_SITES)
    assert SITE_A_MODERATOR.sites_for("moderator") == {"paper-a"}
    assert SITE_A_MODERATOR.sites_for("admin") == frozenset()
    assert SITE_A_MODERATOR.role == "moderator"


def test_an_admin_moderates_their_own_sites_and_nothing_more() -> None:
    assert SITE_A_ADMIN.can("moderator", "paper-a") and SITE_A_ADMIN.can("admin", "paper-a")
    assert SITE_A_ADMIN.can("moderator", "paper-b") and not SITE_A_ADMIN.can("admin", "paper-b")
    assert SITE_A_ADMIN.sites_for("moderator") == {"paper-a", "paper-b"}
    assert SITE_A_ADMIN.sites_for("admin") == {"paper-a"}
    assert SITE_A_ADMIN.role == "admin"


def test_every_site_is_an_explicit_grant() -> None:
    assert EVERY_SITE_ADMIN.can("admin", "any-site") and EVERY_SITE_ADMIN.can("admin", ALL_SITES)
    assert EVERY_SITE_ADMIN.sites_for("moderator") == "all"
    assert EVERY_SITE_MODERATOR.sites_for("moderator") == "all"
    assert EVERY_SITE_MODERATOR.sites_for("admin") == frozenset()
    # Admin of two sites is not admin of every site.
    two = Principal.of("x", [("admin", "paper-a"), ("admin", "paper-b")])
    assert not two.can("admin", ALL_SITES) and two.sites_for("admin") == {"paper-a", "paper-b"}


def test_no_grant_means_no_role() -> None:
    nobody = Principal.of("nobody", [])
    assert not nobody.holds("moderator") and nobody.role == ""


def test_tokens_are_prefixed_random_and_stored_as_their_sha256() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    for token in tokens:
        assert token.startswith("mod_") and len(token) == 47 and looks_like_token(token)
        assert token_hash(token) == hashlib.sha256(token.encode()).hexdigest()
    assert not looks_like_token("moderator-token-0123456789")
    assert not looks_like_token("mod_short")
    assert not looks_like_token(new_token() + "x")


def test_an_admin_of_a_site_manages_roles_on_that_site_only() -> None:
    ensure_admin_of(SITE_A_ADMIN, "paper-a")
    with pytest.raises(ForbiddenError, match="you are not an admin of site paper-b"):
        ensure_admin_of(SITE_A_ADMIN, "paper-b")
    with pytest.raises(ForbiddenError, match=r"every site \('\*'\)"):
        ensure_admin_of(SITE_A_ADMIN, ALL_SITES)
    ensure_admin_of(EVERY_SITE_ADMIN, ALL_SITES)


def test_a_person_as_a_whole_belongs_to_the_admins_of_all_their_sites() -> None:
    ensure_manages_person(SITE_A_ADMIN, {"paper-a"})
    with pytest.raises(ForbiddenError, match="paper-b"):
        ensure_manages_person(SITE_A_ADMIN, {"paper-a", "paper-b"})
    with pytest.raises(ForbiddenError):
        ensure_manages_person(SITE_A_ADMIN, set())  # no role: the admins of every site
    ensure_manages_person(EVERY_SITE_ADMIN, {"paper-a", ALL_SITES})
