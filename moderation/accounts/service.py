"""Managing people, their roles per site and their tokens; every change names who made it.

Each method takes the acting `Principal` and checks it against permissions.py before it
changes anything. A token is returned in clear once, by the call that makes it; only its hash
is stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Collection, Sequence

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from moderation.accounts.models import Account, AccountRole, AccountToken
from moderation.accounts.permissions import (
    ensure_admin_of,
    ensure_manages_person,
    managed_sites,
)
from moderation.accounts.tokens import new_token, token_hash
from moderation.db.base import utcnow
from moderation.errors import ConflictError, InvalidRequestError, NotFoundError
from moderation.web.principal import ROLES, Principal

# A login is a name or an e-mail address, kept in lower case so "Alice" and "alice" are one.
LOGIN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,199}\Z")
# A site id as the sites feature spells it (lower-case letters, digits, "-"), or "*" for every
# site.
SITE_ID = re.compile(r"^(\*|[a-z0-9][a-z0-9-]{0,63})\Z")


@dataclasses.dataclass(frozen=True)
class NewPerson:
    login: str
    display_name: str
    roles: Sequence[tuple[str, str]]  # (role, site id)
    token_label: str | None = None


@dataclasses.dataclass(frozen=True)
class PersonView:
    """A person as one admin sees them: roles only on the sites that admin manages."""

    id: int
    login: str
    display_name: str
    created_at: dt.datetime
    created_by: str
    revoked_at: dt.datetime | None
    revoked_by: str | None
    roles: list[AccountRole]
    tokens: list[AccountToken]


@dataclasses.dataclass(frozen=True)
class Created:
    """A new person with their first token: the only time the token is shown."""

    person: PersonView
    token: str
    token_id: int


@dataclasses.dataclass(frozen=True)
class IssuedToken:
    row: AccountToken
    token: str


def check_login(login: str) -> str:
    """The login as stored (lower case), or InvalidRequestError naming the rule."""
    normal = login.strip().lower()
    if not LOGIN.match(normal):
        raise InvalidRequestError(
            "login must be 1-200 characters: letters, digits and . _ @ + - "
            "(a name or an e-mail address), starting with a letter or digit",
            "login",
        )
    return normal


def check_grant(role: str, site_id: str, field: str = "roles") -> tuple[str, str]:
    if role not in ROLES:
        raise InvalidRequestError(f"role must be one of {', '.join(ROLES)}", f"{field}.role")
    if not SITE_ID.match(site_id):
        raise InvalidRequestError(
            "site_id must be '*' (every site) or 1-64 lower-case letters, digits or '-'",
            f"{field}.site_id",
        )
    return role, site_id


class AccountService:
    """People, roles and tokens, for the admin API and the `moderation users` commands."""

    def __init__(
        self, sessions: sessionmaker[Session], reserved_logins: Collection[str] = ()
    ) -> None:
        self.sessions = sessions
        # The names of the environment's tokens: an account by the same name would share their
        # audit trail and claims.
        self.reserved = frozenset(name.lower() for name in reserved_logins)

    def create(self, actor: Principal, new: NewPerson) -> Created:
        """A person with roles and a first token."""
        login = check_login(new.login)
        display_name = new.display_name.strip()
        if not 1 <= len(display_name) <= 200:
            raise InvalidRequestError("display_name must be 1-200 characters", "display_name")
        grants = sorted({check_grant(role, site) for role, site in new.roles})
        if not grants:
            raise InvalidRequestError("a person needs at least one role", "roles")
        for _, site_id in grants:
            ensure_admin_of(actor, site_id)
        if login in self.reserved:
            raise ConflictError(f"login {login} is the name of a token in the environment")
        token = new_token()
        try:
            with self.sessions.begin() as session:
                account = Account(login=login, display_name=display_name, created_by=actor.name)
                account.roles = [
                    AccountRole(role=role, site_id=site, granted_by=actor.name)
                    for role, site in grants
                ]
                row = AccountToken(
                    token_hash=token_hash(token), label=new.token_label, created_by=actor.name
                )
                account.tokens = [row]
                session.add(account)
                session.flush()
                view = _view(account, managed_sites(actor))
        except IntegrityError as error:
            raise ConflictError(
                f"login {login} is taken (logins are never reused, also after a revocation)"
            ) from error
        return Created(view, token, row.id)

    def people(
        self, actor: Principal, site_id: str | None = None, include_revoked: bool = False
    ) -> list[PersonView]:
        """The people with a role on `site_id` (or on any site `actor` manages), by login."""
        sites = managed_sites(actor)
        if site_id is not None:
            check_grant("moderator", site_id, "query")
            ensure_admin_of(actor, site_id)
        query = select(Account).options(selectinload(Account.roles), selectinload(Account.tokens))
        wanted = {site_id} if site_id is not None else None if sites == "all" else set(sites)
        if wanted is not None:
            query = query.where(
                exists().where(
                    AccountRole.account_id == Account.id, AccountRole.site_id.in_(wanted)
                )
            )
        if not include_revoked:
            query = query.where(Account.revoked_at.is_(None))
        with self.sessions() as session:
            return [_view(row, sites) for row in session.scalars(query.order_by(Account.login))]

    def person(self, actor: Principal, account_id: int) -> PersonView:
        """One person, if `actor` administers at least one of their sites."""
        with self.sessions() as session:
            account = _load(session, account_id)
        sites = managed_sites(actor)
        theirs = {role.site_id for role in account.roles}
        if sites != "all" and not theirs & sites:
            ensure_manages_person(actor, theirs)  # refuses, naming a site of theirs
        return _view(account, sites)

    def find(self, actor: Principal, login: str) -> PersonView:
        """One person by login (the CLI's way of naming people)."""
        with self.sessions() as session:
            account_id = session.scalar(select(Account.id).where(Account.login == login.lower()))
        if account_id is None:
            raise NotFoundError(f"no person with login {login}")
        return self.person(actor, account_id)

    def revoke(self, actor: Principal, account_id: int) -> PersonView:
        """Revoke a person and every token of theirs, at once for every web process."""
        with self.sessions.begin() as session:
            account = _load(session, account_id, for_update=True)
            ensure_manages_person(actor, {role.site_id for role in account.roles})
            if account.revoked_at is not None:
                raise ConflictError(f"{account.login} was revoked at {account.revoked_at}")
            now = utcnow()
            account.revoked_at, account.revoked_by = now, actor.name
            for token in account.tokens:
                if token.revoked_at is None:
                    token.revoked_at, token.revoked_by = now, actor.name
            return _view(account, managed_sites(actor))

    def grant(self, actor: Principal, account_id: int, role: str, site_id: str) -> PersonView:
        """Give a role on a site (giving one they hold changes nothing)."""
        check_grant(role, site_id, "request")
        ensure_admin_of(actor, site_id)
        with self.sessions.begin() as session:
            account = _load(session, account_id, for_update=True)
            _live(account)
            if not any(r.role == role and r.site_id == site_id for r in account.roles):
                account.roles.append(AccountRole(role=role, site_id=site_id, granted_by=actor.name))
                session.flush()
            return _view(account, managed_sites(actor))

    def remove_role(self, actor: Principal, account_id: int, role: str, site_id: str) -> PersonView:
        """Take a role on a site away; their next request no longer has it."""
        check_grant(role, site_id, "path")
        ensure_admin_of(actor, site_id)
        with self.sessions.begin() as session:
            account = _load(session, account_id, for_update=True)
            held = [r for r in account.roles if r.role == role and r.site_id == site_id]
            if not held:
                raise NotFoundError(f"{account.login} is not {role} of site {site_id}")
            account.roles.remove(held[0])
            session.flush()
            return _view(account, managed_sites(actor))

    def issue_token(self, actor: Principal, account_id: int, label: str | None) -> IssuedToken:
        """A new token for a person (shown once); their other tokens keep working."""
        token = new_token()
        with self.sessions.begin() as session:
            account = _load(session, account_id, for_update=True)
            ensure_manages_person(actor, {role.site_id for role in account.roles})
            _live(account)
            row = AccountToken(
                account_id=account.id,
                token_hash=token_hash(token),
                label=label,
                created_by=actor.name,
            )
            session.add(row)
            session.flush()
        return IssuedToken(row, token)

    def revoke_token(self, actor: Principal, account_id: int, token_id: int) -> AccountToken:
        """Revoke one token of a person; the next request that sends it gets 401."""
        with self.sessions.begin() as session:
            account = _load(session, account_id, for_update=True)
            ensure_manages_person(actor, {role.site_id for role in account.roles})
            row = next((token for token in account.tokens if token.id == token_id), None)
            if row is None:
                raise NotFoundError(f"{account.login} has no token with id {token_id}")
            if row.revoked_at is not None:
                raise ConflictError(f"token {token_id} was revoked at {row.revoked_at}")
            row.revoked_at, row.revoked_by = utcnow(), actor.name
            return row


def _load(session: Session, account_id: int, for_update: bool = False) -> Account:
    query = (
        select(Account)
        .where(Account.id == account_id)
        .options(selectinload(Account.roles), selectinload(Account.tokens))
    )
    account = session.scalar(query.with_for_update() if for_update else query)
    if account is None:
        raise NotFoundError(f"no person with id {account_id}")
    return account


def _live(account: Account) -> None:
    if account.revoked_at is not None:
        raise ConflictError(f"{account.login} was revoked at {account.revoked_at}")


def _view(account: Account, sites: frozenset[str] | str) -> PersonView:
    roles = [r for r in account.roles if sites == "all" or r.site_id in sites]
    return PersonView(
        id=account.id,
        login=account.login,
        display_name=account.display_name,
        created_at=account.created_at,
        created_by=account.created_by,
        revoked_at=account.revoked_at,
        revoked_by=account.revoked_by,
        roles=sorted(roles, key=lambda r: (r.site_id, r.role)),
        tokens=list(account.tokens),
    )
