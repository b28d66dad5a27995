"""`moderation users ...`: add, list and revoke people, their roles and tokens from a shell.

The commands act as an admin of every site, named `cli:<user>` in what they record (or
`--by`): whoever can run them can read the settings and reach the database anyway. The
command group is built here and added to the `moderation` command by moderation/cli.py, which
hands over its way of loading the settings.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from moderation.config import Settings
from moderation.errors import ServiceError
from moderation.web.principal import ALL_SITES, Principal

ROLE_SPEC = "ROLE:SITE, e.g. moderator:paper-a or admin:'*' (quote the * in a shell)"


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return "unknown"


def parse_grant(spec: str) -> tuple[str, str]:
    """ "moderator:paper-a" as (role, site id)."""
    role, separator, site_id = spec.partition(":")
    if not separator or not role or not site_id:
        raise click.BadParameter(f"{spec!r} is not {ROLE_SPEC}")
    return role, site_id


def _person(view: Any) -> dict[str, Any]:
    return {
        "id": view.id,
        "login": view.login,
        "display_name": view.display_name,
        "roles": [f"{role.role}:{role.site_id}" for role in view.roles],
        "tokens": [_token(token) for token in view.tokens],
        "created_at": view.created_at,
        "created_by": view.created_by,
        "revoked_at": view.revoked_at,
        "revoked_by": view.revoked_by,
    }


def _token(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "label": row.label,
        "created_at": row.created_at,
        "last_used_at": row.last_used_at,
        "revoked_at": row.revoked_at,
    }


def _echo(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, default=str))


def users_group(load_settings: Callable[[], Settings]) -> click.Group:
    """The `users` command group, loading settings with `load_settings` when a command runs."""

    @click.group("users")
    @click.option(
        "--by", default=None, help="Who to record as making the change (default: cli:<user>)."
    )
    @click.pass_context
    def users(context: click.Context, by: str | None) -> None:
        """Moderator accounts: people, their roles per site, their API tokens."""
        context.obj = Principal.of(by or f"cli:{_os_user()}", [("admin", ALL_SITES)])

    @contextmanager
    def accounts() -> Iterator[Any]:
        from moderation.accounts.service import AccountService
        from moderation.db.session import make_engine, make_session_factory
        from moderation.web.auth import TokenTable

        settings = load_settings()
        engine = make_engine(settings.database.url)
        reserved = TokenTable(settings.auth.moderator_tokens, settings.auth.admin_tokens).names()
        try:
            yield AccountService(make_session_factory(engine), reserved)
        except ServiceError as error:
            raise click.ClickException(str(error)) from error
        finally:
            engine.dispose()

    @users.command("add")
    @click.argument("login")
    @click.option("--name", "display_name", required=True, help="Their display name.")
    @click.option("--role", "roles", multiple=True, required=True, help=ROLE_SPEC)
    @click.option("--label", default=None, help="What their first token is for.")
    @click.pass_obj
    def add(
        actor: Principal, login: str, display_name: str, roles: tuple[str, ...], label: str | None
    ) -> None:
        """Add a person with roles; print their first token, shown only this once."""
        from moderation.accounts.service import NewPerson

        grants = [parse_grant(spec) for spec in roles]
        with accounts() as service:
            created = service.create(actor, NewPerson(login, display_name, grants, label))
        _echo({**_person(created.person), "token": created.token, "token_id": created.token_id})
        click.echo("The token is shown only this once; it is stored only as a hash.", err=True)

    @users.command("list")
    @click.option("--site", "site_id", default=None, help="Only people with a role on SITE.")
    @click.option("--all", "include_revoked", is_flag=True, help="Also revoked people.")
    @click.pass_obj
    def list_people(actor: Principal, site_id: str | None, include_revoked: bool) -> None:
        """Print people with their roles and tokens (never the tokens themselves)."""
        with accounts() as service:
            people = service.people(actor, site_id, include_revoked)
        _echo([_person(view) for view in people])

    @users.command("revoke")
    @click.argument("login")
    @click.option("--token", "token_id", type=int, default=None, help="Revoke only this token.")
    @click.pass_obj
    def revoke(actor: Principal, login: str, token_id: int | None) -> None:
        """Revoke a person and all their tokens, or with --token one token; at once."""
        with accounts() as service:
            person = service.find(actor, login)
            if token_id is None:
                _echo(_person(service.revoke(actor, person.id)))
            else:
                _echo(_token(service.revoke_token(actor, person.id, token_id)))

    @users.command("role")
    @click.argument("login")
    @click.argument("grant", metavar="ROLE:SITE")
    @click.option("--remove", is_flag=True, help="Take the role away instead of giving it.")
    @click.pass_obj
    def role(actor: Principal, login: str, grant: str, remove: bool) -> None:
        """Give a person ROLE on SITE ('*': every site), or take it away with --remove."""
        role_name, site_id = parse_grant(grant)
        with accounts() as service:
            person = service.find(actor, login)
            change = service.remove_role if remove else service.grant
            _echo(_person(change(actor, person.id, role_name, site_id)))

    @users.command("token")
    @click.argument("login")
    @click.option("--label", default=None, help="What the token is for.")
    @click.pass_obj
    def token(actor: Principal, login: str, label: str | None) -> None:
        """Issue a new token for a person; print it, shown only this once."""
        with accounts() as service:
            person = service.find(actor, login)
            issued = service.issue_token(actor, person.id, label)
        _echo({**_token(issued.row), "token": issued.token})
        click.echo("The token is shown only this once; it is stored only as a hash.", err=True)

    return users
