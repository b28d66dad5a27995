"""Who may manage whom: an admin of every site ("*") manages everyone; an admin of site X
manages roles on site X, and a person as a whole (revoking them, their tokens) only when every
role they hold is on a site the admin administers, since those changes reach all their sites."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from moderation.errors import ForbiddenError
from moderation.web.principal import ALL_SITES, Principal


def ensure_admin_of(actor: Principal, site_id: str) -> None:
    """ForbiddenError unless `actor` may manage roles on `site_id`."""
    if actor.can("admin", site_id):
        return
    if site_id == ALL_SITES:
        raise ForbiddenError("only an admin of every site ('*') may manage roles on every site")
    raise ForbiddenError(f"you are not an admin of site {site_id}")


def ensure_manages_person(actor: Principal, sites: Iterable[str]) -> None:
    """ForbiddenError unless `actor` administers every site of a person who works on `sites`
    (a person with no role at all is managed by the admins of every site)."""
    held = sorted(set(sites)) or [ALL_SITES]
    for site_id in held:
        ensure_admin_of(actor, site_id)


def managed_sites(actor: Principal) -> frozenset[str] | Literal["all"]:
    """The sites whose people `actor` may see and manage."""
    return actor.sites_for("admin")
