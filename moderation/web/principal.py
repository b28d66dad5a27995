"""Who is calling: a person (or a bootstrap token) and the roles they hold on which sites.

A role is held on one site ("paper-a") or on every site (`ALL_SITES`, "*"). An admin holds
every role on the sites they administer, so an admin of site X may moderate site X; nothing
else is implied: an admin of every site is a grant on "*", never a consequence of other grants.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Literal, Protocol

ROLES = ("moderator", "admin")
ALL_SITES = "*"


@dataclasses.dataclass(frozen=True)
class Principal:
    """The holder of a bearer token: their name (what the audit trail and claims record), their
    account id (None for the tokens from the environment) and their (role, site id) grants."""

    name: str
    grants: frozenset[tuple[str, str]]
    account_id: int | None = None
    token_id: int | None = None

    @classmethod
    def of(
        cls,
        name: str,
        grants: Iterable[tuple[str, str]],
        account_id: int | None = None,
        token_id: int | None = None,
    ) -> Principal:
        return cls(name, frozenset(grants), account_id, token_id)

    def can(self, role: str, site_id: str) -> bool:
        """Whether they hold `role` on `site_id` (a grant on "*" covers every site)."""
        accepted = {role, "admin"}
        return any(held in accepted and site in (site_id, ALL_SITES) for held, site in self.grants)

    def sites_for(self, role: str) -> frozenset[str] | Literal["all"]:
        """The sites where they hold `role`: "all" for a grant on "*", else the site ids."""
        accepted = {role, "admin"}
        sites = frozenset(site for held, site in self.grants if held in accepted)
        return "all" if ALL_SITES in sites else sites

    def holds(self, role: str) -> bool:
        """Whether they hold `role` on at least one site."""
        return self.sites_for(role) != frozenset()

    @property
    def role(self) -> str:
        """Their highest role anywhere: "admin" or "moderator" (or "" with no grant at all)."""
        return next((role for role in reversed(ROLES) if self.holds(role)), "")


class AccountLookup(Protocol):
    """Finds the holder of a token that is not one of the environment's: the accounts feature
    provides it (accounts/lookup.py) and the app wires it in (`auth.use_accounts`)."""

    def handles(self, token: str) -> bool:
        """Whether `token` has the shape of an account token (checked before any lookup)."""
        ...

    def principal_for(self, token: str) -> Principal | None:
        """The holder of a live token; None for an unknown or revoked token or person."""
        ...
